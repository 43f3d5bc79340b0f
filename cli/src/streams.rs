//! Streaming input and output for the message commands: the input is read in pieces from a
//! file or standard input, and the output goes to a temporary file that is renamed over the
//! target only when the command succeeded, or to standard output.
//!
//! Output that must not be seen before a check passed (verified or decrypted content) is held:
//! for standard output it goes to an unnamed temporary file first and is copied out on
//! success. Memory stays bounded whatever the message size.

use crate::Usage;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The largest header block read ahead of a message (1 MiB).
pub const MAX_HEAD: usize = 1024 * 1024;

/// Where a message comes from.
pub struct Input {
    reader: BufReader<Source>,
    /// The header block read ahead, given out again before the rest.
    pending: Option<io::Cursor<Vec<u8>>>,
    /// The name for messages.
    pub name: String,
    /// The size, when it is known (a file).
    pub len: Option<u64>,
}

enum Source {
    File(File),
    Stdin(io::Stdin),
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::File(f) => f.read(buf),
            Source::Stdin(s) => s.read(buf),
        }
    }
}

/// Opens the input: a file, or standard input for `None` and `-`.
pub fn open_input(path: Option<&str>) -> Result<Input, Usage> {
    match path {
        None | Some("-") => Ok(Input {
            reader: BufReader::with_capacity(64 * 1024, Source::Stdin(io::stdin())),
            pending: None,
            name: "standard input".into(),
            len: None,
        }),
        Some(p) => {
            let f = File::open(p).map_err(|e| Usage(format!("cannot read {p}: {e}")))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok(Input {
                reader: BufReader::with_capacity(64 * 1024, Source::File(f)),
                pending: None,
                name: p.to_string(),
                len,
            })
        }
    }
}

impl Input {
    /// Reads the header block (through the blank line, at most [`MAX_HEAD`] bytes) and returns
    /// it; reading the input afterwards gives the whole message again, header block included.
    pub fn head(&mut self) -> Result<Vec<u8>, Usage> {
        let mut head = Vec::new();
        loop {
            let start = head.len();
            let room = (MAX_HEAD - start.min(MAX_HEAD)) as u64;
            let n = (&mut self.reader)
                .take(room)
                .read_until(b'\n', &mut head)
                .map_err(|e| Usage(format!("cannot read {}: {e}", self.name)))?;
            let line = &head[start..];
            if n == 0 || line == b"\n" || line == b"\r\n" || head.len() >= MAX_HEAD {
                break;
            }
        }
        self.pending = Some(io::Cursor::new(head.clone()));
        Ok(head)
    }

    /// The message as a reader (the header block read by [`Input::head`] included).
    pub fn reader(&mut self) -> impl BufRead + '_ {
        let pending = self.pending.take().unwrap_or_default();
        pending.chain(&mut self.reader)
    }

    /// The whole input as a seekable file, positioned at its start: a file as it is,
    /// standard input copied to an unnamed temporary file first (used for ciphertext, which
    /// may be read twice). Call it before reading anything but [`Input::head`].
    pub fn seekable(self) -> Result<File, Usage> {
        let name = self.name;
        let fail = |e: io::Error| Usage(format!("cannot read {name}: {e}"));
        let pending = self.pending;
        let mut reader = self.reader;
        if let Source::File(f) = reader.get_mut() {
            f.seek(SeekFrom::Start(0)).map_err(fail)?;
            // The file is read from its start again: what was buffered is dropped with the
            // reader, the file itself is kept.
            let Source::File(f) = reader.into_inner() else {
                return Err(Usage(format!("cannot read {name}")));
            };
            return Ok(f);
        }
        let mut spool = tempfile::tempfile().map_err(fail)?;
        let mut rest = pending.unwrap_or_default().chain(reader);
        io::copy(&mut rest, &mut spool).map_err(fail)?;
        spool.seek(SeekFrom::Start(0)).map_err(fail)?;
        Ok(spool)
    }
}

/// Where a command's result goes.
pub struct Output {
    target: Target,
    /// The name for messages.
    pub name: String,
}

enum Target {
    /// A temporary file in the target's directory, renamed over it on commit.
    File(io::BufWriter<tempfile::NamedTempFile>, std::path::PathBuf),
    /// Standard output, written as the result is made.
    Stdout(io::BufWriter<crate::out::StdoutWriter>),
    /// An unnamed temporary file copied to standard output on commit.
    HeldStdout(io::BufWriter<File>),
}

