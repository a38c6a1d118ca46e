//! The local store of a device or hub: one private directory holding
//! `outpost.db` (SQLite encrypted with SQLCipher, WAL), `blobs/`
//! (content-addressed photo and voice files, each sealed) and `outpost.key`
//! (the data key, wrapped by the user's passphrase).
//!
//! Report documents are the truth; the `reports`, `reports_fts` and `photos`
//! tables are projections written with every save and rebuildable from the
//! documents ([`Store::rebuild_projections`]). Saving *merges* into what is
//! stored, so a save can never overwrite a change it had not seen.
//!
//! Durability: every write is one `IMMEDIATE` transaction with
//! `synchronous = FULL`, so a save that returned survives a crash or power loss;
//! blob files are synced and renamed into place before the transaction that
//! references them commits.

mod at_rest;
mod authority;
mod blobs;
mod data_key;
mod debrief;
mod doctor;
mod enrolment;
mod error;
mod keys;
mod private_files;
mod projection;
mod query;
pub mod schema;
mod sync_state;

use std::path::{Path, PathBuf};

use outpost_media::ProcessedPhoto;
use outpost_report::{
    Catalog, ChangeHash, Classification, DeviceId, PhotoId, PhotoRef, ReportDoc, ReportId,
    Timestamp, VariantRef, VoiceNoteId, VoiceNoteRef,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

pub use authority::Quarantined;
pub use blobs::Reclaimed;
pub use data_key::{
    DataKey, KEY_FILE, MIN_PASSPHRASE_CHARS, Passphrase, change_passphrase, has_key, unlock, wipe,
};
pub use debrief::Debrief;
pub use doctor::DoctorReport;
pub use enrolment::{EnrolledDevice, Grant, Refusal};
pub use error::{Result, StoreError};
pub use keys::{ChangeSignature, grant_bytes_of};
pub use query::{Facets, ReportFilter, ReportOrder, ReportPoint, ReportSummary};
pub use schema::{MIGRATIONS, Migrated};

/// Who is shown what on a device: up to `clearance` (everything when it is
/// `None`), and whatever was written on `device` itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub clearance: Option<Classification>,
    pub device: String,
}

impl Viewer {
    pub fn may_show(&self, meta: &outpost_report::document::Meta) -> bool {
        self.clearance
            .is_none_or(|level| meta.classification <= level || meta.device == self.device)
    }

    /// `filter` kept to what [`Self::may_show`] allows.
    pub fn filter(&self, filter: ReportFilter) -> ReportFilter {
        ReportFilter {
            clearance: self.clearance,
            own_device: Some(self.device.clone()),
            ..filter
        }
    }
}
pub use sync_state::{Delivery, HubRecord, Outgoing, PendingBlob, Scope};

/// Who uses this device: the default author and unit of new reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Profile {
    pub author: String,
    pub unit: String,
    pub sector: String,
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    blobs: blobs::BlobDir,
    /// What every write of a document uses: the forms and the signer.
    writing: Writing,
    device: DeviceId,
    migrated: Migrated,
}

/// How a document is written: with its projections, by the forms, and
/// signed where this device made it.
struct Writing {
    /// Shared, so that work done away from the store (a hub vetting a push
    /// outside its lock) reads the same forms without copying them.
    catalog: std::sync::Arc<Catalog>,
    /// Signs this device's changes as they are written (absent only when
    /// opened at an older schema, as tests of upgrades do).
    signer: Option<keys::Signer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("device", &self.device)
            .finish()
    }
}

pub const DATABASE_FILE: &str = "outpost.db";

/// A bare connection to the database file at `path` (a store's, or one of
/// its backups) with the store's key applied: for tests and for repairing
/// a damaged store by hand. It bypasses every rule of [`Store`].
pub fn database_connection(path: &Path, key: &DataKey) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\"",
        key.sqlcipher_key().as_str()
    ))?;
    Ok(conn)
}

