//! Line and header-block scanning shared by the parser and the canonicalizer.
//!
//! Everything here works on absolute offsets into one input slice and never indexes out of
//! bounds: positions past the end simply yield nothing.

use std::ops::Range;

/// One line of `data` starting at `pos`: `(content_end, next_start)`.
///
/// `content_end` excludes the line break (CRLF or LF); `next_start` is the first byte after it.
/// A last line without a line break ends at `data.len()`. `None` when `pos >= data.len()`.
pub(crate) fn next_line(data: &[u8], pos: usize) -> Option<(usize, usize)> {
    let rest = data.get(pos..)?;
    if rest.is_empty() {
        return None;
    }
    match memchr::memchr(b'\n', rest) {
        Some(i) => {
            let lf = pos + i;
            let content_end = if i > 0 && data.get(lf - 1) == Some(&b'\r') {
                lf - 1
            } else {
                lf
            };
            Some((content_end, lf + 1))
        }
        None => Some((data.len(), data.len())),
    }
}

/// Whether `line` (without its line break) starts a header field: a field name of printable
/// ASCII other than `:`, optional white space (the obsolete syntax of RFC 5322 section 4.5,
/// which a receiver must accept), then `:`.
pub(crate) fn is_header_start(line: &[u8]) -> bool {
    field_name(line).is_some()
}

/// The field name of a header field line (without the white space the obsolete syntax allows
/// before the colon), or `None` when `line` does not start a header field.
pub(crate) fn field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    let before = line.get(..colon)?;
    let end = before
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    let name = before.get(..end)?;
    (!name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))).then_some(name)
}

/// The header block of an entity.
#[derive(Debug, Default)]
pub(crate) struct HeaderBlock {
    /// Each header field, with its continuation lines and its final line break.
    pub fields: Vec<Range<usize>>,
    /// Where the body starts (after the blank line, or at the first line that is not a header).
    pub body_start: usize,
    /// Whether a blank line ended the header block.
    pub terminated: bool,
    /// Offset of a line that is neither a header field, a continuation nor blank, if one ended
    /// the header block.
    pub stray_line: Option<usize>,
}

/// Scans the header block of the entity `data[start..]` (`data` already cut at the entity end).
pub(crate) fn scan_headers(data: &[u8], start: usize) -> HeaderBlock {
    let mut block = HeaderBlock {
        body_start: data.len(),
        ..HeaderBlock::default()
    };
    let mut pos = start;
    while let Some((content_end, next)) = next_line(data, pos) {
        let line = data.get(pos..content_end).unwrap_or_default();
        if line.is_empty() {
            block.body_start = next;
            block.terminated = true;
            return block;
        }
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if continuation && let Some(last) = block.fields.last_mut() {
            last.end = next;
        } else if is_header_start(line) {
            block.fields.push(pos..next);
        } else {
            block.body_start = pos;
            block.stray_line = Some(pos);
            return block;
        }
        pos = next;
    }
    block.body_start = data.len().max(start);
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_crlf_lf_and_last() {
        let d = b"a\r\nb\nc";
        assert_eq!(next_line(d, 0), Some((1, 3)));
        assert_eq!(next_line(d, 3), Some((4, 5)));
        assert_eq!(next_line(d, 5), Some((6, 6)));
        assert_eq!(next_line(d, 6), None);
        assert_eq!(next_line(d, 99), None);
        assert_eq!(next_line(b"\n", 0), Some((0, 1)));
    }

    #[test]
    fn header_block() {
        let d = b"A: 1\r\n  2\r\nB:3\n\nbody";
        let h = scan_headers(d, 0);
        assert_eq!(h.fields, vec![0..11, 11..15]);
        assert_eq!(h.body_start, 16);
        assert!(h.terminated);
        let h = scan_headers(b"no header here\r\n", 0);
        assert_eq!(h.body_start, 0);
        assert_eq!(h.stray_line, Some(0));
        let h = scan_headers(b"A: 1", 0);
        assert_eq!(h.body_start, 4);
        assert!(!h.terminated);
        assert!(!is_header_start(b": x"));
        assert!(!is_header_start(b"a b: x"));
        assert!(!is_header_start(b" : x"));
        assert_eq!(field_name(b"From \t: x"), Some(&b"From"[..]));
        assert_eq!(field_name(b"From: x"), Some(&b"From"[..]));
        assert_eq!(
            field_name(b"From alice@example.com Mon Jan  1 00:00:00 2024"),
            None
        );
    }
}
