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

/// The hash a key derivation runs, for what one compression of its block function costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfHash {
    /// SHA-1 (64-byte blocks, 20-byte output).
    Sha1,
    /// SHA-224 (64-byte blocks, 28-byte output).
    Sha224,
    /// SHA-256 (64-byte blocks, 32-byte output).
    Sha256,
    /// SHA-384 (128-byte blocks, 48-byte output).
    Sha384,
    /// SHA-512 (128-byte blocks, 64-byte output).
    Sha512,
}

impl KdfHash {
    /// The work of one compression, in work units: the time of one iteration's compression
    /// relative to SHA-1's, measured in the derivation loops on an x86-64 core with SHA-NI
    /// (RustCrypto's `sha1`/`sha2` pick the SHA-NI code for SHA-1 and SHA-256 at run time,
    /// and the AVX2 code for SHA-384/512, which have no such instructions): between
    /// 1 : 1.4 : 4.4 and 1 : 2.2 : 5.3 over three runs, taken as 1 : 2 : 5. See `docs/benchmarks.md`, "PKCS#12 work budget".
    pub const fn compression_weight(self) -> u64 {
        match self {
            KdfHash::Sha1 => WEIGHT_SHA1,
            KdfHash::Sha224 | KdfHash::Sha256 => WEIGHT_SHA256,
            KdfHash::Sha384 | KdfHash::Sha512 => WEIGHT_SHA512,
        }
    }

    /// The block size in bytes.
    pub const fn block_len(self) -> u64 {
        match self {
            KdfHash::Sha1 | KdfHash::Sha224 | KdfHash::Sha256 => 64,
            KdfHash::Sha384 | KdfHash::Sha512 => 128,
        }
    }

    /// The output length in bytes.
    pub const fn output_len(self) -> u64 {
        match self {
            KdfHash::Sha1 => 20,
            KdfHash::Sha224 => 28,
            KdfHash::Sha256 => 32,
            KdfHash::Sha384 => 48,
            KdfHash::Sha512 => 64,
        }
    }

    /// The length-padding overhead of a message: the 0x80 byte and the length field.
    const fn pad_len(self) -> u64 {
        match self.block_len() {
            64 => 9,
            _ => 17,
        }
    }

    /// Compressions to hash `len` bytes.
    const fn blocks_for(self, len: u64) -> u64 {
        (len + self.pad_len()).div_ceil(self.block_len())
    }
}

/// The work of one SHA-1 compression (the unit).
pub const WEIGHT_SHA1: u64 = 1;
/// The work of one SHA-224/SHA-256 compression.
pub const WEIGHT_SHA256: u64 = 2;
/// The work of one SHA-384/SHA-512 compression.
pub const WEIGHT_SHA512: u64 = 5;

/// The kind of a key derivation, as far as its work goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfKind {
    /// PBKDF2 with HMAC over the hash: two compressions per iteration and output block.
    Pbkdf2(KdfHash),
    /// The PKCS#12 appendix B derivation: one compression per iteration and output block.
    Pkcs12(KdfHash),
}

impl KdfKind {
    fn hash(self) -> KdfHash {
        match self {
            KdfKind::Pbkdf2(h) | KdfKind::Pkcs12(h) => h,
        }
    }
}

/// The work of one key derivation in work units ([`KdfHash::compression_weight`]): the hash
/// compressions it runs, from its kind, iteration count, output length and salt length (the
/// file's choices). The password's own blocks, the caller's, are not counted.
///
/// - PBKDF2 (RFC 8018 section 5.2): the HMAC key set-up (2), then per output block of
///   `hLen` bytes the first HMAC over salt and block index and 2 compressions for each further
///   iteration (the HMAC's inner and outer hash of one short block);
/// - PKCS#12 (RFC 7292 appendix B.2): per output block, the first hash over the diversifier,
///   the salt and the password block (counted as one block), then one compression for each
///   further iteration.
pub fn derivation_work(kind: KdfKind, iterations: u64, out_len: u64, salt_len: u64) -> u64 {
    let hash = kind.hash();
    let blocks = out_len.max(1).div_ceil(hash.output_len());
    let iterations = iterations.max(1);
    let compressions = match kind {
        KdfKind::Pbkdf2(_) => {
            // U1 = HMAC(P, S || INT(i)): inner over salt + 4 after the ipad block, outer 1.
            let first = hash.blocks_for(salt_len.saturating_add(4)) + 1;
            blocks
                .saturating_mul(first.saturating_add((iterations - 1).saturating_mul(2)))
                .saturating_add(2)
        }
        KdfKind::Pkcs12(_) => {
            let v = hash.block_len();
            let salt_blocks = salt_len.div_ceil(v);
            // D || S' || P' (the password as one block), padded, then iterations - 1 more.
            let first = hash.blocks_for(v * (1 + salt_blocks + 1));
            blocks.saturating_mul(first.saturating_add(iterations - 1))
        }
    };
    compressions.saturating_mul(hash.compression_weight())
}

