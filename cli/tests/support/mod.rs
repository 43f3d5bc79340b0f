//! Running the `smime` binary from the CLI tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `smime` with `args`.
pub fn smime(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smime"))
        .args(args)
        .output()
        .expect("run smime")
}

/// Runs `smime` with `args`, feeding `input` on standard input.
pub fn smime_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run smime");
    // The command may exit (usage error) before reading its input: a broken pipe is fine.
    match child.stdin.take().expect("stdin").write_all(input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("write stdin"),
    }
    child.wait_with_output().expect("wait")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
