//! Synchronisation between devices and hubs, and between hubs.
//!
//! - [`protocol`]: the versioned wire messages (postcard + zstd).
//! - [`serve`]: the hub's side of an exchange, over a [`Store`]: apply what a
//!   peer pushed, answer with what it may see and lacks. No HTTP here.
//! - [`session`]: the device's side: plan a request from the store, apply the
//!   response. No network here either, so tests can drive both ends directly.
//! - [`http`]: the HTTP client and the [`http::sync`] driver that runs a
//!   whole sync (documents, then thumbnails, previews, originals) within a
//!   [`LinkBudget`].
//!
//! The same client serves a tablet syncing with its camp hub and a hub
//! syncing upstream, so a review written at HQ reaches a tablet through any
//! number of hops.

pub mod http;
pub mod protocol;
mod push;
pub mod serve;
pub mod session;
mod transfer;
pub mod trust;

use outpost_report::{ChangeHash, ReportId};
use serde::{Deserialize, Serialize};

pub use outpost_report::policy::Role;

/// How much a link may carry in one sync: documents always go; blobs go by
/// class (thumbnails, then previews, then originals) within a byte budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkBudget {
    /// 0 = thumbnails, 1 = up to previews, 2 = everything. `None`: documents only.
    pub max_class: Option<u8>,
    /// Blob bytes (both ways) this sync may spend.
    pub max_blob_bytes: Option<u64>,
}

impl LinkBudget {
    /// Camp Wi-Fi: everything.
    pub fn wifi() -> Self {
        LinkBudget {
            max_class: Some(2),
            max_blob_bytes: None,
        }
    }
    /// A metered satellite terminal: documents and thumbnails, at most 5 MB of photos.
    pub fn satellite() -> Self {
        LinkBudget {
            max_class: Some(0),
            max_blob_bytes: Some(5_000_000),
        }
    }
    pub fn documents_only() -> Self {
        LinkBudget {
            max_class: None,
            max_blob_bytes: Some(0),
        }
    }
}

impl std::str::FromStr for LinkBudget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wifi" | "camp-wifi" => Ok(LinkBudget::wifi()),
            "satellite" | "sat" => Ok(LinkBudget::satellite()),
            "documents" | "docs" => Ok(LinkBudget::documents_only()),
            other => Err(format!(
                "unknown link budget {other:?}; expected wifi, satellite or documents"
            )),
        }
    }
}

pub(crate) fn raw_id(id: ReportId) -> protocol::RawId {
    *id.as_uuid().as_bytes()
}

pub(crate) fn report_id(raw: &protocol::RawId) -> ReportId {
    ReportId::from_uuid(uuid::Uuid::from_bytes(*raw))
}

/// Heads as the store keeps them, from the wire's raw hashes.
pub(crate) fn heads_to_json(heads: &[protocol::RawHash]) -> String {
    outpost_store::heads_json(&change_hashes(heads))
}

pub(crate) fn raw_heads(heads: &[ChangeHash]) -> Vec<protocol::RawHash> {
    heads.iter().map(|h| h.0).collect()
}

pub(crate) fn change_hashes(raw: &[protocol::RawHash]) -> Vec<ChangeHash> {
    raw.iter().map(|h| ChangeHash(*h)).collect()
}
