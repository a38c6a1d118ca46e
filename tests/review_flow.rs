//! The review workflow end to end: conflicts resolved by choosing one of their
//! values, questions on comments, map points, the weekly summary (library and
//! `outpost summary`), and standing questions travelling through a real hub.

use std::collections::BTreeSet;
use std::path::Path;

use outpost_export::summary::weekly_html;
use outpost_report::document::Comment;
use outpost_report::pipeline::{QipStage, StageEntry};
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{
    Classification, CommentId, DocumentError, Lang, NewReport, ReportDoc, ReportId, ReviewStatus,
    STANDING_QUESTION, Timestamp, i18n,
};
use outpost_store::{HubRecord, ReportFilter, Store};
use outpost_sync::Role;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0, at, generate, outpost, run_ok, stderr};

const DAY: i64 = 86_400_000;

// ---------------------------------------------------------------------------
// Conflicts resolved by a person's choice

/// Two tablets' copies of one patrol report.
fn two_copies() -> (ReportDoc, ReportDoc) {
    let mut a = util::template_report("patrol", util::report_id(1), util::device(1));
    let b = a.fork_as(util::device(2));
    (a, b)
}

fn conflict_values(doc: &ReportDoc, path: &str) -> Option<Vec<Value>> {
    doc.conflicts()
        .into_iter()
        .find(|c| c.path == path)
        .map(|c| c.values)
}

#[test]
fn choosing_one_value_of_an_answer_conflict_ends_it_on_every_copy() {
    let (mut a, mut b) = two_copies();
    let first = json!("Gao – Ansongo, then Bara");
    let second = json!("Gao – Ansongo by the river track");
    a.set_answer("route", &first, at(1)).expect("edit on A");
    b.set_answer("route", &second, at(2)).expect("edit on B");
    a.merge(&mut b.clone()).expect("B merges into A");

    let values = conflict_values(&a, "answers.route").expect("a conflict on the route");
    assert_eq!(values.len(), 2, "{values:?}");
    assert!(values.contains(&first) && values.contains(&second));

    a.resolve("answers.route", &second, at(3))
        .expect("a value of the conflict is accepted");
    assert!(
        a.conflicts().is_empty(),
        "the choice ends the conflict: {:#?}",
        a.conflicts()
    );
    assert_eq!(a.answer("route"), Some(second.clone()));
    assert!(
        a.history()
            .iter()
            .any(|h| h.message == "resolve answers.route"),
        "the history says the conflict was resolved"
    );

    // B never saw A's value, nor the conflict: the resolution still wins over both.
    assert!(b.conflicts().is_empty());
    b.merge(&mut a).expect("the resolution merges into B");
    assert!(
        b.conflicts().is_empty(),
        "the other copy has no conflict either: {:#?}",
        b.conflicts()
    );
    assert_eq!(b.answer("route"), Some(second.clone()));
    assert_eq!(a.heads(), b.heads(), "both copies are the same document");
    // And a reloaded copy reads the same.
    let reloaded = ReportDoc::load(&b.save()).expect("loads");
    assert_eq!(reloaded.answer("route"), Some(second));
    assert!(reloaded.conflicts().is_empty());
}

#[test]
fn choosing_the_first_value_of_a_composite_answer_conflict_also_ends_it() {
    let (mut a, mut b) = two_copies();
    let gao = json!({"lat": 16.27, "lon": -0.04, "place": "Gao"});
    let ansongo = json!({"lat": 15.66, "lon": 0.5, "place": "Ansongo"});
    a.set_answer("start_location", &gao, at(1)).expect("A");
    b.set_answer("start_location", &ansongo, at(1)).expect("B");
    a.merge(&mut b).expect("merge");
    let values = conflict_values(&a, "answers.start_location").expect("conflict");
    // The value shown meanwhile is the first; choosing it must still end the conflict.
    let shown = values[0].clone();
    assert_eq!(a.answer("start_location"), Some(shown.clone()));
    // The keys in another order are the same value.
    let mut reordered = serde_json::Map::new();
    for key in ["place", "lon", "lat"] {
        reordered.insert(key.into(), shown[key].clone());
    }
    a.resolve("answers.start_location", &Value::Object(reordered), at(2))
        .expect("the shown value is chosen");
    assert!(a.conflicts().is_empty(), "{:#?}", a.conflicts());
    assert_eq!(a.answer("start_location"), Some(shown));
}

