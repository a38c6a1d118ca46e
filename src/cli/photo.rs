//! `outpost photo …`

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use outpost_media::Limits;
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Lang, PhotoId};

use super::report::parse_id;
use super::store::open;

#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Attach a photo to a report. Metadata (EXIF, GPS) is stripped from what is stored.
    Add {
        report: String,
        file: PathBuf,
        /// The form field the photo answers (default: the form's photos field).
        #[arg(long)]
        field: Option<String>,
        /// Keep the capture time and GPS position from the photo as report data.
        #[arg(long)]
        keep_capture_facts: bool,
    },
}

pub fn run(cmd: PhotoCommand, dir: &Path, _lang: Lang) -> Result<()> {
    match cmd {
        PhotoCommand::Add {
            report,
            file,
            field,
            keep_capture_facts,
        } => {
            let report = parse_id(&report)?;
            let mut store = open(dir)?;
            let field = match field {
                Some(f) => Some(f),
                None => store.attachment_field(report, |k| {
                    matches!(k, outpost_report::FieldKind::Photos { .. })
                })?,
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let processed = outpost_media::process(&bytes, &Limits::default())
                .with_context(|| format!("processing {}", file.display()))?;
            let photo = store.add_photo(
                report,
                &processed,
                field.as_deref(),
                keep_capture_facts,
                PhotoId::from_uuid(uuid::Uuid::now_v7()),
                SystemClock.now(),
            )?;
            println!("{}", photo.id);
            for (name, v) in [
                ("original", &photo.original),
                ("preview", &photo.preview),
                ("thumbnail", &photo.thumbnail),
            ] {
                eprintln!(
                    "  {name:<9} {}  {}x{}  {} bytes",
                    v.sha256, v.width, v.height, v.bytes
                );
            }
        }
    }
    Ok(())
}
