//! The hub's side of a sync exchange, over a store. Transport-free: the hub
//! binary wraps it in HTTP, tests call it directly.

use std::collections::BTreeSet;

use outpost_report::{ReportDoc, ReportId, Timestamp};
use outpost_store::{Scope, Store, StoreError};

use crate::protocol::{DocPush, Rejected, SyncRequest, SyncResponse, VERSION};
use crate::push::{Unusable, apply_push, local_copy, push_of};
use crate::{heads_to_json, report_id};

/// How many documents one response carries at most, and roughly how many
/// payload bytes: a response that is cut on a bad link costs at most this.
pub const BATCH_DOCS: usize = 500;
pub const BATCH_BYTES: usize = 2 * 1024 * 1024;

/// The peer on the other end of an exchange, as its credential says.
#[derive(Debug, Clone)]
pub struct Peer {
    pub device_id: String,
    pub scope: Scope,
}

/// Why an exchange failed as a whole (a pushed document that fails is
/// answered in `rejected` instead, and the rest go through).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("protocol version {0} is not supported")]
    Version(u16),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One report received from a peer, ready to store.
struct Received {
    doc: ReportDoc,
    peer_heads: String,
}

fn receive(store: &Store, peer: &Peer, push: &DocPush) -> Result<Received, &'static str> {
    let local = local_copy(store, report_id(&push.id)).map_err(|e| e.code())?;
    let doc = apply_push(local, push).map_err(|why| match why {
        Unusable::MissingBase => "document.missing_changes",
        Unusable::WrongDocument => "sync.wrong_document",
        Unusable::HeadsMismatch => "sync.heads_mismatch",
        Unusable::Corrupt(code) => code,
    })?;
    // A device may not bring in what it could not receive: it is not cleared for it.
    if doc.meta().classification > peer.scope.clearance {
        return Err("sync.forbidden");
    }
    Ok(Received {
        doc,
        peer_heads: heads_to_json(&push.heads),
    })
}

/// Handles one exchange: stores what the peer pushed (durably, before
/// answering), then answers with what the peer may see and lacks.
pub fn handle_sync(
    store: &mut Store,
    peer: &Peer,
    req: &SyncRequest,
    now: Timestamp,
) -> Result<SyncResponse, ServeError> {
    if req.version != VERSION {
        return Err(ServeError::Version(req.version));
    }
    store.acknowledge_pending(&peer.device_id, req.since as i64)?;

    let mut accepted = Vec::new();
    let mut need_full = Vec::new();
    let mut rejected = Vec::new();
    let mut received = Vec::new();
    let mut seen = BTreeSet::new();
    for push in &req.docs {
        if !seen.insert(push.id) {
            continue; // the same document twice in one body: once is enough
        }
        match receive(store, peer, push) {
            Ok(r) => received.push((push.id, r)),
            Err("document.missing_changes") => need_full.push(push.id),
            Err(code) => rejected.push(Rejected {
                id: push.id,
                code: code.to_string(),
            }),
        }
    }
    if !received.is_empty() {
        accepted.extend(received.iter().map(|(id, _)| *id));
        let (held, mut docs): (Vec<(ReportId, String)>, Vec<ReportDoc>) = received
            .into_iter()
            .map(|(id, r)| ((report_id(&id), r.peer_heads), r.doc))
            .unzip();
        store.save_all(&mut docs, now)?;
        store.set_peer_heads(&peer.device_id, &held)?;
    }

    // What the peer lacks: everything visible written after its cursor, and
    // whatever it asked to get whole.
    let top = store.current_seq()?;
    let candidates = store.documents_after(
        req.since as i64,
        &peer.scope,
        &peer.device_id,
        BATCH_DOCS + 1,
    )?;
    let truncated_by_count = candidates.len() > BATCH_DOCS;
    let mut cursor = req.since as i64;
    let mut docs = Vec::new();
    let mut bytes = 0usize;
    let mut more = false;
    let mut sent = Vec::new();
    let wanted_whole: BTreeSet<ReportId> = req.need_full.iter().map(report_id).collect();
    for out in candidates.iter().take(BATCH_DOCS) {
        if out.seq > top {
            break;
        }
        if bytes >= BATCH_BYTES {
            more = true;
            break;
        }
        cursor = out.seq;
        let peer_heads = out.peer_heads.as_deref();
        if peer_heads == Some(out.heads.as_str()) && !wanted_whole.contains(&out.id) {
            continue;
        }
        let push = push_for(
            store,
            out.id,
            peer_heads.filter(|_| !wanted_whole.contains(&out.id)),
        )?;
        bytes += push.payload.len();
        sent.push((out.id, heads_to_json(&push.heads)));
        docs.push(push);
    }
    if !more && !truncated_by_count {
        cursor = top.max(req.since as i64);
    } else {
        more = true;
    }
    for id in &wanted_whole {
        if docs.iter().any(|d| report_id(&d.id) == *id) || !store.scope_admits(&peer.scope, *id)? {
            continue;
        }
        let push = push_for(store, *id, None)?;
        sent.push((*id, heads_to_json(&push.heads)));
        docs.push(push);
    }
    store.record_pending(&peer.device_id, cursor, &sent)?;
    Ok(SyncResponse {
        version: VERSION,
        cursor: cursor as u64,
        more,
        accepted,
        need_full,
        rejected,
        docs,
    })
}

/// The changes `peer_heads` lacks, or the whole document.
fn push_for(store: &Store, id: ReportId, peer_heads: Option<&str>) -> Result<DocPush, StoreError> {
    Ok(push_of(&mut store.load(id)?, peer_heads))
}
