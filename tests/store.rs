//! The local store: saves merge instead of overwrite, lists and search, clearance.

use outpost_report::{Classification, Lang, ReviewStatus};
use outpost_store::{ReportFilter, Store};
use serde_json::json;

use crate::util::{self, T0, at};

#[test]
fn saving_a_stale_copy_never_overwrites_a_newer_stored_change() {
    let mut t = util::TestStore::new();
    let mut doc = util::template_report("patrol", util::report_id(1), t.store.device_id());
    t.store.save(&mut doc, T0).expect("first save");
    // Another copy of the report held elsewhere in the app (a screen left open).
    let mut stale = t.store.load(doc.id()).expect("a second copy");

    t.store
        .update(doc.id(), at(1), |d| {
            Ok(d.set_answer("route", &json!("edited in the store"), at(1))?)
        })
        .expect("an edit through the store");
    stale
        .set_answer("observations", &json!("edited on the stale copy"), at(2))
        .expect("stale edit");
    t.store
        .save(&mut stale, at(2))
        .expect("the stale copy saves");

    let stored = t.store.load(doc.id()).expect("loads");
    assert_eq!(
        stored.answer("route"),
        Some(json!("edited in the store")),
        "the newer change survives"
    );
    assert_eq!(
        stored.answer("observations"),
        Some(json!("edited on the stale copy")),
        "and so does the stale one's"
    );
    assert_eq!(
        stale.answer("route"),
        Some(json!("edited in the store")),
        "the caller's copy now holds the merge"
    );
}

#[test]
fn a_failed_edit_writes_nothing() {
    let mut t = util::TestStore::new();
    let mut doc = util::template_report("qip", util::report_id(1), t.store.device_id());
    t.store.save(&mut doc, T0).expect("save");
    let before = t.store.document_bytes(doc.id()).expect("bytes");
    let result: outpost_store::Result<()> = t.store.update(doc.id(), at(1), |d| {
        d.set_answer("community", &json!("half-written"), at(1))?;
        Err(outpost_store::StoreError::NotFound(util::report_id(99)))
    });
    assert!(result.is_err());
    assert_eq!(
        t.store.document_bytes(doc.id()).expect("bytes"),
        before,
        "the document is untouched"
    );
}

