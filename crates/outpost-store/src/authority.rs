//! Hub side: the authority recorded for each report when it was first
//! accepted, where each file came from, and the documents set aside because
//! they no longer load. See `docs/policy.md`.

use outpost_report::{Authority, Classification, ReportId, Timestamp};
use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::error::Result;

/// A stored document that could not be loaded, kept aside.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quarantined {
    pub report: String,
    pub code: String,
    pub at: Timestamp,
}

fn rank_to_level(rank: i64) -> Classification {
    Classification::ALL
        .into_iter()
        .find(|c| c.rank() == rank)
        .unwrap_or(Classification::StrictlyConfidential)
}

impl Store {
    /// What this hub recorded about report `id`, if it ever accepted it.
    pub fn authority(&self, id: ReportId) -> Result<Option<Authority>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT creator, unit, sector, floor_rank, form, vouched_by
                 FROM report_authority WHERE report_id = ?1",
            )?
            .query_row([id.to_string()], |r| {
                Ok(Authority {
                    creator: r.get(0)?,
                    unit: r.get(1)?,
                    sector: r.get(2)?,
                    floor: rank_to_level(r.get(3)?),
                    form: r.get(4)?,
                    vouched_by: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Records authority for reports accepted now: a new report's record as
    /// given; for one already recorded only the level moves (who created it,
    /// for which unit and sector, never changes).
    pub fn record_authority(
        &mut self,
        records: &[(ReportId, Authority)],
        now: Timestamp,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO report_authority (report_id, creator, unit, sector, floor_rank, form, vouched_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (report_id) DO UPDATE SET floor_rank = excluded.floor_rank",
            )?;
            for (id, a) in records {
                stmt.execute(params![
                    id.to_string(),
                    a.creator,
                    a.unit,
                    a.sector,
                    a.floor.rank(),
                    a.form,
                    a.vouched_by,
                    now.as_millis()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records that `device` uploaded file `sha256` for each of `reports`.
    pub fn record_blob_origin(
        &mut self,
        sha256: &str,
        reports: &[ReportId],
        device: &str,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO blob_origins (sha256, report_id, device) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?;
        for id in reports {
            stmt.execute(params![sha256, id.to_string(), device])?;
        }
        Ok(())
    }

    /// Sets a stored document aside: it is never sent again until repaired.
    pub fn quarantine(&mut self, id: ReportId, code: &str, now: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT INTO quarantine (report_id, code, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (report_id) DO UPDATE SET code = excluded.code",
            params![id.to_string(), code, now.as_millis()],
        )?;
        Ok(())
    }

    /// Documents set aside, oldest first.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>> {
        let mut stmt = self
            .conn
            .prepare("SELECT report_id, code, at FROM quarantine ORDER BY at")?;
        let rows = stmt.query_map([], |r| {
            Ok(Quarantined {
                report: r.get(0)?,
                code: r.get(1)?,
                at: Timestamp::from_millis(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
