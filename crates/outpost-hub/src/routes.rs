//! The hub's HTTP handlers: authenticate, read the body within limits, and
//! hand the work to `outpost_sync::serve` on a blocking thread.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use futures_util::StreamExt;
use outpost_report::Lang;
use outpost_report::time::{Clock, SystemClock};
use outpost_store::{EnrolledDevice, Refusal, Store};
use outpost_sync::protocol::{
    self, BlobQuery, BlobReceipt, BlobState, BlobStates, BodyError, EnrolRequest, EnrolResponse,
    SyncRequest,
};
use outpost_sync::serve::{
    MAX_PUSH_DOCS, Peer, ServeError, conclude, prepare, uploadable_for, vet,
};

use crate::HubState;
use crate::error::ApiError;

type Shared = Arc<HubState>;

/// Largest blob a hub accepts.
const MAX_BLOB: u64 = 256 * 1024 * 1024;
/// Received blob bytes are made durable in pieces of this size: a cut link
/// re-sends at most one piece.
const PIECE: usize = 64 * 1024;
const REMEMBERED_REQUESTS: usize = 4096;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/enrol", post(enrol))
        .route("/v1/mission-ca", get(mission_ca))
        .route("/v1/sync", post(sync))
        .route("/v1/blobs/status", post(blob_status))
        .route("/v1/blobs/{sha256}", put(put_blob).get(get_blob))
        .route("/v1/status", get(status))
        .fallback(not_found)
        // Limits are enforced per endpoint, with a proper error body.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

fn lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_locale)
        .unwrap_or_default()
}

fn now() -> outpost_report::Timestamp {
    SystemClock.now()
}

async fn blocking<T: Send + 'static>(
    state: &Shared,
    lang: Lang,
    work: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = state
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut store)
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "sync.internal", lang))?
}

/// The enrolled device behind the request's credential, and what it may see.
async fn authenticate(
    state: &Shared,
    headers: &HeaderMap,
    lang: Lang,
) -> Result<(EnrolledDevice, Peer), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "auth.missing", lang))?
        .to_string();
    let device = blocking(state, lang, move |store| {
        store
            .device_for_token(&token)
            .map_err(|e| ApiError::store(e, lang))
    })
    .await?
    .map_err(|refusal| match refusal {
        Refusal::Revoked => ApiError::new(StatusCode::FORBIDDEN, "auth.revoked", lang),
        _ => ApiError::new(StatusCode::UNAUTHORIZED, "auth.unknown", lang),
    })?;
    let peer = Peer::enrolled(&device);
    Ok((device, peer))
}

/// Who is uploading, before the credential is checked: a digest of the
/// bearer credential (one per device), so that a device's upload and its
/// status query meet at the same lock from the first moment of the request.
fn uploader(headers: &HeaderMap) -> String {
    use sha2::Digest;
    let token = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    hex::encode(&sha2::Sha256::digest(token)[..12])
}

fn check_version(headers: &HeaderMap, lang: Lang) -> Result<(), ApiError> {
    match headers
        .get(protocol::VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(()),
        Some(v) if v.trim() == protocol::VERSION.to_string() => Ok(()),
        Some(v) => Err(version_error(lang, v)),
    }
}

fn version_error(lang: Lang, given: impl ToString) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "sync.version", lang)
        .with("given", given)
        .with("supported", protocol::VERSION)
}

fn too_large(lang: Lang, max: impl ToString) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "sync.too_large", lang).with("max", max)
}

async fn read_body(body: Body, limit: usize, lang: Lang) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large(lang, limit))
}

fn malformed(lang: Lang, detail: impl ToString) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "sync.malformed", lang).with("detail", detail)
}

/// The mission authority's certificate, for a device enrolling with its
/// fingerprint: public, and checked against that fingerprint before the
/// device trusts anything signed by it.
async fn mission_ca(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    match &state.mission_ca {
        Some(pem) => Ok((
            [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
            pem.clone(),
        )
            .into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "enrol.no_authority",
            lang(&headers),
        )),
    }
}

