//! ML-DSA (FIPS 204) and SLH-DSA (FIPS 205) signatures for CMS and certificates.
//!
//! Verification is pure mode with an empty context string, as CMS (RFC 9814, RFC 9882) and
//! X.509 (RFC 9881, RFC 9909) use them. The pre-hash variants (HashML-DSA, HashSLH-DSA) are
//! refused: no CMS or certificate specification uses them, see [`prehash_variant`].
//!
//! [`MlDsaKey`] is the in-memory ML-DSA private key behind [`super::keys::SoftwareKey`]: it
//! reads every private-key form RFC 9881 allows in PKCS#8 (`seed`, `expandedKey`, `both`)
//! and signs in the hedged (randomized) variant of ML-DSA.Sign.

use const_oid::ObjectIdentifier;
use der::asn1::OctetStringRef;
use der::{Decode, Encode, Reader, Tag, TagNumber};
use ml_dsa::{ExpandedSigningKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams};
use zeroize::Zeroizing;

use super::DigestAlgorithm;
use super::keys::KeyOperationError;
#[cfg(test)]
use super::oids;
use super::verify::{MlDsaLevel, SigCheckError, SlhDsaSet};
use crate::error::KeyError;

/// Verifies a pure ML-DSA `signature` (empty context) over `message`.
pub(crate) fn verify_ml_dsa(
    level: MlDsaLevel,
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    fn run<P: MlDsaParams>(
        public: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SigCheckError> {
        let enc = ml_dsa::EncodedVerifyingKey::<P>::try_from(public).map_err(|_| {
            SigCheckError::BadPublicKey {
                detail: "an ML-DSA public key of the wrong length".into(),
            }
        })?;
        let key = ml_dsa::VerifyingKey::<P>::decode(&enc);
        let sig =
            ml_dsa::Signature::<P>::try_from(signature).map_err(|_| SigCheckError::BadSignature)?;
        if key.verify_with_context(message, &[], &sig) {
            Ok(())
        } else {
            Err(SigCheckError::BadSignature)
        }
    }
    match level {
        MlDsaLevel::MlDsa44 => run::<MlDsa44>(public, message, signature),
        MlDsaLevel::MlDsa65 => run::<MlDsa65>(public, message, signature),
        MlDsaLevel::MlDsa87 => run::<MlDsa87>(public, message, signature),
    }
}

/// Verifies a pure SLH-DSA `signature` (empty context) over `message`.
pub(crate) fn verify_slh_dsa(
    set: SlhDsaSet,
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    fn run<P: slh_dsa::ParameterSet + slh_dsa::VerifyingKeyLen>(
        public: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SigCheckError> {
        let key = slh_dsa::VerifyingKey::<P>::try_from(public).map_err(|_| {
            SigCheckError::BadPublicKey {
                detail: "an SLH-DSA public key of the wrong length".into(),
            }
        })?;
        let sig = slh_dsa::Signature::<P>::try_from(signature)
            .map_err(|_| SigCheckError::BadSignature)?;
        key.try_verify_with_context(message, &[], &sig)
            .map_err(|_| SigCheckError::BadSignature)
    }
    use slh_dsa as s;
    match set {
        SlhDsaSet::Sha2_128s => run::<s::Sha2_128s>(public, message, signature),
        SlhDsaSet::Sha2_128f => run::<s::Sha2_128f>(public, message, signature),
        SlhDsaSet::Sha2_192s => run::<s::Sha2_192s>(public, message, signature),
        SlhDsaSet::Sha2_192f => run::<s::Sha2_192f>(public, message, signature),
        SlhDsaSet::Sha2_256s => run::<s::Sha2_256s>(public, message, signature),
        SlhDsaSet::Sha2_256f => run::<s::Sha2_256f>(public, message, signature),
        SlhDsaSet::Shake_128s => run::<s::Shake128s>(public, message, signature),
        SlhDsaSet::Shake_128f => run::<s::Shake128f>(public, message, signature),
        SlhDsaSet::Shake_192s => run::<s::Shake192s>(public, message, signature),
        SlhDsaSet::Shake_192f => run::<s::Shake192f>(public, message, signature),
        SlhDsaSet::Shake_256s => run::<s::Shake256s>(public, message, signature),
        SlhDsaSet::Shake_256f => run::<s::Shake256f>(public, message, signature),
    }
}

/// The name of the pre-hash variant (HashML-DSA, HashSLH-DSA) a signature algorithm OID
/// denotes (`2.16.840.1.101.3.4.3.32` to `.46`), if it is one: these are not supported, and
/// a signer using one is refused with this name as the reason.
pub(crate) fn prehash_variant(oid: &ObjectIdentifier) -> Option<&'static str> {
    const NAMES: [&str; 15] = [
        "HashML-DSA-44 with SHA-512",
        "HashML-DSA-65 with SHA-512",
        "HashML-DSA-87 with SHA-512",
        "HashSLH-DSA-SHA2-128s with SHA-256",
        "HashSLH-DSA-SHA2-128f with SHA-256",
        "HashSLH-DSA-SHA2-192s with SHA-512",
        "HashSLH-DSA-SHA2-192f with SHA-512",
        "HashSLH-DSA-SHA2-256s with SHA-512",
        "HashSLH-DSA-SHA2-256f with SHA-512",
        "HashSLH-DSA-SHAKE-128s with SHAKE128",
        "HashSLH-DSA-SHAKE-128f with SHAKE128",
        "HashSLH-DSA-SHAKE-192s with SHAKE256",
        "HashSLH-DSA-SHAKE-192f with SHAKE256",
        "HashSLH-DSA-SHAKE-256s with SHAKE256",
        "HashSLH-DSA-SHAKE-256f with SHAKE256",
    ];
    let arcs: Vec<u32> = oid.arcs().collect();
    match arcs.as_slice() {
        [2, 16, 840, 1, 101, 3, 4, 3, n] if (32..=46).contains(n) => {
            NAMES.get((*n - 32) as usize).copied()
        }
        _ => None,
    }
}

/// Why a pre-hash (HashML-DSA / HashSLH-DSA) signature algorithm is refused, for a person.
pub(crate) fn prehash_refusal(oid: &ObjectIdentifier) -> Option<SigCheckError> {
    prehash_variant(oid).map(|name| SigCheckError::UnsupportedAlgorithm {
        detail: format!(
            "{name} (the pre-hash mode, {oid}) is not supported: CMS and certificates use \
             the pure mode"
        ),
    })
}

/// The message-digest algorithms a CMS signer with the signature algorithm `sig_oid` may
/// use, the first being the one the specification names for senders (RFC 9882 for ML-DSA:
/// SHA-512; RFC 9814 for SLH-DSA: SHA-256 for the 128-bit SHA2 sets, SHA-512 for the other
/// SHA2 sets, SHAKE128 for the 128-bit SHAKE sets, SHAKE256 for the other SHAKE sets), then
/// every other digest of at least the parameter set's security strength, which both
/// specifications let a receiver accept. `None` when `sig_oid` is neither ML-DSA nor SLH-DSA.
///
/// The other implementations use that latitude: OpenSSL 3.5 writes SHA-256 with ML-DSA-44,
/// SHA3-256 with the 128-bit SHAKE sets and SHA3-512 with the others.
pub(crate) fn cms_digests(sig_oid: &ObjectIdentifier) -> Option<&'static [DigestAlgorithm]> {
    use DigestAlgorithm as D;
    // Digests by collision strength: at least 128, 192 and 256 bits.
    const S128: [D; 8] = [
        D::Sha256,
        D::Sha384,
        D::Sha512,
        D::Sha3_256,
        D::Sha3_384,
        D::Sha3_512,
        D::Shake128,
        D::Shake256,
    ];
    const S256: [D; 3] = [D::Sha512, D::Sha3_512, D::Shake256];
    const ML_DSA_44: [D; 8] = [
        D::Sha512,
        D::Sha256,
        D::Sha384,
        D::Sha3_256,
        D::Sha3_384,
        D::Sha3_512,
        D::Shake128,
        D::Shake256,
    ];
    const ML_DSA_65: [D; 5] = [D::Sha512, D::Sha384, D::Sha3_384, D::Sha3_512, D::Shake256];
    const SHAKE_128: [D; 8] = [
        D::Shake128,
        D::Sha256,
        D::Sha384,
        D::Sha512,
        D::Sha3_256,
        D::Sha3_384,
        D::Sha3_512,
        D::Shake256,
    ];
    const SHA2_192: [D; 5] = [D::Sha512, D::Sha384, D::Sha3_384, D::Sha3_512, D::Shake256];
    const SHAKE_192: [D; 5] = [D::Shake256, D::Sha384, D::Sha512, D::Sha3_384, D::Sha3_512];
    const SHAKE_256: [D; 3] = [D::Shake256, D::Sha512, D::Sha3_512];
    if let Some(level) = MlDsaLevel::from_oid(sig_oid) {
        return Some(match level {
            MlDsaLevel::MlDsa44 => &ML_DSA_44,
            MlDsaLevel::MlDsa65 => &ML_DSA_65,
            MlDsaLevel::MlDsa87 => &S256,
        });
    }
    let set = SlhDsaSet::from_oid(sig_oid)?;
    Some(match set {
        SlhDsaSet::Sha2_128s | SlhDsaSet::Sha2_128f => &S128,
        SlhDsaSet::Sha2_192s | SlhDsaSet::Sha2_192f => &SHA2_192,
        SlhDsaSet::Sha2_256s | SlhDsaSet::Sha2_256f => &S256,
        SlhDsaSet::Shake_128s | SlhDsaSet::Shake_128f => &SHAKE_128,
        SlhDsaSet::Shake_192s | SlhDsaSet::Shake_192f => &SHAKE_192,
        SlhDsaSet::Shake_256s | SlhDsaSet::Shake_256f => &SHAKE_256,
    })
}

