//! Review benchmarks: the filters a headquarters analyst combines over every
//! sector's reports. Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench review` runs on 100,000 reports. Without `--bench`
//! (as `cargo test --benches` runs it) it does a quick pass on 2,000.

// Shared with the tests and the other benchmarks; this one makes no photos.
#[path = "../tests/util/generate.rs"]
#[allow(dead_code)]
mod generate;

use std::time::{Duration, Instant};

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Catalog, Classification, Lang, ReportDoc, ReportId, ReviewStatus, Timestamp};
use outpost_store::{ReportFilter, ReportOrder, Store};
use rand::{Rng, SeedableRng};

const SECTORS: [&str; 4] = ["North", "East", "West", "Centre"];
const UNITS_PER_SECTOR: usize = 6;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The median of `runs` timings of `f`.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last.expect("at least one run"))
}

fn fill(store: &mut Store, n: usize, rng: &mut rand::rngs::StdRng) {
    let catalog = Catalog::builtin();
    let now = SystemClock.now();
    let statuses = [
        ReviewStatus::Submitted,
        ReviewStatus::UnderReview,
        ReviewStatus::NeedsInformation,
        ReviewStatus::Verified,
        ReviewStatus::Closed,
    ];
    let mut batch = Vec::with_capacity(2_000);
    for i in 0..n {
        let kind = ["patrol", "incident", "qip"][i % 3];
        let form = catalog.get(kind).expect("shipped form");
        let sector = SECTORS[rng.random_range(0..SECTORS.len())];
        let unit = rng.random_range(0..UNITS_PER_SECTOR);
        let mut new = generate::new_report(
            ReportId::from_uuid(uuid::Uuid::now_v7()),
            store.device_id(),
            Classification::ALL[rng.random_range(0..3)],
        );
        new.sector = sector.to_string();
        new.author_unit = format!("{}-{unit}", sector.to_uppercase());
        new.author = format!("Capt. {}{unit}", &sector[..1]);
        new.language = if rng.random_bool(0.5) {
            Lang::Fr
        } else {
            Lang::En
        };
        new.status = statuses[rng.random_range(0..statuses.len())];
        // A year of reports, not one instant: lists sort on real spreads.
        let at = Timestamp::from_millis(now.as_millis() - rng.random_range(0..365 * 86_400_000));
        let doc: ReportDoc = generate::report(form, &new, rng, at);
        batch.push(doc);
        if batch.len() == 2_000 {
            store.save_all(&mut batch, now).expect("save");
            batch.clear();
        }
    }
    store.save_all(&mut batch, now).expect("save");
}

