//! The wire protocol, version 2 (see `docs/protocol.md`).
//!
//! One exchange moves every changed document both ways: the device sends what
//! the hub lacks and its cursor into the hub's sequence; the hub answers with
//! what it accepted and what the device lacks. Bodies are postcard (compact
//! binary serde) compressed with zstd; ids and hashes travel as raw bytes.

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const VERSION: u16 = 2;
/// The header that carries the protocol version on every request.
pub const VERSION_HEADER: &str = "x-outpost-protocol";
/// The media type of sync bodies.
pub const CONTENT_TYPE: &str = "application/x-outpost-sync";
/// Largest sync body a hub accepts (compressed).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Largest sync body once decompressed: a bomb guard.
pub const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

pub type RawId = [u8; 16];
pub type RawHash = [u8; 32];

/// A document's changes: either its whole compact saved form (`base` empty)
/// or the changes after `base`, which the receiver is known to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocPush {
    pub id: RawId,
    pub base: Vec<RawHash>,
    /// The sender's heads once the payload is applied.
    pub heads: Vec<RawHash>,
    pub payload: Vec<u8>,
    /// Signatures of the changes in `payload`, each by the device that made
    /// it (the change's actor), for those the sender holds one.
    pub sigs: Vec<ChangeSig>,
}

/// A device's ed25519 signature of one change, by the change's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSig {
    pub hash: RawHash,
    #[serde(with = "serde_big_array")]
    pub sig: [u8; 64],
}

/// The sender (a hub) vouches that `device` holds `key` and was granted
/// role, unit, sector and clearance: its signature over all of them. Each hop
/// re-vouches for what it verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    pub device: RawId,
    pub key: [u8; 32],
    /// What the device was granted: role, unit, sector, clearance.
    pub role: String,
    pub unit: String,
    pub sector: String,
    pub clearance: String,
    #[serde(with = "serde_big_array")]
    pub sig: [u8; 64],
}

/// Serde for 64-byte arrays (serde derives arrays up to 32).
mod serde_big_array {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        let (a, b) = bytes.split_at(32);
        let a: [u8; 32] = a.try_into().unwrap_or([0; 32]);
        let b: [u8; 32] = b.try_into().unwrap_or([0; 32]);
        (a, b).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let (a, b) = <([u8; 32], [u8; 32])>::deserialize(d)?;
        let mut out = [0; 64];
        out[..32].copy_from_slice(&a);
        out[32..].copy_from_slice(&b);
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u16,
    /// Random per request: a replayed body is refused.
    pub request_id: [u8; 16],
    /// The hub sequence number this device has applied everything up to.
    pub since: u64,
    pub docs: Vec<DocPush>,
    /// Documents the device could not apply incrementally: send them whole.
    pub need_full: Vec<RawId>,
    /// A relay hub's word for the keys of the devices whose changes it carries.
    pub vouchers: Vec<Voucher>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub id: RawId,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u16,
    /// Apply `docs`, then send this as `since` next time.
    pub cursor: u64,
    /// More documents wait after `cursor`: ask again.
    pub more: bool,
    /// Pushed documents now durably held by the hub (at the pushed heads).
    pub accepted: Vec<RawId>,
    /// Pushed documents whose changes built on something the hub lacks:
    /// push them whole.
    pub need_full: Vec<RawId>,
    pub rejected: Vec<Rejected>,
    pub docs: Vec<DocPush>,
    /// The hub's word for the keys of the devices whose changes it sends.
    pub vouchers: Vec<Voucher>,
}

/// Whether a hub holds a blob, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BlobState {
    Complete,
    Partial { received: u64 },
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobQuery {
    pub sha256: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStates {
    pub states: Vec<BlobState>,
}

/// Answer to a blob upload: how much the hub now holds durably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobReceipt {
    pub received: u64,
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
    pub device_id: String,
    pub name: String,
    /// The device's ed25519 public key (hex): its changes must verify under it.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub hub_id: String,
    pub token: String,
    pub unit: String,
    pub sector: String,
    pub role: String,
    pub clearance: String,
    /// The hub's own public key (hex): its vouchers must verify under it.
    pub hub_key: String,
}

/// Every error a hub answers with: a stable code and a message in the
/// language the client asked for (`Accept-Language`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the body is not zstd-compressed data or is truncated")]
    Compression(#[source] std::io::Error),
    #[error("the body decompresses to more than {MAX_DECOMPRESSED} bytes")]
    TooLarge,
    #[error("the body is not a protocol message")]
    Decode(#[source] postcard::Error),
}

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    // Serialising plain structs into a Vec cannot fail.
    let raw = postcard::to_stdvec(message).unwrap_or_default();
    zstd::bulk::compress(&raw, 3).unwrap_or(raw)
}

pub fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, BodyError> {
    use std::io::Read;
    let mut raw = Vec::new();
    zstd::stream::read::Decoder::new(body)
        .map_err(BodyError::Compression)?
        .take(MAX_DECOMPRESSED as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(BodyError::Compression)?;
    if raw.len() > MAX_DECOMPRESSED {
        return Err(BodyError::TooLarge);
    }
    postcard::from_bytes(&raw).map_err(BodyError::Decode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_reconnect_is_a_few_bytes() {
        let req = SyncRequest {
            version: VERSION,
            request_id: [7; 16],
            since: 123_456,
            docs: vec![],
            need_full: vec![],
            vouchers: vec![],
        };
        let body = encode(&req);
        assert!(
            body.len() < 64,
            "nothing-changed request is {} bytes",
            body.len()
        );
        assert_eq!(decode::<SyncRequest>(&body).expect("round trip"), req);
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        assert!(matches!(
            decode::<SyncRequest>(b"hello"),
            Err(BodyError::Compression(_))
        ));
        let body = encode(&SyncRequest {
            version: VERSION,
            request_id: [1; 16],
            since: 1,
            docs: vec![DocPush {
                id: [2; 16],
                base: vec![],
                heads: vec![[3; 32]],
                payload: vec![9; 500],
                sigs: vec![],
            }],
            need_full: vec![],
            vouchers: vec![],
        });
        assert!(decode::<SyncRequest>(&body[..body.len() / 2]).is_err());
        let not_a_message = zstd::bulk::compress(b"\xff\xff\xff", 3).expect("compress");
        assert!(matches!(
            decode::<SyncRequest>(&not_a_message),
            Err(BodyError::Decode(_))
        ));
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        let bomb = zstd::bulk::compress(&vec![0u8; MAX_DECOMPRESSED + 10], 19).expect("compress");
        assert!(bomb.len() < 100_000, "the bomb is small on the wire");
        assert!(matches!(
            decode::<SyncRequest>(&bomb),
            Err(BodyError::TooLarge)
        ));
    }
}
