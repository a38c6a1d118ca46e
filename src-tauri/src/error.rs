//! What the interface receives when a command fails: a stable code and a
//! message in the language the interface asked for.

use outpost_report::{DocumentError, Lang, i18n};
use outpost_store::StoreError;
use outpost_sync::http::SyncError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl UiError {
    /// An error of the app itself, from a code with English and French messages.
    pub fn app(lang: Lang, code: &str, args: &[(&str, String)]) -> UiError {
        UiError {
            code: code.to_string(),
            message: i18n::message(lang, code, args),
        }
    }

    pub fn store(e: StoreError, lang: Lang) -> UiError {
        UiError::app(lang, e.code(), &e.args())
    }

    pub fn document(e: DocumentError, lang: Lang) -> UiError {
        UiError::app(lang, e.code(), &e.args())
    }

    pub fn sync(e: SyncError, lang: Lang) -> UiError {
        let (code, message) = e.localised(lang);
        UiError { code, message }
    }
}

/// The language the interface asked in; English if it sent something else.
pub fn lang_of(lang: &str) -> Lang {
    lang.parse().unwrap_or_default()
}
