//! What a received document is allowed to look like, and the facts about it
//! that the [`crate::policy`] decides on.
//!
//! A peer can send any automerge bytes it likes. Before a document is stored
//! it must be a report in shape: every top-level key known and of one type,
//! metadata scalars of the right type (a concurrent write that turned `meta`
//! into a string would make the report unreadable for everyone), nesting no
//! deeper than [`MAX_DEPTH`], file references that are SHA-256 hex, and a
//! bounded number of operations. Every walk over the document here is
//! bounded, so a hostile structure cannot overflow a stack.
//!
//! [`Facts`] reads *every* concurrent value, not automerge's winner: a change
//! that hides behind a losing conflict is still a change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value as AmValue};

use crate::classification::{Classification, ReviewStatus};
use crate::document::ReportDoc;

/// How deep objects may nest under a top-level map (answers are at most a
/// location or a count by sex and age: three levels).
pub const MAX_DEPTH: usize = 16;
/// Values one document may hold in all (a busy report holds a few thousand).
pub const MAX_VALUES: usize = 200_000;
/// Operations one document may hold.
pub const MAX_OPS: u64 = 500_000;

/// The top-level keys of a report document, and whether each must exist.
const ROOT_KEYS: [(&str, bool); 14] = [
    ("schema", true),
    ("id", true),
    ("form", true),
    ("form_version", true),
    ("meta", true),
    ("answers", true),
    ("comments", true),
    ("links", true),
    ("photos", true),
    ("shares", false),
    ("notes", false),
    ("voice_notes", false),
    ("readback", false),
    ("pipeline", false),
];

/// Metadata keys: text ones and time ones.
const META_TEXT: [&str; 7] = [
    "author",
    "author_unit",
    "sector",
    "device",
    "language",
    "classification",
    "status",
];
const META_TIME: [&str; 2] = ["created_at", "updated_at"];

/// What is fixed when a report is created and never changes after.
pub const FIXED: [&str; 9] = [
    "schema",
    "id",
    "form",
    "form_version",
    "meta.author",
    "meta.author_unit",
    "meta.sector",
    "meta.device",
    "meta.created_at",
];

/// Sections that hold what the report says (the writer's unit's to change).
const CONTENT: [&str; 7] = [
    "answers",
    "notes",
    "photos",
    "voice_notes",
    "readback",
    "links",
    "meta.language",
];

/// Why a document is not a report in shape. Each has its own code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("unknown top-level key {0:?}")]
    UnknownKey(String),
    #[error("{0} must hold exactly one value of its type")]
    BadValue(String),
    #[error("nested deeper than {MAX_DEPTH} levels under {0}")]
    TooDeep(String),
    #[error("{0:?} is not a SHA-256 file reference")]
    BadFileRef(String),
    #[error("more than {MAX_VALUES} values or {MAX_OPS} operations")]
    TooLarge,
}

impl ShapeError {
    pub fn code(&self) -> &'static str {
        match self {
            ShapeError::UnknownKey(_) | ShapeError::BadValue(_) => "document.bad_shape",
            ShapeError::TooDeep(_) => "document.too_deep",
            ShapeError::BadFileRef(_) => "document.bad_file_ref",
            ShapeError::TooLarge => "document.too_large",
        }
    }

    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            ShapeError::UnknownKey(k) | ShapeError::BadValue(k) | ShapeError::TooDeep(k) => {
                vec![("detail", k.clone())]
            }
            ShapeError::BadFileRef(r) => vec![("detail", r.clone())],
            ShapeError::TooLarge => vec![("detail", format!("{MAX_OPS}"))],
        }
    }
}

/// Whether `s` is a file reference: 64 lowercase hexadecimal characters.
pub fn is_file_ref(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A comment as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentFacts {
    /// Everything the comment holds, rendered: it may never change once made.
    pub print: String,
    /// Every `device` value it carries.
    pub devices: BTreeSet<String>,
    /// Whether any value marks it a question to the author.
    pub question: bool,
}

/// Everything the policy reads from one state of a report, with every
/// concurrent value kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// Each fixed key ([`FIXED`]) and every value it holds, rendered.
    pub fixed: BTreeMap<&'static str, Vec<String>>,
    pub classifications: BTreeSet<Classification>,
    pub statuses: BTreeSet<ReviewStatus>,
    /// Each content section ([`CONTENT`]) rendered whole.
    pub content: BTreeMap<&'static str, String>,
    pub shares: String,
    pub stages: String,
    pub comments: BTreeMap<String, CommentFacts>,
}

impl Facts {
    /// The level the report counts at: the highest of its concurrent values.
    pub fn classification(&self) -> Classification {
        self.classifications
            .iter()
            .copied()
            .max()
            .unwrap_or(Classification::StrictlyConfidential)
    }

