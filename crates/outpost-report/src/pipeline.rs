//! The Quick Impact Project pipeline: an assessment moves from assessed to
//! delivered, and every move is dated so the days spent in each stage (and the
//! assessments stuck too long) are plain to see.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// The one form whose reports move through the pipeline.
pub const PIPELINE_FORM: &str = "qip";

/// Whether reports of this form have a pipeline. A patrol report given QIP
/// stages would show up as a project nobody assessed.
pub fn has_pipeline(form_id: &str) -> bool {
    form_id == PIPELINE_FORM
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QipStage {
    Assessed,
    Proposed,
    Approved,
    Funded,
    Delivered,
}

impl QipStage {
    pub const ALL: [QipStage; 5] = [
        QipStage::Assessed,
        QipStage::Proposed,
        QipStage::Approved,
        QipStage::Funded,
        QipStage::Delivered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QipStage::Assessed => "assessed",
            QipStage::Proposed => "proposed",
            QipStage::Approved => "approved",
            QipStage::Funded => "funded",
            QipStage::Delivered => "delivered",
        }
    }

    /// Days an assessment may stay in this stage before it is flagged as
    /// overdue (none once delivered). Quick impact means weeks, not months.
    pub fn overdue_after_days(self) -> Option<i64> {
        match self {
            QipStage::Assessed => Some(30),
            QipStage::Proposed => Some(30),
            QipStage::Approved => Some(45),
            QipStage::Funded => Some(90),
            QipStage::Delivered => None,
        }
    }
}

impl fmt::Display for QipStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown QIP stage {given:?}")]
pub struct UnknownStage {
    pub given: String,
}

impl FromStr for QipStage {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Self, UnknownStage> {
        QipStage::ALL
            .into_iter()
            .find(|q| q.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownStage {
                given: s.to_string(),
            })
    }
}

/// One move of an assessment into a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    pub stage: QipStage,
    pub at: Timestamp,
    pub by: String,
}

/// Where an assessment stands: its stage, since when, the days each stage
/// took, and whether it has been in its stage too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineStatus {
    pub stage: QipStage,
    pub since: Timestamp,
    pub days_in_stage: i64,
    /// Days spent in each stage already left, in order.
    pub days_per_stage: Vec<(QipStage, i64)>,
    pub overdue: bool,
}

const DAY_MS: i64 = 86_400_000;

/// The status of an assessment whose stage entries are `entries` (any order),
/// as of `now`. An assessment with no entry is `assessed` since `created`.
pub fn status(entries: &[StageEntry], created: Timestamp, now: Timestamp) -> PipelineStatus {
    let mut entries = entries.to_vec();
    entries.sort_by_key(|e| (e.stage, e.at));
    // Only the first time a stage was entered counts; a stage entered again
    // after a correction does not reset its clock.
    entries.dedup_by_key(|e| e.stage);
    if entries
        .first()
        .is_none_or(|e| e.stage != QipStage::Assessed)
    {
        entries.insert(
            0,
            StageEntry {
                stage: QipStage::Assessed,
                at: created,
                by: String::new(),
            },
        );
    }
    let days = days_between;
    let days_per_stage = entries
        .windows(2)
        .map(|w| (w[0].stage, days(w[0].at, w[1].at)))
        .collect();
    let current = entries.last().cloned().expect("assessed is always present");
    let days_in_stage = days(current.at, now);
    PipelineStatus {
        stage: current.stage,
        since: current.at,
        days_in_stage,
        days_per_stage,
        overdue: overdue(current.stage, current.at, now),
    }
}

/// Whole days from `from` to `to`; none when `to` is earlier (a device clock behind).
pub fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    to.as_millis().saturating_sub(from.as_millis()).max(0) / DAY_MS
}

/// Whether an assessment in `stage` since `since` is overdue at `now`.
pub fn overdue(stage: QipStage, since: Timestamp, now: Timestamp) -> bool {
    stage
        .overdue_after_days()
        .is_some_and(|limit| days_between(since, now) > limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> Timestamp {
        Timestamp::from_millis(1_767_225_600_000 + n * DAY_MS)
    }

    fn entry(stage: QipStage, d: i64) -> StageEntry {
        StageEntry {
            stage,
            at: day(d),
            by: "Stabilisation".into(),
        }
    }

    #[test]
    fn days_in_each_stage_and_overdue_flags() {
        let entries = [entry(QipStage::Proposed, 10), entry(QipStage::Approved, 25)];
        let s = status(&entries, day(0), day(100));
        assert_eq!(s.stage, QipStage::Approved);
        assert_eq!(s.days_in_stage, 75);
        assert_eq!(
            s.days_per_stage,
            vec![(QipStage::Assessed, 10), (QipStage::Proposed, 15)]
        );
        assert!(s.overdue, "75 days approved but not funded is over 45");
        let fresh = status(&[], day(0), day(12));
        assert_eq!(
            (fresh.stage, fresh.days_in_stage, fresh.overdue),
            (QipStage::Assessed, 12, false)
        );
        let done = status(&[entry(QipStage::Delivered, 5)], day(0), day(900));
        assert!(!done.overdue, "a delivered project is never overdue");
    }

    #[test]
    fn stages_read_from_text_and_reentering_a_stage_keeps_its_first_date() {
        assert_eq!("Funded".parse::<QipStage>(), Ok(QipStage::Funded));
        assert!("paid".parse::<QipStage>().is_err());
        let entries = [entry(QipStage::Proposed, 10), entry(QipStage::Proposed, 40)];
        assert_eq!(status(&entries, day(0), day(50)).since, day(10));
    }
}
