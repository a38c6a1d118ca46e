//! Form-logic benchmark: what a tablet works out after every answer on a
//! large assessment form (~800 questions with skip logic, constraints,
//! required-when and calculations). Prints figures and ratios; asserts
//! nothing about time.
//!
//! `cargo bench --bench forms` times many runs; without `--bench` (as
//! `cargo test --benches` runs it) a quick pass keeps it compiling and running.

use std::time::{Duration, Instant};

use outpost_report::flow::Flow;
use outpost_report::validate::{Completeness, validate_answers};
use outpost_report::{Form, Lang, Timestamp};
use serde_json::{Map, Value, json};

const SECTIONS: usize = 100;
/// Entries of the household roster.
const ROSTER: usize = 40;

fn text(s: &str) -> Value {
    json!({"en": s, "fr": s})
}

/// A household needs assessment of `SECTIONS` sections of eight
/// questions: each section asked only if its screening question says so,
/// two questions inside asked only on a given answer, a constraint against
/// another answer, one question required when a count is high, and a
/// calculated total per section plus a running score. With `logic` false,
/// the same questions without any of it.
fn assessment(logic: bool) -> Form {
    let mut fields = Vec::new();
    let mut steps = Vec::new();
    for s in 0..SECTIONS {
        let id = |k: &str| format!("s{s}_{k}");
        let mut step_fields = Vec::new();
        let mut push = |mut f: Value, fields: &mut Vec<Value>| {
            let fid = f["id"].as_str().unwrap().to_string();
            let o = f.as_object_mut().unwrap();
            o.insert("label".into(), text(&fid));
            o.insert("prompt".into(), text(&fid));
            o.insert("example".into(), Value::Null);
            step_fields.push(fid);
            fields.push(f);
        };
        push(
            json!({"id": id("screen"), "type": "choice",
                   "options": [{"value": "yes", "label": text("yes")}, {"value": "no", "label": text("no")}]}),
            &mut fields,
        );
        push(
            json!({"id": id("adults"), "type": "integer", "min": 0}),
            &mut fields,
        );
        push(
            json!({"id": id("children"), "type": "integer", "min": 0}),
            &mut fields,
        );
        let mut why = json!({"id": id("why"), "type": "text"});
        let mut kind = json!({"id": id("kind"), "type": "choice",
            "options": [{"value": "a", "label": text("a")}, {"value": "b", "label": text("b")}, {"value": "c", "label": text("c")}]});
        let mut detail = json!({"id": id("detail"), "type": "narrative"});
        let mut disabled = json!({"id": id("disabled"), "type": "integer", "min": 0});
        let mut total = json!({"id": id("total"), "type": "integer"});
        if logic {
            why["required"] = json!(format!(
                "${{{}}} + ${{{}}} > 10",
                id("adults"),
                id("children")
            ));
            kind["relevant"] = json!(format!("${{{}}} > 0", id("children")));
            detail["relevant"] = json!(format!(
                "${{{}}} = 'b' or ${{{}}} = 'c'",
                id("kind"),
                id("kind")
            ));
            disabled["constraint"] = json!(format!(
                ". <= ${{{}}} + ${{{}}}",
                id("adults"),
                id("children")
            ));
            disabled["constraint_message"] =
                text("More people with a disability than in the household");
            total["calculate"] = json!(if s == 0 {
                format!(
                    "coalesce(${{{}}}, 0) + coalesce(${{{}}}, 0)",
                    id("adults"),
                    id("children")
                )
            } else {
                // A running total: each section's reads the one before.
                format!(
                    "coalesce(${{s{}_total}}, 0) + coalesce(${{{}}}, 0) + coalesce(${{{}}}, 0)",
                    s - 1,
                    id("adults"),
                    id("children")
                )
            });
        }
        for f in [why, kind, detail, disabled, total] {
            push(f, &mut fields);
        }
        let mut step = json!({"id": format!("section{s}"), "question": text(&format!("Section {s}")), "fields": step_fields});
        if logic && s > 0 {
            // A section is asked when the screening question of the one
            // before says so: the last sections depend on a long chain.
            step["relevant"] = json!(format!("${{s{}_screen}} != 'no'", s - 1));
        }
        steps.push(step);
    }
    // A household roster: one entry per member, each asking school
    // attendance of children only, and totals over every entry outside.
    let member = |id: &str, extra: Value| {
        let mut f = json!({"id": id, "label": text(id), "prompt": text(id), "example": null});
        f.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        f
    };
    fields.push(member(
        "members",
        json!({"type": "repeat", "fields": ["m_age", "m_school", "m_place"]}),
    ));
    fields.push(member("m_age", json!({"type": "integer", "min": 0})));
    let mut school = json!({"type": "choice",
        "options": [{"value": "yes", "label": text("yes")}, {"value": "no", "label": text("no")}]});
    let mut place = json!({"type": "text"});
    let mut total = json!({"type": "integer"});
    if logic {
        school["relevant"] = json!("${m_age} >= 6 and ${m_age} < 18");
        place["calculate"] = json!("concat('member ', position(..))");
        total["calculate"] = json!("sum(${m_age}) + count(${members})");
    }
    fields.push(member("m_school", school));
    fields.push(member("m_place", place));
    fields.push(member("m_years", total));
    steps.push(json!({"id": "roster", "question": text("Who lives here?"), "fields": ["members", "m_years"]}));
    let def = json!({
        "id": "large_assessment", "version": 1,
        "title": text("Large assessment"), "description": text("Benchmark"),
        "summary_fields": [], "fields": fields, "steps": steps,
    });
    Form::from_json("large.json", &def.to_string()).expect("the benchmark form is valid")
}

