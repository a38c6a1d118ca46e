//! Sync against real hubs over real HTTP on loopback, with real stores.

use std::collections::BTreeSet;

use outpost_report::document::Comment;
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, CommentId, Lang, PhotoId, ReportDoc, ReportId, ReviewStatus};
use outpost_store::Store;
use outpost_sync::{LinkBudget, Role};
use outpost_testlink::{Direction, Link, LinkProfile};
use serde_json::json;

use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0};

/// Files a complete report of `kind` on `store` as its own unit.
pub fn file_report(store: &mut Store, kind: &str, classification: Classification) -> ReportId {
    let form = util::form(kind);
    let profile = store.profile().expect("profile");
    let new = outpost_report::NewReport {
        id: ReportId::from_uuid(uuid::Uuid::new_v4()),
        author: "Lt. A. Traoré".into(),
        author_unit: profile.unit,
        sector: profile.sector,
        device: store.device_id(),
        language: Lang::Fr,
        classification,
        status: ReviewStatus::Submitted,
    };
    let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
    doc.set_answers(&form.template(), T0).expect("answers");
    store.save(&mut doc, T0).expect("save");
    doc.id()
}

/// Attaches a photo to a report's photos field.
pub fn attach(store: &mut Store, id: ReportId, photo: &outpost_media::ProcessedPhoto) {
    store
        .add_photo(
            id,
            photo,
            Some("photos"),
            false,
            PhotoId::from_uuid(uuid::Uuid::new_v4()),
            T0,
        )
        .expect("the photo is attached");
}

pub fn comment(store: &mut Store, id: ReportId, author: &str, text: &str) {
    comment_as(store, id, author, text, false);
}

/// A comment by `author`, a question to the report's author if `question`.
pub fn comment_as(store: &mut Store, id: ReportId, author: &str, text: &str, question: bool) {
    let now = SystemClock.now();
    let c = Comment {
        id: CommentId::from_uuid(uuid::Uuid::new_v4()),
        author: author.into(),
        device: store.device_id().to_string(),
        at: now,
        lang: Lang::En,
        text: text.into(),
        question,
    };
    store
        .update(id, now, |d| Ok(d.add_comment(&c)?))
        .expect("comment saved");
}

