//! An enrolled device, a relay hub or a hub's answer playing the attacker:
//! each test is named after the attack it stops, drives the protocol
//! directly where the command line cannot express the attack, and checks
//! that the refusal carries its specific code and that nothing changed on
//! the hub or any other device.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use outpost_report::document::Comment;
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, CommentId, Lang, PhotoId, ReportDoc, ReportId, ReviewStatus};
use outpost_sync::Role;
use outpost_sync::http::{HubClient, SyncError};
use outpost_sync::protocol::{
    ChangeSig, DocPush, EnrolRequest, SyncRequest, SyncResponse, VERSION,
};
use std::time::Duration;

use crate::sync::{attach, file_report, raw_photo};
use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0};

/// The camp hub's own client to the hub above, as a compromised camp uses it.
fn relay_client(upper: &TestHub, camp: &outpost_store::HubRecord) -> HubClient {
    HubClient::new(
        &upper.url,
        Some(camp.token.clone()),
        Lang::En,
        &upper.trust(),
    )
    .expect("client")
}

/// The device's own client, for requests the ordinary sync never makes.
fn client_of(device: &Device) -> HubClient {
    HubClient::new(
        &device.hub.url,
        Some(device.hub.token.clone()),
        Lang::En,
        &outpost_sync::http::HubTrust::of(&device.hub),
    )
    .expect("client")
}

/// Pushes `docs` as `device`, in one request of the protocol.
async fn push(device: &Device, docs: Vec<DocPush>) -> SyncResponse {
    let req = SyncRequest {
        version: VERSION,
        request_id: rand::random(),
        since: 0,
        docs,
        need_full: Vec::new(),
        vouchers: Vec::new(),
    };
    client_of(device)
        .exchange(&req)
        .await
        .expect("the hub answers")
        .0
}

fn raw(id: ReportId) -> [u8; 16] {
    *id.as_uuid().as_bytes()
}

/// The whole of `doc` as a push.
fn whole(doc: &mut AutoCommit, id: ReportId) -> DocPush {
    DocPush {
        id: raw(id),
        base: Vec::new(),
        heads: doc.get_heads().iter().map(|h| h.0).collect(),
        payload: doc.save(),
        sigs: Vec::new(),
    }
}

/// The changes of `doc` after `base` as a push.
fn after(doc: &mut AutoCommit, id: ReportId, base: &[automerge::ChangeHash]) -> DocPush {
    DocPush {
        id: raw(id),
        base: base.iter().map(|h| h.0).collect(),
        heads: doc.get_heads().iter().map(|h| h.0).collect(),
        payload: doc.save_after(base),
        sigs: Vec::new(),
    }
}

/// `device`'s copy of report `id` as raw automerge, editing as the device
/// itself (its actor), with the heads the hub holds.
fn raw_copy(device: &Device, id: ReportId) -> (AutoCommit, Vec<automerge::ChangeHash>) {
    let mut doc = device.store.load(id).expect("the device holds it");
    let bytes = doc.save();
    let mut am = AutoCommit::load(&bytes).expect("loads");
    am.set_actor(automerge::ActorId::from(
        device.store.device_id().as_uuid().as_bytes().as_slice(),
    ));
    let heads = am.get_heads();
    (am, heads)
}

/// The changes of `doc` after `base` as `device` would push them: signed
/// with its key where it made them.
fn signed_push(device: &Device, doc: &mut ReportDoc, base: &[automerge::ChangeHash]) -> DocPush {
    let sigs = device
        .store
        .sign_changes(doc, base)
        .into_iter()
        .map(|s| ChangeSig {
            hash: s.hash,
            sig: s.signature,
        })
        .collect();
    push_after(doc, base, sigs)
}

/// Signatures of every change of `doc` after `base` by `key`: what a forger
/// holding some key of its own can make.
fn forged_sigs(
    doc: &mut ReportDoc,
    base: &[automerge::ChangeHash],
    key: &outpost_report::signature::DeviceKey,
) -> Vec<ChangeSig> {
    doc.changes_after(base)
        .iter()
        .map(|(hash, _)| ChangeSig {
            hash: *hash,
            sig: key.sign_change(hash),
        })
        .collect()
}

/// What `device` makes of a hub's answer carrying `docs`: the refusals of
/// its session.
fn answered_with(
    device: &mut Device,
    docs: Vec<DocPush>,
) -> std::collections::BTreeMap<String, String> {
    let mut session = outpost_sync::session::Session::new(&device.hub);
    let req = session
        .next_request(&device.store)
        .expect("plan")
        .expect("a request");
    let resp = SyncResponse {
        version: VERSION,
        cursor: 0,
        more: false,
        accepted: Vec::new(),
        need_full: Vec::new(),
        rejected: Vec::new(),
        docs,
        vouchers: Vec::new(),
    };
    session
        .apply(&mut device.store, &req, resp, SystemClock.now())
        .expect("the rest of the answer applies");
    session.tally.rejected
}

/// The changes of `doc` after `base` as a push carrying `sigs`.
fn push_after(
    doc: &mut ReportDoc,
    base: &[automerge::ChangeHash],
    sigs: Vec<ChangeSig>,
) -> DocPush {
    DocPush {
        id: raw(doc.id()),
        base: base.iter().map(|h| h.0).collect(),
        heads: doc.head_hashes().iter().map(|h| h.0).collect(),
        payload: doc.changes_since(base),
        sigs,
    }
}

