//! Declassification without its past: headquarters releases a report at a
//! lower level as a new document whose history holds only what the report
//! says now; the original, with its history, stays at its level and never
//! reaches the devices the copy is for.

use outpost_report::document::DECLASSIFIED_FROM;
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, ReportId};
use outpost_sync::Role;
use serde_json::json;

use crate::sync::file_report;
use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0};

/// Every string any change of the stored document ever put, read from its
/// changes one by one with automerge itself (not with the report code).
fn history_text(store: &outpost_store::Store, id: ReportId) -> String {
    let bytes = store.document_bytes(id).expect("stored");
    let mut doc = automerge::AutoCommit::load(&bytes).expect("an automerge document");
    doc.get_changes(&[])
        .iter()
        .map(|change| format!("{:?}", change.decode()))
        .collect::<Vec<_>>()
        .join("\n")
}

const SECRET: &str = "informant KESTREL-ORCHID at the well";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declassified_copy_carries_the_current_text_and_none_of_its_past() {
    let hub = TestHub::start().await;
    let mut author = Device::join(
        &hub,
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::StrictlyConfidential,
    )
    .await;
    let mut low = Device::join(
        &hub,
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::Unclassified,
    )
    .await;
    let mut hq = Device::join(
        &hub,
        "JOC",
        "HQ",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await;

    // Filed with a source's name, then the name taken out: the name stays in
    // the report's history.
    let id = file_report(
        &mut author.store,
        "incident",
        Classification::StrictlyConfidential,
    );
    let now = SystemClock.now();
    author
        .store
        .update(id, now, |d| {
            Ok(d.set_answer("location_details", &json!(SECRET), now)?)
        })
        .expect("the name");
    author
        .store
        .update(id, now, |d| {
            Ok(d.set_answer("location_details", &json!("source protected"), now)?)
        })
        .expect("the name taken out");
    author.sync().await;
    hq.sync().await;
    assert!(
        history_text(&hq.store, id).contains("KESTREL-ORCHID"),
        "the oracle sees the name in the original's history"
    );

    // Not lower: refused, nothing made.
    let before = hq.store.report_ids().expect("ids").len();
    let err =
        outpost_review::declassify(&mut hq.store, id, Classification::StrictlyConfidential, now)
            .expect_err("not lower");
    assert_eq!(err.code(), "review.not_lower");
    assert_eq!(hq.store.report_ids().expect("ids").len(), before);

    let copy = outpost_review::declassify(&mut hq.store, id, Classification::Unclassified, now)
        .expect("released");
    hq.sync().await;
    low.sync().await;

    let ids = low.store.report_ids().expect("ids");
    assert!(
        ids.contains(&copy),
        "the copy reaches the unit's uncleared device"
    );
    assert!(!ids.contains(&id), "the original does not");
    let got = low.store.load(copy).expect("the copy");
    assert_eq!(got.meta().classification, Classification::Unclassified);
    assert_eq!(
        got.answer("location_details"),
        Some(json!("source protected"))
    );
    assert!(
        got.links()
            .iter()
            .any(|l| l.report == id && l.relation == DECLASSIFIED_FROM),
        "linked to the original"
    );
    let past = history_text(&low.store, copy);
    assert!(
        !past.contains("KESTREL-ORCHID"),
        "no earlier value in the copy's history"
    );
    assert!(
        past.contains("source protected"),
        "the oracle reads this history"
    );

    // The original keeps its level and its history, at the hub and at HQ.
    let at_hub = hub.store().load(id).expect("the original at the hub");
    assert_eq!(
        at_hub.meta().classification,
        Classification::StrictlyConfidential
    );
    assert!(history_text(&hub.store(), id).contains("KESTREL-ORCHID"));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_device_cannot_declassify() {
    let hub = TestHub::start().await;
    let code = hub.code(
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::StrictlyConfidential,
    );
    let dir = tempfile::tempdir().expect("dir");
    let (data, url, ca) = (dir.path().to_path_buf(), hub.url.clone(), hub.ca_file());
    let out = tokio::task::spawn_blocking(move || {
        util::run_ok(
            util::outpost(&data)
                .args(["enrol", "--hub", &url, "--code", &code, "--ca-cert"])
                .arg(&ca),
        );
        let id = {
            let mut store =
                outpost_store::Store::unlock(&data, &util::pass(), T0).expect("the store");
            file_report(&mut store, "incident", Classification::Confidential)
        };
        util::outpost(&data)
            .args([
                "report",
                "declassify",
                &id.to_string(),
                "--to",
                "UNCLASSIFIED",
            ])
            .output()
            .expect("runs")
    })
    .await
    .expect("joined");
    assert_eq!(out.status.code(), Some(2), "{}", util::stderr(&out));
    assert!(
        util::stderr(&out).contains("[policy.hq_only]"),
        "{}",
        util::stderr(&out)
    );
    hub.stop().await;
}
