//! The review workflow end to end: conflicts resolved by choosing one of their
//! values, questions on comments, map points, the weekly summary (library and
//! `outpost summary`), and standing questions travelling through a real hub.

use std::collections::BTreeSet;

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
    assert_eq!(
        a.answer("route").as_ref(),
        values.first(),
        "the value shown meanwhile is listed first"
    );
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
    a.set_status(ReviewStatus::Verified, at(1))
        .expect("A status");
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
    let statuses = conflict_values(&a, "meta.status").expect("status conflict");
    assert_eq!(
        statuses.first(),
        Some(&json!(a.meta().status.as_str())),
        "the status shown meanwhile is listed first"
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
fn a_number_comes_back_from_a_screen_without_its_decimal_point_and_still_resolves() {
    let (mut a, mut b) = two_copies();
    a.set_answer("route", &json!(14.0), at(1))
        .expect("edit on A");
    b.set_answer("route", &json!(3), at(2)).expect("edit on B");
    a.merge(&mut b).expect("merge");
    // JavaScript reads 14.0 as 14 and sends back 14.
    a.resolve("answers.route", &json!(14), at(3))
        .expect("the same number, written differently");
    assert_eq!(conflict_values(&a, "answers.route"), None);
    assert_eq!(
        a.answer("route"),
        Some(json!(14.0)),
        "the value as it was proposed"
    );
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
        (
            "answers.observations",
            a.answer("observations").expect("answered"),
        ),
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
    a.resolve("answers.route", &json!("A"), at(3))
        .expect("resolved");
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

/// A generated report and where it is (its form's first location), if anywhere.
struct Placed {
    id: ReportId,
    kind: &'static str,
    sector: &'static str,
    level: Classification,
    at: Option<(f64, f64)>,
}

#[test]
fn map_points_are_the_located_reports_the_filter_selects() {
    let t = util::TestStore::new();
    let mut store = t.store;
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let mut made: Vec<Placed> = Vec::new();
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
        let first = outpost_report::document::first_location(&form, &answers).map(|l| {
            (
                l["lat"].as_f64().expect("lat"),
                l["lon"].as_f64().expect("lon"),
            )
        });
        assert_eq!(first.is_some(), located);
        made.push(Placed {
            id: doc.id(),
            kind,
            sector,
            level,
            at: first,
        });
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
            .filter(|m| {
                m.at.is_some()
                    && filter.kind.as_deref().is_none_or(|k| k == m.kind)
                    && filter.sector.as_deref().is_none_or(|s| s == m.sector)
                    && filter.clearance.is_none_or(|c| m.level <= c)
            })
            .map(|m| m.id)
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
            let m = made.iter().find(|m| m.id == p.id).expect("made");
            let (lat, lon) = m.at.expect("located");
            assert_eq!((p.lat, p.lon), (lat, lon), "the first location of the form");
            assert_eq!(
                (p.kind.as_str(), p.classification.as_str()),
                (m.kind, m.level.as_str())
            );
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

#[test]
fn a_device_shows_what_its_clearance_allows_and_what_it_wrote_itself() {
    let t = util::TestStore::new();
    let mut store = t.store;
    let here = store.device_id();
    let elsewhere = outpost_report::DeviceId::from_uuid(uuid::Uuid::from_u128(77));
    let mut file = |n: u128, device, level| {
        let mut doc = ReportDoc::create(
            &util::form("incident"),
            &generate::new_report(util::report_id(n), device, level),
            T0,
        )
        .expect("create");
        store.save(&mut doc, T0).expect("save");
        doc.meta()
    };
    let mine_secret = file(1, here, Classification::StrictlyConfidential);
    let theirs_secret = file(2, elsewhere, Classification::StrictlyConfidential);
    let theirs_open = file(3, elsewhere, Classification::Unclassified);
    // Not enrolled: nothing came from anyone else, everything shows.
    for meta in [&mine_secret, &theirs_secret, &theirs_open] {
        assert!(store.viewer().expect("rule").may_show(meta));
    }
    let all = store
        .viewer()
        .expect("filter")
        .filter(ReportFilter::default());
    assert_eq!(store.count(&all).expect("count"), 3);

    store
        .add_hub(&HubRecord {
            hub_id: "hub-1".into(),
            url: "https://hub.example:8443".into(),
            token: "t".into(),
            unit: "JOC".into(),
            sector: String::new(),
            role: "hq".into(),
            clearance: "CONFIDENTIAL".into(),
            cursor: 0,
            enrolled_at: T0,
            last_sync_at: None,
            ca_pem: None,
        })
        .expect("enrolled");
    assert!(
        store.viewer().expect("rule").may_show(&mine_secret),
        "what I wrote"
    );
    assert!(
        !store.viewer().expect("rule").may_show(&theirs_secret),
        "above my clearance"
    );
    assert!(store.viewer().expect("rule").may_show(&theirs_open));
    let shown = store
        .list(
            &store
                .viewer()
                .expect("filter")
                .filter(ReportFilter::default()),
        )
        .expect("list");
    let mut ids: Vec<ReportId> = shown.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, vec![util::report_id(1), util::report_id(3)]);
}

// ---------------------------------------------------------------------------
// The weekly summary

/// Monday 2026-04-13, 00:00 UTC: the week summarised (T0 is 2026-05-01).
const WEEK: Timestamp = Timestamp::from_millis(1_776_038_400_000);

fn week(ms: i64) -> String {
    Timestamp::from_millis(WEEK.as_millis() + ms).to_rfc3339()
}

/// A report to file for the summary: generated answers, then `answers` over them.
struct Filing {
    kind: &'static str,
    sector: &'static str,
    level: Classification,
    status: ReviewStatus,
    created: Timestamp,
    answers: Value,
}

/// A submitted report filed at T0.
fn filing(
    kind: &'static str,
    sector: &'static str,
    level: Classification,
    answers: Value,
) -> Filing {
    Filing {
        kind,
        sector,
        level,
        status: ReviewStatus::Submitted,
        created: T0,
        answers,
    }
}

fn file(store: &mut Store, n: u128, f: Filing) -> ReportId {
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    let mut new = generate::new_report(util::report_id(7000 + n), store.device_id(), f.level);
    new.sector = f.sector.into();
    new.author_unit = format!("{}-COY", f.sector.to_uppercase());
    new.status = f.status;
    let mut doc = generate::report(&util::form(f.kind), &new, &mut rng, f.created);
    doc.set_answers(f.answers.as_object().expect("an object"), f.created)
        .expect("answers");
    store.save(&mut doc, f.created).expect("save");
    doc.id()
}

fn days_ago(days: i64) -> Timestamp {
    Timestamp::from_millis(T0.as_millis() - days * DAY)
}

/// The reports the summary tests read; their markers are in their titles.
fn fill_week(store: &mut Store) {
    use Classification::{Confidential as C, StrictlyConfidential as SC, Unclassified as U};
    let incident = |t: i64, details: &str| {
        json!({"incident_type": "direct_fire", "occurred_at": week(t), "ended_at": week(t + 3_600_000),
               "incident_location": {"lat": 16.27, "lon": -0.04, "place": "Gao"},
               "location_details": details})
    };
    let patrol = |t: i64| json!({"departed_at": week(t), "returned_at": week(t + 3_600_000)});
    let qip = |days: i64, community: &str| json!({"assessment_date": days_ago(days).to_rfc3339(), "community": community});
    let script = "Marché <script>alert(1)</script> & gare";
    let filings = [
        // The week's incidents, one above the reader's clearance...
        filing("incident", "East", U, incident(DAY, script)),
        filing(
            "incident",
            "North",
            C,
            incident(7 * DAY - 1, "Wadi-Inside-Last"),
        ),
        filing("incident", "North", SC, incident(3 * DAY, "Secret-Inside")),
        // ...and two just outside it, either side.
        filing("incident", "East", U, incident(7 * DAY, "Outside-After")),
        filing("incident", "East", U, incident(-1, "Outside-Before")),
        // Patrols: two in the East, one in the North.
        filing("patrol", "East", U, patrol(0)),
        filing("patrol", "East", C, patrol(2 * DAY)),
        filing("patrol", "North", U, patrol(4 * DAY)),
        // QIP assessments: overdue, fresh (dated this week), and an overdue
        // one above the reader's clearance.
        Filing {
            created: days_ago(60),
            ..filing("qip", "East", U, qip(61, "Tin-Hama"))
        },
        Filing {
            created: days_ago(5),
            ..filing("qip", "East", U, qip(13, "Anefis-Nord"))
        },
        Filing {
            created: days_ago(60),
            ..filing("qip", "North", SC, qip(61, "Secret-QIP"))
        },
        // Waiting for the field: a patrol of March, and an open standing
        // question (dated this week) that must not count among the week's
        // reports; a closed one is not waiting.
        Filing {
            status: ReviewStatus::NeedsInformation,
            created: days_ago(40),
            ..filing(
                "patrol",
                "East",
                U,
                json!({"departed_at": days_ago(41).to_rfc3339(), "returned_at": days_ago(40).to_rfc3339(),
                       "patrol_unit": "Waiting-Patrol"}),
            )
        },
        Filing {
            status: ReviewStatus::NeedsInformation,
            created: days_ago(3),
            ..filing(
                STANDING_QUESTION,
                "",
                U,
                json!({"question": "Puits-Question working again?", "until": week(DAY)}),
            )
        },
        Filing {
            status: ReviewStatus::Closed,
            created: days_ago(3),
            ..filing(
                STANDING_QUESTION,
                "",
                U,
                json!({"question": "Closed-Question?", "until": week(DAY)}),
            )
        },
    ];
    for (n, f) in filings.into_iter().enumerate() {
        file(store, n as u128, f);
    }
    // A QIP delivered long ago: in the pipeline's counts, never overdue.
    let delivered = file(
        store,
        100,
        Filing {
            created: days_ago(200),
            ..filing("qip", "East", U, qip(201, "Haoussa-Foulane"))
        },
    );
    store
        .update(delivered, days_ago(100), |d| {
            Ok(d.enter_stage(&StageEntry {
                stage: QipStage::Delivered,
                at: days_ago(100),
                by: "Stabilisation".into(),
            })?)
        })
        .expect("delivered");
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
        "Closed-Question",
        "STRICTLY",
    ] {
        assert!(
            !page.contains(absent),
            "{lang}: {absent} must not be printed"
        );
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
        !page.contains("<script>")
            && page.contains("Marché &lt;script&gt;alert(1)&lt;/script&gt; &amp; gare"),
        "{lang}: a title is text, never markup"
    );
    // Counts by sector and kind: incident, patrol, QIP columns.
    assert!(page.contains(&cells(&["East", "1", "2", "1"])), "{page}");
    assert!(page.contains(&cells(&["North", "1", "1", "0"])), "{page}");
    // Both incidents of the week, in the order they happened, each with its
    // own level.
    let first = page
        .find("<td>2026-04-14</td>")
        .expect("the first incident's date");
    let last = page
        .find("<td>2026-04-19</td>")
        .expect("the last incident's date");
    assert!(first < last, "{lang}: incidents in the order they happened");
    let row = row_with(page, "Wadi-Inside-Last");
    assert!(
        row.starts_with("<tr><td>2026-04-19</td><td>Gao</td>")
            // The title as listed: in the language the report was written in.
            && row.contains("<td>Tirs directs — Wadi-Inside-Last</td><td>NORTH-COY</td>")
            && row.ends_with("<td>CONFIDENTIAL</td></tr>"),
        "{lang}: {row}"
    );
    assert!(
        row_with(page, "Tin-Hama").ends_with("<td>UNCLASSIFIED</td></tr>"),
        "{lang}: the overdue assessment with its level"
    );
}

/// The table row of `page` that holds `marker`.
fn row_with<'a>(page: &'a str, marker: &str) -> &'a str {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} is printed"));
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
    // As of T0: 60 days assessed is overdue, 5 days is not.
    assert!(
        row_with(&en, "Tin-Hama")
            .ends_with("<td>Assessed</td><td>60</td><td>UNCLASSIFIED</td></tr>"),
        "the overdue assessment with its days in stage"
    );
    assert!(
        !en.contains("Anefis-Nord"),
        "a fresh assessment is only counted"
    );
    assert!(en.contains("<h1>Weekly summary, 2026-04-13 to 2026-04-19</h1>"));
    assert!(en.contains("6 report(s) of events this week, every sector, up to CONFIDENTIAL."));
    assert!(en.contains(&format!(
        "<tr>{}</tr>",
        heads(&[
            "Sector",
            "Incident report",
            "Patrol report",
            "QIP needs assessment"
        ])
    )));
    assert!(en.contains(&cells(&["Submitted", "6"])), "by status");
    assert!(en.contains("<h2>Incidents this week (2)</h2>"));
    assert!(en.contains("<h3>Overdue in their stage (1)</h3>"));
    assert!(
        en.contains(&cells(&["Assessed", "2"])),
        "Tin-Hama and Anefis-Nord"
    );
    assert!(en.contains(&cells(&["Delivered", "1"])));
    assert!(row_with(&en, "Wadi-Inside-Last").contains("<td>Submitted</td>"));
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
        heads(&[
            "Secteur",
            "Rapport d'incident",
            "Rapport de patrouille",
            "Évaluation des besoins QIP"
        ])
    )));
    assert!(fr.contains(&cells(&["Soumis", "6"])));
    assert!(fr.contains("<h2>Incidents de la semaine (2)</h2>"));
    assert!(fr.contains("<h3>En retard dans leur étape (1)</h3>"));
    assert!(fr.contains(&cells(&["Évalué", "2"])));
    assert!(row_with(&fr, "Tin-Hama").contains("<td>Évalué</td><td>60</td>"));
    assert!(row_with(&fr, "Wadi-Inside-Last").contains("<td>Soumis</td>"));
    assert!(fr.contains("<h2>En attente d'une réponse du terrain (2)</h2>"));
    assert_eq!(fr.matches("Classification : CONFIDENTIAL").count(), 2);

    // The banner is the highest level actually printed, not the clearance.
    let low = weekly_html(&store, Classification::Unclassified, WEEK, T0, Lang::En).expect("u");
    assert!(!low.contains("Wadi-Inside-Last") && !low.contains("CONFIDENTIAL"));
    assert_eq!(low.matches("Classification: UNCLASSIFIED").count(), 2);
    assert!(low.contains(&cells(&["East", "1", "1", "1"])));
    assert!(low.contains(&cells(&["North", "0", "1", "0"])));
    let all = weekly_html(
        &store,
        Classification::StrictlyConfidential,
        WEEK,
        T0,
        Lang::En,
    )
    .expect("sc");
    assert!(all.contains("Secret-Inside") && all.contains("Secret-QIP"));
    assert!(all.contains("<h2>Incidents this week (3)</h2>"));
    assert_eq!(
        all.matches("Classification: STRICTLY CONFIDENTIAL").count(),
        2
    );

    // Cleared higher than anything there is: the page says what it holds.
    let small = util::TestStore::new();
    let mut small_store = small.store;
    file(
        &mut small_store,
        0,
        filing(
            "incident",
            "East",
            Classification::Unclassified,
            json!({"occurred_at": week(DAY), "location_details": "Only-One"}),
        ),
    );
    let page = weekly_html(
        &small_store,
        Classification::StrictlyConfidential,
        WEEK,
        T0,
        Lang::En,
    )
    .expect("small");
    assert!(page.contains("Only-One") && page.contains("up to STRICTLY CONFIDENTIAL."));
    assert_eq!(
        page.matches("Classification: UNCLASSIFIED").count(),
        2,
        "{page}"
    );
    assert!(page.contains("<title>UNCLASSIFIED — Weekly summary"));

    // A quiet week: nothing of it, the QIP pipeline and the waiting list still there.
    let quiet = Timestamp::from_millis(WEEK.as_millis() - 70 * DAY);
    let page = weekly_html(&store, Classification::Confidential, quiet, T0, Lang::En).expect("q");
    assert!(page.contains("<h2>Incidents this week (0)</h2>"));
    assert!(!page.contains("Wadi-Inside-Last") && page.contains("Tin-Hama"));
}

