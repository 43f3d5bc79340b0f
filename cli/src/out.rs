//! Output: standard output and standard error written through handles, files written
//! atomically, and a progress indicator on a terminal.
//!
//! A closed standard output (`smime demo | head -1`) is not an error worth a message: the
//! first write that meets a broken pipe stops all further output quietly, and the command
//! still ends with the exit code of its outcome.

use crate::Usage;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Where text goes: standard output or standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Out,
    /// Standard error.
    Err,
}

/// Writes `data` to standard output. A broken pipe ends output quietly (later writes are
/// dropped); another error is returned.
pub fn stdout_bytes(data: &[u8]) -> std::io::Result<()> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(data).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        other => other,
    }
}

/// Standard output as a writer for streamed results: a broken pipe ends output quietly, as
/// in [`stdout_bytes`].
pub struct StdoutWriter;

impl Write for StdoutWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        stdout_bytes(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes text to a stream. Errors on standard error are ignored (there is nowhere left
/// to report them); on standard output a broken pipe ends output quietly.
pub fn text(stream: Stream, s: &str) {
    match stream {
        Stream::Out => {
            let _ = stdout_bytes(s.as_bytes());
        }
        Stream::Err => {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(s.as_bytes());
        }
    }
}

/// `println!` on standard output, through [`text`].
#[macro_export]
macro_rules! outln {
    () => { $crate::out::text($crate::out::Stream::Out, "\n") };
    ($($t:tt)*) => { $crate::out::text($crate::out::Stream::Out, &format!("{}\n", format_args!($($t)*))) };
}

/// `print!` on standard output, through [`text`].
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => { $crate::out::text($crate::out::Stream::Out, &format!($($t)*)) };
}

/// `eprintln!` on standard error, through [`text`].
#[macro_export]
macro_rules! errln {
    () => { $crate::out::text($crate::out::Stream::Err, "\n") };
    ($($t:tt)*) => { $crate::out::text($crate::out::Stream::Err, &format!("{}\n", format_args!($($t)*))) };
}

/// `eprint!` on standard error, through [`text`].
#[macro_export]
macro_rules! err {
    ($($t:tt)*) => { $crate::out::text($crate::out::Stream::Err, &format!($($t)*)) };
}

/// Writes the result of a command: to standard output for `None` or `-`, else to the file,
/// atomically (a temporary file in the same directory, renamed over the target once it is
/// complete, so a failure never leaves a partial or stale file under the name).
pub fn write_output(path: Option<&str>, data: &[u8]) -> Result<(), Usage> {
    match path {
        None | Some("-") => {
            stdout_bytes(data).map_err(|e| Usage(format!("cannot write output: {e}")))
        }
        Some(p) => write_file_atomic(p, data),
    }
}

/// Writes `data` to `path` through a temporary file in the same directory, renamed on
/// success. The file is readable by its owner only (on unix), as decrypted content and
/// exported keys should be.
pub fn write_file_atomic(path: &str, data: &[u8]) -> Result<(), Usage> {
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".smime-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Usage(format!("cannot write {path}: {e}")))?;
    tmp.write_all(data)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Usage(format!("cannot write {path}: {e}")))?;
    tmp.persist(target)
        .map_err(|e| Usage(format!("cannot write {path}: {}", e.error)))?;
    Ok(())
}

/// A spinner on standard error while slow work runs, only when standard error is a
/// terminal, and only once the work has taken about a second; it disappears when dropped.
pub struct Progress(Option<(indicatif::ProgressBar, Arc<Mutex<bool>>)>);

impl Progress {
    /// Starts a spinner with `message`, shown after a second when standard error is a
    /// terminal.
    pub fn start(message: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        bar.set_style(indicatif::ProgressStyle::default_spinner());
        bar.set_message(message.to_string());
        let done = Arc::new(Mutex::new(false));
        let (shown, finished) = (bar.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if let Ok(finished) = finished.lock()
                && !*finished
            {
                shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Progress(Some((bar, done)))
    }

    /// Starts a spinner only for input of `len` bytes large enough (8 MiB) that the work
    /// may take a second or more.
    pub fn for_size(message: &str, len: usize) -> Self {
        const LARGE: usize = 8 * 1024 * 1024;
        if len >= LARGE {
            Self::start(message)
        } else {
            Progress(None)
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((bar, done)) = self.0.take() {
            // Under the lock, so that the spinner is not shown after this.
            let mut guard = done.lock().ok();
            if let Some(finished) = guard.as_mut() {
                **finished = true;
            }
            bar.finish_and_clear();
            drop(guard);
        }
    }
}
