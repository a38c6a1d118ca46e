//! The report document: concurrent edits merge without losing anything, and
//! conflicts stay visible until a person resolves them.

use outpost_report::document::{Comment, Link};
use outpost_report::{Classification, CommentId, DocumentError, Lang, ReportDoc, ReviewStatus};
use serde_json::json;

use crate::util::{self, at};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/report-schema1-patrol.automerge"
);

/// Two tablets' copies of one report: the author's and a second device's.
fn two_copies() -> (ReportDoc, ReportDoc) {
    let mut a = util::template_report("patrol", util::report_id(1), util::device(1));
    let b = a.fork_as(util::device(2));
    (a, b)
}

#[test]
fn concurrent_edits_of_one_field_both_survive_as_a_conflict() {
    let (mut a, mut b) = two_copies();
    a.set_answer("route", &json!("Gao – Ansongo, then Bara"), at(1))
        .expect("edit on A");
    b.set_answer("route", &json!("Gao – Ansongo by the river track"), at(2))
        .expect("edit on B");

    let mut merged_ab = a.clone();
    merged_ab.merge(&mut b.clone()).expect("B merges into A");
    let mut merged_ba = b.clone();
    merged_ba.merge(&mut a.clone()).expect("A merges into B");

    let conflicts = merged_ab.conflicts();
    assert_eq!(
        conflicts.len(),
        1,
        "exactly the edited field is in conflict: {conflicts:#?}"
    );
    assert_eq!(conflicts[0].path, "answers.route");
    let mut values: Vec<_> = conflicts[0]
        .values
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    values.sort();
    assert_eq!(
        values,
        [
            "Gao – Ansongo by the river track",
            "Gao – Ansongo, then Bara"
        ],
        "both values are kept"
    );
    assert_eq!(
        merged_ab.heads(),
        merged_ba.heads(),
        "merge order does not matter"
    );
    assert_eq!(
        merged_ab.to_json(),
        merged_ba.to_json(),
        "both sides show the same report"
    );

    // A person picks one: the conflict is gone on every copy that merges the choice.
    merged_ab
        .set_answer("route", &json!("Gao – Ansongo by the river track"), at(3))
        .expect("resolve");
    assert!(
        merged_ab.conflicts().is_empty(),
        "choosing a value resolves the conflict"
    );
    merged_ba
        .merge(&mut merged_ab)
        .expect("the resolution merges back");
    assert!(
        merged_ba.conflicts().is_empty(),
        "the resolution travels with the document"
    );
    assert_eq!(
        merged_ba.answer("route"),
        Some(json!("Gao – Ansongo by the river track"))
    );
}

#[test]
fn composite_answers_conflict_whole_not_field_by_field() {
    let (mut a, mut b) = two_copies();
    a.set_answer(
        "start_location",
        &json!({"lat": 16.27, "lon": -0.04, "place": "Gao"}),
        at(1),
    )
    .expect("A");
    b.set_answer(
        "start_location",
        &json!({"lat": 15.66, "lon": 0.50, "place": "Ansongo"}),
        at(1),
    )
    .expect("B");
    a.merge(&mut b).expect("merge");
    let conflicts = a.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].values.len(),
        2,
        "two whole locations, never a mix of both"
    );
    for v in &conflicts[0].values {
        let place = v["place"].as_str().unwrap_or_default();
        let lat = v["lat"].as_f64().unwrap_or_default();
        assert!(
            (place == "Gao" && lat == 16.27) || (place == "Ansongo" && lat == 15.66),
            "each value is one device's whole location: {v}"
        );
    }
}

