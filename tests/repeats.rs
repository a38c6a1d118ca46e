//! Repeats: a group of questions asked once per entry (each person met,
//! each household member). What each entry asks and works out, what is
//! said of an entry that is wrong, how entries are stored and merged
//! between devices, and forms whose repeats cannot work refused when they
//! load.
//!
//! Expected values are written by hand from the forms' conditions and the
//! XLSForm specification (`position(..)` counts from 1, `count()` of a
//! repeat is its number of entries, `sum()` of a blank value is NaN, so a
//! calculation from it is blank), not computed with the engine under test.

use outpost_report::flow::{ENTRY_KEY, Flow};
use outpost_report::validate::{Completeness, validate_answers};
use outpost_report::{Form, Lang, ReportDoc};
use serde_json::{Map, Value, json};

use crate::util::{self, T0};

const NOW: &str = "2026-04-03T10:00:00Z";

fn answers(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("answers are an object"),
    }
}

fn text(en: &str) -> Value {
    json!({"en": en, "fr": format!("{en} (fr)")})
}

/// A household survey: members with an age, a "head of household" asked
/// only of adults, each member's place worked out, and totals outside.
fn household() -> Form {
    let field = |id: &str, kind: &str, extra: Value| {
        let mut f =
            json!({"id": id, "type": kind, "label": text(id), "prompt": text(id), "example": null});
        if let (Value::Object(f), Value::Object(extra)) = (&mut f, extra) {
            f.extend(extra);
        }
        f
    };
    let form = json!({
        "id": "household", "version": 1,
        "title": text("Household"), "description": text("Household"),
        "summary_fields": ["village"],
        "fields": [
            field("village", "text", json!({"example": "Tessit"})),
            field("expected", "integer", json!({"example": 2})),
            field("members", "repeat", json!({
                "fields": ["name", "age", "head", "place"],
                "max_items": 4,
                "required": true,
                "example": [{"name": "Aminata", "age": 34, "head": "yes"}, {"name": "Ali", "age": 7}]
            })),
            field("name", "text", json!({"required": true, "example": "Aminata"})),
            field("age", "integer", json!({
                "min": 0, "max": 120, "example": 34,
                "constraint": ". < 18 or ${name} != ''",
                "constraint_message": {"en": "An adult needs a name.", "fr": "Un adulte a besoin d'un nom."}
            })),
            field("head", "choice", json!({
                "relevant": "${age} >= 18",
                "required": true,
                "options": [{"value": "yes", "label": text("yes")}, {"value": "no", "label": text("no")}],
                "example": "yes"
            })),
            field("place", "text", json!({"calculate": "concat(${village}, '-', position(..))", "example": "Tessit-1"})),
            field("size", "integer", json!({"calculate": "count(${members})", "example": 2})),
            field("ages", "integer", json!({"calculate": "sum(${age})", "example": 41})),
            field("second", "text", json!({"calculate": "indexed-repeat(${name}, ${members}, 2)", "example": "Ali"})),
        ],
        "steps": [
            {"id": "where", "question": text("Where?"), "fields": ["village", "expected"]},
            {"id": "who", "question": text("Who lives here?"), "fields": ["members", "size", "ages", "second"]}
        ]
    });
    Form::from_json("household.json", &form.to_string()).expect("the household form loads")
}

