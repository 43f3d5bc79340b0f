//! PKCS#12 (RFC 7292) files: reading the keys and certificates in a `.p12`/`.pfx`, and
//! writing one key with its certificate chain.
//!
//! Reading accepts what OpenSSL (default and `-legacy`), NSS `pk12util`, Java and Windows
//! write: BER as well as DER, password integrity (HMAC with SHA-1, SHA-224, SHA-256, SHA-384 or
//! SHA-512 and the RFC 7292 appendix B key derivation) or none, shrouded key bags under PBES2
//! (PBKDF2 with HMAC-SHA-1/SHA-2, AES-CBC or 3DES-CBC) or the PKCS#12 PBE schemes (3DES, RC2),
//! plain key bags, X.509 certificate bags, and encrypted or plain safe contents. Public-key
//! privacy and integrity modes (envelopedData, signedData) are not supported.
//!
//! Every iteration count, size, bag count and nesting level is bounded by [`Pkcs12Limits`], so a
//! hostile file cannot make a parse hang or exhaust memory. Secrets (passwords in their encoded
//! form, derived keys, decrypted plaintext) are zeroized when dropped.
//!
//! Writing produces a modern file: the key in a PBES2 shrouded key bag (PBKDF2-HMAC-SHA-256,
//! AES-256-CBC), the certificates in a PBES2-encrypted safe contents, an HMAC-SHA-256 MAC, and a
//! `localKeyId` tying the key to its certificate.

use crate::certificate::Certificate;
use crate::cms::ber::{self, Node, tlv};
use crate::crypto::keys::{PrivateKey, SoftwareKey};
use crate::error::KeyError;
use crate::identity::Identity;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use const_oid::ObjectIdentifier;
use der::Decode;
use digest::Digest;
use digest::block_api::EagerHash;
use hmac::{Hmac, Mac};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// Why a PKCS#12 file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs12Error {
    /// The input was empty.
    Empty,
    /// The password is wrong: the integrity MAC did not match, or (for a file without a MAC)
    /// the encrypted contents did not decrypt.
    WrongPassword,
    /// The file is not well-formed PKCS#12.
    Malformed {
        /// Where and what, for a person.
        detail: String,
    },
    /// The file uses an algorithm or mode this reader does not implement.
    UnsupportedAlgorithm {
        /// What was found.
        detail: String,
    },
    /// A key derivation asks for more iterations than the limit allows (or the whole file
    /// does, summed over all its derivations).
    TooManyIterations {
        /// The iteration count found.
        found: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is larger than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The file holds more bags than the limit.
    TooManyBags {
        /// The limit.
        limit: usize,
    },
    /// The file holds no private key.
    NoKey,
    /// No certificate in the file belongs to the private key.
    NoCertificateForKey,
    /// A key or certificate in the file (or given to the writer) is unusable.
    Key(KeyError),
    /// The random number generator failed (writing only).
    Random {
        /// What the generator said.
        detail: String,
    },
}

impl Pkcs12Error {
    /// The stable numeric code of this error (500–599).
    pub fn code(&self) -> u32 {
        match self {
            Pkcs12Error::Empty => 500,
            Pkcs12Error::WrongPassword => 501,
            Pkcs12Error::Malformed { .. } => 502,
            Pkcs12Error::UnsupportedAlgorithm { .. } => 503,
            Pkcs12Error::TooManyIterations { .. } => 504,
            Pkcs12Error::TooLarge { .. } => 505,
            Pkcs12Error::TooManyBags { .. } => 506,
            Pkcs12Error::NoKey => 507,
            Pkcs12Error::NoCertificateForKey => 508,
            Pkcs12Error::Key(_) => 509,
            Pkcs12Error::Random { .. } => 510,
        }
    }

    fn malformed(detail: impl Into<String>) -> Self {
        Pkcs12Error::Malformed {
            detail: detail.into(),
        }
    }

    fn unsupported(detail: impl Into<String>) -> Self {
        Pkcs12Error::UnsupportedAlgorithm {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Pkcs12Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkcs12Error::Empty => write!(f, "the PKCS#12 input is empty"),
            Pkcs12Error::WrongPassword => write!(
                f,
                "wrong password for the PKCS#12 file (its integrity check or decryption failed)"
            ),
            Pkcs12Error::Malformed { detail } => write!(f, "malformed PKCS#12 file: {detail}"),
            Pkcs12Error::UnsupportedAlgorithm { detail } => {
                write!(f, "unsupported PKCS#12 algorithm: {detail}")
            }
            Pkcs12Error::TooManyIterations { found, limit } => write!(
                f,
                "the PKCS#12 file asks for {found} key-derivation iterations, more than the \
                 limit of {limit}"
            ),
            Pkcs12Error::TooLarge { limit } => {
                write!(
                    f,
                    "the PKCS#12 file is larger than the limit of {limit} bytes"
                )
            }
            Pkcs12Error::TooManyBags { limit } => {
                write!(f, "the PKCS#12 file holds more than {limit} bags")
            }
            Pkcs12Error::NoKey => write!(f, "the PKCS#12 file holds no private key"),
            Pkcs12Error::NoCertificateForKey => write!(
                f,
                "no certificate in the PKCS#12 file belongs to its private key"
            ),
            Pkcs12Error::Key(e) => write!(f, "PKCS#12: {e}"),
            Pkcs12Error::Random { detail } => {
                write!(f, "PKCS#12: the random number generator failed: {detail}")
            }
        }
    }
}

impl std::error::Error for Pkcs12Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Pkcs12Error::Key(e) => Some(e),
            _ => None,
        }
    }
}

impl From<KeyError> for Pkcs12Error {
    fn from(e: KeyError) -> Self {
        Pkcs12Error::Key(e)
    }
}

impl From<crate::error::ParseError> for Pkcs12Error {
    fn from(e: crate::error::ParseError) -> Self {
        match e {
            crate::error::ParseError::Empty => Pkcs12Error::malformed("an empty structure"),
            other => Pkcs12Error::malformed(other.to_string()),
        }
    }
}

/// Bounds on what a PKCS#12 file may ask of the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs12Limits {
    /// The most iterations one key derivation may ask for (default 1 000 000).
    pub max_iterations: u32,
    /// The most iterations all the derivations of one file may ask for together
    /// (default 16 000 000), so that many bags at the maximum cannot hang the reader.
    pub max_total_iterations: u64,
    /// The largest file accepted, in bytes (default 16 MiB).
    pub max_size: usize,
    /// The most bags (keys, certificates and others) a file may hold (default 1000).
    pub max_bags: usize,
}

