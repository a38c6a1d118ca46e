//! The debrief: a report filled one question at a time, every answer saved
//! as it is given, ending in a read-back the author confirms.

use outpost_report::readback::{self, ReadbackSection};
use outpost_report::validate::{Completeness, is_blank, validate_answers, validate_report};
use outpost_report::{
    Classification, CommentId, Flow, Form, Lang, NewReport, PhotoRef, Problem, Readback, ReportDoc,
    ReportId, ReviewStatus, VoiceNoteRef,
};
use outpost_store::{Store, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{UiError, lang_of};
use crate::home::{deliveries, delivery_line};
use crate::state::{AppStore, now};

/// The forms a report can be started from, both languages (the interface
/// picks), steps and prompts included: the debrief is driven by them.
#[tauri::command]
pub fn forms(store: tauri::State<'_, AppStore>) -> Vec<Form> {
    // The forms are the build's own, not the store's: shown even when locked.
    // Every version held, so that a report opens with the form it was
    // started with; new reports start from the newest.
    let _ = store;
    outpost_report::Catalog::builtin()
        .every_version()
        .cloned()
        .collect()
}

/// A report as the debrief, the plain form and the report screen show it.
#[derive(Debug, Serialize)]
pub struct ReportView {
    id: String,
    form: String,
    /// The version of the form the report was started with.
    form_version: u32,
    meta: outpost_report::document::Meta,
    title: String,
    answers: Map<String, Value>,
    /// Typed answers that did not validate yet (kept on this device only).
    pending: Map<String, Value>,
    /// The step the debrief is at, if it is still open here.
    step: Option<usize>,
    notes: std::collections::BTreeMap<String, String>,
    photos: Vec<PhotoRef>,
    voice_notes: Vec<VoiceNoteRef>,
    comments: Vec<outpost_report::document::Comment>,
    conflicts: Vec<outpost_report::Conflict>,
    readback: Vec<ReadbackSection>,
    confirmed: Option<Readback>,
    /// What still stands between this report and submission.
    problems: Vec<Problem>,
    /// What the form asks given these answers: the interface shows and
    /// counts only that, and never works out the logic itself.
    flow: Flow,
    delivery: &'static str,
    photo_files_waiting: u64,
}

pub(crate) fn parse_id(id: &str, lang: Lang) -> Result<ReportId, UiError> {
    id.parse()
        .map_err(|_| UiError::app(lang, "store.not_found", &[("id", id.to_string())]))
}

/// What every command about one report starts with: the language for its
/// errors, the report's id, and the store.
fn report_command<'a>(
    state: &'a AppStore,
    id: &str,
    lang: &str,
) -> Result<(crate::state::StoreGuard<'a>, ReportId, Lang), UiError> {
    let lang = lang_of(lang);
    let id = parse_id(id, lang)?;
    Ok((state.store(lang)?, id, lang))
}

/// The form `doc` was started with (its version, not only its kind).
pub(crate) fn form_of<'a>(
    store: &'a Store,
    doc: &ReportDoc,
    lang: Lang,
) -> Result<&'a Form, UiError> {
    store
        .catalog()
        .form_of(doc)
        .ok_or_else(|| unknown_kind(store, &doc.form_id(), lang))
}

pub(crate) fn form_by_id<'a>(
    store: &'a Store,
    kind: &str,
    lang: Lang,
) -> Result<&'a Form, UiError> {
    store
        .catalog()
        .get(kind)
        .ok_or_else(|| unknown_kind(store, kind, lang))
}

fn unknown_kind(store: &Store, kind: &str, lang: Lang) -> UiError {
    UiError::app(
        lang,
        "report.unknown_kind",
        &[("kind", kind.to_string()), ("known", known_kinds(store))],
    )
}

fn known_kinds(store: &Store) -> String {
    store.catalog().ids().collect::<Vec<_>>().join(", ")
}

