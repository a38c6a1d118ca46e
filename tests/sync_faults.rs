//! Sync under faults: a hub killed mid-sync and restarted, bad and hostile
//! input, and who may see what.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, Lang, ReportDoc, ReportId, ReviewStatus};
use outpost_store::{HubRecord, Store};
use outpost_sync::Role;
use outpost_sync::protocol::{self, DocPush, SyncRequest};
use outpost_sync::serve::{Peer, handle_sync};
use outpost_sync::session::Session;
use proptest::prelude::*;
use rand::Rng;

use crate::sync::{attach, file_report, raw_photo};
use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0};

const HUB_DIR: &str = "OUTPOST_TEST_HUB_DIR";
const HUB_PORT: &str = "OUTPOST_TEST_HUB_PORT";

/// A hub in a process of its own, so it can be killed with SIGKILL.
#[test]
#[ignore = "started by sync_faults::a_hub_killed_mid_sync_loses_and_duplicates_nothing"]
fn hub_child() {
    let (Some(dir), Some(port)) = (std::env::var_os(HUB_DIR), std::env::var_os(HUB_PORT)) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let addr = format!("127.0.0.1:{}", port.to_string_lossy());
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .expect("bind the same port again");
        println!("listening");
        let dir = std::path::PathBuf::from(dir);
        let key = crate::util::key(&dir);
        let mut settings = outpost_hub::HubSettings::new(dir.clone(), key);
        settings.tls = Some(outpost_hub::tls::default_files(&dir));
        outpost_hub::launch(settings, listener, std::future::pending())
            .await
            .expect("serve");
    });
}

fn spawn_hub(dir: &std::path::Path, port: u16) -> Child {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "sync_faults::hub_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HUB_DIR, dir)
        .env(HUB_PORT, port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hub process starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // Ready once it has bound the port: no sleeping on a guess.
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("listening") => break,
            Some(_) => continue,
            None => panic!("the hub process exited before listening"),
        }
    }
    child
}

/// A code for the usual tablet (BATGAO-1, East, CONFIDENTIAL) written
/// straight into the store of a hub in a process of its own.
fn tablet_code(hub_dir: &std::path::Path) -> String {
    let code = format!("T{}", rand::random::<u32>());
    let grant = outpost_store::Grant {
        unit: "BATGAO-1".into(),
        sector: "East".into(),
        role: "field".into(),
        clearance: "CONFIDENTIAL".into(),
    };
    Store::unlock(hub_dir, &crate::util::pass(), SystemClock.now())
        .expect("hub store")
        .add_enrolment_code(&code, &grant, T0, i64::MAX / 4)
        .expect("code");
    code
}

/// How devices trust a hub in a process of its own: its mission authority.
fn process_trust(hub_dir: &tempfile::TempDir) -> outpost_sync::http::HubTrust {
    outpost_sync::http::HubTrust::Pinned(crate::util::hub::mission_authority(hub_dir.path()))
}