#[test]
fn the_list_filters_by_kind_status_language_and_clearance() {
    let mut t = util::TestStore::new();
    let levels = [
        Classification::Unclassified,
        Classification::Confidential,
        Classification::StrictlyConfidential,
    ];
    for (n, kind) in ["patrol", "incident", "qip", "patrol", "incident", "qip"]
        .into_iter()
        .enumerate()
    {
        let form = util::form(kind);
        let mut new = util::new_report(
            util::report_id(n as u128),
            t.store.device_id(),
            levels[n % 3],
        );
        new.language = if n % 2 == 0 { Lang::Fr } else { Lang::En };
        let mut doc = outpost_report::ReportDoc::create(&form, &new, at(n as i64)).expect("create");
        doc.set_answers(&form.template(), at(n as i64))
            .expect("answers");
        if n == 5 {
            doc.set_status(ReviewStatus::Verified, at(9))
                .expect("status");
        }
        t.store.save(&mut doc, at(n as i64)).expect("save");
    }
    let count = |f: ReportFilter| t.store.count(&f).expect("count");
    assert_eq!(count(ReportFilter::default()), 6);
    assert_eq!(
        count(ReportFilter {
            kind: Some("patrol".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        count(ReportFilter {
            status: Some(ReviewStatus::Verified),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(ReportFilter {
            language: Some(Lang::Fr),
            ..Default::default()
        }),
        3
    );
    for (clearance, visible) in [
        (Classification::Unclassified, 2),
        (Classification::Confidential, 4),
        (Classification::StrictlyConfidential, 6),
    ] {
        let list = t
            .store
            .list(&ReportFilter {
                clearance: Some(clearance),
                ..Default::default()
            })
            .expect("list");
        assert_eq!(
            list.len(),
            visible,
            "a viewer cleared for {clearance} sees {visible} reports"
        );
        assert!(
            list.iter().all(|r| r
                .classification
                .parse::<Classification>()
                .is_ok_and(|c| c <= clearance)),
            "nothing above {clearance} is listed"
        );
    }
    let list = t.store.list(&ReportFilter::default()).expect("list");
    assert!(
        list.windows(2).all(|w| w[0].updated_at >= w[1].updated_at),
        "newest first"
    );
    let page = t
        .store
        .list(&ReportFilter {
            limit: Some(2),
            offset: 2,
            ..Default::default()
        })
        .expect("page");
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        list[2..4].iter().map(|r| r.id).collect::<Vec<_>>()
    );
}

#[test]
fn search_finds_french_and_english_words_with_or_without_accents() {
    let mut t = util::TestStore::new();
    let mut fr = util::template_report("patrol", util::report_id(1), t.store.device_id());
    fr.set_answer(
        "observations",
        &json!("Engin explosif découvert près du puits de Tin-Hama ; situation précaire."),
        T0,
    )
    .expect("fr");
    let mut en = util::template_report("incident", util::report_id(2), t.store.device_id());
    en.set_answer(
        "activity",
        &json!("Armed men on camels stopped the water convoy at Tabankort bridge."),
        T0,
    )
    .expect("en");
    t.store.save(&mut fr, T0).expect("save fr");
    t.store.save(&mut en, T0).expect("save en");

    let find = |q: &str| -> Vec<_> {
        t.store
            .list(&ReportFilter {
                text: Some(q.into()),
                ..Default::default()
            })
            .expect("search")
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(
        find("précaire"),
        [fr.id()],
        "an accented word finds its report"
    );
    assert_eq!(
        find("precaire"),
        [fr.id()],
        "typing without accents finds it too"
    );
    assert_eq!(
        find("PRECAIRE tin-hama"),
        [fr.id()],
        "case-insensitive, all words required"
    );
    assert_eq!(find("Tabank"), [en.id()], "a prefix matches");
    assert_eq!(find("Tabankort"), [en.id()]);
    assert_eq!(
        find("précaire Tabankort"),
        Vec::<outpost_report::ReportId>::new(),
        "no report has both words"
    );
    assert_eq!(
        find("zzqx\" NEAR( -"),
        Vec::<outpost_report::ReportId>::new(),
        "query syntax cannot break the search"
    );
    assert_eq!(
        find("\")( -*").len(),
        2,
        "punctuation alone filters nothing"
    );
}

#[test]
fn a_comment_is_searchable_once_saved() {
    let mut t = util::TestStore::new();
    let mut doc = util::template_report("qip", util::report_id(1), t.store.device_id());
    t.store.save(&mut doc, T0).expect("save");
    t.store
        .update(doc.id(), at(1), |d| {
            Ok(d.add_comment(&outpost_report::document::Comment {
                id: outpost_report::CommentId::from_uuid(uuid::Uuid::from_u128(3)),
                author: "HQ".into(),
                device: "hq".into(),
                at: at(1),
                lang: Lang::En,
                text: "Has UNICEF already assessed this borehole?".into(),
                question: true,
            })?)
        })
        .expect("comment");
    let hits = t
        .store
        .list(&ReportFilter {
            text: Some("borehole unicef".into()),
            ..Default::default()
        })
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].comments, 1);
}

#[test]
fn the_device_keeps_its_identity_and_profile_across_restarts() {
    let dir = tempfile::tempdir().expect("tmp");
    let (id, profile) = {
        let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("open");
        let profile = outpost_store::Profile {
            author: "Sgt. K. Mensah".into(),
            unit: "GHANBATT".into(),
            sector: "West".into(),
        };
        store.set_profile(&profile).expect("profile");
        (store.device_id(), profile)
    };
    let store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("reopen");
    assert_eq!(store.device_id(), id, "one device, one identity");
    assert_eq!(store.profile().expect("profile"), profile);
}

#[test]
fn a_missing_report_is_a_clear_error_in_both_languages() {
    let t = util::TestStore::new();
    let err = t
        .store
        .load(util::report_id(404))
        .expect_err("no such report");
    assert_eq!(err.code(), "store.not_found");
    let en = outpost_report::i18n::message(Lang::En, err.code(), &err.args());
    let fr = outpost_report::i18n::message(Lang::Fr, err.code(), &err.args());
    assert!(
        en.contains(&util::report_id(404).to_string()) && en.starts_with("No report"),
        "{en}"
    );
    assert!(fr.starts_with("Aucun rapport"), "{fr}");
}