#[test]
fn edits_of_different_fields_merge_without_conflict() {
    let (mut a, mut b) = two_copies();
    a.set_answer("route", &json!("New route"), at(1))
        .expect("A");
    b.set_answer("observations", &json!("Nouvelles observations"), at(1))
        .expect("B");
    b.set_status(ReviewStatus::UnderReview, at(2))
        .expect("B status");
    a.merge(&mut b).expect("merge");
    assert!(a.conflicts().is_empty(), "{:#?}", a.conflicts());
    assert_eq!(a.answer("route"), Some(json!("New route")));
    assert_eq!(
        a.answer("observations"),
        Some(json!("Nouvelles observations"))
    );
    assert_eq!(a.meta().status, ReviewStatus::UnderReview);
    assert_eq!(
        a.meta().updated_at,
        at(2),
        "the latest edit time wins, without a conflict"
    );
}

#[test]
fn a_classification_conflict_keeps_the_report_at_the_higher_level() {
    let (mut a, mut b) = two_copies();
    a.set_classification(Classification::Confidential, at(1))
        .expect("A");
    b.set_classification(Classification::StrictlyConfidential, at(1))
        .expect("B");
    b.merge(&mut a).expect("merge");
    assert!(
        b.conflicts()
            .iter()
            .any(|c| c.path == "meta.classification"),
        "the conflict is visible"
    );
    assert_eq!(
        b.meta().classification,
        Classification::StrictlyConfidential,
        "never shown too widely meanwhile"
    );
}

#[test]
fn comments_from_both_sides_survive_and_a_retried_comment_is_one() {
    let (mut a, mut b) = two_copies();
    let hq = Comment {
        id: CommentId::from_uuid(uuid::Uuid::from_u128(10)),
        author: "HQ JMAC analyst".into(),
        device: util::device(9).to_string(),
        at: at(5),
        lang: Lang::En,
        text: "How many vehicles did the armed men have?".into(),
        question: false,
    };
    let reply = Comment {
        id: CommentId::from_uuid(uuid::Uuid::from_u128(11)),
        text: "Trois pick-up.".into(),
        question: false,
        lang: Lang::Fr,
        ..hq.clone()
    };
    a.add_comment(&hq).expect("comment on A");
    b.add_comment(&reply).expect("comment on B");
    // The same comment delivered twice (a retried sync) must not duplicate.
    b.add_comment(&hq).expect("the same comment again on B");
    a.merge(&mut b).expect("merge");
    let texts: Vec<_> = a.comments().into_iter().map(|c| c.text).collect();
    assert_eq!(
        texts.len(),
        2,
        "two distinct comments, no duplicate: {texts:?}"
    );
    a.add_link(
        &Link {
            report: util::report_id(7),
            relation: "same_incident".into(),
        },
        at(6),
    )
    .expect("link");
    assert_eq!(a.links().len(), 1);
}

#[test]
fn history_names_each_device_that_changed_the_report() {
    let (mut a, mut b) = two_copies();
    b.set_answer("route", &json!("changed on B"), at(3))
        .expect("B");
    a.merge(&mut b).expect("merge");
    let history = a.history();
    let devices: std::collections::BTreeSet<_> = history.iter().map(|h| h.device.clone()).collect();
    assert!(
        devices.contains(&util::device(1).to_string())
            && devices.contains(&util::device(2).to_string()),
        "{history:#?}"
    );
    assert!(
        history.iter().any(|h| h.message == "answer route"),
        "{history:#?}"
    );
}

#[test]
fn merging_another_report_is_refused() {
    let mut a = util::template_report("patrol", util::report_id(1), util::device(1));
    let mut other = util::template_report("patrol", util::report_id(2), util::device(1));
    assert!(matches!(
        a.merge(&mut other),
        Err(DocumentError::DifferentReports { .. })
    ));
}

