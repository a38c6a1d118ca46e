//! The three JPEG renditions of a photo and the byte budgets they aim for.
//!
//! Every variant is encoded from pixels, never copied from the input, so no
//! metadata segment of the input can reach the output: `image`'s JPEG
//! encoder writes only a JFIF header, tables and scan data.

use std::fmt;

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};

use crate::error::PhotoError;

/// Longest side of the thumbnail, in pixels.
pub const THUMBNAIL_MAX_SIDE: u32 = 400;
/// Longest side of the preview, in pixels.
pub const PREVIEW_MAX_SIDE: u32 = 1600;
/// Soft size aim for a thumbnail: lists of reports stay cheap over satellite.
pub const THUMBNAIL_TARGET_BYTES: usize = 12 * 1024;
/// Soft size aim for a preview: good enough to read a sign or a face.
pub const PREVIEW_TARGET_BYTES: usize = 200 * 1024;

/// The original is kept for evidence, so it loses as little as JPEG allows
/// at a size still sane to archive.
const ORIGINAL_QUALITY: u8 = 90;
/// Tried from best to worst; below 30 JPEG blocking hides detail that a
/// smaller but cleaner image keeps.
const BUDGET_QUALITIES: [u8; 6] = [80, 70, 60, 50, 40, 30];
/// Each shrink step keeps 80% of each side (64% of the pixels).
const SHRINK_FACTOR: f64 = 0.8;
/// Past this a variant is useless, so the soft aim is given up instead.
const MIN_SHRUNK_SIDE: u32 = 64;
/// Catmull-Rom keeps signs and faces in previews visibly sharper than
/// Triangle. Measured on a 4000x3000 photo to 1600x1200 (release build):
/// Triangle 160 ms, Catmull-Rom 192 ms, Lanczos3 263 ms; the gap is small
/// next to the ~380 ms spent encoding the original.
const RESIZE_FILTER: FilterType = FilterType::CatmullRom;

pub(crate) const MEDIA_TYPE_JPEG: &str = "image/jpeg";

/// Which rendition a [`Variant`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariantKind {
    Original,
    Preview,
    Thumbnail,
}

impl VariantKind {
    /// Stable lowercase name, suitable for storage keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            VariantKind::Original => "original",
            VariantKind::Preview => "preview",
            VariantKind::Thumbnail => "thumbnail",
        }
    }
}

impl fmt::Display for VariantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One encoded rendition, ready to store and send.
#[derive(Clone, PartialEq, Eq)]
pub struct Variant {
    pub kind: VariantKind,
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub media_type: &'static str,
}

impl fmt::Debug for Variant {
    // Megabytes of JPEG in a log line help nobody; the length does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variant")
            .field("kind", &self.kind)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("sha256", &self.sha256)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("media_type", &self.media_type)
            .finish()
    }
}

impl Variant {
    fn new(kind: VariantKind, bytes: Vec<u8>, width: u32, height: u32) -> Self {
        Variant {
            kind,
            sha256: crate::sha256_hex(&bytes),
            bytes,
            width,
            height,
            media_type: MEDIA_TYPE_JPEG,
        }
    }
}

pub(crate) struct Variants {
    pub original: Variant,
    pub preview: Variant,
    pub thumbnail: Variant,
}

pub(crate) fn build_variants(upright: &RgbImage) -> Result<Variants, PhotoError> {
    let original = Variant::new(
        VariantKind::Original,
        encode(upright, ORIGINAL_QUALITY, VariantKind::Original)?,
        upright.width(),
        upright.height(),
    );
    let preview_pixels = fit_within(upright, PREVIEW_MAX_SIDE);
    let preview_source = preview_pixels.as_ref().unwrap_or(upright);
    let preview = encode_within(preview_source, PREVIEW_TARGET_BYTES, VariantKind::Preview)?;
    // Resampling the preview instead of the full photo costs a fraction of
    // the time and gives the same thumbnail to the eye.
    let thumbnail_pixels = fit_within(preview_source, THUMBNAIL_MAX_SIDE);
    let thumbnail = encode_within(
        thumbnail_pixels.as_ref().unwrap_or(preview_source),
        THUMBNAIL_TARGET_BYTES,
        VariantKind::Thumbnail,
    )?;
    Ok(Variants {
        original,
        preview,
        thumbnail,
    })
}

