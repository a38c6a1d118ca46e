//! Checks answers against a form and reports every problem at once.
//!
//! A tired user fixing a report one error at a time is how reports get
//! abandoned, so validation never stops at the first problem. Each problem names
//! the field, a stable code (for the UI and tests) and a message in the user's
//! language that quotes the field's label in that language.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::flow::Flow;
use crate::form::{Choice, Constraint, Field, FieldKind, Form, Rule};
use crate::i18n::{self, Lang};
use crate::time::Timestamp;

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    /// For a field of a repeat: which entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryRef>,
    pub code: &'static str,
    pub message: String,
}

/// One entry of a repeat, as a problem names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRef {
    pub repeat: String,
    /// From 1, as a person counts entries.
    pub position: usize,
}

impl Problem {
    /// Whether this problem is with the answer of `field` (for a repeat:
    /// with any of its entries).
    pub fn concerns(&self, field: &str) -> bool {
        self.field == field || self.entry.as_ref().is_some_and(|e| e.repeat == field)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.entry {
            Some(e) => write!(f, "{} {}: {}", e.repeat, e.position, self.field)?,
            None => f.write_str(&self.field)?,
        }
        write!(f, ": {}", self.message)
    }
}

/// Whether missing required answers count: a draft may be incomplete, a
/// submitted report may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Draft,
    Complete,
}

struct Check<'a> {
    lang: Lang,
    field: &'a Field,
    entry: Option<EntryRef>,
    problems: Vec<Problem>,
}

impl<'a> Check<'a> {
    fn new(lang: Lang, field: &'a Field) -> Check<'a> {
        Check {
            lang,
            field,
            entry: None,
            problems: Vec::new(),
        }
    }

    fn push(&mut self, code: &'static str, mut args: Vec<(&str, String)>) {
        args.push(("field", self.field.label.get(self.lang).to_string()));
        self.problems.push(Problem {
            field: self.field.id.clone(),
            entry: self.entry.clone(),
            code,
            message: i18n::message(self.lang, code, &args),
        });
    }

    /// A failed constraint: the form's own message in this language, or a
    /// generic one that shows the condition.
    fn constraint(&mut self, constraint: &Constraint) {
        match &constraint.message {
            Some(text) => self.problems.push(Problem {
                field: self.field.id.clone(),
                entry: self.entry.clone(),
                code: "validation.constraint",
                message: text.get(self.lang).to_string(),
            }),
            None => self.push(
                "validation.constraint",
                vec![("condition", constraint.condition.source().to_string())],
            ),
        }
    }

    fn wrong_type(&mut self, expected: &str) {
        let expected = i18n::message(self.lang, expected, &[]);
        self.push("validation.wrong_type", vec![("expected", expected)]);
    }

    fn number_range(&mut self, n: f64, min: Option<f64>, max: Option<f64>, unit: Option<&str>) {
        let unit = unit.unwrap_or_default().to_string();
        if let Some(min) = min.filter(|m| n < *m) {
            self.push(
                "validation.below_min",
                vec![("min", fmt_num(min)), ("unit", unit.clone())],
            );
        }
        if let Some(max) = max.filter(|m| n > *m) {
            self.push(
                "validation.above_max",
                vec![("max", fmt_num(max)), ("unit", unit)],
            );
        }
    }

    fn option(&mut self, options: &[Choice], value: &str) {
        if !options.iter().any(|o| o.value == value) {
            self.push(
                "validation.unknown_option",
                vec![("value", value.to_string())],
            );
        }
    }

    fn item_list(
        &mut self,
        value: &Value,
        max_items: Option<usize>,
        check_item: impl Fn(&str) -> bool,
    ) {
        let Some(items) = value.as_array() else {
            return self.wrong_type("expected.list");
        };
        if let Some(max) = max_items.filter(|m| items.len() > *m) {
            self.push("validation.too_many_items", vec![("max", max.to_string())]);
        }
        for item in items {
            match item.as_str() {
                Some(s) if check_item(s) => {}
                _ => self.push("validation.bad_reference", vec![("value", compact(item))]),
            }
        }
    }
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// Validates `answers` (field id → answer) against `form`.
///
/// `now` bounds "not in the future" fields; a few minutes of clock skew between
/// a tablet and the reality it reports are tolerated.
pub fn validate_answers(
    form: &Form,
    answers: &Map<String, Value>,
    now: Timestamp,
    lang: Lang,
    completeness: Completeness,
) -> Vec<Problem> {
    // Questions not asked are not checked: their answers count as blank,
    // as every other expression of the form sees them.
    let now_text = now.to_rfc3339();
    let flow = Flow::of(form, answers, &now_text);
    // A field of a repeat is answered inside its entries only.
    let mut problems: Vec<Problem> = answers
        .keys()
        .filter(|id| form.field(id).is_none() || flow.repeat_of(id).is_some())
        .map(|id| unknown_field(lang, id, None))
        .collect();
    let checking = Checking {
        form,
        flow: &flow,
        lang,
        completeness,
        now,
        now_text: &now_text,
    };
    let given = answers;
    let answers = &flow.effective;
    let asked = Asked {
        options: &flow.options,
        required: &flow.required,
    };
    for field in form.report_fields().filter(|f| flow.asks(&f.id)) {
        let mut check = Check::new(lang, field);
        let at = Answered {
            given: given.get(&field.id),
            effective: answers.get(&field.id),
        };
        checking.field(&mut check, at, &asked, None);
        problems.extend(check.problems);
        if let Some(entries) = flow.entries.get(&field.id) {
            problems.extend(checking.entries(field, entries, given.get(&field.id)));
        }
    }

    for rule in &form.rules {
        let Rule::NotBefore { field, other } = rule;
        let at = |id: &str| {
            answers
                .get(id)
                .and_then(Value::as_str)
                .and_then(Timestamp::parse_rfc3339)
        };
        let out_of_order =
            matches!((at(field), at(other)), (Some(later), Some(earlier)) if later < earlier);
        if let (true, Some(f), Some(o)) = (out_of_order, form.field(field), form.field(other)) {
            let mut check = Check::new(lang, f);
            check.push(
                "validation.before_other",
                vec![("other", o.label.get(lang).to_string())],
            );
            problems.extend(check.problems);
        }
    }
    problems
}

/// A field's answer as given and as the form's logic leaves it.
#[derive(Clone, Copy)]
struct Answered<'a> {
    given: Option<&'a Value>,
    effective: Option<&'a Value>,
}

/// What the flow says is offered and needed, at the level being checked
/// (the report's own fields, or one entry's).
struct Asked<'a> {
    options: &'a std::collections::BTreeMap<String, Vec<String>>,
    required: &'a std::collections::BTreeSet<String>,
}

