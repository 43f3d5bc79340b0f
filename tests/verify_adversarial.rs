//! Every verification outcome, with our own signatures and OpenSSL's, and hostile input that
//! must end in a typed error rather than a panic.

mod common;

use base64::Engine;
use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::DigestAlgorithm;
use smime::Identity;
use smime::VerifyError;
use smime::error::ParseError;
use smime::keys::SoftwareKey;
use smime::sign::{SignOptions, sign, sign_detached_der};
use smime::validate::{EkuFailure, KeyUsageFailure, ValidityFailure};
use smime::verify::{
    AddressFailure, AddressPolicy, AlgorithmProblem, Check, SignatureFailure, Verdict,
    VerifyOptions, VerifyReport, verify,
};
use std::path::Path;
use std::sync::{Arc, OnceLock};

struct Fixture {
    pki: TestPki,
    alice: Cert,
    expired: Cert,
    server: Cert,
    key_enc: Cert,
    weak: Cert,
    revoked: Cert,
    crls: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf(
            "alice",
            &LeafSpec {
                emails: &["alice@example.com", "alice.work@example.org"],
                key: KeyKind::P256,
                ..LeafSpec::default()
            },
        );
        let expired = pki.leaf(
            "expired",
            &LeafSpec {
                expired: true,
                ..LeafSpec::default()
            },
        );
        let server = pki.leaf(
            "server",
            &LeafSpec {
                eku: Some("serverAuth"),
                ..LeafSpec::default()
            },
        );
        let key_enc = pki.leaf(
            "keyenc",
            &LeafSpec {
                key_usage: Some("keyEncipherment"),
                ..LeafSpec::default()
            },
        );
        let weak = pki.leaf(
            "weak",
            &LeafSpec {
                key: KeyKind::Rsa1024,
                ..LeafSpec::default()
            },
        );
        let revoked = pki.leaf("revoked", &LeafSpec::default());
        pki.revoke(&revoked);
        let crls = vec![pki.intermediate_crl(), pki.root_crl()];
        Fixture {
            pki,
            alice,
            expired,
            server,
            key_enc,
            weak,
            revoked,
            crls,
        }
    })
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn signer(cert: &Cert) -> Identity {
    let key = SoftwareKey::from_bytes(&cert.key_pem).expect("load key");
    Identity::new(
        Arc::new(key),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("signer")
    .with_chain(vec![fixture().pki.intermediate.certificate()])
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        ..VerifyOptions::default()
    }
}

fn check(message: &[u8]) -> VerifyReport {
    verify(message, &options()).expect("verify runs")
}

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nPay Bob 100 euros.\r\n";

fn message_from(from: &str) -> Vec<u8> {
    let mut m = format!("From: {from}\r\nSubject: test\r\n").into_bytes();
    m.extend_from_slice(ENTITY);
    m
}

/// Our detached signature of a message from alice@example.com by `certs`.
fn signed_by(certs: &[&Cert]) -> Vec<u8> {
    let signers: Vec<Identity> = certs.iter().map(|c| signer(c)).collect();
    sign(
        &message_from("alice@example.com"),
        &signers,
        &SignOptions::default(),
    )
    .expect("sign")
}

/// A multipart/signed message from alice@example.com around `entity` and a signature `der`.
fn multipart_signed(entity: &[u8], der: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut lines = String::new();
    for chunk in b64.as_bytes().chunks(76) {
        lines.push_str(std::str::from_utf8(chunk).expect("ascii"));
        lines.push_str("\r\n");
    }
    let mut m = b"From: alice@example.com\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; \
boundary=\"XXBOUNDARYXX\"\r\n\r\nThis is an S/MIME signed message\r\n\r\n--XXBOUNDARYXX\r\n"
        .to_vec();
    m.extend_from_slice(entity);
    m.extend_from_slice(
        b"\r\n--XXBOUNDARYXX\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n",
    );
    m.extend_from_slice(lines.as_bytes());
    m.extend_from_slice(b"\r\n--XXBOUNDARYXX--\r\n");
    m
}

