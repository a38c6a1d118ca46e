//! Writes the fuzz targets' starting corpora (`fuzz/corpus/<target>/`) from
//! real traffic: a tablet files one report of each kind (one with a
//! comment, one edited after its first sync), syncs with a hub, and a second
//! tablet of the same unit syncs down. Every request and response body of
//! those exchanges, every document and every shipped form becomes a seed.
//!
//! `cargo run --example fuzz_seeds -- fuzz/corpus`

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use outpost_report::document::Comment;
use outpost_report::{
    Catalog, Classification, CommentId, Lang, NewReport, ReportDoc, ReportId, ReviewStatus,
    Timestamp,
};
use outpost_store::{HubRecord, Passphrase, Store};
use outpost_sync::Role;
use outpost_sync::protocol;
use outpost_sync::serve::{Peer, handle_sync};
use outpost_sync::session::Session;

const NOW: Timestamp = Timestamp::from_millis(1_777_593_600_000);

/// A body seed: the first byte says the rest is the message before
/// compression (see the sync targets), so mutations reach its structure.
fn body_seed(message: &impl serde::Serialize) -> Vec<u8> {
    let mut seed = vec![1u8];
    seed.extend(postcard::to_stdvec(message).expect("a message serialises"));
    seed
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(name), bytes).with_context(|| format!("writing {name}"))
}

fn record() -> HubRecord {
    HubRecord {
        hub_id: "hub".into(),
        url: "https://hub.invalid".into(),
        token: String::new(),
        unit: "BATGAO-1".into(),
        sector: "East".into(),
        role: "field".into(),
        clearance: "CONFIDENTIAL".into(),
        cursor: 0,
        enrolled_at: NOW,
        last_sync_at: None,
        ca_pem: None,
    }
}

/// One whole sync of `device` with `hub`, every body written as a seed.
fn sync(hub: &mut Store, device: &mut Store, out: &Path, tag: &str) -> Result<()> {
    let peer = Peer::new(
        &device.device_id().to_string(),
        Role::Field,
        "BATGAO-1",
        "East",
        Classification::Confidential,
    );
    let mut session = Session::new(&record());
    let mut n = 0;
    while let Some(req) = session.next_request(device)? {
        let resp = handle_sync(hub, &peer, &req, NOW)?;
        write(
            &out.join("sync_request"),
            &format!("{tag}-{n}"),
            &body_seed(&req),
        )?;
        write(&out.join("sync_request"), &format!("{tag}-{n}.zst"), &{
            let mut raw = vec![0u8];
            raw.extend(protocol::encode(&req));
            raw
        })?;
        write(
            &out.join("sync_response"),
            &format!("{tag}-{n}"),
            &body_seed(&resp),
        )?;
        session.apply(device, &req, resp, NOW)?;
        n += 1;
    }
    Ok(())
}

fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    let work = tempfile::tempdir()?;
    let open = |name: &str| {
        Store::unlock(
            &work.path().join(name),
            &Passphrase::new("fuzz corpus seeds"),
            NOW,
        )
    };
    let (mut hub, mut tablet, mut other) = (open("hub")?, open("tablet")?, open("other")?);
    let catalog = Catalog::builtin();
    let mut ids = Vec::new();
    for (n, kind) in ["patrol", "incident", "qip"].into_iter().enumerate() {
        let form = catalog.get(kind).context("a shipped form")?;
        let new = NewReport {
            id: ReportId::from_uuid(uuid::Uuid::from_u128(
                0x0197_0000_0000_7000_8000_0000_0000_0000 + n as u128,
            )),
            author: "Lt. A. Traoré".into(),
            author_unit: "BATGAO-1".into(),
            sector: "East".into(),
            device: tablet.device_id(),
            language: Lang::Fr,
            classification: Classification::ALL[n],
            status: ReviewStatus::Submitted,
        };
        let mut doc = ReportDoc::create(form, &new, NOW)?;
        doc.set_answers(&form.template(), NOW)?;
        tablet.save(&mut doc, NOW)?;
        ids.push(doc.id());
    }
    let comment = Comment {
        id: CommentId::from_uuid(uuid::Uuid::from_u128(7)),
        author: "Lt. A. Traoré".into(),
        device: tablet.device_id().to_string(),
        at: NOW,
        lang: Lang::Fr,
        text: "Deux interprètes avec nous.".into(),
        question: false,
    };
    tablet.update(ids[0], NOW, |d| Ok(d.add_comment(&comment)?))?;
    sync(&mut hub, &mut tablet, &out, "first")?;
    tablet.update(ids[1], NOW, |d| {
        Ok(d.set_answer(
            "narrative",
            &serde_json::json!("Mise à jour après la patrouille."),
            NOW,
        )?)
    })?;
    sync(&mut hub, &mut tablet, &out, "edit")?;
    sync(&mut hub, &mut other, &out, "down")?;

    for id in &ids {
        let mut doc = tablet.load(*id)?;
        write(&out.join("document"), &id.to_string(), &doc.save())?;
    }
    // A document as the first released schema wrote it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    write(
        &out.join("document"),
        "schema1-patrol",
        &std::fs::read(root.join("tests/fixtures/report-schema1-patrol.automerge"))?,
    )?;
    let forms = root.join("forms");
    for entry in std::fs::read_dir(&forms)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .context("a file name")?
            .to_string_lossy()
            .to_string();
        write(&out.join("form"), &name, &std::fs::read(&path)?)?;
    }
    // Real XLSForms, the smallest of the import fixtures.
    for name in ["unhcr_demo.xlsx", "simple_building_survey_wildfires.xlsx"] {
        let path = root.join("tests/fixtures/xlsforms").join(name);
        write(&out.join("xlsform"), name, &std::fs::read(&path)?)?;
    }
    println!("seeds written to {}", out.display());
    Ok(())
}
