//! ASN.1 at the bottom of the stack: BER in (bounded), DER out.
//!
//! - [`ber`]: the bounded BER reader, a tree of [`ber::Node`]s that keep their byte ranges,
//!   so the exact bytes a signature covers stay as they were sent.
//! - The writing helpers here ([`tlv`], [`write_header`], [`der_set_of`]) assemble DER where
//!   the `der` crate's types do not fit: around bytes already encoded (certificates, CRLs,
//!   signed attributes as signed) or BER kept as it was read. Structures with a `der` type are
//!   written with that type.
//!
//! This module depends on nothing above it (no `cms`, `mime`, `crypto`).

pub mod ber;

/// Writes a DER identifier and definite length.
pub fn write_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A TLV with a DER length around `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write_header(&mut out, tag, content.len());
    out.extend_from_slice(content);
    out
}

/// Sorts DER elements into SET OF order (X.690 11.6), drops exact duplicates and places them
/// under `tag` (0x31 for a universal SET OF, or an IMPLICIT context tag such as 0xA0).
pub fn der_set_of(tag: u8, mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    elements.dedup();
    tlv(tag, &elements.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_use_the_shortest_form() {
        assert_eq!(tlv(0x04, &[7]), [0x04, 0x01, 7]);
        let long = tlv(0x04, &[0; 0x80]);
        assert_eq!(long[..3], [0x04, 0x81, 0x80]);
        let longer = tlv(0x04, &[0; 0x1234]);
        assert_eq!(longer[..4], [0x04, 0x82, 0x12, 0x34]);
        assert_eq!(longer.len(), 4 + 0x1234);
    }

    #[test]
    fn set_of_is_sorted_and_deduplicated() {
        let set = der_set_of(
            0x31,
            vec![vec![0x05, 0x00], vec![0x02, 0x01, 0x09], vec![0x05, 0x00]],
        );
        assert_eq!(set, [0x31, 0x05, 0x02, 0x01, 0x09, 0x05, 0x00]);
    }
}
