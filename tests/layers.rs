//! Nested messages: every signed layer is verified, a signature is judged by what it covers
//! (the content, or only ciphertext), and `verify`, `decrypt` and `open` agree about what a
//! message is. Messages are built with our own `sign`/`encrypt` and with `openssl cms`.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::Identity;
use smime::decrypt::{Layer, MAX_LAYERS, decrypt, open};
use smime::encrypt::{EncryptOptions, encrypt};
use smime::error::{DecryptError, ParseError, VerifyError};
use smime::fuzzing::mime;
use smime::keys::SoftwareKey;
use smime::sign::{SignOptions, sign, sign_detached_der, sign_opaque_der};
use smime::verify::{SignedScope, Verdict, VerifyOptions, VerifyReport, verify};
use std::path::Path;
use std::sync::{Arc, OnceLock};

struct Fixture {
    pki: TestPki,
    /// alice@example.com, RSA.
    alice: Cert,
    /// alice@example.com again, P-256 (a second certificate of the same person).
    alice_ec: Cert,
    /// bob@example.com, RSA.
    bob: Cert,
    /// gateway@example.com, RSA: a domain gateway that signs what passes through it.
    gateway: Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf("alice", &LeafSpec::default());
        let alice_ec = pki.leaf(
            "alice-ec",
            &LeafSpec {
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,keyAgreement"),
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
        let gateway = pki.leaf(
            "gateway",
            &LeafSpec {
                emails: &["gateway@example.com"],
                ..LeafSpec::default()
            },
        );
        Fixture {
            pki,
            alice,
            alice_ec,
            bob,
            gateway,
        }
    })
}

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nPay Bob 100 euros.\r\n";

fn message() -> Vec<u8> {
    let mut m = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: layers\r\n".to_vec();
    m.extend_from_slice(ENTITY);
    m
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

fn sign_by(msg: &[u8], cert: &Cert, opaque: bool) -> Vec<u8> {
    let opts = SignOptions {
        opaque,
        ..SignOptions::default()
    };
    sign(msg, &[signer(cert)], &opts).expect("sign")
}

/// `msg` signed by `cert`, with the last byte of the signature value flipped.
fn sign_broken(msg: &[u8], cert: &Cert, opaque: bool) -> Vec<u8> {
    let split = mime::split_entity(msg).expect("split");
    let opts = SignOptions::default();
    let mut der = if opaque {
        sign_opaque_der(&split.entity, &[signer(cert)], &opts)
    } else {
        sign_detached_der(&split.entity, &[signer(cert)], &opts)
    }
    .expect("sign");
    // The signature value is the last field of the last SignerInfo.
    if let Some(last) = der.last_mut() {
        *last ^= 0x01;
    }
    if opaque {
        mime::write_pkcs7_mime(&split.outer_headers, &der, "signed-data", "smime.p7m")
    } else {
        mime::write_multipart_signed(&split.outer_headers, &split.entity, &der, "sha-256")
    }
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        ..VerifyOptions::default()
    }
}

fn check(msg: &[u8]) -> VerifyReport {
    verify(msg, &options()).expect("verify runs")
}

