//! The review workspace: what headquarters sees of every sector's reports
//! (the merged list with its filters and counts, the map, one report whole
//! with its history and open conflicts) and the review that travels back to
//! the field: status, comments, questions to the author, standing questions to
//! a unit. Everything here is bounded by the clearance the hub granted this
//! device, whatever the store happens to hold.

use std::collections::HashMap;
use std::path::PathBuf;

use outpost_report::pipeline::{self, QipStage, StageEntry};
use outpost_report::{
    Classification, CommentId, Lang, ReportDoc, ReportId, ReviewStatus, STANDING_QUESTION,
    Timestamp,
};
use outpost_store::{Facets, ReportFilter, ReportOrder, ReportPoint, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::debrief::{ReportView, classification_of, form_by_id, new_report, parse_id, view_of};
use crate::error::{UiError, lang_of};
use crate::state::{AppStore, now};

/// Reports per page of the list.
const PAGE: u32 = 50;
/// Assessments the pipeline board shows (the most recently changed).
const BOARD: u32 = 500;

/// The filters a reviewer set, as the interface sends them; empty means any.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewQuery {
    kind: Option<String>,
    status: Option<String>,
    sector: Option<String>,
    unit: Option<String>,
    author: Option<String>,
    classification: Option<String>,
    language: Option<String>,
    /// Event time bounds, milliseconds since the epoch.
    from: Option<i64>,
    until: Option<i64>,
    text: Option<String>,
    /// "updated" (default), "happened", "oldest" or "classification".
    order: Option<String>,
    page: u32,
}

/// Who is reviewing: a device enrolled as headquarters, and how far it is cleared.
struct Reviewer {
    clearance: Classification,
    name: String,
}

