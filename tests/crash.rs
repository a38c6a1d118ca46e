//! Crash safety: a process that saves reports in a loop is killed with SIGKILL
//! at arbitrary moments, many times. Every report it had acknowledged must be
//! there afterwards, whole, and SQLite must find the file intact.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, PhotoId, ReportId};
use outpost_store::Store;
use rand::Rng;

use crate::util;

const CHILD_DIR: &str = "OUTPOST_CRASH_CHILD_DIR";
const ATTACH_ONLY: &str = "OUTPOST_CRASH_ATTACH_ONLY";
const ROUNDS: usize = 30;

/// The child's other work: attaching new photos to one report, over and over,
/// so a kill lands most often between a photo's files and its commit.
fn attach_loop(store: &mut Store, form: &outpost_report::Form) {
    let now = SystemClock.now();
    let id = ReportId::from_uuid(uuid::Uuid::new_v4());
    let new = util::new_report(id, store.device_id(), Classification::Confidential);
    let mut doc = util::generate::report(form, &new, &mut rand::rng(), now);
    store.save(&mut doc, now).expect("save");
    // Photos made before the loop: the time goes to writing them.
    let photos: Vec<_> = (0..48)
        .map(|n| {
            outpost_media::process(
                &util::jpeg(160, 120, rand::random::<u32>() ^ n),
                &Default::default(),
            )
            .expect("a photo")
        })
        .collect();
    println!("report {id}");
    for photo in &photos {
        let photo_id = PhotoId::from_uuid(uuid::Uuid::new_v4());
        store
            .add_photo(
                id,
                photo,
                Some("photos"),
                false,
                photo_id,
                SystemClock.now(),
            )
            .expect("photo");
        println!("attached {photo_id}");
    }
    // Out of new photos: wait to be killed, as the parent expects.
    std::thread::sleep(Duration::from_secs(600));
}

/// The saving process. Runs only when the parent test starts it.
#[test]
#[ignore = "started by crash::acknowledged_reports_survive_sigkill"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let mut store = Store::unlock(
        std::path::Path::new(&dir),
        &crate::util::pass(),
        SystemClock.now(),
    )
    .expect("child opens the store");
    let form = util::form("patrol");
    let mut rng = rand::rng();
    if std::env::var_os(ATTACH_ONLY).is_some() {
        return attach_loop(&mut store, &form);
    }
    for n in 0u64.. {
        let now = SystemClock.now();
        let id = ReportId::from_uuid(uuid::Uuid::new_v4());
        let new = util::new_report(id, store.device_id(), Classification::Confidential);
        let mut doc = util::generate::report(&form, &new, &mut rng, now);
        store.save(&mut doc, now).expect("save");
        if n % 4 == 0 {
            // A new photo each time: a kill between its files and its commit
            // leaves files nothing indexes, which `reclaim` must remove.
            let photo =
                outpost_media::process(&util::jpeg(160, 120, rng.random()), &Default::default())
                    .expect("a photo");
            store
                .add_photo(
                    id,
                    &photo,
                    Some("photos"),
                    false,
                    PhotoId::from_uuid(uuid::Uuid::new_v4()),
                    now,
                )
                .expect("photo");
        }
        // Only now is the report acknowledged to the user.
        println!("saved {id} {}", u8::from(n % 4 == 0));
    }
}

/// The child (this test binary again, running `crash_child`) on store
/// `dir`: saving reports, or only attaching photos.
fn child(dir: &std::path::Path, attach_only: bool) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args([
        "--exact",
        "crash::crash_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_DIR, dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if attach_only {
        cmd.env(ATTACH_ONLY, "1");
    }
    cmd.spawn().expect("the child starts")
}

