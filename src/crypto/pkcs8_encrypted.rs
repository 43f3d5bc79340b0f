//! Password-protected private keys: PKCS#8 `EncryptedPrivateKeyInfo` (RFC 5958 section 3),
//! PEM (`ENCRYPTED PRIVATE KEY`) or DER.
//!
//! [`decrypt_pkcs8`] reads what `openssl pkcs8 -topk8`, `openssl genpkey -aes256`, NSS and
//! Java write: PBES2 (RFC 8018; PBKDF2 with HMAC-SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512;
//! AES-128/192/256-CBC or DES-EDE3-CBC) and the PKCS#12 PBE schemes (RFC 7292 appendix C:
//! pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd2-KeyTripleDES-CBC,
//! pbeWithSHAAnd128BitRC2-CBC, pbeWithSHAAnd40BitRC2-CBC). The decryption is
//! [`crate::crypto::pbe`], which the PKCS#12 reader uses too, so both readers accept and refuse
//! the same things.
//!
//! The iteration count is checked against the caller's limit before any key derivation runs,
//! so a hostile file cannot make the reader spin ([`KeyError::IterationsTooHigh`]). A wrong
//! password is [`KeyError::WrongPassword`]: either the CBC padding is wrong or what decrypts is
//! not a `PrivateKeyInfo`.
//!
//! [`encrypt_pkcs8`] writes PBES2 with PBKDF2-HMAC-SHA-256 ([`ENCRYPT_ITERATIONS`]
//! iterations) and AES-256-CBC under a random salt and IV, which OpenSSL, NSS and Java read.
//!
//! Legacy OpenSSL PEM encryption (`Proc-Type: 4,ENCRYPTED` and `DEK-Info` headers in an
//! `RSA PRIVATE KEY` or `EC PRIVATE KEY` block, with its single-MD5 key derivation) is not
//! supported; [`decrypt_pkcs8`] says so and how to convert such a key.

use crate::asn1::ber;
use crate::asn1::tlv;
use crate::bytes::contains;
use crate::crypto::keys::{SoftwareKey, pem_blocks};
use crate::crypto::pbe::{self, IterationBudget, PbeError};
use crate::error::KeyError;
use zeroize::Zeroizing;

/// The PBKDF2 iteration count [`encrypt_pkcs8`] writes (the OWASP 2023 figure for
/// PBKDF2-HMAC-SHA-256).
pub const ENCRYPT_ITERATIONS: u32 = 600_000;

/// A limit on the iterations a key may ask for that accepts what common tools write (OpenSSL
/// writes 2048, this library [`ENCRYPT_ITERATIONS`]) with room to spare.
pub const DEFAULT_MAX_ITERATIONS: u32 = 10_000_000;

/// The largest encrypted key accepted, in bytes (an RSA-16384 key is about 10 KiB).
const MAX_INPUT: usize = 1024 * 1024;

/// The PEM label of an encrypted PKCS#8 key.
const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// What to tell the owner of a legacy encrypted PEM key.
const LEGACY_HINT: &str = "legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED) is not \
     supported; convert the key to encrypted PKCS#8 with \
     `openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key`";

/// Whether `bytes` look like an encrypted PKCS#8 key: a PEM `ENCRYPTED PRIVATE KEY` block, or
/// DER (or BER) shaped as `EncryptedPrivateKeyInfo` (a SEQUENCE of an AlgorithmIdentifier and an
/// OCTET STRING). Nothing is decrypted, so callers can decide whether to ask for a password.
///
/// Legacy encrypted PEM (see [`is_legacy_encrypted_pem`]) is not encrypted PKCS#8 and gives
/// `false`.
pub fn is_encrypted_pkcs8(bytes: &[u8]) -> bool {
    if bytes.len() > MAX_INPUT {
        return false;
    }
    if contains(bytes, b"-----BEGIN ") {
        return contains(bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----");
    }
    encrypted_parts(bytes).is_ok()
}

/// Whether `bytes` hold a PEM private key under legacy OpenSSL encryption (a
/// `Proc-Type: 4,ENCRYPTED` header), which [`decrypt_pkcs8`] refuses with
/// [`KeyError::Unsupported`] and a hint to convert it.
pub fn is_legacy_encrypted_pem(bytes: &[u8]) -> bool {
    if bytes.len() > MAX_INPUT || !contains(bytes, b"-----BEGIN ") {
        return false;
    }
    String::from_utf8_lossy(bytes).lines().any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("Proc-Type")
            && value.to_ascii_uppercase().contains("ENCRYPTED")
    })
}