fn reviewer(store: &Store, lang: Lang) -> Result<Reviewer, UiError> {
    match store.hub(None).map_err(|e| UiError::store(e, lang))? {
        Some(hub) if outpost_report::policy::is_headquarters(hub.granted_role()) => Ok(Reviewer {
            clearance: hub.granted_clearance(),
            name: store.profile().map(|p| p.author).unwrap_or_default(),
        }),
        _ => Err(UiError::app(lang, "app.not_reviewer", &[])),
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parsed<T: std::str::FromStr>(
    value: &Option<String>,
    code: &str,
    lang: Lang,
) -> Result<Option<T>, UiError> {
    given(value)
        .map(|v| {
            v.parse()
                .map_err(|_| UiError::app(lang, code, &[("given", v.to_string())]))
        })
        .transpose()
}

impl ReviewQuery {
    fn filter(&self, clearance: Classification, lang: Lang) -> Result<ReportFilter, UiError> {
        let text = |v: &Option<String>| given(v).map(str::to_string);
        Ok(ReportFilter {
            kind: text(&self.kind),
            status: parsed(&self.status, "app.unknown_status", lang)?,
            classification: parsed(&self.classification, "report.unknown_classification", lang)?,
            language: parsed(&self.language, "app.unknown_language", lang)?,
            sector: text(&self.sector),
            unit: text(&self.unit),
            author: text(&self.author),
            from: self.from.map(Timestamp::from_millis),
            until: self.until.map(Timestamp::from_millis),
            text: text(&self.text),
            // Review is cut at the clearance, even for what this device wrote.
            clearance: Some(clearance),
            own_device: None,
            exclude_kind: None,
            order: match given(&self.order) {
                Some("happened") => ReportOrder::Happened,
                Some("oldest") => ReportOrder::HappenedAscending,
                Some("classification") => ReportOrder::Classification,
                _ => ReportOrder::Updated,
            },
            limit: Some(PAGE),
            offset: self.page.saturating_mul(PAGE),
        })
    }
}

/// One line of the merged list.
#[derive(Debug, Serialize)]
pub struct ReviewLine {
    id: String,
    kind: String,
    title: String,
    author: String,
    unit: String,
    sector: String,
    status: String,
    classification: String,
    language: String,
    happened_at: i64,
    updated_at: i64,
    place: Option<String>,
    photos: i64,
    comments: i64,
    conflicts: i64,
    pipeline_stage: Option<String>,
    days_in_stage: Option<i64>,
    overdue: bool,
}

fn line(r: outpost_store::ReportSummary, at: Timestamp) -> ReviewLine {
    let stage = r
        .pipeline_stage
        .as_deref()
        .and_then(|s| s.parse::<QipStage>().ok());
    let since = r.stage_since.unwrap_or(r.created_at);
    ReviewLine {
        id: r.id.to_string(),
        days_in_stage: stage.map(|_| pipeline::days_between(since, at)),
        overdue: stage.is_some_and(|s| pipeline::overdue(s, since, at)),
        pipeline_stage: r.pipeline_stage,
        kind: r.kind,
        title: r.title,
        author: r.author,
        unit: r.author_unit,
        sector: r.sector,
        status: r.status,
        classification: r.classification,
        language: r.language,
        happened_at: r.happened_at.as_millis(),
        updated_at: r.updated_at.as_millis(),
        place: r.place,
        photos: r.photos,
        comments: r.comments,
        conflicts: r.conflicts,
    }
}

/// A page of the merged list, the counts beside each filter value, and the
/// clearance it was cut at.
#[derive(Debug, Serialize)]
pub struct ReviewPage {
    reports: Vec<ReviewLine>,
    /// Reports matching every filter (all pages).
    total: u64,
    facets: Facets,
    page: u32,
    page_size: u32,
    clearance: Classification,
}

#[tauri::command]
pub fn review_list(
    store: tauri::State<'_, AppStore>,
    query: ReviewQuery,
    lang: String,
) -> Result<ReviewPage, UiError> {
    let (store, who, lang) = reviewer_command(&store, &lang)?;
    let filter = query.filter(who.clearance, lang)?;
    let at = now();
    let run = || -> Result<ReviewPage, StoreError> {
        let (reports, facets) = store.page_and_facets(&filter)?;
        Ok(ReviewPage {
            reports: reports.into_iter().map(|r| line(r, at)).collect(),
            total: facets.total,
            facets,
            page: query.page,
            page_size: PAGE,
            clearance: who.clearance,
        })
    };
    run().map_err(|e| UiError::store(e, lang))
}

/// Every located report the filters select, for the map (the map clusters
/// them; the list beside it already says how many there are in all).
#[tauri::command]
pub fn review_points(
    store: tauri::State<'_, AppStore>,
    query: ReviewQuery,
    lang: String,
) -> Result<Vec<ReportPoint>, UiError> {
    let (store, who, lang) = reviewer_command(&store, &lang)?;
    let filter = query.filter(who.clearance, lang)?;
    store.points(&filter).map_err(|e| UiError::store(e, lang))
}

/// The QIP assessments a reviewer may see, each with its stage and days.
#[tauri::command]
pub fn review_pipeline(
    store: tauri::State<'_, AppStore>,
    lang: String,
) -> Result<Vec<ReviewLine>, UiError> {
    let (store, who, lang) = reviewer_command(&store, &lang)?;
    let qips = ReportFilter {
        kind: Some(outpost_report::pipeline::PIPELINE_FORM.into()),
        clearance: Some(who.clearance),
        limit: Some(BOARD),
        ..Default::default()
    };
    let at = now();
    store
        .list(&qips)
        .map(|rows| rows.into_iter().map(|r| line(r, at)).collect())
        .map_err(|e| UiError::store(e, lang))
}

/// One change in a report's history, with who made it when that is known.
#[derive(Debug, Serialize)]
pub struct Change {
    at: i64,
    device: String,
    /// The person behind that device, from the report's author and comments.
    who: Option<String>,
    /// What changed, as the document recorded it ("answer casualties", "status verified").
    what: String,
    /// Whether the change carries its device's verified signature.
    verified: bool,
}

/// A report linked to this one.
#[derive(Debug, Serialize)]
pub struct Linked {
    id: String,
    relation: String,
    title: Option<String>,
}

/// A report as a reviewer sees it: the whole report, its history, its links,
/// what may tell of the same event, and where a QIP assessment stands.
#[derive(Debug, Serialize)]
pub struct ReviewReport {
    report: ReportView,
    history: Vec<Change>,
    links: Vec<Linked>,
    suggestions: Vec<outpost_review::Suggestion>,
    pipeline: Option<pipeline::PipelineStatus>,
    /// Originals of photos held on this device (the others are still at the hub or in the field).
    originals_here: Vec<String>,
}

fn review_view(
    store: &Store,
    id: ReportId,
    who: &Reviewer,
    lang: Lang,
) -> Result<ReviewReport, UiError> {
    let store_err = |e| UiError::store(e, lang);
    let mut doc = cleared(store, id, who, lang)?;
    let meta = doc.meta();
    let mut people: HashMap<String, String> = HashMap::new();
    people.insert(meta.device.clone(), meta.author.clone());
    for c in doc.comments() {
        if !c.author.is_empty() {
            people.insert(c.device.clone(), c.author.clone());
        }
    }
    people.insert(store.device_id().to_string(), who.name.clone());
    let entries = doc.history();
    // A line is verified when a signature of its device, checked on arrival
    // (or made here), covers it.
    let signed = store.verified_changes(&mut doc).map_err(store_err)?;
    let history = entries
        .into_iter()
        .map(|h| Change {
            at: h.at_seconds,
            who: people.get(&h.device).filter(|n| !n.is_empty()).cloned(),
            verified: signed.contains(&h.hash),
            device: h.device,
            what: h.message,
        })
        .collect();
    // A linked report above the clearance is left out, not even named.
    let mut links = Vec::new();
    for l in doc.links() {
        let Ok(other) = store.load(l.report) else {
            // Linked by someone who holds it; not on this device (yet).
            links.push(Linked {
                id: l.report.to_string(),
                relation: l.relation,
                title: None,
            });
            continue;
        };
        if other.meta().classification > who.clearance {
            continue;
        }
        let title = store
            .catalog()
            .form_of(&other)
            .map(|form| other.title(form, lang));
        links.push(Linked {
            id: l.report.to_string(),
            relation: l.relation,
            title,
        });
    }
    let linked: Vec<ReportId> = doc.links().iter().map(|l| l.report).collect();
    let suggestions = outpost_review::suggest_for(store, &doc, who.clearance)
        .map_err(store_err)?
        .into_iter()
        .filter(|s| !linked.contains(&s.report))
        .collect();
    let pipeline = outpost_report::pipeline::has_pipeline(&doc.form_id())
        .then(|| pipeline::status(&doc.stage_entries(), meta.created_at, now()));
    let mut originals_here = Vec::new();
    for p in doc.photos() {
        if store.has_blob(&p.original.sha256).map_err(store_err)? {
            originals_here.push(p.original.sha256);
        }
    }
    Ok(ReviewReport {
        report: view_of(store, id, &doc, lang)?,
        history,
        links,
        suggestions,
        pipeline,
        originals_here,
    })
}

/// Report `id`, if the reviewer is cleared for it; not shown, and not said
/// to exist in any detail either, if not.
fn cleared(store: &Store, id: ReportId, who: &Reviewer, lang: Lang) -> Result<ReportDoc, UiError> {
    let doc = store.load(id).map_err(|e| UiError::store(e, lang))?;
    if doc.meta().classification > who.clearance {
        return Err(UiError::app(lang, "app.not_cleared", &[]));
    }
    Ok(doc)
}

/// What every reviewer command starts with: the language for its errors,
/// the store, and who is reviewing (refused on a device not enrolled as hq).
fn reviewer_command<'a>(
    state: &'a AppStore,
    lang: &str,
) -> Result<(crate::state::StoreGuard<'a>, Reviewer, Lang), UiError> {
    let lang = lang_of(lang);
    let store = state.store(lang)?;
    let who = reviewer(&store, lang)?;
    Ok((store, who, lang))
}

/// [`reviewer_command`] about one report.
fn review_command<'a>(
    state: &'a AppStore,
    id: &str,
    lang: &str,
) -> Result<(crate::state::StoreGuard<'a>, ReportId, Reviewer, Lang), UiError> {
    let id = parse_id(id, lang_of(lang))?;
    let (store, who, lang) = reviewer_command(state, lang)?;
    Ok((store, id, who, lang))
}

