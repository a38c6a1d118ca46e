mod common;
use common::*;
use std::time::Instant;
use image::imageops::{self, FilterType};

#[test]
fn timing() {
    let photo = camera_like_photo(4000, 3000, 2024);
    let input = encode_jpeg(&photo, 92);
    let t = Instant::now();
    let dec = image::load_from_memory(&input).unwrap().into_rgb8();
    eprintln!("decode {:?}", t.elapsed());
    let t = Instant::now();
    let _ = encode_jpeg(&dec, 90);
    eprintln!("encode q90 full {:?}", t.elapsed());
    for f in [FilterType::Triangle, FilterType::CatmullRom, FilterType::Lanczos3] {
        let t = Instant::now();
        let p = imageops::resize(&dec, 1600, 1200, f);
        eprintln!("resize {f:?} {:?}", t.elapsed());
        let t = Instant::now();
        let _ = encode_jpeg(&p, 80);
        eprintln!("encode preview {:?}", t.elapsed());
        let t = Instant::now();
        let _ = imageops::resize(&p, 400, 300, f);
        eprintln!("thumb from preview {f:?} {:?}", t.elapsed());
    }
    let t = Instant::now();
    let _ = imageops::thumbnail(&dec, 1600, 1200);
    eprintln!("box thumbnail {:?}", t.elapsed());
    let t = Instant::now();
    let mut d = image::DynamicImage::ImageRgb8(dec);
    d.apply_orientation(image::metadata::Orientation::Rotate90);
    eprintln!("rotate90 {:?}", t.elapsed());
}
