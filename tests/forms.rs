//! The shipped forms: complete reports round-trip, and every validation rule
//! rejects what it should, in English and in French.

use outpost_report::form::FieldKind;
use outpost_report::validate::{Completeness, Problem, validate_answers};
use outpost_report::{Form, Lang, ReportDoc};
use serde_json::{Map, Value, json};

use crate::util::{self, T0};

#[test]
fn every_shipped_template_is_a_valid_complete_report() {
    for form in util::catalog().forms() {
        for lang in Lang::ALL {
            let problems =
                validate_answers(form, &form.template(), T0, lang, Completeness::Complete);
            assert!(
                problems.is_empty(),
                "the {} template must validate in {lang}: {problems:#?}",
                form.id
            );
        }
    }
}

#[test]
fn each_kind_round_trips_through_the_store_and_both_exports() {
    let mut t = util::TestStore::new();
    for (n, kind) in ["patrol", "incident", "qip"].into_iter().enumerate() {
        let form = util::form(kind);
        let mut doc = util::template_report(kind, util::report_id(n as u128), t.store.device_id());
        t.store.save(&mut doc, T0).expect("a complete report saves");

        let mut loaded = t.store.load(doc.id()).expect("the saved report loads");
        assert_eq!(
            Value::Object(util::as_written(loaded.answers())),
            Value::Object(form.template()),
            "{kind}: answers survive the store"
        );

        let json = loaded.to_json();
        assert_eq!(
            util::written(&json["answers"]),
            Value::Object(form.template()),
            "{kind}: the JSON export carries every answer"
        );
        assert_eq!(json["form"]["id"], kind);
        assert_eq!(json["meta"]["classification"], "UNCLASSIFIED");

        let bytes = t
            .store
            .document_bytes(doc.id())
            .expect("the automerge export exists");
        let mut reread =
            ReportDoc::load(&bytes).expect("the automerge export is a loadable document");
        assert_eq!(
            reread.to_json(),
            json,
            "{kind}: the automerge file holds the same report as the JSON"
        );
    }
    let listed = t.store.list(&Default::default()).expect("the list reads");
    assert_eq!(listed.len(), 3, "three kinds saved, three listed");
}

fn first_field(pred: impl Fn(&FieldKind) -> bool) -> (Form, String) {
    for form in util::catalog().forms() {
        if let Some(f) = form.fields.iter().find(|f| pred(&f.kind)) {
            return (form.clone(), f.id.clone());
        }
    }
    panic!("no shipped form has a field of the wanted kind");
}

/// Validates the form's template with one answer replaced, in both languages.
fn problems_with(form: &Form, field: &str, value: Value) -> [Vec<Problem>; 2] {
    let mut answers = form.template();
    answers.insert(field.to_string(), value);
    Lang::ALL.map(|lang| validate_answers(form, &answers, T0, lang, Completeness::Complete))
}

fn assert_rejected(form: &Form, field: &str, value: Value, code: &str) {
    let [en, fr] = problems_with(form, field, value.clone());
    for (lang, problems) in [("en", &en), ("fr", &fr)] {
        assert!(
            problems.iter().any(|p| p.code == code && p.field == field),
            "{}.{field} = {value} must be rejected with {code} in {lang}; got {problems:#?}",
            form.id
        );
    }
    let (e, f) = (
        en.iter()
            .find(|p| p.code == code)
            .map(|p| p.message.clone())
            .unwrap_or_default(),
        fr.iter()
            .find(|p| p.code == code)
            .map(|p| p.message.clone())
            .unwrap_or_default(),
    );
    let label = form
        .field(field)
        .map(|f| (f.label.en.clone(), f.label.fr.clone()))
        .unwrap_or_default();
    assert!(
        e.contains(&label.0),
        "the English message names the English label {:?}: {e}",
        label.0
    );
    assert!(
        f.contains(&label.1),
        "the French message names the French label {:?}: {f}",
        label.1
    );
    assert_ne!(e, f, "{code}: the French message is not the English one");
    assert!(
        !e.contains('{') && !f.contains('{'),
        "no unfilled placeholder: {e} / {f}"
    );
}

#[test]
fn text_rules() {
    let (form, text) = first_field(|k| {
        matches!(
            k,
            FieldKind::Text {
                max_length: Some(_)
            }
        )
    });
    assert_rejected(&form, &text, json!("x".repeat(5000)), "validation.too_long");
    assert_rejected(&form, &text, json!(42), "validation.wrong_type");
}