/// How much key derivation a reader may spend: iterations per derivation and in total, and the
/// work of all derivations together in work units ([`derivation_work`]).
#[derive(Debug, Clone)]
pub struct IterationBudget {
    max_iterations: u32,
    max_total: u64,
    spent: u64,
    max_work: u64,
    work: u64,
    work_refused: Option<(u64, u64)>,
}

impl IterationBudget {
    /// A budget of `max_iterations` per derivation and `max_total` for all of them, with no
    /// limit on the work (see [`IterationBudget::with_max_work`]).
    pub fn new(max_iterations: u32, max_total: u64) -> Self {
        IterationBudget {
            max_iterations,
            max_total,
            spent: 0,
            max_work: u64::MAX,
            work: 0,
            work_refused: None,
        }
    }

    /// The same budget, the work of all derivations limited to `max_work` units.
    pub fn with_max_work(mut self, max_work: u64) -> Self {
        self.max_work = max_work;
        self
    }

    /// When a charge was refused for its work rather than its iteration count: the work it
    /// would have brought the total to, and the limit.
    pub fn work_refused(&self) -> Option<(u64, u64)> {
        self.work_refused
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

    /// Charges one derivation: its iterations as [`IterationBudget::charge`] does, then its
    /// work ([`derivation_work`]). A refusal for the work is reported as
    /// [`PbeError::TooManyIterations`] with the work figures, and recorded
    /// ([`IterationBudget::work_refused`]) so that a caller can name it.
    pub fn charge_derivation(
        &mut self,
        kind: KdfKind,
        iterations: u64,
        out_len: usize,
        salt_len: usize,
    ) -> Result<u32, PbeError> {
        let iterations = self.charge(iterations)?;
        let work = derivation_work(kind, u64::from(iterations), out_len as u64, salt_len as u64);
        let total = self.work.saturating_add(work);
        if total > self.max_work {
            self.work_refused = Some((total, self.max_work));
            return Err(PbeError::TooManyIterations {
                found: total,
                limit: self.max_work,
            });
        }
        self.work = total;
        Ok(iterations)
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

/// A password-based encryption scheme, as read from its AlgorithmIdentifier, before any key
/// is derived.
#[derive(Debug, Clone)]
pub struct Scheme {
    kdf: KdfKind,
    /// PBKDF2's PRF (PBES2 only).
    prf: Option<Prf>,
    salt: Vec<u8>,
    iterations: u64,
    cbc: CbcCipher,
    key_len: usize,
    /// PBES2's IV (the PKCS#12 schemes derive theirs).
    iv: Option<Vec<u8>>,
}

impl Scheme {
    /// Reads the scheme whose AlgorithmIdentifier is `alg` (a node of `input`): PBES2 or a
    /// PKCS#12 PBE scheme. Nothing is derived.
    pub fn read(input: &[u8], alg: &Node) -> Result<Scheme, PbeError> {
        let (oid, params) = read_algorithm(input, Some(alg), "encryption algorithm")?;
        if oid == PBES2 {
            return pbes2_scheme(input, params);
        }
        let (cbc, key_len) = if oid == PBE_SHA1_3DES {
            (CbcCipher::DesEde3, 24)
        } else if oid == PBE_SHA1_2DES {
            (CbcCipher::DesEde2, 16)
        } else if oid == PBE_SHA1_RC2_128 {
            (CbcCipher::Rc2, 16)
        } else if oid == PBE_SHA1_RC2_40 {
            (CbcCipher::Rc2, 5)
        } else if oid == PBE_SHA1_RC4_128 || oid == PBE_SHA1_RC4_40 {
            return Err(unsupported("pbeWithSHAAndRC4 (RC4 is broken)"));
        } else {
            return Err(unsupported(format!("encryption scheme {oid}")));
        };
        let params = expect_tag(params, 0x30, "PKCS#12 PBE parameters")?;
        let p = children(params, "PKCS#12 PBE parameters")?;
        let salt = read_salt(input, p.first(), "PBE salt")?;
        let iterations = read_uint(input, p.get(1), "PBE iterations")?;
        Ok(Scheme {
            kdf: KdfKind::Pkcs12(KdfHash::Sha1),
            prf: None,
            salt,
            iterations,
            cbc,
            key_len,
            iv: None,
        })
    }

    /// The iteration count the scheme asks for.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The work of the derivations this scheme runs ([`derivation_work`]): the key, and for
    /// the PKCS#12 schemes the IV as well.
    pub fn work(&self) -> u64 {
        let salt = self.salt.len() as u64;
        let key = derivation_work(self.kdf, self.iterations, self.key_len as u64, salt);
        if self.iv.is_some() {
            key
        } else {
            key.saturating_add(derivation_work(self.kdf, self.iterations, 8, salt))
        }
    }
}

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
    let scheme = Scheme::read(input, alg)?;
    let salt = &scheme.salt;
    let (key, iv) = match (&scheme.iv, scheme.prf) {
        (Some(iv), Some(prf)) => {
            let iterations = budget.charge_derivation(
                scheme.kdf,
                scheme.iterations,
                scheme.key_len,
                salt.len(),
            )?;
            let mut key = Zeroizing::new(vec![0u8; scheme.key_len]);
            kdf::pbkdf2(prf, utf8_password, salt, iterations, &mut key);
            if iv.len() != scheme.cbc.iv_len() {
                return Err(malformed("the PBES2 IV has the wrong length"));
            }
            (key, iv.clone())
        }
        _ => {
            // The key and the IV are two derivations.
            let iterations = budget.charge_derivation(
                scheme.kdf,
                scheme.iterations,
                scheme.key_len,
                salt.len(),
            )?;
            budget.charge_derivation(scheme.kdf, u64::from(iterations), 8, salt.len())?;
            let pw = bmp_password;
            let key =
                kdf::pkcs12_kdf::<sha1::Sha1>(pw, salt, PKCS12_KDF_KEY, iterations, scheme.key_len);
            let iv = kdf::pkcs12_kdf::<sha1::Sha1>(pw, salt, PKCS12_KDF_IV, iterations, 8);
            (key, iv.to_vec())
        }
    };
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    match cipher::cbc_decrypt(scheme.cbc, &key, &iv, &mut buf) {
        Ok(()) => Ok(buf),
        Err(CipherError::Length) => Err(malformed("a key or IV of the wrong length")),
        Err(_) => Err(PbeError::WrongPassword),
    }
}

/// The PBES2 (RFC 8018) scheme: PBKDF2's parameters, the cipher and its IV.
fn pbes2_scheme(input: &[u8], params: Option<&Node>) -> Result<Scheme, PbeError> {
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
    let (prf, hash) = if prf == HMAC_SHA1 {
        (Prf::HmacSha1, KdfHash::Sha1)
    } else if prf == HMAC_SHA224 {
        (Prf::HmacSha224, KdfHash::Sha224)
    } else if prf == HMAC_SHA256 {
        (Prf::HmacSha256, KdfHash::Sha256)
    } else if prf == HMAC_SHA384 {
        (Prf::HmacSha384, KdfHash::Sha384)
    } else if prf == HMAC_SHA512 {
        (Prf::HmacSha512, KdfHash::Sha512)
    } else {
        return Err(unsupported(format!("PBKDF2 PRF {prf}")));
    };
    Ok(Scheme {
        kdf: KdfKind::Pbkdf2(hash),
        prf: Some(prf),
        salt,
        iterations,
        cbc,
        key_len,
        iv: Some(iv),
    })
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
    /// The hash's cost class.
    pub fn kdf_hash(self) -> KdfHash {
        match self {
            MacHash::Sha1 => KdfHash::Sha1,
            MacHash::Sha224 => KdfHash::Sha224,
            MacHash::Sha256 => KdfHash::Sha256,
            MacHash::Sha384 => KdfHash::Sha384,
            MacHash::Sha512 => KdfHash::Sha512,
        }
    }

    /// The length of the MAC key the appendix B derivation makes: the hash's output length.
    pub fn output_len(self) -> usize {
        match self {
            MacHash::Sha1 => 20,
            MacHash::Sha224 => 28,
            MacHash::Sha256 => 32,
            MacHash::Sha384 => 48,
            MacHash::Sha512 => 64,
        }
    }

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
