//! Capture facts are read from the input; nothing of its metadata survives.

mod common;

use std::io::Cursor;

use common::*;
use outpost_media::{GpsFix, Limits, ProcessedPhoto, process};

const SOUTH_WEST: ExifGps = ExifGps {
    lat_ref: b'S',
    lat: [(12, 1), (34, 1), (567, 10)],
    lon_ref: b'W',
    lon: [(45, 1), (30, 1), (1800, 100)],
};

fn assert_no_exif(photo: &ProcessedPhoto) {
    for variant in photo.variants() {
        let kind = variant.kind.as_str();
        assert_eq!(
            exif_app1_offsets(&variant.bytes),
            Vec::<usize>::new(),
            "{kind}: APP1 Exif"
        );
        let parsed = exif::Reader::new().read_from_container(&mut Cursor::new(&variant.bytes));
        assert!(parsed.is_err(), "{kind}: kamadak-exif found fields");
    }
}

/// Markers of the segments before the first scan.
fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let marker = jpeg[pos + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
    }
    markers
}

#[test]
fn gps_and_capture_time_are_read_then_stripped() {
    let input = oriented_jpeg(
        6,
        ExifSpec {
            date_time_original: Some("2024:03:15 14:30:05"),
            gps: Some(SOUTH_WEST),
            ..ExifSpec::default()
        },
    );
    // The input really carries what the outputs must not.
    assert_eq!(exif_app1_offsets(&input), vec![2]);
    let input_exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(&input))
        .expect("input EXIF parses");
    assert!(
        input_exif
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );

    let photo = process(&input, &Limits::default()).expect("process");

    assert_eq!(
        photo.facts.captured_at.as_deref(),
        Some("2024-03-15T14:30:05")
    );
    let GpsFix { lat, lon } = photo.facts.location.expect("location");
    let expected_lat = -(12.0 + 34.0 / 60.0 + 56.7 / 3600.0);
    let expected_lon = -(45.0 + 30.0 / 60.0 + 18.0 / 3600.0);
    assert!(
        (lat - expected_lat).abs() < 1e-9,
        "lat {lat}, expected {expected_lat}"
    );
    assert!(
        (lon - expected_lon).abs() < 1e-9,
        "lon {lon}, expected {expected_lon}"
    );
    assert_no_exif(&photo);
}

#[test]
fn north_east_is_positive() {
    let gps = ExifGps {
        lat_ref: b'N',
        lon_ref: b'E',
        ..SOUTH_WEST
    };
    let input = oriented_jpeg(
        1,
        ExifSpec {
            gps: Some(gps),
            little_endian: true,
            ..ExifSpec::default()
        },
    );
    let photo = process(&input, &Limits::default()).expect("process");
    let fix = photo.facts.location.expect("location");
    assert!(fix.lat > 12.58 && fix.lat < 12.59, "lat {}", fix.lat);
    assert!(fix.lon > 45.50 && fix.lon < 45.51, "lon {}", fix.lon);
    assert_eq!(photo.facts.captured_at, None);
}

#[test]
fn unset_camera_clock_and_missing_ref_give_none() {
    let gps = ExifGps {
        lat_ref: b'?',
        ..SOUTH_WEST
    };
    let input = oriented_jpeg(
        1,
        ExifSpec {
            date_time_original: Some("0000:00:00 00:00:00"),
            gps: Some(gps),
            ..ExifSpec::default()
        },
    );
    let photo = process(&input, &Limits::default()).expect("process");
    assert_eq!(photo.facts.captured_at, None);
    assert_eq!(photo.facts.location, None);
}

#[test]
fn garbled_exif_is_not_an_error() {
    let jpeg = encode_jpeg(&upright_pattern(), 90);
    let mut input = jpeg[..2].to_vec();
    // An APP1 Exif whose TIFF header points its IFD far outside the block.
    let tiff = b"MM\x00\x2A\x7F\xFF\xFF\xF0garbage";
    input.extend_from_slice(&[0xFF, 0xE1]);
    input.extend_from_slice(&(2 + 6 + tiff.len() as u16).to_be_bytes());
    input.extend_from_slice(b"Exif\0\0");
    input.extend_from_slice(tiff);
    input.extend_from_slice(&jpeg[2..]);

    let photo = process(&input, &Limits::default()).expect("process");
    assert_eq!(photo.facts, Default::default());
    assert_no_exif(&photo);
}

#[test]
fn xmp_icc_and_comments_do_not_survive() {
    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }
    let jpeg = encode_jpeg(&upright_pattern(), 90);
    let mut input = jpeg[..2].to_vec();
    input.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>photographer: secret-name</x:xmpmeta>",
    ));
    input.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01not-a-real-profile"));
    input.extend(segment(0xFE, b"source: secret-name"));
    input.extend_from_slice(&jpeg[2..]);
    assert!(input.windows(11).any(|w| w == b"secret-name"));

    let photo = process(&input, &Limits::default()).expect("process");
    for variant in photo.variants() {
        let bytes = &variant.bytes;
        for needle in [&b"secret-name"[..], b"ns.adobe.com", b"ICC_PROFILE"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{needle:?} survived"
            );
        }
        // JFIF, tables, frame, scan: nothing else before the image data.
        for marker in header_markers(bytes) {
            assert!(
                matches!(marker, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDA),
                "{}: unexpected marker {marker:#04X}",
                variant.kind.as_str()
            );
        }
    }
}