#[test]
fn a_status_conflict_and_a_classification_conflict_are_resolved_by_choosing() {
    let (mut a, mut b) = two_copies();
    a.set_status(ReviewStatus::Verified, at(1)).expect("A status");
    b.set_status(ReviewStatus::NeedsInformation, at(1))
        .expect("B status");
    a.set_classification(Classification::Confidential, at(1))
        .expect("A level");
    b.set_classification(Classification::StrictlyConfidential, at(1))
        .expect("B level");
    a.merge(&mut b.clone()).expect("merge");
    let paths: BTreeSet<String> = a.conflicts().into_iter().map(|c| c.path).collect();
    assert_eq!(
        paths,
        BTreeSet::from(["meta.classification".to_string(), "meta.status".to_string()])
    );
    assert_eq!(
        a.meta().classification,
        Classification::StrictlyConfidential,
        "the higher level holds while the conflict is open"
    );

    a.resolve("meta.status", &json!("needs_information"), at(2))
        .expect("status chosen");
    assert_eq!(a.meta().status, ReviewStatus::NeedsInformation);
    assert!(conflict_values(&a, "meta.status").is_none());
    assert!(
        conflict_values(&a, "meta.classification").is_some(),
        "resolving one conflict leaves the other open"
    );
    a.resolve("meta.classification", &json!("CONFIDENTIAL"), at(3))
        .expect("level chosen");
    assert!(a.conflicts().is_empty(), "{:#?}", a.conflicts());
    assert_eq!(
        a.meta().classification,
        Classification::Confidential,
        "a person's choice may lower the level from the highest proposed"
    );
    assert_eq!(a.meta().updated_at, at(3));

    b.merge(&mut a).expect("the resolutions travel");
    assert!(b.conflicts().is_empty(), "{:#?}", b.conflicts());
    assert_eq!(b.meta().status, ReviewStatus::NeedsInformation);
    assert_eq!(b.meta().classification, Classification::Confidential);
}

#[test]
fn resolve_refuses_a_path_without_a_conflict_and_a_value_nobody_proposed() {
    let (mut a, mut b) = two_copies();
    a.set_answer("route", &json!("A"), at(1)).expect("A");
    b.set_answer("route", &json!("B"), at(1)).expect("B");
    a.merge(&mut b).expect("merge");
    let before = a.heads();

    let refusals: [(&str, Value); 6] = [
        // A value nobody proposed.
        ("answers.route", json!("C")),
        // The right text with another type.
        ("answers.route", json!(["A"])),
        // A field that is answered but not in conflict.
        ("answers.observations", a.answer("observations").expect("answered")),
        // A field nobody answered.
        ("answers.no_such_field", json!("A")),
        // Meta that is not in conflict, and meta that is never a conflict.
        ("meta.status", json!("submitted")),
        ("meta.author", json!("A")),
    ];
    for (path, value) in refusals {
        match a.resolve(path, &value, at(2)) {
            Err(e @ DocumentError::NotAConflict { .. }) => {
                assert_eq!(e.code(), "document.not_a_conflict");
                for lang in Lang::ALL {
                    let text = i18n::message(lang, e.code(), &e.args());
                    assert!(
                        text.contains(path) && !text.contains("document"),
                        "{lang}: the message names the path: {text}"
                    );
                }
            }
            other => panic!("{path} = {value} must be refused, got {other:?}"),
        }
    }
    // A path in another section with the conflicting key.
    assert!(matches!(
        a.resolve("route", &json!("A"), at(2)),
        Err(DocumentError::NotAConflict { .. })
    ));
    assert_eq!(a.heads(), before, "a refusal changes nothing");
    assert_eq!(
        conflict_values(&a, "answers.route").map(|v| v.len()),
        Some(2),
        "the conflict is still open"
    );
    // Once resolved, resolving again is refused: someone else was first.
    a.resolve("answers.route", &json!("A"), at(3)).expect("resolved");
    assert!(matches!(
        a.resolve("answers.route", &json!("A"), at(4)),
        Err(DocumentError::NotAConflict { .. })
    ));
}

// ---------------------------------------------------------------------------
// Questions on comments

fn comment(n: u128, text: &str, question: bool) -> Comment {
    Comment {
        id: CommentId::from_uuid(uuid::Uuid::from_u128(n)),
        author: "HQ JMAC analyst".into(),
        device: util::device(9).to_string(),
        at: at(n as i64),
        lang: Lang::Fr,
        text: text.into(),
        question,
    }
}

