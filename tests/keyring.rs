//! The keyring against real peers: identities from PKCS#12 files made by OpenSSL and NSS,
//! renewal with the old key still opening old mail, recipient readiness with every reason,
//! learning certificates and capabilities only from verified signed mail (OpenSSL's and ours),
//! the cipher that follows from them, and lookups by address, issuer+serial and SKI.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::ContentCipher;
use smime::keyring::{
    CipherReason, Fingerprint, Found, Keyring, KeyringError, Readiness, Source, Unusable,
};
use smime::sign::{SignOptions, sign};
use smime::validate::{ChainFailure, RevocationStatus};
use smime::verify::{AddressPolicy, Verdict};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

const PW: &str = "p12 pass";

struct Fixture {
    pki: TestPki,
    /// alice: dual-use RSA certificate.
    alice: Cert,
    /// alice's expired (renewed) encryption certificate.
    alice_old: Cert,
    /// alice's separate signing (P-256) and encryption (RSA) certificates.
    alice_sign: Cert,
    alice_enc: Cert,
    bob: Cert,
    carol_expired: Cert,
    dave_revoked: Cert,
    frank_sign_only: Cert,
    /// erin, issued by an unrelated root.
    erin: Cert,
    _other: TestPki,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf("alice", &LeafSpec::default());
        let alice_old = pki.leaf(
            "alice-old",
            &LeafSpec {
                expired: true,
                ..LeafSpec::default()
            },
        );
        let alice_sign = pki.leaf(
            "alice-sign",
            &LeafSpec {
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,nonRepudiation"),
                ..LeafSpec::default()
            },
        );
        let alice_enc = pki.leaf(
            "alice-enc",
            &LeafSpec {
                key_usage: Some("keyEncipherment"),
                ..LeafSpec::default()
            },
        );
        let bob = pki.leaf(
            "bob",
            &LeafSpec {
                emails: &["bob@example.com"],
                ..LeafSpec::default()
            },
        );
        let carol_expired = pki.leaf(
            "carol",
            &LeafSpec {
                emails: &["carol@example.com"],
                expired: true,
                ..LeafSpec::default()
            },
        );
        let dave_revoked = pki.leaf(
            "dave",
            &LeafSpec {
                emails: &["dave@example.com"],
                ..LeafSpec::default()
            },
        );
        pki.revoke(&dave_revoked);
        let frank_sign_only = pki.leaf(
            "frank",
            &LeafSpec {
                emails: &["frank@example.com"],
                key_usage: Some("digitalSignature"),
                ..LeafSpec::default()
            },
        );
        // erin's certificate comes from another PKI.
        let other = TestPki::new();
        let erin = other.leaf(
            "erin",
            &LeafSpec {
                emails: &["erin@example.com"],
                ..LeafSpec::default()
            },
        );
        Fixture {
            pki,
            alice,
            alice_old,
            alice_sign,
            alice_enc,
            bob,
            carol_expired,
            dave_revoked,
            frank_sign_only,
            erin,
            _other: other,
        }
    })
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `openssl pkcs12 -export` of a leaf with the intermediate as chain.
fn openssl_p12(cert: &Cert, legacy: bool) -> Vec<u8> {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("id.p12");
    let mut args = vec![
        "pkcs12".to_string(),
        "-export".into(),
        "-inkey".into(),
        s(&cert.key_path),
        "-in".into(),
        s(&cert.cert_path),
        "-certfile".into(),
        s(&f.pki.chain_path()),
        "-name".into(),
        "my identity".into(),
        "-passout".into(),
        format!("pass:{PW}"),
        "-out".into(),
        s(&out),
    ];
    if legacy {
        args.push("-legacy".into());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    openssl(&refs, dir.path());
    std::fs::read(out).unwrap()
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install libnss3-tools"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same identity, imported into an NSS database and exported again by `pk12util`.
fn nss_p12(cert: &Cert) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.p12"), openssl_p12(cert, false)).unwrap();
    std::fs::create_dir(d.join("db")).unwrap();
    run(d, "certutil", &["-N", "-d", "sql:db", "--empty-password"]);
    run(d, "pk12util", &["-i", "in.p12", "-d", "sql:db", "-W", PW]);
    run(
        d,
        "pk12util",
        &[
            "-o",
            "out.p12",
            "-n",
            "my identity",
            "-d",
            "sql:db",
            "-W",
            PW,
        ],
    );
    std::fs::read(d.join("out.p12")).unwrap()
}

/// A keyring trusting the fixture's root, with `who` imported from OpenSSL PKCS#12 files.
fn ring_with(who: &[&Cert]) -> Keyring {
    let f = fixture();
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&f.pki.root.certificate()).unwrap();
    for c in who {
        ring.import_pkcs12(&openssl_p12(c, false), PW).unwrap();
    }
    ring
}

