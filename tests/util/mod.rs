//! Shared helpers for the integration tests: temporary stores, a deterministic
//! clock and ids, generated reports and photos, and the `outpost` binary.

#![allow(dead_code)]

pub mod generate;
pub mod hub;

pub use generate::new_report;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use outpost_report::{Catalog, Classification, DeviceId, Form, ReportDoc, ReportId, Timestamp};
use outpost_store::Store;
use tempfile::TempDir;

/// 2026-05-01T00:00:00Z: after every shipped example, so they are "in the past".
pub const T0: Timestamp = Timestamp::from_millis(1_777_593_600_000);

pub fn at(minutes: i64) -> Timestamp {
    Timestamp::from_millis(T0.as_millis() + minutes * 60_000)
}

pub fn report_id(n: u128) -> ReportId {
    ReportId::from_uuid(uuid::Uuid::from_u128(
        0x0197_0000_0000_7000_8000_0000_0000_0000 + n,
    ))
}

pub fn device(n: u128) -> DeviceId {
    DeviceId::from_uuid(uuid::Uuid::from_u128(
        0xdead_0000_0000_4000_8000_0000_0000_0000 + n,
    ))
}

pub fn catalog() -> Catalog {
    Catalog::builtin()
}

pub fn form(kind: &str) -> Form {
    catalog()
        .get(kind)
        .cloned()
        .unwrap_or_else(|| panic!("the {kind} form ships"))
}

/// A complete report of `kind` built from the form's own example answers.
pub fn template_report(kind: &str, id: ReportId, dev: DeviceId) -> ReportDoc {
    let form = form(kind);
    let mut doc = ReportDoc::create(
        &form,
        &new_report(id, dev, Classification::Unclassified),
        T0,
    )
    .expect("a new report document is created");
    doc.set_answers(&form.template(), T0)
        .expect("the example answers are written");
    doc
}

/// Answers as they were written: without the key the document gives each
/// entry of a repeat.
pub fn as_written(
    mut answers: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    for value in answers.values_mut() {
        if let serde_json::Value::Array(items) = value {
            for item in items {
                if let serde_json::Value::Object(entry) = item {
                    entry.remove(outpost_report::flow::ENTRY_KEY);
                }
            }
        }
    }
    answers
}

/// [`as_written`] of answers in JSON (as `report show --json` prints them).
pub fn written(answers: &serde_json::Value) -> serde_json::Value {
    match answers {
        serde_json::Value::Object(m) => serde_json::Value::Object(as_written(m.clone())),
        other => other.clone(),
    }
}

/// The passphrase every test store is set up with.
pub const PASSPHRASE: &str = "test passphrase";

pub fn pass() -> outpost_store::Passphrase {
    outpost_store::Passphrase::new(PASSPHRASE)
}

/// The data key of the (test) store in `dir`, setting one up if needed.
pub fn key(dir: &Path) -> outpost_store::DataKey {
    outpost_store::unlock(dir, &pass(), T0).expect("the test passphrase unlocks the store")
}

/// A store in its own temporary directory.
pub struct TestStore {
    pub dir: TempDir,
    pub store: Store,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("a new store opens");
        TestStore { dir, store }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The `outpost` binary built for these tests.
pub fn outpost(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outpost"));
    cmd.arg("--data")
        .arg(data)
        .env_remove("OUTPOST_DATA")
        .env("OUTPOST_PASSPHRASE", PASSPHRASE)
        .env("OUTPOST_LANG", "en");
    cmd
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Runs a command that must succeed; returns its standard output.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "command should succeed: {cmd:?}\nstderr:\n{}",
        stderr(&out)
    );
    stdout(&out)
}

/// A JPEG with texture (so it compresses like a photo), `w`×`h`.
pub fn jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed.wrapping_mul(31)) % 23;
        image::Rgb([
            ((x * 255 / w) as u8).saturating_add(n as u8),
            ((y * 255 / h) as u8),
            (seed % 200) as u8 + n as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("a generated image encodes as JPEG");
    out.into_inner()
}

pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("a test file is written");
    path
}

pub fn sha256_of_file(path: &Path) -> String {
    outpost_media::sha256_hex(&std::fs::read(path).expect("file readable"))
}

/// A small file system of its own (tmpfs, mounted for the test; the tests
/// run as root), so a disk can be filled to the last byte without touching
/// the machine's.
pub struct SmallDisk {
    mount: TempDir,
}

impl SmallDisk {
    pub fn new(megabytes: u32) -> SmallDisk {
        let mount = tempfile::tempdir().expect("mount point");
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={megabytes}M,mode=0700"),
                "tmpfs",
            ])
            .arg(mount.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a {megabytes} MiB tmpfs needs root (as CI runs): {status}"
        );
        SmallDisk { mount }
    }

    pub fn path(&self) -> &Path {
        self.mount.path()
    }

    /// Fills every free byte; returns how many were taken.
    pub fn fill(&self) -> u64 {
        use std::io::Write;
        let mut file = std::fs::File::create(self.path().join("filler")).expect("filler");
        let chunk = vec![0u8; 4096];
        let mut taken = 0;
        while let Ok(n) = file.write(&chunk) {
            if n == 0 {
                break;
            }
            taken += n as u64;
        }
        let _ = file.sync_all();
        taken
    }

    pub fn free(&self) {
        std::fs::remove_file(self.path().join("filler")).expect("filler removed");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.mount.path())
            .status();
    }
}
