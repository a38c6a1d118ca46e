//! Turning an error into what a person reads: a message in their language they
//! can act on, then the technical chain for whoever reads logs.

use std::fmt::Write;

use outpost_media::PhotoError;
use outpost_report::validate::Problem;
use outpost_report::{DocumentError, Lang, i18n};
use outpost_store::StoreError;

/// Errors of the command line itself (bad arguments or input files).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("unknown report kind {kind:?}")]
    UnknownKind { kind: String, known: Vec<String> },
    #[error("unknown classification {given:?}")]
    UnknownClassification { given: String },
    #[error("unknown language {given:?}")]
    UnknownLanguage { given: String },
    #[error("the answers are not valid JSON")]
    BadJson(#[source] serde_json::Error),
    #[error("the answers are not a JSON object")]
    AnswersNotObject,
    #[error("the answers are not UTF-8 (byte {at})")]
    AnswersNotUtf8 { at: usize },
    #[error("cannot read the answers from {path}")]
    AnswersUnreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the report has {} problem(s)", .0.len())]
    InvalidAnswers(Vec<Problem>),
    #[error("{0:?} is not a report id")]
    BadReportId(String),
    #[error("this device is not enrolled, so the export needs --clearance")]
    ClearanceRequired,
    #[error("{given:?} is not a date")]
    BadDate { given: String },
    #[error("unknown review status {given:?}")]
    UnknownStatus { given: String },
    #[error("unknown QIP stage {given:?}")]
    UnknownStage { given: String },
    #[error("{count} item(s) were refused or could not be sent")]
    SyncRefused { count: usize },
    #[error("this device may not do that: {0}")]
    Refused(outpost_report::policy::Refusal),
    #[error("the store is locked and no passphrase was given")]
    Locked,
    #[error("the two passphrases differ")]
    PassphrasesDiffer,
    #[error("wiping needs --yes")]
    WipeNotConfirmed,
    #[error("cannot read {path}")]
    FileUnreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    FileNotWritten {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    fn code(&self) -> &'static str {
        match self {
            CliError::UnknownKind { .. } => "report.unknown_kind",
            CliError::UnknownClassification { .. } => "report.unknown_classification",
            CliError::UnknownLanguage { .. } => "report.unknown_language",
            CliError::BadJson(_) => "report.bad_json",
            CliError::AnswersNotObject => "report.answers_not_object",
            CliError::AnswersNotUtf8 { .. } => "report.answers_not_utf8",
            CliError::AnswersUnreadable { .. } => "report.answers_unreadable",
            CliError::InvalidAnswers(_) => "report.invalid_answers",
            CliError::BadReportId(_) => "store.not_found",
            CliError::ClearanceRequired => "export.clearance_required",
            CliError::BadDate { .. } => "export.bad_date",
            CliError::UnknownStatus { .. } => "report.unknown_status",
            CliError::UnknownStage { .. } => "report.unknown_stage",
            CliError::SyncRefused { .. } => "sync.refused",
            CliError::Refused(r) => r.code(),
            CliError::Locked => "store.locked",
            CliError::PassphrasesDiffer => "store.passphrases_differ",
            CliError::WipeNotConfirmed => "store.wipe_not_confirmed",
            CliError::FileUnreadable { .. } => "form.file_unreadable",
            CliError::FileNotWritten { .. } => "form.file_not_written",
        }
    }

    fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            CliError::UnknownKind { kind, known } => {
                vec![("kind", kind.clone()), ("known", known.join(", "))]
            }
            CliError::UnknownClassification { given } | CliError::UnknownLanguage { given } => {
                vec![("given", given.clone())]
            }
            CliError::BadJson(e) => vec![("detail", e.to_string())],
            CliError::AnswersNotObject => vec![],
            CliError::AnswersNotUtf8 { at } => vec![("at", at.to_string())],
            CliError::AnswersUnreadable { path, source } => {
                vec![("path", path.clone()), ("detail", source.to_string())]
            }
            CliError::InvalidAnswers(p) => vec![("count", p.len().to_string())],
            CliError::BadReportId(id) => vec![("id", id.clone())],
            CliError::ClearanceRequired => vec![],
            CliError::BadDate { given }
            | CliError::UnknownStatus { given }
            | CliError::UnknownStage { given } => {
                vec![("given", given.clone())]
            }
            CliError::SyncRefused { count } => vec![("count", count.to_string())],
            CliError::Refused(_)
            | CliError::Locked
            | CliError::PassphrasesDiffer
            | CliError::WipeNotConfirmed => vec![],
            CliError::FileUnreadable { path, source }
            | CliError::FileNotWritten { path, source } => {
                vec![("path", path.clone()), ("detail", source.to_string())]
            }
        }
    }
}

