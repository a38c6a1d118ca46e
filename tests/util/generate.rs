//! Random but valid reports, for volume tests and benchmarks.

use outpost_report::form::FieldKind;
use outpost_report::{
    Classification, DeviceId, Form, Lang, NewReport, ReportDoc, ReportId, ReviewStatus, Timestamp,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Map, Value, json};

const WORDS: &[&str] = &[
    "patrouille",
    "route",
    "village",
    "marché",
    "puits",
    "école",
    "sécurité",
    "population",
    "checkpoint",
    "convoy",
    "bridge",
    "wadi",
    "engin",
    "explosif",
    "women",
    "youth",
    "elders",
    "water",
    "pump",
    "clinic",
    "tension",
    "calme",
    "déplacés",
    "returnees",
    "livestock",
    "herders",
    "farmers",
    "harvest",
    "fuel",
    "rumour",
    "motorbikes",
    "armed",
    "men",
    "observed",
    "north",
    "south",
    "Ménaka",
    "Anefis",
    "Tessalit",
    "Aguelhok",
];

const PLACES: &[(&str, f64, f64)] = &[
    ("Gao", 16.2717, -0.0447),
    ("Tombouctou", 16.7666, -3.0026),
    ("Kidal", 18.4411, 1.4078),
    ("Ménaka", 15.9182, 2.4022),
    ("Tessalit", 20.2011, 1.0111),
    ("Aguelhok", 19.4611, 0.8586),
    ("Anefis", 17.9500, 0.5200),
    ("Ansongo", 15.6597, 0.5022),
];

fn words(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| *WORDS.choose(rng).unwrap_or(&"rapport"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A submitted, French-written report of BATGAO-1 (sector East).
pub fn new_report(id: ReportId, dev: DeviceId, classification: Classification) -> NewReport {
    NewReport {
        id,
        author: "Lt. A. Traoré".into(),
        author_unit: "BATGAO-1".into(),
        sector: "East".into(),
        device: dev,
        language: Lang::Fr,
        classification,
        status: ReviewStatus::Submitted,
    }
}

/// A new report of `form` by `new`, complete with random valid answers as of `now`.
pub fn report(form: &Form, new: &NewReport, rng: &mut impl Rng, now: Timestamp) -> ReportDoc {
    let mut doc = ReportDoc::create(form, new, now).expect("a new report document is created");
    doc.set_answers(&answers(form, rng, now), now)
        .expect("generated answers are written");
    doc
}

/// A complete, valid set of answers for `form`. Datetimes increase in form
/// order so "return after departure" rules hold.
pub fn answers(form: &Form, rng: &mut impl Rng, before: Timestamp) -> Map<String, Value> {
    let mut t = before.as_millis() - rng.random_range(10..300) * 86_400_000;
    let mut out = Map::new();
    for field in form.report_fields() {
        let value = match &field.kind {
            // A few entries, each answering every field of the repeat.
            FieldKind::Repeat { .. } => {
                let entries: Vec<Value> = (0..rng.random_range(0..4))
                    .map(|_| {
                        let entry: Map<String, Value> = form
                            .members(field)
                            .map(|m| (m.id.clone(), value(m, rng, &mut t)))
                            .collect();
                        Value::Object(entry)
                    })
                    .collect();
                json!(entries)
            }
            _ => value(field, rng, &mut t),
        };
        out.insert(field.id.clone(), value);
    }
    out
}

/// A random answer of `field`'s kind; datetimes go on from `t`.
fn value(field: &outpost_report::form::Field, rng: &mut impl Rng, t: &mut i64) -> Value {
    {
        match &field.kind {
            FieldKind::Text { max_length } => {
                let n = rng.random_range(2..6);
                let s = words(rng, n);
                json!(
                    s.chars()
                        .take(max_length.unwrap_or(200))
                        .collect::<String>()
                )
            }
            FieldKind::Narrative { .. } => {
                let n = rng.random_range(15..60);
                json!(words(rng, n))
            }
            FieldKind::Integer { min, max, .. } => {
                let lo = min.unwrap_or(0.0) as i64;
                let hi = max.unwrap_or(500.0) as i64;
                json!(rng.random_range(lo..=hi.max(lo)))
            }
            FieldKind::Decimal { min, max, .. } => {
                let lo = min.unwrap_or(0.0);
                let hi = max.unwrap_or(50_000_000.0);
                json!((rng.random_range(lo..=hi) * 100.0).round() / 100.0)
            }
            FieldKind::Choice { options } => json!(options.choose(rng).map(|o| o.value.clone())),
            FieldKind::Choices { options } => {
                let picked: Vec<_> = options
                    .iter()
                    .filter(|_| rng.random_bool(0.4))
                    .map(|o| o.value.clone())
                    .collect();
                json!(picked)
            }
            FieldKind::Datetime { .. } => {
                *t += rng.random_range(10..600) * 60_000;
                json!(Timestamp::from_millis(*t).to_rfc3339())
            }
            FieldKind::Location => {
                let (place, lat, lon) = *PLACES.choose(rng).unwrap_or(&PLACES[0]);
                json!({"lat": lat + rng.random_range(-0.2..0.2), "lon": lon + rng.random_range(-0.2..0.2),
                       "accuracy_m": rng.random_range(5..100), "place": place})
            }
            FieldKind::PeopleCount { sexes, age_bands } => {
                let mut by_sex = Map::new();
                for s in sexes {
                    let bands: Map<String, Value> = age_bands
                        .iter()
                        .map(|b| (b.value.clone(), json!(rng.random_range(0..200))))
                        .collect();
                    by_sex.insert(s.value.clone(), Value::Object(bands));
                }
                Value::Object(by_sex)
            }
            FieldKind::Photos { .. }
            | FieldKind::VoiceNotes { .. }
            | FieldKind::ReportLinks { .. }
            | FieldKind::Repeat { .. } => json!([]),
        }
    }
}

/// A `w`×`h` frame with sky, ground texture and sensor-like noise: it
/// compresses like a camera photo, not like a flat test card.
pub fn camera_like_jpeg(w: u32, h: u32, seed: u64) -> Vec<u8> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let base = if y < h / 3 {
            [120 + (y * 60 / h) as u8, 160 + (y * 40 / h) as u8, 220]
        } else {
            let ground = ((x / 97 + y / 53 + seed as u32) % 7) as u8 * 9;
            [150 + ground, 120 + ground / 2, 80]
        };
        let n: i16 = rng.random_range(-12..12);
        image::Rgb(base.map(|c| (c as i16 + n).clamp(0, 255) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("a generated frame encodes as JPEG");
    out.into_inner()
}
