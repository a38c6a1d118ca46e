//! The device's side of an exchange: what to push, and how to apply what
//! came back. Transport-free, so it runs against [`crate::serve`] directly
//! in tests and over HTTP in [`crate::http`].

use std::collections::{BTreeMap, BTreeSet};

use outpost_report::policy;
use outpost_report::signature::PublicKey;
use outpost_report::{Authority, ReportDoc, ReportId, Timestamp};
use outpost_store::{ChangeSignature, HubRecord, Store, StoreError};
use serde::Serialize;

use crate::protocol::{DocPush, SyncRequest, SyncResponse, VERSION};
use crate::push::{
    Unsigned, Unusable, apply_push, local_copy, push_of, take_vouchers, verify_changes,
    vouchers_for,
};
use crate::{heads_to_json, raw_id, report_id};

/// How many documents one request pushes at most, and roughly how many
/// payload bytes.
pub const PUSH_DOCS: usize = 200;
pub const PUSH_BYTES: usize = 1024 * 1024;

/// What one sync moved and what it left waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub docs_up: u64,
    pub docs_down: u64,
    pub round_trips: u64,
    /// Documents the hub refused, with the reason code.
    pub rejected: BTreeMap<String, String>,
}

/// A sync in progress with one hub.
#[derive(Debug)]
pub struct Session {
    peer: String,
    cursor: u64,
    /// Documents to push whole next time (the hub lacked their base).
    push_whole: BTreeSet<ReportId>,
    /// Documents to ask for whole (we lacked their base).
    ask_whole: BTreeSet<ReportId>,
    /// Refused this session: not pushed again until the next sync.
    refused: BTreeSet<ReportId>,
    more: bool,
    started: bool,
    pub tally: Tally,
}

impl Session {
    pub fn new(hub: &HubRecord) -> Session {
        Session {
            peer: hub.hub_id.clone(),
            cursor: hub.cursor.max(0) as u64,
            push_whole: BTreeSet::new(),
            ask_whole: BTreeSet::new(),
            refused: BTreeSet::new(),
            more: false,
            started: false,
            tally: Tally::default(),
        }
    }

    /// The next request, or `None` when this sync has nothing left to do.
    pub fn next_request(&mut self, store: &Store) -> Result<Option<SyncRequest>, StoreError> {
        let mut docs = Vec::new();
        let mut bytes = 0;
        let mut authors = BTreeSet::new();
        for out in store.documents_changed_for(&self.peer, PUSH_DOCS + self.refused.len())? {
            if self.refused.contains(&out.id) {
                continue;
            }
            if docs.len() >= PUSH_DOCS || bytes >= PUSH_BYTES {
                break;
            }
            // Asked to push it whole: forget what the hub was thought to hold.
            let peer_heads = out
                .peer_heads
                .as_deref()
                .filter(|_| !self.push_whole.contains(&out.id));
            let push = push_of(store, &mut store.load(out.id)?, peer_heads, &mut authors)?;
            bytes += push.payload.len();
            docs.push(push);
        }
        if self.started && docs.is_empty() && self.ask_whole.is_empty() && !self.more {
            return Ok(None);
        }
        self.started = true;
        // A hub relaying upstream vouches for the devices whose changes it
        // carries; a tablet carries only its own, which need no voucher.
        let vouchers = vouchers_for(store, &authors, &store.device_id().to_string())?;
        Ok(Some(SyncRequest {
            version: VERSION,
            request_id: rand::random(),
            since: self.cursor,
            docs,
            need_full: self.ask_whole.iter().map(|id| raw_id(*id)).collect(),
            vouchers,
        }))
    }