/// Checks the message-digest algorithm of a CMS signer whose signature algorithm is ML-DSA
/// or SLH-DSA against [`cms_digests`]. Any other signature algorithm passes.
pub(crate) fn check_cms_digest(
    sig_oid: &ObjectIdentifier,
    digest: DigestAlgorithm,
) -> Result<(), SigCheckError> {
    match cms_digests(sig_oid) {
        Some(allowed) if !allowed.contains(&digest) => Err(SigCheckError::UnsupportedAlgorithm {
            detail: format!(
                "the {} digest with signature algorithm {sig_oid} (the specification names {})",
                digest.name(),
                allowed[0].name()
            ),
        }),
        _ => Ok(()),
    }
}

// --- The ML-DSA private key --------------------------------------------------------------------

/// The ML-DSA expanded private key (FIPS 204 skEncode) of every level, one type per level.
enum Expanded {
    L44(Box<ExpandedSigningKey<MlDsa44>>),
    L65(Box<ExpandedSigningKey<MlDsa65>>),
    L87(Box<ExpandedSigningKey<MlDsa87>>),
}

/// An ML-DSA private key held in memory: the expanded key, the seed it came from when known,
/// and the encoded public key. Zeroized on drop.
pub(crate) struct MlDsaKey {
    level: MlDsaLevel,
    seed: Option<Zeroizing<[u8; 32]>>,
    expanded: Expanded,
    public: Vec<u8>,
}

