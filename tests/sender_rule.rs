//! The sender rule: every mailbox of every From field must be an address of the signer
//! certificate, a From inside the signed content is the protected one, and a signature without
//! signed attributes over a set of attributes (a re-used signature) is refused.

mod common;

use base64::Engine;
use common::{Cert, LeafSpec, TestPki};
use der::{Decode, Encode};
use smime::Identity;
use smime::decrypt::{Layer, open};
use smime::encrypt::{EncryptOptions, encrypt};
use smime::keys::SoftwareKey;
use smime::sign::{SignOptions, sign, sign_detached_der, sign_opaque_der};
use smime::verify::{
    AddressFailure, AddressPolicy, Check, SignatureFailure, Verdict, VerifyOptions, VerifyReport,
    verify,
};
use std::sync::{Arc, OnceLock};

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
                emails: &["alice@example.com", "alice.work@example.org"],
                ..LeafSpec::default()
            },
        );
        Fixture { pki, alice }
    })
}

fn signer() -> Identity {
    let f = fixture();
    let key = SoftwareKey::from_bytes(&f.alice.key_pem).expect("load key");
    Identity::new(
        Arc::new(key),
        smime::Certificate::from_der(&f.alice.der.clone()).expect("certificate"),
    )
    .expect("signer")
    .with_chain(vec![f.pki.intermediate.certificate()])
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

const ENTITY: &str = "Content-Type: text/plain; charset=us-ascii\r\n\r\nPay Bob 100 euros.\r\n";

/// A message with `headers` (each ending in CRLF) around ENTITY, signed by alice; the header
/// fields stay outside the signature.
fn signed_with_headers(headers: &str) -> Vec<u8> {
    let message = format!("{headers}Subject: test\r\n{ENTITY}");
    sign(message.as_bytes(), &[signer()], &SignOptions::default()).expect("sign")
}

/// A multipart/signed message with the outer header fields `outer` (each ending in CRLF)
/// around the signed entity `entity`, detached-signed by alice.
fn multipart_signed(outer: &str, entity: &[u8]) -> Vec<u8> {
    let der = sign_detached_der(entity, &[signer()], &SignOptions::default()).expect("sign");
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut m = format!(
        "{outer}MIME-Version: 1.0\r\nContent-Type: multipart/signed; \
protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"BB\"\r\n\r\n--BB\r\n"
    )
    .into_bytes();
    m.extend_from_slice(entity);
    m.extend_from_slice(
        b"\r\n--BB\r\nContent-Type: application/pkcs7-signature\r\n\
Content-Transfer-Encoding: base64\r\n\r\n",
    );
    for chunk in b64.as_bytes().chunks(76) {
        m.extend_from_slice(chunk);
        m.extend_from_slice(b"\r\n");
    }
    m.extend_from_slice(b"--BB--\r\n");
    m
}

fn address(r: &VerifyReport) -> &Check<AddressFailure> {
    &r.signers[0].address
}

/// Item 13, several From fields: a second From field naming someone else fails the one sender
/// rule (`Unmatched`), whichever field comes first.
#[test]
fn attack_bar_13_a_second_from_field_must_also_match() {
    // Today's rule (one match among several is enough) read this as trusted.
    let r = check(&signed_with_headers(
        "From: mallory@evil.example\r\nFrom: alice@example.com\r\n",
    ));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert_eq!(
        *address(&r),
        Check::Failed(AddressFailure::Unmatched {
            unmatched: vec!["mallory@evil.example".into()],
            certificate: vec!["alice@example.com".into(), "alice.work@example.org".into()],
        })
    );
    assert_eq!(
        r.addresses_checked,
        ["mallory@evil.example", "alice@example.com"]
    );
    assert!(!r.addresses_from_signed_header);
    let shown = address(&r).to_string();
    assert!(shown.contains("mallory@evil.example"), "{shown}");
}

/// Item 13, several mailboxes: every mailbox of a From field (lists, groups, display names and
/// comments around them) must be an address of the signer certificate; a From naming none of
/// them is `Mismatch`.
#[test]
fn attack_bar_13_every_mailbox_of_one_from_field_must_match() {
    for from in [
        "From: alice@example.com, mallory@evil.example\r\n",
        "From: Alice <alice@example.com>, \"alice@example.com\" <mallory@evil.example>\r\n",
        "From: Team: alice@example.com, Mallory <mallory@evil.example>;\r\n",
        "From: alice@example.com,\r\n mallory@evil.example (alice@example.com)\r\n",
    ] {
        let r = check(&signed_with_headers(from));
        assert_eq!(r.verdict(), Verdict::AddressMismatch, "{from}");
        assert!(
            matches!(address(&r), Check::Failed(AddressFailure::Unmatched { unmatched, .. })
                if unmatched == &["mallory@evil.example".to_string()]),
            "{from}: {:?}",
            address(&r)
        );
    }
    // Every mailbox is one of the certificate's addresses: trusted.
    let r = check(&signed_with_headers(
        "From: Alice <alice@example.com>, alice.work@EXAMPLE.org\r\n",
    ));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    // No mailbox matches: the older Mismatch failure, naming them.
    let r = check(&signed_with_headers("From: mallory@evil.example\r\n"));
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::Mismatch { expected, .. }) if expected == &["mallory@evil.example".to_string()]
    ));
}

