//! Public-key signature verification over RustCrypto.
//!
//! [`verify_signature`] checks one signature given a DER `SubjectPublicKeyInfo`, the CMS/X.509
//! signature algorithm identifier and the digest algorithm. Supported:
//!
//! - RSA PKCS#1 v1.5 (`rsaEncryption`, `sha{1,256,384,512}WithRSAEncryption`);
//! - RSASSA-PSS (`id-RSASSA-PSS` with its parameters, MGF1 over the same hash);
//! - ECDSA on P-256 and P-384 (`ecdsa-with-SHA*` or `id-ecPublicKey`), DER-encoded signatures;
//! - the schemes that sign the whole message (pure schemes): Ed25519 (RFC 8419), ML-DSA
//!   (FIPS 204, pure mode, empty context) and SLH-DSA (FIPS 205, RFC 9814). They are checked
//!   over the message, never over a digest of it.
//!
//! Nothing here panics on input: every malformed key, parameter or signature is an `Err`.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Sequence};
use rsa::RsaPublicKey;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pss::Pss;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use super::{DigestAlgorithm, oids};

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigCheckError {
    /// The signature algorithm, its parameters, the curve or the digest is not supported.
    UnsupportedAlgorithm {
        /// What was found, for a person.
        detail: String,
    },
    /// The public key could not be decoded, or does not suit the signature algorithm.
    BadPublicKey {
        /// What was wrong, for a person.
        detail: String,
    },
    /// The signature is malformed or does not match the message and key.
    BadSignature,
    /// The signature algorithm names a different digest than the one the signature was said to
    /// be computed with (for example `sha384WithRSAEncryption` with a SHA-256 digest).
    DigestMismatch,
}

impl fmt::Display for SigCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigCheckError::UnsupportedAlgorithm { detail } => {
                write!(f, "the signature algorithm is not supported: {detail}")
            }
            SigCheckError::BadPublicKey { detail } => {
                write!(f, "the public key is unusable: {detail}")
            }
            SigCheckError::BadSignature => {
                write!(f, "the signature does not match the data and the key")
            }
            SigCheckError::DigestMismatch => write!(
                f,
                "the signature algorithm names a different digest than the one used"
            ),
        }
    }
}

impl std::error::Error for SigCheckError {}

/// The kind of a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA (`rsaEncryption` or `id-RSASSA-PSS` keys).
    Rsa,
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// X25519 (RFC 8410), a key-agreement key.
    X25519,
    /// ML-DSA (FIPS 204) at one of its levels.
    MlDsa(MlDsaLevel),
    /// SLH-DSA (FIPS 205) with one of its parameter sets.
    SlhDsa(SlhDsaSet),
    /// ML-KEM (FIPS 203) at one of its levels, a key-encapsulation key.
    MlKem(MlKemLevel),
    /// Any other key: the algorithm OID (and curve OID for other EC keys), dotted.
    Other(String),
}

impl KeyAlgorithm {
    /// A name for people ("ML-DSA-65"); RSA and EC keys as in [`KeyInfo`]'s description.
    pub fn name(&self) -> String {
        match self {
            KeyAlgorithm::Rsa => "RSA".into(),
            KeyAlgorithm::EcP256 => "EC P-256".into(),
            KeyAlgorithm::EcP384 => "EC P-384".into(),
            KeyAlgorithm::Ed25519 => "Ed25519".into(),
            KeyAlgorithm::X25519 => "X25519".into(),
            KeyAlgorithm::MlDsa(l) => l.name().into(),
            KeyAlgorithm::SlhDsa(p) => p.name().into(),
            KeyAlgorithm::MlKem(l) => l.name().into(),
            KeyAlgorithm::Other(oid) => oid.clone(),
        }
    }
}

/// The three ML-DSA security levels (FIPS 204).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MlDsaLevel {
    /// ML-DSA-44.
    MlDsa44,
    /// ML-DSA-65.
    MlDsa65,
    /// ML-DSA-87.
    MlDsa87,
}

impl MlDsaLevel {
    /// Every level.
    pub const ALL: [MlDsaLevel; 3] = [
        MlDsaLevel::MlDsa44,
        MlDsaLevel::MlDsa65,
        MlDsaLevel::MlDsa87,
    ];

