//! Bringing a store written before encryption at rest to its encrypted form,
//! in place and without losing anything.
//!
//! The order makes a crash at any point harmless: the files and the old
//! backups are sealed first (each by an atomic rename, and sealing skips what
//! is sealed already), and the database is replaced last by renaming its
//! encrypted copy over it. Until that rename the store is still the old,
//! plain one, and the next open simply starts again.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rusqlite::Connection;

use crate::blobs::BlobDir;
use crate::data_key::{DataKey, is_plain_sqlite};
use crate::error::{Result, StoreError};

/// Encrypts the plain store in `dir` with `key`: its files, its backups,
/// then its database. Partial transfers kept as plain files are dropped
/// (they restart from the beginning).
pub(crate) fn encrypt_in_place(dir: &Path, blobs: &BlobDir, key: &DataKey) -> Result<()> {
    blobs.seal_plain_files()?;
    seal_exports(&dir.join("exports"), key)?;
    let backups = dir.join("backups");
    if let Ok(entries) = fs::read_dir(&backups) {
        for entry in entries.flatten() {
            let path = entry.path();
            if is_plain_sqlite(&path)? {
                encrypt_database(&path, key)?;
            }
        }
    }
    encrypt_database(&dir.join(crate::DATABASE_FILE), key)
}

/// Exports an earlier version wrote into the store's `exports/` folder
/// (exports now go outside the store): each is sealed as `NAME.sealed`, its
/// plain copy removed, so that the folder reveals nothing either.
fn seal_exports(exports: &Path, key: &DataKey) -> Result<()> {
    let Ok(entries) = fs::read_dir(exports) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if !path.is_file() || name.ends_with(".sealed") {
            continue;
        }
        let plain = fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        let sealed = exports.join(format!("{name}.sealed"));
        let tmp = exports.join(format!("{name}.sealing"));
        crate::private_files::write(&tmp, &sealed, &key.seal(name.as_bytes(), &plain))?;
        fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
    }
    crate::private_files::private_dir(exports)
}

/// Replaces the plain SQLite database at `path` with an encrypted copy.
fn encrypt_database(path: &Path, key: &DataKey) -> Result<()> {
    let mut name = path.as_os_str().to_owned();
    name.push(".encrypting");
    let sealed_path = std::path::PathBuf::from(name);
    let _ = fs::remove_file(&sealed_path);
    // Created private before SQLite opens it: SQLite keeps the mode it finds.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&sealed_path)
        .map_err(|e| StoreError::io(&sealed_path, e))?;
    {
        let plain = Connection::open(path)?;
        // Everything in the write-ahead log goes into the copy.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS sealed KEY ?2",
            rusqlite::params![sealed_path.to_string_lossy(), key.sqlcipher_key().as_str()],
        )?;
        plain.query_row("SELECT sqlcipher_export('sealed')", [], |_| Ok(()))?;
        // sqlcipher_export copies the schema and rows, not the schema version.
        plain.execute_batch(&format!("PRAGMA sealed.user_version = {version}"))?;
        plain.execute_batch("DETACH DATABASE sealed")?;
    }
    File::open(&sealed_path)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io(&sealed_path, e))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = fs::remove_file(std::path::PathBuf::from(side));
    }
    fs::rename(&sealed_path, path).map_err(|e| StoreError::io(path, e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}
