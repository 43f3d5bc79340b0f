//! Test helpers: temporary directories and the OpenSSL command line.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory under the system temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "smime-mime-{tag}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Asserts that the `openssl` command can be run: the interoperability tests need it and
/// fail, rather than pass silently, without it.
pub(crate) fn require_openssl() {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the openssl command is required for the interoperability tests"
    );
}

/// Runs `openssl` in `dir` with `args`; panics with its stderr on failure.
pub(crate) fn openssl(dir: &TempDir, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(&dir.0)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `openssl` and reports only whether it succeeded.
pub(crate) fn openssl_ok(dir: &TempDir, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(&dir.0)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Makes a throwaway RSA key `k` and self-signed certificate `c` in `dir`.
pub(crate) fn make_key(dir: &TempDir) {
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=t", "-keyout", "k",
            "-out", "c", "-days", "1",
        ],
    );
}

pub(crate) fn write(dir: &TempDir, name: &str, data: &[u8]) {
    std::fs::write(dir.path(name), data).expect("write temp file");
}

pub(crate) fn read(dir: &TempDir, name: &str) -> Vec<u8> {
    std::fs::read(dir.path(name)).expect("read temp file")
}