    /// Applies a response: records what the hub now holds, stores what it
    /// sent (merging with local edits), and moves the cursor — in that order,
    /// each step durable, so an interruption anywhere only repeats work.
    pub fn apply(
        &mut self,
        store: &mut Store,
        req: &SyncRequest,
        resp: SyncResponse,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.tally.round_trips += 1;
        let pushed: BTreeMap<_, _> = req.docs.iter().map(|d| (d.id, d)).collect();
        let held: Vec<(ReportId, String)> = resp
            .accepted
            .iter()
            .filter_map(|id| {
                pushed
                    .get(id)
                    .map(|d| (report_id(id), heads_to_json(&d.heads)))
            })
            .collect();
        self.tally.docs_up += held.len() as u64;
        store.set_peer_heads(&self.peer, &held)?;
        for id in &resp.accepted {
            self.push_whole.remove(&report_id(id));
        }
        for id in &resp.need_full {
            let id = report_id(id);
            // Asked twice for the same document whole: something else is wrong.
            if !self.push_whole.insert(id) {
                self.refused.insert(id);
                self.tally
                    .rejected
                    .insert(id.to_string(), "document.missing_changes".into());
            }
        }
        for r in &resp.rejected {
            let id = report_id(&r.id);
            self.refused.insert(id);
            self.tally.rejected.insert(id.to_string(), r.code.clone());
        }

        let mut incoming = Vec::new();
        let mut records = Vec::new();
        let mut hub_heads = Vec::new();
        let mut sigs = Vec::new();
        // Keys are read only when documents came: a reconnect with nothing
        // new costs no more than before signatures.
        let mut keys = BTreeMap::new();
        if !resp.docs.is_empty() {
            keys = store.device_keys()?;
            // Changes in this device's own name that it did not sign are forged.
            if let Some(own) = store.public_key() {
                keys.insert(store.device_id().to_string(), own);
            }
        }
        // The hub's word for its authors' keys, checked against the key it
        // gave at enrolment.
        let vouched = take_vouchers(&mut keys, &self.peer, &resp.vouchers);
        for push in &resp.docs {
            let id = report_id(&push.id);
            match receive(store, push, &keys) {
                Ok((doc, record, verified)) => {
                    sigs.extend(verified);
                    self.ask_whole.remove(&id);
                    hub_heads.push((id, heads_to_json(&push.heads)));
                    // On a camp hub, what the hub above sent is served to the
                    // camp's tablets by its record, vouched for by that hub.
                    records.push((
                        id,
                        Authority {
                            vouched_by: Some(self.peer.clone()),
                            ..record
                        },
                    ));
                    incoming.push(doc);
                }
                Err(Incoming::AskWhole) if !self.ask_whole.contains(&id) => {
                    self.ask_whole.insert(id);
                }
                Err(Incoming::AskWhole) => {
                    self.ask_whole.remove(&id);
                    self.tally
                        .rejected
                        .insert(id.to_string(), "document.missing_changes".into());
                }
                Err(Incoming::Refuse(code)) => {
                    self.ask_whole.remove(&id);
                    self.tally.rejected.insert(id.to_string(), code.into());
                }
            }
        }
        self.tally.docs_down += incoming.len() as u64;
        if !incoming.is_empty() {
            store.save_all(&mut incoming, now)?;
            store.record_authority(&records, now)?;
            store.add_signatures(&sigs)?;
            for v in &vouched {
                store.record_device_key(&v.device, &v.key, &self.peer, Some(&v.grant))?;
            }
        }
        store.set_peer_heads(&self.peer, &hub_heads)?;
        self.cursor = resp.cursor;
        self.more = resp.more;
        store.set_hub_cursor(&self.peer, resp.cursor as i64, now)?;
        Ok(())
    }
}

enum Incoming {
    AskWhole,
    Refuse(&'static str),
}

/// Applies what the hub sent to the local copy, and checks that the result
/// is still a report in shape and that every new change of a device whose
/// key is known carries its valid signature, before anything is stored: a
/// hostile hub's document is refused here as it would be at a hub. Changes
/// of devices with no known key (enrolled before keys) stay unverified.
fn receive(
    store: &Store,
    push: &DocPush,
    keys: &BTreeMap<String, PublicKey>,
) -> Result<(ReportDoc, Authority, Vec<ChangeSignature>), Incoming> {
    let mut local =
        local_copy(store, report_id(&push.id)).map_err(|_| Incoming::Refuse("document.corrupt"))?;
    let before = local
        .as_mut()
        .map(ReportDoc::head_hashes)
        .unwrap_or_default();
    let mut doc = apply_push(local, push).map_err(|why| match why {
        Unusable::MissingBase | Unusable::HeadsMismatch => Incoming::AskWhole,
        Unusable::WrongDocument => Incoming::Refuse("sync.wrong_document"),
        Unusable::Corrupt(code) => Incoming::Refuse(code),
    })?;
    let facts = doc.facts().map_err(|e| Incoming::Refuse(e.code()))?;
    let (verified, _unknown) =
        verify_changes(&mut doc, &before, &push.sigs, keys).map_err(|why| match why {
            Unsigned::Bad => Incoming::Refuse("policy.bad_signature"),
            Unsigned::Missing => Incoming::Refuse("policy.unsigned"),
        })?;
    Ok((doc, policy::record_of_document(&facts), verified))
}
