//! Ed25519 (RFC 8419) signing and verification end to end, over an Ed25519 PKI that OpenSSL
//! makes at test time: PKCS#8 keys in their forms, PKCS#12, signing (multipart/signed and
//! opaque, `micalg=sha-512`), verification one-shot and streaming, tampering, and path
//! validation with Ed25519-signed CA certificates and CRLs.

mod eddsa_common;

use eddsa_common::{EdCert, EdPki, openssl};
use smime::keys::{KeyKind, PrivateKey, SignatureScheme, SoftwareKey, check_key_matches};
use smime::sign::{SignOptions, sign};
use smime::verify::{Check, SignatureFailure, Verdict, Verifier, VerifyOptions, verify};
use smime::{DigestAlgorithm, Policy, RevocationMode};
use std::io::Write;
use std::sync::OnceLock;

struct Fixture {
    pki: EdPki,
    alice: EdCert,
    carol: EdCert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = EdPki::new();
        let alice = pki.leaf("alice", "alice@example.com");
        let carol = pki.leaf("carol", "carol@example.com");
        pki.revoke(&carol);
        Fixture { pki, alice, carol }
    })
}

fn identity(cert: &EdCert) -> smime::Identity {
    cert.identity()
        .with_chain(vec![fixture().pki.intermediate.certificate()])
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        ..VerifyOptions::default()
    }
}

fn message(from: &str, entity: &[u8]) -> Vec<u8> {
    let mut m = format!("From: {from}\r\nTo: bob@example.com\r\nSubject: Ed25519\r\n").into_bytes();
    m.extend_from_slice(entity);
    m
}

const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned with Ed25519.\r\nSecond line.\r\n";

fn stream(signed: &[u8], piece: usize) -> smime::VerifyReport {
    let mut w = Verifier::new(&options()).writer(Vec::new());
    for c in signed.chunks(piece) {
        w.write_all(c).expect("write");
    }
    w.finish().expect("finish").0
}

fn assert_trusted(r: &smime::VerifyReport, what: &str) {
    assert_eq!(r.verdict(), Verdict::Trusted, "{what}: {:#?}", r.signers);
}

#[test]
fn openssl_ed25519_keys_load_in_every_form_and_match_their_certificate() {
    let f = fixture();
    let pem = SoftwareKey::from_bytes(&f.alice.key_pem).expect("PEM PKCS#8");
    assert_eq!(pem.kind(), KeyKind::Ed25519);
    let der = openssl(
        &["pkey", "-in", "alice.key", "-outform", "DER"],
        f.pki.dir.path(),
    )
    .stdout;
    let from_der = SoftwareKey::from_bytes(&der).expect("DER PKCS#8");
    // Our PKCS#8 is the same version 1 encoding OpenSSL writes.
    assert_eq!(
        from_der.to_pkcs8_der().expect("encode").as_slice(),
        &der[..]
    );
    check_key_matches(&pem, &f.alice.der).expect("alice's key matches her certificate");
    assert!(check_key_matches(&pem, &f.carol.der).is_err());
    // The public key is the certificate's SubjectPublicKeyInfo.
    let spki = openssl(
        &["pkey", "-in", "alice.key", "-pubout", "-outform", "DER"],
        f.pki.dir.path(),
    )
    .stdout;
    assert_eq!(pem.public_key_der().expect("spki"), spki);
    // What we write, OpenSSL reads as the same key.
    let ours = f.pki.path("alice-ours.der");
    std::fs::write(&ours, pem.to_pkcs8_der().expect("encode").as_slice()).expect("write");
    let ours = ours.to_string_lossy().into_owned();
    let again = openssl(
        &[
            "pkey", "-inform", "DER", "-in", &ours, "-pubout", "-outform", "DER",
        ],
        f.pki.dir.path(),
    )
    .stdout;
    assert_eq!(again, spki);
    // A signature of the raw key, checked by OpenSSL.
    let sig = pem
        .sign_message(SignatureScheme::Ed25519, b"a message")
        .expect("sign");
    assert_eq!(sig.len(), 64);
    std::fs::write(f.pki.path("msg.bin"), b"a message").expect("write");
    std::fs::write(f.pki.path("msg.sig"), &sig).expect("write");
    openssl(
        &[
            "pkeyutl",
            "-verify",
            "-inkey",
            "alice.key",
            "-rawin",
            "-in",
            "msg.bin",
            "-sigfile",
            "msg.sig",
        ],
        f.pki.dir.path(),
    );
    // Ed25519 signs messages, not digests.
    assert!(
        pem.sign_digest(SignatureScheme::Ecdsa, DigestAlgorithm::Sha512, &[0u8; 64])
            .is_err()
    );
}