impl Store {
    /// Unlocks the store in `dir` with `passphrase` and opens it (setting up
    /// a new one, or encrypting one written before encryption at rest).
    pub fn unlock(dir: &Path, passphrase: &Passphrase, now: Timestamp) -> Result<Store> {
        let key = data_key::unlock(dir, passphrase, now)?;
        Store::open(dir, &key, now)
    }

    /// Opens (creating if needed) the store in `dir` at the latest schema,
    /// with its data key (from [`unlock`]).
    pub fn open(dir: &Path, key: &DataKey, now: Timestamp) -> Result<Store> {
        Store::open_with_schema(dir, key, MIGRATIONS, now)
    }

    /// Opens with a given list of migrations: how an older build sees the world.
    /// Tests use it to check that an old database upgrades and that a newer one
    /// is refused.
    pub fn open_with_schema(
        dir: &Path,
        key: &DataKey,
        migrations: &[&'static str],
        now: Timestamp,
    ) -> Result<Store> {
        // Two programs creating the same store at once (a hub and its operator's
        // command) can find it locked while the other sets it up; opening is
        // rare, so wait and try again rather than fail.
        let mut attempt = 0;
        loop {
            match Store::open_once(dir, key, migrations, now) {
                Err(StoreError::Database(e)) if is_busy(&e) && attempt < 100 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(
        dir: &Path,
        key: &DataKey,
        migrations: &[&'static str],
        now: Timestamp,
    ) -> Result<Store> {
        private_files::private_dir(dir)?;
        let db_path = dir.join(DATABASE_FILE);
        let blobs = blobs::BlobDir::open(dir.join("blobs"), key.clone())?;
        if data_key::is_plain_sqlite(&db_path)? {
            at_rest::encrypt_in_place(dir, &blobs, key)?;
        }
        if !db_path.exists() {
            // Private from its first byte: SQLite gives its journal and WAL
            // the mode of the database file.
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&db_path)
                .map_err(|e| StoreError::io(&db_path, e))?;
        }
        let mut conn = database_connection(&db_path, key)?;
        // The first read is where a wrong key shows, and a full disk: a WAL
        // database needs room for its shared-memory index before it can be
        // read. Then the index is kept in this process's memory instead
        // (exclusive locking), so the reports can still be read; a write
        // then says the disk is full.
        let first_read = |conn: &Connection| {
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        };
        if let Err(e) = first_read(&conn) {
            if !error::is_disk_full(&e) {
                return Err(match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongKey,
                    _ => e.into(),
                });
            }
            drop(conn);
            conn = database_connection(&db_path, key)?;
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
            first_read(&conn)?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL lets the UI read while a sync writes; FULL makes each commit durable.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let backups = dir.join("backups");
        let migrated = schema::migrate(&mut conn, &db_path, &backups, migrations, now.as_millis())?;
        let device = ensure_device(&conn, now)?;
        let projections_exist = migrations.len() >= MIGRATIONS.len();
        let signer = if projections_exist {
            Some(keys::Signer {
                device: *device.as_uuid().as_bytes(),
                key: keys::ensure_key(&conn, now)?,
            })
        } else {
            None
        };
        let mut store = Store {
            conn,
            dir: dir.to_path_buf(),
            blobs,
            writing: Writing {
                catalog: std::sync::Arc::new(Catalog::builtin()),
                signer,
            },
            device,
            migrated,
        };
        if store.migrated.from > 0 && store.migrated.from < store.migrated.to && projections_exist {
            // A schema change may change what projections hold: rebuild from the truth.
            store.rebuild_projections()?;
        }
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn device_id(&self) -> DeviceId {
        self.device
    }

    pub fn catalog(&self) -> &Catalog {
        &self.writing.catalog
    }

    /// The forms, for work done away from the store.
    pub fn shared_catalog(&self) -> std::sync::Arc<Catalog> {
        self.writing.catalog.clone()
    }

    /// What opening did to the schema (from, to, and the backup made, if any).
    pub fn migrated(&self) -> &Migrated {
        &self.migrated
    }

    pub fn schema_version(&self) -> Result<usize> {
        schema::user_version(&self.conn)
    }

    pub fn profile(&self) -> Result<Profile> {
        Ok(self
            .conn
            .query_row("SELECT author, unit, sector FROM device", [], |r| {
                Ok(Profile {
                    author: r.get(0)?,
                    unit: r.get(1)?,
                    sector: r.get(2)?,
                })
            })?)
    }

    pub fn set_profile(&mut self, profile: &Profile) -> Result<()> {
        self.conn.execute(
            "UPDATE device SET author = ?1, unit = ?2, sector = ?3",
            params![profile.author, profile.unit, profile.sector],
        )?;
        Ok(())
    }

    /// Saves a report: merges it with the stored copy (if any), writes the
    /// result durably and updates the projections, in one transaction. On
    /// return `doc` holds the merged state.
    pub fn save(&mut self, doc: &mut ReportDoc, now: Timestamp) -> Result<()> {
        self.save_all(std::slice::from_mut(doc), now)
    }

    /// Saves many reports in one transaction (an import, a batch received by
    /// sync): all or none are written, with one disk sync instead of one each.
    pub fn save_all(&mut self, docs: &mut [ReportDoc], now: Timestamp) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for doc in docs.iter_mut() {
            // A copy that already holds every stored change (the common case:
            // it was loaded from here) needs no merge, so the stored document
            // is not read and decoded again.
            let stored_heads = stored_heads_in(&tx, doc.id())?;
            let contains_stored = stored_heads
                .as_deref()
                .and_then(parse_heads)
                .is_some_and(|heads| !heads.is_empty() && doc.has_heads(&heads));
            if stored_heads.is_some()
                && !contains_stored
                && let Some(mut stored) = load_in(&tx, doc.id())?
            {
                doc.merge(&mut stored)?;
            }
            self.writing.write(&tx, doc, stored_heads.as_deref(), now)?;
        }
        tx.commit()?;
        // From here the callers hold copies; their further edits are sessions
        // of their own so they can never clash with the store's own writes.
        for doc in docs {
            doc.set_session(self.device, rand::random());
        }
        Ok(())
    }

    /// Loads a copy of a report. Edits to it are a separate session of this
    /// device; bring them back with [`Store::save`], which merges.
    pub fn load(&self, id: ReportId) -> Result<ReportDoc> {
        let mut doc = load_in(&self.conn, id)?.ok_or(StoreError::NotFound(id))?;
        doc.set_session(self.device, rand::random());
        Ok(doc)
    }

    /// The saved bytes of a report, exactly as stored (a standard automerge file).
    pub fn document_bytes(&self, id: ReportId) -> Result<Vec<u8>> {
        self.conn
            .query_row(
                "SELECT bytes FROM documents WHERE report_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))
    }

    /// Changes a stored report under one write transaction: load, edit as this
    /// device, save, project. Nothing is written if `edit` fails.
    pub fn update<T>(
        &mut self,
        id: ReportId,
        now: Timestamp,
        edit: impl FnOnce(&mut ReportDoc) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut doc, stored) = stored_in(&tx, id)?.ok_or(StoreError::NotFound(id))?;
        doc.set_device(self.device);
        let out = edit(&mut doc)?;
        self.writing.write(&tx, &mut doc, Some(&stored), now)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn list(&self, filter: &ReportFilter) -> Result<Vec<ReportSummary>> {
        query::list(&self.conn, filter)
    }

    pub fn count(&self, filter: &ReportFilter) -> Result<u64> {
        query::count(&self.conn, filter)
    }

    /// Where every report `filter` selects is (those with a location), for a
    /// map: no paging, a few columns.
    pub fn points(&self, filter: &ReportFilter) -> Result<Vec<ReportPoint>> {
        query::points(&self.conn, filter)
    }

    /// The field of report `id`'s form that takes attachments of a kind
    /// (`is_it`), read from the list row: no document is decoded.
    pub fn attachment_field(
        &self,
        id: ReportId,
        is_it: fn(&outpost_report::FieldKind) -> bool,
    ) -> Result<Option<String>> {
        let kind: Option<String> = self
            .conn
            .query_row(
                "SELECT kind FROM reports WHERE report_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let kind = kind.ok_or(StoreError::NotFound(id))?;
        Ok(self
            .writing
            .catalog
            .get(&kind)
            .and_then(|form| form.first_field(is_it))
            .map(|f| f.id.clone()))
    }

    /// Who looks at this store through this device: the clearance the hub
    /// granted it (none when not enrolled: nothing came to it from anyone
    /// else) and the device itself, whose own reports are always shown.
    pub fn viewer(&self) -> Result<Viewer> {
        Ok(Viewer {
            clearance: self.granted_clearance()?,
            device: self.device_id().to_string(),
        })
    }

    /// The clearance the hub granted this device, if it is enrolled: what
    /// the person using it may see, map and export.
    pub fn granted_clearance(&self) -> Result<Option<Classification>> {
        Ok(self.hub(None)?.map(|hub| hub.granted_clearance()))
    }

    /// A page of `filter` and the counts per filter value beside it, in one
    /// go: a full-text search is matched once for both.
    pub fn page_and_facets(&self, filter: &ReportFilter) -> Result<(Vec<ReportSummary>, Facets)> {
        query::page_and_facets(&self.conn, filter)
    }

    /// Counts per value of each filter, under the other conditions of `filter`.
    pub fn facets(&self, filter: &ReportFilter) -> Result<Facets> {
        query::facets(&self.conn, filter)
    }

    pub fn report_ids(&self) -> Result<Vec<ReportId>> {
        let mut stmt = self
            .conn
            .prepare("SELECT report_id FROM documents ORDER BY report_id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok()?.parse().ok())
            .collect();
        Ok(ids)
    }

    /// Rebuilds every projection from the documents; returns how many reports.
    pub fn rebuild_projections(&mut self) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        projection::clear(&tx)?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare("SELECT bytes FROM documents ORDER BY report_id")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let bytes: Vec<u8> = row.get(0)?;
                // One unreadable document must not hide every other report;
                // the doctor names it.
                if let Ok(doc) = ReportDoc::load(&bytes) {
                    projection::project(&tx, &self.writing.catalog, &doc)?;
                    n += 1;
                }
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Reads a blob, verifying its hash.
    pub fn read_blob(&self, sha256: &str) -> Result<Vec<u8>> {
        self.blobs.read(sha256)
    }

    pub fn has_blob(&self, sha256: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM blobs WHERE sha256 = ?1",
                [sha256],
                |_| Ok(()),
            )
            .optional()?
            .is_some()
            && self.blobs.path(sha256).exists())
    }

    /// Attaches a processed photo to a report. Its three variants go to the
    /// blob store; the report gains a [`PhotoRef`]. The same photo added twice
    /// to a report is one photo. Capture time and place are kept only if
    /// `keep_capture_facts` (EXIF GPS can expose a source).
    pub fn add_photo(
        &mut self,
        report: ReportId,
        photo: &ProcessedPhoto,
        field: Option<&str>,
        keep_capture_facts: bool,
        id: PhotoId,
        now: Timestamp,
    ) -> Result<PhotoRef> {
        // One write transaction around the whole attachment: the report is
        // read once, and the blob files are synced before it commits.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut doc, stored) = stored_in(&tx, report)?.ok_or(StoreError::NotFound(report))?;
        if let Some(same) = doc
            .photos()
            .into_iter()
            .find(|p| p.original.sha256 == photo.original.sha256)
        {
            return Ok(same);
        }
        let mut refs = Vec::with_capacity(3);
        for v in photo.variants() {
            self.blobs.put(&v.bytes, rand::random())?;
            refs.push(VariantRef {
                sha256: v.sha256.clone(),
                width: v.width,
                height: v.height,
                bytes: v.bytes.len() as u64,
                media_type: v.media_type.to_string(),
            });
        }
        let [original, preview, thumbnail]: [VariantRef; 3] =
            refs.try_into().map_err(|_| StoreError::PhotoNotFound(id))?;
        let photo_ref = PhotoRef {
            id,
            field: field.map(str::to_string),
            added_at: now,
            original,
            preview,
            thumbnail,
            captured_at: keep_capture_facts
                .then(|| photo.facts.captured_at.clone())
                .flatten(),
            location: keep_capture_facts
                .then(|| {
                    photo
                        .facts
                        .location
                        .as_ref()
                        .map(|g| serde_json::json!({"lat": g.lat, "lon": g.lon}))
                })
                .flatten(),
        };
        let variants = [
            &photo_ref.original,
            &photo_ref.preview,
            &photo_ref.thumbnail,
        ];
        for v in variants {
            index_blob(
                &tx,
                &v.sha256,
                v.bytes,
                &v.media_type,
                Some((v.width, v.height)),
                now,
            )?;
        }
        doc.set_device(self.device);
        doc.add_photo(&photo_ref)?;
        self.writing.write(&tx, &mut doc, Some(&stored), now)?;
        tx.commit()?;
        Ok(photo_ref)
    }

    /// Attaches a voice note (an audio file, checked by its content) to a
    /// report, said at debrief `step`. The same file twice is one note.
    pub fn add_voice_note(
        &mut self,
        report: ReportId,
        audio: &[u8],
        step: Option<&str>,
        field: Option<&str>,
        id: VoiceNoteId,
        now: Timestamp,
    ) -> Result<VoiceNoteRef> {
        let media_type = outpost_media::audio_media_type(audio).map_err(StoreError::Voice)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut doc, stored) = stored_in(&tx, report)?.ok_or(StoreError::NotFound(report))?;
        // The same recording twice is one note: nothing is written again.
        let sha256 = outpost_media::sha256_hex(audio);
        if let Some(same) = doc
            .voice_notes()
            .into_iter()
            .find(|n| n.file.sha256 == sha256)
        {
            return Ok(same);
        }
        self.blobs.put(audio, rand::random())?;
        let note = VoiceNoteRef {
            id,
            step: step.map(str::to_string),
            field: field.map(str::to_string),
            added_at: now,
            file: VariantRef {
                sha256,
                width: 0,
                height: 0,
                bytes: audio.len() as u64,
                media_type: media_type.to_string(),
            },
        };
        index_blob(
            &tx,
            &note.file.sha256,
            note.file.bytes,
            media_type,
            None,
            now,
        )?;
        doc.set_device(self.device);
        doc.add_voice_note(&note)?;
        self.writing.write(&tx, &mut doc, Some(&stored), now)?;
        tx.commit()?;
        Ok(note)
    }

    /// Checks the database and every blob; see [`DoctorReport`].
    pub fn doctor(&self) -> Result<DoctorReport> {
        let mut report = doctor::examine(&self.conn, &self.blobs)?;
        report.quarantined = self.quarantined()?;
        Ok(report)
    }

    /// Sets a file that fails its check aside: its index row goes and the
    /// damaged bytes move to `blobs/damaged/`, so the file counts as not held
    /// and the next sync fetches the good copy from a peer that has it.
    /// Returns whether it was damaged (a good file is left alone).
    pub fn set_aside_damaged(&mut self, sha256: &str) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match self.blobs.verify(sha256) {
            Ok(()) => return Ok(false),
            Err(StoreError::BlobCorrupt { .. } | StoreError::BlobMissing { .. }) => {}
            Err(other) => return Err(other),
        }
        self.blobs.set_aside(sha256)?;
        tx.execute("DELETE FROM blobs WHERE sha256 = ?1", [sha256])?;
        tx.commit()?;
        Ok(true)
    }

    /// Removes what interrupted saves left behind: blob files nothing
    /// indexes and half-written temporary files.
    ///
    /// Safe beside other processes on the same store: every blob file is
    /// written and indexed inside one write transaction, so while this holds
    /// the write lock no file is between its write and its index row.
    pub fn reclaim(&mut self) -> Result<Reclaimed> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed: std::collections::BTreeSet<String> = {
            let mut stmt = tx.prepare("SELECT sha256 FROM blobs")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let reclaimed = self.blobs.reclaim(&indexed)?;
        tx.commit()?;
        Ok(reclaimed)
    }
}

/// Heads as the store keeps them (`documents.heads`, `peer_documents.heads`):
/// a JSON array of hex change hashes, sorted, so equal heads compare equal as text.
pub fn heads_json(heads: &[ChangeHash]) -> String {
    let mut hex: Vec<String> = heads.iter().map(ChangeHash::to_string).collect();
    hex.sort();
    serde_json::to_string(&hex).unwrap_or_else(|_| "[]".into())
}

/// The change hashes of stored heads; `None` if any entry is not one.
pub fn parse_heads(json: &str) -> Option<Vec<ChangeHash>> {
    let hex: Vec<String> = serde_json::from_str(json).ok()?;
    hex.iter().map(|h| h.parse().ok()).collect()
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn ensure_device(conn: &Connection, now: Timestamp) -> Result<DeviceId> {
    let existing: Option<String> = conn
        .query_row("SELECT device_id FROM device", [], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing.and_then(|s| s.parse().ok()) {
        return Ok(id);
    }
    let id = DeviceId::from_uuid(uuid::Uuid::new_v4());
    // Two programs opening a new store at once must agree on one identity:
    // the first insert wins and both read it back.
    conn.execute(
        "INSERT INTO device (singleton, device_id, created_at) VALUES (1, ?1, ?2)
         ON CONFLICT (singleton) DO NOTHING",
        params![id.to_string(), now.as_millis()],
    )?;
    let stored: String = conn.query_row("SELECT device_id FROM device", [], |r| r.get(0))?;
    Ok(stored.parse().unwrap_or(id))
}

fn stored_heads_in(conn: &Connection, id: ReportId) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT heads FROM documents WHERE report_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

fn load_in(conn: &Connection, id: ReportId) -> Result<Option<ReportDoc>> {
    Ok(stored_in(conn, id)?.map(|(doc, _)| doc))
}

/// A stored report and its stored heads, read in one query, for an edit
/// that writes it back with [`Writing::write`].
fn stored_in(conn: &Connection, id: ReportId) -> Result<Option<(ReportDoc, String)>> {
    let row: Option<(Vec<u8>, String)> = conn
        .query_row(
            "SELECT bytes, heads FROM documents WHERE report_id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((bytes, heads)) => Some((ReportDoc::load(&bytes)?, heads)),
        None => None,
    })
}

impl Writing {
    /// Writes `doc` and its projections unless its heads are `stored_heads`
    /// (what the caller read from the same row in this transaction).
    fn write(
        &self,
        conn: &Connection,
        doc: &mut ReportDoc,
        stored_heads: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let heads = heads_json(&doc.head_hashes());
        let id = doc.id().to_string();
        if stored_heads == Some(heads.as_str()) {
            // Same heads, same document: no new sequence number, so peers are
            // not sent what they already have, and the projections (a function
            // of the document) already hold.
            return Ok(());
        }
        conn.execute(
            "INSERT INTO documents (report_id, bytes, heads, saved_at, seq)
             VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(seq), 0) + 1 FROM documents))
             ON CONFLICT (report_id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads,
                 saved_at = excluded.saved_at, seq = excluded.seq",
            params![id, doc.save(), heads, now.as_millis()],
        )?;
        if let Some(signer) = &self.signer {
            let stored = stored_heads.and_then(parse_heads);
            keys::sign_new_changes(conn, signer, doc, stored.as_deref())?;
        }
        projection::project(conn, &self.catalog, doc)
    }
}

fn index_blob(
    conn: &Connection,
    sha256: &str,
    bytes: u64,
    media_type: &str,
    size: Option<(u32, u32)>,
    now: Timestamp,
) -> Result<()> {
    conn.execute(
        "INSERT INTO blobs (sha256, bytes, media_type, width, height, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (sha256) DO NOTHING",
        params![sha256, bytes as i64, media_type, size.map(|s| s.0), size.map(|s| s.1), now.as_millis()],
    )?;
    Ok(())
}