/// The length of an expanded private key (FIPS 204 Table 2).
fn expanded_len(level: MlDsaLevel) -> usize {
    match level {
        MlDsaLevel::MlDsa44 => 2560,
        MlDsaLevel::MlDsa65 => 4032,
        MlDsaLevel::MlDsa87 => 4896,
    }
}

fn bad_key(detail: impl Into<String>) -> KeyError {
    KeyError::Unrecognized {
        detail: detail.into(),
    }
}

/// Checks the coefficients of the packed `s1` and `s2` of an expanded key lie in
/// `[0, 2 * eta]` (FIPS 204 BitUnpack): the decoder asserts it, so a hostile key must be
/// refused first.
fn check_s1_s2(level: MlDsaLevel, s: &[u8]) -> Result<(), KeyError> {
    let (bits, max) = match level {
        MlDsaLevel::MlDsa44 | MlDsaLevel::MlDsa87 => (3u32, 4u32),
        MlDsaLevel::MlDsa65 => (4, 8),
    };
    let mut acc: u32 = 0;
    let mut have: u32 = 0;
    for &byte in s {
        acc |= u32::from(byte) << have;
        have += 8;
        while have >= bits {
            if acc & ((1 << bits) - 1) > max {
                return Err(bad_key(
                    "the ML-DSA expanded key has a secret coefficient out of range",
                ));
            }
            acc >>= bits;
            have -= bits;
        }
    }
    Ok(())
}