#[test]
fn a_pkcs12_file_with_an_ed25519_key_imports_and_signs() {
    let f = fixture();
    openssl(
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "alice.key",
            "-in",
            "alice.pem",
            "-certfile",
            "intermediate.pem",
            "-passout",
            "pass:secret",
            "-out",
            "alice.p12",
        ],
        f.pki.dir.path(),
    );
    let p12 = std::fs::read(f.pki.path("alice.p12")).expect("read PKCS#12");
    let id = smime::pkcs12::parse_pkcs12_identity(&p12, "secret", &smime::Pkcs12Limits::default())
        .expect("PKCS#12 with an Ed25519 key");
    assert_eq!(id.key().expect("key").kind(), KeyKind::Ed25519);
    let signed = sign(
        &message("alice@example.com", ENTITY),
        &[id],
        &SignOptions::default(),
    )
    .expect("sign");
    assert_trusted(&verify(&signed, &options()).expect("verify"), "PKCS#12 key");
}

#[test]
fn signed_messages_verify_in_both_forms_one_shot_and_streaming() {
    let f = fixture();
    for opaque in [false, true] {
        let what = format!("opaque={opaque}");
        let opts = SignOptions {
            opaque,
            ..SignOptions::default()
        };
        let signed = sign(
            &message("alice@example.com", ENTITY),
            &[identity(&f.alice)],
            &opts,
        )
        .expect("sign");
        if !opaque {
            let text = String::from_utf8_lossy(&signed);
            assert!(text.contains("micalg=sha-512"), "{what}: {text}");
        }
        let report = verify(&signed, &options()).expect("verify");
        assert_trusted(&report, &what);
        assert_eq!(report.content, ENTITY, "{what}");
        let s = &report.signers[0];
        assert_eq!(s.signature, Check::Passed);
        assert!(
            s.signature_algorithm.eq_ignore_ascii_case("id-Ed25519"),
            "{what}: {}",
            s.signature_algorithm
        );
        assert!(
            s.digest_algorithm.to_lowercase().contains("sha512"),
            "{what}: {}",
            s.digest_algorithm
        );
        for piece in [1 << 20, 777, 13] {
            assert_trusted(
                &stream(&signed, piece),
                &format!("{what} streamed by {piece}"),
            );
        }
    }
}

#[test]
fn a_requested_other_digest_becomes_sha512() {
    let f = fixture();
    let opts = SignOptions {
        digest: DigestAlgorithm::Sha256,
        ..SignOptions::default()
    };
    let signed = sign(
        &message("alice@example.com", ENTITY),
        &[identity(&f.alice)],
        &opts,
    )
    .expect("sign");
    assert!(String::from_utf8_lossy(&signed).contains("micalg=sha-512"));
    let report = verify(&signed, &options()).expect("verify");
    assert_trusted(&report, "SHA-256 asked");
}

