//! Sync benchmark: a day's patrol (20 reports, 40 photos) over an emulated
//! BGAN satellite link and over camp Wi-Fi, against the naive way (each report
//! one POST with its original photos), and the cost of reconnecting with
//! nothing changed on 10,000 documents. Prints a table; asserts nothing.
//!
//! `cargo bench --bench sync` runs the full sizes (several minutes: the links
//! are emulated in real time). Without `--bench` it runs a quick pass.

#[path = "../tests/util/generate.rs"]
mod generate;

use std::time::{Duration, Instant};

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Catalog, Classification, Lang, PhotoId, ReportDoc, ReportId};
use outpost_store::{Grant, Store};
use outpost_sync::LinkBudget;
use outpost_sync::http::{Stage, sync_with_progress};
use outpost_testlink::{Link, LinkProfile};
use rand::SeedableRng;

struct Hub {
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
    /// `http` (the protocol's own bytes) or `https` (with TLS's).
    scheme: &'static str,
    trust: outpost_sync::http::HubTrust,
}

/// A hub serving plain HTTP (explicitly: the protocol's own bytes are what
/// most of this benchmark measures).
async fn start_hub() -> Hub {
    start_hub_with(false).await
}

/// A hub serving HTTPS with its own mission authority when `tls`.
async fn start_hub_with(tls: bool) -> Hub {
    let dir = tempfile::tempdir().expect("hub dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let settings = outpost_hub::HubSettings::new(
        dir.path().to_path_buf(),
        outpost_store::unlock(
            dir.path(),
            &outpost_store::Passphrase::new("bench passphrase"),
            SystemClock.now(),
        )
        .expect("hub key"),
    );
    let mut settings = settings;
    let trust = if tls {
        let made =
            outpost_hub::tls::init(dir.path(), &["127.0.0.1".to_string()]).expect("certificates");
        settings.tls = Some(made.hub);
        outpost_sync::http::HubTrust::Pinned(
            std::fs::read_to_string(made.ca_cert).expect("authority"),
        )
    } else {
        outpost_sync::http::HubTrust::InsecureHttp
    };
    tokio::spawn(async move {
        let _ = outpost_hub::launch(settings, listener, async {
            let _ = stopped.await;
        })
        .await;
    });
    Hub {
        addr,
        dir,
        stop,
        scheme: if tls { "https" } else { "http" },
        trust,
    }
}

async fn enrolled_tablet(hub: &Hub) -> (tempfile::TempDir, Store, outpost_store::HubRecord) {
    let code = format!("B{}", rand::random::<u32>());
    let grant = Grant {
        unit: "BATGAO-1".into(),
        sector: "East".into(),
        role: "field".into(),
        clearance: "CONFIDENTIAL".into(),
    };
    Store::unlock(
        hub.dir.path(),
        &outpost_store::Passphrase::new("bench passphrase"),
        SystemClock.now(),
    )
    .expect("hub store")
    .add_enrolment_code(&code, &grant, SystemClock.now(), 3_600_000)
    .expect("code");
    let dir = tempfile::tempdir().expect("tablet dir");
    let mut store = Store::unlock(
        dir.path(),
        &outpost_store::Passphrase::new("bench passphrase"),
        SystemClock.now(),
    )
    .expect("tablet store");
    let record = outpost_sync::http::enrol(
        &mut store,
        &format!("{}://{}", hub.scheme, hub.addr),
        &code,
        "bench",
        Lang::En,
        hub.trust.clone(),
    )
    .await
    .expect("enrol");
    (dir, store, record)
}

struct Day {
    reports: Vec<ReportDoc>,
    photos: Vec<outpost_media::ProcessedPhoto>,
}

fn a_days_patrol(reports: usize, photos_per_report: usize, size: (u32, u32)) -> Day {
    let catalog = Catalog::builtin();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let now = SystemClock.now();
    let docs = (0..reports)
        .map(|n| {
            let kind = ["patrol", "incident", "qip"][n % 3];
            let form = catalog.get(kind).expect("form");
            let new = generate::new_report(
                ReportId::from_uuid(uuid::Uuid::new_v4()),
                outpost_report::DeviceId::from_uuid(uuid::Uuid::new_v4()),
                Classification::Confidential,
            );
            generate::report(form, &new, &mut rng, now)
        })
        .collect();
    let photos = (0..reports * photos_per_report)
        .map(|n| {
            outpost_media::process(
                &generate::camera_like_jpeg(size.0, size.1, n as u64),
                &Default::default(),
            )
            .expect("photo")
        })
        .collect();
    Day {
        reports: docs,
        photos,
    }
}

