//! One document's changes on the wire ([`DocPush`]), built and applied the
//! same way by both ends of an exchange; each end decides what a refusal means.

use outpost_report::{DocumentError, ReportDoc, ReportId};
use outpost_store::{Store, StoreError};

use crate::protocol::DocPush;
use crate::{change_hashes, raw_heads, raw_id, report_id};

/// What the peer lacks of `doc`, given the heads it is known to hold: the
/// changes after them, or the whole document if there are none — or if we no
/// longer hold those heads ourselves (a store restored from a backup).
pub(crate) fn push_of(doc: &mut ReportDoc, peer_heads: Option<&str>) -> DocPush {
    let base = peer_heads
        .and_then(outpost_store::parse_heads)
        .unwrap_or_default();
    let base = if doc.has_heads(&base) {
        base
    } else {
        Vec::new()
    };
    DocPush {
        id: raw_id(doc.id()),
        base: raw_heads(&base),
        heads: raw_heads(&doc.head_hashes()),
        payload: doc.changes_since(&base),
    }
}

/// The stored copy of a report, if this store has one.
pub(crate) fn local_copy(store: &Store, id: ReportId) -> Result<Option<ReportDoc>, StoreError> {
    match store.load(id) {
        Ok(doc) => Ok(Some(doc)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Why a push could not be applied.
pub(crate) enum Unusable {
    /// The changes build on something this side lacks: ask for it whole.
    MissingBase,
    /// A whole document arrived under another report's id.
    WrongDocument,
    /// The result does not hold the heads the push claimed.
    HeadsMismatch,
    /// Not a readable report document (the document error's code).
    Corrupt(&'static str),
}

/// `local` with the push applied, or the pushed document itself when there
/// is no local copy.
pub(crate) fn apply_push(local: Option<ReportDoc>, push: &DocPush) -> Result<ReportDoc, Unusable> {
    let corrupt = |e: DocumentError| match e {
        DocumentError::MissingChanges { .. } => Unusable::MissingBase,
        other => Unusable::Corrupt(other.code()),
    };
    let mut doc = match (local, push.base.is_empty()) {
        (local, true) => {
            let mut incoming = ReportDoc::load(&push.payload).map_err(corrupt)?;
            if incoming.id() != report_id(&push.id) {
                return Err(Unusable::WrongDocument);
            }
            match local {
                Some(mut doc) => {
                    doc.merge(&mut incoming).map_err(corrupt)?;
                    doc
                }
                None => incoming,
            }
        }
        (None, false) => return Err(Unusable::MissingBase),
        (Some(mut doc), false) => {
            doc.apply_changes(&push.payload).map_err(corrupt)?;
            doc
        }
    };
    if !doc.has_heads(&change_hashes(&push.heads)) {
        return Err(Unusable::HeadsMismatch);
    }
    Ok(doc)
}
