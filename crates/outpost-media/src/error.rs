//! Errors a photo can be rejected with.
//!
//! `Display` is plain English for logs. What a field officer sees is
//! localised by the caller from [`PhotoError::code`] and
//! [`PhotoError::args`], so codes and argument names are a stable contract.

use image::ImageError;

use crate::variants::VariantKind;

/// Why a photo could not be turned into variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// Zero bytes: usually a failed camera intent or an interrupted copy.
    #[error("the photo is empty (0 bytes)")]
    Empty,

    /// The file is larger than `Limits::max_input_bytes`; nothing was decoded.
    #[error("the photo is {bytes} bytes, over the limit of {max} bytes")]
    FileTooLarge { bytes: u64, max: u64 },

    /// Not an image format this pipeline decodes (text, PDF, HEIC, ...).
    #[error("unsupported photo format: {detail}")]
    UnsupportedFormat {
        detail: String,
        #[source]
        source: Option<ImageError>,
    },

    /// The header declares more pixels than `Limits::max_pixels`
    /// (typically a decompression bomb). Rejected before any pixel is decoded.
    #[error("the photo declares {width}x{height} pixels, over the limit of {max} pixels")]
    TooManyPixels { width: u32, height: u32, max: u64 },

    /// One side is longer than `Limits::max_width` / `Limits::max_height`.
    #[error(
        "the photo declares {width}x{height} pixels, over the limit of {max_width}x{max_height}"
    )]
    DimensionsTooLarge {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
    },

    /// Decoding would need more memory than `Limits::max_alloc`.
    #[error("decoding the photo would need more than {max} bytes of memory")]
    TooLarge {
        max: u64,
        #[source]
        source: Option<ImageError>,
    },

    /// Truncated or damaged data.
    #[error("the photo is corrupt or truncated: {detail}")]
    Corrupt {
        detail: String,
        #[source]
        source: Option<ImageError>,
    },

    /// Re-encoding failed. Encoding into memory should not fail, so this
    /// points at a bug rather than at the photo.
    #[error("could not encode the {kind} variant")]
    Encode {
        kind: VariantKind,
        #[source]
        source: ImageError,
    },
}

impl PhotoError {
    /// Stable, dotted identifier used as the key of the localised message.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::Empty => "photo.empty",
            PhotoError::FileTooLarge { .. } => "photo.file_too_large",
            PhotoError::UnsupportedFormat { .. } => "photo.unsupported_format",
            PhotoError::TooManyPixels { .. } => "photo.too_many_pixels",
            PhotoError::DimensionsTooLarge { .. } => "photo.dimensions_too_large",
            PhotoError::TooLarge { .. } => "photo.too_large",
            PhotoError::Corrupt { .. } => "photo.corrupt",
            PhotoError::Encode { .. } => "photo.encode_failed",
        }
    }

    /// Named arguments for the localised message of [`PhotoError::code`].
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            PhotoError::Empty => Vec::new(),
            PhotoError::FileTooLarge { bytes, max } => {
                vec![("bytes", bytes.to_string()), ("max", max.to_string())]
            }
            PhotoError::UnsupportedFormat { detail, .. } | PhotoError::Corrupt { detail, .. } => {
                vec![("detail", detail.clone())]
            }
            PhotoError::TooManyPixels { width, height, max } => vec![
                ("width", width.to_string()),
                ("height", height.to_string()),
                ("max", max.to_string()),
            ],
            PhotoError::DimensionsTooLarge {
                width,
                height,
                max_width,
                max_height,
            } => vec![
                ("width", width.to_string()),
                ("height", height.to_string()),
                ("max_width", max_width.to_string()),
                ("max_height", max_height.to_string()),
            ],
            PhotoError::TooLarge { max, .. } => vec![("max", max.to_string())],
            PhotoError::Encode { kind, .. } => vec![("variant", kind.as_str().to_owned())],
        }
    }

    /// Maps an `image` error raised while reading the photo.
    ///
    /// Every I/O error counts as corruption: the input is an in-memory
    /// slice, so the only way to fail reading it is to run off its end.
    pub(crate) fn from_decode(err: ImageError, max_alloc: u64) -> Self {
        match err {
            ImageError::Limits(_) => PhotoError::TooLarge {
                max: max_alloc,
                source: Some(err),
            },
            ImageError::Unsupported(_) => PhotoError::UnsupportedFormat {
                detail: err.to_string(),
                source: Some(err),
            },
            ImageError::Decoding(_)
            | ImageError::IoError(_)
            | ImageError::Parameter(_)
            | ImageError::Encoding(_) => PhotoError::Corrupt {
                detail: err.to_string(),
                source: Some(err),
            },
        }
    }

    pub(crate) fn corrupt(detail: impl Into<String>) -> Self {
        PhotoError::Corrupt {
            detail: detail.into(),
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn codes_are_dotted_and_args_named() {
        let err = PhotoError::TooManyPixels {
            width: 60000,
            height: 60000,
            max: 100,
        };
        assert_eq!(err.code(), "photo.too_many_pixels");
        assert_eq!(
            err.args(),
            vec![
                ("width", "60000".to_owned()),
                ("height", "60000".to_owned()),
                ("max", "100".to_owned()),
            ]
        );
        assert!(err.to_string().contains("60000x60000"));
    }

    #[test]
    fn io_eof_maps_to_corrupt_and_keeps_source() {
        let io = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "eof");
        let err = PhotoError::from_decode(ImageError::IoError(io), 1);
        assert_eq!(err.code(), "photo.corrupt");
        assert!(err.source().is_some());
    }

    #[test]
    fn limit_error_maps_to_too_large() {
        let limit =
            image::error::LimitError::from_kind(image::error::LimitErrorKind::InsufficientMemory);
        let err = PhotoError::from_decode(ImageError::Limits(limit), 42);
        assert_eq!(err.code(), "photo.too_large");
        assert_eq!(err.args(), vec![("max", "42".to_owned())]);
    }
}
