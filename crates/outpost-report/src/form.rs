//! Report kinds as data: versioned, bilingual form definitions.
//!
//! A form is a JSON file in `forms/` (shipped with the app, not code): its fields
//! with labels, debrief prompts and help in English and French, the steps of the
//! spoken-style debrief, and cross-field rules. Adding a kind means adding a file.
//! [`Catalog::builtin`] loads the shipped forms; [`Form::check`] rejects a
//! definition that would confuse the app (a field in no step, a missing French
//! label, an example answer that the form itself would refuse).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::i18n::Lang;
use crate::logic::Expression;

/// A text in both languages. Both are required: the mission works in both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalText {
    pub en: String,
    pub fr: String,
}

impl LocalText {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: LocalText,
    /// Columns a `choice_filter` reads (`region` of a cercle), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, String>,
}

/// What kind of answer a field takes, with the kind's own settings.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// A short line of text.
    Text {
        max_length: Option<usize>,
    },
    /// A free narrative, the written form of what was said.
    Narrative {
        max_length: Option<usize>,
    },
    Integer {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<LocalText>,
    },
    Decimal {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<LocalText>,
    },
    Choice {
        options: Vec<Choice>,
    },
    Choices {
        options: Vec<Choice>,
    },
    Datetime {
        not_in_future: bool,
    },
    /// Coordinates (`lat`, `lon`, optional `accuracy_m`) and/or a named `place`.
    Location,
    /// Head counts by sex and age band, as the mission reports on women, peace and security.
    PeopleCount {
        sexes: Vec<Choice>,
        age_bands: Vec<Choice>,
    },
    /// Ids of photos attached to the report.
    Photos {
        max_items: Option<usize>,
    },
    /// Ids of voice notes attached to the report.
    VoiceNotes {
        max_items: Option<usize>,
    },
    /// Ids of other reports.
    ReportLinks {
        max_items: Option<usize>,
    },
    /// A group of questions asked once per entry (each person met, each
    /// vehicle): the answer is a list of entries, each the answers of
    /// `fields` (fields of the form placed in no step of their own).
    Repeat {
        fields: Vec<String>,
        max_items: Option<usize>,
        /// How many entries there are to be (XLSForm `repeat_count`); open
        /// ended ("add another") when `None`.
        count: Option<Expression>,
        /// How the debrief asks for one more entry ("Another person met?").
        another: Option<LocalText>,
    },
}

