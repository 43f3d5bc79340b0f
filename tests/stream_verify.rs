//! Streaming verification: `Verifier` / `VerifyWriter` over multipart/signed (CRLF and LF
//! stored), opaque signed-data from us and from OpenSSL (MIME base64, bare DER and BER), fed in
//! pieces, with the same report as the one-shot `verify`.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::DigestAlgorithm;
use smime::sign::{SignOptions, sign};
use smime::verify::{Check, SignatureFailure, Verdict, Verifier, VerifyOptions, verify};
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

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        ..Default::default()
    }
}

fn entity(len: usize) -> Vec<u8> {
    let mut e = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n".to_vec();
    let mut i = 0u64;
    while e.len() < len {
        e.extend_from_slice(
            format!("line {i} -- of the content, verified as it streams\r\n").as_bytes(),
        );
        i += 1;
    }
    e
}

fn message(entity: &[u8]) -> Vec<u8> {
    let mut m = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: s\r\n".to_vec();
    m.extend_from_slice(entity);
    m
}

/// Verifies through a `VerifyWriter` fed in pieces of `piece` bytes; the report and the
/// content written.
fn stream(signed: &[u8], piece: usize) -> (smime::VerifyReport, Vec<u8>) {
    let verifier = Verifier::new(&options());
    let mut w = verifier.writer(Vec::new());
    for c in signed.chunks(piece) {
        w.write_all(c).expect("write");
    }
    w.finish().expect("finish")
}

fn same_findings(a: &smime::VerifyReport, b: &smime::VerifyReport) {
    assert_eq!(a.verdict(), b.verdict());
    assert_eq!(a.kind, b.kind);
    assert_eq!(a.signers.len(), b.signers.len());
    for (x, y) in a.signers.iter().zip(&b.signers) {
        assert_eq!(x.signature, y.signature);
        assert_eq!(x.chain, y.chain);
        assert_eq!(x.address, y.address);
        assert_eq!(x.signer_id, y.signer_id);
    }
    assert_eq!(a.addresses_checked, b.addresses_checked);
}

#[test]
fn multipart_signed_streams_the_first_part_and_reports_as_verify_does() {
    let e = entity(200 * 1024);
    for piece in [1 << 20, 65536, 4093, 7] {
        let signed = sign(&message(&e), &[alice()], &SignOptions::default()).unwrap();
        let (report, content) = stream(&signed, piece);
        assert_eq!(report.verdict(), Verdict::Trusted, "piece {piece}");
        assert_eq!(content, e, "piece {piece}");
        assert!(report.content.is_empty());
        same_findings(&report, &verify(&signed, &options()).unwrap());
        // The reader form.
        let (report, content) = Verifier::new(&options())
            .verify(signed.as_slice(), Vec::new())
            .unwrap();
        assert_eq!(report.verdict(), Verdict::Trusted);
        assert_eq!(content, e);
    }
}

#[test]
fn a_message_stored_with_lf_line_ends_verifies_in_crlf_form() {
    let e = entity(150 * 1024);
    let signed = sign(&message(&e), &[alice()], &SignOptions::default()).unwrap();
    let lf = String::from_utf8(signed).unwrap().replace("\r\n", "\n");
    let (report, content) = stream(lf.as_bytes(), 5000);
    assert_eq!(report.verdict(), Verdict::Trusted);
    // The content as stored (LF), which hashes to the signed digest in CRLF form.
    assert_eq!(
        content,
        String::from_utf8(e)
            .unwrap()
            .replace("\r\n", "\n")
            .as_bytes()
    );
    same_findings(&report, &verify(lf.as_bytes(), &options()).unwrap());
}

#[test]
fn tampered_content_is_an_invalid_signature() {
    let e = entity(100 * 1024);
    let signed =
        String::from_utf8(sign(&message(&e), &[alice()], &SignOptions::default()).unwrap())
            .unwrap()
            .replacen("line 1000 ", "line 1001 ", 1);
    let (report, _) = stream(signed.as_bytes(), 3000);
    assert_eq!(report.verdict(), Verdict::SignatureInvalid);
    assert_eq!(
        report.signers[0].signature,
        Check::Failed(SignatureFailure::MessageDigestMismatch)
    );
}