fn key_of(cert: &Cert) -> Identity {
    Identity::new(
        Arc::new(SoftwareKey::from_bytes(&cert.key_pem).expect("load key")),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("identity")
}

fn keys() -> Vec<Identity> {
    vec![key_of(&fixture().bob)]
}

fn encrypt_to_bob(msg: &[u8]) -> Vec<u8> {
    encrypt(
        msg,
        &[fixture().bob.certificate()],
        &EncryptOptions::default(),
    )
    .expect("encrypt")
}

const KINDS: [(&str, bool); 2] = [("multipart/signed", false), ("opaque", true)];

// ---------------------------------------------------------------------------------------------
// Every signed layer is verified
// ---------------------------------------------------------------------------------------------

#[test]
fn both_layers_good_is_trusted_and_both_are_reported() {
    let f = fixture();
    for (outer_name, outer_opaque) in KINDS {
        for (inner_name, inner_opaque) in KINDS {
            let what = format!("{outer_name} around {inner_name}");
            let inner = sign_by(&message(), &f.alice, inner_opaque);
            let outer = sign_by(&inner, &f.alice_ec, outer_opaque);
            let r = check(&outer);
            assert_eq!(r.verdict(), Verdict::Trusted, "{what}: {r:#?}");
            assert_eq!(r.inner.len(), 1, "{what}");
            assert_eq!(r.layers().count(), 2, "{what}");
            // The outer layer is alice's EC certificate, the inner her RSA one.
            let subject = |r: &VerifyReport| {
                r.signers[0]
                    .certificate
                    .as_ref()
                    .map(|c| c.subject().to_string())
                    .unwrap_or_default()
            };
            assert!(subject(&r).contains("alice-ec"), "{what}");
            assert!(subject(&r.inner[0]).contains("CN=alice"), "{what}");
            assert!(!subject(&r.inner[0]).contains("alice-ec"), "{what}");
            assert_eq!(r.layer_verdict(), Verdict::Trusted, "{what}");
            assert_eq!(r.inner[0].layer_verdict(), Verdict::Trusted, "{what}");
            assert_eq!(r.inner[0].addresses_checked, vec!["alice@example.com"]);
            // The content is what the user reads, not the inner S/MIME entity.
            assert_eq!(r.content, ENTITY, "{what}");
            assert_eq!(r.content_signers().len(), 1, "{what}");
            assert!(
                r.content_signers()[0]
                    .certificate
                    .as_ref()
                    .is_some_and(|c| !c.subject().contains("alice-ec")),
                "{what}"
            );
        }
    }
}

#[test]
fn inner_bad_signature_is_not_trusted_even_under_a_good_outer_one() {
    let f = fixture();
    for (outer_name, outer_opaque) in KINDS {
        for (inner_name, inner_opaque) in KINDS {
            let what = format!("{outer_name} around {inner_name}");
            let inner = sign_broken(&message(), &f.bob, inner_opaque);
            let outer = sign_by(&inner, &f.alice, outer_opaque);
            let r = check(&outer);
            assert_eq!(r.layer_verdict(), Verdict::Trusted, "{what}");
            assert_eq!(r.inner.len(), 1, "{what}");
            assert_eq!(
                r.inner[0].layer_verdict(),
                Verdict::SignatureInvalid,
                "{what}"
            );
            assert_eq!(r.verdict(), Verdict::SignatureInvalid, "{what}");
            assert!(!r.is_trusted(), "{what}");
            assert_eq!(r.content, ENTITY, "{what}");
        }
    }
}

#[test]
fn outer_bad_layer_is_reported_but_does_not_hide_a_good_inner_one() {
    let f = fixture();
    for (outer_name, outer_opaque) in KINDS {
        for (inner_name, inner_opaque) in KINDS {
            let what = format!("{outer_name} around {inner_name}");
            let inner = sign_by(&message(), &f.alice, inner_opaque);
            // A broken outer signature.
            let outer = sign_broken(&inner, &f.gateway, outer_opaque);
            let r = check(&outer);
            assert_eq!(r.layer_verdict(), Verdict::SignatureInvalid, "{what}");
            assert_eq!(r.inner[0].layer_verdict(), Verdict::Trusted, "{what}");
            assert_eq!(r.verdict(), Verdict::Trusted, "{what}");
            // A gateway that is not the sender signs around alice's signature.
            let outer = sign_by(&inner, &f.gateway, outer_opaque);
            let r = check(&outer);
            assert_eq!(r.layer_verdict(), Verdict::AddressMismatch, "{what}");
            assert_eq!(r.verdict(), Verdict::Trusted, "{what}");
            assert_eq!(r.content, ENTITY, "{what}");
        }
    }
}

#[test]
fn inner_signer_who_is_not_the_sender_is_an_address_mismatch() {
    let f = fixture();
    for (outer_name, outer_opaque) in KINDS {
        for (inner_name, inner_opaque) in KINDS {
            let what = format!("{outer_name} around {inner_name}");
            // Bob signed the content; alice (the From) only signed around it.
            let inner = sign_by(&message(), &f.bob, inner_opaque);
            let outer = sign_by(&inner, &f.alice, outer_opaque);
            let r = check(&outer);
            assert_eq!(r.layer_verdict(), Verdict::Trusted, "{what}");
            assert_eq!(
                r.inner[0].layer_verdict(),
                Verdict::AddressMismatch,
                "{what}"
            );
            assert_eq!(r.verdict(), Verdict::AddressMismatch, "{what}");
        }
    }
}

/// Item 14, a signed part wrapped in multipart/mixed with attacker text: the part's layers
/// verify (trusted on their own) but the message is `PartiallySigned` with the part's path,
/// never trusted as a whole.
#[test]
fn attack_bar_14_a_signed_part_inside_a_multipart_mixed_is_verified_and_partial() {
    let f = fixture();
    let inner = sign_by(&message(), &f.alice, false);
    let outer = sign_by(&inner, &f.alice_ec, true);
    let split = mime::split_entity(&outer).expect("split");
    let mut mixed = b"From: alice@example.com\r\nSubject: mixed\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
        .to_vec();
    mixed.extend_from_slice(&split.entity);
    mixed.extend_from_slice(
        b"\r\n--b1\r\nContent-Type: text/plain\r\n\r\nUnsigned P.S.\r\n--b1--\r\n",
    );
    let r = check(&mixed);
    assert_eq!(r.scope, SignedScope::Part { path: vec![0] });
    assert_eq!(r.inner.len(), 1);
    assert_eq!(r.inner[0].layer_verdict(), Verdict::Trusted);
    assert_eq!(r.verdict(), Verdict::PartiallySigned { path: vec![0] });
}

#[test]
fn layers_are_bounded() {
    let f = fixture();
    let mut msg = message();
    for i in 0..MAX_LAYERS {
        msg = sign_by(&msg, &f.alice_ec, i % 2 == 0);
    }
    let r = check(&msg);
    assert_eq!(r.layers().count(), MAX_LAYERS);
    assert_eq!(r.verdict(), Verdict::Trusted);
    let opened = open(&msg, &keys(), &options()).expect("open");
    assert_eq!(opened.layers.len(), MAX_LAYERS);
    assert_eq!(opened.verdict(), Verdict::Trusted);
    let msg = sign_by(&msg, &f.alice_ec, true);
    assert!(matches!(
        verify(&msg, &options()),
        Err(VerifyError::Parse(ParseError::TooDeep { .. }))
    ));
    assert!(matches!(
        open(&msg, &keys(), &options()),
        Err(DecryptError::Parse(ParseError::TooDeep { .. }))
    ));
}

// ---------------------------------------------------------------------------------------------
// A signature outside the encryption covers ciphertext
// ---------------------------------------------------------------------------------------------

fn assert_ciphertext_only(msg: &[u8], what: &str) {
    // verify: the signature is over the encrypted entity; the content must be decrypted.
    let r = check(msg);
    assert_eq!(r.scope, SignedScope::Ciphertext, "{what}");
    assert_eq!(r.layer_verdict(), Verdict::CiphertextOnly, "{what}");
    assert_eq!(r.verdict(), Verdict::Encrypted, "{what}");
    assert!(r.content_signers().is_empty(), "{what}");
    assert!(!r.is_trusted(), "{what}");
    // open: decrypted, and the content reads as not signed.
    let opened = open(msg, &keys(), &options()).expect("open");
    assert_eq!(opened.layers.len(), 2, "{what}: {:?}", opened.layers);
    match &opened.layers[0] {
        Layer::Signed(r) => {
            assert!(
                r.signers[0].passed(),
                "{what}: the signature itself is good"
            );
            assert_eq!(r.scope, SignedScope::Ciphertext, "{what}");
            assert_eq!(r.verdict(), Verdict::CiphertextOnly, "{what}");
        }
        other => panic!("{what}: first layer {other:?}"),
    }
    assert!(
        matches!(opened.layers[1], Layer::Encrypted { .. }),
        "{what}"
    );
    assert!(opened.content_signatures().is_empty(), "{what}");
    assert!(opened.content_signers().is_empty(), "{what}");
    assert_eq!(opened.verdict(), Verdict::NotSigned, "{what}");
    assert!(!opened.all_signatures_trusted(), "{what}");
    assert!(
        opened.content.ends_with(b"Pay Bob 100 euros.\r\n"),
        "{what}"
    );
}

#[test]
fn encrypt_then_sign_ours_covers_only_ciphertext() {
    let f = fixture();
    for (name, opaque) in KINDS {
        let msg = sign_by(&encrypt_to_bob(&message()), &f.alice, opaque);
        assert_ciphertext_only(&msg, name);
    }
}

#[test]
fn encrypt_then_sign_by_openssl_covers_only_ciphertext() {
    let f = fixture();
    let d = f.pki.dir.path();
    std::fs::write(d.join("ets-plain.eml"), ENTITY).expect("write");
    openssl(
        &[
            "cms",
            "-encrypt",
            "-in",
            "ets-plain.eml",
            "-out",
            "ets-encrypted.eml",
            "-aes-256-gcm",
            "-recip",
            &s(&f.bob.cert_path),
        ],
        d,
    );
    for (name, extra) in [("multipart/signed", None), ("opaque", Some("-nodetach"))] {
        let out = format!("ets-signed-{}.eml", extra.is_some());
        let mut args = vec![
            "cms",
            "-sign",
            "-in",
            "ets-encrypted.eml",
            "-out",
            &out,
            "-from",
            "alice@example.com",
            "-to",
            "bob@example.com",
            "-subject",
            "encrypt then sign",
            "-signer",
        ];
        let cert = s(&f.alice.cert_path);
        let key = s(&f.alice.key_path);
        let chain = s(&f.pki.chain_path());
        args.extend([cert.as_str(), "-inkey", &key, "-certfile", &chain]);
        if let Some(e) = extra {
            args.push(e);
        }
        openssl(&args, d);
        let msg = std::fs::read(d.join(&out)).expect("read");
        assert_ciphertext_only(&msg, &format!("openssl {name}"));
    }
}

#[test]
fn triple_wrap_content_is_vouched_for_by_the_inner_signature_only() {
    let f = fixture();
    // Bob's key opens it; alice signs inside and the gateway outside.
    let inner = sign_by(&message(), &f.alice, false);
    let msg = sign_by(&encrypt_to_bob(&inner), &f.gateway, true);
    let opened = open(&msg, &keys(), &options()).expect("open");
    assert_eq!(opened.layers.len(), 3);
    match &opened.layers[0] {
        Layer::Signed(r) => assert_eq!(r.scope, SignedScope::Ciphertext),
        other => panic!("first layer {other:?}"),
    }
    assert_eq!(opened.content_signatures().len(), 1);
    let signers = opened.content_signers();
    assert_eq!(signers.len(), 1);
    assert!(
        signers[0]
            .certificate
            .as_ref()
            .is_some_and(|c| c.addresses() == ["alice@example.com"])
    );
    // The gateway's signature (not the sender) is over ciphertext: it does not matter.
    assert_eq!(opened.verdict(), Verdict::Trusted);
    assert_eq!(opened.content, ENTITY);
    // With bob signing inside, the content is bob's and not the sender's.
    let inner = sign_by(&message(), &f.bob, true);
    let msg = sign_by(&encrypt_to_bob(&inner), &f.alice, false);
    let opened = open(&msg, &keys(), &options()).expect("open");
    assert_eq!(opened.verdict(), Verdict::AddressMismatch);
    assert!(!opened.all_signatures_trusted());
}

// ---------------------------------------------------------------------------------------------
// verify, decrypt and open agree about what a message is
// ---------------------------------------------------------------------------------------------

/// What verify, decrypt and open say about `msg`; panics when they disagree.
fn agree(msg: &[u8], what: &str) -> bool {
    let r = verify(msg, &options());
    let d = decrypt(msg, &keys(), &smime::policy::Policy::default());
    let o = open(msg, &keys(), &options());
    let verify_says_encrypted = match &r {
        Ok(r) => r.verdict() == Verdict::Encrypted,
        Err(e) => panic!("{what}: verify: {e}"),
    };
    let decrypt_says_encrypted = match &d {
        Ok(_) => true,
        Err(DecryptError::NotEncrypted) => false,
        Err(e) => panic!("{what}: decrypt: {e}"),
    };
    let open_says_encrypted = match &o {
        Ok(o) => o
            .layers
            .iter()
            .any(|l| matches!(l, Layer::Encrypted { .. })),
        Err(e) => panic!("{what}: open: {e}"),
    };
    assert_eq!(
        verify_says_encrypted, decrypt_says_encrypted,
        "{what}: verify and decrypt disagree ({r:?} / {d:?})"
    );
    assert_eq!(
        verify_says_encrypted, open_says_encrypted,
        "{what}: verify and open disagree"
    );
    if let (Ok(d), Ok(o)) = (&d, &o) {
        // Both opened the same encrypted layer, and open reached the text.
        assert_eq!(d.key_index, 0, "{what}");
        assert!(
            o.content.ends_with(b"Pay Bob 100 euros.\r\n"),
            "{what}: open shows {:?}",
            String::from_utf8_lossy(&o.content)
        );
    }
    verify_says_encrypted
}

/// `entity` (a MIME entity with its Content-* headers) as the first part of a multipart of
/// type `ctype` (with its parameters), followed by a second part `second`.
fn wrapped(ctype: &str, entity: &[u8], second: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "From: alice@example.com\r\nSubject: wrapped\r\nContent-Type: {ctype}; boundary=\"w1\"\r\n\r\n--w1\r\n"
    )
    .into_bytes();
    m.extend_from_slice(entity);
    m.extend_from_slice(b"\r\n--w1\r\n");
    m.extend_from_slice(second);
    m.extend_from_slice(b"\r\n--w1--\r\n");
    m
}

