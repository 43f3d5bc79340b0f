//! Streaming building blocks: base64 and CRLF writers, a base64 reader, the header split of a
//! message read from a stream, and BER writing and reading with indefinite lengths.
//!
//! Memory stays bounded by [`CHUNK`] and the header limit, whatever the content size. Errors
//! inside `Read` and `Write` implementations travel as [`io::Error`]s of kind `InvalidData`
//! that wrap a [`ParseError`]: [`invalid`] makes one, [`parse_error`] gets it back.

pub(crate) mod base64;
pub(crate) mod ber;
pub(crate) mod crlf;
pub(crate) mod head;

pub(crate) use self::base64::{Base64Reader, Base64Writer};
pub(crate) use crlf::CrlfWriter;
pub(crate) use head::split_head;

use crate::error::ParseError;
use std::io;

/// The buffer size of every streaming stage (64 KiB).
pub(crate) const CHUNK: usize = 64 * 1024;

/// An `io::Error` that carries a parse error through `Read` / `Write`.
pub(crate) fn invalid(e: ParseError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The parse error inside an `io::Error` made by [`invalid`], if it is one.
pub(crate) fn parse_error(e: &io::Error) -> Option<ParseError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<ParseError>())
        .cloned()
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
pub(crate) fn read_full<R: io::Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Copies `input` into `output` until the input ends, through a buffer of [`CHUNK`] bytes that
/// is zeroized afterwards (the bytes may be plaintext).
pub(crate) fn pump<R: io::Read + ?Sized, W: io::Write + ?Sized>(
    input: &mut R,
    output: &mut W,
) -> io::Result<()> {
    let mut buf = zeroize::Zeroizing::new(vec![0u8; CHUNK]);
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        output.write_all(&buf[..n])?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_round_trip() {
        let e = invalid(ParseError::Empty);
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(parse_error(&e), Some(ParseError::Empty));
        assert_eq!(parse_error(&io::Error::other("x")), None);
    }
}