impl Default for Pkcs12Limits {
    fn default() -> Self {
        Pkcs12Limits {
            max_iterations: 1_000_000,
            max_total_iterations: 16_000_000,
            max_size: 16 * 1024 * 1024,
            max_bags: 1000,
        }
    }
}

/// A private key from a PKCS#12 file. `Debug` does not show the key.
#[derive(Clone)]
pub struct Pkcs12Key {
    /// The key: DER PKCS#8 `PrivateKeyInfo`.
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// The bag's `localKeyId`, if it had one.
    pub local_key_id: Option<Vec<u8>>,
}

impl fmt::Debug for Pkcs12Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs12Key")
            .field("local_key_id", &self.local_key_id)
            .finish_non_exhaustive()
    }
}

/// A certificate from a PKCS#12 file.
#[derive(Clone, Debug)]
pub struct Pkcs12Certificate {
    /// The certificate.
    pub certificate: Certificate,
    /// The bag's `localKeyId`, if it had one.
    pub local_key_id: Option<Vec<u8>>,
    /// The bag's `friendlyName`, if it had one.
    pub friendly_name: Option<String>,
}

/// Everything read from a PKCS#12 file, in file order. `Debug` does not show the keys.
#[derive(Default, Clone)]
pub struct Pkcs12Contents {
    /// The private keys.
    pub keys: Vec<Pkcs12Key>,
    /// The X.509 certificates.
    pub certificates: Vec<Pkcs12Certificate>,
}

/// The identity of a PKCS#12 file with its key in PKCS#8 form, for a keyring to store.
pub(crate) struct Pkcs12Parts {
    pub(crate) identity: Identity,
    pub(crate) key_pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Pkcs12Contents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key_ids: Vec<_> = self.keys.iter().map(|k| &k.local_key_id).collect();
        f.debug_struct("Pkcs12Contents")
            .field("keys (localKeyId only)", &key_ids)
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Object identifiers.

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");

const OID_KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const OID_SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const OID_CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const OID_SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const OID_X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const OID_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const OID_LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

const OID_PBE_SHA1_RC4_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
const OID_PBE_SHA1_RC4_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
const OID_PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const OID_PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const OID_PBE_SHA1_RC2_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const OID_PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");

const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const OID_PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const OID_PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");
const OID_SCRYPT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11591.4.11");

const OID_HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
const OID_HMAC_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.8");
const OID_HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
const OID_HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
const OID_HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");

const OID_AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
const OID_AES192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
const OID_AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
const OID_DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// How deep `safeContentsBag`s may nest.
const MAX_SAFE_CONTENTS_DEPTH: usize = 8;
/// The longest salt accepted.
const MAX_SALT_LEN: usize = 1024;
/// Iterations used by [`write_pkcs12`] for PBKDF2 and the MAC key derivation.
pub const WRITE_ITERATIONS: u32 = 100_000;

// ---------------------------------------------------------------------------------------------
// The RFC 7292 appendix B key derivation.

/// Appendix B purpose: encryption key.
const KDF_ID_KEY: u8 = 1;
/// Appendix B purpose: initialisation vector.
const KDF_ID_IV: u8 = 2;
/// Appendix B purpose: MAC key.
const KDF_ID_MAC: u8 = 3;

/// The RFC 7292 appendix B.2 derivation of `n` bytes for purpose `id` from `password` (already
/// a BMPString with its two-byte terminator, or empty for an absent password) and `salt`, with
/// `iterations` rounds of hash `D`.
fn pkcs12_kdf<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    n: usize,
) -> Zeroizing<Vec<u8>> {
    let v = <D as digest::common::BlockSizeUser>::block_size();
    let u = <D as Digest>::output_size();
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let len = v * src.len().div_ceil(v);
        src.iter().copied().cycle().take(len).collect()
    };
    let diversifier = vec![id; v];
    let mut i_buf = Zeroizing::new(fill(salt));
    i_buf.extend_from_slice(&Zeroizing::new(fill(password)));
    let mut out = Zeroizing::new(Vec::with_capacity(n + u));
    let mut b = Zeroizing::new(vec![0u8; v]);
    loop {
        let mut h = D::new();
        h.update(&diversifier);
        h.update(&i_buf[..]);
        let mut a = h.finalize();
        for _ in 1..iterations.max(1) {
            let next = D::digest(&a);
            a.zeroize();
            a = next;
        }
        let take = (n - out.len()).min(u);
        out.extend_from_slice(&a[..take]);
        if out.len() >= n {
            a.zeroize();
            return out;
        }
        for (k, byte) in b.iter_mut().enumerate() {
            *byte = a[k % u];
        }
        a.zeroize();
        // I_j = (I_j + B + 1) mod 2^(8v), big-endian, for every v-byte block of I.
        for chunk in i_buf.chunks_mut(v) {
            let mut carry: u16 = 1;
            for k in (0..chunk.len()).rev() {
                let s = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = (s & 0xFF) as u8;
                carry = s >> 8;
            }
        }
    }
}

/// The password as a BMPString (UTF-16 big-endian) with a two-byte zero terminator.
fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

// ---------------------------------------------------------------------------------------------
// Small BER helpers.

fn expect_tag<'n>(node: Option<&'n Node>, tag: u8, what: &str) -> Result<&'n Node, Pkcs12Error> {
    match node {
        Some(n) if n.tag == tag => Ok(n),
        Some(n) => Err(Pkcs12Error::malformed(format!(
            "{what}: expected tag 0x{tag:02x}, found 0x{:02x}",
            n.tag
        ))),
        None => Err(Pkcs12Error::malformed(format!("{what} is missing"))),
    }
}

fn children<'n>(node: &'n Node, what: &str) -> Result<&'n [Node], Pkcs12Error> {
    Ok(node.seq(what)?)
}

fn content<'a>(input: &'a [u8], node: &Node) -> Result<&'a [u8], Pkcs12Error> {
    input
        .get(node.content.clone())
        .ok_or_else(|| Pkcs12Error::malformed("element runs past the end of the input"))
}

fn read_oid(
    input: &[u8],
    node: Option<&Node>,
    what: &str,
) -> Result<ObjectIdentifier, Pkcs12Error> {
    let node = expect_tag(node, 0x06, what)?;
    ObjectIdentifier::from_bytes(content(input, node)?)
        .map_err(|e| Pkcs12Error::malformed(format!("{what}: {e}")))
}

