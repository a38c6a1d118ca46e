//! Who may see a report and who may change what in it: the one place these
//! rules live. The hub enforces them on every push; the app and the command
//! line ask the same functions what to offer. The rules table a person reads
//! is `docs/policy.md`; a property test checks this code against an oracle
//! written from that table.
//!
//! Authority comes from the [`Authority`] a hub recorded when it first
//! accepted a report (from the creator's [`Grant`], never from the document),
//! and from the grant of whoever pushes a change. What a document says about
//! itself is only checked against them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::classification::{Classification, ReviewStatus};
use crate::ids::DeviceId;
use crate::shape::Facts;

/// What an enrolled device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A tablet or laptop in the field: its unit's and sector's reports.
    Field,
    /// Headquarters: every unit, up to its clearance; reviews.
    Hq,
    /// A hub syncing upstream: relays every unit, up to its clearance.
    Hub,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Field, Role::Hq, Role::Hub];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Field => "field",
            Role::Hq => "hq",
            Role::Hub => "hub",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "field" => Ok(Role::Field),
            "hq" => Ok(Role::Hq),
            "hub" => Ok(Role::Hub),
            other => Err(format!("unknown role {other:?}; expected field, hq or hub")),
        }
    }
}

/// A role as a hub wrote it down. One this version cannot read fails
/// closed, to the field's.
pub fn granted_role(text: &str) -> Role {
    text.parse().unwrap_or(Role::Field)
}

/// A clearance as a hub wrote it down. One this version cannot read fails
/// closed, to the lowest.
pub fn granted_clearance(text: &str) -> Classification {
    text.parse().unwrap_or(Classification::Unclassified)
}

/// What a hub granted one device at enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub device: DeviceId,
    pub role: Role,
    pub unit: String,
    /// Empty for a grant bound to no sector.
    pub sector: String,
    pub clearance: Classification,
}

/// What a hub recorded about a report when it first accepted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authority {
    /// The device whose push created the report here.
    pub creator: String,
    /// The creator's unit and sector, from its grant.
    pub unit: String,
    pub sector: String,
    /// The level the report counts at; raised by every accepted change,
    /// lowered only by headquarters.
    pub floor: Classification,
    pub form: String,
    /// The relay hub that vouched for the report, when it arrived through one
    /// (its unit and sector are then the relay's word, checked by that hub).
    pub vouched_by: Option<String>,
}

/// Why a change was refused. Each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not cleared for this report")]
    NotCleared,
    #[error("the report's id, form, author, unit, sector, device or creation time may not change")]
    FixedField,
    #[error("the report claims another unit, sector or device than the grant")]
    WrongOrigin,
    #[error("only headquarters may do this")]
    HqOnly,
    #[error("only headquarters may lower a classification")]
    Lowered,
    #[error("only the report's own unit may change what it says")]
    OtherUnit,
    #[error("a comment may only be added as the device itself")]
    NotYourself,
    #[error("a comment may not be changed once made")]
    CommentChanged,
    #[error("a change was made by another device than the one sending it")]
    ForgedActor,
    #[error("only QIP assessments have a project pipeline")]
    NoPipeline,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotCleared => "policy.not_cleared",
            Refusal::FixedField => "policy.fixed_field",
            Refusal::WrongOrigin => "policy.wrong_origin",
            Refusal::HqOnly => "policy.hq_only",
            Refusal::Lowered => "policy.lowered",
            Refusal::OtherUnit => "policy.other_unit",
            Refusal::NotYourself => "policy.not_yourself",
            Refusal::CommentChanged => "policy.comment_changed",
            Refusal::ForgedActor => "policy.forged_actor",
            Refusal::NoPipeline => "policy.no_pipeline",
        }
    }
}

/// Whether a share (`"UNIT"` or `"sector:NAME"`) names the grant's unit or sector.
fn shared_with(grant: &Grant, shares: &BTreeSet<String>) -> bool {
    shares.contains(&grant.unit)
        || (!grant.sector.is_empty() && shares.contains(&format!("sector:{}", grant.sector)))
}

