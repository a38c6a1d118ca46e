//! `outpost export`: CSV and GeoJSON of a filtered set that re-import cleanly,
//! match the filtered list, and never hold a report above the exporter's
//! clearance.

use std::collections::BTreeSet;
use std::path::Path;

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, ReportId};
use outpost_store::{ReportFilter, Store};
use rand::SeedableRng;

use crate::util::hub::{Device, TestHub};
use crate::util::{self, generate, outpost, run_ok, stderr};

/// Reports of every classification and both sectors in `store`.
fn fill(store: &mut Store, n: usize) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut docs = Vec::new();
    for i in 0..n {
        let kind = ["patrol", "incident", "qip"][i % 3];
        let mut new = generate::new_report(
            util::report_id(1000 + i as u128),
            store.device_id(),
            Classification::ALL[i % 3],
        );
        new.sector = ["North", "East"][i % 2].into();
        docs.push(generate::report(
            &util::form(kind),
            &new,
            &mut rng,
            SystemClock.now(),
        ));
    }
    store.save_all(&mut docs, util::T0).expect("save");
}

/// Runs `outpost export --format FORMAT ARGS... --out OUT` on `data`.
fn export(data: &Path, format: &str, args: &[&str], out: &Path) {
    run_ok(
        outpost(data)
            .args(["export", "--format", format])
            .args(args)
            .arg("--out")
            .arg(out),
    );
}

const NORTH_INCIDENTS: [&str; 6] = [
    "--sector",
    "North",
    "--kind",
    "incident",
    "--clearance",
    "STRICTLY CONFIDENTIAL",
];

fn csv_ids_and_levels(path: &Path) -> Vec<(ReportId, String)> {
    let mut reader = csv::Reader::from_path(path).expect("the CSV opens");
    let headers = reader.headers().expect("a header row").clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), outpost_export::COLUMNS);
    reader
        .records()
        .map(|r| {
            let r = r.expect("every row parses");
            assert_eq!(r.len(), outpost_export::COLUMNS.len());
            (r[0].parse().expect("an id"), r[2].to_string())
        })
        .collect()
}

#[test]
fn csv_and_geojson_reimport_and_match_the_filtered_list() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    fill(&mut store, 60);
    let csv_path = dir.path().join("north-incidents.csv");
    export(dir.path(), "csv", &NORTH_INCIDENTS, &csv_path);
    let rows = csv_ids_and_levels(&csv_path);
    let listed: BTreeSet<ReportId> = store
        .list(&ReportFilter {
            sector: Some("North".into()),
            kind: Some("incident".into()),
            ..Default::default()
        })
        .expect("list")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(
        rows.iter().map(|(id, _)| *id).collect::<BTreeSet<_>>(),
        listed
    );
    assert!(
        rows.iter().all(|(_, level)| !level.is_empty()),
        "each row carries its classification"
    );

    let geo_path = dir.path().join("north-incidents.geojson");
    export(dir.path(), "geojson", &NORTH_INCIDENTS, &geo_path);
    let text = std::fs::read_to_string(&geo_path).expect("read");
    let parsed: geojson::GeoJson = text.parse().expect("valid GeoJSON");
    let geojson::GeoJson::FeatureCollection(fc) = parsed else {
        panic!("a FeatureCollection")
    };
    let mut ids = BTreeSet::new();
    for f in &fc.features {
        let Some(geojson::Geometry {
            value: geojson::Value::Point(p),
            ..
        }) = &f.geometry
        else {
            panic!("every feature is a point")
        };
        assert!(
            (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]),
            "lon, lat in range: {p:?}"
        );
        let props = f.properties.as_ref().expect("properties");
        assert!(props.contains_key("classification"));
        ids.insert(
            props["id"]
                .as_str()
                .expect("id")
                .parse::<ReportId>()
                .expect("an id"),
        );
    }
    assert!(
        !fc.features.is_empty(),
        "generated reports have coordinates"
    );
    assert!(ids.is_subset(&listed));
    assert_eq!(ids.len(), fc.features.len());
}