#[test]
fn a_question_mark_on_a_comment_is_stored_only_when_set_and_reads_back() {
    let mut doc = util::template_report("incident", util::report_id(3), util::device(1));
    let asked = comment(1, "Combien de véhicules ?", true);
    let note = comment(2, "Vu, merci.", false);
    doc.add_comment(&asked).expect("question");
    doc.add_comment(&note).expect("note");
    let bytes = doc.save();

    let reloaded = ReportDoc::load(&bytes).expect("loads");
    assert_eq!(reloaded.comments(), vec![asked.clone(), note.clone()]);

    // In the document itself the mark is written only on questions, so a
    // plain comment is exactly what older versions wrote.
    use automerge::ReadDoc;
    let raw = automerge::AutoCommit::load(&bytes).expect("raw automerge");
    let (_, comments) = raw
        .get(automerge::ROOT, "comments")
        .expect("read")
        .expect("a comments map");
    let keys_of = |c: &Comment| -> BTreeSet<String> {
        let (_, obj) = raw
            .get(&comments, c.id.to_string())
            .expect("read")
            .expect("the comment");
        raw.keys(&obj).collect()
    };
    assert!(keys_of(&asked).contains("question"));
    assert!(!keys_of(&note).contains("question"));

    // As JSON (what `report show --json` prints and the app receives).
    let json = ReportDoc::load(&bytes).expect("loads").to_json();
    assert_eq!(json["comments"][0]["question"], json!(true));
    assert_eq!(json["comments"][1]["question"], json!(false));
    // A comment written without the field reads as no question.
    let mut old = serde_json::to_value(&asked).expect("json");
    old.as_object_mut().expect("object").remove("question");
    let old: Comment = serde_json::from_value(old).expect("reads without the field");
    assert!(!old.question);
}

// ---------------------------------------------------------------------------
// Map points and the granted clearance

#[test]
fn map_points_are_the_located_reports_the_filter_selects() {
    let t = util::TestStore::new();
    let mut store = t.store;
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    // (id, kind, sector, level, first location if any)
    let mut made: Vec<(ReportId, &str, &str, Classification, Option<(f64, f64)>)> = Vec::new();
    let mut docs = Vec::new();
    for i in 0..90u128 {
        let kind = ["patrol", "incident", "qip"][i as usize % 3];
        let form = util::form(kind);
        let sector = ["North", "East"][rng.random_range(0..2)];
        let level = Classification::ALL[rng.random_range(0..3)];
        let mut new = generate::new_report(util::report_id(100 + i), store.device_id(), level);
        new.sector = sector.into();
        let mut doc = generate::report(&form, &new, &mut rng, T0);
        let located = rng.random_bool(0.7);
        if !located {
            for field in form
                .fields
                .iter()
                .filter(|f| f.kind == outpost_report::FieldKind::Location)
            {
                doc.set_answer(&field.id, &Value::Null, T0).expect("clear");
            }
        }
        let answers = doc.answers();
        let first = outpost_report::document::first_location(&form, &answers)
            .map(|l| (l["lat"].as_f64().expect("lat"), l["lon"].as_f64().expect("lon")));
        assert_eq!(first.is_some(), located);
        made.push((doc.id(), kind, sector, level, first));
        docs.push(doc);
    }
    store.save_all(&mut docs, T0).expect("save");

    let filters = [
        ReportFilter::default(),
        ReportFilter {
            clearance: Some(Classification::Confidential),
            ..Default::default()
        },
        ReportFilter {
            kind: Some("incident".into()),
            sector: Some("North".into()),
            clearance: Some(Classification::Unclassified),
            ..Default::default()
        },
    ];
    for filter in &filters {
        let expected: BTreeSet<ReportId> = made
            .iter()
            .filter(|(_, kind, sector, level, first)| {
                first.is_some()
                    && filter.kind.as_deref().is_none_or(|k| k == *kind)
                    && filter.sector.as_deref().is_none_or(|s| s == *sector)
                    && filter.clearance.is_none_or(|c| *level <= c)
            })
            .map(|m| m.0)
            .collect();
        let points = store.points(filter).expect("points");
        let got: BTreeSet<ReportId> = points.iter().map(|p| p.id).collect();
        assert_eq!(got.len(), points.len(), "each report once");
        assert!(!got.is_empty(), "the filter selects some located reports");
        assert_eq!(got, expected, "{filter:?}");
        let listed = store.list(filter).expect("list");
        assert!(
            listed.len() > points.len(),
            "the list also holds reports without a place"
        );
        for p in &points {
            let (_, kind, _, level, first) = made.iter().find(|m| m.0 == p.id).expect("made");
            let (lat, lon) = first.expect("located");
            assert_eq!((p.lat, p.lon), (lat, lon), "the first location of the form");
            assert_eq!((p.kind.as_str(), p.classification.as_str()), (*kind, level.as_str()));
            let row = listed.iter().find(|r| r.id == p.id).expect("listed");
            assert_eq!(
                (&p.title, &p.status),
                (&row.title, &row.status),
                "the point says what the list row says"
            );
        }
    }
}

