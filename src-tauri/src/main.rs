//! The Outpost field app. The window shows `ui/dist`; each command here is a
//! few lines over the libraries, and errors reach the interface as
//! `{code, message}` in the language it asked for.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod attachments;
mod debrief;
mod error;
mod home;
mod hub;
mod lock;
mod review;
mod state;

use std::path::PathBuf;

use std::time::Duration;

use tauri::Manager;

/// Where the app keeps its store: `$OUTPOST_DATA`, else the platform's app
/// data directory.
fn data_dir(app: &tauri::App) -> PathBuf {
    std::env::var_os("OUTPOST_DATA")
        .map(PathBuf::from)
        .or_else(|| app.path().app_data_dir().ok())
        .unwrap_or_else(|| PathBuf::from("outpost-data"))
}

/// How long the app stays unlocked with nothing done: `$OUTPOST_LOCK_AFTER`
/// seconds, else five minutes.
fn lock_after() -> Duration {
    std::env::var("OUTPOST_LOCK_AFTER")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map_or(Duration::from_secs(5 * 60), Duration::from_secs)
}

fn main() {
    // Whatever the app writes outside the store (nothing, today) is private too.
    // SAFETY: called once at start, before any thread exists.
    unsafe {
        libc::umask(0o077);
    }
    outpost_sync::http::install_crypto();
    tauri::Builder::default()
        .setup(|app| {
            // The store stays locked until the PIN is given on the lock screen.
            app.manage(state::AppStore::new(data_dir(app), lock_after()));
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    handle.state::<state::AppStore>().lock_if_idle();
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            home::app_state,
            home::list_reports,
            debrief::forms,
            debrief::start_report,
            debrief::open_report,
            debrief::save_answer,
            debrief::save_note,
            debrief::set_step,
            debrief::submit_report,
            debrief::add_comment,
            attachments::add_photo,
            attachments::add_voice_note,
            attachments::file,
            hub::sync_status,
            hub::set_author,
            hub::enrol,
            hub::sync_now,
            review::review_list,
            review::review_points,
            review::review_pipeline,
            review::review_report,
            review::review_status,
            review::review_comment,
            review::resolve_conflict,
            review::review_stage,
            review::review_link,
            review::review_declassify,
            review::ask_unit,
            review::review_export,
            review::print_report,
            review::weekly_summary,
            home::standing_questions,
            lock::lock_state,
            lock::unlock,
            lock::lock_now,
            lock::wipe_device,
        ])
        .run(tauri::generate_context!())
        .expect("the Outpost window runs");
}