    /// The algorithm OID (key and signature).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            MlDsaLevel::MlDsa44 => oids::ML_DSA_44,
            MlDsaLevel::MlDsa65 => oids::ML_DSA_65,
            MlDsaLevel::MlDsa87 => oids::ML_DSA_87,
        }
    }

    /// "ML-DSA-44", "ML-DSA-65" or "ML-DSA-87".
    pub fn name(self) -> &'static str {
        match self {
            MlDsaLevel::MlDsa44 => "ML-DSA-44",
            MlDsaLevel::MlDsa65 => "ML-DSA-65",
            MlDsaLevel::MlDsa87 => "ML-DSA-87",
        }
    }

    /// The length of an encoded public key (FIPS 204 table 2).
    pub fn public_key_len(self) -> usize {
        match self {
            MlDsaLevel::MlDsa44 => 1312,
            MlDsaLevel::MlDsa65 => 1952,
            MlDsaLevel::MlDsa87 => 2592,
        }
    }

    /// The level an OID names.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.oid() == *oid)
    }
}

/// The three ML-KEM parameter sets (FIPS 203).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MlKemLevel {
    /// ML-KEM-512.
    MlKem512,
    /// ML-KEM-768.
    MlKem768,
    /// ML-KEM-1024.
    MlKem1024,
}

impl MlKemLevel {
    /// Every parameter set.
    pub const ALL: [MlKemLevel; 3] = [
        MlKemLevel::MlKem512,
        MlKemLevel::MlKem768,
        MlKemLevel::MlKem1024,
    ];

    /// The algorithm OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            MlKemLevel::MlKem512 => oids::ML_KEM_512,
            MlKemLevel::MlKem768 => oids::ML_KEM_768,
            MlKemLevel::MlKem1024 => oids::ML_KEM_1024,
        }
    }

    /// "ML-KEM-512", "ML-KEM-768" or "ML-KEM-1024".
    pub fn name(self) -> &'static str {
        match self {
            MlKemLevel::MlKem512 => "ML-KEM-512",
            MlKemLevel::MlKem768 => "ML-KEM-768",
            MlKemLevel::MlKem1024 => "ML-KEM-1024",
        }
    }

    /// The length of an encapsulation (public) key (FIPS 203 table 3).
    pub fn public_key_len(self) -> usize {
        match self {
            MlKemLevel::MlKem512 => 800,
            MlKemLevel::MlKem768 => 1184,
            MlKemLevel::MlKem1024 => 1568,
        }
    }

    /// The length of a ciphertext (FIPS 203 table 3).
    pub fn ciphertext_len(self) -> usize {
        match self {
            MlKemLevel::MlKem512 => 768,
            MlKemLevel::MlKem768 => 1088,
            MlKemLevel::MlKem1024 => 1568,
        }
    }

    /// The parameter set an OID names.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.oid() == *oid)
    }
}

/// The twelve SLH-DSA parameter sets of FIPS 205 (pure mode; RFC 9814).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum SlhDsaSet {
    /// SLH-DSA-SHA2-128s.
    Sha2_128s,
    /// SLH-DSA-SHA2-128f.
    Sha2_128f,
    /// SLH-DSA-SHA2-192s.
    Sha2_192s,
    /// SLH-DSA-SHA2-192f.
    Sha2_192f,
    /// SLH-DSA-SHA2-256s.
    Sha2_256s,
    /// SLH-DSA-SHA2-256f.
    Sha2_256f,
    /// SLH-DSA-SHAKE-128s.
    Shake_128s,
    /// SLH-DSA-SHAKE-128f.
    Shake_128f,
    /// SLH-DSA-SHAKE-192s.
    Shake_192s,
    /// SLH-DSA-SHAKE-192f.
    Shake_192f,
    /// SLH-DSA-SHAKE-256s.
    Shake_256s,
    /// SLH-DSA-SHAKE-256f.
    Shake_256f,
}

impl SlhDsaSet {
    /// Every parameter set, in OID order.
    pub const ALL: [SlhDsaSet; 12] = [
        SlhDsaSet::Sha2_128s,
        SlhDsaSet::Sha2_128f,
        SlhDsaSet::Sha2_192s,
        SlhDsaSet::Sha2_192f,
        SlhDsaSet::Sha2_256s,
        SlhDsaSet::Sha2_256f,
        SlhDsaSet::Shake_128s,
        SlhDsaSet::Shake_128f,
        SlhDsaSet::Shake_192s,
        SlhDsaSet::Shake_192f,
        SlhDsaSet::Shake_256s,
        SlhDsaSet::Shake_256f,
    ];