#[test]
fn each_entry_asks_and_works_out_its_own_questions() {
    let form = household();
    let a = answers(json!({
        "village": "Tessit",
        "members": [
            {"name": "Aminata", "age": 34, "head": "yes"},
            {"name": "Ali", "age": 7, "head": "no"},
            {"name": "Fatou", "age": 19}
        ]
    }));
    let flow = Flow::of(&form, &a, NOW);
    let entries = &flow.entries["members"];
    assert_eq!(entries.len(), 3);
    // "head" is asked of adults only: not of Ali, aged 7.
    assert!(entries[0].hidden_fields.is_empty());
    assert_eq!(entries[1].hidden_fields, ["head".to_string()].into());
    assert!(entries[2].hidden_fields.is_empty());
    assert!(entries[2].required.contains("head"));
    // position(..) counts from 1.
    let places: Vec<&Value> = entries.iter().map(|e| &e.calculated["place"]).collect();
    assert_eq!(
        places,
        [&json!("Tessit-1"), &json!("Tessit-2"), &json!("Tessit-3")]
    );
    // Outside: three entries, 34 + 7 + 19 years, the second one's name.
    assert_eq!(flow.calculated["size"], json!(3));
    assert_eq!(flow.calculated["ages"], json!(60));
    assert_eq!(flow.calculated["second"], json!("Ali"));
    // Ali's "head" is not kept: the effective entry has no such answer.
    let effective = flow.effective["members"].as_array().unwrap();
    assert!(effective[1].get("head").is_none());
    assert_eq!(effective[0]["head"], "yes");

    // A blank age makes the sum blank (NaN in XPath), not a wrong number.
    let mut blank = a.clone();
    blank["members"][1].as_object_mut().unwrap().remove("age");
    let flow = Flow::of(&form, &blank, NOW);
    assert_eq!(flow.calculated["ages"], Value::Null);
    assert_eq!(flow.calculated["size"], json!(3));
    // No entries: none counted, nothing at position 2.
    let flow = Flow::of(&form, &answers(json!({"village": "Tessit"})), NOW);
    assert_eq!(flow.calculated["size"], json!(0));
    assert_eq!(flow.calculated["second"], Value::Null);
    assert_eq!(flow.calculated["ages"], json!(0));
}

#[test]
fn problems_inside_entries_name_the_entry_in_both_languages() {
    let form = household();
    let a = answers(json!({
        "village": "Tessit",
        "members": [
            {"name": "Aminata", "age": 34, "head": "yes"},
            {"age": 40, "head": "maybe"},
            {"name": "Ali", "age": 7, "shoe_size": 30},
        ]
    }));
    let problems = validate_answers(&form, &a, T0, Lang::Fr, Completeness::Complete);
    let seen: Vec<(String, Option<usize>, &str)> = problems
        .iter()
        .map(|p| {
            (
                p.field.clone(),
                p.entry.as_ref().map(|e| e.position),
                p.code,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            // Entry 2: no name (an adult needs one), and "maybe" is no option.
            ("name".to_string(), Some(2), "validation.required"),
            ("age".to_string(), Some(2), "validation.constraint"),
            ("head".to_string(), Some(2), "validation.unknown_option"),
            // Entry 3: a key that is no question of the repeat.
            ("shoe_size".to_string(), Some(3), "validation.unknown_field"),
        ]
    );
    let constraint = problems
        .iter()
        .find(|p| p.code == "validation.constraint")
        .unwrap();
    assert_eq!(constraint.message, "Un adulte a besoin d'un nom.");
    assert_eq!(
        constraint.to_string(),
        "members 2: age: Un adulte a besoin d'un nom."
    );
    let en = validate_answers(&form, &a, T0, Lang::En, Completeness::Complete);
    assert!(en.iter().any(|p| p.message == "An adult needs a name."));

    // A question of a repeat answered outside its entries is refused, and
    // too many entries are said as such.
    let a = answers(json!({
        "village": "Tessit",
        "name": "loose",
        "members": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}, {"name": "e"}]
    }));
    let problems = validate_answers(&form, &a, T0, Lang::En, Completeness::Complete);
    let codes: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("name", "validation.unknown_field"),
            ("members", "validation.too_many_items")
        ]
    );
    // The repeat is required: no entry at all is a missing answer.
    let problems = validate_answers(
        &form,
        &answers(json!({"village": "Tessit"})),
        T0,
        Lang::En,
        Completeness::Complete,
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].field.as_str(), problems[0].code),
        ("members", "validation.required")
    );
    // Entries that are no list of objects are the wrong type.
    let problems = validate_answers(
        &form,
        &answers(json!({"village": "Tessit", "members": ["Aminata"]})),
        T0,
        Lang::En,
        Completeness::Draft,
    );
    assert_eq!(problems[0].code, "validation.wrong_type", "{problems:?}");
}

