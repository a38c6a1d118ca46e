//! One automerge document per report: the truth that every store, hub and
//! export is derived from.
//!
//! Layout of a report document (schema 1):
//!
//! ```text
//! ROOT
//!   schema        Int            document schema version (see SCHEMA)
//!   id            Str            report id (UUID)
//!   form          Str            form id ("patrol", "incident", "qip")
//!   form_version  Int
//!   meta          Map            author, author_unit, sector, device, language,
//!                                classification, status (Str);
//!                                created_at, updated_at (Timestamp)
//!   answers       Map            field id -> answer (scalars; objects/lists
//!                                for locations, counts and id lists); a
//!                                repeat is a map entry key ("#...") ->
//!                                {field id -> answer}, read as a list of
//!                                entries in key order (an empty map reads
//!                                as no answer)
//!   comments      Map            comment id -> {author, device, at, lang, text}
//!   links         Map            report id -> {relation, at, by}
//!   photos        Map            photo id -> {field, added_at, original,
//!                                preview, thumbnail, [captured_at, location]}
//!   shares        Map            grantee ("UNIT" or "sector:NAME") -> {by, at}:
//!                                who else may receive the report (never above
//!                                their clearance)
//!   notes         Map            debrief step id -> free narrative said at that
//!                                step (created on first use)
//!   voice_notes   Map            voice note id -> {step, field, added_at, file}
//!                                (created on first use)
//!   readback      Map            {by, at, lang, text}: the read-back the author
//!                                confirmed (created on first confirmation)
//!   pipeline      Map            "<stage>@<millis>" -> {stage, at, by}: a QIP
//!                                assessment's moves (created on first move)
//! ```
//!
//! Ordinary fields are plain scalar strings, not automerge `Text`: a report is
//! filled in by one person at a time and `Text` costs several times the memory.
//! An answer is always *replaced whole*, so two devices that change the same
//! field concurrently leave two values at that key; [`ReportDoc::conflicts`]
//! shows both and [`ReportDoc::set_answer`] by a person resolves them.
//! Collections are maps keyed by id, so the same comment or photo added twice
//! (a retried sync) is still one entry. A repeat's entries are such a map
//! too: two devices that each add a person met both keep theirs, and an
//! edit reaches only the answers it changes, so two people editing
//! different entries (or different answers of one entry) never conflict.
//! An entry's key starts with the time it was made, so entries read in the
//! order they were added.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, AutomergeError, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue,
    Value as AmValue,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::classification::{Classification, ReviewStatus};
use crate::form::{FieldKind, Form};
use crate::i18n::Lang;
use crate::ids::{CommentId, DeviceId, PhotoId, ReportId, VoiceNoteId};
use crate::pipeline::StageEntry;
use crate::time::Timestamp;

/// The document schema this version writes and the newest it reads.
pub const SCHEMA: i64 = 1;

/// Why a document could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the bytes are not a readable automerge document")]
    Corrupt(#[source] AutomergeError),
    #[error("not an Outpost report: {missing} is missing or malformed")]
    NotAReport { missing: &'static str },
    #[error("document schema {found} is newer than this version reads ({supported})")]
    NewerSchema { found: i64, supported: i64 },
    #[error("cannot merge report {theirs} into report {ours}")]
    DifferentReports { ours: ReportId, theirs: ReportId },
    #[error("{count} change(s) this document builds on are missing")]
    MissingChanges { count: usize },
    #[error("automerge refused an operation")]
    Automerge(#[from] AutomergeError),
    #[error("{path} has no conflict to resolve with that value")]
    NotAConflict { path: String },
    #[error("a {form} report has no project pipeline")]
    NoPipeline { form: String },
    #[error("the bytes could not be decoded as automerge")]
    Undecodable,
}

impl DocumentError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::Corrupt(_)
            | DocumentError::Automerge(_)
            | DocumentError::Undecodable => "document.corrupt",
            DocumentError::NotAReport { .. } | DocumentError::DifferentReports { .. } => {
                "document.not_a_report"
            }
            DocumentError::NewerSchema { .. } => "document.newer_schema",
            DocumentError::MissingChanges { .. } => "document.missing_changes",
            DocumentError::NotAConflict { .. } => "document.not_a_conflict",
            DocumentError::NoPipeline { .. } => "document.no_pipeline",
        }
    }

    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            DocumentError::Corrupt(e) | DocumentError::Automerge(e) => {
                vec![("detail", e.to_string())]
            }
            DocumentError::NotAReport { missing } => vec![("detail", format!("{missing} missing"))],
            DocumentError::NewerSchema { found, supported } => {
                vec![
                    ("found", found.to_string()),
                    ("supported", supported.to_string()),
                ]
            }
            DocumentError::DifferentReports { ours, theirs } => {
                vec![("detail", format!("{theirs} is not {ours}"))]
            }
            DocumentError::MissingChanges { count } => vec![("count", count.to_string())],
            DocumentError::NotAConflict { path } => vec![("path", path.clone())],
            DocumentError::NoPipeline { form } => vec![("form", form.clone())],
            DocumentError::Undecodable => vec![("detail", "undecodable bytes".into())],
        }
    }
}

/// What a new report starts with.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: ReportId,
    pub author: String,
    pub author_unit: String,
    /// The sector of the author's unit ("" if none): who may see the report.
    pub sector: String,
    pub device: DeviceId,
    pub language: Lang,
    pub classification: Classification,
    pub status: ReviewStatus,
}

/// One stored rendition of a photo: a content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantRef {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub media_type: String,
}

/// A photo as the report knows it: its three renditions and, only if the user
/// chose to keep them, where and when it was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: PhotoId,
    /// The form field it answers (`photos`), if any.
    pub field: Option<String>,
    pub added_at: Timestamp,
    pub original: VariantRef,
    pub preview: VariantRef,
    pub thumbnail: VariantRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Value>,
}

/// A voice note: one audio file, said at a debrief step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceNoteRef {
    pub id: VoiceNoteId,
    /// The debrief step it was recorded at, if any.
    pub step: Option<String>,
    /// The form field it answers (`voice_notes`), if any.
    pub field: Option<String>,
    pub added_at: Timestamp,
    /// The audio, as a content-addressed blob (width and height are 0).
    pub file: VariantRef,
}

/// The read-back the author checked and confirmed: what they agreed the
/// report says, in the words and language they saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readback {
    pub by: String,
    pub at: Timestamp,
    pub lang: Lang,
    pub text: String,
}

/// A comment on a report (review notes, questions, answers to them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub author: String,
    pub device: String,
    pub at: Timestamp,
    pub lang: Lang,
    pub text: String,
    /// A question addressed to the author, shown to them as one.
    #[serde(default)]
    pub question: bool,
}

/// A link from this report to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub report: ReportId,
    pub relation: String,
}

