//! What the sync targets share: reading a fuzz input as a sync body.

use outpost_sync::protocol;

/// The body as the real decoder reads it. A first byte of 0 gives the rest
/// as it came over the wire (compressed); any other compresses the rest
/// first, so that mutations reach the message's structure, not only the
/// compression.
pub fn body_of<T: for<'de> serde::Deserialize<'de>>(input: &[u8]) -> Option<T> {
    let (&mode, rest) = input.split_first()?;
    if mode == 0 {
        protocol::decode(rest).ok()
    } else {
        protocol::decode(&zstd::bulk::compress(rest, 1).ok()?).ok()
    }
}
