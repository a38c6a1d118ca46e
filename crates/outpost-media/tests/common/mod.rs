//! Builders for test photos: real JPEGs with hand-made EXIF, crafted
//! headers, and camera-like pixels. Nothing here reuses the crate under test.

#![allow(dead_code)] // each test binary uses a different subset

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

pub const PATTERN_WIDTH: u32 = 60;
pub const PATTERN_HEIGHT: u32 = 40;
pub const RED: [u8; 3] = [220, 30, 30];
pub const BLUE: [u8; 3] = [30, 30, 220];
pub const GREY: [u8; 3] = [128, 128, 128];

/// 60x40 landscape: red block top-left, blue block top-right, grey elsewhere.
/// No two of the eight EXIF transforms map it onto itself.
pub fn upright_pattern() -> RgbImage {
    RgbImage::from_fn(PATTERN_WIDTH, PATTERN_HEIGHT, |x, y| {
        if y < 16 && x < 20 {
            Rgb(RED)
        } else if y < 16 && x >= PATTERN_WIDTH - 20 {
            Rgb(BLUE)
        } else {
            Rgb(GREY)
        }
    })
}

/// The pixels a camera would store so that `orientation` displays `upright`.
///
/// Written from the EXIF 2.3 definitions (which visual side the stored 0th
/// row and 0th column are on), independently of `image`'s transforms.
pub fn stored_for_orientation(upright: &RgbImage, orientation: u16) -> RgbImage {
    let (w, h) = upright.dimensions();
    let swaps = orientation >= 5;
    let (sw, sh) = if swaps { (h, w) } else { (w, h) };
    RgbImage::from_fn(sw, sh, |sx, sy| {
        let (dx, dy) = match orientation {
            1 => (sx, sy),
            2 => (w - 1 - sx, sy),
            3 => (w - 1 - sx, h - 1 - sy),
            4 => (sx, h - 1 - sy),
            5 => (sy, sx),
            6 => (w - 1 - sy, sx),
            7 => (w - 1 - sy, h - 1 - sx),
            8 => (sy, h - 1 - sx),
            other => panic!("no EXIF orientation {other}"),
        };
        *upright.get_pixel(dx, dy)
    })
}

pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("encode test JPEG");
    out
}

/// GPS position as EXIF writes it: degrees, minutes, seconds as rationals.
#[derive(Clone, Copy)]
pub struct ExifGps {
    pub lat_ref: u8,
    pub lat: [(u32, u32); 3],
    pub lon_ref: u8,
    pub lon: [(u32, u32); 3],
}

/// What goes into the hand-built EXIF block.
#[derive(Clone, Copy, Default)]
pub struct ExifSpec<'a> {
    pub orientation: Option<u16>,
    pub date_time_original: Option<&'a str>,
    pub gps: Option<ExifGps>,
    pub little_endian: bool,
}

const SHORT: u16 = 3;
const LONG: u16 = 4;
const ASCII: u16 = 2;
const BYTE: u16 = 1;
const RATIONAL: u16 = 5;

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    data: Vec<u8>,
}

struct Writer {
    le: bool,
}

impl Writer {
    fn u16(&self, v: u16) -> [u8; 2] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
    fn u32(&self, v: u32) -> [u8; 4] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
    fn short(&self, tag: u16, v: u16) -> Entry {
        Entry {
            tag,
            kind: SHORT,
            count: 1,
            data: self.u16(v).to_vec(),
        }
    }
    fn long(&self, tag: u16, v: u32) -> Entry {
        Entry {
            tag,
            kind: LONG,
            count: 1,
            data: self.u32(v).to_vec(),
        }
    }
    fn ascii(&self, tag: u16, s: &str) -> Entry {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        Entry {
            tag,
            kind: ASCII,
            count: data.len() as u32,
            data,
        }
    }
    fn rationals(&self, tag: u16, values: &[(u32, u32)]) -> Entry {
        let mut data = Vec::new();
        for &(n, d) in values {
            data.extend_from_slice(&self.u32(n));
            data.extend_from_slice(&self.u32(d));
        }
        Entry {
            tag,
            kind: RATIONAL,
            count: values.len() as u32,
            data,
        }
    }

