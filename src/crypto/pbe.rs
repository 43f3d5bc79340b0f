//! Password-based encryption, shared by PKCS#12 ([`crate::pkcs12`]) and encrypted PKCS#8 keys
//! ([`super::pkcs8_encrypted`]), so that both readers accept and refuse the same things:
//!
//! - PBES2 (RFC 8018): PBKDF2 with HMAC-SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512, and
//!   AES-128/192/256-CBC or DES-EDE3-CBC;
//! - the PKCS#12 PBE schemes (RFC 7292 appendix C): pbeWithSHAAnd3-KeyTripleDES-CBC,
//!   pbeWithSHAAnd2-KeyTripleDES-CBC, pbeWithSHAAnd128BitRC2-CBC, pbeWithSHAAnd40BitRC2-CBC;
//! - the PKCS#12 integrity MAC (HMAC under the appendix B key derivation).
//!
//! Every derivation is charged to an [`IterationBudget`] before it runs, so a hostile file
//! cannot make a reader spin.

use super::cipher::{self, CbcCipher, CipherError};
use super::kdf::{self, PKCS12_KDF_IV, PKCS12_KDF_KEY, PKCS12_KDF_MAC, Prf};
use super::rng;
use crate::asn1::ber::{self, Node};
use crate::error::ParseError;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString};
use der::{Decode, Encode, Sequence};
use digest::Digest;
use digest::block_api::EagerHash;
use hmac::{Hmac, Mac};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

/// pbeWithSHAAnd128BitRC4
pub const PBE_SHA1_RC4_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
/// pbeWithSHAAnd40BitRC4
pub const PBE_SHA1_RC4_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
/// pbeWithSHAAnd3-KeyTripleDES-CBC
pub const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
/// pbeWithSHAAnd2-KeyTripleDES-CBC
pub const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
/// pbeWithSHAAnd128BitRC2-CBC
pub const PBE_SHA1_RC2_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
/// pbewithSHAAnd40BitRC2-CBC
pub const PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
/// id-PBES2
pub const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
/// id-PBKDF2
pub const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
/// id-PBMAC1 (RFC 9579; recognised to be refused by name)
pub const PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");
/// id-scrypt (recognised to be refused by name)
pub const SCRYPT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11591.4.11");
/// id-hmacWithSHA1
pub const HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
/// id-hmacWithSHA224
pub const HMAC_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.8");
/// id-hmacWithSHA256
pub const HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
/// id-hmacWithSHA384
pub const HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
/// id-hmacWithSHA512
pub const HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
/// id-sha224
pub const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");

/// The longest salt accepted.
pub const MAX_SALT_LEN: usize = 1024;

/// Why a password-based decryption (or encryption) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PbeError {
    /// The parameters are not well-formed.
    Malformed(String),
    /// A scheme, key derivation, PRF or cipher this library does not implement.
    Unsupported(String),
    /// A derivation asks for more iterations than the budget allows.
    TooManyIterations {
        /// The iteration count found (or the total so far).
        found: u64,
        /// The limit.
        limit: u64,
    },
    /// The padding of the decrypted data is wrong: what a wrong password gives.
    WrongPassword,
    /// The random generator failed (encryption only).
    Random(String),
}

impl std::fmt::Display for PbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PbeError::Malformed(d) => write!(f, "malformed password-based encryption: {d}"),
            PbeError::Unsupported(d) => write!(f, "unsupported: {d}"),
            PbeError::TooManyIterations { found, limit } => write!(
                f,
                "{found} key-derivation iterations asked for, more than the limit of {limit}"
            ),
            PbeError::WrongPassword => f.write_str("wrong password"),
            PbeError::Random(d) => write!(f, "the random generator failed: {d}"),
        }
    }
}

impl std::error::Error for PbeError {}

impl From<ParseError> for PbeError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::Empty => PbeError::Malformed("an empty structure".into()),
            other => PbeError::Malformed(other.to_string()),
        }
    }
}

fn malformed(detail: impl Into<String>) -> PbeError {
    PbeError::Malformed(detail.into())
}

fn unsupported(detail: impl Into<String>) -> PbeError {
    PbeError::Unsupported(detail.into())
}

