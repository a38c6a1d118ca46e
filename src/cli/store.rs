//! Commands about the store as a whole: profile, doctor, demo.

use std::path::Path;

use anyhow::{Context, Result};
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Lang, ReportDoc};
use outpost_store::{Passphrase, Profile, Store};

use super::failure::CliError;

/// Unlocks and opens the store in `dir`. The passphrase comes from
/// `OUTPOST_PASSPHRASE`, else from a prompt on the terminal; a script with
/// neither is told how to give it rather than left waiting.
pub fn open(dir: &Path) -> Result<Store> {
    let passphrase = passphrase(dir)?;
    Store::unlock(dir, &passphrase, SystemClock.now())
        .with_context(|| format!("opening the store in {}", dir.display()))
}

fn passphrase(dir: &Path) -> Result<Passphrase> {
    if !outpost_store::has_key(dir) {
        let prompt = format!(
            "New passphrase or PIN for {} (at least {} characters): ",
            dir.display(),
            outpost_store::MIN_PASSPHRASE_CHARS
        );
        return given_or_asked("OUTPOST_PASSPHRASE", &prompt, true);
    }
    given_or_asked(
        "OUTPOST_PASSPHRASE",
        &format!("Passphrase for {}: ", dir.display()),
        false,
    )
}

/// A passphrase from the environment variable `var`, else asked on the
/// terminal (twice when it is a new one); with neither, the store stays
/// locked rather than a script waiting on a prompt nobody answers.
fn given_or_asked(var: &str, prompt: &str, new: bool) -> Result<Passphrase> {
    use std::io::IsTerminal;
    if let Ok(text) = std::env::var(var) {
        return Ok(Passphrase::new(text));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Locked.into());
    }
    let text = rpassword::prompt_password(prompt).context("reading the passphrase")?;
    if new {
        let again =
            rpassword::prompt_password("The same again: ").context("reading the passphrase")?;
        if again != text {
            return Err(CliError::PassphrasesDiffer.into());
        }
    }
    Ok(Passphrase::new(text))
}

/// Wraps the store's key with a new passphrase, given in
/// `OUTPOST_NEW_PASSPHRASE` or at a prompt.
pub fn change_passphrase(dir: &Path) -> Result<()> {
    let old = passphrase(dir)?;
    let new = given_or_asked("OUTPOST_NEW_PASSPHRASE", "New passphrase or PIN: ", true)?;
    outpost_store::change_passphrase(dir, &old, &new, SystemClock.now())?;
    eprintln!("the passphrase of {} is changed", dir.display());
    Ok(())
}

/// Destroys the store's key, then its files. Needs no passphrase: a device
/// about to be taken is wiped by whoever holds it.
pub fn wipe(dir: &Path, yes: bool) -> Result<()> {
    if !yes {
        return Err(CliError::WipeNotConfirmed.into());
    }
    outpost_store::wipe(dir).with_context(|| format!("wiping {}", dir.display()))?;
    eprintln!(
        "{}: the key is destroyed and the data removed",
        dir.display()
    );
    Ok(())
}

pub fn profile(
    dir: &Path,
    author: Option<String>,
    unit: Option<String>,
    sector: Option<String>,
) -> Result<()> {
    let mut store = open(dir)?;
    let mut profile = store.profile()?;
    if author.is_some() || unit.is_some() || sector.is_some() {
        profile = Profile {
            author: author.unwrap_or(profile.author),
            unit: unit.unwrap_or(profile.unit),
            sector: sector.unwrap_or(profile.sector),
        };
        store.set_profile(&profile)?;
    }
    println!("device: {}", store.device_id());
    println!("author: {}", profile.author);
    println!("unit:   {}", profile.unit);
    println!("sector: {}", profile.sector);
    Ok(())
}

