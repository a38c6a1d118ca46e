//! `outpost summary`: the weekly summary headquarters prints or sends on, as
//! print-ready HTML in the interface language, cut at the reader's clearance.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use outpost_report::Lang;
use outpost_report::time::{Clock, SystemClock};

use super::filter::{day_start, viewer_clearance};
use super::store::open;

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The first day of the week (YYYY-MM-DD, UTC): the summary covers the
    /// seven days from its midnight.
    #[arg(long)]
    week_of: String,
    /// Write the page to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Summarise as someone cleared to this level: at most the device's own
    /// clearance; required on a device not enrolled with a hub.
    #[arg(long)]
    clearance: Option<String>,
}

pub fn run(args: SummaryArgs, dir: &Path, lang: Lang) -> Result<()> {
    let from = day_start(&args.week_of)?;
    let store = open(dir)?;
    let clearance = viewer_clearance(&store, args.clearance.as_deref())?;
    let page =
        outpost_export::summary::weekly_html(&store, clearance, from, SystemClock.now(), lang)?;
    super::write_out(args.out.as_deref(), page.as_bytes())
}