#[test]
fn the_granted_clearance_is_the_hubs_word_and_an_unknown_level_is_the_lowest() {
    let t = util::TestStore::new();
    let mut store = t.store;
    assert_eq!(
        store.granted_clearance().expect("read"),
        None,
        "not enrolled: no clearance of its own"
    );
    let hub = |clearance: &str| HubRecord {
        hub_id: "hub-1".into(),
        url: "https://hub.example:8443".into(),
        token: "t".into(),
        unit: "JMAC".into(),
        sector: String::new(),
        role: "hq".into(),
        clearance: clearance.into(),
        cursor: 0,
        enrolled_at: T0,
        last_sync_at: None,
        ca_pem: None,
    };
    store.add_hub(&hub("CONFIDENTIAL")).expect("enrolled");
    assert_eq!(
        store.granted_clearance().expect("read"),
        Some(Classification::Confidential)
    );
    store
        .add_hub(&hub("COSMIC TOP SECRET"))
        .expect("re-enrolled");
    assert_eq!(
        store.granted_clearance().expect("read"),
        Some(Classification::Unclassified),
        "a level this version cannot read fails closed"
    );
}

// ---------------------------------------------------------------------------
// The weekly summary

/// Monday 2026-04-13, 00:00 UTC: the week summarised (T0 is 2026-05-01).
const WEEK: Timestamp = Timestamp::from_millis(1_776_038_400_000);

fn week(ms: i64) -> String {
    Timestamp::from_millis(WEEK.as_millis() + ms).to_rfc3339()
}

/// Files a generated report of `kind` created at `created`, with `overrides`.
#[allow(clippy::too_many_arguments)]
fn file(
    store: &mut Store,
    n: u128,
    kind: &str,
    sector: &str,
    level: Classification,
    status: ReviewStatus,
    created: Timestamp,
    overrides: Value,
) -> ReportId {
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    let mut new = generate::new_report(util::report_id(7000 + n), store.device_id(), level);
    new.sector = sector.into();
    new.author_unit = format!("{}-COY", sector.to_uppercase());
    new.status = status;
    let mut doc = generate::report(&util::form(kind), &new, &mut rng, created);
    doc.set_answers(overrides.as_object().expect("an object"), created)
        .expect("answers");
    store.save(&mut doc, created).expect("save");
    doc.id()
}

