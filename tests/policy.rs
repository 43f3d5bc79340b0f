//! The Policy decides what is acceptable, in one place: digests and key sizes, RSASSA-PSS,
//! CBC content, the validation time (and the report's "valid at the claimed signing time"),
//! weakening settings reported, and one rule for "may receive encrypted mail" shared by
//! `encrypt` and the keyring.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::ContentCipher;
use smime::DigestAlgorithm;
use smime::Identity;
use smime::decrypt::{decrypt, open};
use smime::encrypt::{EncryptOptions, check_recipient, encrypt};
use smime::keyring::{Keyring, Readiness, Source, Unusable};
use smime::keys::SoftwareKey;
use smime::policy::{Policy, ValidationTime};
use smime::sign::{SignOptions, sign};
use smime::verify::{AddressPolicy, AlgorithmProblem, Check, Verdict, VerifyOptions, verify};
use smime::{DecryptError, EncryptError};

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: policy\r\n\
Content-Type: text/plain\r\n\r\nHello under a policy.\r\n";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn key_of(cert: &Cert) -> Identity {
    Identity::new(
        Arc::new(SoftwareKey::from_bytes(&cert.key_pem).expect("key")),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("identity")
}

fn signer_of(cert: &Cert) -> Identity {
    Identity::new(
        Arc::new(SoftwareKey::from_bytes(&cert.key_pem).expect("key")),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("signer")
}

fn options(pki: &TestPki, policy: Policy) -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![pki.root.certificate()],
        certificates: vec![pki.intermediate.certificate()],
        policy,
        ..VerifyOptions::default()
    }
}

/// Options for a message OpenSSL signed whole (its From is inside the signed part).
fn openssl_options(pki: &TestPki, policy: Policy) -> VerifyOptions {
    VerifyOptions {
        address: AddressPolicy::Expect("alice@example.com".into()),
        ..options(pki, policy)
    }
}

fn openssl_sign(pki: &TestPki, cert: &Cert, extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("msg.eml"), MESSAGE).expect("write");
    let (c, k, chain) = (s(&cert.cert_path), s(&cert.key_path), s(&pki.chain_path()));
    let mut args = vec![
        "cms",
        "-sign",
        "-in",
        "msg.eml",
        "-out",
        "signed.eml",
        "-signer",
        &c,
        "-inkey",
        &k,
        "-certfile",
        &chain,
    ];
    args.extend_from_slice(extra);
    openssl(&args, dir.path());
    std::fs::read(dir.path().join("signed.eml")).expect("read")
}

/// Item 3, second clause: the strict policy refuses CBC messages and accepts GCM ones.
#[test]
fn attack_bar_03_strict_policy_refuses_cbc_content_and_accepts_gcm() {
    let pki = TestPki::new();
    let bob = pki.leaf(
        "bob",
        &LeafSpec {
            emails: &["bob@example.com"],
            ..LeafSpec::default()
        },
    );
    let cbc = encrypt(
        MESSAGE,
        &[bob.certificate()],
        &EncryptOptions {
            cipher: ContentCipher::Aes256Cbc,
            ..EncryptOptions::default()
        },
    )
    .expect("encrypt CBC");
    let keys = [key_of(&bob)];
    // The default policy reads CBC and says it was not integrity-protected.
    let d = decrypt(&cbc, &keys, &Policy::default()).expect("default reads CBC");
    assert!(!d.integrity_protected);
    // A strict policy refuses it, before any key is used, with its own code.
    let e = decrypt(&cbc, &keys, &Policy::strict()).expect_err("strict refuses CBC");
    assert!(matches!(e, DecryptError::NotAccepted { .. }), "{e}");
    assert_eq!(e.code(), 706);
    assert!(e.to_string().contains("integrity"), "{e}");
    // open() follows the policy of its options.
    let e = open(&cbc, &keys, &options(&pki, Policy::strict())).expect_err("open refuses CBC");
    assert!(matches!(e, DecryptError::NotAccepted { .. }), "{e}");
    // GCM is fine under the strict policy.
    let gcm =
        encrypt(MESSAGE, &[bob.certificate()], &EncryptOptions::default()).expect("encrypt GCM");
    let d = decrypt(&gcm, &keys, &Policy::strict()).expect("strict reads GCM");
    assert!(d.integrity_protected);
    // And a strict sender does not write CBC either.
    let e = encrypt(
        MESSAGE,
        &[bob.certificate()],
        &EncryptOptions {
            cipher: ContentCipher::Aes128Cbc,
            policy: Policy::strict(),
            ..EncryptOptions::default()
        },
    )
    .expect_err("strict does not write CBC");
    assert!(matches!(e, EncryptError::NotAccepted { .. }), "{e}");
}

