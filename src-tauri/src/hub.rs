//! The sync screen: enrol with a hub, sync now with progress as items move,
//! choose the link budget, see what waits and why.

use outpost_report::Lang;
use outpost_store::{HubRecord, Profile, Store, StoreError};
use outpost_sync::LinkBudget;
use outpost_sync::http::{Progress, Stage, SyncError, SyncReport};
use outpost_sync::trust::{EnrolmentCard, Given, parse_fingerprint, trust_for};
use serde::Serialize;
use tauri::Manager;
use tauri::ipc::Channel;

use crate::error::{UiError, lang_of};
use crate::state::{AppStore, now};

/// What is waiting to move, by class, before or after a sync.
#[derive(Debug, Default, Serialize)]
pub struct Pending {
    documents: u64,
    thumbnails_up: u64,
    previews_up: u64,
    originals_up: u64,
    /// Files of reports here that this device does not hold yet.
    files_down: u64,
    bytes_up: u64,
}

#[derive(Debug, Serialize)]
pub struct SyncStatus {
    author: String,
    hub: Option<HubInfo>,
    pending: Pending,
}

/// The hub this device is enrolled with, as screens show it.
#[derive(Debug, Serialize)]
pub struct HubInfo {
    url: String,
    unit: String,
    sector: String,
    role: String,
    clearance: String,
    last_sync_at: Option<i64>,
    /// Whether this device is offered headquarters' actions (the review
    /// workspace), as the policy says for its granted role.
    offers_review: bool,
}

impl From<HubRecord> for HubInfo {
    fn from(h: HubRecord) -> Self {
        HubInfo {
            offers_review: outpost_report::policy::device_offers_review(Some(h.granted_role())),
            url: h.url,
            unit: h.unit,
            sector: h.sector,
            role: h.role,
            clearance: h.clearance,
            last_sync_at: h.last_sync_at.map(|t| t.as_millis()),
        }
    }
}

fn pending(store: &Store, hub_id: &str) -> Result<Pending, StoreError> {
    let mut p = Pending {
        documents: store.count_changed_for(hub_id)?,
        files_down: store.blobs_wanted()?.len() as u64,
        ..Default::default()
    };
    for b in store.blobs_missing_at(hub_id)? {
        p.bytes_up += b.bytes;
        match b.class {
            0 => p.thumbnails_up += 1,
            1 => p.previews_up += 1,
            _ => p.originals_up += 1,
        }
    }
    Ok(p)
}

#[tauri::command]
pub fn sync_status(store: tauri::State<'_, AppStore>, lang: String) -> Result<SyncStatus, UiError> {
    let lang = lang_of(&lang);
    let store = store.store(lang)?;
    let run = || -> Result<SyncStatus, StoreError> {
        let hub = store.hub(None)?;
        Ok(SyncStatus {
            author: store.profile()?.author,
            pending: match &hub {
                Some(h) => pending(&store, &h.hub_id)?,
                None => Pending::default(),
            },
            hub: hub.map(HubInfo::from),
        })
    };
    run().map_err(|e| UiError::store(e, lang))
}

/// The name (rank and name) reports from this device are signed with.
#[tauri::command]
pub fn set_author(
    store: tauri::State<'_, AppStore>,
    author: String,
    lang: String,
) -> Result<(), UiError> {
    let lang = lang_of(&lang);
    let mut store = store.store(lang)?;
    let run = |store: &mut Store| -> Result<(), StoreError> {
        let profile = store.profile()?;
        store.set_profile(&Profile {
            author: author.trim().to_string(),
            ..profile
        })
    };
    run(&mut store).map_err(|e| UiError::store(e, lang))
}

fn network() -> Result<tokio::runtime::Runtime, SyncError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            SyncError::Store(StoreError::Io {
                path: "network runtime".into(),
                source: e,
            })
        })
}

