//! Lists and full-text search over the projection.

use outpost_report::{Classification, Lang, ReportId, ReviewStatus, Timestamp};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Row, params_from_iter};
use serde::Serialize;

use crate::error::Result;

/// Which reports to list. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub kind: Option<String>,
    pub status: Option<ReviewStatus>,
    /// Only reports at or below this level (the viewer's clearance).
    pub clearance: Option<Classification>,
    pub language: Option<Lang>,
    /// Words to find in titles, narratives, places and comments (French or English,
    /// accents optional, word prefixes match).
    pub text: Option<String>,
    pub limit: Option<u32>,
    pub offset: u32,
}

/// One line of the report list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSummary {
    pub id: ReportId,
    pub kind: String,
    pub title: String,
    pub author: String,
    pub author_unit: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub language: String,
    pub classification: String,
    pub status: String,
    pub conflicts: i64,
    pub photos: i64,
    pub comments: i64,
    pub place: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Turns what a person typed into an FTS5 query that cannot be a syntax error:
/// each word quoted, matched as a prefix, all words required.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn summary(row: &Row<'_>) -> rusqlite::Result<ReportSummary> {
    let id: String = row.get("report_id")?;
    Ok(ReportSummary {
        id: id.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        kind: row.get("kind")?,
        title: row.get("title")?,
        author: row.get("author")?,
        author_unit: row.get("author_unit")?,
        created_at: Timestamp::from_millis(row.get("created_at")?),
        updated_at: Timestamp::from_millis(row.get("updated_at")?),
        language: row.get("language")?,
        classification: row.get("classification")?,
        status: row.get("status")?,
        conflicts: row.get("conflicts")?,
        photos: row.get("photos")?,
        comments: row.get("comments")?,
        place: row.get("place")?,
        lat: row.get("lat")?,
        lon: row.get("lon")?,
    })
}

fn where_clause(filter: &ReportFilter) -> (String, Vec<SqlValue>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    if let Some(kind) = &filter.kind {
        conds.push("kind = ?");
        args.push(SqlValue::Text(kind.clone()));
    }
    if let Some(status) = filter.status {
        conds.push("status = ?");
        args.push(SqlValue::Text(status.as_str().into()));
    }
    if let Some(level) = filter.clearance {
        conds.push("classification_rank <= ?");
        args.push(SqlValue::Integer(level.rank()));
    }
    if let Some(lang) = filter.language {
        conds.push("language = ?");
        args.push(SqlValue::Text(lang.as_str().into()));
    }
    if let Some(q) = filter.text.as_deref().and_then(fts_query) {
        conds.push("rowid IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)");
        args.push(SqlValue::Text(q));
    }
    let sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    (sql, args)
}

pub(crate) fn list(conn: &Connection, filter: &ReportFilter) -> Result<Vec<ReportSummary>> {
    let (clause, mut args) = where_clause(filter);
    args.push(SqlValue::Integer(filter.limit.map_or(-1, i64::from)));
    args.push(SqlValue::Integer(i64::from(filter.offset)));
    let sql = format!(
        "SELECT * FROM reports {clause} ORDER BY updated_at DESC, report_id LIMIT ? OFFSET ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), summary)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn count(conn: &Connection, filter: &ReportFilter) -> Result<u64> {
    let (clause, args) = where_clause(filter);
    let n: i64 = conn.query_row(
        &format!("SELECT count(*) FROM reports {clause}"),
        params_from_iter(args),
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(
            fts_query("pont  détruit"),
            Some("\"pont\"* \"détruit\"*".into())
        );
        assert_eq!(
            fts_query("\"AND OR NEAR("),
            Some("\"AND\"* \"OR\"* \"NEAR\"*".into())
        );
        assert_eq!(fts_query(" -- "), None, "punctuation alone is no query");
    }
}
