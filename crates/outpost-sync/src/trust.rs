//! The mission authority a device pins, given to it by fingerprint: the
//! operator reads (or shows as a QR code) the SHA-256 of the authority's
//! certificate with the one-time code, and the device takes the certificate
//! from the hub only if it has that fingerprint.

use std::time::Duration;

use outpost_report::Lang;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

use crate::http::{HubTrust, SyncError, install_crypto};

/// A certificate's SHA-256 as people compare it: `AB:CD:…` (32 pairs).
pub fn fingerprint_of_der(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The fingerprint of the first certificate in `pem`, if it holds one.
pub fn fingerprint_of_pem(pem: &str) -> Option<String> {
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
    Some(fingerprint_of_der(&der))
}

/// The SHA-256 of the first certificate in `pem`, if it holds one.
fn digest_of_pem(pem: &str) -> Option<[u8; 32]> {
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
    Some(Sha256::digest(&der).into())
}

/// `fingerprint` as a SHA-256, or the error that says it is not one.
fn wanted(fingerprint: &str) -> Result<[u8; 32], SyncError> {
    parse_fingerprint(fingerprint).ok_or_else(|| SyncError::BadFingerprint {
        given: fingerprint.chars().take(120).collect(),
    })
}

/// The most a hub's answer with its authority may weigh.
const MAX_AUTHORITY_BYTES: usize = 64 * 1024;

/// `given` as the 32 bytes of a SHA-256, whatever its separators and case
/// (`ab:cd…`, `ABCD…`, with spaces); `None` if it is not one.
pub fn parse_fingerprint(given: &str) -> Option<[u8; 32]> {
    let hex: String = given
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let bytes = hex::decode(hex).ok()?;
    bytes.try_into().ok()
}

/// What an operator hands a device: the one-time code, and the mission
/// authority's fingerprint when it is given in one line with it (the QR
/// payload `outpost-enrol:CODE:FINGERPRINT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCard {
    pub code: String,
    pub fingerprint: Option<String>,
}

/// The prefix of an enrolment card's one-line form.
pub const CARD_PREFIX: &str = "outpost-enrol:";

impl EnrolmentCard {
    /// Reads a code as typed, or a card's one-line form.
    pub fn read(given: &str) -> EnrolmentCard {
        let given = given.trim();
        match given
            .strip_prefix(CARD_PREFIX)
            .and_then(|rest| rest.split_once(':'))
        {
            Some((code, fingerprint)) => EnrolmentCard {
                code: code.trim().to_string(),
                fingerprint: Some(fingerprint.trim().to_string()),
            },
            None => EnrolmentCard {
                code: given.to_string(),
                fingerprint: None,
            },
        }
    }

    /// The one-line form, for a QR code.
    pub fn line(code: &str, fingerprint: &str) -> String {
        format!("{CARD_PREFIX}{code}:{}", fingerprint.replace(':', ""))
    }
}

/// What a device enrolling was given to trust the hub by.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// The mission authority's certificate (PEM).
    pub ca_pem: Option<String>,
    /// Its SHA-256, typed or from the enrolment card.
    pub fingerprint: Option<String>,
    /// Plain HTTP, asked for in so many words.
    pub insecure_http: bool,
}

/// The trust to enrol with at `url`: the authority given (checked against
/// the fingerprint when both are), the one fetched by its fingerprint,
/// plain HTTP only when asked for, else the system's authorities.
pub async fn trust_for(url: &str, given: Given, lang: Lang) -> Result<HubTrust, SyncError> {
    let fingerprint = given.fingerprint.filter(|f| !f.trim().is_empty());
    let ca_pem = given.ca_pem.filter(|p| !p.trim().is_empty());
    match (ca_pem, fingerprint) {
        (Some(pem), Some(fingerprint)) => {
            if digest_of_pem(&pem) != Some(wanted(&fingerprint)?) {
                return Err(SyncError::AuthorityMismatch);
            }
            Ok(HubTrust::Pinned(pem))
        }
        (Some(pem), None) => Ok(HubTrust::Pinned(pem)),
        (None, Some(fingerprint)) => Ok(HubTrust::Pinned(
            mission_authority(url, &fingerprint, lang).await?,
        )),
        (None, None) if given.insecure_http => Ok(HubTrust::InsecureHttp),
        (None, None) => Ok(HubTrust::System),
    }
}

/// The mission authority's certificate (PEM) from the hub at `base`, if its
/// SHA-256 is `fingerprint`. The connection is not authenticated (the
/// device has nothing to check it with yet): the fingerprint is what makes
/// the answer trustworthy, and anything else is refused with
/// `sync.ca_fingerprint`.
pub async fn mission_authority(
    base: &str,
    fingerprint: &str,
    lang: Lang,
) -> Result<String, SyncError> {
    let wanted = wanted(fingerprint)?;
    if !base.trim().to_ascii_lowercase().starts_with("https://") {
        return Err(SyncError::InsecureHub {
            url: base.chars().take(200).collect(),
        });
    }
    install_crypto();
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .read_timeout(Duration::from_secs(120))
        .tls_danger_accept_invalid_certs(true)
        .build()
        .map_err(SyncError::Link)?;
    let mut resp = http
        .get(format!("{}/v1/mission-ca", base.trim_end_matches('/')))
        .header(reqwest::header::ACCEPT_LANGUAGE, lang.as_str())
        .send()
        .await
        .map_err(SyncError::Link)?;
    if !resp.status().is_success() {
        return Err(SyncError::AuthorityMismatch);
    }
    // A certificate is a few kilobytes: more is not one, and is not read
    // (the answer comes from a hub nothing vouches for yet).
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(SyncError::Link)? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_AUTHORITY_BYTES {
            return Err(SyncError::AuthorityMismatch);
        }
    }
    let pem = String::from_utf8(body).map_err(|_| SyncError::AuthorityMismatch)?;
    // Only the authority the operator named is kept: whatever else the hub,
    // or someone in the middle, hands over is refused.
    if digest_of_pem(&pem) != Some(wanted) {
        return Err(SyncError::AuthorityMismatch);
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_gives_code_and_fingerprint_and_a_bare_code_only_the_code() {
        let fp = "ab".repeat(32);
        let card = EnrolmentCard::read(&EnrolmentCard::line("K7QM-2XPA-9RTD", &fp));
        assert_eq!(card.code, "K7QM-2XPA-9RTD");
        assert_eq!(card.fingerprint.as_deref(), Some(fp.as_str()));
        let bare = EnrolmentCard::read(" K7QM-2XPA-9RTD ");
        assert_eq!(
            (bare.code.as_str(), bare.fingerprint),
            ("K7QM-2XPA-9RTD", None)
        );
    }

    #[test]
    fn fingerprints_read_in_any_usual_form() {
        let colons = "AB:".repeat(31) + "CD";
        let plain = "ab".repeat(31) + "cd";
        assert_eq!(parse_fingerprint(&colons), parse_fingerprint(&plain));
        assert!(parse_fingerprint(&plain).is_some());
        assert!(parse_fingerprint("AB:CD").is_none(), "too short");
        assert!(parse_fingerprint(&"zz".repeat(32)).is_none(), "not hex");
    }
}
