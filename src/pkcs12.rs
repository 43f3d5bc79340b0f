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

use crate::asn1::ber::{self, Node};
use crate::asn1::tlv;
use crate::certificate::Certificate;
use crate::crypto::kdf::bmp_password;
use crate::crypto::keys::{PrivateKey, SoftwareKey};
use crate::crypto::pbe::{
    self, IterationBudget, KdfKind, MAX_SALT_LEN, MacHash, PbeError, children, expect_tag,
    read_algorithm, read_octets, read_oid, read_uint,
};
use crate::error::KeyError;
use crate::identity::Identity;
use const_oid::ObjectIdentifier;
use der::Decode;
use digest::Digest;
use std::fmt;
use zeroize::Zeroizing;

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
    /// The key derivations of the file together cost more work than the limit
    /// ([`Pkcs12Limits::max_work`]); refused before the derivation that would pass it, and
    /// before any derivation when the derivations visible without decrypting already do.
    TooMuchWork {
        /// The work counted (the visible derivations', or the total up to the refused one).
        work: u64,
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
    /// The stable numeric code of this error (500–599), or the key error's for
    /// [`Pkcs12Error::Key`].
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            Pkcs12Error::Empty => SMIME_PKCS12_EMPTY,
            Pkcs12Error::WrongPassword => SMIME_PKCS12_WRONG_PASSWORD,
            Pkcs12Error::Malformed { .. } => SMIME_PKCS12_MALFORMED,
            Pkcs12Error::UnsupportedAlgorithm { .. } => SMIME_PKCS12_UNSUPPORTED_ALGORITHM,
            Pkcs12Error::TooManyIterations { .. } => SMIME_PKCS12_TOO_MANY_ITERATIONS,
            Pkcs12Error::TooLarge { .. } => SMIME_PKCS12_TOO_LARGE,
            Pkcs12Error::TooManyBags { .. } => SMIME_PKCS12_TOO_MANY_BAGS,
            Pkcs12Error::NoKey => SMIME_PKCS12_NO_KEY,
            Pkcs12Error::NoCertificateForKey => SMIME_PKCS12_NO_CERTIFICATE_FOR_KEY,
            Pkcs12Error::Key(e) => e.code(),
            Pkcs12Error::Random { .. } => SMIME_PKCS12_RANDOM,
            Pkcs12Error::TooMuchWork { .. } => SMIME_PKCS12_TOO_MUCH_WORK,
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
            Pkcs12Error::TooMuchWork { work, limit } => write!(
                f,
                "the PKCS#12 file's key derivations cost {work} work units, more than the \
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
            Pkcs12Error::Key(_) => write!(f, "PKCS#12: unusable key or certificate"),
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

impl From<PbeError> for Pkcs12Error {
    fn from(e: PbeError) -> Self {
        match e {
            PbeError::Malformed(detail) => Pkcs12Error::Malformed { detail },
            PbeError::Unsupported(detail) => Pkcs12Error::UnsupportedAlgorithm { detail },
            PbeError::TooManyIterations { found, limit } => {
                Pkcs12Error::TooManyIterations { found, limit }
            }
            PbeError::WrongPassword => Pkcs12Error::WrongPassword,
            PbeError::Random(detail) => Pkcs12Error::Random { detail },
        }
    }
}

/// Bounds on what a PKCS#12 file may ask of the reader.
///
/// The key derivations a file asks for (its integrity MAC, each encrypted safe, each shrouded
/// key) are bounded three ways: the iterations of one derivation, the iterations of all of
/// them, and their **work** ([`Pkcs12Limits::max_work`]): the hash compressions they run,
/// each weighted by what it costs. A SHA-384/512 compression counts 5, a SHA-224/256 one 2,
/// a SHA-1 one 1 (their cost in the derivation loops, measured with SHA-NI and AVX2); PBKDF2
/// runs two compressions per iteration and output block, the PKCS#12 derivation one, and a
/// key longer than the hash output takes several blocks (an AES-256 key from PBKDF2-HMAC-SHA-1
/// takes two). Each derivation is charged before it runs, and the derivations visible without
/// decrypting anything (the MAC, the encrypted safes, the shrouded keys of plain safes) are
/// summed first: a file over the budget is refused before any work when it shows its cost,
/// and otherwise before the derivation that would pass the budget.
///
/// With the default limits any accepted file stays under 2 s of key derivation on the
/// reference machine of `docs/benchmarks.md` (x86-64 with SHA-NI, two cores shared with other
/// builds; release build): the slowest kind of derivation there ran at 159 ns per work unit,
/// 1.9 s for the whole budget, and the most expensive file measured (three 3DES-shrouded keys
/// at 1 000 000 iterations) took 1.8 s. A file asking for 16 shrouded keys of PBKDF2-HMAC-SHA-512 at the
/// per-derivation maximum of 1 000 000 iterations, which the iteration limits alone let
/// through (about 15 s of work there), is refused with [`Pkcs12Error::TooMuchWork`] before
/// any derivation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs12Limits {
    /// The most iterations one key derivation may ask for (default 1 000 000).
    pub max_iterations: u32,
    /// The most iterations all the derivations of one file may ask for together
    /// (default 16 000 000), so that many bags at the maximum cannot hang the reader.
    pub max_total_iterations: u64,
    /// The most work all the key derivations of one file may cost together, in work units
    /// (one SHA-1 compression; default [`DEFAULT_MAX_WORK`]).
    pub max_work: u64,
    /// The largest file accepted, in bytes (default 16 MiB).
    pub max_size: usize,
    /// The most bags (keys, certificates and others) a file may hold (default 1000).
    pub max_bags: usize,
}

/// The default [`Pkcs12Limits::max_work`]: 12 000 000 work units, at most about 2 s of key
/// derivation on the reference machine whatever the mix of hashes and schemes. For scale: a
/// file OpenSSL writes by default (PBKDF2-HMAC-SHA-256 for the key and the certificates, a
/// SHA-256 MAC, 2048 iterations each) costs about 20 000; one at 100 000 iterations, as
/// [`write_pkcs12`] writes, about 1 000 000; one PBKDF2-HMAC-SHA-512 derivation at 1 000 000
/// iterations 10 000 010, so a file may hold one such derivation, not two.
pub const DEFAULT_MAX_WORK: u64 = 12_000_000;

impl Default for Pkcs12Limits {
    fn default() -> Self {
        Pkcs12Limits {
            max_iterations: 1_000_000,
            max_total_iterations: 16_000_000,
            max_work: DEFAULT_MAX_WORK,
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

/// How deep `safeContentsBag`s may nest.
const MAX_SAFE_CONTENTS_DEPTH: usize = 8;
/// Iterations used by [`write_pkcs12`] for PBKDF2 and the MAC key derivation.
pub const WRITE_ITERATIONS: u32 = 100_000;

// ---------------------------------------------------------------------------------------------
// Small BER helpers: the password-based encryption's ([`crate::crypto::pbe`]) and one more.

/// The single element inside an `[0] EXPLICIT` wrapper.
fn explicit0<'n>(node: Option<&'n Node>, what: &str) -> Result<&'n Node, Pkcs12Error> {
    let node = expect_tag(node, 0xA0, what)?;
    node.children
        .first()
        .ok_or_else(|| Pkcs12Error::malformed(format!("{what}: empty [0]")))
}

// ---------------------------------------------------------------------------------------------
// Reading.

struct Reader<'l> {
    limits: &'l Pkcs12Limits,
    /// The password as given (PBES2 uses it as UTF-8).
    utf8_password: Zeroizing<Vec<u8>>,
    /// The password for the PKCS#12 PBE schemes (BMPString, or empty when absent).
    bmp_password: Zeroizing<Vec<u8>>,
    /// Whether the integrity MAC was checked and matched.
    mac_verified: bool,
    /// The iterations the file may still ask for.
    budget: IterationBudget,
    bags: usize,
    out: Pkcs12Contents,
}

impl Reader<'_> {
    /// A budget error as the file's error: a refusal for the work is [`Pkcs12Error::TooMuchWork`].
    fn budget_error(&self, e: PbeError) -> Pkcs12Error {
        match (&e, self.budget.work_refused()) {
            (PbeError::TooManyIterations { .. }, Some((work, limit))) => {
                Pkcs12Error::TooMuchWork { work, limit }
            }
            _ => Pkcs12Error::from(e),
        }
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
        let hash = MacHash::from_oid(&alg)?;
        let iterations = self
            .budget
            .charge_derivation(
                KdfKind::Pkcs12(hash.kdf_hash()),
                iterations,
                hash.output_len(),
                salt.len(),
            )
            .map_err(|e| self.budget_error(e))?;
        // An empty password may have been encoded as an empty BMPString (two zero bytes) or as
        // no password at all; tools differ, so try both.
        let mut candidates = vec![self.bmp_password.clone()];
        if self.utf8_password.is_empty() {
            candidates.push(Zeroizing::new(Vec::new()));
        }
        for candidate in candidates {
            if pbe::pkcs12_mac_matches(hash, &candidate, &salt, iterations, auth_safe, &expected) {
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
        let result = pbe::decrypt(
            input,
            alg,
            ciphertext,
            &self.utf8_password,
            &self.bmp_password,
            &mut self.budget,
        );
        match result {
            Err(PbeError::WrongPassword) if self.mac_verified => Err(Pkcs12Error::malformed(
                "a bag did not decrypt although the MAC matched (corrupt, or encrypted under \
                 another password)",
            )),
            Err(e) => Err(self.budget_error(e)),
            Ok(plain) => Ok(plain),
        }
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

/// The work of the key derivations a file shows without decrypting anything: the MAC's, each
/// encrypted safe's and each shrouded key's in the plain safes (nested safe contents
/// included). What cannot be read counts nothing here: the reading itself reports it. `None`
/// when one of them asks for more than `max_iterations`.
fn visible_work(
    der: &[u8],
    mac_data: Option<&Node>,
    auth_safe: &[u8],
    max_iterations: u32,
) -> Option<u64> {
    let max = u64::from(max_iterations);
    let mut work = match mac_data.and_then(|m| mac_work(der, m).ok()) {
        Some((_, iterations)) if iterations > max => return None,
        Some((w, _)) => w,
        None => 0,
    };
    let Ok(root) = ber::parse(auth_safe) else {
        return Some(work);
    };
    let Ok(safes) = children(&root, "AuthenticatedSafe") else {
        return Some(work);
    };
    let mut schemes = Vec::new();
    for ci in safes {
        content_info_schemes(auth_safe, ci, &mut schemes);
    }
    for scheme in schemes {
        if scheme.iterations() > max {
            return None;
        }
        work = work.saturating_add(scheme.work());
    }
    Some(work)
}

/// The MAC's work and iteration count.
fn mac_work(input: &[u8], mac_data: &Node) -> Result<(u64, u64), Pkcs12Error> {
    let parts = children(mac_data, "MacData")?;
    let di = children(
        expect_tag(parts.first(), 0x30, "MacData.mac")?,
        "DigestInfo",
    )?;
    let (alg, _) = read_algorithm(input, di.first(), "MAC digest algorithm")?;
    let hash = MacHash::from_oid(&alg)?;
    let salt = read_octets(input, parts.get(1), "MAC salt")?;
    let iterations = match parts.get(2) {
        Some(n) => read_uint(input, Some(n), "MAC iterations")?,
        None => 1,
    };
    let work = pbe::derivation_work(
        KdfKind::Pkcs12(hash.kdf_hash()),
        iterations,
        hash.output_len() as u64,
        salt.len() as u64,
    );
    Ok((work, iterations))
}

/// The schemes of one ContentInfo that can be read without decrypting: an encrypted safe's,
/// or the shrouded keys' of a plain one.
fn content_info_schemes(input: &[u8], ci: &Node, out: &mut Vec<pbe::Scheme>) {
    let _ = content_info_schemes_inner(input, ci, out);
}

fn content_info_schemes_inner(
    input: &[u8],
    ci: &Node,
    out: &mut Vec<pbe::Scheme>,
) -> Result<(), Pkcs12Error> {
    let parts = children(ci, "ContentInfo")?;
    let oid = read_oid(input, parts.first(), "ContentInfo type")?;
    if oid == OID_DATA {
        let bytes = read_octets(input, Some(explicit0(parts.get(1), "data")?), "data")?;
        let root = ber::parse(&bytes)?;
        safe_contents_schemes(&bytes, &root, 0, out);
        return Ok(());
    }
    if oid == OID_ENCRYPTED_DATA {
        let ed = expect_tag(
            Some(explicit0(parts.get(1), "data")?),
            0x30,
            "EncryptedData",
        )?;
        let ed = children(ed, "EncryptedData")?;
        let eci = children(
            expect_tag(ed.get(1), 0x30, "EncryptedContentInfo")?,
            "EncryptedContentInfo",
        )?;
        let alg = expect_tag(eci.get(1), 0x30, "content encryption algorithm")?;
        out.push(pbe::Scheme::read(input, alg)?);
    }
    Ok(())
}

fn safe_contents_schemes(input: &[u8], node: &Node, depth: usize, out: &mut Vec<pbe::Scheme>) {
    let Ok(bags) = children(node, "SafeContents") else {
        return;
    };
    if depth > MAX_SAFE_CONTENTS_DEPTH {
        return;
    }
    for bag in bags {
        let Ok(parts) = children(bag, "SafeBag") else {
            continue;
        };
        let (Ok(bag_id), Ok(value)) = (
            read_oid(input, parts.first(), "SafeBag type"),
            explicit0(parts.get(1), "SafeBag value"),
        ) else {
            continue;
        };
        if bag_id == OID_SHROUDED_KEY_BAG {
            let scheme = children(value, "EncryptedPrivateKeyInfo")
                .ok()
                .and_then(|e| e.first())
                .and_then(|alg| pbe::Scheme::read(input, alg).ok());
            out.extend(scheme);
        } else if bag_id == OID_SAFE_CONTENTS_BAG {
            safe_contents_schemes(input, value, depth + 1, out);
        }
    }
}

/// Re-encodes a PKCS#8 PrivateKeyInfo as DER and checks its outer shape.
fn normalize_key(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    Ok(pbe::normalize_private_key_info(der)?)
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
        budget: IterationBudget::new(limits.max_iterations, limits.max_total_iterations)
            .with_max_work(limits.max_work),
        bags: 0,
        out: Pkcs12Contents::default(),
    };
    // The derivations visible without decrypting: a file that shows it costs more than the
    // budget is refused before any of them runs.
    // A derivation above the per-derivation iteration limit is left to the reading, which
    // names it (TooManyIterations).
    let visible = visible_work(der, pfx.get(2), &auth_safe, limits.max_iterations);
    if visible.is_some_and(|w| w > limits.max_work) {
        return Err(Pkcs12Error::TooMuchWork {
            work: visible.unwrap_or(0),
            limit: limits.max_work,
        });
    }
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
        let tbs = c.x509().ok()?.tbs_certificate();
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
    crate::crypto::rng::random_array().map_err(|e| Pkcs12Error::Random {
        detail: e.to_string(),
    })
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

/// Encrypts `plain` under PBES2 with [`WRITE_ITERATIONS`]; returns the AlgorithmIdentifier and
/// the ciphertext.
fn pbes2_encrypt(password: &str, plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Pkcs12Error> {
    Ok(pbe::pbes2_encrypt(password, plain, WRITE_ITERATIONS)?)
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
    let tag = pbe::pkcs12_mac_sha256(&bmp_password(password), &salt, WRITE_ITERATIONS, &auth_safe)?;
    let digest_info = seq(&[
        &seq(&[&der_oid(&crate::crypto::oids::SHA256), &[0x05, 0x00]]),
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
            Pkcs12Error::TooMuchWork { work: 2, limit: 1 },
        ];
        let mut codes: Vec<u32> = all.iter().map(Pkcs12Error::code).collect();
        // Key keeps the code of the key error it wraps; every other variant has its own.
        assert_eq!(codes[9], KeyError::Mismatch.code());
        assert!(
            codes
                .iter()
                .enumerate()
                .all(|(i, c)| i == 9 || (500..600).contains(c))
        );
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

    // Crafted files for the work budget: hand-encoded, without a MAC, the keys in PBES2
    // shrouded bags whose parameters the file chooses.

    use crate::crypto::pbe::{KdfHash, derivation_work};

    /// A PBES2 AlgorithmIdentifier: PBKDF2 with `prf`, `iterations` and a salt of `salt_len`
    /// bytes, AES-256-CBC.
    fn pbes2_alg(prf: &ObjectIdentifier, iterations: u32, salt_len: usize) -> Vec<u8> {
        let kdf_params = seq(&[
            &tlv(0x04, &vec![7; salt_len]),
            &der_uint(iterations),
            &seq(&[&der_oid(prf), &[0x05, 0x00]]),
        ]);
        seq(&[
            &der_oid(&pbe::PBES2),
            &seq(&[
                &seq(&[&der_oid(&pbe::PBKDF2), &kdf_params]),
                &seq(&[
                    &der_oid(&crate::crypto::oids::AES256_CBC),
                    &tlv(0x04, &[9; 16]),
                ]),
            ]),
        ])
    }

    fn shrouded_bag(alg: &[u8], ciphertext: &[u8]) -> Vec<u8> {
        safe_bag(
            &OID_SHROUDED_KEY_BAG,
            &seq(&[alg, &tlv(0x04, ciphertext)]),
            &[],
        )
    }

    /// An EncryptedData ContentInfo.
    fn encrypted_safe(alg: &[u8], ciphertext: &[u8]) -> Vec<u8> {
        seq(&[
            &der_oid(&OID_ENCRYPTED_DATA),
            &tlv(
                0xA0,
                &seq(&[
                    &der_uint(0),
                    &seq(&[&der_oid(&OID_DATA), alg, &tlv(0x80, ciphertext)]),
                ]),
            ),
        ])
    }

    /// A PFX without a MAC over the given ContentInfos.
    fn pfx(content_infos: &[Vec<u8>]) -> Vec<u8> {
        let auth_safe = seq(&content_infos.iter().map(Vec::as_slice).collect::<Vec<_>>());
        seq(&[&der_uint(3), &data_content_info(&auth_safe)])
    }

    fn plain_safe(bags: &[Vec<u8>]) -> Vec<u8> {
        data_content_info(&seq(&bags.iter().map(Vec::as_slice).collect::<Vec<_>>()))
    }

    /// PBKDF2-HMAC-SHA-512 at 1 000 000 iterations for a 32-byte key and a 16-byte salt: the
    /// HMAC set-up (2), the first iteration (2) and 2 per further iteration, each SHA-512
    /// compression counting 5.
    const SHA512_BAG_WORK: u64 = (2 + 2 + 2 * 999_999) * 5;

    #[test]
    fn sixteen_sha512_shrouded_keys_are_refused_by_their_counted_work() {
        let alg = pbes2_alg(&pbe::HMAC_SHA512, 1_000_000, 16);
        let bags: Vec<Vec<u8>> = (0..16).map(|_| shrouded_bag(&alg, &[0; 48])).collect();
        let file = pfx(&[plain_safe(&bags)]);
        let limits = Pkcs12Limits::default();
        // The iteration limits alone let it through: 16 derivations of 1 000 000 each.
        assert!(16 * 1_000_000 <= limits.max_total_iterations);
        assert_eq!(
            derivation_work(pbe::KdfKind::Pbkdf2(KdfHash::Sha512), 1_000_000, 32, 16),
            SHA512_BAG_WORK
        );
        // Refused by the work the file shows, before any derivation: the ciphertexts are not
        // keys, and a derivation that ran would end in a wrong-password error instead.
        assert_eq!(
            parse_pkcs12(&file, "pw", &limits).unwrap_err(),
            Pkcs12Error::TooMuchWork {
                work: 16 * SHA512_BAG_WORK,
                limit: DEFAULT_MAX_WORK
            }
        );
        // One such key fits in the default budget, two do not.
        const { assert!(SHA512_BAG_WORK <= DEFAULT_MAX_WORK) };
        const { assert!(2 * SHA512_BAG_WORK > DEFAULT_MAX_WORK) };
    }

    #[test]
    fn work_is_weighted_by_prf_scheme_and_output_blocks() {
        use pbe::KdfKind::{Pbkdf2, Pkcs12};
        // PBKDF2-HMAC-SHA-1 for an AES-256 key: two 20-byte output blocks.
        assert_eq!(
            derivation_work(Pbkdf2(KdfHash::Sha1), 2048, 32, 8),
            2 * (2 + 2 * 2047) + 2
        );
        // PBKDF2-HMAC-SHA-256: one block, each compression counting 2.
        assert_eq!(
            derivation_work(Pbkdf2(KdfHash::Sha256), 2048, 32, 8),
            ((2 + 2 * 2047) + 2) * 2
        );
        // PBKDF2-HMAC-SHA-224 for 32 bytes: two 28-byte blocks.
        assert_eq!(
            derivation_work(Pbkdf2(KdfHash::Sha224), 2048, 32, 8),
            (2 * (2 + 2 * 2047) + 2) * 2
        );
        // PBKDF2-HMAC-SHA-512: one block, each compression counting 5.
        assert_eq!(
            derivation_work(Pbkdf2(KdfHash::Sha512), 2048, 32, 8),
            ((2 + 2 * 2047) + 2) * 5
        );
        // The PKCS#12 derivation with SHA-1, a 3DES key (24 bytes: two blocks): the first hash
        // over diversifier, salt and password (three 64-byte blocks and the padding block),
        // then one compression per further iteration.
        assert_eq!(
            derivation_work(Pkcs12(KdfHash::Sha1), 2048, 24, 8),
            2 * (4 + 2047)
        );
        // A long salt costs its blocks in the first hash of each output block.
        assert_eq!(
            derivation_work(Pbkdf2(KdfHash::Sha256), 1, 32, 1024),
            ((1024u64 + 4 + 9).div_ceil(64) + 1 + 2) * 2
        );

        // The same counts charged from a file: one bag of each PRF, refused at a limit of one
        // with the sum of what the file shows.
        let file = pfx(&[plain_safe(&[
            shrouded_bag(&pbes2_alg(&pbe::HMAC_SHA1, 2048, 8), &[0; 48]),
            shrouded_bag(&pbes2_alg(&pbe::HMAC_SHA256, 2048, 8), &[0; 48]),
            shrouded_bag(&pbes2_alg(&pbe::HMAC_SHA512, 2048, 8), &[0; 48]),
        ])]);
        let one = Pkcs12Limits {
            max_work: 1,
            ..Pkcs12Limits::default()
        };
        assert_eq!(
            parse_pkcs12(&file, "pw", &one).unwrap_err(),
            Pkcs12Error::TooMuchWork {
                work: (2 * 4096 + 2) + 4098 * 2 + 4098 * 5,
                limit: 1
            }
        );
    }

    #[test]
    fn derivations_inside_an_encrypted_safe_are_charged_before_they_run() {
        // An encrypted safe (PBKDF2-HMAC-SHA-256, 1000 iterations, real) holding two
        // PBKDF2-HMAC-SHA-512 shrouded keys that only decrypting the safe shows.
        let alg = pbes2_alg(&pbe::HMAC_SHA512, 1_000_000, 16);
        let inner = seq(&[&shrouded_bag(&alg, &[0; 48]), &shrouded_bag(&alg, &[0; 48])]);
        let (safe_alg, safe_ct) = pbe::pbes2_encrypt("pw", &inner, 1000).unwrap();
        let file = pfx(&[encrypted_safe(&safe_alg, &safe_ct)]);
        let safe_work = derivation_work(pbe::KdfKind::Pbkdf2(KdfHash::Sha256), 1000, 32, 16);
        assert_eq!(safe_work, ((2 + 2 * 999) + 2) * 2);
        // The budget holds the safe and half a key: the safe is decrypted, the first hidden key
        // is refused before it is derived (a derivation would end in a wrong-password error,
        // its ciphertext not being a key).
        let limits = Pkcs12Limits {
            max_work: safe_work + SHA512_BAG_WORK / 2,
            ..Pkcs12Limits::default()
        };
        assert_eq!(
            parse_pkcs12(&file, "pw", &limits).unwrap_err(),
            Pkcs12Error::TooMuchWork {
                work: safe_work + SHA512_BAG_WORK,
                limit: limits.max_work
            }
        );
    }

    #[test]
    fn a_file_at_exactly_the_budget_is_read_and_one_unit_less_refuses_it() {
        let pem = include_bytes!("testdata/alice-p256.key.pem");
        let (_, key) = pem_rfc7468::decode_vec(pem).unwrap();
        let (alg, ct) = pbe::pbes2_encrypt("pw", &key, 3000).unwrap();
        let file = pfx(&[plain_safe(&[shrouded_bag(&alg, &ct)])]);
        let work = derivation_work(pbe::KdfKind::Pbkdf2(KdfHash::Sha256), 3000, 32, 16);
        let exact = Pkcs12Limits {
            max_work: work,
            ..Pkcs12Limits::default()
        };
        let contents = parse_pkcs12(&file, "pw", &exact).unwrap();
        assert_eq!(contents.keys.len(), 1);
        let less = Pkcs12Limits {
            max_work: work - 1,
            ..Pkcs12Limits::default()
        };
        assert_eq!(
            parse_pkcs12(&file, "pw", &less).unwrap_err(),
            Pkcs12Error::TooMuchWork {
                work,
                limit: work - 1
            }
        );
    }
}
