//! The policy against an oracle written from the rules table in
//! `docs/policy.md`, not from `outpost_report::policy`: random grants,
//! records, shares and changes, each change made to a real report document.

use std::collections::BTreeSet;

use outpost_report::document::Comment;
use outpost_report::pipeline::{QipStage, StageEntry};
use outpost_report::policy::{self, Authority, Grant, Role};
use outpost_report::{Classification, CommentId, Lang, ReportDoc, ReportId, ReviewStatus};
use proptest::prelude::*;

use crate::util::{self, T0};

const UNITS: [&str; 3] = ["ALPHA", "BRAVO", "CHARLIE"];
const SECTORS: [&str; 3] = ["East", "North", ""];
const GRANTEES: [&str; 4] = ["ALPHA", "BRAVO", "sector:East", "sector:North"];

/// The table's "who may see a report", read row by row (one argument per
/// column of the table, so a reader can check it against the page).
#[allow(clippy::too_many_arguments)]
pub fn oracle_sees(
    role: &str,
    grant_unit: &str,
    grant_sector: &str,
    clearance: usize,
    report_unit: &str,
    report_sector: &str,
    level: usize,
    shares: &[&str],
) -> bool {
    if level > clearance {
        return false; // "never when the report's level is above the grant's clearance"
    }
    if role == "hq" || role == "hub" {
        return true; // "every unit and sector, up to the clearance"
    }
    let sector_share = format!("sector:{grant_sector}");
    report_unit == grant_unit
        || (!grant_sector.is_empty() && report_sector == grant_sector)
        || shares.contains(&grant_unit)
        || (!grant_sector.is_empty() && shares.contains(&sector_share.as_str()))
}

/// The changes the table has a row for.
#[derive(Debug, Clone, Copy)]
enum Change {
    Answer,
    Raise,
    Lower,
    Verify,
    BackToDraft,
    Share,
    Stage,
    Comment,
    Question,
    CommentAsOther,
}

const CHANGES: [Change; 10] = [
    Change::Answer,
    Change::Raise,
    Change::Lower,
    Change::Verify,
    Change::BackToDraft,
    Change::Share,
    Change::Stage,
    Change::Comment,
    Change::Question,
    Change::CommentAsOther,
];

/// The table's "who may change what", for a report the grant may see.
fn oracle_allows(role: &str, own_unit: bool, change: Change, new_level_cleared: bool) -> bool {
    let hq = role == "hq";
    let field = role == "field";
    match change {
        // "its own unit's reports it may see" / "any report it may see"
        Change::Answer => !field || own_unit,
        // raise: "its own unit's reports, up to its clearance" / "up to its clearance"
        Change::Raise => new_level_cleared && (!field || own_unit),
        Change::Lower => hq,
        Change::Verify => hq,
        // "only between draft and submitted" (its own unit's, in the field)
        Change::BackToDraft => !field || own_unit,
        Change::Share | Change::Stage => hq,
        // "on a report it may see, in its own device's name"
        Change::Comment => true,
        Change::Question => hq,
        // a relay "carries its devices' comments"
        Change::CommentAsOther => role == "hub",
    }
}

fn comment(device: String, question: bool) -> Comment {
    Comment {
        id: CommentId::from_uuid(uuid::Uuid::new_v4()),
        author: "someone".into(),
        device,
        at: T0,
        lang: Lang::En,
        text: "seen".into(),
        question,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn who_may_see_and_change_what_follows_the_rules_table(
        role in 0usize..3,
        grant_unit in 0usize..3,
        grant_sector in 0usize..3,
        clearance in 0usize..3,
        report_unit in 0usize..3,
        report_sector in 0usize..3,
        level in 0usize..3,
        shares in prop::collection::btree_set(0usize..4, 0..3),
        change in 0usize..CHANGES.len(),
    ) {
        let role_name = ["field", "hq", "hub"][role];
        let grant = Grant {
            device: util::device(7),
            role: [Role::Field, Role::Hq, Role::Hub][role],
            unit: UNITS[grant_unit].into(),
            sector: SECTORS[grant_sector].into(),
            clearance: Classification::ALL[clearance],
        };
        let record = Authority {
            creator: util::device(1).to_string(),
            unit: UNITS[report_unit].into(),
            sector: SECTORS[report_sector].into(),
            floor: Classification::ALL[level],
            form: "qip".into(),
            vouched_by: None,
        };
        let share_names: Vec<&str> = shares.iter().map(|g| GRANTEES[*g]).collect();
        let share_set: BTreeSet<String> = share_names.iter().map(|s| s.to_string()).collect();

        let sees = oracle_sees(
            role_name, UNITS[grant_unit], SECTORS[grant_sector], clearance,
            UNITS[report_unit], SECTORS[report_sector], level, &share_names,
        );
        prop_assert_eq!(policy::may_see(&grant, &record, &share_set), sees, "may_see");

        // The report as its creator filed it.
        let form = util::form("qip");
        let mut new = util::new_report(ReportId::from_uuid(uuid::Uuid::new_v4()), util::device(1), Classification::ALL[level]);
        new.author_unit = UNITS[report_unit].into();
        new.sector = SECTORS[report_sector].into();
        let mut doc = ReportDoc::create(&form, &new, T0).expect("create");
        for g in &share_names {
            doc.share_with(g, "HQ", T0).expect("share");
        }
        let before = doc.facts().expect("in shape");
        doc.set_session(grant.device, 1);

        let change = CHANGES[change];
        let mut new_level_cleared = true;
        match change {
            Change::Answer => { doc.set_answer("community", &serde_json::json!("Anéfis"), T0).expect("answer"); }
            Change::Raise => {
                let up = (level + 1).min(2);
                new_level_cleared = up <= clearance;
                doc.set_classification(Classification::ALL[up], T0).expect("raise");
            }
            Change::Lower => doc.set_classification(Classification::ALL[level.saturating_sub(1)], T0).expect("lower"),
            Change::Verify => doc.set_status(ReviewStatus::Verified, T0).expect("status"),
            Change::BackToDraft => doc.set_status(ReviewStatus::Draft, T0).expect("status"),
            Change::Share => doc.share_with("CHARLIE", "someone", T0).expect("share"),
            Change::Stage => doc.enter_stage(&StageEntry { stage: QipStage::Proposed, at: T0, by: "someone".into() }).expect("stage"),
            Change::Comment => doc.add_comment(&comment(grant.device.to_string(), false)).expect("comment"),
            Change::Question => doc.add_comment(&comment(grant.device.to_string(), true)).expect("comment"),
            Change::CommentAsOther => doc.add_comment(&comment(util::device(9).to_string(), false)).expect("comment"),
        }
        let after = doc.facts().expect("in shape");
        // A raise or lower that lands on the same level is no change at all.
        let unchanged = before == after;
        let expected = unchanged || (sees && oracle_allows(role_name, report_unit == grant_unit, change, new_level_cleared));
        let got = policy::check_change(&grant, &record, &before, &share_set, &after);
        prop_assert_eq!(got.is_ok(), expected, "{:?} by {} {:?} on a report of {:?}: {:?}", change, role_name, grant, record, got);
    }
}