impl FieldKind {
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::Narrative { .. } => "narrative",
            FieldKind::Integer { .. } => "integer",
            FieldKind::Decimal { .. } => "decimal",
            FieldKind::Choice { .. } => "choice",
            FieldKind::Choices { .. } => "choices",
            FieldKind::Datetime { .. } => "datetime",
            FieldKind::Location => "location",
            FieldKind::PeopleCount { .. } => "people_count",
            FieldKind::Photos { .. } => "photos",
            FieldKind::VoiceNotes { .. } => "voice_notes",
            FieldKind::ReportLinks { .. } => "report_links",
            FieldKind::Repeat { .. } => "repeat",
        }
    }

    /// Whether the field's text belongs in full-text search.
    pub fn is_searchable_text(&self) -> bool {
        matches!(self, FieldKind::Text { .. } | FieldKind::Narrative { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawField", into = "RawField")]
pub struct Field {
    pub id: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Short label for the plain form view.
    pub label: LocalText,
    /// How a debrief officer asks for this answer.
    pub prompt: LocalText,
    pub help: Option<LocalText>,
    /// A realistic answer: it fills `report template` and is checked against the form.
    pub example: Value,
    /// The answer a new report starts with (XLSForm `default`), checked
    /// against the field when the form loads.
    pub default: Option<Value>,
    /// When the question is asked at all (XLSForm `relevant`); always when `None`.
    pub relevant: Option<Expression>,
    /// When the answer is needed although `required` is false (XLSForm
    /// `required` written as an expression).
    pub required_when: Option<Expression>,
    /// A condition the answer (`.`) must meet, and what to say when it does not.
    pub constraint: Option<Constraint>,
    /// The answer is worked out from other answers (XLSForm `calculation`);
    /// nobody types it.
    pub calculate: Option<Expression>,
    /// Which options are offered given the other answers (a cascade:
    /// `region = ${region}`); a bare name reads a column of the option.
    pub choice_filter: Option<Expression>,
}

/// A condition on one answer, with the message shown when it fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub condition: Expression,
    /// `None`: a generic message naming the field.
    pub message: Option<LocalText>,
}

/// `required` as written: a flag, or an expression saying when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum RawRequired {
    Flag(bool),
    When(String),
}

impl Default for RawRequired {
    fn default() -> RawRequired {
        RawRequired::Flag(false)
    }
}

fn is_never(r: &RawRequired) -> bool {
    *r == RawRequired::Flag(false)
}

/// Parses one expression of a definition; a fault names where it is.
fn expression(source: Option<String>, at: &str, key: &str) -> Result<Option<Expression>, String> {
    source
        .filter(|s| !s.trim().is_empty())
        .map(|s| Expression::parse(&s).map_err(|e| format!("{at}, {key} {s:?}: {e}")))
        .transpose()
}

/// A field as written in a definition file: one flat object whose `type` says
/// which of the other keys apply. Keys that do not apply to the type are refused
/// so that a typo in a definition is caught, not ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "is_never")]
    required: RawRequired,
    label: LocalText,
    prompt: LocalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    help: Option<LocalText>,
    example: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<LocalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    options: Option<Vec<Choice>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_in_future: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sexes: Option<Vec<Choice>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    age_bands: Option<Vec<Choice>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_items: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relevant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    constraint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    constraint_message: Option<LocalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calculate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    choice_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    repeat_count: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    another: Option<LocalText>,
}

impl TryFrom<RawField> for Field {
    type Error = String;

    fn try_from(mut raw: RawField) -> Result<Field, String> {
        let id = raw.id.clone();
        let need = |v: Option<Vec<Choice>>, key: &str| {
            v.ok_or_else(|| format!("field {id:?} of type {:?} needs {key:?}", raw.kind))
        };
        let kind = match raw.kind.as_str() {
            "text" => FieldKind::Text {
                max_length: raw.max_length.take(),
            },
            "narrative" => FieldKind::Narrative {
                max_length: raw.max_length.take(),
            },
            "integer" | "decimal" => {
                let (min, max, unit) = (raw.min.take(), raw.max.take(), raw.unit.take());
                if raw.kind == "integer" {
                    FieldKind::Integer { min, max, unit }
                } else {
                    FieldKind::Decimal { min, max, unit }
                }
            }
            "choice" => FieldKind::Choice {
                options: need(raw.options.take(), "options")?,
            },
            "choices" => FieldKind::Choices {
                options: need(raw.options.take(), "options")?,
            },
            "datetime" => FieldKind::Datetime {
                not_in_future: raw.not_in_future.take().unwrap_or(false),
            },
            "location" => FieldKind::Location,
            "people_count" => FieldKind::PeopleCount {
                sexes: need(raw.sexes.take(), "sexes")?,
                age_bands: need(raw.age_bands.take(), "age_bands")?,
            },
            "photos" => FieldKind::Photos {
                max_items: raw.max_items.take(),
            },
            "voice_notes" => FieldKind::VoiceNotes {
                max_items: raw.max_items.take(),
            },
            "report_links" => FieldKind::ReportLinks {
                max_items: raw.max_items.take(),
            },
            "repeat" => FieldKind::Repeat {
                fields: raw
                    .fields
                    .take()
                    .ok_or_else(|| format!("field {id:?} of type \"repeat\" needs \"fields\""))?,
                max_items: raw.max_items.take(),
                count: expression(
                    raw.repeat_count.take(),
                    &format!("field {id:?}"),
                    "repeat_count",
                )?,
                another: raw.another.take(),
            },
            other => return Err(format!("field {id:?} has unknown type {other:?}")),
        };
        let leftovers = [
            ("max_length", raw.max_length.is_some()),
            ("min", raw.min.is_some()),
            ("max", raw.max.is_some()),
            ("unit", raw.unit.is_some()),
            ("options", raw.options.is_some()),
            ("not_in_future", raw.not_in_future.is_some()),
            ("sexes", raw.sexes.is_some()),
            ("age_bands", raw.age_bands.is_some()),
            ("max_items", raw.max_items.is_some()),
            ("fields", raw.fields.is_some()),
            ("repeat_count", raw.repeat_count.is_some()),
            ("another", raw.another.is_some()),
        ];
        if let Some((key, _)) = leftovers.iter().find(|(_, present)| *present) {
            return Err(format!(
                "field {id:?}: {key:?} does not apply to type {:?}",
                raw.kind
            ));
        }
        let at = format!("field {id:?}");
        let (required, required_when) = match raw.required {
            RawRequired::Flag(flag) => (flag, None),
            RawRequired::When(source) => match source.trim() {
                // XLSForm spells a plain flag as yes/no (and true()/false()).
                "yes" | "true" | "true()" => (true, None),
                "no" | "false" | "false()" | "" => (false, None),
                _ => (false, expression(Some(source), &at, "required")?),
            },
        };
        let condition = expression(raw.constraint, &at, "constraint")?;
        if raw.constraint_message.is_some() && condition.is_none() {
            return Err(format!("{at}: a constraint_message needs a constraint"));
        }
        Ok(Field {
            relevant: expression(raw.relevant, &at, "relevant")?,
            required_when,
            constraint: condition.map(|condition| Constraint {
                condition,
                message: raw.constraint_message,
            }),
            calculate: expression(raw.calculate, &at, "calculate")?,
            choice_filter: raw
                .choice_filter
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    Expression::parse_filter(&s)
                        .map_err(|e| format!("{at}, choice_filter {s:?}: {e}"))
                })
                .transpose()?,
            id: raw.id,
            kind,
            required,
            label: raw.label,
            prompt: raw.prompt,
            help: raw.help,
            example: raw.example,
            default: raw.default.filter(|v| !v.is_null()),
        })
    }
}

