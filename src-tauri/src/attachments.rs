//! Photos and voice notes: files arrive as the raw body of the call (no
//! base64 or JSON arrays for a 10 MB photo), are checked and processed by the
//! libraries, and are read back as raw bytes for thumbnails and playback.

use outpost_report::{Lang, PhotoId, ReportId, VoiceNoteId};
use tauri::Manager;
use tauri::ipc::{InvokeBody, Request, Response};

use crate::debrief::{ReportView, parse_id, view};
use crate::error::{UiError, lang_of};
use crate::state::{AppStore, now};

/// The file and the named headers of an upload call.
struct Upload {
    bytes: Vec<u8>,
    report: ReportId,
    lang: Lang,
    step: Option<String>,
}

fn upload(request: &Request<'_>) -> Result<Upload, UiError> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let lang = lang_of(&header("lang").unwrap_or_default());
    let report = parse_id(&header("report").unwrap_or_default(), lang)?;
    let bytes = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        // Webviews without raw IPC bodies send the bytes as JSON, as an array
        // or an object keyed by index; anything else is an empty file.
        InvokeBody::Json(json) => bytes_of_json(json),
    };
    Ok(Upload {
        bytes,
        report,
        lang,
        step: header("step").filter(|s| !s.is_empty()),
    })
}

fn bytes_of_json(json: &serde_json::Value) -> Vec<u8> {
    let byte = |v: &serde_json::Value| v.as_u64().and_then(|n| u8::try_from(n).ok());
    match json {
        serde_json::Value::Array(items) => items.iter().filter_map(byte).collect(),
        serde_json::Value::Object(map) => {
            let mut indexed: Vec<(usize, u8)> = map
                .iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, byte(v)?)))
                .collect();
            indexed.sort_unstable();
            indexed.into_iter().map(|(_, b)| b).collect()
        }
        _ => Vec::new(),
    }
}

/// Adds a photo from a file. Decoding a large photo takes most of a second,
/// so it runs off the interface's thread; a corrupt or unsupported file comes
/// back as an error for the screen, never a crash.
#[tauri::command]
pub async fn add_photo(app: tauri::AppHandle, request: Request<'_>) -> Result<ReportView, UiError> {
    let up = upload(&request)?;
    tauri::async_runtime::spawn_blocking(move || {
        let lang = up.lang;
        let processed = outpost_media::process(&up.bytes, &Default::default())
            .map_err(|e| UiError::app(lang, e.code(), &e.args()))?;
        let state = app.state::<AppStore>();
        let mut store = state.store(lang)?;
        let field = store
            .attachment_field(up.report, |k| {
                matches!(k, outpost_report::FieldKind::Photos { .. })
            })
            .map_err(|e| UiError::store(e, lang))?;
        let id = PhotoId::from_uuid(uuid::Uuid::now_v7());
        store
            .add_photo(up.report, &processed, field.as_deref(), false, id, now())
            .map_err(|e| UiError::store(e, lang))?;
        view(&store, up.report, lang)
    })
    .await
    .unwrap_or_else(|_| Err(UiError::app(Lang::En, "photo.unknown", &[])))
}

/// Adds a voice note (recorded in the window, or an audio file) at a step.
#[tauri::command]
pub async fn add_voice_note(
    app: tauri::AppHandle,
    request: Request<'_>,
) -> Result<ReportView, UiError> {
    let up = upload(&request)?;
    tauri::async_runtime::spawn_blocking(move || {
        let lang = up.lang;
        let state = app.state::<AppStore>();
        let mut store = state.store(lang)?;
        let field = store
            .attachment_field(up.report, |k| {
                matches!(k, outpost_report::FieldKind::VoiceNotes { .. })
            })
            .map_err(|e| UiError::store(e, lang))?;
        let id = VoiceNoteId::from_uuid(uuid::Uuid::now_v7());
        store
            .add_voice_note(
                up.report,
                &up.bytes,
                up.step.as_deref(),
                field.as_deref(),
                id,
                now(),
            )
            .map_err(|e| UiError::store(e, lang))?;
        view(&store, up.report, lang)
    })
    .await
    .unwrap_or_else(|_| Err(UiError::app(Lang::En, "voice.unsupported", &[])))
}

/// A stored file (thumbnail, preview, voice note) by its hash, as raw bytes.
#[tauri::command]
pub fn file(
    store: tauri::State<'_, AppStore>,
    sha256: String,
    lang: String,
) -> Result<Response, UiError> {
    let lang = lang_of(&lang);
    let store = store.store(lang)?;
    // A file is shown only as part of a report the person may see.
    let run = || -> Result<Option<Vec<u8>>, outpost_store::StoreError> {
        if store.viewer_may_see_blob(&store.viewer()?, &sha256)? {
            store.read_blob(&sha256).map(Some)
        } else {
            Ok(None)
        }
    };
    match run().map_err(|e| UiError::store(e, lang))? {
        Some(bytes) => Ok(Response::new(bytes)),
        None => Err(UiError::app(lang, "app.not_cleared", &[])),
    }
}
