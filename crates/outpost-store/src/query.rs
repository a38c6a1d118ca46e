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

/// A filter dimension, so facets can leave out the one they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Kind,
    Status,
    Classification,
    Language,
    Sector,
    Unit,
}

impl Dimension {
    const ALL: [Dimension; 6] = [
        Dimension::Kind,
        Dimension::Status,
        Dimension::Classification,
        Dimension::Language,
        Dimension::Sector,
        Dimension::Unit,
    ];

    fn column(self) -> &'static str {
        match self {
            Dimension::Kind => "kind",
            Dimension::Status => "status",
            Dimension::Classification => "classification",
            Dimension::Language => "language",
            Dimension::Sector => "sector",
            Dimension::Unit => "author_unit",
        }
    }
}

fn where_clause(filter: &ReportFilter) -> (String, Vec<SqlValue>) {
    where_clause_without(filter, None)
}

fn where_clause_without(filter: &ReportFilter, skip: Option<Dimension>) -> (String, Vec<SqlValue>) {
    let mut filter = filter.clone();
    match skip {
        Some(Dimension::Kind) => filter.kind = None,
        Some(Dimension::Status) => filter.status = None,
        Some(Dimension::Classification) => filter.classification = None,
        Some(Dimension::Language) => filter.language = None,
        Some(Dimension::Sector) => filter.sector = None,
        Some(Dimension::Unit) => filter.unit = None,
        None => {}
    }
    let filter = &filter;
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
        "SELECT * FROM reports {clause} ORDER BY {} LIMIT ? OFFSET ?",
        filter.order.sql()
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

pub(crate) fn facets(conn: &Connection, filter: &ReportFilter) -> Result<Facets> {
    let mut out = Facets {
        total: count(conn, filter)?,
        ..Default::default()
    };
    // One pass counts every dimension the filter leaves open (grouped by all
    // six at once, summed here); a dimension the filter fixes needs its own
    // pass without its condition, to show the alternatives.
    let filtered = |dim: Dimension| match dim {
        Dimension::Kind => filter.kind.is_some(),
        Dimension::Status => filter.status.is_some(),
        Dimension::Classification => filter.classification.is_some(),
        Dimension::Language => filter.language.is_some(),
        Dimension::Sector => filter.sector.is_some(),
        Dimension::Unit => filter.unit.is_some(),
    };
    let mut passes: Vec<(Option<Dimension>, Vec<Dimension>)> = vec![(
        None,
        Dimension::ALL
            .into_iter()
            .filter(|d| !filtered(*d))
            .collect(),
    )];
    passes.extend(
        Dimension::ALL
            .into_iter()
            .filter(|d| filtered(*d))
            .map(|d| (Some(d), vec![d])),
    );
    for (skip, dims) in passes {
        if dims.is_empty() {
            continue;
        }
        let (clause, args) = where_clause_without(filter, skip);
        let columns: Vec<&str> = dims.iter().map(|d| d.column()).collect();
        let columns = columns.join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {columns}, count(*) FROM reports {clause} GROUP BY {columns}"
        ))?;
        let mut tallies: Vec<std::collections::BTreeMap<String, u64>> =
            vec![Default::default(); dims.len()];
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let n = row.get::<_, i64>(dims.len())? as u64;
            for (i, tally) in tallies.iter_mut().enumerate() {
                *tally.entry(row.get::<_, String>(i)?).or_default() += n;
            }
        }
        for (dim, tally) in dims.into_iter().zip(tallies) {
            let mut counts: Vec<(String, u64)> = tally.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            match dim {
                Dimension::Kind => out.kind = counts,
                Dimension::Status => out.status = counts,
                Dimension::Classification => out.classification = counts,
                Dimension::Language => out.language = counts,
                Dimension::Sector => out.sector = counts,
                Dimension::Unit => out.unit = counts,
            }
        }
    }
    Ok(out)
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