/// Enrols this device with a hub using the one-time code its operator gave
/// (or the card `outpost-enrol:CODE:FINGERPRINT`); `authority` is the
/// mission authority's certificate (PEM) or its fingerprint. The app talks
/// to hubs over HTTPS only.
#[tauri::command]
pub async fn enrol(
    app: tauri::AppHandle,
    url: String,
    code: String,
    authority: Option<String>,
    lang: String,
) -> Result<SyncStatus, UiError> {
    let lang = lang_of(&lang);
    let url = url.trim().to_string();
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 {
        return Err(UiError::app(lang, "app.hub_address", &[("given", url)]));
    }
    let dir = app.state::<AppStore>().dir.clone();
    let key = app.state::<AppStore>().key(lang)?;
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let name = std::fs::read_to_string("/etc/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "outpost tablet".into());
        let run = || -> Result<(), SyncError> {
            let mut store = Store::open(&dir, &key, now())?;
            let card = EnrolmentCard::read(&code);
            let authority = authority.unwrap_or_default();
            let (ca_pem, fingerprint) = if parse_fingerprint(&authority).is_some() {
                (None, Some(authority))
            } else {
                (Some(authority), None)
            };
            let given = Given {
                ca_pem,
                fingerprint: fingerprint.or(card.fingerprint),
                insecure_http: false,
            };
            network()?.block_on(async {
                let trust = trust_for(&url, given, lang).await?;
                outpost_sync::http::enrol(&mut store, &url, &card.code, &name, lang, trust).await
            })?;
            Ok(())
        };
        run().map_err(|e| UiError::sync(e, lang))?;
        sync_status(handle.state::<AppStore>(), lang.as_str().to_string())
    })
    .await
    .unwrap_or_else(|_| Err(UiError::app(lang, "sync.internal", &[])))
}

/// One progress event for the screen.
#[derive(Debug, Clone, Serialize)]
pub struct SyncProgress {
    stage: Stage,
    stage_done: bool,
    docs_up: u64,
    docs_down: u64,
    files_up: u64,
    files_down: u64,
    bytes_up: u64,
    bytes_down: u64,
}

impl From<Progress<'_>> for SyncProgress {
    fn from(p: Progress<'_>) -> Self {
        SyncProgress {
            stage: p.stage,
            stage_done: p.stage_done,
            docs_up: p.so_far.documents.docs_up,
            docs_down: p.so_far.documents.docs_down,
            files_up: p.so_far.blobs_up,
            files_down: p.so_far.blobs_down,
            bytes_up: p.so_far.bytes_up,
            bytes_down: p.so_far.bytes_down,
        }
    }
}

/// Syncs now, within `budget` (`wifi`, `satellite`, `documents`). Runs on its
/// own connection to the store, so the debrief keeps saving while a slow
/// link works; the screen is told as each item moves.
#[tauri::command]
pub async fn sync_now(
    app: tauri::AppHandle,
    budget: String,
    lang: String,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncReport, UiError> {
    let lang: Lang = lang_of(&lang);
    let budget: LinkBudget = budget
        .parse()
        .map_err(|_| UiError::app(lang, "app.unknown_budget", &[("given", budget.clone())]))?;
    let dir = app.state::<AppStore>().dir.clone();
    let key = app.state::<AppStore>().key(lang)?;
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let run = || -> Result<SyncReport, SyncError> {
            let mut store = Store::open(&dir, &key, now())?;
            let hub = store.hub(None)?.ok_or(SyncError::NotEnrolled)?;
            let synced = network()?.block_on(outpost_sync::http::sync_with_progress(
                &mut store,
                &hub,
                &budget,
                lang,
                |p| {
                    // A closed screen stops listening; the sync goes on.
                    let _ = on_progress.send(p.into());
                },
            ));
            synced.map_err(|e| {
                if e.orders_wipe() {
                    // The app's own connection goes first, then the files.
                    handle.state::<AppStore>().lock();
                }
                outpost_sync::http::obey_revocation(store, e)
            })
        };
        run().map_err(|e| UiError::sync(e, lang))
    })
    .await
    .unwrap_or_else(|_| Err(UiError::app(lang, "sync.internal", &[])))
}
