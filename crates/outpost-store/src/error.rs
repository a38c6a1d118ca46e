use std::io;
use std::path::PathBuf;

use outpost_report::{DocumentError, PhotoId, ReportId};

/// Everything that can go wrong in the local store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database has schema {found}, newer than this version knows ({supported})")]
    TooNew { found: usize, supported: usize },
    #[error("no report {0}")]
    NotFound(ReportId),
    #[error("no photo {0}")]
    PhotoNotFound(PhotoId),
    #[error("blob {sha256} is missing from the blob store")]
    BlobMissing { sha256: String },
    #[error("blob {sha256} does not match its hash (the file is damaged)")]
    BlobCorrupt { sha256: String },
    #[error("blob {sha256}: received {expected} bytes so far, not {given}")]
    PartialOffset {
        sha256: String,
        expected: u64,
        given: u64,
    },
    #[error("the device is out of storage space")]
    DiskFull(#[source] io::Error),
    #[error("cannot read or write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the database reported an error")]
    Database(#[source] rusqlite::Error),
    #[error("the database schema could not be brought up to date")]
    Migration(#[source] Box<rusqlite_migration::Error>),
    // Boxed: automerge's and image's errors are large and this enum travels
    // through every `Result` of the store.
    #[error("a report document could not be used")]
    Document(#[source] Box<DocumentError>),
    #[error("the photo could not be processed")]
    Photo(#[source] Box<outpost_media::PhotoError>),
    #[error("the voice note could not be used")]
    Voice(#[source] outpost_media::AudioError),
    #[error("wrong passphrase ({attempts_left} attempts left before a wait)")]
    WrongPassphrase { attempts_left: u32 },
    #[error("too many wrong passphrases: wait {seconds} s")]
    UnlockDelayed { seconds: u64 },
    #[error("a passphrase needs at least {min} characters")]
    PassphraseTooShort { min: usize },
    #[error("the key file {path} is damaged")]
    KeyDamaged { path: PathBuf },
    #[error("the store is encrypted and its key file {path} is gone (wiped or lost)")]
    KeyMissing { path: PathBuf },
    #[error("the key does not open this database")]
    WrongKey,
    #[error("{path} may be read by others (mode {mode:o}): make it 0600")]
    PassphraseFileOpen { path: PathBuf, mode: u32 },
}

impl From<DocumentError> for StoreError {
    fn from(e: DocumentError) -> Self {
        StoreError::Document(Box::new(e))
    }
}

impl From<outpost_media::PhotoError> for StoreError {
    fn from(e: outpost_media::PhotoError) -> Self {
        StoreError::Photo(Box::new(e))
    }
}

/// Whether SQLite failed for want of disk space. SQLITE_IOERR_SHMSIZE (no
/// room to grow the WAL's shared-memory index) means that too.
pub(crate) fn is_disk_full(e: &rusqlite::Error) -> bool {
    const SHM_SIZE: std::ffi::c_int = 4874;
    e.sqlite_error()
        .is_some_and(|f| f.code == rusqlite::ErrorCode::DiskFull || f.extended_code == SHM_SIZE)
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if is_disk_full(&e) {
            StoreError::DiskFull(io::Error::other(e))
        } else {
            StoreError::Database(e)
        }
    }
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> StoreError {
        // ENOSPC gets its own message: the user can act on it (free space).
        if source.raw_os_error() == Some(28) || source.kind() == io::ErrorKind::StorageFull {
            return StoreError::DiskFull(source);
        }
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    /// A stable code for the UI and the CLI (`store.too_new`, …).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::TooNew { .. } => "store.too_new",
            StoreError::NotFound(_) => "store.not_found",
            StoreError::PhotoNotFound(_) => "store.photo_not_found",
            StoreError::BlobMissing { .. } => "store.blob_missing",
            StoreError::BlobCorrupt { .. } => "store.blob_corrupt",
            StoreError::PartialOffset { .. } => "store.partial_offset",
            StoreError::DiskFull(_) => "store.disk_full",
            StoreError::Io { .. } => "store.io",
            StoreError::Database(e) if is_busy(e) => "store.busy",
            StoreError::Database(_) | StoreError::Migration(_) => "store.database",
            StoreError::Document(e) => e.code(),
            StoreError::Photo(e) => e.code(),
            StoreError::Voice(e) => e.code(),
            StoreError::WrongPassphrase { .. } => "store.wrong_passphrase",
            StoreError::UnlockDelayed { .. } => "store.unlock_delayed",
            StoreError::PassphraseTooShort { .. } => "store.passphrase_too_short",
            StoreError::KeyDamaged { .. } => "store.key_damaged",
            StoreError::KeyMissing { .. } => "store.key_missing",
            StoreError::WrongKey => "store.wrong_key",
            StoreError::PassphraseFileOpen { .. } => "store.passphrase_file_open",
        }
    }

    /// Named arguments for the localised message of [`Self::code`].
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            StoreError::TooNew { found, supported } => {
                vec![
                    ("found", found.to_string()),
                    ("supported", supported.to_string()),
                ]
            }
            StoreError::NotFound(id) => vec![("id", id.to_string())],
            StoreError::PhotoNotFound(id) => vec![("id", id.to_string())],
            StoreError::BlobMissing { sha256 } | StoreError::BlobCorrupt { sha256 } => {
                vec![("hash", sha256.clone())]
            }
            StoreError::PartialOffset {
                expected, given, ..
            } => {
                vec![
                    ("expected", expected.to_string()),
                    ("given", given.to_string()),
                ]
            }
            StoreError::DiskFull(_) => vec![],
            StoreError::Io { path, source } => {
                vec![("detail", format!("{}: {source}", path.display()))]
            }
            StoreError::Database(e) => vec![("detail", e.to_string())],
            StoreError::Migration(e) => vec![("detail", e.to_string())],
            StoreError::Document(e) => e.args(),
            StoreError::Photo(e) => e.args(),
            StoreError::Voice(e) => e.args(),
            StoreError::WrongPassphrase { attempts_left } => {
                vec![("left", attempts_left.to_string())]
            }
            StoreError::UnlockDelayed { seconds } => vec![("seconds", seconds.to_string())],
            StoreError::PassphraseTooShort { min } => vec![("min", min.to_string())],
            StoreError::KeyDamaged { path } | StoreError::KeyMissing { path } => {
                vec![("path", path.display().to_string())]
            }
            StoreError::WrongKey => vec![],
            StoreError::PassphraseFileOpen { path, mode } => vec![
                ("path", path.display().to_string()),
                ("mode", format!("{mode:o}")),
            ],
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
