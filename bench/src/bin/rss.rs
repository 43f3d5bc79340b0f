//! The memory an operation needs: run one operation on a generated message and print the
//! process's peak resident set size. `scripts/bench-rss.sh` runs each operation in a process
//! of its own under `/usr/bin/time -v`.
//!
//! ```text
//! rss prepare DIR SIZE_MIB   write DIR/{key.p8,cert.der,ca.der,message.eml,signed.eml,encrypted.eml}
//! rss OPERATION DIR          encrypt | decrypt | sign | verify, output to DIR/out.eml
//! rss OPERATION-oneshot DIR  the same with the one-shot function, which holds the message
//! ```
//!
//! The operations stream from file to file through the streaming types (`Encryptor`,
//! `Decryptor`, `Signer`, `Verifier`) with 64 KiB buffers; `prepare` makes the inputs the
//! same way, so a message of any size is prepared without holding it.

use smime::decrypt::Decryptor;
use smime::encrypt::Encryptor;
use smime::sign::Signer;
use smime::verify::Verifier;
use smime::{
    Certificate, EncryptOptions, Identity, Policy, SignOptions, SoftwareKey, VerifyOptions,
};
use smime_bench::{BoxError, KeyType, Pki, body_line, message_head};
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
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
    let signers = std::slice::from_ref(&ee.identity);
    let signed = Signer::new(signers, &SignOptions::default())?.sign(
        BufReader::new(File::open(dir.join("message.eml"))?),
        BufWriter::new(File::create(dir.join("signed.eml"))?),
    )?;
    signed
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    let recipients = std::slice::from_ref(&ee.certificate);
    let encrypted = Encryptor::new(recipients, &EncryptOptions::default())?.encrypt(
        BufReader::new(File::open(dir.join("message.eml"))?),
        BufWriter::new(File::create(dir.join("encrypted.eml"))?),
    )?;
    encrypted
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(())
}

fn load_identity(dir: &Path) -> Result<(Identity, Certificate), BoxError> {
    let key = SoftwareKey::from_pkcs8_der(&fs::read(dir.join("key.p8"))?)?;
    let cert = Certificate::from_der(&fs::read(dir.join("cert.der"))?)?;
    Ok((Identity::new(Arc::new(key), cert.clone())?, cert))
}

fn verify_options(dir: &Path) -> Result<VerifyOptions, BoxError> {
    let ca = Certificate::from_der(&fs::read(dir.join("ca.der"))?)?;
    Ok(VerifyOptions {
        trust_anchors: vec![ca],
        ..VerifyOptions::default()
    })
}

/// Runs `op` through the streaming types, file to file; returns the bytes written.
fn run_streaming(op: &str, dir: &Path) -> Result<u64, BoxError> {
    let (identity, cert) = load_identity(dir)?;
    let input = |name: &str| -> Result<BufReader<File>, BoxError> {
        Ok(BufReader::new(File::open(dir.join(name))?))
    };
    let output = BufWriter::new(File::create(dir.join("out.eml"))?);
    let output = match op {
        "encrypt" => Encryptor::new(&[cert], &EncryptOptions::default())?
            .encrypt(input("message.eml")?, output)?,
        "decrypt" => {
            // Read + Seek: the file itself (GCM's tag is checked in a first pass over it).
            let file = File::open(dir.join("encrypted.eml"))?;
            Decryptor::new(&[identity], &Policy::default())?
                .decrypt(file, output)?
                .1
        }
        "sign" => Signer::new(&[identity], &SignOptions::default())?
            .sign(input("message.eml")?, output)?,
        "verify" => {
            let (report, out) =
                Verifier::new(&verify_options(dir)?).verify(input("signed.eml")?, output)?;
            if !report.is_trusted() {
                return Err(format!("the signature did not verify: {}", report.verdict()).into());
            }
            out
        }
        other => return Err(format!("unknown operation {other}").into()),
    };
    let file = output.into_inner().map_err(|e| e.into_error())?;
    Ok(file.metadata()?.len())
}

/// Runs `op` with the one-shot function, which holds the whole message; returns the bytes
/// written.
fn run_oneshot(op: &str, dir: &Path) -> Result<u64, BoxError> {
    let (identity, cert) = load_identity(dir)?;
    let output = match op {
        "encrypt" => {
            let input = fs::read(dir.join("message.eml"))?;
            smime::encrypt(&input, &[cert], &EncryptOptions::default())?
        }
        "decrypt" => {
            let input = fs::read(dir.join("encrypted.eml"))?;
            smime::decrypt(&input, &[identity], &Policy::default())?.content
        }
        "sign" => {
            let input = fs::read(dir.join("message.eml"))?;
            smime::sign(&input, &[identity], &SignOptions::default())?
        }
        "verify" => {
            let input = fs::read(dir.join("signed.eml"))?;
            let report = smime::verify(&input, &verify_options(dir)?)?;
            if !report.is_trusted() {
                return Err(format!("the signature did not verify: {}", report.verdict()).into());
            }
            report.content
        }
        other => return Err(format!("unknown operation {other}").into()),
    };
    fs::write(dir.join("out.eml"), &output)?;
    Ok(output.len() as u64)
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
            let dir = PathBuf::from(dir);
            let result = match op.strip_suffix("-oneshot") {
                Some(op) => run_oneshot(op, &dir),
                None => run_streaming(op, &dir),
            };
            result.map(|written| {
                println!(
                    "{op}: wrote {written} bytes in {:.2} s; VmHWM {} KiB",
                    start.elapsed().as_secs_f64(),
                    status_kib("VmHWM:").unwrap_or(0)
                );
            })
        }
        _ => Err(
            "usage: rss prepare DIR SIZE_MIB | rss encrypt|decrypt|sign|verify[-oneshot] DIR"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rss: {e}");
            ExitCode::FAILURE
        }
    }
}
