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

/// Where a report is, read from its document: its first answered location
/// field, in form order (written here from the rule, not from the code).
fn located(doc: &outpost_report::ReportDoc) -> Option<(f64, f64)> {
    let form = util::form(&doc.form_id());
    let answers = doc.answers();
    form.fields
        .iter()
        .filter(|f| matches!(f.kind, outpost_report::form::FieldKind::Location))
        .find_map(|f| {
            let a = answers.get(&f.id)?.as_object()?;
            Some((a.get("lat")?.as_f64()?, a.get("lon")?.as_f64()?))
        })
}

/// Counting rows and ids could not catch a wrong value: every cell of the
/// CSV is compared with the report it came from, and every GeoJSON point with
/// the report's own coordinates (a swapped latitude and longitude fails), and
/// the points are exactly the located reports.
#[test]
fn every_csv_value_and_every_geojson_point_is_the_reports_own() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), util::T0).expect("store");
    fill(&mut store, 45);
    // Some reports say where only by a place name: no point for them.
    for id in store.report_ids().expect("ids").into_iter().step_by(4) {
        let form = util::form(&store.load(id).expect("loads").form_id());
        store
            .update(id, util::T0, |doc| {
                for f in &form.fields {
                    if matches!(f.kind, outpost_report::form::FieldKind::Location) {
                        doc.set_answer(
                            &f.id,
                            &serde_json::json!({"place": "Ménaka market"}),
                            util::T0,
                        )?;
                    }
                }
                Ok(())
            })
            .expect("update");
    }
    let all = ["--clearance", "STRICTLY CONFIDENTIAL"];
    let csv_path = dir.path().join("all.csv");
    export(dir.path(), "csv", &all, &csv_path);
    let mut reader = csv::Reader::from_path(&csv_path).expect("opens");
    let headers = reader.headers().expect("headers").clone();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("parses");
        let cell = |name: &str| {
            let at = headers.iter().position(|h| h == name).expect("column");
            record[at].to_string()
        };
        let id: ReportId = cell("id").parse().expect("id");
        let mut doc = store.load(id).expect("the row's report");
        let json = doc.to_json();
        let meta = &json["meta"];
        assert_eq!(cell("kind"), doc.form_id(), "{id}");
        assert_eq!(
            cell("classification"),
            meta["classification"].as_str().unwrap_or_default(),
            "{id}"
        );
        assert_eq!(
            cell("status"),
            meta["status"].as_str().unwrap_or_default(),
            "{id}"
        );
        assert_eq!(
            cell("author"),
            meta["author"].as_str().unwrap_or_default(),
            "{id}"
        );
        assert_eq!(
            cell("unit"),
            meta["author_unit"].as_str().unwrap_or_default(),
            "{id}"
        );
        assert_eq!(
            cell("sector"),
            meta["sector"].as_str().unwrap_or_default(),
            "{id}"
        );
        assert_eq!(
            cell("language"),
            meta["language"].as_str().unwrap_or_default(),
            "{id}"
        );
        assert_eq!(cell("photos"), doc.photos().len().to_string(), "{id}");
        assert_eq!(cell("comments"), doc.comments().len().to_string(), "{id}");
        let coords = |name: &str| cell(name).parse::<f64>().ok();
        assert_eq!(
            (coords("lat"), coords("lon")),
            located(&doc).map_or((None, None), |(lat, lon)| (Some(lat), Some(lon))),
            "{id}: the row's coordinates are the report's"
        );
        rows += 1;
    }
    assert_eq!(rows, 45, "every report has its row");

    let geo_path = dir.path().join("all.geojson");
    export(dir.path(), "geojson", &all, &geo_path);
    let text = std::fs::read_to_string(&geo_path).expect("read");
    let geojson::GeoJson::FeatureCollection(fc) = text.parse().expect("GeoJSON") else {
        panic!("a FeatureCollection")
    };
    let mut points = std::collections::BTreeMap::new();
    for f in &fc.features {
        let Some(geojson::Geometry {
            value: geojson::Value::Point(p),
            ..
        }) = &f.geometry
        else {
            panic!("a point")
        };
        let id: ReportId = f.properties.as_ref().expect("properties")["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("an id");
        assert!(points.insert(id, (p[0], p[1])).is_none(), "{id} once");
    }
    let mut expected = std::collections::BTreeMap::new();
    for id in store.report_ids().expect("ids") {
        if let Some((lat, lon)) = located(&store.load(id).expect("loads")) {
            // RFC 7946: longitude first.
            expected.insert(id, (lon, lat));
        }
    }
    assert!(
        !expected.is_empty() && expected.len() < 45,
        "some located, some not"
    );
    assert_eq!(
        points.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the points are exactly the located reports"
    );
    for (id, (lon, lat)) in &expected {
        // serde_json's default float reading may be one unit in the last
        // place off; a swap or a wrong report is off by degrees.
        let (x, y) = points[id];
        assert!(
            (x - lon).abs() < 1e-9 && (y - lat).abs() < 1e-9,
            "{id}: point ({x}, {y}) is the report's (lon {lon}, lat {lat})"
        );
    }
}
