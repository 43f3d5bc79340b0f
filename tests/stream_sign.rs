//! Streaming signing: `Signer` / `SignWriter` output over content of several chunks, fed in
//! pieces of odd sizes, checked by `openssl cms -verify` and by our own verification.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::error::SignError;
use smime::sign::{SignOptions, Signer};
use smime::verify::{Verdict, VerifyOptions, verify};
use std::io::Write;
use std::sync::OnceLock;

struct Fixture {
    pki: TestPki,
    alice: Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf(
            "alice",
            &LeafSpec {
                key: KeyKind::P256,
                ..LeafSpec::default()
            },
        );
        Fixture { pki, alice }
    })
}

fn alice() -> smime::Identity {
    let f = fixture();
    f.alice
        .identity()
        .with_chain(vec![f.pki.intermediate.certificate()])
}

/// A message of about `len` bytes with LF line ends (the signer makes them CRLF).
fn message(len: usize) -> Vec<u8> {
    let mut m = b"From: alice@example.com\nTo: bob@example.com\nSubject: stream\n\
Content-Type: text/plain; charset=us-ascii\n\n"
        .to_vec();
    let mut i = 0u64;
    while m.len() < len {
        m.extend_from_slice(
            format!("line {i} of the streamed body, signed as it goes\n").as_bytes(),
        );
        i += 1;
    }
    m
}

/// The signed entity: the Content-* fields and the body, CRLF.
fn entity(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(message.to_vec())
        .unwrap()
        .replace('\n', "\r\n");
    let at = text.find("Content-Type").unwrap();
    text.as_bytes()[at..].to_vec()
}

/// Signs `message` through a `SignWriter`, written in pieces of `piece` bytes.
fn sign_in_pieces(message: &[u8], opaque: bool, piece: usize) -> Result<Vec<u8>, SignError> {
    let options = SignOptions {
        opaque,
        ..SignOptions::default()
    };
    let signer = Signer::new(&[alice()], &options)?;
    let mut w = signer.writer(Vec::new());
    for c in message.chunks(piece) {
        w.write_all(c).expect("write");
    }
    w.finish()
}

fn openssl_verify(signed: &[u8]) -> Vec<u8> {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signed.eml"), signed).unwrap();
    let root = f.pki.root_path().to_string_lossy().into_owned();
    openssl(
        &[
            "cms",
            "-verify",
            "-CAfile",
            &root,
            "-in",
            "signed.eml",
            "-out",
            "content.txt",
        ],
        dir.path(),
    );
    std::fs::read(dir.path().join("content.txt")).unwrap()
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        ..Default::default()
    }
}

#[test]
fn streamed_multipart_and_opaque_output_verify_with_openssl_and_with_us() {
    // Three chunks and more of content, fed in pieces that split lines, CRLF pairs and chunk
    // edges.
    let msg = message(200 * 1024 + 17);
    let want = entity(&msg);
    for opaque in [false, true] {
        for piece in [1, 4093, 1 << 20] {
            if piece == 1 && msg.len() > 64 * 1024 {
                // Byte by byte over the header block and the first part of the body only.
                let short = message(70 * 1024);
                let signed = sign_in_pieces(&short, opaque, piece).expect("sign");
                assert_eq!(
                    openssl_verify(&signed),
                    entity(&short),
                    "opaque={opaque} piece=1"
                );
                continue;
            }
            let signed = sign_in_pieces(&msg, opaque, piece).expect("sign");
            let what = format!("opaque={opaque} piece={piece}");
            if opaque {
                // BER of indefinite lengths, base64-encoded.
                let text = String::from_utf8_lossy(&signed);
                assert!(text.contains("smime-type=signed-data"), "{what}");
            } else {
                assert!(
                    signed.windows(want.len()).any(|w| w == want.as_slice()),
                    "{what}: the entity is in the clear, CRLF"
                );
            }
            assert_eq!(openssl_verify(&signed), want, "{what}: openssl's content");
            let report = verify(&signed, &options()).expect("verify");
            assert_eq!(report.verdict(), Verdict::Trusted, "{what}");
            assert_eq!(report.content, want, "{what}: our content");
        }
    }
}

#[test]
fn signer_sign_reads_a_reader() {
    let msg = message(300 * 1024);
    let signer = Signer::new(&[alice()], &SignOptions::default()).unwrap();
    let signed = signer.sign(msg.as_slice(), Vec::new()).expect("sign");
    assert_eq!(openssl_verify(&signed), entity(&msg));
    // The Signer is reusable and cloneable.
    let again = signer
        .clone()
        .sign(msg.as_slice(), Vec::new())
        .expect("sign");
    assert_eq!(
        verify(&again, &options()).unwrap().verdict(),
        Verdict::Trusted
    );
}

#[test]
fn eight_bit_content_is_refused_at_finish_for_multipart_only() {
    let mut msg = message(150 * 1024);
    msg.extend_from_slice("caf\u{e9}\n".as_bytes());
    let offset = entity(&msg).len() - 4;
    match sign_in_pieces(&msg, false, 8192) {
        Err(SignError::EightBitContent { detail }) => {
            assert!(detail.contains(&format!("offset {offset}")), "{detail}");
        }
        other => panic!("expected EightBitContent, got {other:?}"),
    }
    // Opaque signing carries any bytes.
    let signed = sign_in_pieces(&msg, true, 8192).expect("opaque");
    assert_eq!(openssl_verify(&signed), entity(&msg));
}

#[test]
fn empty_input_and_no_signer_are_errors() {
    assert!(matches!(
        Signer::new(&[], &SignOptions::default()),
        Err(SignError::NoSigner)
    ));
    let signer = Signer::new(&[alice()], &SignOptions::default()).unwrap();
    assert!(matches!(
        signer.writer(Vec::new()).finish(),
        Err(SignError::Parse(smime::ParseError::Empty))
    ));
}
