//! Schema migrations: an old database upgrades (after a backup); a newer
//! database is refused by an older build, untouched.

use outpost_report::{Lang, ReportDoc};
use outpost_store::{MIGRATIONS, ReportFilter, Store, StoreError};

use crate::util::{self, T0};

fn user_version(path: &std::path::Path) -> i64 {
    let conn = outpost_store::database_connection(
        &path.join(outpost_store::DATABASE_FILE),
        &crate::util::key(path),
    )
    .expect("raw open");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version")
}

#[test]
fn a_first_schema_database_opens_after_later_migrations() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = &MIGRATIONS[..1];
    let ids: Vec<_> = (0..5).map(util::report_id).collect();
    {
        // What the first schema held: documents only, written as it wrote them.
        let store = Store::open_with_schema(dir.path(), &crate::util::key(dir.path()), first, T0)
            .expect("schema-1 store");
        assert_eq!(store.schema_version().expect("version"), 1);
        drop(store);
        let conn = outpost_store::database_connection(
            &dir.path().join(outpost_store::DATABASE_FILE),
            &crate::util::key(dir.path()),
        )
        .expect("raw");
        for (n, id) in ids.iter().enumerate() {
            let kind = ["patrol", "incident", "qip"][n % 3];
            let mut doc = util::template_report(kind, *id, util::device(1));
            conn.execute(
                "INSERT INTO documents (report_id, bytes, heads, saved_at) VALUES (?1, ?2, '[]', 0)",
                rusqlite::params![id.to_string(), doc.save()],
            )
            .expect("a schema-1 row");
        }
    }

    let store = Store::unlock(dir.path(), &crate::util::pass(), T0)
        .expect("the old database opens with the current schema");
    let migrated = store.migrated().clone();
    assert_eq!(
        (migrated.from, migrated.to),
        (1, MIGRATIONS.len()),
        "it was migrated"
    );
    let backup = migrated.backup.expect("a backup is made before migrating");
    assert!(
        backup.exists(),
        "the backup file exists: {}",
        backup.display()
    );
    let conn = outpost_store::database_connection(&backup, &crate::util::key(dir.path()))
        .expect("the backup is a database");
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(
        v, 1,
        "the backup is the database as it was before migrating"
    );

    let listed: Vec<_> = store
        .list(&ReportFilter::default())
        .expect("list")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        listed.len(),
        ids.len(),
        "every old report is listed after the upgrade"
    );
    for id in &ids {
        assert!(listed.contains(id), "{id} is listed");
        assert!(store.load(*id).is_ok(), "{id} loads");
    }
    assert!(store.doctor().expect("doctor").is_healthy());
}

#[test]
fn an_older_build_refuses_a_newer_database_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("current store");
        let mut doc = util::template_report("patrol", util::report_id(1), store.device_id());
        store.save(&mut doc, T0).expect("save");
    }
    let before = user_version(dir.path());
    let err = Store::open_with_schema(
        dir.path(),
        &crate::util::key(dir.path()),
        &MIGRATIONS[..1],
        T0,
    )
    .expect_err("an older build must refuse");
    assert!(
        matches!(err, StoreError::TooNew { found, supported: 1 } if found == MIGRATIONS.len()),
        "refused as too new: {err:?}"
    );
    let fr = outpost_report::i18n::message(Lang::Fr, err.code(), &err.args());
    assert!(
        fr.contains("plus récente") && fr.contains("Mettez Outpost à jour"),
        "{fr}"
    );
    assert_eq!(
        user_version(dir.path()),
        before,
        "the schema version is unchanged"
    );
    let store = Store::unlock(dir.path(), &crate::util::pass(), T0)
        .expect("the current build still opens it");
    let mut doc: ReportDoc = store
        .load(util::report_id(1))
        .expect("the report is intact");
    assert_eq!(doc.to_json()["form"]["id"], "patrol");
}