impl From<Field> for RawField {
    fn from(f: Field) -> RawField {
        let source = |e: Option<Expression>| e.map(|e| e.source().to_string());
        let required = match f.required_when {
            Some(when) => RawRequired::When(when.source().to_string()),
            None => RawRequired::Flag(f.required),
        };
        let (constraint, constraint_message) = match f.constraint {
            Some(c) => (Some(c.condition.source().to_string()), c.message),
            None => (None, None),
        };
        let mut raw = RawField {
            id: f.id,
            kind: f.kind.name().to_string(),
            required,
            label: f.label,
            prompt: f.prompt,
            help: f.help,
            example: f.example,
            default: f.default,
            relevant: source(f.relevant),
            constraint,
            constraint_message,
            calculate: source(f.calculate),
            choice_filter: source(f.choice_filter),
            ..RawField::default()
        };
        match f.kind {
            FieldKind::Text { max_length } | FieldKind::Narrative { max_length } => {
                raw.max_length = max_length
            }
            FieldKind::Integer { min, max, unit } | FieldKind::Decimal { min, max, unit } => {
                (raw.min, raw.max, raw.unit) = (min, max, unit)
            }
            FieldKind::Choice { options } | FieldKind::Choices { options } => {
                raw.options = Some(options)
            }
            FieldKind::Datetime { not_in_future } => {
                raw.not_in_future = not_in_future.then_some(true)
            }
            FieldKind::Location => {}
            FieldKind::PeopleCount { sexes, age_bands } => {
                (raw.sexes, raw.age_bands) = (Some(sexes), Some(age_bands))
            }
            FieldKind::Photos { max_items }
            | FieldKind::VoiceNotes { max_items }
            | FieldKind::ReportLinks { max_items } => raw.max_items = max_items,
            FieldKind::Repeat {
                fields,
                max_items,
                count,
                another,
            } => {
                raw.fields = Some(fields);
                raw.max_items = max_items;
                raw.repeat_count = source(count);
                raw.another = another;
            }
        }
        raw
    }
}