#[test]
fn outpost_summary_writes_the_week_in_french_at_the_readers_clearance() {
    let t = util::TestStore::new();
    let data = t.path().to_path_buf();
    let mut store = t.store;
    fill_week(&mut store);
    drop(store);

    let file = data.join("semaine.html");
    let quiet = run_ok(
        outpost(&data)
            .args(["--ui-lang", "fr", "summary", "--week-of", "2026-04-13"])
            .args(["--clearance", "CONFIDENTIAL", "--out"])
            .arg(&file),
    );
    assert!(quiet.is_empty(), "with --out nothing goes to the terminal");
    let page = std::fs::read_to_string(&file).expect("the summary is written");
    assert_common(&page, Lang::Fr);
    assert!(page.contains("<h1>Synthèse hebdomadaire du 2026-04-13 au 2026-04-19</h1>"));
    assert!(page.contains("<h2>Incidents de la semaine (2)</h2>"));
    assert!(page.contains("jusqu'à CONFIDENTIAL"));
    assert_eq!(page.matches("Classification : CONFIDENTIAL").count(), 2);

    // Any time of the day gives the week from that day's midnight (UTC); the
    // page goes to standard output.
    let same = run_ok(
        outpost(&data)
            .env("OUTPOST_LANG", "fr")
            .args(["summary", "--week-of", "2026-04-13T18:30:00Z"])
            .args(["--clearance", "CONFIDENTIAL"]),
    );
    assert_eq!(same, page);
    let later = run_ok(
        outpost(&data)
            .args(["--ui-lang", "fr", "summary", "--week-of", "2026-04-14"])
            .args(["--clearance", "CONFIDENTIAL"]),
    );
    assert!(later.contains("du 2026-04-14 au 2026-04-20"));
    assert!(
        later.contains("<h2>Incidents de la semaine (3)</h2>")
            && later.contains("Marché")
            && later.contains("Outside-After"),
        "a week from the 14th takes in the 20th"
    );

    let lower = run_ok(
        outpost(&data)
            .args(["--ui-lang", "fr", "summary", "--week-of", "2026-04-13"])
            .args(["--clearance", "unclassified"]),
    );
    assert!(!lower.contains("Wadi-Inside-Last"));
    assert_eq!(lower.matches("Classification : UNCLASSIFIED").count(), 2);

    // Refusals, in French.
    for (args, want) in [
        (&["summary", "--week-of", "2026-04-13"][..], "--clearance"),
        (
            &[
                "summary",
                "--week-of",
                "13/04/2026",
                "--clearance",
                "CONFIDENTIAL",
            ][..],
            "« 13/04/2026 » n'est pas une date",
        ),
        (
            &[
                "summary",
                "--week-of",
                "2026-04-13",
                "--clearance",
                "SECRET",
            ][..],
            "SECRET",
        ),
    ] {
        let out = outpost(&data)
            .args(["--ui-lang", "fr"])
            .args(args)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?} must fail");
        let err = stderr(&out);
        assert!(
            err.contains(want) && err.starts_with("erreur"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_comment_marked_as_a_question_shows_as_one() {
    let t = util::TestStore::new();
    let data = t.path().to_path_buf();
    let mut store = t.store;
    let mut doc = util::template_report("patrol", util::report_id(40), store.device_id());
    store.save(&mut doc, T0).expect("save");
    drop(store);
    let id = doc.id().to_string();
    let asked = run_ok(
        outpost(&data)
            .args(["report", "comment", &id, "--text", "Combien de véhicules ?"])
            .args(["--author", "JMAC analyst", "--question"]),
    );
    let noted = run_ok(outpost(&data).args(["report", "comment", &id, "--text", "Vu."]));
    let show: Value = serde_json::from_str(&run_ok(
        outpost(&data).args(["report", "show", &id, "--json"]),
    ))
    .expect("json");
    let comments = show["comments"].as_array().expect("comments");
    let find = |printed: &str| {
        comments
            .iter()
            .find(|c| c["id"] == printed.trim())
            .unwrap_or_else(|| panic!("comment {printed} in {comments:?}"))
            .clone()
    };
    let question = find(&asked);
    assert_eq!(question["question"], json!(true));
    assert_eq!(question["author"], "JMAC analyst");
    assert_eq!(question["text"], "Combien de véhicules ?");
    assert_eq!(find(&noted)["question"], json!(false));
}

// ---------------------------------------------------------------------------
// Standing questions and questions through a real hub

/// A standing question filed on the HQ device `hq`, shared with `unit`.
fn ask(hq: &mut Store, unit: &str, question: &str) -> ReportId {
    let form = util::form(STANDING_QUESTION);
    assert!(form.headquarters_only);
    let profile = hq.profile().expect("profile");
    let now = SystemClock.now();
    let new = NewReport {
        id: ReportId::from_uuid(uuid::Uuid::new_v4()),
        author: "JMAC analyst".into(),
        author_unit: profile.unit,
        sector: profile.sector,
        device: hq.device_id(),
        language: Lang::Fr,
        classification: Classification::Confidential,
        status: ReviewStatus::Submitted,
    };
    let mut doc = ReportDoc::create(&form, &new, now).expect("create");
    let mut answers = form.template();
    answers.insert("question".into(), json!(question));
    doc.set_answers(&answers, now).expect("answers");
    doc.share_with(unit, "JMAC analyst", now).expect("share");
    hq.save(&mut doc, now).expect("save");
    doc.id()
}

fn add_comment(store: &mut Store, id: ReportId, author: &str, text: &str, question: bool) {
    crate::sync::comment_as(store, id, author, text, question);
}

async fn headquarters(hub: &TestHub) -> Device {
    Device::join(
        hub,
        "JMAC",
        "",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await
}

/// Headquarters, a field device of UNIT-X (West) and one of UNIT-Y (North).
async fn headquarters_and_two_units(hub: &TestHub) -> (Device, Device, Device) {
    let hq = headquarters(hub).await;
    let x = Device::join(
        hub,
        "UNIT-X",
        "West",
        Role::Field,
        Classification::Confidential,
    )
    .await;
    let y = Device::join(
        hub,
        "UNIT-Y",
        "North",
        Role::Field,
        Classification::Confidential,
    )
    .await;
    (hq, x, y)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standing_question_reaches_its_unit_only_and_the_answer_comes_back() {
    let hub = TestHub::start().await;
    let (mut hq, mut unit_x, mut other) = headquarters_and_two_units(&hub).await;

    let id = ask(
        &mut hq.store,
        "UNIT-X",
        "Le puits de Tin-Hama fonctionne-t-il ?",
    );
    assert_eq!(
        hq.sync().await.documents.docs_up,
        1,
        "HQ sends the question"
    );
    assert_eq!(
        unit_x.sync().await.documents.docs_down,
        1,
        "UNIT-X receives it"
    );
    let received = unit_x.store.load(id).expect("held by UNIT-X");
    assert_eq!(received.form_id(), STANDING_QUESTION);
    assert_eq!(
        received.answer("question"),
        Some(json!("Le puits de Tin-Hama fonctionne-t-il ?"))
    );
    assert_eq!(received.shares(), vec!["UNIT-X".to_string()]);
    let listed = unit_x
        .store
        .list(&ReportFilter {
            kind: Some(STANDING_QUESTION.into()),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(other.sync().await.documents.docs_down, 0);
    assert!(
        other.store.report_ids().expect("ids").is_empty(),
        "another unit in another sector does not receive it"
    );

    add_comment(
        &mut unit_x.store,
        id,
        "Lt. B. Maïga",
        "Oui, réparé par la mairie le 12.",
        false,
    );
    assert_eq!(
        unit_x.sync().await.documents.docs_up,
        1,
        "the answer goes up"
    );
    hq.sync().await;
    let back = hq.store.load(id).expect("HQ holds it");
    let answer = back
        .comments()
        .into_iter()
        .find(|c| c.text == "Oui, réparé par la mairie le 12.")
        .expect("HQ receives the unit's answer");
    assert_eq!(answer.device, unit_x.store.device_id().to_string());
    assert!(!answer.question);
    assert_eq!(
        hq.store
            .list(&ReportFilter::default())
            .expect("list")
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.comments),
        Some(1),
        "HQ's list counts the answer"
    );
    other.sync().await;
    assert!(
        other.store.report_ids().expect("ids").is_empty(),
        "the answer does not carry the question to other units"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_from_headquarters_reaches_the_author_marked_as_one() {
    let hub = TestHub::start().await;
    let (mut hq, mut author, mut other) = headquarters_and_two_units(&hub).await;

    let id = crate::sync::file_report(&mut author.store, "patrol", Classification::Confidential);
    author.sync().await;
    assert_eq!(
        hq.sync().await.documents.docs_down,
        1,
        "HQ receives the report"
    );
    add_comment(
        &mut hq.store,
        id,
        "JMAC analyst",
        "Combien de véhicules armés ?",
        true,
    );
    add_comment(
        &mut hq.store,
        id,
        "JMAC analyst",
        "Merci pour le rapport.",
        false,
    );
    hq.sync().await;
    assert_eq!(author.sync().await.documents.docs_down, 1);

    let comments = author.store.load(id).expect("held").comments();
    let marks: BTreeSet<(String, bool)> =
        comments.into_iter().map(|c| (c.text, c.question)).collect();
    assert_eq!(
        marks,
        BTreeSet::from([
            ("Combien de véhicules armés ?".to_string(), true),
            ("Merci pour le rapport.".to_string(), false),
        ]),
        "the question arrives as a question, the note as a note"
    );
    other.sync().await;
    assert!(other.store.report_ids().expect("ids").is_empty());
    hub.stop().await;
}
