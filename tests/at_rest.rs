//! A captured tablet or a copied hub disk: nothing in a data folder reveals a
//! report's words, a photo, a voice note or a token without the key; a wrong
//! passphrase opens nothing; a store from the previous release is encrypted
//! in place with nothing lost; a revoked device wipes itself.

use std::path::{Path, PathBuf};

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, Lang, ReportDoc, ReportId, VoiceNoteId};
use outpost_store::{Passphrase, Store, StoreError};

use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0};

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Which files under `dir` contain `needle`.
fn found_in(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(p).expect("readable file");
            bytes.windows(needle.len()).any(|w| w == needle)
        })
        .collect()
}

/// Windows of 32 bytes from the middle of `bytes`: pieces of a photo or a
/// recording that would show if the file were kept in clear.
fn pieces(bytes: &[u8]) -> Vec<Vec<u8>> {
    assert!(bytes.len() > 512, "enough content to sample");
    (1..=4)
        .map(|k| {
            let at = bytes.len() * k / 5;
            bytes[at..at + 32].to_vec()
        })
        .collect()
}

/// A WAV whose samples are not silence (silence is the same byte over and
/// over, which proves nothing).
fn recording(seed: u32) -> Vec<u8> {
    let samples: Vec<u8> = (0..24_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) ^ seed).to_be_bytes()[1])
        .collect();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8_000u32.to_le_bytes());
    out.extend_from_slice(&8_000u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(&samples);
    out
}

/// Files a report whose free text carries `word`, with a real photo and a
/// voice note; returns the bytes a person would recognise.
fn file_planted_report(store: &mut Store, word: &str, seed: u32) -> (ReportId, Vec<Vec<u8>>) {
    let form = util::form("incident");
    let id = ReportId::from_uuid(uuid::Uuid::new_v4());
    let profile = store.profile().expect("profile");
    let new = outpost_report::NewReport {
        id,
        author: "Lt. A. Traoré".into(),
        author_unit: profile.unit,
        sector: profile.sector,
        device: store.device_id(),
        language: Lang::En,
        classification: Classification::Confidential,
        status: outpost_report::ReviewStatus::Submitted,
    };
    let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
    let mut answers = form.template();
    answers.insert(
        "location_details".into(),
        serde_json::json!(format!(
            "Armed men seen near the well; informant {word} says more"
        )),
    );
    doc.set_answers(&answers, T0).expect("answers");
    store.save(&mut doc, T0).expect("save");
    let photo = outpost_media::process(
        &util::jpeg(900, 700, seed),
        &outpost_media::Limits::default(),
    )
    .expect("a JPEG is a photo");
    crate::sync::attach(store, id, &photo);
    let audio = recording(seed);
    store
        .add_voice_note(
            id,
            &audio,
            None,
            Some("voice_notes"),
            VoiceNoteId::from_uuid(uuid::Uuid::new_v4()),
            T0,
        )
        .expect("voice note attached");
    let mut secrets = vec![word.as_bytes().to_vec()];
    for bytes in [
        &photo.original.bytes,
        &photo.preview.bytes,
        &photo.thumbnail.bytes,
        &audio,
    ] {
        secrets.extend(pieces(bytes));
    }
    (id, secrets)
}