fn read_uint(input: &[u8], node: Option<&Node>, what: &str) -> Result<u64, Pkcs12Error> {
    let node = expect_tag(node, 0x02, what)?;
    let bytes = content(input, node)?;
    if bytes.is_empty() || bytes[0] & 0x80 != 0 {
        return Err(Pkcs12Error::malformed(format!(
            "{what}: not a non-negative integer"
        )));
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
fn read_octets(input: &[u8], node: Option<&Node>, what: &str) -> Result<Vec<u8>, Pkcs12Error> {
    let node = match node {
        Some(n) if n.tag == 0x04 || n.tag == 0x24 => n,
        Some(n) => {
            return Err(Pkcs12Error::malformed(format!(
                "{what}: expected an OCTET STRING, found tag 0x{:02x}",
                n.tag
            )));
        }
        None => return Err(Pkcs12Error::malformed(format!("{what} is missing"))),
    };
    Ok(node.string_bytes(input)?)
}

/// The single element inside an `[0] EXPLICIT` wrapper.
fn explicit0<'n>(node: Option<&'n Node>, what: &str) -> Result<&'n Node, Pkcs12Error> {
    let node = expect_tag(node, 0xA0, what)?;
    node.children
        .first()
        .ok_or_else(|| Pkcs12Error::malformed(format!("{what}: empty [0]")))
}

/// An AlgorithmIdentifier: its OID and its parameters node, if any.
fn read_algorithm<'n>(
    input: &[u8],
    node: Option<&'n Node>,
    what: &str,
) -> Result<(ObjectIdentifier, Option<&'n Node>), Pkcs12Error> {
    let node = expect_tag(node, 0x30, what)?;
    let parts = children(node, what)?;
    let oid = read_oid(input, parts.first(), what)?;
    Ok((oid, parts.get(1)))
}

// ---------------------------------------------------------------------------------------------
// Reading.

#[derive(Clone, Copy)]
enum MacHash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

struct Reader<'l> {
    limits: &'l Pkcs12Limits,
    /// The password as given (PBES2 uses it as UTF-8).
    utf8_password: Zeroizing<Vec<u8>>,
    /// The password for the PKCS#12 PBE schemes (BMPString, or empty when absent).
    bmp_password: Zeroizing<Vec<u8>>,
    /// Whether the integrity MAC was checked and matched.
    mac_verified: bool,
    total_iterations: u64,
    bags: usize,
    out: Pkcs12Contents,
}