#[test]
fn acknowledged_reports_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut rng = rand::rng();
    let mut acknowledged: Vec<(ReportId, bool)> = Vec::new();
    let mut kills = 0;

    for round in 0..ROUNDS {
        let mut child = child(dir.path(), false);
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Let it acknowledge a random number of reports, then kill it a random
        // moment later: inside a save, a blob write or a commit.
        let target = rng.random_range(1..12);
        let mut seen = 0;
        while seen < target {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.strip_prefix("saved ") {
                let mut parts = rest.split(' ');
                let id = parts.next().and_then(|s| s.parse().ok()).expect("an id");
                acknowledged.push((id, parts.next() == Some("1")));
                seen += 1;
            }
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..20_000)));
        child.kill().expect("SIGKILL");
        // Reports acknowledged between our last read and the kill count too.
        for line in lines.map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("saved ") {
                let mut parts = rest.split(' ');
                let id = parts.next().and_then(|s| s.parse().ok()).expect("an id");
                acknowledged.push((id, parts.next() == Some("1")));
            }
        }
        let status = child.wait().expect("reaped");
        // The child never stops by itself: anything but our SIGKILL (a
        // panic, a failed save) is a failure, not a crash survived.
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "round {round}: the child died of our SIGKILL, not on its own ({status})"
        );
        kills += 1;
    }
    assert_eq!(
        kills, ROUNDS,
        "every round's kill landed on a running child"
    );

    assert!(
        acknowledged.len() >= ROUNDS,
        "the child acknowledged saves before being killed"
    );
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), SystemClock.now())
        .expect("the store opens after the crashes");
    let report = store.doctor().expect("doctor runs");
    assert_eq!(report.integrity, ["ok"], "PRAGMA integrity_check is ok");
    assert!(
        report.is_healthy(),
        "no missing or damaged blob, no stale list entry: {report:#?}"
    );
    // Kills that landed inside an attachment, between its files and its commit.
    let leftovers = report.orphan_blob_files + report.temporary_files;
    let reclaimed = store.reclaim().expect("leftovers are reclaimed");
    assert_eq!(
        reclaimed.orphan_files + reclaimed.temporary_files,
        leftovers,
        "reclaim removes exactly what the doctor counted"
    );
    let after = store.doctor().expect("doctor runs");
    assert_eq!(
        (after.orphan_blob_files, after.temporary_files),
        (0, 0),
        "nothing left behind after reclaim"
    );
    assert_eq!(after.blobs, report.blobs, "no indexed file was touched");
    for (id, with_photo) in &acknowledged {
        let doc = store
            .load(*id)
            .unwrap_or_else(|e| panic!("acknowledged report {id} is lost: {e}"));
        assert!(doc.answer("observations").is_some(), "report {id} is whole");
        if *with_photo {
            let photos = doc.photos();
            assert_eq!(photos.len(), 1, "the acknowledged photo of {id} is there");
            store
                .read_blob(&photos[0].thumbnail.sha256)
                .expect("its thumbnail is readable and hash-verified");
        }
    }
    let listed = store.count(&Default::default()).expect("count");
    assert!(
        listed as usize >= acknowledged.len(),
        "every acknowledged report is listed"
    );
    eprintln!(
        "{} acknowledged reports over {kills} kills (all by SIGKILL), {listed} stored, \
         {leftovers} leftover file(s) from kills inside an attachment reclaimed",
        acknowledged.len()
    );
}

/// Files an attachment wrote before it was killed, short of its commit, were
/// never reclaimed. The child attaches photos in a loop and is killed at
/// random moments until kills have landed inside an attachment; then the
/// doctor counts the leftovers, `reclaim` removes exactly those, and every
/// acknowledged photo is still whole.
#[test]
fn files_left_by_an_attachment_killed_mid_write_are_reclaimed() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut rng = rand::rng();
    let mut report = None;
    let mut acknowledged = Vec::new();
    let mut rounds = 0;
    let mut leftovers = 0;
    while leftovers == 0 && rounds < 40 {
        rounds += 1;
        let mut child = child(dir.path(), true);
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let target = rng.random_range(0..4);
        let mut seen = 0;
        while let Some(Ok(line)) = lines.next() {
            // The test harness may print its own words before the first line.
            if let Some((_, id)) = line.split_once("report ") {
                report = Some(id.trim().parse::<ReportId>().expect("an id"));
            }
            if let Some(photo) = line.strip_prefix("attached ") {
                acknowledged.push((report.expect("report first"), photo.to_string()));
                seen += 1;
            }
            if line.contains("report ") && target == 0 || seen >= target && seen > 0 {
                break;
            }
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3_000)));
        child.kill().expect("SIGKILL");
        for line in lines.map_while(Result::ok) {
            if let Some(photo) = line.strip_prefix("attached ") {
                acknowledged.push((report.expect("report first"), photo.to_string()));
            }
        }
        let status = child.wait().expect("reaped");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "round {rounds}: killed by our SIGKILL ({status})"
        );
        let store = Store::unlock(dir.path(), &util::pass(), SystemClock.now()).expect("opens");
        let doctor = store.doctor().expect("doctor");
        assert!(doctor.is_healthy(), "leftovers are no damage: {doctor:#?}");
        leftovers = doctor.orphan_blob_files + doctor.temporary_files;
    }
    assert!(
        leftovers > 0,
        "a kill landed inside an attachment within {rounds} rounds"
    );
    let mut store = Store::unlock(dir.path(), &util::pass(), SystemClock.now()).expect("opens");
    let before = store.doctor().expect("doctor");
    let reclaimed = store.reclaim().expect("reclaim");
    assert_eq!(
        reclaimed.orphan_files + reclaimed.temporary_files,
        leftovers,
        "reclaim removes what the doctor counted"
    );
    let after = store.doctor().expect("doctor");
    assert_eq!((after.orphan_blob_files, after.temporary_files), (0, 0));
    assert_eq!(after.blobs, before.blobs, "no indexed file was touched");
    for (report, photo) in &acknowledged {
        let doc = store.load(*report).expect("the report");
        let held = doc
            .photos()
            .into_iter()
            .find(|p| p.id.to_string() == *photo)
            .unwrap_or_else(|| panic!("acknowledged photo {photo} is there"));
        for v in [&held.original, &held.preview, &held.thumbnail] {
            store.read_blob(&v.sha256).expect("whole and hash-verified");
        }
    }
    eprintln!(
        "{rounds} kill(s); {leftovers} leftover file(s) reclaimed ({} orphan, {} temporary); {} acknowledged photos intact",
        reclaimed.orphan_files,
        reclaimed.temporary_files,
        acknowledged.len()
    );
}
