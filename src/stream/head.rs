//! The header block of a message read from a stream, split as `mime::split_entity` splits it.

use crate::error::ParseError;
use crate::mime::lines::{is_header_start, scan_headers};
use crate::mime::split_entity;
use std::io::{self, BufRead};

/// A message's header block, split into what stays outside a signature or encryption and what
/// goes inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeadSplit {
    /// The header fields that are not `Content-*` (From, To, Subject…), CRLF canonical; no
    /// `MIME-Version`.
    pub outer_headers: Vec<u8>,
    /// The `Content-*` fields, CRLF canonical (a `Content-Type: text/plain;
    /// charset=us-ascii` field first when there was none), and the blank line's CRLF.
    pub content_headers: Vec<u8>,
    /// Bytes already read that belong to the body, raw: they go through the same
    /// canonicalization as the rest of the body.
    pub body_prefix: Vec<u8>,
}

const PLAIN: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n";

/// Reads the header block of a message from `r` (at most `max_header` bytes) and splits it.
///
/// For any input `x` read this way, `split_entity(x).entity` equals `content_headers`
/// followed by the CRLF form of `body_prefix` and of the rest of `r`. Errors as
/// `split_entity`'s ([`ParseError::Empty`], [`ParseError::MalformedMime`]), a header block
/// longer than `max_header` is [`ParseError::TooLarge`], and read errors are passed on (a
/// parse error inside an `io::Error` is returned as itself).
pub(crate) fn split_head<R: BufRead>(
    r: &mut R,
    max_header: usize,
) -> Result<HeadSplit, ParseError> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        let room = max_header.saturating_sub(start) as u64;
        let n = io::Read::take(&mut *r, room.saturating_add(1))
            .read_until(b'\n', &mut head)
            .map_err(read_error)?;
        if n == 0 {
            break;
        }
        let line = &head[start..];
        let content = line
            .strip_suffix(b"\n")
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .unwrap_or(line);
        let first = start == 0;
        if head.len() > max_header {
            if first && !is_header_start(content) {
                // A long first line that is no header: a body without headers.
                break;
            }
            return Err(ParseError::TooLarge {
                what: "header block",
                limit: max_header,
            });
        }
        if content.is_empty() {
            break;
        }
        let continuation = matches!(content.first(), Some(b' ' | b'\t'));
        if !(is_header_start(content) || continuation && !first) {
            // Not a header line: it ends the block (an error, unless there are no headers).
            break;
        }
    }
    if head.is_empty() {
        return Err(ParseError::Empty);
    }
    let block = scan_headers(&head, 0);
    if block.fields.is_empty() {
        // No header fields: a body (after the blank line, if the input starts with one).
        let body_start = block.body_start.min(head.len());
        head.drain(..body_start);
        return Ok(HeadSplit {
            outer_headers: Vec::new(),
            content_headers: PLAIN.to_vec(),
            body_prefix: head,
        });
    }
    if block.stray_line.is_some() {
        // split_entity words the error.
        return Err(split_entity(&head).err().unwrap_or_else(|| {
            ParseError::mime("a line inside the header block is no header field")
        }));
    }
    let body_start = block.body_start.min(head.len());
    let split = split_entity(&head[..body_start])?;
    let body_prefix = head[body_start..].to_vec();
    Ok(HeadSplit {
        outer_headers: split.outer_headers,
        content_headers: split.entity,
        body_prefix,
    })
}

fn read_error(e: io::Error) -> ParseError {
    super::parse_error(&e).unwrap_or_else(|| ParseError::mime(format!("reading the message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::to_crlf;
    use std::io::{BufReader, Read};

    fn check(input: &[u8]) {
        for cap in [1, 3, 16, 1 << 16] {
            let mut r = BufReader::with_capacity(cap, input);
            let h = split_head(&mut r, 1 << 20).unwrap();
            let mut rest = h.body_prefix.clone();
            r.read_to_end(&mut rest).unwrap();
            let want = split_entity(input).unwrap();
            assert_eq!(h.outer_headers, want.outer_headers, "{input:?}");
            let mut got = h.content_headers.clone();
            got.extend_from_slice(&to_crlf(&rest));
            assert_eq!(got, want.entity, "{input:?}");
        }
    }

    #[test]
    fn same_as_split_entity() {
        check(b"From: Alice <alice@example.com>\nTo: bob@example.com\nSubject: a\n long subject\nMIME-Version: 1.0\nContent-Type: text/plain;\n charset=utf-8\nContent-Transfer-Encoding: 7bit\n\nHello\nBob\n");
        check(b"Subject: x\r\n\r\nbody");
        check(b"Subject: x");
        check(b"Subject: x\r\n");
        check(b"just text\nmore\n");
        check(b"\r\nbody after a blank line\r\n");
        check(b"Content-Type: text/plain\r\n\r\n\r\n\r\n");
    }

    #[test]
    fn errors_and_limits() {
        let e = |input: &[u8], max| split_head(&mut BufReader::new(input), max).unwrap_err();
        assert_eq!(e(b"", 100), ParseError::Empty);
        assert!(matches!(
            e(b"Subject: x\nnot a header\n\nbody", 100),
            ParseError::MalformedMime { .. }
        ));
        assert!(matches!(
            e(b"Subject: a very long subject line\r\n\r\n", 10),
            ParseError::TooLarge { .. }
        ));
        // A long first line that is no header is a body, not an oversized header.
        let body = vec![b'A'; 5000];
        let h = split_head(&mut BufReader::new(&body[..]), 100).unwrap();
        assert!(h.outer_headers.is_empty());
        assert_eq!(h.content_headers, PLAIN);
        assert!(h.body_prefix.len() > 100 && body.starts_with(&h.body_prefix));
    }
}