/// How many key-derivation iterations a reader may spend: per derivation and in total.
#[derive(Debug, Clone)]
pub struct IterationBudget {
    max_iterations: u32,
    max_total: u64,
    spent: u64,
}

impl IterationBudget {
    /// A budget of `max_iterations` per derivation and `max_total` for all of them.
    pub fn new(max_iterations: u32, max_total: u64) -> Self {
        IterationBudget {
            max_iterations,
            max_total,
            spent: 0,
        }
    }

    /// Charges one derivation of `iterations` rounds; refused (before it runs) when it is
    /// zero, above the per-derivation limit, or would exceed the total.
    pub fn charge(&mut self, iterations: u64) -> Result<u32, PbeError> {
        if iterations == 0 {
            return Err(malformed("an iteration count of zero"));
        }
        if iterations > u64::from(self.max_iterations) {
            return Err(PbeError::TooManyIterations {
                found: iterations,
                limit: u64::from(self.max_iterations),
            });
        }
        self.spent = self.spent.saturating_add(iterations);
        if self.spent > self.max_total {
            return Err(PbeError::TooManyIterations {
                found: self.spent,
                limit: self.max_total,
            });
        }
        u32::try_from(iterations).map_err(|_| malformed("iteration count"))
    }
}

// ---------------------------------------------------------------------------------------------
// Small BER helpers (shared with the PKCS#12 reader).

/// `node`, after checking it is there and has `tag`.
pub(crate) fn expect_tag<'n>(
    node: Option<&'n Node>,
    tag: u8,
    what: &str,
) -> Result<&'n Node, PbeError> {
    match node {
        Some(n) if n.tag == tag => Ok(n),
        Some(n) => Err(malformed(format!(
            "{what}: expected tag 0x{tag:02x}, found 0x{:02x}",
            n.tag
        ))),
        None => Err(malformed(format!("{what} is missing"))),
    }
}

/// The children of a constructed `node`.
pub(crate) fn children<'n>(node: &'n Node, what: &str) -> Result<&'n [Node], PbeError> {
    Ok(node.seq(what)?)
}

fn content<'a>(input: &'a [u8], node: &Node) -> Result<&'a [u8], PbeError> {
    input
        .get(node.content.clone())
        .ok_or_else(|| malformed("element runs past the end of the input"))
}

/// An OBJECT IDENTIFIER.
pub(crate) fn read_oid(
    input: &[u8],
    node: Option<&Node>,
    what: &str,
) -> Result<ObjectIdentifier, PbeError> {
    let node = expect_tag(node, 0x06, what)?;
    ObjectIdentifier::from_bytes(content(input, node)?)
        .map_err(|e| malformed(format!("{what}: {e}")))
}

/// A non-negative INTEGER; one too large for 64 bits reads as `u64::MAX` (above any limit).
pub(crate) fn read_uint(input: &[u8], node: Option<&Node>, what: &str) -> Result<u64, PbeError> {
    let node = expect_tag(node, 0x02, what)?;
    let bytes = content(input, node)?;
    if bytes.is_empty() || bytes[0] & 0x80 != 0 {
        return Err(malformed(format!("{what}: not a non-negative integer")));
    }
    let bytes = if bytes.len() > 1 && bytes[0] == 0 {
        &bytes[1..]
    } else {
        bytes
    };
    if bytes.len() > 8 {
        // Larger than any limit: report it as such rather than as malformed.
        return Ok(u64::MAX);
    }
    Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// An OCTET STRING, primitive or (BER) constructed.
pub(crate) fn read_octets(
    input: &[u8],
    node: Option<&Node>,
    what: &str,
) -> Result<Vec<u8>, PbeError> {
    let node = match node {
        Some(n) if n.tag == 0x04 || n.tag == 0x24 => n,
        Some(n) => {
            return Err(malformed(format!(
                "{what}: expected an OCTET STRING, found tag 0x{:02x}",
                n.tag
            )));
        }
        None => return Err(malformed(format!("{what} is missing"))),
    };
    Ok(node.string_bytes(input)?)
}

/// An AlgorithmIdentifier: its OID and its parameters node, if any.
pub(crate) fn read_algorithm<'n>(
    input: &[u8],
    node: Option<&'n Node>,
    what: &str,
) -> Result<(ObjectIdentifier, Option<&'n Node>), PbeError> {
    let node = expect_tag(node, 0x30, what)?;
    let parts = children(node, what)?;
    let oid = read_oid(input, parts.first(), what)?;
    Ok((oid, parts.get(1)))
}

