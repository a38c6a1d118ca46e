//! Projections are derived data: rebuilding them from the documents gives the
//! same tables as maintaining them save by save.

use outpost_report::{Classification, ReviewStatus};
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use serde_json::json;

use crate::util::{self, at};

const REPORTS: usize = 3000;

fn dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT report_id, kind, form_version, title, author, author_unit, device, created_at, updated_at,
                    language, classification, classification_rank, status, conflicts, photos, comments,
                    lat, lon, place FROM reports ORDER BY report_id",
        )
        .expect("reports");
    let rows = stmt
        .query_map([], |r| {
            let cols: Vec<String> = (0..19)
                .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).expect("col")))
                .collect();
            Ok(cols.join("|"))
        })
        .expect("rows");
    out.extend(rows.map(|r| r.expect("row")));
    let mut stmt = conn
        .prepare("SELECT * FROM photos ORDER BY photo_id")
        .expect("photos");
    let rows = stmt
        .query_map([], |r| {
            Ok((0..7)
                .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).expect("col")))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .expect("rows");
    out.extend(rows.map(|r| r.expect("row")));
    // The full-text index, as seen through searches for every vocabulary word.
    for word in [
        "patrouille",
        "securite",
        "village",
        "water",
        "pump",
        "Menaka",
        "Tessalit",
        "convoy",
        "eleves",
        "herders",
    ] {
        let mut stmt = conn
            .prepare(
                "SELECT r.report_id FROM reports r JOIN reports_fts f ON f.rowid = r.rowid
                 WHERE reports_fts MATCH ?1 ORDER BY r.report_id",
            )
            .expect("fts");
        let ids: Vec<String> = stmt
            .query_map([format!("\"{word}\"*")], |r| r.get(0))
            .expect("q")
            .map(|r| r.expect("id"))
            .collect();
        out.push(format!("{word}: {}", ids.join(",")));
    }
    out
}

#[test]
fn rebuild_equals_the_incremental_projection() {
    let mut t = util::TestStore::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let kinds = ["patrol", "incident", "qip"];
    let levels = Classification::ALL;
    let photo =
        outpost_media::process(&util::jpeg(200, 150, 3), &Default::default()).expect("photo");
    for n in 0..REPORTS {
        let kind = kinds[n % 3];
        let form = util::form(kind);
        let mut new = util::new_report(
            util::report_id(n as u128),
            t.store.device_id(),
            levels[n % 3],
        );
        new.status = ReviewStatus::ALL[n % ReviewStatus::ALL.len()];
        let mut doc = util::generate::report(&form, &new, &mut rng, at(n as i64));
        t.store.save(&mut doc, at(n as i64)).expect("save");
        // Later edits go through the incremental path too.
        if rng.random_bool(0.1) {
            t.store
                .update(doc.id(), at(n as i64 + 1), |d| {
                    Ok(d.set_answer(
                        "narrative",
                        &json!("mise à jour: convoy village"),
                        at(n as i64 + 1),
                    )?)
                })
                .expect("edit");
        }
        if n % 500 == 0 {
            t.store
                .add_photo(
                    doc.id(),
                    &photo,
                    Some("photos"),
                    false,
                    outpost_report::PhotoId::from_uuid(uuid::Uuid::from_u128(n as u128)),
                    at(n as i64),
                )
                .expect("photo");
        }
    }
    let conn = outpost_store::database_connection(
        &t.path().join(outpost_store::DATABASE_FILE),
        &crate::util::key(t.path()),
    )
    .expect("raw");
    let incremental = dump(&conn);
    assert!(
        incremental.len() > REPORTS,
        "the dump covers reports, photos and searches"
    );
    let rebuilt = t.store.rebuild_projections().expect("rebuild");
    assert_eq!(rebuilt, REPORTS);
    let after = dump(&conn);
    assert_eq!(
        after.len(),
        incremental.len(),
        "same number of rows after a rebuild"
    );
    for (a, b) in incremental.iter().zip(&after) {
        assert_eq!(a, b, "a rebuilt row equals its incremental row");
    }
    assert!(t.store.doctor().expect("doctor").is_healthy());
}