/// Signs `content` with `openssl cms -sign` for `cert`, plus `extra`; returns the output.
fn openssl_sign(cert: &Cert, content: &[u8], extra: &[&str]) -> Vec<u8> {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("content.txt"), content).expect("write");
    let (c, k, chain) = (
        s(&cert.cert_path),
        s(&cert.key_path),
        s(&f.pki.chain_path()),
    );
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-in",
        "content.txt",
        "-signer",
        &c,
        "-inkey",
        &k,
        "-certfile",
        &chain,
        "-out",
        "signed.out",
    ];
    args.extend_from_slice(extra);
    openssl(&args, dir.path());
    std::fs::read(dir.path().join("signed.out")).expect("read")
}

fn replace_once(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    assert_eq!(needle.len(), with.len());
    let at = haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present");
    let mut out = haystack.to_vec();
    out[at..at + needle.len()].copy_from_slice(with);
    out
}

fn parse_error(message: &[u8]) -> ParseError {
    let opts = options();
    let result = std::panic::catch_unwind(|| verify(message, &opts))
        .expect("verify must not panic on hostile input");
    match result {
        Err(VerifyError::Parse(e)) => e,
        Err(other) => panic!("expected a parse error, got {other:?}"),
        Ok(r) => panic!("expected a parse error, got a report: {:?}", r.verdict()),
    }
}

#[test]
fn good_signature_is_trusted() {
    let f = fixture();
    let r = check(&signed_by(&[&f.alice]));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert_eq!(r.content, ENTITY);
}

/// Item 10: content that no longer matches the messageDigest is `MessageDigestMismatch`.
#[test]
fn attack_bar_10_tampered_body_is_a_digest_mismatch() {
    let f = fixture();
    let signed = signed_by(&[&f.alice]);
    let tampered = replace_once(&signed, b"Pay Bob 100", b"Pay Bob 900");
    let r = check(&tampered);
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
    assert_eq!(
        r.signers[0].signature,
        Check::Failed(SignatureFailure::MessageDigestMismatch)
    );

    // The same for a signature made by OpenSSL.
    let mut m = b"From: alice@example.com\r\n".to_vec();
    m.extend_from_slice(&openssl_sign(&f.alice, ENTITY, &[]));
    assert_eq!(check(&m).verdict(), Verdict::Trusted);
    let tampered = replace_once(&m, b"Pay Bob 100", b"Pay Bob 900");
    let r = verify(&tampered, &options()).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
    assert_eq!(
        r.signers[0].signature,
        Check::Failed(SignatureFailure::MessageDigestMismatch)
    );
}

/// Flips one byte of the DER right after the first occurrence of `oid_der`, `skip` bytes on.
fn flip_after(der: &[u8], oid_der: &[u8], skip: usize) -> Vec<u8> {
    let at = der
        .windows(oid_der.len())
        .position(|w| w == oid_der)
        .expect("attribute present")
        + oid_der.len()
        + skip;
    let mut out = der.to_vec();
    out[at] ^= 0x01;
    out
}

const SIGNING_TIME_OID: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05,
];
const MESSAGE_DIGEST_OID: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04,
];

#[test]
fn tampered_signing_time_is_a_bad_signature() {
    let f = fixture();
    let der =
        sign_detached_der(ENTITY, &[signer(&f.alice)], &SignOptions::default()).expect("sign");
    assert!(check(&multipart_signed(ENTITY, &der)).is_trusted());
    // SET { UTCTime "YYMMDDhhmmssZ" }: 31 0F 17 0D then 13 digits; flip the last seconds digit.
    let tampered = flip_after(&der, SIGNING_TIME_OID, 4 + 11);
    let r = check(&multipart_signed(ENTITY, &tampered));
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
    assert_eq!(
        r.signers[0].signature,
        Check::Failed(SignatureFailure::BadSignature)
    );
}