#[test]
fn an_export_never_holds_a_report_above_the_exporters_clearance() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    fill(&mut store, 30);
    let out = dir.path().join("all.csv");
    let refused = outpost(dir.path())
        .args(["export", "--format", "csv", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        !refused.status.success(),
        "an unenrolled device must say at what level it exports"
    );
    assert!(
        stderr(&refused).contains("--clearance"),
        "{}",
        stderr(&refused)
    );

    export(dir.path(), "csv", &["--clearance", "UNCLASSIFIED"], &out);
    let rows = csv_ids_and_levels(&out);
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|(_, l)| l == "UNCLASSIFIED"));
    // Asking for a level above one's clearance through the filter gives nothing above it.
    export(
        dir.path(),
        "csv",
        &[
            "--clearance",
            "CONFIDENTIAL",
            "--classification",
            "STRICTLY CONFIDENTIAL",
        ],
        &out,
    );
    assert!(csv_ids_and_levels(&out).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_device_exports_at_most_at_its_granted_clearance() {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await; // cleared CONFIDENTIAL
    fill(&mut tablet.store, 30);
    let out = tablet.dir.path().join("all.geojson");
    let data = tablet.dir.path().to_path_buf();
    let status = tokio::task::spawn_blocking(move || {
        export(
            &data,
            "csv",
            &["--clearance", "STRICTLY CONFIDENTIAL"],
            &out,
        );
        csv_ids_and_levels(&out)
    })
    .await
    .expect("export");
    assert_eq!(
        status.len(),
        20,
        "unclassified and confidential, not strictly confidential"
    );
    assert!(status.iter().all(|(_, l)| l != "STRICTLY CONFIDENTIAL"));
    hub.stop().await;
}

#[test]
fn a_report_prints_as_html_in_either_language_with_its_classification_on_each_page() {
    use outpost_report::{Lang, Readback};
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    let mut doc = util::template_report("patrol", util::report_id(900), store.device_id());
    let now = SystemClock.now();
    doc.set_classification(Classification::Confidential, now)
        .expect("level");
    doc.set_answer(
        "route",
        &serde_json::json!("Gao <script>alert(1)</script> & Ansongo"),
        now,
    )
    .expect("answer");
    doc.set_step_note("who", "Deux interprètes.", now)
        .expect("note");
    doc.confirm_readback(&Readback {
        by: "Capt. A. Diallo".into(),
        at: now,
        lang: Lang::Fr,
        text: "…".into(),
    })
    .expect("confirmed");
    store.save(&mut doc, now).expect("save");
    let id = doc.id().to_string();

    let fr = run_ok(outpost(dir.path()).args(["--ui-lang", "fr", "report", "print", &id]));
    assert!(fr.starts_with("<!doctype html>") && fr.contains("<html lang=\"fr\">"));
    assert_eq!(
        fr.matches("Classification : CONFIDENTIAL").count(),
        2,
        "header and footer"
    );
    assert!(
        fr.contains("Qui est sorti en patrouille ?"),
        "the form's questions, in French"
    );
    assert!(fr.contains("Relecture confirmée par Capt. A. Diallo"));
    assert!(fr.contains("Deux interprètes."));
    assert!(!fr.contains("<script>"), "answers are text, never markup");
    assert!(fr.contains("&lt;script&gt;"));

    let out = dir.path().join("report-en.html");
    run_ok(
        outpost(dir.path())
            .args(["--ui-lang", "en", "report", "print", &id, "--out"])
            .arg(&out),
    );
    let en = std::fs::read_to_string(&out).expect("written");
    assert!(en.contains("Who went out?") && en.contains("Classification: CONFIDENTIAL"));
}

#[test]
fn a_typed_formula_is_neutralised_in_the_csv_and_re_parses_as_text() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    let form = util::form("patrol");
    let formulas = [
        "=HYPERLINK(\"http://x\",\"open\")",
        "@SUM(A1:A9)",
        "-1+2",
        "+33",
    ];
    for (i, formula) in formulas.iter().enumerate() {
        let mut new = generate::new_report(
            util::report_id(9000 + i as u128),
            store.device_id(),
            Classification::Unclassified,
        );
        new.author = formula.to_string();
        let mut doc = outpost_report::ReportDoc::create(&form, &new, util::T0).expect("create");
        doc.set_answers(&form.template(), util::T0)
            .expect("answers");
        store.save(&mut doc, util::T0).expect("save");
    }
    let out = dir.path().join("formulas.csv");
    export(dir.path(), "csv", &["--clearance", "UNCLASSIFIED"], &out);
    let mut reader = csv::Reader::from_path(&out).expect("the CSV opens");
    let author = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "author")
        .expect("an author column");
    let mut authors: Vec<String> = reader
        .records()
        .map(|r| r.expect("a row")[author].to_string())
        .collect();
    authors.sort();
    let mut expected: Vec<String> = formulas.iter().map(|f| format!("'{f}")).collect();
    expected.sort();
    assert_eq!(
        authors, expected,
        "each typed formula is text to a spreadsheet, and nothing else changed"
    );
}
