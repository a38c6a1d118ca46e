//! Variant sizes, byte aims, no upscaling, determinism, alpha.

mod common;

use std::time::Instant;

use common::*;
use outpost_media::{
    Limits, PREVIEW_MAX_SIDE, PREVIEW_TARGET_BYTES, THUMBNAIL_MAX_SIDE, THUMBNAIL_TARGET_BYTES,
    VariantKind, process, sha256_hex,
};

#[test]
fn a_4000_by_3000_photo_meets_every_aim() {
    let photo = camera_like_photo(4000, 3000, 2024);
    let input = encode_jpeg(&photo, 92);
    drop(photo);

    let started = Instant::now();
    let processed = process(&input, &Limits::default()).expect("process");
    let elapsed = started.elapsed();

    let (original, preview, thumbnail) = (
        &processed.original,
        &processed.preview,
        &processed.thumbnail,
    );
    eprintln!(
        "4000x3000 ({} byte input) processed in {elapsed:?}: original {}x{} {} B, preview {}x{} {} B, thumbnail {}x{} {} B",
        input.len(),
        original.width,
        original.height,
        original.bytes.len(),
        preview.width,
        preview.height,
        preview.bytes.len(),
        thumbnail.width,
        thumbnail.height,
        thumbnail.bytes.len(),
    );

    assert_eq!((original.width, original.height), (4000, 3000));
    assert!(preview.width.max(preview.height) <= PREVIEW_MAX_SIDE);
    assert!(
        preview.bytes.len() <= PREVIEW_TARGET_BYTES,
        "preview {} B",
        preview.bytes.len()
    );
    assert!(thumbnail.width.max(thumbnail.height) <= THUMBNAIL_MAX_SIDE);
    assert!(
        thumbnail.bytes.len() <= THUMBNAIL_TARGET_BYTES,
        "thumbnail {} B",
        thumbnail.bytes.len()
    );
    // Meeting the aims must not throw away resolution for ordinary photos.
    assert_eq!((preview.width, preview.height), (1600, 1200));
    assert_eq!((thumbnail.width, thumbnail.height), (400, 300));

    for variant in processed.variants() {
        assert_eq!(variant.media_type, "image/jpeg");
        // The header is enough to check the stated size; decoding 12 Mpx
        // would double this test's time in debug builds.
        let reader = image::ImageReader::with_format(
            std::io::Cursor::new(&variant.bytes),
            image::ImageFormat::Jpeg,
        );
        let dimensions = reader.into_dimensions().expect("output header parses");
        assert_eq!(
            dimensions,
            (variant.width, variant.height),
            "{:?}",
            variant.kind
        );
    }
}

#[test]
fn small_photos_are_not_upscaled() {
    let tiny = process(
        &encode_jpeg(&camera_like_photo(300, 200, 1), 90),
        &Limits::default(),
    )
    .expect("process");
    for variant in tiny.variants() {
        assert_eq!(
            (variant.width, variant.height),
            (300, 200),
            "{:?}",
            variant.kind
        );
    }

    let medium = process(
        &encode_jpeg(&camera_like_photo(800, 1000, 1), 90),
        &Limits::default(),
    )
    .expect("process");
    assert_eq!((medium.preview.width, medium.preview.height), (800, 1000));
    assert_eq!(
        (medium.thumbnail.width, medium.thumbnail.height),
        (320, 400)
    );
}

#[test]
fn same_input_gives_the_same_bytes_and_hashes() {
    let input = encode_jpeg(&camera_like_photo(1800, 1200, 5), 90);
    let first = process(&input, &Limits::default()).expect("first");
    let second = process(&input, &Limits::default()).expect("second");
    for (a, b) in first.variants().into_iter().zip(second.variants()) {
        assert_eq!(a.sha256, b.sha256, "{:?}", a.kind);
        assert_eq!(a.bytes, b.bytes);
    }
}

#[test]
fn hashes_are_lowercase_sha256_of_the_bytes() {
    let photo = process(&encode_jpeg(&upright_pattern(), 90), &Limits::default()).expect("process");
    let kinds: Vec<VariantKind> = photo.variants().iter().map(|v| v.kind).collect();
    assert_eq!(
        kinds,
        [
            VariantKind::Original,
            VariantKind::Preview,
            VariantKind::Thumbnail
        ]
    );
    for variant in photo.variants() {
        assert_eq!(variant.sha256, sha256_hex(&variant.bytes));
        assert_eq!(variant.sha256.len(), 64);
        assert!(
            variant
                .sha256
                .chars()
                .all(|c| matches!(c, '0'..='9' | 'a'..='f'))
        );
    }
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn png_with_alpha_becomes_jpeg_on_white() {
    // Left half fully transparent red, right half opaque dark green.
    let rgba = image::RgbaImage::from_fn(80, 40, |x, _| {
        if x < 40 {
            image::Rgba([255, 0, 0, 0])
        } else {
            image::Rgba([0, 100, 0, 255])
        }
    });
    let mut png = Vec::new();
    rgba.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode png");

    let photo = process(&png, &Limits::default()).expect("process");
    for variant in photo.variants() {
        assert_eq!(variant.media_type, "image/jpeg");
        let img = decode_rgb(&variant.bytes);
        assert_eq!(img.dimensions(), (80, 40));
        assert_close(
            mean_rgb(&img, 5, 5, 25, 30),
            [255, 255, 255],
            "transparent side",
        );
        assert_close(mean_rgb(&img, 50, 5, 25, 30), [0, 100, 0], "opaque side");
    }
}

#[test]
fn other_accepted_formats_decode() {
    let pattern = upright_pattern();
    for format in [
        image::ImageFormat::WebP,
        image::ImageFormat::Bmp,
        image::ImageFormat::Tiff,
        image::ImageFormat::Gif,
    ] {
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(pattern.clone())
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .expect("encode");
        let photo =
            process(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let img = decode_rgb(&photo.original.bytes);
        assert_close(
            mean_rgb(&img, 3, 3, 12, 9),
            RED,
            &format!("{format:?} top-left"),
        );
    }
}
