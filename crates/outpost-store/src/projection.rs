//! Tables derived from the documents: the report list, full-text search and the
//! photo index. They are written on every save (the incremental path) and can be
//! rebuilt from `documents` alone, with the same result.

use outpost_report::document::{first_datetime, first_location};
use outpost_report::{Catalog, Form, ReportDoc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use crate::error::Result;

/// Where a report is, from its first location answer.
fn location(
    form: &Form,
    answers: &Map<String, Value>,
) -> (Option<f64>, Option<f64>, Option<String>) {
    match first_location(form, answers) {
        Some(loc) => (
            loc.get("lat").and_then(Value::as_f64),
            loc.get("lon").and_then(Value::as_f64),
            loc.get("place").and_then(Value::as_str).map(str::to_string),
        ),
        None => (None, None, None),
    }
}

/// Writes the projection rows of one report, replacing any earlier ones.
pub(crate) fn project(conn: &Connection, catalog: &Catalog, doc: &ReportDoc) -> Result<()> {
    let id = doc.id().to_string();
    let form_id = doc.form_id();
    let form = catalog.form_of(doc);
    let meta = doc.meta();
    // A report of a kind this version does not know (made by a newer app) is
    // still listed, under its form id, rather than hidden.
    let title = form
        .map(|f| doc.title(f, meta.language))
        .unwrap_or_else(|| form_id.clone());
    // Decoded once: the search text, the place and the time all read it.
    let answers = doc.answers();
    let body = form
        .map(|f| doc.searchable_text(f, &answers))
        .unwrap_or_default();
    let (lat, lon, place) = form
        .map(|f| location(f, &answers))
        .unwrap_or((None, None, None));
    let photos = doc.photos();
    // Only assessments are in the pipeline; their stage is listed and filtered.
    let stage = outpost_report::pipeline::has_pipeline(&form_id).then(|| {
        outpost_report::pipeline::status(&doc.stage_entries(), meta.created_at, meta.updated_at)
    });
    let happened_at = form
        .and_then(|f| first_datetime(f, &answers))
        .map(|t| t.as_millis());

    let old_rowid: Option<i64> = conn
        .query_row(
            "SELECT rowid FROM reports WHERE report_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = old_rowid {
        conn.execute("DELETE FROM reports_fts WHERE rowid = ?1", [rowid])?;
    }
    conn.execute(
        "INSERT INTO reports (report_id, kind, form_version, title, author, author_unit, device,
             created_at, updated_at, language, classification, classification_rank, status,
             conflicts, photos, comments, lat, lon, place, sector, happened_at, pipeline_stage,
             stage_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
             ?21, ?22, ?23)
         ON CONFLICT (report_id) DO UPDATE SET
             kind = excluded.kind, form_version = excluded.form_version, title = excluded.title,
             author = excluded.author, author_unit = excluded.author_unit, device = excluded.device,
             created_at = excluded.created_at, updated_at = excluded.updated_at,
             language = excluded.language, classification = excluded.classification,
             classification_rank = excluded.classification_rank, status = excluded.status,
             conflicts = excluded.conflicts, photos = excluded.photos, comments = excluded.comments,
             lat = excluded.lat, lon = excluded.lon, place = excluded.place, sector = excluded.sector,
             happened_at = excluded.happened_at, pipeline_stage = excluded.pipeline_stage,
             stage_since = excluded.stage_since",
        params![
            id,
            form_id,
            doc.form_version(),
            title,
            meta.author,
            meta.author_unit,
            meta.device,
            meta.created_at.as_millis(),
            meta.updated_at.as_millis(),
            meta.language.as_str(),
            meta.classification.as_str(),
            meta.classification.rank(),
            meta.status.as_str(),
            doc.conflicts().len() as i64,
            photos.len() as i64,
            doc.comments().len() as i64,
            lat,
            lon,
            place,
            meta.sector,
            happened_at,
            stage.as_ref().map(|s| s.stage.as_str()),
            stage.as_ref().map(|s| s.since.as_millis()),
        ],
    )?;
    let rowid: i64 = conn.query_row(
        "SELECT rowid FROM reports WHERE report_id = ?1",
        [&id],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO reports_fts (rowid, title, body) VALUES (?1, ?2, ?3)",
        params![rowid, title, body],
    )?;

    conn.execute("DELETE FROM report_shares WHERE report_id = ?1", [&id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO report_shares (report_id, grantee) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for grantee in doc.shares() {
        insert.execute(params![id, grantee])?;
    }
    conn.execute("DELETE FROM photos WHERE report_id = ?1", [&id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO photos (photo_id, report_id, field, added_at, original_sha256, preview_sha256, thumbnail_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (photo_id) DO UPDATE SET report_id = excluded.report_id",
    )?;
    for p in photos {
        insert.execute(params![
            p.id.to_string(),
            id,
            p.field,
            p.added_at.as_millis(),
            p.original.sha256,
            p.preview.sha256,
            p.thumbnail.sha256,
        ])?;
    }
    conn.execute("DELETE FROM voice_notes WHERE report_id = ?1", [&id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO voice_notes (note_id, report_id, step, sha256, added_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (note_id) DO UPDATE SET report_id = excluded.report_id",
    )?;
    for n in doc.voice_notes() {
        insert.execute(params![
            n.id.to_string(),
            id,
            n.step,
            n.file.sha256,
            n.added_at.as_millis(),
        ])?;
    }
    Ok(())
}

/// Empties every projection table (inside the caller's transaction).
pub(crate) fn clear(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM reports_fts; DELETE FROM reports; DELETE FROM photos; DELETE FROM report_shares;
         DELETE FROM voice_notes;",
    )?;
    Ok(())
}
