//! The HTTP side of a device (or of a hub syncing upstream): the client for a
//! hub's endpoints, and [`sync`], which runs a whole sync with one hub.

use std::time::Duration;

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Lang, Timestamp};
use outpost_store::{HubRecord, Store, StoreError};
use serde::Serialize;

use crate::LinkBudget;
use crate::protocol::{
    self, BlobQuery, BlobReceipt, BlobState, BlobStates, BodyError, EnrolRequest, EnrolResponse,
    ErrorBody, SyncRequest, SyncResponse,
};
use crate::session::{Session, Tally};

/// Why talking to a hub failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the hub could not be reached or the link dropped")]
    Link(#[source] reqwest::Error),
    #[error("the hub refused: {code} ({status}): {message}")]
    Hub {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the hub's answer could not be read")]
    Body(#[from] BodyError),
    #[error("the local store failed")]
    Store(#[from] StoreError),
    #[error("this device is not enrolled with a hub (run `outpost enrol --hub URL --code CODE`)")]
    NotEnrolled,
    #[error("the hub's certificate authority file holds no usable certificate")]
    Certificate,
    /// The hub's certificate is not signed by the authority this device
    /// trusts for it, or is not for the address asked: a stranger, or
    /// someone in the middle. Never retried.
    #[error("the hub's certificate is not one this device trusts")]
    Untrusted(#[source] reqwest::Error),
    /// An `http://` hub without the explicit insecure flag: nothing is sent
    /// in clear.
    #[error("{url} is not an HTTPS address; devices talk to hubs over TLS only")]
    InsecureHub { url: String },
    /// What was given as the mission authority's fingerprint is not a SHA-256.
    #[error("{given:?} is not a certificate fingerprint (SHA-256)")]
    BadFingerprint { given: String },
    /// The hub's mission authority does not have the fingerprint the
    /// operator gave: another hub, or someone in the middle. Never retried.
    #[error("the hub's certificate authority does not have the fingerprint given")]
    AuthorityMismatch,
    /// The hub said this device is revoked, and its key and data were
    /// destroyed as it asked.
    #[error("this device was revoked by its hub: its key and data are destroyed")]
    Wiped,
}

/// What every front door does with a failed sync: a hub that says this
/// device is revoked is obeyed at once — the store is closed, its key
/// destroyed, then its files. Any other error is handed back unchanged.
pub fn obey_revocation(store: Store, err: SyncError) -> SyncError {
    if !err.orders_wipe() {
        return err;
    }
    let dir = store.dir().to_path_buf();
    drop(store);
    match outpost_store::wipe(&dir) {
        Ok(()) => SyncError::Wiped,
        Err(e) => SyncError::Store(e),
    }
}

/// A link error caused by the hub's certificate failing verification.
fn untrusted_certificate(e: &reqwest::Error) -> bool {
    let is_certificate = |c: &(dyn std::error::Error + 'static)| {
        c.downcast_ref::<rustls::Error>().is_some_and(|tls| {
            matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            )
        })
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if is_certificate(c) {
            return true;
        }
        // The TLS error travels inside io::Errors, whose `source` skips the
        // error they wrap: step into it instead.
        cause = match c.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        };
    }
    false
}

/// A failed request as a [`SyncError`]: an untrusted hub apart from a link that dropped.
fn link_error(e: reqwest::Error) -> SyncError {
    if untrusted_certificate(&e) {
        SyncError::Untrusted(e)
    } else {
        SyncError::Link(e)
    }
}

/// TLS uses the `ring` provider; installing it twice is harmless.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl SyncError {
    /// Worth trying again on the same link: the link dropped, or the hub was
    /// restarting.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Link(_) => true,
            SyncError::Hub { status, .. } => *status >= 500 && *status != 507,
            _ => false,
        }
    }

    pub fn code(&self) -> String {
        match self {
            SyncError::Link(_) => "sync.link".into(),
            SyncError::Hub { code, .. } => code.clone(),
            SyncError::Body(_) => "sync.malformed".into(),
            SyncError::Store(e) => e.code().into(),
            SyncError::NotEnrolled => "sync.not_enrolled".into(),
            SyncError::Certificate => "sync.certificate".into(),
            SyncError::Untrusted(_) => "sync.untrusted_hub".into(),
            SyncError::Wiped => "sync.revoked_wiped".into(),
            SyncError::InsecureHub { .. } => "sync.insecure_hub".into(),
            SyncError::BadFingerprint { .. } => "sync.bad_fingerprint".into(),
            SyncError::AuthorityMismatch => "sync.ca_fingerprint".into(),
        }
    }

    /// Whether the hub told this device that it is revoked. Only the hub it
    /// enrolled with can say so: the request carried this device's
    /// credential, over TLS to the pinned mission authority.
    pub fn orders_wipe(&self) -> bool {
        matches!(self, SyncError::Hub { status: 403, code, .. } if code == "auth.revoked")
    }
}

