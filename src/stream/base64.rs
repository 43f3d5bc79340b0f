//! Base64 as MIME writes it (76-character CRLF lines) and reads it (white space ignored).

use super::{CHUNK, invalid, read_full};
use crate::error::ParseError;
use base64::Engine as _;
use std::io::{self, Read, Write};

/// Input bytes per 76-character line.
const LINE_BYTES: usize = 57;
/// Lines encoded per batch.
const BATCH_LINES: usize = 256;

/// Encodes what it is given as standard base64 (with padding) in lines of 76 characters, each
/// ending in CRLF, the last one included: the output of `mime::base64_crlf`, in pieces.
pub(crate) struct Base64Writer<W: Write> {
    inner: W,
    /// Input not yet encoded: less than one line, except transiently.
    pending: Vec<u8>,
    /// Encoded text awaiting the inner writer.
    text: Vec<u8>,
}

impl<W: Write> Base64Writer<W> {
    /// A writer into `inner`.
    pub(crate) fn new(inner: W) -> Self {
        Base64Writer {
            inner,
            pending: Vec::with_capacity(LINE_BYTES),
            text: Vec::with_capacity(BATCH_LINES * 78),
        }
    }

    /// Encodes whole lines of `data` (a multiple of [`LINE_BYTES`]) and writes them.
    fn lines(&mut self, data: &[u8]) -> io::Result<()> {
        for batch in data.chunks(LINE_BYTES * BATCH_LINES) {
            self.text.clear();
            for line in batch.chunks(LINE_BYTES) {
                encode_line(line, &mut self.text);
            }
            self.inner.write_all(&self.text)?;
        }
        Ok(())
    }