impl Reader<'_> {
    fn charge_iterations(&mut self, iterations: u64) -> Result<u32, Pkcs12Error> {
        if iterations == 0 {
            return Err(Pkcs12Error::malformed("an iteration count of zero"));
        }
        if iterations > u64::from(self.limits.max_iterations) {
            return Err(Pkcs12Error::TooManyIterations {
                found: iterations,
                limit: u64::from(self.limits.max_iterations),
            });
        }
        self.total_iterations = self.total_iterations.saturating_add(iterations);
        if self.total_iterations > self.limits.max_total_iterations {
            return Err(Pkcs12Error::TooManyIterations {
                found: self.total_iterations,
                limit: self.limits.max_total_iterations,
            });
        }
        u32::try_from(iterations).map_err(|_| Pkcs12Error::malformed("iteration count"))
    }

    fn check_mac(
        &mut self,
        input: &[u8],
        mac_data: &Node,
        auth_safe: &[u8],
    ) -> Result<(), Pkcs12Error> {
        let parts = children(mac_data, "MacData")?;
        let digest_info = expect_tag(parts.first(), 0x30, "MacData.mac")?;
        let di = children(digest_info, "DigestInfo")?;
        let (alg, _) = read_algorithm(input, di.first(), "MAC digest algorithm")?;
        let expected = read_octets(input, di.get(1), "MAC value")?;
        let salt = read_octets(input, parts.get(1), "MAC salt")?;
        if salt.len() > MAX_SALT_LEN {
            return Err(Pkcs12Error::malformed("the MAC salt is too long"));
        }
        let iterations = match parts.get(2) {
            Some(n) => read_uint(input, Some(n), "MAC iterations")?,
            None => 1,
        };
        let hash = if alg == OID_SHA1 {
            MacHash::Sha1
        } else if alg == OID_SHA224 {
            MacHash::Sha224
        } else if alg == OID_SHA256 {
            MacHash::Sha256
        } else if alg == OID_SHA384 {
            MacHash::Sha384
        } else if alg == OID_SHA512 {
            MacHash::Sha512
        } else if alg == OID_PBMAC1 {
            return Err(Pkcs12Error::unsupported("PBMAC1 integrity (RFC 9579)"));
        } else {
            return Err(Pkcs12Error::unsupported(format!("MAC digest {alg}")));
        };
        let iterations = self.charge_iterations(iterations)?;
        // An empty password may have been encoded as an empty BMPString (two zero bytes) or as
        // no password at all; tools differ, so try both.
        let mut candidates = vec![self.bmp_password.clone()];
        if self.utf8_password.is_empty() {
            candidates.push(Zeroizing::new(Vec::new()));
        }
        for candidate in candidates {
            let ok = match hash {
                MacHash::Sha1 => {
                    mac_matches::<sha1::Sha1>(&candidate, &salt, iterations, auth_safe, &expected)
                }
                MacHash::Sha224 => {
                    mac_matches::<sha2::Sha224>(&candidate, &salt, iterations, auth_safe, &expected)
                }
                MacHash::Sha256 => {
                    mac_matches::<sha2::Sha256>(&candidate, &salt, iterations, auth_safe, &expected)
                }
                MacHash::Sha384 => {
                    mac_matches::<sha2::Sha384>(&candidate, &salt, iterations, auth_safe, &expected)
                }
                MacHash::Sha512 => {
                    mac_matches::<sha2::Sha512>(&candidate, &salt, iterations, auth_safe, &expected)
                }
            };
            if ok {
                self.bmp_password = candidate;
                self.mac_verified = true;
                return Ok(());
            }
        }
        Err(Pkcs12Error::WrongPassword)
    }

    /// Decrypts `ciphertext` under the password-based scheme `alg`.
    fn decrypt(
        &mut self,
        input: &[u8],
        alg: &Node,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
        let (oid, params) = read_algorithm(input, Some(alg), "encryption algorithm")?;
        let result = if oid == OID_PBES2 {
            self.decrypt_pbes2(input, params, ciphertext)?
        } else if oid == OID_PBE_SHA1_3DES
            || oid == OID_PBE_SHA1_2DES
            || oid == OID_PBE_SHA1_RC2_128
            || oid == OID_PBE_SHA1_RC2_40
        {
            let params = expect_tag(params, 0x30, "PKCS#12 PBE parameters")?;
            let p = children(params, "PKCS#12 PBE parameters")?;
            let salt = read_octets(input, p.first(), "PBE salt")?;
            if salt.len() > MAX_SALT_LEN {
                return Err(Pkcs12Error::malformed("the PBE salt is too long"));
            }
            let iterations = read_uint(input, p.get(1), "PBE iterations")?;
            let iterations = self.charge_iterations(iterations)?;
            // The key and the IV are two derivations.
            self.charge_iterations(u64::from(iterations))?;
            let key_len = if oid == OID_PBE_SHA1_3DES {
                24
            } else if oid == OID_PBE_SHA1_2DES || oid == OID_PBE_SHA1_RC2_128 {
                16
            } else {
                5
            };
            let pw = &self.bmp_password;
            let key = pkcs12_kdf::<sha1::Sha1>(pw, &salt, KDF_ID_KEY, iterations, key_len);
            let iv = pkcs12_kdf::<sha1::Sha1>(pw, &salt, KDF_ID_IV, iterations, 8);
            if oid == OID_PBE_SHA1_3DES {
                cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext)
            } else if oid == OID_PBE_SHA1_2DES {
                cbc_decrypt::<des::TdesEde2>(&key, &iv, ciphertext)
            } else {
                cbc_decrypt::<rc2::Rc2>(&key, &iv, ciphertext)
            }
        } else if oid == OID_PBE_SHA1_RC4_128 || oid == OID_PBE_SHA1_RC4_40 {
            return Err(Pkcs12Error::unsupported("pbeWithSHAAndRC4 (RC4 is broken)"));
        } else {
            return Err(Pkcs12Error::unsupported(format!("encryption scheme {oid}")));
        };
        result.ok_or(if self.mac_verified {
            Pkcs12Error::malformed(
                "a bag did not decrypt although the MAC matched (corrupt, or encrypted under \
                 another password)",
            )
        } else {
            Pkcs12Error::WrongPassword
        })
    }

    /// PBES2 (RFC 8018): `None` when the padding is wrong.
    fn decrypt_pbes2(
        &mut self,
        input: &[u8],
        params: Option<&Node>,
        ciphertext: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Pkcs12Error> {
        let params = expect_tag(params, 0x30, "PBES2 parameters")?;
        let p = children(params, "PBES2 parameters")?;
        let (kdf, kdf_params) = read_algorithm(input, p.first(), "PBES2 key derivation")?;
        if kdf == OID_SCRYPT {
            return Err(Pkcs12Error::unsupported("scrypt key derivation"));
        }
        if kdf != OID_PBKDF2 {
            return Err(Pkcs12Error::unsupported(format!("key derivation {kdf}")));
        }
        let kdf_params = expect_tag(kdf_params, 0x30, "PBKDF2 parameters")?;
        let kp = children(kdf_params, "PBKDF2 parameters")?;
        if kp.first().is_some_and(|n| n.tag == 0x30) {
            return Err(Pkcs12Error::unsupported("PBKDF2 salt from another source"));
        }
        let salt = read_octets(input, kp.first(), "PBKDF2 salt")?;
        if salt.len() > MAX_SALT_LEN {
            return Err(Pkcs12Error::malformed("the PBKDF2 salt is too long"));
        }
        let iterations = read_uint(input, kp.get(1), "PBKDF2 iterations")?;
        let mut rest = kp.get(2..).unwrap_or_default();
        let mut key_length = None;
        if let Some(n) = rest.first().filter(|n| n.tag == 0x02) {
            key_length = Some(read_uint(input, Some(n), "PBKDF2 key length")?);
            rest = &rest[1..];
        }
        let prf = match rest.first() {
            Some(n) => read_algorithm(input, Some(n), "PBKDF2 PRF")?.0,
            None => OID_HMAC_SHA1,
        };
        let (enc, enc_params) = read_algorithm(input, p.get(1), "PBES2 encryption scheme")?;
        let key_len = if enc == OID_AES128_CBC {
            16
        } else if enc == OID_AES192_CBC {
            24
        } else if enc == OID_AES256_CBC || enc == OID_DES_EDE3_CBC {
            if enc == OID_AES256_CBC { 32 } else { 24 }
        } else {
            return Err(Pkcs12Error::unsupported(format!("PBES2 cipher {enc}")));
        };
        if key_length.is_some_and(|l| l != key_len as u64) {
            return Err(Pkcs12Error::malformed(
                "the PBKDF2 key length does not fit the cipher",
            ));
        }
        let iv = read_octets(input, enc_params, "PBES2 IV")?;
        let iterations = self.charge_iterations(iterations)?;
        let mut key = Zeroizing::new(vec![0u8; key_len]);
        let pw = &self.utf8_password;
        if prf == OID_HMAC_SHA1 {
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, &salt, iterations, &mut key);
        } else if prf == OID_HMAC_SHA224 {
            pbkdf2::pbkdf2_hmac::<sha2::Sha224>(pw, &salt, iterations, &mut key);
        } else if prf == OID_HMAC_SHA256 {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, &salt, iterations, &mut key);
        } else if prf == OID_HMAC_SHA384 {
            pbkdf2::pbkdf2_hmac::<sha2::Sha384>(pw, &salt, iterations, &mut key);
        } else if prf == OID_HMAC_SHA512 {
            pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, &salt, iterations, &mut key);
        } else {
            return Err(Pkcs12Error::unsupported(format!("PBKDF2 PRF {prf}")));
        }
        let expected_iv = if enc == OID_DES_EDE3_CBC { 8 } else { 16 };
        if iv.len() != expected_iv {
            return Err(Pkcs12Error::malformed("the PBES2 IV has the wrong length"));
        }
        Ok(if enc == OID_AES128_CBC {
            cbc_decrypt::<aes::Aes128>(&key, &iv, ciphertext)
        } else if enc == OID_AES192_CBC {
            cbc_decrypt::<aes::Aes192>(&key, &iv, ciphertext)
        } else if enc == OID_AES256_CBC {
            cbc_decrypt::<aes::Aes256>(&key, &iv, ciphertext)
        } else {
            cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext)
        })
    }

    fn count_bag(&mut self) -> Result<(), Pkcs12Error> {
        self.bags += 1;
        if self.bags > self.limits.max_bags {
            return Err(Pkcs12Error::TooManyBags {
                limit: self.limits.max_bags,
            });
        }
        Ok(())
    }

    /// One `ContentInfo` of the AuthenticatedSafe.
    fn read_content_info(&mut self, input: &[u8], ci: &Node) -> Result<(), Pkcs12Error> {
        let parts = children(ci, "ContentInfo")?;
        let oid = read_oid(input, parts.first(), "ContentInfo type")?;
        if oid == OID_DATA {
            let Some(wrapper) = parts.get(1) else {
                return Ok(());
            };
            let bytes = read_octets(
                input,
                Some(explicit0(Some(wrapper), "data content")?),
                "data",
            )?;
            return self.read_safe_contents_bytes(&bytes);
        }
        if oid == OID_ENCRYPTED_DATA {
            let ed = expect_tag(
                Some(explicit0(parts.get(1), "encryptedData content")?),
                0x30,
                "EncryptedData",
            )?;
            let ed = children(ed, "EncryptedData")?;
            let eci = expect_tag(ed.get(1), 0x30, "EncryptedContentInfo")?;
            let eci = children(eci, "EncryptedContentInfo")?;
            let alg = expect_tag(eci.get(1), 0x30, "content encryption algorithm")?;
            let Some(ct) = eci.get(2) else {
                return Ok(());
            };
            if !ct.is_context(0) {
                return Err(Pkcs12Error::malformed(
                    "EncryptedContentInfo: expected [0] content",
                ));
            }
            let ciphertext = ct.string_bytes(input)?;
            let plain = self.decrypt(input, alg, &ciphertext)?;
            return self.read_safe_contents_bytes(&plain);
        }
        if oid == OID_ENVELOPED_DATA {
            return Err(Pkcs12Error::unsupported(
                "public-key privacy mode (envelopedData)",
            ));
        }
        Err(Pkcs12Error::unsupported(format!(
            "authenticated-safe content type {oid}"
        )))
    }

    fn read_safe_contents_bytes(&mut self, bytes: &[u8]) -> Result<(), Pkcs12Error> {
        if bytes.is_empty() {
            return Ok(());
        }
        let root = ber::parse(bytes).map_err(|e| {
            if self.mac_verified {
                Pkcs12Error::from(e)
            } else {
                // Without a MAC, garbage plaintext is what a wrong password produces when the
                // padding happens to look right.
                Pkcs12Error::WrongPassword
            }
        })?;
        self.read_safe_contents(bytes, &root, 0)
    }

    fn read_safe_contents(
        &mut self,
        input: &[u8],
        node: &Node,
        depth: usize,
    ) -> Result<(), Pkcs12Error> {
        if depth > MAX_SAFE_CONTENTS_DEPTH {
            return Err(Pkcs12Error::malformed("safe contents nested too deeply"));
        }
        let node = expect_tag(Some(node), 0x30, "SafeContents")?;
        for bag in children(node, "SafeContents")? {
            self.count_bag()?;
            let bag = expect_tag(Some(bag), 0x30, "SafeBag")?;
            let parts = children(bag, "SafeBag")?;
            let bag_id = read_oid(input, parts.first(), "SafeBag type")?;
            let value = explicit0(parts.get(1), "SafeBag value")?;
            let (local_key_id, friendly_name) = read_attributes(input, parts.get(2))?;
            if bag_id == OID_KEY_BAG {
                let der = Zeroizing::new(value.to_der(input)?);
                self.out.keys.push(Pkcs12Key {
                    pkcs8: normalize_key(&der)?,
                    local_key_id,
                });
            } else if bag_id == OID_SHROUDED_KEY_BAG {
                let epki = expect_tag(Some(value), 0x30, "EncryptedPrivateKeyInfo")?;
                let e = children(epki, "EncryptedPrivateKeyInfo")?;
                let alg = expect_tag(e.first(), 0x30, "key encryption algorithm")?;
                let ciphertext = read_octets(input, e.get(1), "encrypted key")?;
                let plain = self.decrypt(input, alg, &ciphertext)?;
                let key = normalize_key(&plain).map_err(|e| {
                    if self.mac_verified {
                        e
                    } else {
                        Pkcs12Error::WrongPassword
                    }
                })?;
                self.out.keys.push(Pkcs12Key {
                    pkcs8: key,
                    local_key_id,
                });
            } else if bag_id == OID_CERT_BAG {
                let cb = expect_tag(Some(value), 0x30, "CertBag")?;
                let c = children(cb, "CertBag")?;
                let cert_type = read_oid(input, c.first(), "CertBag type")?;
                if cert_type != OID_X509_CERTIFICATE {
                    continue;
                }
                let cert = read_octets(
                    input,
                    Some(explicit0(c.get(1), "CertBag value")?),
                    "certificate",
                )?;
                let certificate = Certificate::from_der(&cert).map_err(|e| {
                    Pkcs12Error::malformed(format!(
                        "a certificate bag holds no X.509 certificate: {e}"
                    ))
                })?;
                self.out.certificates.push(Pkcs12Certificate {
                    certificate,
                    local_key_id,
                    friendly_name,
                });
            } else if bag_id == OID_SAFE_CONTENTS_BAG {
                self.read_safe_contents(input, value, depth + 1)?;
            }
            // CRL, secret and unknown bags are skipped.
        }
        Ok(())
    }
}