impl SyncError {
    /// The code and the message a person reads, in `lang`. A hub's own
    /// message is already in the language the device asked for.
    pub fn localised(&self, lang: Lang) -> (String, String) {
        match self {
            SyncError::Hub { code, message, .. } => (code.clone(), message.clone()),
            SyncError::Store(s) => (
                s.code().to_string(),
                outpost_report::i18n::message(lang, s.code(), &s.args()),
            ),
            SyncError::BadFingerprint { given } => {
                let code = self.code();
                let message =
                    outpost_report::i18n::message(lang, &code, &[("given", given.clone())]);
                (code, message)
            }
            SyncError::InsecureHub { url } => {
                let code = self.code();
                let message = outpost_report::i18n::message(lang, &code, &[("url", url.clone())]);
                (code, message)
            }
            other => {
                let code = other.code();
                let args = [("detail", other.to_string()), ("hash", String::new())];
                let message = outpost_report::i18n::message(lang, &code, &args);
                (code, message)
            }
        }
    }
}

/// A hub's HTTP endpoints, with this device's credential.
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    lang: Lang,
    /// Requests sent: each one costs at least a round trip on the link.
    requests: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Bytes of request and response bodies this client moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Bytes {
    pub up: u64,
    pub down: u64,
}

/// How a device trusts the hub it talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubTrust {
    /// HTTPS; the hub's certificate must be signed by this mission authority
    /// (PEM) and no other: pinned.
    Pinned(String),
    /// HTTPS with a certificate from a public authority the system trusts
    /// (a headquarters hub with a public name).
    System,
    /// Plain HTTP: every request, the token and every report readable by
    /// anyone on the network. Only when asked for in so many words (tests
    /// on loopback).
    InsecureHttp,
}

impl HubTrust {
    /// The trust a device enrolled with: its pinned authority, or plain
    /// HTTP for a hub enrolled at an `http://` address (which only
    /// `--insecure-http` allows), else the system's authorities.
    pub fn of(record: &HubRecord) -> HubTrust {
        match &record.ca_pem {
            Some(pem) => HubTrust::Pinned(pem.clone()),
            None if record.url.starts_with("http://") => HubTrust::InsecureHttp,
            None => HubTrust::System,
        }
    }

    fn pinned_pem(&self) -> Option<String> {
        match self {
            HubTrust::Pinned(pem) => Some(pem.clone()),
            _ => None,
        }
    }
}

/// TLS that trusts the mission's own authority `pem` and nothing else
/// (pinned: no other authority can vouch for a hub of the mission).
///
/// One configuration per authority for the life of the process, cloned
/// for each client: rustls resumes a session only under the very verifier
/// that made it, so sharing the configuration is what lets a later sync
/// resume with a TLS 1.3 ticket instead of receiving the hub's certificate
/// chain again over the link.
/// The certificates of `pem` that rustls can use as roots. One it cannot
/// use is left out; with none left, no hub is trusted, the safe way to fail.
fn authority_roots(pem: &str) -> rustls::RootCertStore {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()).flatten() {
        let _ = roots.add(cert);
    }
    roots
}

fn pinned_tls(pem: &str) -> rustls::ClientConfig {
    static CONFIGS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, rustls::ClientConfig>>,
    > = std::sync::OnceLock::new();
    let configs = CONFIGS.get_or_init(Default::default);
    let mut configs = configs.lock().unwrap_or_else(|p| p.into_inner());
    configs
        .entry(pem.to_string())
        .or_insert_with(|| {
            let roots = authority_roots(pem);
            let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            // The ring provider supports both safe default versions.
            .expect("TLS 1.2 and 1.3 with ring")
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            config
        })
        .clone()
}