/// Files the day's reports on `store` as its own device does: each report
/// created, then saved answer by answer as the debrief saves them (one
/// signed change per answer), then its photos attached.
fn fill(store: &mut Store, day: &Day) {
    let now = SystemClock.now();
    let catalog = Catalog::builtin();
    let mut ids = Vec::new();
    for template in &day.reports {
        let form = catalog.get(&template.form_id()).expect("form");
        let meta = template.meta();
        let new = outpost_report::NewReport {
            id: template.id(),
            author: meta.author,
            author_unit: meta.author_unit,
            sector: meta.sector,
            device: store.device_id(),
            language: meta.language,
            classification: meta.classification,
            status: meta.status,
        };
        let mut doc = ReportDoc::create(form, &new, now).expect("create");
        store.save(&mut doc, now).expect("save");
        for (field, value) in template.answers() {
            store
                .update(doc.id(), now, |d| Ok(d.set_answer(&field, &value, now)?))
                .expect("answer");
        }
        ids.push(doc.id());
    }
    let per = day.photos.len() / ids.len().max(1);
    for (i, photo) in day.photos.iter().enumerate() {
        let id = ids[(i / per.max(1)).min(ids.len() - 1)];
        store
            .add_photo(
                id,
                photo,
                Some("photos"),
                false,
                PhotoId::from_uuid(uuid::Uuid::new_v4()),
                now,
            )
            .expect("photo");
    }
}

/// The first document request a sync of `store` would send, compressed as
/// on the wire: with its signatures, and with them stripped (what protocol
/// 1 sent). Every report of the day fits in one request.
fn document_request_bytes(store: &Store, record: &outpost_store::HubRecord) -> (u64, u64) {
    let mut session = outpost_sync::session::Session::new(record);
    let Some(req) = session.next_request(store).expect("plan") else {
        return (0, 0);
    };
    let signed = outpost_sync::protocol::encode(&req).len() as u64;
    let mut bare = req.clone();
    for d in &mut bare.docs {
        d.sigs.clear();
    }
    bare.vouchers.clear();
    (signed, outpost_sync::protocol::encode(&bare).len() as u64)
}

/// What signatures cost one patrol day on one link.
struct SignatureCost {
    link: String,
    wire: u64,
    signed: u64,
    bare: u64,
    changes: usize,
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1000.0)
}

async fn outpost_day(day: &Day, profile: LinkProfile, budget: LinkBudget) -> SignatureCost {
    let hub = start_hub().await;
    let (_dir, mut store, mut record) = enrolled_tablet(&hub).await;
    let link = Link::start(hub.addr, profile.clone(), 9)
        .await
        .expect("link");
    record.url = link.url();
    fill(&mut store, day);
    let mut changes = 0;
    let docs_payload: u64 = day
        .reports
        .iter()
        .map(|d| {
            let mut doc = store.load(d.id()).expect("filed");
            changes += doc.history().len();
            doc.save().len() as u64
        })
        .sum();
    let (signed, bare) = document_request_bytes(&store, &record);
    let class_bytes = |f: fn(&outpost_media::ProcessedPhoto) -> &outpost_media::Variant| -> u64 {
        day.photos.iter().map(|p| f(p).bytes.len() as u64).sum()
    };
    let (thumbs, previews, originals) = (
        class_bytes(|p| &p.thumbnail),
        class_bytes(|p| &p.preview),
        class_bytes(|p| &p.original),
    );
    let mut payload = docs_payload + thumbs;
    if budget.max_class.is_some_and(|c| c >= 1) {
        payload += previews;
    }
    if budget.max_class.is_some_and(|c| c >= 2) {
        payload += originals;
    }

    link.reset_stats();
    let start = Instant::now();
    let mut at = Vec::new();
    let report = sync_with_progress(&mut store, &record, &budget, Lang::En, |p| {
        if p.stage_done {
            at.push((p.stage, start.elapsed()))
        }
    })
    .await
    .expect("sync");
    let stats = link.stats();
    let wire = stats.bytes_up + stats.bytes_down;
    let when = |s: Stage| {
        at.iter()
            .find(|(st, _)| *st == s)
            .map(|(_, d)| secs(*d))
            .unwrap_or_else(|| "not sent (budget)".into())
    };
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {} |",
        profile.name,
        day.reports.len(),
        day.photos.len(),
        when(Stage::Documents),
        when(Stage::Thumbnails),
        when(Stage::Previews),
        when(Stage::Originals),
        kb(wire),
        wire as f64 / payload as f64,
        report.requests,
    );
    let _ = report;
    link.shutdown().await;
    let _ = hub.stop.send(());
    SignatureCost {
        link: profile.name.to_string(),
        wire,
        signed,
        bare,
        changes,
    }
}