async fn enrol(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let lang = lang(&headers);
    let bytes = read_body(body, 16 * 1024, lang).await?;
    let req: EnrolRequest = serde_json::from_slice(&bytes).map_err(|e| malformed(lang, e))?;
    if req.device_id.parse::<outpost_report::DeviceId>().is_err() {
        return Err(malformed(lang, "device_id is not a device id"));
    }
    // Every device enrolls the key its changes will be signed with.
    let Some(device_key) = outpost_report::signature::PublicKey::from_hex(&req.public_key) else {
        return Err(malformed(lang, "public_key is not an ed25519 public key"));
    };
    let token = hex::encode(rand::random::<[u8; 32]>());
    let hub_id = state.hub_id.clone();
    let issued = token.clone();
    let (grant, hub_key) = blocking(&state, lang, move |store| {
        let grant = store
            .redeem_enrolment_code(
                &req.code,
                &req.device_id,
                &req.name,
                &issued,
                &device_key,
                now(),
            )
            .map_err(|e| ApiError::store(e, lang))?;
        let hub_key = store.public_key().map(|k| k.to_hex()).unwrap_or_default();
        Ok(grant.map(|g| (g, hub_key)))
    })
    .await?
    .map_err(|refusal| match refusal {
        Refusal::Expired => ApiError::new(StatusCode::FORBIDDEN, "enrol.expired", lang),
        Refusal::Used => ApiError::new(StatusCode::FORBIDDEN, "enrol.used", lang),
        Refusal::DeviceExists => ApiError::new(StatusCode::CONFLICT, "enrol.device_exists", lang),
        Refusal::Unknown | Refusal::Revoked => {
            ApiError::new(StatusCode::FORBIDDEN, "enrol.unknown_code", lang)
        }
    })?;
    let resp = EnrolResponse {
        hub_id,
        token,
        unit: grant.unit,
        sector: grant.sector,
        role: grant.role,
        clearance: grant.clearance,
        hub_key,
    };
    Ok(axum::Json(resp).into_response())
}

async fn sync(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let lang = lang(&headers);
    check_version(&headers, lang)?;
    let (device, peer) = authenticate(&state, &headers, lang).await?;
    let bytes = read_body(body, protocol::MAX_BODY, lang).await?;
    let req: SyncRequest = protocol::decode(&bytes).map_err(|e| match e {
        BodyError::TooLarge => too_large(lang, protocol::MAX_DECOMPRESSED),
        other => malformed(lang, other),
    })?;
    if req.version != protocol::VERSION {
        return Err(version_error(lang, req.version));
    }
    {
        let mut seen = state.seen.lock().unwrap_or_else(|p| p.into_inner());
        let recent = seen.entry(device.device_id.clone()).or_default();
        if recent.contains(&req.request_id) {
            return Err(ApiError::new(StatusCode::CONFLICT, "sync.replayed", lang));
        }
        recent.push_back(req.request_id);
        if recent.len() > REMEMBERED_REQUESTS {
            recent.pop_front();
        }
    }
    let pushed = req.docs.len();
    let req = Arc::new(req);
    // Read what the hub holds under the lock, decode and vet what the peer
    // sent without it (a hostile push costs its sender's time, not everyone's),
    // then store and answer under the lock again.
    let (p, r) = (peer.clone(), req.clone());
    let prepared = blocking(&state, lang, move |store| {
        prepare(store, &p, &r).map_err(|e| serve_error(e, lang))
    })
    .await?;
    let p = peer.clone();
    let vetted = tokio::task::spawn_blocking(move || vet(&p, prepared))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "sync.internal", lang))?;
    let resp = blocking(&state, lang, move |store| {
        let at = now();
        let resp = conclude(store, &peer, &req, vetted, at).map_err(|e| serve_error(e, lang))?;
        let summary = serde_json::json!({
            "at": at.to_rfc3339(),
            "pushed": pushed,
            "accepted": resp.accepted.len(),
            "rejected": resp.rejected.len(),
            "sent": resp.docs.len(),
            "cursor": resp.cursor,
        });
        store
            .record_device_sync(&peer.device_id, at, &summary)
            .map_err(|e| ApiError::store(e, lang))?;
        Ok(resp)
    })
    .await?;
    if !resp.accepted.is_empty() {
        state.upstream_kick.notify_one();
    }
    let mut out = protocol::encode(&resp).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(protocol::CONTENT_TYPE),
    );
    Ok(out)
}

fn serve_error(e: ServeError, lang: Lang) -> ApiError {
    match e {
        ServeError::Version(v) => version_error(lang, v),
        ServeError::TooManyDocuments(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "sync.too_many_documents",
            lang,
        )
        .with("max", MAX_PUSH_DOCS),
        ServeError::Store(e) => ApiError::store(e, lang),
    }
}

fn valid_sha(sha: &str) -> bool {
    sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The media type a report gives file `sha` (JPEG if none says).
fn media_type_of(store: &Store, sha: &str) -> String {
    let report = store
        .reports_of_blob(sha)
        .ok()
        .and_then(|r| r.into_iter().next());
    report
        .and_then(|id| store.load(id).ok())
        .and_then(|doc| doc.files().into_iter().find(|f| f.sha256 == sha))
        .map_or_else(|| "image/jpeg".to_string(), |f| f.media_type)
}

/// Refuses an upload of a file that no report `peer` may change names, as if
/// the hub knew nothing of it.
fn require_uploadable(
    store: &Store,
    peer: &Peer,
    sha: &str,
    lang: Lang,
) -> Result<Vec<outpost_report::ReportId>, ApiError> {
    let reports = uploadable_for(store, peer, sha).map_err(|e| ApiError::store(e, lang))?;
    if reports.is_empty() {
        Err(ApiError::new(StatusCode::NOT_FOUND, "sync.unknown_blob", lang).with("hash", sha))
    } else {
        Ok(reports)
    }
}

/// Refuses a blob that belongs to no report `peer` may see, exactly as if it
/// did not exist: its existence is not disclosed.
fn require_visible(store: &Store, peer: &Peer, sha: &str, lang: Lang) -> Result<(), ApiError> {
    if store
        .scope_admits_blob(&peer.scope, sha)
        .map_err(|e| ApiError::store(e, lang))?
    {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "sync.unknown_blob", lang).with("hash", sha))
    }
}

