//! Ed25519 S/MIME against other implementations: Bouncy Castle (both directions, through
//! `tests/java/EdInterop.java`) and OpenSSL 3.0, which checks our chains, our message digests
//! and our raw Ed25519 signatures (its `cms` command has no EdDSA before OpenSSL 4.0).
//!
//! Bouncy Castle writes BER with indefinite lengths (its streaming generator), with and
//! without signed attributes.

mod eddsa_common;
#[path = "common/java.rs"]
mod java;

use der::{Decode, Encode};
use eddsa_common::{EdCert, EdPki, openssl};
use java::JavaProgram;
use smime::sign::{SignOptions, sign};
use smime::verify::{Check, SignatureFailure, Verdict, Verifier, VerifyOptions, verify};
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

struct Fixture {
    pki: EdPki,
    alice: EdCert,
    java: JavaProgram,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = EdPki::new();
        let alice = pki.leaf("alice", "alice@example.com");
        Fixture {
            pki,
            alice,
            java: JavaProgram::compile("EdInterop"),
        }
    })
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        certificates: vec![fixture().pki.intermediate.certificate()],
        ..VerifyOptions::default()
    }
}

fn stream(signed: &[u8], piece: usize) -> smime::VerifyReport {
    let mut w = Verifier::new(&options()).writer(Vec::new());
    for c in signed.chunks(piece) {
        w.write_all(c).expect("write");
    }
    w.finish().expect("finish").0
}

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n\
Ed25519 across implementations.\r\nA second line.\r\n";

fn ours(opaque: bool) -> Vec<u8> {
    let f = fixture();
    let mut m = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: interop\r\n".to_vec();
    m.extend_from_slice(ENTITY);
    let id = f
        .alice
        .identity()
        .with_chain(vec![f.pki.intermediate.certificate()]);
    sign(
        &m,
        &[id],
        &SignOptions {
            opaque,
            ..SignOptions::default()
        },
    )
    .expect("sign")
}

/// Bouncy Castle signs `entity` (detached or opaque; "attrs", "noattrs" or "attrs-sha256").
fn bc_sign(entity: &[u8], opaque: bool, attrs: &str) -> Vec<u8> {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("entity.txt"), entity).expect("write");
    f.java.run_ok(
        &[
            "sign",
            &s(&f.alice.cert_path),
            &s(&f.alice.key_path),
            "entity.txt",
            "signed.eml",
            if opaque { "opaque" } else { "detached" },
            attrs,
        ],
        dir.path(),
    );
    std::fs::read(dir.path().join("signed.eml")).expect("read")
}

/// Bouncy Castle verifies a message against the intermediate CA: its output line.
fn bc_verify(message: &[u8]) -> java::JavaRun {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("m.eml"), message).expect("write");
    f.java.run(
        &["verify", "m.eml", &s(&f.pki.intermediate.cert_path)],
        dir.path(),
    )
}

#[test]
fn bouncy_castle_verifies_our_ed25519_messages() {
    for opaque in [false, true] {
        let signed = ours(opaque);
        let run = bc_verify(&signed);
        assert!(run.success, "opaque={opaque}: {}{}", run.stdout, run.stderr);
        // One signer, SHA-512 digest, id-Ed25519.
        assert_eq!(
            run.stdout.trim(),
            "VERIFIED 1 2.16.840.1.101.3.4.2.3 1.3.101.112",
            "opaque={opaque}"
        );
        // Bouncy Castle refuses the same message with its content changed.
        let changed = if opaque {
            tamper_opaque(&signed)
        } else {
            String::from_utf8_lossy(&signed)
                .replacen("second line", "second lime", 1)
                .into_bytes()
        };
        let run = bc_verify(&changed);
        assert!(!run.success, "opaque={opaque}: tampered: {}", run.stdout);
        assert!(run.stdout.starts_with("FAILED"), "{}", run.stdout);
    }
}