/// The way ODK-style tools send: one POST per report carrying its original
/// photos, restarted from zero when cut. Measured through the same link.
async fn naive_day(day: &Day, profile: LinkProfile, measure: bool) {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .route(
            "/submit",
            post(|body: axum::body::Bytes| async move { format!("{}", body.len()) }),
        )
        .layer(axum::extract::DefaultBodyLimit::disable());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let link = Link::start(addr, profile.clone(), 11).await.expect("link");
    let per = day.photos.len() / day.reports.len().max(1);
    let bodies: Vec<Vec<u8>> = day
        .reports
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut body = serde_json::to_vec(&d.clone().to_json()).expect("json");
            for p in &day.photos[i * per..(i + 1) * per] {
                body.extend_from_slice(&p.original.bytes);
            }
            body
        })
        .collect();
    let total: u64 = bodies.iter().map(|b| b.len() as u64).sum();
    if measure {
        let client = reqwest::Client::new();
        let start = Instant::now();
        for body in bodies {
            client
                .post(format!("{}/submit", link.url()))
                .body(body)
                .send()
                .await
                .expect("post")
                .bytes()
                .await
                .expect("answer");
        }
        let stats = link.stats();
        println!(
            "| {} naive (one POST per report with originals) | {} | {} | {} (with the photos) | - | - | {} | {} | - | {} |",
            profile.name,
            day.reports.len(),
            day.photos.len(),
            secs(start.elapsed()),
            secs(start.elapsed()),
            kb(stats.bytes_up + stats.bytes_down),
            day.reports.len()
        );
    } else {
        let seconds = total as f64 * 8.0 / profile.rate_bits_per_sec as f64
            + day.reports.len() as f64 * profile.rtt.as_secs_f64() * 2.0;
        println!(
            "| {} naive, estimated from bytes and rate | {} | {} | {:.0} s (with the photos) | - | - | {:.0} s | {} | - | {} |",
            profile.name,
            day.reports.len(),
            day.photos.len(),
            seconds,
            seconds,
            kb(total),
            day.reports.len()
        );
    }
    link.shutdown().await;
    server.abort();
}

async fn reconnect(docs: usize) {
    let hub = start_hub().await;
    let (_dir, mut store, mut record) = enrolled_tablet(&hub).await;
    let link = Link::start(hub.addr, LinkProfile::satellite(), 3)
        .await
        .expect("link");
    let catalog = Catalog::builtin();
    let form = catalog.get("incident").expect("form");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let now = SystemClock.now();
    for chunk in 0..docs.div_ceil(500) {
        let n = 500.min(docs - chunk * 500);
        let mut batch: Vec<ReportDoc> = (0..n)
            .map(|_| {
                let new = generate::new_report(
                    ReportId::from_uuid(uuid::Uuid::new_v4()),
                    store.device_id(),
                    Classification::Unclassified,
                );
                generate::report(form, &new, &mut rng, now)
            })
            .collect();
        store.save_all(&mut batch, now).expect("save");
    }
    // First sync on loopback (the bulk upload is not what this measures).
    let t = Instant::now();
    outpost_sync::http::sync(&mut store, &record, &LinkBudget::documents_only(), Lang::En)
        .await
        .expect("first sync");
    let first = t.elapsed();
    record.url = link.url();
    link.reset_stats();
    let t = Instant::now();
    let report = outpost_sync::http::sync(&mut store, &record, &LinkBudget::satellite(), Lang::En)
        .await
        .expect("reconnect");
    let stats = link.stats();
    println!(
        "reconnect with nothing changed, {docs} documents, over satellite: {} B up + {} B down on the wire, {} request(s), {} (first full upload on loopback took {})",
        stats.bytes_up,
        stats.bytes_down,
        report.requests,
        secs(t.elapsed()),
        secs(first)
    );
    println!(
        "  anchors for 1,000 documents: automerge per-document sync ~93 KB each way; automerge-repo ~211 KB"
    );
    link.shutdown().await;
    let _ = hub.stop.send(());
}

