//! The review filters as command-line flags, shared by `report list` and
//! `export` so both select exactly the same reports.

use anyhow::Result;
use clap::Args;
use outpost_report::{Classification, ReviewStatus, Timestamp};
use outpost_store::{ReportFilter, ReportOrder};

use super::failure::CliError;

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// patrol, incident or qip
    #[arg(long)]
    kind: Option<String>,
    /// draft, submitted, under_review, needs_information, verified or closed
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    sector: Option<String>,
    /// The author's unit.
    #[arg(long)]
    unit: Option<String>,
    #[arg(long)]
    author: Option<String>,
    /// Only reports at exactly this classification.
    #[arg(long)]
    classification: Option<String>,
    /// The language reports were written in: en or fr.
    #[arg(long)]
    written_in: Option<String>,
    /// Events on or after this date (YYYY-MM-DD, UTC, or RFC 3339).
    #[arg(long)]
    from: Option<String>,
    /// Events before this date.
    #[arg(long)]
    until: Option<String>,
    /// Words to find in titles, narratives, places and comments.
    #[arg(long)]
    search: Option<String>,
}

fn date(given: Option<String>) -> Result<Option<Timestamp>> {
    let Some(given) = given else { return Ok(None) };
    let text = if given.len() == 10 {
        format!("{given}T00:00:00Z")
    } else {
        given.clone()
    };
    Timestamp::parse_rfc3339(&text)
        .map(Some)
        .ok_or_else(|| CliError::BadDate { given }.into())
}

/// Midnight UTC of the day `given` (YYYY-MM-DD, or an RFC 3339 time on that day).
pub fn day_start(given: &str) -> Result<Timestamp> {
    const DAY_MS: i64 = 86_400_000;
    let at = date(Some(given.to_string()))?.ok_or_else(|| CliError::BadDate {
        given: given.to_string(),
    })?;
    Ok(Timestamp::from_millis(
        at.as_millis() - at.as_millis().rem_euclid(DAY_MS),
    ))
}

pub fn level(given: &str) -> Result<Classification> {
    given.parse().map_err(|_| {
        CliError::UnknownClassification {
            given: given.to_string(),
        }
        .into()
    })
}

impl FilterArgs {
    pub fn filter(self, order: ReportOrder) -> Result<ReportFilter> {
        Ok(ReportFilter {
            kind: self.kind,
            status: self
                .status
                .map(|s| {
                    s.parse::<ReviewStatus>()
                        .map_err(|_| CliError::UnknownStatus { given: s })
                })
                .transpose()?,
            classification: self.classification.as_deref().map(level).transpose()?,
            language: self
                .written_in
                .map(|l| {
                    l.parse()
                        .map_err(|_| CliError::UnknownLanguage { given: l })
                })
                .transpose()?,
            sector: self.sector,
            unit: self.unit,
            author: self.author,
            from: date(self.from)?,
            until: date(self.until)?,
            text: self.search,
            order,
            ..Default::default()
        })
    }
}

/// The clearance of whoever uses this device: the level its hub granted it; a
/// flag may lower it, never raise it. A device not enrolled must say.
pub fn viewer_clearance(
    store: &outpost_store::Store,
    asked: Option<&str>,
) -> Result<Classification> {
    let granted = store.granted_clearance()?;
    let asked = asked.map(level).transpose()?;
    match (granted, asked) {
        (Some(g), Some(a)) => Ok(g.min(a)),
        (Some(g), None) => Ok(g),
        (None, Some(a)) => Ok(a),
        (None, None) => Err(CliError::ClearanceRequired.into()),
    }
}
