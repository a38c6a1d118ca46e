//! The read-back: the structured report built from a debrief's answers, step
//! by step, in words a person checks before confirming. The app shows it, the
//! command line prints it, and the text the author confirmed is kept in the
//! document so a reviewer sees exactly what was agreed.

use serde::Serialize;
use serde_json::Value;

use crate::document::ReportDoc;
use crate::flow::Flow;
use crate::form::{Choice, Field, FieldKind, Form};
use crate::i18n::Lang;
use crate::time::Timestamp;

/// One answer as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadbackLine {
    pub field: String,
    pub label: String,
    /// The answer in words; `None` when not answered.
    pub value: Option<String>,
    pub required: bool,
    /// For an answer inside a repeat: the entry's place, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<usize>,
}

/// One debrief step as read back: its question, its answers, and the free
/// narrative said at that step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadbackSection {
    pub step: String,
    pub question: String,
    pub lines: Vec<ReadbackLine>,
    pub note: Option<String>,
}

/// The read-back of `doc` in `lang`, in the form's step order.
///
/// Only what the form asks is read back: a step or question that the answers
/// made irrelevant is left out, and calculated answers show their value.
/// `today()` in the form's logic is the day the report was last changed, so
/// the read-back of a report does not change with the reader's clock.
pub fn sections(form: &Form, doc: &ReportDoc, lang: Lang) -> Vec<ReadbackSection> {
    let flow = Flow::of(form, &doc.answers(), &doc.meta().updated_at.to_rfc3339());
    let answers = &flow.effective;
    let notes = doc.step_notes();
    form.steps
        .iter()
        .filter(|step| !flow.hidden_steps.contains(&step.id))
        .map(|step| ReadbackSection {
            step: step.id.clone(),
            question: step.question.get(lang).to_string(),
            lines: step
                .fields
                .iter()
                .filter(|id| flow.asks(id))
                .filter_map(|id| form.field(id))
                .flat_map(|field| {
                    let mut lines = vec![line(
                        field,
                        field.label.get(lang).to_string(),
                        answers.get(&field.id),
                        flow.required.contains(&field.id),
                        None,
                        lang,
                    )];
                    lines.extend(entry_lines(form, &flow, field, lang));
                    lines
                })
                .collect(),
            note: notes.get(&step.id).cloned(),
        })
        .collect()
}

/// One answer's line: its value in words, none when not answered.
fn line(
    field: &Field,
    label: String,
    answer: Option<&Value>,
    required: bool,
    entry: Option<usize>,
    lang: Lang,
) -> ReadbackLine {
    ReadbackLine {
        field: field.id.clone(),
        label,
        value: answer
            .map(|v| display_value(field, v, lang))
            .filter(|s| !s.is_empty()),
        required,
        entry,
    }
}

/// Each entry of a repeat, answer by answer ("People met 2 · Role: …"),
/// only what the entry asks.
fn entry_lines(form: &Form, flow: &Flow, repeat: &Field, lang: Lang) -> Vec<ReadbackLine> {
    let Some(entries) = flow.entries.get(&repeat.id) else {
        return Vec::new();
    };
    let values = flow.effective.get(&repeat.id).and_then(Value::as_array);
    let mut out = Vec::new();
    for (index, ef) in entries.iter().enumerate() {
        let answers = values.and_then(|v| v.get(index)).and_then(Value::as_object);
        for field in form
            .members(repeat)
            .filter(|f| !ef.hidden_fields.contains(&f.id))
        {
            out.push(line(
                field,
                format!(
                    "{} {} · {}",
                    repeat.label.get(lang),
                    index + 1,
                    field.label.get(lang)
                ),
                answers.and_then(|a| a.get(&field.id)),
                ef.required.contains(&field.id),
                Some(index + 1),
                lang,
            ));
        }
    }
    out
}

