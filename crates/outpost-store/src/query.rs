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
    /// Every kind but this one (home leaves headquarters' standing questions
    /// to their own list).
    pub exclude_kind: Option<String>,
    pub status: Option<ReviewStatus>,
    /// Only reports at or below this level (the viewer's clearance).
    pub clearance: Option<Classification>,
    /// With `clearance`: reports written on this device are kept whatever
    /// their level (a person always sees what they filed themselves).
    pub own_device: Option<String>,
    /// Only reports at exactly this level.
    pub classification: Option<Classification>,
    pub language: Option<Lang>,
    pub sector: Option<String>,
    /// The author's unit.
    pub unit: Option<String>,
    pub author: Option<String>,
    /// When what the report tells of happened (its first date answer, else
    /// its filing): from, inclusive...
    pub from: Option<Timestamp>,
    /// ...to, exclusive.
    pub until: Option<Timestamp>,
    /// Words to find in titles, narratives, places and comments (French or English,
    /// accents optional, word prefixes match).
    pub text: Option<String>,
    pub order: ReportOrder,
    pub limit: Option<u32>,
    pub offset: u32,
}

/// How a list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportOrder {
    /// Most recently changed first.
    #[default]
    Updated,
    /// Most recent events first.
    Happened,
    /// Oldest events first.
    HappenedAscending,
    /// Highest classification first, then most recently changed.
    Classification,
}

impl ReportOrder {
    fn sql(self) -> &'static str {
        match self {
            ReportOrder::Updated => "updated_at DESC, report_id",
            ReportOrder::Happened => "coalesce(happened_at, created_at) DESC, report_id",
            ReportOrder::HappenedAscending => "coalesce(happened_at, created_at), report_id",
            ReportOrder::Classification => "classification_rank DESC, updated_at DESC, report_id",
        }
    }
}

/// How many reports each value of a filter would give, with the other
/// conditions held: the numbers beside a reviewer's filter choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub total: u64,
    pub kind: Vec<(String, u64)>,
    pub status: Vec<(String, u64)>,
    pub classification: Vec<(String, u64)>,
    pub language: Vec<(String, u64)>,
    pub sector: Vec<(String, u64)>,
    pub unit: Vec<(String, u64)>,
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
    pub sector: String,
    /// When what the report tells of happened (else when it was filed).
    pub happened_at: Timestamp,
    /// QIP assessments: the pipeline stage and since when.
    pub pipeline_stage: Option<String>,
    pub stage_since: Option<Timestamp>,
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

/// The report id in column `index` of `row`; a malformed one is a row error.
fn id_at(row: &Row<'_>, index: impl rusqlite::RowIndex) -> rusqlite::Result<ReportId> {
    let id: String = row.get(index)?;
    id.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn summary(row: &Row<'_>) -> rusqlite::Result<ReportSummary> {
    Ok(ReportSummary {
        id: id_at(row, "report_id")?,
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
        sector: row.get("sector")?,
        pipeline_stage: row.get("pipeline_stage")?,
        stage_since: row
            .get::<_, Option<i64>>("stage_since")?
            .map(Timestamp::from_millis),
        happened_at: Timestamp::from_millis(
            row.get::<_, Option<i64>>("happened_at")?
                .unwrap_or(row.get("created_at")?),
        ),
    })
}

/// The columns facets count values of, in the order of [`Facets`]' fields:
/// kind, status, classification, language, sector, unit.
const FACET_COLUMNS: [&str; 6] = [
    "kind",
    "status",
    "classification",
    "language",
    "sector",
    "author_unit",
];

/// Where the full-text condition is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    /// Matched by the statement itself.
    Match,
    /// Already matched into `temp.search_hits` (one match for several statements).
    Hits,
}

fn where_clause(filter: &ReportFilter) -> (String, Vec<SqlValue>) {
    where_clause_with(filter, Words::Match)
}

fn where_clause_with(filter: &ReportFilter, words: Words) -> (String, Vec<SqlValue>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    if let Some(level) = filter.classification {
        conds.push("classification = ?");
        args.push(SqlValue::Text(level.as_str().into()));
    }
    for (column, value) in [
        ("sector = ?", &filter.sector),
        ("author_unit = ?", &filter.unit),
        ("author = ?", &filter.author),
    ] {
        if let Some(v) = value {
            conds.push(column);
            args.push(SqlValue::Text(v.clone()));
        }
    }
    if let Some(from) = filter.from {
        conds.push("coalesce(happened_at, created_at) >= ?");
        args.push(SqlValue::Integer(from.as_millis()));
    }
    if let Some(until) = filter.until {
        conds.push("coalesce(happened_at, created_at) < ?");
        args.push(SqlValue::Integer(until.as_millis()));
    }
    if let Some(kind) = &filter.kind {
        conds.push("kind = ?");
        args.push(SqlValue::Text(kind.clone()));
    }
    if let Some(kind) = &filter.exclude_kind {
        conds.push("kind != ?");
        args.push(SqlValue::Text(kind.clone()));
    }
    if let Some(status) = filter.status {
        conds.push("status = ?");
        args.push(SqlValue::Text(status.as_str().into()));
    }
    if let Some(level) = filter.clearance {
        match &filter.own_device {
            Some(device) => {
                conds.push("(classification_rank <= ? OR device = ?)");
                args.push(SqlValue::Integer(level.rank()));
                args.push(SqlValue::Text(device.clone()));
            }
            None => {
                conds.push("classification_rank <= ?");
                args.push(SqlValue::Integer(level.rank()));
            }
        }
    }
    if let Some(lang) = filter.language {
        conds.push("language = ?");
        args.push(SqlValue::Text(lang.as_str().into()));
    }
    if let Some(q) = filter.text.as_deref().and_then(fts_query) {
        match words {
            Words::Match => {
                conds.push("rowid IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)");
                args.push(SqlValue::Text(q));
            }
            Words::Hits => conds.push("rowid IN temp.search_hits"),
        }
    }
    let sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    (sql, args)
}

