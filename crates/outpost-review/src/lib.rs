//! Suggestions for reviewers, confirmed by a person before anything changes:
//! incident reports that likely tell of the same event (close in place and
//! time, same kind of incident), and QIP needs assessments that likely
//! duplicate or overlap one already made (same community or a few kilometres
//! away, same category, recent). Only reports the reviewer is cleared for are
//! ever suggested.

mod declassify;

pub use declassify::{DeclassifyError, declassify};

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
    let form = store.catalog().form_of(doc);
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
    fn hours_from(&self, other: &Facts) -> f64 {
        (other.at.as_millis() - self.at.as_millis()).abs() as f64 / 3_600_000.0
    }
}

fn text<'a>(f: &'a Facts, field: &str) -> Option<&'a str> {
    f.answers.get(field).and_then(Value::as_str)
}

/// Which candidates [`ranked`] looks at, and how it judges one.
struct Rule<Near, Judge> {
    window_ms: i64,
    /// Leave out reports already linked to the target.
    skip_linked: bool,
    /// Decided from the list row alone (distance in km, if both have
    /// coordinates), before the candidate's document is read.
    near_enough: Near,
    /// Reasons and score for a candidate, or `None` to leave it out.
    judge: Judge,
}

/// Reports of the target's kind within the rule's time window that the
/// reviewer may see, judged by the rule, most likely first.
fn ranked<Near, Judge>(
    store: &Store,
    target: &Facts,
    clearance: Classification,
    rule: Rule<Near, Judge>,
) -> Result<Vec<Suggestion>, StoreError>
where
    Near: Fn(Option<f64>) -> bool,
    Judge: Fn(&Facts, Option<f64>, f64) -> Option<(Vec<&'static str>, f64)>,
{
    let filter = ReportFilter {
        kind: Some(target.kind.clone()),
        clearance: Some(clearance),
        from: Some(Timestamp::from_millis(
            target.at.as_millis() - rule.window_ms,
        )),
        until: Some(Timestamp::from_millis(
            target.at.as_millis() + rule.window_ms + 1,
        )),
        ..Default::default()
    };
    let mut out = Vec::new();
    for row in store.list(&filter)? {
        if row.id == target.id || (rule.skip_linked && target.links.contains(&row.id)) {
            continue;
        }
        // The list row carries the same place as the document's first
        // location: far candidates are dropped without reading them.
        let point = row.lat.zip(row.lon);
        let distance = target.point.zip(point).map(|(a, b)| distance_km(a, b));
        if !(rule.near_enough)(distance) {
            continue;
        }
        let other = facts(store, &store.load(row.id)?);
        let hours = target.hours_from(&other);
        if let Some((reasons, score)) = (rule.judge)(&other, distance, hours) {
            out.push(Suggestion {
                report: row.id,
                title: row.title,
                distance_km: distance,
                hours_apart: hours,
                reasons,
                score,
            });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(out)
}

/// Suggestions for report `id`, by its kind: likely overlaps for a QIP
/// assessment, reports of the same event otherwise. Reads `id` once.
pub fn suggest(
    store: &Store,
    id: ReportId,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    suggest_for(store, &store.load(id)?, clearance)
}

/// [`suggest`] for a report already read.
pub fn suggest_for(
    store: &Store,
    doc: &ReportDoc,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    let target = facts(store, doc);
    if target.kind == "qip" {
        overlaps_of(store, &target, clearance)
    } else {
        same_event_as(store, &target, clearance)
    }
}

/// Incident reports that likely tell of the same event as `id`, most likely first.
pub fn same_event(
    store: &Store,
    id: ReportId,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    same_event_as(store, &facts(store, &store.load(id)?), clearance)
}

fn same_event_as(
    store: &Store,
    target: &Facts,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    let incident_type = text(target, "incident_type");
    let rule = Rule {
        window_ms: (SAME_EVENT_HOURS * 3_600_000.0) as i64,
        skip_linked: true,
        near_enough: |d: Option<f64>| d.is_some_and(|d| d <= SAME_EVENT_KM),
        judge: |other: &Facts, distance: Option<f64>, hours: f64| {
            let same_type =
                incident_type.is_some() && incident_type == text(other, "incident_type");
            let mut reasons = vec!["near", "close_in_time"];
            if same_type {
                reasons.insert(0, "same_type");
            }
            let d = distance.unwrap_or(SAME_EVENT_KM);
            let score = (1.0 - d / SAME_EVENT_KM)
                + (1.0 - hours / SAME_EVENT_HOURS)
                + if same_type { 1.0 } else { 0.0 };
            Some((reasons, score))
        },
    };
    ranked(store, target, clearance, rule)
}

/// Earlier or concurrent QIP assessments that `id` likely duplicates or
/// overlaps: same category, and the same community or within
/// [`OVERLAP_KM`], within the last [`OVERLAP_DAYS`].
pub fn qip_overlaps(
    store: &Store,
    id: ReportId,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    overlaps_of(store, &facts(store, &store.load(id)?), clearance)
}

fn overlaps_of(
    store: &Store,
    target: &Facts,
    clearance: Classification,
) -> Result<Vec<Suggestion>, StoreError> {
    let Some(category) = text(target, "sector_category") else {
        return Ok(Vec::new());
    };
    let community = text(target, "community");
    let rule = Rule {
        window_ms: OVERLAP_DAYS * 86_400_000,
        skip_linked: false,
        // The same community may be anywhere on the map.
        near_enough: |_: Option<f64>| true,
        judge: |other: &Facts, distance: Option<f64>, hours: f64| {
            if text(other, "sector_category") != Some(category) {
                return None;
            }
            let same_community = community
                .zip(text(other, "community"))
                .is_some_and(|(a, b)| same_name(a, b));
            let near = distance.is_some_and(|d| d <= OVERLAP_KM);
            if !same_community && !near {
                return None;
            }
            let mut reasons = vec!["same_category"];
            if same_community {
                reasons.push("same_community");
            }
            if near {
                reasons.push("near");
            }
            let score = if same_community { 2.0 } else { 0.0 }
                + distance.map_or(0.0, |d| (1.0 - d / OVERLAP_KM).max(0.0))
                + (1.0 - hours / (OVERLAP_DAYS as f64 * 24.0));
            Some((reasons, score))
        },
    };
    ranked(store, target, clearance, rule)
}

/// A reviewer confirms that reports `a` and `b` tell of one incident
/// (`same_incident`) or are `related`: each links to the other, and each
/// source stays whole. Both must exist before either is changed.
pub fn link(
    store: &mut Store,
    a: ReportId,
    b: ReportId,
    relation: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Read as bytes: whether both exist, without decoding either.
    store.document_bytes(a)?;
    store.document_bytes(b)?;
    for (from, other) in [(a, b), (b, a)] {
        let link = outpost_report::document::Link {
            report: other,
            relation: relation.to_string(),
        };
        store.update(from, now, |doc| Ok(doc.add_link(&link, now)?))?;
    }
    Ok(())
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
