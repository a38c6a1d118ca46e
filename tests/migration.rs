//! Schema migrations: an old database upgrades (after a backup); a newer
//! database is refused by an older build, untouched.

use outpost_report::{Lang, ReportDoc};
use outpost_store::{MIGRATIONS, ReportFilter, Store, StoreError};

use crate::util::{self, T0};

fn user_version(path: &std::path::Path) -> i64 {
    let conn = outpost_store::database_connection(
        &path.join(outpost_store::DATABASE_FILE),
        &crate::util::key(path),
    )
    .expect("raw open");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version")
}

#[test]
fn a_first_schema_database_opens_after_later_migrations() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = &MIGRATIONS[..1];
    let ids: Vec<_> = (0..5).map(util::report_id).collect();
    {
        // What the first schema held: documents only, written as it wrote them.
        let store = Store::open_with_schema(dir.path(), &crate::util::key(dir.path()), first, T0)
            .expect("schema-1 store");
        assert_eq!(store.schema_version().expect("version"), 1);
        drop(store);
        let conn = outpost_store::database_connection(
            &dir.path().join(outpost_store::DATABASE_FILE),
            &crate::util::key(dir.path()),
        )
        .expect("raw");
        for (n, id) in ids.iter().enumerate() {
            let kind = ["patrol", "incident", "qip"][n % 3];
            let mut doc = util::template_report(kind, *id, util::device(1));
            conn.execute(
                "INSERT INTO documents (report_id, bytes, heads, saved_at) VALUES (?1, ?2, '[]', 0)",
                rusqlite::params![id.to_string(), doc.save()],
            )
            .expect("a schema-1 row");
        }
    }

    let store = Store::unlock(dir.path(), &crate::util::pass(), T0)
        .expect("the old database opens with the current schema");
    let migrated = store.migrated().clone();
    assert_eq!(
        (migrated.from, migrated.to),
        (1, MIGRATIONS.len()),
        "it was migrated"
    );
    let backup = migrated.backup.expect("a backup is made before migrating");
    assert!(
        backup.exists(),
        "the backup file exists: {}",
        backup.display()
    );
    let conn = outpost_store::database_connection(&backup, &crate::util::key(dir.path()))
        .expect("the backup is a database");
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(
        v, 1,
        "the backup is the database as it was before migrating"
    );

    let listed: Vec<_> = store
        .list(&ReportFilter::default())
        .expect("list")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        listed.len(),
        ids.len(),
        "every old report is listed after the upgrade"
    );
    for id in &ids {
        assert!(listed.contains(id), "{id} is listed");
        assert!(store.load(*id).is_ok(), "{id} loads");
    }
    assert!(store.doctor().expect("doctor").is_healthy());
}

#[test]
fn an_older_build_refuses_a_newer_database_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("current store");
        let mut doc = util::template_report("patrol", util::report_id(1), store.device_id());
        store.save(&mut doc, T0).expect("save");
    }
    let before = user_version(dir.path());
    let err = Store::open_with_schema(
        dir.path(),
        &crate::util::key(dir.path()),
        &MIGRATIONS[..1],
        T0,
    )
    .expect_err("an older build must refuse");
    assert!(
        matches!(err, StoreError::TooNew { found, supported: 1 } if found == MIGRATIONS.len()),
        "refused as too new: {err:?}"
    );
    let fr = outpost_report::i18n::message(Lang::Fr, err.code(), &err.args());
    assert!(
        fr.contains("plus récente") && fr.contains("Mettez Outpost à jour"),
        "{fr}"
    );
    assert_eq!(
        user_version(dir.path()),
        before,
        "the schema version is unchanged"
    );
    let store = Store::unlock(dir.path(), &crate::util::pass(), T0)
        .expect("the current build still opens it");
    let mut doc: ReportDoc = store
        .load(util::report_id(1))
        .expect("the report is intact");
    assert_eq!(doc.to_json()["form"]["id"], "patrol");
}

/// Stores written by the `outpost` binary of each earlier release
/// (`tests/fixtures/make-release-stores.sh`), with what that binary showed
/// of each report.
const RELEASE_STORES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/stores");
/// The PIN the releases with encryption at rest were given.
const RELEASE_PIN: &str = "246810";

/// Each release's store, as (name, store directory, what it showed).
fn release_stores() -> Vec<(String, std::path::PathBuf, Vec<serde_json::Value>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(RELEASE_STORES).expect("the release stores are committed") {
        let dir = entry.expect("entry").path();
        let expected = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
        let expected: Vec<serde_json::Value> = serde_json::from_str(&expected).expect("json");
        let name = dir.file_name().expect("name").to_string_lossy().to_string();
        out.push((name, dir.join("store"), expected));
    }
    out.sort_by_key(|(name, ..)| name[7..].parse::<u32>().unwrap_or(0));
    out
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// What an old release showed of a report, against what this build reads
/// from the upgraded store: answers, classification, status, author, every
/// comment and every photo, and every photo file whole.
fn assert_kept(name: &str, store: &Store, shown: &serde_json::Value) {
    let id: outpost_report::ReportId = shown["id"].as_str().expect("id").parse().expect("an id");
    let mut doc = store
        .load(id)
        .unwrap_or_else(|e| panic!("{name}: report {id} is lost: {e}"));
    let now = doc.to_json();
    assert_eq!(now["answers"], shown["answers"], "{name} {id}: answers");
    for key in [
        "classification",
        "status",
        "author",
        "author_unit",
        "language",
    ] {
        assert_eq!(
            now["meta"][key], shown["meta"][key],
            "{name} {id}: meta.{key}"
        );
    }
    let texts = |v: &serde_json::Value| {
        let mut t: Vec<String> = v
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|c| format!("{}: {}", c["author"], c["text"]))
                    .collect()
            })
            .unwrap_or_default();
        t.sort();
        t
    };
    assert_eq!(
        texts(&now["comments"]),
        texts(&shown["comments"]),
        "{name} {id}: comments"
    );
    let photos = shown["photos"].as_array().cloned().unwrap_or_default();
    let ids = |v: &serde_json::Value| {
        let mut ids: Vec<String> = v
            .as_array()
            .map(|p| p.iter().map(|x| x["id"].to_string()).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&now["photos"]),
        ids(&shown["photos"]),
        "{name} {id}: photos"
    );
    for photo in &photos {
        let photo_id = &photo["id"];
        for variant in ["original", "preview", "thumbnail"] {
            let sha = photo[variant]["sha256"].as_str().expect("sha256");
            let bytes = store
                .read_blob(sha)
                .unwrap_or_else(|e| panic!("{name} {id}: photo {photo_id} {variant}: {e}"));
            assert_eq!(
                bytes.len() as u64,
                photo[variant]["bytes"].as_u64().expect("bytes")
            );
        }
    }
}

