//! What "signed" means in Outpost.
//!
//! Every device (tablets, headquarters laptops, hubs) holds an ed25519 key;
//! its hub recorded the public half at enrolment. A device signs each
//! automerge change it authors, over the change's hash. A hub vouches for the
//! keys of the devices enrolled with it when it relays their changes to the
//! hub above, by signing (device id, key). So a relay can withhold a change,
//! but cannot make one that verifies as another device's.
//!
//! A signature over one change vouches for every earlier change of the same
//! device it builds on (automerge hashes chain), so a push carries one
//! signature per device: its latest change there ([`covered`]).
//!
//! Each signed message starts with its own domain tag, so a change signature
//! can never be replayed as a voucher or the other way round.

use std::collections::BTreeSet;

use ed25519_dalek::Signer;

use crate::ReportDoc;

/// A signature as it travels and is stored.
pub type Signature = [u8; 64];

const CHANGE_TAG: &[u8] = b"outpost/change/v1\0";
const VOUCHER_TAG: &[u8] = b"outpost/voucher/v2\0";

/// A device's private signing key.
pub struct DeviceKey(ed25519_dalek::SigningKey);

/// A device's public key, as a hub records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl DeviceKey {
    /// A key from 32 secret bytes (the caller draws them from the system's
    /// random source once, and keeps them in the store).
    pub fn from_secret(secret: [u8; 32]) -> DeviceKey {
        DeviceKey(ed25519_dalek::SigningKey::from_bytes(&secret))
    }

    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs a change this device made, by its hash.
    pub fn sign_change(&self, hash: &[u8; 32]) -> Signature {
        self.0.sign(&tagged(CHANGE_TAG, &[hash])).to_bytes()
    }

    /// Vouches, as a hub, that `device` holds `key` and was granted
    /// `grant` (see [`grant_bytes`]).
    pub fn vouch(&self, device: &[u8; 16], key: &PublicKey, grant: &[u8]) -> Signature {
        self.0
            .sign(&tagged(VOUCHER_TAG, &[device, key.as_bytes(), grant]))
            .to_bytes()
    }
}

impl PublicKey {
    /// A key from its 32 bytes; `None` if they are not a valid key.
    pub fn from_bytes(bytes: &[u8]) -> Option<PublicKey> {
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .ok()
            .map(PublicKey)
    }

    /// A key from its 64 hexadecimal characters.
    pub fn from_hex(hex: &str) -> Option<PublicKey> {
        if hex.len() != 64 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..32)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        PublicKey::from_bytes(&bytes?)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    pub fn to_hex(&self) -> String {
        self.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `sig` is this key's signature of the change `hash`.
    pub fn verifies_change(&self, hash: &[u8; 32], sig: &Signature) -> bool {
        self.0
            .verify_strict(
                &tagged(CHANGE_TAG, &[hash]),
                &ed25519_dalek::Signature::from_bytes(sig),
            )
            .is_ok()
    }

    /// Whether `sig` is this (hub's) key vouching that `device` holds `key`
    /// and was granted `grant`.
    pub fn verifies_voucher(
        &self,
        device: &[u8; 16],
        key: &PublicKey,
        grant: &[u8],
        sig: &Signature,
    ) -> bool {
        self.0
            .verify_strict(
                &tagged(VOUCHER_TAG, &[device, key.as_bytes(), grant]),
                &ed25519_dalek::Signature::from_bytes(sig),
            )
            .is_ok()
    }
}

/// A grant as a voucher signs it: role, unit, sector and clearance, each
/// length-prefixed so that no two grants encode alike.
pub fn grant_bytes(role: &str, unit: &str, sector: &str, clearance: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [role, unit, sector, clearance] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// The device behind an automerge actor id: its first 16 bytes (a session
/// number may follow), as the device id's text.
pub fn device_of_actor(actor: &[u8]) -> String {
    actor
        .get(..16)
        .and_then(|b| uuid::Uuid::from_slice(b).ok())
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// Which of `changes` (hash, device) are vouched for by the signed changes
/// `signed` (hash, device): a signature over a change covers that change and
/// every earlier change of the same device it builds on, since a change's
/// hash commits to the hashes it depends on. So one signature per device per
/// push is enough, whatever the number of its changes.
pub fn covered(
    doc: &mut ReportDoc,
    changes: &[([u8; 32], String)],
    signed: &[([u8; 32], String)],
) -> BTreeSet<[u8; 32]> {
    let mut out = BTreeSet::new();
    for (head, device) in signed {
        let mine: BTreeSet<[u8; 32]> = changes
            .iter()
            .filter(|(_, d)| d == device)
            .map(|(h, _)| *h)
            .collect();
        out.extend(doc.covered_by(head, &mine));
    }
    out
}

/// Every change of `doc` after `heads` with its device.
pub fn changes_by_device(
    doc: &mut ReportDoc,
    heads: &[automerge::ChangeHash],
) -> Vec<([u8; 32], String)> {
    doc.changes_after(heads)
        .into_iter()
        .map(|(hash, actor)| (hash, device_of_actor(&actor)))
        .collect()
}

fn tagged(tag: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = tag.to_vec();
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_signature_verifies_only_for_its_key_and_hash() {
        let key = DeviceKey::from_secret([7; 32]);
        let other = DeviceKey::from_secret([8; 32]);
        let sig = key.sign_change(&[1; 32]);
        assert!(key.public().verifies_change(&[1; 32], &sig));
        assert!(
            !key.public().verifies_change(&[2; 32], &sig),
            "another change"
        );
        assert!(
            !other.public().verifies_change(&[1; 32], &sig),
            "another key"
        );
        let mut bent = sig;
        bent[10] ^= 1;
        assert!(
            !key.public().verifies_change(&[1; 32], &bent),
            "a bit flipped"
        );
    }

    #[test]
    fn a_voucher_is_not_a_change_signature() {
        let hub = DeviceKey::from_secret([1; 32]);
        let device = DeviceKey::from_secret([2; 32]).public();
        let grant = grant_bytes("field", "ALPHA", "East", "CONFIDENTIAL");
        let voucher = hub.vouch(&[3; 16], &device, &grant);
        assert!(
            hub.public()
                .verifies_voucher(&[3; 16], &device, &grant, &voucher)
        );
        assert!(
            !hub.public()
                .verifies_voucher(&[4; 16], &device, &grant, &voucher)
        );
        let promoted = grant_bytes("hq", "ALPHA", "East", "CONFIDENTIAL");
        assert!(
            !hub.public()
                .verifies_voucher(&[3; 16], &device, &promoted, &voucher),
            "a grant cannot be changed under the voucher"
        );
        let mut as_hash = [0u8; 32];
        as_hash[..16].copy_from_slice(&[3; 16]);
        assert!(!hub.public().verifies_change(&as_hash, &voucher));
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let key = DeviceKey::from_secret([9; 32]).public();
        assert_eq!(PublicKey::from_hex(&key.to_hex()), Some(key));
        assert_eq!(PublicKey::from_hex("zz"), None);
    }
}