pub(crate) fn view(store: &Store, id: ReportId, lang: Lang) -> Result<ReportView, UiError> {
    let doc = store.load(id).map_err(|e| UiError::store(e, lang))?;
    if !store
        .viewer()
        .map_err(|e| UiError::store(e, lang))?
        .may_show(&doc.meta())
    {
        return Err(UiError::app(lang, "app.not_cleared", &[]));
    }
    view_of(store, id, &doc, lang)
}

/// [`view`] of a report already read (and that its reader may see).
pub(crate) fn view_of(
    store: &Store,
    id: ReportId,
    doc: &ReportDoc,
    lang: Lang,
) -> Result<ReportView, UiError> {
    let form = form_of(store, doc, lang)?;
    let debrief = store.debrief(id).map_err(|e| UiError::store(e, lang))?;
    let (delivery, photo_files_waiting) = delivery_line(
        deliveries(store, &[id])
            .map_err(|e| UiError::store(e, lang))?
            .get(&id),
    );
    let answers = doc.answers();
    let at = now();
    let problems = validate_report(form, doc, at, lang, Completeness::Complete);
    let flow = Flow::of(form, &answers, &at.to_rfc3339());
    Ok(ReportView {
        flow,
        id: id.to_string(),
        form: form.id.clone(),
        form_version: form.version,
        meta: doc.meta(),
        title: doc.title(form, lang),
        pending: debrief
            .as_ref()
            .map(|d| d.pending.clone())
            .unwrap_or_default(),
        step: debrief.map(|d| d.step),
        notes: doc.step_notes(),
        photos: doc.photos(),
        voice_notes: doc.voice_notes(),
        comments: doc.comments(),
        conflicts: doc.conflicts(),
        readback: readback::sections(form, doc, lang),
        confirmed: doc.readback(),
        problems,
        answers,
        delivery,
        photo_files_waiting,
    })
}

pub(crate) fn classification_of(given: &str, lang: Lang) -> Result<Classification, UiError> {
    given.parse().map_err(|_| {
        UiError::app(
            lang,
            "report.unknown_classification",
            &[("given", given.to_string())],
        )
    })
}

/// A new report by the person using this device, in `lang`.
pub(crate) fn new_report(
    store: &Store,
    classification: Classification,
    status: ReviewStatus,
    lang: Lang,
) -> Result<NewReport, UiError> {
    let profile = store.profile().map_err(|e| UiError::store(e, lang))?;
    Ok(NewReport {
        id: ReportId::from_uuid(uuid::Uuid::now_v7()),
        author: profile.author,
        author_unit: profile.unit,
        sector: profile.sector,
        device: store.device_id(),
        language: lang,
        classification,
        status,
    })
}

/// Starts a report: a draft in the store at once, so the first answer has
/// somewhere durable to go.
#[tauri::command]
pub fn start_report(
    store: tauri::State<'_, AppStore>,
    kind: String,
    classification: String,
    lang: String,
) -> Result<ReportView, UiError> {
    let lang = lang_of(&lang);
    let mut store = store.store(lang)?;
    let form = form_by_id(&store, &kind, lang)?.clone();
    let level = classification_of(&classification, lang)?;
    let new = new_report(&store, level, ReviewStatus::Draft, lang)?;
    let at = now();
    let mut doc = ReportDoc::create(&form, &new, at).map_err(|e| UiError::document(e, lang))?;
    // The form's defaults are the first answers, and what follows from them.
    let defaults = form.defaults();
    if !defaults.is_empty() {
        doc.set_answers(&defaults, at)
            .map_err(|e| UiError::document(e, lang))?;
        doc.settle(&form, at)
            .map_err(|e| UiError::document(e, lang))?;
    }
    let mut run = |store: &mut Store| -> Result<(), StoreError> {
        store.save(&mut doc, at)?;
        store.set_debrief_step(new.id, 0, at)?;
        store.mark_seen(new.id)
    };
    run(&mut store).map_err(|e| UiError::store(e, lang))?;
    view(&store, new.id, lang)
}