/// One screen of the debrief: a question and the fields it fills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawStep", into = "RawStep")]
pub struct Step {
    pub id: String,
    pub question: LocalText,
    pub help: Option<LocalText>,
    pub fields: Vec<String>,
    /// When the step is asked at all; a step not asked asks none of its fields.
    pub relevant: Option<Expression>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    question: LocalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    help: Option<LocalText>,
    fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relevant: Option<String>,
}

impl TryFrom<RawStep> for Step {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<Step, String> {
        Ok(Step {
            relevant: expression(raw.relevant, &format!("step {:?}", raw.id), "relevant")?,
            id: raw.id,
            question: raw.question,
            help: raw.help,
            fields: raw.fields,
        })
    }
}

impl From<Step> for RawStep {
    fn from(s: Step) -> RawStep {
        RawStep {
            id: s.id,
            question: s.question,
            help: s.help,
            fields: s.fields,
            relevant: s.relevant.map(|e| e.source().to_string()),
        }
    }
}

/// A rule between two fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Datetime `field` must not be earlier than datetime `other` (return after departure).
    NotBefore { field: String, other: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub id: String,
    pub version: u32,
    pub title: LocalText,
    pub description: LocalText,
    /// Fields whose answers make a report's one-line title in lists.
    pub summary_fields: Vec<String>,
    pub fields: Vec<Field>,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Filed by headquarters only (a standing question to a unit), never
    /// offered to start on a field device.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub headquarters_only: bool,
}

/// The form of a standing question: what headquarters asks a unit to look
/// for, shared with that unit so it appears on its tablets.
pub const STANDING_QUESTION: &str = "standing_question";

/// A form definition that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("form definition {name}: {source}")]
    Parse {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("form {form}: {problem}")]
    Definition { form: String, problem: String },
    #[error("two forms share the id {0:?}")]
    DuplicateId(String),
}

impl Form {
    /// The first field whose kind passes `is_it` (where attachments of a
    /// kind go: `|k| matches!(k, FieldKind::Photos { .. })`).
    pub fn first_field(&self, is_it: impl Fn(&FieldKind) -> bool) -> Option<&Field> {
        self.fields.iter().find(|f| is_it(&f.kind))
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The repeat whose entries hold field `id`, if it is in one.
    pub fn repeat_of(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(
            |f| matches!(&f.kind, FieldKind::Repeat { fields, .. } if fields.iter().any(|m| m == id)),
        )
    }

    /// Each field asked in a repeat's entries, with its repeat's id.
    pub fn in_repeats(&self) -> HashMap<&str, &str> {
        self.fields
            .iter()
            .flat_map(|f| match &f.kind {
                FieldKind::Repeat { fields, .. } => {
                    fields.iter().map(|m| (m.as_str(), f.id.as_str())).collect()
                }
                _ => Vec::new(),
            })
            .collect()
    }

    /// The field `id` if the report itself answers it: a field of the
    /// form not asked inside a repeat's entries (those are answered in
    /// the repeat's answer).
    pub fn report_field(&self, id: &str) -> Option<&Field> {
        self.field(id).filter(|f| self.repeat_of(&f.id).is_none())
    }

    /// The fields the report itself answers, in form order: every field
    /// but those asked inside a repeat's entries.
    pub fn report_fields(&self) -> impl Iterator<Item = &Field> {
        let members = self.in_repeats();
        self.fields
            .iter()
            .filter(move |f| !members.contains_key(f.id.as_str()))
    }

    /// The fields of each entry of `repeat`, in their order in the form.
    pub fn members<'a>(&'a self, repeat: &'a Field) -> impl Iterator<Item = &'a Field> + 'a {
        let ids: &[String] = match &repeat.kind {
            FieldKind::Repeat { fields, .. } => fields,
            _ => &[],
        };
        self.fields.iter().filter(move |f| ids.contains(&f.id))
    }