    /// The algorithm OID (key and signature).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            SlhDsaSet::Sha2_128s => oids::SLH_DSA_SHA2_128S,
            SlhDsaSet::Sha2_128f => oids::SLH_DSA_SHA2_128F,
            SlhDsaSet::Sha2_192s => oids::SLH_DSA_SHA2_192S,
            SlhDsaSet::Sha2_192f => oids::SLH_DSA_SHA2_192F,
            SlhDsaSet::Sha2_256s => oids::SLH_DSA_SHA2_256S,
            SlhDsaSet::Sha2_256f => oids::SLH_DSA_SHA2_256F,
            SlhDsaSet::Shake_128s => oids::SLH_DSA_SHAKE_128S,
            SlhDsaSet::Shake_128f => oids::SLH_DSA_SHAKE_128F,
            SlhDsaSet::Shake_192s => oids::SLH_DSA_SHAKE_192S,
            SlhDsaSet::Shake_192f => oids::SLH_DSA_SHAKE_192F,
            SlhDsaSet::Shake_256s => oids::SLH_DSA_SHAKE_256S,
            SlhDsaSet::Shake_256f => oids::SLH_DSA_SHAKE_256F,
        }
    }

    /// "SLH-DSA-SHA2-128s" and so on.
    pub fn name(self) -> &'static str {
        match self {
            SlhDsaSet::Sha2_128s => "SLH-DSA-SHA2-128s",
            SlhDsaSet::Sha2_128f => "SLH-DSA-SHA2-128f",
            SlhDsaSet::Sha2_192s => "SLH-DSA-SHA2-192s",
            SlhDsaSet::Sha2_192f => "SLH-DSA-SHA2-192f",
            SlhDsaSet::Sha2_256s => "SLH-DSA-SHA2-256s",
            SlhDsaSet::Sha2_256f => "SLH-DSA-SHA2-256f",
            SlhDsaSet::Shake_128s => "SLH-DSA-SHAKE-128s",
            SlhDsaSet::Shake_128f => "SLH-DSA-SHAKE-128f",
            SlhDsaSet::Shake_192s => "SLH-DSA-SHAKE-192s",
            SlhDsaSet::Shake_192f => "SLH-DSA-SHAKE-192f",
            SlhDsaSet::Shake_256s => "SLH-DSA-SHAKE-256s",
            SlhDsaSet::Shake_256f => "SLH-DSA-SHAKE-256f",
        }
    }

    /// The length of a public key: twice the security parameter n (FIPS 205 table 2).
    pub fn public_key_len(self) -> usize {
        match self {
            SlhDsaSet::Sha2_128s
            | SlhDsaSet::Sha2_128f
            | SlhDsaSet::Shake_128s
            | SlhDsaSet::Shake_128f => 32,
            SlhDsaSet::Sha2_192s
            | SlhDsaSet::Sha2_192f
            | SlhDsaSet::Shake_192s
            | SlhDsaSet::Shake_192f => 48,
            _ => 64,
        }
    }

    /// The parameter set an OID names.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.oid() == *oid)
    }
}

/// The kind and size of a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key algorithm.
    pub algorithm: KeyAlgorithm,
    /// The key size in bits: the RSA modulus length, or the curve size (0 when unknown).
    pub bits: usize,
}

/// Describes the key in a DER `SubjectPublicKeyInfo`.
///
/// RSA and P-256/P-384 keys are decoded (so a malformed key is an error); other algorithms are
/// reported as [`KeyAlgorithm::Other`] without decoding.
pub fn key_info(spki_der: &[u8]) -> Result<KeyInfo, SigCheckError> {
    let spki = parse_spki(spki_der)?;
    match classify_key(&spki)? {
        RawKey::Rsa(bytes) => {
            let key =
                pkcs1::RsaPublicKeyRef::from_der(bytes).map_err(|e| bad_key(e.to_string()))?;
            let modulus = key.modulus.as_bytes();
            // Validate the key the way verification would.
            rsa_key(bytes)?;
            let bits = match modulus.iter().position(|b| *b != 0) {
                Some(i) => {
                    let first = modulus.get(i).copied().unwrap_or(0);
                    (modulus.len() - i) * 8 - first.leading_zeros() as usize
                }
                None => 0,
            };
            Ok(KeyInfo {
                algorithm: KeyAlgorithm::Rsa,
                bits,
            })
        }
        RawKey::P256(bytes) => {
            p256_key(bytes)?;
            Ok(KeyInfo {
                algorithm: KeyAlgorithm::EcP256,
                bits: 256,
            })
        }
        RawKey::P384(bytes) => {
            p384_key(bytes)?;
            Ok(KeyInfo {
                algorithm: KeyAlgorithm::EcP384,
                bits: 384,
            })
        }
        RawKey::Ed25519(_) => Ok(KeyInfo {
            algorithm: KeyAlgorithm::Ed25519,
            bits: 256,
        }),
        RawKey::X25519(_) => Ok(KeyInfo {
            algorithm: KeyAlgorithm::X25519,
            bits: 256,
        }),
        RawKey::MlDsa(level, _) => Ok(KeyInfo {
            algorithm: KeyAlgorithm::MlDsa(level),
            bits: 0,
        }),
        RawKey::SlhDsa(set, _) => Ok(KeyInfo {
            algorithm: KeyAlgorithm::SlhDsa(set),
            bits: 0,
        }),
        RawKey::MlKem(level, _) => Ok(KeyInfo {
            algorithm: KeyAlgorithm::MlKem(level),
            bits: 0,
        }),
        RawKey::Other(desc) => Ok(KeyInfo {
            algorithm: KeyAlgorithm::Other(desc),
            bits: 0,
        }),
    }
}