/// `openssl cms -sign` of a small text message from alice (detached, S/MIME output).
fn openssl_signed(cert: &Cert, extra: &[&str]) -> Vec<u8> {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("in.txt"),
        b"Content-Type: text/plain\r\n\r\nhello\r\n",
    )
    .unwrap();
    let chain = s(&f.pki.chain_path());
    let cert_path = s(&cert.cert_path);
    let key_path = s(&cert.key_path);
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-in",
        "in.txt",
        "-signer",
        &cert_path,
        "-inkey",
        &key_path,
        "-certfile",
        &chain,
        "-from",
        "alice@example.com",
        "-to",
        "bob@example.com",
        "-subject",
        "hi",
        "-out",
        "signed.eml",
    ];
    args.extend_from_slice(extra);
    openssl(&args, dir.path());
    std::fs::read(dir.path().join("signed.eml")).unwrap()
}

#[test]
fn pkcs12_from_openssl_and_nss_become_usable_identities() {
    let f = fixture();
    let files = [
        ("openssl default", openssl_p12(&f.alice, false)),
        ("openssl -legacy", openssl_p12(&f.alice, true)),
        ("NSS pk12util", nss_p12(&f.alice)),
    ];
    for (what, p12) in files {
        let mut ring = Keyring::new();
        ring.add_trust_anchor(&f.pki.root.certificate()).unwrap();
        let imported = ring.import_pkcs12(&p12, PW).unwrap();
        assert_eq!(imported.identities.len(), 1, "{what}");
        assert_eq!(
            imported.identities[0],
            Fingerprint::of(&f.alice.der),
            "{what}"
        );
        // The intermediate of the file joins the chain-building collection, never the anchors.
        assert!(
            ring.intermediates()
                .iter()
                .any(|i| i.der() == f.pki.intermediate.der),
            "{what}"
        );
        assert_eq!(ring.trust_anchors().len(), 1, "{what}");
        let id = ring.identities().next().unwrap();
        assert!(
            id.certificate().roles().signing && id.certificate().roles().encryption,
            "{what}"
        );
        assert_eq!(id.label(), Some("my identity"), "{what}");

        // Sign through the keyring; OpenSSL and the keyring both verify it.
        let signer = ring
            .signer_for("alice@example.com", &smime::policy::Policy::default())
            .unwrap();
        let msg = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: s\r\n\
Content-Type: text/plain\r\n\r\nsigned via the keyring\r\n";
        let signed = sign(msg, &[signer], &SignOptions::default()).unwrap();
        let report = ring
            .verify(
                &signed,
                &ring.verify_options(AddressPolicy::FromHeader, &smime::policy::Policy::default()),
            )
            .unwrap();
        assert_eq!(report.verdict(), Verdict::Trusted, "{what}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.eml"), &signed).unwrap();
        openssl(
            &[
                "cms",
                "-verify",
                "-in",
                "m.eml",
                "-CAfile",
                &s(&f.pki.root_path()),
                "-out",
                "content.txt",
            ],
            dir.path(),
        );

        // Wrong password: its own error, nothing added.
        let mut other = Keyring::new();
        let err = other
            .import_pkcs12(&openssl_p12(&f.alice, false), "wrong")
            .unwrap_err();
        assert!(
            matches!(
                err,
                KeyringError::Pkcs12(smime::pkcs12::Pkcs12Error::WrongPassword)
            ),
            "{err:?}"
        );
        assert_eq!(other.identities().count(), 0);

        // Export and import again.
        let exported = ring
            .export_pkcs12(&imported.identities[0], "again")
            .unwrap();
        let mut back = Keyring::new();
        back.import_pkcs12(&exported, "again").unwrap();
        assert_eq!(back.identities().count(), 1);
    }
}