    /// The single value of a fixed key (shape guarantees there is one).
    pub fn fixed_value(&self, key: &str) -> &str {
        self.fixed
            .get(key)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// The content sections whose rendering differs between `self` and `after`.
    pub fn changed_content(&self, after: &Facts) -> Vec<&'static str> {
        CONTENT
            .iter()
            .copied()
            .filter(|k| self.content.get(k) != after.content.get(k))
            .collect()
    }
}

/// A bounded walk that renders a subtree with every concurrent value, and
/// in a files section (photos, voice notes) checks every `sha256` it meets.
struct Walk<'a> {
    doc: &'a AutoCommit,
    values: usize,
    out: String,
    files: bool,
}

impl Walk<'_> {
    fn scalar(&mut self, s: &ScalarValue) {
        let _ = match s {
            ScalarValue::Str(s) => write!(self.out, "s{}:{s}", s.len()),
            other => write!(self.out, "{other:?}"),
        };
    }

    /// Renders every value at `obj[prop]`, children included.
    fn values(
        &mut self,
        obj: &ObjId,
        prop: automerge::Prop,
        path: &str,
        depth: usize,
    ) -> Result<(), ShapeError> {
        let file_ref = self.files && matches!(&prop, automerge::Prop::Map(k) if k == "sha256");
        let all = self
            .doc
            .get_all(obj, prop)
            .map_err(|_| ShapeError::BadValue(path.to_string()))?;
        self.out.push('[');
        for (value, id) in all {
            self.values += 1;
            if self.values > MAX_VALUES {
                return Err(ShapeError::TooLarge);
            }
            match value {
                AmValue::Scalar(s) if file_ref && !s.as_str().is_some_and(is_file_ref) => {
                    return Err(ShapeError::BadFileRef(format!("{s}")));
                }
                AmValue::Scalar(s) => self.scalar(&s),
                AmValue::Object(kind) => self.object(&id, kind, path, depth + 1)?,
            }
            self.out.push(',');
        }
        self.out.push(']');
        Ok(())
    }

    fn object(
        &mut self,
        obj: &ObjId,
        kind: ObjType,
        path: &str,
        depth: usize,
    ) -> Result<(), ShapeError> {
        if depth > MAX_DEPTH {
            return Err(ShapeError::TooDeep(path.to_string()));
        }
        match kind {
            ObjType::Map | ObjType::Table => {
                self.out.push('{');
                for key in self.doc.keys(obj) {
                    let _ = write!(self.out, "k{}:{key}=", key.len());
                    self.values(obj, key.into(), path, depth)?;
                }
                self.out.push('}');
            }
            ObjType::List => {
                self.out.push('(');
                for i in 0..self.doc.length(obj) {
                    self.values(obj, i.into(), path, depth)?;
                }
                self.out.push(')');
            }
            ObjType::Text => {
                let text = self.doc.text(obj).unwrap_or_default();
                let _ = write!(self.out, "t{}:{text}", text.len());
            }
        }
        Ok(())
    }
}