fn entity_of(msg: &[u8]) -> Vec<u8> {
    mime::split_entity(msg).expect("split").entity
}

#[test]
fn verify_decrypt_and_open_agree_on_every_nesting() {
    let f = fixture();
    let encrypted = encrypt_to_bob(&message());
    let signed = sign_by(&message(), &f.alice, false);
    let pgp_sig =
        b"Content-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n\
iQEzBAEBCAAdFiEE\r\n-----END PGP SIGNATURE-----\r\n";
    let text = b"Content-Type: text/plain\r\n\r\nAn unsigned part.\r\n";
    let encrypted_cms = mime::parse(&encrypted, &mime::Limits::default())
        .expect("parse")
        .smime[0]
        .cms
        .clone();
    let signed_cms = mime::parse(
        &sign_by(&message(), &f.alice, true),
        &mime::Limits::default(),
    )
    .expect("parse")
    .smime[0]
        .cms
        .clone();
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("plain", message(), false),
        ("signed", signed.clone(), false),
        ("encrypted", encrypted.clone(), true),
        (
            "signed around encrypted, multipart/signed",
            sign_by(&encrypted, &f.alice, false),
            true,
        ),
        (
            "signed around encrypted, opaque",
            sign_by(&encrypted, &f.alice, true),
            true,
        ),
        (
            "signed twice around encrypted",
            sign_by(&sign_by(&encrypted, &f.alice, true), &f.alice_ec, false),
            true,
        ),
        (
            "encrypted around signed",
            encrypt_to_bob(&sign_by(&message(), &f.alice, true)),
            true,
        ),
        (
            "OpenPGP multipart/signed around S/MIME encrypted",
            wrapped(
                "multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256",
                &entity_of(&encrypted),
                pgp_sig,
            ),
            true,
        ),
        (
            "multipart/mixed whose first part is S/MIME encrypted",
            wrapped("multipart/mixed", &entity_of(&encrypted), text),
            true,
        ),
        (
            "multipart/mixed whose first part is S/MIME signed",
            wrapped("multipart/mixed", &entity_of(&signed), text),
            false,
        ),
        (
            "multipart/mixed whose first part is signed around encrypted",
            wrapped(
                "multipart/mixed",
                &entity_of(&sign_by(&encrypted, &f.alice, true)),
                text,
            ),
            true,
        ),
        (
            "smime-type signed-data over enveloped CMS",
            mime::write_pkcs7_mime(
                b"From: alice@example.com\r\n",
                &encrypted_cms,
                "signed-data",
                "smime.p7m",
            ),
            true,
        ),
        (
            "smime-type enveloped-data over signed CMS",
            mime::write_pkcs7_mime(
                b"From: alice@example.com\r\n",
                &signed_cms,
                "enveloped-data",
                "smime.p7m",
            ),
            false,
        ),
    ];
    for (what, msg, encrypted) in cases {
        assert_eq!(agree(&msg, what), encrypted, "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// What a keyring learns from a nested message
// ---------------------------------------------------------------------------------------------

/// Item 15, second clause, nested messages: the keyring learns only from the signature that
/// vouches for the content shown; an outer signature and one over ciphertext teach nothing.
#[test]
fn attack_bar_15_harvest_learns_only_from_the_layer_that_vouches_for_the_content() {
    use smime::keyring::{Fingerprint, Keyring};
    use std::time::SystemTime;
    let f = fixture();
    // Alice's signature inside, a gateway (not the sender) around it: trusted for alice.
    let inner = sign_by(&message(), &f.alice, true);
    let msg = sign_by(&inner, &f.gateway, false);
    let r = check(&msg);
    assert_eq!(r.verdict(), Verdict::Trusted);
    let mut ring = Keyring::new();
    let h = ring.harvest(&r, SystemTime::now());
    assert_eq!(h.added, vec![Fingerprint::of(&f.alice.der)]);
    assert!(ring.contact(&Fingerprint::of(&f.gateway.der)).is_none());
    // A signature over ciphertext teaches nothing.
    let msg = sign_by(&encrypt_to_bob(&message()), &f.gateway, true);
    let r = check(&msg);
    let h = ring.harvest(&r, SystemTime::now());
    assert!(h.added.is_empty() && h.seen_again.is_empty(), "{h:?}");
    assert!(ring.contact(&Fingerprint::of(&f.gateway.der)).is_none());
}
