//! Resource bounds applied before and during decoding.

/// Bounds on what [`crate::process`] will accept.
///
/// Photos arrive from cameras, but also from shared folders and messaging
/// apps, so the pipeline treats them as untrusted: every bound is checked
/// before the corresponding memory is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, checked before anything is parsed.
    pub max_input_bytes: u64,
    /// Longest accepted width, from the image header.
    pub max_width: u32,
    /// Longest accepted height, from the image header.
    pub max_height: u32,
    /// Largest accepted `width * height`, from the image header.
    pub max_pixels: u64,
    /// Memory budget for decoding and for the full-size working copies.
    pub max_alloc: u64,
}

impl Default for Limits {
    /// Generous for phone and tablet cameras: their largest everyday
    /// output is 50 Mpx (8160x6120), and the 108/200 Mpx "full resolution"
    /// modes exceed any sane bound anyway. 80 Mpx is the most that fits the
    /// 512 MiB memory budget in every shape and orientation (worst case
    /// about 493 MiB, a square photo), so `max_alloc` remains a backstop
    /// rather than a second, surprising pixel limit.
    fn default() -> Self {
        Limits {
            max_input_bytes: 64 * 1024 * 1024,
            max_width: 12_000,
            max_height: 12_000,
            max_pixels: 80_000_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The same bounds in the form `image`'s decoders enforce.
    pub(crate) fn to_image_limits(self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_width);
        limits.max_image_height = Some(self.max_height);
        limits.max_alloc = Some(self.max_alloc);
        limits
    }
}