/// The message with one byte of its (base64-encoded) signed content changed.
fn tamper_opaque(message: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = String::from_utf8_lossy(message).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("header block");
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let mut cms = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let at = cms
        .windows(6)
        .position(|w| w == b"second")
        .expect("the content is in the CMS");
    cms[at] = b'S';
    let mut out = format!("{head}\r\n\r\n").into_bytes();
    out.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(&cms)
            .as_bytes(),
    );
    out.extend_from_slice(b"\r\n");
    out
}

#[test]
fn we_verify_bouncy_castle_ed25519_messages_and_refuse_tampered_ones() {
    for opaque in [false, true] {
        for attrs in ["attrs", "noattrs"] {
            let what = format!("opaque={opaque} {attrs}");
            let signed = bc_sign(ENTITY, opaque, attrs);
            // Bouncy Castle's streaming generator writes indefinite lengths.
            let report = verify(&signed, &options()).expect("verify");
            assert_eq!(
                report.verdict(),
                Verdict::Trusted,
                "{what}: {:#?}",
                report.signers
            );
            assert_eq!(report.content, ENTITY, "{what}");
            for piece in [1 << 16, 501, 9] {
                let r = stream(&signed, piece);
                assert_eq!(
                    r.verdict(),
                    Verdict::Trusted,
                    "{what} by {piece}: {:#?}",
                    r.signers
                );
            }
            let changed = if opaque {
                tamper_opaque(&signed)
            } else {
                String::from_utf8_lossy(&signed)
                    .replacen("second line", "second lime", 1)
                    .into_bytes()
            };
            let expected = if attrs == "attrs" {
                SignatureFailure::MessageDigestMismatch
            } else {
                // Without signed attributes the Ed25519 signature covers the content itself.
                SignatureFailure::BadSignature
            };
            for report in [
                verify(&changed, &options()).expect("verify"),
                stream(&changed, 333),
            ] {
                assert_eq!(
                    report.verdict(),
                    Verdict::SignatureInvalid,
                    "{what} tampered"
                );
                assert_eq!(
                    report.signers[0].signature,
                    Check::Failed(expected.clone()),
                    "{what} tampered"
                );
            }
        }
    }
}

#[test]
fn bouncy_castle_multipart_stored_with_lf_line_ends_verifies_in_crlf_form() {
    for attrs in ["attrs", "noattrs"] {
        let signed = bc_sign(ENTITY, false, attrs);
        let lf = String::from_utf8(signed)
            .expect("text")
            .replace("\r\n", "\n");
        let report = verify(lf.as_bytes(), &options()).expect("verify");
        assert_eq!(
            report.verdict(),
            Verdict::Trusted,
            "{attrs}: {:#?}",
            report.signers
        );
        assert_eq!(
            report.content, ENTITY,
            "{attrs}: the CRLF form that was signed"
        );
        let streamed = stream(lf.as_bytes(), 77);
        assert_eq!(
            streamed.verdict(),
            Verdict::Trusted,
            "{attrs}: {:#?}",
            streamed.signers
        );
    }
}

#[test]
fn content_signed_without_attributes_beyond_the_streaming_bound_is_reported_clearly() {
    // 1.5 MiB of content: more than the 1 MiB a streaming verification keeps.
    let mut entity = b"Content-Type: text/plain\r\n\r\n".to_vec();
    while entity.len() < 1536 * 1024 {
        entity.extend_from_slice(b"a line of a long message signed without signed attributes\r\n");
    }
    let signed = bc_sign(&entity, false, "noattrs");
    let report = verify(&signed, &options()).expect("verify");
    assert_eq!(report.verdict(), Verdict::Trusted, "{:#?}", report.signers);
    let streamed = stream(&signed, 1 << 16);
    assert_ne!(streamed.verdict(), Verdict::Trusted);
    match &streamed.signers[0].signature {
        Check::Failed(f @ SignatureFailure::ContentNotKept { limit }) => {
            assert_eq!(*limit, 1024 * 1024);
            assert!(f.to_string().contains("one piece"), "{f}");
        }
        other => panic!("{other:?}"),
    }
    // With signed attributes the same content streams: only its digest is needed.
    let signed = bc_sign(&entity, false, "attrs");
    assert_eq!(stream(&signed, 1 << 16).verdict(), Verdict::Trusted);
}