/// Verifies `signature` over `message` (hashing it with `digest`) with the key in `spki_der`
/// (DER `SubjectPublicKeyInfo`), under the CMS/X.509 signature algorithm `sig_alg`:
///
/// - `rsaEncryption` (as CMS signers often write) or `sha{1,256,384,512}WithRSAEncryption`:
///   RSA PKCS#1 v1.5 with `digest`;
/// - `id-RSASSA-PSS` with RSASSA-PSS-params (absent fields take the RFC 4055 defaults
///   SHA-1 / MGF1-SHA-1 / 20): verified with the parameters' hash and exactly the salt length
///   they name; the MGF1 hash must equal the hash;
/// - `ecdsa-with-SHA{1,256,384,512}` or `id-ecPublicKey`, key on P-256 or P-384, signature
///   DER-encoded `(r, s)`: the `digest` of the message is verified as the prehash.
///
/// An algorithm that implies a digest other than `digest` is a [`SigCheckError::DigestMismatch`].
/// MD5 is never computed: it is [`SigCheckError::UnsupportedAlgorithm`].
pub fn verify_signature(
    spki_der: &[u8],
    sig_alg: &AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    let scheme = scheme_for(sig_alg, digest)?;
    let spki = parse_spki(spki_der)?;
    let key = classify_key(&spki)?;
    verify_raw(key, scheme, digest, message, signature)
}

/// Like [`verify_signature`], with the `digest` of the message already computed (`hashed`), so
/// that content hashed once can be checked against several signatures.
pub(crate) fn verify_signature_prehashed(
    spki_der: &[u8],
    sig_alg: &AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    let scheme = scheme_for(sig_alg, digest)?;
    let spki = parse_spki(spki_der)?;
    let key = classify_key(&spki)?;
    verify_hashed(key, scheme, digest, hashed, signature)
}

