//! The Outpost field app. The window shows `ui/dist`; each command here is a
//! few lines over the libraries, and errors reach the interface as
//! `{code, message}` in the language it asked for.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use std::path::PathBuf;
use std::sync::Mutex;

use outpost_report::time::{Clock, SystemClock};
use outpost_store::Store;
use tauri::Manager;

/// Where the app keeps its store: `$OUTPOST_DATA`, else the platform's app
/// data directory.
fn data_dir(app: &tauri::App) -> PathBuf {
    std::env::var_os("OUTPOST_DATA")
        .map(PathBuf::from)
        .or_else(|| app.path().app_data_dir().ok())
        .unwrap_or_else(|| PathBuf::from("outpost-data"))
}

fn main() {
    tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app);
            let store = Store::open(&dir, SystemClock.now())
                .map_err(|e| format!("cannot open the store in {}: {e}", dir.display()))?;
            app.manage(commands::AppStore(Mutex::new(store)));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::list_reports
        ])
        .run(tauri::generate_context!())
        .expect("the Outpost window runs");
}