#[test]
fn renewal_keeps_old_mail_readable_and_new_mail_goes_to_the_new_certificate() {
    let f = fixture();
    let ring = ring_with(&[&f.alice_old, &f.alice]);
    assert_eq!(ring.identities().count(), 2);

    // OpenSSL encrypts to the old (now expired) certificate, as a peer did years ago.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("in.txt"),
        b"Content-Type: text/plain\r\n\r\nold mail\r\n",
    )
    .unwrap();
    openssl(
        &[
            "cms",
            "-encrypt",
            "-aes256",
            "-in",
            "in.txt",
            "-out",
            "old.eml",
            &s(&f.alice_old.cert_path),
        ],
        dir.path(),
    );
    let old = std::fs::read(dir.path().join("old.eml")).unwrap();
    let opened = ring
        .decrypt(&old, &smime::policy::Policy::default())
        .unwrap();
    assert!(opened.content.ends_with(b"old mail\r\n"));
    assert_eq!(opened.certificate, f.alice_old.der);

    // New mail to alice (also from alice herself) goes to the current certificate.
    let ready = ring.recipient_readiness(&["alice@example.com"], &smime::policy::Policy::default());
    assert_eq!(ready[0].certificate(), Some(&f.alice.certificate()));
    let own = ring
        .own_encryption_certificate("alice@example.com", &smime::policy::Policy::default())
        .unwrap();
    assert_eq!(own.certificate(), f.alice.der.as_slice());
    // Signing uses the valid certificate, never the expired one.
    let signer = ring
        .signer_for("alice@example.com", &smime::policy::Policy::default())
        .unwrap();
    assert_eq!(signer.certificate(), f.alice.der.as_slice());

    // Removing the old identity loses the old mail: the history is what keeps it readable.
    let mut ring = ring;
    assert!(ring.remove(&Fingerprint::of(&f.alice_old.der)));
    assert!(
        ring.decrypt(&old, &smime::policy::Policy::default())
            .is_err()
    );
}

#[test]
fn readiness_gives_each_recipient_a_certificate_or_the_reason() {
    let f = fixture();
    let mut ring = ring_with(&[]);
    ring.add_intermediate(&f.pki.intermediate.certificate())
        .unwrap();
    let now = SystemTime::now();
    for c in [
        &f.bob,
        &f.carol_expired,
        &f.dave_revoked,
        &f.frank_sign_only,
        &f.erin,
    ] {
        ring.add_contact(&c.certificate(), Source::Directory, now)
            .unwrap();
    }
    let addrs = [
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
        "erin@example.com",
        "frank@example.com",
        "gina@example.com",
    ];

    // Without CRLs, dave is not known to be revoked: revocation is "unknown" (soft-fail)...
    let r = ring.recipient_readiness(&addrs, &smime::policy::Policy::default());
    assert!(matches!(
        r[0].readiness,
        Readiness::Ready {
            revocation: RevocationStatus::Unknown,
            ..
        }
    ));
    // ...and "not checked" when revocation checking is off.
    let mut off = smime::policy::Policy::default();
    off.revocation = smime::policy::RevocationMode::Off;
    let r0 = ring.recipient_readiness(&addrs[..1], &off);
    assert!(matches!(
        r0[0].readiness,
        Readiness::Ready {
            revocation: RevocationStatus::NotChecked,
            ..
        }
    ));
    assert!(r[2].is_ready());

    // With only the root's CRL, bob's issuer has none: "no CRL available", not "good".
    ring.add_crl(&f.pki.root_crl()).unwrap();
    let r = ring.recipient_readiness(&addrs, &smime::policy::Policy::default());
    assert!(
        matches!(
            r[0].readiness,
            Readiness::Ready {
                revocation: RevocationStatus::Unknown,
                ..
            }
        ),
        "{:?}",
        r[0]
    );

    ring.add_crl(&f.pki.intermediate_crl()).unwrap();
    let r = ring.recipient_readiness(&addrs, &smime::policy::Policy::default());
    assert!(
        matches!(
            &r[0].readiness,
            Readiness::Ready { certificate, revocation: RevocationStatus::Good, .. }
                if *certificate == f.bob.der
        ),
        "{:?}",
        r[0]
    );
    let reason = |i: usize| match &r[i].readiness {
        Readiness::Unusable { rejected } => rejected[0].reason.clone(),
        other => panic!("{}: {other:?}", addrs[i]),
    };
    assert!(matches!(reason(1), Unusable::Expired { .. }));
    assert_eq!(reason(2), Unusable::Revoked);
    assert!(matches!(
        reason(3),
        Unusable::Untrusted(ChainFailure::UnknownIssuer)
    ));
    assert_eq!(reason(4), Unusable::WrongKeyUsage);
    assert_eq!(r[5].readiness, Readiness::NoCertificate);

    // Encryption refuses, naming every recipient that is not ready and why.
    let err = ring
        .encryption_certificates_for(&addrs, &smime::policy::Policy::default())
        .unwrap_err();
    let KeyringError::RecipientsNotReady { recipients } = &err else {
        panic!("{err:?}")
    };
    let named: Vec<&str> = recipients.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(named, &addrs[1..]);
    let text = err.to_string();
    for (addr, why) in [
        ("carol@example.com", "expired"),
        ("dave@example.com", "revoked"),
        ("erin@example.com", "untrusted"),
        ("frank@example.com", "key usage"),
        ("gina@example.com", "no certificate"),
    ] {
        assert!(
            text.contains(addr) && text.contains(why),
            "{addr}/{why}: {text}"
        );
    }
    assert!(!text.contains("bob@example.com"));
    assert_eq!(
        ring.encryption_certificates_for(&["bob@example.com"], &smime::policy::Policy::default())
            .unwrap(),
        vec![f.bob.certificate()]
    );
    let missing = ring.recipients_without_certificate(&addrs, &smime::policy::Policy::default());
    assert_eq!(missing.len(), 5);
}

