//! Bad input is refused with the right code, never with a panic.

mod common;

use common::*;
use outpost_media::{Limits, PhotoError, process};

fn code_of(input: &[u8], limits: &Limits) -> &'static str {
    match process(input, limits) {
        Ok(_) => panic!("accepted {} bytes that should be refused", input.len()),
        Err(err) => {
            // Every error must render for the logs and name its arguments.
            assert!(!err.to_string().is_empty());
            let _ = err.args();
            err.code()
        }
    }
}

fn textured_jpeg() -> Vec<u8> {
    encode_jpeg(&camera_like_photo(256, 192, 7), 90)
}

#[test]
fn empty_input() {
    assert_eq!(code_of(b"", &Limits::default()), "photo.empty");
}

#[test]
fn input_over_the_byte_limit_is_refused_before_decoding() {
    let jpeg = textured_jpeg();
    let limits = Limits {
        max_input_bytes: jpeg.len() as u64 - 1,
        ..Limits::default()
    };
    let err = process(&jpeg, &limits).expect_err("too big");
    assert_eq!(err.code(), "photo.file_too_large");
    assert_eq!(err.args()[0], ("bytes", jpeg.len().to_string()));
    assert!(
        process(
            &jpeg,
            &Limits {
                max_input_bytes: jpeg.len() as u64,
                ..limits
            }
        )
        .is_ok()
    );
}

#[test]
fn jpeg_cut_in_half_is_corrupt() {
    let jpeg = textured_jpeg();
    let err = process(&jpeg[..jpeg.len() / 2], &Limits::default()).expect_err("truncated");
    assert_eq!(err.code(), "photo.corrupt");
    assert!(matches!(err, PhotoError::Corrupt { .. }));
    assert!(!err.args()[0].1.is_empty(), "detail for the log");
}

#[test]
fn jpeg_missing_only_its_last_bytes_is_corrupt() {
    let jpeg = textured_jpeg();
    for cut in [1, 2, 100] {
        let code = code_of(&jpeg[..jpeg.len() - cut], &Limits::default());
        assert_eq!(code, "photo.corrupt", "cut {cut} bytes");
    }
}

#[test]
fn garbage_behind_jpeg_magic_is_corrupt() {
    let mut noise = Noise::new(99);
    for _ in 0..20 {
        let mut input = vec![0xFF, 0xD8, 0xFF];
        input.extend(noise.bytes(2000));
        assert_eq!(code_of(&input, &Limits::default()), "photo.corrupt");
    }
}

#[test]
fn truncated_png_is_corrupt() {
    let mut png = Vec::new();
    camera_like_photo(128, 96, 3)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode png");
    assert_eq!(
        code_of(&png[..png.len() / 2], &Limits::default()),
        "photo.corrupt"
    );
}

#[test]
fn non_images_are_unsupported() {
    let samples: [&[u8]; 4] = [
        b"Situation report: road to the camp is flooded.\n",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        // HEIC, the default on many phones, is not decoded here.
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        b"\x00",
    ];
    for sample in samples {
        assert_eq!(
            code_of(sample, &Limits::default()),
            "photo.unsupported_format",
            "{sample:?}"
        );
    }
}

#[test]
fn a_side_over_the_limit_is_refused_with_its_size() {
    let jpeg = encode_jpeg(&upright_pattern(), 90);
    let limits = Limits {
        max_width: 50,
        ..Limits::default()
    };
    let err = process(&jpeg, &limits).expect_err("too wide");
    assert_eq!(err.code(), "photo.dimensions_too_large");
    assert_eq!(err.args()[0], ("width", "60".to_owned()));
}

#[test]
fn memory_budget_is_enforced() {
    let jpeg = encode_jpeg(&upright_pattern(), 90);
    let limits = Limits {
        max_alloc: 1000,
        ..Limits::default()
    };
    assert_eq!(code_of(&jpeg, &limits), "photo.too_large");
}