/// Item 11: SHA-1 is flagged weak, and the policy decides.
#[test]
fn attack_bar_11_sha1_signatures_are_weak_unless_the_policy_accepts_sha1() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let signed = openssl_sign(&pki, &alice, &["-md", "sha1"]);
    let r = verify(&signed, &openssl_options(&pki, Policy::default())).expect("verify");
    assert_eq!(r.verdict(), Verdict::WeakAlgorithm, "{:#?}", r.signers);
    assert!(matches!(
        r.signers[0].algorithm,
        Check::Failed(AlgorithmProblem::WeakDigest { name: "SHA-1" })
    ));
    let mut old_mail = Policy::default();
    old_mail.accepted_digests.push(DigestAlgorithm::Sha1);
    let r = verify(&signed, &openssl_options(&pki, old_mail)).expect("verify");
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
}

/// Item 11: RSA below the minimum is flagged weak, and the policy sets the minimum.
#[test]
fn attack_bar_11_the_rsa_minimum_comes_from_the_policy() {
    let pki = TestPki::new();
    let small = pki.leaf(
        "small",
        &LeafSpec {
            key: KeyKind::Rsa1024,
            ..LeafSpec::default()
        },
    );
    let signed = openssl_sign(&pki, &small, &[]);
    let r = verify(&signed, &openssl_options(&pki, Policy::default())).expect("verify");
    assert_eq!(r.verdict(), Verdict::WeakAlgorithm);
    assert_eq!(
        r.signers[0].algorithm,
        Check::Failed(AlgorithmProblem::WeakKey {
            bits: 1024,
            minimum: 2048
        })
    );
    let mut lenient = Policy::default();
    lenient.min_rsa_bits = 1024;
    let r = verify(&signed, &openssl_options(&pki, lenient.clone())).expect("verify");
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    // The same minimum decides whether the certificate may receive encrypted mail.
    let e =
        check_recipient(&small.certificate(), &EncryptOptions::default()).expect_err("too small");
    assert!(e.to_string().contains("1024-bit"), "{e}");
    check_recipient(
        &small.certificate(),
        &EncryptOptions {
            policy: lenient,
            ..EncryptOptions::default()
        },
    )
    .expect("accepted at 1024 bits");
}

#[test]
fn rsa_pss_can_be_turned_off() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let signed = sign(
        MESSAGE,
        &[signer_of(&alice)],
        &SignOptions {
            pss: true,
            ..SignOptions::default()
        },
    )
    .expect("sign");
    let r = verify(&signed, &options(&pki, Policy::default())).expect("verify");
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    let mut no_pss = Policy::default();
    no_pss.accept_rsa_pss = false;
    let r = verify(&signed, &options(&pki, no_pss)).expect("verify");
    assert_eq!(r.verdict(), Verdict::WeakAlgorithm);
    assert!(matches!(
        r.signers[0].algorithm,
        Check::Failed(AlgorithmProblem::NotAccepted { .. })
    ));
}

