//! The MIME layer: finding S/MIME structures in a message, canonicalizing an entity for
//! signing, and writing S/MIME messages.
//!
//! - `parse` walks the MIME tree of a message (or of a bare MIME entity) within [`Limits`] and
//!   reports every S/MIME structure it finds as a [`SmimePart`]: the exact signed bytes of a
//!   `multipart/signed`, and the decoded CMS bytes of a signature or an
//!   `application/pkcs7-mime` body. A message without S/MIME structures is not an error.
//! - [`split_entity`], [`to_crlf`] and [`find_8bit`] prepare an entity for signing: the outer
//!   RFC 5322 header fields (From, To, Subject…) stay outside, the MIME entity (its `Content-*`
//!   fields and body, CRLF canonical) is what gets signed.
//! - [`write_multipart_signed`] and [`write_pkcs7_mime`] produce complete messages, CRLF
//!   throughout; [`base64_crlf`] and [`new_boundary`] are their building blocks.
//!
//! # Clear-signed versus opaque signing
//!
//! In a `multipart/signed` message (clear signing) the first body part is the signed entity
//! itself, in the clear. It must reach the recipient byte for byte, and mail transport only
//! promises that for 7-bit text in lines of reasonable length. Entities holding 8-bit or binary
//! bytes or NUL ([`find_8bit`]) must therefore be refused for clear signing: the caller has to
//! encode such parts as base64 or quoted-printable first. Opaque signing
//! (`application/pkcs7-mime; smime-type=signed-data`) carries any bytes, because the whole
//! SignedData is base64-encoded.
//!
//! # What the parser does not do
//!
//! It does not descend into `message/rfc822` parts (a forwarded message is a different message,
//! whose signatures say nothing about the outer one), nor into the second part of a
//! `multipart/signed`, nor into CMS bodies (those are binary). It does descend into the first
//! part of a `multipart/signed`, so a signed message inside a signed message is reported too.

mod address;
mod canon;
pub(crate) mod lines;
mod parse;
mod write;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use address::{
    FromFields, from_fields, normalize_address, protected_from_fields, split_address,
};
pub(crate) use canon::{crlf_into, has_bare_lf};
pub use canon::{find_8bit, split_entity, to_crlf};
pub use parse::parse;
pub(crate) use parse::{delimiter_line, entity_head, is_signature_type, signature_part};
pub use write::{base64_crlf, write_multipart_signed, write_pkcs7_mime};
pub(crate) use write::{
    multipart_signed_head, multipart_signed_tail, pkcs7_mime_head, random_boundary,
};

use std::ops::Range;

/// Bounds on the work `parse` does on one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest input accepted, in bytes (default 256 MiB).
    pub max_size: usize,
    /// The deepest nesting of MIME entities accepted; the top-level entity is at depth 0
    /// (default 32).
    pub max_depth: usize,
    /// The most MIME entities accepted in one message, the top-level entity included
    /// (default 1000).
    pub max_parts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_size: 256 * 1024 * 1024,
            max_depth: 32,
            max_parts: 1000,
        }
    }
}

/// The kind of an S/MIME structure found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SmimeKind {
    /// `multipart/signed` with protocol `application/pkcs7-signature` (or the legacy
    /// `application/x-pkcs7-signature`), or without a protocol but with such a second part.
    MultipartSigned,
    /// `application/(x-)pkcs7-mime; smime-type=signed-data`: opaque signing.
    SignedData,
    /// `application/(x-)pkcs7-mime; smime-type=certs-only`, or without `smime-type` but named
    /// `*.p7c`.
    CertsOnly,
    /// `application/(x-)pkcs7-mime; smime-type=enveloped-data`.
    EnvelopedData,
    /// `application/(x-)pkcs7-mime; smime-type=authEnveloped-data`.
    AuthEnvelopedData,
    /// `application/(x-)pkcs7-mime` without a usable `smime-type` (missing or unknown): the
    /// caller has to look at the CMS content type.
    Pkcs7Mime,
}

/// One S/MIME structure found by `parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmimePart {
    /// What kind of structure this is.
    pub kind: SmimeKind,
    /// Byte range in the input of the whole entity, from its first header through its end (for
    /// a body part: up to, excluding, the line break that belongs to the next boundary).
    pub entity: Range<usize>,
    /// Nesting depth: 0 for the top-level entity of the message.
    pub depth: usize,
    /// Index path of the entity in the MIME tree, empty for the top-level entity; `[1]` is the
    /// second child of the top-level multipart.
    pub path: Vec<usize>,
    /// For `multipart/signed` only: the exact bytes of the first body part, as signed. From the
    /// first byte after the line break that ends the opening boundary line, up to (excluding)
    /// the line break before the next boundary line, which belongs to the boundary
    /// (RFC 1847, RFC 8551).
    pub signed_content: Option<Range<usize>>,
    /// The CMS bytes (DER or BER): the body of the signature part for `multipart/signed`, the
    /// body for `application/pkcs7-mime`, with any base64 transfer encoding removed.
    pub cms: Vec<u8>,
    /// The `micalg` parameter of a `multipart/signed`, lowercased.
    pub micalg: Option<String>,
    /// The `protocol` parameter of a `multipart/signed`, lowercased.
    pub protocol: Option<String>,
    /// For `multipart/signed`: the content type (`type/subtype`, lowercased) of the second
    /// part, so that a mismatch with `protocol` can be flagged.
    pub signature_part_type: Option<String>,
}

/// What `parse` found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// The mailboxes (bare addr-spec, such as `alice@example.com`) of the top-level `From`
    /// header field; empty if there is none. RFC 5322 allows one `From` field; if there are
    /// several, the mailboxes of all of them are listed, so that a caller checking that every
    /// mailbox is covered by the signer's certificate cannot be fooled by a second field.
    /// Read by [`from_fields`], strictly: see there.
    pub from: Vec<String>,
    /// The top-level From fields in full: how many there are, their mailboxes (the same as
    /// [`ParsedMessage::from`]) and whether one could not be read (its mailboxes are then
    /// missing, and a sender check must fail).
    pub from_fields: FromFields,
    /// Every S/MIME structure in the tree, in document order (outermost first).
    pub smime: Vec<SmimePart>,
    /// The content type (`type/subtype`, lowercased) of the top-level entity; `text/plain` if
    /// it has none.
    pub top_content_type: String,
}
