//! Form logic on the shipped forms and on small forms written here: what is
//! asked, what is needed, what is worked out, what a constraint says — and
//! definitions whose logic cannot work refused when they are loaded.
//!
//! Expected values are written by hand from the forms' conditions, not
//! computed with the engine under test.

use std::collections::BTreeSet;

use outpost_report::flow::Flow;
use outpost_report::readback;
use outpost_report::validate::{Completeness, Problem, validate_answers};
use outpost_report::{Form, Lang};
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::util::{self, T0};

const NOW: &str = "2026-04-03T10:00:00Z";

fn answers(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("answers are an object"),
    }
}

fn hidden(flow: &Flow) -> BTreeSet<&str> {
    flow.hidden_fields.iter().map(String::as_str).collect()
}

fn set(items: &[&'static str]) -> BTreeSet<&'static str> {
    items.iter().copied().collect()
}

const COUNTS: [&str; 8] = [
    "un_killed",
    "un_wounded",
    "civilians_killed",
    "civilians_wounded",
    "partner_forces_killed",
    "partner_forces_wounded",
    "attackers_killed",
    "attackers_wounded",
];

#[test]
fn incident_details_follow_the_incident_type() {
    let form = util::form("incident");
    let base = json!({"any_casualties": "no"});
    let cases: [(&str, &[&str]); 4] = [
        // An IED: the device step and the attack details are asked.
        ("ied", &[]),
        // Direct fire: an attack, but no device.
        ("direct_fire", &["ied_kind", "ied_outcome"]),
        // A demonstration: neither.
        (
            "demonstration",
            &["ied_kind", "ied_outcome", "attack_details"],
        ),
        ("accident", &["ied_kind", "ied_outcome", "attack_details"]),
    ];
    for (kind, also_hidden) in cases {
        let mut a = answers(base.clone());
        a.insert("incident_type".into(), json!(kind));
        let flow = Flow::of(&form, &a, NOW);
        // No casualties: the counts, the rest of the other step and the total.
        let mut expected: BTreeSet<&str> = COUNTS.iter().copied().collect();
        expected.extend(["attackers_detained", "casualties_total"]);
        expected.extend(also_hidden.iter().copied());
        assert_eq!(hidden(&flow), expected, "incident type {kind}");
        let device_step = flow.hidden_steps.contains("device");
        assert_eq!(device_step, kind != "ied", "the device step for {kind}");
        assert!(flow.hidden_steps.contains("other_casualties"));
    }
}

#[test]
fn with_casualties_the_counts_are_asked_and_the_total_worked_out() {
    let form = util::form("incident");
    let a = answers(json!({
        "incident_type": "ambush",
        "any_casualties": "yes",
        "un_killed": 1,
        "un_wounded": 4,
        "civilians_wounded": 2,
        "attackers_killed": 3,
    }));
    let flow = Flow::of(&form, &a, NOW);
    assert_eq!(flow.hidden_steps, ["device".to_string()].into());
    assert_eq!(hidden(&flow), set(&["ied_kind", "ied_outcome"]));
    // 1 + 4 + 2 + 3, the unanswered counts as nothing.
    assert_eq!(flow.calculated.get("casualties_total"), Some(&json!(10)));
    // Civilians wounded: what happened to them is needed; nobody is killed
    // or wounded among civilians: it is not.
    assert!(flow.required.contains("civilian_impact"));
    let mut calm = a.clone();
    calm.insert("civilians_wounded".into(), json!(0));
    assert!(
        !Flow::of(&form, &calm, NOW)
            .required
            .contains("civilian_impact")
    );
}

#[test]
fn a_question_no_longer_asked_loses_its_answer_and_stops_being_required() {
    let form = util::form("incident");
    let mut doc = util::template_report("incident", util::report_id(1), util::device(1));
    assert_eq!(doc.answers()["incident_type"], "ied");
    assert!(doc.answers().contains_key("ied_kind"));
    let before = doc.answers()["casualties_total"].clone();

    // The type was wrong: it was direct fire, and nobody was hurt.
    doc.set_answer("incident_type", &json!("direct_fire"), T0)
        .unwrap();
    doc.set_answer("any_casualties", &json!("no"), T0).unwrap();
    let settled = doc.settle(&form, T0).expect("settles");
    let cleared: BTreeSet<&str> = settled.cleared.iter().map(String::as_str).collect();
    let mut expected = set(&["ied_kind", "ied_outcome", "attackers_detained"]);
    expected.extend(COUNTS);
    // The template answers every count; the total was calculated.
    expected.insert("casualties_total");
    assert_eq!(cleared, expected);
    let kept = doc.answers();
    for id in &expected {
        assert!(kept.get(*id).is_none_or(Value::is_null), "{id} is gone");
    }
    assert_ne!(before, Value::Null);
    // Settling again changes nothing.
    assert!(doc.settle(&form, T0).unwrap().is_empty());
    let problems = validate_answers(&form, &kept, T0, Lang::En, Completeness::Complete);
    assert!(problems.is_empty(), "{problems:#?}");

    // Back to an IED: the device questions are needed again.
    doc.set_answer("incident_type", &json!("ied"), T0).unwrap();
    let problems = validate_answers(&form, &doc.answers(), T0, Lang::En, Completeness::Complete);
    let required: BTreeSet<&str> = problems
        .iter()
        .filter(|p| p.code == "validation.required")
        .map(|p| p.field.as_str())
        .collect();
    assert_eq!(required, set(&["ied_kind", "ied_outcome"]));
}

#[test]
fn the_read_back_leaves_out_what_was_not_asked() {
    let form = util::form("incident");
    let mut doc = util::template_report("incident", util::report_id(2), util::device(1));
    doc.set_answer("incident_type", &json!("demonstration"), T0)
        .unwrap();
    doc.set_answer("any_casualties", &json!("no"), T0).unwrap();
    let sections = readback::sections(&form, &doc, Lang::Fr);
    let steps: Vec<&str> = sections.iter().map(|s| s.step.as_str()).collect();
    assert!(!steps.contains(&"device"));
    assert!(!steps.contains(&"other_casualties"));
    let casualties = sections.iter().find(|s| s.step == "casualties").unwrap();
    let lines: Vec<&str> = casualties.lines.iter().map(|l| l.field.as_str()).collect();
    assert_eq!(lines, ["any_casualties"]);
    let activity = sections.iter().find(|s| s.step == "activity").unwrap();
    assert!(activity.lines.iter().all(|l| l.field != "attack_details"));
}

fn constraint_problem(problems: &[Problem], field: &str) -> Option<String> {
    problems
        .iter()
        .find(|p| p.field == field && p.code == "validation.constraint")
        .map(|p| p.message.clone())
}

#[test]
fn a_constraint_speaks_the_forms_own_words_in_both_languages() {
    let form = util::form("incident");
    let mut a = form.template();
    a.insert("actor_count".into(), json!(6));
    a.insert("attackers_detained".into(), json!(9));
    let en = validate_answers(&form, &a, T0, Lang::En, Completeness::Draft);
    let fr = validate_answers(&form, &a, T0, Lang::Fr, Completeness::Draft);
    assert_eq!(
        constraint_problem(&en, "attackers_detained").as_deref(),
        Some("More people detained than attackers counted: check both numbers.")
    );
    assert_eq!(
        constraint_problem(&fr, "attackers_detained").as_deref(),
        Some("Plus de personnes arrêtées que d'assaillants comptés : vérifiez les deux nombres.")
    );
    // Equal is fine; no count of attackers leaves nothing to compare with.
    a.insert("attackers_detained".into(), json!(6));
    assert!(validate_answers(&form, &a, T0, Lang::En, Completeness::Draft).is_empty());
    a.insert("attackers_detained".into(), json!(9));
    a.remove("actor_count");
    assert!(validate_answers(&form, &a, T0, Lang::En, Completeness::Draft).is_empty());

    // The patrol's vehicles, against its strength.
    let patrol = util::form("patrol");
    let mut p = patrol.template();
    p.insert("patrol_strength".into(), json!(4));
    p.insert("vehicles".into(), json!(5));
    let fr = validate_answers(&patrol, &p, T0, Lang::Fr, Completeness::Complete);
    assert_eq!(
        constraint_problem(&fr, "vehicles").as_deref(),
        Some("Plus de véhicules que de personnes dans la patrouille : vérifiez les deux nombres.")
    );
}

/// A small form of its own: one step per field unless a step list is given.
fn form_with(fields: Value) -> Result<Form, String> {
    let fields = fields.as_array().unwrap().clone();
    let ids: Vec<String> = fields
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let text = |s: &str| json!({"en": s, "fr": s});
    let fields: Vec<Value> = fields
        .into_iter()
        .map(|mut f| {
            let id = f["id"].as_str().unwrap().to_string();
            let o = f.as_object_mut().unwrap();
            o.entry("label").or_insert(text(&id));
            o.entry("prompt").or_insert(text(&id));
            o.entry("example").or_insert(Value::Null);
            f
        })
        .collect();
    let def = json!({
        "id": "household",
        "version": 1,
        "title": text("Household"),
        "description": text("A visit"),
        "summary_fields": [],
        "fields": fields,
        "steps": ids.iter().map(|id| json!({"id": format!("s_{id}"), "question": text(id), "fields": [id]})).collect::<Vec<_>>(),
    });
    Form::from_json("household.json", &def.to_string()).map_err(|e| e.to_string())
}

#[test]
fn a_constraint_without_a_message_says_which_condition_failed() {
    let form = form_with(json!([
        {"id": "age", "type": "integer", "constraint": ". >= 18 and . < 120"},
    ]))
    .unwrap();
    let a = answers(json!({"age": 12}));
    let [en, fr] = Lang::ALL.map(|l| validate_answers(&form, &a, T0, l, Completeness::Draft));
    assert_eq!(
        constraint_problem(&en, "age").as_deref(),
        Some("age: this answer does not meet the form's condition (. >= 18 and . < 120).")
    );
    assert_eq!(
        constraint_problem(&fr, "age").as_deref(),
        Some(
            "age : cette réponse ne respecte pas la condition du formulaire (. >= 18 and . < 120)."
        )
    );
    // A value of the wrong type is refused as such, not by the constraint.
    let bad = answers(json!({"age": "twelve"}));
    let p = validate_answers(&form, &bad, T0, Lang::En, Completeness::Draft);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].code, "validation.wrong_type");
}