/// Item 10: a changed messageDigest attribute is rejected.
#[test]
fn attack_bar_10_message_digest_mismatch_is_rejected() {
    let f = fixture();
    let der =
        sign_detached_der(ENTITY, &[signer(&f.alice)], &SignOptions::default()).expect("sign");
    // SET { OCTET STRING (32) }: 31 22 04 20 then the digest.
    let tampered = flip_after(&der, MESSAGE_DIGEST_OID, 4 + 7);
    let r = check(&multipart_signed(ENTITY, &tampered));
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
    assert!(
        matches!(
            r.signers[0].signature,
            Check::Failed(SignatureFailure::MessageDigestMismatch | SignatureFailure::BadSignature)
        ),
        "{:?}",
        r.signers[0].signature
    );
}

/// Item 9: a chain to a root that is not an anchor is untrusted, with the reason.
#[test]
fn attack_bar_09_untrusted_root_is_untrusted() {
    let f = fixture();
    let (_dir, other) = TestPki::other_root();
    let opts = VerifyOptions {
        trust_anchors: vec![other.certificate()],
        ..VerifyOptions::default()
    };
    let r = verify(&signed_by(&[&f.alice]), &opts).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Untrusted);
    assert!(r.signers[0].signature.passed());
    assert!(r.signers[0].chain.failed());
}

#[test]
fn no_trust_anchors_is_untrusted() {
    let f = fixture();
    let r = verify(&signed_by(&[&f.alice]), &VerifyOptions::default()).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Untrusted);
    assert!(!r.signers[0].chain.passed());
}

/// Item 9: an expired signer certificate is untrusted, with the reason.
#[test]
fn attack_bar_09_expired_certificate_is_not_trusted() {
    let f = fixture();
    let r = check(&signed_by(&[&f.expired]));
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert!(
        matches!(
            r.signers[0].validity,
            Check::Failed(ValidityFailure::Expired { .. })
        ),
        "{:?}",
        r.signers[0].validity
    );
}

/// Item 12: an EKU without emailProtection is refused with the reason.
#[test]
fn attack_bar_12_server_auth_eku_is_refused_with_the_reason() {
    let f = fixture();
    let r = check(&signed_by(&[&f.server]));
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert!(
        matches!(
            r.signers[0].extended_key_usage,
            Check::Failed(EkuFailure::NoEmailProtection { .. })
        ),
        "{:?}",
        r.signers[0].extended_key_usage
    );
}

/// Item 12: keyUsage without digitalSignature/nonRepudiation is refused with the reason.
#[test]
fn attack_bar_12_key_usage_without_signing_is_refused_with_the_reason() {
    let f = fixture();
    let r = check(&signed_by(&[&f.key_enc]));
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert_eq!(
        r.signers[0].key_usage,
        Check::Failed(KeyUsageFailure::NoSigningUsage)
    );
}

fn signed_from(from: &str) -> Vec<u8> {
    sign(
        &message_from(from),
        &[signer(&fixture().alice)],
        &SignOptions::default(),
    )
    .expect("sign")
}

#[test]
fn from_mismatch_is_address_mismatch() {
    let r = check(&signed_from("mallory@example.com"));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert!(matches!(
        r.signers[0].address,
        Check::Failed(AddressFailure::Mismatch { .. })
    ));
}

#[test]
fn from_matching_second_san_address_is_trusted() {
    let r = check(&signed_from("Alice <alice.work@example.org>"));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
}

#[test]
fn domain_case_is_ignored_local_part_case_is_not() {
    let r = check(&signed_from("alice@EXAMPLE.Com"));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    let r = check(&signed_from("Alice@example.com"));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
}

#[test]
fn skipped_address_check_is_reported() {
    let mut opts = options();
    opts.policy.danger().skip_address_check(true);
    let r = verify(&signed_from("mallory@example.com"), &opts).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Trusted);
    assert!(matches!(r.signers[0].address, Check::NotChecked(_)));
    assert_eq!(r.weakened_by, vec!["address check skipped"]);
    assert!(r.address_check_skipped);
}