#[test]
fn validation_time_and_the_claimed_signing_time() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let year = Duration::from_secs(365 * 24 * 3600);
    let signed = sign(MESSAGE, &[signer_of(&alice)], &SignOptions::default()).expect("sign");
    // Now: valid, and valid at the claimed signing time (now).
    let r = verify(&signed, &options(&pki, Policy::default())).expect("verify");
    assert_eq!(r.verdict(), Verdict::Trusted);
    assert_eq!(r.signers[0].valid_at_signing_time, Some(true));
    // Judged twenty years on, the certificates have expired.
    let later = SystemTime::now() + 20 * year;
    let r = verify(&signed, &options(&pki, Policy::default().with_time(later))).expect("verify");
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert!(r.signers[0].validity.failed());
    assert_eq!(r.signers[0].validation_time, later);
    // Still reported as valid when it was signed.
    assert_eq!(r.signers[0].valid_at_signing_time, Some(true));

    // A message claiming to be signed twenty years from now: the report says the certificate
    // was not valid then and flags the claim as in the future; under
    // ValidationTime::SigningTime a future claim is never the validation time (a forged date
    // would choose the time the certificate is judged at), so it is judged now.
    let claimed = SystemTime::now() + 20 * year;
    let signed = sign(
        MESSAGE,
        &[signer_of(&alice)],
        &SignOptions {
            signing_time: Some(claimed),
            ..SignOptions::default()
        },
    )
    .expect("sign");
    let r = verify(&signed, &options(&pki, Policy::default())).expect("verify");
    assert_eq!(r.verdict(), Verdict::Trusted, "judged now");
    assert_eq!(r.signers[0].valid_at_signing_time, Some(false));
    let mut archive = Policy::default();
    archive.time = ValidationTime::SigningTime;
    assert!(r.signers[0].signing_time_in_future);
    let before = SystemTime::now();
    let r = verify(&signed, &options(&pki, archive)).expect("verify");
    assert!(r.signers[0].signing_time_in_future);
    let t = r.signers[0].validation_time;
    assert!(
        t >= before - Duration::from_secs(2) && t <= SystemTime::now() + Duration::from_secs(2),
        "a future claim is not the validation time"
    );
    assert_eq!(r.verdict(), Verdict::Trusted, "judged now");
    // A claim in the past is the validation time under SigningTime.
    let past = SystemTime::now() - Duration::from_secs(3600);
    let signed = sign(
        MESSAGE,
        &[signer_of(&alice)],
        &SignOptions {
            signing_time: Some(past),
            ..SignOptions::default()
        },
    )
    .expect("sign");
    let mut archive = Policy::default();
    archive.time = ValidationTime::SigningTime;
    let r = verify(&signed, &options(&pki, archive)).expect("verify");
    assert!(!r.signers[0].signing_time_in_future);
    let t = r.signers[0].validation_time;
    let diff = t.duration_since(past).unwrap_or_else(|e| e.duration());
    assert!(diff < Duration::from_secs(2), "judged at the signing time");
}

#[test]
fn weakening_settings_are_named_in_the_report() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let signed = sign(MESSAGE, &[signer_of(&alice)], &SignOptions::default()).expect("sign");
    let r = verify(&signed, &options(&pki, Policy::default())).expect("verify");
    assert!(r.weakened_by.is_empty());
    let mut p = Policy::default();
    p.danger()
        .skip_address_check(true)
        .pinned_certificate_is_path(true);
    let r = verify(&signed, &options(&pki, p)).expect("verify");
    assert_eq!(
        r.weakened_by,
        vec![
            "address check skipped",
            "a pinned certificate counts as its own path"
        ]
    );
    assert!(r.address_check_skipped);
}

