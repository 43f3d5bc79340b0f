//! Peak memory of one-shot decryption: decrypting a 16 MiB message takes less than three times
//! the size of the encrypted message file, measured as the maximum resident set size of a
//! separate process (`examples/decrypt_rss.rs`) under `/usr/bin/time -f %M`, less that of the
//! same process decrypting a 1 KiB message (the program, its libraries and the allocator's
//! arenas, which do not grow with the message). The test runs the debug build; the 64 MiB and
//! 1 GiB figures of the release build are in docs/benchmarks.md.

mod common;
#[path = "support/examples.rs"]
mod examples;

use base64::Engine as _;
use common::{KeyKind, LeafSpec, TestPki};
use smime::ContentCipher;
use smime::encrypt::{EncryptOptions, encrypt_der};
use std::path::{Path, PathBuf};
use std::process::Command;

const TIME: &str = "/usr/bin/time";
const CONTENT_SIZE: usize = 16 * 1024 * 1024;

fn example_binary() -> PathBuf {
    examples::example_binary("decrypt_rss")
}

/// A text/plain entity of about `size` bytes: base64 lines of pseudo-random bytes.
fn big_entity(size: usize) -> Vec<u8> {
    let mut e = Vec::with_capacity(size + 128);
    e.extend_from_slice(
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut raw = [0u8; 57];
    let mut line = String::with_capacity(80);
    while e.len() < size {
        for b in raw.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 32) as u8;
        }
        line.clear();
        base64::engine::general_purpose::STANDARD.encode_string(raw, &mut line);
        e.extend_from_slice(line.as_bytes());
        e.extend_from_slice(b"\r\n");
    }
    e
}

/// The application/pkcs7-mime message around an AuthEnvelopedData, as `encrypt` writes it.
fn smime_message(der: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut m = Vec::with_capacity(b64.len() + b64.len() / 38 + 512);
    m.extend_from_slice(
        b"From: bob@example.com\r\nTo: alice@example.com\r\nSubject: big\r\n\
MIME-Version: 1.0\r\n\
Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m\r\n\
Content-Disposition: attachment; filename=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\n\r\n",
    );
    for line in b64.as_bytes().chunks(76) {
        m.extend_from_slice(line);
        m.extend_from_slice(b"\r\n");
    }
    m
}

/// Runs `decrypt_rss` on the message at `path`: the content length it printed and the process's
/// maximum resident set size in bytes.
fn peak_rss(path: &Path, cert: &common::Cert) -> (usize, usize) {
    let out = Command::new(TIME)
        .args(["-f", "%M"])
        .arg(example_binary())
        .arg(path)
        .arg(&cert.cert_path)
        .arg(&cert.key_path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {TIME}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "decrypt_rss failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let len = stdout.trim().parse::<usize>().expect("content length");
    let max_rss_kib: usize = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no max RSS figure from {TIME}: {stderr}"));
    (len, max_rss_kib * 1024)
}

#[test]
fn one_shot_decrypt_of_16_mib_takes_under_three_times_the_message_size() {
    assert!(
        Path::new(TIME).is_file(),
        "{TIME} is needed to measure the peak memory (install the 'time' package)"
    );
    let pki = TestPki::new();
    let cert = pki.leaf(
        "alice-p256",
        &LeafSpec {
            key: KeyKind::P256,
            key_usage: Some("digitalSignature,keyAgreement"),
            ..LeafSpec::default()
        },
    );
    let options = EncryptOptions {
        cipher: ContentCipher::Aes256Gcm,
        ..EncryptOptions::default()
    };
    // The entities are CRLF already, so `encrypt_der` encrypts exactly what `encrypt` would;
    // the MIME wrapping is done here with the (optimised) base64 crate, to keep the debug-build
    // test fast. The reader sees the same message `encrypt` writes.
    let write = |name: &str, entity: &[u8]| -> (PathBuf, usize) {
        let der = encrypt_der(entity, &[cert.certificate()], &options).expect("encrypt");
        let message = smime_message(&der);
        let path = pki.path(name);
        std::fs::write(&path, &message).expect("write message");
        (path, message.len())
    };
    let small = big_entity(1024);
    let (small_path, _) = write("small.eml", &small);
    let (small_len, baseline) = peak_rss(&small_path, &cert);
    assert_eq!(small_len, small.len(), "the whole small content came back");

    let started = std::time::Instant::now();
    let entity = big_entity(CONTENT_SIZE);
    let (message_path, message_size) = write("big.eml", &entity);
    eprintln!("built and encrypted in {:.1?}", started.elapsed());
    let started = std::time::Instant::now();
    let (len, max_rss) = peak_rss(&message_path, &cert);
    eprintln!("decrypted in {:.1?}", started.elapsed());
    assert_eq!(len, entity.len(), "the whole content came back");
    let used = max_rss.saturating_sub(baseline);
    let ratio = used as f64 / message_size as f64;
    eprintln!(
        "decrypt of a {:.1} MiB message ({:.1} MiB content): max RSS {:.1} MiB, {:.1} MiB with \
         a 1 KiB message, so {:.1} MiB = {ratio:.2}x the message size",
        message_size as f64 / 1048576.0,
        entity.len() as f64 / 1048576.0,
        max_rss as f64 / 1048576.0,
        baseline as f64 / 1048576.0,
        used as f64 / 1048576.0,
    );
    assert!(
        used < 3 * message_size,
        "decryption took {used} bytes, {ratio:.2}x the {message_size}-byte message (limit 3x)"
    );
}
