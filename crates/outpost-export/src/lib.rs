//! Exports of a filtered set of reports, for analysts' spreadsheets and GIS:
//! CSV (one row per report), the answers CSV (one row per answer, the
//! answers of a repeat's entries among them) and GeoJSON (one point per
//! report that has coordinates). Every row carries its classification, and
//! nothing above the exporter's clearance is written, whatever the filter
//! asks for.

pub mod print;
pub mod summary;

use std::io::Write;

use outpost_report::form::FieldKind;
use outpost_report::{Catalog, Classification, Flow, Lang};
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

/// The columns of the answers CSV. One row per answer ("long" form): a
/// pivot table or `pivot_wider` makes a sheet per form from it, and the
/// answers of a repeat's entries come one row each, with the repeat and
/// the entry's place (from 1), so that "people met" is as easy to count
/// as any other answer. Reports of every form and version go in one file.
pub const ANSWER_COLUMNS: [&str; 9] = [
    "report_id",
    "form",
    "form_version",
    "classification",
    "repeat",
    "entry",
    "field",
    "label",
    "value",
];

/// An answer as one cell: text as typed (made safe), several choices
/// separated by spaces as ODK writes them, anything structured (a place,
/// a count by sex and age) as JSON.
fn answer_cell(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => text_cell(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) if items.iter().all(Value::is_string) => text_cell(
            &items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Value::Null => String::new(),
        other => text_cell(&other.to_string()),
    }
}

/// Writes the answers of `rows` as CSV, one row per answer (see
/// [`ANSWER_COLUMNS`]), labels in `lang`. Each report is read with the
/// form version it was made with; only what that form asks is written
/// (as the read-back shows it), calculations included.
pub fn write_answers_csv(
    store: &Store,
    rows: &[ReportSummary],
    catalog: &Catalog,
    lang: Lang,
    out: impl Write,
) -> Result<Exported, ExportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ANSWER_COLUMNS)?;
    for r in rows {
        let doc = store.load(r.id)?;
        let id = r.id.to_string();
        let form_id = doc.form_id();
        let version = doc.form_version().to_string();
        let mut record =
            |repeat: &str, entry: String, field: &str, label: &str, value: &serde_json::Value| {
                w.write_record([
                    id.as_str(),
                    form_id.as_str(),
                    version.as_str(),
                    r.classification.as_str(),
                    repeat,
                    entry.as_str(),
                    field,
                    text_cell(label).as_str(),
                    answer_cell(value).as_str(),
                ])
            };
        let Some(form) = catalog.form_of(&doc) else {
            // A form this device does not hold: the answers as stored.
            for (field, value) in doc.answers() {
                record("", String::new(), &field, "", &value)?;
            }
            continue;
        };
        let flow = Flow::of(form, &doc.answers(), &doc.meta().updated_at.to_rfc3339());
        for field in form.report_fields().filter(|f| flow.asks(&f.id)) {
            let Some(value) = flow.effective.get(&field.id) else {
                continue;
            };
            let FieldKind::Repeat { .. } = field.kind else {
                record("", String::new(), &field.id, field.label.get(lang), value)?;
                continue;
            };
            let entries = value.as_array().map(Vec::as_slice).unwrap_or_default();
            for (index, entry) in entries.iter().enumerate() {
                for member in form.members(field) {
                    if let Some(v) = entry.get(&member.id).filter(|v| !v.is_null()) {
                        record(
                            &field.id,
                            (index + 1).to_string(),
                            &member.id,
                            member.label.get(lang),
                            v,
                        )?;
                    }
                }
            }
        }
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
