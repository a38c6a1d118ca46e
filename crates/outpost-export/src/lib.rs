//! Exports of a filtered set of reports, for analysts' spreadsheets and GIS:
//! CSV (one row per report) and GeoJSON (one point per report that has
//! coordinates). Every row carries its classification, and nothing above the
//! exporter's clearance is written, whatever the filter asks for.

pub mod print;
pub mod summary;

use std::io::Write;

use outpost_report::Classification;
use outpost_store::{ReportFilter, ReportSummary, Store, StoreError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export failed")]
    Write(#[source] std::io::Error),
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        ExportError::Write(std::io::Error::other(e))
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub rows: usize,
    /// Reports that matched but have no coordinates (left out of GeoJSON).
    pub without_place: usize,
}

/// The columns of the CSV, in order; also the GeoJSON properties.
pub const COLUMNS: [&str; 18] = [
    "id",
    "kind",
    "classification",
    "status",
    "title",
    "author",
    "unit",
    "sector",
    "language",
    "happened_at",
    "created_at",
    "updated_at",
    "place",
    "lat",
    "lon",
    "photos",
    "comments",
    "conflicts",
];

/// The reports of `filter` that someone cleared to `clearance` may have.
pub fn reports(
    store: &Store,
    filter: &ReportFilter,
    clearance: Classification,
) -> Result<Vec<ReportSummary>, ExportError> {
    let filter = ReportFilter {
        clearance: Some(
            filter
                .clearance
                .map_or(clearance, |asked| asked.min(clearance)),
        ),
        limit: None,
        offset: 0,
        ..filter.clone()
    };
    Ok(store.list(&filter)?)
}

/// Text someone typed, made safe for a spreadsheet: a cell that begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
/// LibreOffice, so it is prefixed with `'` (which they show as text and do
/// not display). Numbers and times written by Outpost itself are left alone.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn fields(r: &ReportSummary) -> [String; 18] {
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    [
        r.id.to_string(),
        r.kind.clone(),
        r.classification.clone(),
        r.status.clone(),
        text_cell(&r.title),
        text_cell(&r.author),
        text_cell(&r.author_unit),
        text_cell(&r.sector),
        r.language.clone(),
        r.happened_at.to_rfc3339(),
        r.created_at.to_rfc3339(),
        r.updated_at.to_rfc3339(),
        text_cell(r.place.as_deref().unwrap_or_default()),
        opt(r.lat),
        opt(r.lon),
        r.photos.to_string(),
        r.comments.to_string(),
        r.conflicts.to_string(),
    ]
}

/// Writes `rows` as CSV (RFC 4180, UTF-8, a header row).
pub fn write_csv(rows: &[ReportSummary], out: impl Write) -> Result<Exported, ExportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for r in rows {
        w.write_record(fields(r))?;
    }
    w.flush().map_err(ExportError::Write)?;
    Ok(Exported {
        rows: rows.len(),
        without_place: 0,
    })
}

/// One GeoJSON point feature, serialised straight from the row (no
/// intermediate JSON tree: 100,000 features stream in a fraction of a second).
#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    geometry: Point,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Properties<'a> {
    id: String,
    kind: &'a str,
    classification: &'a str,
    status: &'a str,
    title: &'a str,
    author: &'a str,
    unit: &'a str,
    sector: &'a str,
    language: &'a str,
    happened_at: String,
    created_at: String,
    updated_at: String,
    place: &'a str,
    photos: i64,
    comments: i64,
    conflicts: i64,
}

/// Writes `rows` that have coordinates as a GeoJSON FeatureCollection of
/// points (RFC 7946: longitude first, WGS 84).
pub fn write_geojson(rows: &[ReportSummary], out: impl Write) -> Result<Exported, ExportError> {
    let mut out = std::io::BufWriter::new(out);
    let io = ExportError::Write;
    out.write_all(br#"{"type":"FeatureCollection","features":["#)
        .map_err(io)?;
    let (mut written, mut without_place) = (0, 0);
    for r in rows {
        let (Some(lat), Some(lon)) = (r.lat, r.lon) else {
            without_place += 1;
            continue;
        };
        if written > 0 {
            out.write_all(b",").map_err(io)?;
        }
        let feature = Feature {
            kind: "Feature",
            id: r.id.to_string(),
            geometry: Point {
                kind: "Point",
                coordinates: [lon, lat],
            },
            properties: Properties {
                id: r.id.to_string(),
                kind: &r.kind,
                classification: &r.classification,
                status: &r.status,
                title: &r.title,
                author: &r.author,
                unit: &r.author_unit,
                sector: &r.sector,
                language: &r.language,
                happened_at: r.happened_at.to_rfc3339(),
                created_at: r.created_at.to_rfc3339(),
                updated_at: r.updated_at.to_rfc3339(),
                place: r.place.as_deref().unwrap_or(""),
                photos: r.photos,
                comments: r.comments,
                conflicts: r.conflicts,
            },
        };
        serde_json::to_writer(&mut out, &feature).map_err(|e| ExportError::Write(e.into()))?;
        written += 1;
    }
    out.write_all(b"]}").map_err(io)?;
    out.flush().map_err(io)?;
    Ok(Exported {
        rows: written,
        without_place,
    })
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for bad in [
            "=1+1",
            "+33 6",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert_eq!(text_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for fine in ["Pont détruit", "", "'quoted", "12 km north", "Ménaka"] {
            assert_eq!(text_cell(fine), fine);
        }
    }
}
