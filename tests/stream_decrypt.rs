//! Streaming decryption of OpenSSL's output: `openssl cms -encrypt -stream` (BER, indefinite
//! lengths, chunked content) and its definite-length DER, as S/MIME and bare CMS, GCM and CBC,
//! RSA and P-256; from a seekable file and spooled from a pipe; and a GCM message with one
//! flipped ciphertext bit writes zero bytes to the output.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::decrypt::{Decryptor, decrypt};
use smime::{DecryptError, Policy};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::OnceLock;

struct Fixture {
    _pki: TestPki,
    rsa: Cert,
    p256: Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let rsa = pki.leaf(
            "sd-rsa",
            &LeafSpec {
                key: KeyKind::Rsa2048,
                ..LeafSpec::default()
            },
        );
        let p256 = pki.leaf(
            "sd-p256",
            &LeafSpec {
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,keyAgreement"),
                ..LeafSpec::default()
            },
        );
        Fixture {
            _pki: pki,
            rsa,
            p256,
        }
    })
}

/// Binary content of several 64 KiB chunks (every byte value, no line structure).
fn content() -> Vec<u8> {
    (0..200_003u32).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// `openssl cms -encrypt -binary` of `content` with `args`; the output file's bytes.
fn openssl_encrypt(dir: &Path, content: &[u8], args: &[&str]) -> Vec<u8> {
    std::fs::write(dir.join("content.bin"), content).unwrap();
    let mut all = vec![
        "cms",
        "-encrypt",
        "-binary",
        "-in",
        "content.bin",
        "-out",
        "msg.out",
    ];
    all.extend_from_slice(args);
    openssl(&all, dir);
    std::fs::read(dir.join("msg.out")).unwrap()
}

/// A reader that cannot seek, as a pipe.
struct Pipe<R>(R);

impl<R: Read> Read for Pipe<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Short reads, as pipes give.
        let n = buf.len().min(4093);
        self.0.read(&mut buf[..n])
    }
}

fn policy() -> Policy {
    let mut p = Policy::default();
    p.accept_cbc = true;
    p
}

#[test]
fn openssl_streamed_and_der_messages_decrypt_streaming() {
    let f = fixture();
    let data = content();
    let mut seen_indefinite = 0;
    for cert in [&f.rsa, &f.p256] {
        let cp = cert.cert_path.to_string_lossy().into_owned();
        for cipher in ["-aes-256-gcm", "-aes-128-cbc", "-aes-256-cbc"] {
            for form in [
                &["-stream", "-outform", "DER"][..],
                &["-stream"][..],
                &["-outform", "DER"][..],
                &[][..],
            ] {
                let dir = tempfile::tempdir().unwrap();
                let mut args = form.to_vec();
                args.extend_from_slice(&[cipher, &cp]);
                let msg = openssl_encrypt(dir.path(), &data, &args);
                if form == ["-stream", "-outform", "DER"] && msg[1] == 0x80 {
                    seen_indefinite += 1;
                }
                let keys = [cert.identity()];
                let d = Decryptor::new(&keys, &policy()).unwrap();
                let what = format!("{cipher} {form:?} {:?}", cert.cert_path);
                // From a file.
                let file = std::fs::File::open(dir.path().join("msg.out")).unwrap();
                let (info, out) = d.decrypt(file, Vec::new()).expect(&what);
                assert_eq!(out, data, "{what}");
                assert_eq!(info.content_len, data.len() as u64);
                assert_eq!(info.integrity_protected, cipher == "-aes-256-gcm", "{what}");
                // From a pipe, through a spool.
                let spool = tempfile::tempfile().unwrap();
                let (_, out) = d
                    .decrypt_spooled(Pipe(&msg[..]), spool, Vec::new())
                    .expect(&what);
                assert_eq!(out, data, "{what} spooled");
                // The one-shot reads it the same.
                assert_eq!(decrypt(&msg, &keys, &policy()).expect(&what).content, data);
            }
        }
    }
    assert_eq!(
        seen_indefinite, 6,
        "openssl -stream writes indefinite lengths"
    );
}

/// The offset of the first ciphertext byte inside the encryptedContent [0] of a DER message:
/// found as the byte after the content header of the longest primitive run.
fn ciphertext_offset(der: &[u8]) -> usize {
    // The [0] IMPLICIT OCTET STRING (primitive 0x80) with a long-form length.
    let at = der
        .windows(2)
        .position(|w| w[0] == 0x80 && (w[1] == 0x83 || w[1] == 0x82))
        .expect("the encryptedContent header");
    at + 2 + (der[at + 1] & 0x7F) as usize
}

/// An output that records every write, to prove nothing reached it.
#[derive(Default)]
struct Recorder {
    bytes: Vec<u8>,
    writes: usize,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writes += 1;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_flipped_gcm_ciphertext_bit_writes_nothing() {
    let f = fixture();
    let data = content();
    let dir = tempfile::tempdir().unwrap();
    let cp = f.p256.cert_path.to_string_lossy().into_owned();
    let msg = openssl_encrypt(dir.path(), &data, &["-outform", "DER", "-aes-256-gcm", &cp]);
    let keys = [f.p256.identity()];
    let d = Decryptor::new(&keys, &Policy::default()).unwrap();
    let start = ciphertext_offset(&msg);
    for at in [start, start + 70_000, msg.len() - 40] {
        let mut bad = msg.clone();
        bad[at] ^= 0x10;
        let err = d
            .decrypt(std::io::Cursor::new(&bad), Recorder::default())
            .map(|(_, r)| r.bytes.len());
        assert!(
            matches!(err, Err(DecryptError::CannotDecrypt)),
            "flip at {at}: {err:?}"
        );
        let mut out = Recorder::default();
        let r = d.decrypt(std::io::Cursor::new(&bad), &mut out);
        assert!(r.is_err());
        assert_eq!((out.writes, out.bytes.len()), (0, 0), "flip at {at}");
    }
    // Unchanged, it opens.
    let (_, out) = d.decrypt(std::io::Cursor::new(&msg), Vec::new()).unwrap();
    assert_eq!(out, data);
}

#[test]
fn not_encrypted_and_truncated_inputs_are_errors() {
    let f = fixture();
    let keys = [f.rsa.identity()];
    let d = Decryptor::new(&keys, &Policy::default()).unwrap();
    let plain = b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
    assert!(matches!(
        d.decrypt(std::io::Cursor::new(&plain[..]), Vec::new()),
        Err(DecryptError::NotEncrypted)
    ));
    assert!(matches!(
        d.decrypt(std::io::Cursor::new(&b""[..]), Vec::new()),
        Err(DecryptError::Parse(_))
    ));
    let dir = tempfile::tempdir().unwrap();
    let cp = f.rsa.cert_path.to_string_lossy().into_owned();
    let msg = openssl_encrypt(
        dir.path(),
        b"short",
        &["-stream", "-outform", "DER", "-aes-256-gcm", &cp],
    );
    for len in [10, msg.len() / 2, msg.len() - 1] {
        let r = d.decrypt(std::io::Cursor::new(&msg[..len]), Vec::new());
        assert!(
            matches!(r, Err(DecryptError::Parse(_))),
            "cut at {len}: {r:?}"
        );
    }
    assert!(matches!(
        Decryptor::new(&[], &Policy::default()),
        Err(DecryptError::NoKeys)
    ));
}
