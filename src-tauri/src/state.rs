//! The store the app works on, shared by every command.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use outpost_report::Timestamp;
use outpost_report::time::{Clock, SystemClock};
use outpost_store::Store;

pub struct AppStore {
    store: Mutex<Store>,
    /// Where the store lives: a sync opens its own connection there so that
    /// saving answers never waits for a slow link.
    pub dir: PathBuf,
}

impl AppStore {
    pub fn new(store: Store) -> AppStore {
        let dir = store.dir().to_path_buf();
        AppStore {
            store: Mutex::new(store),
            dir,
        }
    }

    /// The store, even if an earlier command panicked while holding it: every
    /// write is a transaction, so what is on disk is consistent either way.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn now() -> Timestamp {
    SystemClock.now()
}
