//! What only this device needs to remember about the person using it: the
//! debrief step they were at, answers typed that are not valid yet, and what
//! they last saw of each report. None of it is in a document or ever synced.

use outpost_report::{ReportId, Timestamp};
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value};

use crate::{Result, Store};

/// A debrief in progress on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct Debrief {
    pub report: ReportId,
    /// Index of the step in the form's `steps`.
    pub step: usize,
    /// Field id -> what was typed, for answers that did not validate yet.
    pub pending: Map<String, Value>,
    pub updated_at: Timestamp,
}

impl Store {
    /// The debrief of `report`, if one was started here and not finished.
    pub fn debrief(&self, report: ReportId) -> Result<Option<Debrief>> {
        let row = self
            .conn
            .query_row(
                "SELECT step, pending, updated_at FROM debriefs
                 WHERE report_id = ?1 AND finished_at IS NULL",
                [report.to_string()],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.map(|(step, pending, at)| Debrief {
            report,
            step: step.max(0) as usize,
            pending: serde_json::from_str(&pending).unwrap_or_default(),
            updated_at: Timestamp::from_millis(at),
        }))
    }

    /// The debrief to go back to when the app opens: the last one touched
    /// and not finished, whose report is still a draft here.
    pub fn open_debrief(&self) -> Result<Option<Debrief>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT d.report_id FROM debriefs d JOIN reports r USING (report_id)
                 WHERE d.finished_at IS NULL AND r.status = 'draft'
                 ORDER BY d.updated_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match id.and_then(|id| id.parse().ok()) {
            Some(id) => self.debrief(id),
            None => Ok(None),
        }
    }

    /// Records the step the debrief of `report` is at (starting it if new).
    pub fn set_debrief_step(
        &mut self,
        report: ReportId,
        step: usize,
        now: Timestamp,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO debriefs (report_id, step, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (report_id) DO UPDATE SET step = excluded.step,
                 updated_at = excluded.updated_at, finished_at = NULL",
            params![report.to_string(), step as i64, now.as_millis()],
        )?;
        Ok(())
    }

    /// Keeps (or, with `None`, forgets) what was typed for `field` while it
    /// does not validate.
    pub fn set_pending_answer(
        &mut self,
        report: ReportId,
        field: &str,
        typed: Option<&Value>,
        now: Timestamp,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let current: Option<String> = tx
            .query_row(
                "SELECT pending FROM debriefs WHERE report_id = ?1",
                [report.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let mut pending: Map<String, Value> = current
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        match typed {
            Some(v) => pending.insert(field.to_string(), v.clone()),
            None => pending.remove(field),
        };
        let pending = Value::Object(pending).to_string();
        tx.execute(
            "INSERT INTO debriefs (report_id, step, pending, updated_at) VALUES (?1, 0, ?2, ?3)
             ON CONFLICT (report_id) DO UPDATE SET pending = excluded.pending,
                 updated_at = excluded.updated_at",
            params![report.to_string(), pending, now.as_millis()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Marks the debrief of `report` finished (submitted): the app no longer
    /// reopens it.
    pub fn finish_debrief(&mut self, report: ReportId, now: Timestamp) -> Result<()> {
        self.conn.execute(
            "UPDATE debriefs SET finished_at = ?2, pending = '{}' WHERE report_id = ?1",
            params![report.to_string(), now.as_millis()],
        )?;
        Ok(())
    }

    /// Remembers the comments and status of `report` as the person here has
    /// now seen them.
    pub fn mark_seen(&mut self, report: ReportId) -> Result<()> {
        self.conn.execute(
            "INSERT INTO report_seen (report_id, comments, status)
             SELECT report_id, comments, status FROM reports WHERE report_id = ?1
             ON CONFLICT (report_id) DO UPDATE SET comments = excluded.comments,
                 status = excluded.status",
            [report.to_string()],
        )?;
        Ok(())
    }

    /// Reports that changed status or gained comments since they were last
    /// opened here (news from headquarters after a sync), newest first. A
    /// report never opened here is news once it has comments or has moved
    /// past submission.
    pub fn reports_with_news(&self) -> Result<Vec<ReportId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.report_id FROM reports r LEFT JOIN report_seen s USING (report_id)
             WHERE CASE WHEN s.report_id IS NULL
                   THEN r.comments > 0 OR r.status NOT IN ('draft', 'submitted')
                   ELSE r.comments > s.comments OR r.status != s.status END
             ORDER BY r.updated_at DESC",
        )?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok()?.parse().ok())
            .collect();
        Ok(ids)
    }
}
