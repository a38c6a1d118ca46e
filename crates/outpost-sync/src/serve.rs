//! The hub's side of a sync exchange, over a store. Transport-free: the hub
//! binary wraps it in HTTP, tests call it directly.

use std::collections::{BTreeMap, BTreeSet};

use outpost_report::policy::{self, Role};
use outpost_report::signature::PublicKey;
use outpost_report::{
    Authority, Catalog, Classification, DeviceId, Facts, Grant, ReportDoc, ReportId, Timestamp,
};
use outpost_store::{ChangeSignature, Grant as StoredGrant, Scope, Store, StoreError};

use crate::protocol::{DocPush, RawId, Rejected, SyncRequest, SyncResponse, VERSION, Voucher};
use crate::push::{self, Unusable, apply_push, local_copy, push_of};
use crate::{heads_to_json, report_id};

/// How many documents one response carries at most, and roughly how many
/// payload bytes: a response that is cut on a bad link costs at most this.
pub const BATCH_DOCS: usize = 500;
pub const BATCH_BYTES: usize = 2 * 1024 * 1024;

/// Documents one request may push; more is refused whole (a device pushes
/// at most [`crate::session::PUSH_DOCS`]).
pub const MAX_PUSH_DOCS: usize = 200;
/// Operations one push may add per byte of its payload (plus a floor): a
/// run-length encoded bomb expands far beyond this; real edits stay under 1.
pub const OPS_PER_BYTE: u64 = 8;
pub const OPS_FLOOR: u64 = 2_000;

/// The peer on the other end of an exchange, as its credential says.
#[derive(Debug, Clone)]
pub struct Peer {
    pub device_id: String,
    pub scope: Scope,
    /// What the hub granted it: what the policy decides on.
    pub grant: Grant,
}

impl Peer {
    /// A peer with this grant.
    pub fn new(
        device_id: &str,
        role: Role,
        unit: &str,
        sector: &str,
        clearance: Classification,
    ) -> Peer {
        Peer::granted(
            device_id,
            &StoredGrant {
                unit: unit.to_string(),
                sector: sector.to_string(),
                role: role.as_str().to_string(),
                clearance: clearance.as_str().to_string(),
            },
        )
    }

    /// The peer `device_id` is, from the grant its hub holds.
    pub fn granted(device_id: &str, grant: &StoredGrant) -> Peer {
        let grant = grant.for_device(device_id);
        Peer {
            device_id: device_id.to_string(),
            scope: Scope::of(&grant),
            grant,
        }
    }

    /// The peer an enrolled device is.
    pub fn enrolled(device: &outpost_store::EnrolledDevice) -> Peer {
        Peer::granted(&device.device_id, &device.grant)
    }
}

