//! Newtype identifiers, so a photo id can never be passed where a report id is due.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A report, stable across devices and hubs for its whole life.
    ReportId
);
uuid_id!(
    /// A photo attached to a report (its variants are content-addressed blobs).
    PhotoId
);
uuid_id!(
    /// A voice note recorded or attached during a debrief.
    VoiceNoteId
);
uuid_id!(
    /// A comment on a report.
    CommentId
);
uuid_id!(
    /// A device (tablet, desktop, hub) that writes reports.
    DeviceId
);
