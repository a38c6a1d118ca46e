//! Real hubs for tests: in-process on port 0, or as a child process that can
//! be killed; and devices enrolled with them.

use std::net::SocketAddr;

use outpost_hub::HubSettings;
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, Lang};
use outpost_store::{Grant, HubRecord, Store};
use outpost_sync::http::{HubTrust, SyncReport};
use outpost_sync::{LinkBudget, Role};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A hub serving HTTPS on loopback, in this process, with its own mission
/// authority (made by `init-tls`, as an operator would).
pub struct TestHub {
    pub url: String,
    pub addr: SocketAddr,
    pub dir: TempDir,
    /// The mission authority's certificate devices pin.
    pub ca_pem: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestHub {
    pub async fn start() -> TestHub {
        TestHub::start_with(tempfile::tempdir().expect("hub dir"), |_| {}).await
    }

    pub async fn start_with(dir: TempDir, tweak: impl FnOnce(&mut HubSettings)) -> TestHub {
        let ca_pem = mission_authority(dir.path());
        let mut settings = HubSettings::new(dir.path().to_path_buf(), crate::util::key(dir.path()));
        settings.tls = Some(outpost_hub::tls::default_files(dir.path()));
        tweak(&mut settings);
        // A test that takes TLS away (`s.tls = None`) asks for plain HTTP.
        let scheme = if settings.tls.is_some() {
            "https"
        } else {
            "http"
        };
        // Bind first, then serve: no race, no sleep.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            outpost_hub::launch(settings, listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("the hub serves");
        });
        TestHub {
            url: format!("{scheme}://{addr}"),
            addr,
            dir,
            ca_pem,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// How its devices trust it: its mission authority, pinned.
    pub fn trust(&self) -> HubTrust {
        if self.url.starts_with("http://") {
            HubTrust::InsecureHttp
        } else {
            HubTrust::Pinned(self.ca_pem.clone())
        }
    }

    /// The file holding its mission authority (for `outpost enrol --ca-cert`).
    pub fn ca_file(&self) -> std::path::PathBuf {
        outpost_hub::tls::mission_ca_file(self.dir.path())
    }

    /// A second connection to the hub's store, for setting up and checking.
    pub fn store(&self) -> Store {
        Store::unlock(self.dir.path(), &crate::util::pass(), SystemClock.now())
            .expect("the hub's store opens")
    }

    pub fn code(&self, unit: &str, sector: &str, role: Role, clearance: Classification) -> String {
        let code = format!("T{}", rand::random::<u64>());
        let grant = Grant {
            unit: unit.into(),
            sector: sector.into(),
            role: role.as_str().into(),
            clearance: clearance.as_str().into(),
        };
        self.store()
            .add_enrolment_code(&code, &grant, SystemClock.now(), 3_600_000)
            .expect("code stored");
        code
    }

    /// Enrols this hub with `upper` as a relay of sector East (cleared
    /// STRICTLY CONFIDENTIAL), as a camp hub is; returns its record there and
    /// the settings that make it sync upstream.
    pub async fn relay_below(&self, upper: &TestHub) -> (HubRecord, HubSettings) {
        let code = upper.code(
            "SECTOR-EAST",
            "East",
            Role::Hub,
            Classification::StrictlyConfidential,
        );
        let record = outpost_sync::http::enrol(
            &mut self.store(),
            &upper.url,
            &code,
            "camp",
            Lang::En,
            upper.trust(),
        )
        .await
        .expect("the camp enrols upstream");
        let mut settings = HubSettings::new(
            self.dir.path().to_path_buf(),
            crate::util::key(self.dir.path()),
        );
        settings.tls = Some(outpost_hub::tls::default_files(self.dir.path()));
        settings.upstream = Some(upper.url.clone());
        (record, settings)
    }

    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.dir
    }
}

/// A device with its own store, enrolled with a hub.
pub struct Device {
    pub dir: TempDir,
    pub store: Store,
    pub hub: HubRecord,
}

impl Device {
    pub async fn enrol(url: &str, code: &str, trust: HubTrust) -> Device {
        let dir = tempfile::tempdir().expect("device dir");
        let mut store = Store::unlock(dir.path(), &crate::util::pass(), SystemClock.now())
            .expect("device store");
        let hub = outpost_sync::http::enrol(&mut store, url, code, "test device", Lang::En, trust)
            .await
            .expect("enrolment");
        Device { dir, store, hub }
    }

    pub async fn join(
        hub: &TestHub,
        unit: &str,
        sector: &str,
        role: Role,
        clearance: Classification,
    ) -> Device {
        Device::enrol(
            &hub.url,
            &hub.code(unit, sector, role, clearance),
            hub.trust(),
        )
        .await
    }

    /// The usual tablet: unit BATGAO-1 of sector East, cleared CONFIDENTIAL.
    pub async fn tablet(hub: &TestHub) -> Device {
        Device::join(
            hub,
            "BATGAO-1",
            "East",
            Role::Field,
            Classification::Confidential,
        )
        .await
    }

    /// Points this device at another address for the same hub (a link
    /// proxy, which carries the TLS connection through untouched).
    pub fn via(&mut self, url: &str) {
        let addr = url.split("://").nth(1).unwrap_or(url);
        let scheme = self.hub.url.split("://").next().unwrap_or("https");
        self.hub.url = format!("{scheme}://{addr}");
    }

    pub async fn sync(&mut self) -> SyncReport {
        self.try_sync(&LinkBudget::wifi())
            .await
            .expect("sync completes")
    }

    pub async fn try_sync(
        &mut self,
        budget: &LinkBudget,
    ) -> Result<SyncReport, outpost_sync::http::SyncError> {
        // The record from enrolment, never refreshed: sync must take the
        // cursor from the store, not from a stale record.
        outpost_sync::http::sync(&mut self.store, &self.hub, budget, Lang::En).await
    }
}

/// The mission authority of the hub in `dir` (PEM), made with its
/// certificate for 127.0.0.1 the first time.
pub fn mission_authority(dir: &std::path::Path) -> String {
    let file = outpost_hub::tls::mission_ca_file(dir);
    if !file.exists() {
        outpost_hub::tls::init(dir, &["127.0.0.1".to_string()]).expect("the hub's certificates");
    }
    std::fs::read_to_string(file).expect("the mission authority")
}

/// A bare HTTP client for requests a device never makes (the tests' hostile
/// peer): it does not check the hub's certificate, its own safety not being
/// the point.
pub fn raw_client() -> reqwest::Client {
    outpost_sync::http::install_crypto();
    reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .expect("a client")
}