/// Why an exchange failed as a whole (a pushed document that fails is
/// answered in `rejected` instead, and the rest go through).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("protocol version {0} is not supported")]
    Version(u16),
    #[error("{0} documents in one request; at most {MAX_PUSH_DOCS}")]
    TooManyDocuments(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A pushed document with what the hub held of it before: read under the
/// store's lock, vetted without it.
pub struct Intake {
    push: DocPush,
    local: Option<ReportDoc>,
    authority: Option<Authority>,
}

/// What a request brought, read from the store: step one of an exchange.
pub struct Prepared {
    intakes: Vec<Intake>,
    /// Devices enrolled at this hub directly (a relay may not speak for them).
    enrolled_here: BTreeSet<[u8; 16]>,
    catalog: std::sync::Arc<Catalog>,
    /// Every device key this hub knows, by device id.
    keys: BTreeMap<String, PublicKey>,
    /// What each device this hub knows of was granted (enrolled here, or
    /// vouched for by a relay).
    grants: BTreeMap<String, StoredGrant>,
    /// What a relay vouched for in this request.
    vouchers: Vec<Voucher>,
}

/// One report received from a peer, checked and ready to store.
struct Received {
    id: RawId,
    doc: ReportDoc,
    peer_heads: String,
    record: Authority,
    /// The verified signatures of the changes it brought.
    sigs: Vec<ChangeSignature>,
}

/// What vetting decided: step two of an exchange.
pub struct Vetted {
    received: Vec<Received>,
    need_full: Vec<RawId>,
    rejected: Vec<Rejected>,
    /// Device keys and grants a relay vouched for, verified: recorded with
    /// the changes.
    vouched: Vec<push::Vouched>,
}

/// Step one, under the store's lock: the stored copy and record of every
/// pushed document. Decoding what the peer sent happens in [`vet`].
pub fn prepare(store: &Store, peer: &Peer, req: &SyncRequest) -> Result<Prepared, ServeError> {
    if req.version != VERSION {
        return Err(ServeError::Version(req.version));
    }
    if req.docs.len() > MAX_PUSH_DOCS {
        return Err(ServeError::TooManyDocuments(req.docs.len()));
    }
    let mut seen = BTreeSet::new();
    let mut intakes = Vec::new();
    for push in &req.docs {
        if !seen.insert(push.id) {
            continue; // the same document twice in one body: once is enough
        }
        let id = report_id(&push.id);
        intakes.push(Intake {
            push: push.clone(),
            local: local_copy(store, id).unwrap_or(None),
            authority: store.authority(id)?,
        });
    }
    // Keys and grants are read only when something was pushed: a reconnect
    // with nothing new costs no more than before signatures.
    let pushed = !intakes.is_empty();
    let enrolled_here = if pushed && peer.grant.role == Role::Hub {
        store
            .enrolled_devices()?
            .iter()
            .filter_map(|d| d.device_id.parse::<DeviceId>().ok())
            .map(|d| *d.as_uuid().as_bytes())
            .collect()
    } else {
        BTreeSet::new()
    };
    Ok(Prepared {
        intakes,
        enrolled_here,
        catalog: store.shared_catalog(),
        keys: if pushed {
            store.device_keys()?
        } else {
            BTreeMap::new()
        },
        grants: if pushed {
            store.device_grants()?
        } else {
            BTreeMap::new()
        },
        vouchers: req.vouchers.clone(),
    })
}

/// Step two, with no lock held: applies each push to its stored copy and
/// checks the result's shape and every change against the policy. A
/// hostile push costs only its own sender's time.
pub fn vet(peer: &Peer, prepared: Prepared) -> Vetted {
    let Prepared {
        intakes,
        enrolled_here,
        catalog,
        mut keys,
        grants,
        vouchers,
    } = prepared;
    // Only a relay vouches.
    let vouched = if peer.grant.role == Role::Hub {
        push::take_vouchers(&mut keys, &peer.device_id, &vouchers)
    } else {
        Vec::new()
    };
    // What each author may do: its grant as recorded here or as vouched for
    // now, never above the relay's clearance.
    let mut authors: BTreeMap<String, Grant> = BTreeMap::new();
    for (device, g) in grants
        .iter()
        .chain(vouched.iter().map(|v| (&v.device, &v.grant)))
    {
        authors.entry(device.clone()).or_insert_with(|| {
            let mut grant = g.for_device(device);
            grant.clearance = grant.clearance.min(peer.grant.clearance);
            grant
        });
    }
    let mut vetted = Vetted {
        received: Vec::new(),
        need_full: Vec::new(),
        rejected: Vec::new(),
        vouched,
    };
    let context = Context {
        enrolled_here: &enrolled_here,
        catalog: &catalog,
        keys: &keys,
        authors: &authors,
    };
    for intake in intakes {
        let id = intake.push.id;
        match vet_one(peer, &context, intake) {
            Ok(r) => vetted.received.push(r),
            Err("document.missing_changes") => vetted.need_full.push(id),
            Err(code) => vetted.rejected.push(Rejected {
                id,
                code: code.to_string(),
            }),
        }
    }
    vetted
}

/// What vetting one document needs besides the document.
struct Context<'a> {
    enrolled_here: &'a BTreeSet<[u8; 16]>,
    catalog: &'a Catalog,
    keys: &'a BTreeMap<String, PublicKey>,
    /// Each author's grant, for changes a relay carries.
    authors: &'a BTreeMap<String, Grant>,
}

