//! The review list: filters that combine, counts per filter value, sorting.
//! Checked against a plain recount of the generated reports.

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, Lang, ReportId, ReviewStatus, Timestamp};
use outpost_store::{ReportFilter, ReportOrder, Store};
use rand::{Rng, SeedableRng};

use crate::util::{self, generate};

struct Made {
    id: ReportId,
    kind: &'static str,
    sector: &'static str,
    unit: String,
    classification: Classification,
    language: Lang,
    status: ReviewStatus,
}

fn filled(n: usize) -> (tempfile::TempDir, Store, Vec<Made>) {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let mut made = Vec::new();
    let mut docs = Vec::new();
    for i in 0..n {
        let kind = ["patrol", "incident", "qip"][i % 3];
        let sector = ["North", "East"][rng.random_range(0..2)];
        let unit = format!("{}-{}", sector.to_uppercase(), rng.random_range(0..3));
        let mut new = generate::new_report(
            util::report_id(i as u128),
            store.device_id(),
            Classification::ALL[rng.random_range(0..3)],
        );
        new.sector = sector.into();
        new.author_unit = unit.clone();
        new.language = if rng.random_bool(0.5) {
            Lang::Fr
        } else {
            Lang::En
        };
        new.status = [ReviewStatus::Submitted, ReviewStatus::Verified][rng.random_range(0..2)];
        made.push(Made {
            id: new.id,
            kind,
            sector,
            unit,
            classification: new.classification,
            language: new.language,
            status: new.status,
        });
        docs.push(generate::report(
            &util::form(kind),
            &new,
            &mut rng,
            SystemClock.now(),
        ));
    }
    store.save_all(&mut docs, util::T0).expect("save");
    (dir, store, made)
}

#[test]
fn filters_combine_and_counts_per_value_match_a_recount() {
    let (_dir, store, made) = filled(240);
    let filter = ReportFilter {
        kind: Some("incident".into()),
        sector: Some("North".into()),
        clearance: Some(Classification::Confidential),
        ..Default::default()
    };
    let expected: Vec<&Made> = made
        .iter()
        .filter(|m| {
            m.kind == "incident"
                && m.sector == "North"
                && m.classification <= Classification::Confidential
        })
        .collect();
    let listed = store.list(&filter).expect("list");
    assert_eq!(listed.len(), expected.len());
    assert!(!listed.is_empty(), "the generated set has some");
    let mut ids: Vec<ReportId> = listed.iter().map(|r| r.id).collect();
    let mut want: Vec<ReportId> = expected.iter().map(|m| m.id).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(store.count(&filter).expect("count"), expected.len() as u64);

    let facets = store.facets(&filter).expect("facets");
    assert_eq!(facets.total, expected.len() as u64);
    // Kind is filtered: its counts show every kind under the other conditions.
    for kind in ["patrol", "incident", "qip"] {
        let n = made
            .iter()
            .filter(|m| {
                m.kind == kind
                    && m.sector == "North"
                    && m.classification <= Classification::Confidential
            })
            .count() as u64;
        let got = facets
            .kind
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, c)| *c);
        assert_eq!(got, n, "kind {kind}");
    }
    // Language is open: its counts split the filtered set.
    for lang in [Lang::Fr, Lang::En] {
        let n = expected.iter().filter(|m| m.language == lang).count() as u64;
        let got = facets
            .language
            .iter()
            .find(|(l, _)| l == lang.as_str())
            .map_or(0, |(_, c)| *c);
        assert_eq!(got, n, "language {lang}");
    }
    let units: u64 = facets.unit.iter().map(|(_, c)| c).sum();
    assert_eq!(units, expected.len() as u64, "every report in one unit");
    assert!(facets.unit.iter().all(|(u, _)| u.starts_with("NORTH-")));
    assert!(
        facets
            .classification
            .iter()
            .all(|(c, _)| c != "STRICTLY CONFIDENTIAL"),
        "nothing above the viewer's clearance is even counted"
    );
}