#[test]
fn logic_that_cannot_work_is_refused_when_the_form_is_loaded() {
    let cases: [(Value, &str); 7] = [
        (
            json!([{"id": "a", "type": "integer"}, {"id": "b", "type": "text", "relevant": "${a} > > 1"}]),
            "field \"b\", relevant \"${a} > > 1\": ",
        ),
        (
            json!([{"id": "a", "type": "integer"}, {"id": "b", "type": "text", "relevant": "${z} > 1"}]),
            "${z} is not a field of this form",
        ),
        (
            json!([{"id": "a", "type": "integer", "relevant": ". > 1"}]),
            "means something only in a constraint",
        ),
        (
            json!([
                {"id": "a", "type": "integer", "calculate": "${b} + 1"},
                {"id": "b", "type": "integer", "relevant": "${a} > 1"},
            ]),
            "goes round in a circle",
        ),
        (
            json!([{"id": "a", "type": "integer", "calculate": "${a} + 1"}]),
            "goes round in a circle",
        ),
        (
            json!([{"id": "p", "type": "photos", "calculate": "1"}]),
            "a photos cannot be calculated",
        ),
        (
            json!([{"id": "a", "type": "text", "constraint": "regex(., '[')"}]),
            "field \"a\", constraint",
        ),
    ];
    for (fields, wanted) in cases {
        let err = form_with(fields.clone()).expect_err(&format!("refused: {fields}"));
        assert!(err.contains(wanted), "{fields}: {err}");
    }
    // The position of the fault is given.
    let err = form_with(json!([{"id": "a", "type": "integer"}, {"id": "b", "type": "text", "relevant": "${a} > > 1"}]))
        .unwrap_err();
    assert!(err.contains("at character 7"), "{err}");
    // A circle is told whole.
    let err = form_with(json!([
        {"id": "a", "type": "integer", "calculate": "${b} + 1"},
        {"id": "b", "type": "integer", "calculate": "${a} * 2"},
    ]))
    .unwrap_err();
    assert!(
        err.contains("field \"a\"") && err.contains("field \"b\""),
        "{err}"
    );
}