#[test]
fn an_ed25519_signer_with_signed_attributes_and_sha256_is_refused() {
    let signed = bc_sign(ENTITY, true, "attrs-sha256");
    // Bouncy Castle itself accepts what it wrote ...
    let run = bc_verify(&signed);
    assert!(run.success, "{}", run.stdout);
    // ... RFC 8419 section 3.1 does not.
    for report in [
        verify(&signed, &options()).expect("verify"),
        stream(&signed, 100),
    ] {
        assert_ne!(report.verdict(), Verdict::Trusted);
        match &report.signers[0].signature {
            Check::Failed(SignatureFailure::UnsupportedAlgorithm { detail }) => {
                assert!(detail.contains("RFC 8419"), "{detail}");
                assert!(detail.contains("SHA-256"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn openssl_checks_our_chain_digest_and_ed25519_signature() {
    let f = fixture();
    let dir = f.pki.dir.path();
    let id = f
        .alice
        .identity()
        .with_chain(vec![f.pki.intermediate.certificate()]);
    let cms = smime::sign::sign_detached_der(ENTITY, &[id], &SignOptions::default())
        .expect("sign detached DER");
    // The Ed25519 chain, verified by OpenSSL.
    openssl(
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "intermediate.pem",
            "-purpose",
            "smimesign",
            "alice.pem",
        ],
        dir,
    );
    // The SignerInfo: digest SHA-512, signature id-Ed25519 without parameters.
    let ci = cms::content_info::ContentInfo::from_der(&cms).expect("ContentInfo");
    let sd: cms::signed_data::SignedData = ci.content.decode_as().expect("SignedData");
    let si = sd.signer_infos.0.get(0).expect("one signer").clone();
    assert_eq!(si.digest_alg.oid.to_string(), "2.16.840.1.101.3.4.2.3");
    assert_eq!(si.signature_algorithm.oid.to_string(), "1.3.101.112");
    assert!(si.signature_algorithm.parameters.is_none());
    let attrs = si.signed_attrs.expect("signed attributes");
    // The messageDigest attribute is OpenSSL's SHA-512 of the content.
    std::fs::write(dir.join("content.bin"), ENTITY).expect("write");
    let dgst = openssl(
        &[
            "dgst",
            "-sha512",
            "-binary",
            "-out",
            "content.sha512",
            "content.bin",
        ],
        dir,
    );
    assert!(dgst.status.success());
    let sha512 = std::fs::read(dir.join("content.sha512")).expect("read");
    let md = attrs
        .iter()
        .find(|a| a.oid.to_string() == "1.2.840.113549.1.9.4")
        .expect("messageDigest");
    let value = md.values.iter().next().expect("a value");
    let octets =
        der::asn1::OctetString::from_der(&value.to_der().expect("encode")).expect("OCTET STRING");
    assert_eq!(octets.as_bytes(), &sha512[..]);
    // The signature over the DER of the signed attributes, verified by OpenSSL with the
    // certificate's key (PureEdDSA).
    std::fs::write(dir.join("attrs.der"), attrs.to_der().expect("encode")).expect("write");
    std::fs::write(dir.join("attrs.sig"), si.signature.as_bytes()).expect("write");
    openssl(
        &[
            "x509",
            "-in",
            "alice.pem",
            "-pubkey",
            "-noout",
            "-out",
            "alice.pub",
        ],
        dir,
    );
    openssl(
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "alice.pub",
            "-rawin",
            "-in",
            "attrs.der",
            "-sigfile",
            "attrs.sig",
        ],
        dir,
    );
    // And a changed signature fails there too.
    let mut bad = si.signature.as_bytes().to_vec();
    bad[0] ^= 1;
    std::fs::write(dir.join("bad.sig"), bad).expect("write");
    let out = std::process::Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "alice.pub",
            "-rawin",
            "-in",
            "attrs.der",
            "-sigfile",
            "bad.sig",
        ])
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(!out.status.success());
}