#[test]
fn learning_from_openssl_mail_picks_cbc_and_from_ours_gcm() {
    let f = fixture();
    // Bob's keyring; alice writes to him.
    let mut bob = ring_with(&[&f.bob]);
    let signed = openssl_signed(&f.alice, &[]);
    let report = bob
        .verify(
            &signed,
            &bob.verify_options(AddressPolicy::FromHeader, &smime::policy::Policy::default()),
        )
        .unwrap();
    assert_eq!(report.verdict(), Verdict::Trusted);
    let h = bob.harvest(&report, SystemTime::now());
    let alice_fp = Fingerprint::of(&f.alice.der);
    assert_eq!(h.added, vec![alice_fp]);
    assert_eq!(h.capabilities_learned, vec![alice_fp]);
    // A dual-use certificate without encryptionKeyPreference is its own preference.
    assert_eq!(h.preferred, vec![alice_fp]);
    let contact = bob.contact(&alice_fp).unwrap();
    assert_eq!(contact.source(), Source::SignedMail);

    // OpenSSL 3 advertises AES-CBC but not AES-GCM: the best common CBC cipher.
    let to = bob
        .encryption_certificates_for(&["alice@example.com"], &smime::policy::Policy::default())
        .unwrap();
    let choice = bob.choose_cipher(&to);
    assert_eq!(choice.cipher, ContentCipher::Aes256Cbc);
    assert!(matches!(choice.reason, CipherReason::CommonCbc { .. }));
    // And OpenSSL opens what is sent with it.
    let sealed = smime::encrypt::encrypt(
        b"Content-Type: text/plain\r\n\r\nfor alice\r\n",
        &to,
        &smime::encrypt::EncryptOptions {
            cipher: choice.cipher,
            ..Default::default()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.eml"), &sealed).unwrap();
    openssl(
        &[
            "cms",
            "-decrypt",
            "-in",
            "m.eml",
            "-recip",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-out",
            "out.txt",
        ],
        dir.path(),
    );
    assert!(
        std::fs::read(dir.path().join("out.txt"))
            .unwrap()
            .ends_with(b"for alice\r\n")
    );

    // Mail signed by this library advertises AES-GCM: from then on, GCM.
    let alice = ring_with(&[&f.alice]);
    let ours = sign(
        b"From: alice@example.com\r\nContent-Type: text/plain\r\n\r\nhi\r\n",
        &[alice
            .signer_for("alice@example.com", &smime::policy::Policy::default())
            .unwrap()],
        &SignOptions::default(),
    )
    .unwrap();
    let report = bob
        .verify(
            &ours,
            &bob.verify_options(AddressPolicy::FromHeader, &smime::policy::Policy::default()),
        )
        .unwrap();
    assert_eq!(report.verdict(), Verdict::Trusted);
    let h = bob.harvest(&report, SystemTime::now());
    assert_eq!(h.seen_again, vec![alice_fp]);
    let choice = bob.choose_cipher(&to);
    assert_eq!(choice.cipher, ContentCipher::Aes256Gcm);
    assert_eq!(choice.reason, CipherReason::AllAdvertiseGcm);

    // Nobody's capabilities known: the RFC 8551 default.
    let fresh = ring_with(&[]);
    let choice = fresh.choose_cipher(&to);
    assert_eq!(
        (choice.cipher, choice.reason),
        (ContentCipher::Aes256Gcm, CipherReason::NothingKnown)
    );
}

/// Item 15, second clause: capabilities (and the certificate) are learned only from a
/// verified signature. A tampered message and a signature under a digest the policy refuses
/// (SHA-1) both carry alice's `SMIMECapabilities`, and nothing of them is learned; the same
/// message untampered teaches them.
#[test]
fn attack_bar_15_capabilities_are_learned_only_from_verified_signatures() {
    let f = fixture();
    let mut bob = ring_with(&[&f.bob]);
    let options = bob.verify_options(AddressPolicy::FromHeader, &smime::policy::Policy::default());
    let signed = String::from_utf8(openssl_signed(&f.alice, &[])).unwrap();
    let tampered = signed.replacen("hello", "HELLO", 1);
    assert_ne!(tampered, signed);
    let report = bob.verify(tampered.as_bytes(), &options).unwrap();
    assert_eq!(report.verdict(), Verdict::SignatureInvalid);
    assert!(report.signers[0].capabilities.is_some());
    let h = bob.harvest(&report, SystemTime::now());
    assert!(h.added.is_empty() && h.capabilities_learned.is_empty());
    assert_eq!(h.ignored.len(), 1);
    assert_eq!(bob.contacts().count(), 0);
    assert!(bob.find_by_address("alice@example.com").is_empty());

    // A valid signature under a digest the policy refuses is not a verified one either.
    let weak = openssl_signed(&f.alice, &["-md", "sha1"]);
    let report = bob.verify(&weak, &options).unwrap();
    assert_eq!(report.verdict(), Verdict::WeakAlgorithm);
    assert!(report.signers[0].signature.passed());
    assert!(report.signers[0].capabilities.is_some());
    let h = bob.harvest(&report, SystemTime::now());
    assert!(
        h.added.is_empty() && h.capabilities_learned.is_empty(),
        "{h:?}"
    );
    assert_eq!(bob.contacts().count(), 0);

    // The control: verified, so learned.
    let report = bob.verify(signed.as_bytes(), &options).unwrap();
    assert_eq!(report.verdict(), Verdict::Trusted);
    let h = bob.harvest(&report, SystemTime::now());
    assert_eq!(h.capabilities_learned, vec![Fingerprint::of(&f.alice.der)]);
}

#[test]
fn encryption_key_preference_routes_mail_to_the_encryption_certificate() {
    let f = fixture();
    // Alice has a signing-only P-256 certificate and an encryption-only RSA certificate.
    let alice = ring_with(&[&f.alice_sign, &f.alice_enc]);
    let signer = alice
        .signer_for("alice@example.com", &smime::policy::Policy::default())
        .unwrap();
    assert_eq!(signer.certificate(), f.alice_sign.der.as_slice());
    let signed = sign(
        b"From: alice@example.com\r\nContent-Type: text/plain\r\n\r\nkeys\r\n",
        &[signer],
        &SignOptions::default(),
    )
    .unwrap();

    let mut bob = ring_with(&[&f.bob]);
    let report = bob
        .verify(
            &signed,
            &bob.verify_options(AddressPolicy::FromHeader, &smime::policy::Policy::default()),
        )
        .unwrap();
    assert_eq!(report.verdict(), Verdict::Trusted);
    let h = bob.harvest(&report, SystemTime::now());
    let enc_fp = Fingerprint::of(&f.alice_enc.der);
    assert_eq!(h.preferred, vec![enc_fp]);
    assert!(h.added.contains(&enc_fp) && h.added.contains(&Fingerprint::of(&f.alice_sign.der)));
    let ready = bob.recipient_readiness(&["alice@example.com"], &smime::policy::Policy::default());
    assert_eq!(ready[0].certificate(), Some(&f.alice_enc.certificate()));
}

#[test]
fn lookups_by_address_issuer_serial_and_key_identifier() {
    let f = fixture();
    let mut ring = ring_with(&[&f.alice]);
    ring.add_contact(&f.bob.certificate(), Source::Manual, SystemTime::now())
        .unwrap();
    // Address: the domain is compared without regard to case, the local part exactly.
    assert_eq!(ring.find_by_address("bob@EXAMPLE.com").len(), 1);
    assert_eq!(ring.find_by_address(" <bob@example.com> ").len(), 1);
    assert!(ring.find_by_address("Bob@example.com").is_empty());
    assert!(matches!(
        ring.find_by_address("alice@example.com")[..],
        [Found::Identity(_)]
    ));

    use der::Decode;
    let cert = x509_cert::Certificate::from_der(&f.bob.der).unwrap();
    let tbs = cert.tbs_certificate();
    let found = ring.find_by_issuer_serial(tbs.issuer(), tbs.serial_number());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].certificate().der(), f.bob.der);
    let ski = tbs
        .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(
        ring.find_by_ski(ski.0.as_bytes())[0].certificate().der(),
        f.bob.der
    );
    assert!(ring.find_by_ski(b"nope").is_empty());

    // A message without certificates verifies with the signer certificate from the keyring.
    let signed = openssl_signed(&f.bob, &["-nocerts"]);
    let opts = ring.verify_options(AddressPolicy::FromHeader, &skip_address());
    let plain = smime::verify::verify(&signed, &opts).unwrap();
    assert_eq!(plain.verdict(), Verdict::SignatureInvalid);
    let report = ring.verify(&signed, &opts).unwrap();
    assert_eq!(report.verdict(), Verdict::Trusted);

    // Removal takes the certificate out of every index.
    assert!(ring.remove(&Fingerprint::of(&f.bob.der)));
    assert!(ring.find_by_address("bob@example.com").is_empty());
    assert!(ring.find_by_ski(ski.0.as_bytes()).is_empty());
    assert!(
        ring.find_by_issuer_serial(tbs.issuer(), tbs.serial_number())
            .is_empty()
    );
    assert!(!ring.remove(&Fingerprint::of(&f.bob.der)));
}

