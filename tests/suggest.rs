//! Suggestions a reviewer confirms: incidents that likely tell of one event,
//! QIP assessments that likely overlap, on generated reports.

use outpost_report::{Classification, ReportDoc, ReportId, Timestamp};
use outpost_store::Store;
use rand::SeedableRng;
use serde_json::json;

use crate::util::{self, generate};

const HOUR: i64 = 3_600_000;

/// A generated report of `kind` with `overrides` answers, at `classification`.
fn file(
    store: &mut Store,
    n: u128,
    kind: &str,
    classification: Classification,
    overrides: serde_json::Value,
) -> ReportId {
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    let new = generate::new_report(util::report_id(5000 + n), store.device_id(), classification);
    let mut doc: ReportDoc = generate::report(&util::form(kind), &new, &mut rng, util::T0);
    let answers = overrides.as_object().expect("an object").clone();
    doc.set_answers(&answers, util::T0).expect("answers");
    store.save(&mut doc, util::T0).expect("save");
    doc.id()
}

fn at(hours: i64) -> String {
    Timestamp::from_millis(util::T0.as_millis() - 30 * 24 * HOUR + hours * HOUR).to_rfc3339()
}

#[test]
fn incidents_close_in_place_and_time_are_suggested_as_one_event() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    let place = |lat: f64, lon: f64| json!({"lat": lat, "lon": lon, "place": "Ansongo"});
    let incident = |t: i64, loc: serde_json::Value, kind: &str| json!({"occurred_at": at(t), "ended_at": at(t + 1), "incident_location": loc, "incident_type": kind});
    let u = Classification::Unclassified;
    let first = file(
        &mut store,
        1,
        "incident",
        u,
        incident(0, place(15.6597, 0.5022), "ambush"),
    );
    let second = file(
        &mut store,
        2,
        "incident",
        u,
        incident(3, place(15.6700, 0.5100), "ambush"),
    );
    let other_type = file(
        &mut store,
        3,
        "incident",
        u,
        incident(5, place(15.7000, 0.5300), "crime"),
    );
    let _far = file(
        &mut store,
        4,
        "incident",
        u,
        incident(1, place(16.2717, -0.0447), "ambush"),
    );
    let _later = file(
        &mut store,
        5,
        "incident",
        u,
        incident(72, place(15.6597, 0.5022), "ambush"),
    );
    let secret = file(
        &mut store,
        6,
        "incident",
        Classification::StrictlyConfidential,
        incident(2, place(15.66, 0.50), "ambush"),
    );

    let found =
        outpost_review::same_event(&store, first, Classification::Confidential).expect("suggest");
    let ids: Vec<ReportId> = found.iter().map(|s| s.report).collect();
    assert_eq!(
        ids,
        vec![second, other_type],
        "near and close in time, the same type first"
    );
    assert_eq!(found[0].reasons, vec!["same_type", "near", "close_in_time"]);
    assert!(found[0].distance_km.expect("distance") < 2.0);
    assert!(
        !ids.contains(&secret),
        "nothing above the reviewer's clearance"
    );
    let cleared = outpost_review::same_event(&store, first, Classification::StrictlyConfidential)
        .expect("suggest");
    assert!(cleared.iter().any(|s| s.report == secret));

    // The same from the command line, at the clearance asked for.
    let out = util::run_ok(util::outpost(dir.path()).args([
        "report",
        "suggest",
        &first.to_string(),
        "--json",
        "--clearance",
        "CONFIDENTIAL",
    ]));
    let listed: serde_json::Value = serde_json::from_str(&out).expect("json");
    let listed: Vec<String> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["report"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(listed, vec![second.to_string(), other_type.to_string()]);

    // The reviewer confirms one: both reports keep the link, and it is no
    // longer suggested from either side.
    util::run_ok(util::outpost(dir.path()).args([
        "report",
        "link",
        &first.to_string(),
        "--to",
        &second.to_string(),
    ]));
    let store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("reopen");
    for (a, b) in [(first, second), (second, first)] {
        let links = store.load(a).expect("load").links();
        assert_eq!(links.len(), 1);
        assert_eq!(
            (links[0].report, links[0].relation.as_str()),
            (b, "same_incident")
        );
    }
    let again =
        outpost_review::same_event(&store, first, Classification::Confidential).expect("suggest");
    assert_eq!(
        again.iter().map(|s| s.report).collect::<Vec<_>>(),
        vec![other_type]
    );
}

#[test]
fn qip_assessments_of_the_same_community_or_nearby_and_category_are_flagged() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    let u = Classification::Unclassified;
    let qip = |community: &str, lat: f64, lon: f64, category: &str, hours: i64| {
        json!({
            "community": community,
            "location": {"lat": lat, "lon": lon, "place": community},
            "sector_category": category,
            "assessment_date": at(hours),
        })
    };
    let new = file(
        &mut store,
        10,
        "qip",
        u,
        qip("Sosso Koïra", 16.2800, -0.0400, "water", 0),
    );
    let duplicate = file(
        &mut store,
        11,
        "qip",
        u,
        qip("sosso koira", 16.3500, -0.1000, "water", -24 * 40),
    );
    let nearby = file(
        &mut store,
        12,
        "qip",
        u,
        qip("Château", 16.2900, -0.0300, "water", -24 * 10),
    );
    let _other_category = file(
        &mut store,
        13,
        "qip",
        u,
        qip("Sosso Koïra", 16.2800, -0.0400, "education", -24),
    );
    let _far = file(
        &mut store,
        14,
        "qip",
        u,
        qip("Ansongo", 15.6597, 0.5022, "water", -24),
    );
    let _old = file(
        &mut store,
        15,
        "qip",
        u,
        qip("Sosso Koïra", 16.2800, -0.0400, "water", -24 * 400),
    );

    let found =
        outpost_review::qip_overlaps(&store, new, Classification::Confidential).expect("suggest");
    let ids: Vec<ReportId> = found.iter().map(|s| s.report).collect();
    assert_eq!(ids.len(), 2, "{found:?}");
    assert!(ids.contains(&duplicate) && ids.contains(&nearby));
    let dup = found
        .iter()
        .find(|s| s.report == duplicate)
        .expect("the duplicate");
    assert!(
        dup.reasons.contains(&"same_community"),
        "accents and case do not hide a duplicate"
    );
    let near = found
        .iter()
        .find(|s| s.report == nearby)
        .expect("the nearby one");
    assert_eq!(near.reasons, vec!["same_category", "near"]);
}