async fn blob_status(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let lang = lang(&headers);
    let (_, peer) = authenticate(&state, &headers, lang).await?;
    let bytes = read_body(body, 1024 * 1024, lang).await?;
    let query: BlobQuery = serde_json::from_slice(&bytes).map_err(|e| malformed(lang, e))?;
    if let Some(bad) = query.sha256.iter().find(|s| !valid_sha(s)) {
        return Err(malformed(lang, format!("{bad:?} is not a SHA-256")));
    }
    for sha in &query.sha256 {
        // This device's upload of this blob still draining what reached the
        // hub before a cut: wait for it, so the answer is where the hub really
        // got to — for a bounded time, then answer with what is recorded.
        let lock = state.upload_lock(&uploader(&headers), sha);
        let _done = tokio::time::timeout(state.status_wait, lock.lock()).await;
    }
    let states = blocking(&state, lang, move |store| {
        let mut states = Vec::with_capacity(query.sha256.len());
        for sha in &query.sha256 {
            // A file of a report the peer may not see reads as missing,
            // held or not: its existence is not disclosed.
            let state = if !store
                .scope_admits_blob(&peer.scope, sha)
                .map_err(|e| ApiError::store(e, lang))?
                && uploadable_for(store, &peer, sha)
                    .map_err(|e| ApiError::store(e, lang))?
                    .is_empty()
            {
                BlobState::Missing
            } else if store.has_blob(sha).map_err(|e| ApiError::store(e, lang))? {
                BlobState::Complete
            } else {
                match store
                    .partial_received(sha, &peer.device_id)
                    .map_err(|e| ApiError::store(e, lang))?
                {
                    0 => BlobState::Missing,
                    received => BlobState::Partial { received },
                }
            };
            states.push(state);
        }
        Ok(states)
    })
    .await?;
    Ok(axum::Json(BlobStates { states }).into_response())
}

#[derive(Debug)]
struct PutParams {
    offset: u64,
    size: u64,
}

impl PutParams {
    fn parse(query: &str) -> Option<PutParams> {
        let mut offset = None;
        let mut size = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("offset", v)) => offset = v.parse().ok(),
                Some(("size", v)) => size = v.parse().ok(),
                _ => {}
            }
        }
        Some(PutParams {
            offset: offset?,
            size: size?,
        })
    }
}

async fn put_blob(
    State(state): State<Shared>,
    Path(sha): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let lang = lang(&headers);
    check_version(&headers, lang)?;
    // Taken first, before anything that waits: a status query the same
    // device sends right after a cut must find this upload still draining,
    // not slip in ahead of it and report too little.
    let lock = state.upload_lock(&uploader(&headers), &sha);
    let guard = lock.clone().lock_owned().await;
    let (_, peer) = authenticate(&state, &headers, lang).await?;
    if !valid_sha(&sha) {
        return Err(malformed(lang, "the path is not a SHA-256"));
    }
    let Some(PutParams { offset, size }) = query.as_deref().and_then(PutParams::parse) else {
        return Err(malformed(lang, "offset and size are required"));
    };
    if size > MAX_BLOB {
        return Err(too_large(lang, MAX_BLOB));
    }
    let (s, p) = (sha.clone(), peer.clone());
    let (origins, held, received) = blocking(&state, lang, move |store| {
        let origins = require_uploadable(store, &p, &s, lang)?;
        let held = store.has_blob(&s).map_err(|e| ApiError::store(e, lang))?;
        let received = store
            .partial_received(&s, &p.device_id)
            .map_err(|e| ApiError::store(e, lang))?;
        Ok((origins, held, received))
    })
    .await?;
    if held {
        return Ok(axum::Json(BlobReceipt {
            received: size,
            complete: true,
        })
        .into_response());
    }
    if offset != received {
        return Err(
            ApiError::new(StatusCode::CONFLICT, "store.partial_offset", lang)
                .with("expected", received)
                .with("given", offset),
        );
    }
    // The body is drained by a task of its own: if the link drops and the
    // request is abandoned, every byte that reached the hub is still kept.
    let upload = Upload {
        sha,
        size,
        offset,
        peer,
        origins,
    };
    let task = tokio::spawn(receive_blob(state.clone(), body, upload, lang, guard));
    task.await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "sync.internal", lang))?
}

