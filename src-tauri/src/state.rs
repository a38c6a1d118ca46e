//! The store the app works on, shared by every command — while it is
//! unlocked. Locked, the app holds neither the store nor its key: the
//! commands answer `app.locked` and the screen asks for the PIN again.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Lang, Timestamp};
use outpost_store::{DataKey, Passphrase, Store};

use crate::error::UiError;

struct Unlocked {
    store: Store,
    key: DataKey,
}

pub struct AppStore {
    open: Mutex<Option<Unlocked>>,
    /// When a command last used the store: idle longer than `lock_after`,
    /// the app locks itself.
    last_used: Mutex<Instant>,
    pub lock_after: Duration,
    /// Where the store lives: a sync opens its own connection there so that
    /// saving answers never waits for a slow link.
    pub dir: PathBuf,
}

/// The unlocked store, borrowed for one command.
pub struct StoreGuard<'a>(MutexGuard<'a, Option<Unlocked>>);

impl std::ops::Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        // A guard is only made over an unlocked store (see `AppStore::store`).
        &self
            .0
            .as_ref()
            .expect("a guard holds an unlocked store")
            .store
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self
            .0
            .as_mut()
            .expect("a guard holds an unlocked store")
            .store
    }
}

impl AppStore {
    pub fn new(dir: PathBuf, lock_after: Duration) -> AppStore {
        AppStore {
            open: Mutex::new(None),
            last_used: Mutex::new(Instant::now()),
            lock_after,
            dir,
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Unlocked>> {
        // Every write is a transaction, so what is on disk is consistent even
        // if an earlier command panicked while holding the store.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// The store, if unlocked; using it counts as activity.
    pub fn store(&self, lang: Lang) -> Result<StoreGuard<'_>, UiError> {
        let slot = self.slot();
        if slot.is_none() {
            return Err(UiError::app(lang, "app.locked", &[]));
        }
        self.touch();
        Ok(StoreGuard(slot))
    }

    /// The data key, for work on a connection of its own (a sync).
    pub fn key(&self, lang: Lang) -> Result<DataKey, UiError> {
        match self.slot().as_ref() {
            Some(open) => {
                self.touch();
                Ok(open.key.clone())
            }
            None => Err(UiError::app(lang, "app.locked", &[])),
        }
    }

    pub fn is_unlocked(&self) -> bool {
        self.slot().is_some()
    }

    /// Unlocks with the PIN or passphrase (setting the store up with it the
    /// first time).
    pub fn unlock(&self, passphrase: &Passphrase, lang: Lang) -> Result<(), UiError> {
        let mut slot = self.slot();
        if slot.is_some() {
            return Ok(());
        }
        let key = outpost_store::unlock(&self.dir, passphrase, now())
            .map_err(|e| UiError::store(e, lang))?;
        let store = Store::open(&self.dir, &key, now()).map_err(|e| UiError::store(e, lang))?;
        *slot = Some(Unlocked { store, key });
        drop(slot);
        self.touch();
        Ok(())
    }

    /// Closes the store and forgets its key.
    pub fn lock(&self) {
        *self.slot() = None;
    }

    /// Locks if nothing used the store for `lock_after`; says whether it did.
    pub fn lock_if_idle(&self) -> bool {
        let idle = self
            .last_used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed();
        if idle >= self.lock_after && self.is_unlocked() {
            self.lock();
            return true;
        }
        false
    }

    /// Locks, then destroys the key and the data.
    pub fn wipe(&self, lang: Lang) -> Result<(), UiError> {
        let mut slot = self.slot();
        *slot = None;
        outpost_store::wipe(&self.dir).map_err(|e| UiError::store(e, lang))
    }
}

pub fn now() -> Timestamp {
    SystemClock.now()
}
