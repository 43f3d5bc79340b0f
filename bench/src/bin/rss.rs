//! The memory an operation needs: run one operation on a generated message and print the
//! process's peak resident set size. `scripts/bench-rss.sh` runs each operation in a process
//! of its own under `/usr/bin/time -v`.
//!
//! ```text
//! rss prepare DIR SIZE_MIB   write DIR/{key.p8,cert.der,ca.der,message.eml,signed.eml,encrypted.eml}
//! rss OPERATION DIR          encrypt | decrypt | sign | verify, output to DIR/out.eml
//! ```
//!
//! The operations use the one-shot functions (`smime::encrypt`, `decrypt`, `sign`, `verify`),
//! which hold the message, so their peak grows with it; the streaming types, once in the
//! library, replace them here (see the `STREAMING` note in docs/benchmarks.md).

use smime::{
    Certificate, EncryptOptions, Identity, Policy, SignOptions, SoftwareKey, VerifyOptions,
};
use smime_bench::{BoxError, KeyType, Pki, body_line, message_head};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// The key type the memory program uses: P-256 (its key operations are cheap next to the
/// content; the memory does not depend on the key).
const KEY: KeyType = KeyType::P256;

fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes a message of `size` bytes to `path` line by line, never holding it.
fn write_message(path: &Path, size: u64) -> Result<(), BoxError> {
    let mut out = BufWriter::new(File::create(path)?);
    let head = message_head();
    out.write_all(head.as_bytes())?;
    let mut written = head.len() as u64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut line = Vec::with_capacity(80);
    while written + 78 <= size {
        line.clear();
        body_line(&mut state, &mut line);
        out.write_all(&line)?;
        written += line.len() as u64;
    }
    out.flush()?;
    Ok(())
}

fn prepare(dir: &Path, size_mib: u64) -> Result<(), BoxError> {
    fs::create_dir_all(dir)?;
    let pki = Pki::generate()?;
    let ee = pki.entity(KEY);
    fs::write(dir.join("key.p8"), ee.pkey.private_key_to_pkcs8()?)?;
    fs::write(dir.join("cert.der"), ee.certificate.der())?;
    fs::write(dir.join("ca.der"), pki.ca.der())?;
    write_message(&dir.join("message.eml"), size_mib << 20)?;
    let message = fs::read(dir.join("message.eml"))?;
    let signed = smime::sign(
        &message,
        std::slice::from_ref(&ee.identity),
        &SignOptions::default(),
    )?;
    fs::write(dir.join("signed.eml"), signed)?;
    let encrypted = smime::encrypt(
        &message,
        std::slice::from_ref(&ee.certificate),
        &EncryptOptions::default(),
    )?;
    fs::write(dir.join("encrypted.eml"), encrypted)?;
    Ok(())
}

fn load_identity(dir: &Path) -> Result<(Identity, Certificate), BoxError> {
    let key = SoftwareKey::from_pkcs8_der(&fs::read(dir.join("key.p8"))?)?;
    let cert = Certificate::from_der(&fs::read(dir.join("cert.der"))?)?;
    Ok((Identity::new(Arc::new(key), cert.clone())?, cert))
}

/// Runs `op`; returns the bytes read and written.
fn run(op: &str, dir: &Path) -> Result<(u64, u64), BoxError> {
    let (identity, cert) = load_identity(dir)?;
    let out_path = dir.join("out.eml");
    let (input, output) = match op {
        "encrypt" => {
            let input = fs::read(dir.join("message.eml"))?;
            let out = smime::encrypt(
                &input,
                std::slice::from_ref(&cert),
                &EncryptOptions::default(),
            )?;
            (input.len(), out)
        }
        "decrypt" => {
            let input = fs::read(dir.join("encrypted.eml"))?;
            let out = smime::decrypt(&input, &[identity], &Policy::default())?.content;
            (input.len(), out)
        }
        "sign" => {
            let input = fs::read(dir.join("message.eml"))?;
            let out = smime::sign(&input, &[identity], &SignOptions::default())?;
            (input.len(), out)
        }
        "verify" => {
            let input = fs::read(dir.join("signed.eml"))?;
            let ca = Certificate::from_der(&fs::read(dir.join("ca.der"))?)?;
            let options = VerifyOptions {
                trust_anchors: vec![ca],
                ..VerifyOptions::default()
            };
            let report = smime::verify(&input, &options)?;
            if !report.is_trusted() {
                return Err(format!("the signature did not verify: {}", report.verdict()).into());
            }
            (input.len(), report.content)
        }
        other => return Err(format!("unknown operation {other}").into()),
    };
    fs::write(&out_path, &output)?;
    Ok((input as u64, output.len() as u64))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [p, dir, size] if p == "prepare" => match size.parse::<u64>() {
            Ok(size) => prepare(&PathBuf::from(dir), size).map(|()| {
                println!("prepared {dir} with a {size} MiB message");
            }),
            Err(_) => Err("SIZE_MIB must be a number".into()),
        },
        [op, dir] => {
            let start = Instant::now();
            run(op, &PathBuf::from(dir)).map(|(read, written)| {
                println!(
                    "{op}: read {read} bytes, wrote {written} bytes in {:.2} s; VmHWM {} KiB",
                    start.elapsed().as_secs_f64(),
                    status_kib("VmHWM:").unwrap_or(0)
                );
            })
        }
        _ => Err("usage: rss prepare DIR SIZE_MIB | rss encrypt|decrypt|sign|verify DIR".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rss: {e}");
            ExitCode::FAILURE
        }
    }
}