/// The output of a command for `path` (standard output for `None` or `-`). With `held`, what
/// is written reaches standard output only on [`Output::commit`]; a file is always written
/// under a temporary name and renamed on commit (readable by its owner only).
pub fn create_output(path: Option<&str>, held: bool) -> Result<Output, Usage> {
    match path {
        None | Some("-") => {
            let target = if held {
                let f = tempfile::tempfile()
                    .map_err(|e| Usage(format!("cannot make a temporary file: {e}")))?;
                Target::HeldStdout(io::BufWriter::with_capacity(64 * 1024, f))
            } else {
                Target::Stdout(io::BufWriter::with_capacity(
                    64 * 1024,
                    crate::out::StdoutWriter,
                ))
            };
            Ok(Output {
                target,
                name: "standard output".into(),
            })
        }
        Some(p) => {
            let target = Path::new(p);
            let dir = match target.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let tmp = tempfile::Builder::new()
                .prefix(".smime-")
                .suffix(".tmp")
                .tempfile_in(dir)
                .map_err(|e| Usage(format!("cannot write {p}: {e}")))?;
            Ok(Output {
                target: Target::File(
                    io::BufWriter::with_capacity(64 * 1024, tmp),
                    target.to_path_buf(),
                ),
                name: p.to_string(),
            })
        }
    }
}

impl Output {
    /// Completes the output: the file is synced and renamed over the target, held output is
    /// copied to standard output.
    pub fn commit(self) -> Result<(), Usage> {
        let name = self.name;
        let fail = |e: io::Error| Usage(format!("cannot write {name}: {e}"));
        match self.target {
            Target::File(w, target) => {
                let tmp = w.into_inner().map_err(|e| fail(e.into_error()))?;
                tmp.as_file().sync_all().map_err(fail)?;
                tmp.persist(&target).map_err(|e| fail(e.error))?;
            }
            Target::Stdout(mut w) => w.flush().map_err(fail)?,
            Target::HeldStdout(w) => {
                let mut f = w.into_inner().map_err(|e| fail(e.into_error()))?;
                f.seek(SeekFrom::Start(0)).map_err(fail)?;
                let mut out = io::BufWriter::with_capacity(64 * 1024, crate::out::StdoutWriter);
                io::copy(&mut f, &mut out).map_err(fail)?;
                out.flush().map_err(fail)?;
            }
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::File(w, _) => w.write(buf),
            Target::Stdout(w) => w.write(buf),
            Target::HeldStdout(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::File(w, _) => w.flush(),
            Target::Stdout(w) => w.flush(),
            Target::HeldStdout(w) => w.flush(),
        }
    }
}

/// An unnamed temporary file for content between two steps.
pub fn spool() -> Result<File, Usage> {
    tempfile::tempfile().map_err(|e| Usage(format!("cannot make a temporary file: {e}")))
}

/// Reads a whole file into memory for a one-shot function, refusing it when it is larger than
/// `max` bytes (the one-shot limit, `MimeLimits::max_size`) before anything is read.
pub fn read_whole(f: &mut File, max: usize, name: &str) -> Result<Vec<u8>, Usage> {
    let fail = |e: io::Error| Usage(format!("cannot read {name}: {e}"));
    let len = f.metadata().map_err(fail)?.len();
    if len > max as u64 {
        return Err(Usage(format!(
            "{name}: {len} bytes is more than the {max} bytes a message of this shape may have \
             (it is read whole, in memory)"
        )));
    }
    let mut bytes = Vec::new();
    f.seek(SeekFrom::Start(0)).map_err(fail)?;
    f.take(max as u64).read_to_end(&mut bytes).map_err(fail)?;
    Ok(bytes)
}

/// Reads the first bytes of a file (at most [`MAX_HEAD`]) and rewinds it.
pub fn peek(f: &mut File) -> Result<Vec<u8>, Usage> {
    let fail = |e: io::Error| Usage(format!("cannot read a temporary file: {e}"));
    f.seek(SeekFrom::Start(0)).map_err(fail)?;
    let mut head = Vec::new();
    (&mut *f)
        .take(MAX_HEAD as u64)
        .read_to_end(&mut head)
        .map_err(fail)?;
    f.seek(SeekFrom::Start(0)).map_err(fail)?;
    Ok(head)
}

/// What signed or decrypted content is, by its header block.
pub enum InnerLayer {
    /// Plain content.
    None,
    /// A signed layer (multipart/signed, or opaque signed-data).
    Signed,
    /// A multipart or a message: a signed part may be inside.
    Multipart,
    /// Another S/MIME shape (encrypted again).
    Other,
}

/// Decrypted multipart content up to this size (64 MiB) is searched for signed parts the way
/// `smime::open` and `smime::verify` search it, in memory; larger content is streamed and reported as not
/// signed (the cautious answer).
pub const SEARCHED_IN_MEMORY: u64 = 64 * 1024 * 1024;

/// The kind of content whose first bytes are `head` (its header block, CRLF).
pub fn inner_layer(head: &[u8]) -> InnerLayer {
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(head.len());
    let fields = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let unfolded = fields.replace("\r\n ", " ").replace("\r\n\t", " ");
    let content_type = unfolded
        .lines()
        .find_map(|l| l.strip_prefix("content-type:"))
        .unwrap_or("text/plain")
        .trim()
        .to_string();
    if content_type.starts_with("multipart/signed") {
        InnerLayer::Signed
    } else if content_type.contains("pkcs7-mime") {
        if content_type.contains("signed-data") {
            InnerLayer::Signed
        } else {
            InnerLayer::Other
        }
    } else if content_type.starts_with("multipart/") || content_type.starts_with("message/") {
        InnerLayer::Multipart
    } else {
        InnerLayer::None
    }
}