/// Decrypts `ciphertext` under the password-based scheme whose AlgorithmIdentifier is `alg`
/// (a node of `input`): PBES2 (PBKDF2 with HMAC-SHA-1/SHA-2; AES-CBC or 3DES-CBC) or a PKCS#12
/// PBE scheme (3DES, 2-key 3DES, RC2). An iteration count above `max_iterations` is refused
/// before any derivation runs; wrong padding is [`Pkcs12Error::WrongPassword`].
pub(crate) fn decrypt_password_based(
    input: &[u8],
    alg: &Node,
    ciphertext: &[u8],
    password: &str,
    max_iterations: u32,
) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    let limits = Pkcs12Limits {
        max_iterations,
        max_total_iterations: u64::MAX,
        ..Pkcs12Limits::default()
    };
    let mut reader = Reader {
        limits: &limits,
        utf8_password: Zeroizing::new(password.as_bytes().to_vec()),
        bmp_password: bmp_password(password),
        mac_verified: false,
        total_iterations: 0,
        bags: 0,
        out: Pkcs12Contents::default(),
    };
    reader.decrypt(input, alg, ciphertext)
}

/// Re-encodes a PKCS#8 PrivateKeyInfo as DER and checks its outer shape.
pub(crate) fn normalize_key(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    let node = ber::parse(der)?;
    let out = Zeroizing::new(node.to_der(der)?);
    pkcs8::PrivateKeyInfoRef::from_der(&out)
        .map_err(|e| Pkcs12Error::malformed(format!("a key bag holds no PKCS#8 key: {e}")))?;
    Ok(out)
}

