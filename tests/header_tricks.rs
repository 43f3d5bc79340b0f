//! Messages built to fool the verifier: header-block tricks that hide a From field from us but
//! not from other parsers, wrapped messages, and an encrypted part beside unsigned parts. None may
//! read as trusted.

mod common;

use base64::Engine;
use common::{Cert, LeafSpec, TestPki};
use smime::Identity;
use smime::decrypt::open;
use smime::encrypt::{EncryptOptions, encrypt};
use smime::keys::SoftwareKey;
use smime::sign::{SignOptions, sign, sign_detached_der};
use smime::verify::{Verdict, VerifyOptions, VerifyReport, verify};
use std::sync::{Arc, OnceLock};

struct Fixture {
    pki: TestPki,
    alice: Cert,
    bob: Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf(
            "alice",
            &LeafSpec {
                emails: &["alice@example.com"],
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
        Fixture { pki, alice, bob }
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

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nPay Bob 100 euros.\r\n";

/// A multipart/signed message, detached-signed by alice, whose outer header block is `before`,
/// then MIME-Version and Content-Type, then `after` (each field ending in CRLF).
fn multipart_signed(before: &str, after: &str) -> Vec<u8> {
    let der = sign_detached_der(ENTITY, &[signer()], &SignOptions::default()).expect("sign");
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut m = format!(
        "{before}MIME-Version: 1.0\r\nContent-Type: multipart/signed; \
protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"BB\"\r\n{after}\r\n--BB\r\n"
    )
    .into_bytes();
    m.extend_from_slice(ENTITY);
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

/// The From mailboxes a mail application built on mail-parser shows for `message`.
fn shown_from(message: &[u8]) -> Vec<String> {
    let parsed = mail_parser::MessageParser::new()
        .parse(message)
        .expect("mail-parser reads the message");
    parsed
        .header_values("From")
        .filter_map(|v| v.as_address())
        .flat_map(|a| {
            a.iter()
                .filter_map(|m| m.address())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn control_alice_alone_is_trusted() {
    let m = multipart_signed("From: alice@example.com\r\n", "");
    assert_eq!(check(&m).verdict(), Verdict::Trusted);
}

/// Item 13, several From fields: `From : x` is a From field to us as to other readers, so it
/// cannot add a mailbox the sender rule does not see.
///
/// RFC 5322 section 4.5.6 (obs-from, obs-optional): white space between a field name and its
/// colon is obsolete syntax that a receiver must accept, and mail-parser does: `From : x` is a
/// From field. Reading it as the end of the header block (the rest then falls into the
/// multipart preamble) hid a second sender from the sender rule.
#[test]
fn attack_bar_13_a_from_field_with_space_before_the_colon_is_a_from_field() {
    let m = multipart_signed(
        "From: alice@example.com\r\n",
        "From : mallory@evil.example\r\n",
    );
    assert!(
        shown_from(&m).contains(&"mallory@evil.example".to_string()),
        "a mail app shows {:?}",
        shown_from(&m)
    );
    let r = check(&m);
    assert_eq!(r.verdict(), Verdict::AddressMismatch, "{:#?}", r.signers);
}

/// Item 13, several From fields: a first-line `From :` field is a header field, not an mbox
/// separator that would hide it.
///
/// A first line `From : x` is a header field (obs-from), not an mbox separator line.
#[test]
fn attack_bar_13_a_first_line_from_field_with_space_before_the_colon_is_not_an_mbox_separator() {
    let m = multipart_signed(
        "From : mallory@evil.example\r\nFrom: alice@example.com\r\n",
        "",
    );
    assert!(
        shown_from(&m).contains(&"mallory@evil.example".to_string()),
        "a mail app shows {:?}",
        shown_from(&m)
    );
    let r = check(&m);
    assert_eq!(r.verdict(), Verdict::AddressMismatch, "{:#?}", r.signers);
}

/// Item 13, several From fields: a header block cut by a stray line is refused, so a second
/// From after it cannot be hidden from the sender rule.
///
/// A line inside the header block that is no header field (no colon) ended the block here, and
/// the From fields after it fell into the multipart preamble; mail-parser skips such a line and
/// reads on, showing the From after it. The message is refused as ambiguous instead.
#[test]
fn attack_bar_13_a_stray_line_in_the_header_block_does_not_hide_a_from_field() {
    for stray in ["X-No-Colon-Here\r\n", "Fr\u{f6}m: x@example.com\r\n"] {
        let m = multipart_signed(
            "From: alice@example.com\r\n",
            &format!("{stray}From: mallory@evil.example\r\n"),
        );
        let r = verify(&m, &options());
        assert!(
            !matches!(&r, Ok(r) if r.verdict() == Verdict::Trusted),
            "{stray:?}: a mail app shows {:?}, the verifier says {:?}",
            shown_from(&m),
            r.map(|r| r.verdict())
        );
    }
}

/// Item 14, a signature over a sub-part: a signed-then-encrypted part beside attacker text in a
/// multipart/mixed is `PartiallySigned` through `open`, as the same signed part is through
/// `verify`.
///
/// An encrypted part inside a multipart/mixed, next to an unencrypted, unsigned part: `open`
/// decrypts the part and finds alice's signature over all of it. That signature covers one part
/// of the message only, as a signed part in a multipart/mixed does for `verify`
/// ([`Verdict::PartiallySigned`]); the unsigned part beside it (shown by a mail app with the
/// decrypted one) must not read as signed by alice.
#[test]
fn attack_bar_14_an_encrypted_part_beside_an_unsigned_part_is_not_trusted_as_a_whole() {
    let f = fixture();
    let inner = sign(
        b"From: alice@example.com\r\nContent-Type: text/plain\r\n\r\nPay Bob 100 euros.\r\n",
        &[signer()],
        &SignOptions::default(),
    )
    .expect("sign");
    let encrypted =
        encrypt(&inner, &[f.bob.certificate()], &EncryptOptions::default()).expect("encrypt");
    let entity = smime::fuzzing::mime::split_entity(&encrypted)
        .expect("split")
        .entity;
    let mut m = b"From: alice@example.com\r\nSubject: mixed\r\n\
Content-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n--m1\r\n\
Content-Type: text/plain\r\n\r\nAlso, wire 10000 euros to mallory.\r\n--m1\r\n"
        .to_vec();
    m.extend_from_slice(&entity);
    m.extend_from_slice(b"\r\n--m1--\r\n");
    let keys = [Identity::new(
        Arc::new(SoftwareKey::from_bytes(&f.bob.key_pem).expect("load key")),
        smime::Certificate::from_der(&f.bob.der.clone()).expect("certificate"),
    )
    .expect("identity")];
    let opened = open(&m, &keys, &options()).expect("open");
    assert_eq!(
        opened.verdict(),
        Verdict::PartiallySigned { path: vec![1] },
        "{:#?}",
        opened.layers
    );
    assert!(!opened.all_signatures_trusted());
    // The same structure signed, not encrypted: verify already says so.
    let signed_entity = smime::fuzzing::mime::split_entity(&inner)
        .expect("split")
        .entity;
    let mut m = b"From: alice@example.com\r\nSubject: mixed\r\n\
Content-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n--m1\r\n\
Content-Type: text/plain\r\n\r\nAlso, wire 10000 euros to mallory.\r\n--m1\r\n"
        .to_vec();
    m.extend_from_slice(&signed_entity);
    m.extend_from_slice(b"\r\n--m1--\r\n");
    assert_eq!(
        check(&m).verdict(),
        Verdict::PartiallySigned { path: vec![1] }
    );
}

/// Item 13, display tricks by wrapping: the From of a signed message/rfc822 wrapper and of the
/// message it wraps must both match.
///
/// The signed content is a whole message wrapped for protection (RFC 8551 section 3.1) and
/// also has a From of its own: a mail app that honours the wrapping shows the wrapped
/// message's From, so that one is checked too.
#[test]
fn attack_bar_13_the_from_of_a_wrapped_message_is_checked_even_when_the_wrapper_has_one() {
    let entity = b"From: alice@example.com\r\nContent-Type: message/rfc822\r\n\r\n\
From: mallory@evil.example\r\nSubject: pay\r\nContent-Type: text/plain\r\n\r\nPay mallory.\r\n";
    let der = sign_detached_der(entity, &[signer()], &SignOptions::default()).expect("sign");
    let m = smime::fuzzing::mime::write_multipart_signed(
        b"From: alice@example.com\r\n",
        entity,
        &der,
        "sha-256",
    );
    let r = check(&m);
    assert_eq!(r.verdict(), Verdict::AddressMismatch, "{:#?}", r.signers);
    // The same without the wrapped message's From differing: trusted.
    let entity = b"From: alice@example.com\r\nContent-Type: message/rfc822\r\n\r\n\
From: Alice <alice@example.com>\r\nSubject: pay\r\nContent-Type: text/plain\r\n\r\nPay Bob.\r\n";
    let der = sign_detached_der(entity, &[signer()], &SignOptions::default()).expect("sign");
    let m = smime::fuzzing::mime::write_multipart_signed(
        b"From: alice@example.com\r\n",
        entity,
        &der,
        "sha-256",
    );
    assert_eq!(check(&m).verdict(), Verdict::Trusted);
}