/// A public key by kind: the `subjectPublicKey` bits of an SPKI (for the RFC 8410 and
/// post-quantum keys, the raw public key of the length the algorithm fixes).
#[derive(Debug, Clone)]
pub(crate) enum RawKey<'a> {
    /// A 32-byte Ed25519 public key.
    Ed25519(&'a [u8]),
    /// A 32-byte X25519 public key (key agreement only).
    X25519(&'a [u8]),
    /// An ML-DSA public key.
    MlDsa(MlDsaLevel, &'a [u8]),
    /// An SLH-DSA public key.
    SlhDsa(SlhDsaSet, &'a [u8]),
    /// An ML-KEM encapsulation key (key encapsulation only).
    MlKem(MlKemLevel, &'a [u8]),
    /// A PKCS#1 `RSAPublicKey`.
    Rsa(&'a [u8]),
    /// A SEC1-encoded P-256 point.
    P256(&'a [u8]),
    /// A SEC1-encoded P-384 point.
    P384(&'a [u8]),
    /// Something else, described.
    Other(String),
}

/// A signature scheme (the digest is passed separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1v15,
    /// RSASSA-PSS with MGF1 over the same hash and this salt length.
    Pss {
        /// Salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA with a DER-encoded signature.
    Ecdsa,
    /// A scheme that signs the whole message (Ed25519, ML-DSA, SLH-DSA: the key says which);
    /// the digest algorithm plays no part in the signature.
    Pure,
}

/// Verifies with an already classified key; shared with certificate path validation.
pub(crate) fn verify_raw(
    key: RawKey<'_>,
    scheme: Scheme,
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    if scheme == Scheme::Pure {
        return verify_pure(key, message, signature);
    }
    let hashed = digest
        .digest(message)
        .ok_or_else(|| unsupported(format!("the {} digest", digest.name())))?;
    verify_hashed(key, scheme, digest, &hashed, signature)
}

/// Verifies `signature` over a message whose `digest` is `hashed`.
fn verify_hashed(
    key: RawKey<'_>,
    scheme: Scheme,
    digest: DigestAlgorithm,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    if scheme == Scheme::Pure {
        return Err(unsupported(
            "this signature algorithm covers the whole message, not a digest of it",
        ));
    }
    if hashed.len() != digest.output_len() {
        return Err(SigCheckError::BadSignature);
    }
    match (key, scheme) {
        (RawKey::Rsa(bytes), Scheme::Pkcs1v15) => {
            let key = rsa_key(bytes)?;
            let padding = match digest {
                DigestAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                other => return Err(unsupported(format!("the {} digest", other.name()))),
            };
            key.verify(padding, hashed, signature)
                .map_err(|_| SigCheckError::BadSignature)
        }
        (RawKey::Rsa(bytes), Scheme::Pss { salt_len }) => {
            let key = rsa_key(bytes)?;
            let result = match digest {
                DigestAlgorithm::Sha1 => key.verify(
                    Pss::<sha1::Sha1>::new_with_salt(salt_len),
                    hashed,
                    signature,
                ),
                DigestAlgorithm::Sha256 => key.verify(
                    Pss::<sha2::Sha256>::new_with_salt(salt_len),
                    hashed,
                    signature,
                ),
                DigestAlgorithm::Sha384 => key.verify(
                    Pss::<sha2::Sha384>::new_with_salt(salt_len),
                    hashed,
                    signature,
                ),
                DigestAlgorithm::Sha512 => key.verify(
                    Pss::<sha2::Sha512>::new_with_salt(salt_len),
                    hashed,
                    signature,
                ),
                other => return Err(unsupported(format!("the {} digest", other.name()))),
            };
            result.map_err(|_| SigCheckError::BadSignature)
        }
        (RawKey::P256(bytes), Scheme::Ecdsa) => {
            let key = p256_key(bytes)?;
            let sig = p256::ecdsa::Signature::from_der(signature)
                .map_err(|_| SigCheckError::BadSignature)?;
            key.verify_prehash(hashed, &sig)
                .map_err(|_| SigCheckError::BadSignature)
        }
        (RawKey::P384(bytes), Scheme::Ecdsa) => {
            let key = p384_key(bytes)?;
            let sig = p384::ecdsa::Signature::from_der(signature)
                .map_err(|_| SigCheckError::BadSignature)?;
            key.verify_prehash(hashed, &sig)
                .map_err(|_| SigCheckError::BadSignature)
        }
        (RawKey::Other(desc), _) => Err(unsupported(format!("public key algorithm {desc}"))),
        (RawKey::Rsa(_), Scheme::Ecdsa) => Err(bad_key("an ECDSA signature with an RSA key")),
        (RawKey::P256(_) | RawKey::P384(_), _) => {
            Err(bad_key("an RSA signature with an elliptic-curve key"))
        }
        (RawKey::Rsa(_), Scheme::Pure) => Err(bad_key("an RSA key with a pure signature scheme")),
        (RawKey::Ed25519(_) | RawKey::MlDsa(..) | RawKey::SlhDsa(..), _) => Err(bad_key(
            "a key that signs whole messages with a digest signature scheme",
        )),
        (RawKey::X25519(_) | RawKey::MlKem(..), _) => {
            Err(bad_key("a key-agreement or KEM key cannot sign"))
        }
    }
}

/// Verifies a signature over the whole `message` under the scheme the key implies.
fn verify_pure(key: RawKey<'_>, message: &[u8], signature: &[u8]) -> Result<(), SigCheckError> {
    match key {
        RawKey::Ed25519(public) => super::eddsa::verify_ed25519(public, message, signature),
        RawKey::MlDsa(level, public) => {
            super::pqsig::verify_ml_dsa(level, public, message, signature)
        }
        RawKey::SlhDsa(set, public) => {
            super::pqsig::verify_slh_dsa(set, public, message, signature)
        }
        RawKey::Other(desc) => Err(unsupported(format!("public key algorithm {desc}"))),
        RawKey::X25519(_) | RawKey::MlKem(..) => {
            Err(bad_key("a key-agreement or KEM key cannot sign"))
        }
        RawKey::Rsa(_) | RawKey::P256(_) | RawKey::P384(_) => Err(bad_key(
            "an RSA or ECDSA key with a signature algorithm that signs whole messages",
        )),
    }
}

fn unsupported(detail: impl Into<String>) -> SigCheckError {
    SigCheckError::UnsupportedAlgorithm {
        detail: detail.into(),
    }
}

fn bad_key(detail: impl Into<String>) -> SigCheckError {
    SigCheckError::BadPublicKey {
        detail: detail.into(),
    }
}

fn parse_spki(spki_der: &[u8]) -> Result<SubjectPublicKeyInfoRef<'_>, SigCheckError> {
    SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| bad_key(format!("malformed SubjectPublicKeyInfo: {e}")))
}

/// The public key in a DER `SubjectPublicKeyInfo`, by kind.
pub(crate) fn public_key(spki_der: &[u8]) -> Result<RawKey<'_>, SigCheckError> {
    let spki = parse_spki(spki_der)?;
    classify_key(&spki)
}

fn classify_key<'a>(spki: &SubjectPublicKeyInfoRef<'a>) -> Result<RawKey<'a>, SigCheckError> {
    let bits: &BitStringRef<'a> = &spki.subject_public_key;
    let raw = || {
        bits.as_bytes()
            .ok_or_else(|| bad_key("the public key bit string has unused bits"))
    };
    let oid = spki.algorithm.oid;
    if oid == oids::RSA_ENCRYPTION || oid == oids::RSASSA_PSS {
        return Ok(RawKey::Rsa(raw()?));
    }
    if oid == oids::EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .ok_or_else(|| bad_key("the EC key names no curve"))?
            .decode_as::<ObjectIdentifier>()
            .map_err(|_| unsupported("EC key parameters other than a named curve"))?;
        return if curve == oids::SECP256R1 {
            Ok(RawKey::P256(raw()?))
        } else if curve == oids::SECP384R1 {
            Ok(RawKey::P384(raw()?))
        } else {
            Ok(RawKey::Other(format!("{oid} on curve {curve}")))
        };
    }
    // RFC 8410 and the post-quantum key specifications: parameters absent, the raw key of a
    // fixed length in the bit string.
    let fixed = |len: usize, name: &str| -> Result<&'a [u8], SigCheckError> {
        if spki.algorithm.parameters.is_some() {
            return Err(bad_key(format!("{name} key with parameters")));
        }
        let key = raw()?;
        if key.len() != len {
            return Err(bad_key(format!(
                "{name} public key of {} bytes, not {len}",
                key.len()
            )));
        }
        Ok(key)
    };
    if oid == oids::ED25519 {
        return Ok(RawKey::Ed25519(fixed(32, "Ed25519")?));
    }
    if oid == oids::X25519 {
        return Ok(RawKey::X25519(fixed(32, "X25519")?));
    }
    if let Some(level) = MlDsaLevel::from_oid(&oid) {
        return Ok(RawKey::MlDsa(
            level,
            fixed(level.public_key_len(), level.name())?,
        ));
    }
    if let Some(set) = SlhDsaSet::from_oid(&oid) {
        return Ok(RawKey::SlhDsa(
            set,
            fixed(set.public_key_len(), set.name())?,
        ));
    }
    if let Some(level) = MlKemLevel::from_oid(&oid) {
        return Ok(RawKey::MlKem(
            level,
            fixed(level.public_key_len(), level.name())?,
        ));
    }
    Ok(RawKey::Other(oid.to_string()))
}