/// Fails with the files that hold any of `secrets`, and checks every file
/// and folder is private to its owner.
fn assert_nothing_readable(dir: &Path, secrets: &[Vec<u8>], what: &str) {
    use std::os::unix::fs::PermissionsExt;
    for secret in secrets {
        let found = found_in(dir, secret);
        assert!(
            found.is_empty(),
            "{what}: {} bytes of a secret ({:?}…) are readable in {found:?}",
            secret.len(),
            String::from_utf8_lossy(&secret[..secret.len().min(12)])
        );
    }
    for file in files(dir) {
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o077,
            0,
            "{what}: {} is mode {mode:o}",
            file.display()
        );
        let parent = file.parent().expect("parent");
        let mode = std::fs::metadata(parent)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "{what}: {} is mode {mode:o}", parent.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_report_photo_and_voice_note_are_in_no_file_of_device_or_hub() {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await;
    let (id, secrets) = file_planted_report(&mut tablet.store, "ZANZIBAR-KESTREL", 7);
    tablet.sync().await;
    // A second device is half way through receiving the photo: its partial
    // transfer is on disk too.
    let original = tablet.store.load(id).expect("load").photos()[0]
        .original
        .sha256
        .clone();
    let bytes = tablet.store.read_blob(&original).expect("the original");
    let mut hub_store = hub.store();
    hub_store
        .append_partial(
            &original,
            "another-device",
            bytes.len() as u64,
            0,
            &bytes[..bytes.len() / 2],
            SystemClock.now(),
        )
        .expect("a partial upload");

    // What the hub holds really is the report (the test would see it).
    let held = hub_store.load(id).expect("at the hub");
    assert!(
        held.answer("location_details")
            .expect("answered")
            .to_string()
            .contains("ZANZIBAR-KESTREL")
    );
    assert_eq!(hub_store.read_blob(&original).expect("at the hub"), bytes);
    // The word is in the report's title, a plain column: in a plain store it
    // would be on disk as it is (the previous release's fixture shows it).
    assert!(
        hub_store
            .list(&Default::default())
            .expect("list")
            .iter()
            .any(|r| r.title.contains("ZANZIBAR-KESTREL")),
        "the word is in the hub's list"
    );

    // Both stores open (the write-ahead logs hold recent pages) and closed.
    assert_nothing_readable(tablet.dir.path(), &secrets, "the tablet, open");
    assert_nothing_readable(hub.dir.path(), &secrets, "the hub, open");
    let token = tablet.hub.token.clone();
    assert_nothing_readable(
        tablet.dir.path(),
        &[token.as_bytes().to_vec()],
        "the tablet's credential",
    );
    drop(hub_store);
    let hub_dir = hub.stop().await;
    let Device { dir, store, .. } = tablet;
    drop(store);
    assert_nothing_readable(dir.path(), &secrets, "the tablet, closed");
    assert_nothing_readable(hub_dir.path(), &secrets, "the hub, closed");
}

#[test]
fn a_wrong_passphrase_opens_nothing_and_says_so() {
    let store = util::TestStore::new();
    drop(store.store);
    let dir = store.dir;
    // The stock SQLite reads nothing from the copied database either.
    let plain = rusqlite::Connection::open(dir.path().join("outpost.db")).expect("a file");
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect_err("not a database without the key");
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );

    let wrong = Passphrase::new("not the passphrase");
    let err = Store::unlock(dir.path(), &wrong, T0).expect_err("refused");
    assert!(
        matches!(err, StoreError::WrongPassphrase { attempts_left: 4 }),
        "{err:?}"
    );
    let fr = outpost_report::i18n::message(Lang::Fr, err.code(), &err.args());
    assert!(fr.contains("erroné"), "{fr}");

    let out = util::outpost(dir.path())
        .env("OUTPOST_PASSPHRASE", "not the passphrase either")
        .args(["report", "list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5), "{}", util::stderr(&out));
    assert!(out.stdout.is_empty(), "no data shown");
    assert!(
        util::stderr(&out).starts_with("error: Wrong PIN or passphrase.")
            && util::stderr(&out).contains("[store.wrong_passphrase]"),
        "{}",
        util::stderr(&out)
    );
    // No passphrase at all, and no terminal to ask on: told how to give it.
    let out = util::outpost(dir.path())
        .env_remove("OUTPOST_PASSPHRASE")
        .args(["report", "list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5));
    assert!(
        util::stderr(&out).contains("[store.locked]"),
        "{}",
        util::stderr(&out)
    );
    // Still opens with the right one.
    Store::unlock(dir.path(), &util::pass(), T0).expect("the right passphrase");
}

#[test]
fn the_key_file_is_what_unlocks_a_copied_store_and_wiping_destroys_it() {
    let mut store = util::TestStore::new();
    let (id, secrets) = file_planted_report(&mut store.store, "OKAPI-LANTERN", 3);
    drop(store.store);
    let dir = store.dir;
    // A copy of the whole folder opens with the passphrase (a backup does)…
    let copy = tempfile::tempdir().expect("dir");
    for file in files(dir.path()) {
        let to = copy
            .path()
            .join(file.strip_prefix(dir.path()).expect("inside"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
        std::fs::copy(&file, &to).expect("copied");
    }
    Store::unlock(copy.path(), &util::pass(), T0)
        .expect("the copy opens")
        .load(id)
        .expect("with the report");
    // …but not once the key file is gone: a new key would not open it.
    std::fs::remove_file(copy.path().join(outpost_store::KEY_FILE)).expect("removed");
    let err = Store::unlock(copy.path(), &util::pass(), T0).expect_err("no key");
    assert_eq!(err.code(), "store.key_missing");

    // Wiping: nothing is left, and the command line says what happened.
    let out = util::outpost(dir.path())
        .args(["wipe"])
        .output()
        .expect("runs");
    assert!(!out.status.success(), "wiping asks for --yes");
    assert!(dir.path().join(outpost_store::KEY_FILE).exists());
    util::run_ok(util::outpost(dir.path()).args(["wipe", "--yes"]));
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    assert_nothing_readable(dir.path(), &secrets, "a wiped device");
}

/// The store made by the previous release (before encryption at rest), as
/// `tests/fixtures/make-plain-store.sh` wrote it.
const PLAIN_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-plain");
/// The word its patrol report carries.
const FIXTURE_WORD: &str = "MARABOU-TAMARIND";

#[test]
fn a_store_from_the_previous_release_is_encrypted_in_place_with_everything_kept() {
    let dir = tempfile::tempdir().expect("dir");
    for file in files(Path::new(PLAIN_FIXTURE)) {
        let to = dir
            .path()
            .join(file.strip_prefix(PLAIN_FIXTURE).expect("inside"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
        std::fs::copy(&file, &to).expect("copied");
    }
    // A CSV the previous release's app exported into the store's folder.
    std::fs::create_dir_all(dir.path().join("exports")).expect("dir");
    std::fs::write(
        dir.path().join("exports").join("outpost-20261130-0800.csv"),
        format!("id,title\n1,Patrol to the {FIXTURE_WORD} well\n"),
    )
    .expect("an old export");
    // The fixture is in clear: the scan sees its word (in the list's
    // titles) and its photo files.
    assert!(
        !found_in(dir.path(), FIXTURE_WORD.as_bytes()).is_empty(),
        "the fixture holds the word in clear"
    );
    let plain_photo = files(&dir.path().join("blobs"))
        .into_iter()
        .map(|p| std::fs::read(p).expect("read"))
        .max_by_key(|b| b.len())
        .expect("a photo file");
    assert!(
        !found_in(dir.path(), &pieces(&plain_photo)[0]).is_empty(),
        "the scan sees a photo kept in clear"
    );
    let before = files(dir.path()).len();

    let store = Store::unlock(dir.path(), &util::pass(), T0).expect("upgrades");
    let migrated = store.migrated().clone();
    assert!(
        migrated.from > 0 && migrated.to > migrated.from,
        "{migrated:?}"
    );
    let backup = migrated.backup.clone().expect("a backup before migrating");
    let reports = store.list(&Default::default()).expect("list");
    assert_eq!(reports.len(), 3, "every report kept: {reports:?}");
    let mut secrets = vec![FIXTURE_WORD.as_bytes().to_vec()];
    let mut photos = 0;
    let mut words = false;
    for r in &reports {
        let doc = store.load(r.id).expect("each report loads");
        words |= serde_json::to_string(&doc.answers())
            .expect("json")
            .contains(FIXTURE_WORD);
        for photo in doc.photos() {
            for file in [&photo.original, &photo.preview, &photo.thumbnail] {
                let bytes = store.read_blob(&file.sha256).expect("each file is intact");
                if bytes.len() > 512 {
                    secrets.extend(pieces(&bytes));
                }
            }
            photos += 1;
        }
    }
    assert!(photos >= 1, "the fixture's photo is kept");
    let doctor = store.doctor().expect("doctor");
    assert!(
        doctor.missing_blobs.is_empty() && doctor.corrupt_blobs.is_empty(),
        "{doctor:?}"
    );
    assert!(words, "the planted word is in a report");
    drop(store);
    assert!(
        files(dir.path()).len() >= before,
        "nothing removed but plain leftovers"
    );
    assert!(backup.exists());
    assert_nothing_readable(dir.path(), &secrets, "the upgraded store and its backup");
    // The backup opens with the same key (a person restoring it needs no other).
    let key = util::key(dir.path());
    let restored = tempfile::tempdir().expect("dir");
    std::fs::copy(&backup, restored.path().join("outpost.db")).expect("restore");
    std::fs::copy(
        dir.path().join(outpost_store::KEY_FILE),
        restored.path().join(outpost_store::KEY_FILE),
    )
    .expect("key");
    let from_backup = Store::open(restored.path(), &key, T0).expect("the backup opens");
    assert_eq!(
        from_backup.list(&Default::default()).expect("list").len(),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_told_it_is_revoked_destroys_its_key_and_data_at_that_sync() {
    let hub = TestHub::start().await;
    let code = hub.code(
        "BATGAO-1",
        "East",
        outpost_sync::Role::Field,
        Classification::Confidential,
    );
    let device = tempfile::tempdir().expect("dir");
    util::run_ok(
        util::outpost(device.path())
            .args(["enrol", "--hub", &hub.url, "--code", &code, "--ca-cert"])
            .arg(hub.ca_file()),
    );
    let answers = util::write_file(
        device.path().parent().expect("tmp"),
        &format!("answers-{}.json", uuid::Uuid::new_v4()),
        serde_json::to_string(&util::form("patrol").template())
            .expect("json")
            .as_bytes(),
    );
    util::run_ok(util::outpost(device.path()).args([
        "report",
        "create",
        "--kind",
        "patrol",
        "--answers",
        answers.to_str().expect("utf-8"),
    ]));
    util::run_ok(util::outpost(device.path()).args(["sync"]));

    // A refusal that is not a revocation wipes nothing.
    let mut hub_store = hub.store();
    let device_id = {
        let store = Store::unlock(device.path(), &util::pass(), T0).expect("device");
        store.device_id().to_string()
    };
    assert!(device.path().join(outpost_store::KEY_FILE).exists());

    hub_store
        .revoke_device(&device_id, SystemClock.now())
        .expect("revoked at the hub");
    let out = util::outpost(device.path())
        .args(["sync"])
        .output()
        .expect("runs");
    assert!(!out.status.success(), "a revoked device's sync fails");
    assert!(
        util::stderr(&out).contains("[sync.revoked_wiped]"),
        "{}",
        util::stderr(&out)
    );
    assert!(
        files(device.path()).is_empty(),
        "key and data destroyed: {:?}",
        files(device.path())
    );
    let _ = std::fs::remove_file(answers);
    hub.stop().await;
}