#[test]
fn expected_address_overrides_from() {
    let opts = VerifyOptions {
        address: AddressPolicy::Expect("alice@example.com".into()),
        ..options()
    };
    let r = verify(&signed_from("mallory@example.com"), &opts).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Trusted);
    let opts = VerifyOptions {
        address: AddressPolicy::Expect("bob@example.com".into()),
        ..options()
    };
    let r = verify(&signed_from("alice@example.com"), &opts).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
}

/// Item 6: a multipart/signed whose CMS also embeds content is refused (`DetachedWithContent`).
#[test]
fn attack_bar_06_detached_signature_with_embedded_content_is_refused() {
    let f = fixture();
    let der = openssl_sign(&f.alice, ENTITY, &["-nodetach", "-outform", "DER"]);
    let r = check(&multipart_signed(ENTITY, &der));
    assert_eq!(r.verdict(), Verdict::DetachedWithContent);
    assert!(r.detached_with_content);
}

/// Item 8, second clause: a SignedData without signers is `NoSigners`, never trusted.
#[test]
fn attack_bar_08_zero_signers_is_not_signed() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = s(&f.alice.cert_path);
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &cert,
            "-outform",
            "DER",
            "-out",
            "certs.p7",
        ],
        dir.path(),
    );
    let der = std::fs::read(dir.path().join("certs.p7")).expect("read");
    let r = check(&multipart_signed(ENTITY, &der));
    assert_eq!(r.verdict(), Verdict::NoSigners);
    assert!(r.signers.is_empty());
}

/// Item 8, first clause: a valid and an expired signer are `MixedSigners`, not trusted.
#[test]
fn attack_bar_08_one_good_one_expired_signer_is_mixed() {
    let f = fixture();
    let r = check(&signed_by(&[&f.alice, &f.expired]));
    assert_eq!(
        r.verdict(),
        Verdict::MixedSigners {
            passed: 1,
            failed: 1
        }
    );
}

/// Item 8, first clause: a valid and a broken signature are `MixedSigners`, not trusted.
#[test]
fn attack_bar_08_one_good_one_broken_signature_is_mixed() {
    let f = fixture();
    let mut extra_signer = vec!["-signer".to_string(), s(&f.revoked.cert_path)];
    extra_signer.extend(["-inkey".to_string(), s(&f.revoked.key_path)]);
    let refs: Vec<&str> = extra_signer.iter().map(String::as_str).collect();
    let mut args = refs.clone();
    args.extend_from_slice(&["-outform", "DER"]);
    let der = openssl_sign(&f.alice, ENTITY, &args);
    assert_eq!(
        check(&multipart_signed(ENTITY, &der)).verdict(),
        Verdict::Trusted
    );
    // Flip a byte in the last signature value: the DER ends with the second signer's
    // signature (RSA, 256 bytes), so the last byte belongs to it.
    let mut broken = der.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x01;
    let r = check(&multipart_signed(ENTITY, &broken));
    assert_eq!(
        r.verdict(),
        Verdict::MixedSigners {
            passed: 1,
            failed: 1
        },
        "{:#?}",
        r.signers
    );
    assert!(
        r.signers
            .iter()
            .any(|s| s.signature == Check::Failed(SignatureFailure::BadSignature))
    );
}

/// Item 11: an RSA-1024 signer is `WeakAlgorithm` (`WeakKey`).
#[test]
fn attack_bar_11_rsa_1024_signer_is_weak() {
    let f = fixture();
    let der = openssl_sign(&f.weak, ENTITY, &["-outform", "DER"]);
    let r = check(&multipart_signed(ENTITY, &der));
    assert_eq!(r.verdict(), Verdict::WeakAlgorithm, "{:#?}", r.signers);
    assert_eq!(
        r.signers[0].algorithm,
        Check::Failed(AlgorithmProblem::WeakKey {
            bits: 1024,
            minimum: 2048
        })
    );
}