pub(crate) fn list(conn: &Connection, filter: &ReportFilter) -> Result<Vec<ReportSummary>> {
    list_with(conn, filter, Words::Match)
}

fn list_with(conn: &Connection, filter: &ReportFilter, words: Words) -> Result<Vec<ReportSummary>> {
    let (clause, mut args) = where_clause_with(filter, words);
    args.push(SqlValue::Integer(filter.limit.map_or(-1, i64::from)));
    args.push(SqlValue::Integer(i64::from(filter.offset)));
    let sql = format!(
        "SELECT * FROM reports {clause} ORDER BY {} LIMIT ? OFFSET ?",
        filter.order.sql()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), summary)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A report on a map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportPoint {
    pub id: ReportId,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub classification: String,
    pub lat: f64,
    pub lon: f64,
}

pub(crate) fn points(conn: &Connection, filter: &ReportFilter) -> Result<Vec<ReportPoint>> {
    let (clause, args) = where_clause(filter);
    let located = if clause.is_empty() { "WHERE" } else { " AND" };
    let sql = format!(
        "SELECT report_id, kind, title, status, classification, lat, lon FROM reports \
         {clause}{located} lat IS NOT NULL AND lon IS NOT NULL ORDER BY {}",
        filter.order.sql()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |row| {
        Ok(ReportPoint {
            id: id_at(row, 0)?,
            kind: row.get(1)?,
            title: row.get(2)?,
            status: row.get(3)?,
            classification: row.get(4)?,
            lat: row.get(5)?,
            lon: row.get(6)?,
        })
    })?;
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

/// A page of `filter` and the counts beside its filters, matching the words
/// of a full-text search once for both (the match is the costly part).
pub(crate) fn page_and_facets(
    conn: &Connection,
    filter: &ReportFilter,
) -> Result<(Vec<ReportSummary>, Facets)> {
    let Some(q) = filter.text.as_deref().and_then(fts_query) else {
        return Ok((list(conn, filter)?, facets(conn, filter)?));
    };
    conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS search_hits (id INTEGER PRIMARY KEY)")?;
    // One snapshot for the page and its counts; the hits go with the
    // transaction, whatever happens (dropped unfinished, it rolls back).
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO temp.search_hits SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?1",
        [q],
    )?;
    let found = (
        list_with(&tx, filter, Words::Hits)?,
        facets_with(&tx, filter, Words::Hits)?,
    );
    // Rolled back: the hits were only for this answer.
    tx.rollback()?;
    Ok(found)
}

pub(crate) fn facets(conn: &Connection, filter: &ReportFilter) -> Result<Facets> {
    facets_with(conn, filter, Words::Match)
}

fn facets_with(conn: &Connection, filter: &ReportFilter, words: Words) -> Result<Facets> {
    // One pass over the narrow review index: read the six dimensions of every
    // report that meets the conditions outside them (text, clearance, author,
    // time), and count each dimension's values where every *other* dimension's
    // condition holds. A GROUP BY per dimension sorted the table six times.
    let outside = ReportFilter {
        kind: None,
        status: None,
        classification: None,
        language: None,
        sector: None,
        unit: None,
        ..filter.clone()
    };
    let wanted: [Option<String>; 6] = [
        filter.kind.clone(),
        filter.status.map(|s| s.as_str().to_string()),
        filter.classification.map(|c| c.as_str().to_string()),
        filter.language.map(|l| l.as_str().to_string()),
        filter.sector.clone(),
        filter.unit.clone(),
    ];
    let (clause, args) = where_clause_with(&outside, words);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM reports {clause}",
        FACET_COLUMNS.join(", ")
    ))?;
    let mut tallies: [std::collections::HashMap<String, u64>; 6] = Default::default();
    let mut total = 0;
    let mut rows = stmt.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        let mut values: [&str; 6] = [""; 6];
        let mut missed = None;
        let mut misses = 0;
        for (i, value) in values.iter_mut().enumerate() {
            *value = row.get_ref(i)?.as_str().unwrap_or("");
            if wanted[i].as_deref().is_some_and(|w| w != *value) {
                misses += 1;
                missed = Some(i);
            }
        }
        match (misses, missed) {
            (0, _) => {
                total += 1;
                for (tally, value) in tallies.iter_mut().zip(values) {
                    *tally.entry(value.to_string()).or_default() += 1;
                }
            }
            // Fails only its own dimension's condition: an alternative there.
            (1, Some(i)) => *tallies[i].entry(values[i].to_string()).or_default() += 1,
            _ => {}
        }
    }
    let sorted = |tally: std::collections::HashMap<String, u64>| {
        let mut counts: Vec<(String, u64)> = tally.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    };
    let [kind, status, classification, language, sector, unit] = tallies;
    Ok(Facets {
        total,
        kind: sorted(kind),
        status: sorted(status),
        classification: sorted(classification),
        language: sorted(language),
        sector: sorted(sector),
        unit: sorted(unit),
    })
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