fn read_salt(input: &[u8], node: Option<&Node>, what: &str) -> Result<Vec<u8>, PbeError> {
    let salt = read_octets(input, node, what)?;
    if salt.len() > MAX_SALT_LEN {
        return Err(malformed(format!("the {what} is too long")));
    }
    Ok(salt)
}

// ---------------------------------------------------------------------------------------------
// Decryption.

/// Decrypts `ciphertext` under the password-based scheme whose AlgorithmIdentifier is `alg` (a
/// node of `input`): PBES2 with `utf8_password` (the password's UTF-8 bytes, as OpenSSL uses
/// them) or a PKCS#12 PBE scheme with `bmp_password` (its BMPString form,
/// [`kdf::bmp_password`], or empty for an absent password). Each derivation is charged to
/// `budget` before it runs; wrong padding is [`PbeError::WrongPassword`].
pub fn decrypt(
    input: &[u8],
    alg: &Node,
    ciphertext: &[u8],
    utf8_password: &[u8],
    bmp_password: &[u8],
    budget: &mut IterationBudget,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let (oid, params) = read_algorithm(input, Some(alg), "encryption algorithm")?;
    let (cbc, key, iv) = if oid == PBES2 {
        pbes2_key(input, params, utf8_password, budget)?
    } else if oid == PBE_SHA1_3DES
        || oid == PBE_SHA1_2DES
        || oid == PBE_SHA1_RC2_128
        || oid == PBE_SHA1_RC2_40
    {
        let params = expect_tag(params, 0x30, "PKCS#12 PBE parameters")?;
        let p = children(params, "PKCS#12 PBE parameters")?;
        let salt = read_salt(input, p.first(), "PBE salt")?;
        let iterations = read_uint(input, p.get(1), "PBE iterations")?;
        let iterations = budget.charge(iterations)?;
        // The key and the IV are two derivations.
        budget.charge(u64::from(iterations))?;
        let (cbc, key_len) = if oid == PBE_SHA1_3DES {
            (CbcCipher::DesEde3, 24)
        } else if oid == PBE_SHA1_2DES {
            (CbcCipher::DesEde2, 16)
        } else if oid == PBE_SHA1_RC2_128 {
            (CbcCipher::Rc2, 16)
        } else {
            (CbcCipher::Rc2, 5)
        };
        let pw = bmp_password;
        let key = kdf::pkcs12_kdf::<sha1::Sha1>(pw, &salt, PKCS12_KDF_KEY, iterations, key_len);
        let iv = kdf::pkcs12_kdf::<sha1::Sha1>(pw, &salt, PKCS12_KDF_IV, iterations, 8);
        (cbc, key, iv.to_vec())
    } else if oid == PBE_SHA1_RC4_128 || oid == PBE_SHA1_RC4_40 {
        return Err(unsupported("pbeWithSHAAndRC4 (RC4 is broken)"));
    } else {
        return Err(unsupported(format!("encryption scheme {oid}")));
    };
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    match cipher::cbc_decrypt(cbc, &key, &iv, &mut buf) {
        Ok(()) => Ok(buf),
        Err(CipherError::Length) => Err(malformed("a key or IV of the wrong length")),
        Err(_) => Err(PbeError::WrongPassword),
    }
}

/// A cipher with the key and IV a password-based scheme derived (or read).
type DerivedKey = (CbcCipher, Zeroizing<Vec<u8>>, Vec<u8>);