#[test]
fn signer_selection_explains_why_not() {
    let f = fixture();
    let ring = ring_with(&[&f.alice_old, &f.alice_enc]);
    let err = ring
        .signer_for("alice@example.com", &smime::policy::Policy::default())
        .unwrap_err();
    // alice-old may sign but has expired; alice-enc may not sign.
    assert!(
        matches!(&err, KeyringError::NoSigningIdentity { reason, .. } if reason.contains("expired")),
        "{err}"
    );
    let err = ring
        .signer_for("nobody@example.com", &smime::policy::Policy::default())
        .unwrap_err();
    assert!(
        matches!(err, KeyringError::NoSigningIdentity { .. }),
        "{err}"
    );
    let ring = ring_with(&[&f.alice_enc]);
    let err = ring
        .signer_for("alice@example.com", &smime::policy::Policy::default())
        .unwrap_err();
    assert!(err.to_string().contains("key usage"), "{err}");
}

/// An external key: the application's keystore, here a map from reference to key.
struct Keystore(Vec<(Vec<u8>, std::sync::Arc<dyn smime::keys::PrivateKey>)>);

impl smime::keyring::KeyResolver for Keystore {
    fn resolve(
        &self,
        reference: &[u8],
        _certificate: &smime::Certificate,
    ) -> Option<std::sync::Arc<dyn smime::keys::PrivateKey>> {
        self.0
            .iter()
            .find(|(r, _)| r == reference)
            .map(|(_, k)| k.clone())
    }
}