/// `localKeyId` and `friendlyName` from a bag's attributes.
fn read_attributes(
    input: &[u8],
    attrs: Option<&Node>,
) -> Result<(Option<Vec<u8>>, Option<String>), Pkcs12Error> {
    let Some(attrs) = attrs else {
        return Ok((None, None));
    };
    let attrs = expect_tag(Some(attrs), 0x31, "bag attributes")?;
    let mut local_key_id = None;
    let mut friendly_name = None;
    for attr in children(attrs, "bag attributes")? {
        let a = children(expect_tag(Some(attr), 0x30, "attribute")?, "attribute")?;
        let oid = read_oid(input, a.first(), "attribute type")?;
        let values = expect_tag(a.get(1), 0x31, "attribute values")?;
        let Some(value) = values.children.first() else {
            continue;
        };
        if oid == OID_LOCAL_KEY_ID {
            local_key_id = Some(read_octets(input, Some(value), "localKeyId")?);
        } else if oid == OID_FRIENDLY_NAME {
            let bytes = value.string_bytes(input)?;
            friendly_name = match value.tag_class_number() {
                0x1E => {
                    if bytes.len() % 2 != 0 {
                        return Err(Pkcs12Error::malformed("friendlyName: odd BMPString length"));
                    }
                    let units: Vec<u16> = bytes
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    Some(String::from_utf16_lossy(&units))
                }
                0x0C => Some(String::from_utf8_lossy(&bytes).into_owned()),
                _ => None,
            };
        }
    }
    Ok((local_key_id, friendly_name))
}

fn mac_matches<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
    expected: &[u8],
) -> bool {
    let key = pkcs12_kdf::<D>(
        password,
        salt,
        KDF_ID_MAC,
        iterations,
        <D as Digest>::output_size(),
    );
    let Ok(mut mac) = <Hmac<D> as hmac::KeyInit>::new_from_slice(&key) else {
        return false;
    };
    mac.update(data);
    mac.verify_slice(expected).is_ok()
}

/// CBC decryption with PKCS#7 padding; `None` when the padding (or the length) is wrong.
fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = dec.decrypt_padded::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

/// Reads every key and certificate in a DER (or BER) PKCS#12 file.
///
/// The password is checked against the integrity MAC when the file has one; a mismatch is
/// [`Pkcs12Error::WrongPassword`]. Without a MAC a failed decryption is reported the same way.
pub fn parse_pkcs12(
    der: &[u8],
    password: &str,
    limits: &Pkcs12Limits,
) -> Result<Pkcs12Contents, Pkcs12Error> {
    if der.is_empty() {
        return Err(Pkcs12Error::Empty);
    }
    if der.len() > limits.max_size {
        return Err(Pkcs12Error::TooLarge {
            limit: limits.max_size,
        });
    }
    if der.trim_ascii_start().starts_with(b"-----BEGIN") {
        return Err(Pkcs12Error::malformed(
            "PEM armour: a PKCS#12 file is binary DER; decode it first",
        ));
    }
    if der[0] != 0x30 {
        return Err(Pkcs12Error::malformed(
            "not a PKCS#12 file (it does not start with a DER SEQUENCE)",
        ));
    }
    let root = ber::parse(der)?;
    let pfx = children(&root, "PFX")?;
    let version = read_uint(der, pfx.first(), "PFX version")?;
    if version != 3 {
        return Err(Pkcs12Error::unsupported(format!("PFX version {version}")));
    }
    let auth_safe_ci = expect_tag(pfx.get(1), 0x30, "PFX authSafe")?;
    let ci = children(auth_safe_ci, "authSafe")?;
    let ct = read_oid(der, ci.first(), "authSafe content type")?;
    if ct == OID_SIGNED_DATA {
        return Err(Pkcs12Error::unsupported(
            "public-key integrity mode (signedData)",
        ));
    }
    if ct != OID_DATA {
        return Err(Pkcs12Error::malformed(format!(
            "authSafe content type {ct} is not data"
        )));
    }
    let auth_safe = read_octets(
        der,
        Some(explicit0(ci.get(1), "authSafe content")?),
        "authSafe",
    )?;

    let mut reader = Reader {
        limits,
        utf8_password: Zeroizing::new(password.as_bytes().to_vec()),
        bmp_password: bmp_password(password),
        mac_verified: false,
        total_iterations: 0,
        bags: 0,
        out: Pkcs12Contents::default(),
    };
    if let Some(mac_data) = pfx.get(2) {
        let mac_data = expect_tag(Some(mac_data), 0x30, "MacData")?;
        reader.check_mac(der, mac_data, &auth_safe)?;
    }
    let safes_root = ber::parse(&auth_safe)?;
    let safes = children(
        expect_tag(Some(&safes_root), 0x30, "AuthenticatedSafe")?,
        "AuthenticatedSafe",
    )?;
    for ci in safes {
        let ci = expect_tag(Some(ci), 0x30, "ContentInfo")?;
        reader.read_content_info(&auth_safe, ci)?;
    }
    Ok(reader.out)
}

/// Reads the identity in a PKCS#12 file: its private key, the certificate that belongs to the
/// key (by `localKeyId`, or else by comparing public keys) and the other certificates as the
/// chain. With several keys, the first one that has a certificate is taken.
pub fn parse_pkcs12_identity(
    der: &[u8],
    password: &str,
    limits: &Pkcs12Limits,
) -> Result<Identity, Pkcs12Error> {
    parse_pkcs12(der, password, limits)?.identity()
}

impl Pkcs12Contents {
    /// The identity in these contents, as [`parse_pkcs12_identity`] finds it.
    pub fn identity(&self) -> Result<Identity, Pkcs12Error> {
        Ok(self.identity_parts()?.identity)
    }

    /// The identity with its key in PKCS#8 form.
    pub(crate) fn identity_parts(&self) -> Result<Pkcs12Parts, Pkcs12Error> {
        if self.keys.is_empty() {
            return Err(Pkcs12Error::NoKey);
        }
        let mut first_error = None;
        for k in &self.keys {
            let key = match SoftwareKey::from_pkcs8_der(&k.pkcs8) {
                Ok(k) => k,
                Err(e) => {
                    first_error.get_or_insert(Pkcs12Error::Key(e));
                    continue;
                }
            };
            let public = key.public_key_der()?;
            let matches =
                |cert: &Certificate| cert_spki(cert.der()).is_some_and(|spki| spki == public);
            let by_id = k.local_key_id.as_ref().and_then(|id| {
                self.certificates
                    .iter()
                    .position(|c| c.local_key_id.as_ref() == Some(id) && matches(&c.certificate))
            });
            let index = by_id.or_else(|| {
                self.certificates
                    .iter()
                    .position(|c| matches(&c.certificate))
            });
            let Some(index) = index else {
                continue;
            };
            let certificate = self.certificates[index].certificate.clone();
            let others: Vec<Certificate> = self
                .certificates
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .map(|(_, c)| c.certificate.clone())
                .collect();
            let chain = order_chain(&certificate, others);
            let identity = Identity::new(std::sync::Arc::new(key), certificate)?.with_chain(chain);
            return Ok(Pkcs12Parts {
                identity,
                key_pkcs8: k.pkcs8.clone(),
            });
        }
        Err(first_error.unwrap_or(Pkcs12Error::NoCertificateForKey))
    }
}