/// Item 13, display-name tricks and several From fields: a From field the strict address
/// grammar cannot read (text hiding a second mailbox, an encoded word where a mailbox belongs,
/// an open quote) fails the sender check as `UnreadableFrom`.
#[test]
fn attack_bar_13_an_unreadable_from_field_fails_the_address_check() {
    // The second field hides a mailbox behind text the grammar does not allow; it used to be
    // read as alice only.
    for headers in [
        "From: alice@example.com\r\nFrom: <alice@example.com> mallory@evil.example\r\n",
        "From: =?utf-8?q?mallory=40evil.example?=\r\nFrom: alice@example.com\r\n",
        "From: \"alice@example.com\r\nFrom: alice@example.com\r\n",
    ] {
        let r = check(&signed_with_headers(headers));
        assert_eq!(r.verdict(), Verdict::AddressMismatch, "{headers}");
        assert!(
            matches!(
                address(&r),
                Check::Failed(AddressFailure::UnreadableFrom { .. })
            ),
            "{headers}: {:?}",
            address(&r)
        );
    }
}

/// Item 13, the one rule with protected headers: a From inside the signed content is the one
/// checked, and an outer From naming other mailboxes is `OuterFromDiffers`.
#[test]
fn attack_bar_13_the_signed_inner_from_is_checked() {
    let inner_alice = format!("From: Alice <alice@example.com>\r\nSubject: pay\r\n{ENTITY}");
    // Outer and signed From agree (display names and domain case aside): trusted, and the
    // report says the protected one was checked.
    let r = check(&multipart_signed(
        "From: alice@EXAMPLE.com\r\n",
        inner_alice.as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert_eq!(r.addresses_checked, ["alice@example.com"]);
    assert!(r.addresses_from_signed_header);

    // No outer From at all (OpenSSL signs the whole message): the signed one is used. This
    // used to fail with "no address to check".
    let r = check(&multipart_signed("", inner_alice.as_bytes()));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert!(r.addresses_from_signed_header);

    // The signed content says bob wrote it; the outer header (what the user sees) says alice,
    // whose certificate signed. This used to read as trusted for alice.
    let inner_bob = format!("From: bob@example.com\r\n{ENTITY}");
    let r = check(&multipart_signed(
        "From: alice@example.com\r\n",
        inner_bob.as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert_eq!(
        *address(&r),
        Check::Failed(AddressFailure::OuterFromDiffers {
            outer: vec!["alice@example.com".into()],
            signed: vec!["bob@example.com".into()],
        })
    );
    assert!(address(&r).to_string().contains("bob@example.com"));

    // The outer From adds a mailbox the signed one does not have.
    let r = check(&multipart_signed(
        "From: alice@example.com, mallory@evil.example\r\n",
        inner_alice.as_bytes(),
    ));
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::OuterFromDiffers { .. })
    ));

    // An unreadable signed From fails too.
    let inner_bad = format!("From: Alice\r\n{ENTITY}");
    let r = check(&multipart_signed(
        "From: alice@example.com\r\n",
        inner_bad.as_bytes(),
    ));
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::UnreadableFrom { .. })
    ));
}

