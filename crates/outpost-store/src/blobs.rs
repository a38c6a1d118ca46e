//! Content-addressed files: `blobs/<first two hex>/<sha256>`.
//!
//! A file is written under a temporary name, synced, renamed into place and its
//! directory synced, so a crash leaves either nothing or the whole file — never
//! a truncated file under a valid hash. The same content is stored once.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use outpost_media::sha256_hex;

use crate::error::{Result, StoreError};

#[derive(Debug, Clone)]
pub(crate) struct BlobDir {
    root: PathBuf,
}

impl BlobDir {
    pub(crate) fn open(root: PathBuf) -> Result<BlobDir> {
        fs::create_dir_all(root.join("tmp")).map_err(|e| StoreError::io(&root, e))?;
        Ok(BlobDir { root })
    }

    /// Where file `sha256` lives. Callers that write check the name with
    /// [`named`] first: a name from a peer never becomes another path.
    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("xx");
        self.root.join(prefix).join(sha256)
    }

    /// Writes `bytes` durably; returns its hash. Existing content is not rewritten.
    pub(crate) fn put(&self, bytes: &[u8], nonce: u64) -> Result<String> {
        let sha = sha256_hex(bytes);
        let path = self.path(&sha);
        if path.exists() && self.verify(&sha).is_ok() {
            return Ok(sha);
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let tmp = self.root.join("tmp").join(format!("{sha}.{nonce:016x}"));
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::io(&tmp, e));
        }
        fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))?;
        sync_dir(&dir)?;
        Ok(sha)
    }

    pub(crate) fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        named(sha256)?;
        let path = self.path(sha256);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::BlobMissing {
                    sha256: sha256.to_string(),
                });
            }
            Err(e) => return Err(StoreError::io(path, e)),
        };
        if sha256_hex(&bytes) != sha256 {
            return Err(StoreError::BlobCorrupt {
                sha256: sha256.to_string(),
            });
        }
        Ok(bytes)
    }

    pub(crate) fn verify(&self, sha256: &str) -> Result<()> {
        self.read(sha256).map(|_| ())
    }

    /// The partial file of `sha256` as sent by `peer`: one per peer, named
    /// by a digest of the peer's id so that no id becomes a path.
    fn partial_path(&self, sha256: &str, peer: &str) -> PathBuf {
        let tag = &sha256_hex(peer.as_bytes())[..16];
        self.root
            .join("tmp")
            .join(format!("{sha256}.{tag}.partial"))
    }

    /// Appends to a partial file at `offset` (truncating anything past it
    /// that was never recorded) and syncs; returns the new length.
    pub(crate) fn append_partial(
        &self,
        sha256: &str,
        peer: &str,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64> {
        use std::fs::OpenOptions;
        named(sha256)?;
        let path = self.partial_path(sha256, peer);
        let written = (|| {
            let mut f = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            f.set_len(offset)?;
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start(offset))?;
            f.write_all(bytes)?;
            f.sync_data()?;
            Ok::<u64, std::io::Error>(offset + bytes.len() as u64)
        })();
        written.map_err(|e| StoreError::io(&path, e))
    }

    /// Checks a complete partial file against its hash and moves it into
    /// place. Returns its length. A mismatch deletes the partial file.
    pub(crate) fn finish_partial(&self, sha256: &str, peer: &str) -> Result<u64> {
        named(sha256)?;
        let path = self.partial_path(sha256, peer);
        let bytes = fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        if sha256_hex(&bytes) != sha256 {
            let _ = fs::remove_file(&path);
            return Err(StoreError::BlobCorrupt {
                sha256: sha256.to_string(),
            });
        }
        let dest = self.path(sha256);
        let dir = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        fs::rename(&path, &dest).map_err(|e| StoreError::io(&dest, e))?;
        sync_dir(&dir)?;
        Ok(bytes.len() as u64)
    }

    /// Hashes of every file in the store (for the doctor's orphan check).
    pub(crate) fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = fs::read_dir(&self.root).map_err(|e| StoreError::io(&self.root, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name == "tmp" || !entry.path().is_dir() {
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

fn sync_dir(dir: &Path) -> Result<()> {
    // Renames are durable only once the directory entry is on disk.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
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
