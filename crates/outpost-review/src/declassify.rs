//! Releasing a report at a lower classification. Lowering the level of the
//! report itself would hand its whole history — every earlier, higher-
//! classified value — to the devices that may now receive it. Instead
//! headquarters makes a copy with a history of its own that holds only what
//! the report says now, at the lower level, linked to the original; the
//! original, with its history, stays at its level.

use outpost_report::document::NewReport;
use outpost_report::{Classification, DocumentError, ReportId, Timestamp};
use outpost_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DeclassifyError {
    #[error("{to} is not lower than the report's classification {from}")]
    NotLower {
        from: Classification,
        to: Classification,
    },
    #[error("the report could not be read, or the copy made or saved")]
    Store(#[from] StoreError),
}

impl From<DocumentError> for DeclassifyError {
    fn from(e: DocumentError) -> Self {
        DeclassifyError::Store(e.into())
    }
}

impl DeclassifyError {
    pub fn code(&self) -> &'static str {
        match self {
            DeclassifyError::NotLower { .. } => "review.not_lower",
            DeclassifyError::Store(e) => e.code(),
        }
    }

    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            DeclassifyError::NotLower { from, to } => {
                vec![("from", from.to_string()), ("to", to.to_string())]
            }
            DeclassifyError::Store(e) => e.args(),
        }
    }
}

/// Makes and saves the copy of report `id` released at `level` (which must
/// be lower than the report's), as this headquarters device; returns the
/// copy's id. The copy is shared with the original's unit and with whoever
/// the original was shared with, so they receive it up to their clearance.
pub fn declassify(
    store: &mut Store,
    id: ReportId,
    level: Classification,
    now: Timestamp,
) -> Result<ReportId, DeclassifyError> {
    let original = store.load(id)?;
    let meta = original.meta();
    if level >= meta.classification {
        return Err(DeclassifyError::NotLower {
            from: meta.classification,
            to: level,
        });
    }
    let form = store
        .catalog()
        .form_of(&original)
        .cloned()
        .ok_or_else(|| StoreError::from(DocumentError::NotAReport { missing: "form" }))?;
    let here = store.profile()?;
    let copy_id = ReportId::from_uuid(uuid::Uuid::now_v7());
    let new = NewReport {
        id: copy_id,
        author: meta.author.clone(),
        // The copy is headquarters' release: its own unit and device.
        author_unit: here.unit.clone(),
        sector: here.sector.clone(),
        device: store.device_id(),
        language: meta.language,
        classification: level,
        status: meta.status,
    };
    let mut copy = original.declassified(&form, &new, now)?;
    let by = if here.author.is_empty() {
        here.unit.clone()
    } else {
        here.author.clone()
    };
    let mut grantees = original.shares();
    if !meta.author_unit.is_empty() {
        grantees.push(meta.author_unit.clone());
    }
    grantees.sort();
    grantees.dedup();
    for grantee in grantees {
        copy.share_with(&grantee, &by, now)?;
    }
    store.save(&mut copy, now)?;
    Ok(copy_id)
}