/// The reports the summary tests read; their markers are in their titles.
fn fill_week(store: &mut Store) {
    use Classification::{Confidential as C, StrictlyConfidential as SC, Unclassified as U};
    let sub = ReviewStatus::Submitted;
    let incident = |t: i64, details: &str| {
        json!({"incident_type": "direct_fire", "occurred_at": week(t), "ended_at": week(t + 3_600_000),
               "incident_location": {"lat": 16.27, "lon": -0.04, "place": "Gao"},
               "location_details": details})
    };
    let patrol = |t: i64| json!({"departed_at": week(t), "returned_at": week(t + 3_600_000)});
    let qip = |t: Timestamp, community: &str| {
        json!({"assessment_date": t.to_rfc3339(), "community": community})
    };
    // The week's incidents, one above the reader's clearance.
    file(store, 1, "incident", "East", U, sub, T0,
        incident(DAY, "Marché <script>alert(1)</script> & gare"));
    file(store, 2, "incident", "North", C, sub, T0, incident(7 * DAY - 1, "Wadi-Inside-Last"));
    file(store, 3, "incident", "North", SC, sub, T0, incident(3 * DAY, "Secret-Inside"));
    // Just outside the week, either side.
    file(store, 4, "incident", "East", U, sub, T0, incident(7 * DAY, "Outside-After"));
    file(store, 5, "incident", "East", U, sub, T0, incident(-1, "Outside-Before"));
    // Patrols: two in the East, one in the North.
    file(store, 6, "patrol", "East", U, sub, T0, patrol(0));
    file(store, 7, "patrol", "East", C, sub, T0, patrol(2 * DAY));
    file(store, 8, "patrol", "North", U, sub, T0, patrol(4 * DAY));
    // QIP assessments: overdue, delivered long ago, fresh (this week), and an
    // overdue one above the reader's clearance.
    let days_ago = |d: i64| Timestamp::from_millis(T0.as_millis() - d * DAY);
    file(store, 9, "qip", "East", U, sub, days_ago(60), qip(days_ago(61), "Tin-Hama"));
    let delivered = file(store, 10, "qip", "East", U, sub, days_ago(200),
        qip(days_ago(201), "Haoussa-Foulane"));
    store
        .update(delivered, days_ago(100), |d| {
            Ok(d.enter_stage(&StageEntry {
                stage: QipStage::Delivered,
                at: days_ago(100),
                by: "Stabilisation".into(),
            })?)
        })
        .expect("delivered");
    file(store, 11, "qip", "East", U, sub, days_ago(5),
        qip(Timestamp::from_millis(WEEK.as_millis() + 5 * DAY), "Anefis-Nord"));
    file(store, 12, "qip", "North", SC, sub, days_ago(60), qip(days_ago(61), "Secret-QIP"));
    // Waiting for the field: a patrol of March, and an open standing question
    // (dated this week) that must not count among the week's reports.
    file(store, 13, "patrol", "East", U, ReviewStatus::NeedsInformation, days_ago(40),
        json!({"departed_at": days_ago(41).to_rfc3339(), "returned_at": days_ago(40).to_rfc3339(),
               "patrol_unit": "Waiting-Patrol"}));
    file(store, 14, STANDING_QUESTION, "", U, ReviewStatus::NeedsInformation, days_ago(3),
        json!({"question": "Puits-Question working again?", "until": week(DAY)}));
    file(store, 15, STANDING_QUESTION, "", U, ReviewStatus::Closed, days_ago(3),
        json!({"question": "Closed-Question?", "until": week(DAY)}));
}

fn cells(values: &[&str]) -> String {
    let cells: String = values.iter().map(|v| format!("<td>{v}</td>")).collect();
    format!("<tr>{cells}</tr>")
}

fn heads(values: &[&str]) -> String {
    values.iter().map(|v| format!("<th>{v}</th>")).collect()
}

/// What any summary of the filled week must hold, whatever the language.
fn assert_common(page: &str, lang: Lang) {
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains(&format!("<html lang=\"{}\">", lang.as_str())));
    for absent in [
        "Secret-Inside",
        "Secret-QIP",
        "Outside-After",
        "Outside-Before",
        "Haoussa-Foulane",
        "Anefis-Nord",
        "Closed-Question",
        "STRICTLY",
    ] {
        assert!(!page.contains(absent), "{lang}: {absent} must not be printed");
    }
    for present in [
        "Wadi-Inside-Last",
        "Tin-Hama",
        "Waiting-Patrol",
        "Puits-Question",
    ] {
        assert!(page.contains(present), "{lang}: {present} is printed");
    }
    assert_eq!(
        page.matches("Puits-Question").count(),
        1,
        "{lang}: an open standing question that needs information is listed once"
    );
    assert!(
        !page.contains("<script>") && page.contains("Marché &lt;script&gt;alert(1)&lt;/script&gt; &amp; gare"),
        "{lang}: a title is text, never markup"
    );
    // Counts by sector and kind: incident, patrol, QIP columns.
    assert!(page.contains(&cells(&["East", "1", "2", "1"])), "{page}");
    assert!(page.contains(&cells(&["North", "1", "1", "0"])), "{page}");
    // Both incidents of the week, in the order they happened, each with its
    // own level.
    let first = page.find("<td>2026-04-14</td>").expect("the first incident's date");
    let last = page.find("<td>2026-04-19</td>").expect("the last incident's date");
    assert!(first < last, "{lang}: incidents in the order they happened");
    let row = row_with(page, "Wadi-Inside-Last");
    assert!(
        row.starts_with("<tr><td>2026-04-19</td><td>Gao</td>")
            && row.contains("<td>NORTH-COY</td>")
            && row.ends_with("<td>CONFIDENTIAL</td></tr>"),
        "{lang}: {row}"
    );
    let row = row_with(page, "Tin-Hama");
    assert!(
        row.ends_with("<td>60</td><td>UNCLASSIFIED</td></tr>"),
        "{lang}: the overdue assessment with its days in stage: {row}"
    );
}

/// The table row of `page` that holds `marker`.
fn row_with<'a>(page: &'a str, marker: &str) -> &'a str {
    let at = page.find(marker).unwrap_or_else(|| panic!("{marker} is printed"));
    let start = page[..at].rfind("<tr>").expect("in a row");
    let end = at + page[at..].find("</tr>").expect("row end") + "</tr>".len();
    &page[start..end]
}