#[test]
fn a_digest_micalg_does_not_name_is_a_clear_failure() {
    let e = entity(10 * 1024);
    let options = SignOptions {
        digest: DigestAlgorithm::Sha512,
        ..SignOptions::default()
    };
    let signed = String::from_utf8(sign(&message(&e), &[alice()], &options).unwrap()).unwrap();
    assert!(signed.contains("micalg=sha-512"));
    let (report, _) = stream(signed.as_bytes(), 1000);
    assert_eq!(report.verdict(), Verdict::Trusted);
    let lying = signed.replace("micalg=sha-512", "micalg=sha-256");
    let (report, _) = stream(lying.as_bytes(), 1000);
    match &report.signers[0].signature {
        Check::Failed(SignatureFailure::DigestNotComputed {
            digest, computed, ..
        }) => {
            assert_eq!(digest, "SHA-512");
            assert_eq!(computed, &["SHA-256".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    // Without a usable micalg, the three SHA-2 digests are computed at once.
    let none = signed.replace("micalg=sha-512", "micalg=md5");
    let (report, _) = stream(none.as_bytes(), 1000);
    assert_eq!(report.verdict(), Verdict::Trusted);
}

#[test]
fn opaque_signed_data_from_us_and_from_openssl_streams() {
    let f = fixture();
    let e = entity(300 * 1024);
    let opaque = SignOptions {
        opaque: true,
        ..SignOptions::default()
    };
    // Ours: MIME, base64 of BER with indefinite lengths.
    let signed = sign(&message(&e), &[alice()], &opaque).unwrap();
    for piece in [1 << 20, 4093, 77] {
        let (report, content) = stream(&signed, piece);
        assert_eq!(report.verdict(), Verdict::Trusted, "piece {piece}");
        assert_eq!(content, e);
        same_findings(&report, &verify(&signed, &options()).unwrap());
    }
    // OpenSSL's: DER (bare), BER with -stream (bare), and S/MIME.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("content.txt"), &e).unwrap();
    let cert = f.alice.cert_path.to_string_lossy().into_owned();
    let key = f.alice.key_path.to_string_lossy().into_owned();
    let chain = f.pki.intermediate.cert_path.to_string_lossy().into_owned();
    for (out, extra) in [
        ("der.p7m", &["-outform", "DER"][..]),
        ("ber.p7m", &["-outform", "DER", "-stream"][..]),
        ("smime.eml", &["-outform", "SMIME", "-stream"][..]),
    ] {
        let mut args = vec![
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-in",
            "content.txt",
            "-signer",
            &cert,
            "-inkey",
            &key,
            "-certfile",
            &chain,
            "-out",
            out,
        ];
        args.extend_from_slice(extra);
        openssl(&args, dir.path());
        let signed = std::fs::read(dir.path().join(out)).unwrap();
        let mut options = options();
        options.policy.danger().skip_address_check(true);
        let verifier = Verifier::new(&options);
        for piece in [1 << 20, 1000] {
            let mut w = verifier.writer(Vec::new());
            for c in signed.chunks(piece) {
                w.write_all(c).unwrap();
            }
            let (report, content) = w.finish().unwrap_or_else(|err| panic!("{out}: {err}"));
            assert_eq!(report.verdict(), Verdict::Trusted, "{out}");
            assert_eq!(content, e, "{out}");
        }
    }
}

#[test]
fn what_is_not_a_top_level_signature_is_an_error() {
    let verifier = Verifier::new(&options());
    for input in [
        &b"Subject: x\r\n\r\nplain text\r\n"[..],
        b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\nx\r\n",
        b"",
    ] {
        assert!(verifier.verify(input, Vec::new()).is_err(), "{:?}", String::from_utf8_lossy(input));
    }
}
