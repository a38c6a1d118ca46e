//! Checks that a JPEG's marker structure runs to its end-of-image marker.
//!
//! `image` decodes JPEGs with zune-jpeg in lenient mode, which turns a
//! truncated file into a photo whose lower half is flat grey. A half-sent
//! photo must be reported as such, not silently stored, so the segments are
//! walked here before decoding. Data after EOI is allowed: some phones append
//! a video ("motion photo") or vendor trailer there.

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const TEM: u8 = 0x01;

/// `Err` carries a plain-English detail for the corrupt-photo error.
pub(crate) fn check_complete(data: &[u8]) -> Result<(), &'static str> {
    if data.len() < 2 || data[0] != 0xFF || data[1] != SOI {
        return Err("missing JPEG start-of-image marker");
    }
    let mut pos = 2;
    let mut seen_scan = false;
    loop {
        let marker = next_marker(data, &mut pos).ok_or("truncated before end-of-image marker")?;
        match marker {
            EOI if seen_scan => return Ok(()),
            EOI => return Err("end-of-image marker before any image data"),
            // Standalone markers carry no length field.
            TEM | 0xD0..=0xD7 => {}
            _ => {
                let length = segment_length(data, pos).ok_or("truncated segment")?;
                pos += length;
                if marker == SOS {
                    seen_scan = true;
                    pos =
                        skip_entropy_coded_data(data, pos).ok_or("truncated inside image data")?;
                }
            }
        }
    }
}

/// Reads the marker at `pos` (skipping fill bytes) and leaves `pos` after it.
fn next_marker(data: &[u8], pos: &mut usize) -> Option<u8> {
    if *data.get(*pos)? != 0xFF {
        return None;
    }
    while *data.get(*pos)? == 0xFF {
        *pos += 1;
    }
    let marker = *data.get(*pos)?;
    *pos += 1;
    Some(marker)
}

/// Length of the segment starting at `pos`, including the length field,
/// only if the whole segment is present.
fn segment_length(data: &[u8], pos: usize) -> Option<usize> {
    let high = *data.get(pos)?;
    let low = *data.get(pos + 1)?;
    let length = usize::from(u16::from_be_bytes([high, low]));
    (length >= 2 && pos + length <= data.len()).then_some(length)
}

/// Returns the position of the first real marker after scan data.
fn skip_entropy_coded_data(data: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let offset = data.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        pos += offset;
        match *data.get(pos + 1)? {
            // Stuffed zero byte or restart marker: still scan data.
            0x00 | 0xD0..=0xD7 => pos += 2,
            // Fill byte: the marker follows.
            0xFF => pos += 1,
            _ => return Some(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(16, 16, image::Rgb([10, 200, 30]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .expect("encode");
        out
    }

    #[test]
    fn complete_jpeg_passes() {
        assert_eq!(check_complete(&tiny_jpeg()), Ok(()));
    }

    #[test]
    fn trailing_data_after_eoi_is_allowed() {
        let mut data = tiny_jpeg();
        data.extend_from_slice(b"....ftypmp42 appended video");
        assert_eq!(check_complete(&data), Ok(()));
    }

    #[test]
    fn every_truncation_is_detected() {
        let data = tiny_jpeg();
        for cut in 0..data.len() {
            assert!(check_complete(&data[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn eoi_without_scan_is_rejected() {
        assert!(check_complete(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    }
}
