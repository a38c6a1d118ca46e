//! The report domain of Outpost: what a field report *is*, independent of where it
//! is stored or how it travels.
//!
//! - [`form`]: report kinds as data — versioned, bilingual form definitions shipped
//!   as JSON files and loaded into a [`form::Catalog`].
//! - [`logic`] and [`flow`]: the XLSForm-style expression language, and what a
//!   form asks given its answers (relevance, requirement, calculations).
//! - [`xlsform`]: ODK/KoboToolbox spreadsheets read as forms, saying what
//!   could not be carried over.
//! - [`validate`]: checks a set of answers against a form and returns *every*
//!   problem at once, each with the field, a stable code and a localised message.
//! - [`document`]: one automerge document per report. Answers and metadata live in
//!   it; concurrent edits of the same field are kept side by side as a
//!   [`document::Conflict`] for a person to resolve, never silently dropped.
//! - [`policy`]: who may see a report and who may change what in it, decided
//!   from what a hub recorded and the pusher's grant; [`shape`] checks that a
//!   received document is a report at all and reads the facts the policy needs.
//! - [`signature`]: what a device signs (its changes) and a hub vouches for
//!   (its devices' keys), with ed25519.
//! - [`i18n`]: English and French messages for every code this workspace emits.
//!
//! Nothing here does IO: the clock, identifiers and bytes are passed in, so the
//! same code runs on a tablet, in a hub and in deterministic tests.

pub mod classification;
pub mod document;
pub mod flow;
pub mod form;
pub mod i18n;
pub mod ids;
pub mod logic;
pub mod pipeline;
pub mod policy;
pub mod readback;
pub mod shape;
pub mod signature;
pub mod time;
pub mod validate;
pub mod xlsform;

pub use automerge::ChangeHash;
pub use classification::{Classification, ReviewStatus};
pub use document::{
    Conflict, DocumentError, NewReport, PhotoRef, Readback, ReportDoc, VariantRef, VoiceNoteRef,
};
pub use flow::Flow;
pub use form::{Catalog, FieldKind, Form, FormError, STANDING_QUESTION};
pub use i18n::Lang;
pub use ids::{CommentId, DeviceId, PhotoId, ReportId, VoiceNoteId};
pub use policy::{Authority, Grant, Role};
pub use shape::{Facts, ShapeError};
pub use time::Timestamp;
pub use validate::{Problem, validate_answers};
