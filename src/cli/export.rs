//! `outpost export`: a filtered set of reports as CSV or GeoJSON.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use outpost_report::{Classification, ReviewStatus, Timestamp};
use outpost_store::{ReportFilter, ReportOrder};

use super::failure::CliError;
use super::store::open;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Geojson,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    format: Format,
    #[arg(long)]
    out: PathBuf,
    /// patrol, incident or qip
    #[arg(long)]
    kind: Option<String>,
    /// submitted, under_review, needs_information, verified or closed
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
    /// Export as someone cleared to this level: at most the device's own
    /// clearance; required on a device not enrolled with a hub.
    #[arg(long)]
    clearance: Option<String>,
}

fn date(given: &Option<String>) -> Result<Option<Timestamp>> {
    let Some(given) = given else { return Ok(None) };
    let text = if given.len() == 10 {
        format!("{given}T00:00:00Z")
    } else {
        given.clone()
    };
    Timestamp::parse_rfc3339(&text).map(Some).ok_or_else(|| {
        CliError::BadDate {
            given: given.clone(),
        }
        .into()
    })
}

fn level(given: &str) -> Result<Classification> {
    given.parse().map_err(|_| {
        CliError::UnknownClassification {
            given: given.to_string(),
        }
        .into()
    })
}

pub fn run(args: ExportArgs, dir: &Path) -> Result<()> {
    let store = open(dir)?;
    // The exporter's clearance is the one the hub granted this device; a
    // flag may lower it, never raise it.
    let granted = store.hub(None)?.map(|h| level(&h.clearance)).transpose()?;
    let asked = args.clearance.as_deref().map(level).transpose()?;
    let clearance = match (granted, asked) {
        (Some(g), Some(a)) => g.min(a),
        (Some(g), None) => g,
        (None, Some(a)) => a,
        (None, None) => return Err(CliError::ClearanceRequired.into()),
    };
    let filter = ReportFilter {
        kind: args.kind,
        status: args
            .status
            .map(|s| {
                s.parse::<ReviewStatus>()
                    .map_err(|_| CliError::UnknownStatus { given: s.clone() })
            })
            .transpose()?,
        classification: args.classification.as_deref().map(level).transpose()?,
        language: args
            .written_in
            .map(|l| {
                l.parse()
                    .map_err(|_| CliError::UnknownLanguage { given: l.clone() })
            })
            .transpose()?,
        sector: args.sector,
        unit: args.unit,
        author: args.author,
        from: date(&args.from)?,
        until: date(&args.until)?,
        text: args.search,
        order: ReportOrder::Happened,
        ..Default::default()
    };
    let rows = outpost_export::reports(&store, &filter, clearance)?;
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let out = BufWriter::new(file);
    let written = match args.format {
        Format::Csv => outpost_export::write_csv(&rows, out),
        Format::Geojson => outpost_export::write_geojson(&rows, out),
    }
    .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{} report(s) written to {} (cleared up to {}){}",
        written.rows,
        args.out.display(),
        clearance,
        if written.without_place > 0 {
            format!("; {} without coordinates left out", written.without_place)
        } else {
            String::new()
        }
    );
    Ok(())
}