pub(crate) fn rsa_key(pkcs1_der: &[u8]) -> Result<RsaPublicKey, SigCheckError> {
    let key =
        pkcs1::RsaPublicKeyRef::from_der(pkcs1_der).map_err(|e| bad_key(format!("RSA: {e}")))?;
    RsaPublicKey::try_from(key).map_err(|e| bad_key(format!("RSA: {e}")))
}

fn p256_key(sec1: &[u8]) -> Result<p256::ecdsa::VerifyingKey, SigCheckError> {
    p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
        .map_err(|_| bad_key("not a valid point on P-256"))
}

fn p384_key(sec1: &[u8]) -> Result<p384::ecdsa::VerifyingKey, SigCheckError> {
    p384::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
        .map_err(|_| bad_key("not a valid point on P-384"))
}

/// RSASSA-PSS-params (RFC 4055), decoded leniently: explicit defaults are accepted.
#[derive(Sequence)]
struct PssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<spki::AlgorithmIdentifier<AnyRef<'a>>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<spki::AlgorithmIdentifier<AnyRef<'a>>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

/// The digest a certificate or CRL signature algorithm names: the hash of
/// `sha*WithRSAEncryption` and `ecdsa-with-SHA*`, the hash of the RSASSA-PSS parameters
/// (SHA-1 when absent), or SHA-512 for Ed25519 (the hash PureEdDSA Ed25519 runs inside the
/// signature, RFC 8032 section 5.1), SHA-512 for ML-DSA, and for SLH-DSA the digest of its
/// parameter set's family and strength. `None` for an algorithm that names none or is
/// unknown.
pub fn signature_digest(sig_alg: &AlgorithmIdentifierOwned) -> Option<DigestAlgorithm> {
    let oid = sig_alg.oid;
    if oid == oids::ED25519 || MlDsaLevel::from_oid(&oid).is_some() {
        // ML-DSA hashes with SHAKE256 inside; SHA-512 stands for it as the digest the CMS
        // specification pairs with it.
        return sig_alg
            .parameters
            .is_none()
            .then_some(DigestAlgorithm::Sha512);
    }
    if let Some(set) = SlhDsaSet::from_oid(&oid) {
        // The hash family and strength of the set (RFC 9814 section 4 pairs the same digests).
        let d = match set {
            SlhDsaSet::Sha2_128s | SlhDsaSet::Sha2_128f => DigestAlgorithm::Sha256,
            SlhDsaSet::Shake_128s | SlhDsaSet::Shake_128f => DigestAlgorithm::Shake128,
            SlhDsaSet::Shake_192s
            | SlhDsaSet::Shake_192f
            | SlhDsaSet::Shake_256s
            | SlhDsaSet::Shake_256f => DigestAlgorithm::Shake256,
            _ => DigestAlgorithm::Sha512,
        };
        return sig_alg.parameters.is_none().then_some(d);
    }
    if oid == oids::SHA1_WITH_RSA || oid == oids::ECDSA_WITH_SHA1 {
        Some(DigestAlgorithm::Sha1)
    } else if oid == oids::SHA256_WITH_RSA || oid == oids::ECDSA_WITH_SHA256 {
        Some(DigestAlgorithm::Sha256)
    } else if oid == oids::SHA384_WITH_RSA || oid == oids::ECDSA_WITH_SHA384 {
        Some(DigestAlgorithm::Sha384)
    } else if oid == oids::SHA512_WITH_RSA || oid == oids::ECDSA_WITH_SHA512 {
        Some(DigestAlgorithm::Sha512)
    } else if oid == oids::RSASSA_PSS {
        let params = match &sig_alg.parameters {
            None => return Some(DigestAlgorithm::Sha1),
            Some(any) => any.decode_as::<PssParams<'_>>().ok()?,
        };
        match &params.hash {
            None => Some(DigestAlgorithm::Sha1),
            Some(alg) => DigestAlgorithm::from_oid(&alg.oid),
        }
    } else {
        None
    }
}