/// The relation of a declassified copy to the report it was made from.
pub const DECLASSIFIED_FROM: &str = "declassified_from";

/// Concurrent values of one field that a person must choose between.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// `answers.<field>` or `meta.<key>`.
    pub path: String,
    /// Every concurrent value, in automerge's deterministic order: the first is
    /// the one shown until someone resolves the conflict (for the
    /// classification, [`ReportDoc::meta`] shows the highest instead).
    pub values: Vec<Value>,
}

/// Metadata every report carries, resolved for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub author: String,
    pub author_unit: String,
    pub sector: String,
    pub device: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub language: Lang,
    pub classification: Classification,
    pub status: ReviewStatus,
}

/// A report document.
#[derive(Debug, Clone)]
pub struct ReportDoc {
    doc: AutoCommit,
    id: ReportId,
}

fn actor_for(device: DeviceId) -> ActorId {
    ActorId::from(device.as_uuid().as_bytes().as_slice())
}

impl ReportDoc {
    /// Starts a report of `form`, written by `new.device` at `now`.
    pub fn create(
        form: &Form,
        new: &NewReport,
        now: Timestamp,
    ) -> Result<ReportDoc, DocumentError> {
        let mut doc = AutoCommit::new().with_actor(actor_for(new.device));
        doc.put(ROOT, "schema", SCHEMA)?;
        doc.put(ROOT, "id", new.id.to_string())?;
        doc.put(ROOT, "form", form.id.as_str())?;
        doc.put(ROOT, "form_version", i64::from(form.version))?;
        let meta = doc.put_object(ROOT, "meta", ObjType::Map)?;
        doc.put(&meta, "author", new.author.as_str())?;
        doc.put(&meta, "author_unit", new.author_unit.as_str())?;
        doc.put(&meta, "sector", new.sector.as_str())?;
        doc.put(&meta, "device", new.device.to_string())?;
        doc.put(&meta, "language", new.language.as_str())?;
        doc.put(&meta, "classification", new.classification.as_str())?;
        doc.put(&meta, "status", new.status.as_str())?;
        doc.put(&meta, "created_at", ScalarValue::Timestamp(now.as_millis()))?;
        doc.put(&meta, "updated_at", ScalarValue::Timestamp(now.as_millis()))?;
        for key in ["answers", "comments", "links", "photos", "shares"] {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
        // Each repeat's map of entries is made here, once: two devices that
        // each add the first entry then add to the same map. Made by each on
        // first use, the two maps would be a conflict and one device's
        // entries would be hidden behind the other's.
        let answers = match doc.get(ROOT, "answers")? {
            Some((_, id)) => id,
            None => return Err(DocumentError::NotAReport { missing: "answers" }),
        };
        for f in &form.fields {
            if matches!(f.kind, crate::FieldKind::Repeat { .. }) {
                doc.put_object(&answers, f.id.as_str(), ObjType::Map)?;
            }
        }
        let mut report = ReportDoc { doc, id: new.id };
        report.commit("create", now);
        Ok(report)
    }

    /// Reads a saved document (full save or concatenated changes).
    pub fn load(bytes: &[u8]) -> Result<ReportDoc, DocumentError> {
        let doc = decoding(bytes, || AutoCommit::load(bytes))?;
        let schema = match doc.get(ROOT, "schema")? {
            Some((AmValue::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Int(n) => *n,
                ScalarValue::Uint(n) => *n as i64,
                _ => return Err(DocumentError::NotAReport { missing: "schema" }),
            },
            _ => return Err(DocumentError::NotAReport { missing: "schema" }),
        };
        if schema > SCHEMA {
            return Err(DocumentError::NewerSchema {
                found: schema,
                supported: SCHEMA,
            });
        }
        let id = scalar_str(&doc, &ROOT, "id")
            .and_then(|s| s.parse::<ReportId>().ok())
            .ok_or(DocumentError::NotAReport { missing: "id" })?;
        for key in ["meta", "answers", "comments", "links", "photos"] {
            match doc.get(ROOT, key)? {
                Some((AmValue::Object(ObjType::Map), _)) => {}
                _ => {
                    return Err(DocumentError::NotAReport {
                        missing: "a top-level map",
                    });
                }
            }
        }
        if scalar_str(&doc, &ROOT, "form").is_none() {
            return Err(DocumentError::NotAReport { missing: "form" });
        }
        Ok(ReportDoc { doc, id })
    }

    /// The compact saved form (standard automerge document format).
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn id(&self) -> ReportId {
        self.id
    }

    /// The automerge document, for the bounded readers in [`crate::shape`].
    pub(crate) fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// How many operations the document holds.
    pub fn op_count(&self) -> u64 {
        self.doc.stats().num_ops
    }

    /// The changes this document holds beyond `heads` (all of them if
    /// `heads` is empty), each as its hash and the actor that made it: what a
    /// peer just brought, or what a push carries.
    pub fn changes_after(&mut self, heads: &[ChangeHash]) -> Vec<([u8; 32], Vec<u8>)> {
        self.doc
            .get_changes(heads)
            .iter()
            .map(|c| (c.hash().0, c.actor_id().to_bytes().to_vec()))
            .collect()
    }

    /// Of `candidates`, those that are `head` or come before it: what a
    /// signature over `head` vouches for (a change's hash covers its
    /// dependencies' hashes, so the whole history up to it). Empty when the
    /// document does not hold `head`.
    pub fn covered_by(
        &mut self,
        head: &[u8; 32],
        candidates: &std::collections::BTreeSet<[u8; 32]>,
    ) -> std::collections::BTreeSet<[u8; 32]> {
        let head = ChangeHash(*head);
        if self.doc.get_change_by_hash(&head).is_none() {
            return Default::default();
        }
        let after: std::collections::BTreeSet<[u8; 32]> = self
            .doc
            .get_changes(&[head])
            .iter()
            .map(|c| c.hash().0)
            .collect();
        candidates.difference(&after).copied().collect()
    }

    /// The changes after `heads` in causal order, each as its actor and its
    /// bytes: to replay them one at a time, each against its author's rights.
    pub fn raw_changes_after(&mut self, heads: &[ChangeHash]) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.doc
            .get_changes(heads)
            .iter()
            .map(|c| (c.actor_id().to_bytes().to_vec(), c.raw_bytes().to_vec()))
            .collect()
    }

    /// The actor of change `hash`, if the document holds it.
    pub fn actor_of(&mut self, hash: &[u8; 32]) -> Option<Vec<u8>> {
        self.doc
            .get_change_by_hash(&ChangeHash(*hash))
            .map(|c| c.actor_id().to_bytes().to_vec())
    }

    /// The actors of the changes this document holds beyond `heads`.
    pub fn actors_since(&mut self, heads: &[ChangeHash]) -> Vec<Vec<u8>> {
        let mut actors: Vec<Vec<u8>> = self
            .changes_after(heads)
            .into_iter()
            .map(|(_, actor)| actor)
            .collect();
        actors.sort();
        actors.dedup();
        actors
    }

    /// Edits after this are made as `device` itself. Only one copy of a report
    /// may edit as the bare device at a time (automerge numbers each actor's
    /// changes); the store reserves this for its serialised write path.
    pub fn set_device(&mut self, device: DeviceId) {
        self.doc.set_actor(actor_for(device));
    }

    /// Edits after this are a separate session of `device`: a copy held by a
    /// screen or a script can then change the report while the store also
    /// writes it, and the two merge instead of clashing. `session` should be
    /// random; the history still names the device.
    pub fn set_session(&mut self, device: DeviceId, session: u32) {
        let mut bytes = device.as_uuid().as_bytes().to_vec();
        bytes.extend_from_slice(&session.to_be_bytes());
        self.doc.set_actor(ActorId::from(bytes.as_slice()));
    }

    pub fn form_id(&self) -> String {
        scalar_str(&self.doc, &ROOT, "form").unwrap_or_default()
    }

    pub fn form_version(&self) -> u32 {
        match self.doc.get(ROOT, "form_version") {
            Ok(Some((AmValue::Scalar(s), _))) => s.as_i64().unwrap_or(0) as u32,
            _ => 0,
        }
    }

    /// The changes made since `heads` (all changes if `heads` is empty), in
    /// automerge's incremental format: what a peer that holds `heads` lacks.
    pub fn changes_since(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        if heads.is_empty() {
            return self.doc.save();
        }
        self.doc.save_after(heads)
    }

    /// Applies changes or a whole saved document received from a peer.
    /// Changes whose dependencies are missing are not applied: the caller
    /// asks the peer for the whole document instead.
    pub fn apply_changes(&mut self, bytes: &[u8]) -> Result<(), DocumentError> {
        // Decoded apart first: bytes that make the decoder panic must not
        // leave this document half-changed.
        decoding(bytes, || AutoCommit::new().load_incremental(bytes))?;
        self.doc
            .load_incremental(bytes)
            .map_err(DocumentError::Corrupt)?;
        let missing = self.doc.get_missing_deps(&[]);
        if !missing.is_empty() {
            return Err(DocumentError::MissingChanges {
                count: missing.len(),
            });
        }
        Ok(())
    }

    /// Whether this document already contains every change in `heads`.
    pub fn has_heads(&mut self, heads: &[ChangeHash]) -> bool {
        heads
            .iter()
            .all(|h| self.doc.get_change_by_hash(h).is_some())
    }

    /// The document's heads as change hashes.
    pub fn head_hashes(&mut self) -> Vec<ChangeHash> {
        let mut heads = self.doc.get_heads();
        heads.sort();
        heads
    }

    /// The document's heads (hex change hashes), sorted.
    pub fn heads(&mut self) -> Vec<String> {
        let mut heads: Vec<String> = self.doc.get_heads().iter().map(|h| h.to_string()).collect();
        heads.sort();
        heads
    }

    fn map(&self, key: &str) -> ObjId {
        match self.doc.get(ROOT, key) {
            Ok(Some((AmValue::Object(ObjType::Map), id))) => id,
            // `load` and `create` guarantee the top-level maps exist.
            _ => ROOT,
        }
    }

    /// Marks the report changed at `now` and commits the change as `message`
    /// (the history a reviewer reads).
    fn record(&mut self, message: &str, now: Timestamp) -> Result<(), DocumentError> {
        self.touch(now)?;
        self.commit(message, now);
        Ok(())
    }

    /// Writes `item` as entry `key` of map `obj` (photos, voice notes, stages).
    fn put_entry<T: Serialize>(
        &mut self,
        obj: &ObjId,
        key: &str,
        item: &T,
        missing: &'static str,
    ) -> Result<(), DocumentError> {
        let value =
            serde_json::to_value(item).map_err(|_| DocumentError::NotAReport { missing })?;
        Ok(put_json(&mut self.doc, obj, key, &value)?)
    }

    fn commit(&mut self, message: &str, now: Timestamp) {
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(message)
                .with_time(now.as_millis() / 1000),
        );
    }