#[test]
fn rfc9788_header_protection_signed_in_the_clear() {
    // RFC 9788: the protected header block sits on the cryptographic payload, marked hp="clear".
    let inner = "Content-Type: text/plain; charset=us-ascii; hp=\"clear\"\r\n\
From: alice@example.com\r\nTo: bob@example.com\r\nSubject: pay\r\n\r\nPay Bob 100 euros.\r\n"
        .to_string();
    let r = check(&multipart_signed(
        "From: alice@example.com\r\nSubject: pay\r\n",
        inner.as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert!(r.addresses_from_signed_header);
    let r = check(&multipart_signed(
        "From: Alice <alice@evil.example>\r\n",
        inner.as_bytes(),
    ));
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::OuterFromDiffers { .. })
    ));
}

#[test]
fn opaque_signed_content_with_a_from_is_checked_without_mime_around_it() {
    let inner = format!("From: alice@example.com\r\n{ENTITY}");
    let der =
        sign_opaque_der(inner.as_bytes(), &[signer()], &SignOptions::default()).expect("sign");
    let r = verify(&der, &options()).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert!(r.addresses_from_signed_header);
    let inner = format!("From: mallory@evil.example\r\n{ENTITY}");
    let der =
        sign_opaque_der(inner.as_bytes(), &[signer()], &SignOptions::default()).expect("sign");
    let r = verify(&der, &options()).expect("verify runs");
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
}

/// Item 13, the same rule through `open`: every mailbox of the outer From of an encrypted
/// message is held to the inner signer.
#[test]
fn attack_bar_13_open_checks_every_outer_mailbox_not_only_the_first() {
    let f = fixture();
    let signed = signed_with_headers("From: alice@example.com, mallory@evil.example\r\n");
    let sealed = encrypt(
        &signed,
        &[f.alice.certificate()],
        &EncryptOptions::default(),
    )
    .expect("encrypt");
    assert!(sealed.starts_with(b"From: alice@example.com, mallory@evil.example\r\n"));
    let key = Identity::new(
        Arc::new(SoftwareKey::from_bytes(&f.alice.key_pem).expect("key")),
        smime::Certificate::from_der(&f.alice.der.clone()).expect("certificate"),
    )
    .expect("identity");
    let opened = open(&sealed, &[key], &options()).expect("open");
    let reports: Vec<&VerifyReport> = opened
        .layers
        .iter()
        .filter_map(|l| match l {
            Layer::Signed(r) => Some(&**r),
            _ => None,
        })
        .collect();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].verdict(), Verdict::AddressMismatch);
    assert!(matches!(
        &reports[0].signers[0].address,
        Check::Failed(AddressFailure::Unmatched { unmatched, .. }) if unmatched == &["mallory@evil.example".to_string()]
    ));
    assert!(!opened.all_signatures_trusted());

    // The same with only alice: trusted through the layers.
    let signed = signed_with_headers("From: alice@example.com\r\n");
    let sealed = encrypt(
        &signed,
        &[f.alice.certificate()],
        &EncryptOptions::default(),
    )
    .expect("encrypt");
    let key = Identity::new(
        Arc::new(SoftwareKey::from_bytes(&f.alice.key_pem).expect("key")),
        smime::Certificate::from_der(&f.alice.der.clone()).expect("certificate"),
    )
    .expect("identity");
    let opened = open(&sealed, &[key], &options()).expect("open");
    assert!(opened.all_signatures_trusted());
}