    /// Parses and checks one definition.
    pub fn from_json(name: &str, json: &str) -> Result<Form, FormError> {
        let form: Form = serde_json::from_str(json).map_err(|source| FormError::Parse {
            name: name.to_string(),
            source,
        })?;
        form.check()?;
        Ok(form)
    }

    /// The example answers of every field: a complete report to start from.
    pub fn template(&self) -> serde_json::Map<String, Value> {
        self.report_fields()
            .map(|f| (f.id.clone(), f.example.clone()))
            .collect()
    }

    /// The answers a new report starts with: each field's default.
    pub fn defaults(&self) -> serde_json::Map<String, Value> {
        self.report_fields()
            .filter_map(|f| Some((f.id.clone(), f.default.clone()?)))
            .collect()
    }

    /// Gives each new entry in `value`, the answer of repeat `field` (an
    /// entry without an entry key yet), the defaults of its questions,
    /// under what it holds. Any other answer is left as it is.
    pub fn default_new_entries(&self, field: &str, value: &mut Value) {
        let (Some(repeat), Value::Array(entries)) = (self.field(field), value) else {
            return;
        };
        for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
            if entry.contains_key(crate::flow::ENTRY_KEY) {
                continue;
            }
            for m in self.members(repeat) {
                if let Some(d) = &m.default
                    && !entry.contains_key(&m.id)
                {
                    entry.insert(m.id.clone(), d.clone());
                }
            }
        }
    }

    /// Rejects definitions the app could not present or validate coherently.
    pub fn check(&self) -> Result<(), FormError> {
        let bad = |problem: String| FormError::Definition {
            form: self.id.clone(),
            problem,
        };
        let mut texts: Vec<(String, &LocalText)> = vec![
            ("title".into(), &self.title),
            ("description".into(), &self.description),
        ];
        let mut ids = BTreeSet::new();
        for f in &self.fields {
            if !ids.insert(f.id.as_str()) {
                return Err(bad(format!("field id {:?} is used twice", f.id)));
            }
            texts.push((format!("{}.label", f.id), &f.label));
            texts.push((format!("{}.prompt", f.id), &f.prompt));
            if let Some(h) = &f.help {
                texts.push((format!("{}.help", f.id), h));
            }
            let options: &[Choice] = match &f.kind {
                FieldKind::Choice { options } | FieldKind::Choices { options } => options,
                FieldKind::PeopleCount { sexes, age_bands } => {
                    if sexes.is_empty() || age_bands.is_empty() {
                        return Err(bad(format!("{}: a count needs sexes and age bands", f.id)));
                    }
                    for c in sexes.iter().chain(age_bands) {
                        // A count is stored as a map keyed by these values;
                        // "#" starts the key of a repeat's entry.
                        if c.value.starts_with('#') {
                            return Err(bad(format!(
                                "{}: group {:?} may not start with \"#\"",
                                f.id, c.value
                            )));
                        }
                        texts.push((format!("{}.{}", f.id, c.value), &c.label));
                    }
                    &[]
                }
                _ => &[],
            };
            if matches!(f.kind, FieldKind::Choice { .. } | FieldKind::Choices { .. })
                && options.len() < 2
            {
                return Err(bad(format!(
                    "{}: a choice needs at least two options",
                    f.id
                )));
            }
            let mut values = BTreeSet::new();
            for c in options {
                if !values.insert(c.value.as_str()) {
                    return Err(bad(format!(
                        "{}: option {:?} is listed twice",
                        f.id, c.value
                    )));
                }
                texts.push((format!("{}.{}", f.id, c.value), &c.label));
            }
        }
        let mut placed = BTreeMap::new();
        for s in &self.steps {
            texts.push((format!("step {}", s.id), &s.question));
            for fid in &s.fields {
                if !ids.contains(fid.as_str()) {
                    return Err(bad(format!("step {} names unknown field {fid:?}", s.id)));
                }
                if let Some(prev) = placed.insert(fid.as_str(), s.id.as_str()) {
                    return Err(bad(format!(
                        "field {fid:?} is in steps {prev} and {}",
                        s.id
                    )));
                }
            }
        }
        let mut in_repeat: BTreeMap<&str, &str> = BTreeMap::new();
        for f in &self.fields {
            let FieldKind::Repeat {
                fields, another, ..
            } = &f.kind
            else {
                continue;
            };
            if let Some(another) = another {
                texts.push((format!("{}.another", f.id), another));
            }
            if fields.is_empty() {
                return Err(bad(format!("repeat {:?} has no fields", f.id)));
            }
            for m in fields {
                let member = self
                    .field(m)
                    .ok_or_else(|| bad(format!("repeat {:?} names unknown field {m:?}", f.id)))?;
                if let Some(prev) = in_repeat.insert(m.as_str(), f.id.as_str()) {
                    return Err(bad(format!(
                        "field {m:?} is in repeats {prev} and {}",
                        f.id
                    )));
                }
                match member.kind {
                    FieldKind::Repeat { .. } => {
                        return Err(bad(format!(
                            "repeat {:?} holds repeat {m:?}: repeats do not nest",
                            f.id
                        )));
                    }
                    // Files and links belong to the report; an entry names
                    // what it says, not what was attached.
                    FieldKind::Photos { .. }
                    | FieldKind::VoiceNotes { .. }
                    | FieldKind::ReportLinks { .. } => {
                        return Err(bad(format!(
                            "repeat {:?} holds {m:?}, a {}: attachments and links belong to the report, not to an entry",
                            f.id,
                            member.kind.name()
                        )));
                    }
                    _ => {}
                }
                if let Some(step) = placed.get(m.as_str()) {
                    return Err(bad(format!(
                        "field {m:?} is in repeat {} and also in step {step}",
                        f.id
                    )));
                }
            }
        }
        if let Some(missing) = self
            .fields
            .iter()
            .find(|f| !placed.contains_key(f.id.as_str()) && !in_repeat.contains_key(f.id.as_str()))
        {
            return Err(bad(format!("field {:?} is in no debrief step", missing.id)));
        }
        for sf in &self.summary_fields {
            if !ids.contains(sf.as_str()) {
                return Err(bad(format!("summary field {sf:?} is not a field")));
            }
            if in_repeat.contains_key(sf.as_str()) {
                return Err(bad(format!(
                    "summary field {sf:?} is in a repeat: it has one answer per entry"
                )));
            }
        }
        for rule in &self.rules {
            let Rule::NotBefore { field, other } = rule;
            for id in [field, other] {
                if in_repeat.contains_key(id.as_str()) {
                    return Err(bad(format!("rule names {id:?}, which is in a repeat")));
                }
                match self.field(id).map(|f| &f.kind) {
                    Some(FieldKind::Datetime { .. }) => {}
                    _ => {
                        return Err(bad(format!(
                            "rule names {id:?}, which is not a datetime field"
                        )));
                    }
                }
            }
        }
        self.check_logic().map_err(bad)?;
        // A default the form itself would refuse would greet every new
        // report with an error. (Checked as of a far date, so that "not in
        // the future" is no concern of a default.)
        let defaults = self.defaults();
        if !defaults.is_empty() {
            let far = crate::Timestamp::from_millis(32_503_680_000_000);
            if let Some(p) = crate::validate::validate_answers(
                self,
                &defaults,
                far,
                Lang::En,
                crate::validate::Completeness::Draft,
            )
            .into_iter()
            .find(|p| defaults.contains_key(&p.field))
            {
                return Err(bad(format!(
                    "{}: its default is refused: {}",
                    p.field, p.message
                )));
            }
        }
        if let Some((at, _)) = texts
            .iter()
            .find(|(_, t)| t.en.trim().is_empty() || t.fr.trim().is_empty())
        {
            return Err(bad(format!("{at} lacks its English or French text")));
        }
        Ok(())
    }
}

