//! Unlock, lock and wipe: the screen in front of everything else.

use outpost_store::Passphrase;
use serde::Serialize;

use crate::error::{UiError, lang_of};
use crate::state::AppStore;

#[derive(Debug, Serialize)]
pub struct LockState {
    /// A key exists: the screen asks for the PIN rather than a new one.
    set_up: bool,
    unlocked: bool,
    /// The shortest PIN accepted when setting up.
    min_length: usize,
    lock_after_seconds: u64,
}

/// Where the app stands; asking does not count as activity.
#[tauri::command]
pub fn lock_state(store: tauri::State<'_, AppStore>) -> LockState {
    LockState {
        set_up: outpost_store::has_key(&store.dir),
        unlocked: store.is_unlocked(),
        min_length: outpost_store::MIN_PASSPHRASE_CHARS,
        lock_after_seconds: store.lock_after.as_secs(),
    }
}

#[tauri::command]
pub fn unlock(
    store: tauri::State<'_, AppStore>,
    pin: String,
    lang: String,
) -> Result<LockState, UiError> {
    store.unlock(&Passphrase::new(pin), lang_of(&lang))?;
    Ok(lock_state(store))
}

#[tauri::command]
pub fn lock_now(store: tauri::State<'_, AppStore>) -> LockState {
    store.lock();
    lock_state(store)
}

/// Destroys this device's key, then its data. The screen asks once to
/// confirm; no PIN is needed (whoever holds the tablet in danger wipes it).
#[tauri::command]
pub fn wipe_device(store: tauri::State<'_, AppStore>, lang: String) -> Result<LockState, UiError> {
    store.wipe(lang_of(&lang))?;
    Ok(lock_state(store))
}
