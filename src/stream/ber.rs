//! BER with indefinite lengths, written and read as a stream.
//!
//! Writing: [`write_header`] and [`write_eoc`] frame constructed elements of unknown length, and
//! an [`OctetStringWriter`] writes content of any size as a constructed OCTET STRING of
//! primitive chunks, as OpenSSL's `-stream` output does. Reading: a [`BerReader`] reads
//! element headers, small elements whole (bounded) and OCTET STRINGs of any size as a stream,
//! whether primitive, constructed, definite or indefinite.

use super::{CHUNK, invalid, parse_error};
use crate::error::ParseError;
use std::io::{self, Read, Write};

/// How deep constructed elements may nest while read as a stream.
pub(crate) const MAX_DEPTH: usize = 32;

/// Writes an identifier octet and a length: definite (`Some`, in the shortest form) or
/// indefinite (`None`, for a constructed element closed by [`write_eoc`]).
pub(crate) fn write_header<W: Write + ?Sized>(
    w: &mut W,
    tag: u8,
    len: Option<usize>,
) -> io::Result<()> {
    let mut buf = [0u8; 10];
    buf[0] = tag;
    let n = match len {
        None => {
            buf[1] = 0x80;
            2
        }
        Some(l) if l < 0x80 => {
            buf[1] = l as u8;
            2
        }
        Some(l) => {
            let bytes = (l as u64).to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            let k = 8 - skip;
            buf[1] = 0x80 | k as u8;
            buf[2..2 + k].copy_from_slice(&bytes[skip..]);
            2 + k
        }
    };
    w.write_all(&buf[..n])
}

/// Writes the end-of-contents octets that close an indefinite-length element.
pub(crate) fn write_eoc<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    w.write_all(&[0, 0])
}

/// Writes content of any size as a constructed, indefinite-length OCTET STRING (or an implicitly
/// tagged one, such as `[0]` 0xA0) made of primitive OCTET STRING chunks of [`CHUNK`] bytes.
pub(crate) struct OctetStringWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    chunks: u64,
}

impl<W: Write> OctetStringWriter<W> {
    /// Writes the header (`tag`, which must have the constructed bit, and an indefinite
    /// length) to `inner` and returns the writer of the content.
    pub(crate) fn new(mut inner: W, tag: u8) -> io::Result<Self> {
        write_header(&mut inner, tag | 0x20, None)?;
        Ok(OctetStringWriter {
            inner,
            buf: Vec::with_capacity(CHUNK),
            chunks: 0,
        })
    }

    fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        write_header(&mut self.inner, 0x04, Some(data.len()))?;
        self.inner.write_all(data)?;
        self.chunks += 1;
        Ok(())
    }

    /// Writes the last chunk and the end-of-contents; returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if !self.buf.is_empty() || self.chunks == 0 {
            let buf = std::mem::take(&mut self.buf);
            self.chunk(&buf)?;
        }
        write_eoc(&mut self.inner)?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for OctetStringWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        if !self.buf.is_empty() {
            let take = (CHUNK - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buf.len() == CHUNK {
                let buf = std::mem::take(&mut self.buf);
                self.chunk(&buf)?;
                self.buf = buf;
                self.buf.clear();
            }
        }
        while rest.len() >= CHUNK {
            self.chunk(&rest[..CHUNK])?;
            rest = &rest[CHUNK..];
        }
        self.buf.extend_from_slice(rest);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An element header as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// The identifier octet (class, constructed bit, tag number below 31).
    pub tag: u8,
    /// Whether the constructed bit is set.
    pub constructed: bool,
    /// The content length; `None` for an indefinite length.
    pub len: Option<u64>,
    /// The header's bytes as read.
    raw: [u8; 10],
    raw_len: u8,
}

impl Header {
    /// Whether this is the end-of-contents marker.
    pub(crate) fn is_eoc(&self) -> bool {
        self.tag == 0 && self.len == Some(0)
    }

    /// The header's bytes as they were read.
    pub(crate) fn raw(&self) -> &[u8] {
        &self.raw[..self.raw_len as usize]
    }

    /// Whether the tag, constructed bit cleared, is `number` (0x04 for OCTET STRING, 0x80 for
    /// `[0]`).
    pub(crate) fn is(&self, number: u8) -> bool {
        self.tag & !0x20 == number
    }
}

/// Reads BER elements from a stream. The inner reader should be buffered: headers are read a
/// byte at a time.
pub(crate) struct BerReader<R: Read> {
    inner: R,
    pos: u64,
}

fn der_error(detail: String) -> ParseError {
    ParseError::MalformedDer { detail }
}