/// Changes report `id` as the reviewer (after checking they may see it) and
/// returns it as it now is.
fn review_change(
    store: &mut Store,
    id: ReportId,
    who: &Reviewer,
    lang: Lang,
    change: impl FnOnce(&mut ReportDoc, Timestamp) -> Result<(), StoreError>,
) -> Result<ReviewReport, UiError> {
    let at = now();
    // Checked on the copy being changed: the report is read once for both.
    let allowed = store
        .update(id, at, |doc| {
            if doc.meta().classification > who.clearance {
                return Ok(false);
            }
            change(doc, at)?;
            Ok(true)
        })
        .map_err(|e| UiError::store(e, lang))?;
    if !allowed {
        return Err(UiError::app(lang, "app.not_cleared", &[]));
    }
    store.mark_seen(id).map_err(|e| UiError::store(e, lang))?;
    review_view(store, id, who, lang)
}

#[tauri::command]
pub fn review_report(
    store: tauri::State<'_, AppStore>,
    id: String,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    let found = review_view(&store, id, &who, lang)?;
    store.mark_seen(id).map_err(|e| UiError::store(e, lang))?;
    Ok(found)
}

#[tauri::command]
pub fn review_status(
    store: tauri::State<'_, AppStore>,
    id: String,
    status: String,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    let status: ReviewStatus = parsed(&Some(status), "app.unknown_status", lang)?
        .ok_or_else(|| UiError::app(lang, "app.unknown_status", &[("given", String::new())]))?;
    review_change(&mut store, id, &who, lang, |doc, at| {
        Ok(doc.set_status(status, at)?)
    })
}