/// The read-back as plain text: what is stored when the author confirms.
pub fn text(sections: &[ReadbackSection], lang: Lang) -> String {
    let unanswered = match lang {
        Lang::En => "(not answered)",
        Lang::Fr => "(sans réponse)",
    };
    let mut out = String::new();
    for s in sections {
        out.push_str(&format!("# {}\n", s.question));
        for l in &s.lines {
            let value = l.value.as_deref().unwrap_or(unanswered);
            out.push_str(&format!("{}: {}\n", l.label, value));
        }
        if let Some(note) = &s.note {
            out.push_str(&format!("> {}\n", note.replace('\n', "\n> ")));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// An answer in words: choice labels instead of codes, places and counts
/// spelled out, attachments counted.
pub fn display_value(field: &Field, value: &Value, lang: Lang) -> String {
    let label_of = |options: &[Choice], v: &str| {
        options
            .iter()
            .find(|o| o.value == v)
            .map(|o| o.label.get(lang).to_string())
            .unwrap_or_else(|| v.to_string())
    };
    match (&field.kind, value) {
        (FieldKind::Choice { options }, Value::String(v)) => label_of(options, v),
        (FieldKind::Choices { options }, Value::Array(vs)) => vs
            .iter()
            .filter_map(Value::as_str)
            .map(|v| label_of(options, v))
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::Integer { unit, .. } | FieldKind::Decimal { unit, .. }, Value::Number(n)) => {
            match unit {
                Some(u) => format!("{n} {}", u.get(lang)),
                None => n.to_string(),
            }
        }
        (FieldKind::Datetime { .. }, Value::String(s)) => Timestamp::parse_rfc3339(s)
            .map(|t| {
                let iso = t.to_rfc3339();
                // "2026-03-14T06:30:00Z" -> "2026-03-14 06:30 UTC"
                format!("{} {} UTC", &iso[..10], &iso[11..16])
            })
            .unwrap_or_else(|| s.clone()),
        (FieldKind::Location, Value::Object(o)) => {
            let place = o.get("place").and_then(Value::as_str).unwrap_or("").trim();
            let coords = match (
                o.get("lat").and_then(Value::as_f64),
                o.get("lon").and_then(Value::as_f64),
            ) {
                (Some(lat), Some(lon)) => format!("{lat:.5}, {lon:.5}"),
                _ => String::new(),
            };
            match (place.is_empty(), coords.is_empty()) {
                (false, false) => format!("{place} ({coords})"),
                (false, true) => place.to_string(),
                _ => coords,
            }
        }
        (FieldKind::PeopleCount { sexes, age_bands }, Value::Object(by_sex)) => {
            let mut parts = Vec::new();
            // Checked: a document from elsewhere may hold counts no
            // validation saw, and a wrapped total would be a wrong number.
            let mut total = Some(0u64);
            for sex in sexes {
                let Some(bands) = by_sex.get(&sex.value).and_then(Value::as_object) else {
                    continue;
                };
                let counts: Vec<String> = age_bands
                    .iter()
                    .filter_map(|b| {
                        let n = bands.get(&b.value)?.as_u64()?;
                        total = total.and_then(|t| t.checked_add(n));
                        (n > 0).then(|| format!("{} {n}", b.label.get(lang)))
                    })
                    .collect();
                if !counts.is_empty() {
                    parts.push(format!("{}: {}", sex.label.get(lang), counts.join(", ")));
                }
            }
            let total = match (total, lang) {
                (Some(total), Lang::En) => format!("{total} in all"),
                (Some(total), Lang::Fr) => format!("{total} au total"),
                (None, Lang::En) => "total too large to show".to_string(),
                (None, Lang::Fr) => "total trop grand pour être affiché".to_string(),
            };
            if parts.is_empty() {
                total
            } else {
                format!("{total} — {}", parts.join("; "))
            }
        }
        (
            FieldKind::Photos { .. } | FieldKind::VoiceNotes { .. } | FieldKind::ReportLinks { .. },
            Value::Array(items),
        ) => {
            let n = items.len();
            let what = match (&field.kind, lang) {
                (FieldKind::Photos { .. }, Lang::En) => "photo(s)",
                (FieldKind::Photos { .. }, Lang::Fr) => "photo(s)",
                (FieldKind::VoiceNotes { .. }, Lang::En) => "voice note(s)",
                (FieldKind::VoiceNotes { .. }, Lang::Fr) => "note(s) vocale(s)",
                (_, Lang::En) => "linked report(s)",
                (_, Lang::Fr) => "rapport(s) lié(s)",
            };
            format!("{n} {what}")
        }
        (FieldKind::Repeat { .. }, Value::Array(items)) => match lang {
            Lang::En => format!(
                "{} entr{}",
                items.len(),
                if items.len() == 1 { "y" } else { "ies" }
            ),
            Lang::Fr => format!("{} entrée(s)", items.len()),
        },
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, Classification, DeviceId, NewReport, ReportId, ReviewStatus};
    use serde_json::json;

    fn patrol() -> (Form, ReportDoc) {
        let form = Catalog::builtin().get("patrol").unwrap().clone();
        let new = NewReport {
            id: ReportId::from_uuid(uuid::Uuid::now_v7()),
            author: "Capt. A".into(),
            author_unit: "BANBAT".into(),
            sector: "East".into(),
            device: DeviceId::from_uuid(uuid::Uuid::now_v7()),
            language: Lang::Fr,
            classification: Classification::Unclassified,
            status: ReviewStatus::Draft,
        };
        let now = Timestamp::from_millis(1_700_000_000_000);
        let doc = ReportDoc::create(&form, &new, now).unwrap();
        (form, doc)
    }

    #[test]
    fn reads_back_every_step_in_form_order_with_words_not_codes() {
        let (form, mut doc) = patrol();
        let now = Timestamp::from_millis(1_700_000_100_000);
        doc.set_answer("patrol_strength", &json!(28), now).unwrap();
        doc.set_answer("patrol_type", &json!("escort"), now)
            .unwrap();
        doc.set_step_note("who", "Deux interprètes avec nous.", now)
            .unwrap();
        let sections = sections(&form, &doc, Lang::Fr);
        let ids: Vec<&str> = sections.iter().map(|s| s.step.as_str()).collect();
        let expected: Vec<&str> = form.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, expected);
        let who = &sections[0];
        let strength = who
            .lines
            .iter()
            .find(|l| l.field == "patrol_strength")
            .unwrap();
        assert_eq!(strength.value.as_deref(), Some("28 personnes"));
        assert_eq!(who.note.as_deref(), Some("Deux interprètes avec nous."));
        let task = sections[1]
            .lines
            .iter()
            .find(|l| l.field == "patrol_type")
            .unwrap();
        assert_eq!(task.value.as_deref(), Some("Escorte"));
        let unit = who.lines.iter().find(|l| l.field == "patrol_unit").unwrap();
        assert_eq!(unit.value, None);
        assert!(unit.required);
        let text = text(&sections, Lang::Fr);
        assert!(text.contains("Effectif: 28 personnes"), "{text}");
        assert!(text.contains("(sans réponse)"), "{text}");
        assert!(text.contains("> Deux interprètes avec nous."), "{text}");
    }

    #[test]
    fn spells_out_places_counts_and_dates() {
        let form = Catalog::builtin().get("incident").unwrap().clone();
        let people = form.field("civilians_affected").unwrap();
        let v = json!({"female": {"under_5": 1, "18_59": 3}, "male": {"18_59": 2}});
        let text = display_value(people, &v, Lang::En);
        assert!(text.starts_with("6 in all — Female: "), "{text}");
        let place = form.field("incident_location").unwrap();
        assert_eq!(
            display_value(
                place,
                &json!({"place": "Aguelhok", "lat": 19.46, "lon": 0.86}),
                Lang::En
            ),
            "Aguelhok (19.46000, 0.86000)"
        );
        let when = form.field("occurred_at").unwrap();
        assert_eq!(
            display_value(when, &json!("2026-03-14T06:30:00Z"), Lang::Fr),
            "2026-03-14 06:30 UTC"
        );
    }
}