/// The PBES2 (RFC 8018) cipher, key and IV.
fn pbes2_key(
    input: &[u8],
    params: Option<&Node>,
    password: &[u8],
    budget: &mut IterationBudget,
) -> Result<DerivedKey, PbeError> {
    let params = expect_tag(params, 0x30, "PBES2 parameters")?;
    let p = children(params, "PBES2 parameters")?;
    let (kdf_oid, kdf_params) = read_algorithm(input, p.first(), "PBES2 key derivation")?;
    if kdf_oid == SCRYPT {
        return Err(unsupported("scrypt key derivation"));
    }
    if kdf_oid != PBKDF2 {
        return Err(unsupported(format!("key derivation {kdf_oid}")));
    }
    let kdf_params = expect_tag(kdf_params, 0x30, "PBKDF2 parameters")?;
    let kp = children(kdf_params, "PBKDF2 parameters")?;
    if kp.first().is_some_and(|n| n.tag == 0x30) {
        return Err(unsupported("PBKDF2 salt from another source"));
    }
    let salt = read_salt(input, kp.first(), "PBKDF2 salt")?;
    let iterations = read_uint(input, kp.get(1), "PBKDF2 iterations")?;
    let mut rest = kp.get(2..).unwrap_or_default();
    let mut key_length = None;
    if let Some(n) = rest.first().filter(|n| n.tag == 0x02) {
        key_length = Some(read_uint(input, Some(n), "PBKDF2 key length")?);
        rest = &rest[1..];
    }
    let prf = match rest.first() {
        Some(n) => read_algorithm(input, Some(n), "PBKDF2 PRF")?.0,
        None => HMAC_SHA1,
    };
    let (enc, enc_params) = read_algorithm(input, p.get(1), "PBES2 encryption scheme")?;
    let (cbc, key_len) = if enc == crate::crypto::oids::AES128_CBC {
        (CbcCipher::Aes128, 16)
    } else if enc == cipher::AES192_CBC {
        (CbcCipher::Aes192, 24)
    } else if enc == crate::crypto::oids::AES256_CBC {
        (CbcCipher::Aes256, 32)
    } else if enc == cipher::DES_EDE3_CBC {
        (CbcCipher::DesEde3, 24)
    } else {
        return Err(unsupported(format!("PBES2 cipher {enc}")));
    };
    if key_length.is_some_and(|l| l != key_len as u64) {
        return Err(malformed("the PBKDF2 key length does not fit the cipher"));
    }
    let iv = read_octets(input, enc_params, "PBES2 IV")?;
    let iterations = budget.charge(iterations)?;
    let prf = if prf == HMAC_SHA1 {
        Prf::HmacSha1
    } else if prf == HMAC_SHA224 {
        Prf::HmacSha224
    } else if prf == HMAC_SHA256 {
        Prf::HmacSha256
    } else if prf == HMAC_SHA384 {
        Prf::HmacSha384
    } else if prf == HMAC_SHA512 {
        Prf::HmacSha512
    } else {
        return Err(unsupported(format!("PBKDF2 PRF {prf}")));
    };
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    kdf::pbkdf2(prf, password, &salt, iterations, &mut key);
    if iv.len() != cbc.iv_len() {
        return Err(malformed("the PBES2 IV has the wrong length"));
    }
    Ok((cbc, key, iv))
}

// ---------------------------------------------------------------------------------------------
// Encryption (PBES2, PBKDF2-HMAC-SHA-256, AES-256-CBC), written with the `der` types.

/// PBKDF2-params (RFC 8018 appendix A.2) as this library writes them.
#[derive(Sequence)]
struct Pbkdf2Params {
    salt: OctetString,
    iteration_count: u32,
    prf: AlgorithmIdentifierOwned,
}

/// PBES2-params (RFC 8018 appendix A.4).
#[derive(Sequence)]
struct Pbes2Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    encryption_scheme: AlgorithmIdentifierOwned,
}

fn der_error(e: der::Error) -> PbeError {
    malformed(format!("encoding: {e}"))
}