#[test]
fn the_weekly_summary_counts_lists_and_cuts_at_the_readers_clearance_in_both_languages() {
    let t = util::TestStore::new();
    let mut store = t.store;
    fill_week(&mut store);

    let en = weekly_html(&store, Classification::Confidential, WEEK, T0, Lang::En).expect("en");
    assert_common(&en, Lang::En);
    assert!(en.contains("<h1>Weekly summary, 2026-04-13 to 2026-04-19</h1>"));
    assert!(en.contains("6 report(s) of events this week, every sector, up to CONFIDENTIAL."));
    assert!(en.contains(&format!(
        "<tr>{}</tr>",
        heads(&["Sector", "Incident report", "Patrol report", "QIP needs assessment"])
    )));
    assert!(en.contains(&cells(&["Submitted", "6"])), "by status");
    assert!(en.contains("<h2>Incidents this week (2)</h2>"));
    assert!(en.contains("<h3>Overdue in their stage (1)</h3>"));
    assert!(en.contains(&cells(&["Assessed", "2"])), "Tin-Hama and Anefis-Nord");
    assert!(en.contains(&cells(&["Delivered", "1"])));
    assert!(row_with(&en, "Tin-Hama").contains("<td>Assessed</td><td>60</td>"));
    let row = row_with(&en, "Wadi-Inside-Last");
    assert!(row.contains("<td>Direct fire — Wadi-Inside-Last</td>"), "{row}");
    assert!(en.contains("<h2>Waiting for an answer from the field (2)</h2>"));
    assert_eq!(
        en.matches("Classification: CONFIDENTIAL").count(),
        2,
        "header and footer carry the highest level printed"
    );

    let fr = weekly_html(&store, Classification::Confidential, WEEK, T0, Lang::Fr).expect("fr");
    assert_common(&fr, Lang::Fr);
    assert!(fr.contains("<h1>Synthèse hebdomadaire du 2026-04-13 au 2026-04-19</h1>"));
    assert!(fr.contains("6 rapport(s) sur des faits de la semaine"));
    assert!(fr.contains(&format!(
        "<tr>{}</tr>",
        heads(&["Secteur", "Rapport d'incident", "Rapport de patrouille", "Évaluation des besoins QIP"])
    )));
    assert!(fr.contains(&cells(&["Soumis", "6"])));
    assert!(fr.contains("<h2>Incidents de la semaine (2)</h2>"));
    assert!(fr.contains("<h3>En retard dans leur étape (1)</h3>"));
    assert!(fr.contains(&cells(&["Évalué", "2"])));
    assert!(row_with(&fr, "Tin-Hama").contains("<td>Évalué</td><td>60</td>"));
    assert!(row_with(&fr, "Wadi-Inside-Last").contains("<td>Tirs directs — Wadi-Inside-Last</td>"));
    assert!(fr.contains("<h2>En attente d'une réponse du terrain (2)</h2>"));
    assert_eq!(fr.matches("Classification : CONFIDENTIAL").count(), 2);

    // The banner is the highest level actually printed, not the clearance.
    let low = weekly_html(&store, Classification::Unclassified, WEEK, T0, Lang::En).expect("u");
    assert!(!low.contains("Wadi-Inside-Last") && !low.contains("CONFIDENTIAL"));
    assert_eq!(low.matches("Classification: UNCLASSIFIED").count(), 2);
    assert!(low.contains(&cells(&["East", "1", "1", "1"])));
    assert!(low.contains(&cells(&["North", "1"])));
    let all = weekly_html(&store, Classification::StrictlyConfidential, WEEK, T0, Lang::En)
        .expect("sc");
    assert!(all.contains("Secret-Inside") && all.contains("Secret-QIP"));
    assert!(all.contains("<h2>Incidents this week (3)</h2>"));
    assert_eq!(all.matches("Classification: STRICTLY CONFIDENTIAL").count(), 2);

    // A quiet week: nothing of it, the QIP pipeline and the waiting list still there.
    let quiet = Timestamp::from_millis(WEEK.as_millis() - 70 * DAY);
    let page = weekly_html(&store, Classification::Confidential, quiet, T0, Lang::En).expect("q");
    assert!(page.contains("<h2>Incidents this week (0)</h2>"));
    assert!(!page.contains("Wadi-Inside-Last") && page.contains("Tin-Hama"));
}