/// Bytes held while the variants of a `width`x`height` upright image are
/// built, on top of its own pixels. Counted before decoding so that a photo
/// too big to finish is refused before any work is done.
pub(crate) fn working_set_bytes(width: u32, height: u32) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    // Camera photos encode to well under half a byte per pixel at quality 90.
    let encoded_original = pixels / 2;
    let (preview_width, preview_height) = fitted_dimensions(width, height, PREVIEW_MAX_SIDE);
    let preview_pixels = u64::from(preview_width) * u64::from(preview_height) * 3;
    // `imageops::resize` resamples vertically first, into an RGBA f32
    // buffer as wide as its source and as tall as its output.
    let first_resize = u64::from(width) * u64::from(preview_height) * 16;
    // Every later resize (thumbnail, shrink steps) starts from the preview.
    let later_resizes = u64::from(PREVIEW_MAX_SIDE).pow(2) * 16;
    encoded_original + preview_pixels + first_resize.max(later_resizes)
}

/// Dimensions that fit within `max_side`, never larger than the input.
fn fitted_dimensions(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side {
        (width, height)
    } else {
        scaled(width, height, f64::from(max_side) / f64::from(longest))
    }
}

/// Downscaled copy whose longest side is `max_side`, or `None` when the
/// image already fits (small photos are never upscaled).
fn fit_within(image: &RgbImage, max_side: u32) -> Option<RgbImage> {
    let (width, height) = image.dimensions();
    let (new_width, new_height) = fitted_dimensions(width, height, max_side);
    if (new_width, new_height) == (width, height) {
        return None;
    }
    Some(imageops::resize(
        image,
        new_width,
        new_height,
        RESIZE_FILTER,
    ))
}

/// Dimensions scaled by `factor`, rounded, never below one pixel.
fn scaled(width: u32, height: u32, factor: f64) -> (u32, u32) {
    let side = |v: u32| {
        let scaled = (f64::from(v) * factor).round();
        // Within 1..=v because 0 < factor <= 1; the cast cannot truncate.
        (scaled as u32).clamp(1, v)
    };
    (side(width), side(height))
}

/// Highest quality of [`BUDGET_QUALITIES`] that fits `target`, then smaller
/// dimensions at the lowest quality. The aim is soft: if nothing fits before
/// [`MIN_SHRUNK_SIDE`], the last attempt is returned.
fn encode_within(
    source: &RgbImage,
    target: usize,
    kind: VariantKind,
) -> Result<Variant, PhotoError> {
    if let Some(bytes) = best_quality_within(source, target, kind)? {
        return Ok(Variant::new(kind, bytes, source.width(), source.height()));
    }
    let lowest = BUDGET_QUALITIES[BUDGET_QUALITIES.len() - 1];
    let mut last_attempt = None;
    let mut factor = 1.0;
    loop {
        factor *= SHRINK_FACTOR;
        let (width, height) = scaled(source.width(), source.height(), factor);
        if width.max(height) < MIN_SHRUNK_SIDE {
            break;
        }
        // Always resample from the source: chained resizes compound blur.
        let smaller = imageops::resize(source, width, height, RESIZE_FILTER);
        let bytes = encode(&smaller, lowest, kind)?;
        let fits = bytes.len() <= target;
        last_attempt = Some(Variant::new(kind, bytes, width, height));
        if fits {
            break;
        }
    }
    match last_attempt {
        Some(variant) => Ok(variant),
        // Already tiny: keep every pixel and accept the size.
        None => Ok(Variant::new(
            kind,
            encode(source, lowest, kind)?,
            source.width(),
            source.height(),
        )),
    }
}