impl Form {
    /// Every expression names fields of this form, reads `.` only in a
    /// constraint, calculates only what can hold a calculated value, and no
    /// chain of expressions goes round in a circle.
    fn check_logic(&self) -> Result<(), String> {
        let ids: BTreeSet<&str> = self.fields.iter().map(|f| f.id.as_str()).collect();
        let members = self.in_repeats();
        // `inside`: the expression belongs to a field asked in a repeat's
        // entries, where `position(..)` has a meaning.
        let check = |at: String, key: &str, e: &Expression, current_allowed: bool, inside: bool| {
            if let Some(unknown) = e.fields().into_iter().find(|f| !ids.contains(f)) {
                return Err(format!(
                    "{at}, {key} {:?}: ${{{unknown}}} is not a field of this form",
                    e.source()
                ));
            }
            if !current_allowed && e.reads_current() {
                return Err(format!(
                    "{at}, {key} {:?}: \".\" (this answer) means something only in a constraint",
                    e.source()
                ));
            }
            if !inside && e.reads_position() {
                return Err(format!(
                    "{at}, {key} {:?}: position(..) means something only inside a repeat",
                    e.source()
                ));
            }
            Ok(())
        };

        for s in &self.steps {
            if let Some(e) = &s.relevant {
                check(format!("step {:?}", s.id), "relevant", e, false, false)?;
            }
        }
        for f in &self.fields {
            let at = || format!("field {:?}", f.id);
            let inside = members.contains_key(f.id.as_str());
            for (key, e) in [
                ("relevant", &f.relevant),
                ("required", &f.required_when),
                ("calculate", &f.calculate),
            ] {
                if let Some(e) = e {
                    check(at(), key, e, false, inside)?;
                }
            }
            if let FieldKind::Repeat {
                count: Some(e),
                fields,
                ..
            } = &f.kind
            {
                check(at(), "repeat_count", e, false, false)?;
                if let Some(m) = e
                    .fields()
                    .into_iter()
                    .find(|r| fields.iter().any(|m| m == r))
                {
                    return Err(format!(
                        "{}, repeat_count {:?}: ${{{m}}} is one of its own entries' fields",
                        at(),
                        e.source()
                    ));
                }
            }
            if let Some(c) = &f.constraint {
                check(at(), "constraint", &c.condition, true, inside)?;
                if let Some(m) = &c.message
                    && (m.en.trim().is_empty() || m.fr.trim().is_empty())
                {
                    return Err(format!(
                        "{}: constraint_message lacks its English or French text",
                        at()
                    ));
                }
            }
            if let Some(e) = &f.choice_filter {
                check(at(), "choice_filter", e, false, inside)?;
                if !matches!(f.kind, FieldKind::Choice { .. } | FieldKind::Choices { .. }) {
                    return Err(format!("{}: only a choice can have a choice_filter", at()));
                }
            }
            let calculable = matches!(
                f.kind,
                FieldKind::Text { .. }
                    | FieldKind::Integer { .. }
                    | FieldKind::Decimal { .. }
                    | FieldKind::Choice { .. }
            );
            if f.calculate.is_some() && !calculable {
                return Err(format!(
                    "{}: a {} cannot be calculated (text, integer, decimal or choice can)",
                    at(),
                    f.kind.name()
                ));
            }
        }
        crate::flow::order(self).map(|_| ())
    }
}