#[test]
fn tampering_makes_the_signature_invalid() {
    let f = fixture();
    let signed = sign(
        &message("alice@example.com", ENTITY),
        &[identity(&f.alice)],
        &SignOptions::default(),
    )
    .expect("sign");
    // The content.
    let changed = String::from_utf8_lossy(&signed).replacen("Second line", "Second lime", 1);
    for report in [
        verify(changed.as_bytes(), &options()).expect("verify"),
        stream(changed.as_bytes(), 100),
    ] {
        assert_eq!(report.verdict(), Verdict::SignatureInvalid);
        assert_eq!(
            report.signers[0].signature,
            Check::Failed(SignatureFailure::MessageDigestMismatch)
        );
    }
    // The signature value: the last bytes of the SignedData are the 64-byte Ed25519
    // signature of its only SignerInfo (no unsigned attributes).
    let cms = smime::sign::sign_opaque_der(
        &message("alice@example.com", ENTITY),
        &[identity(&f.alice)],
        &SignOptions::default(),
    )
    .expect("sign DER");
    assert_trusted(&verify(&cms, &options()).expect("verify"), "untouched DER");
    let mut bad = cms.clone();
    let at = bad.len() - 5;
    bad[at] ^= 0x40;
    for report in [verify(&bad, &options()).expect("verify"), stream(&bad, 64)] {
        assert_eq!(report.verdict(), Verdict::SignatureInvalid);
        assert_eq!(
            report.signers[0].signature,
            Check::Failed(SignatureFailure::BadSignature)
        );
    }
}

#[test]
fn an_identity_refuses_an_ed25519_key_that_is_not_its_certificates() {
    let f = fixture();
    // Carol's key with Alice's certificate (check_key_matches on Ed25519 keys).
    let carol_key = SoftwareKey::from_bytes(&f.carol.key_pem).expect("key");
    assert!(smime::Identity::new(std::sync::Arc::new(carol_key), f.alice.certificate()).is_err());
}

#[test]
fn ed25519_chains_and_crls_validate() {
    let f = fixture();
    // An Ed25519 root signed the intermediate, which signed the leaves and the CRL.
    let crl = f.pki.crl("intermediate");
    let root_crl = f.pki.crl("root");
    let with_crls = |mode| {
        let mut policy = Policy::default();
        policy.revocation = mode;
        VerifyOptions {
            crls: vec![crl.clone(), root_crl.clone()],
            policy,
            ..options()
        }
    };
    let signed = sign(
        &message("alice@example.com", ENTITY),
        &[identity(&f.alice)],
        &SignOptions::default(),
    )
    .expect("sign");
    let report = verify(&signed, &with_crls(RevocationMode::HardFail)).expect("verify");
    assert_trusted(&report, "alice with CRLs");
    assert_eq!(
        report.signers[0].revocation,
        smime::validate::RevocationStatus::Good
    );

    let signed = sign(
        &message("carol@example.com", ENTITY),
        &[identity(&f.carol)],
        &SignOptions::default(),
    )
    .expect("sign");
    let report = verify(&signed, &with_crls(RevocationMode::HardFail)).expect("verify");
    assert_eq!(report.verdict(), Verdict::Revoked, "{:#?}", report.signers);
    assert_eq!(
        report.signers[0].revocation,
        smime::validate::RevocationStatus::Revoked
    );
    // Without the CRL carol's certificate is trusted: the CRL is what revoked it.
    assert_trusted(
        &verify(&signed, &options()).expect("verify"),
        "carol without CRLs",
    );
}

#[test]
fn a_forged_ed25519_certificate_signature_breaks_the_chain() {
    let f = fixture();
    // The leaf with one bit of its signature flipped (the last byte of the DER).
    let mut forged = f.alice.der.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let forged = smime::Certificate::from_der(&forged).expect("still parses");
    let key = SoftwareKey::from_bytes(&f.alice.key_pem).expect("key");
    let id = smime::Identity::new(std::sync::Arc::new(key), forged)
        .expect("identity")
        .with_chain(vec![f.pki.intermediate.certificate()]);
    let signed = sign(
        &message("alice@example.com", ENTITY),
        &[id],
        &SignOptions::default(),
    )
    .expect("sign");
    let report = verify(&signed, &options()).expect("verify");
    assert_eq!(report.signers[0].signature, Check::Passed);
    assert!(report.signers[0].chain.failed(), "{:#?}", report.signers[0]);
    assert_eq!(report.verdict(), Verdict::Untrusted);
}