/// Whether `url` is an address a device may talk to under `trust`: HTTPS,
/// or plain HTTP when that was asked for.
fn check_scheme(url: &str, trust: &HubTrust) -> Result<(), SyncError> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://")
        || (lower.starts_with("http://") && *trust == HubTrust::InsecureHttp)
    {
        Ok(())
    } else {
        Err(SyncError::InsecureHub {
            url: url.chars().take(200).collect(),
        })
    }
}

impl HubClient {
    /// A client for the hub at `base`, trusting it as `trust` says. An
    /// `http://` address is refused unless `trust` is
    /// [`HubTrust::InsecureHttp`].
    pub fn new(
        base: &str,
        token: Option<String>,
        lang: Lang,
        trust: &HubTrust,
    ) -> Result<HubClient, SyncError> {
        install_crypto();
        check_scheme(base, trust)?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            // Satellite links stall for seconds; a dead link must still end.
            .read_timeout(Duration::from_secs(120));
        if let HubTrust::Pinned(pem) = trust {
            // A file that is no certificate would only show as every hub
            // being untrusted; say what is wrong before any connection.
            if authority_roots(pem).is_empty() {
                return Err(SyncError::Certificate);
            }
            builder = builder.tls_backend_preconfigured(pinned_tls(pem));
        }
        let http = builder.build().map_err(SyncError::Link)?;
        Ok(HubClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            lang,
            requests: Default::default(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self
            .http
            .request(method, self.url(path))
            .header(protocol::VERSION_HEADER, protocol::VERSION.to_string())
            .header(reqwest::header::ACCEPT_LANGUAGE, self.lang.as_str());
        if let Some(token) = &self.token {
            rb = rb.bearer_auth(token);
        }
        rb
    }

    /// How many requests this client has sent.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response, SyncError> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let resp = rb.send().await.map_err(link_error)?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(SyncError::Link)?;
        let err: ErrorBody = serde_json::from_slice(&body).unwrap_or(ErrorBody {
            code: "sync.http".into(),
            message: String::from_utf8_lossy(&body).chars().take(300).collect(),
        });
        Err(SyncError::Hub {
            status,
            code: err.code,
            message: err.message,
        })
    }

    pub async fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, SyncError> {
        let resp = self
            .send(self.request(reqwest::Method::POST, "/v1/enrol").json(req))
            .await?;
        resp.json().await.map_err(SyncError::Link)
    }

    /// One document exchange. Returns the response and the body bytes moved.
    pub async fn exchange(&self, req: &SyncRequest) -> Result<(SyncResponse, Bytes), SyncError> {
        let body = protocol::encode(req);
        let up = body.len() as u64;
        let resp = self
            .send(
                self.request(reqwest::Method::POST, "/v1/sync")
                    .header(reqwest::header::CONTENT_TYPE, protocol::CONTENT_TYPE)
                    .body(body),
            )
            .await?;
        let bytes = resp.bytes().await.map_err(SyncError::Link)?;
        Ok((
            protocol::decode(&bytes)?,
            Bytes {
                up,
                down: bytes.len() as u64,
            },
        ))
    }

    pub async fn blob_states(&self, sha256: &[String]) -> Result<Vec<BlobState>, SyncError> {
        let query = BlobQuery {
            sha256: sha256.to_vec(),
        };
        let resp = self
            .send(
                self.request(reqwest::Method::POST, "/v1/blobs/status")
                    .json(&query),
            )
            .await?;
        let states: BlobStates = resp.json().await.map_err(SyncError::Link)?;
        Ok(states.states)
    }

    /// Sends `bytes[offset..]` of a blob; the hub keeps whatever arrives.
    pub async fn upload_blob(
        &self,
        sha256: &str,
        bytes: &[u8],
        offset: u64,
    ) -> Result<BlobReceipt, SyncError> {
        let rest = bytes.get(offset as usize..).unwrap_or_default().to_vec();
        let path = format!("/v1/blobs/{sha256}?offset={offset}&size={}", bytes.len());
        let resp = self
            .send(
                self.request(reqwest::Method::PUT, &path)
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(rest),
            )
            .await?;
        resp.json().await.map_err(SyncError::Link)
    }

    /// Fetches a blob from `offset`, handing each piece to `sink` as it
    /// arrives so a cut link keeps what came through.
    pub async fn download_blob(
        &self,
        sha256: &str,
        offset: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), StoreError>,
    ) -> Result<u64, SyncError> {
        let mut resp = self
            .send(
                self.request(reqwest::Method::GET, &format!("/v1/blobs/{sha256}"))
                    .header(reqwest::header::RANGE, format!("bytes={offset}-")),
            )
            .await?;
        let mut got = 0u64;
        while let Some(chunk) = resp.chunk().await.map_err(SyncError::Link)? {
            sink(&chunk)?;
            got += chunk.len() as u64;
        }
        Ok(got)
    }
}