/// Opening one report on the review screen: the document and everything the
/// screen draws from it (answers, read-back, photos and whether their
/// originals are here, comments, conflicts, history), then the thumbnails it
/// shows first and the previews a reviewer taps through.
fn open_report(store: &mut Store, photos: usize, side: u32) {
    let catalog = Catalog::builtin();
    let form = catalog.get("incident").expect("incident form");
    let now = SystemClock.now();
    let mut open = |photos: usize| {
        let new = generate::new_report(
            ReportId::from_uuid(uuid::Uuid::new_v4()),
            store.device_id(),
            Classification::Unclassified,
        );
        let mut doc = ReportDoc::create(form, &new, now).expect("create");
        doc.set_answers(&form.template(), now).expect("answers");
        store.save(&mut doc, now).expect("save");
        let id = doc.id();
        for i in 0..photos {
            let jpeg = generate::camera_like_jpeg(side, side * 3 / 4, i as u64);
            let processed =
                outpost_media::process(&jpeg, &outpost_media::Limits::default()).expect("photo");
            store
                .add_photo(
                    id,
                    &processed,
                    Some("photos"),
                    false,
                    outpost_report::PhotoId::from_uuid(uuid::Uuid::new_v4()),
                    now,
                )
                .expect("attach");
        }
        let (screen, drawn) = median(9, || {
            let mut doc = store.load(id).expect("load");
            let sections = outpost_report::readback::sections(form, &doc, Lang::En);
            let refs = doc.photos();
            let here = refs
                .iter()
                .filter(|p| store.has_blob(&p.original.sha256).expect("has"))
                .count();
            let history = doc.history();
            (
                sections.len() + doc.comments().len() + doc.conflicts().len() + history.len(),
                refs,
                here,
            )
        });
        let (_, refs, here) = drawn;
        assert_eq!(here, photos, "every original is here");
        let (thumbs, thumb_bytes) = median(9, || {
            refs.iter()
                .map(|p| store.read_blob(&p.thumbnail.sha256).expect("thumb").len())
                .sum::<usize>()
        });
        let (previews, preview_bytes) = median(5, || {
            refs.iter()
                .map(|p| store.read_blob(&p.preview.sha256).expect("preview").len())
                .sum::<usize>()
        });
        (screen, thumbs, thumb_bytes, previews, preview_bytes)
    };
    let (bare, _, _, _, _) = open(0);
    let (screen, thumbs, thumb_bytes, previews, preview_bytes) = open(photos);
    println!(
        "\nopen a report with {photos} photos ({side}x{} px): the screen's data {} ({:.1}x a report without photos, {}); \
         {photos} thumbnails {} ({:.0} KB); {photos} previews {} ({:.1} MB)",
        side * 3 / 4,
        ms(screen),
        screen.as_secs_f64() / bare.as_secs_f64().max(1e-9),
        ms(bare),
        ms(thumbs),
        thumb_bytes as f64 / 1e3,
        ms(previews),
        preview_bytes as f64 / 1e6,
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 100_000 } else { 2_000 };
    println!(
        "Outpost review benchmark ({} mode, {n} reports)",
        if full { "full" } else { "quick" }
    );
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::unlock(
        dir.path(),
        &outpost_store::Passphrase::new("bench passphrase"),
        SystemClock.now(),
    )
    .expect("open");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let t = Instant::now();
    fill(&mut store, n, &mut rng);
    println!("filled in {:.1} s", t.elapsed().as_secs_f64());
    let mut store = Store::unlock(
        dir.path(),
        &outpost_store::Passphrase::new("bench passphrase"),
        SystemClock.now(),
    )
    .expect("reopen");
    // Tablet-sized photos for the figures; small ones for the quick pass.
    open_report(&mut store, 50, if full { 2000 } else { 320 });

    let page = |f: ReportFilter| ReportFilter {
        limit: Some(50),
        ..f
    };
    let now = SystemClock.now().as_millis();
    let last_90_days = ReportFilter {
        from: Some(Timestamp::from_millis(now - 90 * 86_400_000)),
        ..Default::default()
    };
    let cases: Vec<(&str, ReportFilter)> = vec![
        ("everything, newest first", ReportFilter::default()),
        (
            "incidents in sector North, CONFIDENTIAL clearance",
            ReportFilter {
                kind: Some("incident".into()),
                sector: Some("North".into()),
                clearance: Some(Classification::Confidential),
                ..Default::default()
            },
        ),
        (
            "one unit, needs information, in French",
            ReportFilter {
                unit: Some("EAST-3".into()),
                status: Some(ReviewStatus::NeedsInformation),
                language: Some(Lang::Fr),
                ..Default::default()
            },
        ),
        (
            "last 90 days, by event time",
            ReportFilter {
                order: ReportOrder::Happened,
                ..last_90_days.clone()
            },
        ),
        (
            "full text 'marché' + sector East + last 90 days",
            ReportFilter {
                text: Some("marché".into()),
                sector: Some("East".into()),
                ..last_90_days.clone()
            },
        ),
    ];
    let (baseline, _) = median(15, || {
        store.list(&page(ReportFilter::default())).expect("list")
    });
    println!(
        "\n| filter | first page of 50 | count | counts per filter value | page and counts together (the review screen) | matches |"
    );
    println!("|---|---|---|---|---|---|");
    let mut worst = Duration::ZERO;
    let mut worst_together = Duration::ZERO;
    for (name, filter) in cases {
        let (first, _) = median(15, || store.list(&page(filter.clone())).expect("list"));
        let (counting, total) = median(15, || store.count(&filter).expect("count"));
        let (faceting, facets) = median(5, || store.facets(&filter).expect("facets"));
        assert_eq!(facets.total, total, "facets count the same reports");
        let (together, _) = median(5, || {
            store
                .page_and_facets(&page(filter.clone()))
                .expect("page and counts")
        });
        worst = worst.max(first + counting + faceting);
        worst_together = worst_together.max(together);
        println!(
            "| {name} | {} | {} | {} | {} | {total} |",
            ms(first),
            ms(counting),
            ms(faceting),
            ms(together)
        );
    }
    println!(
        "\nslowest review screen answer: {} in one go vs {} as page + count + counts ({:.1}x faster)",
        ms(worst_together),
        ms(worst),
        worst.as_secs_f64() / worst_together.as_secs_f64().max(1e-9)
    );
    // Exports of everything the reviewer may see.
    let everything = ReportFilter::default();
    let t = Instant::now();
    let rows = outpost_export::reports(&store, &everything, Classification::StrictlyConfidential)
        .expect("rows");
    let read = t.elapsed();
    let t = Instant::now();
    let mut csv = Vec::new();
    outpost_export::write_csv(&rows, &mut csv).expect("csv");
    let csv_time = t.elapsed();
    let t = Instant::now();
    let mut geo = Vec::new();
    let geo_written = outpost_export::write_geojson(&rows, &mut geo).expect("geojson");
    let geo_time = t.elapsed();
    println!(
        "\nexport of {} rows: reading {}; CSV {} ({:.1} MB); GeoJSON {} ({:.1} MB, {} points)",
        rows.len(),
        ms(read),
        ms(csv_time),
        csv.len() as f64 / 1e6,
        ms(geo_time),
        geo.len() as f64 / 1e6,
        geo_written.rows
    );
    println!(
        "\nunfiltered first page {}; slowest filter answer (page + count + facets) {} = {:.0}x the unfiltered page",
        ms(baseline),
        ms(worst),
        worst.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );
}