/// Verifies that `issuer`'s key signed `cert` (the signature over the TBSCertificate, with
/// the digest its signature algorithm names).
pub fn verify_certificate_signature(
    cert: &x509_cert::Certificate,
    issuer: &x509_cert::Certificate,
) -> Result<(), SigCheckError> {
    let alg = cert.signature_algorithm();
    let digest = signature_digest(alg)
        .ok_or_else(|| unsupported(format!("signature algorithm {}", alg.oid)))?;
    let tbs = der::Encode::to_der(cert.tbs_certificate())
        .map_err(|e| unsupported(format!("the certificate cannot be encoded: {e}")))?;
    let spki = der::Encode::to_der(issuer.tbs_certificate().subject_public_key_info())
        .map_err(|e| unsupported(format!("the issuer key cannot be encoded: {e}")))?;
    let sig = cert
        .signature()
        .as_bytes()
        .ok_or_else(|| unsupported("a signature that is not a whole number of bytes"))?;
    verify_signature(&spki, alg, digest, &tbs, sig)
}

/// The scheme for a signature algorithm identifier, checking the implied digest.
pub(crate) fn scheme_for(
    sig_alg: &AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
) -> Result<Scheme, SigCheckError> {
    let oid = sig_alg.oid;
    let implied = |d: DigestAlgorithm| {
        if d == digest {
            Ok(())
        } else {
            Err(SigCheckError::DigestMismatch)
        }
    };
    if oid == oids::RSA_ENCRYPTION {
        Ok(Scheme::Pkcs1v15)
    } else if oid == oids::SHA1_WITH_RSA {
        implied(DigestAlgorithm::Sha1).map(|()| Scheme::Pkcs1v15)
    } else if oid == oids::SHA256_WITH_RSA {
        implied(DigestAlgorithm::Sha256).map(|()| Scheme::Pkcs1v15)
    } else if oid == oids::SHA384_WITH_RSA {
        implied(DigestAlgorithm::Sha384).map(|()| Scheme::Pkcs1v15)
    } else if oid == oids::SHA512_WITH_RSA {
        implied(DigestAlgorithm::Sha512).map(|()| Scheme::Pkcs1v15)
    } else if oid == oids::RSASSA_PSS {
        pss_scheme(sig_alg, digest)
    } else if oid == oids::EC_PUBLIC_KEY {
        Ok(Scheme::Ecdsa)
    } else if oid == oids::ECDSA_WITH_SHA1 {
        implied(DigestAlgorithm::Sha1).map(|()| Scheme::Ecdsa)
    } else if oid == oids::ECDSA_WITH_SHA256 {
        implied(DigestAlgorithm::Sha256).map(|()| Scheme::Ecdsa)
    } else if oid == oids::ECDSA_WITH_SHA384 {
        implied(DigestAlgorithm::Sha384).map(|()| Scheme::Ecdsa)
    } else if oid == oids::ECDSA_WITH_SHA512 {
        implied(DigestAlgorithm::Sha512).map(|()| Scheme::Ecdsa)
    } else if oid == oids::ED25519
        || MlDsaLevel::from_oid(&oid).is_some()
        || SlhDsaSet::from_oid(&oid).is_some()
    {
        // RFC 8410 / RFC 9814 / the ML-DSA specification: parameters absent.
        if sig_alg.parameters.is_some() {
            return Err(unsupported(format!(
                "signature algorithm {oid} with parameters"
            )));
        }
        Ok(Scheme::Pure)
    } else if let Some(refusal) = super::pqsig::prehash_refusal(&oid) {
        Err(refusal)
    } else {
        Err(unsupported(format!("signature algorithm {oid}")))
    }
}

