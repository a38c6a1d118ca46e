//! `outpost export`: a filtered set of reports as CSV, their answers as CSV
//! (one row per answer, a repeat's entries included), or GeoJSON.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use outpost_store::ReportOrder;

use super::filter::{FilterArgs, viewer_clearance};
use super::store::open;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One row per report.
    Csv,
    /// One row per answer: report, form version, repeat and entry, field, value.
    Answers,
    Geojson,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    format: Format,
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
    /// Export as someone cleared to this level: at most the device's own
    /// clearance; required on a device not enrolled with a hub.
    #[arg(long)]
    clearance: Option<String>,
}

pub fn run(args: ExportArgs, dir: &Path, lang: outpost_report::Lang) -> Result<()> {
    let store = open(dir)?;
    let clearance = viewer_clearance(&store, args.clearance.as_deref())?;
    let filter = args.filter.filter(ReportOrder::Happened)?;
    let rows = outpost_export::reports(&store, &filter, clearance)?;
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    // Both writers buffer their own output.
    let out = file;
    let written = match args.format {
        Format::Csv => outpost_export::write_csv(&rows, out),
        Format::Answers => {
            outpost_export::write_answers_csv(&store, &rows, store.catalog(), lang, out)
        }
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
