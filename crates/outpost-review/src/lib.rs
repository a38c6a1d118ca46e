//! Suggestions for reviewers, confirmed by a person before anything changes:
//! incident reports that likely tell of the same event (close in place and
//! time, same kind of incident), and QIP needs assessments that likely
//! duplicate or overlap one already made (same community or a few kilometres
//! away, same category, recent). Only reports the reviewer is cleared for are
//! ever suggested.

use outpost_report::document::{first_datetime, first_location};
use outpost_report::{Classification, ReportDoc, ReportId, Timestamp};
use outpost_store::{ReportFilter, Store, StoreError};
use serde::Serialize;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// How far apart two incident reports may be and still tell of one event.
pub const SAME_EVENT_KM: f64 = 15.0;
pub const SAME_EVENT_HOURS: f64 = 24.0;
/// How close two QIP assessments' places must be to overlap.
pub const OVERLAP_KM: f64 = 5.0;
/// How far back an earlier assessment still counts.
pub const OVERLAP_DAYS: i64 = 365;

/// A report suggested to a reviewer, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub report: ReportId,
    pub title: String,
    pub distance_km: Option<f64>,
    pub hours_apart: f64,
    /// `same_type`, `near`, `close_in_time`, `same_community`, `same_category`.
    pub reasons: Vec<&'static str>,
    /// Higher is more likely; for ordering only.
    pub score: f64,
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// A place name as people write it: case, accents and spacing do not matter.
pub fn same_name(a: &str, b: &str) -> bool {
    let fold = |s: &str| -> String {
        s.nfd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    let (a, b) = (fold(a), fold(b));
    !a.is_empty() && a == b
}

/// What a report says about where and when, read from its document.
struct Facts {
    id: ReportId,
    kind: String,
    at: Timestamp,
    point: Option<(f64, f64)>,
    answers: serde_json::Map<String, Value>,
    links: Vec<ReportId>,
}

fn facts(store: &Store, doc: &ReportDoc) -> Facts {
    let answers = doc.answers();
    let form = store.catalog().get(&doc.form_id());
    let point = form
        .and_then(|f| first_location(f, &answers))
        .and_then(|l| Some((l.get("lat")?.as_f64()?, l.get("lon")?.as_f64()?)));
    let at = form
        .and_then(|f| first_datetime(f, &answers))
        .unwrap_or(doc.meta().created_at);
    Facts {
        id: doc.id(),
        kind: doc.form_id(),
        at,
        point,
        links: doc.links().into_iter().map(|l| l.report).collect(),
        answers,
    }
}

impl Facts {
    fn distance_km(&self, other: &Facts) -> Option<f64> {
        Some(distance_km(self.point?, other.point?))
    }

    fn hours_from(&self, other: &Facts) -> f64 {
        (other.at.as_millis() - self.at.as_millis()).abs() as f64 / 3_600_000.0
    }
}

fn text<'a>(f: &'a Facts, field: &str) -> Option<&'a str> {
    f.answers.get(field).and_then(Value::as_str)
}

/// Candidates of `kind` within `window_ms` of `at`, that the reviewer may see.
fn candidates(
    store: &Store,
    kind: &str,
    at: Timestamp,
    before_ms: i64,
    after_ms: i64,
    clearance: Classification,
) -> Result<Vec<(String, Facts)>, StoreError> {
    let filter = ReportFilter {
        kind: Some(kind.to_string()),
        clearance: Some(clearance),
        from: Some(Timestamp::from_millis(at.as_millis() - before_ms)),
        until: Some(Timestamp::from_millis(at.as_millis() + after_ms + 1)),
        ..Default::default()
    };
    let mut out = Vec::new();
    for summary in store.list(&filter)? {
        let doc = store.load(summary.id)?;
        out.push((summary.title, facts(store, &doc)));
    }
    Ok(out)
}

/// Incident reports that likely tell of the same event as `id`, most likely first.
pub fn same_event(
    store: &Store,
    id: ReportId,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    let target = facts(store, &store.load(id)?);
    let window = (SAME_EVENT_HOURS * 3_600_000.0) as i64;
    let mut out = Vec::new();
    for (title, other) in candidates(store, &target.kind, target.at, window, window, clearance)? {
        if other.id == id || target.links.contains(&other.id) {
            continue;
        }
        let distance = target.distance_km(&other);
        if distance.is_none_or(|d| d > SAME_EVENT_KM) {
            continue;
        }
        let hours = target.hours_from(&other);
        let mut reasons = vec!["near", "close_in_time"];
        let same_type = text(&target, "incident_type").is_some()
            && text(&target, "incident_type") == text(&other, "incident_type");
        if same_type {
            reasons.insert(0, "same_type");
        }
        let d = distance.unwrap_or(SAME_EVENT_KM);
        let score = (1.0 - d / SAME_EVENT_KM)
            + (1.0 - hours / SAME_EVENT_HOURS)
            + if same_type { 1.0 } else { 0.0 };
        out.push(Suggestion {
            report: other.id,
            title,
            distance_km: distance,
            hours_apart: hours,
            reasons,
            score,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(out)
}

/// Earlier or concurrent QIP assessments that `id` likely duplicates or
/// overlaps: same category, and the same community or within
/// [`OVERLAP_KM`], within the last [`OVERLAP_DAYS`].
pub fn qip_overlaps(
    store: &Store,
    id: ReportId,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    let target = facts(store, &store.load(id)?);
    let Some(category) = text(&target, "sector_category") else {
        return Ok(Vec::new());
    };
    let year = OVERLAP_DAYS * 86_400_000;
    let mut out = Vec::new();
    for (title, other) in candidates(store, "qip", target.at, year, year, clearance)? {
        if other.id == id || text(&other, "sector_category") != Some(category) {
            continue;
        }
        let same_community = match (text(&target, "community"), text(&other, "community")) {
            (Some(a), Some(b)) => same_name(a, b),
            _ => false,
        };
        let distance = target.distance_km(&other);
        let near = distance.is_some_and(|d| d <= OVERLAP_KM);
        if !same_community && !near {
            continue;
        }
        let mut reasons = vec!["same_category"];
        if same_community {
            reasons.push("same_community");
        }
        if near {
            reasons.push("near");
        }
        let hours = target.hours_from(&other);
        let score = if same_community { 2.0 } else { 0.0 }
            + distance.map_or(0.0, |d| (1.0 - d / OVERLAP_KM).max(0.0))
            + (1.0 - hours / (OVERLAP_DAYS as f64 * 24.0));
        out.push(Suggestion {
            report: other.id,
            title,
            distance_km: distance,
            hours_apart: hours,
            reasons,
            score,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_names_as_the_field_writes_them() {
        // Gao to Ansongo: about 90 km by air.
        let d = distance_km((16.2717, -0.0447), (15.6597, 0.5022));
        assert!((85.0..95.0).contains(&d), "{d}");
        assert!(distance_km((15.0, 0.0), (15.0, 0.0)) < 1e-9);
        assert!(same_name("Sosso Koïra", "sosso-koira"));
        assert!(same_name("Ménaka ", "MENAKA"));
        assert!(!same_name("Gao", "Gao Est"));
        assert!(!same_name("", ""));
    }
}