#[test]
fn a_reused_signature_over_signed_attributes_is_refused() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerInfos};

    // A real signature by alice, with signed attributes.
    let der =
        sign_opaque_der(ENTITY.as_bytes(), &[signer()], &SignOptions::default()).expect("sign");
    let ci = ContentInfo::from_der(&der).expect("content info");
    let mut sd: SignedData = ci.content.decode_as().expect("signed data");
    let mut si = sd.signer_infos.0.as_slice()[0].clone();
    let attrs = si.signed_attrs.take().expect("signed attributes");
    // The bytes alice's signature value covers: the DER SET OF Attribute.
    let attrs_der = attrs.to_der().expect("encode attributes");
    assert_eq!(attrs_der[0], 0x31);
    // Re-wrapped: no signed attributes, the attributes themselves as content, same signature.
    sd.encap_content_info = EncapsulatedContentInfo {
        econtent_type: const_oid::db::rfc5911::ID_DATA,
        econtent: Some(
            der::Any::new(der::Tag::OctetString, attrs_der.clone()).expect("octet string"),
        ),
    };
    sd.signer_infos = SignerInfos::try_from(vec![si]).expect("signer infos");
    let forged = ContentInfo {
        content_type: const_oid::db::rfc5911::ID_SIGNED_DATA,
        content: der::Any::encode_from(&sd).expect("encode signed data"),
    }
    .to_der()
    .expect("encode content info");

    // The forgery is cryptographically sound: OpenSSL accepts alice's signature over it.
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("forged.der"), &forged).expect("write");
    common::openssl(
        &[
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "forged.der",
            "-out",
            "content.out",
        ],
        dir.path(),
    );
    assert_eq!(
        std::fs::read(dir.path().join("content.out")).expect("read"),
        attrs_der
    );

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
    assert!(
        r.signers[0]
            .signature
            .to_string()
            .contains("re-used from another message")
    );

    // An attribute-less signature over ordinary content still verifies (OpenSSL -noattr).
    std::fs::write(dir.path().join("content.txt"), ENTITY).expect("write");
    let cert = f.alice.cert_path.to_string_lossy().into_owned();
    let key = f.alice.key_path.to_string_lossy().into_owned();
    common::openssl(
        &[
            "cms",
            "-sign",
            "-binary",
            "-noattr",
            "-nodetach",
            "-in",
            "content.txt",
            "-signer",
            &cert,
            "-inkey",
            &key,
            "-outform",
            "DER",
            "-out",
            "noattr.der",
        ],
        dir.path(),
    );
    let noattr = std::fs::read(dir.path().join("noattr.der")).expect("read");
    let opts = VerifyOptions {
        certificates: vec![f.pki.intermediate.certificate()],
        ..opts
    };
    let r = verify(&noattr, &opts).expect("verify runs");
    assert!(r.signers[0].signature.passed(), "{:#?}", r.signers);
}