/// Item 11: a SHA-1 signature is flagged `WeakDigest`.
#[test]
fn attack_bar_11_sha1_signature_is_weak() {
    let f = fixture();
    let der = openssl_sign(&f.alice, ENTITY, &["-md", "sha1", "-outform", "DER"]);
    let r = check(&multipart_signed(ENTITY, &der));
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert!(
        matches!(
            r.signers[0].algorithm,
            Check::Failed(AlgorithmProblem::WeakDigest { .. })
        ),
        "{:?}",
        r.signers[0].algorithm
    );
}

#[test]
fn sha1_is_refused_for_signing() {
    let f = fixture();
    let opts = SignOptions {
        digest: DigestAlgorithm::Sha1,
        ..SignOptions::default()
    };
    assert!(
        sign(
            &message_from("alice@example.com"),
            &[signer(&f.alice)],
            &opts
        )
        .is_err()
    );
}

#[test]
fn revoked_signer_with_crl_is_revoked() {
    let f = fixture();
    let signed = signed_by(&[&f.revoked]);
    // Without CRLs the revocation is not known.
    assert_eq!(check(&signed).verdict(), Verdict::Trusted);
    let opts = VerifyOptions {
        crls: f.crls.clone(),
        ..options()
    };
    let r = verify(&signed, &opts).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Revoked, "{:#?}", r.signers);
    // A good signer with the same CRLs stays trusted.
    let r = verify(&signed_by(&[&f.alice]), &opts).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
}

#[test]
fn signed_part_next_to_unsigned_part_is_partially_signed() {
    let f = fixture();
    let inner = sign(ENTITY, &[signer(&f.alice)], &SignOptions::default()).expect("sign");
    let mut m = b"From: alice@example.com\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n--OUTER\r\n\
Content-Type: text/plain\r\n\r\nThis part was added by someone else.\r\n--OUTER\r\n"
        .to_vec();
    m.extend_from_slice(&inner);
    if !m.ends_with(b"\r\n") {
        m.extend_from_slice(b"\r\n");
    }
    m.extend_from_slice(b"--OUTER--\r\n");
    let r = check(&m);
    assert!(
        matches!(r.verdict(), Verdict::PartiallySigned { .. }),
        "{:?} {:#?}",
        r.verdict(),
        r.signers
    );
    assert_eq!(r.content, ENTITY);
}

#[test]
fn plain_message_is_not_signed() {
    let r = check(&message_from("alice@example.com"));
    assert_eq!(r.verdict(), Verdict::NotSigned);
    assert!(r.signers.is_empty());
}

#[test]
fn truncated_signature_der_is_a_parse_error() {
    let f = fixture();
    let der =
        sign_detached_der(ENTITY, &[signer(&f.alice)], &SignOptions::default()).expect("sign");
    for cut in [1, 10, der.len() / 2, der.len() - 1] {
        parse_error(&multipart_signed(ENTITY, &der[..cut]));
    }
}

#[test]
fn garbage_signature_der_is_a_parse_error() {
    let garbage: Vec<u8> = (0u32..600).map(|i| (i * 37 % 251) as u8).collect();
    parse_error(&multipart_signed(ENTITY, &garbage));
    // A valid DER SEQUENCE that is not a ContentInfo.
    parse_error(&multipart_signed(ENTITY, &[0x30, 0x03, 0x02, 0x01, 0x05]));
}

#[test]
fn bad_base64_in_signature_part_is_a_parse_error() {
    let m = multipart_signed(ENTITY, b"placeholder");
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"placeholder");
    let bad = String::from_utf8_lossy(&m).replace(&b64, "!!!not*base64$$$");
    parse_error(bad.as_bytes());
}

#[test]
fn garbage_mime_is_a_parse_error() {
    // multipart/signed whose boundary never occurs.
    let m = b"From: alice@example.com\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=\"NOPE\"\r\n\r\n\
\x00\xff\xfe garbage \x01\x02\r\n";
    parse_error(m);
    // multipart/signed without a boundary parameter.
    parse_error(
        b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"\r\n\r\nx\r\n",
    );
}