fn vet_one(peer: &Peer, context: &Context<'_>, intake: Intake) -> Result<Received, &'static str> {
    let Intake {
        push,
        local,
        authority,
    } = intake;
    let mut local = local;
    let (before, before_heads, before_ops) = match local.as_mut() {
        Some(doc) => (
            Some((doc.facts().map_err(|e| e.code())?, policy::shares_of(doc))),
            doc.head_hashes(),
            doc.op_count(),
        ),
        None => (None, Vec::new(), 0),
    };
    // A relay's changes are replayed one at a time from here, each checked
    // against its own author's grant.
    let start = (peer.grant.role == Role::Hub)
        .then(|| local.clone())
        .flatten();
    let mut doc = apply_push(local, &push).map_err(|why| match why {
        Unusable::MissingBase => "document.missing_changes",
        Unusable::WrongDocument => "sync.wrong_document",
        Unusable::HeadsMismatch => "sync.heads_mismatch",
        Unusable::Corrupt(code) => code,
    })?;
    let added = doc.op_count().saturating_sub(before_ops);
    if added > OPS_FLOOR + OPS_PER_BYTE * push.payload.len() as u64 {
        return Err("document.too_large");
    }
    let after = doc.facts().map_err(|e| e.code())?;
    let refused = |r: policy::Refusal| r.code();
    policy::check_actors(
        &peer.grant,
        doc.actors_since(&before_heads).iter().map(Vec::as_slice),
        |device| <[u8; 16]>::try_from(device).is_ok_and(|d| context.enrolled_here.contains(&d)),
    )
    .map_err(refused)?;
    let sigs = match push::verify_changes(&mut doc, &before_heads, &push.sigs, context.keys) {
        Ok((sigs, 0)) => sigs,
        // A device enrolled before keys existed has none on record: its
        // own changes are taken unverified. A relay must vouch for every
        // device whose changes it carries.
        Ok((sigs, _)) if peer.grant.role != Role::Hub => sigs,
        Ok(_) | Err(push::Unsigned::Missing) => {
            return Err("policy.unsigned");
        }
        Err(push::Unsigned::Bad) => return Err("policy.bad_signature"),
    };
    let record = if peer.grant.role == Role::Hub {
        relayed(
            peer,
            context,
            start,
            before,
            authority,
            &mut doc,
            &before_heads,
        )?
    } else {
        match before {
            Some((before, shares)) => {
                // Held without a record (stored before records existed, or
                // made here): the document as stored stands in for it.
                let record = authority.unwrap_or_else(|| policy::record_of_document(&before));
                policy::check_change(&peer.grant, &record, &before, &shares, &after)
                    .map_err(refused)?;
                record
            }
            None => {
                check_new(context, &peer.grant, &after)?;
                policy::record_for(&peer.grant, &after)
            }
        }
    };
    Ok(Received {
        id: push.id,
        doc,
        peer_heads: heads_to_json(&push.heads),
        // Lowering was checked above: the record follows what was accepted.
        record: Authority {
            floor: after.classification(),
            ..record
        },
        sigs,
    })
}

/// Checks a report `grant`'s device brings for the first time, by its form.
fn check_new(context: &Context<'_>, grant: &Grant, facts: &Facts) -> Result<(), &'static str> {
    let form = context
        .catalog
        .get(facts.fixed_value("form"))
        .ok_or("document.unknown_form")?;
    policy::check_create(grant, facts, form.headquarters_only).map_err(|r| r.code())
}

/// Checks what a relay carries change by change, in causal order, each
/// against the grant of the device that made it (signatures already proved
/// who that was): a relay carries what its devices may do, and no more.
/// Returns the report's record.
fn relayed(
    peer: &Peer,
    context: &Context<'_>,
    start: Option<ReportDoc>,
    before: Option<(Facts, BTreeSet<String>)>,
    authority: Option<Authority>,
    doc: &mut ReportDoc,
    before_heads: &[outpost_report::ChangeHash],
) -> Result<Authority, &'static str> {
    let mut state = start;
    let mut prev = before;
    let mut record =
        authority.or_else(|| prev.as_ref().map(|(f, _)| policy::record_of_document(f)));
    for (actor, bytes) in doc.raw_changes_after(before_heads) {
        let device = outpost_report::signature::device_of_actor(&actor);
        let grant = context.authors.get(&device).ok_or("policy.unsigned")?;
        let next = match state.take() {
            Some(mut s) => {
                s.apply_changes(&bytes).map_err(|e| e.code())?;
                s
            }
            None => ReportDoc::load(&bytes).map_err(|e| e.code())?,
        };
        let facts = next.facts().map_err(|e| e.code())?;
        match (&prev, &record) {
            (Some((b, shares)), Some(r)) => {
                policy::check_change(grant, r, b, shares, &facts).map_err(|r| r.code())?;
            }
            _ => {
                check_new(context, grant, &facts)?;
                record = Some(Authority {
                    vouched_by: Some(peer.device_id.clone()),
                    ..policy::record_for(grant, &facts)
                });
            }
        }
        prev = Some((facts, policy::shares_of(&next)));
        state = Some(next);
    }
    record.ok_or("document.bad_shape")
}

/// Handles one exchange: stores what the peer pushed (durably, before
/// answering), then answers with what the peer may see and lacks. The three
/// steps in one call, for callers that hold the store alone.
pub fn handle_sync(
    store: &mut Store,
    peer: &Peer,
    req: &SyncRequest,
    now: Timestamp,
) -> Result<SyncResponse, ServeError> {
    let prepared = prepare(store, peer, req)?;
    let vetted = vet(peer, prepared);
    conclude(store, peer, req, vetted, now)
}

/// Step three, under the store's lock: stores what was accepted with its
/// record, then answers with what the peer may see and lacks.
pub fn conclude(
    store: &mut Store,
    peer: &Peer,
    req: &SyncRequest,
    vetted: Vetted,
    now: Timestamp,
) -> Result<SyncResponse, ServeError> {
    store.acknowledge_pending(&peer.device_id, req.since as i64)?;
    let Vetted {
        received,
        need_full,
        rejected,
        vouched,
    } = vetted;
    let mut accepted = Vec::new();
    if !received.is_empty() {
        accepted.extend(received.iter().map(|r| r.id));
        let mut held = Vec::new();
        let mut records = Vec::new();
        let mut docs = Vec::new();
        let mut sigs = Vec::new();
        for r in received {
            let id = report_id(&r.id);
            held.push((id, r.peer_heads));
            records.push((id, r.record));
            docs.push(r.doc);
            sigs.extend(r.sigs);
        }
        store.save_all(&mut docs, now)?;
        store.record_authority(&records, now)?;
        store.add_signatures(&sigs)?;
        for v in &vouched {
            store.record_device_key(&v.device, &v.key, &peer.device_id, Some(&v.grant))?;
        }
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
    let mut authors = BTreeSet::new();
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
        let Some(push) = push_for(
            store,
            out.id,
            peer_heads.filter(|_| !wanted_whole.contains(&out.id)),
            &mut authors,
            now,
        )?
        else {
            continue;
        };
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
        let Some(push) = push_for(store, *id, None, &mut authors, now)? else {
            continue;
        };
        sent.push((*id, heads_to_json(&push.heads)));
        docs.push(push);
    }
    store.record_pending(&peer.device_id, cursor, &sent)?;
    let vouchers = push::vouchers_for(store, &authors, &peer.device_id)?;
    Ok(SyncResponse {
        version: VERSION,
        cursor: cursor as u64,
        more,
        accepted,
        need_full,
        rejected,
        docs,
        vouchers,
    })
}

/// The changes `peer_heads` lacks, or the whole document. A stored document
/// that no longer loads is set aside, never sent, and never fails the
/// exchange of the peer that would have received it.
fn push_for(
    store: &mut Store,
    id: ReportId,
    peer_heads: Option<&str>,
    authors: &mut BTreeSet<String>,
    now: Timestamp,
) -> Result<Option<DocPush>, StoreError> {
    match store.load(id) {
        Ok(mut doc) => Ok(Some(push_of(store, &mut doc, peer_heads, authors)?)),
        Err(StoreError::Document(e)) => {
            store.quarantine(id, e.code(), now)?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The reports file `sha256` may be uploaded for by `peer`: those that name
/// it and whose content the peer may change. The hub records them as the
/// file's origin once its bytes are in and verified.
pub fn uploadable_for(
    store: &Store,
    peer: &Peer,
    sha256: &str,
) -> Result<Vec<ReportId>, StoreError> {
    let mut out = Vec::new();
    for id in store.reports_of_blob(sha256)? {
        let doc = match store.load(id) {
            Ok(doc) => doc,
            Err(StoreError::Document(_)) => continue,
            Err(e) => return Err(e),
        };
        let Ok(facts) = doc.facts() else { continue };
        let record = match store.authority(id)? {
            Some(record) => record,
            None => policy::record_of_document(&facts),
        };
        if policy::may_write(&peer.grant, &record, &policy::shares_of(&doc)) {
            out.push(id);
        }
    }
    Ok(out)
}