    /// One IFD placed at `start` (offset from the TIFF header), followed by
    /// the values that do not fit in an entry. Its length does not depend
    /// on `start`, which lets the caller lay IFDs out in two passes.
    fn ifd(&self, mut entries: Vec<Entry>, start: u32) -> Vec<u8> {
        entries.sort_by_key(|e| e.tag);
        let mut out = Vec::new();
        let mut extra = Vec::new();
        let extra_start = start + 2 + 12 * entries.len() as u32 + 4;
        out.extend_from_slice(&self.u16(entries.len() as u16));
        for e in &entries {
            out.extend_from_slice(&self.u16(e.tag));
            out.extend_from_slice(&self.u16(e.kind));
            out.extend_from_slice(&self.u32(e.count));
            if e.data.len() <= 4 {
                let mut inline = e.data.clone();
                inline.resize(4, 0);
                out.extend_from_slice(&inline);
            } else {
                out.extend_from_slice(&self.u32(extra_start + extra.len() as u32));
                extra.extend_from_slice(&e.data);
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
            }
        }
        out.extend_from_slice(&self.u32(0)); // no next IFD
        out.extend_from_slice(&extra);
        out
    }
}

/// A TIFF-structured EXIF block: IFD0 with Orientation, and pointers to an
/// Exif sub-IFD (DateTimeOriginal) and a GPS IFD when asked for.
pub fn exif_tiff(spec: &ExifSpec) -> Vec<u8> {
    let w = Writer {
        le: spec.little_endian,
    };
    let exif_entries = || spec.date_time_original.map(|d| vec![w.ascii(0x9003, d)]);
    let gps_entries = || {
        spec.gps.map(|g| {
            vec![
                Entry {
                    tag: 0x0000,
                    kind: BYTE,
                    count: 4,
                    data: vec![2, 3, 0, 0],
                },
                w.ascii(0x0001, std::str::from_utf8(&[g.lat_ref]).expect("ascii")),
                w.rationals(0x0002, &g.lat),
                w.ascii(0x0003, std::str::from_utf8(&[g.lon_ref]).expect("ascii")),
                w.rationals(0x0004, &g.lon),
            ]
        })
    };
    let ifd0_entries = |exif_at: u32, gps_at: u32| {
        let mut entries = Vec::new();
        if let Some(o) = spec.orientation {
            entries.push(w.short(0x0112, o));
        }
        if spec.date_time_original.is_some() {
            entries.push(w.long(0x8769, exif_at));
        }
        if spec.gps.is_some() {
            entries.push(w.long(0x8825, gps_at));
        }
        entries
    };

    let ifd0_len = w.ifd(ifd0_entries(0, 0), 8).len() as u32;
    let exif_at = 8 + ifd0_len;
    let exif_ifd = exif_entries()
        .map(|e| w.ifd(e, exif_at))
        .unwrap_or_default();
    let gps_at = exif_at + exif_ifd.len() as u32;
    let gps_ifd = gps_entries().map(|e| w.ifd(e, gps_at)).unwrap_or_default();

    let mut tiff = Vec::new();
    tiff.extend_from_slice(if spec.little_endian { b"II" } else { b"MM" });
    tiff.extend_from_slice(&w.u16(42));
    tiff.extend_from_slice(&w.u32(8));
    tiff.extend_from_slice(&w.ifd(ifd0_entries(exif_at, gps_at), 8));
    tiff.extend_from_slice(&exif_ifd);
    tiff.extend_from_slice(&gps_ifd);
    tiff
}

/// Inserts an APP1 "Exif" segment right after SOI, where cameras put it.
pub fn with_exif(jpeg: &[u8], spec: &ExifSpec) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "not a JPEG");
    let tiff = exif_tiff(spec);
    let length = u16::try_from(2 + 6 + tiff.len()).expect("EXIF fits one segment");
    let mut out = Vec::with_capacity(jpeg.len() + tiff.len() + 10);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A camera-like JPEG of the test pattern stored for `orientation`.
pub fn oriented_jpeg(orientation: u16, spec: ExifSpec) -> Vec<u8> {
    let stored = stored_for_orientation(&upright_pattern(), orientation);
    with_exif(
        &encode_jpeg(&stored, 95),
        &ExifSpec {
            orientation: Some(orientation),
            ..spec
        },
    )
}

/// Mean colour of a rectangle.
pub fn mean_rgb(image: &RgbImage, x0: u32, y0: u32, w: u32, h: u32) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let p = image.get_pixel(x, y);
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
        }
    }
    let n = f64::from(w * h);
    sum.map(|s| s / n)
}