#[test]
fn the_signing_rule_refuses_what_a_verifier_would_refuse() {
    use smime::sign::{SignerCertificateProblem, check_signer_certificate};
    use smime::validate::ValidityFailure;
    use std::time::{Duration, SystemTime};
    let f = fixture();
    let now = SystemTime::now();
    assert_eq!(
        check_signer_certificate(&f.alice.certificate(), now),
        Ok(())
    );
    // Before notBefore: not yet valid.
    assert!(matches!(
        check_signer_certificate(&f.alice.certificate(), SystemTime::UNIX_EPOCH),
        Err(SignerCertificateProblem::Validity(
            ValidityFailure::NotYetValid { .. }
        ))
    ));
    // Far in the future: expired; the identity's own check gives the same reason.
    let later = now + Duration::from_secs(200 * 365 * 24 * 3600);
    let key = Arc::new(SoftwareKey::from_bytes(&f.alice.key_pem).expect("key"));
    let identity = Identity::new(key, f.alice.certificate()).expect("identity");
    let err = identity.check_can_sign(later).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    // The code is the reason's own, and signing keeps it.
    assert_eq!(err.code(), smime::error::codes::SMIME_CERT_EXPIRED);
    let sign_error = smime::SignError::CertificateNotUsable(err);
    assert_eq!(sign_error.code(), smime::error::codes::SMIME_CERT_EXPIRED);
    let message = smime::error::display_chain(&sign_error);
    assert!(message.contains("expired"), "{message}");
    assert!(identity.check_can_sign(now).is_ok());
}

#[test]
fn the_keyring_names_the_extended_key_usage_when_it_refuses_to_sign() {
    let f = fixture();
    let server = f.pki.leaf(
        "server-eku",
        &LeafSpec {
            emails: &["srv@example.com"],
            eku: Some("serverAuth"),
            ..LeafSpec::default()
        },
    );
    let (_, pkcs8) = pem_rfc7468::decode_vec(&server.key_pem).expect("PEM key");
    let mut ring = smime::keyring::Keyring::new();
    ring.add_identity(&pkcs8, &server.certificate(), Vec::new(), None)
        .expect("add identity");
    let err = ring
        .signer_for("srv@example.com", &smime::policy::Policy::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("extended key usage"), "{err}");
    // The library rule gives the same reason for the certificate file.
    let err =
        smime::sign::check_signer_certificate(&server.certificate(), std::time::SystemTime::now())
            .unwrap_err()
            .to_string();
    assert!(err.contains("extended key usage"), "{err}");
}

#[test]
fn a_message_wrapped_for_protection_carries_the_protected_from() {
    // RFC 8551 section 3.1: the whole message wrapped in message/rfc822 inside the signature.
    let wrapped = |params: &str, from: &str| {
        format!(
            "Content-Type: message/rfc822{params}\r\n\r\nFrom: {from}\r\nSubject: pay\r\n{ENTITY}"
        )
    };
    let r = check(&multipart_signed(
        "From: alice@example.com\r\n",
        wrapped("; forwarded=no", "alice@example.com").as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert!(r.addresses_from_signed_header);
    let r = check(&multipart_signed(
        "From: alice@example.com\r\n",
        wrapped("", "bob@example.com").as_bytes(),
    ));
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::OuterFromDiffers { .. })
    ));
    // A forwarded message is someone else's message, not a protected header.
    let r = check(&multipart_signed(
        "From: alice@example.com\r\n",
        wrapped("; forwarded=yes", "bob@example.com").as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);
    assert!(!r.addresses_from_signed_header);
}

