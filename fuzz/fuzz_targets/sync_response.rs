//! A sync response body as a device receives it from its hub (which may be
//! compromised): decoded, then applied by the device's session — every sent
//! document checked (shape, signatures, what the device may hold) before it
//! is merged into the device's store.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use outpost_fuzz::body_of;
use outpost_report::Timestamp;
use outpost_store::{HubRecord, Passphrase, Store};
use outpost_sync::protocol::SyncResponse;
use outpost_sync::session::Session;

const NOW: Timestamp = Timestamp::from_millis(1_777_593_600_000);

struct Device {
    store: Store,
    hub: HubRecord,
    _dir: tempfile::TempDir,
}

fn device() -> &'static Mutex<Device> {
    static DEVICE: OnceLock<Mutex<Device>> = OnceLock::new();
    DEVICE.get_or_init(|| {
        // On a memory file system where there is one: every accepted
        // document is a durable write.
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("a directory for the device's store");
        let store = Store::unlock(dir.path(), &Passphrase::new("fuzzing a device"), NOW)
            .expect("the device's store");
        let hub = HubRecord {
            hub_id: "hub".into(),
            url: "https://hub.invalid".into(),
            token: String::new(),
            unit: "BATGAO-1".into(),
            sector: "East".into(),
            role: "field".into(),
            clearance: "CONFIDENTIAL".into(),
            cursor: 0,
            enrolled_at: NOW,
            last_sync_at: None,
            ca_pem: None,
        };
        Mutex::new(Device {
            store,
            hub,
            _dir: dir,
        })
    })
}

fuzz_target!(
    init: {
        // Panics the code under test catches (automerge's decoder panics on
        // some malformed bytes, which the reader turns into a refusal) are
        // not crashes: only a panic that escapes is. libfuzzer-sys's own
        // hook would abort on the caught ones too.
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |input: &[u8]| {
    let Some(resp) = body_of::<SyncResponse>(input) else {
        return;
    };
    let mut device = device().lock().unwrap_or_else(|p| p.into_inner());
    let Device { store, hub, .. } = &mut *device;
    let mut session = Session::new(hub);
    let Ok(Some(req)) = session.next_request(store) else {
        return;
    };
    let _ = session.apply(store, &req, resp, NOW);
});