/// A photo whose variants are `original` random bytes and small thumbnails:
/// incompressible, so byte counts on the link are honest.
pub fn raw_photo(original_len: usize, seed: u8) -> outpost_media::ProcessedPhoto {
    let variant = |kind, len: usize, salt: u8| {
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed ^ salt)
            .collect();
        outpost_media::Variant {
            kind,
            sha256: outpost_media::sha256_hex(&bytes),
            bytes,
            width: 100,
            height: 75,
            media_type: "image/jpeg",
        }
    };
    outpost_media::ProcessedPhoto {
        original: variant(outpost_media::VariantKind::Original, original_len, 1),
        preview: variant(
            outpost_media::VariantKind::Preview,
            original_len / 10 + 1,
            2,
        ),
        thumbnail: variant(outpost_media::VariantKind::Thumbnail, 9_000, 3),
        facts: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_and_hq_converge_and_keep_the_conflict_visible() {
    let hub = TestHub::start().await;
    let mut a = Device::tablet(&hub).await;
    let mut b = Device::tablet(&hub).await;
    let mut hq = Device::join(
        &hub,
        "JMAC",
        "",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await;

    let id = file_report(&mut a.store, "patrol", Classification::Confidential);
    a.sync().await;
    assert_eq!(
        b.sync().await.documents.docs_down,
        1,
        "B receives A's report"
    );
    assert_eq!(hq.sync().await.documents.docs_down, 1, "HQ receives it");

    // Concurrent edits: the same field on both tablets, review at HQ.
    let now = SystemClock.now();
    a.store
        .update(id, now, |d| {
            Ok(d.set_answer("route", &json!("Gao – Ansongo via Bara"), now)?)
        })
        .expect("A edits");
    b.store
        .update(id, now, |d| {
            Ok(d.set_answer("route", &json!("Gao – Ansongo by the river"), now)?)
        })
        .expect("B edits");
    comment(
        &mut hq.store,
        id,
        "JMAC analyst",
        "Which armed group was on the ridge?",
    );
    hq.store
        .update(id, now, |d| {
            Ok(d.set_status(ReviewStatus::UnderReview, now)?)
        })
        .expect("HQ review");

    for _ in 0..2 {
        a.sync().await;
        b.sync().await;
        hq.sync().await;
    }
    let mut docs: Vec<ReportDoc> = [&a, &b, &hq]
        .iter()
        .map(|d| d.store.load(id).expect("held everywhere"))
        .collect();
    let heads: BTreeSet<_> = docs.iter_mut().map(|d| d.heads()).collect();
    assert_eq!(heads.len(), 1, "all three converge to identical heads");
    let mut hub_doc = hub.store().load(id).expect("the hub holds it");
    assert_eq!(
        Some(&hub_doc.heads()),
        heads.iter().next(),
        "and so does the hub"
    );
    for doc in &docs {
        let conflict = doc
            .conflicts()
            .into_iter()
            .find(|c| c.path == "answers.route")
            .expect("the conflict is visible");
        assert_eq!(conflict.values.len(), 2, "both routes are kept");
        assert_eq!(
            doc.meta().status,
            ReviewStatus::UnderReview,
            "HQ's review reached every copy"
        );
        assert_eq!(
            doc.comments().len(),
            1,
            "HQ's question reached every copy, once"
        );
    }
    let nothing = a.sync().await;
    assert_eq!(
        (nothing.documents.docs_up, nothing.documents.docs_down),
        (0, 0),
        "converged: nothing moves"
    );
    assert_eq!(nothing.documents.round_trips, 1);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_nothing_changed_costs_one_round_trip_and_few_bytes() {
    // The protocol's own bytes: over plain HTTP (asked for in so many words),
    // so that what TLS adds, measured by the sync benchmark, is not counted.
    let hub = TestHub::start_with(tempfile::tempdir().expect("dir"), |s| s.tls = None).await;
    let link = Link::start(hub.addr, LinkProfile::loopback(), 1)
        .await
        .expect("link");
    let mut tablet = Device::tablet(&hub).await;
    tablet.via(&link.url());
    let form = util::form("incident");
    let mut rng = rand::rng();
    let mut docs: Vec<ReportDoc> = (0..1000)
        .map(|_| {
            let new = util::new_report(
                ReportId::from_uuid(uuid::Uuid::new_v4()),
                tablet.store.device_id(),
                Classification::Unclassified,
            );
            util::generate::report(&form, &new, &mut rng, T0)
        })
        .collect();
    tablet.store.save_all(&mut docs, T0).expect("1000 reports");
    let first = tablet.sync().await;
    assert_eq!(first.documents.docs_up, 1000);
    link.reset_stats();
    let again = tablet.sync().await;
    let stats = link.stats();
    let wire = stats.bytes_up + stats.bytes_down;
    eprintln!(
        "reconnect with nothing changed over 1000 documents: {wire} B on the wire, {} round trip(s)",
        again.documents.round_trips
    );
    assert_eq!(again.documents.round_trips, 1, "one round trip");
    assert!(
        wire <= 2048,
        "at most 2 KB on the wire, headers included; was {wire}"
    );

    // One field edit costs well under 1 KB.
    let id = docs[500].id();
    let now = SystemClock.now();
    tablet
        .store
        .update(id, now, |d| {
            Ok(d.set_answer("un_unit_involved", &json!("BATGAO-1, 2nd platoon"), now)?)
        })
        .expect("edit");
    link.reset_stats();
    let edit = tablet.sync().await;
    let stats = link.stats();
    eprintln!(
        "one field edit: {} B up, {} B down",
        stats.bytes_up, stats.bytes_down
    );
    assert_eq!(edit.documents.docs_up, 1);
    assert!(
        stats.bytes_up + stats.bytes_down < 1024,
        "one field edit under 1 KB: {stats:?}"
    );
    link.shutdown().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_blob_upload_resumes_where_it_stopped() {
    let hub = TestHub::start().await;
    let link = Link::start(hub.addr, LinkProfile::loopback(), 2)
        .await
        .expect("link");
    let mut tablet = Device::tablet(&hub).await;
    tablet.via(&link.url());
    let id = file_report(&mut tablet.store, "qip", Classification::Unclassified);
    let photo = raw_photo(5_000_000, 7);
    attach(&mut tablet.store, id, &photo);
    tablet
        .try_sync(&LinkBudget::documents_only())
        .await
        .expect("documents first");

    // A dropped link: each end keeps what reached it (a reset would also
    // throw away what sat unread in the hub's socket buffer).
    link.set_graceful_cuts(true);
    link.reset_stats();
    link.cut_after(Direction::Up, 2_500_000);
    let report = tablet.sync().await;
    let up = link.stats().bytes_up;
    let payload: u64 = photo.variants().iter().map(|v| v.bytes.len() as u64).sum();
    eprintln!("blob upload cut at 2.5 MB: {up} B up for {payload} B of photo");
    assert_eq!(report.blobs_up, 3, "all three variants arrive");
    assert!(
        up < payload + 64 * 1024 + 16 * 1024,
        "at most one piece re-sent: {up} B up for {payload} B"
    );
    let hub_store = hub.store();
    for v in photo.variants() {
        assert_eq!(
            hub_store
                .read_blob(&v.sha256)
                .expect("hash-verified at the hub"),
            v.bytes
        );
    }

    // And down: a second device fetching the original through a cut link.
    let mut hq = Device::join(
        &hub,
        "JMAC",
        "",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await;
    hq.via(&link.url());
    link.reset_stats();
    link.cut_after(Direction::Down, 3_000_000);
    let down = hq.sync().await;
    let got = link.stats().bytes_down;
    assert_eq!(down.blobs_down, 3);
    assert!(
        got < payload + 64 * 1024 + 64 * 1024,
        "the download resumed, not restarted: {got} B"
    );
    assert_eq!(
        hq.store
            .read_blob(&photo.original.sha256)
            .expect("verified"),
        photo.original.bytes
    );
    link.shutdown().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_satellite_budget_sends_thumbnails_and_says_what_waits() {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await;
    let id = file_report(&mut tablet.store, "patrol", Classification::Unclassified);
    for n in 0..3u8 {
        attach(&mut tablet.store, id, &raw_photo(300_000, n));
    }
    let report = tablet
        .try_sync(&LinkBudget::satellite())
        .await
        .expect("sync");
    assert_eq!(report.blobs_up, 3, "the three thumbnails go");
    assert_eq!(
        (report.waiting.previews_up, report.waiting.originals_up),
        (3, 3),
        "previews and originals wait"
    );
    assert!(
        report
            .waiting
            .reasons
            .iter()
            .any(|r| r.contains("excludes previews")),
        "{:?}",
        report.waiting.reasons
    );
    let delivery = tablet.store.delivery(id).expect("delivery");
    assert_eq!(delivery.len(), 1);
    assert!(delivery[0].at_hub, "the report itself is at the hub");
    assert_eq!(
        (delivery[0].photo_files, delivery[0].photo_files_waiting),
        (9, 6),
        "3 photos x 3 files, 6 still waiting"
    );
    // The hub waits for six files: waiting, not damage. The doctor once
    // called this "PROBLEMS FOUND" and exited 1.
    let out = crate::util::outpost(hub.dir.path())
        .arg("doctor")
        .output()
        .expect("doctor runs");
    let said = crate::util::stdout(&out);
    assert!(out.status.success(), "{said}{}", crate::util::stderr(&out));
    assert!(
        said.contains("waiting:    6 photo files not received yet") && said.contains("healthy"),
        "{said}"
    );
    let wifi = tablet.sync().await;
    assert_eq!(wifi.blobs_up, 6, "on Wi-Fi the rest follows");
    assert_eq!(wifi.waiting.previews_up + wifi.waiting.originals_up, 0);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_travels_tablet_to_camp_to_hq_and_back() {
    let hq_hub = TestHub::start().await;
    let camp = TestHub::start().await;
    // The camp hub enrols with HQ like any device, as a hub.
    let (_, camp_settings) = camp.relay_below(&hq_hub).await;
    let mut tablet = Device::join(
        &camp,
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::Confidential,
    )
    .await;
    let mut analyst = Device::join(
        &hq_hub,
        "JMAC",
        "",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await;

    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    attach(&mut tablet.store, id, &raw_photo(50_000, 1));
    tablet.sync().await;
    let up = outpost_hub::upstream::sync_once(&camp_settings, &hq_hub.url)
        .await
        .expect("camp syncs up");
    assert_eq!(up.documents.docs_up, 1, "the camp carries the report to HQ");
    assert_eq!(up.blobs_up, 3, "and its photo");

    let got = analyst.sync().await;
    assert_eq!(got.documents.docs_down, 1, "HQ sees the report");
    comment(
        &mut analyst.store,
        id,
        "JMAC analyst",
        "Please confirm the number of vehicles.",
    );
    let now = SystemClock.now();
    analyst
        .store
        .update(id, now, |d| {
            Ok(d.set_status(ReviewStatus::NeedsInformation, now)?)
        })
        .expect("review");
    analyst.sync().await;

    outpost_hub::upstream::sync_once(&camp_settings, &hq_hub.url)
        .await
        .expect("camp syncs again");
    tablet.sync().await;
    let doc = tablet.store.load(id).expect("tablet copy");
    assert_eq!(
        doc.meta().status,
        ReviewStatus::NeedsInformation,
        "HQ's decision reached the field"
    );
    assert_eq!(
        doc.comments().last().map(|c| c.text.clone()),
        Some("Please confirm the number of vehicles.".into())
    );

    // The author answers; the answer climbs back to HQ.
    comment(
        &mut tablet.store,
        id,
        "Lt. A. Traoré",
        "Trois pick-up, deux motos.",
    );
    tablet.sync().await;
    outpost_hub::upstream::sync_once(&camp_settings, &hq_hub.url)
        .await
        .expect("camp syncs up the answer");
    analyst.sync().await;
    let texts: Vec<String> = analyst
        .store
        .load(id)
        .expect("HQ copy")
        .comments()
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(
        texts.len(),
        2,
        "question and answer, nothing duplicated: {texts:?}"
    );
    assert!(texts.contains(&"Trois pick-up, deux motos.".to_string()));
    camp.stop().await;
    hq_hub.stop().await;
}

/// A mission's own certificate authority and a hub certificate it signed.
fn mission_ca(dir: &std::path::Path) -> (String, outpost_hub::tls::TlsFiles) {
    hub_certificate(dir, &["localhost", "127.0.0.1"])
}

/// A fresh certificate authority, and a hub certificate for `names` it signed.
fn hub_certificate(dir: &std::path::Path, names: &[&str]) -> (String, outpost_hub::tls::TlsFiles) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca");
    let key = KeyPair::generate().expect("hub key");
    let hub_cert = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .expect("params")
        .signed_by(&key, &ca)
        .expect("hub certificate");
    let cert = dir.join("hub.pem");
    let key_path = dir.join("hub.key");
    std::fs::write(&cert, hub_cert.pem()).expect("cert");
    std::fs::write(&key_path, key.serialize_pem()).expect("key");
    (
        ca.pem(),
        outpost_hub::tls::TlsFiles {
            cert,
            key: key_path,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_serves_tls_with_a_mission_certificate_authority() {
    let certs = tempfile::tempdir().expect("dir");
    let (ca_pem, files) = mission_ca(certs.path());
    let hub = TestHub::start_with(tempfile::tempdir().expect("hub"), |s| s.tls = Some(files)).await;
    let https = format!("https://localhost:{}", hub.addr.port());
    let code = hub.code(
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::Confidential,
    );

    let stranger_dir = tempfile::tempdir().expect("dir");
    let mut stranger = Store::unlock(stranger_dir.path(), &crate::util::pass(), T0).expect("store");
    let refused = outpost_sync::http::enrol(
        &mut stranger,
        &https,
        &code,
        "no CA",
        Lang::En,
        outpost_sync::http::HubTrust::System,
    )
    .await;
    let refused = refused.expect_err("an unknown authority is not trusted");
    assert_eq!(refused.code(), "sync.untrusted_hub", "{refused:?}");
    // The mission's authority is pinned: a hub certificate from another
    // authority is refused even by a device that trusts one, and so is a
    // certificate of the mission's for another address.
    let other_dir = tempfile::tempdir().expect("dir");
    let (other_ca, _) = hub_certificate(other_dir.path(), &["localhost"]);
    let refused = outpost_sync::http::enrol(
        &mut stranger,
        &https,
        &code,
        "other CA",
        Lang::Fr,
        outpost_sync::http::HubTrust::Pinned(other_ca),
    )
    .await
    .expect_err("another authority's word is not the mission's");
    assert_eq!(refused.code(), "sync.untrusted_hub");
    assert!(
        refused.localised(Lang::Fr).1.contains("autorité"),
        "said in French"
    );
    let wrong_host = tempfile::tempdir().expect("dir");
    let (host_ca, host_files) = hub_certificate(wrong_host.path(), &["hub.elsewhere.example"]);
    let elsewhere = TestHub::start_with(tempfile::tempdir().expect("hub"), |s| {
        s.tls = Some(host_files)
    })
    .await;
    let refused = outpost_sync::http::enrol(
        &mut stranger,
        &format!("https://localhost:{}", elsewhere.addr.port()),
        &elsewhere.code(
            "BATGAO-1",
            "East",
            Role::Field,
            Classification::Confidential,
        ),
        "wrong host",
        Lang::En,
        outpost_sync::http::HubTrust::Pinned(host_ca),
    )
    .await
    .expect_err("a certificate for another address");
    assert_eq!(refused.code(), "sync.untrusted_hub");
    elsewhere.stop().await;

    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("store");
    let hub_record = outpost_sync::http::enrol(
        &mut store,
        &https,
        &code,
        "tablet",
        Lang::En,
        outpost_sync::http::HubTrust::Pinned(ca_pem),
    )
    .await
    .expect("enrols over TLS");
    file_report(&mut store, "patrol", Classification::Confidential);
    let report = outpost_sync::http::sync(&mut store, &hub_record, &LinkBudget::wifi(), Lang::En)
        .await
        .expect("syncs over TLS");
    assert_eq!(report.documents.docs_up, 1);
    let plain = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/v1/sync", hub.addr.port()))
        .send()
        .await;
    assert!(
        plain.is_err() || !plain.expect("answer").status().is_success(),
        "plain HTTP is not served on a TLS hub"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_enrols_syncs_and_says_what_waits() {
    use crate::util::{outpost, run_ok, write_file};
    let hub = TestHub::start().await;
    let code = hub.code(
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::Confidential,
    );
    let dir = tempfile::tempdir().expect("dir");
    let (data, url, ca) = (dir.path().to_path_buf(), hub.url.clone(), hub.ca_file());
    let (sync_json, show) = tokio::task::spawn_blocking(move || {
        run_ok(
            outpost(&data)
                .args(["enrol", "--hub", &url, "--code", &code, "--ca-cert"])
                .arg(&ca),
        );
        let template = run_ok(outpost(&data).args(["report", "template", "--kind", "incident"]));
        let answers = write_file(&data, "a.json", template.as_bytes());
        let id = run_ok(
            outpost(&data)
                .args(["report", "create", "--kind", "incident", "--answers"])
                .arg(&answers),
        );
        let id = id.trim().to_string();
        let photo = write_file(&data, "p.jpg", &util::jpeg(1200, 900, 4));
        run_ok(outpost(&data).args(["photo", "add", &id]).arg(&photo));
        let sync_json = run_ok(outpost(&data).args(["sync", "--budget", "satellite", "--json"]));
        let show = run_ok(outpost(&data).args(["report", "show", &id]));
        (sync_json, show)
    })
    .await
    .expect("the commands ran");
    let report: serde_json::Value = serde_json::from_str(&sync_json).expect("sync --json is JSON");
    assert_eq!(report["docs_up"], 1, "{report}");
    assert_eq!(
        report["blobs_up"], 1,
        "the thumbnail went over the satellite budget: {report}"
    );
    assert_eq!(report["waiting"]["previews_up"], 1);
    assert_eq!(report["waiting"]["originals_up"], 1);
    assert!(
        report["bytes_up"].as_u64().unwrap_or(0) > 0 && report["round_trips"].as_u64() == Some(1)
    );
    assert!(
        show.contains("at hub; 2 of 3 photo file(s) still waiting"),
        "report show says where it stands:\n{show}"
    );
    hub.stop().await;
}
