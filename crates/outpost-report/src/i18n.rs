//! English and French messages for every code Outpost emits.
//!
//! Codes are stable, dotted identifiers (`validation.too_long`); the catalogues
//! live in `locales/*.ftl` (Project Fluent) so translators edit text, not Rust.
//! A code with no message falls back to English, then to the code itself, so a
//! missing translation degrades to something searchable instead of a panic.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::{LanguageIdentifier, langid};

/// A language Outpost speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// Picks a language from a POSIX locale such as `fr_FR.UTF-8`; English otherwise.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {given:?}; expected en or fr")]
pub struct UnknownLang {
    pub given: String,
}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" | "anglais" => Ok(Lang::En),
            "fr" | "french" | "français" | "francais" => Ok(Lang::Fr),
            _ => Err(UnknownLang {
                given: s.to_string(),
            }),
        }
    }
}

const EN_FTL: &str = include_str!("../locales/en.ftl");
const FR_FTL: &str = include_str!("../locales/fr.ftl");

fn bundle(id: LanguageIdentifier, source: &str) -> FluentBundle<FluentResource> {
    let resource = match FluentResource::try_new(source.to_string()) {
        Ok(r) => r,
        // The catalogues are compiled in and checked by tests; a syntax error
        // keeps the parsable messages rather than losing the whole language.
        Err((r, _errors)) => r,
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks (U+2068/U+2069) confuse terminals and log files.
    bundle.set_use_isolating(false);
    // Duplicate ids are caught by the catalogue test; keep the first.
    let _ = bundle.add_resource(resource);
    bundle
}

static EN: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| bundle(langid!("en"), EN_FTL));
static FR: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| bundle(langid!("fr"), FR_FTL));

fn bundle_for(lang: Lang) -> &'static FluentBundle<FluentResource> {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// The Fluent message id of a code: `validation.too_long` → `validation-too-long`.
fn message_id(code: &str) -> String {
    code.replace(['.', '_'], "-")
}

/// Whether a message exists for `code` in `lang` (used by tests over all codes).
pub fn has_message(lang: Lang, code: &str) -> bool {
    bundle_for(lang).has_message(&message_id(code))
}

/// The message for `code` in `lang`, with named arguments filled in.
pub fn message(lang: Lang, code: &str, args: &[(&str, String)]) -> String {
    let id = message_id(code);
    for candidate in [lang, Lang::En] {
        let bundle = bundle_for(candidate);
        if let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) {
            let mut fargs = FluentArgs::new();
            for (name, value) in args {
                fargs.set(*name, FluentValue::from(value.clone()));
            }
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, Some(&fargs), &mut errors)
                .trim()
                .to_string();
        }
    }
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
            .map(|l| l.split(" = ").next().unwrap_or_default().trim().to_string())
            .collect()
    }

    #[test]
    fn both_catalogues_parse_and_hold_the_same_messages() {
        assert!(
            FluentResource::try_new(EN_FTL.to_string()).is_ok(),
            "en.ftl must parse"
        );
        assert!(
            FluentResource::try_new(FR_FTL.to_string()).is_ok(),
            "fr.ftl must parse"
        );
        let (en, fr) = (ids(EN_FTL), ids(FR_FTL));
        assert!(!en.is_empty());
        assert_eq!(
            en, fr,
            "every English message has a French one, in the same order"
        );
    }

    #[test]
    fn messages_fill_arguments_in_each_language() {
        let args = [
            ("field", "Route".to_string()),
            ("max", "200".to_string()),
            ("length", "250".to_string()),
        ];
        let en = message(Lang::En, "validation.too_long", &args);
        let fr = message(Lang::Fr, "validation.too_long", &args);
        assert_eq!(en, "Route is too long: 250 characters, at most 200.");
        assert_eq!(fr, "Route est trop long : 250 caractères, au plus 200.");
    }

    #[test]
    fn an_unknown_code_falls_back_to_the_code_itself() {
        assert_eq!(message(Lang::Fr, "no.such_code", &[]), "no.such_code");
    }
}