impl Expanded {
    fn from_seed(level: MlDsaLevel, seed: &[u8; 32]) -> Self {
        let seed = ml_dsa::Seed::from(*seed);
        match level {
            MlDsaLevel::MlDsa44 => Expanded::L44(Box::new(ExpandedSigningKey::from_seed(&seed))),
            MlDsaLevel::MlDsa65 => Expanded::L65(Box::new(ExpandedSigningKey::from_seed(&seed))),
            MlDsaLevel::MlDsa87 => Expanded::L87(Box::new(ExpandedSigningKey::from_seed(&seed))),
        }
    }

    /// Decodes an expanded key whose length was checked, refusing out-of-range coefficients
    /// and a non-canonical encoding.
    #[allow(deprecated)] // from_expanded / to_expanded: the expanded form is RFC 9881's
    fn from_bytes(level: MlDsaLevel, bytes: &[u8]) -> Result<Self, KeyError> {
        fn run<P: MlDsaParams>(bytes: &[u8]) -> Result<Box<ExpandedSigningKey<P>>, KeyError> {
            let enc = ml_dsa::ExpandedSigningKeyBytes::<P>::try_from(bytes)
                .map_err(|_| bad_key("an ML-DSA expanded key of the wrong length"))?;
            let key = Box::new(ExpandedSigningKey::<P>::from_expanded(&enc));
            if key.to_expanded().as_slice() != bytes {
                return Err(bad_key(
                    "the ML-DSA expanded key is not canonically encoded",
                ));
            }
            Ok(key)
        }
        // rho, K (32 each), tr (64), then s1 and s2.
        let (l, k, per_poly) = match level {
            MlDsaLevel::MlDsa44 => (4, 4, 96),
            MlDsaLevel::MlDsa65 => (5, 6, 128),
            MlDsaLevel::MlDsa87 => (7, 8, 96),
        };
        let s = bytes
            .get(128..128 + (l + k) * per_poly)
            .ok_or_else(|| bad_key("an ML-DSA expanded key of the wrong length"))?;
        check_s1_s2(level, s)?;
        Ok(match level {
            MlDsaLevel::MlDsa44 => Expanded::L44(run(bytes)?),
            MlDsaLevel::MlDsa65 => Expanded::L65(run(bytes)?),
            MlDsaLevel::MlDsa87 => Expanded::L87(run(bytes)?),
        })
    }

    #[allow(deprecated)] // to_expanded: the expanded form is RFC 9881's
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Expanded::L44(k) => k.to_expanded().to_vec(),
            Expanded::L65(k) => k.to_expanded().to_vec(),
            Expanded::L87(k) => k.to_expanded().to_vec(),
        })
    }

    fn public(&self) -> Vec<u8> {
        match self {
            Expanded::L44(k) => k.verifying_key().encode().to_vec(),
            Expanded::L65(k) => k.verifying_key().encode().to_vec(),
            Expanded::L87(k) => k.verifying_key().encode().to_vec(),
        }
    }

    /// `tr`, the hash of the public key the expanded key carries (bytes 64..128).
    fn tr(&self) -> Zeroizing<Vec<u8>> {
        let all = self.to_bytes();
        Zeroizing::new(all.get(64..128).map(<[u8]>::to_vec).unwrap_or_default())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyOperationError> {
        let mut rng = getrandom::SysRng;
        let failed = |_| KeyOperationError::failed("ML-DSA signing failed");
        Ok(match self {
            Expanded::L44(k) => k
                .sign_randomized(message, &[], &mut rng)
                .map_err(failed)?
                .encode()
                .to_vec(),
            Expanded::L65(k) => k
                .sign_randomized(message, &[], &mut rng)
                .map_err(failed)?
                .encode()
                .to_vec(),
            Expanded::L87(k) => k
                .sign_randomized(message, &[], &mut rng)
                .map_err(failed)?
                .encode()
                .to_vec(),
        })
    }
}