/// Whether `grant` may see (receive, be shown) a report with this record and
/// these shares: never above its clearance; headquarters and hubs see every
/// unit; the field sees its own unit, its own sector, and what was shared
/// with its unit or sector.
pub fn may_see(grant: &Grant, report: &Authority, shares: &BTreeSet<String>) -> bool {
    report.floor <= grant.clearance
        && match grant.role {
            Role::Hq | Role::Hub => true,
            Role::Field => {
                report.unit == grant.unit
                    || (!grant.sector.is_empty() && report.sector == grant.sector)
                    || shared_with(grant, shares)
            }
        }
}

/// Whether `grant` may change what a report says (answers, narrative, photos,
/// voice notes, links, read-back): its own unit in the field; any report it
/// may see at headquarters or as a relay.
pub fn may_write(grant: &Grant, report: &Authority, shares: &BTreeSet<String>) -> bool {
    may_see(grant, report, shares) && (grant.role != Role::Field || report.unit == grant.unit)
}

/// The review statuses a role may set. The field submits its own drafts;
/// review decisions are headquarters'.
pub fn may_set_status(role: Role, status: ReviewStatus) -> bool {
    match role {
        Role::Hq => true,
        Role::Field | Role::Hub => matches!(status, ReviewStatus::Draft | ReviewStatus::Submitted),
    }
}

/// Whether a role may share reports, move QIP stages, ask questions of an
/// author, lower a classification or file a headquarters-only form.
pub fn is_headquarters(role: Role) -> bool {
    role == Role::Hq
}

/// Whether a person on a device enrolled as `role` (`None`: not enrolled
/// anywhere, so no hub will take its word anyway) is offered headquarters'
/// actions: review statuses, shares, QIP stages, questions to an author.
/// The app and the command line ask this before they offer or do them.
pub fn device_offers_review(role: Option<Role>) -> bool {
    role.is_none_or(is_headquarters)
}

/// Whether a device enrolled as `role` may set `status` (see
/// [`device_offers_review`] for a device not enrolled).
pub fn device_may_set_status(role: Option<Role>, status: ReviewStatus) -> bool {
    role.is_none_or(|r| may_set_status(r, status))
}

/// The record a hub keeps for a report `grant`'s device creates: unit and
/// sector come from the grant, never from the document. (A report a relay
/// carries is recorded by the grant of the device that made it.)
pub fn record_for(grant: &Grant, facts: &Facts) -> Authority {
    Authority {
        creator: grant.device.to_string(),
        unit: grant.unit.clone(),
        sector: grant.sector.clone(),
        floor: facts.classification(),
        form: facts.fixed_value("form").to_string(),
        vouched_by: None,
    }
}

/// The record of a report held from before records were kept, or received
/// from the hub above: the document as it stands.
pub fn record_of_document(facts: &Facts) -> Authority {
    Authority {
        creator: facts.fixed_value("meta.device").to_string(),
        unit: facts.fixed_value("meta.author_unit").to_string(),
        sector: facts.fixed_value("meta.sector").to_string(),
        floor: facts.classification(),
        form: facts.fixed_value("form").to_string(),
        vouched_by: None,
    }
}

/// Who a report is shared with (`"UNIT"` or `"sector:NAME"`).
pub fn shares_of(doc: &crate::ReportDoc) -> BTreeSet<String> {
    doc.shares().into_iter().collect()
}

/// A section that is absent or an empty map.
fn empty_section(rendered: &str) -> bool {
    rendered.is_empty() || rendered == "{}"
}

/// Checks a report `grant` brings for the first time. `hq_only_form` says
/// whether its form is one only headquarters files.
pub fn check_create(grant: &Grant, facts: &Facts, hq_only_form: bool) -> Result<(), Refusal> {
    if facts.classification() > grant.clearance {
        return Err(Refusal::NotCleared);
    }
    // A report filed before the device was enrolled may not know its unit or
    // sector yet (empty); the record takes them from the grant. Another
    // unit, sector or device is a false claim.
    let claims = |key: &str, granted: &str| {
        let claimed = facts.fixed_value(key);
        claimed.is_empty() || claimed == granted
    };
    if grant.role != Role::Hub
        && (!claims("meta.author_unit", &grant.unit)
            || !claims("meta.sector", &grant.sector)
            || facts.fixed_value("meta.device") != grant.device.to_string())
    {
        return Err(Refusal::WrongOrigin);
    }
    if !empty_section(&facts.stages) && !crate::pipeline::has_pipeline(facts.fixed_value("form")) {
        return Err(Refusal::NoPipeline);
    }
    if is_headquarters(grant.role) {
        return Ok(());
    }
    let review_only = hq_only_form
        || facts
            .statuses
            .iter()
            .any(|s| !may_set_status(grant.role, *s))
        || !empty_section(&facts.shares)
        || !empty_section(&facts.stages)
        || facts.comments.values().any(|c| c.question);
    if review_only {
        return Err(Refusal::HqOnly);
    }
    check_comments(grant, None, facts)
}