pub fn assert_close(actual: [f64; 3], expected: [u8; 3], what: &str) {
    for c in 0..3 {
        let diff = (actual[c] - f64::from(expected[c])).abs();
        assert!(
            diff < 35.0,
            "{what}: mean {actual:?}, expected about {expected:?}"
        );
    }
}

pub fn decode_rgb(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("output decodes")
        .to_rgb8()
}

/// Deterministic pseudo-random bytes (xorshift64), so failures reproduce.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Smooth random field in [-1, 1] with features about `cell` pixels wide
/// (value noise: random lattice values, smoothly interpolated).
struct ValueNoise {
    cell: u32,
    columns: usize,
    lattice: Vec<f64>,
}

impl ValueNoise {
    fn new(width: u32, height: u32, cell: u32, noise: &mut Noise) -> Self {
        let columns = (width / cell + 2) as usize;
        let rows = (height / cell + 2) as usize;
        let lattice = (0..columns * rows)
            .map(|_| (noise.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0)
            .collect();
        ValueNoise {
            cell,
            columns,
            lattice,
        }
    }

    fn at(&self, x: u32, y: u32) -> f64 {
        let smooth = |t: f64| t * t * (3.0 - 2.0 * t);
        let (cx, cy) = ((x / self.cell) as usize, (y / self.cell) as usize);
        let tx = smooth(f64::from(x % self.cell) / f64::from(self.cell));
        let ty = smooth(f64::from(y % self.cell) / f64::from(self.cell));
        let v = |dx: usize, dy: usize| self.lattice[(cy + dy) * self.columns + cx + dx];
        let top = v(0, 0) + (v(1, 0) - v(0, 0)) * tx;
        let bottom = v(0, 1) + (v(1, 1) - v(0, 1)) * tx;
        top + (bottom - top) * ty
    }
}

/// Something a camera could produce: soft lighting gradients, a few
/// blurred shapes, ground texture at several scales (gravel, shrubs) and
/// mild sensor noise. Not trivially compressible, not adversarial either.
pub fn camera_like_photo(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    let (wf, hf) = (f64::from(width), f64::from(height));
    let blobs = [
        (0.3, 0.4, 0.15, [40.0, 90.0, 30.0]),
        (0.7, 0.6, 0.2, [120.0, 60.0, 20.0]),
    ];
    let textures = [
        (ValueNoise::new(width, height, 97, &mut noise), 22.0),
        (ValueNoise::new(width, height, 23, &mut noise), 16.0),
        (ValueNoise::new(width, height, 5, &mut noise), 10.0),
    ];
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (f64::from(x) / wf, f64::from(y) / hf);
        // Sky-to-ground gradient with a slow ripple, like terrain.
        let mut rgb = [
            90.0 + 100.0 * v + 20.0 * (u * 9.0).sin(),
            140.0 - 40.0 * v + 15.0 * (v * 13.0 + u * 5.0).sin(),
            200.0 - 130.0 * v + 10.0 * (u * 21.0).cos(),
        ];
        for (cx, cy, r, colour) in blobs {
            let d = ((u - cx).powi(2) + (v - cy).powi(2)).sqrt();
            let weight = (1.0 - d / r).clamp(0.0, 1.0);
            for c in 0..3 {
                rgb[c] = rgb[c] * (1.0 - weight) + colour[c] * weight;
            }
        }
        // Texture on the ground only: the sky stays smooth, as in photos.
        let ground = (v * 2.0 - 0.4).clamp(0.0, 1.0);
        let texture: f64 = textures
            .iter()
            .map(|(n, amp)| n.at(x, y) * amp)
            .sum::<f64>()
            * ground;
        let bits = noise.next_u64();
        Rgb(std::array::from_fn(|c| {
            let grain = f64::from((bits >> (c * 8)) as u8 % 9) - 4.0;
            (rgb[c] + texture + grain).clamp(0.0, 255.0) as u8
        }))
    })
}

/// Returns the offsets of every APP1 segment whose payload starts "Exif\0\0",
/// scanning all bytes so that an EXIF block anywhere is caught.
pub fn exif_app1_offsets(bytes: &[u8]) -> Vec<usize> {
    bytes
        .windows(10)
        .enumerate()
        .filter(|(_, w)| w[0] == 0xFF && w[1] == 0xE1 && &w[4..10] == b"Exif\0\0")
        .map(|(i, _)| i)
        .collect()
}