    /// Writes the last, shorter line and returns the inner writer, flushed.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            self.text.clear();
            encode_line(&self.pending, &mut self.text);
            self.inner.write_all(&self.text)?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// Appends the base64 of `line` (at most [`LINE_BYTES`] bytes) and a CRLF.
fn encode_line(line: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + line.len().div_ceil(3) * 4, 0);
    // The buffer was sized for the encoding, so this cannot fail; an empty line stays empty.
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(line, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
    out.extend_from_slice(b"\r\n");
}

impl<W: Write> Write for Base64Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        if !self.pending.is_empty() {
            let take = (LINE_BYTES - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() < LINE_BYTES {
                return Ok(buf.len());
            }
            let line = std::mem::take(&mut self.pending);
            self.lines(&line)?;
            self.pending = line;
            self.pending.clear();
        }
        let whole = rest.len() / LINE_BYTES * LINE_BYTES;
        self.lines(&rest[..whole])?;
        self.pending.extend_from_slice(&rest[whole..]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decodes base64 text read from the inner reader. ASCII white space (line breaks included) is
/// skipped; padding may be missing at the end; any other byte outside the alphabet, or data
/// after the padding, is a [`ParseError::Base64`] (as an `io::Error`, see
/// [`super::parse_error`]).
pub(crate) struct Base64Reader<R: Read> {
    inner: R,
    /// Raw text read from the inner reader.
    raw: Vec<u8>,
    /// Alphabet characters not yet decoded (fewer than 4 between calls).
    text: Vec<u8>,
    /// Decoded bytes not yet handed out: `out[out_pos..]`.
    out: Vec<u8>,
    out_pos: usize,
    /// The input ended or padding was seen.
    ended: bool,
    /// How many `=` were seen.
    padding: u8,
    /// Base64 characters consumed, for error messages.
    consumed: u64,
}

impl<R: Read> Base64Reader<R> {
    /// A reader of the base64 text `inner` yields.
    pub(crate) fn new(inner: R) -> Self {
        Base64Reader {
            inner,
            raw: vec![0; CHUNK],
            text: Vec::with_capacity(CHUNK + 4),
            out: Vec::with_capacity(CHUNK),
            out_pos: 0,
            ended: false,
            padding: 0,
            consumed: 0,
        }
    }

    fn error(&self, what: &str) -> io::Error {
        invalid(ParseError::Base64 {
            detail: format!("{what} (after {} base64 characters)", self.consumed),
        })
    }

    /// Reads and decodes the next piece into `out`.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.ended {
            let n = read_full(&mut self.inner, &mut self.raw)?;
            if n == 0 {
                self.ended = true;
            }
            let chunk = &self.raw[..n];
            let before = self.text.len();
            // Line breaks are found with memchr and left out; the rare other white space is
            // dropped in a second, vectorizable pass; the alphabet is checked by the decoder.
            let mut start = 0;
            for i in memchr::memchr2_iter(b'\r', b'\n', chunk) {
                self.text.extend_from_slice(&chunk[start..i]);
                start = i + 1;
            }
            self.text.extend_from_slice(&chunk[start..]);
            if self.text[before..].iter().any(|b| b.is_ascii_whitespace()) {
                let mut k = before;
                for i in before..self.text.len() {
                    let b = self.text[i];
                    if !b.is_ascii_whitespace() {
                        self.text[k] = b;
                        k += 1;
                    }
                }
                self.text.truncate(k);
            }
            self.consumed += (self.text.len() - before) as u64;
            // Padding ends the data: at most two `=`, and nothing after them.
            if let Some(p) = memchr::memchr(b'=', &self.text) {
                let pads = &self.text[p..];
                if pads.len() > 2 || pads.iter().any(|&b| b != b'=') {
                    return Err(self.error("data after the base64 padding"));
                }
                self.padding = pads.len() as u8;
            }
            if self.padding > 0 && !self.ended {
                // Decode once the input is drained, so that anything after it is caught.
                continue;
            }
            // Decode whole quads; keep a partial one (or, at the end, all of it).
            let upto = if self.ended {
                self.text.len()
            } else {
                self.text.len() / 4 * 4
            };
            if upto > 0 {
                let engine = &base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
                self.out.resize(upto / 4 * 3 + 3, 0);
                match engine.decode_slice(&self.text[..upto], &mut self.out) {
                    Ok(len) => self.out.truncate(len),
                    Err(e) => return Err(self.error(&e.to_string())),
                }
                self.text.drain(..upto);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Base64Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.refill()?;
        }
        let avail = &self.out[self.out_pos..];
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::base64_crlf;

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn writer_matches_base64_crlf() {
        for n in [0, 1, 2, 3, 56, 57, 58, 114, 1000, 57 * 256 + 5, 200_000] {
            let d = data(n);
            for piece in [1, 5, 57, 1000, 1 << 20] {
                let mut w = Base64Writer::new(Vec::new());
                for c in d.chunks(piece) {
                    w.write_all(c).unwrap();
                }
                assert_eq!(w.finish().unwrap(), base64_crlf(&d), "{n} bytes in {piece}");
            }
        }
    }

    #[test]
    fn reader_round_trips_and_tolerates_white_space() {
        for n in [0, 1, 2, 3, 4, 100, 70_000, 200_001] {
            let d = data(n);
            let text = base64_crlf(&d);
            let mut out = Vec::new();
            Base64Reader::new(&text[..]).read_to_end(&mut out).unwrap();
            assert_eq!(out, d);
        }
        let mut out = Vec::new();
        Base64Reader::new(&b" YW\tJj\n ZA \r\n"[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abcd");
        // Missing padding is accepted.
        out.clear();
        Base64Reader::new(&b"YWI"[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"ab");
    }

    #[test]
    fn reader_errors() {
        for bad in [&b"YW*j"[..], b"YQ==YQ==", b"YQ==\r\nx", b"Y", b"YQ==="] {
            let mut out = Vec::new();
            let e = Base64Reader::new(bad).read_to_end(&mut out).unwrap_err();
            assert!(
                matches!(
                    super::super::parse_error(&e),
                    Some(ParseError::Base64 { .. })
                ),
                "{bad:?}: {e}"
            );
        }
    }
}