fn answers() -> Map<String, Value> {
    let mut a = Map::new();
    for s in 0..SECTIONS {
        a.insert(format!("s{s}_screen"), json!("yes"));
        a.insert(format!("s{s}_adults"), json!(3 + s % 4));
        a.insert(format!("s{s}_children"), json!(s % 9));
        a.insert(format!("s{s}_why"), json!("Extended family moved in"));
        a.insert(format!("s{s}_kind"), json!(["a", "b", "c"][s % 3]));
        a.insert(
            format!("s{s}_detail"),
            json!("Shelter damaged by the floods"),
        );
        a.insert(format!("s{s}_disabled"), json!(s % 3));
    }
    let members: Vec<Value> = (0..ROSTER)
        .map(|i| json!({"m_age": (i * 7) % 80, "m_school": "yes"}))
        .collect();
    a.insert("members".into(), json!(members));
    a
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 200 } else { 5 };
    println!(
        "Outpost form-logic benchmark ({} mode)",
        if full { "full" } else { "quick" }
    );
    let t = Instant::now();
    let form = assessment(true);
    let load = t.elapsed();
    let plain = assessment(false);
    let mut a = answers();
    let now = "2026-12-01T08:00:00Z";
    let at = Timestamp::parse_rfc3339(now).expect("a time");
    println!(
        "  form: {} questions in {} sections, and a roster of {ROSTER} entries; loaded and checked in {}",
        form.fields.len(),
        form.steps.len(),
        ms(load)
    );

    // What the app does after each answer: the answer changes, the flow is
    // worked out again (visible, required, calculated).
    let mut n = 0usize;
    let flow = time(runs, || {
        n += 1;
        a.insert(format!("s{}_children", n % SECTIONS), json!(n % 7));
        let f = Flow::of(&form, &a, now);
        std::hint::black_box(f);
    });
    let f = Flow::of(&form, &a, now);
    let last_total = &f.calculated[&format!("s{}_total", SECTIONS - 1)];
    println!(
        "  after one answer, what is asked, needed and calculated: {} (median of {runs}); {} hidden, {} required, last running total {last_total}",
        ms(flow),
        f.hidden_fields.len(),
        f.required.len()
    );
    // The same questions without logic: the cost of the logic itself.
    let bare = time(runs, || {
        std::hint::black_box(Flow::of(&plain, &a, now));
    });
    println!(
        "  the same form without logic: {} (logic costs {:.1}x)",
        ms(bare),
        flow.as_secs_f64() / bare.as_secs_f64().max(1e-9)
    );
    let validate = time(runs, || {
        std::hint::black_box(validate_answers(
            &form,
            &a,
            at,
            Lang::Fr,
            Completeness::Complete,
        ));
    });
    println!(
        "  validating every answer (flow, types, constraints): {}",
        ms(validate)
    );
    println!(
        "  goal: well under 20 ms after one answer; measured {:.1}% of it",
        flow.as_secs_f64() * 1000.0 / 20.0 * 100.0
    );

    // Importing the largest real XLSForm of the test fixtures: reading the
    // workbook, then converting and checking the form.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/xlsforms/slum_assessment_survey.xlsx"
    );
    let bytes = std::fs::read(path).expect("the fixture");
    let import_runs = if full { 20 } else { 2 };
    let mut rows = 0;
    let read = time(import_runs, || {
        rows = outpost_report::xlsform::read_workbook(&bytes)
            .expect("reads")
            .survey
            .len();
    });
    let book = outpost_report::xlsform::read_workbook(&bytes).expect("reads");
    let mut questions = 0;
    let convert = time(import_runs, || {
        questions = outpost_report::xlsform::convert(&book, "slum")
            .expect("converts")
            .form
            .fields
            .len();
    });
    println!(
        "  XLSForm import of the largest real form ({} KiB, {rows} survey rows, {questions} questions): read {}, convert and check {}",
        bytes.len() / 1024,
        ms(read),
        ms(convert)
    );
}