#[test]
fn a_saved_keyring_loads_with_everything_it_learned() {
    use smime::keyring::store::{SealingKey, StoreError};
    use smime::keyring::{NoExternalKeys, StoredKey};
    use smime::keys::SoftwareKey;
    use std::sync::Arc;
    let f = fixture();
    let mut ring = ring_with(&[&f.bob]);
    ring.add_crl(&f.pki.intermediate_crl()).unwrap();
    // alice's dual-use key lives in the platform keystore.
    let alice_key: Arc<dyn smime::keys::PrivateKey> =
        Arc::new(SoftwareKey::from_bytes(&f.alice.key_pem).unwrap());
    ring.add_external_identity(
        smime::Identity::new(alice_key.clone(), f.alice.certificate())
            .unwrap()
            .with_chain(vec![f.pki.intermediate.certificate()])
            .with_label("alice on this phone"),
        b"keychain:alice".to_vec(),
    )
    .unwrap();
    let report = ring
        .verify(
            &openssl_signed(&f.alice, &[]),
            &ring.verify_options(AddressPolicy::FromHeader, &skip_address()),
        )
        .unwrap();
    assert_eq!(report.verdict(), Verdict::Trusted);
    // alice's own certificate is an identity here: harvesting leaves it one.
    let h = ring.harvest(&report, SystemTime::now());
    assert!(h.added.is_empty());
    ring.add_contact(
        &f.carol_expired.certificate(),
        Source::Directory,
        SystemTime::now(),
    )
    .unwrap();
    let bob_mail = openssl_signed(&f.bob, &[]);
    let report = ring
        .verify(
            &bob_mail,
            &ring.verify_options(AddressPolicy::FromHeader, &skip_address()),
        )
        .unwrap();
    ring.harvest(&report, SystemTime::now());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.smk");
    let key = SealingKey::generate();
    ring.save(&path, &key).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let back = Keyring::load(
        &path,
        &key,
        &Keystore(vec![(b"keychain:alice".to_vec(), alice_key)]),
    )
    .unwrap();
    assert_eq!(back.to_snapshot(), ring.to_snapshot());
    assert_eq!(back.decryption_keys().len(), 2);
    assert!(
        back.signer_for("alice@example.com", &smime::policy::Policy::default())
            .is_ok()
    );
    let carol = back
        .contact(&Fingerprint::of(&f.carol_expired.der))
        .unwrap();
    assert_eq!(carol.source(), Source::Directory);
    let bob_self = back.identity(&Fingerprint::of(&f.bob.der)).unwrap();
    assert!(matches!(bob_self.stored_key(), Some(StoredKey::Pkcs8(_))));
    assert_eq!(back.crls().len(), 1);

    // Without the keystore, alice's identity loads without its key and is kept for later.
    let partial = Keyring::load(&path, &key, &NoExternalKeys).unwrap();
    assert_eq!(partial.decryption_keys().len(), 1);
    assert!(
        partial
            .signer_for("alice@example.com", &smime::policy::Policy::default())
            .is_err()
    );
    assert_eq!(partial.to_snapshot(), ring.to_snapshot());

    // A wrong key is its own error, and the file is untouched.
    let err = Keyring::load(&path, &SealingKey::generate(), &NoExternalKeys).unwrap_err();
    assert_eq!(err, KeyringError::Store(StoreError::WrongKey));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn keys_from_pem_files_encrypted_pkcs8_and_pkcs1() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = s(&f.alice.key_path);
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            &key,
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:k3y",
            "-out",
            "enc.pem",
        ],
        d,
    );
    openssl(
        &["rsa", "-in", &key, "-traditional", "-out", "pkcs1.pem"],
        d,
    );
    let mut bundle = std::fs::read(&f.alice.cert_path).unwrap();
    bundle.extend(std::fs::read(f.pki.chain_path()).unwrap());
    for (file, password) in [("enc.pem", Some("k3y")), ("pkcs1.pem", None)] {
        let mut ring = ring_with(&[]);
        let imported = ring
            .import_key_and_certificates(
                &std::fs::read(d.join(file)).unwrap(),
                password,
                &bundle,
                None,
            )
            .unwrap();
        assert_eq!(
            imported.identities,
            vec![Fingerprint::of(&f.alice.der)],
            "{file}"
        );
        assert_eq!(imported.intermediates.len(), 1, "{file}");
        assert!(
            ring.signer_for("alice@example.com", &smime::policy::Policy::default())
                .is_ok(),
            "{file}"
        );
    }
    let mut ring = Keyring::new();
    let err = ring
        .import_key_and_certificates(
            &std::fs::read(d.join("enc.pem")).unwrap(),
            Some("wrong"),
            &bundle,
            None,
        )
        .unwrap_err();
    assert_eq!(err, KeyringError::Key(smime::KeyError::WrongPassword));
    // A key with someone else's certificate.
    let err = ring
        .import_key_and_certificates(
            &std::fs::read(d.join("pkcs1.pem")).unwrap(),
            None,
            &std::fs::read(&f.bob.cert_path).unwrap(),
            None,
        )
        .unwrap_err();
    assert_eq!(err, KeyringError::Key(smime::KeyError::Mismatch));
    assert_eq!(ring.identities().count(), 0);
}