    fn touch(&mut self, now: Timestamp) -> Result<(), DocumentError> {
        let meta = self.map("meta");
        self.doc
            .put(&meta, "updated_at", ScalarValue::Timestamp(now.as_millis()))?;
        Ok(())
    }

    pub fn meta(&self) -> Meta {
        let meta = self.map("meta");
        let s = |k: &str| scalar_str(&self.doc, &meta, k).unwrap_or_default();
        let all_str = |k: &str| -> Vec<String> {
            self.doc
                .get_all(&meta, k)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(v, _)| match v {
                    AmValue::Scalar(s) => s.as_str().map(str::to_string),
                    _ => None,
                })
                .collect()
        };
        let times = |k: &str| -> Vec<i64> {
            self.doc
                .get_all(&meta, k)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(v, _)| match v {
                    AmValue::Scalar(s) => match s.as_ref() {
                        ScalarValue::Timestamp(t) | ScalarValue::Int(t) => Some(*t),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        };
        // Until a person resolves a classification conflict the report is
        // treated at the highest level anyone gave it: never shown too widely.
        let classification = all_str("classification")
            .iter()
            .filter_map(|c| c.parse::<Classification>().ok())
            .max()
            .unwrap_or(Classification::StrictlyConfidential);
        Meta {
            author: s("author"),
            author_unit: s("author_unit"),
            sector: s("sector"),
            device: s("device"),
            created_at: Timestamp::from_millis(times("created_at").into_iter().min().unwrap_or(0)),
            updated_at: Timestamp::from_millis(times("updated_at").into_iter().max().unwrap_or(0)),
            language: s("language").parse().unwrap_or_default(),
            classification,
            status: s("status").parse().unwrap_or(ReviewStatus::Draft),
        }
    }

    /// The answers as shown: for a conflicted field, automerge's deterministic
    /// pick (see [`Self::conflicts`] for all values).
    pub fn answers(&self) -> Map<String, Value> {
        let answers = self.map("answers");
        self.doc
            .keys(&answers)
            .filter_map(|k| {
                let (v, id) = self.doc.get(&answers, k.as_str()).ok()??;
                Some((k, answer_json(&self.doc, v, &id)))
            })
            .filter(|(_, v)| !says_nothing(v))
            .collect()
    }

    pub fn answer(&self, field: &str) -> Option<Value> {
        let answers = self.map("answers");
        let (v, id) = self.doc.get(&answers, field).ok()??;
        Some(answer_json(&self.doc, v, &id)).filter(|v| !says_nothing(v))
    }

    /// Sets (or, with `Value::Null`, clears) one answer. Writing the value a
    /// field already has is not a change, unless it resolves a conflict.
    pub fn set_answer(
        &mut self,
        field: &str,
        value: &Value,
        now: Timestamp,
    ) -> Result<bool, DocumentError> {
        let answers = self.map("answers");
        if holds_only(&self.doc, &answers, field, value)?
            || (value.is_null() && self.doc.get_all(&answers, field)?.is_empty())
        {
            return Ok(false);
        }
        put_answer(&mut self.doc, &answers, field, value, now)?;
        self.record(&format!("answer {field}"), now)?;
        Ok(true)
    }

    /// Sets many answers in one change (a whole form submitted at once).
    pub fn set_answers(
        &mut self,
        answers: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<(), DocumentError> {
        let obj = self.map("answers");
        for (field, value) in answers {
            if !holds_only(&self.doc, &obj, field, value)? {
                put_answer(&mut self.doc, &obj, field, value, now)?;
            }
        }
        self.record("answers", now)?;
        Ok(())
    }

    /// Brings the answers in line with `form`'s logic in one change: answers
    /// to questions no longer asked are removed and calculated answers are
    /// rewritten. Returns what changed (nothing: no change is made).
    pub fn settle(
        &mut self,
        form: &crate::Form,
        now: Timestamp,
    ) -> Result<crate::flow::Settlement, DocumentError> {
        let answers = self.answers();
        let settlement = crate::Flow::of(form, &answers, &now.to_rfc3339()).settlement(&answers);
        if !settlement.is_empty() {
            let changes: Map<String, Value> = settlement
                .cleared
                .iter()
                .map(|id| (id.clone(), Value::Null))
                .chain(settlement.calculated.iter().cloned())
                .chain(settlement.narrowed.iter().cloned())
                .chain(settlement.entries.iter().cloned())
                .collect();
            self.set_answers(&changes, now)?;
        }
        Ok(settlement)
    }

    fn set_meta(&mut self, key: &str, value: &str, now: Timestamp) -> Result<(), DocumentError> {
        let meta = self.map("meta");
        let current = self.doc.get_all(&meta, key)?;
        let same = current.len() == 1
            && matches!(&current[0].0, AmValue::Scalar(s) if s.as_str() == Some(value));
        if !same {
            self.doc.put(&meta, key, value)?;
            self.record(&format!("{key} {value}"), now)?;
        }
        Ok(())
    }

    pub fn set_status(
        &mut self,
        status: ReviewStatus,
        now: Timestamp,
    ) -> Result<(), DocumentError> {
        self.set_meta("status", status.as_str(), now)
    }

    pub fn set_classification(
        &mut self,
        level: Classification,
        now: Timestamp,
    ) -> Result<(), DocumentError> {
        self.set_meta("classification", level.as_str(), now)
    }

    pub fn add_comment(&mut self, comment: &Comment) -> Result<(), DocumentError> {
        let comments = self.map("comments");
        let c = self
            .doc
            .put_object(&comments, comment.id.to_string(), ObjType::Map)?;
        self.doc.put(&c, "author", comment.author.as_str())?;
        self.doc.put(&c, "device", comment.device.as_str())?;
        self.doc
            .put(&c, "at", ScalarValue::Timestamp(comment.at.as_millis()))?;
        self.doc.put(&c, "lang", comment.lang.as_str())?;
        self.doc.put(&c, "text", comment.text.as_str())?;
        if comment.question {
            self.doc.put(&c, "question", true)?;
        }
        self.record("comment", comment.at)?;
        Ok(())
    }

    pub fn comments(&self) -> Vec<Comment> {
        let comments = self.map("comments");
        let mut out: Vec<Comment> = self
            .doc
            .keys(&comments)
            .filter_map(|k| {
                let id = k.parse().ok()?;
                let (_, obj) = self.doc.get(&comments, k.as_str()).ok()??;
                let s = |key: &str| scalar_str(&self.doc, &obj, key).unwrap_or_default();
                Some(Comment {
                    id,
                    author: s("author"),
                    device: s("device"),
                    at: Timestamp::from_millis(scalar_i64(&self.doc, &obj, "at").unwrap_or(0)),
                    lang: s("lang").parse().unwrap_or_default(),
                    text: s("text"),
                    question: matches!(
                        self.doc.get(&obj, "question"),
                        Ok(Some((AmValue::Scalar(v), _))) if v.as_bool() == Some(true)
                    ),
                })
            })
            .collect();
        out.sort_by_key(|c| (c.at, c.id));
        out
    }

    /// A copy of this report to release at a lower classification: a new
    /// document with a history of its own, holding what the report says
    /// *now* (its answers and step notes, none of their earlier values),
    /// made as `new` says (headquarters' device, unit and sector, the lower
    /// level) and linked to this one as [`DECLASSIFIED_FROM`].
    ///
    /// Photos and voice notes stay with the original: a file is served only
    /// to a device cleared for every report naming it. Comments (the review
    /// discussion) and the original's history stay with the original too.
    pub fn declassified(
        &self,
        form: &Form,
        new: &NewReport,
        now: Timestamp,
    ) -> Result<ReportDoc, DocumentError> {
        let mut copy = ReportDoc::create(form, new, now)?;
        let mut answers = self.answers();
        for field in &form.fields {
            if matches!(
                field.kind,
                crate::form::FieldKind::Photos { .. } | crate::form::FieldKind::VoiceNotes { .. }
            ) {
                answers.remove(&field.id);
            }
        }
        copy.set_answers(&answers, now)?;
        for (step, note) in self.step_notes() {
            copy.set_step_note(&step, &note, now)?;
        }
        copy.add_link(
            &Link {
                report: self.id(),
                relation: DECLASSIFIED_FROM.to_string(),
            },
            now,
        )?;
        Ok(copy)
    }

    pub fn add_link(&mut self, link: &Link, now: Timestamp) -> Result<(), DocumentError> {
        let links = self.map("links");
        let l = self
            .doc
            .put_object(&links, link.report.to_string(), ObjType::Map)?;
        self.doc.put(&l, "relation", link.relation.as_str())?;
        self.doc
            .put(&l, "at", ScalarValue::Timestamp(now.as_millis()))?;
        self.record("link", now)?;
        Ok(())
    }

    /// Lets another unit (`"KIDAL-COY"`) or a whole sector (`"sector:North"`)
    /// receive this report, up to their clearance. Sharing is additive: two
    /// devices sharing with different units both take effect.
    pub fn share_with(
        &mut self,
        grantee: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<(), DocumentError> {
        // Documents made before sharing existed get the map on first use.
        let shares = self.map_or_create("shares")?;
        let grant = self.doc.put_object(&shares, grantee, ObjType::Map)?;
        self.doc.put(&grant, "by", by)?;
        self.doc
            .put(&grant, "at", ScalarValue::Timestamp(now.as_millis()))?;
        self.record(&format!("share {grantee}"), now)?;
        Ok(())
    }

    /// Who the report is shared with, beyond its own unit and sector.
    pub fn shares(&self) -> Vec<String> {
        match self.optional_map("shares") {
            Some(id) => self.doc.keys(&id).collect(),
            None => Vec::new(),
        }
    }

    pub fn links(&self) -> Vec<Link> {
        let links = self.map("links");
        self.doc
            .keys(&links)
            .filter_map(|k| {
                let report = k.parse().ok()?;
                let (_, obj) = self.doc.get(&links, k.as_str()).ok()??;
                Some(Link {
                    report,
                    relation: scalar_str(&self.doc, &obj, "relation").unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Attaches a photo; if the form field is given, the photo id is also
    /// appended to that answer so the report reads naturally.
    pub fn add_photo(&mut self, photo: &PhotoRef) -> Result<(), DocumentError> {
        let photos = self.map("photos");
        self.put_entry(&photos, &photo.id.to_string(), photo, "photo")?;
        if let Some(field) = &photo.field {
            self.append_id(field, photo.id.to_string())?;
        }
        self.record("photo", photo.added_at)?;
        Ok(())
    }

    pub fn photos(&self) -> Vec<PhotoRef> {
        let mut out: Vec<PhotoRef> = self.entries(&self.map("photos"));
        out.sort_by_key(|p| (p.added_at, p.id));
        out
    }

    /// A top-level map added after the first schema, made on first use.
    fn map_or_create(&mut self, key: &str) -> Result<ObjId, DocumentError> {
        match self.doc.get(ROOT, key)? {
            Some((AmValue::Object(ObjType::Map), id)) => Ok(id),
            _ => Ok(self.doc.put_object(ROOT, key, ObjType::Map)?),
        }
    }

    fn optional_map(&self, key: &str) -> Option<ObjId> {
        match self.doc.get(ROOT, key) {
            Ok(Some((AmValue::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        }
    }

    /// Sets (or, when empty, clears) the free narrative said at a debrief step.
    pub fn set_step_note(
        &mut self,
        step: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<bool, DocumentError> {
        let current = self
            .optional_map("notes")
            .and_then(|notes| scalar_str(&self.doc, &notes, step));
        if current.as_deref().unwrap_or("") == text {
            return Ok(false);
        }
        let notes = self.map_or_create("notes")?;
        if text.is_empty() {
            self.doc.delete(&notes, step)?;
        } else {
            self.doc.put(&notes, step, text)?;
        }
        self.record(&format!("note {step}"), now)?;
        Ok(true)
    }

    /// The free narrative of each debrief step that has one.
    pub fn step_notes(&self) -> std::collections::BTreeMap<String, String> {
        let Some(notes) = self.optional_map("notes") else {
            return Default::default();
        };
        self.doc
            .keys(&notes)
            .filter_map(|k| {
                let text = scalar_str(&self.doc, &notes, &k)?;
                Some((k, text))
            })
            .collect()
    }

    /// Attaches a voice note; if the form field is given, its id is also
    /// appended to that answer.
    pub fn add_voice_note(&mut self, note: &VoiceNoteRef) -> Result<(), DocumentError> {
        let notes = self.map_or_create("voice_notes")?;
        self.put_entry(&notes, &note.id.to_string(), note, "voice note")?;
        if let Some(field) = &note.field {
            self.append_id(field, note.id.to_string())?;
        }
        self.record("voice note", note.added_at)?;
        Ok(())
    }

    pub fn voice_notes(&self) -> Vec<VoiceNoteRef> {
        let Some(notes) = self.optional_map("voice_notes") else {
            return Vec::new();
        };
        let mut out: Vec<VoiceNoteRef> = self.entries(&notes);
        out.sort_by_key(|n| (n.added_at, n.id));
        out
    }

    /// Every file the report refers to: photo variants and voice notes.
    pub fn files(&self) -> Vec<VariantRef> {
        let mut out: Vec<VariantRef> = self
            .photos()
            .into_iter()
            .flat_map(|p| [p.original, p.preview, p.thumbnail])
            .collect();
        out.extend(self.voice_notes().into_iter().map(|n| n.file));
        out
    }

    /// Moves a QIP assessment into a pipeline stage. Entries are kept, not
    /// replaced, so the time spent in every stage stays known and two
    /// reviewers moving it at once both count.
    pub fn enter_stage(&mut self, entry: &StageEntry) -> Result<(), DocumentError> {
        let form = self.form_id();
        if !crate::pipeline::has_pipeline(&form) {
            return Err(DocumentError::NoPipeline { form });
        }
        let pipeline = self.map_or_create("pipeline")?;
        let key = format!("{}@{}", entry.stage, entry.at.as_millis());
        self.put_entry(&pipeline, &key, entry, "pipeline stage")?;
        self.record(&format!("stage {}", entry.stage), entry.at)?;
        Ok(())
    }

    pub fn stage_entries(&self) -> Vec<StageEntry> {
        let Some(pipeline) = self.optional_map("pipeline") else {
            return Vec::new();
        };
        self.entries(&pipeline)
    }

    /// The values of map `obj`, each read as a `T`; unreadable ones (written
    /// by a newer version) are skipped.
    fn entries<T: serde::de::DeserializeOwned>(&self, obj: &ObjId) -> Vec<T> {
        self.doc
            .keys(obj)
            .filter_map(|k| {
                let (v, id) = self.doc.get(obj, k.as_str()).ok()??;
                serde_json::from_value(to_json(&self.doc, v, &id)).ok()
            })
            .collect()
    }

    /// Records the read-back the author confirmed. A later confirmation
    /// (after a correction) replaces it; the history keeps every one.
    pub fn confirm_readback(&mut self, readback: &Readback) -> Result<(), DocumentError> {
        let obj = self.map_or_create("readback")?;
        self.doc.put(&obj, "by", readback.by.as_str())?;
        self.doc
            .put(&obj, "at", ScalarValue::Timestamp(readback.at.as_millis()))?;
        self.doc.put(&obj, "lang", readback.lang.as_str())?;
        self.doc.put(&obj, "text", readback.text.as_str())?;
        self.record("read-back confirmed", readback.at)?;
        Ok(())
    }

    pub fn readback(&self) -> Option<Readback> {
        let obj = self.optional_map("readback")?;
        Some(Readback {
            by: scalar_str(&self.doc, &obj, "by")?,
            at: Timestamp::from_millis(scalar_i64(&self.doc, &obj, "at")?),
            lang: scalar_str(&self.doc, &obj, "lang")?.parse().ok()?,
            text: scalar_str(&self.doc, &obj, "text")?,
        })
    }

    fn append_id(&mut self, field: &str, id: String) -> Result<(), DocumentError> {
        let mut ids = match self.answer(field) {
            Some(Value::Array(ids)) => ids,
            _ => Vec::new(),
        };
        let id = Value::String(id);
        if !ids.contains(&id) {
            ids.push(id);
            let answers = self.map("answers");
            put_json(&mut self.doc, &answers, field, &Value::Array(ids))?;
        }
        Ok(())
    }

    /// Every field with concurrent values, for a person to resolve.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        for (section, keys) in [
            ("answers", None),
            ("meta", Some(["classification", "status", "language"])),
        ] {
            let obj = self.map(section);
            let names: Vec<String> = match keys {
                Some(k) => k.iter().map(|s| s.to_string()).collect(),
                None => self.doc.keys(&obj).collect(),
            };
            for key in names {
                let all = self.doc.get_all(&obj, key.as_str()).unwrap_or_default();
                if section == "answers"
                    && let [(AmValue::Object(ObjType::Map), entries)] = all.as_slice()
                    && is_entries(&self.doc, entries)
                {
                    out.extend(self.entry_conflicts(&key, entries));
                    continue;
                }
                out.extend(self.conflict(format!("{section}.{key}"), all));
            }
        }
        out
    }

    /// The conflict at `path` when `all` (every concurrent value of one
    /// key) holds more than one value.
    fn conflict(&self, path: String, all: Vec<(AmValue<'_>, ObjId)>) -> Option<Conflict> {
        // automerge lists concurrent values winner last; the one shown
        // meanwhile (`get`'s pick) comes first here.
        (all.len() > 1).then(|| Conflict {
            path,
            values: all
                .into_iter()
                .rev()
                .map(|(v, id)| to_json(&self.doc, v, &id))
                .collect(),
        })
    }

    /// Concurrent values inside repeat `field`: of a whole entry (two
    /// written at one key), or of one answer inside one entry.
    fn entry_conflicts(&self, field: &str, entries: &ObjId) -> Vec<Conflict> {
        let mut out = Vec::new();
        for entry in self.doc.keys(entries) {
            let all = self
                .doc
                .get_all(entries, entry.as_str())
                .unwrap_or_default();
            let obj = match all.as_slice() {
                [(AmValue::Object(ObjType::Map), obj)] => obj.clone(),
                _ => {
                    out.extend(self.conflict(format!("answers.{field}.{entry}"), all));
                    continue;
                }
            };
            for key in self.doc.keys(&obj) {
                let all = self.doc.get_all(&obj, key.as_str()).unwrap_or_default();
                out.extend(self.conflict(format!("answers.{field}.{entry}.{key}"), all));
            }
        }
        out
    }

    /// The map and key a conflict's path names, found among the keys the
    /// document holds: a key written by another device may itself hold a
    /// ".", so the path is not simply split. Answers go at most two maps
    /// deep (a repeat, then an entry).
    fn locate(&self, path: &str) -> Option<(ObjId, String)> {
        let (section, rest) = path.split_once('.')?;
        let depth = match section {
            "answers" => 2,
            "meta" => 0,
            _ => return None,
        };
        self.locate_in(&self.map(section), rest, depth)
    }

    fn locate_in(&self, obj: &ObjId, rest: &str, depth: usize) -> Option<(ObjId, String)> {
        if self.doc.get_all(obj, rest).is_ok_and(|all| !all.is_empty()) {
            return Some((obj.clone(), rest.to_string()));
        }
        if depth == 0 {
            return None;
        }
        self.doc.keys(obj).find_map(|k| {
            let tail = rest.strip_prefix(k.as_str())?.strip_prefix('.')?;
            match self.doc.get(obj, k.as_str()) {
                Ok(Some((AmValue::Object(ObjType::Map), child))) => {
                    self.locate_in(&child, tail, depth - 1)
                }
                _ => None,
            }
        })
    }

    /// A person chose `value` among the concurrent values at `path` (as
    /// [`Self::conflicts`] names it): that value is written once more, which
    /// supersedes every concurrent one. Only a value in the conflict may be
    /// chosen, so a stale screen cannot write something nobody proposed.
    pub fn resolve(
        &mut self,
        path: &str,
        value: &Value,
        now: Timestamp,
    ) -> Result<(), DocumentError> {
        let refused = || DocumentError::NotAConflict {
            path: path.to_string(),
        };
        let conflict = self
            .conflicts()
            .into_iter()
            .find(|c| c.path == path)
            .ok_or_else(refused)?;
        // The value as the conflict holds it: a screen may send 14 for 14.0.
        let value = conflict
            .values
            .iter()
            .find(|v| same_value(v, value))
            .cloned()
            .ok_or_else(refused)?;
        let (obj, key) = self.locate(path).ok_or_else(refused)?;
        put_json(&mut self.doc, &obj, &key, &value)?;
        self.record(&format!("resolve {path}"), now)?;
        Ok(())
    }

    /// Merges another copy of the same report into this one.
    pub fn merge(&mut self, other: &mut ReportDoc) -> Result<(), DocumentError> {
        if other.id != self.id {
            return Err(DocumentError::DifferentReports {
                ours: self.id,
                theirs: other.id,
            });
        }
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// An independent copy that edits as `device` (another tablet's copy, in tests
    /// and when a hub hands a document to a peer).
    pub fn fork_as(&mut self, device: DeviceId) -> ReportDoc {
        let doc = self.doc.fork().with_actor(actor_for(device));
        ReportDoc { doc, id: self.id }
    }

    /// The report's one-line title from the form's summary fields.
    pub fn title(&self, form: &Form, lang: Lang) -> String {
        let parts: Vec<String> = form
            .summary_fields
            .iter()
            .filter_map(|id| {
                let field = form.field(id)?;
                let value = self.answer(id)?;
                let text = match (&field.kind, &value) {
                    (FieldKind::Choice { options }, Value::String(v)) => options
                        .iter()
                        .find(|o| &o.value == v)
                        .map(|o| o.label.get(lang).to_string())
                        .unwrap_or_else(|| v.clone()),
                    (FieldKind::Location, Value::Object(o)) => {
                        o.get("place").and_then(Value::as_str)?.to_string()
                    }
                    (_, Value::String(s)) => s.clone(),
                    (_, Value::Number(n)) => n.to_string(),
                    _ => return None,
                };
                let text = text.trim().to_string();
                (!text.is_empty()).then_some(text)
            })
            .collect();
        if parts.is_empty() {
            form.title.get(lang).to_string()
        } else {
            parts.join(" — ")
        }
    }

    /// The whole report as JSON: what `report export --format json` writes.
    pub fn to_json(&mut self) -> Value {
        let meta = self.meta();
        let mut out = Map::new();
        out.insert("schema".into(), SCHEMA.into());
        out.insert("id".into(), self.id.to_string().into());
        out.insert(
            "form".into(),
            serde_json::json!({"id": self.form_id(), "version": self.form_version()}),
        );
        out.insert(
            "meta".into(),
            serde_json::to_value(&meta).unwrap_or_default(),
        );
        out.insert("answers".into(), Value::Object(self.answers()));
        out.insert(
            "conflicts".into(),
            serde_json::to_value(self.conflicts()).unwrap_or_default(),
        );
        out.insert(
            "comments".into(),
            serde_json::to_value(self.comments()).unwrap_or_default(),
        );
        out.insert(
            "links".into(),
            serde_json::to_value(self.links()).unwrap_or_default(),
        );
        out.insert(
            "photos".into(),
            serde_json::to_value(self.photos()).unwrap_or_default(),
        );
        out.insert(
            "notes".into(),
            serde_json::to_value(self.step_notes()).unwrap_or_default(),
        );
        out.insert(
            "voice_notes".into(),
            serde_json::to_value(self.voice_notes()).unwrap_or_default(),
        );
        let stages = self.stage_entries();
        if !stages.is_empty() {
            out.insert(
                "pipeline".into(),
                serde_json::to_value(stages).unwrap_or_default(),
            );
        }
        if let Some(readback) = self.readback() {
            out.insert(
                "readback".into(),
                serde_json::to_value(readback).unwrap_or_default(),
            );
        }
        out.insert("heads".into(), self.heads().into());
        Value::Object(out)
    }

    /// Every piece of text a person wrote, for full-text search.
    /// `answers` are this report's [`Self::answers`], which the caller (the
    /// projection) has already read.
    pub fn searchable_text(&self, form: &Form, answers: &Map<String, Value>) -> String {
        let mut parts: Vec<&str> = form
            .fields
            .iter()
            .filter(|f| f.kind.is_searchable_text())
            .filter_map(|f| answers.get(&f.id).and_then(Value::as_str))
            .collect();
        let location = first_location(form, answers);
        if let Some(place) = location.and_then(|l| l.get("place")?.as_str()) {
            parts.push(place);
        }
        let notes = self.step_notes();
        parts.extend(notes.values().map(String::as_str));
        let comments = self.comments();
        parts.extend(comments.iter().map(|c| c.text.as_str()));
        parts.join("\n")
    }

    /// The change history: who (device), when, what.
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        self.doc
            .get_changes(&[])
            .iter()
            .map(|c| HistoryEntry {
                device: c
                    .actor_id()
                    .to_bytes()
                    .get(..16)
                    .and_then(|b| uuid::Uuid::from_slice(b).ok())
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| c.actor_id().to_hex_string()),
                at_seconds: c.timestamp(),
                message: c.message().map(str::to_string).unwrap_or_default(),
                hash: c.hash().0,
            })
            .collect()
    }
}

/// Whether two JSON values are the same answer; numbers compare by value
/// (JSON written as 14.0 comes back from a screen as 14).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// The first date and time answered in `answers`, in form order: when what a
/// report tells of happened (a patrol's departure, an incident, an assessment).
pub fn first_datetime(form: &Form, answers: &Map<String, Value>) -> Option<Timestamp> {
    form.fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Datetime { .. }))
        .find_map(|f| Timestamp::parse_rfc3339(answers.get(&f.id)?.as_str()?))
}

/// The first location answered in `answers`, in form order: where a report is.
pub fn first_location<'a>(form: &Form, answers: &'a Map<String, Value>) -> Option<&'a Value> {
    form.fields
        .iter()
        .filter(|f| f.kind == FieldKind::Location)
        .find_map(|f| answers.get(&f.id))
}

/// One change in a report's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub device: String,
    pub at_seconds: i64,
    pub message: String,
    /// The change's hash: what its device signed.
    pub hash: [u8; 32],
}

fn scalar_str(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (AmValue::Scalar(s), _) => s.as_str().map(str::to_string),
        _ => None,
    }
}

fn scalar_i64(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key).ok()?? {
        (AmValue::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Timestamp(t) | ScalarValue::Int(t) => Some(*t),
            other => other.as_i64(),
        },
        _ => None,
    }
}

/// Whether `obj[key]` holds `value` and nothing concurrent with it (a
/// write of the same value is then no change; one that settles a conflict is).
fn holds_only(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    value: &Value,
) -> Result<bool, AutomergeError> {
    Ok(match doc.get_all(obj, key)?.as_slice() {
        [(v, id)] => answer_json(doc, v.clone(), id) == *value,
        _ => false,
    })
}

/// An answer that is no answer: null, or an empty map (a repeat whose
/// entries were all removed).
fn says_nothing(v: &Value) -> bool {
    v.is_null() || v.as_object().is_some_and(Map::is_empty)
}

/// Whether the map `id` holds a repeat's entries: every key an entry's
/// ("#..."), every value a map. Answers of no other kind are keyed so
/// (a count's groups may not start with "#").
fn is_entries(doc: &AutoCommit, id: &ObjId) -> bool {
    let mut keys = doc.keys(id).peekable();
    keys.peek().is_some()
        && keys.all(|k| {
            k.starts_with('#')
                && matches!(
                    doc.get(id, k.as_str()),
                    Ok(Some((AmValue::Object(ObjType::Map), _)))
                )
        })
}

/// An answer as JSON: as [`to_json`], with a repeat's entries as a list in
/// key order, each with its key at [`crate::flow::ENTRY_KEY`].
fn answer_json(doc: &AutoCommit, value: AmValue<'_>, id: &ObjId) -> Value {
    if matches!(value, AmValue::Object(ObjType::Map)) && is_entries(doc, id) {
        let mut keys: Vec<String> = doc.keys(id).collect();
        keys.sort();
        return Value::Array(
            keys.into_iter()
                .filter_map(|k| {
                    let (v, child) = doc.get(id, k.as_str()).ok()??;
                    let mut entry = match to_json_within(doc, v, &child, 1) {
                        Value::Object(m) => m,
                        _ => return None,
                    };
                    entry.retain(|_, v| !v.is_null());
                    entry.insert(crate::flow::ENTRY_KEY.into(), Value::String(k));
                    Some(Value::Object(entry))
                })
                .collect(),
        );
    }
    to_json(doc, value, id)
}

/// The longest entry key kept as given; a longer one is replaced.
const MAX_ENTRY_KEY: usize = 64;

/// Writes an answer at `answers[field]`: a repeat's entries (a list of
/// objects, or an empty list where entries are stored) entry by entry and
/// answer by answer, anything else whole (see [`put_json`]).
fn put_answer(
    doc: &mut AutoCommit,
    answers: &ObjId,
    field: &str,
    value: &Value,
    now: Timestamp,
) -> Result<(), AutomergeError> {
    let stored = match doc.get(answers, field)? {
        Some((AmValue::Object(ObjType::Map), id))
            if is_entries(doc, &id) || doc.keys(&id).next().is_none() =>
        {
            Some(id)
        }
        _ => None,
    };
    match value {
        Value::Array(items)
            if items.iter().all(Value::is_object) && (!items.is_empty() || stored.is_some()) =>
        {
            let map = match stored {
                Some(id) => id,
                None => doc.put_object(answers, field, ObjType::Map)?,
            };
            put_entries(doc, &map, items, now)
        }
        _ => put_json(doc, answers, field, value),
    }
}

/// Brings the entries map `map` to `items`: an item with a known key
/// (`_entry`) updates that entry's changed answers only, one without gets
/// a new entry, and an entry no item names is removed.
fn put_entries(
    doc: &mut AutoCommit,
    map: &ObjId,
    items: &[Value],
    now: Timestamp,
) -> Result<(), AutomergeError> {
    let mut kept: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(answers) = item.as_object() else {
            continue;
        };
        let given = answers
            .get(crate::flow::ENTRY_KEY)
            .and_then(Value::as_str)
            .filter(|k| {
                k.starts_with('#')
                    && k.len() <= MAX_ENTRY_KEY
                    && !k.contains('.')
                    && !kept.iter().any(|c| c == k)
            });
        // A new key sorts after every entry made before it: the time, the
        // place in this list, then random digits so that two devices never
        // make the same key.
        let key = match given {
            Some(k) => k.to_string(),
            None => format!(
                "#{:013}-{:04}-{}",
                now.as_millis().max(0),
                i,
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
        };
        let entry = match doc.get(map, key.as_str())? {
            Some((AmValue::Object(ObjType::Map), id)) => id,
            _ => doc.put_object(map, key.as_str(), ObjType::Map)?,
        };
        for (k, v) in answers.iter().filter(|(k, _)| *k != crate::flow::ENTRY_KEY) {
            if v.is_null() {
                if !doc.get_all(&entry, k.as_str())?.is_empty() {
                    doc.delete(&entry, k.as_str())?;
                }
            } else if !holds_only(doc, &entry, k, v)? {
                put_json(doc, &entry, k, v)?;
            }
        }
        let gone: Vec<String> = doc
            .keys(&entry)
            .filter(|k| !answers.contains_key(k))
            .collect();
        for k in gone {
            doc.delete(&entry, k.as_str())?;
        }
        kept.push(key);
    }
    let removed: Vec<String> = doc.keys(map).filter(|k| !kept.contains(k)).collect();
    for k in removed {
        doc.delete(map, k.as_str())?;
    }
    Ok(())
}

/// A value as JSON. Nesting past [`crate::shape::MAX_DEPTH`] reads as null:
/// a document that arrived that deep was refused, and no document may make
/// this recursion overflow the stack.
fn to_json(doc: &AutoCommit, value: AmValue<'_>, id: &ObjId) -> Value {
    to_json_within(doc, value, id, 0)
}

fn to_json_within(doc: &AutoCommit, value: AmValue<'_>, id: &ObjId, depth: usize) -> Value {
    if depth > crate::shape::MAX_DEPTH {
        return Value::Null;
    }
    match value {
        AmValue::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Value::String(s.to_string()),
            ScalarValue::Int(n) | ScalarValue::Timestamp(n) => Value::Number((*n).into()),
            ScalarValue::Uint(n) => Value::Number((*n).into()),
            ScalarValue::F64(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            ScalarValue::Boolean(b) => Value::Bool(*b),
            ScalarValue::Counter(c) => Value::Number(i64::from(c).into()),
            ScalarValue::Null | ScalarValue::Bytes(_) | ScalarValue::Unknown { .. } => Value::Null,
        },
        AmValue::Object(ObjType::Map | ObjType::Table) => {
            let mut out = Map::new();
            for k in doc.keys(id) {
                if let Ok(Some((v, child))) = doc.get(id, k.as_str()) {
                    out.insert(k, to_json_within(doc, v, &child, depth + 1));
                }
            }
            Value::Object(out)
        }
        AmValue::Object(ObjType::List) => Value::Array(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, child)| to_json_within(doc, v, &child, depth + 1))
                .collect(),
        ),
        AmValue::Object(ObjType::Text) => Value::String(doc.text(id).unwrap_or_default()),
    }
}

/// Checks that `bytes` are whole automerge chunks of the kinds Outpost
/// sends — a document (0), a change (1) or a compressed change (2) — before
/// automerge decodes them. Its decoder of the other kinds ("bundles") was
/// made by fuzzing to allocate gigabytes from 47 bytes, and to panic; no peer
/// of ours sends one. Each chunk is: a 4-byte magic, a 4-byte checksum, its
/// kind, its length (unsigned LEB128), then that many bytes.
fn only_documents_and_changes(bytes: &[u8]) -> Result<(), DocumentError> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 10 || rest[..4] != MAGIC || rest[8] > 2 {
            return Err(DocumentError::Undecodable);
        }
        let mut length: u64 = 0;
        let mut read = 0;
        loop {
            let byte = *rest.get(9 + read).ok_or(DocumentError::Undecodable)?;
            if read == 9 {
                return Err(DocumentError::Undecodable);
            }
            length |= u64::from(byte & 0x7f) << (7 * read);
            read += 1;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(length)
            .ok()
            .and_then(|l| l.checked_add(9 + read))
            .filter(|end| *end <= rest.len())
            .ok_or(DocumentError::Undecodable)?;
        rest = &rest[end..];
    }
    Ok(())
}