#[test]
fn a_chain_of_calculations_settles_in_one_pass_whatever_the_order_of_the_fields() {
    // Written backwards: each reads the next one down the list.
    let form = form_with(json!([
        {"id": "total", "type": "integer", "calculate": "${adults} + ${children}"},
        {"id": "children", "type": "integer", "calculate": "${members} - ${adults}"},
        {"id": "adults", "type": "integer"},
        {"id": "members", "type": "integer"},
        {"id": "large", "type": "text", "calculate": "if(${total} > 6, 'large', 'small')"},
        {"id": "why", "type": "text", "relevant": "${large} = 'large'", "required": "${members} > 8"},
    ]))
    .unwrap();
    let flow = Flow::of(&form, &answers(json!({"adults": 3, "members": 10})), NOW);
    assert_eq!(flow.calculated["children"], json!(7));
    assert_eq!(flow.calculated["total"], json!(10));
    assert_eq!(flow.calculated["large"], json!("large"));
    assert!(flow.asks("why"));
    assert!(flow.required.contains("why"));
    let small = Flow::of(&form, &answers(json!({"adults": 2, "members": 4})), NOW);
    assert_eq!(small.calculated["large"], json!("small"));
    assert!(!small.asks("why"));
    assert!(!small.required.contains("why"));
}