/// What a sync moved and what it left waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub hub: String,
    #[serde(flatten)]
    pub documents: Tally,
    pub blobs_up: u64,
    pub blobs_down: u64,
    pub blob_bytes_up: u64,
    pub blob_bytes_down: u64,
    /// Request and response bodies, documents and blobs together.
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// HTTP requests made (each at least one round trip).
    pub requests: u64,
    pub waiting: Waiting,
}

/// What is still waiting after a sync, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Waiting {
    /// Documents the hub does not hold at their latest heads.
    pub documents: u64,
    /// Photo variants not yet at the hub, by class.
    pub thumbnails_up: u64,
    pub previews_up: u64,
    pub originals_up: u64,
    /// Photo variants of reports here that this device does not hold yet.
    pub blobs_down: u64,
    /// Why anything is still waiting (`budget`, `link budget excludes previews`, …).
    pub reasons: Vec<String>,
}

/// Tries per request before a sync gives up on a link that keeps dropping.
pub(crate) const ATTEMPTS: usize = 4;

/// Runs a whole sync with `hub`: documents both ways until neither side has
/// anything new, then thumbnails, previews and originals both ways, as far
/// as `budget` allows. Safe to interrupt anywhere: the next sync resumes.
pub async fn sync(
    store: &mut Store,
    hub: &HubRecord,
    budget: &LinkBudget,
    lang: Lang,
) -> Result<SyncReport, SyncError> {
    sync_with_progress(store, hub, budget, lang, |_| {}).await
}

/// A stage of a sync, reported as it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Documents,
    Thumbnails,
    Previews,
    Originals,
}

impl Stage {
    pub(crate) fn of_class(class: u8) -> Stage {
        match class {
            0 => Stage::Thumbnails,
            1 => Stage::Previews,
            _ => Stage::Originals,
        }
    }
}

/// Where a sync stands: told after every exchange of documents, after every
/// file, and once more as each stage is done.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress<'a> {
    pub stage: Stage,
    /// The stage has finished (as far as the budget allows).
    pub stage_done: bool,
    /// Everything moved so far in this sync.
    pub so_far: &'a SyncReport,
}