/// Runs automerge's decoding of bytes from elsewhere. On some malformed
/// input its decoder panics instead of returning an error (found by fuzzing
/// the document reader); such bytes are refused as corrupt, never a crash of
/// the hub or device reading them.
fn decoding<T>(
    bytes: &[u8],
    decode: impl FnOnce() -> Result<T, AutomergeError>,
) -> Result<T, DocumentError> {
    only_documents_and_changes(bytes)?;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)) {
        Ok(result) => result.map_err(DocumentError::Corrupt),
        Err(_) => Err(DocumentError::Undecodable),
    }
}

fn scalar_of(value: &Value) -> Option<ScalarValue> {
    Some(match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(f)) => ScalarValue::F64(f),
            (None, None) => ScalarValue::Null,
        },
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// Writes a JSON value at `obj[key]` as a fresh value (objects are new
/// objects), which is what makes concurrent edits of a field a visible conflict.
fn put_json(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    value: &Value,
) -> Result<(), AutomergeError> {
    if let Some(s) = scalar_of(value) {
        return doc.put(obj, key, s);
    }
    let child = match value {
        Value::Array(_) => doc.put_object(obj, key, ObjType::List)?,
        _ => doc.put_object(obj, key, ObjType::Map)?,
    };
    fill(doc, &child, value)
}

fn fill(doc: &mut AutoCommit, obj: &ObjId, value: &Value) -> Result<(), AutomergeError> {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match scalar_of(item) {
                    Some(s) => doc.insert(obj, i, s)?,
                    None => {
                        let kind = if item.is_array() {
                            ObjType::List
                        } else {
                            ObjType::Map
                        };
                        let child = doc.insert_object(obj, i, kind)?;
                        fill(doc, &child, item)?;
                    }
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                put_json(doc, obj, k, v)?;
            }
        }
        _ => {}
    }
    Ok(())
}
