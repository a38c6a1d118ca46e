//! UN information sensitivity levels and the review workflow a report moves through.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The UN's three information sensitivity levels, ordered from least to most
/// sensitive so that `level <= clearance` is the rule for who may see a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Classification {
    #[serde(rename = "UNCLASSIFIED")]
    Unclassified,
    #[serde(rename = "CONFIDENTIAL")]
    Confidential,
    #[serde(rename = "STRICTLY CONFIDENTIAL")]
    StrictlyConfidential,
}

impl Classification {
    pub const ALL: [Classification; 3] = [
        Classification::Unclassified,
        Classification::Confidential,
        Classification::StrictlyConfidential,
    ];

    /// The canonical spelling stored in documents and shown on reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Unclassified => "UNCLASSIFIED",
            Classification::Confidential => "CONFIDENTIAL",
            Classification::StrictlyConfidential => "STRICTLY CONFIDENTIAL",
        }
    }

    /// A number that orders levels in SQL projections (higher is more sensitive).
    pub fn rank(self) -> i64 {
        self as i64
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown classification: carries what was given so the message can quote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown classification {given:?}; expected UNCLASSIFIED, CONFIDENTIAL or STRICTLY CONFIDENTIAL"
)]
pub struct UnknownClassification {
    pub given: String,
}

impl FromStr for Classification {
    type Err = UnknownClassification;

    /// Accepts the canonical names in any case, with `_`, `-` or a space between
    /// words (a shell user types `strictly-confidential`), and the French names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| if c == '_' || c == '-' { ' ' } else { c })
            .collect::<String>()
            .to_uppercase();
        let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
        match norm.as_str() {
            "UNCLASSIFIED" | "NON CLASSIFIÉ" | "NON CLASSIFIE" => Ok(Classification::Unclassified),
            "CONFIDENTIAL" | "CONFIDENTIEL" => Ok(Classification::Confidential),
            "STRICTLY CONFIDENTIAL" | "STRICTEMENT CONFIDENTIEL" => {
                Ok(Classification::StrictlyConfidential)
            }
            _ => Err(UnknownClassification {
                given: s.to_string(),
            }),
        }
    }
}

/// Where a report is in review. Review travels back to the field with the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Draft,
    Submitted,
    UnderReview,
    NeedsInformation,
    Verified,
    Closed,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 6] = [
        ReviewStatus::Draft,
        ReviewStatus::Submitted,
        ReviewStatus::UnderReview,
        ReviewStatus::NeedsInformation,
        ReviewStatus::Verified,
        ReviewStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::UnderReview => "under_review",
            ReviewStatus::NeedsInformation => "needs_information",
            ReviewStatus::Verified => "verified",
            ReviewStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown review status {given:?}")]
pub struct UnknownStatus {
    pub given: String,
}

impl FromStr for ReviewStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_lowercase().replace([' ', '-'], "_");
        ReviewStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == norm)
            .ok_or_else(|| UnknownStatus {
                given: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_parses_the_ways_people_type_it() {
        for (input, want) in [
            ("UNCLASSIFIED", Classification::Unclassified),
            ("confidential", Classification::Confidential),
            (
                "strictly-confidential",
                Classification::StrictlyConfidential,
            ),
            (
                "STRICTLY_CONFIDENTIAL",
                Classification::StrictlyConfidential,
            ),
            (
                "Strictement confidentiel",
                Classification::StrictlyConfidential,
            ),
        ] {
            assert_eq!(
                input.parse::<Classification>(),
                Ok(want),
                "{input:?} should parse"
            );
        }
        let err = "SECRET".parse::<Classification>().unwrap_err();
        assert_eq!(err.given, "SECRET", "the error quotes what was given");
    }

    #[test]
    fn levels_are_ordered_by_sensitivity() {
        assert!(Classification::Unclassified < Classification::Confidential);
        assert!(Classification::Confidential < Classification::StrictlyConfidential);
    }

    #[test]
    fn status_round_trips_through_its_name() {
        for st in ReviewStatus::ALL {
            assert_eq!(st.as_str().parse::<ReviewStatus>(), Ok(st));
        }
    }
}