/// The context-specific tag `[0]` of the `seed` choice.
const SEED_TAG: TagNumber = TagNumber(0);

impl MlDsaKey {
    /// Reads the `privateKey` contents of a PKCS#8 ML-DSA key of `level` (RFC 9881 section 6):
    /// `seed [0] OCTET STRING (SIZE (32))`, `expandedKey OCTET STRING`, or
    /// `both SEQUENCE { seed, expandedKey }`, the two of which must agree
    /// ([`KeyError::InconsistentForms`] otherwise). `public`, the PKCS#8 v2 public key when
    /// present, must be the key's.
    pub(crate) fn from_private_key(
        level: MlDsaLevel,
        private_key: &[u8],
        public: Option<&[u8]>,
    ) -> Result<Self, KeyError> {
        let mut reader = der::SliceReader::new(private_key)
            .map_err(|e| bad_key(format!("ML-DSA private key: {e}")))?;
        let header =
            der::Header::peek(&reader).map_err(|e| bad_key(format!("ML-DSA private key: {e}")))?;
        let key = match header.tag() {
            Tag::ContextSpecific {
                constructed: false,
                number,
            } if number == SEED_TAG => {
                let seed = der::asn1::ContextSpecific::<&OctetStringRef>::decode_implicit(
                    &mut reader,
                    SEED_TAG,
                )
                .map_err(|e| bad_key(format!("ML-DSA seed: {e}")))?
                .ok_or_else(|| bad_key("ML-DSA seed missing"))?;
                Self::from_seed(level, seed.value.as_bytes())?
            }
            Tag::OctetString => {
                let expanded = <&OctetStringRef>::decode(&mut reader)
                    .map_err(|e| bad_key(format!("ML-DSA expanded key: {e}")))?;
                Self::from_expanded(level, expanded.as_bytes())?
            }
            Tag::Sequence => {
                let (seed, expanded) = reader
                    .sequence(|r| {
                        let seed = <&OctetStringRef>::decode(r)?;
                        let expanded = <&OctetStringRef>::decode(r)?;
                        Ok((seed, expanded))
                    })
                    .map_err(|e: der::Error| bad_key(format!("ML-DSA seed and key: {e}")))?;
                let key = Self::from_seed(level, seed.as_bytes())?;
                let given = expanded.as_bytes();
                if given.len() != expanded_len(level) {
                    return Err(bad_key(format!(
                        "an {} expanded key of {} bytes, not {}",
                        level.name(),
                        given.len(),
                        expanded_len(level)
                    )));
                }
                let derived = key.expanded.to_bytes();
                if !ct_eq(&derived, given) {
                    return Err(KeyError::InconsistentForms {
                        detail: format!(
                            "the {} seed and expanded key of the private key disagree",
                            level.name()
                        ),
                    });
                }
                key
            }
            other => {
                return Err(bad_key(format!(
                    "an ML-DSA private key that is neither seed, expandedKey nor both ({other})"
                )));
            }
        };
        reader
            .finish()
            .map_err(|e| bad_key(format!("ML-DSA private key: {e}")))?;
        if let Some(public) = public
            && public != key.public.as_slice()
        {
            return Err(KeyError::InconsistentForms {
                detail: format!(
                    "the {} public key in the PKCS#8 structure is not the private key's",
                    level.name()
                ),
            });
        }
        Ok(key)
    }