/// Migration was tested only from the first schema, on a database filled by
/// today's code. Each earlier release's own store upgrades (and is encrypted
/// in place where it was plain) with every report, comment and photo as
/// that release showed them.
#[test]
fn a_store_written_by_each_earlier_release_upgrades_with_everything_kept() {
    let releases = release_stores();
    let schemas: Vec<&str> = releases.iter().map(|(n, ..)| n.as_str()).collect();
    assert!(
        (2..MIGRATIONS.len()).all(|s| schemas.contains(&format!("schema-{s}").as_str())),
        "a store of every earlier schema: {schemas:?}"
    );
    for (name, fixture, expected) in &releases {
        let dir = tempfile::tempdir().expect("dir");
        copy_tree(fixture, dir.path());
        let store = Store::unlock(dir.path(), &outpost_store::Passphrase::new(RELEASE_PIN), T0)
            .unwrap_or_else(|e| panic!("{name} opens: {e}"));
        assert_eq!(
            store.schema_version().expect("version"),
            MIGRATIONS.len(),
            "{name}"
        );
        assert_eq!(
            store.list(&ReportFilter::default()).expect("list").len(),
            expected.len(),
            "{name}: every report listed"
        );
        for shown in expected {
            assert_kept(name, &store, shown);
        }
        let doctor = store.doctor().expect("doctor");
        assert!(doctor.is_healthy(), "{name}: {doctor:#?}");
        let commented = expected
            .iter()
            .any(|r| r["comments"].as_array().is_some_and(|c| !c.is_empty()));
        eprintln!(
            "{name}: {} reports kept (comments: {commented})",
            expected.len()
        );
    }
}

/// Every file under `dir` with its content, to tell whether anything changed.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.insert(path.strip_prefix(dir).expect("inside").to_path_buf(), bytes);
            }
        }
    }
    out
}

/// An upgrade (encryption in place, backup, every migration) killed at a
/// random moment, many times: each time the next open finds the store old
/// and intact or new and intact, with everything the release showed. The
/// test counts the kills that landed while the upgrade was changing files.
#[test]
fn an_upgrade_killed_part_way_leaves_the_store_old_or_new_with_everything_kept() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Instant;

    let releases = release_stores();
    let (name, fixture, expected) = releases.first().expect("the oldest release's store");
    let upgrade = |data: &std::path::Path| {
        let mut cmd = crate::util::outpost(data);
        cmd.env("OUTPOST_PASSPHRASE", RELEASE_PIN)
            .args(["report", "list", "--json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };
    // How long a whole upgrade takes here, to spread the kills over it.
    let whole = {
        let dir = tempfile::tempdir().expect("dir");
        copy_tree(fixture, dir.path());
        let start = Instant::now();
        assert!(upgrade(dir.path()).status().expect("runs").success());
        start.elapsed()
    };
    let pristine = snapshot(fixture);
    let mut rng = rand::rng();
    let (mut untouched, mut landed, mut finished) = (0, 0, 0);
    for round in 0..24 {
        let dir = tempfile::tempdir().expect("dir");
        copy_tree(fixture, dir.path());
        let mut child = upgrade(dir.path()).spawn().expect("starts");
        let at = whole.mul_f64(rand::Rng::random_range(&mut rng, 0.05..1.0));
        std::thread::sleep(at);
        let _ = child.kill();
        let status = child.wait().expect("reaped");
        match status.signal() {
            Some(9) if snapshot(dir.path()) == pristine => untouched += 1,
            Some(9) => landed += 1,
            None if status.success() => finished += 1,
            _ => panic!("round {round}: the upgrade failed on its own: {status}"),
        }
        let store = Store::unlock(dir.path(), &outpost_store::Passphrase::new(RELEASE_PIN), T0)
            .unwrap_or_else(|e| panic!("round {round}: the store opens after the kill: {e}"));
        assert_eq!(store.schema_version().expect("version"), MIGRATIONS.len());
        assert_eq!(
            store.list(&ReportFilter::default()).expect("list").len(),
            expected.len(),
            "round {round}"
        );
        for shown in expected {
            assert_kept(&format!("{name}, round {round}"), &store, shown);
        }
        assert!(
            store.doctor().expect("doctor").is_healthy(),
            "round {round}"
        );
    }
    eprintln!(
        "upgrade of {name} ({} ms whole): {landed} kills landed mid-upgrade, \
         {untouched} before it changed a file, {finished} after it finished",
        whole.as_millis()
    );
    assert!(
        landed > 0,
        "kills landed while the upgrade was changing files"
    );
}
