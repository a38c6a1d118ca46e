//! One document's changes on the wire ([`DocPush`]), built and applied the
//! same way by both ends of an exchange; each end decides what a refusal means.

use std::collections::{BTreeMap, BTreeSet};

use outpost_report::signature::{self, PublicKey};
use outpost_report::{ChangeHash, DocumentError, ReportDoc, ReportId};
use outpost_store::{ChangeSignature, Grant as StoredGrant, Store, StoreError, grant_bytes_of};

use crate::protocol::{ChangeSig, DocPush, Voucher};
use crate::{change_hashes, raw_heads, raw_id, report_id};

/// What the peer lacks of `doc`, given the heads it is known to hold: the
/// changes after them, or the whole document if there are none — or if we no
/// longer hold those heads ourselves (a store restored from a backup) — with
/// the signatures this store holds for those changes. `authors` gains the
/// devices that signed them, for the vouchers that go along.
pub(crate) fn push_of(
    store: &Store,
    doc: &mut ReportDoc,
    peer_heads: Option<&str>,
    authors: &mut BTreeSet<String>,
) -> Result<DocPush, StoreError> {
    let base = peer_heads
        .and_then(outpost_store::parse_heads)
        .unwrap_or_default();
    let base = if doc.has_heads(&base) {
        base
    } else {
        Vec::new()
    };
    // One signature per device covers its changes before it: send, for each
    // device, the signatures of its latest changes here, as few as cover all.
    let changes = signature::changes_by_device(doc, &base);
    let hashes: Vec<[u8; 32]> = changes.iter().map(|(h, _)| *h).collect();
    let stored: BTreeMap<[u8; 32], ChangeSignature> = store
        .signatures_of(&hashes)?
        .into_iter()
        .map(|s| (s.hash, s))
        .collect();
    let mut covered = BTreeSet::new();
    let mut sigs = Vec::new();
    for (hash, device) in changes.iter().rev() {
        if covered.contains(hash) {
            continue;
        }
        let Some(sig) = stored.get(hash).filter(|s| s.device == *device) else {
            continue;
        };
        covered.extend(signature::covered(
            doc,
            &changes,
            &[(*hash, device.clone())],
        ));
        authors.insert(device.clone());
        sigs.push(sig.clone());
    }
    Ok(DocPush {
        id: raw_id(doc.id()),
        base: raw_heads(&base),
        heads: raw_heads(&doc.head_hashes()),
        payload: doc.changes_since(&base),
        sigs: sigs
            .into_iter()
            .map(|s| ChangeSig {
                hash: s.hash,
                sig: s.signature,
            })
            .collect(),
    })
}

/// This store's word (as a hub) for the keys and grants of `authors`,
/// except `skip` (the receiver knows its own key). A device whose grant this
/// store does not know is not vouched for.
pub(crate) fn vouchers_for(
    store: &Store,
    authors: &BTreeSet<String>,
    skip: &str,
) -> Result<Vec<Voucher>, StoreError> {
    if authors.iter().all(|a| a == skip) {
        return Ok(Vec::new());
    }
    let keys = store.device_keys()?;
    let grants = store.device_grants()?;
    let mut out = Vec::new();
    for author in authors.iter().filter(|a| a.as_str() != skip) {
        let (Some(key), Some(grant), Ok(device)) = (
            keys.get(author),
            grants.get(author),
            author.parse::<uuid::Uuid>(),
        ) else {
            continue;
        };
        let device = *device.as_bytes();
        if let Some(sig) = store.vouch(&device, key, grant) {
            out.push(Voucher {
                device,
                key: *key.as_bytes(),
                role: grant.role.clone(),
                unit: grant.unit.clone(),
                sector: grant.sector.clone(),
                clearance: grant.clearance.clone(),
                sig,
            });
        }
    }
    Ok(out)
}

/// A key and grant a hub vouched for, checked.
pub(crate) struct Vouched {
    pub device: String,
    pub key: PublicKey,
    pub grant: StoredGrant,
}

/// The keys and grants `vouchers` vouch for, each checked against the
/// voucher's signer `by`; a voucher that does not verify vouches for nothing.
fn vouched_keys(by: Option<&PublicKey>, vouchers: &[Voucher]) -> Vec<Vouched> {
    let Some(by) = by else { return Vec::new() };
    vouchers
        .iter()
        .filter_map(|v| {
            let key = PublicKey::from_bytes(&v.key)?;
            let grant = StoredGrant {
                role: v.role.clone(),
                unit: v.unit.clone(),
                sector: v.sector.clone(),
                clearance: v.clearance.clone(),
            };
            by.verifies_voucher(&v.device, &key, &grant_bytes_of(&grant), &v.sig)
                .then(|| Vouched {
                    device: uuid::Uuid::from_bytes(v.device).to_string(),
                    key,
                    grant,
                })
        })
        .collect()
}

/// Takes in what `signer` (a hub) vouched for: vouchers that verify under
/// its key in `keys`, for devices whose key is not known yet — a key once
/// known is never replaced by anyone's word. Their keys join `keys`; the
/// returned ones are to be recorded with the changes they came with.
pub(crate) fn take_vouchers(
    keys: &mut BTreeMap<String, PublicKey>,
    signer: &str,
    vouchers: &[Voucher],
) -> Vec<Vouched> {
    let vouched: Vec<Vouched> = vouched_keys(keys.get(signer), vouchers)
        .into_iter()
        .filter(|v| !keys.contains_key(&v.device))
        .collect();
    keys.extend(vouched.iter().map(|v| (v.device.clone(), v.key)));
    vouched
}

/// Why a change's signature was not accepted.
pub(crate) enum Unsigned {
    /// No signature for a change of a device whose key is known.
    Missing,
    /// A signature that does not verify.
    Bad,
}

/// Checks the signatures of the changes in `doc` after `before` against
/// `keys`: every new change of a device whose key is known must be covered
/// by a valid signature of that device. Returns the signatures to keep, and
/// how many new changes are of devices with no known key (legacy
/// enrolments), or why the push is refused.
pub(crate) fn verify_changes(
    doc: &mut ReportDoc,
    before: &[ChangeHash],
    sigs: &[ChangeSig],
    keys: &BTreeMap<String, PublicKey>,
) -> Result<(Vec<ChangeSignature>, usize), Unsigned> {
    let changes = signature::changes_by_device(doc, before);
    let mut heads = Vec::new();
    let mut verified = Vec::new();
    for s in sigs {
        // A signature of a change the document does not hold vouches for nothing.
        let Some(actor) = doc.actor_of(&s.hash) else {
            continue;
        };
        let device = signature::device_of_actor(&actor);
        match keys.get(&device) {
            Some(key) if key.verifies_change(&s.hash, &s.sig) => {
                heads.push((s.hash, device.clone()));
                verified.push(ChangeSignature {
                    hash: s.hash,
                    device,
                    signature: s.sig,
                });
            }
            Some(_) => return Err(Unsigned::Bad),
            None => {}
        }
    }
    let covered = signature::covered(doc, &changes, &heads);
    let mut unknown = 0;
    for (hash, device) in &changes {
        if keys.contains_key(device) {
            if !covered.contains(hash) {
                return Err(Unsigned::Missing);
            }
        } else {
            unknown += 1;
        }
    }
    Ok((verified, unknown))
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