#[test]
fn unit_status_language_and_time_narrow_and_sort() {
    let (_dir, store, made) = filled(150);
    let some = &made[7];
    let filter = ReportFilter {
        unit: Some(some.unit.clone()),
        status: Some(some.status),
        language: Some(some.language),
        ..Default::default()
    };
    let n = made
        .iter()
        .filter(|m| m.unit == some.unit && m.status == some.status && m.language == some.language)
        .count();
    assert_eq!(store.list(&filter).expect("list").len(), n);

    let all = store
        .list(&ReportFilter {
            order: ReportOrder::Happened,
            ..Default::default()
        })
        .expect("list");
    assert!(
        all.windows(2).all(|w| w[0].happened_at >= w[1].happened_at),
        "newest events first"
    );
    let middle = all[all.len() / 2].happened_at;
    let before = store
        .list(&ReportFilter {
            until: Some(middle),
            order: ReportOrder::HappenedAscending,
            ..Default::default()
        })
        .expect("list");
    assert!(before.iter().all(|r| r.happened_at < middle));
    assert!(
        before
            .windows(2)
            .all(|w| w[0].happened_at <= w[1].happened_at),
        "oldest first"
    );
    let after = store
        .count(&ReportFilter {
            from: Some(middle),
            ..Default::default()
        })
        .expect("count");
    assert_eq!(
        before.len() as u64 + after,
        made.len() as u64,
        "from/until split the set exactly"
    );
    assert!(
        all.iter()
            .all(|r| r.happened_at < Timestamp::from_millis(SystemClock.now().as_millis()))
    );
}

#[test]
fn qip_assessments_move_through_the_pipeline_with_days_per_stage_and_overdue_flags() {
    use outpost_report::pipeline::{QipStage, StageEntry};
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    let now = SystemClock.now().as_millis();
    let day = |d: i64| Timestamp::from_millis(now - d * 86_400_000);
    let mut ids = Vec::new();
    for (n, moves) in [
        // Approved 60 days ago and never funded: overdue.
        vec![(QipStage::Proposed, 80), (QipStage::Approved, 60)],
        // Proposed 5 days ago: on time.
        vec![(QipStage::Proposed, 5)],
    ]
    .into_iter()
    .enumerate()
    {
        let mut doc =
            util::template_report("qip", util::report_id(700 + n as u128), store.device_id());
        for (stage, ago) in moves {
            doc.enter_stage(&StageEntry {
                stage,
                at: day(ago),
                by: "Stabilisation Gao".into(),
            })
            .expect("stage");
        }
        store.save(&mut doc, util::T0).expect("save");
        ids.push(doc.id());
    }
    let listed = store
        .list(&ReportFilter {
            kind: Some("qip".into()),
            ..Default::default()
        })
        .expect("list");
    let stage_of = |id: ReportId| {
        listed
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.pipeline_stage.clone())
    };
    assert_eq!(stage_of(ids[0]).as_deref(), Some("approved"));
    assert_eq!(stage_of(ids[1]).as_deref(), Some("proposed"));

    let out =
        util::run_ok(util::outpost(dir.path()).args(["report", "pipeline", "--json", "--overdue"]));
    let overdue: serde_json::Value = serde_json::from_str(&out).expect("json");
    let overdue = overdue.as_array().expect("a list");
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0]["id"], ids[0].to_string());
    assert_eq!(overdue[0]["days_in_stage"], 60);
    assert_eq!(
        overdue[0]["days_per_stage"][1],
        serde_json::json!(["proposed", 20])
    );

    // Funding it moves it on and clears the flag.
    util::run_ok(util::outpost(dir.path()).args([
        "report",
        "stage",
        &ids[0].to_string(),
        "--to",
        "funded",
    ]));
    let out =
        util::run_ok(util::outpost(dir.path()).args(["report", "pipeline", "--json", "--overdue"]));
    assert_eq!(out.trim(), "[]");
    let refused = util::outpost(dir.path())
        .args(["report", "stage", &ids[1].to_string(), "--to", "paid"])
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    assert!(util::stderr(&refused).contains("assessed, proposed, approved, funded or delivered"));
}

#[test]
fn a_page_and_its_counts_match_the_words_once_with_the_same_answer() {
    let (_dir, store, _made) = filled(300);
    let mut seen_hits = false;
    for text in [
        None,
        Some("patrouille"),
        Some("pont"),
        Some("zzzz-nothing"),
        Some("patrouille"),
    ] {
        let filter = ReportFilter {
            text: text.map(str::to_string),
            sector: Some("East".into()),
            clearance: Some(Classification::Confidential),
            limit: Some(20),
            ..Default::default()
        };
        let (page, facets) = store.page_and_facets(&filter).expect("page and counts");
        let ids =
            |rows: &[outpost_store::ReportSummary]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            ids(&page),
            ids(&store.list(&filter).expect("list")),
            "{text:?}"
        );
        assert_eq!(facets, store.facets(&filter).expect("facets"), "{text:?}");
        assert_eq!(
            facets.total,
            store.count(&filter).expect("count"),
            "{text:?}"
        );
        seen_hits |= text.is_some() && facets.total > 0;
    }
    assert!(seen_hits, "some search found something");
}