/// Item 13, display-name tricks: a display name, an encoded word or a comment that spells
/// the signer's address never counts as the sender; only the addr-spec does. A From naming
/// none of the signer's addresses fails with the mailbox named.
#[test]
fn attack_bar_13_display_names_encoded_words_and_comments_never_name_the_sender() {
    for from in [
        "From: \"alice@example.com\" <mallory@evil.example>\r\n",
        "From: \"Alice <alice@example.com>\" <mallory@evil.example>\r\n",
        "From: =?utf-8?q?alice=40example.com?= <mallory@evil.example>\r\n",
        "From: =?utf-8?b?YWxpY2VAZXhhbXBsZS5jb20=?= <mallory@evil.example>\r\n",
        "From: mallory@evil.example (alice@example.com)\r\n",
        "From: Alice (alice@example.com) <mallory@evil.example>\r\n",
        "From: (alice@example.com) mallory@evil.example\r\n",
        "From: mallory@evil.example\r\n",
    ] {
        let r = check(&signed_with_headers(from));
        assert_eq!(r.verdict(), Verdict::AddressMismatch, "{from}");
        assert_eq!(r.addresses_checked, ["mallory@evil.example"], "{from}");
        assert!(
            matches!(address(&r), Check::Failed(AddressFailure::Mismatch { expected, .. })
                if expected == &["mallory@evil.example".to_string()]),
            "{from}: {:?}",
            address(&r)
        );
    }
    // Text that is neither a display name nor a mailbox is unreadable, never alice.
    for from in [
        "From: alice@example.com <mallory@evil.example>\r\n",
        "From: =?utf-8?q?alice=40example.com?=\r\n",
    ] {
        let r = check(&signed_with_headers(from));
        assert_eq!(r.verdict(), Verdict::AddressMismatch, "{from}");
        assert!(
            matches!(
                address(&r),
                Check::Failed(AddressFailure::UnreadableFrom { .. })
            ),
            "{from}: {:?}",
            address(&r)
        );
    }
    // The same tricks the other way round: the display name says mallory, the mailbox is
    // alice's, and the signer is alice: trusted.
    for from in [
        "From: \"mallory@evil.example\" <alice@example.com>\r\n",
        "From: =?utf-8?q?mallory=40evil.example?= <alice@example.com>\r\n",
        "From: alice@example.com (mallory@evil.example)\r\n",
    ] {
        let r = check(&signed_with_headers(from));
        assert_eq!(r.verdict(), Verdict::Trusted, "{from}: {:#?}", r.signers);
        assert_eq!(r.addresses_checked, ["alice@example.com"], "{from}");
    }
}