#[test]
fn a_repeat_count_says_how_many_entries_are_expected() {
    let mut form = household();
    let json = serde_json::to_string(&form).unwrap().replacen(
        "\"max_items\":4",
        "\"max_items\":4,\"repeat_count\":\"${expected}\"",
        1,
    );
    form = Form::from_json("household.json", &json).expect("a count over another field loads");
    let a = answers(json!({
        "village": "Tessit",
        "expected": 3,
        "members": [{"name": "Aminata", "age": 34, "head": "yes"}, {"name": "Ali", "age": 7}]
    }));
    let flow = Flow::of(&form, &a, NOW);
    assert_eq!(flow.counts["members"], 3);
    let problems = validate_answers(&form, &a, T0, Lang::En, Completeness::Complete);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code, "validation.entry_count");
    assert_eq!(
        problems[0].message,
        "members: 3 entries are expected, 2 given."
    );
    // A draft may have fewer; a count nobody gave asks for none.
    assert!(validate_answers(&form, &a, T0, Lang::En, Completeness::Draft).is_empty());
    let mut none = a.clone();
    none.remove("expected");
    assert_eq!(Flow::of(&form, &none, NOW).counts["members"], 0);
    // A slip of the thumb does not ask for a million entries.
    none.insert("expected".into(), json!(1_000_000));
    assert_eq!(
        Flow::of(&form, &none, NOW).counts["members"],
        outpost_report::flow::MAX_COUNT
    );
}

#[test]
fn forms_whose_repeats_cannot_work_are_refused_when_they_load() {
    let base = serde_json::to_value(household()).unwrap();
    let refuse = |change: &dyn Fn(&mut Value), expected: &str| {
        let mut form = base.clone();
        change(&mut form);
        let err = Form::from_json("household.json", &form.to_string())
            .expect_err("the definition is refused");
        assert!(err.to_string().contains(expected), "{err} / {expected}");
    };
    let field = |form: &mut Value, id: &str| -> usize {
        form["fields"]
            .as_array()
            .unwrap()
            .iter()
            .position(|f| f["id"] == id)
            .unwrap()
    };
    // A question of a repeat also placed in a step.
    refuse(
        &|f| {
            f["steps"][0]["fields"]
                .as_array_mut()
                .unwrap()
                .push(json!("age"))
        },
        "is in repeat members and also in step where",
    );
    // position(..) outside any repeat.
    refuse(
        &|f| {
            let i = field(f, "size");
            f["fields"][i]["calculate"] = json!("position(..)");
        },
        "position(..) means something only inside a repeat",
    );
    // A repeat in a repeat.
    refuse(
        &|f| {
            let i = field(f, "members");
            f["fields"][i]["fields"]
                .as_array_mut()
                .unwrap()
                .push(json!("members"));
        },
        "repeats do not nest",
    );
    // A photo in an entry.
    refuse(
        &|f| {
            f["fields"].as_array_mut().unwrap().push(json!({
                "id": "portrait", "type": "photos", "label": text("p"), "prompt": text("p"), "example": []
            }));
            let i = field(f, "members");
            f["fields"][i]["fields"]
                .as_array_mut()
                .unwrap()
                .push(json!("portrait"));
        },
        "attachments and links belong to the report",
    );
    // A count that reads its own entries.
    refuse(
        &|f| {
            let i = field(f, "members");
            f["fields"][i]["repeat_count"] = json!("${age}");
        },
        "is one of its own entries' fields",
    );
    // sum() of something that is not a field.
    refuse(
        &|f| {
            let i = field(f, "ages");
            f["fields"][i]["calculate"] = json!("sum(1 + ${age})");
        },
        "sum() takes a field here",
    );
    // A question of an entry that names the report.
    refuse(&|f| f["summary_fields"] = json!(["name"]), "is in a repeat");
    // A repeat of nothing.
    refuse(
        &|f| {
            let i = field(f, "members");
            f["fields"][i]["fields"] = json!([]);
        },
        "has no fields",
    );
}