#[test]
fn number_rules() {
    let (form, int) = first_field(|k| {
        matches!(
            k,
            FieldKind::Integer {
                min: Some(_),
                max: Some(_),
                ..
            }
        )
    });
    let Some(FieldKind::Integer {
        min: Some(min),
        max: Some(max),
        ..
    }) = form.field(&int).map(|f| f.kind.clone())
    else {
        unreachable!()
    };
    assert_rejected(&form, &int, json!(min - 1.0), "validation.below_min");
    assert_rejected(&form, &int, json!(max + 1.0), "validation.above_max");
    assert_rejected(&form, &int, json!(2.5), "validation.not_integer");
    assert_rejected(&form, &int, json!("twelve"), "validation.wrong_type");
    let (form, dec) = first_field(|k| matches!(k, FieldKind::Decimal { min: Some(_), .. }));
    assert_rejected(&form, &dec, json!(-0.5), "validation.below_min");
    assert_rejected(&form, &dec, json!("cheap"), "validation.wrong_type");
}

#[test]
fn choice_rules() {
    let (form, choice) = first_field(|k| matches!(k, FieldKind::Choice { .. }));
    assert_rejected(
        &form,
        &choice,
        json!("not_an_option"),
        "validation.unknown_option",
    );
    assert_rejected(&form, &choice, json!(["a"]), "validation.wrong_type");
    let (form, choices) = first_field(|k| matches!(k, FieldKind::Choices { .. }));
    let Some(FieldKind::Choices { options }) = form.field(&choices).map(|f| f.kind.clone()) else {
        unreachable!()
    };
    assert_rejected(
        &form,
        &choices,
        json!([options[0].value, options[0].value]),
        "validation.duplicate_option",
    );
    assert_rejected(
        &form,
        &choices,
        json!(["nope"]),
        "validation.unknown_option",
    );
}

#[test]
fn datetime_rules() {
    let (form, dt) = first_field(|k| {
        matches!(
            k,
            FieldKind::Datetime {
                not_in_future: true
            }
        )
    });
    assert_rejected(
        &form,
        &dt,
        json!("14/03/2026 06:30"),
        "validation.bad_datetime",
    );
    assert_rejected(
        &form,
        &dt,
        json!("2027-01-01T00:00:00Z"),
        "validation.in_future",
    );
    // Five minutes of clock skew between a tablet and a watch is tolerated.
    let [en, _] = problems_with(&form, &dt, json!(util::at(4).to_rfc3339()));
    assert!(
        !en.iter().any(|p| p.code == "validation.in_future"),
        "{en:#?}"
    );
}

#[test]
fn a_return_before_departure_is_rejected() {
    let form = util::form("patrol");
    let outpost_report::form::Rule::NotBefore { field, other } = form.rules[0].clone();
    let mut answers = form.template();
    answers.insert(other.clone(), json!("2026-03-14T10:00:00Z"));
    answers.insert(field.clone(), json!("2026-03-14T09:00:00Z"));
    for lang in Lang::ALL {
        let problems = validate_answers(&form, &answers, T0, lang, Completeness::Complete);
        let p = problems
            .iter()
            .find(|p| p.code == "validation.before_other")
            .unwrap_or_else(|| panic!("{problems:#?}"));
        assert_eq!(p.field, field);
        assert!(
            p.message.contains(
                form.field(&other)
                    .map(|f| f.label.get(lang))
                    .unwrap_or_default()
            ),
            "{}",
            p.message
        );
    }
}

#[test]
fn location_rules() {
    let (form, loc) = first_field(|k| matches!(k, FieldKind::Location));
    assert_rejected(
        &form,
        &loc,
        json!({"lat": 95.0, "lon": 1.0}),
        "validation.bad_latitude",
    );
    assert_rejected(
        &form,
        &loc,
        json!({"lat": 15.0, "lon": -181.0}),
        "validation.bad_longitude",
    );
    assert_rejected(
        &form,
        &loc,
        json!({"lat": 15.0, "lon": 1.0, "accuracy_m": -3}),
        "validation.bad_accuracy",
    );
    assert_rejected(
        &form,
        &loc,
        json!({"place": "  "}),
        "validation.location_empty",
    );
    assert_rejected(
        &form,
        &loc,
        json!({"lat": 15.0}),
        "validation.location_half",
    );
    assert_rejected(&form, &loc, json!("Gao"), "validation.wrong_type");
    let [en, _] = problems_with(&form, &loc, json!({"place": "Tessalit"}));
    assert!(en.is_empty(), "a named place alone is a location: {en:#?}");
}

#[test]
fn people_count_rules() {
    let (form, count) = first_field(|k| matches!(k, FieldKind::PeopleCount { .. }));
    let mut bad = form
        .field(&count)
        .map(|f| f.example.clone())
        .unwrap_or_default();
    let first_sex = bad
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_default();
    let first_band = bad[&first_sex]
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_default();
    bad[&first_sex][&first_band] = json!(-4);
    assert_rejected(&form, &count, bad, "validation.count_negative");
    assert_rejected(
        &form,
        &count,
        json!({"aliens": {"under_5": 1}}),
        "validation.count_unknown_group",
    );
    assert_rejected(&form, &count, json!(12), "validation.wrong_type");
}

