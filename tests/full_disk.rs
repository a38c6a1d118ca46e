//! A disk filled to the last byte, on a device and on a hub: what was saved
//! can still be read, and a write says the disk is full — naming which one.

use outpost_report::Classification;

use crate::sync::file_report;
use crate::util::hub::{Device, TestHub};
use crate::util::{self, SmallDisk, outpost, run_ok, stderr, stdout, write_file};

/// Reading a full store failed with "disk I/O error … 4874": the WAL's
/// shared-memory index could not be made.
#[test]
fn a_full_device_disk_still_reads_and_a_write_says_the_disk_is_full() {
    let disk = SmallDisk::new(12);
    let data = disk.path().join("store");
    let template = run_ok(outpost(&data).args(["report", "template", "--kind", "patrol"]));
    let answers = write_file(disk.path(), "patrol.json", template.as_bytes());
    let mut ids = Vec::new();
    for _ in 0..3 {
        let out = run_ok(
            outpost(&data)
                .args(["report", "create", "--kind", "patrol", "--answers"])
                .arg(&answers),
        );
        ids.push(out.trim().to_string());
    }
    let photo = write_file(disk.path(), "photo.jpg", &util::jpeg(640, 480, 5));
    run_ok(outpost(&data).args(["photo", "add", &ids[0]]).arg(&photo));

    let taken = disk.fill();
    assert!(taken > 0, "the filler took the free space");

    let list = run_ok(outpost(&data).args(["report", "list", "--json"]));
    for id in &ids {
        assert!(list.contains(id.as_str()), "{id} is listed on a full disk");
    }
    let shown = run_ok(outpost(&data).args(["report", "show", &ids[0]]));
    assert!(shown.contains("photos"), "{shown}");
    let doctor = outpost(&data).arg("doctor").output().expect("runs");
    assert!(
        doctor.status.success(),
        "{}{}",
        stdout(&doctor),
        stderr(&doctor)
    );

    for attempt in [
        outpost(&data)
            .args(["report", "create", "--kind", "patrol", "--answers"])
            .arg(&answers)
            .output(),
        outpost(&data)
            .env("OUTPOST_LANG", "fr")
            .args(["photo", "add", &ids[1]])
            .arg(&photo)
            .output(),
    ] {
        let out = attempt.expect("runs");
        assert!(!out.status.success(), "a write on a full disk fails");
        let err = stderr(&out);
        assert!(err.contains("[store.disk_full]"), "{err}");
        assert!(
            err.contains("out of storage space") || err.contains("plus d'espace"),
            "{err}"
        );
    }
    let after = run_ok(outpost(&data).args(["report", "list", "--json"]));
    let count = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .expect("json")
            .as_array()
            .map(Vec::len)
    };
    assert_eq!(count(&after), Some(3), "nothing half-saved");

    disk.free();
    run_ok(
        outpost(&data)
            .args(["report", "create", "--kind", "patrol", "--answers"])
            .arg(&answers),
    );
    let doctor = outpost(&data).arg("doctor").output().expect("runs");
    assert!(doctor.status.success(), "{}", stdout(&doctor));
}

/// A full hub disk reached the tablet as "The device is out of storage
/// space", which sends the patrol looking for space on the wrong machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hub_disk_is_reported_on_the_device_as_the_hubs() {
    let disk = SmallDisk::new(24);
    let hub =
        TestHub::start_with(tempfile::tempdir_in(disk.path()).expect("hub dir"), |_| {}).await;
    let mut tablet = Device::tablet(&hub).await;
    tablet.sync().await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);

    disk.fill();
    let err = tablet
        .try_sync(&outpost_sync::LinkBudget::wifi())
        .await
        .expect_err("the hub cannot store it");
    let (code, message) = err.localised(outpost_report::Lang::En);
    assert_eq!(code, "sync.hub_disk_full", "{message}");
    assert!(
        message.contains("The hub is out of storage space"),
        "{message}"
    );
    assert!(
        tablet.store.load(id).is_ok(),
        "the report stays on the tablet"
    );
    assert!(
        !hub.store().report_ids().expect("read").contains(&id),
        "nothing of it at the hub"
    );

    disk.free();
    tablet.sync().await;
    assert!(
        hub.store().report_ids().expect("read").contains(&id),
        "it goes once there is room"
    );
    hub.stop().await;
}
