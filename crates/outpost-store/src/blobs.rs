//! Content-addressed files: `blobs/<first two hex>/<sha256>`, each sealed
//! with the store's data key (the name is the hash of the plain content).
//!
//! A file is written under a temporary name, synced, renamed into place and its
//! directory synced, so a crash leaves either nothing or the whole file — never
//! a truncated file under a valid hash. The same content is stored once.
//! Files being received are kept in the database until complete (see
//! `Store::append_partial`), so they are encrypted with it.

use std::fs;
use std::path::PathBuf;

use outpost_media::sha256_hex;

use crate::data_key::{DataKey, is_sealed};
use crate::error::{Result, StoreError};
use crate::private_files::{self, private_dir};

/// Where damaged files wait for their good copy (never a hash prefix).
const DAMAGED: &str = "damaged";

/// What [`crate::Store::reclaim`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reclaimed {
    /// Blob files no index row names (an attachment killed before it committed).
    pub orphan_files: usize,
    /// Half-written temporary files.
    pub temporary_files: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct BlobDir {
    root: PathBuf,
    key: DataKey,
}

impl BlobDir {
    pub(crate) fn open(root: PathBuf, key: DataKey) -> Result<BlobDir> {
        private_dir(&root)?;
        private_dir(&root.join("tmp"))?;
        Ok(BlobDir { root, key })
    }

    /// Where file `sha256` lives. Callers that write check the name with
    /// [`named`] first: a name from a peer never becomes another path.
    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("xx");
        self.root.join(prefix).join(sha256)
    }

    /// Writes `bytes` durably; returns its hash. Existing content is not
    /// rewritten; a damaged copy set aside earlier is removed once the good
    /// one is in place.
    pub(crate) fn put(&self, bytes: &[u8], nonce: u64) -> Result<String> {
        let sha = sha256_hex(bytes);
        let path = self.path(&sha);
        if !(path.exists() && self.verify(&sha).is_ok()) {
            self.write(&sha, &self.key.seal(sha.as_bytes(), bytes), nonce)?;
        }
        let damaged = self.root.join(DAMAGED).join(&sha);
        if damaged.exists() {
            fs::remove_file(&damaged).map_err(|e| StoreError::io(&damaged, e))?;
        }
        Ok(sha)
    }

    /// Moves a damaged file out of the way (into `damaged/`, kept for
    /// whoever investigates), so that the file counts as not held and a sync
    /// fetches the good bytes from any peer that has them.
    pub(crate) fn set_aside(&self, sha256: &str) -> Result<()> {
        named(sha256)?;
        let path = self.path(sha256);
        let dir = self.root.join(DAMAGED);
        private_dir(&dir)?;
        match fs::rename(&path, dir.join(sha256)) {
            Ok(()) => private_files::sync_dir(&dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(path, e)),
        }
    }

    /// Files set aside as damaged whose good copy has not arrived yet.
    pub(crate) fn set_aside_files(&self) -> Result<Vec<String>> {
        let dir = self.root.join(DAMAGED);
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        out.sort();
        Ok(out)
    }

    /// Puts already sealed bytes in place as file `sha256`.
    fn write(&self, sha256: &str, sealed: &[u8], nonce: u64) -> Result<()> {
        let path = self.path(sha256);
        private_dir(path.parent().unwrap_or(&self.root))?;
        let tmp = self.root.join("tmp").join(format!("{sha256}.{nonce:016x}"));
        private_files::write(&tmp, &path, sealed)
    }

    pub(crate) fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        named(sha256)?;
        let path = self.path(sha256);
        let sealed = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::BlobMissing {
                    sha256: sha256.to_string(),
                });
            }
            Err(e) => return Err(StoreError::io(path, e)),
        };
        let corrupt = || StoreError::BlobCorrupt {
            sha256: sha256.to_string(),
        };
        let bytes = self
            .key
            .open(sha256.as_bytes(), &sealed)
            .ok_or_else(corrupt)?;
        if sha256_hex(&bytes) != sha256 {
            return Err(corrupt());
        }
        Ok(bytes)
    }

    pub(crate) fn verify(&self, sha256: &str) -> Result<()> {
        self.read(sha256).map(|_| ())
    }

    /// Checks a complete received file against its hash and puts it in
    /// place. Returns its length.
    pub(crate) fn finish(&self, sha256: &str, bytes: &[u8]) -> Result<u64> {
        named(sha256)?;
        if sha256_hex(bytes) != sha256 {
            return Err(StoreError::BlobCorrupt {
                sha256: sha256.to_string(),
            });
        }
        self.put(bytes, rand::random())?;
        Ok(bytes.len() as u64)
    }

    /// Seals every file still in clear (a store written before encryption
    /// at rest) and removes the partial transfers kept as plain files.
    pub(crate) fn seal_plain_files(&self) -> Result<()> {
        for sha in self.list()? {
            let path = self.path(&sha);
            let bytes = fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
            if is_sealed(&bytes) || named(&sha).is_err() {
                continue;
            }
            // A damaged plain file stays as it is: sealing it would hide
            // the damage from the doctor, which reports it as damaged.
            if sha256_hex(&bytes) == sha {
                self.write(&sha, &self.key.seal(sha.as_bytes(), &bytes), rand::random())?;
            }
        }
        let tmp = self.root.join("tmp");
        for entry in fs::read_dir(&tmp)
            .map_err(|e| StoreError::io(&tmp, e))?
            .flatten()
        {
            let _ = fs::remove_file(entry.path());
        }
        Ok(())
    }

    /// Removes the files of `list` not in `indexed`, and every temporary
    /// file. The caller holds the store's write lock (see `Store::reclaim`).
    pub(crate) fn reclaim(
        &self,
        indexed: &std::collections::BTreeSet<String>,
    ) -> Result<Reclaimed> {
        let mut reclaimed = Reclaimed::default();
        for sha in self.list()? {
            // A name that is no hash is not ours to remove: the doctor shows it.
            if !indexed.contains(&sha) && named(&sha).is_ok() {
                let path = self.path(&sha);
                fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
                reclaimed.orphan_files += 1;
            }
        }
        for path in self.temporary_files()? {
            fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
            reclaimed.temporary_files += 1;
        }
        Ok(reclaimed)
    }

    /// Files left in `tmp/` by a write that never reached its rename.
    pub(crate) fn temporary_files(&self) -> Result<Vec<PathBuf>> {
        let tmp = self.root.join("tmp");
        let entries = fs::read_dir(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
        Ok(entries.flatten().map(|e| e.path()).collect())
    }

    /// Hashes of every file in the store (for the doctor's orphan check).
    pub(crate) fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = fs::read_dir(&self.root).map_err(|e| StoreError::io(&self.root, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name == "tmp" || name == DAMAGED || !entry.path().is_dir() {
                continue;
            }
            for file in fs::read_dir(entry.path())
                .map_err(|e| StoreError::io(entry.path(), e))?
                .flatten()
            {
                out.push(file.file_name().to_string_lossy().to_string());
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Refuses a file name that is not a SHA-256 (64 lowercase hex characters)
/// before it reaches the file system: `../../x` names no file of ours.
fn named(sha256: &str) -> Result<()> {
    if outpost_report::shape::is_file_ref(sha256) {
        Ok(())
    } else {
        Err(StoreError::BlobMissing {
            sha256: sha256.chars().take(80).collect(),
        })
    }
}
