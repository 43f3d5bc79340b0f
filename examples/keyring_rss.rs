//! Writes a keyring file of synthetic contacts, or loads one and holds it, for measuring the
//! peak memory of a process holding a large keyring (`/usr/bin/time -f %M`).
//!
//! Usage:
//!
//! - `keyring_rss write FILE [N]`: a keyring of `N` contacts (default 100,000) from the
//!   benchmarks' certificate generator (`benches/common/mod.rs`), with its CA as trust anchor,
//!   saved to `FILE` sealed with a fresh key written to `FILE.key`.
//! - `keyring_rss load FILE`: loads `FILE` with [`Keyring::load`], checks one lookup, and
//!   prints the number of contacts and, on Linux, the process's resident set size after the
//!   load (`VmRSS`) and at its peak (`VmHWM`), in KiB.

#[path = "../benches/common/mod.rs"]
mod common;

use smime::keyring::store::SealingKey;
use smime::keyring::{Keyring, NoExternalKeys, Source};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

fn key_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn write(file: &Path, n: usize) -> Result<(), String> {
    let ca = common::Ca::new();
    let mut ring = Keyring::new();
    ring.add_trust_anchor(
        &smime::Certificate::from_der(ca.certificate()).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let now = SystemTime::now();
    for c in ca.issue_many(n, &|_| false) {
        let c = smime::Certificate::from_der(&c).map_err(|e| e.to_string())?;
        ring.add_contact(&c, Source::Manual, now)
            .map_err(|e| e.to_string())?;
    }
    let key = SealingKey::generate();
    ring.save(file, &key).map_err(|e| e.to_string())?;
    let key_file = key_path(file);
    std::fs::write(&key_file, key.to_hex().as_bytes())
        .map_err(|e| format!("{}: {e}", key_file.display()))?;
    println!("{n} contacts written to {}", file.display());
    Ok(())
}

/// `VmRSS` and `VmHWM` from `/proc/self/status`, when there is one.
fn memory() -> Option<(String, String)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn load(file: &Path) -> Result<(), String> {
    let key_file = key_path(file);
    let key_bytes = std::fs::read(&key_file).map_err(|e| format!("{}: {e}", key_file.display()))?;
    let key = SealingKey::from_key_file(&key_bytes).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let ring = Keyring::load(file, &key, &NoExternalKeys).map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let n = ring.contacts().count();
    if n > 0 && ring.find_by_address(&common::address(n - 1)).len() != 1 {
        return Err("the last contact's address is not found".to_string());
    }
    println!("{n} contacts loaded in {:.2} s", elapsed.as_secs_f64());
    if let Some((rss, hwm)) = memory() {
        println!("VmRSS {rss}, VmHWM {hwm}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [mode, file] if mode == "load" => load(Path::new(file)),
        [mode, file] if mode == "write" => write(Path::new(file), 100_000),
        [mode, file, n] if mode == "write" => match n.parse() {
            Ok(n) => write(Path::new(file), n),
            Err(_) => Err(format!("not a number: {n}")),
        },
        _ => {
            eprintln!("usage: keyring_rss write FILE [N] | keyring_rss load FILE");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyring_rss: {e}");
            ExitCode::from(1)
        }
    }
}