fn cert_spki(cert: &[u8]) -> Option<Vec<u8>> {
    use der::Encode;
    let c = x509_cert::Certificate::from_der(cert).ok()?;
    c.tbs_certificate().subject_public_key_info().to_der().ok()
}

/// Puts the issuer chain of `leaf` first (issuer, its issuer, …), then the rest in file order.
fn order_chain(leaf: &Certificate, mut others: Vec<Certificate>) -> Vec<Certificate> {
    use der::Encode;
    let names = |c: &Certificate| -> Option<(Vec<u8>, Vec<u8>)> {
        let tbs = c.x509().tbs_certificate();
        Some((tbs.subject().to_der().ok()?, tbs.issuer().to_der().ok()?))
    };
    let mut ordered = Vec::with_capacity(others.len());
    let Some((mut subject, mut issuer)) = names(leaf) else {
        return others;
    };
    while subject != issuer {
        let Some(pos) = others
            .iter()
            .position(|c| names(c).is_some_and(|(s, _)| s == issuer))
        else {
            break;
        };
        let next = others.remove(pos);
        let Some((s, i)) = names(&next) else {
            break;
        };
        ordered.push(next);
        (subject, issuer) = (s, i);
    }
    ordered.extend(others);
    ordered
}

// ---------------------------------------------------------------------------------------------
// Writing.

fn random<const N: usize>() -> Result<[u8; N], Pkcs12Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Pkcs12Error::Random {
        detail: e.to_string(),
    })?;
    Ok(out)
}

fn der_uint(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

fn der_oid(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, oid.as_bytes())
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// `AlgorithmIdentifier` for PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC.
fn pbes2_algorithm(salt: &[u8], iterations: u32, iv: &[u8]) -> Vec<u8> {
    let null = [0x05, 0x00];
    let prf = seq(&[&der_oid(&OID_HMAC_SHA256), &null]);
    let pbkdf2_params = seq(&[&tlv(0x04, salt), &der_uint(iterations), &prf]);
    let kdf = seq(&[&der_oid(&OID_PBKDF2), &pbkdf2_params]);
    let enc = seq(&[&der_oid(&OID_AES256_CBC), &tlv(0x04, iv)]);
    seq(&[&der_oid(&OID_PBES2), &seq(&[&kdf, &enc])])
}

/// Encrypts `plain` under PBES2 with [`WRITE_ITERATIONS`]; returns the AlgorithmIdentifier and
/// the ciphertext.
fn pbes2_encrypt(password: &str, plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Pkcs12Error> {
    pbes2_encrypt_with(password, plain, WRITE_ITERATIONS)
}

/// Encrypts `plain` under PBES2 (PBKDF2-HMAC-SHA-256 with `iterations`, AES-256-CBC, random
/// 16-byte salt and IV); returns the DER AlgorithmIdentifier and the ciphertext.
pub(crate) fn pbes2_encrypt_with(
    password: &str,
    plain: &[u8],
    iterations: u32,
) -> Result<(Vec<u8>, Vec<u8>), Pkcs12Error> {
    let salt: [u8; 16] = random()?;
    let iv: [u8; 16] = random()?;
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &salt, iterations, &mut key[..]);
    let enc = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key[..], &iv)
        .map_err(|_| Pkcs12Error::malformed("AES key setup"))?;
    let padded_len = (plain.len() / 16 + 1) * 16;
    let mut buf = Zeroizing::new(vec![0u8; padded_len]);
    buf[..plain.len()].copy_from_slice(plain);
    let ct = enc
        .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
        .map_err(|_| Pkcs12Error::malformed("padding"))?
        .to_vec();
    Ok((pbes2_algorithm(&salt, iterations, &iv), ct))
}

fn bag_attributes(local_key_id: Option<&[u8]>, friendly_name: Option<&str>) -> Vec<u8> {
    let mut attrs = Vec::new();
    if let Some(name) = friendly_name {
        let bmp: Vec<u8> = name.encode_utf16().flat_map(u16::to_be_bytes).collect();
        attrs.push(seq(&[
            &der_oid(&OID_FRIENDLY_NAME),
            &tlv(0x31, &tlv(0x1E, &bmp)),
        ]));
    }
    if let Some(id) = local_key_id {
        attrs.push(seq(&[
            &der_oid(&OID_LOCAL_KEY_ID),
            &tlv(0x31, &tlv(0x04, id)),
        ]));
    }
    if attrs.is_empty() {
        return Vec::new();
    }
    // SET OF in DER is sorted by encoding.
    attrs.sort();
    tlv(0x31, &attrs.concat())
}

fn safe_bag(bag_id: &ObjectIdentifier, value: &[u8], attributes: &[u8]) -> Vec<u8> {
    seq(&[&der_oid(bag_id), &tlv(0xA0, value), attributes])
}

fn data_content_info(content: &[u8]) -> Vec<u8> {
    seq(&[&der_oid(&OID_DATA), &tlv(0xA0, &tlv(0x04, content))])
}

