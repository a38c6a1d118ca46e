//! Home: the device, its hub, and my reports with where each stands.

use std::collections::{HashMap, HashSet};

use outpost_report::{ReportId, ReviewStatus, STANDING_QUESTION};
use outpost_store::{Delivery, ReportFilter, Store, StoreError};
use serde::Serialize;

use crate::error::{UiError, lang_of};
use crate::hub::HubInfo;
use crate::state::AppStore;

/// Reports listed on home: the newest; older ones are found by search.
const HOME_PAGE: u32 = 200;

/// A debrief left open (the app was closed, crashed or lost power).
#[derive(Debug, Serialize)]
pub struct Resume {
    report_id: String,
    step: usize,
}

#[derive(Debug, Serialize)]
pub struct AppState {
    device_id: String,
    author: String,
    unit: String,
    hub: Option<HubInfo>,
    reports_waiting: u64,
    /// Reports in the store (home shows the newest [`HOME_PAGE`]).
    reports_total: u64,
    /// Reports with news from headquarters (status or comments) not seen yet.
    news: usize,
    resume: Option<Resume>,
}

#[tauri::command]
pub fn app_state(store: tauri::State<'_, AppStore>, lang: String) -> Result<AppState, UiError> {
    let lang = lang_of(&lang);
    let store = store.store(lang)?;
    let run = || -> Result<AppState, StoreError> {
        let profile = store.profile()?;
        let hub = store.hub(None)?;
        let reports_waiting = match &hub {
            Some(h) => store.count_changed_for(&h.hub_id)?,
            None => 0,
        };
        Ok(AppState {
            device_id: store.device_id().to_string(),
            author: profile.author,
            unit: profile.unit,
            hub: hub.map(HubInfo::from),
            reports_waiting,
            // Headquarters' standing questions are listed apart from the reports.
            reports_total: store.count(&store.viewer()?.filter(my_reports()))?,
            news: store.reports_with_news()?.len(),
            resume: store.open_debrief()?.map(|d| Resume {
                report_id: d.report.to_string(),
                step: d.step,
            }),
        })
    };
    run().map_err(|e| UiError::store(e, lang))
}

#[derive(Debug, Serialize)]
pub struct ReportLine {
    id: String,
    kind: String,
    title: String,
    status: String,
    classification: String,
    language: String,
    updated_at: i64,
    photos: i64,
    comments: i64,
    conflicts: i64,
    /// "local", "at_hub", "changes_waiting" or "photos_waiting".
    delivery: &'static str,
    photo_files_waiting: u64,
    /// Headquarters changed its status or commented since it was last opened here.
    news: bool,
}

/// Where a report stands with the hub, for a line on a screen.
pub fn delivery_line(d: Option<&Delivery>) -> (&'static str, u64) {
    match d {
        Some(d) if d.at_hub && d.photo_files_waiting > 0 => {
            ("photos_waiting", d.photo_files_waiting)
        }
        Some(d) if d.at_hub => ("at_hub", 0),
        Some(d) if d.earlier_at_hub => ("changes_waiting", 0),
        _ => ("local", 0),
    }
}

/// Where `ids` stand with the hub this device syncs with, in one query.
pub fn deliveries(
    store: &Store,
    ids: &[ReportId],
) -> Result<HashMap<ReportId, Delivery>, StoreError> {
    match store.hub(None)? {
        Some(hub) => store.deliveries_to(&hub, ids),
        None => Ok(HashMap::new()),
    }
}

/// The reports home lists as this device's: every kind but headquarters'
/// standing questions, which have a list of their own.
fn my_reports() -> ReportFilter {
    ReportFilter {
        exclude_kind: Some(STANDING_QUESTION.into()),
        ..Default::default()
    }
}

/// The lines of the reports `filter` selects, with where each stands.
fn lines(store: &Store, filter: ReportFilter) -> Result<Vec<ReportLine>, StoreError> {
    let news: HashSet<_> = store.reports_with_news()?.into_iter().collect();
    // On a headquarters device the store holds every unit's reports: what
    // is listed stays within the device's clearance (and what it wrote).
    let reports = store.list(&store.viewer()?.filter(filter))?;
    let ids: Vec<ReportId> = reports.iter().map(|r| r.id).collect();
    let deliveries = deliveries(store, &ids)?;
    Ok(reports
        .into_iter()
        .map(|r| {
            let (delivery, photo_files_waiting) = delivery_line(deliveries.get(&r.id));
            ReportLine {
                id: r.id.to_string(),
                news: news.contains(&r.id),
                kind: r.kind,
                title: r.title,
                status: r.status,
                classification: r.classification,
                language: r.language,
                updated_at: r.updated_at.as_millis(),
                photos: r.photos,
                comments: r.comments,
                conflicts: r.conflicts,
                delivery,
                photo_files_waiting,
            }
        })
        .collect())
}

#[tauri::command]
pub fn list_reports(
    store: tauri::State<'_, AppStore>,
    lang: String,
) -> Result<Vec<ReportLine>, UiError> {
    let newest = ReportFilter {
        limit: Some(HOME_PAGE),
        ..my_reports()
    };
    let lang = lang_of(&lang);
    lines(&*store.store(lang)?, newest).map_err(|e| UiError::store(e, lang))
}

/// What headquarters asked this unit to look for, still standing.
#[tauri::command]
pub fn standing_questions(
    store: tauri::State<'_, AppStore>,
    lang: String,
) -> Result<Vec<ReportLine>, UiError> {
    let asked = ReportFilter {
        kind: Some(STANDING_QUESTION.into()),
        ..Default::default()
    };
    let lang = lang_of(&lang);
    let mut found = lines(&*store.store(lang)?, asked).map_err(|e| UiError::store(e, lang))?;
    found.retain(|l| l.status != ReviewStatus::Closed.as_str());
    Ok(found)
}