#[test]
fn certs_only_and_directory_entries_in_and_out() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A directory's userSMIMECertificate: OpenSSL's certs-only structure of bob and his chain.
    let bob = s(&f.bob.cert_path);
    let chain = s(&f.pki.chain_path());
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &bob,
            "-certfile",
            &chain,
            "-outform",
            "DER",
            "-out",
            "bob.p7c",
        ],
        d,
    );
    let p7c = std::fs::read(d.join("bob.p7c")).unwrap();
    let mut ring = ring_with(&[]);
    let imported = ring
        .import_directory_entry(&p7c, SystemTime::now())
        .unwrap();
    assert_eq!(imported.contacts, vec![Fingerprint::of(&f.bob.der)]);
    assert_eq!(imported.intermediates.len(), 1);
    assert!(
        ring.recipient_readiness(&["bob@example.com"], &smime::policy::Policy::default())[0]
            .is_ready()
    );
    assert_eq!(
        ring.contact(&Fingerprint::of(&f.bob.der)).unwrap().source(),
        Source::Directory
    );

    // userCertificate: a bare DER certificate, in LDIF as ldapsearch prints it.
    use base64::Engine as _;
    let ldif = format!(
        "dn: cn=carol,dc=example,dc=com\nuserCertificate;binary:: {}\n",
        base64::engine::general_purpose::STANDARD.encode(&f.carol_expired.der)
    );
    let imported = ring
        .import_directory_entry(ldif.as_bytes(), SystemTime::now())
        .unwrap();
    assert_eq!(
        imported.contacts,
        vec![Fingerprint::of(&f.carol_expired.der)]
    );

    // The same structure as a certs-only message.
    let imported = ring.import_certs_only(&p7c, SystemTime::now()).unwrap();
    assert_eq!(imported.contacts.len(), 1);

    // Out: alice publishes her certificates as a certs-only message; OpenSSL reads it.
    let alice = ring_with(&[&f.alice]);
    let msg = alice
        .export_certs_only_message("alice@example.com", SystemTime::now())
        .unwrap();
    std::fs::write(d.join("alice.eml"), &msg).unwrap();
    openssl(
        &[
            "cms",
            "-cmsout",
            "-inform",
            "SMIME",
            "-in",
            "alice.eml",
            "-outform",
            "DER",
            "-out",
            "alice.der",
        ],
        d,
    );
    let printed = String::from_utf8(
        Command::new("openssl")
            .args([
                "pkcs7",
                "-inform",
                "DER",
                "-in",
                "alice.der",
                "-print_certs",
                "-noout",
            ])
            .current_dir(d)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        printed.contains("CN = alice") || printed.contains("CN=alice"),
        "{printed}"
    );
    // And another keyring takes it in.
    let mut bob_ring = ring_with(&[&f.bob]);
    let imported = bob_ring.import_certs_only(&msg, SystemTime::now()).unwrap();
    assert_eq!(imported.contacts, vec![Fingerprint::of(&f.alice.der)]);
    assert!(
        bob_ring.recipient_readiness(&["alice@example.com"], &smime::policy::Policy::default())[0]
            .is_ready()
    );
    // Garbage is refused and adds nothing.
    assert!(
        bob_ring
            .import_directory_entry(b"garbage", SystemTime::now())
            .is_err()
    );
    assert!(
        bob_ring
            .import_certs_only(b"garbage", SystemTime::now())
            .is_err()
    );
}

/// The default policy with the address check skipped.
fn skip_address() -> smime::policy::Policy {
    let mut p = smime::policy::Policy::default();
    p.danger().skip_address_check(true);
    p
}