/// The forms a device knows: the newest version of each by id, which new
/// reports start from, and the earlier versions still held, so that a
/// report is always read by the version it was started with.
#[derive(Debug, Clone)]
pub struct Catalog {
    forms: BTreeMap<String, Form>,
    earlier: BTreeMap<(String, u32), Form>,
}

const BUILTIN: [(&str, &str); 7] = [
    // Earlier versions of the shipped forms, for the reports made with them.
    (
        "archive/incident-1.json",
        include_str!("../../../forms/archive/incident-1.json"),
    ),
    (
        "archive/patrol-1.json",
        include_str!("../../../forms/archive/patrol-1.json"),
    ),
    (
        "archive/qip-1.json",
        include_str!("../../../forms/archive/qip-1.json"),
    ),
    ("patrol.json", include_str!("../../../forms/patrol.json")),
    (
        "incident.json",
        include_str!("../../../forms/incident.json"),
    ),
    ("qip.json", include_str!("../../../forms/qip.json")),
    (
        "standing_question.json",
        include_str!("../../../forms/standing_question.json"),
    ),
];

impl Catalog {
    /// The forms shipped with this version of Outpost.
    pub fn builtin() -> Catalog {
        // Shipped forms are checked by the test suite; failing here would mean
        // a build that never passed its tests.
        Catalog::from_sources(&BUILTIN).expect("shipped forms are valid (checked by tests)")
    }

    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Catalog, FormError> {
        let mut all: BTreeMap<(String, u32), Form> = BTreeMap::new();
        for (name, json) in sources {
            let form = Form::from_json(name, json)?;
            let key = (form.id.clone(), form.version);
            if all.contains_key(&key) {
                return Err(FormError::DuplicateId(format!(
                    "{} version {}",
                    form.id, form.version
                )));
            }
            all.insert(key, form);
        }
        let mut forms: BTreeMap<String, Form> = BTreeMap::new();
        let mut earlier = BTreeMap::new();
        // In (id, version) order: each id's last is its newest.
        for ((id, _), form) in all {
            if let Some(older) = forms.insert(id.clone(), form) {
                earlier.insert((id, older.version), older);
            }
        }
        Ok(Catalog { forms, earlier })
    }