/// Opens a report; what headquarters said about it counts as seen.
#[tauri::command]
pub fn open_report(
    store: tauri::State<'_, AppStore>,
    id: String,
    lang: String,
) -> Result<ReportView, UiError> {
    let (mut store, id, lang) = report_command(&store, &id, &lang)?;
    store.mark_seen(id).map_err(|e| UiError::store(e, lang))?;
    view(&store, id, lang)
}

/// What saving one answer did.
#[derive(Debug, Serialize)]
pub struct Saved {
    /// The answer is in the report (false: it is kept on this device until it is valid).
    saved: bool,
    problems: Vec<Problem>,
    /// The report's answers now: an answer may have cleared others (a
    /// question no longer asked) or changed a calculation.
    answers: Map<String, Value>,
    flow: Flow,
}

/// Saves one answer as it is given. A value that does not validate (a
/// negative head count, a date in the future) is kept on this device, not put
/// in the report, and its problems come back in the person's language.
#[tauri::command]
pub fn save_answer(
    store: tauri::State<'_, AppStore>,
    id: String,
    field: String,
    value: Value,
    lang: String,
) -> Result<Saved, UiError> {
    let (mut store, id, lang) = report_command(&store, &id, &lang)?;
    let doc = store.load(id).map_err(|e| UiError::store(e, lang))?;
    let form = form_of(&store, &doc, lang)?.clone();
    if form.report_field(&field).is_none() {
        return Err(UiError::app(lang, "app.unknown_field", &[("field", field)]));
    }
    let mut value = value;
    form.default_new_entries(&field, &mut value);
    let at = now();
    let empty = is_blank(&value);
    let mut answers = doc.answers();
    if empty {
        answers.remove(&field);
    } else {
        answers.insert(field.clone(), value.clone());
    }
    let problems: Vec<Problem> = validate_answers(&form, &answers, at, lang, Completeness::Draft)
        .into_iter()
        .filter(|p| p.concerns(&field))
        .collect();
    let run = |store: &mut Store| -> Result<(bool, Map<String, Value>), StoreError> {
        if problems.is_empty() {
            let stored = if empty { Value::Null } else { value.clone() };
            // The answer and what follows from it, in one change.
            let answers = store.update(id, at, |doc| {
                doc.set_answer(&field, &stored, at)?;
                doc.settle(&form, at)?;
                Ok(doc.answers())
            })?;
            store.set_pending_answer(id, &field, None, at)?;
            Ok((true, answers))
        } else {
            store.set_pending_answer(id, &field, Some(&value), at)?;
            Ok((false, doc.answers()))
        }
    };
    let (saved, answers) = run(&mut store).map_err(|e| UiError::store(e, lang))?;
    let flow = Flow::of(&form, &answers, &at.to_rfc3339());
    // A value typed into a question no longer asked is dropped with it.
    let pending = store
        .debrief(id)
        .map_err(|e| UiError::store(e, lang))?
        .map(|d| d.pending)
        .unwrap_or_default();
    for hidden in pending.keys().filter(|f| !flow.asks(f)) {
        store
            .set_pending_answer(id, hidden, None, at)
            .map_err(|e| UiError::store(e, lang))?;
    }
    Ok(Saved {
        saved,
        problems,
        answers,
        flow,
    })
}

/// Saves the free narrative said at a step.
#[tauri::command]
pub fn save_note(
    store: tauri::State<'_, AppStore>,
    id: String,
    step: String,
    text: String,
    lang: String,
) -> Result<(), UiError> {
    let (mut store, id, lang) = report_command(&store, &id, &lang)?;
    let at = now();
    store
        .update(id, at, |doc| {
            Ok(doc.set_step_note(&step, text.trim_end(), at)?)
        })
        .map(|_| ())
        .map_err(|e| UiError::store(e, lang))
}