/// How long another device's sync takes while a hostile device pushes an
/// expansion bomb (a few KB that decode to `ops` operations), against the
/// same sync alone: the bomb is decoded and refused outside the hub's lock.
async fn hostile_wait(ops: usize) {
    use automerge::transaction::Transactable;
    let hub = start_hub().await;
    let (_a, attacker_store, attacker) = enrolled_tablet(&hub).await;
    let (_b, mut store, record) = enrolled_tablet(&hub).await;
    let catalog = Catalog::builtin();
    let form = catalog.get("patrol").expect("form");
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let now = SystemClock.now();
    let mut timed_sync = |store: &mut Store| {
        let new = generate::new_report(
            ReportId::from_uuid(uuid::Uuid::new_v4()),
            store.device_id(),
            Classification::Confidential,
        );
        let mut doc = generate::report(form, &new, &mut rng, now);
        store.save(&mut doc, now).expect("save");
        Instant::now()
    };
    let mut alone = Vec::new();
    for _ in 0..3 {
        let t = timed_sync(&mut store);
        outpost_sync::http::sync(&mut store, &record, &LinkBudget::documents_only(), Lang::En)
            .await
            .expect("sync");
        alone.push(t.elapsed());
    }
    alone.sort();

    let new = generate::new_report(
        ReportId::from_uuid(uuid::Uuid::new_v4()),
        attacker_store.device_id(),
        Classification::Confidential,
    );
    let mut doc = ReportDoc::create(form, &new, now).expect("create");
    let mut am = automerge::AutoCommit::load(&doc.save()).expect("load");
    let answers = match automerge::ReadDoc::get(&am, automerge::ROOT, "answers") {
        Ok(Some((_, id))) => id,
        _ => panic!("a report has answers"),
    };
    let list = am
        .put_object(&answers, "route", automerge::ObjType::List)
        .expect("list");
    am.splice(
        &list,
        0,
        0,
        std::iter::repeat_n(automerge::ScalarValue::Null, ops),
    )
    .expect("splice");
    let bomb = outpost_sync::protocol::SyncRequest {
        version: outpost_sync::protocol::VERSION,
        request_id: rand::random(),
        since: 0,
        docs: vec![outpost_sync::protocol::DocPush {
            id: *new.id.as_uuid().as_bytes(),
            base: Vec::new(),
            heads: am.get_heads().iter().map(|h| h.0).collect(),
            payload: am.save(),
            sigs: Vec::new(),
        }],
        need_full: Vec::new(),
        vouchers: Vec::new(),
    };
    let bomb_bytes = bomb.docs[0].payload.len();
    let client = outpost_sync::http::HubClient::new(
        &attacker.url,
        Some(attacker.token.clone()),
        Lang::En,
        &outpost_sync::http::HubTrust::of(&attacker),
    )
    .expect("client");
    let t_bomb = Instant::now();
    let hostile = tokio::spawn(async move {
        let (resp, _) = client.exchange(&bomb).await.expect("answered");
        (
            t_bomb.elapsed(),
            resp.rejected.first().map(|r| r.code.clone()),
        )
    });
    let t = timed_sync(&mut store);
    outpost_sync::http::sync(&mut store, &record, &LinkBudget::documents_only(), Lang::En)
        .await
        .expect("sync");
    let during = t.elapsed();
    let (bomb_time, code) = hostile.await.expect("join");
    println!(
        "hostile push: {bomb_bytes} B decoding to {ops} operations, refused with {} in {:.0} ms; another device's sync {:.0} ms alone (median of 3) and {:.0} ms meanwhile ({:.2}x)",
        code.unwrap_or_else(|| "nothing".into()),
        bomb_time.as_secs_f64() * 1000.0,
        alone[1].as_secs_f64() * 1000.0,
        during.as_secs_f64() * 1000.0,
        during.as_secs_f64() / alone[1].as_secs_f64().max(1e-9),
    );
    let _ = hub.stop.send(());
}

/// What a hub spends verifying one change's signature.
fn verify_cost(n: usize) {
    let key = outpost_report::signature::DeviceKey::from_secret([4; 32]);
    let public = key.public();
    let signed: Vec<([u8; 32], [u8; 64])> = (0..n)
        .map(|i| {
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
            (hash, key.sign_change(&hash))
        })
        .collect();
    let t = Instant::now();
    let ok = signed
        .iter()
        .filter(|(h, s)| public.verifies_change(h, s))
        .count();
    let per = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("  verifying a change's signature: {per:.1} µs per change ({ok} of {n} verified)");
}