/// Decrypts an encrypted PKCS#8 key (PEM `ENCRYPTED PRIVATE KEY` or DER
/// `EncryptedPrivateKeyInfo`) and returns the DER `PrivateKeyInfo`.
///
/// A key derivation asking for more than `max_iterations` iterations is refused with
/// [`KeyError::IterationsTooHigh`] before it runs ([`DEFAULT_MAX_ITERATIONS`] is a sensible
/// limit). A wrong password is [`KeyError::WrongPassword`]; an algorithm this library does not
/// implement (scrypt, PBES1 with DES or MD5, RC4) is [`KeyError::Unsupported`], as is legacy
/// OpenSSL PEM encryption, with a hint to convert the key; input that is no encrypted key at all
/// is [`KeyError::Unrecognized`].
///
/// PBES2 uses the password's UTF-8 bytes, the PKCS#12 schemes its BMPString (UTF-16) encoding,
/// as OpenSSL does.
pub fn decrypt_pkcs8(
    bytes: &[u8],
    password: &str,
    max_iterations: u32,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let der = encrypted_der(bytes)?;
    let root = encrypted_parts(&der)?;
    let (Some(alg), Some(data)) = (root.children.first(), root.children.get(1)) else {
        return Err(KeyError::Unrecognized {
            detail: "EncryptedPrivateKeyInfo: missing fields".into(),
        });
    };
    let ciphertext = data.string_bytes(&der).map_err(unrecognized)?;
    if ciphertext.is_empty() {
        return Err(KeyError::Unrecognized {
            detail: "EncryptedPrivateKeyInfo: the encrypted data is empty".into(),
        });
    }
    let mut budget = IterationBudget::new(max_iterations, u64::MAX);
    let plain = pbe::decrypt(
        &der,
        alg,
        &ciphertext,
        password.as_bytes(),
        &crate::crypto::kdf::bmp_password(password),
        &mut budget,
    )
    .map_err(from_pbe)?;
    // Padding that happens to look right under a wrong password leaves garbage: a wrong
    // password too.
    pbe::normalize_private_key_info(&plain).map_err(|_| KeyError::WrongPassword)
}

/// Encrypts a DER PKCS#8 `PrivateKeyInfo` under `password` and returns the DER
/// `EncryptedPrivateKeyInfo`: PBES2 with PBKDF2-HMAC-SHA-256 ([`ENCRYPT_ITERATIONS`]
/// iterations, random 16-byte salt) and AES-256-CBC (random IV).
///
/// The input must be a `PrivateKeyInfo` ([`KeyError::Unrecognized`] otherwise); it is
/// re-encoded as DER first. Use `pem_rfc7468` with the label `ENCRYPTED PRIVATE KEY` for PEM.
pub fn encrypt_pkcs8(pkcs8_der: &[u8], password: &str) -> Result<Vec<u8>, KeyError> {
    encrypt_pkcs8_with_iterations(pkcs8_der, password, ENCRYPT_ITERATIONS)
}

/// [`encrypt_pkcs8`] with a chosen PBKDF2 iteration count (at least 1000).
pub fn encrypt_pkcs8_with_iterations(
    pkcs8_der: &[u8],
    password: &str,
    iterations: u32,
) -> Result<Vec<u8>, KeyError> {
    if iterations < 1000 {
        return Err(KeyError::Unsupported {
            detail: format!("{iterations} PBKDF2 iterations are too few (1000 at least)"),
        });
    }
    let key = pbe::normalize_private_key_info(pkcs8_der).map_err(|e| KeyError::Unrecognized {
        detail: format!("not a PKCS#8 PrivateKeyInfo: {e}"),
    })?;
    let (alg, ciphertext) = pbe::pbes2_encrypt(password, &key, iterations).map_err(from_pbe)?;
    Ok(tlv(0x30, &[alg, tlv(0x04, &ciphertext)].concat()))
}

impl SoftwareKey {
    /// Reads an encrypted PKCS#8 key (PEM or DER): [`decrypt_pkcs8`] then
    /// [`SoftwareKey::from_pkcs8_der`].
    pub fn from_encrypted(
        bytes: &[u8],
        password: &str,
        max_iterations: u32,
    ) -> Result<SoftwareKey, KeyError> {
        let der = decrypt_pkcs8(bytes, password, max_iterations)?;
        SoftwareKey::from_pkcs8_der(&der)
    }
}