fn pss_scheme(
    sig_alg: &AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
) -> Result<Scheme, SigCheckError> {
    let params = match &sig_alg.parameters {
        // Absent parameters: every field takes its default.
        None => PssParams {
            hash: None,
            mask_gen: None,
            salt_len: None,
            trailer_field: None,
        },
        Some(any) => any
            .decode_as::<PssParams<'_>>()
            .map_err(|e| unsupported(format!("malformed RSASSA-PSS parameters: {e}")))?,
    };
    let hash = match &params.hash {
        None => DigestAlgorithm::Sha1,
        Some(alg) => DigestAlgorithm::from_oid(&alg.oid)
            .ok_or_else(|| unsupported(format!("RSASSA-PSS hash {}", alg.oid)))?,
    };
    let mgf_hash = match &params.mask_gen {
        None => DigestAlgorithm::Sha1,
        Some(mgf) => {
            if mgf.oid != oids::MGF1 {
                return Err(unsupported(format!(
                    "RSASSA-PSS mask generation {}",
                    mgf.oid
                )));
            }
            let inner = mgf
                .parameters
                .as_ref()
                .ok_or_else(|| unsupported("MGF1 without a hash"))?
                .decode_as::<spki::AlgorithmIdentifier<AnyRef<'_>>>()
                .map_err(|e| unsupported(format!("malformed MGF1 parameters: {e}")))?;
            DigestAlgorithm::from_oid(&inner.oid)
                .ok_or_else(|| unsupported(format!("MGF1 hash {}", inner.oid)))?
        }
    };
    if mgf_hash != hash {
        return Err(unsupported(format!(
            "RSASSA-PSS with MGF1-{} and hash {}",
            mgf_hash.name(),
            hash.name()
        )));
    }
    if params.trailer_field.unwrap_or(1) != 1 {
        return Err(unsupported("RSASSA-PSS trailer field other than 1"));
    }
    if hash != digest {
        return Err(SigCheckError::DigestMismatch);
    }
    let salt_len = usize::try_from(params.salt_len.unwrap_or(20))
        .map_err(|_| unsupported("RSASSA-PSS salt length out of range"))?;
    // No supported modulus (at most 8192 bits) has room for a longer salt; refusing it here
    // also keeps the length arithmetic in the padding check far from overflow.
    if salt_len > 1024 {
        return Err(unsupported(format!("RSASSA-PSS salt length {salt_len}")));
    }
    Ok(Scheme::Pss { salt_len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let alg = AlgorithmIdentifierOwned {
            oid: oids::SHA256_WITH_RSA,
            parameters: None,
        };
        for input in [
            &b""[..],
            b"\x30",
            b"\x30\x00",
            b"\x30\x03\x02\x01\x00",
            &[0xff; 64],
        ] {
            assert!(verify_signature(input, &alg, DigestAlgorithm::Sha256, b"m", b"s").is_err());
            assert!(key_info(input).is_err());
        }
    }

    #[test]
    fn digest_mismatch_is_reported() {
        let alg = AlgorithmIdentifierOwned {
            oid: oids::SHA384_WITH_RSA,
            parameters: None,
        };
        assert_eq!(
            scheme_for(&alg, DigestAlgorithm::Sha256),
            Err(SigCheckError::DigestMismatch)
        );
        assert_eq!(
            scheme_for(&alg, DigestAlgorithm::Sha384),
            Ok(Scheme::Pkcs1v15)
        );
    }

    #[test]
    fn pss_defaults_are_rfc4055() {
        let alg = AlgorithmIdentifierOwned {
            oid: oids::RSASSA_PSS,
            parameters: None,
        };
        assert_eq!(
            scheme_for(&alg, DigestAlgorithm::Sha1),
            Ok(Scheme::Pss { salt_len: 20 })
        );
        assert_eq!(
            scheme_for(&alg, DigestAlgorithm::Sha256),
            Err(SigCheckError::DigestMismatch)
        );
    }
}