/// The checks of one asked field: the options offered, a missing answer,
/// the answer's type and range, then its constraint.
/// "Not a field of this form" (or of this entry's repeat).
fn unknown_field(lang: Lang, key: &str, entry: Option<EntryRef>) -> Problem {
    Problem {
        field: key.to_string(),
        entry,
        code: "validation.unknown_field",
        message: i18n::message(
            lang,
            "validation.unknown_field",
            &[("field", key.to_string())],
        ),
    }
}

/// What every check of one validation shares: the form, its flow over the
/// answers, the reader's language, how complete the report must be and when.
struct Checking<'a> {
    form: &'a Form,
    flow: &'a Flow,
    lang: Lang,
    completeness: Completeness,
    now: Timestamp,
    now_text: &'a str,
}

impl Checking<'_> {
    fn field(
        &self,
        check: &mut Check<'_>,
        at: Answered<'_>,
        asked: &Asked<'_>,
        entry: Option<(&str, usize)>,
    ) {
        const SKEW_MS: i64 = 5 * 60 * 1000;
        let (flow, completeness, now) = (self.flow, self.completeness, self.now);
        let field = check.field;
        // A choice the other answers no longer offer (a cercle of another
        // region): said as such, not as a missing answer.
        if let Some(offered) = asked.options.get(&field.id) {
            let values: Vec<&str> = match at.given {
                Some(Value::String(v)) => vec![v.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for v in values
                .into_iter()
                .filter(|v| !offered.iter().any(|o| o == v))
            {
                let known = match &field.kind {
                    FieldKind::Choice { options } | FieldKind::Choices { options } => {
                        options.iter().any(|o| o.value == v)
                    }
                    _ => false,
                };
                let code = if known {
                    "validation.option_not_offered"
                } else {
                    "validation.unknown_option"
                };
                check.push(code, vec![("value", v.to_string())]);
            }
        }
        match at.effective.filter(|v| !is_blank(v)) {
            None => {
                if asked.required.contains(&field.id)
                    && completeness == Completeness::Complete
                    && check.problems.is_empty()
                {
                    check.push("validation.required", vec![]);
                }
            }
            Some(value) => {
                check_value(check, value, now, SKEW_MS);
                // A constraint speaks of a well-formed answer only.
                if let Some(constraint) = field.constraint.as_ref()
                    && check.problems.is_empty()
                    && !flow.holds(&constraint.condition, entry, Some(value), self.now_text)
                {
                    check.constraint(constraint);
                }
            }
        }
    }

    /// The checks of a repeat's entries: how many there are against its
    /// count, what each holds that is no field of the repeat, and each asked
    /// field of each entry.
    fn entries(
        &self,
        repeat: &Field,
        entries: &[crate::flow::EntryFlow],
        given: Option<&Value>,
    ) -> Vec<Problem> {
        let (form, flow, lang, completeness) = (self.form, self.flow, self.lang, self.completeness);
        let mut problems = Vec::new();
        if let Some(&count) = flow.counts.get(&repeat.id)
            && completeness == Completeness::Complete
            && count != entries.len()
        {
            let mut check = Check::new(lang, repeat);
            check.push(
                "validation.entry_count",
                vec![
                    ("count", count.to_string()),
                    ("entries", entries.len().to_string()),
                ],
            );
            problems.extend(check.problems);
        }
        let given: &[Value] = given.and_then(Value::as_array).map_or(&[], Vec::as_slice);
        let effective: &[Value] = flow
            .effective
            .get(&repeat.id)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        for (index, ef) in entries.iter().enumerate() {
            let entry = EntryRef {
                repeat: repeat.id.clone(),
                position: index + 1,
            };
            let given = given.get(index).and_then(Value::as_object);
            let effective = effective.get(index).and_then(Value::as_object);
            for key in given.into_iter().flat_map(|g| g.keys()) {
                if key != crate::flow::ENTRY_KEY && flow.repeat_of(key) != Some(repeat.id.as_str())
                {
                    problems.push(unknown_field(lang, key, Some(entry.clone())));
                }
            }
            let asked = Asked {
                options: &ef.options,
                required: &ef.required,
            };
            for field in form
                .members(repeat)
                .filter(|f| !ef.hidden_fields.contains(&f.id))
            {
                let mut check = Check::new(lang, field);
                check.entry = Some(entry.clone());
                let at = Answered {
                    given: given.and_then(|g| g.get(&field.id)),
                    effective: effective.and_then(|e| e.get(&field.id)),
                };
                self.field(&mut check, at, &asked, Some((&repeat.id, index)));
                problems.extend(check.problems);
            }
        }
        problems
    }
}

/// Validates a report whole: its answers, and that every photo and voice note
/// its answers name is one the report holds (an id typed into an answers file
/// would otherwise pass as a photo nobody can ever see).
pub fn validate_report(
    form: &Form,
    doc: &crate::ReportDoc,
    now: Timestamp,
    lang: Lang,
    completeness: Completeness,
) -> Vec<Problem> {
    let answers = doc.answers();
    let mut problems = validate_answers(form, &answers, now, lang, completeness);
    let photos: std::collections::BTreeSet<String> =
        doc.photos().iter().map(|p| p.id.to_string()).collect();
    let voice_notes: std::collections::BTreeSet<String> =
        doc.voice_notes().iter().map(|v| v.id.to_string()).collect();
    for field in &form.fields {
        let held = match field.kind {
            FieldKind::Photos { .. } => &photos,
            FieldKind::VoiceNotes { .. } => &voice_notes,
            _ => continue,
        };
        let Some(items) = answers.get(&field.id).and_then(Value::as_array) else {
            continue;
        };
        let mut check = Check::new(lang, field);
        for id in items.iter().filter_map(Value::as_str) {
            if is_uuid(id) && !held.contains(id) {
                check.push("validation.unknown_attachment", vec![("value", id.into())]);
            }
        }
        problems.extend(check.problems);
    }
    problems
}

/// An empty answer is no answer: clearing a box in the UI must not leave a
/// required field "answered" with an empty string.
/// An answer that says nothing: null, blank text or an empty list.
pub fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn check_value(check: &mut Check<'_>, value: &Value, now: Timestamp, skew_ms: i64) {
    match &check.field.kind {
        FieldKind::Text { max_length } | FieldKind::Narrative { max_length } => {
            let Some(s) = value.as_str() else {
                return check.wrong_type("expected.text");
            };
            let length = s.chars().count();
            if let Some(max) = max_length.filter(|m| length > *m) {
                check.push(
                    "validation.too_long",
                    vec![("max", max.to_string()), ("length", length.to_string())],
                );
            }
        }
        FieldKind::Integer { min, max, unit } => {
            let Some(n) = value.as_f64() else {
                return check.wrong_type("expected.whole_number");
            };
            if n.fract() != 0.0 {
                check.push("validation.not_integer", vec![]);
            }
            let unit = unit.as_ref().map(|u| u.get(check.lang).to_string());
            check.number_range(n, *min, *max, unit.as_deref());
        }
        FieldKind::Decimal { min, max, unit } => {
            let Some(n) = value.as_f64() else {
                return check.wrong_type("expected.number");
            };
            let unit = unit.as_ref().map(|u| u.get(check.lang).to_string());
            check.number_range(n, *min, *max, unit.as_deref());
        }
        FieldKind::Choice { options } => match value.as_str() {
            Some(s) => check.option(options, s),
            None => check.wrong_type("expected.choice"),
        },
        FieldKind::Choices { options } => {
            let Some(items) = value.as_array() else {
                return check.wrong_type("expected.choices");
            };
            let mut seen = std::collections::BTreeSet::new();
            for item in items {
                match item.as_str() {
                    Some(s) => {
                        check.option(options, s);
                        if !seen.insert(s) {
                            check.push(
                                "validation.duplicate_option",
                                vec![("value", s.to_string())],
                            );
                        }
                    }
                    None => check.wrong_type("expected.choices"),
                }
            }
        }
        FieldKind::Datetime { not_in_future } => {
            let Some(s) = value.as_str() else {
                return check.wrong_type("expected.datetime");
            };
            match Timestamp::parse_rfc3339(s) {
                None => check.push("validation.bad_datetime", vec![("value", s.to_string())]),
                Some(t) if *not_in_future && t.as_millis() > now.as_millis() + skew_ms => {
                    check.push("validation.in_future", vec![])
                }
                Some(_) => {}
            }
        }
        FieldKind::Location => check_location(check, value),
        FieldKind::PeopleCount { sexes, age_bands } => check_people(check, value, sexes, age_bands),
        FieldKind::Photos { max_items }
        | FieldKind::VoiceNotes { max_items }
        | FieldKind::ReportLinks { max_items } => check.item_list(value, *max_items, is_uuid),
        FieldKind::Repeat { max_items, .. } => {
            let Some(items) = value.as_array().filter(|i| i.iter().all(Value::is_object)) else {
                return check.wrong_type("expected.entries");
            };
            if let Some(max) = max_items.filter(|m| items.len() > *m) {
                check.push("validation.too_many_items", vec![("max", max.to_string())]);
            }
        }
    }
}

fn check_location(check: &mut Check<'_>, value: &Value) {
    let Some(obj) = value.as_object() else {
        return check.wrong_type("expected.location");
    };
    let known = ["lat", "lon", "accuracy_m", "place"];
    if obj.keys().any(|k| !known.contains(&k.as_str())) {
        return check.wrong_type("expected.location");
    }
    let num = |k: &str| obj.get(k).filter(|v| !v.is_null());
    let (lat, lon) = (num("lat"), num("lon"));
    let place = obj
        .get("place")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    match (lat, lon) {
        (None, None) if place.is_empty() => check.push("validation.location_empty", vec![]),
        (Some(_), None) | (None, Some(_)) => check.push("validation.location_half", vec![]),
        _ => {}
    }
    let in_range = |v: Option<&Value>, limit: f64| {
        v.is_none_or(|v| v.as_f64().is_some_and(|n| n.abs() <= limit))
    };
    if !in_range(lat, 90.0) {
        check.push("validation.bad_latitude", vec![]);
    }
    if !in_range(lon, 180.0) {
        check.push("validation.bad_longitude", vec![]);
    }
    if num("accuracy_m").is_some_and(|v| v.as_f64().is_none_or(|n| n < 0.0)) {
        check.push("validation.bad_accuracy", vec![]);
    }
    if obj
        .get("place")
        .is_some_and(|p| !p.is_string() && !p.is_null())
    {
        check.wrong_type("expected.location");
    }
}

/// The most people one group of a count may hold. Larger numbers are typing
/// slips, not a crowd, and a bound keeps every total far from overflow (the
/// largest form has a handful of groups).
pub const MAX_PEOPLE_IN_GROUP: u64 = 1_000_000;

fn check_people(check: &mut Check<'_>, value: &Value, sexes: &[Choice], age_bands: &[Choice]) {
    let Some(by_sex) = value.as_object() else {
        return check.wrong_type("expected.people_count");
    };
    let lang = check.lang;
    for (sex, bands) in by_sex {
        let Some(sex_choice) = sexes.iter().find(|c| &c.value == sex) else {
            check.push(
                "validation.count_unknown_group",
                vec![("group", sex.clone())],
            );
            continue;
        };
        let Some(bands) = bands.as_object() else {
            check.wrong_type("expected.people_count");
            continue;
        };
        for (band, count) in bands {
            let Some(band_choice) = age_bands.iter().find(|c| &c.value == band) else {
                check.push(
                    "validation.count_unknown_group",
                    vec![("group", format!("{sex}/{band}"))],
                );
                continue;
            };
            let group = format!(
                "{} {}",
                sex_choice.label.get(lang),
                band_choice.label.get(lang)
            );
            if count.is_null() {
                continue;
            }
            match count.as_f64() {
                None => check.wrong_type("expected.people_count"),
                Some(n) if n < 0.0 => {
                    check.push("validation.count_negative", vec![("group", group)])
                }
                Some(n) if n.fract() != 0.0 => check.push("validation.not_integer", vec![]),
                Some(n) if n > MAX_PEOPLE_IN_GROUP as f64 => check.push(
                    "validation.count_too_large",
                    vec![("group", group), ("max", MAX_PEOPLE_IN_GROUP.to_string())],
                ),
                Some(_) => {}
            }
        }
    }
}
