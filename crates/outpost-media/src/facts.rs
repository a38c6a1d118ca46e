//! Capture time and place, read from the input's EXIF before it is dropped.
//!
//! These facts go into the report itself, where the reporter can review or
//! remove them; they must never travel hidden inside the image bytes. Missing
//! or garbled EXIF is ordinary (screenshots, messaging apps, cheap cameras)
//! and simply yields `None`.

use std::io::Cursor;

use chrono::NaiveDate;
use exif::{Exif, In, Tag, Value};

/// A position in WGS 84 decimal degrees; south and west are negative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpsFix {
    pub lat: f64,
    pub lon: f64,
}

/// What the camera recorded about when and where the photo was taken.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaptureFacts {
    /// EXIF `DateTimeOriginal` as `YYYY-MM-DDTHH:MM:SS`, in the camera's
    /// local time: EXIF 2.2 has no zone, so none is invented here.
    pub captured_at: Option<String>,
    pub location: Option<GpsFix>,
}

pub(crate) fn read_capture_facts(input: &[u8]) -> CaptureFacts {
    let mut reader = exif::Reader::new();
    // Keep what parsed when a later IFD is damaged.
    reader.continue_on_error(true);
    let exif = reader
        .read_from_container(&mut Cursor::new(input))
        .or_else(|err| err.distill_partial_result(|_| ()));
    match exif {
        Ok(exif) => CaptureFacts {
            captured_at: captured_at(&exif),
            location: location(&exif),
        },
        Err(_) => CaptureFacts::default(),
    }
}

fn captured_at(exif: &Exif) -> Option<String> {
    let field = exif.get_field(Tag::DateTimeOriginal, In::PRIMARY)?;
    let Value::Ascii(ref parts) = field.value else {
        return None;
    };
    let raw = exif::DateTime::from_ascii(parts.first()?).ok()?;
    // Cameras without a set clock write "0000:00:00 00:00:00"; chrono
    // rejects it along with any other impossible date.
    let moment = NaiveDate::from_ymd_opt(
        i32::from(raw.year),
        u32::from(raw.month),
        u32::from(raw.day),
    )?
    .and_hms_opt(
        u32::from(raw.hour),
        u32::from(raw.minute),
        u32::from(raw.second),
    )?;
    Some(moment.format("%Y-%m-%dT%H:%M:%S").to_string())
}

fn location(exif: &Exif) -> Option<GpsFix> {
    let lat = signed_degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'N', b'S')?;
    let lon = signed_degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'E', b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
        .then_some(GpsFix { lat, lon })
}

/// Degrees/minutes/seconds plus hemisphere reference to signed degrees.
///
/// Without a valid reference the sign is unknown; a position mirrored into
/// the wrong hemisphere is worse than none, so that yields `None`.
fn signed_degrees(
    exif: &Exif,
    value_tag: Tag,
    ref_tag: Tag,
    positive: u8,
    negative: u8,
) -> Option<f64> {
    let Value::Ascii(ref refs) = exif.get_field(ref_tag, In::PRIMARY)?.value else {
        return None;
    };
    let sign = match refs.first()?.first()?.to_ascii_uppercase() {
        r if r == positive => 1.0,
        r if r == negative => -1.0,
        _ => return None,
    };
    let Value::Rational(ref dms) = exif.get_field(value_tag, In::PRIMARY)?.value else {
        return None;
    };
    if dms.is_empty() || dms.len() > 3 {
        return None;
    }
    let mut degrees = 0.0;
    for (part, scale) in dms.iter().zip([1.0, 60.0, 3600.0]) {
        // A zero denominator gives NaN or infinity, rejected below.
        degrees += part.to_f64() / scale;
    }
    degrees.is_finite().then_some(sign * degrees)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_exif_gives_no_facts() {
        assert_eq!(read_capture_facts(b"not an image"), CaptureFacts::default());
        assert_eq!(
            read_capture_facts(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]),
            CaptureFacts::default()
        );
    }
}