/// The map at `obj[key]`, which must be exactly one map value.
fn single_map(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<ObjId>, ShapeError> {
    let all = doc
        .get_all(obj, key)
        .map_err(|_| ShapeError::BadValue(key.to_string()))?;
    match all.as_slice() {
        [] => Ok(None),
        [(AmValue::Object(ObjType::Map), id)] => Ok(Some(id.clone())),
        _ => Err(ShapeError::BadValue(key.to_string())),
    }
}

/// Every value at `obj[key]`, each required to be a scalar `pick` accepts.
fn values_at<T>(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
    pick: impl Fn(&ScalarValue) -> Option<T>,
) -> Result<Vec<T>, ShapeError> {
    let bad = || ShapeError::BadValue(path.to_string());
    doc.get_all(obj, key)
        .map_err(|_| bad())?
        .into_iter()
        .map(|(v, _)| match v {
            AmValue::Scalar(s) => pick(&s).ok_or_else(bad),
            _ => Err(bad()),
        })
        .collect()
}

/// Every value at `obj[key]` as text, each required to be a string.
fn strings(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<Vec<String>, ShapeError> {
    values_at(doc, obj, key, path, |s| s.as_str().map(str::to_string))
}

/// Every value at `obj[key]` rendered, each required to be a scalar of a kind `ok` accepts.
fn scalars(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
    ok: fn(&ScalarValue) -> bool,
) -> Result<Vec<String>, ShapeError> {
    values_at(doc, obj, key, path, |s| ok(s).then(|| format!("{s}")))
}

fn is_int(s: &ScalarValue) -> bool {
    matches!(s, ScalarValue::Int(_) | ScalarValue::Uint(_))
}

fn is_time(s: &ScalarValue) -> bool {
    matches!(s, ScalarValue::Int(_) | ScalarValue::Timestamp(_))
}

impl ReportDoc {
    /// Checks that this document is a report in shape and returns the facts
    /// the policy needs. Bounded in depth, values and operations.
    pub fn facts(&self) -> Result<Facts, ShapeError> {
        let doc = self.automerge();
        if doc.stats().num_ops > MAX_OPS {
            return Err(ShapeError::TooLarge);
        }
        for key in doc.keys(ROOT) {
            if !ROOT_KEYS.iter().any(|(k, _)| *k == key) {
                return Err(ShapeError::UnknownKey(key));
            }
        }
        let mut facts = Facts::default();
        let one = |values: Vec<String>, path: &'static str| {
            if values.len() == 1 {
                Ok(values)
            } else {
                Err(ShapeError::BadValue(path.to_string()))
            }
        };
        facts.fixed.insert(
            "schema",
            one(scalars(doc, &ROOT, "schema", "schema", is_int)?, "schema")?,
        );
        let id = one(strings(doc, &ROOT, "id", "id")?, "id")?;
        if id[0] != self.id().to_string() {
            return Err(ShapeError::BadValue("id".into()));
        }
        facts.fixed.insert("id", id);
        facts
            .fixed
            .insert("form", one(strings(doc, &ROOT, "form", "form")?, "form")?);
        facts.fixed.insert(
            "form_version",
            one(
                scalars(doc, &ROOT, "form_version", "form_version", is_int)?,
                "form_version",
            )?,
        );

        let mut maps = BTreeMap::new();
        for (key, required) in ROOT_KEYS.iter().skip(4) {
            match single_map(doc, &ROOT, key)? {
                Some(id) => {
                    maps.insert(*key, id);
                }
                None if *required => return Err(ShapeError::BadValue((*key).into())),
                None => {}
            }
        }
        let meta = maps["meta"].clone();
        for key in doc.keys(&meta) {
            if !META_TEXT.contains(&key.as_str()) && !META_TIME.contains(&key.as_str()) {
                return Err(ShapeError::UnknownKey(format!("meta.{key}")));
            }
        }
        for key in META_TEXT {
            let path = format!("meta.{key}");
            let values = strings(doc, &meta, key, &path)?;
            match key {
                "classification" => {
                    for v in &values {
                        let level = v.parse().map_err(|_| ShapeError::BadValue(path.clone()))?;
                        facts.classifications.insert(level);
                    }
                }
                "status" => {
                    for v in &values {
                        let status = v.parse().map_err(|_| ShapeError::BadValue(path.clone()))?;
                        facts.statuses.insert(status);
                    }
                }
                "language" => {
                    facts.content.insert("meta.language", values.join("\u{1f}"));
                }
                _ => {
                    let fixed = FIXED
                        .iter()
                        .find(|f| **f == path)
                        .copied()
                        .ok_or_else(|| ShapeError::BadValue(path.clone()))?;
                    if values.len() != 1 {
                        return Err(ShapeError::BadValue(path));
                    }
                    facts.fixed.insert(fixed, values);
                }
            }
        }
        if facts.classifications.is_empty() || facts.statuses.is_empty() {
            return Err(ShapeError::BadValue("meta".into()));
        }
        for key in META_TIME {
            let path = format!("meta.{key}");
            let values = scalars(doc, &meta, key, &path, is_time)?;
            if key == "created_at" {
                if values.len() != 1 {
                    return Err(ShapeError::BadValue(path));
                }
                facts.fixed.insert("meta.created_at", values);
            }
        }

        let mut walk = Walk {
            doc,
            values: 0,
            out: String::new(),
            files: false,
        };
        let mut render = |key: &str| -> Result<String, ShapeError> {
            walk.out.clear();
            walk.files = matches!(key, "photos" | "voice_notes");
            if let Some(obj) = maps.get(key) {
                walk.object(obj, ObjType::Map, key, 1)?;
            }
            Ok(std::mem::take(&mut walk.out))
        };
        for key in CONTENT.iter().filter(|k| !k.starts_with("meta.")) {
            facts.content.insert(key, render(key)?);
        }
        facts.shares = render("shares")?;
        facts.stages = render("pipeline")?;

        let comments = maps["comments"].clone();
        walk.files = false;
        for key in doc.keys(&comments) {
            walk.out.clear();
            walk.values(&comments, key.as_str().into(), "comments", 1)?;
            let print = std::mem::take(&mut walk.out);
            let mut devices = BTreeSet::new();
            let mut question = false;
            for (value, obj) in doc.get_all(&comments, key.as_str()).unwrap_or_default() {
                if !matches!(value, AmValue::Object(ObjType::Map)) {
                    return Err(ShapeError::BadValue(format!("comments.{key}")));
                }
                for (d, _) in doc.get_all(&obj, "device").unwrap_or_default() {
                    devices.insert(match d {
                        AmValue::Scalar(s) => s.as_str().unwrap_or_default().to_string(),
                        _ => String::new(),
                    });
                }
                for (q, _) in doc.get_all(&obj, "question").unwrap_or_default() {
                    question |= !matches!(q, AmValue::Scalar(s) if matches!(s.as_ref(), ScalarValue::Boolean(false) | ScalarValue::Null));
                }
            }
            facts.comments.insert(
                key,
                CommentFacts {
                    print,
                    devices,
                    question,
                },
            );
        }
        Ok(facts)
    }
}
