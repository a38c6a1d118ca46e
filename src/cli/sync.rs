//! `outpost enrol` and `outpost sync`.

use std::path::Path;

use anyhow::{Context, Result};
use outpost_report::Lang;
use outpost_sync::LinkBudget;
use outpost_sync::http::SyncError;
use outpost_sync::trust::{EnrolmentCard, Given, trust_for};

use super::store::open;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the network runtime")
}

/// How the hub is to be trusted, as given on the command line.
pub struct Authority {
    pub ca_cert: Option<std::path::PathBuf>,
    pub ca_fingerprint: Option<String>,
    pub insecure_http: bool,
}

pub fn enrol(
    dir: &Path,
    hub: &str,
    code: &str,
    name: Option<String>,
    authority: Authority,
    lang: Lang,
) -> Result<()> {
    let mut store = open(dir)?;
    let name = name
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "outpost device".into());
    let ca_pem = match authority.ca_cert {
        Some(path) => Some(std::fs::read_to_string(&path).with_context(|| {
            format!("reading the hub's certificate authority {}", path.display())
        })?),
        None => None,
    };
    let card = EnrolmentCard::read(code);
    let given = Given {
        ca_pem,
        fingerprint: authority.ca_fingerprint.or(card.fingerprint),
        insecure_http: authority.insecure_http,
    };
    let runtime = runtime()?;
    let record = runtime.block_on(async {
        let trust = trust_for(hub, given, lang).await?;
        outpost_sync::http::enrol(&mut store, hub, &card.code, &name, lang, trust).await
    })?;
    println!("{}", record.hub_id);
    eprintln!(
        "enrolled with {} as {} of {} ({}), cleared {}",
        record.url, record.role, record.unit, record.sector, record.clearance
    );
    Ok(())
}

pub fn sync(
    dir: &Path,
    hub: Option<&str>,
    budget: LinkBudget,
    json: bool,
    lang: Lang,
) -> Result<()> {
    let mut store = open(dir)?;
    let record = store.hub(hub)?.ok_or(SyncError::NotEnrolled)?;
    let report =
        match runtime()?.block_on(outpost_sync::http::sync(&mut store, &record, &budget, lang)) {
            Ok(report) => report,
            Err(e) => return Err(outpost_sync::http::obey_revocation(store, e).into()),
        };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: {} document(s) up, {} down; {} photo file(s) up, {} down; {} B up, {} B down, {} round trip(s)",
            report.hub,
            report.documents.docs_up,
            report.documents.docs_down,
            report.blobs_up,
            report.blobs_down,
            report.bytes_up,
            report.bytes_down,
            report.documents.round_trips
        );
        let w = &report.waiting;
        if w.documents + w.thumbnails_up + w.previews_up + w.originals_up + w.blobs_down > 0 {
            println!(
                "still waiting: {} document(s); photos to send: {} thumbnail(s), {} preview(s), {} original(s); {} to receive",
                w.documents, w.thumbnails_up, w.previews_up, w.originals_up, w.blobs_down
            );
            for r in &w.reasons {
                println!("  because: {r}");
            }
        } else {
            println!("everything is at the hub");
        }
        for (id, code) in &report.documents.rejected {
            println!(
                "  refused: {id}: {}",
                outpost_report::i18n::message(lang, code, &[("detail", String::new())])
            );
        }
    }
    // Something that should have moved did not: say so in the exit code too.
    let refused = report.documents.rejected.len();
    if refused > 0 {
        return Err(crate::cli::failure::CliError::SyncRefused { count: refused }.into());
    }
    Ok(())
}