/// `relay`'s word that `device` holds `key` and is a field device of `unit`
/// in sector East, cleared CONFIDENTIAL.
fn voucher(
    relay: &outpost_store::Store,
    device: [u8; 16],
    key: &outpost_report::signature::PublicKey,
    unit: &str,
) -> outpost_sync::protocol::Voucher {
    let grant = outpost_store::Grant {
        unit: unit.into(),
        sector: "East".into(),
        role: "field".into(),
        clearance: "CONFIDENTIAL".into(),
    };
    outpost_sync::protocol::Voucher {
        device,
        key: *key.as_bytes(),
        sig: relay.vouch(&device, key, &grant).expect("the relay's key"),
        role: grant.role,
        unit: grant.unit,
        sector: grant.sector,
        clearance: grant.clearance,
    }
}

/// Headquarters' hub, a camp hub enrolled with it as a relay, an analyst at
/// HQ, and an ALPHA tablet at the camp whose incident report the camp has
/// carried up: the stage for a compromised camp hub.
struct Chain {
    hq_hub: TestHub,
    camp: TestHub,
    camp_record: outpost_store::HubRecord,
    camp_settings: outpost_hub::HubSettings,
    analyst: Device,
    tablet: Device,
    id: ReportId,
}

async fn chain() -> Chain {
    let hq_hub = TestHub::start().await;
    let camp = TestHub::start().await;
    let (camp_record, camp_settings) = camp.relay_below(&hq_hub).await;
    let analyst = Device::join(
        &hq_hub,
        "JMAC",
        "",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await;
    let mut tablet = Device::join(
        &camp,
        "ALPHA",
        "East",
        Role::Field,
        Classification::Confidential,
    )
    .await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    tablet.sync().await;
    outpost_hub::upstream::sync_once(&camp_settings, &hq_hub.url)
        .await
        .expect("the camp relays the report");
    Chain {
        hq_hub,
        camp,
        camp_record,
        camp_settings,
        analyst,
        tablet,
        id,
    }
}

/// The code the hub refused the only pushed document with.
fn refusal(resp: &SyncResponse) -> &str {
    assert!(
        resp.accepted.is_empty(),
        "nothing may be accepted: {resp:?}"
    );
    assert_eq!(resp.rejected.len(), 1, "one refusal expected: {resp:?}");
    &resp.rejected[0].code
}

fn hub_heads(hub: &TestHub, id: ReportId) -> Vec<String> {
    hub.store().load(id).expect("the hub holds it").heads()
}

/// An analyst's device at headquarters (JMAC), cleared STRICTLY CONFIDENTIAL.
async fn headquarters(hub: &TestHub) -> Device {
    Device::join(
        hub,
        "JMAC",
        "",
        Role::Hq,
        Classification::StrictlyConfidential,
    )
    .await
}

async fn alpha(hub: &TestHub, clearance: Classification) -> Device {
    Device::join(hub, "ALPHA", "East", Role::Field, clearance).await
}

async fn bravo(hub: &TestHub) -> Device {
    Device::join(
        hub,
        "BRAVO",
        "North",
        Role::Field,
        Classification::StrictlyConfidential,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_document_under_another_units_report_id_is_refused() {
    let hub = TestHub::start().await;
    let mut bravo = bravo(&hub).await;
    let victim = file_report(
        &mut bravo.store,
        "incident",
        Classification::StrictlyConfidential,
    );
    bravo.sync().await;
    let mut attacker = alpha(&hub, Classification::Unclassified).await;
    let before = hub_heads(&hub, victim);

    // A report of ALPHA's, UNCLASSIFIED, under the victim's id.
    let form = util::form("incident");
    let mut new = util::new_report(
        victim,
        attacker.store.device_id(),
        Classification::Unclassified,
    );
    new.author_unit = "ALPHA".into();
    new.sector = "East".into();
    let mut forged = ReportDoc::create(&form, &new, T0).expect("create");
    let mut am = AutoCommit::load(&forged.save()).expect("loads");
    let resp = push(&attacker, vec![whole(&mut am, victim)]).await;

    assert_eq!(
        refusal(&resp),
        "document.bad_shape",
        "a second id, schema and meta map make no report"
    );
    assert!(
        resp.docs.iter().all(|d| d.id != raw(victim)),
        "and the victim is not sent back"
    );
    assert_eq!(
        hub_heads(&hub, victim),
        before,
        "the hub's copy is untouched"
    );
    let held = hub.store().load(victim).expect("held").meta();
    assert_eq!(
        (held.author_unit.as_str(), held.classification),
        ("BRAVO", Classification::StrictlyConfidential),
        "still BRAVO's, still strictly confidential"
    );
    let record = hub
        .store()
        .authority(victim)
        .expect("read")
        .expect("recorded");
    assert_eq!(
        record.unit, "BRAVO",
        "the record names the creator's unit from its grant"
    );
    attacker.sync().await;
    assert!(
        attacker.store.load(victim).is_err(),
        "ALPHA never receives the victim"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_device_cannot_make_headquarters_changes() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let analyst = headquarters(&hub).await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    tablet.sync().await;
    let hq_device = analyst.store.device_id();

    type Edit = Box<dyn Fn(&mut ReportDoc)>;
    let question = |device: String, question: bool| -> Edit {
        Box::new(move |d: &mut ReportDoc| {
            d.add_comment(&Comment {
                id: CommentId::from_uuid(uuid::Uuid::new_v4()),
                author: "JMAC analyst".into(),
                device: device.clone(),
                at: T0,
                lang: Lang::En,
                text: "Who told you?".into(),
                question,
            })
            .expect("comment");
        })
    };
    let attacks: Vec<(&str, Edit, &str)> = vec![
        (
            "lower the classification",
            Box::new(|d| {
                d.set_classification(Classification::Unclassified, T0)
                    .expect("set")
            }),
            "policy.lowered",
        ),
        (
            "share with another unit",
            Box::new(|d| d.share_with("BRAVO", "Lt. A. Traoré", T0).expect("share")),
            "policy.hq_only",
        ),
        (
            "set the report verified",
            Box::new(|d| d.set_status(ReviewStatus::Verified, T0).expect("status")),
            "policy.hq_only",
        ),
        (
            "post a comment signed as HQ",
            question(hq_device.to_string(), true),
            "policy.not_yourself",
        ),
        (
            "ask a question as a field device",
            question(tablet.store.device_id().to_string(), true),
            "policy.hq_only",
        ),
        (
            "make changes as HQ's actor",
            Box::new(move |d| {
                d.set_device(hq_device);
                d.set_answer("un_wounded", &serde_json::json!(9), T0)
                    .expect("answer");
            }),
            "policy.forged_actor",
        ),
        (
            "raise above its own clearance",
            Box::new(|d| {
                d.set_classification(Classification::StrictlyConfidential, T0)
                    .expect("set")
            }),
            "policy.not_cleared",
        ),
    ];
    for (what, edit, code) in attacks {
        let before = hub_heads(&hub, id);
        let mut doc = tablet.store.load(id).expect("held");
        let base = doc.head_hashes();
        edit(&mut doc);
        let resp = push(&tablet, vec![signed_push(&tablet, &mut doc, &base)]).await;
        assert_eq!(refusal(&resp), code, "a field device may not {what}");
        assert_eq!(
            hub_heads(&hub, id),
            before,
            "{what}: the hub's copy is untouched"
        );
    }

    // The same path accepts what the field may do: an answer of its own unit's report.
    let mut doc = tablet.store.load(id).expect("held");
    let base = doc.head_hashes();
    doc.set_answer("un_wounded", &serde_json::json!(2), T0)
        .expect("answer");
    let resp = push(&tablet, vec![signed_push(&tablet, &mut doc, &base)]).await;
    assert_eq!(
        resp.accepted,
        vec![raw(id)],
        "its own answer goes through: {resp:?}"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_push_cannot_change_a_reports_id_or_turn_meta_into_a_string() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let id = file_report(&mut tablet.store, "patrol", Classification::Confidential);
    let other = file_report(&mut tablet.store, "patrol", Classification::Confidential);
    tablet.sync().await;

    let (mut am, base) = raw_copy(&tablet, id);
    am.put(ROOT, "id", other.to_string()).expect("put");
    let resp = push(&tablet, vec![after(&mut am, id, &base)]).await;
    assert_eq!(
        refusal(&resp),
        "document.bad_shape",
        "a report's id never changes"
    );

    let (mut am, base) = raw_copy(&tablet, id);
    am.put(ROOT, "meta", "nothing to see").expect("put");
    let resp = push(&tablet, vec![after(&mut am, id, &base)]).await;
    assert_eq!(refusal(&resp), "document.bad_shape", "meta stays a map");

    let hq = headquarters(&hub).await;
    let mut hq = hq;
    let got = hq.sync().await;
    assert_eq!(
        got.documents.docs_down, 2,
        "both reports still reach HQ, each as itself"
    );
    assert_eq!(hq.store.load(id).expect("held").id(), id);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naming_another_units_photo_does_not_download_it() {
    let hub = TestHub::start().await;
    let mut bravo = bravo(&hub).await;
    let secret = file_report(
        &mut bravo.store,
        "incident",
        Classification::StrictlyConfidential,
    );
    attach(&mut bravo.store, secret, &raw_photo(20_000, 3));
    bravo.sync().await;
    let photo = bravo.store.load(secret).expect("held").photos()[0].clone();

    let mut attacker = alpha(&hub, Classification::Unclassified).await;
    let own = file_report(
        &mut attacker.store,
        "incident",
        Classification::Unclassified,
    );
    let mut stolen = photo.clone();
    stolen.id = PhotoId::from_uuid(uuid::Uuid::new_v4());
    attacker
        .store
        .update(own, T0, |d| Ok(d.add_photo(&stolen)?))
        .expect("names the photo");
    let report = attacker.sync().await;
    assert!(
        report.documents.rejected.is_empty(),
        "naming a hash is a valid report"
    );
    for variant in [&photo.original, &photo.preview, &photo.thumbnail] {
        assert!(
            !attacker.store.has_blob(&variant.sha256).expect("read"),
            "not downloaded"
        );
        let err = client_of(&attacker)
            .download_blob(&variant.sha256, 0, |_| Ok(()))
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, SyncError::Hub { status: 404, code, .. } if code == "sync.unknown_blob"),
            "as if it did not exist: {err:?}"
        );
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_document_is_refused() {
    let hub = TestHub::start().await;
    let tablet = alpha(&hub, Classification::Confidential).await;
    let form = util::form("patrol");
    let id = ReportId::from_uuid(uuid::Uuid::new_v4());
    let mut new = util::new_report(id, tablet.store.device_id(), Classification::Confidential);
    new.author_unit = "ALPHA".into();
    new.sector = "East".into();
    let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
    let mut am = AutoCommit::load(&doc.save()).expect("loads");
    let (_, answers) = am.get(ROOT, "answers").expect("get").expect("answers");
    let mut at = answers;
    for _ in 0..500 {
        at = am.put_object(&at, "x", ObjType::Map).expect("nest");
    }
    let pushed = whole(&mut am, id);
    assert!(
        pushed.payload.len() < 8 * 1024,
        "a small document: {} B",
        pushed.payload.len()
    );
    let resp = push(&tablet, vec![pushed]).await;
    assert_eq!(refusal(&resp), "document.too_deep");
    assert!(hub.store().load(id).is_err(), "nothing stored");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expansion_bomb_is_refused_while_another_device_is_served() {
    let hub = TestHub::start().await;
    let attacker = alpha(&hub, Classification::Confidential).await;
    let mut other = Device::join(
        &hub,
        "BRAVO",
        "North",
        Role::Field,
        Classification::Confidential,
    )
    .await;
    file_report(&mut other.store, "incident", Classification::Confidential);

    let form = util::form("patrol");
    let id = ReportId::from_uuid(uuid::Uuid::new_v4());
    let mut new = util::new_report(id, attacker.store.device_id(), Classification::Confidential);
    new.author_unit = "ALPHA".into();
    new.sector = "East".into();
    let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
    let mut am = AutoCommit::load(&doc.save()).expect("loads");
    let (_, answers) = am.get(ROOT, "answers").expect("get").expect("answers");
    let list = am
        .put_object(&answers, "route", ObjType::List)
        .expect("list");
    am.splice(
        &list,
        0,
        0,
        std::iter::repeat_n(automerge::ScalarValue::Null, 600_000),
    )
    .expect("splice");
    let pushed = whole(&mut am, id);
    assert!(
        pushed.payload.len() < 64 * 1024,
        "run-length encoding packs 600,000 operations into {} B",
        pushed.payload.len()
    );
    let (bomb, served) = tokio::join!(push(&attacker, vec![pushed]), other.sync());
    assert_eq!(refusal(&bomb), "document.too_large");
    assert_eq!(
        served.documents.docs_up, 1,
        "the other device's sync went through meanwhile"
    );
    assert!(
        hub.store().load(id).is_err(),
        "nothing of the bomb is stored"
    );
    hub.stop().await;
}

/// A patrol report of `device`'s whose photo names `sha` as its file.
fn report_naming_file(device: &Device, sha: &str) -> (ReportId, AutoCommit) {
    let form = util::form("patrol");
    let id = ReportId::from_uuid(uuid::Uuid::new_v4());
    let mut new = util::new_report(id, device.store.device_id(), Classification::Confidential);
    new.author_unit = device.hub.unit.clone();
    new.sector = device.hub.sector.clone();
    let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
    let mut photo = raw_photo(1_000, 9);
    photo.original.sha256 = sha.to_string();
    let photo_ref = outpost_report::PhotoRef {
        id: PhotoId::from_uuid(uuid::Uuid::new_v4()),
        field: Some("photos".into()),
        added_at: T0,
        original: variant(&photo.original),
        preview: variant(&photo.preview),
        thumbnail: variant(&photo.thumbnail),
        captured_at: None,
        location: None,
    };
    doc.add_photo(&photo_ref).expect("photo");
    (id, AutoCommit::load(&doc.save()).expect("loads"))
}

fn variant(v: &outpost_media::Variant) -> outpost_report::VariantRef {
    outpost_report::VariantRef {
        sha256: v.sha256.clone(),
        width: 1,
        height: 1,
        bytes: v.bytes.len() as u64,
        media_type: "image/jpeg".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_reference_that_is_not_a_hash_is_refused_by_hub_and_device() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    for bad in ["not-a-hash", "../../x"] {
        let (id, mut am) = report_naming_file(&tablet, bad);
        let resp = push(&tablet, vec![whole(&mut am, id)]).await;
        assert_eq!(
            refusal(&resp),
            "document.bad_file_ref",
            "{bad:?} is no file name"
        );
    }

    // A hostile hub's answer carrying such a document: the device refuses it
    // and writes no file anywhere.
    let (id, mut am) = report_naming_file(&tablet, "../../x");
    let refused = answered_with(&mut tablet, vec![whole(&mut am, id)]);
    assert_eq!(
        refused.get(&id.to_string()).map(String::as_str),
        Some("document.bad_file_ref")
    );
    assert!(tablet.store.load(id).is_err(), "not stored");
    for escaped in [
        tablet.dir.path().join("x.partial"),
        tablet.dir.path().join("blobs").join("x.partial"),
    ] {
        assert!(
            !escaped.exists(),
            "no file outside the blob store: {escaped:?}"
        );
    }
    tablet.sync().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_enrolment_under_an_existing_id_is_refused_and_does_not_lift_a_revocation() {
    let hub = TestHub::start().await;
    let victim = alpha(&hub, Classification::Confidential).await;
    let device_id = victim.store.device_id().to_string();
    let trust = hub.trust();
    let take_over = |code: String| {
        let device_id = device_id.clone();
        let url = hub.url.clone();
        let trust = trust.clone();
        async move {
            HubClient::new(&url, None, Lang::Fr, &trust)
                .expect("client")
                .enrol(&EnrolRequest {
                    code,
                    device_id,
                    name: "attacker".into(),
                    public_key: outpost_report::signature::DeviceKey::from_secret([5; 32])
                        .public()
                        .to_hex(),
                })
                .await
        }
    };
    let err = take_over(hub.code(
        "BRAVO",
        "North",
        Role::Hq,
        Classification::StrictlyConfidential,
    ))
    .await
    .expect_err("refused");
    assert!(
        matches!(&err, SyncError::Hub { status: 409, code, message } if code == "enrol.device_exists" && message.contains("déjà")),
        "a specific refusal, in the caller's language: {err:?}"
    );
    let record = hub
        .store()
        .enrolled_device(&device_id)
        .expect("read")
        .expect("there");
    assert_eq!(
        (record.grant.unit.as_str(), record.grant.role.as_str()),
        ("ALPHA", "field"),
        "the victim's grant is unchanged"
    );

    hub.store()
        .revoke_device(&device_id, SystemClock.now())
        .expect("revoke");
    let err = take_over(hub.code("ALPHA", "East", Role::Field, Classification::Confidential))
        .await
        .expect_err("refused");
    assert!(matches!(&err, SyncError::Hub { code, .. } if code == "enrol.device_exists"));
    assert!(
        hub.store()
            .enrolled_device(&device_id)
            .expect("read")
            .expect("there")
            .revoked_at
            .is_some(),
        "still revoked"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_report_claiming_another_unit_is_refused_and_the_cli_says_so() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let form = util::form("incident");
    let id = ReportId::from_uuid(uuid::Uuid::new_v4());
    let mut new = util::new_report(id, tablet.store.device_id(), Classification::Confidential);
    new.author_unit = "BRAVO".into();
    new.sector = "North".into();
    let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
    doc.set_answers(&form.template(), T0).expect("answers");
    tablet
        .store
        .save(&mut doc, T0)
        .expect("saved on the tablet");
    let mut question = outpost_report::NewReport {
        id: ReportId::from_uuid(uuid::Uuid::new_v4()),
        ..new.clone()
    };
    question.author_unit = "ALPHA".into();
    question.sector = "East".into();
    let standing = util::form(outpost_report::STANDING_QUESTION);
    let mut asked = ReportDoc::create(&standing, &question, T0).expect("create");
    tablet.store.save(&mut asked, T0).expect("saved");

    let report = tablet
        .try_sync(&outpost_sync::LinkBudget::wifi())
        .await
        .expect("sync runs");
    assert_eq!(
        report
            .documents
            .rejected
            .get(&id.to_string())
            .map(String::as_str),
        Some("policy.wrong_origin")
    );
    assert_eq!(
        report
            .documents
            .rejected
            .get(&question.id.to_string())
            .map(String::as_str),
        Some("policy.hq_only"),
        "a standing question is headquarters' to file"
    );
    assert!(hub.store().load(id).is_err() && hub.store().load(question.id).is_err());

    let out = util::outpost(tablet.dir.path())
        .args(["--ui-lang", "fr", "sync"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(4),
        "a refusal is a failure: {}",
        util::stderr(&out)
    );
    assert!(
        util::stderr(&out).contains("refusés"),
        "and says so in French: {}",
        util::stderr(&out)
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_hub_cannot_forge_a_change_by_a_device_enrolled_at_hq() {
    let Chain {
        hq_hub,
        camp,
        camp_record,
        analyst,
        id,
        ..
    } = chain().await;
    let before = hub_heads(&hq_hub, id);

    // The camp hub, compromised, writes a verdict in the analyst's name.
    let camp_store = camp.store();
    let mut doc = camp_store.load(id).expect("the camp holds it");
    let base = doc.head_hashes();
    doc.set_device(analyst.store.device_id());
    doc.set_status(ReviewStatus::Verified, T0).expect("status");
    let forged = push_after(&mut doc, &base, Vec::new());
    let relay = relay_client(&hq_hub, &camp_record);
    let (resp, _) = relay
        .exchange(&SyncRequest {
            version: VERSION,
            request_id: rand::random(),
            since: 0,
            docs: vec![forged],
            need_full: Vec::new(),
            vouchers: Vec::new(),
        })
        .await
        .expect("answered");
    assert_eq!(refusal(&resp), "policy.forged_actor");
    assert_eq!(hub_heads(&hq_hub, id), before, "HQ's copy is untouched");
    drop(camp_store);
    hq_hub.stop().await;
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_report_that_no_longer_loads_is_quarantined_and_syncs_go_on() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let broken = file_report(&mut tablet.store, "incident", Classification::Confidential);
    let fine = file_report(&mut tablet.store, "patrol", Classification::Confidential);
    tablet.sync().await;
    {
        let db = outpost_store::database_connection(
            &hub.dir.path().join("outpost.db"),
            &util::key(hub.dir.path()),
        )
        .expect("open");
        let n = db
            .execute(
                "UPDATE documents SET bytes = x'00ff00ff' WHERE report_id = ?1",
                [broken.to_string()],
            )
            .expect("damage");
        assert_eq!(n, 1, "the stored document was damaged");
    }

    let mut hq = headquarters(&hub).await;
    let got = hq
        .try_sync(&outpost_sync::LinkBudget::wifi())
        .await
        .expect("HQ's sync succeeds");
    assert_eq!(got.documents.docs_down, 1, "the readable report arrives");
    assert!(hq.store.load(fine).is_ok() && hq.store.load(broken).is_err());

    let quarantined = hub.store().quarantined().expect("read");
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].report, broken.to_string());
    let status = outpost_hub::upstream::status_json(&hub.store(), "hub").expect("status");
    assert_eq!(
        status["quarantined"][0]["report"],
        broken.to_string(),
        "the operator sees it"
    );
    assert!(
        !hub.store().doctor().expect("doctor").is_healthy(),
        "and the doctor flags it"
    );
    // A second device's sync also goes through: it is never sent again.
    let mut other = alpha(&hub, Classification::Confidential).await;
    other.sync().await;
    assert!(other.store.load(fine).is_ok());
    hub.stop().await;
}

/// Every change of report `id` on `device` carries a signature verified there.
fn all_verified(device: &Device, id: ReportId) -> bool {
    let mut doc = device.store.load(id).expect("held");
    let hashes: Vec<[u8; 32]> = doc.history().iter().map(|h| h.hash).collect();
    let signed = device.store.verified_changes(&mut doc).expect("read");
    !hashes.is_empty() && hashes.iter().all(|h| signed.contains(h))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_whose_signature_does_not_verify_is_refused() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    tablet.sync().await;
    let before = hub_heads(&hub, id);

    let edited = |tablet: &Device| {
        let mut doc = tablet.store.load(id).expect("held");
        let base = doc.head_hashes();
        doc.set_answer("un_wounded", &serde_json::json!(4), T0)
            .expect("answer");
        (doc, base)
    };
    let (mut doc, base) = edited(&tablet);
    let mut unsigned = signed_push(&tablet, &mut doc, &base);
    unsigned.sigs.clear();
    assert_eq!(
        refusal(&push(&tablet, vec![unsigned]).await),
        "policy.unsigned"
    );

    let (mut doc, base) = edited(&tablet);
    let mut bent = signed_push(&tablet, &mut doc, &base);
    bent.sigs[0].sig[3] ^= 0x40;
    assert_eq!(
        refusal(&push(&tablet, vec![bent]).await),
        "policy.bad_signature"
    );

    let (mut doc, base) = edited(&tablet);
    let mut other_key = signed_push(&tablet, &mut doc, &base);
    let stranger = outpost_report::signature::DeviceKey::from_secret([3; 32]);
    other_key.sigs[0].sig = stranger.sign_change(&other_key.sigs[0].hash);
    assert_eq!(
        refusal(&push(&tablet, vec![other_key]).await),
        "policy.bad_signature"
    );
    // Two changes, the signature of the first only: it cannot vouch for a
    // change made after it.
    let (mut doc, base) = edited(&tablet);
    let middle = doc.head_hashes();
    let first_only = tablet.store.sign_changes(&mut doc, &base);
    doc.set_answer("un_wounded", &serde_json::json!(5), T0)
        .expect("answer");
    let mut partly = signed_push(&tablet, &mut doc, &base);
    assert_ne!(middle, doc.head_hashes());
    partly.sigs = first_only
        .iter()
        .map(|s| outpost_sync::protocol::ChangeSig {
            hash: s.hash,
            sig: s.signature,
        })
        .collect();
    assert_eq!(
        refusal(&push(&tablet, vec![partly]).await),
        "policy.unsigned"
    );
    assert_eq!(
        hub_heads(&hub, id),
        before,
        "nothing of the four was stored"
    );

    // Signed as the device signs: taken, and verified on every copy.
    let (mut doc, base) = edited(&tablet);
    let good = signed_push(&tablet, &mut doc, &base);
    assert_eq!(push(&tablet, vec![good]).await.accepted, vec![raw(id)]);
    let mut hq = headquarters(&hub).await;
    hq.sync().await;
    assert!(
        all_verified(&hq, id),
        "HQ holds the tablet's signature of every change"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_cannot_forge_a_field_devices_change_nor_swap_its_key() {
    let Chain {
        hq_hub,
        camp,
        camp_record,
        mut analyst,
        tablet,
        id,
        ..
    } = chain().await;
    analyst.sync().await;
    assert!(
        all_verified(&analyst, id),
        "the tablet's signatures travelled through the relay"
    );
    let before = hub_heads(&hq_hub, id);

    // The compromised camp writes in the tablet's name, signs with a key of
    // its own and vouches that the key is the tablet's.
    let camp_store = camp.store();
    let mut doc = camp_store.load(id).expect("held");
    let base = doc.head_hashes();
    doc.set_device(tablet.store.device_id());
    doc.set_answer("un_wounded", &serde_json::json!(0), T0)
        .expect("answer");
    let fake = outpost_report::signature::DeviceKey::from_secret([6; 32]);
    let tablet_raw = *tablet.store.device_id().as_uuid().as_bytes();
    let relay = relay_client(&hq_hub, &camp_record);
    for (vouch, expected) in [
        (false, "policy.bad_signature"),
        (true, "policy.bad_signature"),
    ] {
        let sigs = forged_sigs(&mut doc, &base, &fake);
        let forged = push_after(&mut doc, &base, sigs);
        let vouchers = if vouch {
            vec![voucher(&camp_store, tablet_raw, &fake.public(), "ALPHA")]
        } else {
            Vec::new()
        };
        let (resp, _) = relay
            .exchange(&SyncRequest {
                version: VERSION,
                request_id: rand::random(),
                since: 0,
                docs: vec![forged],
                need_full: Vec::new(),
                vouchers,
            })
            .await
            .expect("answered");
        assert_eq!(
            refusal(&resp),
            expected,
            "vouching a new key for a known device changes nothing: {vouch}"
        );
    }
    assert_eq!(hub_heads(&hq_hub, id), before, "HQ's copy is untouched");
    hq_hub.stop().await;
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_refuses_a_change_its_hub_forged() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let mut analyst = headquarters(&hub).await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    tablet.sync().await;
    analyst.sync().await;
    crate::sync::comment(&mut analyst.store, id, "JMAC analyst", "Seen.");
    analyst.sync().await;
    tablet.sync().await;
    assert!(
        all_verified(&tablet, id),
        "the analyst's comment arrived signed and vouched for"
    );
    let before = tablet.store.load(id).expect("held").heads();

    // The hub answers with a verdict in the analyst's name it could not sign.
    for (sign, expected) in [(false, "policy.unsigned"), (true, "policy.bad_signature")] {
        let mut doc = hub.store().load(id).expect("held");
        let base = doc.head_hashes();
        doc.set_device(analyst.store.device_id());
        doc.set_status(ReviewStatus::Verified, T0).expect("status");
        let fake = outpost_report::signature::DeviceKey::from_secret([8; 32]);
        let sigs = if sign {
            forged_sigs(&mut doc, &base, &fake)
        } else {
            Vec::new()
        };
        let forged = push_after(&mut doc, &base, sigs);
        let refused = answered_with(&mut tablet, vec![forged]);
        assert_eq!(
            refused.get(&id.to_string()).map(String::as_str),
            Some(expected)
        );
        assert_eq!(
            tablet.store.load(id).expect("held").heads(),
            before,
            "the tablet's copy is untouched"
        );
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_device_is_not_offered_headquarters_actions() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let id = file_report(&mut tablet.store, "qip", Classification::Confidential).to_string();
    let before = tablet
        .store
        .load(id.parse().expect("id"))
        .expect("held")
        .heads();
    let data = tablet.dir.path().to_path_buf();
    let refused: [&[&str]; 4] = [
        &["report", "review", &id, "--status", "verified"],
        &["report", "share", &id, "--unit", "BRAVO"],
        &["report", "stage", &id, "--to", "approved"],
        &["report", "comment", &id, "--text", "Qui ?", "--question"],
    ];
    for args in refused {
        let out = util::outpost(&data).args(args).output().expect("runs");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} is headquarters' to do: {}",
            util::stderr(&out)
        );
        assert!(
            util::stderr(&out).contains("policy.hq_only"),
            "{}",
            util::stderr(&out)
        );
    }
    let store = outpost_store::Store::unlock(&data, &crate::util::pass(), T0).expect("store");
    assert_eq!(
        store.load(id.parse().expect("id")).expect("held").heads(),
        before,
        "nothing changed"
    );
    drop(store);
    // What the field does is still offered: submitting its own report, commenting.
    util::run_ok(util::outpost(&data).args(["report", "review", &id, "--status", "draft"]));
    util::run_ok(util::outpost(&data).args(["report", "comment", &id, "--text", "Vu."]));
    hub.stop().await;
}

/// Sends an upload's headers and its first bytes, then nothing: a peer that
/// holds a transfer open.
async fn stalled_upload(
    device: &Device,
    sha: &str,
    size: usize,
    first: &[u8],
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = device.hub.url.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "PUT /v1/blobs/{sha}?offset=0&size={size} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nx-outpost-protocol: {VERSION}\r\nContent-Length: {size}\r\n\r\n",
        device.hub.token
    );
    conn.write_all(head.as_bytes()).await.expect("headers");
    conn.write_all(first).await.expect("first bytes");
    conn.flush().await.expect("flush");
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_device_cannot_spoil_or_hold_an_upload() {
    let hub = TestHub::start_with(tempfile::tempdir().expect("dir"), |s| {
        s.body_idle = Duration::from_millis(300);
        s.status_wait = Duration::from_millis(300);
        // The stalled peer speaks raw HTTP on the socket: this hub serves
        // in clear, as only tests may ask.
        s.tls = None;
    })
    .await;
    let mut owner = alpha(&hub, Classification::Confidential).await;
    let id = file_report(&mut owner.store, "incident", Classification::Confidential);
    let photo = raw_photo(200_000, 5);
    attach(&mut owner.store, id, &photo);
    let report = owner
        .try_sync(&outpost_sync::LinkBudget::documents_only())
        .await
        .expect("documents go first");
    assert_eq!(report.blobs_up, 0, "the photo is not sent yet");
    let sha = photo.original.sha256.clone();

    // Another ALPHA device names the same file in a report of its own and
    // sends garbage, then holds its upload open and says nothing.
    let mut meddler = alpha(&hub, Classification::Confidential).await;
    let own = file_report(&mut meddler.store, "incident", Classification::Confidential);
    let named = owner.store.load(id).expect("held").photos()[0].clone();
    meddler
        .store
        .update(own, T0, |d| {
            Ok(d.add_photo(&outpost_report::PhotoRef {
                id: PhotoId::from_uuid(uuid::Uuid::new_v4()),
                ..named
            })?)
        })
        .expect("names the file");
    meddler.sync().await;
    let _held = stalled_upload(&meddler, &sha, 200_000, &[0xAA; 1_000]).await;

    // The owner's transfer is its own: asked where it stands, the hub answers
    // (it does not wait on the meddler's upload) and knows none of the garbage.
    let client = client_of(&owner);
    let states = tokio::time::timeout(
        Duration::from_secs(30),
        client.blob_states(std::slice::from_ref(&sha)),
    )
    .await
    .expect("a status query does not hang")
    .expect("answered");
    assert_eq!(
        states,
        vec![outpost_sync::protocol::BlobState::Missing],
        "nothing of the owner's yet"
    );
    owner.sync().await;
    assert!(
        hub.store().has_blob(&sha).expect("read"),
        "the owner's photo arrived whole"
    );
    assert_eq!(
        hub.store().read_blob(&sha).expect("read"),
        photo.original.bytes,
        "and intact"
    );

    // The stalled upload was ended by the hub: the meddler's own status query
    // answers too, with the bytes it kept.
    let states = tokio::time::timeout(
        Duration::from_secs(30),
        client_of(&meddler).blob_states(std::slice::from_ref(&sha)),
    )
    .await
    .expect("does not hang")
    .expect("answered");
    assert_eq!(
        states,
        vec![outpost_sync::protocol::BlobState::Complete],
        "the file is complete at the hub"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_made_at_a_camp_travels_up_and_a_field_change_is_held_to_its_unit() {
    let Chain {
        hq_hub,
        camp,
        camp_record,
        camp_settings,
        mut analyst,
        tablet,
        id,
    } = chain().await;
    // First review at the supercamp, by a reviewer enrolled there.
    let mut reviewer = Device::join(
        &camp,
        "SECTOR-EAST-JOC",
        "East",
        Role::Hq,
        Classification::Confidential,
    )
    .await;
    reviewer.sync().await;
    reviewer
        .store
        .update(id, T0, |d| Ok(d.set_status(ReviewStatus::UnderReview, T0)?))
        .expect("review");
    crate::sync::comment_as(&mut reviewer.store, id, "Sector JOC", "Which road?", true);
    reviewer.sync().await;
    let up = outpost_hub::upstream::sync_once(&camp_settings, &hq_hub.url)
        .await
        .expect("the camp syncs up");
    assert!(
        up.documents.rejected.is_empty(),
        "nothing refused: {:?}",
        up.documents.rejected
    );
    analyst.sync().await;
    let at_hq = analyst.store.load(id).expect("held");
    assert_eq!(
        at_hq.meta().status,
        ReviewStatus::UnderReview,
        "the camp's review reached HQ"
    );
    assert!(
        at_hq.comments().iter().any(|c| c.question),
        "and its question"
    );
    assert!(
        all_verified(&analyst, id),
        "every line signed by the device that made it"
    );

    // Two field devices of sector East change what ALPHA's report says; a
    // lenient (or compromised) camp carries both up, vouching for each. HQ
    // holds each relayed change to its own author's grant.
    let mut bravo = Device::join(
        &camp,
        "BRAVO",
        "East",
        Role::Field,
        Classification::Confidential,
    )
    .await;
    bravo.sync().await;
    let camp_store = camp.store();
    let relay = relay_client(&hq_hub, &camp_record);
    let relay_push = |device: &Device, unit: &str| {
        let mut doc = device.store.load(id).expect("the sector sees it");
        let base = doc.head_hashes();
        doc.set_answer("un_wounded", &serde_json::json!(40), T0)
            .expect("answer");
        let pushed = signed_push(device, &mut doc, &base);
        let raw_device = *device.store.device_id().as_uuid().as_bytes();
        let key = device.store.public_key().expect("a key");
        let voucher = voucher(&camp_store, raw_device, &key, unit);
        SyncRequest {
            version: VERSION,
            request_id: rand::random(),
            since: 0,
            docs: vec![pushed],
            need_full: Vec::new(),
            vouchers: vec![voucher],
        }
    };
    let before = hub_heads(&hq_hub, id);
    let (resp, _) = relay
        .exchange(&relay_push(&bravo, "BRAVO"))
        .await
        .expect("answered");
    assert_eq!(
        refusal(&resp),
        "policy.other_unit",
        "BRAVO may not change ALPHA's answers"
    );
    assert_eq!(hub_heads(&hq_hub, id), before, "HQ's copy is untouched");
    let (resp, _) = relay
        .exchange(&relay_push(&tablet, "ALPHA"))
        .await
        .expect("answered");
    assert_eq!(
        resp.accepted,
        vec![raw(id)],
        "ALPHA's own change goes through: {resp:?}"
    );
    hq_hub.stop().await;
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_the_relay_did_not_sign_vouches_for_nothing() {
    let Chain {
        hq_hub,
        camp,
        camp_record,
        id,
        ..
    } = chain().await;
    let before = hub_heads(&hq_hub, id);
    // A device nobody enrolled writes in ALPHA's report, and someone other
    // than the camp vouches that it is an ALPHA tablet.
    let ghost = outpost_report::signature::DeviceKey::from_secret([11; 32]);
    let ghost_id = outpost_report::DeviceId::from_uuid(uuid::Uuid::new_v4());
    let ghost_raw = *ghost_id.as_uuid().as_bytes();
    let mut doc = camp.store().load(id).expect("the camp holds it");
    let base = doc.head_hashes();
    doc.set_device(ghost_id);
    doc.set_answer("un_wounded", &serde_json::json!(7), T0)
        .expect("answer");
    let sigs = forged_sigs(&mut doc, &base, &ghost);
    let stranger = outpost_report::signature::DeviceKey::from_secret([12; 32]);
    let grant = outpost_store::Grant {
        unit: "ALPHA".into(),
        sector: "East".into(),
        role: "field".into(),
        clearance: "CONFIDENTIAL".into(),
    };
    let voucher = outpost_sync::protocol::Voucher {
        device: ghost_raw,
        key: *ghost.public().as_bytes(),
        sig: stranger.vouch(
            &ghost_raw,
            &ghost.public(),
            &outpost_store::grant_bytes_of(&grant),
        ),
        role: grant.role,
        unit: grant.unit,
        sector: grant.sector,
        clearance: grant.clearance,
    };
    let relay = relay_client(&hq_hub, &camp_record);
    let (resp, _) = relay
        .exchange(&SyncRequest {
            version: VERSION,
            request_id: rand::random(),
            since: 0,
            docs: vec![push_after(&mut doc, &base, sigs)],
            need_full: Vec::new(),
            vouchers: vec![voucher],
        })
        .await
        .expect("answered");
    assert_eq!(
        refusal(&resp),
        "policy.unsigned",
        "an author nobody vouched for"
    );
    assert_eq!(hub_heads(&hq_hub, id), before, "HQ's copy is untouched");
    hq_hub.stop().await;
    camp.stop().await;
}

/// `report stage` once wrote QIP pipeline entries into a patrol report; the
/// library now refuses, and a hub refuses the same from a device that
/// writes the entries itself — even headquarters, which may move stages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_stage_on_a_patrol_report_is_refused_even_from_headquarters() {
    let hub = TestHub::start().await;
    let mut tablet = alpha(&hub, Classification::Confidential).await;
    let patrol = file_report(&mut tablet.store, "patrol", Classification::Confidential);
    let qip = file_report(&mut tablet.store, "qip", Classification::Confidential);
    tablet.sync().await;
    let mut hq = headquarters(&hub).await;
    hq.sync().await;

    let stage = |am: &mut AutoCommit| {
        let pipeline = am
            .put_object(ROOT, "pipeline", ObjType::Map)
            .expect("pipeline");
        let entry = am
            .put_object(&pipeline, "approved@1777593600000", ObjType::Map)
            .expect("entry");
        am.put(&entry, "stage", "approved").expect("stage");
        am.put(&entry, "at", 1_777_593_600_000i64).expect("at");
        am.put(&entry, "by", "J5").expect("by");
    };
    for (id, want) in [(patrol, Some("policy.no_pipeline")), (qip, None)] {
        let (mut am, base) = raw_copy(&hq, id);
        stage(&mut am);
        let mut doc = ReportDoc::load(&am.save()).expect("still a report");
        let resp = push(&hq, vec![signed_push(&hq, &mut doc, &base)]).await;
        match want {
            Some(code) => {
                assert_eq!(refusal(&resp), code, "a stage on a patrol report");
                assert!(
                    hub.store()
                        .load(id)
                        .expect("held")
                        .stage_entries()
                        .is_empty(),
                    "nothing of it stored"
                );
            }
            None => assert_eq!(
                (resp.accepted.len(), resp.rejected.len()),
                (1, 0),
                "the same stage on a QIP assessment is headquarters' to set: {resp:?}"
            ),
        }
    }
    hub.stop().await;
}