/// [`sync`], telling `progress` as items move and as each stage is done (for
/// progress bars, and for measuring when each class of data reached the hub).
pub async fn sync_with_progress(
    store: &mut Store,
    hub: &HubRecord,
    budget: &LinkBudget,
    lang: Lang,
    mut progress: impl FnMut(Progress<'_>) + Send,
) -> Result<SyncReport, SyncError> {
    let client = HubClient::new(&hub.url, Some(hub.token.clone()), lang, &HubTrust::of(hub))?;
    let mut report = SyncReport {
        hub: hub.url.clone(),
        ..Default::default()
    };
    // The cursor lives in the store: a record read before an earlier sync
    // (or by another program) must not send the device back to the start.
    let mut hub = hub.clone();
    if let Some(stored) = store.hubs()?.into_iter().find(|h| h.hub_id == hub.hub_id) {
        hub.cursor = stored.cursor;
    }
    let hub = &hub;
    let mut session = Session::new(hub);
    let mut failures = 0;
    while let Some(req) = session.next_request(store)? {
        match client.exchange(&req).await {
            Ok((resp, bytes)) => {
                report.bytes_up += bytes.up;
                report.bytes_down += bytes.down;
                session.apply(store, &req, resp, now())?;
                failures = 0;
                report.documents = session.tally.clone();
                progress(Progress {
                    stage: Stage::Documents,
                    stage_done: false,
                    so_far: &report,
                });
            }
            Err(e) if e.is_transient() && failures + 1 < ATTEMPTS => failures += 1,
            Err(e) => return Err(e),
        }
    }
    report.documents = session.tally.clone();
    progress(Progress {
        stage: Stage::Documents,
        stage_done: true,
        so_far: &report,
    });

    let mut pass = crate::transfer::BlobPass {
        client: &client,
        hub,
        budget,
        spent: 0,
        report: &mut report,
        progress: &mut progress,
    };
    for class in 0u8..=2 {
        if budget.max_class.is_none_or(|m| class > m) {
            continue;
        }
        pass.upload(store, class).await?;
        pass.download(store, class).await?;
        (pass.progress)(Progress {
            stage: Stage::of_class(class),
            stage_done: true,
            so_far: pass.report,
        });
    }
    let spent = pass.spent;
    report.requests = client.requests();
    report.waiting = waiting(store, hub, budget, spent)?;
    Ok(report)
}

pub(crate) fn now() -> Timestamp {
    SystemClock.now()
}

fn waiting(
    store: &Store,
    hub: &HubRecord,
    budget: &LinkBudget,
    spent: u64,
) -> Result<Waiting, SyncError> {
    let mut w = Waiting {
        documents: store.count_changed_for(&hub.hub_id)?,
        ..Default::default()
    };
    for b in store.blobs_missing_at(&hub.hub_id)? {
        match b.class {
            0 => w.thumbnails_up += 1,
            1 => w.previews_up += 1,
            _ => w.originals_up += 1,
        }
    }
    w.blobs_down = store.blobs_wanted()?.len() as u64;
    let excluded = |class: u8| budget.max_class.is_none_or(|m| class > m);
    if w.previews_up > 0 && excluded(1) {
        w.reasons.push("link budget excludes previews".into());
    }
    if w.originals_up > 0 && excluded(2) {
        w.reasons.push("link budget excludes originals".into());
    }
    let included_waiting = [w.thumbnails_up, w.previews_up, w.originals_up]
        .iter()
        .enumerate()
        .any(|(class, n)| *n > 0 && !excluded(class as u8));
    if let Some(max) = budget.max_blob_bytes.filter(|_| included_waiting) {
        w.reasons.push(format!(
            "link budget of {max} bytes reached ({spent} spent)"
        ));
    }
    if w.documents > 0 {
        w.reasons
            .push("documents refused or interrupted; see rejected".into());
    }
    Ok(w)
}

/// Enrols this device with a hub using a one-time code, and remembers the hub.
pub async fn enrol(
    store: &mut Store,
    url: &str,
    code: &str,
    name: &str,
    lang: Lang,
    trust: HubTrust,
) -> Result<HubRecord, SyncError> {
    let client = HubClient::new(url, None, lang, &trust)?;
    let resp = client
        .enrol(&EnrolRequest {
            code: code.to_string(),
            device_id: store.device_id().to_string(),
            name: name.to_string(),
            public_key: store.public_key().map(|k| k.to_hex()).unwrap_or_default(),
        })
        .await?;
    // The hub's own key: what its vouchers for other devices must verify under.
    if let Some(key) = outpost_report::signature::PublicKey::from_hex(&resp.hub_key) {
        store.record_device_key(&resp.hub_id, &key, "enrolment", None)?;
    }
    let hub = HubRecord {
        hub_id: resp.hub_id,
        url: url.trim_end_matches('/').to_string(),
        token: resp.token,
        unit: resp.unit.clone(),
        sector: resp.sector.clone(),
        role: resp.role,
        clearance: resp.clearance,
        cursor: 0,
        enrolled_at: now(),
        last_sync_at: None,
        ca_pem: trust.pinned_pem(),
    };
    store.add_hub(&hub)?;
    // The hub's grant decides the unit and sector new reports are filed
    // for: a report claiming another would be refused at sync.
    let mut profile = store.profile()?;
    profile.unit = hub.unit.clone();
    profile.sector = hub.sector.clone();
    store.set_profile(&profile)?;
    Ok(hub)
}

#[cfg(test)]
mod tests {
    use super::SyncError;

    fn refused(status: u16, code: &str) -> SyncError {
        SyncError::Hub {
            status,
            code: code.into(),
            message: String::new(),
        }
    }

    #[test]
    fn only_a_revocation_orders_a_wipe() {
        assert!(refused(403, "auth.revoked").orders_wipe());
        assert!(!refused(403, "policy.other_unit").orders_wipe());
        assert!(!refused(401, "auth.unknown").orders_wipe());
        assert!(
            !refused(500, "auth.revoked").orders_wipe(),
            "not from a failing hub"
        );
        assert!(!SyncError::NotEnrolled.orders_wipe());
    }
}
