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
const ROUNDS: usize = 30;

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
    let photo =
        outpost_media::process(&util::jpeg(320, 240, 7), &Default::default()).expect("a photo");
    let mut rng = rand::rng();
    for n in 0u64.. {
        let now = SystemClock.now();
        let id = ReportId::from_uuid(uuid::Uuid::new_v4());
        let new = util::new_report(id, store.device_id(), Classification::Confidential);
        let mut doc = util::generate::report(&form, &new, &mut rng, now);
        store.save(&mut doc, now).expect("save");
        if n % 4 == 0 {
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

#[test]
fn acknowledged_reports_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tmp");
    let exe = std::env::current_exe().expect("the test binary");
    let mut rng = rand::rng();
    let mut acknowledged: Vec<(ReportId, bool)> = Vec::new();

    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash::crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
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
        assert!(
            !status.success(),
            "round {round}: the child was killed, not finished"
        );
    }

    assert!(
        acknowledged.len() >= ROUNDS,
        "the child acknowledged saves before being killed"
    );
    let store = Store::unlock(dir.path(), &crate::util::pass(), SystemClock.now())
        .expect("the store opens after the crashes");
    let report = store.doctor().expect("doctor runs");
    assert_eq!(report.integrity, ["ok"], "PRAGMA integrity_check is ok");
    assert!(
        report.is_healthy(),
        "no missing or damaged blob, no stale list entry: {report:#?}"
    );
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
        "{} acknowledged reports over {ROUNDS} kills, {listed} stored",
        acknowledged.len()
    );
}
