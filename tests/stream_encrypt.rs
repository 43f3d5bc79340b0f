//! Streaming encryption: an [`Encryptor`] writes BER with indefinite lengths and the content
//! in chunks inside base64, which OpenSSL's `cms -decrypt` and our own readers read back to the
//! canonical (CRLF) entity, for GCM and CBC, RSA and P-256 recipients, content of several
//! chunks written in pieces of odd sizes.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl_decrypt};
use smime::decrypt::{Decryptor, decrypt};
use smime::encrypt::{EncryptOptions, Encryptor, encrypt};
use smime::{ContentCipher, Policy};
use std::io::Write;
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
            "stream-rsa",
            &LeafSpec {
                key: KeyKind::Rsa2048,
                ..LeafSpec::default()
            },
        );
        let p256 = pki.leaf(
            "stream-p256",
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

/// A message with LF line ends whose body spans several 64 KiB chunks.
fn message(len: usize) -> Vec<u8> {
    let mut m =
        b"From: alice@example.com\nTo: bob@example.com\nSubject: big\nContent-Type: text/plain\n\n"
            .to_vec();
    let mut i = 0u64;
    while m.len() < len {
        m.extend_from_slice(format!("line {i} of the body, some text to fill it\n").as_bytes());
        i += 1;
    }
    m
}

/// What is encrypted: the Content-* fields and the body, CRLF.
fn entity(msg: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(msg.to_vec()).unwrap();
    let body = text.split_once("\n\n").unwrap().1;
    format!(
        "Content-Type: text/plain\r\n\r\n{}",
        body.replace('\n', "\r\n")
    )
    .into_bytes()
}

fn opts(cipher: ContentCipher) -> EncryptOptions {
    let mut o = EncryptOptions {
        cipher,
        ..Default::default()
    };
    o.policy.accept_cbc = true;
    o
}

fn cms_of(out: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = String::from_utf8(out.to_vec()).unwrap();
    let body: String = text
        .split_once("\r\n\r\n")
        .unwrap()
        .1
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[test]
fn openssl_and_we_read_the_streamed_output() {
    let f = fixture();
    let msg = message(300 * 1024);
    let want = entity(&msg);
    for cert in [&f.rsa, &f.p256] {
        for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes128Cbc] {
            let options = opts(cipher);
            let enc = Encryptor::new(&[cert.certificate()], &options).unwrap();
            // Written in pieces of odd sizes, splitting CRLFs and the header block.
            let mut w = enc.writer(Vec::new()).unwrap();
            for piece in msg.chunks(7919) {
                w.write_all(piece).unwrap();
            }
            let out = w.finish().unwrap();
            let text = String::from_utf8_lossy(&out[..400]).to_string();
            assert!(
                text.starts_with("From: alice@example.com\r\nTo: bob@example.com\r\n"),
                "{text}"
            );
            assert!(text.contains("Content-Transfer-Encoding: base64\r\n"));
            let smime_type = if cipher == ContentCipher::Aes256Gcm {
                "smime-type=authEnveloped-data"
            } else {
                "smime-type=enveloped-data"
            };
            assert!(text.contains(smime_type), "{text}");
            let cms = cms_of(&out);
            // BER: ContentInfo, [0] and the inner SEQUENCE all of indefinite length.
            assert_eq!(&cms[..2], &[0x30, 0x80]);
            assert_eq!(&cms[cms.len() - 6..], &[0, 0, 0, 0, 0, 0]);

            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("msg.eml");
            std::fs::write(&path, &out).unwrap();
            assert_eq!(
                openssl_decrypt(&path, cert),
                want,
                "openssl reads {cipher:?} to {:?}",
                cert.cert_path
            );
            let keys = [cert.identity()];
            let policy = options.policy.clone();
            assert_eq!(decrypt(&out, &keys, &policy).unwrap().content, want);
            let (info, content) = Decryptor::new(&keys, &policy)
                .unwrap()
                .decrypt(std::io::Cursor::new(&out), Vec::new())
                .unwrap();
            assert_eq!(content, want);
            assert_eq!(info.content_len, want.len() as u64);
            assert_eq!(info.cipher, cipher);
            assert_eq!(info.integrity_protected, cipher == ContentCipher::Aes256Gcm);
        }
    }
}

#[test]
fn encrypt_from_a_reader_equals_the_one_shot_in_form() {
    let f = fixture();
    let msg = message(100_000);
    let options = opts(ContentCipher::Aes256Gcm);
    let enc = Encryptor::new(&[f.p256.certificate()], &options).unwrap();
    let streamed = enc.encrypt(&msg[..], Vec::new()).unwrap();
    let one_shot = encrypt(&msg, &[f.p256.certificate()], &options).unwrap();
    // The same headers; the same structure length (fresh keys and nonces differ).
    let head = |m: &[u8]| {
        let t = String::from_utf8_lossy(m).to_string();
        t.split_once("\r\n\r\n").unwrap().0.to_string()
    };
    assert_eq!(head(&streamed), head(&one_shot));
    assert_eq!(streamed.len(), one_shot.len());
    let keys = [f.p256.identity()];
    assert_eq!(
        decrypt(&streamed, &keys, &Policy::default())
            .unwrap()
            .content,
        entity(&msg)
    );
    // A message without headers and an empty one are encrypted too.
    for m in [&b"just a body\n"[..], b""] {
        let out = enc.encrypt(m, Vec::new()).unwrap();
        let d = decrypt(&out, &keys, &Policy::default()).unwrap();
        assert!(
            d.content.starts_with(b"Content-Type: text/plain"),
            "{:?}",
            d.content
        );
    }
}

#[test]
fn cbc_is_refused_by_a_strict_policy_before_anything_is_written() {
    let f = fixture();
    let mut options = opts(ContentCipher::Aes256Cbc);
    options.policy.accept_cbc = false;
    assert!(matches!(
        Encryptor::new(&[f.rsa.certificate()], &options),
        Err(smime::EncryptError::NotAccepted { .. })
    ));
}