/// A hub process on a free port, with its data directory.
fn hub_process() -> (tempfile::TempDir, u16, Child) {
    let hub_dir = tempfile::tempdir().expect("hub dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    // Its certificates exist before it starts (it serves HTTPS).
    crate::util::hub::mission_authority(hub_dir.path());
    let hub = spawn_hub(hub_dir.path(), port);
    (hub_dir, port, hub)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_killed_mid_sync_loses_and_duplicates_nothing() {
    let (hub_dir, port, mut hub) = hub_process();
    // The tablet reaches the hub through a link that counts the bytes it
    // carries: the kill is triggered from inside the exchange, once a random
    // number of bytes has gone up, so it cannot miss a sync that ends early.
    let upstream: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let link =
        outpost_testlink::Link::start(upstream, outpost_testlink::LinkProfile::loopback(), 7)
            .await
            .expect("link");
    let url = format!("https://{}", link.addr());
    let mut tablet =
        Device::enrol(&url, &tablet_code(hub_dir.path()), process_trust(&hub_dir)).await;
    let mut ids = Vec::new();
    for n in 0..40u8 {
        let id = file_report(
            &mut tablet.store,
            ["patrol", "incident", "qip"][n as usize % 3],
            Classification::Confidential,
        );
        if n % 4 == 0 {
            crate::sync::attach(&mut tablet.store, id, &raw_photo(400_000, n));
        }
        ids.push(id);
    }

    const ROUNDS: usize = 12;
    let mut rng = rand::rng();
    let mut landed = 0;
    let mut kill_points = Vec::new();
    for round in 0..ROUNDS {
        // Edits and photos keep arriving between attempts, as in the field:
        // every round has at least one photo's worth of bytes to send.
        let id = ids[round % ids.len()];
        let now = SystemClock.now();
        tablet
            .store
            .update(id, now, |d| {
                Ok(d.set_answer(
                    "narrative",
                    &serde_json::json!(format!("round {round}")),
                    now,
                )?)
            })
            .expect("edit");
        crate::sync::attach(
            &mut tablet.store,
            id,
            &raw_photo(400_000, 100 + round as u8),
        );
        let kill_at = rng.random_range(1_000..200_000u64);
        link.reset_stats();
        let wifi = outpost_sync::LinkBudget::wifi();
        let sync = tablet.try_sync(&wifi);
        tokio::pin!(sync);
        let reached = async {
            while link.stats().bytes_up < kill_at {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::select! {
            outcome = &mut sync => {
                panic!("round {round}: the sync ended ({}) before {kill_at} bytes went up", outcome.is_ok());
            }
            _ = reached => {
                hub.kill().expect("SIGKILL the hub");
                let _ = hub.wait();
                landed += 1;
                kill_points.push(link.stats().bytes_up);
                let outcome = sync.await;
                assert!(outcome.is_err(), "round {round}: a sync whose hub died mid-way says so");
                hub = spawn_hub(hub_dir.path(), port);
            }
        }
    }
    assert_eq!(landed, ROUNDS, "every kill landed while a sync was running");
    eprintln!("{landed} kills landed mid-sync, after these bytes up: {kill_points:?}");
    let last = tablet.sync().await;
    hub.kill().expect("stop");
    let _ = hub.wait();
    eprintln!(
        "final sync moved {} documents and {} blobs",
        last.documents.docs_up, last.blobs_up
    );
    assert_eq!(
        last.waiting.documents
            + last.waiting.thumbnails_up
            + last.waiting.previews_up
            + last.waiting.originals_up,
        0,
        "nothing is left waiting"
    );

    let hub_store = Store::unlock(hub_dir.path(), &crate::util::pass(), SystemClock.now())
        .expect("the hub's store opens after the kills");
    let doctor = hub_store.doctor().expect("doctor");
    assert!(
        doctor.is_healthy(),
        "the hub's store is intact: {doctor:#?}"
    );
    let held: BTreeSet<ReportId> = hub_store.report_ids().expect("ids").into_iter().collect();
    assert_eq!(
        held,
        ids.iter().copied().collect(),
        "every report is at the hub, and nothing else"
    );
    for id in &ids {
        let mut ours = tablet.store.load(*id).expect("ours");
        let mut theirs = hub_store.load(*id).expect("theirs");
        assert_eq!(
            ours.heads(),
            theirs.heads(),
            "{id}: the hub holds exactly the tablet's version"
        );
        let photos = theirs.photos();
        assert_eq!(
            photos.len(),
            ours.photos().len(),
            "{id}: no photo lost or duplicated"
        );
        for p in photos {
            for v in [&p.original, &p.preview, &p.thumbnail] {
                hub_store
                    .read_blob(&v.sha256)
                    .expect("every variant is at the hub, hash-verified");
            }
        }
    }
}

fn post(url: &str, token: Option<&str>) -> reqwest::RequestBuilder {
    let mut rb = crate::util::hub::raw_client().post(url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    rb
}

async fn error_of(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.expect("every refusal has a JSON body");
    (
        status,
        body["code"].as_str().unwrap_or_default().into(),
        body["message"].as_str().unwrap_or_default().into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_specific_error_and_leaves_the_store_untouched() {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    let photo = raw_photo(100_000, 3);
    attach(&mut tablet.store, id, &photo);
    tablet
        .try_sync(&outpost_sync::LinkBudget::documents_only())
        .await
        .expect("documents");
    let token = tablet.hub.token.clone();
    let sync_url = format!("{}/v1/sync", hub.url);
    let before = {
        let mut d = hub.store().load(id).expect("held");
        d.heads()
    };

    let valid = |version: u16, docs: Vec<DocPush>| {
        protocol::encode(&SyncRequest {
            version,
            request_id: rand::random(),
            since: 0,
            docs,
            need_full: vec![],
            vouchers: vec![],
        })
    };
    const V: u16 = protocol::VERSION;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "no credential",
            post(&sync_url, None).body(valid(V, vec![])),
            401,
            "auth.missing",
        ),
        (
            "unknown credential",
            post(&sync_url, Some("00ff")).body(valid(V, vec![])),
            401,
            "auth.unknown",
        ),
        (
            "garbage body",
            post(&sync_url, Some(&token)).body("hello hub"),
            400,
            "sync.malformed",
        ),
        (
            "truncated body",
            post(&sync_url, Some(&token)).body({
                let b = valid(
                    V,
                    vec![DocPush {
                        id: [1; 16],
                        base: vec![],
                        heads: vec![],
                        payload: vec![7; 3000],
                        sigs: vec![],
                    }],
                );
                b[..b.len() / 2].to_vec()
            }),
            400,
            "sync.malformed",
        ),
        (
            "oversized body",
            post(&sync_url, Some(&token)).body(vec![0u8; protocol::MAX_BODY + 1]),
            413,
            "sync.too_large",
        ),
        (
            "decompression bomb",
            post(&sync_url, Some(&token)).body(
                zstd::bulk::compress(&vec![0u8; protocol::MAX_DECOMPRESSED + 1], 19).expect("bomb"),
            ),
            413,
            "sync.too_large",
        ),
        (
            "newer protocol header",
            post(&sync_url, Some(&token))
                .header(protocol::VERSION_HEADER, (V + 1).to_string())
                .body(valid(V, vec![])),
            400,
            "sync.version",
        ),
        (
            "a peer of protocol 1 (unsigned changes)",
            post(&sync_url, Some(&token))
                .header(protocol::VERSION_HEADER, "1")
                .body(valid(1, vec![])),
            400,
            "sync.version",
        ),
        (
            "newer protocol body",
            post(&sync_url, Some(&token)).body(valid(V + 1, vec![])),
            400,
            "sync.version",
        ),
        (
            "unknown path",
            post(&format!("{}/v1/nothing", hub.url), Some(&token)),
            404,
            "sync.not_found",
        ),
    ];
    for (what, rb, status, code) in cases {
        let resp = rb
            .header(reqwest::header::ACCEPT_LANGUAGE, "fr")
            .send()
            .await
            .expect("the hub answers");
        let (got_status, got_code, message) = error_of(resp).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{what}");
        assert!(
            !message.is_empty() && !message.contains('{'),
            "{what}: a French message: {message}"
        );
    }

    // A replayed body is refused the second time.
    let body = valid(V, vec![]);
    let first = post(&sync_url, Some(&token))
        .body(body.clone())
        .send()
        .await
        .expect("first");
    assert!(first.status().is_success());
    let (status, code, _) = error_of(
        post(&sync_url, Some(&token))
            .body(body)
            .send()
            .await
            .expect("replay"),
    )
    .await;
    assert_eq!((status, code.as_str()), (409, "sync.replayed"));

    // Bad documents inside a good body are refused one by one, with a reason.
    // Each goes in a request of its own: two pushes of one id in one body
    // would leave the second deduplicated, not judged.
    let mut doc = tablet.store.load(id).expect("doc");
    let held_heads: Vec<[u8; 32]> = doc.head_hashes().iter().map(|h| h.0).collect();
    let other = ReportId::from_uuid(uuid::Uuid::new_v4());
    // Two edits the hub has not seen; the second alone, on a base the hub
    // lacks, cannot be applied.
    let mut ahead = doc.fork_as(tablet.store.device_id());
    ahead
        .set_answer("narrative", &serde_json::json!("first"), SystemClock.now())
        .expect("edit");
    let first_heads = ahead.head_hashes();
    ahead
        .set_answer("narrative", &serde_json::json!("second"), SystemClock.now())
        .expect("edit");
    let ahead_heads: Vec<[u8; 32]> = ahead.head_hashes().iter().map(|h| h.0).collect();
    let cases: Vec<(&str, DocPush, &str)> = vec![
        (
            "bytes that are no document",
            DocPush {
                id: *other.as_uuid().as_bytes(),
                base: vec![],
                heads: vec![],
                payload: b"not automerge".to_vec(),
                sigs: vec![],
            },
            "document.corrupt",
        ),
        (
            "bytes on which automerge's decoder panics (found by fuzzing)",
            DocPush {
                id: *other.as_uuid().as_bytes(),
                base: vec![],
                heads: vec![],
                payload: std::fs::read(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/fuzz/document-decoder-panic.bin"
                ))
                .expect("fixture"),
                sigs: vec![],
            },
            "document.corrupt",
        ),
        (
            "a real report pushed under another report's id",
            DocPush {
                id: *other.as_uuid().as_bytes(),
                base: vec![],
                heads: held_heads.clone(),
                payload: doc.save(),
                sigs: vec![],
            },
            "sync.wrong_document",
        ),
        (
            "heads that the payload does not reach",
            DocPush {
                id: *id.as_uuid().as_bytes(),
                base: vec![],
                heads: vec![[9; 32]],
                payload: doc.save(),
                sigs: vec![],
            },
            "sync.heads_mismatch",
        ),
    ];
    for (what, push, code) in cases {
        let resp = post(&sync_url, Some(&token))
            .body(valid(V, vec![push]))
            .send()
            .await
            .expect("answer");
        assert!(resp.status().is_success(), "{what}");
        let answer: protocol::SyncResponse =
            protocol::decode(&resp.bytes().await.expect("body")).expect("decodes");
        assert_eq!(answer.rejected.len(), 1, "{what}: {answer:?}");
        assert_eq!(answer.rejected[0].code, code, "{what}");
        assert!(answer.accepted.is_empty(), "{what}: nothing accepted");
    }
    // Changes whose base the hub lacks (`document.missing_changes` at the
    // hub) are not refused: the hub asks for the document whole.
    let resp = post(&sync_url, Some(&token))
        .body(valid(
            V,
            vec![DocPush {
                id: *id.as_uuid().as_bytes(),
                base: first_heads.iter().map(|h| h.0).collect(),
                heads: ahead_heads,
                payload: ahead.changes_since(&first_heads),
                sigs: vec![],
            }],
        ))
        .send()
        .await
        .expect("answer");
    let answer: protocol::SyncResponse =
        protocol::decode(&resp.bytes().await.expect("body")).expect("decodes");
    assert_eq!(
        (answer.need_full.clone(), answer.rejected.len()),
        (vec![*id.as_uuid().as_bytes()], 0),
        "{answer:?}"
    );

    // Blobs: a wrong hash, an unknown blob, a bad range.
    let blobs = format!("{}/v1/blobs", hub.url);
    let wrong = crate::util::hub::raw_client()
        .put(format!(
            "{blobs}/{}?offset=0&size={}",
            photo.thumbnail.sha256,
            photo.thumbnail.bytes.len()
        ))
        .bearer_auth(&token)
        .body(vec![0u8; photo.thumbnail.bytes.len()])
        .send()
        .await
        .expect("answer");
    let (status, code, _) = error_of(wrong).await;
    assert_eq!(
        (status, code.as_str()),
        (422, "sync.hash_mismatch"),
        "a body that does not hash to its name is refused"
    );
    assert!(
        !hub.store()
            .has_blob(&photo.thumbnail.sha256)
            .expect("lookup"),
        "and not stored"
    );
    let unknown = crate::util::hub::raw_client()
        .put(format!("{blobs}/{}?offset=0&size=3", "ab".repeat(32)))
        .bearer_auth(&token)
        .body(vec![1, 2, 3])
        .send()
        .await
        .expect("answer");
    assert_eq!(error_of(unknown).await.1, "sync.unknown_blob");
    tablet.sync().await;
    let range = crate::util::hub::raw_client()
        .get(format!("{blobs}/{}", photo.thumbnail.sha256))
        .bearer_auth(&token)
        .header(reqwest::header::RANGE, "bytes=99999999-")
        .send()
        .await
        .expect("answer");
    assert_eq!(error_of(range).await.1, "sync.bad_range");

    // Revoked: refused with 403 from the next request on.
    let mut hub_store = hub.store();
    assert!(
        hub_store
            .revoke_device(&tablet.store.device_id().to_string(), SystemClock.now())
            .expect("revoke")
    );
    let err = tablet
        .try_sync(&outpost_sync::LinkBudget::documents_only())
        .await
        .expect_err("revoked");
    assert_eq!(err.code(), "auth.revoked");

    let mut after = hub.store().load(id).expect("still held");
    assert_eq!(after.heads(), before, "none of it changed the report");
    assert_eq!(
        hub.store().report_ids().expect("ids"),
        vec![id],
        "nor added any"
    );
    assert!(hub.store().doctor().expect("doctor").is_healthy());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_codes_work_once() {
    let hub = TestHub::start().await;
    let code = hub.code(
        "BATGAO-1",
        "East",
        Role::Field,
        Classification::Unclassified,
    );
    let first = Device::enrol(&hub.url, &code.to_lowercase(), hub.trust()).await;
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("store");
    let again =
        outpost_sync::http::enrol(&mut store, &hub.url, &code, "second", Lang::Fr, hub.trust())
            .await
            .expect_err("used");
    assert_eq!(again.code(), "enrol.used");
    let unknown = outpost_sync::http::enrol(
        &mut store,
        &hub.url,
        "NOPE-NOPE",
        "x",
        Lang::En,
        hub.trust(),
    )
    .await
    .expect_err("unknown");
    assert_eq!(unknown.code(), "enrol.unknown_code");

    // A code past its time is refused, and says so.
    let expired = format!("T{}", rand::random::<u64>());
    hub.store()
        .add_enrolment_code(
            &expired,
            &outpost_store::Grant {
                unit: "BATGAO-1".into(),
                sector: "East".into(),
                role: "field".into(),
                clearance: "UNCLASSIFIED".into(),
            },
            util::at(-60),
            60_000,
        )
        .expect("code");
    let late = outpost_sync::http::enrol(
        &mut store,
        &hub.url,
        &expired,
        "late",
        Lang::En,
        hub.trust(),
    )
    .await
    .expect_err("expired");
    assert_eq!(late.code(), "enrol.expired");

    // The hub's status is for hubs and headquarters, not for a field tablet.
    let resp = crate::util::hub::raw_client()
        .get(format!("{}/v1/status", hub.url))
        .bearer_auth(&first.hub.token)
        .send()
        .await
        .expect("answer");
    let (status, code, message) = error_of(resp).await;
    assert_eq!(
        (status, code.as_str()),
        (403, "auth.forbidden"),
        "{message}"
    );
    hub.stop().await;
}

/// A hub store and a device store synced directly, without HTTP.
fn sync_direct(hub: &mut Store, peer: &Peer, device: &mut Store) {
    let record = HubRecord {
        hub_id: "hub".into(),
        url: "direct".into(),
        token: String::new(),
        unit: String::new(),
        sector: String::new(),
        role: String::new(),
        clearance: String::new(),
        cursor: 0,
        enrolled_at: T0,
        last_sync_at: None,
        ca_pem: None,
    };
    let mut session = Session::new(&record);
    while let Some(req) = session.next_request(device).expect("plan") {
        let resp = handle_sync(hub, peer, &req, T0).expect("serve");
        session.apply(device, &req, resp, T0).expect("apply");
    }
}

/// A hub store holding one report per entry: (level, author unit, sector,
/// who it is shared with).
fn hub_with(
    reports: &[(Classification, &str, &str, Vec<String>)],
) -> (tempfile::TempDir, Store, Vec<ReportId>) {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("hub store");
    let form = util::form("incident");
    let mut ids = Vec::new();
    let mut docs: Vec<ReportDoc> = reports
        .iter()
        .map(|(level, unit, sector, shares)| {
            let mut new = util::new_report(
                ReportId::from_uuid(uuid::Uuid::new_v4()),
                util::device(1),
                *level,
            );
            new.author_unit = unit.to_string();
            new.sector = sector.to_string();
            new.status = ReviewStatus::Submitted;
            let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
            doc.set_answers(&form.template(), T0).expect("answers");
            for g in shares {
                doc.share_with(g, "HQ", T0).expect("share");
            }
            ids.push(doc.id());
            doc
        })
        .collect();
    store.save_all(&mut docs, T0).expect("save");
    (dir, store, ids)
}

const UNITS: [(&str, &str); 4] = [
    ("BATGAO-1", "East"),
    ("BATGAO-2", "East"),
    ("BATTOMB", "West"),
    ("KIDAL-COY", "North"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the mix of reports and whoever asks, a peer receives exactly
    /// the reports its role, unit, sector and clearance admit — never one
    /// above. Reports carry up to three shares each.
    #[test]
    fn a_peer_receives_exactly_what_it_may_see(
        reports in prop::collection::vec((0usize..3, 0usize..4, prop::collection::vec(0usize..8, 0..4)), 1..12),
        role in 0usize..3,
        unit in 0usize..4,
        clearance in 0usize..3,
    ) {
        // Grantees: the four units, then their sectors.
        let grantee = |g: usize| if g < 4 { UNITS[g].0.to_string() } else { format!("sector:{}", UNITS[g - 4].1) };
        let reports: Vec<(Classification, &str, &str, Vec<String>)> = reports
            .iter()
            .map(|(c, u, shares)| (Classification::ALL[*c], UNITS[*u].0, UNITS[*u].1, shares.iter().map(|g| grantee(*g)).collect()))
            .collect();
        let (_hub_dir, mut hub, ids) = hub_with(&reports);
        let role = [Role::Field, Role::Hq, Role::Hub][role];
        let clearance = Classification::ALL[clearance];
        let (unit, sector) = UNITS[unit];
        let peer = Peer::new("peer", role, unit, sector, clearance);
        let scope = peer.scope.clone();
        let device_dir = tempfile::tempdir().expect("dir");
        let mut device = Store::unlock(device_dir.path(), &crate::util::pass(), T0).expect("device store");
        sync_direct(&mut hub, &peer, &mut device);

        let received: BTreeSet<ReportId> = device.report_ids().expect("ids").into_iter().collect();
        for (id, (level, u, s, shares)) in ids.iter().zip(&reports) {
            // The oracle of the rules table, not the hub's own predicate.
            let rank = |c: Classification| Classification::ALL.iter().position(|x| *x == c).unwrap_or(2);
            let share_names: Vec<&str> = shares.iter().map(String::as_str).collect();
            let admitted = crate::policy::oracle_sees(
                role.as_str(), unit, sector, rank(clearance), u, s, rank(*level), &share_names,
            );
            prop_assert_eq!(received.contains(id), admitted, "{:?} {} {} {:?} for {:?}", level, u, s, shares, scope);
            if received.contains(id) {
                prop_assert!(*level <= clearance, "never above clearance, shared or not");
            }
        }
    }
}

#[test]
fn a_report_hq_shares_reaches_the_other_unit_up_to_its_clearance() {
    let (_hub_dir, mut hub, ids) =
        hub_with(&[(Classification::Confidential, "BATGAO-1", "East", vec![])]);
    let id = ids[0];
    let kidal = |clearance| {
        Peer::new(
            &format!("kidal-{clearance:?}"),
            Role::Field,
            "KIDAL-COY",
            "North",
            clearance,
        )
    };
    let (cleared, uncleared) = (
        kidal(Classification::Confidential),
        kidal(Classification::Unclassified),
    );
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let mut stores: Vec<Store> = dirs
        .iter()
        .map(|d| Store::unlock(d.path(), &crate::util::pass(), T0).expect("store"))
        .collect();
    sync_direct(&mut hub, &cleared, &mut stores[0]);
    assert!(
        stores[0].report_ids().expect("ids").is_empty(),
        "another unit's report is not sent unshared"
    );

    hub.update(id, T0, |d| {
        Ok(d.share_with("KIDAL-COY", "JMAC analyst", T0)?)
    })
    .expect("HQ shares");
    sync_direct(&mut hub, &cleared, &mut stores[0]);
    sync_direct(&mut hub, &uncleared, &mut stores[1]);
    assert_eq!(
        stores[0].report_ids().expect("ids"),
        vec![id],
        "once shared, the cleared Kidal tablet receives it"
    );
    assert!(
        stores[1].report_ids().expect("ids").is_empty(),
        "sharing never lifts a report above a device's clearance"
    );
}

#[test]
fn a_device_may_not_push_what_it_is_not_cleared_for() {
    let (_hub_dir, mut hub, _) = hub_with(&[]);
    let device_dir = tempfile::tempdir().expect("dir");
    let mut device = Store::unlock(device_dir.path(), &crate::util::pass(), T0).expect("device");
    device
        .set_profile(&outpost_store::Profile {
            author: "Lt. A. Traoré".into(),
            unit: "BATGAO-1".into(),
            sector: "East".into(),
        })
        .expect("the unit the hub granted");
    let secret = file_report(
        &mut device,
        "incident",
        Classification::StrictlyConfidential,
    );
    let ok = file_report(&mut device, "incident", Classification::Unclassified);
    let peer = Peer::new(
        &device.device_id().to_string(),
        Role::Field,
        "BATGAO-1",
        "East",
        Classification::Confidential,
    );
    sync_direct(&mut hub, &peer, &mut device);
    let held = hub.report_ids().expect("ids");
    assert_eq!(
        held,
        vec![ok],
        "the cleared report went, the strictly confidential one did not"
    );
    assert!(device.load(secret).is_ok(), "and the device keeps it");
}

/// A hub that dies while the command line is uploading a photo: the command
/// ends with a message and a failing exit code of its own, never silently
/// of SIGPIPE (exit 141).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_says_so_when_the_hub_dies_mid_upload() {
    let (hub_dir, port, mut hub) = hub_process();
    // Straight to the hub, as over camp Wi-Fi: its socket dies with it.
    let mut tablet = Device::enrol(
        &format!("https://127.0.0.1:{port}"),
        &tablet_code(hub_dir.path()),
        process_trust(&hub_dir),
    )
    .await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    // Large enough that the hub, syncing each 64 KiB piece to disk, is still
    // receiving it when it is killed.
    let photo = raw_photo(40_000_000, 9);
    let original = photo.original.sha256.clone();
    crate::sync::attach(&mut tablet.store, id, &photo);

    let cli = util::outpost(tablet.dir.path())
        .arg("sync")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("outpost sync starts");
    // Kill the hub once part of the original is durably at the hub.
    let hub_store =
        Store::unlock(hub_dir.path(), &crate::util::pass(), SystemClock.now()).expect("hub store");
    let sender = tablet.store.device_id().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let received = loop {
        let received = hub_store
            .partial_received(&original, &sender)
            .expect("read");
        if received > 0 || std::time::Instant::now() > deadline {
            break received;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    hub.kill().expect("SIGKILL the hub");
    let _ = hub.wait();
    assert!(
        received > 0 && received < 40_000_000,
        "the kill landed mid-upload ({received} of 40,000,000 bytes in)"
    );
    let out = tokio::task::spawn_blocking(move || cli.wait_with_output())
        .await
        .expect("join")
        .expect("outpost sync ends");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        None,
        "not killed by a signal: {:?}",
        out.status
    );
    assert_ne!(out.status.code(), Some(0), "a failed sync is not a success");
    let stderr = util::stderr(&out);
    assert!(
        stderr.contains("[sync.link]") && stderr.contains("Nothing was lost"),
        "says the link to the hub failed, and that nothing was lost: {stderr}"
    );
}

/// A photo whose local copy was damaged on the tablet is reported and
/// skipped; the other files still go, and the damaged one is never sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_local_file_is_reported_and_the_rest_goes() {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await;
    let id = file_report(&mut tablet.store, "incident", Classification::Confidential);
    let (bad, good) = (raw_photo(30_000, 1), raw_photo(30_000, 2));
    attach(&mut tablet.store, id, &bad);
    attach(&mut tablet.store, id, &good);
    let sha = bad.original.sha256.clone();
    let path = tablet.dir.path().join("blobs").join(&sha[..2]).join(&sha);
    let mut bytes = std::fs::read(&path).expect("the original is on disk");
    bytes[100] ^= 0xff;
    std::fs::write(&path, bytes).expect("damage it");

    let report = tablet
        .try_sync(&outpost_sync::LinkBudget::wifi())
        .await
        .expect("the sync goes on");
    assert_eq!(
        report.documents.rejected.get(&sha).map(String::as_str),
        Some("store.blob_corrupt"),
        "the damaged file is named with its reason: {:?}",
        report.documents.rejected
    );
    assert_eq!(report.blobs_up, 5, "every other file went");
    let at_hub = hub.store();
    assert!(at_hub.has_blob(&good.original.sha256).expect("read"));
    assert!(
        !at_hub.has_blob(&sha).expect("read"),
        "the damaged copy never reached the hub"
    );
    hub.stop().await;
}

/// A damaged local copy of a photo the hub already held was never fetched
/// again: the doctor found it, and every later sync left it damaged. Now the
/// doctor's repair sets it aside and the next sync brings the hub's good copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_local_photo_is_repaired_from_the_hubs_good_copy() {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await;
    let id = file_report(&mut tablet.store, "patrol", Classification::Confidential);
    let photo = raw_photo(40_000, 3);
    attach(&mut tablet.store, id, &photo);
    tablet.sync().await;
    let sha = photo.preview.sha256.clone();
    assert!(
        hub.store().has_blob(&sha).expect("read"),
        "the hub holds it"
    );

    let path = tablet.dir.path().join("blobs").join(&sha[..2]).join(&sha);
    let mut bytes = std::fs::read(&path).expect("on disk");
    bytes[40] ^= 0x55;
    std::fs::write(&path, bytes).expect("damage it");

    let data = tablet.dir.path().to_path_buf();
    let doctor = |args: &[&str]| {
        crate::util::outpost(&data)
            .arg("doctor")
            .args(args)
            .output()
            .expect("doctor runs")
    };
    let found = doctor(&[]);
    assert!(!found.status.success(), "damage is a problem");
    assert!(crate::util::stdout(&found).contains(&sha));
    let repair = doctor(&["--repair"]);
    assert!(
        crate::util::stderr(&repair).contains("set 1 damaged file(s) aside"),
        "{}",
        crate::util::stderr(&repair)
    );
    assert!(
        !repair.status.success(),
        "still a problem until the good copy is back: {}",
        crate::util::stdout(&repair)
    );

    let report = tablet.sync().await;
    assert_eq!(report.blobs_down, 1, "the good copy came down");
    let bytes = tablet
        .store
        .read_blob(&sha)
        .expect("whole and hash-verified");
    assert_eq!(bytes, photo.preview.bytes, "the very bytes of the photo");
    let healthy = doctor(&[]);
    assert!(
        healthy.status.success(),
        "{}",
        crate::util::stdout(&healthy)
    );
    hub.stop().await;
}
