//! Projections are derived data: rebuilding them from the documents gives the
//! same tables as maintaining them save by save.

use outpost_report::{Classification, ReviewStatus};
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use serde_json::json;

use crate::util::{self, at};

const REPORTS: usize = 3000;

/// Every projection table whole: every column but the row number, every row,
/// in a stable order; then the search index as searches see it.
fn dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["reports", "photos", "report_shares", "voice_notes"] {
        let columns: Vec<String> = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .expect("table info")
            .query_map([], |r| r.get::<_, String>(1))
            .expect("columns")
            .map(|c| c.expect("column"))
            .filter(|c| c != "rowid")
            .collect();
        assert!(columns.len() >= 2, "{table} has columns");
        let list = columns.join(", ");
        let mut stmt = conn
            .prepare(&format!("SELECT {list} FROM {table} ORDER BY {list}"))
            .expect("select");
        let rows = stmt
            .query_map([], |r| {
                let cols: Vec<String> = (0..columns.len())
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).expect("col")))
                    .collect();
                Ok(format!("{table}: {}", cols.join("|")))
            })
            .expect("rows");
        out.extend(rows.map(|r| r.expect("row")));
    }
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
        // What the list and its filters also read: comments, shares, voice
        // notes, conflicts and QIP stages.
        if n % 7 == 0 {
            crate::sync::comment(&mut t.store, doc.id(), "J3 Ops", "Précisez l'itinéraire.");
        }
        if n % 11 == 0 {
            t.store
                .update(doc.id(), at(n as i64 + 2), |d| {
                    d.share_with(
                        ["BATGAO-2", "sector:North"][n % 2],
                        "J3 Ops",
                        at(n as i64 + 2),
                    )?;
                    Ok(())
                })
                .expect("share");
        }
        if kind == "qip" && n % 5 == 0 {
            t.store
                .update(doc.id(), at(n as i64 + 3), |d| {
                    Ok(d.enter_stage(&outpost_report::pipeline::StageEntry {
                        stage: outpost_report::pipeline::QipStage::Approved,
                        at: at(n as i64 + 3),
                        by: "J5".into(),
                    })?)
                })
                .expect("stage");
        }
        if n % 13 == 0 {
            // Two devices change one answer at once: a conflict.
            let mut theirs = t
                .store
                .load(doc.id())
                .expect("loads")
                .fork_as(util::device(9));
            theirs
                .set_answer(
                    "narrative",
                    &json!("autre version: convoy"),
                    at(n as i64 + 4),
                )
                .expect("edit");
            t.store
                .update(doc.id(), at(n as i64 + 4), |d| {
                    Ok(d.set_answer(
                        "narrative",
                        &json!("notre version: village"),
                        at(n as i64 + 4),
                    )?)
                })
                .expect("edit");
            t.store.save(&mut theirs, at(n as i64 + 5)).expect("merge");
        }
        if n % 250 == 0 {
            t.store
                .add_voice_note(
                    doc.id(),
                    &crate::debrief::wav(1),
                    Some("observations"),
                    Some("voice_notes"),
                    outpost_report::VoiceNoteId::from_uuid(uuid::Uuid::from_u128(n as u128)),
                    at(n as i64),
                )
                .expect("voice note");
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
    for (table, what) in [
        ("reports: ", "reports"),
        ("photos: ", "photos"),
        ("report_shares: ", "shares"),
        ("voice_notes: ", "voice notes"),
    ] {
        assert!(
            incremental.iter().any(|r| r.starts_with(table)),
            "the data has {what}"
        );
    }
    let conflicted: i64 = conn
        .query_row(
            "SELECT count(*) FROM reports WHERE conflicts > 0",
            [],
            |r| r.get(0),
        )
        .expect("count");
    let commented: i64 = conn
        .query_row("SELECT count(*) FROM reports WHERE comments > 0", [], |r| {
            r.get(0)
        })
        .expect("count");
    let staged: i64 = conn
        .query_row(
            "SELECT count(*) FROM reports WHERE pipeline_stage IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(
        conflicted > 0 && commented > 0 && staged > 0,
        "conflicts {conflicted}, comments {commented}, stages {staged}"
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