fn entry_keys(doc: &ReportDoc, repeat: &str) -> Vec<String> {
    doc.answer(repeat)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| e[ENTRY_KEY].as_str().unwrap().to_string())
        .collect()
}

fn names(doc: &ReportDoc) -> Vec<String> {
    doc.answer("people_met")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| e["met_name"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn entries_are_kept_one_by_one_and_two_devices_adding_at_once_keep_both() {
    let form = util::form("patrol");
    let mut tablet = util::template_report("patrol", util::report_id(1), util::device(1));
    assert_eq!(
        names(&tablet),
        [
            "Deputy mayor of Ansongo",
            "Representative of a self-defence group"
        ]
    );
    let keys = entry_keys(&tablet, "people_met");
    assert!(keys.iter().all(|k| k.starts_with('#')), "{keys:?}");
    let problems = validate_answers(
        &form,
        &tablet.answers(),
        T0,
        Lang::En,
        Completeness::Complete,
    );
    assert!(problems.is_empty(), "{problems:#?}");

    // A second device of the same patrol gets a copy; each adds a person.
    let mut other = tablet.fork_as(util::device(2));
    let add = |doc: &mut ReportDoc, name: &str, at| {
        let mut entries = doc
            .answer("people_met")
            .unwrap()
            .as_array()
            .unwrap()
            .clone();
        entries.push(json!({"met_name": name, "met_role": "youth"}));
        doc.set_answer("people_met", &Value::Array(entries), at)
            .unwrap();
    };
    add(&mut tablet, "Youth leader, Tin-Hama", util::at(5));
    add(&mut other, "Imam of Fafa", util::at(6));
    // And the first tablet corrects the deputy mayor's words while the
    // second one names his role differently: different answers, no conflict.
    let mut entries = tablet.answer("people_met").unwrap();
    entries[0]["met_said"] = json!("Asks for a water point and for patrols on market day.");
    tablet
        .set_answer("people_met", &entries, util::at(7))
        .unwrap();
    let mut entries = other.answer("people_met").unwrap();
    entries[0]["met_role"] = json!("traditional_leader");
    other
        .set_answer("people_met", &entries, util::at(8))
        .unwrap();

    tablet.merge(&mut other).unwrap();
    other.merge(&mut tablet).unwrap();
    assert_eq!(tablet.answers(), other.answers(), "both copies agree");
    let merged = tablet.answer("people_met").unwrap();
    let merged = merged.as_array().unwrap();
    assert_eq!(merged.len(), 4, "both new entries are kept: {merged:#?}");
    let mut got = names(&tablet);
    got.sort();
    assert_eq!(
        got,
        [
            "Deputy mayor of Ansongo",
            "Imam of Fafa",
            "Representative of a self-defence group",
            "Youth leader, Tin-Hama"
        ]
    );
    assert_eq!(merged[0]["met_role"], "traditional_leader");
    assert_eq!(
        merged[0]["met_said"],
        "Asks for a water point and for patrols on market day."
    );
    assert!(tablet.conflicts().is_empty(), "{:?}", tablet.conflicts());
    // Entries read in the order they were added (the two new ones last).
    assert_eq!(&entry_keys(&tablet, "people_met")[..2], &keys[..]);

    // The same answer of the same entry changed on both: a conflict a
    // person resolves, at the entry's path.
    let mut a = tablet.fork_as(util::device(3));
    let mut b = tablet.fork_as(util::device(4));
    for (doc, name, at) in [(&mut a, "Mayor", 9), (&mut b, "Deputy mayor", 10)] {
        let mut entries = doc.answer("people_met").unwrap();
        entries[0]["met_name"] = json!(name);
        doc.set_answer("people_met", &entries, util::at(at))
            .unwrap();
    }
    a.merge(&mut b).unwrap();
    let conflicts = a.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let path = format!("answers.people_met.{}.met_name", keys[0]);
    assert_eq!(conflicts[0].path, path);
    let mut values = conflicts[0].values.clone();
    values.sort_by_key(|v| v.to_string());
    assert_eq!(values, [json!("Deputy mayor"), json!("Mayor")]);
    a.resolve(&path, &json!("Mayor"), util::at(11)).unwrap();
    assert!(a.conflicts().is_empty());
    assert_eq!(a.answer("people_met").unwrap()[0]["met_name"], "Mayor");

    // Removing an entry removes that one only.
    let mut entries = a.answer("people_met").unwrap().as_array().unwrap().clone();
    let removed = entries.remove(1);
    a.set_answer("people_met", &Value::Array(entries), util::at(12))
        .unwrap();
    let left = entry_keys(&a, "people_met");
    assert_eq!(left.len(), 3);
    assert!(!left.contains(&removed[ENTRY_KEY].as_str().unwrap().to_string()));
    // And all of them: no answer, and a required repeat is missing again.
    a.set_answer("people_met", &json!([]), util::at(13))
        .unwrap();
    assert_eq!(a.answer("people_met"), None);
    // Saved and loaded, the document reads the same.
    let again = ReportDoc::load(&tablet.save()).unwrap();
    assert_eq!(again.answers(), tablet.answers());
    assert!(again.conflicts().is_empty());
}

#[test]
fn an_edit_of_one_answer_of_one_entry_writes_that_answer_only() {
    let mut doc = util::template_report("patrol", util::report_id(2), util::device(1));
    let before = doc.op_count();
    let mut entries = doc.answer("people_met").unwrap();
    entries[1]["met_said"] = json!("Will stay out of the town.");
    assert!(doc.set_answer("people_met", &entries, util::at(1)).unwrap());
    // One answer written (plus the change's own bookkeeping: the time it
    // was updated), not the entries again.
    let written = doc.op_count() - before;
    assert!(written <= 3, "{written} operations for one answer");
    // Writing the same entries again is no change at all.
    let same = doc.answer("people_met").unwrap();
    assert!(!doc.set_answer("people_met", &same, util::at(2)).unwrap());
}

#[test]
fn settling_an_entry_clears_what_it_no_longer_asks() {
    let form = util::form("patrol");
    let mut doc = util::template_report("patrol", util::report_id(3), util::device(1));
    // The armed group's representative turns out to be a youth leader: the
    // group he spoke for is no longer asked, and goes.
    let mut entries = doc.answer("people_met").unwrap();
    assert_eq!(entries[1]["met_group"], "Ganda Izo");
    entries[1]["met_role"] = json!("youth");
    doc.set_answer("people_met", &entries, util::at(1)).unwrap();
    let settled = doc.settle(&form, util::at(2)).unwrap();
    assert_eq!(settled.entries.len(), 1, "{settled:?}");
    let after = doc.answer("people_met").unwrap();
    assert!(after[1].get("met_group").is_none(), "{after:#?}");
    assert_eq!(after[1]["met_role"], "youth");
    assert_eq!(after[0]["met_name"], "Deputy mayor of Ansongo");
    assert!(doc.settle(&form, util::at(3)).unwrap().is_empty());
    // The count outside follows the entries.
    assert_eq!(doc.answer("people_met_count"), Some(json!(2)));
}

#[test]
fn the_read_back_lists_each_entry_in_words() {
    let form = util::form("patrol");
    let doc = util::template_report("patrol", util::report_id(4), util::device(1));
    let sections = outpost_report::readback::sections(&form, &doc, Lang::Fr);
    let text = outpost_report::readback::text(&sections, Lang::Fr);
    assert!(
        text.contains("Personnes rencontrées: 2 entrée(s)"),
        "{text}"
    );
    assert!(
        text.contains("Personnes rencontrées 1 · Nom ou fonction: Deputy mayor of Ansongo"),
        "{text}"
    );
    assert!(
        text.contains("Personnes rencontrées 2 · Rôle: Groupe armé"),
        "{text}"
    );
    assert!(
        text.contains("Personnes rencontrées 2 · Groupe: Ganda Izo"),
        "{text}"
    );
    // The first person is no armed group: not asked which one.
    assert!(!text.contains("Personnes rencontrées 1 · Groupe"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_added_on_two_tablets_reach_hq_through_a_hub_and_export_one_row_per_answer() {
    use crate::util::hub::{Device, TestHub};
    use outpost_report::time::{Clock, SystemClock};
    use outpost_report::{Classification, ReviewStatus};
    use outpost_sync::Role;

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
    let id = crate::sync::file_report(&mut a.store, "patrol", Classification::Confidential);
    a.sync().await;
    b.sync().await;

    // Each tablet adds the person its own patrol leader met, offline.
    let now = SystemClock.now();
    for (device, name) in [(&mut a, "Youth leader, Tin-Hama"), (&mut b, "Imam of Fafa")] {
        device
            .store
            .update(id, now, |d| {
                let mut entries = d.answer("people_met").unwrap().as_array().unwrap().clone();
                entries.push(json!({"met_name": name, "met_role": "religious_leader"}));
                Ok(d.set_answer("people_met", &Value::Array(entries), now)?)
            })
            .expect("the tablet adds an entry");
    }
    for _ in 0..2 {
        a.sync().await;
        b.sync().await;
        hq.sync().await;
    }
    let docs: Vec<ReportDoc> = [&a, &b, &hq]
        .iter()
        .map(|d| d.store.load(id).expect("held everywhere"))
        .collect();
    for doc in &docs {
        let entries = doc.answer("people_met").unwrap();
        assert_eq!(entries.as_array().unwrap().len(), 4, "{entries:#}");
        assert!(doc.conflicts().is_empty());
        assert_eq!(doc.answers(), docs[0].answers(), "every copy agrees");
        assert_eq!(doc.meta().status, ReviewStatus::Submitted);
    }

    // HQ's answers export: one row per answer, each entry's answers with
    // the repeat and the entry's place.
    let rows = outpost_export::reports(
        &hq.store,
        &outpost_store::ReportFilter::default(),
        Classification::StrictlyConfidential,
    )
    .unwrap();
    let mut out = Vec::new();
    outpost_export::write_answers_csv(&hq.store, &rows, hq.store.catalog(), Lang::En, &mut out)
        .unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        outpost_export::ANSWER_COLUMNS
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let names: Vec<(String, String)> = records
        .iter()
        .filter(|r| &r[4] == "people_met" && &r[6] == "met_name")
        .map(|r| (r[5].to_string(), r[8].to_string()))
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let positions: Vec<&str> = names.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(positions, ["1", "2", "3", "4"]);
    let mut people: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    people.sort();
    assert_eq!(
        people,
        [
            "Deputy mayor of Ansongo",
            "Imam of Fafa",
            "Representative of a self-defence group",
            "Youth leader, Tin-Hama"
        ]
    );
    // Every row carries the report, its form version and its classification.
    let form = util::form("patrol");
    for r in &records {
        assert_eq!(&r[0], id.to_string());
        assert_eq!(
            (&r[1], &r[2]),
            ("patrol", form.version.to_string().as_str())
        );
        assert_eq!(&r[3], "CONFIDENTIAL");
    }
    // The count outside the repeat is one row like any answer; the group
    // is asked of the armed group's representative only.
    assert!(
        records
            .iter()
            .any(|r| &r[6] == "people_met_count" && &r[8] == "4" && r[4].is_empty())
    );
    let groups: Vec<&str> = records
        .iter()
        .filter(|r| &r[6] == "met_group")
        .map(|r| &r[5])
        .collect();
    assert_eq!(groups, ["2"]);
    hub.stop().await;
}

/// Another device's document may key entries and answers as it likes. An
/// entry key or an answer name with a "." makes the path of a conflict
/// inside it read more than one way: every conflict listed must still be
/// one a person can resolve at its path, and an answer that is no question
/// of the repeat is named by validation.
#[test]
fn keys_from_another_device_never_make_a_conflict_that_cannot_be_resolved() {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};

    let form = util::form("patrol");
    let doc = util::template_report("patrol", util::report_id(7), util::device(1));
    // A hostile tablet writes, with plain automerge, an entry keyed "#1.x"
    // and in a real entry an answer named "met.name"; two of its actors
    // write each concurrently, so each is a conflict.
    let key = entry_keys(&doc, "people_met")[0].clone();
    let mut base = AutoCommit::load(&doc.clone().save()).unwrap();
    let mut edit = |actor: u8, said: &str| {
        let mut am = base.fork();
        am.set_actor(automerge::ActorId::from(vec![actor; 16]));
        let answers = match am.get(ROOT, "answers").unwrap() {
            Some((_, id)) => id,
            None => panic!("answers"),
        };
        let entries = match am.get(&answers, "people_met").unwrap() {
            Some((_, id)) => id,
            None => panic!("entries"),
        };
        let odd = am.put_object(&entries, "#1.x", ObjType::Map).unwrap();
        am.put(&odd, "met_name", said).unwrap();
        let real = match am.get(&entries, key.as_str()).unwrap() {
            Some((_, id)) => id,
            None => panic!("entry"),
        };
        am.put(&real, "met.name", said).unwrap();
        am.put(&real, "met_said", said).unwrap();
        am.save()
    };
    let (a, b) = (edit(1, "one"), edit(2, "two"));
    base.load_incremental(&a).unwrap();
    base.load_incremental(&b).unwrap();
    let mut received = ReportDoc::load(&base.save()).expect("the document loads");

    // "met.name" is no question of the repeat: validation says so.
    let problems = validate_answers(
        &form,
        &received.answers(),
        T0,
        Lang::En,
        Completeness::Draft,
    );
    assert!(
        problems
            .iter()
            .any(|p| p.field == "met.name" && p.code == "validation.unknown_field"),
        "{problems:#?}"
    );
    // Every conflict it lists can be resolved where it says it is.
    // The odd entry written twice, its name twice, and both answers of the
    // real entry written twice: each a conflict.
    let conflicts = received.conflicts();
    let mut paths: Vec<&str> = conflicts.iter().map(|c| c.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "answers.people_met.#1.x".to_string(),
            format!("answers.people_met.{key}.met.name"),
            format!("answers.people_met.{key}.met_said"),
        ]
    );
    for c in conflicts {
        received
            .resolve(&c.path, &c.values[0], util::at(1))
            .unwrap_or_else(|e| panic!("{} cannot be resolved: {e}", c.path));
    }
    assert!(received.conflicts().is_empty());
}

#[test]
fn two_devices_adding_the_first_entry_at_once_keep_both() {
    let form = util::form("patrol");
    let new = util::generate::new_report(
        util::report_id(8),
        util::device(1),
        outpost_report::Classification::Unclassified,
    );
    let mut a = ReportDoc::create(&form, &new, T0).unwrap();
    assert_eq!(a.answer("people_met"), None, "no one met yet");
    let mut b = a.fork_as(util::device(2));
    a.set_answer(
        "people_met",
        &json!([{"met_name": "Mayor of Bourem"}]),
        util::at(1),
    )
    .unwrap();
    b.set_answer(
        "people_met",
        &json!([{"met_name": "Imam of Bourem"}]),
        util::at(2),
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    let mut got = names(&a);
    got.sort();
    assert_eq!(got, ["Imam of Bourem", "Mayor of Bourem"]);
    assert!(a.conflicts().is_empty(), "{:?}", a.conflicts());
}
