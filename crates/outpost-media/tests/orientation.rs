//! Every EXIF orientation comes out upright, with the tag gone.

mod common;

use common::*;
use outpost_media::{Limits, process};

fn assert_upright(jpeg: &[u8], what: &str) {
    let img = decode_rgb(jpeg);
    assert_eq!(
        img.dimensions(),
        (PATTERN_WIDTH, PATTERN_HEIGHT),
        "{what}: dimensions"
    );
    assert_close(
        mean_rgb(&img, 3, 3, 12, 9),
        RED,
        &format!("{what}: top-left"),
    );
    assert_close(
        mean_rgb(&img, 45, 3, 12, 9),
        BLUE,
        &format!("{what}: top-right"),
    );
    assert_close(
        mean_rgb(&img, 5, 24, 50, 12),
        GREY,
        &format!("{what}: bottom"),
    );
}

#[test]
fn the_stored_pixels_really_are_turned() {
    // Guards the test itself: without the tag, orientations 2..8 must not
    // look upright, otherwise the next test would pass vacuously.
    for orientation in 2..=8 {
        let stored = stored_for_orientation(&upright_pattern(), orientation);
        let looks_upright = stored.dimensions() == (PATTERN_WIDTH, PATTERN_HEIGHT)
            && stored.get_pixel(5, 5).0 == RED
            && stored.get_pixel(50, 5).0 == BLUE;
        assert!(
            !looks_upright,
            "orientation {orientation} stores upright pixels"
        );
    }
}

#[test]
fn all_eight_orientations_come_out_upright() {
    for orientation in 1..=8 {
        let input = oriented_jpeg(orientation, ExifSpec::default());
        let photo = process(&input, &Limits::default())
            .unwrap_or_else(|e| panic!("orientation {orientation}: {e}"));
        for variant in photo.variants() {
            let what = format!("orientation {orientation}, {}", variant.kind.as_str());
            assert_eq!(
                (variant.width, variant.height),
                (PATTERN_WIDTH, PATTERN_HEIGHT),
                "{what}"
            );
            assert_upright(&variant.bytes, &what);
        }
    }
}

#[test]
fn little_endian_exif_is_honoured_too() {
    for orientation in [3, 6, 8] {
        let input = oriented_jpeg(
            orientation,
            ExifSpec {
                little_endian: true,
                ..ExifSpec::default()
            },
        );
        let photo = process(&input, &Limits::default()).expect("process");
        assert_upright(
            &photo.original.bytes,
            &format!("little-endian {orientation}"),
        );
    }
}

#[test]
fn a_nonsense_orientation_value_is_ignored() {
    let input = with_exif(
        &encode_jpeg(&upright_pattern(), 95),
        &ExifSpec {
            orientation: Some(42),
            ..ExifSpec::default()
        },
    );
    let photo = process(&input, &Limits::default()).expect("process");
    assert_upright(&photo.original.bytes, "orientation 42");
}
