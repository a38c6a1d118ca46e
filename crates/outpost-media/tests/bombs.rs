//! Decompression bombs are refused from their header, without allocating.
//!
//! This binary installs an allocator that records the largest single
//! allocation made by the current thread, so "without allocating
//! gigabytes" is measured rather than assumed.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use common::*;
use outpost_media::{Limits, process};

struct LargestAllocation;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the slot may already be gone while a thread shuts down.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Processes `input`, returning the error code, the largest allocation and
/// the time taken.
fn refuse(input: &[u8]) -> (String, Vec<(&'static str, String)>, usize, Duration) {
    LARGEST.with(|l| l.set(0));
    let started = Instant::now();
    let err = process(input, &Limits::default()).expect_err("bomb accepted");
    let elapsed = started.elapsed();
    let largest = LARGEST.with(Cell::get);
    (err.code().to_owned(), err.args(), largest, elapsed)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    chunk
}

/// A valid-looking RGB PNG declaring `width`x`height` whose IDAT holds
/// only a few bytes (a stored zlib block of zeros).
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no interlace
    let zeros = [0u8; 16];
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&(zeros.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(zeros.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&zeros);
    // Adler-32 of n zero bytes: a = 1, b = n.
    zlib.extend_from_slice(&(((zeros.len() as u32) << 16) | 1).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"IDAT", &zlib));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

/// A real small JPEG whose SOF0 is patched to declare `width`x`height`.
fn jpeg_bomb(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = encode_jpeg(&upright_pattern(), 90);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline JPEG has SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

fn assert_refused_cheaply(input: &[u8], width: &str, height: &str) {
    assert!(
        input.len() < 2048,
        "the bomb itself is small: {} bytes",
        input.len()
    );
    let (code, args, largest, elapsed) = refuse(input);
    assert_eq!(code, "photo.too_many_pixels");
    assert_eq!(
        args,
        vec![
            ("width", width.to_owned()),
            ("height", height.to_owned()),
            ("max", Limits::default().max_pixels.to_string()),
        ]
    );
    assert!(
        largest < 1024 * 1024,
        "largest allocation was {largest} bytes"
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn png_declaring_60000_by_60000() {
    assert_refused_cheaply(&png_bomb(60_000, 60_000), "60000", "60000");
}

#[test]
fn jpeg_declaring_65000_by_65000() {
    assert_refused_cheaply(&jpeg_bomb(65_000, 65_000), "65000", "65000");
}

#[test]
fn the_allocation_probe_sees_real_decodes() {
    // Guards the probe: decoding a genuine 60x40 photo must register the
    // pixel buffer, or the bounds above would prove nothing.
    LARGEST.with(|l| l.set(0));
    process(&encode_jpeg(&upright_pattern(), 90), &Limits::default()).expect("process");
    assert!(LARGEST.with(Cell::get) >= 60 * 40 * 3);
}

#[test]
fn the_bomb_builders_make_real_images() {
    // Guards the builders: at an honest size the same bytes decode, so the
    // refusals above come from the declared size and nothing else.
    let png = process(&png_bomb(5, 1), &Limits::default()).expect("16 zero bytes = one 5 px row");
    assert_eq!((png.original.width, png.original.height), (5, 1));
    let jpeg = process(&jpeg_bomb(60, 40), &Limits::default()).expect("unpatched size");
    assert_eq!((jpeg.original.width, jpeg.original.height), (60, 40));
}
