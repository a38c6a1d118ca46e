//! Voice notes: recognised by their content, never by a file name, so a
//! renamed document or a failed recording is refused with a clear reason
//! instead of travelling to headquarters as an unplayable file.

/// The largest voice note accepted: about an hour of speech at the rates
/// tablets record at, far beyond a debrief step.
pub const MAX_VOICE_NOTE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file cannot be a voice note.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("the voice note is empty (0 bytes)")]
    Empty,
    #[error("the voice note is {bytes} bytes, over the limit of {max} bytes")]
    TooLarge { bytes: u64, max: u64 },
    #[error("not a recognised audio format")]
    Unsupported,
}

impl AudioError {
    pub fn code(&self) -> &'static str {
        match self {
            AudioError::Empty => "voice.empty",
            AudioError::TooLarge { .. } => "voice.too_large",
            AudioError::Unsupported => "voice.unsupported",
        }
    }

    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            AudioError::TooLarge { bytes, max } => {
                vec![("bytes", bytes.to_string()), ("max", max.to_string())]
            }
            _ => Vec::new(),
        }
    }
}

/// The media type of an audio file, from its first bytes: WebM/Matroska (what
/// webviews record), Ogg, WAV, MP3, MP4/M4A (what phones record) and FLAC.
pub fn audio_media_type(bytes: &[u8]) -> Result<&'static str, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    if bytes.len() as u64 > MAX_VOICE_NOTE_BYTES {
        return Err(AudioError::TooLarge {
            bytes: bytes.len() as u64,
            max: MAX_VOICE_NOTE_BYTES,
        });
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let kind = if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "audio/webm"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        "audio/wav"
    } else if starts(b"fLaC") {
        "audio/flac"
    } else if bytes.get(4..8) == Some(b"ftyp") {
        "audio/mp4"
    } else if starts(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        "audio/mpeg"
    } else {
        return Err(AudioError::Unsupported);
    };
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_what_tablets_and_webviews_record() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend([0; 16]);
        assert_eq!(audio_media_type(&wav).unwrap(), "audio/wav");
        assert_eq!(
            audio_media_type(&[0x1A, 0x45, 0xDF, 0xA3, 1, 2]).unwrap(),
            "audio/webm"
        );
        assert_eq!(audio_media_type(b"OggS\0\x02").unwrap(), "audio/ogg");
        assert_eq!(
            audio_media_type(b"\0\0\0\x20ftypM4A ").unwrap(),
            "audio/mp4"
        );
        assert_eq!(audio_media_type(b"ID3\x04\0").unwrap(), "audio/mpeg");
    }

    #[test]
    fn refuses_empty_and_non_audio_files_with_their_reason() {
        assert_eq!(audio_media_type(b"").unwrap_err().code(), "voice.empty");
        assert_eq!(
            audio_media_type(b"%PDF-1.7").unwrap_err().code(),
            "voice.unsupported"
        );
        assert_eq!(
            audio_media_type(b"\xFF\xD8\xFF\xE0JFIF")
                .unwrap_err()
                .code(),
            "voice.unsupported",
            "a JPEG is not a voice note"
        );
    }
}
