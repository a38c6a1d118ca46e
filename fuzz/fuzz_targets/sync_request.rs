//! A sync request body as a hub receives it from an enrolled device:
//! decoded (zstd, size limits, version), then every pushed document read
//! under the store's lock and vetted — applied to the stored copy, its
//! operations budgeted, its shape, actors, signatures and policy checked.
//! Nothing is stored, so every input meets the same hub.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use outpost_fuzz::body_of;
use outpost_report::{Classification, ReportDoc, Timestamp};
use outpost_store::{Passphrase, Store};
use outpost_sync::Role;
use outpost_sync::protocol::SyncRequest;
use outpost_sync::serve::{self, Peer};

struct Hub {
    store: Store,
    _dir: tempfile::TempDir,
}

fn hub() -> &'static Mutex<Hub> {
    static HUB: OnceLock<Mutex<Hub>> = OnceLock::new();
    HUB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a directory for the hub's store");
        let store = Store::unlock(
            dir.path(),
            &Passphrase::new("fuzzing the hub"),
            Timestamp::from_millis(1_777_593_600_000),
        )
        .expect("the hub's store");
        Mutex::new(Hub { store, _dir: dir })
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
    let Some(req) = body_of::<SyncRequest>(input) else {
        return;
    };
    // The pusher is taken to be the device that made the first pushed
    // change, so that inputs reach the policy and not only the actor check
    // (which has attack tests of its own).
    let device = req
        .docs
        .iter()
        .find_map(|d| {
            let mut doc = ReportDoc::load(&d.payload).ok()?;
            let actor = doc.actors_since(&[]).into_iter().next()?;
            let id: [u8; 16] = actor.get(..16)?.try_into().ok()?;
            Some(outpost_report::DeviceId::from_uuid(uuid::Uuid::from_bytes(id)).to_string())
        })
        .unwrap_or_else(|| "01970000-0000-7000-8000-000000000001".into());
    let peer = Peer::new(&device, Role::Field, "BATGAO-1", "East", Classification::Confidential);
    let hub = hub().lock().unwrap_or_else(|p| p.into_inner());
    let Ok(prepared) = serve::prepare(&hub.store, &peer, &req) else {
        return;
    };
    let _ = serve::vet(&peer, prepared);
});
