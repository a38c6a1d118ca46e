//! Foundation benchmarks: saving, opening, listing, searching, and the photo
//! pipeline. Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench foundation` runs the full sizes (10,000 reports).
//! Without `--bench` (as `cargo test --benches` runs it) it does a quick pass
//! on small sizes, so the benchmark keeps compiling and running.

#[path = "../tests/util/generate.rs"]
mod generate;

use std::time::{Duration, Instant};

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Catalog, Classification, Lang, ReportDoc, ReportId, ReviewStatus};
use outpost_store::{ReportFilter, Store};
use rand::SeedableRng;

struct Sizes {
    saves: usize,
    store: usize,
    photos: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn new_doc(catalog: &Catalog, store: &Store, n: usize, rng: &mut rand::rngs::StdRng) -> ReportDoc {
    let kind = ["patrol", "incident", "qip"][n % 3];
    let form = catalog.get(kind).expect("shipped form");
    let now = SystemClock.now();
    let mut new = generate::new_report(
        ReportId::from_uuid(uuid::Uuid::now_v7()),
        store.device_id(),
        Classification::ALL[n % 3],
    );
    new.language = if n.is_multiple_of(2) {
        Lang::Fr
    } else {
        Lang::En
    };
    generate::report(form, &new, rng, now)
}

/// A store set up (or unlocked) with the benchmark's passphrase.
fn open_store(dir: &std::path::Path) -> outpost_store::Result<Store> {
    Store::unlock(
        dir,
        &outpost_store::Passphrase::new("bench passphrase"),
        SystemClock.now(),
    )
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes {
            saves: 500,
            store: 10_000,
            photos: 5,
        }
    } else {
        Sizes {
            saves: 20,
            store: 200,
            photos: 1,
        }
    };
    let catalog = Catalog::builtin();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    println!(
        "Outpost foundation benchmark ({} mode)",
        if full { "full" } else { "quick" }
    );