/// Checks that the new comments in `after` are the grant's own and that no
/// earlier comment changed.
fn check_comments(grant: &Grant, before: Option<&Facts>, after: &Facts) -> Result<(), Refusal> {
    let me = grant.device.to_string();
    for (id, comment) in &after.comments {
        match before.and_then(|b| b.comments.get(id)) {
            Some(old) if old == comment => {}
            Some(_) => return Err(Refusal::CommentChanged),
            None => {
                // A relay carries its devices' comments; it cannot be
                // checked here which device made one (signatures will).
                if grant.role != Role::Hub && comment.devices != BTreeSet::from([me.clone()]) {
                    return Err(Refusal::NotYourself);
                }
                if comment.question && !is_headquarters(grant.role) {
                    return Err(Refusal::HqOnly);
                }
            }
        }
    }
    if let Some(before) = before
        && before
            .comments
            .keys()
            .any(|k| !after.comments.contains_key(k))
    {
        return Err(Refusal::CommentChanged);
    }
    Ok(())
}

/// Checks a change `grant` pushes to a report the hub holds as `before`,
/// recorded as `report`.
pub fn check_change(
    grant: &Grant,
    report: &Authority,
    before: &Facts,
    before_shares: &BTreeSet<String>,
    after: &Facts,
) -> Result<(), Refusal> {
    if before == after {
        return Ok(());
    }
    if !may_see(grant, report, before_shares) || after.classification() > grant.clearance {
        return Err(Refusal::NotCleared);
    }
    if before.fixed != after.fixed {
        return Err(Refusal::FixedField);
    }
    let hq = is_headquarters(grant.role);
    if after.classification() < before.classification().max(report.floor) && !hq {
        return Err(Refusal::Lowered);
    }
    // The field moves its own report between draft and submitted; it may
    // neither set a review decision nor undo one.
    if before.statuses != after.statuses
        && before
            .statuses
            .union(&after.statuses)
            .any(|s| !may_set_status(grant.role, *s))
    {
        return Err(Refusal::HqOnly);
    }
    if (before.shares != after.shares || before.stages != after.stages) && !hq {
        return Err(Refusal::HqOnly);
    }
    if before.stages != after.stages && !crate::pipeline::has_pipeline(&report.form) {
        return Err(Refusal::NoPipeline);
    }
    let writes = !before.changed_content(after).is_empty()
        || before.statuses != after.statuses
        || before.classifications != after.classifications;
    if writes && !may_write(grant, report, before_shares) {
        return Err(Refusal::OtherUnit);
    }
    check_comments(grant, Some(before), after)
}

/// Checks that every change a peer brought was made by the peer itself: an
/// actor id is the device id (16 bytes), optionally followed by a session
/// number. A relay hub's changes come from the devices behind it, which
/// cannot be the ones enrolled here directly (those sync for themselves).
pub fn check_actors<'a>(
    grant: &Grant,
    actors: impl IntoIterator<Item = &'a [u8]>,
    enrolled_here: impl Fn(&[u8]) -> bool,
) -> Result<(), Refusal> {
    let me = grant.device.as_uuid().as_bytes();
    for actor in actors {
        let device = actor.get(..16).unwrap_or(actor);
        let ok = match grant.role {
            Role::Field | Role::Hq => device == me,
            Role::Hub => device == me || !enrolled_here(device),
        };
        if !ok {
            return Err(Refusal::ForgedActor);
        }
    }
    Ok(())
}