/// A review comment, or a question to the author (`question`), which also
/// sets the report to "needs information" so the author's home flags it.
#[tauri::command]
pub fn review_comment(
    store: tauri::State<'_, AppStore>,
    id: String,
    text: String,
    question: bool,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(UiError::app(lang, "app.empty_question", &[]));
    }
    let device = store.device_id().to_string();
    review_change(&mut store, id, &who, lang, |doc, at| {
        doc.add_comment(&outpost_report::document::Comment {
            id: CommentId::from_uuid(uuid::Uuid::now_v7()),
            author: who.name.clone(),
            device,
            at,
            lang,
            text,
            question,
        })?;
        if question {
            doc.set_status(ReviewStatus::NeedsInformation, at)?;
        }
        Ok(())
    })
}

/// Keeps one of a conflict's values (as [`outpost_report::document::Conflict`] lists them).
#[tauri::command]
pub fn resolve_conflict(
    store: tauri::State<'_, AppStore>,
    id: String,
    path: String,
    value: Value,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    review_change(&mut store, id, &who, lang, |doc, at| {
        Ok(doc.resolve(&path, &value, at)?)
    })
}

#[tauri::command]
pub fn review_stage(
    store: tauri::State<'_, AppStore>,
    id: String,
    stage: String,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    let stage: QipStage = parsed(&Some(stage), "report.unknown_stage", lang)?
        .ok_or_else(|| UiError::app(lang, "report.unknown_stage", &[("given", String::new())]))?;
    let by = who.name.clone();
    review_change(&mut store, id, &who, lang, |doc, at| {
        Ok(doc.enter_stage(&StageEntry { stage, at, by })?)
    })
}

/// Confirms a suggested (or any) report as the same incident or related.
#[tauri::command]
pub fn review_link(
    store: tauri::State<'_, AppStore>,
    id: String,
    to: String,
    relation: String,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    let other = parse_id(&to, lang)?;
    for r in [id, other] {
        cleared(&store, r, &who, lang)?;
    }
    let relation = if relation == "related" {
        "related"
    } else {
        "same_incident"
    };
    outpost_review::link(&mut store, id, other, relation, now())
        .map_err(|e| UiError::store(e, lang))?;
    review_view(&store, id, &who, lang)
}

/// Releases report `id` at a lower `level`: a copy with a history of its
/// own, linked to the original, which keeps its level. Returns the copy.
#[tauri::command]
pub fn review_declassify(
    store: tauri::State<'_, AppStore>,
    id: String,
    level: String,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, id, who, lang) = review_command(&store, &id, &lang)?;
    let level = classification_of(&level, lang)?;
    cleared(&store, id, &who, lang)?;
    let copy = outpost_review::declassify(&mut store, id, level, now())
        .map_err(|e| UiError::app(lang, e.code(), &e.args()))?;
    review_view(&store, copy, &who, lang)
}

/// What headquarters asks a unit (or a whole sector) to look for on its next
/// patrols. It is a report of its own kind, shared with them, so it reaches
/// their tablets through the same sync and their answers come back as comments.
#[derive(Debug, Deserialize)]
pub struct StandingQuestion {
    question: String,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    sector: Option<String>,
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    until: Option<i64>,
    classification: String,
}

#[tauri::command]
pub fn ask_unit(
    store: tauri::State<'_, AppStore>,
    ask: StandingQuestion,
    lang: String,
) -> Result<ReviewReport, UiError> {
    let (mut store, who, lang) = reviewer_command(&store, &lang)?;
    let question = ask.question.trim();
    if question.is_empty() {
        return Err(UiError::app(lang, "app.empty_question", &[]));
    }
    let grantee = match (given(&ask.unit), given(&ask.sector)) {
        (Some(unit), _) => unit.to_string(),
        (None, Some(sector)) => format!("sector:{sector}"),
        (None, None) => return Err(UiError::app(lang, "app.no_target", &[])),
    };
    let level = classification_of(&ask.classification, lang)?;
    if level > who.clearance {
        return Err(UiError::app(lang, "app.not_cleared", &[]));
    }
    let form = form_by_id(&store, STANDING_QUESTION, lang)?.clone();
    let new = new_report(&store, level, ReviewStatus::Submitted, lang)?;
    let at = now();
    let mut answers = serde_json::Map::new();
    answers.insert("question".into(), question.into());
    if let Some(area) = given(&ask.area) {
        answers.insert("area".into(), area.into());
    }
    if let Some(until) = ask.until {
        answers.insert(
            "until".into(),
            Timestamp::from_millis(until).to_rfc3339().into(),
        );
    }
    let mut doc = ReportDoc::create(&form, &new, at).map_err(|e| UiError::document(e, lang))?;
    let by = who.name.clone();
    let mut run = |store: &mut Store| -> Result<(), StoreError> {
        doc.set_answers(&answers, at)?;
        doc.share_with(&grantee, &by, at)?;
        store.save(&mut doc, at)?;
        store.mark_seen(new.id)
    };
    run(&mut store).map_err(|e| UiError::store(e, lang))?;
    review_view(&store, new.id, &who, lang)
}

