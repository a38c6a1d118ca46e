//! Bounded decoding to upright, opaque RGB pixels.
//!
//! The order matters: the format is sniffed from content, the header is read
//! and its declared size checked, and only then are pixels decoded. A 200-byte
//! PNG can declare 60000x60000 pixels (10 GB of RGBA); it must be refused
//! from its header, before any buffer of that size is requested.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use crate::error::PhotoError;
use crate::jpeg_structure;
use crate::limits::Limits;
use crate::variants;

/// Formats decoded by the `image` features this crate is built with.
const ACCEPTED_FORMATS: [ImageFormat; 6] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Gif,
    ImageFormat::Bmp,
    ImageFormat::Tiff,
];

/// Decodes `input` within `limits`, applies its EXIF orientation and
/// flattens any alpha onto white.
pub(crate) fn decode_upright(input: &[u8], limits: &Limits) -> Result<RgbImage, PhotoError> {
    let format = sniff_format(input)?;
    let mut decoder = read_header(input, format, limits)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    if format == ImageFormat::Jpeg {
        jpeg_structure::check_complete(input).map_err(PhotoError::corrupt)?;
    }

    // A garbled orientation tag must not cost the photo: show it as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);

    let decoded_bytes = decoder.total_bytes();
    let peak = estimated_peak_bytes(
        decoded_bytes,
        decoder.color_type(),
        (width, height),
        orientation,
    );
    if peak > limits.max_alloc {
        return Err(PhotoError::TooLarge {
            max: limits.max_alloc,
            source: None,
        });
    }
    let decode_error = |err| PhotoError::from_decode(err, limits.max_alloc);
    let mut image_limits = limits.to_image_limits();
    image_limits.reserve(decoded_bytes).map_err(decode_error)?;
    decoder.set_limits(image_limits).map_err(decode_error)?;

    let decoded = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let mut upright = DynamicImage::ImageRgb8(flatten_onto_white(decoded));
    upright.apply_orientation(orientation);
    Ok(upright.into_rgb8())
}

fn sniff_format(input: &[u8]) -> Result<ImageFormat, PhotoError> {
    let format = image::guess_format(input).map_err(|err| PhotoError::UnsupportedFormat {
        detail: "content is not a recognised image format".to_owned(),
        source: Some(err),
    })?;
    if ACCEPTED_FORMATS.contains(&format) {
        Ok(format)
    } else {
        Err(PhotoError::UnsupportedFormat {
            detail: format!("{format:?} images are not accepted"),
            source: None,
        })
    }
}

/// Parses only the header. Width and height limits are deliberately left
/// to [`check_dimensions`] so that an oversized photo is reported with its
/// declared size rather than as a generic limit error.
fn read_header<'a>(
    input: &'a [u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<impl ImageDecoder + 'a, PhotoError> {
    let mut header_limits = image::Limits::no_limits();
    header_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    reader.limits(header_limits);
    reader
        .into_decoder()
        .map_err(|err| PhotoError::from_decode(err, limits.max_alloc))
}

fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<(), PhotoError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    if width > limits.max_width || height > limits.max_height {
        return Err(PhotoError::DimensionsTooLarge {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
        });
    }
    if pixels == 0 {
        return Err(PhotoError::corrupt(format!(
            "header declares {width}x{height} pixels"
        )));
    }
    Ok(())
}

/// Most bytes held at once from decoding to the last variant.
///
/// `image::Limits` only bounds the decoder; the conversion to RGB, the 90°
/// rotations and the resizes allocate further buffers through the global
/// allocator, which aborts the process on failure. Counting them here turns
/// an out-of-memory abort into an error.
fn estimated_peak_bytes(
    decoded_bytes: u64,
    color: ColorType,
    (width, height): (u32, u32),
    orientation: Orientation,
) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let rgb = pixels.saturating_mul(3);
    let conversion = if color == ColorType::Rgb8 {
        decoded_bytes
    } else if color.has_alpha() {
        // Decoded -> RGBA8 -> RGB8, one step at a time.
        let rgba = pixels.saturating_mul(4);
        decoded_bytes
            .saturating_add(rgba)
            .max(rgba.saturating_add(rgb))
    } else {
        decoded_bytes.saturating_add(rgb)
    };
    let (orienting, upright) = if swaps_axes(orientation) {
        (rgb.saturating_mul(2), (height, width))
    } else {
        (rgb, (width, height))
    };
    let building = rgb.saturating_add(variants::working_set_bytes(upright.0, upright.1));
    conversion.max(orienting).max(building)
}

/// Orientations that cannot be applied in place.
fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// JPEG has no alpha. Transparent areas (screenshots, exported maps) would
/// otherwise come out black, hiding dark annotations; white keeps them legible.
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (src, dst) in rgba.pixels().zip(rgb.pixels_mut()) {
        let alpha = u32::from(src[3]);
        for channel in 0..3 {
            let blended = (u32::from(src[channel]) * alpha + 255 * (255 - alpha) + 127) / 255;
            // Never above 255: it is a weighted mean of two values <= 255.
            dst[channel] = u8::try_from(blended).unwrap_or(u8::MAX);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_becomes_white_and_opaque_is_kept() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let rgb = flatten_onto_white(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [10, 20, 30]);
    }

    #[test]
    fn half_transparent_black_is_mid_grey() {
        let rgba = image::RgbaImage::from_pixel(1, 1, image::Rgba([0, 0, 0, 128]));
        let rgb = flatten_onto_white(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.get_pixel(0, 0).0, [127, 127, 127]);
    }

    #[test]
    fn rotation_doubles_the_full_size_peak() {
        // Large enough that full-size buffers dominate the resize working set.
        let (w, h) = (12_000, 8_000);
        let rgb = 3 * u64::from(w) * u64::from(h);
        let straight = estimated_peak_bytes(rgb, ColorType::Rgb8, (w, h), Orientation::Rotate180);
        let turned = estimated_peak_bytes(rgb, ColorType::Rgb8, (w, h), Orientation::Rotate90);
        assert!(straight < 2 * rgb, "{straight}");
        assert_eq!(turned, 2 * rgb);
    }

    #[test]
    fn default_limits_admit_every_shape_at_the_pixel_limit() {
        // Otherwise some photos under `max_pixels` would still be refused,
        // depending on their shape or on how the tablet was held.
        let limits = Limits::default();
        for width in (1_000..=limits.max_width).step_by(250) {
            let height = u32::try_from(limits.max_pixels / u64::from(width))
                .unwrap_or(u32::MAX)
                .min(limits.max_height);
            let rgb = 3 * u64::from(width) * u64::from(height);
            for orientation in [Orientation::NoTransforms, Orientation::Rotate90] {
                let peak = estimated_peak_bytes(rgb, ColorType::Rgb8, (width, height), orientation);
                assert!(
                    peak <= limits.max_alloc,
                    "{width}x{height} {orientation:?}: {peak} > {}",
                    limits.max_alloc
                );
            }
        }
    }

    #[test]
    fn pixel_limit_is_checked_before_side_limit() {
        let limits = Limits::default();
        let err = check_dimensions(60_000, 60_000, &limits).unwrap_err();
        assert_eq!(err.code(), "photo.too_many_pixels");
        let err = check_dimensions(20_000, 100, &limits).unwrap_err();
        assert_eq!(err.code(), "photo.dimensions_too_large");
    }
}