impl<R: Read> BerReader<R> {
    /// A reader of `inner`.
    pub(crate) fn new(inner: R) -> Self {
        BerReader { inner, pos: 0 }
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    /// Reads exactly `buf.len()` bytes; a short input is a truncation error.
    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), ParseError> {
        let n = super::read_full(&mut self.inner, buf).map_err(from_io)?;
        self.pos += n as u64;
        if n < buf.len() {
            return Err(der_error(format!(
                "truncated {what} at offset {}",
                self.pos
            )));
        }
        Ok(())
    }

    /// Reads the next element header.
    pub(crate) fn read_header(&mut self) -> Result<Header, ParseError> {
        let at = self.pos;
        let mut raw = [0u8; 10];
        self.fill(&mut raw[..2], "element header")?;
        let tag = raw[0];
        if tag & 0x1F == 0x1F {
            return Err(der_error(format!(
                "high tag numbers are not used by CMS (offset {at})"
            )));
        }
        let constructed = tag & 0x20 != 0;
        let first = raw[1];
        let mut raw_len = 2;
        let len = if first == 0x80 {
            if !constructed {
                return Err(der_error(format!(
                    "indefinite length on a primitive element (offset {at})"
                )));
            }
            None
        } else if first < 0x80 {
            Some(first as u64)
        } else {
            let n = (first & 0x7F) as usize;
            if n == 0 || n > 8 {
                return Err(der_error(format!("bad length encoding (offset {at})")));
            }
            self.fill(&mut raw[2..2 + n], "length")?;
            raw_len += n;
            Some(
                raw[2..2 + n]
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | b as u64),
            )
        };
        if tag == 0 && len != Some(0) {
            return Err(der_error(format!(
                "a malformed end-of-contents marker (offset {at})"
            )));
        }
        Ok(Header {
            tag,
            constructed,
            len,
            raw,
            raw_len: raw_len as u8,
        })
    }

    /// Reads `len` content bytes, at most `max` (more is [`ParseError::TooLarge`], refused
    /// before anything is allocated).
    pub(crate) fn read_value(&mut self, len: u64, max: usize) -> Result<Vec<u8>, ParseError> {
        if len > max as u64 {
            return Err(ParseError::TooLarge {
                what: "BER element",
                limit: max,
            });
        }
        let mut v = vec![0u8; len as usize];
        self.fill(&mut v, "element")?;
        Ok(v)
    }

    /// The whole element whose header `h` was just read, header included, as its bytes were
    /// read (BER stays BER), at most `max` bytes.
    pub(crate) fn read_element_after(
        &mut self,
        h: &Header,
        max: usize,
    ) -> Result<Vec<u8>, ParseError> {
        let mut out = h.raw().to_vec();
        self.copy_content(h, &mut out, max, 0)?;
        Ok(out)
    }

    fn copy_content(
        &mut self,
        h: &Header,
        out: &mut Vec<u8>,
        max: usize,
        depth: usize,
    ) -> Result<(), ParseError> {
        let too_large = || ParseError::TooLarge {
            what: "BER element",
            limit: max,
        };
        match h.len {
            Some(len) => {
                // A length claim near u64::MAX must not wrap the sum past the bound.
                if (out.len() as u64)
                    .checked_add(len)
                    .is_none_or(|n| n > max as u64)
                {
                    return Err(too_large());
                }
                let v = self.read_value(len, max)?;
                out.extend_from_slice(&v);
            }
            None => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::TooDeep { limit: MAX_DEPTH });
                }
                loop {
                    let c = self.read_header()?;
                    out.extend_from_slice(c.raw());
                    if out.len() > max {
                        return Err(too_large());
                    }
                    if c.is_eoc() {
                        break;
                    }
                    self.copy_content(&c, out, max, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// Skips the content of the element whose header `h` was just read.
    pub(crate) fn skip_after(&mut self, h: &Header) -> Result<(), ParseError> {
        self.skip_content(h, 0)
    }

    fn skip_content(&mut self, h: &Header, depth: usize) -> Result<(), ParseError> {
        match h.len {
            Some(len) => {
                let copied =
                    io::copy(&mut (&mut self.inner).take(len), &mut io::sink()).map_err(from_io)?;
                self.pos += copied;
                if copied < len {
                    return Err(der_error(format!(
                        "truncated element at offset {}",
                        self.pos
                    )));
                }
            }
            None => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::TooDeep { limit: MAX_DEPTH });
                }
                loop {
                    let c = self.read_header()?;
                    if c.is_eoc() {
                        break;
                    }
                    self.skip_content(&c, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// A reader of the content of the OCTET STRING (or implicitly tagged string) whose header
    /// `h` was just read: primitive, or constructed of nested strings with definite or
    /// indefinite lengths. It ends at the end of the string; what follows can then be read from
    /// this reader again.
    pub(crate) fn octet_string(&mut self, h: Header) -> OctetStringReader<'_, R> {
        let mut r = OctetStringReader {
            ber: self,
            frames: Vec::new(),
            remaining: 0,
            failed: None,
        };
        if !h.constructed {
            r.remaining = h.len.unwrap_or(0);
        } else {
            let end = h.len.map(|l| r.ber.pos.saturating_add(l));
            r.frames.push(end);
        }
        r
    }
}

/// A parse error from an `io::Error`: the wrapped one, or a read failure described.
fn from_io(e: io::Error) -> ParseError {
    parse_error(&e).unwrap_or_else(|| der_error(format!("reading the input: {e}")))
}

/// Streams the content of an OCTET STRING; see [`BerReader::octet_string`].
pub(crate) struct OctetStringReader<'a, R: Read> {
    ber: &'a mut BerReader<R>,
    /// Open constructed strings: the end position of a definite one, `None` for indefinite.
    frames: Vec<Option<u64>>,
    /// Content bytes left in the current primitive chunk.
    remaining: u64,
    failed: Option<ParseError>,
}

impl<R: Read> OctetStringReader<'_, R> {
    /// Moves to the next primitive chunk with content; false at the end of the string.
    fn advance(&mut self) -> Result<bool, ParseError> {
        while self.remaining == 0 {
            let Some(&top) = self.frames.last() else {
                return Ok(false);
            };
            if let Some(end) = top {
                if self.ber.pos == end {
                    self.frames.pop();
                    continue;
                }
                if self.ber.pos > end {
                    return Err(der_error(
                        "a string chunk runs past the end of its constructed string".into(),
                    ));
                }
            }
            let h = self.ber.read_header()?;
            if h.is_eoc() {
                if top.is_some() {
                    return Err(der_error(
                        "an end-of-contents marker inside a definite-length string".into(),
                    ));
                }
                self.frames.pop();
                continue;
            }
            if h.tag & !0x20 != 0x04 {
                return Err(der_error(format!(
                    "a constructed OCTET STRING holds an element with tag 0x{:02x}",
                    h.tag
                )));
            }
            if let (Some(end), Some(len)) = (top, h.len)
                && self.ber.pos.saturating_add(len) > end
            {
                return Err(der_error(
                    "a string chunk runs past the end of its constructed string".into(),
                ));
            }
            if h.constructed {
                if self.frames.len() >= MAX_DEPTH {
                    return Err(ParseError::TooDeep { limit: MAX_DEPTH });
                }
                self.frames
                    .push(h.len.map(|l| self.ber.pos.saturating_add(l)));
            } else {
                self.remaining = h.len.unwrap_or(0);
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for OctetStringReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = &self.failed {
            return Err(invalid(e.clone()));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        match self.advance() {
            Ok(true) => {}
            Ok(false) => return Ok(0),
            Err(e) => {
                self.failed = Some(e.clone());
                return Err(invalid(e));
            }
        }
        let want = (self.remaining.min(buf.len() as u64)) as usize;
        let n = match self.ber.inner.read(&mut buf[..want]) {
            Ok(0) => {
                let e = der_error(format!("truncated string at offset {}", self.ber.pos));
                self.failed = Some(e.clone());
                return Err(invalid(e));
            }
            Ok(n) => n,
            Err(e) => return Err(e),
        };
        self.ber.pos += n as u64;
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn1::ber as tree;

    fn content(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn octet_string_writer_is_ber_the_tree_reader_reads() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let d = content(n);
            for piece in [1000, CHUNK, 5 * CHUNK] {
                let mut w = OctetStringWriter::new(Vec::new(), 0x24).unwrap();
                for c in d.chunks(piece) {
                    w.write_all(c).unwrap();
                }
                let out = w.finish().unwrap();
                let node = tree::parse(&out).unwrap();
                assert_eq!(node.string_bytes(&out).unwrap(), d);
            }
        }
    }

    #[test]
    fn headers() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 1 << 40] {
            let mut out = Vec::new();
            write_header(&mut out, 0x04, Some(len)).unwrap();
            let h = BerReader::new(&out[..]).read_header().unwrap();
            assert_eq!(h.len, Some(len as u64));
            assert_eq!(h.raw(), &out[..]);
        }
        let h = BerReader::new(&[0x30, 0x80][..]).read_header().unwrap();
        assert!(h.constructed && h.len.is_none());
        for bad in [
            &[0x04u8, 0x80][..],
            &[0x1f, 0x01],
            &[0x30, 0x89],
            &[0x30, 0x82, 0x01],
            &[0x00, 0x01],
        ] {
            assert!(BerReader::new(bad).read_header().is_err(), "{bad:?}");
        }
    }

    /// Strings as peers write them: primitive, definite constructed, nested indefinite.
    #[test]
    fn octet_string_reader_reads_every_form() {
        let d = content(300);
        let mut forms: Vec<Vec<u8>> = Vec::new();
        let mut p = Vec::new();
        write_header(&mut p, 0x04, Some(d.len())).unwrap();
        p.extend_from_slice(&d);
        forms.push(p.clone());
        // Definite constructed of two chunks.
        let mut inner = Vec::new();
        for c in d.chunks(200) {
            write_header(&mut inner, 0x04, Some(c.len())).unwrap();
            inner.extend_from_slice(c);
        }
        let mut def = Vec::new();
        write_header(&mut def, 0x24, Some(inner.len())).unwrap();
        def.extend_from_slice(&inner);
        forms.push(def.clone());
        // Indefinite holding a definite constructed one, an empty chunk and the rest.
        let mut ind = vec![0x24, 0x80];
        let mut first = Vec::new();
        write_header(&mut first, 0x04, Some(100)).unwrap();
        first.extend_from_slice(&d[..100]);
        write_header(&mut ind, 0x24, Some(first.len())).unwrap();
        ind.extend_from_slice(&first);
        ind.extend_from_slice(&[0x04, 0x00]);
        write_header(&mut ind, 0x04, Some(200)).unwrap();
        ind.extend_from_slice(&d[100..]);
        ind.extend_from_slice(&[0, 0]);
        forms.push(ind);
        for form in forms {
            let mut bytes = form.clone();
            bytes.extend_from_slice(&[0x05, 0x00]); // what follows
            let mut r = BerReader::new(&bytes[..]);
            let h = r.read_header().unwrap();
            let mut got = Vec::new();
            r.octet_string(h).read_to_end(&mut got).unwrap();
            assert_eq!(got, d);
            assert_eq!(r.position(), form.len() as u64);
            let next = r.read_header().unwrap();
            assert_eq!((next.tag, next.len), (0x05, Some(0)));
        }
    }

    #[test]
    fn octet_string_reader_refuses_bad_forms() {
        let bad: [&[u8]; 5] = [
            // A chunk of another type.
            &[0x24, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00],
            // Truncated.
            &[0x24, 0x80, 0x04, 0x05, 0x00],
            // A chunk longer than its definite parent.
            &[0x24, 0x03, 0x04, 0x05, 1, 2, 3, 4, 5],
            // No end-of-contents.
            &[0x24, 0x80, 0x04, 0x01, 0x00],
            // An EOC inside a definite string.
            &[0x24, 0x02, 0x00, 0x00],
        ];
        for b in bad {
            let mut r = BerReader::new(b);
            let h = r.read_header().unwrap();
            let mut out = Vec::new();
            let e = r.octet_string(h).read_to_end(&mut out).unwrap_err();
            assert!(parse_error(&e).is_some(), "{b:?}");
        }
        // Nesting beyond the bound.
        let mut deep = Vec::new();
        for _ in 0..MAX_DEPTH + 2 {
            deep.extend_from_slice(&[0x24, 0x80]);
        }
        let mut r = BerReader::new(&deep[..]);
        let h = r.read_header().unwrap();
        let mut out = Vec::new();
        let e = r.octet_string(h).read_to_end(&mut out).unwrap_err();
        assert!(matches!(parse_error(&e), Some(ParseError::TooDeep { .. })));
    }

    #[test]
    fn elements_whole_and_skipped() {
        // SEQUENCE (indefinite) { INTEGER 5, SEQUENCE { } } then NULL.
        let el = [0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x00, 0x00, 0x00];
        let mut bytes = el.to_vec();
        bytes.extend_from_slice(&[0x05, 0x00]);
        let mut r = BerReader::new(&bytes[..]);
        let h = r.read_header().unwrap();
        assert_eq!(r.read_element_after(&h, 100).unwrap(), el);
        assert_eq!(r.read_header().unwrap().tag, 0x05);
        let mut r = BerReader::new(&bytes[..]);
        let h = r.read_header().unwrap();
        r.skip_after(&h).unwrap();
        assert_eq!(r.read_header().unwrap().tag, 0x05);
        let mut r = BerReader::new(&bytes[..]);
        let h = r.read_header().unwrap();
        assert!(matches!(
            r.read_element_after(&h, 4),
            Err(ParseError::TooLarge { .. })
        ));
        // A huge definite length is refused before allocation.
        let mut r = BerReader::new(&[0x04u8, 0x84, 0x40, 0, 0, 0][..]);
        let h = r.read_header().unwrap();
        assert!(matches!(
            r.read_value(h.len.unwrap(), 1 << 20),
            Err(ParseError::TooLarge { .. })
        ));
    }
}
