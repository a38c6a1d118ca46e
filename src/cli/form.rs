//! `outpost form`: the forms this device offers, and XLSForm import.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use outpost_report::i18n::{self, Lang};
use outpost_report::xlsform;
use serde::Serialize;

use super::failure::CliError;
use super::store::open;

#[derive(Debug, Subcommand)]
pub enum FormCommand {
    /// The forms this device offers, with their versions.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Convert an XLSForm (.xlsx or .xls, as made for ODK or KoboToolbox) into an
    /// Outpost form file, and say what could not be carried over, row by row.
    Import {
        file: PathBuf,
        /// Where to write the form (default: FORM_ID.json here). An existing
        /// file is never overwritten.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the result as JSON (form id, version, counts, notes).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    version: u32,
    title: &'a str,
    questions: usize,
    steps: usize,
}

#[derive(Serialize)]
struct ImportReport<'a> {
    id: &'a str,
    version: u32,
    path: String,
    survey_rows: usize,
    questions: usize,
    steps: usize,
    notes: &'a [xlsform::Note],
}

pub fn run(cmd: FormCommand, dir: &Path, lang: Lang) -> Result<()> {
    match cmd {
        FormCommand::List { json } => {
            let store = open(dir)?;
            let forms: Vec<Listed> = store
                .catalog()
                .forms()
                .map(|f| Listed {
                    id: &f.id,
                    version: f.version,
                    title: f.title.get(lang),
                    questions: f.fields.len(),
                    steps: f.steps.len(),
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&forms)?);
            } else {
                for f in &forms {
                    println!(
                        "{:<20} v{:<4} {:>4} question(s)  {}",
                        f.id, f.version, f.questions, f.title
                    );
                }
            }
        }
        FormCommand::Import { file, out, json } => {
            let bytes = std::fs::read(&file).map_err(|source| CliError::FileUnreadable {
                path: file.display().to_string(),
                source,
            })?;
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let book = xlsform::read_workbook(&bytes)?;
            let imported = xlsform::convert(&book, &stem)?;
            let form = &imported.form;
            let path = out.unwrap_or_else(|| PathBuf::from(format!("{}.json", form.id)));
            let mut text = serde_json::to_string_pretty(form)?;
            text.push('\n');
            let mut written = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|source| CliError::FileNotWritten {
                    path: path.display().to_string(),
                    source,
                })?;
            written
                .write_all(text.as_bytes())
                .and_then(|()| written.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            if json {
                let report = ImportReport {
                    id: &form.id,
                    version: form.version,
                    path: path.display().to_string(),
                    survey_rows: imported.rows,
                    questions: form.fields.len(),
                    steps: form.steps.len(),
                    notes: &imported.notes,
                };
                println!("{}", serde_json::to_string_pretty(&report)?);
                return Ok(());
            }
            println!("{}", form.id);
            eprintln!(
                "{}",
                i18n::message(
                    lang,
                    "form.imported",
                    &[
                        ("id", form.id.clone()),
                        ("version", form.version.to_string()),
                        ("questions", form.fields.len().to_string()),
                        ("steps", form.steps.len().to_string()),
                        ("rows", imported.rows.to_string()),
                    ],
                )
            );
            if !imported.notes.is_empty() {
                eprintln!(
                    "{}",
                    i18n::message(
                        lang,
                        "form.not_carried_over",
                        &[("count", imported.notes.len().to_string())],
                    )
                );
                for n in &imported.notes {
                    let at = match (n.row, n.name.is_empty()) {
                        (0, true) => String::new(),
                        (0, false) => format!("{}: ", n.name),
                        (row, true) => format!("row {row}: "),
                        (row, false) => format!("row {row} ({}): ", n.name),
                    };
                    eprintln!("  - {at}{}", n.what);
                }
            }
            eprintln!(
                "{}",
                i18n::message(
                    lang,
                    "form.written",
                    &[("path", path.display().to_string())]
                )
            );
        }
    }
    Ok(())
}