#[test]
fn empty_input_is_a_parse_error() {
    assert_eq!(parse_error(b""), ParseError::Empty);
}

#[test]
fn multipart_signed_with_one_part_is_a_parse_error() {
    let m = b"From: alice@example.com\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; \
boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nonly part\r\n--B--\r\n";
    parse_error(m);
}

/// Item 16: MIME nesting beyond the limit is a parse error.
#[test]
fn attack_bar_16_deeply_nested_multiparts_are_a_parse_error() {
    let depth = 10_000;
    let mut m = String::from("Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
    for i in 0..depth {
        m.push_str(&format!(
            "--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{}\"\r\n\r\n",
            i + 1
        ));
    }
    m.push_str("--x\r\n");
    for i in (0..depth).rev() {
        m.push_str(&format!("--b{i}--\r\n"));
    }
    let e = parse_error(m.as_bytes());
    assert!(matches!(e, ParseError::TooDeep { .. }), "{e:?}");
}

/// Item 16: more MIME parts than the limit is a parse error.
#[test]
fn attack_bar_16_message_with_100k_parts_is_a_parse_error() {
    let mut m = String::from("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
    for i in 0..100_000 {
        m.push_str(&format!("--b\r\nContent-Type: text/plain\r\n\r\n{i}\r\n"));
    }
    m.push_str("--b--\r\n");
    let e = parse_error(m.as_bytes());
    assert!(matches!(e, ParseError::TooMany { .. }), "{e:?}");
}

#[test]
fn encrypted_message_is_reported_as_encrypted() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("m.txt"), ENTITY).expect("write");
    let cert = s(&f.pki.intermediate.cert_path);
    openssl(
        &[
            "cms", "-encrypt", "-aes256", "-in", "m.txt", "-out", "enc.eml", &cert,
        ],
        dir.path(),
    );
    let m = std::fs::read(dir.path().join("enc.eml")).expect("read");
    assert_eq!(check(&m).verdict(), Verdict::Encrypted);
}

/// Item 16: a 4 GiB length claim and 100,000 nested BER levels are parse errors (no stack
/// overflow, no allocation of the claim).
#[test]
fn attack_bar_16_hostile_der_lengths_and_nesting_are_parse_errors() {
    // A SEQUENCE claiming 4 GiB of content.
    parse_error(&multipart_signed(
        ENTITY,
        &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xF0, 0x06, 0x01, 0x00],
    ));
    // A length of length beyond any integer.
    parse_error(&multipart_signed(
        ENTITY,
        &[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    ));
    // 100,000 nested indefinite-length SEQUENCEs (BER): no stack overflow.
    let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100_000)
        .flatten()
        .collect();
    parse_error(&multipart_signed(ENTITY, &deep));
    // The same, opaque.
    let b64 = base64::engine::general_purpose::STANDARD.encode(&deep);
    let mut m = b"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    m.extend_from_slice(b64.as_bytes());
    m.extend_from_slice(b"\r\n");
    parse_error(&m);
}

#[test]
fn opaque_signature_tampered_inside_the_cms() {
    let f = fixture();
    let signed = sign(
        &message_from("alice@example.com"),
        &[signer(&f.alice)],
        &SignOptions {
            opaque: true,
            ..SignOptions::default()
        },
    )
    .expect("sign");
    assert_eq!(check(&signed).verdict(), Verdict::Trusted);
    // Decode the base64 body, change the embedded content, re-encode.
    let text = String::from_utf8_lossy(&signed).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body");
    let b64: String = body.split_whitespace().collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let der = replace_once(&der, b"Pay Bob 100", b"Pay Bob 900");
    let mut m = format!("{head}\r\n\r\n").into_bytes();
    m.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(&der)
            .as_bytes(),
    );
    m.extend_from_slice(b"\r\n");
    let r = check(&m);
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
    assert_eq!(
        r.signers[0].signature,
        Check::Failed(SignatureFailure::MessageDigestMismatch)
    );
}