/// A count of 2^64 once read back as "0 in all", and eight groups at the
/// largest integer summed to a wrapped number: counts are bounded where they
/// are checked, and a total of counts no check saw never wraps.
#[test]
fn people_counts_beyond_any_sane_range_are_refused_and_totals_never_wrap() {
    use outpost_report::readback::display_value;
    use outpost_report::validate::MAX_PEOPLE_IN_GROUP;

    let (form, count) = first_field(|k| matches!(k, FieldKind::PeopleCount { .. }));
    let field = form.field(&count).expect("the count field").clone();
    let FieldKind::PeopleCount { sexes, age_bands } = &field.kind else {
        unreachable!()
    };
    let (sex, band) = (&sexes[0].value, &age_bands[0].value);
    for huge in [
        json!(MAX_PEOPLE_IN_GROUP + 1),
        json!(u64::MAX),
        serde_json::from_str::<Value>("18446744073709551616").expect("2^64 parses as JSON"),
    ] {
        assert_rejected(
            &form,
            &count,
            json!({ sex: { band: huge } }),
            "validation.count_too_large",
        );
    }
    let [en, _] = problems_with(&form, &count, json!({ sex: { band: MAX_PEOPLE_IN_GROUP } }));
    assert!(
        en.iter().all(|p| p.field != count),
        "the bound itself is accepted: {en:#?}"
    );

    // Every group at the largest integer, as a document from elsewhere may say.
    let mut every = Map::new();
    for s in sexes {
        let bands: Map<String, Value> = age_bands
            .iter()
            .map(|b| (b.value.clone(), json!(u64::MAX)))
            .collect();
        every.insert(s.value.clone(), Value::Object(bands));
    }
    let text = display_value(&field, &Value::Object(every), Lang::En);
    assert!(
        text.starts_with("total too large to show"),
        "no wrapped total: {text}"
    );
    let fine = display_value(&field, &json!({ sex: { band: 7 } }), Lang::Fr);
    assert!(fine.starts_with("7 au total"), "{fine}");
}

#[test]
fn reference_list_rules() {
    let (form, links) = first_field(|k| matches!(k, FieldKind::ReportLinks { max_items: Some(_) }));
    assert_rejected(
        &form,
        &links,
        json!(["not-a-report-id"]),
        "validation.bad_reference",
    );
    let many: Vec<String> = (0..100).map(|n| util::report_id(n).to_string()).collect();
    assert_rejected(&form, &links, json!(many), "validation.too_many_items");
    assert_rejected(&form, &links, json!("one"), "validation.wrong_type");
}

#[test]
fn missing_and_unknown_fields_are_named() {
    let form = util::form("qip");
    let required: Vec<&str> = form
        .fields
        .iter()
        // A required question asked only in some cases is not needed when
        // nothing is answered.
        .filter(|f| f.required && f.relevant.is_none())
        .map(|f| f.id.as_str())
        .collect();
    let mut answers = Map::new();
    answers.insert("colour_of_sky".into(), json!("blue"));
    let problems = validate_answers(&form, &answers, T0, Lang::Fr, Completeness::Complete);
    for id in &required {
        assert!(
            problems
                .iter()
                .any(|p| p.code == "validation.required" && p.field == *id),
            "required field {id} must be reported as missing: {problems:#?}"
        );
    }
    assert!(
        problems
            .iter()
            .any(|p| p.code == "validation.unknown_field" && p.field == "colour_of_sky")
    );
    assert_eq!(
        problems.len(),
        required.len() + 1,
        "every problem at once, nothing else"
    );
    let draft = validate_answers(&form, &answers, T0, Lang::Fr, Completeness::Draft);
    assert_eq!(
        draft.len(),
        1,
        "a draft may be incomplete but not wrong: {draft:#?}"
    );
}

#[test]
fn several_problems_come_back_together() {
    let form = util::form("incident");
    let mut answers = form.template();
    answers.insert("occurred_at".into(), json!("yesterday"));
    answers.insert("un_killed".into(), json!(-1));
    answers.insert("incident_type".into(), json!("alien_landing"));
    let problems = validate_answers(&form, &answers, T0, Lang::En, Completeness::Complete);
    let codes: Vec<_> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("incident_type", "validation.unknown_option"),
            ("occurred_at", "validation.bad_datetime"),
            ("un_killed", "validation.below_min"),
        ],
        "all three problems, in form order"
    );
}