/// `AlgorithmIdentifier` for PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC.
fn pbes2_algorithm(salt: &[u8], iterations: u32, iv: &[u8]) -> Result<Vec<u8>, der::Error> {
    let kdf = Pbkdf2Params {
        salt: OctetString::new(salt)?,
        iteration_count: iterations,
        prf: AlgorithmIdentifierOwned {
            oid: HMAC_SHA256,
            parameters: Some(Any::null()),
        },
    };
    let params = Pbes2Params {
        key_derivation_func: AlgorithmIdentifierOwned {
            oid: PBKDF2,
            parameters: Some(Any::encode_from(&kdf)?),
        },
        encryption_scheme: AlgorithmIdentifierOwned {
            oid: crate::crypto::oids::AES256_CBC,
            parameters: Some(Any::encode_from(&OctetString::new(iv)?)?),
        },
    };
    AlgorithmIdentifierOwned {
        oid: PBES2,
        parameters: Some(Any::encode_from(&params)?),
    }
    .to_der()
}

/// Encrypts `plain` under PBES2 (PBKDF2-HMAC-SHA-256 with `iterations`, AES-256-CBC, random
/// 16-byte salt and IV); returns the DER AlgorithmIdentifier and the ciphertext.
pub fn pbes2_encrypt(
    password: &str,
    plain: &[u8],
    iterations: u32,
) -> Result<(Vec<u8>, Vec<u8>), PbeError> {
    let random = |n| rng::random_key(n).map_err(|e| PbeError::Random(e.to_string()));
    let salt = random(16)?;
    let iv = random(16)?;
    let mut key = Zeroizing::new([0u8; 32]);
    kdf::pbkdf2(
        Prf::HmacSha256,
        password.as_bytes(),
        &salt,
        iterations,
        &mut key[..],
    );
    let ct = cipher::cbc_encrypt(CbcCipher::Aes256, &key[..], &iv, plain)
        .map_err(|e| malformed(e.to_string()))?;
    let alg = pbes2_algorithm(&salt, iterations, &iv).map_err(der_error)?;
    Ok((alg, ct))
}

// ---------------------------------------------------------------------------------------------
// The PKCS#12 integrity MAC.

/// The digest of a PKCS#12 integrity MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MacHash {
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl MacHash {
    /// The hash for a digest OID; PBMAC1 and others are [`PbeError::Unsupported`].
    pub fn from_oid(alg: &ObjectIdentifier) -> Result<MacHash, PbeError> {
        use crate::crypto::oids;
        Ok(if *alg == oids::SHA1 {
            MacHash::Sha1
        } else if *alg == SHA224 {
            MacHash::Sha224
        } else if *alg == oids::SHA256 {
            MacHash::Sha256
        } else if *alg == oids::SHA384 {
            MacHash::Sha384
        } else if *alg == oids::SHA512 {
            MacHash::Sha512
        } else if *alg == PBMAC1 {
            return Err(unsupported("PBMAC1 integrity (RFC 9579)"));
        } else {
            return Err(unsupported(format!("MAC digest {alg}")));
        })
    }
}

fn hmac_of<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
) -> Option<Hmac<D>>
where
    Hmac<D>: hmac::KeyInit + Mac,
{
    let key = kdf::pkcs12_kdf::<D>(
        password,
        salt,
        PKCS12_KDF_MAC,
        iterations,
        <D as Digest>::output_size(),
    );
    let mut mac = <Hmac<D> as hmac::KeyInit>::new_from_slice(&key).ok()?;
    mac.update(data);
    Some(mac)
}

fn mac_matches<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
    expected: &[u8],
) -> bool
where
    Hmac<D>: hmac::KeyInit + Mac,
{
    hmac_of::<D>(password, salt, iterations, data).is_some_and(|m| m.verify_slice(expected).is_ok())
}

/// Whether `expected` is the PKCS#12 MAC of `data` under `password` (a BMPString, or empty),
/// `salt` and `iterations`. The comparison is constant-time.
pub fn pkcs12_mac_matches(
    hash: MacHash,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
    expected: &[u8],
) -> bool {
    match hash {
        MacHash::Sha1 => mac_matches::<sha1::Sha1>(password, salt, iterations, data, expected),
        MacHash::Sha224 => mac_matches::<sha2::Sha224>(password, salt, iterations, data, expected),
        MacHash::Sha256 => mac_matches::<sha2::Sha256>(password, salt, iterations, data, expected),
        MacHash::Sha384 => mac_matches::<sha2::Sha384>(password, salt, iterations, data, expected),
        MacHash::Sha512 => mac_matches::<sha2::Sha512>(password, salt, iterations, data, expected),
    }
}