/// One upload, as checked when its request began.
struct Upload {
    sha: String,
    size: u64,
    offset: u64,
    peer: Peer,
    /// The reports the uploader may change that name the file: its origin
    /// once the bytes are in and verified.
    origins: Vec<outpost_report::ReportId>,
}

async fn receive_blob(
    state: Shared,
    body: Body,
    upload: Upload,
    lang: Lang,
    _guard: tokio::sync::OwnedMutexGuard<()>,
) -> Result<Response, ApiError> {
    let Upload {
        sha,
        size,
        offset,
        peer,
        origins,
    } = upload;
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::with_capacity(PIECE);
    let mut written = offset;
    let mut cut = false;
    loop {
        // A body that sends nothing for too long is treated as cut: what
        // arrived is kept, and the transfer is free again.
        let done = match tokio::time::timeout(state.body_idle, stream.next()).await {
            Ok(Some(Ok(chunk))) => {
                buffer.extend_from_slice(&chunk);
                false
            }
            Ok(Some(Err(_))) | Err(_) => {
                cut = true;
                true
            }
            Ok(None) => true,
        };
        if written + buffer.len() as u64 > size {
            return Err(malformed(lang, "more bytes than the declared size"));
        }
        if buffer.len() >= PIECE || (done && !buffer.is_empty()) {
            let piece = std::mem::take(&mut buffer);
            let (s, device) = (sha.clone(), peer.device_id.clone());
            written = blocking(&state, lang, move |store| {
                store
                    .append_partial(&s, &device, size, written, &piece, now())
                    .map_err(|e| ApiError::store(e, lang))
            })
            .await?;
        }
        if done {
            break;
        }
    }
    if cut || written < size {
        return Ok(axum::Json(BlobReceipt {
            received: written,
            complete: false,
        })
        .into_response());
    }
    let s = sha.clone();
    blocking(&state, lang, move |store| {
        // The report says what the file is (a JPEG variant, a voice note).
        let media_type = media_type_of(store, &s);
        match store.finish_partial(&s, &peer.device_id, &media_type, now()) {
            Ok(()) => {}
            Err(outpost_store::StoreError::BlobCorrupt { .. }) => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "sync.hash_mismatch",
                    lang,
                )
                .with("hash", &s));
            }
            Err(e) => return Err(ApiError::store(e, lang)),
        }
        // The bytes are proven: the file now comes from the reports this
        // device may change that name it (checked when the upload began).
        store
            .record_blob_origin(&s, &origins, &peer.device_id)
            .and_then(|()| store.set_peer_blob(&peer.device_id, &s))
            .map_err(|e| ApiError::store(e, lang))
    })
    .await?;
    state.upstream_kick.notify_one();
    Ok(axum::Json(BlobReceipt {
        received: written,
        complete: true,
    })
    .into_response())
}

async fn get_blob(
    State(state): State<Shared>,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = lang(&headers);
    let (_, peer) = authenticate(&state, &headers, lang).await?;
    if !valid_sha(&sha) {
        return Err(malformed(lang, "the path is not a SHA-256"));
    }
    let start = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => 0,
        Some(range) => range
            .strip_prefix("bytes=")
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "sync.bad_range", lang)
            })?,
    };
    let s = sha.clone();
    let (bytes, media_type) = blocking(&state, lang, move |store| {
        require_visible(store, &peer, &s, lang)?;
        let bytes = store.read_blob(&s).map_err(|e| ApiError::store(e, lang))?;
        let media_type = store
            .blob_info(&s)
            .ok()
            .flatten()
            .map(|(_, m)| m)
            .unwrap_or_else(|| "image/jpeg".into());
        Ok((bytes, media_type))
    })
    .await?;
    let total = bytes.len() as u64;
    if start > total {
        return Err(ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "sync.bad_range",
            lang,
        ));
    }
    let slice = Bytes::from(bytes).slice(start as usize..);
    let mut resp = slice.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if start > 0 {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!(
            "bytes {start}-{}/{total}",
            total.saturating_sub(1)
        )) {
            resp.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

async fn status(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let lang = lang(&headers);
    let (device, _) = authenticate(&state, &headers, lang).await?;
    if device.grant.role == "field" {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "auth.forbidden", lang));
    }
    let hub_id = state.hub_id.clone();
    let body = blocking(&state, lang, move |store| {
        crate::upstream::status_json(store, &hub_id).map_err(|e| ApiError::store(e, lang))
    })
    .await?;
    Ok(axum::Json(body).into_response())
}

async fn not_found(headers: HeaderMap) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "sync.not_found", lang(&headers))
}