    /// A key from its 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal).
    pub(crate) fn from_seed(level: MlDsaLevel, seed: &[u8]) -> Result<Self, KeyError> {
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| bad_key(format!("an ML-DSA seed of {} bytes, not 32", seed.len())))?;
        let seed = Zeroizing::new(seed);
        let expanded = Expanded::from_seed(level, &seed);
        let public = expanded.public();
        Ok(MlDsaKey {
            level,
            seed: Some(seed),
            expanded,
            public,
        })
    }

    /// A key from its expanded form alone. Its `tr` must be the hash of the public key it
    /// implies, and it must sign a test message verifiably (a pairwise consistency check:
    /// `t0` is not derivable without the seed, and a corrupted one would sign unverifiable
    /// signatures; a change small enough for ML-DSA's hints to absorb goes unnoticed and
    /// harms nothing).
    fn from_expanded(level: MlDsaLevel, bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != expanded_len(level) {
            return Err(bad_key(format!(
                "an {} expanded key of {} bytes, not {}",
                level.name(),
                bytes.len(),
                expanded_len(level)
            )));
        }
        let expanded = Expanded::from_bytes(level, bytes)?;
        let public = expanded.public();
        let mut tr = [0u8; 64];
        {
            use sha3::digest::{ExtendableOutput, Update, XofReader};
            let mut h = sha3::Shake256::default();
            h.update(&public);
            h.finalize_xof().read(&mut tr);
        }
        if !ct_eq(&expanded.tr(), &tr) {
            return Err(KeyError::InconsistentForms {
                detail: format!(
                    "the {} expanded key's tr is not the hash of its public key",
                    level.name()
                ),
            });
        }
        const PROBE: &[u8] = b"ML-DSA pairwise consistency check";
        let sig = expanded.sign(PROBE).map_err(|e| KeyError::Unrecognized {
            detail: e.to_string(),
        })?;
        if verify_ml_dsa(level, &public, PROBE, &sig).is_err() {
            return Err(KeyError::InconsistentForms {
                detail: format!(
                    "the {} expanded key signs signatures its public key does not verify",
                    level.name()
                ),
            });
        }
        Ok(MlDsaKey {
            level,
            seed: None,
            expanded,
            public,
        })
    }

    /// The level of the key.
    pub(crate) fn level(&self) -> MlDsaLevel {
        self.level
    }

    /// The DER SubjectPublicKeyInfo (parameters absent).
    pub(crate) fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let bits = der::asn1::BitStringRef::from_bytes(&self.public).map_err(|e| {
            KeyError::Unsupported {
                detail: format!("cannot encode the public key: {e}"),
            }
        })?;
        let spki = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: self.level.oid(),
                parameters: None,
            },
            subject_public_key: bits,
        };
        spki.to_der().map_err(|e| KeyError::Unsupported {
            detail: format!("cannot encode the public key: {e}"),
        })
    }

    /// The `privateKey` contents of the PKCS#8 encoding: the seed form when the seed is
    /// known (RFC 9881 recommends it), else the expanded form.
    fn private_key_choice(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let encode_err = |e: der::Error| KeyError::Unsupported {
            detail: format!("cannot encode the key as PKCS#8: {e}"),
        };
        let der = match &self.seed {
            Some(seed) => {
                let value = OctetStringRef::new(seed.as_slice()).map_err(encode_err)?;
                der::asn1::ContextSpecific {
                    tag_number: SEED_TAG,
                    tag_mode: der::TagMode::Implicit,
                    value,
                }
                .to_der()
                .map_err(encode_err)?
            }
            None => {
                let bytes = self.expanded.to_bytes();
                OctetStringRef::new(&bytes)
                    .map_err(encode_err)?
                    .to_der()
                    .map_err(encode_err)?
            }
        };
        Ok(Zeroizing::new(der))
    }

    /// The key as DER PKCS#8 (v1, seed form when the seed is known).
    pub(crate) fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let encode_err = |e: der::Error| KeyError::Unsupported {
            detail: format!("cannot encode the key as PKCS#8: {e}"),
        };
        let choice = self.private_key_choice()?;
        let info = pkcs8::PrivateKeyInfoRef::new(
            spki::AlgorithmIdentifierRef {
                oid: self.level.oid(),
                parameters: None,
            },
            OctetStringRef::new(&choice).map_err(encode_err)?,
        );
        Ok(Zeroizing::new(info.to_der().map_err(encode_err)?))
    }

    /// Signs `message` with pure ML-DSA, an empty context, in the hedged variant: fresh
    /// randomness from the operating system enters every signature (FIPS 204 section 3.4
    /// recommends it: the deterministic variant exposes the key to fault and side-channel
    /// attacks that repeat a signature).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyOperationError> {
        self.expanded.sign(message)
    }
}

