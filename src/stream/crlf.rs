//! Line-break canonicalization as a writer.

use std::io::{self, Write};

/// Writes its input to the inner writer with every bare LF turned into CRLF; existing CRLF
/// pairs and lone CRs are kept (the rules of `mime::canon::to_crlf`), across chunk edges.
pub(crate) struct CrlfWriter<W: Write> {
    inner: W,
    /// Whether the last byte written was a CR.
    after_cr: bool,
}

impl<W: Write> CrlfWriter<W> {
    /// A writer into `inner`.
    pub(crate) fn new(inner: W) -> Self {
        CrlfWriter {
            inner,
            after_cr: false,
        }
    }

    /// The inner writer, flushed.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for CrlfWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for lf in memchr::memchr_iter(b'\n', buf) {
            let before_is_cr = if lf == 0 {
                self.after_cr
            } else {
                buf[lf - 1] == b'\r'
            };
            if !before_is_cr {
                self.inner.write_all(&buf[start..lf])?;
                self.inner.write_all(b"\r")?;
                start = lf;
            }
        }
        self.inner.write_all(&buf[start..])?;
        if let Some(&last) = buf.last() {
            self.after_cr = last == b'\r';
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::to_crlf;

    #[test]
    fn same_as_to_crlf_in_any_chunking() {
        let samples: [&[u8]; 6] = [
            b"a\nb\r\nc\rd\n",
            b"\n\n",
            b"",
            b"\r\r\n",
            b"\r\n\r\n\n\r",
            b"line one\nline two\r\n\rx\n",
        ];
        for s in samples {
            for size in 1..=s.len().max(1) {
                let mut w = CrlfWriter::new(Vec::new());
                for piece in s.chunks(size) {
                    w.write_all(piece).unwrap();
                }
                assert_eq!(w.finish().unwrap(), to_crlf(s), "{s:?} in chunks of {size}");
            }
        }
    }
}