/// Where an export from the app was written.
#[derive(Debug, Serialize)]
pub struct Written {
    path: String,
    rows: usize,
    without_place: usize,
}

/// Where exports go: `$OUTPOST_EXPORTS`, else the platform's downloads
/// folder. Never the store's own folder: an export is the reviewer taking
/// reports out of the encrypted store on purpose, as a plain file for
/// another program.
fn exports_dir(app: &tauri::AppHandle) -> PathBuf {
    use tauri::Manager;
    std::env::var_os("OUTPOST_EXPORTS")
        .map(PathBuf::from)
        .or_else(|| app.path().download_dir().ok())
        .or_else(|| app.path().home_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Writes the filtered set (every page) as CSV or GeoJSON into the
/// exports folder ([`exports_dir`]), cut at the reviewer's clearance like
/// the command line's.
#[tauri::command]
pub fn review_export(
    app: tauri::AppHandle,
    store: tauri::State<'_, AppStore>,
    query: ReviewQuery,
    format: String,
    lang: String,
) -> Result<Written, UiError> {
    let (store, who, lang) = reviewer_command(&store, &lang)?;
    let filter = query.filter(who.clearance, lang)?;
    let extension = match format.as_str() {
        "csv" | "answers" => "csv",
        "geojson" => "geojson",
        other => {
            return Err(UiError::app(
                lang,
                "app.unknown_format",
                &[("given", other.to_string())],
            ));
        }
    };
    let rows = outpost_export::reports(&store, &filter, who.clearance).map_err(|e| match e {
        outpost_export::ExportError::Store(e) => UiError::store(e, lang),
        other => UiError::app(
            lang,
            "app.export_failed",
            &[("path", String::new()), ("detail", other.to_string())],
        ),
    })?;
    let dir = exports_dir(&app);
    let path = dir.join(format!(
        "outpost-{}{}.{extension}",
        if format == "answers" { "answers-" } else { "" },
        now()
            .to_rfc3339()
            .replace([':', '-'], "")
            .replace('T', "-")
            .trim_end_matches('Z')
    ));
    let failed = |detail: String| {
        UiError::app(
            lang,
            "app.export_failed",
            &[("path", path.display().to_string()), ("detail", detail)],
        )
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
    let file = std::fs::File::create(&path).map_err(|e| failed(e.to_string()))?;
    let written = match format.as_str() {
        "csv" => outpost_export::write_csv(&rows, file),
        "answers" => outpost_export::write_answers_csv(&store, &rows, store.catalog(), lang, file),
        _ => outpost_export::write_geojson(&rows, file),
    }
    .map_err(|e| failed(e.to_string()))?;
    Ok(Written {
        path: path.display().to_string(),
        rows: written.rows,
        without_place: written.without_place,
    })
}

/// A report as print-ready HTML (A4, classification on every page).
#[tauri::command]
pub fn print_report(
    store: tauri::State<'_, AppStore>,
    id: String,
    lang: String,
) -> Result<String, UiError> {
    let (store, id, who, lang) = review_command(&store, &id, &lang)?;
    let doc = cleared(&store, id, &who, lang)?;
    let form = crate::debrief::form_of(&store, &doc, lang)?;
    Ok(outpost_export::print::report_html(form, &doc, lang))
}

/// The week starting `from` (milliseconds) as print-ready HTML.
#[tauri::command]
pub fn weekly_summary(
    store: tauri::State<'_, AppStore>,
    from: i64,
    lang: String,
) -> Result<String, UiError> {
    let (store, who, lang) = reviewer_command(&store, &lang)?;
    outpost_export::summary::weekly_html(
        &store,
        who.clearance,
        Timestamp::from_millis(from),
        now(),
        lang,
    )
    .map_err(|e| UiError::store(e, lang))
}
