//! Canonicalization of an entity for signing.

use super::lines::{field_name, scan_headers};
use crate::error::ParseError;

/// Converts bare LF line breaks to CRLF. Existing CRLF pairs are kept, and so is a lone CR.
pub fn to_crlf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len().saturating_add(input.len() / 32 + 2));
    crlf_into(input, false, &mut out);
    out
}

/// Appends `input` to `out` with bare LF line breaks turned into CRLF; `after_cr` says whether
/// the byte before `input` (in an earlier chunk) was a CR. Works line by line with `memchr`, so
/// the bytes between line breaks are copied in bulk.
pub(crate) fn crlf_into(input: &[u8], after_cr: bool, out: &mut Vec<u8>) {
    let mut start = 0;
    for lf in memchr::memchr_iter(b'\n', input) {
        let bare = if lf == 0 {
            !after_cr
        } else {
            input.get(lf - 1) != Some(&b'\r')
        };
        if bare {
            out.extend_from_slice(input.get(start..lf).unwrap_or_default());
            out.extend_from_slice(b"\r\n");
            start = lf + 1;
        }
    }
    out.extend_from_slice(input.get(start..).unwrap_or_default());
}

/// Whether `data` has a LF not preceded by CR.
pub(crate) fn has_bare_lf(data: &[u8]) -> bool {
    memchr::memchr_iter(b'\n', data).any(|i| i == 0 || data.get(i - 1) != Some(&b'\r'))
}

/// The offset of the first byte that would not survive 7-bit transport unchanged: a byte of
/// 0x80 or above, or NUL. `None` if there is none.
///
/// Clear signing (`multipart/signed`) must refuse such entities; see the [module
/// documentation](super).
pub fn find_8bit(entity: &[u8]) -> Option<usize> {
    entity.iter().position(|&b| b >= 0x80 || b == 0)
}

/// A message split into the part that stays outside the signature and the part that is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitEntity {
    /// The RFC 5322 header fields that are not `Content-*` fields (From, To, Subject, Date,
    /// Message-ID…), each whole (with its folded continuation lines) and ending in CRLF.
    /// `MIME-Version` is left out: the writer adds its own.
    pub outer_headers: Vec<u8>,
    /// The MIME entity to sign: the `Content-*` header fields, a blank line and the body, all
    /// CRLF canonical. If the input had no `Content-Type`, a
    /// `Content-Type: text/plain; charset=us-ascii` field is added.
    pub entity: Vec<u8>,
}

/// Splits a message into its outer header fields and the MIME entity that gets signed.
///
/// The input may use CRLF or LF line endings. An input without any header field (its first line
/// is blank or not a header field) is taken as a body alone. Errors: an empty input is
/// [`ParseError::Empty`]; a line inside the header block that is neither a header field nor a
/// continuation is [`ParseError::MalformedMime`].
pub fn split_entity(input: &[u8]) -> Result<SplitEntity, ParseError> {
    if input.is_empty() {
        return Err(ParseError::Empty);
    }
    let block = scan_headers(input, 0);
    if let Some(stray) = block.stray_line
        && !block.fields.is_empty()
    {
        let line = input
            .get(..stray)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(ParseError::mime(format!(
            "line {line} is inside the header block but is not a header field \
             (is the blank line between headers and body missing?)"
        )));
    }
    let mut outer_headers = Vec::new();
    let mut content_headers = Vec::new();
    let mut has_content_type = false;
    for field in &block.fields {
        let bytes = input.get(field.clone()).unwrap_or_default();
        let name = field_name(bytes).unwrap_or_default();
        let mut canonical = to_crlf(bytes);
        if !canonical.ends_with(b"\r\n") {
            canonical.extend_from_slice(b"\r\n");
        }
        if name.len() >= 8
            && name
                .get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"content-"))
        {
            has_content_type |= name.eq_ignore_ascii_case(b"content-type");
            content_headers.extend_from_slice(&canonical);
        } else if name.eq_ignore_ascii_case(b"mime-version") {
            // The writer adds its own.
        } else {
            outer_headers.extend_from_slice(&canonical);
        }
    }
    let body = input.get(block.body_start..).unwrap_or_default();
    let body = to_crlf(body);
    let mut entity = Vec::with_capacity(content_headers.len() + body.len() + 48);
    if !has_content_type {
        entity.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\n");
    }
    entity.extend_from_slice(&content_headers);
    entity.extend_from_slice(b"\r\n");
    entity.extend_from_slice(&body);
    Ok(SplitEntity {
        outer_headers,
        entity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf() {
        assert_eq!(to_crlf(b"a\nb\r\nc\rd\n"), b"a\r\nb\r\nc\rd\r\n");
        assert_eq!(to_crlf(b"\n\n"), b"\r\n\r\n");
        assert_eq!(to_crlf(b""), b"");
        assert_eq!(to_crlf(b"\r\r\n"), b"\r\r\n");
        assert_eq!(to_crlf(b"\nx\n\r\n\n"), b"\r\nx\r\n\r\n\r\n");
        let mut out = Vec::new();
        crlf_into(b"\na\n", true, &mut out);
        assert_eq!(out, b"\na\r\n");
        assert!(has_bare_lf(b"\n"));
        assert!(has_bare_lf(b"a\r\nb\n"));
        assert!(!has_bare_lf(b"a\r\nb\r\n"));
    }

    #[test]
    fn eight_bit() {
        assert_eq!(find_8bit(b"plain text\r\n"), None);
        assert_eq!(find_8bit(b"ab\xc3\xa9"), Some(2));
        assert_eq!(find_8bit(b"a\0b"), Some(1));
    }

    #[test]
    fn split_message() {
        let msg = b"From: Alice <alice@example.com>\nTo: bob@example.com\nSubject: a\n long subject\nMIME-Version: 1.0\nContent-Type: text/plain;\n charset=utf-8\nContent-Transfer-Encoding: 7bit\n\nHello\nBob\n";
        let s = split_entity(msg).unwrap();
        assert_eq!(
            s.outer_headers,
            b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: a\r\n long subject\r\n"
        );
        assert_eq!(
            s.entity,
            b"Content-Type: text/plain;\r\n charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHello\r\nBob\r\n".to_vec()
        );
    }

    #[test]
    fn split_adds_content_type() {
        let s = split_entity(b"Subject: x\r\n\r\nbody").unwrap();
        assert_eq!(s.outer_headers, b"Subject: x\r\n");
        assert_eq!(
            s.entity,
            b"Content-Type: text/plain; charset=us-ascii\r\n\r\nbody".to_vec()
        );
        // Headers only, no blank line: empty body.
        let s = split_entity(b"Subject: x").unwrap();
        assert_eq!(s.outer_headers, b"Subject: x\r\n");
        assert_eq!(
            s.entity,
            b"Content-Type: text/plain; charset=us-ascii\r\n\r\n".to_vec()
        );
        // No headers at all: a body.
        let s = split_entity(b"just text\nmore\n").unwrap();
        assert!(s.outer_headers.is_empty());
        assert_eq!(
            s.entity,
            b"Content-Type: text/plain; charset=us-ascii\r\n\r\njust text\r\nmore\r\n".to_vec()
        );
    }

    #[test]
    fn split_errors() {
        assert_eq!(split_entity(b""), Err(ParseError::Empty));
        assert!(matches!(
            split_entity(b"Subject: x\nnot a header\n\nbody"),
            Err(ParseError::MalformedMime { .. })
        ));
    }
}