/// The code and localised message of the first error in the chain we know.
pub fn localise(err: &anyhow::Error, lang: Lang) -> Option<(String, String)> {
    for cause in err.chain() {
        let (code, args) = if let Some(e) = cause.downcast_ref::<CliError>() {
            (e.code(), e.args())
        } else if let Some(e) = cause.downcast_ref::<StoreError>() {
            (e.code(), e.args())
        } else if let Some(e) = cause.downcast_ref::<DocumentError>() {
            (e.code(), e.args())
        } else if let Some(e) = cause.downcast_ref::<outpost_review::DeclassifyError>() {
            (e.code(), e.args())
        } else if let Some(e) = cause.downcast_ref::<outpost_report::xlsform::XlsFormError>() {
            (e.code(), e.args())
        } else if let Some(e) = cause.downcast_ref::<PhotoError>() {
            (e.code(), e.args())
        } else if let Some(e) = cause.downcast_ref::<outpost_sync::http::SyncError>() {
            return Some(e.localised(lang));
        } else {
            continue;
        };
        return Some((code.to_string(), i18n::message(lang, code, &args)));
    }
    None
}

pub fn render(err: &anyhow::Error, lang: Lang) -> String {
    let mut out = String::new();
    let label = match lang {
        Lang::En => "error",
        Lang::Fr => "erreur",
    };
    match localise(err, lang) {
        Some((code, message)) => {
            let _ = writeln!(out, "{label}: {message} [{code}]");
        }
        None => {
            let _ = writeln!(out, "{label}: {err}");
        }
    }
    if let Some(CliError::InvalidAnswers(problems)) =
        err.chain().find_map(|c| c.downcast_ref::<CliError>())
    {
        for p in problems {
            // "members 2: age: …" names the entry of a repeat.
            let _ = writeln!(out, "  - {p} [{}]", p.code);
        }
        return out;
    }
    for cause in err.chain().skip(1) {
        let _ = writeln!(out, "  caused by: {cause}");
    }
    if localise(err, lang).is_some() {
        let _ = writeln!(out, "  context: {err}");
    }
    out
}

pub fn exit_code(err: &anyhow::Error) -> u8 {
    // The store could not be unlocked: a script tells this apart from a
    // failed command.
    let unlocking = err.chain().any(|c| {
        matches!(
            c.downcast_ref::<StoreError>(),
            Some(
                StoreError::WrongPassphrase { .. }
                    | StoreError::UnlockDelayed { .. }
                    | StoreError::PassphraseTooShort { .. }
                    | StoreError::KeyDamaged { .. }
                    | StoreError::KeyMissing { .. }
                    | StoreError::WrongKey
            )
        ) || matches!(
            c.downcast_ref::<CliError>(),
            Some(CliError::Locked | CliError::PassphrasesDiffer)
        )
    });
    if unlocking {
        return 5;
    }
    match err.chain().find_map(|c| c.downcast_ref::<CliError>()) {
        Some(CliError::InvalidAnswers(_)) => 3,
        Some(CliError::SyncRefused { .. }) => 4,
        Some(_) => 2,
        None => 1,
    }
}
