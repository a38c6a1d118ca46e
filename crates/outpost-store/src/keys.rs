//! This device's signing key, the public keys of other devices, and the
//! signatures of changes. See `outpost_report::signature` for what is signed.

use std::collections::BTreeMap;

use outpost_report::signature::{DeviceKey, PublicKey, Signature};
use outpost_report::{ChangeHash, ReportDoc, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::{Grant, Store};

/// Signs the changes this device makes, as they are written.
pub(crate) struct Signer {
    pub device: [u8; 16],
    pub key: DeviceKey,
}

/// A change signature with the device that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSignature {
    pub hash: [u8; 32],
    pub device: String,
    pub signature: Signature,
}

/// This store's key, made on first open with the system's randomness.
pub(crate) fn ensure_key(conn: &Connection, now: Timestamp) -> Result<DeviceKey> {
    let existing: Option<Vec<u8>> = conn
        .query_row(
            "SELECT secret FROM device_key WHERE singleton = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(secret) = existing.and_then(|s| <[u8; 32]>::try_from(s.as_slice()).ok()) {
        return Ok(DeviceKey::from_secret(secret));
    }
    let key = DeviceKey::from_secret(rand::random());
    conn.execute(
        "INSERT INTO device_key (singleton, secret, created_at) VALUES (1, ?1, ?2)
         ON CONFLICT (singleton) DO NOTHING",
        params![key.secret().as_slice(), now.as_millis()],
    )?;
    // Another program may have made one first: the stored key is the key.
    let secret: Vec<u8> = conn.query_row(
        "SELECT secret FROM device_key WHERE singleton = 1",
        [],
        |r| r.get(0),
    )?;
    Ok(DeviceKey::from_secret(
        <[u8; 32]>::try_from(secret.as_slice()).unwrap_or(key.secret()),
    ))
}

/// Signs the changes of `doc` after `stored` (all when `None`) that this
/// device made, in the same transaction that writes them.
pub(crate) fn sign_new_changes(
    conn: &Connection,
    signer: &Signer,
    doc: &mut ReportDoc,
    stored: Option<&[ChangeHash]>,
) -> Result<()> {
    let device = uuid::Uuid::from_bytes(signer.device).to_string();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO change_signatures (hash, device, signature) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO NOTHING",
    )?;
    for (hash, actor) in doc.changes_after(stored.unwrap_or(&[])) {
        if actor.get(..16) == Some(signer.device.as_slice()) {
            let sig = signer.key.sign_change(&hash);
            stmt.execute(params![hash.as_slice(), device, sig.as_slice()])?;
        }
    }
    Ok(())
}

impl Store {
    /// This device's public key, to enrol with a hub. `None` only for a
    /// store opened at an older schema.
    pub fn public_key(&self) -> Option<PublicKey> {
        self.writing.signer.as_ref().map(|s| s.key.public())
    }

    /// Vouches, as this hub, that `device` holds `key` and was granted `grant`.
    pub fn vouch(&self, device: &[u8; 16], key: &PublicKey, grant: &Grant) -> Option<Signature> {
        self.writing
            .signer
            .as_ref()
            .map(|s| s.key.vouch(device, key, &grant_bytes_of(grant)))
    }

    /// Signs, without storing, the changes of `doc` after `since` that this
    /// device made: for a copy that travels without being saved here.
    pub fn sign_changes(&self, doc: &mut ReportDoc, since: &[ChangeHash]) -> Vec<ChangeSignature> {
        let Some(signer) = &self.writing.signer else {
            return Vec::new();
        };
        let device = uuid::Uuid::from_bytes(signer.device).to_string();
        doc.changes_after(since)
            .into_iter()
            .filter(|(_, actor)| actor.get(..16) == Some(signer.device.as_slice()))
            .map(|(hash, _)| ChangeSignature {
                hash,
                device: device.clone(),
                signature: signer.key.sign_change(&hash),
            })
            .collect()
    }