/// `encrypt` and the keyring judge "may receive encrypted mail" by one rule.
#[test]
fn encrypt_and_the_keyring_apply_one_recipient_rule() {
    let pki = TestPki::new();
    let specs: Vec<(&str, LeafSpec<'_>)> = vec![
        (
            "good-rsa",
            LeafSpec {
                emails: &["good-rsa@example.com"],
                ..LeafSpec::default()
            },
        ),
        (
            "good-ec",
            LeafSpec {
                emails: &["good-ec@example.com"],
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,keyAgreement"),
                ..LeafSpec::default()
            },
        ),
        (
            "sign-only",
            LeafSpec {
                emails: &["sign-only@example.com"],
                key_usage: Some("digitalSignature"),
                ..LeafSpec::default()
            },
        ),
        (
            "ec-no-agreement",
            LeafSpec {
                emails: &["ec-no-agreement@example.com"],
                key: KeyKind::P256,
                key_usage: Some("digitalSignature"),
                ..LeafSpec::default()
            },
        ),
        (
            "tls-only",
            LeafSpec {
                emails: &["tls-only@example.com"],
                eku: Some("clientAuth"),
                ..LeafSpec::default()
            },
        ),
        (
            "expired",
            LeafSpec {
                emails: &["expired@example.com"],
                expired: true,
                ..LeafSpec::default()
            },
        ),
        (
            "small",
            LeafSpec {
                emails: &["small@example.com"],
                key: KeyKind::Rsa1024,
                ..LeafSpec::default()
            },
        ),
    ];
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&pki.root.certificate())
        .expect("anchor");
    ring.add_intermediate(&pki.intermediate.certificate())
        .expect("intermediate");
    let mut certs = Vec::new();
    for (name, spec) in &specs {
        let c = pki.leaf(name, spec);
        ring.add_contact(&c.certificate(), Source::Manual, SystemTime::now())
            .expect("contact");
        certs.push((format!("{name}@example.com"), c));
    }
    let policy = Policy::default();
    for (address, cert) in &certs {
        let by_encrypt = check_recipient(&cert.certificate(), &EncryptOptions::default());
        let readiness = ring.recipient_readiness(&[address.as_str()], &policy);
        let by_keyring = readiness[0].is_ready();
        assert_eq!(
            by_encrypt.is_ok(),
            by_keyring,
            "{address}: encrypt says {by_encrypt:?}, the keyring says {:?}",
            readiness[0].readiness
        );
        let expected = address.starts_with("good-");
        assert_eq!(by_keyring, expected, "{address}: {:?}", readiness[0]);
    }
    // The keyring names the policy's reason.
    let r = ring.recipient_readiness(&["small@example.com"], &policy);
    match &r[0].readiness {
        Readiness::Unusable { rejected } => assert_eq!(
            rejected[0].reason,
            Unusable::WeakKey {
                bits: 1024,
                minimum: 2048
            }
        ),
        other => panic!("small key accepted: {other:?}"),
    }
    // Time is part of the policy: twenty years on, nobody is ready.
    let later = SystemTime::now() + Duration::from_secs(20 * 365 * 24 * 3600);
    let r = ring.recipient_readiness(
        &["good-rsa@example.com"],
        &Policy::default().with_time(later),
    );
    assert!(
        matches!(&r[0].readiness, Readiness::Unusable { rejected }
            if matches!(rejected[0].reason, Unusable::Expired { .. })),
        "{r:?}"
    );
}

/// A certificate whose key cannot receive encrypted mail (Ed25519) is refused by both
/// `encrypt` and the keyring, and the keyring says why.
#[test]
fn a_key_that_cannot_receive_mail_is_named_by_both() {
    let pki = TestPki::new();
    let dir = pki.dir.path();
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", "ed.key"], dir);
    openssl(
        &[
            "req", "-new", "-key", "ed.key", "-subj", "/CN=ed", "-out", "ed.csr",
        ],
        dir,
    );
    std::fs::write(
        dir.join("ed.ext"),
        "subjectAltName = email:ed@example.com\nextendedKeyUsage = emailProtection\n",
    )
    .expect("write extensions");
    let (ca, ca_key) = (
        s(&pki.intermediate.cert_path),
        s(&pki.intermediate.key_path),
    );
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "ed.csr",
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            "77",
            "-days",
            "30",
            "-extfile",
            "ed.ext",
            "-outform",
            "DER",
            "-out",
            "ed.der",
        ],
        dir,
    );
    let der = std::fs::read(dir.join("ed.der")).expect("read");
    let cert = smime::Certificate::from_der(&der).expect("an Ed25519 certificate parses");
    let e = check_recipient(&cert, &EncryptOptions::default()).expect_err("refused");
    assert!(
        e.to_string().contains("cannot receive encrypted mail"),
        "{e}"
    );
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&pki.root.certificate())
        .expect("anchor");
    ring.add_intermediate(&pki.intermediate.certificate())
        .expect("intermediate");
    ring.add_contact(&cert, Source::Manual, SystemTime::now())
        .expect("contact");
    let r = ring.recipient_readiness(&["ed@example.com"], &Policy::default());
    match &r[0].readiness {
        Readiness::Unusable { rejected } => assert!(
            matches!(&rejected[0].reason, Unusable::UnsupportedKey { .. }),
            "{:?}",
            rejected[0].reason
        ),
        other => panic!("an Ed25519 certificate is ready: {other:?}"),
    }
}