/// Remembers the step the debrief is at, so reopening the app returns to it.
#[tauri::command]
pub fn set_step(
    store: tauri::State<'_, AppStore>,
    id: String,
    step: usize,
    lang: String,
) -> Result<(), UiError> {
    let (mut store, id, lang) = report_command(&store, &id, &lang)?;
    let doc = store.load(id).map_err(|e| UiError::store(e, lang))?;
    let steps = form_of(&store, &doc, lang)?.steps.len();
    // One past the last step is the read-back.
    if step > steps {
        return Err(UiError::app(
            lang,
            "app.no_step",
            &[("step", step.to_string())],
        ));
    }
    store
        .set_debrief_step(id, step, now())
        .map_err(|e| UiError::store(e, lang))
}

/// The author confirms the read-back: if nothing is missing or wrong, the
/// read-back is recorded as confirmed and the report is submitted.
#[tauri::command]
pub fn submit_report(
    store: tauri::State<'_, AppStore>,
    id: String,
    lang: String,
) -> Result<ReportView, UiError> {
    let (mut store, id, lang) = report_command(&store, &id, &lang)?;
    let doc = store.load(id).map_err(|e| UiError::store(e, lang))?;
    let form = form_of(&store, &doc, lang)?.clone();
    let at = now();
    let mut problems = validate_report(&form, &doc, at, lang, Completeness::Complete);
    let pending = store
        .debrief(id)
        .map_err(|e| UiError::store(e, lang))?
        .map(|d| d.pending)
        .unwrap_or_default();
    // A value typed but never valid is still a problem, even if the field
    // has an older valid answer (unless the question is no longer asked).
    let flow = Flow::of(&form, &doc.answers(), &at.to_rfc3339());
    for field in pending.keys().filter(|f| flow.asks(f)) {
        if !problems.iter().any(|p| p.concerns(field)) {
            let mut answers = doc.answers();
            answers.insert(field.clone(), pending[field].clone());
            problems.extend(
                validate_answers(&form, &answers, at, lang, Completeness::Draft)
                    .into_iter()
                    .filter(|p| p.concerns(field)),
            );
        }
    }
    if !problems.is_empty() {
        return Err(UiError::app(
            lang,
            "app.incomplete",
            &[("count", problems.len().to_string())],
        ));
    }
    let by = store.profile().map(|p| p.author).unwrap_or_default();
    let run = |store: &mut Store| -> Result<(), StoreError> {
        store.update(id, at, |doc| {
            let text = readback::text(&readback::sections(&form, doc, lang), lang);
            doc.confirm_readback(&Readback { by, at, lang, text })?;
            if doc.meta().status == ReviewStatus::Draft {
                doc.set_status(ReviewStatus::Submitted, at)?;
            }
            Ok(())
        })?;
        store.finish_debrief(id, at)?;
        store.mark_seen(id)
    };
    run(&mut store).map_err(|e| UiError::store(e, lang))?;
    view(&store, id, lang)
}

/// The author answers headquarters (or adds a note) on a report.
#[tauri::command]
pub fn add_comment(
    store: tauri::State<'_, AppStore>,
    id: String,
    text: String,
    lang: String,
) -> Result<ReportView, UiError> {
    let (mut store, id, lang) = report_command(&store, &id, &lang)?;
    let author = store.profile().map(|p| p.author).unwrap_or_default();
    let device = store.device_id().to_string();
    let at = now();
    let comment = outpost_report::document::Comment {
        id: CommentId::from_uuid(uuid::Uuid::now_v7()),
        author,
        device,
        at,
        lang,
        text: text.trim().to_string(),
        question: false,
    };
    let run = |store: &mut Store| -> Result<(), StoreError> {
        store.update(id, at, |doc| Ok(doc.add_comment(&comment)?))?;
        store.mark_seen(id)
    };
    run(&mut store).map_err(|e| UiError::store(e, lang))?;
    view(&store, id, lang)
}
