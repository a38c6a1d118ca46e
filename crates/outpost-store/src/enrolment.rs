//! Hub side: the devices enrolled with this hub and the one-time codes that
//! enrol them. Codes and credentials are stored as SHA-256 hashes only, so a
//! copy of the hub's database does not let anyone impersonate a device.

use outpost_media::sha256_hex;
use outpost_report::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::Store;
use crate::error::Result;

/// What a device may do and see, fixed when it is enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub unit: String,
    pub sector: String,
    pub role: String,
    pub clearance: String,
}

impl Grant {
    /// The grant as the policy reads it, for `device`: a role or clearance
    /// this version cannot read fails closed (the field's, the lowest), and a
    /// device id that is not one can author nothing.
    pub fn for_device(&self, device: &str) -> outpost_report::Grant {
        outpost_report::Grant {
            device: device
                .parse()
                .unwrap_or_else(|_| outpost_report::DeviceId::from_uuid(uuid::Uuid::nil())),
            role: outpost_report::policy::granted_role(&self.role),
            unit: self.unit.clone(),
            sector: self.sector.clone(),
            clearance: outpost_report::policy::granted_clearance(&self.clearance),
        }
    }
}

/// An enrolled device as the hub sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolledDevice {
    pub device_id: String,
    pub name: String,
    pub grant: Grant,
    pub enrolled_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    /// JSON summary of the last exchange (what moved, what is waiting).
    pub last_sync: Option<serde_json::Value>,
}

/// Why a code or credential was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
    Used,
    Revoked,
    /// A device with this id is already enrolled (or was, and is revoked):
    /// a code enrols a new device, it never takes over or revives one.
    DeviceExists,
}

impl Store {
    /// Stores a new one-time enrolment code (the caller makes it random).
    pub fn add_enrolment_code(
        &mut self,
        code: &str,
        grant: &Grant,
        now: Timestamp,
        valid_ms: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO enrolment_codes (code_sha256, unit, sector, role, clearance, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sha256_hex(normalise_code(code).as_bytes()),
                grant.unit,
                grant.sector,
                grant.role,
                grant.clearance,
                now.as_millis(),
                now.as_millis() + valid_ms
            ],
        )?;
        Ok(())
    }

    /// Uses a code: on success the device is enrolled with `token` and the
    /// key its changes will be signed with, in one transaction, and the code
    /// can never be used again.
    pub fn redeem_enrolment_code(
        &mut self,
        code: &str,
        device_id: &str,
        name: &str,
        token: &str,
        key: &outpost_report::signature::PublicKey,
        now: Timestamp,
    ) -> Result<std::result::Result<Grant, Refusal>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let hash = sha256_hex(normalise_code(code).as_bytes());
        let row: Option<(Grant, i64, Option<String>)> = tx
            .query_row(
                "SELECT unit, sector, role, clearance, expires_at, used_by FROM enrolment_codes WHERE code_sha256 = ?1",
                [&hash],
                |r| {
                    Ok((
                        Grant { unit: r.get(0)?, sector: r.get(1)?, role: r.get(2)?, clearance: r.get(3)? },
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?;
        let grant = match row {
            None => return Ok(Err(Refusal::Unknown)),
            Some((_, _, Some(_))) => return Ok(Err(Refusal::Used)),
            Some((_, expires, None)) if expires < now.as_millis() => {
                return Ok(Err(Refusal::Expired));
            }
            Some((grant, _, None)) => grant,
        };
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM enrolled_devices WHERE device_id = ?1)",
            [device_id],
            |r| r.get(0),
        )?;
        if exists {
            return Ok(Err(Refusal::DeviceExists));
        }
        tx.execute(
            "UPDATE enrolment_codes SET used_by = ?2 WHERE code_sha256 = ?1",
            params![hash, device_id],
        )?;
        tx.execute(
            "INSERT INTO enrolled_devices (device_id, name, unit, sector, role, clearance, token_sha256, enrolled_at, public_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                device_id,
                name,
                grant.unit,
                grant.sector,
                grant.role,
                grant.clearance,
                sha256_hex(token.as_bytes()),
                now.as_millis(),
                key.as_bytes().as_slice()
            ],
        )?;
        tx.commit()?;
        Ok(Ok(grant))
    }

    /// The device a bearer credential belongs to, if it is valid.
    pub fn device_for_token(
        &self,
        token: &str,
    ) -> Result<std::result::Result<EnrolledDevice, Refusal>> {
        let hash = sha256_hex(token.as_bytes());
        let device = self.enrolled_where("token_sha256 = ?1", &hash)?;
        Ok(match device {
            None => Err(Refusal::Unknown),
            Some(d) if d.revoked_at.is_some() => Err(Refusal::Revoked),
            Some(d) => Ok(d),
        })
    }

    pub fn enrolled_device(&self, device_id: &str) -> Result<Option<EnrolledDevice>> {
        self.enrolled_where("device_id = ?1", device_id)
    }

    fn enrolled_where(&self, condition: &str, value: &str) -> Result<Option<EnrolledDevice>> {
        let sql = format!(
            "SELECT device_id, name, unit, sector, role, clearance, enrolled_at, revoked_at, last_seen_at, last_sync
             FROM enrolled_devices WHERE {condition}"
        );
        Ok(self
            .conn
            .query_row(&sql, [value], row_to_device)
            .optional()?)
    }

    pub fn enrolled_devices(&self) -> Result<Vec<EnrolledDevice>> {
        let mut stmt = self.conn.prepare(
            "SELECT device_id, name, unit, sector, role, clearance, enrolled_at, revoked_at, last_seen_at, last_sync
             FROM enrolled_devices ORDER BY enrolled_at",
        )?;
        let rows = stmt.query_map([], row_to_device)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ends a device's access. Returns false if no such device.
    pub fn revoke_device(&mut self, device_id: &str, now: Timestamp) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE enrolled_devices SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
            params![device_id, now.as_millis()],
        )?;
        Ok(n > 0 || self.enrolled_device(device_id)?.is_some())
    }

    pub fn record_device_sync(
        &mut self,
        device_id: &str,
        now: Timestamp,
        summary: &serde_json::Value,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE enrolled_devices SET last_seen_at = ?2, last_sync = ?3 WHERE device_id = ?1",
            params![device_id, now.as_millis(), summary.to_string()],
        )?;
        Ok(())
    }
}

fn row_to_device(r: &rusqlite::Row<'_>) -> rusqlite::Result<EnrolledDevice> {
    Ok(EnrolledDevice {
        device_id: r.get(0)?,
        name: r.get(1)?,
        grant: Grant {
            unit: r.get(2)?,
            sector: r.get(3)?,
            role: r.get(4)?,
            clearance: r.get(5)?,
        },
        enrolled_at: Timestamp::from_millis(r.get(6)?),
        revoked_at: r.get::<_, Option<i64>>(7)?.map(Timestamp::from_millis),
        last_seen_at: r.get::<_, Option<i64>>(8)?.map(Timestamp::from_millis),
        last_sync: r
            .get::<_, Option<String>>(9)?
            .and_then(|s| serde_json::from_str(&s).ok()),
    })
}

/// Codes are read aloud and typed with gloves: case, spaces and dashes do not count.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
