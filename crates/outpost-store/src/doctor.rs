//! `outpost doctor`: is everything the store claims to hold really there?

use std::collections::BTreeSet;

use outpost_report::ReportDoc;
use rusqlite::Connection;
use serde::Serialize;

use crate::blobs::BlobDir;
use crate::error::{Result, StoreError};

/// What the doctor found. Healthy when every list is empty and SQLite says "ok".
#[derive(Debug, Clone, Default, Serialize)]
pub struct DoctorReport {
    /// `PRAGMA integrity_check` output ("ok" when healthy).
    pub integrity: Vec<String>,
    pub documents: usize,
    /// Documents that do not load, with the reason.
    pub unreadable_documents: Vec<(String, String)>,
    pub blobs: usize,
    /// Indexed blobs whose file is gone.
    pub missing_blobs: Vec<String>,
    /// Blob files whose content no longer matches their hash.
    pub corrupt_blobs: Vec<String>,
    /// Damaged files set aside (`doctor --repair`, or found by a sync) whose
    /// good copy has not come back from a peer yet.
    pub set_aside_damaged: Vec<String>,
    /// Photo variants a report refers to that this store has not received
    /// yet (a sync within a satellite budget leaves originals behind; a hub
    /// waits for the device that took the photo). Waiting, not damage: an
    /// attachment made here indexes its files in the transaction that adds it.
    pub awaited_photo_variants: Vec<String>,
    /// Reports whose list entry is missing or stale: fix with a projection rebuild.
    pub projection_mismatches: Vec<String>,
    /// Files in the blob store that nothing indexes (left by an interrupted
    /// save; harmless, removed by [`crate::Store::reclaim`]).
    pub orphan_blob_files: usize,
    /// Half-written temporary files (same cause, same remedy).
    pub temporary_files: usize,
    /// Documents a hub set aside because they stopped loading: never sent.
    pub quarantined: Vec<crate::Quarantined>,
}

impl DoctorReport {
    pub fn is_healthy(&self) -> bool {
        self.integrity == ["ok"]
            && self.unreadable_documents.is_empty()
            && self.missing_blobs.is_empty()
            && self.corrupt_blobs.is_empty()
            && self.set_aside_damaged.is_empty()
            && self.projection_mismatches.is_empty()
            && self.quarantined.is_empty()
    }
}

pub(crate) fn examine(conn: &Connection, blobs: &BlobDir) -> Result<DoctorReport> {
    let mut report = DoctorReport::default();
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    report.integrity = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;

    let mut indexed = BTreeSet::new();
    let mut stmt = conn.prepare("SELECT sha256 FROM blobs ORDER BY sha256")?;
    for sha in stmt.query_map([], |r| r.get::<_, String>(0))? {
        let sha = sha?;
        match blobs.verify(&sha) {
            Ok(()) => {}
            Err(StoreError::BlobMissing { .. }) => report.missing_blobs.push(sha.clone()),
            Err(StoreError::BlobCorrupt { .. }) => report.corrupt_blobs.push(sha.clone()),
            Err(other) => return Err(other),
        }
        indexed.insert(sha);
    }
    report.blobs = indexed.len();
    report.orphan_blob_files = blobs
        .list()?
        .iter()
        .filter(|f| !indexed.contains(*f))
        .count();
    report.temporary_files = blobs.temporary_files()?.len();
    report.set_aside_damaged = blobs.set_aside_files()?;

    let mut stmt = conn.prepare(
        "SELECT d.report_id, d.bytes, r.updated_at, r.photos
         FROM documents d LEFT JOIN reports r ON r.report_id = d.report_id ORDER BY d.report_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        report.documents += 1;
        let id: String = row.get(0)?;
        let bytes: Vec<u8> = row.get(1)?;
        let listed: Option<(i64, i64)> =
            match (row.get::<_, Option<i64>>(2)?, row.get::<_, Option<i64>>(3)?) {
                (Some(u), Some(p)) => Some((u, p)),
                _ => None,
            };
        let doc = match ReportDoc::load(&bytes) {
            Ok(doc) => doc,
            Err(e) => {
                report.unreadable_documents.push((id, e.to_string()));
                continue;
            }
        };
        let photos = doc.photos();
        if listed != Some((doc.meta().updated_at.as_millis(), photos.len() as i64)) {
            report.projection_mismatches.push(id.clone());
        }
        for p in photos {
            for v in [&p.original, &p.preview, &p.thumbnail] {
                if !indexed.contains(&v.sha256) {
                    report
                        .awaited_photo_variants
                        .push(format!("{id}/{}/{}", p.id, v.sha256));
                }
            }
        }
    }
    let listed_only: i64 = conn.query_row(
        "SELECT count(*) FROM reports WHERE report_id NOT IN (SELECT report_id FROM documents)",
        [],
        |r| r.get(0),
    )?;
    if listed_only > 0 {
        report
            .projection_mismatches
            .push(format!("{listed_only} listed report(s) without a document"));
    }
    Ok(report)
}
