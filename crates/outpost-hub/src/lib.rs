//! The Outpost hub as a library: [`launch`] serves sync on a listener until
//! `shutdown` resolves, so tests run real hubs in-process on port 0 and the
//! `outpost-hub` binary is a thin shell around it.
//!
//! Endpoints (all but enrolment need `Authorization: Bearer <credential>`):
//!
//! | method | path | what |
//! |---|---|---|
//! | POST | `/v1/enrol` | redeem a one-time code for a device credential |
//! | POST | `/v1/sync` | one document exchange (postcard + zstd body) |
//! | POST | `/v1/blobs/status` | which blobs the hub holds, and how much of partial ones |
//! | PUT | `/v1/blobs/{sha256}?offset=N&size=S` | append a blob from `offset`; kept as it arrives |
//! | GET | `/v1/blobs/{sha256}` | a blob, from a `Range: bytes=N-` |
//! | GET | `/v1/status` | devices seen, last sync, what each is missing (hq/hub roles) |
//!
//! The store is shared behind a mutex and used from blocking threads; an
//! upstream sync (to the next hub) runs on its own connection to the same
//! SQLite file so a slow satellite link never blocks local devices.

mod error;
mod routes;
pub mod tls;
pub mod upstream;

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use outpost_report::time::{Clock, SystemClock};
use outpost_store::Store;
use tokio::net::TcpListener;
use tokio::sync::Notify;

pub use error::ApiError;

/// How a hub runs.
#[derive(Debug, Clone)]
pub struct HubSettings {
    pub data: PathBuf,
    /// The store's data key, unlocked when the hub starts.
    pub key: outpost_store::DataKey,
    /// The next hub up (camp → sector → HQ), if any. This hub must have been
    /// enrolled there (`outpost --data DIR enrol --hub URL --code CODE`).
    pub upstream: Option<String>,
    /// How often to sync upstream when nothing triggers it sooner.
    pub upstream_every: std::time::Duration,
    pub upstream_budget: outpost_sync::LinkBudget,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<tls::TlsFiles>,
    /// How long an upload body may send nothing before the hub keeps what
    /// arrived and ends it: a stalled peer does not hold the file's
    /// transfer open for ever.
    pub body_idle: std::time::Duration,
    /// How long a status query waits for the same device's upload of a file
    /// still draining; after that it answers with what is recorded.
    pub status_wait: std::time::Duration,
}

impl HubSettings {
    pub fn new(data: PathBuf, key: outpost_store::DataKey) -> HubSettings {
        HubSettings {
            data,
            key,
            upstream: None,
            upstream_every: std::time::Duration::from_secs(60),
            upstream_budget: outpost_sync::LinkBudget::wifi(),
            tls: None,
            // A satellite link stalls for seconds, not a minute.
            body_idle: std::time::Duration::from_secs(60),
            status_wait: std::time::Duration::from_secs(10),
        }
    }
}

pub(crate) struct HubState {
    pub store: Mutex<Store>,
    pub hub_id: String,
    /// Recent request ids per device: a replayed body is refused.
    pub seen: Mutex<HashMap<String, VecDeque<[u8; 16]>>>,
    /// Woken when a device brought new documents: sync upstream soon.
    pub upstream_kick: Notify,
    /// One upload at a time per device and blob; the device's status query
    /// waits for it (a bounded time), so a device resuming after a cut is
    /// told where the hub really got to.
    pub uploads: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub body_idle: std::time::Duration,
    pub status_wait: std::time::Duration,
    /// The mission authority's certificate (PEM), served to devices that
    /// enrol with its fingerprint.
    pub mission_ca: Option<String>,
}

impl HubState {
    pub(crate) fn upload_lock(&self, uploader: &str, sha256: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut uploads = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        uploads.retain(|_, lock| Arc::strong_count(lock) > 1);
        uploads
            .entry(format!("{uploader}/{sha256}"))
            .or_default()
            .clone()
    }
}

/// Errors starting a hub.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("cannot open the hub's store")]
    Store(#[from] outpost_store::StoreError),
    #[error("the hub's server failed")]
    Serve(#[from] std::io::Error),
    #[error("TLS is not usable")]
    Tls(#[from] tls::TlsError),
}

/// Serves until `shutdown` resolves.
pub async fn launch(
    settings: HubSettings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HubError> {
    // Refuse a bad certificate before anything else starts.
    let tls = settings.tls.as_ref().map(tls::server_config).transpose()?;
    let mut store = Store::open(&settings.data, &settings.key, SystemClock.now())?;
    // A hub killed mid-upload leaves files nothing indexes; it is restarted
    // far more often than anyone runs the doctor on it.
    let reclaimed = store.reclaim()?;
    if reclaimed != outpost_store::Reclaimed::default() {
        eprintln!(
            "removed {} file(s) and {} temporary file(s) left by interrupted writes",
            reclaimed.orphan_files, reclaimed.temporary_files
        );
    }
    let hub_id = store.device_id().to_string();
    let state = Arc::new(HubState {
        store: Mutex::new(store),
        hub_id,
        seen: Mutex::new(HashMap::new()),
        upstream_kick: Notify::new(),
        uploads: Mutex::new(HashMap::new()),
        body_idle: settings.body_idle,
        status_wait: settings.status_wait,
        mission_ca: std::fs::read_to_string(tls::mission_ca_file(&settings.data)).ok(),
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let upstream = settings.upstream.clone().map(|url| {
        tokio::spawn(upstream::run(
            settings.clone(),
            url,
            state.clone(),
            stop_rx.clone(),
        ))
    });
    let app = routes::router(state);
    let result = match tls {
        Some(config) => {
            let listener = tls::TlsListener::new(listener, config)?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    let _ = stop_tx.send(true);
    if let Some(task) = upstream {
        let _ = task.await;
    }
    Ok(result?)
}