/// Constant-time equality of two byte strings (of public lengths).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prehash_oids_are_named() {
        for n in 32..=46u32 {
            let oid = ObjectIdentifier::new_unwrap(&format!("2.16.840.1.101.3.4.3.{n}"));
            assert!(prehash_variant(&oid).is_some(), "{oid}");
        }
        assert!(prehash_variant(&oids::ML_DSA_44).is_none());
        assert_eq!(
            prehash_variant(&ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.32")),
            Some("HashML-DSA-44 with SHA-512")
        );
        assert_eq!(
            prehash_variant(&ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.46")),
            Some("HashSLH-DSA-SHAKE-256f with SHAKE256")
        );
    }

    #[test]
    fn expanded_round_trip_and_tampering() {
        for level in MlDsaLevel::ALL {
            let key = MlDsaKey::from_seed(level, &[7u8; 32]).expect("seed");
            let expanded = key.expanded.to_bytes();
            assert_eq!(expanded.len(), expanded_len(level));
            let again = MlDsaKey::from_expanded(level, &expanded).expect("expanded");
            assert_eq!(again.public, key.public);
            // An out-of-range s1 coefficient (all ones) is refused, not a panic.
            let mut bad = expanded.to_vec();
            bad[128] = 0xff;
            assert!(MlDsaKey::from_expanded(level, &bad).is_err());
            // A changed tr is refused.
            let mut bad = expanded.to_vec();
            bad[70] ^= 1;
            assert!(matches!(
                MlDsaKey::from_expanded(level, &bad),
                Err(KeyError::InconsistentForms { .. })
            ));
            // A t0 that makes the signatures unverifiable is refused by the consistency check
            // (a change small enough for ML-DSA's hints to absorb still signs verifiably).
            let mut bad = expanded.to_vec();
            let len = bad.len();
            for b in &mut bad[len - 400..] {
                *b ^= 0x5a;
            }
            assert!(matches!(
                MlDsaKey::from_expanded(level, &bad),
                Err(KeyError::InconsistentForms { .. })
            ));
        }
    }

    #[test]
    fn sign_verifies_and_is_hedged() {
        let key = MlDsaKey::from_seed(MlDsaLevel::MlDsa65, &[1u8; 32]).expect("seed");
        let a = key.sign(b"message").expect("sign");
        let b = key.sign(b"message").expect("sign");
        assert_ne!(a, b, "hedged signatures differ");
        verify_ml_dsa(MlDsaLevel::MlDsa65, &key.public, b"message", &a).expect("verifies");
        assert_eq!(
            verify_ml_dsa(MlDsaLevel::MlDsa65, &key.public, b"messagf", &a),
            Err(SigCheckError::BadSignature)
        );
    }

    #[test]
    fn cms_digest_rules() {
        use DigestAlgorithm as D;
        assert!(check_cms_digest(&oids::ML_DSA_44, D::Sha512).is_ok());
        assert!(check_cms_digest(&oids::ML_DSA_44, D::Sha256).is_ok());
        assert!(check_cms_digest(&oids::ML_DSA_65, D::Sha256).is_err());
        assert!(check_cms_digest(&oids::ML_DSA_87, D::Sha384).is_err());
        assert!(check_cms_digest(&oids::SLH_DSA_SHA2_128S, D::Sha256).is_ok());
        assert!(check_cms_digest(&oids::SLH_DSA_SHA2_192S, D::Sha256).is_err());
        assert!(check_cms_digest(&oids::SLH_DSA_SHAKE_128F, D::Shake128).is_ok());
        assert!(check_cms_digest(&oids::SLH_DSA_SHAKE_128F, D::Sha3_256).is_ok());
        assert!(check_cms_digest(&oids::SLH_DSA_SHAKE_256F, D::Shake256).is_ok());
        assert!(check_cms_digest(&oids::SLH_DSA_SHAKE_256F, D::Sha3_512).is_ok());
        assert!(check_cms_digest(&oids::SLH_DSA_SHAKE_256F, D::Sha3_256).is_err());
        assert!(check_cms_digest(&oids::RSA_ENCRYPTION, D::Sha1).is_ok());
    }
}