    /// The signatures held for `hashes` (those without one are left out).
    pub fn signatures_of(&self, hashes: &[[u8; 32]]) -> Result<Vec<ChangeSignature>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT device, signature FROM change_signatures WHERE hash = ?1")?;
        let mut out = Vec::new();
        for hash in hashes {
            let row: Option<(String, Vec<u8>)> = stmt
                .query_row([hash.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((device, sig)) = row
                && let Ok(signature) = Signature::try_from(sig.as_slice())
            {
                out.push(ChangeSignature {
                    hash: *hash,
                    device,
                    signature,
                });
            }
        }
        Ok(out)
    }

    /// Keeps signatures that were verified (or made) here.
    pub fn add_signatures(&mut self, sigs: &[ChangeSignature]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO change_signatures (hash, device, signature) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO NOTHING",
            )?;
            for s in sigs {
                stmt.execute(params![s.hash.as_slice(), s.device, s.signature.as_slice()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The changes of `doc` vouched for by a signature of their own device
    /// that this store verified (or made): the verified lines of its history.
    pub fn verified_changes(
        &self,
        doc: &mut ReportDoc,
    ) -> Result<std::collections::BTreeSet<[u8; 32]>> {
        let changes = outpost_report::signature::changes_by_device(doc, &[]);
        let hashes: Vec<[u8; 32]> = changes.iter().map(|(h, _)| *h).collect();
        let heads: Vec<([u8; 32], String)> = self
            .signatures_of(&hashes)?
            .into_iter()
            .map(|s| (s.hash, s.device))
            .collect();
        Ok(outpost_report::signature::covered(doc, &changes, &heads))
    }

    /// Records a key learned from a hub: its own at enrolment, or a device's
    /// it vouched for, with the grant it vouched for. A key recorded once is
    /// never replaced.
    pub fn record_device_key(
        &mut self,
        device: &str,
        key: &PublicKey,
        by: &str,
        grant: Option<&Grant>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO device_keys (device, key, vouched_by, role, unit, sector, clearance)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (device) DO NOTHING",
            params![
                device,
                key.as_bytes().as_slice(),
                by,
                grant.map(|g| g.role.as_str()),
                grant.map(|g| g.unit.as_str()),
                grant.map(|g| g.sector.as_str()),
                grant.map(|g| g.clearance.as_str()),
            ],
        )?;
        Ok(())
    }

    /// What each device this store knows of was granted: those enrolled here
    /// by this hub, then those a hub vouched for.
    pub fn device_grants(&self) -> Result<BTreeMap<String, Grant>> {
        let mut out = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT device, role, unit, sector, clearance FROM device_keys WHERE role IS NOT NULL
             UNION ALL SELECT device_id, role, unit, sector, clearance FROM enrolled_devices",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Grant {
                    role: r.get(1)?,
                    unit: r.get(2)?,
                    sector: r.get(3)?,
                    clearance: r.get(4)?,
                },
            ))
        })?;
        for row in rows {
            let (device, grant) = row?;
            out.insert(device, grant);
        }
        Ok(out)
    }

    /// Every public key this store knows, by device id: those enrolled here
    /// first (their own word at enrolment), then those learned from hubs.
    pub fn device_keys(&self) -> Result<BTreeMap<String, PublicKey>> {
        let mut out = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT device, key FROM device_keys
             UNION ALL SELECT device_id, public_key FROM enrolled_devices WHERE public_key IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (device, key) = row?;
            if let Some(key) = PublicKey::from_bytes(&key) {
                out.insert(device, key);
            }
        }
        Ok(out)
    }
}

/// A grant as vouchers sign it.
pub fn grant_bytes_of(grant: &Grant) -> Vec<u8> {
    outpost_report::signature::grant_bytes(
        &grant.role,
        &grant.unit,
        &grant.sector,
        &grant.clearance,
    )
}