pub fn doctor(dir: &Path, json: bool, rebuild: bool, repair: bool, lang: Lang) -> Result<()> {
    let mut store = open(dir)?;
    if repair {
        let found = store.doctor().context("examining the store")?;
        let mut set_aside = 0;
        for sha in found.missing_blobs.iter().chain(&found.corrupt_blobs) {
            set_aside += usize::from(store.set_aside_damaged(sha)?);
        }
        if set_aside > 0 {
            eprintln!(
                "set {set_aside} damaged file(s) aside; the next sync fetches them from a peer that holds them"
            );
        }
        let reclaimed = store.reclaim().context("removing leftover files")?;
        eprintln!(
            "removed {} leftover file(s) and {} temporary file(s)",
            reclaimed.orphan_files, reclaimed.temporary_files
        );
    }
    if rebuild || repair {
        let n = store
            .rebuild_projections()
            .context("rebuilding the report list")?;
        eprintln!("rebuilt the list and search index of {n} report(s)");
    }
    let report = store.doctor().context("examining the store")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let (ok, bad) = match lang {
            Lang::En => ("healthy", "PROBLEMS FOUND"),
            Lang::Fr => ("en bon état", "PROBLÈMES DÉTECTÉS"),
        };
        println!("store:      {}", store.dir().display());
        println!("integrity:  {}", report.integrity.join("; "));
        println!(
            "documents:  {} ({} unreadable)",
            report.documents,
            report.unreadable_documents.len()
        );
        println!(
            "blobs:      {} ({} missing, {} damaged, {} leftover files)",
            report.blobs,
            report.missing_blobs.len(),
            report.corrupt_blobs.len(),
            report.orphan_blob_files + report.temporary_files
        );
        if !report.awaited_photo_variants.is_empty() {
            let waiting = match lang {
                Lang::En => "photo files not received yet (they come with a later sync)",
                Lang::Fr => {
                    "fichiers photo pas encore reçus (ils viendront avec une prochaine synchronisation)"
                }
            };
            println!(
                "waiting:    {} {waiting}",
                report.awaited_photo_variants.len()
            );
        }
        for (id, why) in &report.unreadable_documents {
            println!("  unreadable report {id}: {why}");
        }
        for q in &report.quarantined {
            println!(
                "  quarantined report {} ({}, since {}): never sent until repaired",
                q.report,
                q.code,
                q.at.to_rfc3339()
            );
        }
        for sha in report.missing_blobs.iter().chain(&report.corrupt_blobs) {
            println!("  blob {sha} (run `outpost doctor --repair`, then sync)");
        }
        for sha in &report.set_aside_damaged {
            println!("  blob {sha}: damaged, set aside until a sync brings a good copy");
        }
        for id in &report.projection_mismatches {
            println!("  list entry out of date: {id} (run `outpost doctor --repair`)");
        }
        println!("{}", if report.is_healthy() { ok } else { bad });
    }
    if !report.is_healthy() {
        anyhow::bail!("the store has problems (see above)");
    }
    Ok(())
}

/// A few complete reports from the shipped templates, so a new user sees what
/// Outpost holds before filing their own.
pub fn demo(dir: &Path, reports: usize, lang: Lang) -> Result<()> {
    let mut store = open(dir)?;
    if store.profile()?.author.is_empty() {
        store.set_profile(&Profile {
            author: "Capt. A. Diallo".into(),
            unit: "BATGAO-2".into(),
            sector: "East".into(),
        })?;
    }
    let now = SystemClock.now();
    let forms: Vec<_> = store.catalog().forms().cloned().collect();
    let mut batch = Vec::new();
    for form in forms.iter().cycle().take(reports) {
        let new = super::report::new_report(
            &store,
            None,
            None,
            lang,
            outpost_report::Classification::Unclassified,
            false,
        )?;
        let mut doc = ReportDoc::create(form, &new, now)?;
        doc.set_answers(&form.template(), now)?;
        if reports <= forms.len() {
            println!("{}  {}  {}", doc.id(), form.id, doc.title(form, lang));
        }
        batch.push(doc);
        // Many reports go in batches: one disk sync per thousand, not per report.
        if batch.len() == 1000 {
            store.save_all(&mut batch, now)?;
            batch.clear();
        }
    }
    store.save_all(&mut batch, now)?;
    println!(
        "\n{} report(s) in {}",
        store.count(&Default::default())?,
        store.dir().display()
    );
    Ok(())
}