    /// The newest version of form `id`: what a new report starts from.
    pub fn get(&self, id: &str) -> Option<&Form> {
        self.forms.get(id)
    }

    /// Form `id` at `version`; the newest when that version is not held (a
    /// report from a newer device, read as well as this one can).
    pub fn version(&self, id: &str, version: u32) -> Option<&Form> {
        self.earlier
            .get(&(id.to_string(), version))
            .or_else(|| self.forms.get(id))
    }

    /// The form a report was started with.
    pub fn form_of(&self, doc: &crate::ReportDoc) -> Option<&Form> {
        self.version(&doc.form_id(), doc.form_version())
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.forms.keys().map(String::as_str)
    }

    /// The newest version of each form.
    pub fn forms(&self) -> impl Iterator<Item = &Form> {
        self.forms.values()
    }

    /// Every version held: the newest of each form, then the earlier ones.
    pub fn every_version(&self) -> impl Iterator<Item = &Form> {
        self.forms.values().chain(self.earlier.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_forms_load_and_pass_their_checks() {
        let catalog = Catalog::from_sources(&BUILTIN).expect("shipped forms are valid");
        let ids: Vec<_> = catalog.ids().collect();
        // Version 1 of the first three is still there for their reports.
        for id in ["incident", "patrol", "qip"] {
            assert_eq!(catalog.version(id, 1).map(|f| f.version), Some(1));
            assert!(catalog.get(id).is_some_and(|f| f.version > 1));
        }
        assert_eq!(
            ids,
            ["incident", "patrol", "qip", "standing_question"],
            "the three first report kinds and the standing question ship"
        );
        assert!(catalog.get(STANDING_QUESTION).unwrap().headquarters_only);
        assert!(!catalog.get("patrol").unwrap().headquarters_only);
    }

    #[test]
    fn a_field_outside_every_step_is_rejected() {
        let mut form: Form = serde_json::from_str(BUILTIN[3].1).expect("patrol parses");
        for s in &mut form.steps {
            s.fields.retain(|f| f != &form.fields[0].id);
        }
        let err = form
            .check()
            .expect_err("a field nobody is asked about is a definition error");
        assert!(err.to_string().contains("in no debrief step"), "{err}");
    }

    #[test]
    fn a_missing_french_label_is_rejected() {
        let mut form: Form = serde_json::from_str(BUILTIN[4].1).expect("incident parses");
        form.fields[0].label.fr = " ".into();
        let err = form.check().expect_err("both languages are required");
        assert!(err.to_string().contains("English or French"), "{err}");
    }

    #[test]
    fn unknown_keys_in_a_definition_are_refused() {
        let json = BUILTIN[5]
            .1
            .replacen("\"version\"", "\"colour\": 1, \"version\"", 1);
        assert!(matches!(
            Form::from_json("qip.json", &json),
            Err(FormError::Parse { .. })
        ));
    }
}