#[test]
fn garbage_and_foreign_documents_are_refused_with_a_reason() {
    assert_eq!(
        ReportDoc::load(b"not automerge at all")
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("document.corrupt")
    );
    let mut foreign = automerge::AutoCommit::new();
    let bytes = foreign.save();
    assert!(matches!(
        ReportDoc::load(&bytes),
        Err(DocumentError::NotAReport { .. })
    ));

    use automerge::transaction::Transactable;
    let mut a = util::template_report("patrol", util::report_id(1), util::device(1));
    let mut raw = automerge::AutoCommit::load(&a.save()).expect("loads raw");
    raw.put(automerge::ROOT, "schema", 99_i64)
        .expect("bump schema");
    match ReportDoc::load(&raw.save()) {
        Err(e @ DocumentError::NewerSchema { found: 99, .. }) => {
            let fr = outpost_report::i18n::message(Lang::Fr, e.code(), &e.args());
            assert!(
                fr.contains("plus récente"),
                "the French message says the document is newer: {fr}"
            );
        }
        other => panic!("a newer document schema must be refused, got {other:?}"),
    }
}

/// What the schema-1 document fixture was written from (by the release of
/// that schema; it is never rewritten): every later version proves it still
/// reads what the field already holds.
fn fixture_doc() -> ReportDoc {
    // The fixture was made with the first version of the patrol form.
    let form = util::catalog().version("patrol", 1).expect("held").clone();
    assert_eq!(form.version, 1);
    let mut doc = ReportDoc::create(
        &form,
        &util::generate::new_report(
            util::report_id(42),
            util::device(1),
            outpost_report::Classification::Unclassified,
        ),
        util::T0,
    )
    .expect("created");
    doc.set_answers(&form.template(), util::T0)
        .expect("answers");
    doc.set_status(ReviewStatus::NeedsInformation, at(10))
        .expect("status");
    doc.add_comment(&Comment {
        id: CommentId::from_uuid(uuid::Uuid::from_u128(1)),
        author: "HQ".into(),
        device: util::device(9).to_string(),
        at: at(11),
        lang: Lang::Fr,
        text: "Précisez l'itinéraire.".into(),
        question: false,
    })
    .expect("comment");
    doc
}

#[test]
fn released_schema_1_documents_still_load() {
    let bytes = std::fs::read(FIXTURE).expect("the schema-1 fixture is in the repository");
    let mut doc = ReportDoc::load(&bytes).expect("a schema-1 document loads");
    assert_eq!(doc.id(), util::report_id(42));
    assert_eq!(doc.meta().status, ReviewStatus::NeedsInformation);
    assert_eq!(doc.comments()[0].text, "Précisez l'itinéraire.");
    assert_eq!(
        doc.to_json()["answers"],
        fixture_doc().to_json()["answers"],
        "answers read back unchanged"
    );
}

/// Found by fuzzing the document reader: 43 bytes on which automerge's
/// decoder panics (an unwrap in its run-length decoder), and 47 on which it
/// allocates over 2 GiB, both as a "bundle" chunk no peer of ours sends. A
/// hub or device reading them from a peer refuses them, at once.
#[test]
fn bytes_that_make_the_automerge_decoder_panic_or_blow_up_are_refused_as_corrupt() {
    for name in ["document-decoder-panic.bin", "document-bundle-oom.bin"] {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/fuzz")
                .join(name),
        )
        .expect("the input is in the repository");
        let err = ReportDoc::load(&bytes).expect_err("not a document");
        assert_eq!(err.code(), "document.corrupt", "{name}");
        let (mut a, _) = two_copies();
        let before = a.heads();
        let err = a.apply_changes(&bytes).expect_err("not changes");
        assert_eq!(err.code(), "document.corrupt", "{name}");
        assert_eq!(a.heads(), before, "{name}: the document is untouched");
    }
    // Real documents and changes, one chunk or several, still load.
    let (mut a, mut b) = two_copies();
    let base = a.head_hashes();
    a.set_answer("route", &json!("Gao – Ansongo"), at(1))
        .expect("edit");
    a.set_answer("route", &json!("Gao – Ansongo – Bara"), at(2))
        .expect("edit");
    b.apply_changes(&a.changes_since(&base))
        .expect("changes apply");
    let mut whole = a.save();
    whole.extend(a.changes_since(&base));
    ReportDoc::load(&whole).expect("a document followed by changes loads");
}
