//! Photo pipeline for Outpost reports.
//!
//! Field officers attach photos taken on rugged tablets; reports then travel
//! over slow, expensive satellite links and may be read by people the
//! photographer never meets. [`process`] turns one untrusted input file into
//! three JPEG variants plus the capture facts worth keeping:
//!
//! 1. **Bounded decoding.** Size, format (sniffed from content, never from a
//!    file name) and declared dimensions are checked before pixels are
//!    decoded, so a truncated upload or a decompression bomb is an error, not
//!    a crash or an out-of-memory abort on a shared tablet.
//! 2. **Upright pixels.** Cameras store pixels as the sensor saw them and an
//!    EXIF orientation tag saying how to turn them. The tag is about to be
//!    stripped, so the rotation is applied to the pixels themselves.
//! 3. **Facts out, metadata stripped.** EXIF GPS coordinates and timestamps
//!    can expose a source or a photographer's movements. They are read into
//!    [`CaptureFacts`], where the report shows them and the reporter decides,
//!    and every output is re-encoded from pixels so that no EXIF, XMP, ICC or
//!    comment segment of the input survives. Alpha is flattened onto white.
//! 4. **Bytes on the wire.** Transmission is the main cost, so besides the
//!    full-resolution original there is a preview (≤ [`PREVIEW_MAX_SIDE`] px,
//!    aiming at ≤ [`PREVIEW_TARGET_BYTES`]) and a thumbnail
//!    (≤ [`THUMBNAIL_MAX_SIDE`] px, aiming at ≤ [`THUMBNAIL_TARGET_BYTES`]),
//!    reached by lowering JPEG quality and, if needed, dimensions.
//! 5. **Content hashes.** Each variant carries the SHA-256 of its bytes.
//!    Encoding is deterministic, so the same input always yields the same
//!    hashes and re-imports deduplicate.

pub mod audio;
mod decode;
mod error;
mod facts;
mod jpeg_structure;
mod limits;
mod variants;

use std::panic::{self, UnwindSafe};

use sha2::{Digest, Sha256};

pub use audio::{AudioError, audio_media_type};
pub use error::PhotoError;
pub use facts::{CaptureFacts, GpsFix};
pub use limits::Limits;
pub use variants::{
    PREVIEW_MAX_SIDE, PREVIEW_TARGET_BYTES, THUMBNAIL_MAX_SIDE, THUMBNAIL_TARGET_BYTES, Variant,
    VariantKind,
};

/// Everything kept from one input photo.
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    pub original: Variant,
    pub preview: Variant,
    pub thumbnail: Variant,
    pub facts: CaptureFacts,
}

impl ProcessedPhoto {
    /// The variants from largest to smallest.
    pub fn variants(&self) -> [&Variant; 3] {
        [&self.original, &self.preview, &self.thumbnail]
    }
}

/// Validates, decodes, orients, strips and re-encodes one photo.
///
/// The input is treated as hostile: any failure is a [`PhotoError`], never
/// a panic or an unbounded allocation.
pub fn process(input: &[u8], limits: &Limits) -> Result<ProcessedPhoto, PhotoError> {
    if input.is_empty() {
        return Err(PhotoError::Empty);
    }
    let bytes = u64::try_from(input.len()).unwrap_or(u64::MAX);
    if bytes > limits.max_input_bytes {
        return Err(PhotoError::FileTooLarge {
            bytes,
            max: limits.max_input_bytes,
        });
    }

    let upright = contain_panics(|| decode::decode_upright(input, limits))??;
    // Facts are a bonus: a parser failure of any kind only loses them.
    let facts = contain_panics(|| facts::read_capture_facts(input)).unwrap_or_default();
    let variants = variants::build_variants(&upright)?;

    Ok(ProcessedPhoto {
        original: variants.original,
        preview: variants.preview,
        thumbnail: variants.thumbnail,
        facts,
    })
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Third-party decoders are fuzzed but not proven panic-free; a photo that
/// trips one is a corrupt photo, not a reason to take the app down.
fn contain_panics<T>(work: impl FnOnce() -> T + UnwindSafe) -> Result<T, PhotoError> {
    panic::catch_unwind(work).map_err(|_| PhotoError::corrupt("the image decoder failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_is_the_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn empty_and_oversized_inputs_are_rejected_before_parsing() {
        let limits = Limits {
            max_input_bytes: 4,
            ..Limits::default()
        };
        assert_eq!(process(b"", &limits).unwrap_err().code(), "photo.empty");
        let err = process(b"12345", &limits).unwrap_err();
        assert_eq!(err.code(), "photo.file_too_large");
        assert_eq!(
            err.args(),
            vec![("bytes", "5".to_owned()), ("max", "4".to_owned())]
        );
    }
}
