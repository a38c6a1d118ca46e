//! The database schema: the migrations in `migrations/`, applied in one
//! transaction after the file has been backed up.
//!
//! `PRAGMA user_version` holds the number of migrations applied. A database
//! whose version is higher than this build knows was written by a newer
//! Outpost: it is refused untouched rather than read with the wrong schema.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use crate::error::{Result, StoreError};

/// Every released migration, oldest first. Append only.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/0001_documents_and_blobs.sql"),
    include_str!("../../../migrations/0002_projections.sql"),
    include_str!("../../../migrations/0003_sync.sql"),
    include_str!("../../../migrations/0004_hub_certificates.sql"),
    include_str!("../../../migrations/0005_report_shares.sql"),
    include_str!("../../../migrations/0006_debriefs_and_voice_notes.sql"),
    include_str!("../../../migrations/0007_report_time.sql"),
    include_str!("../../../migrations/0008_authority.sql"),
    include_str!("../../../migrations/0009_partial_chunks.sql"),
];

/// What opening did to the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub from: usize,
    pub to: usize,
    pub backup: Option<PathBuf>,
}

pub(crate) fn user_version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(usize::try_from(v).unwrap_or(usize::MAX))
}

/// Brings `conn` to the schema made by `migrations`, backing up first.
pub(crate) fn migrate(
    conn: &mut Connection,
    db_path: &Path,
    backup_dir: &Path,
    migrations: &[&'static str],
    now_ms: i64,
) -> Result<Migrated> {
    let from = user_version(conn)?;
    let to = migrations.len();
    if from > to {
        return Err(StoreError::TooNew {
            found: from,
            supported: to,
        });
    }
    let mut backup = None;
    if from > 0 && from < to && db_path.exists() {
        crate::private_files::private_dir(backup_dir)?;
        let path = backup_dir.join(format!("outpost-schema{from}-{now_ms}.db"));
        // Private from its first byte (VACUUM INTO fills an empty file).
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| StoreError::io(&path, e))?;
        }
        // VACUUM INTO writes a consistent copy even with a WAL pending, and
        // SQLCipher encrypts it with the database's own key.
        conn.execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        backup = Some(path);
    }
    let ms = Migrations::new(migrations.iter().map(|sql| M::up(sql)).collect());
    // Take the write lock when the migration transaction starts, so two
    // programs opening a new store at once queue instead of interleaving.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    let mut attempt = 0;
    loop {
        match ms.to_latest(conn) {
            Ok(()) => break,
            Err(rusqlite_migration::Error::MigrationDefinition(
                MigrationDefinitionError::DatabaseTooFarAhead,
            )) => {
                return Err(StoreError::TooNew {
                    found: user_version(conn)?,
                    supported: to,
                });
            }
            // Another connection migrated between our version check and our
            // transaction: its work is ours.
            Err(_) if user_version(conn)? == to => break,
            Err(_) if attempt < 3 => attempt += 1,
            Err(other) => return Err(StoreError::Migration(Box::new(other))),
        }
    }
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Deferred);
    Ok(Migrated { from, to, backup })
}