/// The incident form's relevance, restated by hand from its definition: an
/// oracle independent of the expression engine, checked on random answers.
#[test]
fn relevance_of_the_incident_form_agrees_with_its_conditions_on_random_answers() {
    let form = util::form("incident");
    let kinds = [
        "ied",
        "direct_fire",
        "indirect_fire",
        "ambush",
        "demonstration",
        "crime",
        "accident",
        "other",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    for case in 0..256 {
        let mut a = Map::new();
        let kind = (rng.random_bool(0.9)).then(|| kinds[rng.random_range(0..kinds.len())]);
        if let Some(k) = kind {
            a.insert("incident_type".into(), json!(k));
        }
        let any = ["yes", "no", "unknown", ""][rng.random_range(0..4)];
        if !any.is_empty() {
            a.insert("any_casualties".into(), json!(any));
        }
        let mut sum = 0i64;
        for c in COUNTS {
            if rng.random_bool(0.6) {
                let n = rng.random_range(0..5);
                sum += n;
                a.insert(c.into(), json!(n));
            }
        }
        let (actors, detained) = (rng.random_range(0..8), rng.random_range(0..8));
        if rng.random_bool(0.7) {
            a.insert("actor_count".into(), json!(actors));
        }
        a.insert("attackers_detained".into(), json!(detained));

        let flow = Flow::of(&form, &a, NOW);
        let ied = kind == Some("ied");
        let attack = matches!(
            kind,
            Some("ied" | "direct_fire" | "indirect_fire" | "ambush")
        );
        let casualties = any == "yes";
        assert_eq!(flow.asks("ied_kind"), ied, "case {case}: {a:?}");
        assert_eq!(flow.asks("ied_outcome"), ied, "case {case}");
        assert_eq!(flow.asks("attack_details"), attack, "case {case}");
        for c in COUNTS {
            assert_eq!(flow.asks(c), casualties, "case {case}: {c}");
        }
        assert_eq!(flow.asks("attackers_detained"), casualties, "case {case}");
        assert_eq!(
            flow.calculated.get("casualties_total"),
            casualties.then(|| json!(sum)).as_ref(),
            "case {case}"
        );
        let problems = validate_answers(&form, &a, T0, Lang::En, Completeness::Draft);
        let over = casualties && a.contains_key("actor_count") && detained > actors;
        assert_eq!(
            constraint_problem(&problems, "attackers_detained").is_some(),
            over,
            "case {case}: {a:?}"
        );
    }
}

#[test]
fn a_cascade_offers_the_cercles_of_the_region_chosen_and_drops_one_that_no_longer_fits() {
    let form = util::form("qip");
    // Written from the form file: Gao's cercles are Gao, Ansongo and Bourem.
    let flow = Flow::of(&form, &answers(json!({"region": "gao"})), NOW);
    assert_eq!(flow.options["cercle"], ["gao", "ansongo", "bourem"]);
    let kidal = Flow::of(&form, &answers(json!({"region": "kidal"})), NOW);
    assert_eq!(
        kidal.options["cercle"],
        ["kidal", "abeibara", "tessalit", "tin_essako"]
    );
    // No region: the cercle is not asked.
    assert!(!Flow::of(&form, &Map::new(), NOW).asks("cercle"));

    // Ansongo, then the region corrected to Kidal: Ansongo no longer fits.
    let mut doc = util::template_report("qip", util::report_id(7), util::device(1));
    assert_eq!(doc.answers()["cercle"], "ansongo");
    doc.set_answer("region", &json!("kidal"), T0).unwrap();
    let problems = validate_answers(&form, &doc.answers(), T0, Lang::Fr, Completeness::Draft);
    let wrong: Vec<&Problem> = problems.iter().filter(|p| p.field == "cercle").collect();
    assert_eq!(wrong.len(), 1, "{problems:#?}");
    assert_eq!(wrong[0].code, "validation.option_not_offered");
    assert!(
        wrong[0].message.contains("« ansongo »"),
        "{}",
        wrong[0].message
    );
    let settled = doc.settle(&form, T0).unwrap();
    assert_eq!(settled.narrowed, [("cercle".to_string(), Value::Null)]);
    assert!(doc.answers().get("cercle").is_none_or(Value::is_null));
    doc.set_answer("cercle", &json!("tessalit"), T0).unwrap();
    assert!(
        validate_answers(&form, &doc.answers(), T0, Lang::En, Completeness::Complete).is_empty()
    );
    // An option of no region at all is unknown, not "not offered".
    let mut a = doc.answers();
    a.insert("cercle".into(), json!("atlantis"));
    let problems = validate_answers(&form, &a, T0, Lang::En, Completeness::Draft);
    assert!(
        problems
            .iter()
            .any(|p| p.field == "cercle" && p.code == "validation.unknown_option")
    );
}

#[test]
fn a_bare_name_is_a_column_of_the_choice_in_a_choice_filter_only() {
    let err = form_with(json!([
        {"id": "a", "type": "text", "relevant": "region = 'x'"},
    ]))
    .unwrap_err();
    assert!(err.contains("is not a value"), "{err}");
    let err = form_with(json!([
        {"id": "a", "type": "text", "choice_filter": "region = 'x'"},
    ]))
    .unwrap_err();
    assert!(
        err.contains("only a choice can have a choice_filter"),
        "{err}"
    );
}

#[test]
fn a_report_started_with_an_earlier_form_version_is_read_validated_and_settled_by_it() {
    let catalog = util::catalog();
    let v1 = catalog
        .version("incident", 1)
        .expect("version 1 is held")
        .clone();
    let newest = catalog.get("incident").expect("the incident form");
    assert!(newest.version > 1);
    // An incident reported before the casualty question existed: counts,
    // and no "was anyone hurt".
    let mut new = util::new_report(
        util::report_id(9),
        util::device(1),
        outpost_report::Classification::Unclassified,
    );
    new.language = Lang::En;
    let mut doc = outpost_report::ReportDoc::create(&v1, &new, T0).expect("created");
    doc.set_answers(&v1.template(), T0).expect("answered");
    assert_eq!(doc.form_version(), 1);
    assert!(doc.answers().get("any_casualties").is_none());
    let form = catalog.form_of(&doc).expect("its form");
    assert_eq!(form.version, 1, "read by the version it was started with");
    // Read by the newest version, its counts would not be asked at all.
    assert!(!Flow::of(newest, &doc.answers(), NOW).asks("un_wounded"));
    // Read by its own: complete and valid, counts read back, nothing cleared.
    let problems = validate_answers(form, &doc.answers(), T0, Lang::En, Completeness::Complete);
    assert!(problems.is_empty(), "{problems:#?}");
    let lines: Vec<String> = readback::sections(form, &doc, Lang::En)
        .into_iter()
        .flat_map(|s| s.lines.into_iter().map(|l| l.field))
        .collect();
    assert!(lines.iter().any(|l| l == "un_wounded"), "{lines:?}");
    let before = doc.answers();
    assert!(doc.settle(form, T0).expect("settles").is_empty());
    assert_eq!(doc.answers(), before);

    // Through a store: listed with its title, and loaded back the same.
    let mut t = util::TestStore::new();
    t.store.save(&mut doc, T0).expect("saved");
    let listed = t.store.list(&Default::default()).expect("listed");
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].title.is_empty());
    let mut again = t.store.load(doc.id()).expect("loads");
    assert_eq!(again.form_version(), 1);
    assert_eq!(again.answers(), before);
    let _ = again.to_json();
}

#[test]
fn a_default_the_field_itself_refuses_is_a_form_error() {
    let form = form_with(json!([
        {"id": "visits", "type": "integer", "min": 0, "default": 2},
    ]))
    .unwrap();
    assert_eq!(form.defaults().get("visits"), Some(&json!(2)));
    let err = form_with(json!([
        {"id": "visits", "type": "integer", "min": 0, "default": -1},
    ]))
    .unwrap_err();
    assert!(err.contains("visits: its default is refused"), "{err}");
}
