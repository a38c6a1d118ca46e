//! Every refusal a hub answers with: an HTTP status, a stable code, and a
//! message in the client's language. Never a bare 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use outpost_report::{Lang, i18n};
use outpost_store::StoreError;
use outpost_sync::protocol::ErrorBody;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub lang: Lang,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, lang: Lang) -> ApiError {
        ApiError {
            status,
            code,
            args: Vec::new(),
            lang,
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> ApiError {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn store(e: StoreError, lang: Lang) -> ApiError {
        let status = match &e {
            StoreError::DiskFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            StoreError::NotFound(_) | StoreError::BlobMissing { .. } => StatusCode::NOT_FOUND,
            StoreError::PartialOffset { .. } => StatusCode::CONFLICT,
            StoreError::BlobCorrupt { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // "The device is out of storage space" would send the person at the
        // tablet looking for space on the wrong machine.
        let code = match &e {
            StoreError::DiskFull(_) => "sync.hub_disk_full",
            _ => e.code(),
        };
        ApiError {
            status,
            code,
            args: e.args(),
            lang,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = i18n::message(self.lang, self.code, &self.args);
        (
            self.status,
            Json(ErrorBody {
                code: self.code.to_string(),
                message,
            }),
        )
            .into_response()
    }
}