/// Item 13, Sender differing from From. The rule: a Sender field (RFC 5322 section 3.6.2, the
/// agent that sent the message on behalf of the From authors) names one more mailbox of the
/// sender, held to the same rule as every From mailbox: the signer certificate must carry it.
/// A Sender the certificate lacks fails the address check naming it (never trusted, never
/// silent); one the certificate carries (the From mailbox itself, or another of the signer's
/// addresses) changes nothing; an unreadable Sender fails as unreadable; an outer Sender that
/// the signed header does not name fails as an outer header differing from the signed one.
/// The same rule holds for `open` and for the streaming verifier.
#[test]
fn attack_bar_13_a_sender_other_than_from_must_also_be_the_signers() {
    // A Sender the certificate does not carry.
    for headers in [
        "From: alice@example.com\r\nSender: mallory@evil.example\r\n",
        "Sender: Mallory <mallory@evil.example>\r\nFrom: alice@example.com\r\n",
        "From: alice@example.com\r\nSender: alice@example.com\r\nSender: mallory@evil.example\r\n",
        "From: alice@example.com\r\nSender : \"alice@example.com\" <mallory@evil.example>\r\n",
    ] {
        let r = check(&signed_with_headers(headers));
        assert_eq!(r.verdict(), Verdict::AddressMismatch, "{headers}");
        assert_eq!(
            *address(&r),
            Check::Failed(AddressFailure::Unmatched {
                unmatched: vec!["mallory@evil.example".into()],
                certificate: vec!["alice@example.com".into(), "alice.work@example.org".into()],
            }),
            "{headers}"
        );
        assert_eq!(
            r.addresses_checked,
            ["alice@example.com", "mallory@evil.example"],
            "{headers}"
        );
        assert!(address(&r).to_string().contains("mallory@evil.example"));
    }
    // The Sender is the From mailbox, or another address of the signer's certificate.
    for headers in [
        "From: alice@example.com\r\nSender: Alice <alice@EXAMPLE.com>\r\n",
        "From: alice@example.com\r\nSender: alice.work@example.org\r\n",
    ] {
        let r = check(&signed_with_headers(headers));
        assert_eq!(r.verdict(), Verdict::Trusted, "{headers}: {:#?}", r.signers);
    }
    // The signer is the Sender but not the From author: the author is not vouched for.
    let r = check(&signed_with_headers(
        "From: bob@example.com\r\nSender: alice@example.com\r\n",
    ));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::Unmatched { unmatched, .. })
            if unmatched == &["bob@example.com".to_string()]
    ));
    // A Sender field that cannot be read.
    let r = check(&signed_with_headers(
        "From: alice@example.com\r\nSender: <alice@example.com> mallory@evil.example\r\n",
    ));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert!(
        matches!(address(&r), Check::Failed(AddressFailure::UnreadableFrom { detail })
            if detail.contains("Sender field 1")),
        "{:?}",
        address(&r)
    );
    // A Sender without a From names no author: nothing the signer can be checked against.
    let r = check(&signed_with_headers("Sender: alice@example.com\r\n"));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert_eq!(
        *address(&r),
        Check::Failed(AddressFailure::NoAddressToCheck)
    );
    // The signed header has From alice; an unsigned outer Sender names mallory.
    let inner = format!("From: alice@example.com\r\n{ENTITY}");
    let r = check(&multipart_signed(
        "From: alice@example.com\r\nSender: mallory@evil.example\r\n",
        inner.as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert!(r.addresses_from_signed_header);
    assert_eq!(
        *address(&r),
        Check::Failed(AddressFailure::OuterFromDiffers {
            outer: vec!["alice@example.com".into(), "mallory@evil.example".into()],
            signed: vec!["alice@example.com".into()],
        })
    );
    // A Sender inside the signed header is protected and checked like the signed From.
    let inner = format!("From: alice@example.com\r\nSender: mallory@evil.example\r\n{ENTITY}");
    let r = check(&multipart_signed("", inner.as_bytes()));
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert!(r.addresses_from_signed_header);
    assert_eq!(
        r.addresses_checked,
        ["alice@example.com", "mallory@evil.example"]
    );
    // An outer Sender that the signed header names too: trusted.
    let inner = format!("From: alice@example.com\r\nSender: alice.work@example.org\r\n{ENTITY}");
    let r = check(&multipart_signed(
        "From: alice@example.com\r\nSender: alice.work@example.org\r\n",
        inner.as_bytes(),
    ));
    assert_eq!(r.verdict(), Verdict::Trusted, "{:#?}", r.signers);

    // The streaming verifier applies the same rule.
    let msg = signed_with_headers("From: alice@example.com\r\nSender: mallory@evil.example\r\n");
    let (r, _) = smime::verify::Verifier::new(&options())
        .verify(&mut &msg[..], std::io::sink())
        .expect("stream verify");
    assert_eq!(r.verdict(), Verdict::AddressMismatch);
    assert!(matches!(
        address(&r),
        Check::Failed(AddressFailure::Unmatched { unmatched, .. })
            if unmatched == &["mallory@evil.example".to_string()]
    ));

    // So does `open`, with the Sender on the encrypted message around the signed one.
    let f = fixture();
    let signed = signed_with_headers("From: alice@example.com\r\n");
    let mut sealed = b"Sender: mallory@evil.example\r\n".to_vec();
    sealed.extend_from_slice(
        &encrypt(
            &signed,
            &[f.alice.certificate()],
            &EncryptOptions::default(),
        )
        .expect("encrypt"),
    );
    let key = Identity::new(
        Arc::new(SoftwareKey::from_bytes(&f.alice.key_pem).expect("key")),
        smime::Certificate::from_der(&f.alice.der.clone()).expect("certificate"),
    )
    .expect("identity");
    let opened = open(&sealed, &[key], &options()).expect("open");
    assert!(!opened.all_signatures_trusted());
    assert!(opened.layers.iter().any(|l| matches!(l,
        Layer::Signed(r) if matches!(&r.signers[0].address,
            Check::Failed(AddressFailure::Unmatched { unmatched, .. })
                if unmatched == &["mallory@evil.example".to_string()]))));
}