/// Writes a PKCS#12 file holding one private key (DER PKCS#8), its certificate and a chain.
///
/// The key is in a shrouded key bag and the certificates in an encrypted safe contents, both
/// under PBES2 (PBKDF2-HMAC-SHA-256 with [`WRITE_ITERATIONS`] iterations, AES-256-CBC); the
/// file's integrity is an HMAC-SHA-256 under the appendix B key derivation. The key bag and the
/// certificate's bag share a `localKeyId` (the SHA-1 of the certificate) and, if given, a
/// `friendlyName`. The key must belong to the certificate.
pub fn write_pkcs12(
    key_pkcs8: &[u8],
    certificate: &Certificate,
    chain: &[Certificate],
    password: &str,
    friendly_name: Option<&str>,
) -> Result<Vec<u8>, Pkcs12Error> {
    let key = SoftwareKey::from_pkcs8_der(key_pkcs8)?;
    crate::crypto::keys::check_key_matches(&key, certificate.der())?;
    let certificate = certificate.der();
    let key_pkcs8 = normalize_key(key_pkcs8)?;
    let local_key_id = sha1::Sha1::digest(certificate).to_vec();

    // Certificates: an encrypted safe contents.
    let mut cert_bags = Vec::new();
    let leaf_value = seq(&[
        &der_oid(&OID_X509_CERTIFICATE),
        &tlv(0xA0, &tlv(0x04, certificate)),
    ]);
    cert_bags.extend(safe_bag(
        &OID_CERT_BAG,
        &leaf_value,
        &bag_attributes(Some(&local_key_id), friendly_name),
    ));
    for c in chain {
        let value = seq(&[
            &der_oid(&OID_X509_CERTIFICATE),
            &tlv(0xA0, &tlv(0x04, c.der())),
        ]);
        cert_bags.extend(safe_bag(&OID_CERT_BAG, &value, &[]));
    }
    let cert_safe = tlv(0x30, &cert_bags);
    let (alg, ct) = pbes2_encrypt(password, &cert_safe)?;
    let eci = seq(&[&der_oid(&OID_DATA), &alg, &tlv(0x80, &ct)]);
    let encrypted_data = seq(&[&der_uint(0), &eci]);
    let certs_ci = seq(&[&der_oid(&OID_ENCRYPTED_DATA), &tlv(0xA0, &encrypted_data)]);

    // Key: a shrouded key bag in a plain safe contents.
    let (alg, ct) = pbes2_encrypt(password, &key_pkcs8)?;
    let epki = seq(&[&alg, &tlv(0x04, &ct)]);
    let key_bag = safe_bag(
        &OID_SHROUDED_KEY_BAG,
        &epki,
        &bag_attributes(Some(&local_key_id), friendly_name),
    );
    let key_ci = data_content_info(&tlv(0x30, &key_bag));

    let auth_safe = seq(&[&certs_ci, &key_ci]);

    // MAC.
    let salt: [u8; 16] = random()?;
    let mac_key = pkcs12_kdf::<sha2::Sha256>(
        &bmp_password(password),
        &salt,
        KDF_ID_MAC,
        WRITE_ITERATIONS,
        32,
    );
    let mut mac = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&mac_key)
        .map_err(|_| Pkcs12Error::malformed("HMAC key setup"))?;
    mac.update(&auth_safe);
    let tag = mac.finalize().into_bytes();
    let digest_info = seq(&[
        &seq(&[&der_oid(&OID_SHA256), &[0x05, 0x00]]),
        &tlv(0x04, &tag),
    ]);
    let mac_data = seq(&[&digest_info, &tlv(0x04, &salt), &der_uint(WRITE_ITERATIONS)]);

    Ok(seq(&[
        &der_uint(3),
        &data_content_info(&auth_safe),
        &mac_data,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_in_range_and_distinct() {
        let all = [
            Pkcs12Error::Empty,
            Pkcs12Error::WrongPassword,
            Pkcs12Error::malformed("x"),
            Pkcs12Error::unsupported("x"),
            Pkcs12Error::TooManyIterations { found: 2, limit: 1 },
            Pkcs12Error::TooLarge { limit: 1 },
            Pkcs12Error::TooManyBags { limit: 1 },
            Pkcs12Error::NoKey,
            Pkcs12Error::NoCertificateForKey,
            Pkcs12Error::Key(KeyError::Mismatch),
            Pkcs12Error::Random { detail: "x".into() },
        ];
        let mut codes: Vec<u32> = all.iter().map(Pkcs12Error::code).collect();
        assert!(codes.iter().all(|c| (500..600).contains(c)));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(
            Pkcs12Error::WrongPassword
                .to_string()
                .contains("wrong password")
        );
    }

    #[test]
    fn bmp_password_has_terminator() {
        assert_eq!(&bmp_password("ab")[..], &[0, b'a', 0, b'b', 0, 0]);
        assert_eq!(&bmp_password("")[..], &[0, 0]);
    }

    #[test]
    fn debug_does_not_show_keys() {
        let contents = Pkcs12Contents {
            keys: vec![Pkcs12Key {
                pkcs8: Zeroizing::new(vec![0xAB; 4]),
                local_key_id: Some(vec![1]),
            }],
            certificates: Vec::new(),
        };
        let shown = format!("{contents:?}");
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn der_uint_is_minimal() {
        assert_eq!(der_uint(0), [2, 1, 0]);
        assert_eq!(der_uint(3), [2, 1, 3]);
        assert_eq!(der_uint(128), [2, 2, 0, 128]);
        assert_eq!(der_uint(100_000), [2, 3, 0x01, 0x86, 0xA0]);
    }

    #[test]
    fn kdf_output_length_and_purposes_differ() {
        let pw = bmp_password("pw");
        let k = pkcs12_kdf::<sha1::Sha1>(&pw, b"saltsalt", KDF_ID_KEY, 3, 45);
        assert_eq!(k.len(), 45);
        let iv = pkcs12_kdf::<sha1::Sha1>(&pw, b"saltsalt", KDF_ID_IV, 3, 45);
        assert_ne!(k, iv);
        // The first block does not depend on how many bytes are asked for.
        let short = pkcs12_kdf::<sha1::Sha1>(&pw, b"saltsalt", KDF_ID_KEY, 3, 8);
        assert_eq!(&k[..8], &short[..]);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Vectors computed with `openssl kdf ... PKCS12KDF` (OpenSSL 3.0), an independent
    /// implementation of appendix B.
    #[test]
    fn kdf_matches_openssl() {
        let k = pkcs12_kdf::<sha1::Sha1>(&bmp_password("pw"), b"saltsalt", KDF_ID_KEY, 3, 45);
        assert_eq!(
            k.to_vec(),
            hex(
                "0C2943D08DDBA0CDAB7B616FD2C6E89ADFB37170B340934B2769ADD1FE8587D2\
                 38BB51990FFE22B806E22D3D13"
            )
        );
        // A salt longer than one block and an output of three blocks (exercises the carry).
        let salt = [&[0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f][..]; 8].concat();
        let salt = [&salt[..], &[0]].concat();
        let k = pkcs12_kdf::<sha2::Sha256>(&bmp_password("smeg"), &salt, KDF_ID_MAC, 1000, 70);
        assert_eq!(
            k.to_vec(),
            hex(
                "81A70AB623175AF1E4D9C5ADAC0DD24F7DAA2752C11F3B56CA6AD910E8D42930\
                 372E81D8A62CB2310B600C134444CF3B89642CA543F67312C31831BFC9B4DDC1\
                 22CBBC5A7EE1"
            )
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let limits = Pkcs12Limits::default();
        assert_eq!(
            parse_pkcs12(&[], "", &limits).unwrap_err(),
            Pkcs12Error::Empty
        );
        for input in [
            &[0x30u8][..],
            &[0x30, 0x00],
            &[0x30, 0x03, 0x02, 0x01, 0x03],
            &[0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00],
            b"-----BEGIN PKCS12-----",
        ] {
            assert!(matches!(
                parse_pkcs12(input, "", &limits),
                Err(Pkcs12Error::Malformed { .. })
            ));
        }
    }
}