    // 1. Saving one report, durably (synchronous=FULL), one transaction each.
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open_store(dir.path()).expect("open");
    let mut times = Vec::with_capacity(sizes.saves);
    let mut bytes = 0usize;
    for n in 0..sizes.saves {
        let mut doc = new_doc(&catalog, &store, n, &mut rng);
        let t = Instant::now();
        store.save(&mut doc, SystemClock.now()).expect("save");
        times.push(t.elapsed());
        bytes += doc.save().len();
    }
    times.sort();
    println!(
        "save one new report (FULL sync): median {}, p99 {}, max {} over {} saves; document {} B on average",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().expect("some")),
        sizes.saves,
        bytes / sizes.saves
    );
    let ids = store.report_ids().expect("ids");
    let mut edits = Vec::new();
    for (n, id) in ids.iter().enumerate().take(sizes.saves) {
        let t = Instant::now();
        store
            .update(*id, SystemClock.now(), |d| {
                Ok(d.set_answer(
                    "narrative",
                    &serde_json::json!(format!("edit {n}")),
                    SystemClock.now(),
                )?)
            })
            .expect("edit");
        edits.push(t.elapsed());
    }
    edits.sort();
    println!(
        "save one field edit (load, change, FULL sync): median {}, p99 {}",
        ms(percentile(&edits, 0.5)),
        ms(percentile(&edits, 0.99))
    );

    // 2. A store of many reports.
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut store = open_store(dir.path()).expect("open");
        let t = Instant::now();
        for chunk in (0..sizes.store).collect::<Vec<_>>().chunks(500) {
            let mut docs: Vec<_> = chunk
                .iter()
                .map(|n| new_doc(&catalog, &store, *n, &mut rng))
                .collect();
            store.save_all(&mut docs, SystemClock.now()).expect("batch");
        }
        println!(
            "fill a store with {} reports in batches of 500: {}",
            sizes.store,
            ms(t.elapsed())
        );
    }
    let db_bytes = std::fs::metadata(dir.path().join(outpost_store::DATABASE_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    let t = Instant::now();
    let store = open_store(dir.path()).expect("reopen");
    println!(
        "open a store of {} reports: {} (database {:.1} MB)",
        sizes.store,
        ms(t.elapsed()),
        db_bytes as f64 / 1e6
    );

    let time = |label: &str, f: &dyn Fn() -> usize| {
        let mut runs: Vec<_> = (0..7)
            .map(|_| {
                let t = Instant::now();
                let n = f();
                (t.elapsed(), n)
            })
            .collect();
        runs.sort();
        println!("{label}: median {} ({} rows)", ms(runs[3].0), runs[3].1);
        runs[3].0
    };
    let page = time(
        &format!("list first page of 50 of {}", sizes.store),
        &|| {
            store
                .list(&ReportFilter {
                    limit: Some(50),
                    ..Default::default()
                })
                .expect("list")
                .len()
        },
    );
    let all = time(&format!("list all {}", sizes.store), &|| {
        store.list(&ReportFilter::default()).expect("list").len()
    });
    time("count with kind + status + clearance filters", &|| {
        store
            .count(&ReportFilter {
                kind: Some("incident".into()),
                status: Some(ReviewStatus::Submitted),
                clearance: Some(Classification::Confidential),
                ..Default::default()
            })
            .expect("count") as usize
    });
    let search = time(
        "full-text search 'securite puits' (accent-free, FR)",
        &|| {
            store
                .list(&ReportFilter {
                    text: Some("securite puits".into()),
                    ..Default::default()
                })
                .expect("search")
                .len()
        },
    );
    time("full-text search 'convoy' with limit 50", &|| {
        store
            .list(&ReportFilter {
                text: Some("convoy".into()),
                limit: Some(50),
                ..Default::default()
            })
            .expect("search")
            .len()
    });
    println!(
        "ratios: list-all / first-page = {:.1}x, search / first-page = {:.1}x",
        all.as_secs_f64() / page.as_secs_f64(),
        search.as_secs_f64() / page.as_secs_f64()
    );

    // 3. The photo pipeline.
    let input = generate::camera_like_jpeg(4000, 3000, 9);
    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..sizes.photos {
        let t = Instant::now();
        let p = outpost_media::process(&input, &Default::default()).expect("process");
        runs.push(t.elapsed());
        last = Some(p);
    }
    runs.sort();
    let p = last.expect("processed");
    println!(
        "photo pipeline, 4000x3000 camera-like JPEG of {} B: median {} per photo",
        input.len(),
        ms(runs[runs.len() / 2])
    );
    for v in p.variants() {
        println!(
            "  {:<9} {}x{}  {} B",
            v.kind.as_str(),
            v.width,
            v.height,
            v.bytes.len()
        );
    }
    println!(
        "  thumbnail is {:.2}% and preview {:.1}% of the original's bytes",
        100.0 * p.thumbnail.bytes.len() as f64 / p.original.bytes.len() as f64,
        100.0 * p.preview.bytes.len() as f64 / p.original.bytes.len() as f64
    );

    // The photo stored: processed, its three files sealed and written.
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open_store(dir.path()).expect("open");
    let mut doc = new_doc(&catalog, &store, 0, &mut rng);
    store.save(&mut doc, SystemClock.now()).expect("save");
    let mut runs = Vec::new();
    for n in 0..sizes.photos {
        // A new photo each time (the same bytes would be stored once).
        let input = generate::camera_like_jpeg(4000, 3000, 10 + n as u64);
        let t = Instant::now();
        let p = outpost_media::process(&input, &Default::default()).expect("process");
        store
            .add_photo(
                doc.id(),
                &p,
                Some("photos"),
                false,
                outpost_report::PhotoId::from_uuid(uuid::Uuid::new_v4()),
                SystemClock.now(),
            )
            .expect("stored");
        runs.push(t.elapsed());
    }
    runs.sort();
    println!(
        "photo pipeline to the store (process, seal and write 3 files, save): median {} per photo",
        ms(runs[runs.len() / 2])
    );

    at_rest(&sizes);
}

/// What encryption at rest costs: unlocking (Argon2id) and opening, and
/// SQLCipher against plain SQLite on the store's write pattern (one durable
/// transaction writing a document of about a kilobyte and its index entry).
fn at_rest(sizes: &Sizes) {
    let dir = tempfile::tempdir().expect("tmp");
    let pass = outpost_store::Passphrase::new("bench passphrase");
    drop(Store::unlock(dir.path(), &pass, SystemClock.now()).expect("set up"));
    let mut unlock = Vec::new();
    let mut open = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let key = outpost_store::unlock(dir.path(), &pass, SystemClock.now()).expect("unlock");
        unlock.push(t.elapsed());
        let t = Instant::now();
        drop(Store::open(dir.path(), &key, SystemClock.now()).expect("open"));
        open.push(t.elapsed());
    }
    unlock.sort();
    open.sort();
    println!(
        "unlock (Argon2id, 19 MiB, 2 passes): median {}; then open the store with the key: median {}",
        ms(unlock[2]),
        ms(open[2])
    );

    let key = outpost_store::unlock(dir.path(), &pass, SystemClock.now()).expect("unlock");
    let writes = |conn: &rusqlite::Connection| -> Vec<Duration> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS d (id INTEGER PRIMARY KEY, bytes BLOB, title TEXT);
             CREATE INDEX IF NOT EXISTS d_title ON d (title);",
        )
        .expect("schema");
        let body: Vec<u8> = (0..1_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let mut times: Vec<Duration> = (0..sizes.saves.max(50))
            .map(|n| {
                let t = Instant::now();
                conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
                conn.execute(
                    "INSERT INTO d (bytes, title) VALUES (?1, ?2)",
                    rusqlite::params![body, format!("report {n}")],
                )
                .expect("insert");
                conn.execute_batch("COMMIT").expect("commit");
                t.elapsed()
            })
            .collect();
        times.sort();
        times
    };
    let plain_dir = tempfile::tempdir().expect("tmp");
    let plain = rusqlite::Connection::open(plain_dir.path().join("plain.db")).expect("plain");
    let plain_times = writes(&plain);
    let sealed = outpost_store::database_connection(&plain_dir.path().join("sealed.db"), &key)
        .expect("sealed");
    let sealed_times = writes(&sealed);
    println!(
        "durable write of 1 KB, plain SQLite: median {}, p99 {}; SQLCipher: median {}, p99 {}; p99 ratio {:.2}x",
        ms(percentile(&plain_times, 0.5)),
        ms(percentile(&plain_times, 0.99)),
        ms(percentile(&sealed_times, 0.5)),
        ms(percentile(&sealed_times, 0.99)),
        percentile(&sealed_times, 0.99).as_secs_f64()
            / percentile(&plain_times, 0.99).as_secs_f64()
    );
}