/// Binary search over the quality ladder, from the best quality down.
/// Size is monotonic in quality for practical purposes, and only verified
/// fits are ever returned, so a rare inversion only costs a notch.
fn best_quality_within(
    source: &RgbImage,
    target: usize,
    kind: VariantKind,
) -> Result<Option<Vec<u8>>, PhotoError> {
    let (mut low, mut high) = (0, BUDGET_QUALITIES.len());
    let mut best = None;
    while low < high {
        let middle = (low + high) / 2;
        let bytes = encode(source, BUDGET_QUALITIES[middle], kind)?;
        if bytes.len() <= target {
            best = Some(bytes);
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Ok(best)
}

fn encode(image: &RgbImage, quality: u8, kind: VariantKind) -> Result<Vec<u8>, PhotoError> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .map_err(|source| PhotoError::Encode { kind, source })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_stable() {
        assert_eq!(VariantKind::Original.as_str(), "original");
        assert_eq!(VariantKind::Preview.as_str(), "preview");
        assert_eq!(VariantKind::Thumbnail.as_str(), "thumbnail");
    }

    #[test]
    fn scaling_keeps_aspect_and_never_reaches_zero() {
        assert_eq!(scaled(4000, 3000, 0.4), (1600, 1200));
        assert_eq!(scaled(3000, 1, 0.1), (300, 1));
    }

    #[test]
    fn fitting_never_upscales() {
        let small = RgbImage::new(300, 200);
        assert!(fit_within(&small, THUMBNAIL_MAX_SIDE).is_none());
        let tall = RgbImage::new(500, 2000);
        let fitted = fit_within(&tall, THUMBNAIL_MAX_SIDE).expect("downscaled");
        assert_eq!(fitted.dimensions(), (100, 400));
    }

    #[test]
    fn shrinks_when_lowest_quality_is_still_too_big() {
        // Pure noise defeats JPEG, so only fewer pixels can meet the aim.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let noise = RgbImage::from_fn(400, 300, |_, _| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let [r, g, b, ..] = state.to_le_bytes();
            image::Rgb([r, g, b])
        });
        let variant = encode_within(&noise, 12 * 1024, VariantKind::Thumbnail).expect("encode");
        assert!(variant.width < 400, "width {}", variant.width);
        let aspect = f64::from(variant.width) / f64::from(variant.height);
        assert!((aspect - 400.0 / 300.0).abs() < 0.02, "aspect {aspect}");
        assert!(
            variant.bytes.len() <= 12 * 1024,
            "{} bytes",
            variant.bytes.len()
        );
    }

    #[test]
    fn binary_search_finds_the_best_fitting_quality() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        // Smooth gradient plus some noise: sizes spread across the ladder.
        let image = RgbImage::from_fn(200, 150, |x, y| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let grain = (state % 24) as u8;
            image::Rgb([
                (x as u8).wrapping_add(grain),
                (y as u8).wrapping_add(grain),
                90,
            ])
        });
        let sizes: Vec<usize> = BUDGET_QUALITIES
            .iter()
            .map(|&q| {
                encode(&image, q, VariantKind::Preview)
                    .expect("encode")
                    .len()
            })
            .collect();
        for target in [sizes[0], sizes[2] + 1, sizes[4], sizes[5] - 1] {
            let linear = BUDGET_QUALITIES
                .iter()
                .position(|&q| {
                    encode(&image, q, VariantKind::Preview)
                        .expect("encode")
                        .len()
                        <= target
                })
                .map(|i| {
                    encode(&image, BUDGET_QUALITIES[i], VariantKind::Preview).expect("encode")
                });
            let searched =
                best_quality_within(&image, target, VariantKind::Preview).expect("search");
            assert_eq!(searched, linear, "target {target}, sizes {sizes:?}");
        }
    }

    #[test]
    fn an_unreachable_aim_keeps_a_tiny_image_whole() {
        let tiny = RgbImage::from_pixel(70, 50, image::Rgb([1, 2, 3]));
        let variant = encode_within(&tiny, 10, VariantKind::Thumbnail).expect("encode");
        assert_eq!((variant.width, variant.height), (70, 50));
        assert!(variant.bytes.len() > 10);
    }
}
