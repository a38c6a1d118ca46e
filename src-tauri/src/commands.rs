//! Tauri commands: thin adapters from the interface to the store.

use std::sync::Mutex;

use outpost_report::{Lang, i18n};
use outpost_store::{ReportFilter, Store, StoreError};
use serde::Serialize;

pub struct AppStore(pub Mutex<Store>);

/// What the interface receives when a command fails.
#[derive(Debug, Serialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

fn ui_error(e: StoreError, lang: Lang) -> UiError {
    UiError {
        code: e.code().to_string(),
        message: i18n::message(lang, e.code(), &e.args()),
    }
}

fn lang_of(lang: &str) -> Lang {
    lang.parse().unwrap_or_default()
}

#[derive(Debug, Serialize)]
pub struct HubLine {
    url: String,
    last_sync_at: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct AppState {
    device_id: String,
    author: String,
    unit: String,
    hub: Option<HubLine>,
    reports_waiting: u64,
}

#[tauri::command]
pub fn app_state(store: tauri::State<'_, AppStore>, lang: String) -> Result<AppState, UiError> {
    let lang = lang_of(&lang);
    let store = store.0.lock().unwrap_or_else(|p| p.into_inner());
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
            hub: hub.map(|h| HubLine {
                url: h.url,
                last_sync_at: h.last_sync_at.map(|t| t.as_millis()),
            }),
            reports_waiting,
        })
    };
    run().map_err(|e| ui_error(e, lang))
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
    /// "local", "at_hub" or "photos_waiting".
    delivery: &'static str,
    photo_files_waiting: u64,
}

#[tauri::command]
pub fn list_reports(
    store: tauri::State<'_, AppStore>,
    lang: String,
) -> Result<Vec<ReportLine>, UiError> {
    let lang = lang_of(&lang);
    let store = store.0.lock().unwrap_or_else(|p| p.into_inner());
    let run = || -> Result<Vec<ReportLine>, StoreError> {
        let mut lines = Vec::new();
        for r in store.list(&ReportFilter::default())? {
            let delivery = store.delivery(r.id)?;
            let (delivery, waiting) = match delivery.first() {
                Some(d) if d.at_hub && d.photo_files_waiting > 0 => {
                    ("photos_waiting", d.photo_files_waiting)
                }
                Some(d) if d.at_hub => ("at_hub", 0),
                _ => ("local", 0),
            };
            lines.push(ReportLine {
                id: r.id.to_string(),
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
                photo_files_waiting: waiting,
            });
        }
        Ok(lines)
    };
    run().map_err(|e| ui_error(e, lang))
}