/// What TLS adds to a sync on the satellite link (without loss, so that the
/// times compare): the documents of a day's patrol, then a reconnect with
/// nothing changed, each a new connection, over plain HTTP and over TLS 1.3.
async fn tls_cost(day: &Day) {
    let profile = LinkProfile {
        loss: 0.0,
        ..LinkProfile::satellite()
    };
    let mut rows = Vec::new();
    for tls in [false, true] {
        let hub = start_hub_with(tls).await;
        let (_dir, mut store, mut record) = enrolled_tablet(&hub).await;
        let link = Link::start(hub.addr, profile.clone(), 11)
            .await
            .expect("link");
        let addr = link.url().trim_start_matches("http://").to_string();
        record.url = format!("{}://{addr}", hub.scheme);
        fill(&mut store, day);
        let mut measured = Vec::new();
        for _ in 0..2 {
            link.reset_stats();
            let t = Instant::now();
            let report = outpost_sync::http::sync(
                &mut store,
                &record,
                &LinkBudget::documents_only(),
                Lang::En,
            )
            .await
            .expect("sync");
            let stats = link.stats();
            measured.push((stats, t.elapsed(), report.requests));
        }
        rows.push((hub.scheme, measured));
        link.shutdown().await;
        let _ = hub.stop.send(());
    }
    println!(
        "TLS on the satellite link ({} ms round trip, no loss), each sync a new connection:",
        profile.rtt.as_millis()
    );
    for (scheme, measured) in &rows {
        for ((stats, took, requests), what) in measured
            .iter()
            .zip(["day's documents", "reconnect, nothing changed"])
        {
            println!(
                "  {scheme:<5} {what:<27} {} B up + {} B down, {} connection(s), {} request(s), {}",
                stats.bytes_up,
                stats.bytes_down,
                stats.connections,
                requests,
                secs(*took)
            );
        }
    }
    let (plain, tls) = (&rows[0].1, &rows[1].1);
    for (n, what) in ["day's documents", "reconnect, nothing changed"]
        .iter()
        .enumerate()
    {
        let bytes =
            |m: &(outpost_testlink::LinkStats, Duration, u64)| m.0.bytes_up + m.0.bytes_down;
        let extra = tls[n].1.as_secs_f64() - plain[n].1.as_secs_f64();
        println!(
            "  TLS adds to the {what}: {} B ({:.2}x the bytes), {:.2} s = {:.1} round trip(s)",
            bytes(&tls[n]).saturating_sub(bytes(&plain[n])),
            bytes(&tls[n]) as f64 / bytes(&plain[n]).max(1) as f64,
            extra,
            extra / profile.rtt.as_secs_f64()
        );
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (reports, per, size, docs) = if full { (20, 2, (2000, 1500), 10_000) } else { (2, 1, (320, 240), 200) };
        let t = Instant::now();
        let day = a_days_patrol(reports, per, size);
        let sum = |f: fn(&outpost_media::ProcessedPhoto) -> usize| day.photos.iter().map(f).sum::<usize>() as u64;
        println!("Outpost sync benchmark ({} mode); photos {}x{} processed in {}", if full { "full" } else { "quick" }, size.0, size.1, secs(t.elapsed()));
        println!("payload: {} reports ({} saved), thumbnails {}, previews {}, originals {}",
            reports,
            kb(day.reports.iter().map(|d| d.clone().save().len() as u64).sum()),
            kb(sum(|p| p.thumbnail.bytes.len())),
            kb(sum(|p| p.preview.bytes.len())),
            kb(sum(|p| p.original.bytes.len())));
        println!();
        println!("| link | reports | photos | documents at hub | thumbnails at hub | previews at hub | originals at hub | bytes on the wire | wire / payload | requests |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
        let costs = if full {
            let sat = outpost_day(&day, LinkProfile::satellite(), LinkBudget::satellite()).await;
            let wifi = outpost_day(&day, LinkProfile::camp_wifi(), LinkBudget::wifi()).await;
            naive_day(&day, LinkProfile::satellite(), false).await;
            naive_day(&day, LinkProfile::camp_wifi(), true).await;
            vec![sat, wifi]
        } else {
            let loopback = outpost_day(&day, LinkProfile::loopback(), LinkBudget::wifi()).await;
            naive_day(&day, LinkProfile::loopback(), true).await;
            vec![loopback]
        };
        println!();
        println!("Signatures (protocol 2) against the same requests stripped of them (protocol 1):");
        for c in &costs {
            let added = c.signed.saturating_sub(c.bare);
            println!(
                "  {}: {} changes signed; document request {} signed vs {} bare ({:.2}x); the day on the wire {} vs {} without signatures ({:.3}x)",
                c.link,
                c.changes,
                kb(c.signed),
                kb(c.bare),
                c.signed as f64 / c.bare.max(1) as f64,
                kb(c.wire),
                kb(c.wire.saturating_sub(added)),
                c.wire as f64 / c.wire.saturating_sub(added).max(1) as f64,
            );
        }
        verify_cost(if full { 10_000 } else { 500 });
        hostile_wait(if full { 2_000_000 } else { 200_000 }).await;
        println!();
        reconnect(docs).await;
        println!();
        tls_cost(&day).await;
    });
}