// ---------------------------------------------------------------------------------------------
// Attack bar: structures changed around a real signature
// ---------------------------------------------------------------------------------------------

/// Our detached SignedData by alice, decoded for changes.
fn alice_signed_data() -> cms::signed_data::SignedData {
    use der::Decode;
    let f = fixture();
    let der =
        sign_detached_der(ENTITY, &[signer(&f.alice)], &SignOptions::default()).expect("sign");
    let ci = cms::content_info::ContentInfo::from_der(&der).expect("content info");
    ci.content.decode_as().expect("signed data")
}

fn encode_signed_data(sd: &cms::signed_data::SignedData) -> Vec<u8> {
    use der::Encode;
    cms::content_info::ContentInfo {
        content_type: const_oid::db::rfc5911::ID_SIGNED_DATA,
        content: der::Any::encode_from(sd).expect("encode signed data"),
    }
    .to_der()
    .expect("encode content info")
}

/// Item 10, contentType: an eContentType other than the signed contentType attribute names
/// (id-data) is `SignatureFailure::ContentTypeMismatch`, never trusted.
#[test]
fn attack_bar_10_content_type_mismatch_is_rejected() {
    let mut sd = alice_signed_data();
    assert!(check(&multipart_signed(ENTITY, &encode_signed_data(&sd))).is_trusted());
    sd.encap_content_info.econtent_type = const_oid::db::rfc5911::ID_ENVELOPED_DATA;
    let r = check(&multipart_signed(ENTITY, &encode_signed_data(&sd)));
    assert_eq!(
        r.signers[0].signature,
        Check::Failed(SignatureFailure::ContentTypeMismatch)
    );
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
}

/// Item 10, digest algorithms: an empty digestAlgorithms SET beside a signer is a parse error
/// naming it (detached and opaque), and a signer whose digest is an unknown algorithm (listed
/// in digestAlgorithms too) ends in a parse error or a failed check with its reason: never a
/// panic, never trusted.
#[test]
fn attack_bar_10_empty_digest_algorithms_and_unsupported_digest_are_clean_errors() {
    let opts = options();
    let mut sd = alice_signed_data();
    sd.digest_algorithms = Default::default();
    let der = encode_signed_data(&sd);
    let m = multipart_signed(ENTITY, &der);
    let r = std::panic::catch_unwind(|| verify(&m, &opts)).expect("no panic");
    match r {
        Err(VerifyError::Parse(e)) => {
            assert!(e.to_string().contains("digestAlgorithms"), "{e}")
        }
        other => panic!("an empty digestAlgorithms: {other:?}"),
    }
    // The same structure as an opaque signature.
    let opaque = {
        let mut sd = alice_signed_data();
        sd.digest_algorithms = Default::default();
        sd.encap_content_info.econtent =
            Some(der::Any::new(der::Tag::OctetString, ENTITY.to_vec()).expect("octet string"));
        encode_signed_data(&sd)
    };
    let r = std::panic::catch_unwind(|| verify(&opaque, &opts)).expect("no panic");
    assert!(matches!(r, Err(VerifyError::Parse(_))), "{r:?}");

    let unknown = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.9.9");
    let mut sd = alice_signed_data();
    let alg = spki::AlgorithmIdentifierOwned {
        oid: unknown,
        parameters: None,
    };
    sd.digest_algorithms = der::asn1::SetOfVec::try_from(vec![alg.clone()]).expect("set");
    let mut si = sd.signer_infos.0.as_slice()[0].clone();
    si.digest_alg = alg;
    sd.signer_infos = cms::signed_data::SignerInfos::try_from(vec![si]).expect("signer infos");
    let m = multipart_signed(ENTITY, &encode_signed_data(&sd));
    let r = std::panic::catch_unwind(|| verify(&m, &opts)).expect("no panic");
    match r {
        Err(e) => assert!(matches!(e, VerifyError::Parse(_)), "{e:?}"),
        Ok(r) => {
            assert_ne!(r.verdict(), Verdict::Trusted);
            assert!(
                r.signers[0].signature.failed() || r.signers[0].algorithm.failed(),
                "{:#?}",
                r.signers[0]
            );
        }
    }
}