/// The PKCS#12 HMAC-SHA-256 of `data` under `password` (a BMPString), `salt` and
/// `iterations`, as the writer puts it in MacData.
pub fn pkcs12_mac_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
) -> Result<Vec<u8>, PbeError> {
    hmac_of::<sha2::Sha256>(password, salt, iterations, data)
        .map(|m| m.finalize().into_bytes().to_vec())
        .ok_or_else(|| malformed("HMAC key setup"))
}

/// Re-encodes a PKCS#8 PrivateKeyInfo (BER) as DER and checks its outer shape.
pub fn normalize_private_key_info(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let node = ber::parse(der)?;
    let out = Zeroizing::new(node.to_der(der)?);
    pkcs8::PrivateKeyInfoRef::from_der(&out)
        .map_err(|e| malformed(format!("a key bag holds no PKCS#8 key: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_refuses_before_deriving() {
        let mut b = IterationBudget::new(10, 15);
        assert_eq!(b.charge(10), Ok(10));
        assert_eq!(
            b.charge(11),
            Err(PbeError::TooManyIterations {
                found: 11,
                limit: 10
            })
        );
        assert_eq!(
            b.charge(6),
            Err(PbeError::TooManyIterations {
                found: 16,
                limit: 15
            })
        );
        assert!(matches!(b.charge(0), Err(PbeError::Malformed(_))));
    }

    #[test]
    fn pbes2_round_trips_and_a_wrong_password_is_named() {
        let (alg, ct) = pbes2_encrypt("pw", b"the key", 1000).unwrap();
        let node = ber::parse(&alg).unwrap();
        let mut budget = IterationBudget::new(1000, 1000);
        let plain = decrypt(&alg, &node, &ct, b"pw", &[], &mut budget).unwrap();
        assert_eq!(plain.as_slice(), b"the key");
        // A wrong password gives wrong padding (WrongPassword) or, rarely, other bytes: never
        // the plaintext.
        let mut budget = IterationBudget::new(1000, 1000);
        match decrypt(&alg, &node, &ct, b"other", &[], &mut budget) {
            Ok(p) => assert_ne!(p.as_slice(), b"the key"),
            Err(e) => assert_eq!(e, PbeError::WrongPassword),
        }
        // The budget is charged before the derivation.
        let mut small = IterationBudget::new(999, 10_000);
        assert_eq!(
            decrypt(&alg, &node, &ct, b"pw", &[], &mut small).unwrap_err(),
            PbeError::TooManyIterations {
                found: 1000,
                limit: 999
            }
        );
    }

    #[test]
    fn the_pbes2_algorithm_identifier_is_the_der_openssl_writes() {
        // SEQUENCE { pbes2, SEQUENCE { SEQUENCE { pbkdf2, SEQUENCE { salt, 2048,
        //   SEQUENCE { hmacWithSHA256, NULL } } }, SEQUENCE { aes256-CBC, iv } } }
        let der = pbes2_algorithm(&[1; 16], 2048, &[2; 16]).unwrap();
        let mut expected = vec![0x30, 0x5f, 0x06, 0x09];
        expected.extend_from_slice(PBES2.as_bytes());
        expected.extend_from_slice(&[0x30, 0x52, 0x30, 0x31, 0x06, 0x09]);
        expected.extend_from_slice(PBKDF2.as_bytes());
        expected.extend_from_slice(&[0x30, 0x24, 0x04, 0x10]);
        expected.extend_from_slice(&[1; 16]);
        expected.extend_from_slice(&[0x02, 0x02, 0x08, 0x00, 0x30, 0x0c, 0x06, 0x08]);
        expected.extend_from_slice(HMAC_SHA256.as_bytes());
        expected.extend_from_slice(&[0x05, 0x00, 0x30, 0x1d, 0x06, 0x09]);
        expected.extend_from_slice(crate::crypto::oids::AES256_CBC.as_bytes());
        expected.extend_from_slice(&[0x04, 0x10]);
        expected.extend_from_slice(&[2; 16]);
        assert_eq!(der, expected);
    }
}