/// The DER of the encrypted key: from its PEM block, or the input itself.
fn encrypted_der(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if bytes.is_empty() {
        return Err(KeyError::Unrecognized {
            detail: "the key file is empty".into(),
        });
    }
    if bytes.len() > MAX_INPUT {
        return Err(KeyError::Unrecognized {
            detail: format!("the key file is larger than {MAX_INPUT} bytes"),
        });
    }
    if is_legacy_encrypted_pem(bytes) {
        return Err(KeyError::Unsupported {
            detail: LEGACY_HINT.into(),
        });
    }
    let blocks = pem_blocks(bytes, 16).map_err(|e| KeyError::Unrecognized {
        detail: e.to_string(),
    })?;
    let Some(blocks) = blocks else {
        return Ok(Zeroizing::new(bytes.to_vec()));
    };
    let mut labels = Vec::new();
    for (label, der) in blocks {
        if label == ENCRYPTED_LABEL {
            return Ok(der);
        }
        labels.push(label);
    }
    let detail = if labels.iter().any(|l| l.ends_with("PRIVATE KEY")) {
        "the key is not encrypted; read it without a password".to_string()
    } else {
        format!(
            "no ENCRYPTED PRIVATE KEY block in the PEM input (found: {})",
            if labels.is_empty() {
                "nothing".to_string()
            } else {
                labels.join(", ")
            }
        )
    };
    Err(KeyError::Unrecognized { detail })
}

/// Parses `der` as an `EncryptedPrivateKeyInfo` far enough to know its shape.
fn encrypted_parts(der: &[u8]) -> Result<ber::Node, KeyError> {
    let root = ber::parse(der).map_err(unrecognized)?;
    let shape_ok = root.tag == 0x30
        && root.children.len() == 2
        && root.children.first().is_some_and(|alg| {
            alg.tag == 0x30 && alg.children.first().is_some_and(|oid| oid.tag == 0x06)
        })
        && root
            .children
            .get(1)
            .is_some_and(|d| d.tag == 0x04 || d.tag == 0x24);
    if !shape_ok {
        return Err(KeyError::Unrecognized {
            detail: "not an EncryptedPrivateKeyInfo (PKCS#8) structure".into(),
        });
    }
    Ok(root)
}

fn unrecognized(e: crate::error::ParseError) -> KeyError {
    KeyError::Unrecognized {
        detail: format!("EncryptedPrivateKeyInfo: {e}"),
    }
}

/// The key-loading view of a password-based decryption error.
fn from_pbe(e: PbeError) -> KeyError {
    match e {
        PbeError::WrongPassword => KeyError::WrongPassword,
        PbeError::TooManyIterations { found, limit } => {
            KeyError::IterationsTooHigh { found, limit }
        }
        PbeError::Unsupported(detail) => KeyError::Unsupported { detail },
        PbeError::Random(detail) => KeyError::Random { detail },
        PbeError::Malformed(detail) => KeyError::Unrecognized {
            detail: format!("malformed PKCS#8 encryption: {detail}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_PEM: &[u8] = include_bytes!("../testdata/alice-p256.key.pem");

    fn plain_der() -> Vec<u8> {
        let blocks = pem_blocks(KEY_PEM, 4).unwrap().unwrap();
        blocks
            .into_iter()
            .find(|(l, _)| l == "PRIVATE KEY")
            .unwrap()
            .1
            .to_vec()
    }

    #[test]
    fn round_trip_and_sniffing() {
        let plain = plain_der();
        let enc = encrypt_pkcs8_with_iterations(&plain, "pw", 1000).unwrap();
        assert!(is_encrypted_pkcs8(&enc));
        assert!(!is_encrypted_pkcs8(&plain));
        assert!(!is_encrypted_pkcs8(KEY_PEM));
        assert_eq!(&decrypt_pkcs8(&enc, "pw", 1000).unwrap()[..], &plain[..]);
        assert_eq!(
            decrypt_pkcs8(&enc, "wrong", 1000).unwrap_err(),
            KeyError::WrongPassword
        );
        assert_eq!(
            decrypt_pkcs8(&enc, "pw", 999).unwrap_err(),
            KeyError::IterationsTooHigh {
                found: 1000,
                limit: 999
            }
        );
        let pem =
            pem_rfc7468::encode_string(ENCRYPTED_LABEL, pem_rfc7468::LineEnding::LF, &enc).unwrap();
        assert!(is_encrypted_pkcs8(pem.as_bytes()));
        assert!(SoftwareKey::from_encrypted(pem.as_bytes(), "pw", 1000).is_ok());
    }

    #[test]
    fn hostile_inputs_are_errors() {
        for bad in [
            &b""[..],
            b"\x30",
            b"\x30\x00",
            b"\x30\x05\x30\x03\x06\x01\x00",
            b"garbage garbage",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(matches!(
                decrypt_pkcs8(bad, "pw", 1000),
                Err(KeyError::Unrecognized { .. })
            ));
        }
        assert!(matches!(
            decrypt_pkcs8(KEY_PEM, "pw", 1000),
            Err(KeyError::Unrecognized { detail }) if detail.contains("not encrypted")
        ));
        assert!(matches!(
            encrypt_pkcs8(b"\x30\x00", "pw"),
            Err(KeyError::Unrecognized { .. })
        ));
    }
}