/// Item 11, MD5: an MD5 signature is never trusted: flagged as a weak digest (or refused as
/// unsupported), whatever the rest of the checks say.
#[test]
fn attack_bar_11_md5_signature_is_flagged_weak() {
    let f = fixture();
    let der = openssl_sign(&f.weak, ENTITY, &["-md", "md5", "-outform", "DER"]);
    let r = check(&multipart_signed(ENTITY, &der));
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert!(
        matches!(
            &r.signers[0].algorithm,
            Check::Failed(AlgorithmProblem::WeakDigest { name }) if name.contains("MD5")
        ) || r.signers[0].signature.failed(),
        "{:#?}",
        r.signers[0]
    );
}

/// Item 9, a self-signed signer: a signature by a self-signed certificate (with an e-mail
/// address, emailProtection and digitalSignature, all otherwise right) is untrusted, and the
/// chain check says why.
#[test]
fn attack_bar_09_self_signed_signer_is_untrusted_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    openssl(
        &[
            "req",
            "-x509",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=alice",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "self.key.pem",
            "-out",
            "self.crt.pem",
            "-addext",
            "subjectAltName=email:alice@example.com",
            "-addext",
            "keyUsage=digitalSignature",
            "-addext",
            "extendedKeyUsage=emailProtection",
        ],
        dir.path(),
    );
    std::fs::write(dir.path().join("content.txt"), ENTITY).expect("write");
    openssl(
        &[
            "cms",
            "-sign",
            "-binary",
            "-in",
            "content.txt",
            "-signer",
            "self.crt.pem",
            "-inkey",
            "self.key.pem",
            "-outform",
            "DER",
            "-out",
            "signed.der",
        ],
        dir.path(),
    );
    let der = std::fs::read(dir.path().join("signed.der")).expect("read");
    let mut m = b"From: alice@example.com\r\n".to_vec();
    m.extend_from_slice(&multipart_signed(ENTITY, &der));
    let r = check(&m);
    assert_eq!(r.verdict(), Verdict::Untrusted, "{:#?}", r.signers);
    assert!(r.signers[0].signature.passed());
    match &r.signers[0].chain {
        Check::Failed(why) => assert!(!why.to_string().is_empty()),
        other => panic!("{other:?}"),
    }
}

/// Item 7: a signer without signed attributes whose content is a DER SET OF Attribute (alice's
/// real signed attributes, re-used with her signature value as a signature over "content")
/// is `SignatureFailure::ContentIsSignedAttributes`, never a valid signature.
#[test]
fn attack_bar_07_signer_without_signed_attributes_over_signed_attributes_is_refused() {
    use der::Encode;
    let mut sd = alice_signed_data();
    let mut si = sd.signer_infos.0.as_slice()[0].clone();
    let attrs = si.signed_attrs.take().expect("signed attributes");
    let attrs_der = attrs.to_der().expect("encode attributes");
    sd.encap_content_info = cms::signed_data::EncapsulatedContentInfo {
        econtent_type: const_oid::db::rfc5911::ID_DATA,
        econtent: Some(der::Any::new(der::Tag::OctetString, attrs_der).expect("octet string")),
    };
    sd.signer_infos = cms::signed_data::SignerInfos::try_from(vec![si]).expect("signer infos");
    let forged = encode_signed_data(&sd);
    let opts = VerifyOptions {
        address: AddressPolicy::Expect("alice@example.com".into()),
        ..options()
    };
    let r = verify(&forged, &opts).expect("verify runs");
    assert_eq!(
        r.signers[0].signature,
        Check::Failed(SignatureFailure::ContentIsSignedAttributes)
    );
    assert_eq!(r.verdict(), Verdict::SignatureInvalid);
}
