//! Command-line arguments and the commands they run.

mod export;
pub mod failure;
mod filter;
mod form;
mod photo;
mod report;
mod store;
mod summary;
mod sync;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use outpost_report::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "outpost",
    version,
    about = "Outpost field reporting: the headless command line"
)]
pub struct Args {
    /// The data directory (store and blobs).
    #[arg(long, global = true, env = "OUTPOST_DATA")]
    pub data: Option<PathBuf>,
    /// Language of messages: en or fr (default from OUTPOST_LANG or LANG).
    #[arg(long, global = true, env = "OUTPOST_LANG")]
    pub ui_lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

impl Args {
    /// Whether the command opens connections to a hub.
    pub fn talks_to_hub(&self) -> bool {
        matches!(self.command, Command::Enrol { .. } | Command::Sync { .. })
    }

    pub fn ui_lang(&self) -> Lang {
        match &self.ui_lang {
            Some(l) => l.parse().unwrap_or_else(|_| Lang::from_locale(l)),
            None => Lang::from_locale(&std::env::var("LANG").unwrap_or_default()),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.data.clone().unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            home.join(".local/share/outpost")
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, show and export reports.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Write the reports a filter selects as CSV or GeoJSON, never above the
    /// exporter's clearance (the device's, from its enrolment).
    Export(export::ExportArgs),
    /// The weekly summary as print-ready HTML: counts by sector and kind, the
    /// week's incidents, the QIP pipeline and what waits for an answer, never
    /// above the reader's clearance (the device's, from its enrolment).
    Summary(summary::SummaryArgs),
    /// Attach photos to reports.
    #[command(subcommand)]
    Photo(photo::PhotoCommand),
    /// The forms this device offers, and XLSForm import.
    #[command(subcommand)]
    Form(form::FormCommand),
    /// Show or set who uses this device (default author and unit of new reports).
    Profile {
        #[arg(long)]
        author: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        /// The sector the unit belongs to (reports are shared within a sector).
        #[arg(long)]
        sector: Option<String>,
    },
    /// Check the store and every stored file; exits non-zero if anything is wrong.
    Doctor {
        #[arg(long)]
        json: bool,
        /// Rebuild the report list and search index from the documents first.
        #[arg(long)]
        rebuild: bool,
        /// Repair what can be repaired first: remove the files interrupted
        /// saves left behind, and rebuild the list and search index.
        #[arg(long)]
        repair: bool,
    },
    /// Fill the data directory with example reports (one of each kind) and show them.
    Demo {
        /// How many reports to add, cycling through the kinds: try the app
        /// with the store of a busy camp.
        #[arg(long, default_value_t = 3)]
        reports: usize,
    },
    /// Enrol this device with a hub using the one-time code its operator gave.
    Enrol {
        /// The hub's address, e.g. https://10.0.0.1:7878
        #[arg(long)]
        hub: String,
        #[arg(long)]
        code: String,
        /// A name the hub operator will recognise (default: the host name).
        #[arg(long)]
        name: Option<String>,
        /// The certificate (PEM) of the authority that signed the hub's TLS
        /// certificate, when it is a mission's own rather than a public one.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        /// …or its SHA-256 fingerprint, as the hub operator gave it with the
        /// code (a card `outpost-enrol:CODE:FINGERPRINT` given as --code
        /// carries it too): the device takes the authority from the hub only
        /// if it has this fingerprint.
        #[arg(long)]
        ca_fingerprint: Option<String>,
        /// Talk to an `http://` hub: the code, the credential and every
        /// report cross the network in clear. For tests on loopback only.
        #[arg(long, conflicts_with_all = ["ca_cert", "ca_fingerprint"])]
        insecure_http: bool,
    },
    /// Wrap the store's key with a new passphrase (the new one from
    /// OUTPOST_NEW_PASSPHRASE or a prompt).
    Passphrase,
    /// Destroy this device's key, then its data: nothing on it can be read
    /// afterwards, by anyone. Reports not yet synced are lost.
    Wipe {
        /// Confirms: there is no undo.
        #[arg(long)]
        yes: bool,
    },
    /// Sync with a hub: documents both ways, then photos as the link budget allows.
    Sync {
        /// The hub (default: the one this device enrolled with last).
        #[arg(long)]
        hub: Option<String>,
        /// wifi (everything), satellite (documents and thumbnails, 5 MB) or documents.
        #[arg(long, default_value = "wifi")]
        budget: outpost_sync::LinkBudget,
        /// Print what moved and what is still waiting as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> Result<()> {
    let lang = args.ui_lang();
    let dir = args.data_dir();
    match args.command {
        Command::Report(cmd) => report::run(cmd, &dir, lang),
        Command::Photo(cmd) => photo::run(cmd, &dir, lang),
        Command::Form(cmd) => form::run(cmd, &dir, lang),
        Command::Export(args) => export::run(args, &dir, lang),
        Command::Summary(args) => summary::run(args, &dir, lang),
        Command::Profile {
            author,
            unit,
            sector,
        } => store::profile(&dir, author, unit, sector),
        Command::Doctor {
            json,
            rebuild,
            repair,
        } => store::doctor(&dir, json, rebuild, repair, lang),
        Command::Demo { reports } => store::demo(&dir, reports, lang),
        Command::Enrol {
            hub,
            code,
            name,
            ca_cert,
            ca_fingerprint,
            insecure_http,
        } => sync::enrol(
            &dir,
            &hub,
            &code,
            name,
            sync::Authority {
                ca_cert,
                ca_fingerprint,
                insecure_http,
            },
            lang,
        ),
        Command::Sync { hub, budget, json } => sync::sync(&dir, hub.as_deref(), budget, json, lang),
        Command::Passphrase => store::change_passphrase(&dir),
        Command::Wipe { yes } => store::wipe(&dir, yes),
    }
}

/// Writes `bytes` to `out`, or to standard output without one.
pub(crate) fn write_out(out: Option<&std::path::Path>, bytes: &[u8]) -> Result<()> {
    use anyhow::Context;
    use std::io::Write;
    match out {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
        }
        None => Ok(std::io::stdout().write_all(bytes)?),
    }
}
