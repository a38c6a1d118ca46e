//! Files and folders of a store: readable by their owner only (0600, 0700),
//! written whole or not at all.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{Result, StoreError};

/// Writes `bytes` to `dest` through `tmp` (a name no other writer uses):
/// created 0600, synced, renamed into place, the folder synced. A crash
/// leaves either the old file or the new one, never a part.
pub(crate) fn write(tmp: &Path, dest: &Path, bytes: &[u8]) -> Result<()> {
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(tmp);
        return Err(StoreError::io(tmp, e));
    }
    fs::rename(tmp, dest).map_err(|e| StoreError::io(dest, e))?;
    sync_dir(dest.parent().unwrap_or(Path::new(".")))
}

/// Makes a rename or removal in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}

/// Creates `dir` (and its parents) if needed and makes it private (0700).
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StoreError::io(dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| StoreError::io(dir, e))
}
