//! Private keys behind a trait.
//!
//! Every private-key operation of the library goes through [`PrivateKey`], so a key that lives
//! in a platform keystore (the iOS Keychain, a Secure Enclave, a smart card) can sign through a
//! callback without its bytes ever reaching this library. [`SoftwareKey`] is the implementation
//! for keys held in memory (PKCS#8 or PKCS#1, PEM or DER); it zeroizes them on drop.

use super::rng::os_rng;
use crate::crypto::DigestAlgorithm;
use crate::error::KeyError;
use der::{Decode, Encode};
use pkcs8::{DecodePrivateKey, EncodePublicKey};
use zeroize::Zeroizing;

/// What kind of key a [`PrivateKey`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
    /// Ed25519 (RFC 8032, RFC 8410).
    Ed25519,
    /// X25519 key agreement (RFC 7748, RFC 8410).
    X25519,
    /// ML-DSA-44 (FIPS 204).
    MlDsa44,
    /// ML-DSA-65 (FIPS 204).
    MlDsa65,
    /// ML-DSA-87 (FIPS 204).
    MlDsa87,
    /// ML-KEM-512 (FIPS 203).
    MlKem512,
    /// ML-KEM-768 (FIPS 203).
    MlKem768,
    /// ML-KEM-1024 (FIPS 203).
    MlKem1024,
}

impl KeyKind {
    /// Whether the key signs whole messages (Ed25519, ML-DSA) rather than digests: such a key
    /// is used through [`PrivateKey::sign_message`].
    pub fn signs_messages(self) -> bool {
        matches!(
            self,
            KeyKind::Ed25519 | KeyKind::MlDsa44 | KeyKind::MlDsa65 | KeyKind::MlDsa87
        )
    }

    /// Whether the key is an ML-KEM decapsulation key (used through
    /// [`PrivateKey::kem_decapsulate`]).
    pub fn is_kem(self) -> bool {
        matches!(
            self,
            KeyKind::MlKem512 | KeyKind::MlKem768 | KeyKind::MlKem1024
        )
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyKind::EcP256 => write!(f, "EC P-256"),
            KeyKind::EcP384 => write!(f, "EC P-384"),
            KeyKind::Ed25519 => write!(f, "Ed25519"),
            KeyKind::X25519 => write!(f, "X25519"),
            KeyKind::MlDsa44 => write!(f, "ML-DSA-44"),
            KeyKind::MlDsa65 => write!(f, "ML-DSA-65"),
            KeyKind::MlDsa87 => write!(f, "ML-DSA-87"),
            KeyKind::MlKem512 => write!(f, "ML-KEM-512"),
            KeyKind::MlKem768 => write!(f, "ML-KEM-768"),
            KeyKind::MlKem1024 => write!(f, "ML-KEM-1024"),
        }
    }
}

/// The signature scheme a private key is asked to apply to a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 (the digest is wrapped in a DigestInfo by the key).
    RsaPkcs1v15,
    /// RSASSA-PSS with MGF1 over the same digest and a salt as long as the digest.
    RsaPss,
    /// ECDSA; the signature is returned DER-encoded (`Ecdsa-Sig-Value`).
    Ecdsa,
    /// PureEdDSA Ed25519 over the whole message (RFC 8032; [`PrivateKey::sign_message`]):
    /// the 64-byte signature.
    Ed25519,
    /// Pure ML-DSA over the whole message with an empty context string (FIPS 204;
    /// [`PrivateKey::sign_message`]): the encoded signature.
    MlDsa,
}

/// The padding of an RSA decryption (key transport).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaDecryptPadding {
    /// RSAES-PKCS1-v1_5. Implementations must not reveal a padding failure: return
    /// pseudo-random bytes (implicit rejection) or an error indistinguishable from other
    /// failures; the CMS layer substitutes a random key either way (RFC 3218).
    /// [`KeyOperationError::Refused`] and [`KeyOperationError::Unavailable`] are reported to
    /// the caller as such: use them only for failures that do not depend on the ciphertext
    /// (a declined prompt, a missing card), never for a padding failure.
    Pkcs1v15,
    /// RSAES-OAEP (RFC 8017, parameters as RFC 4055 names them).
    Oaep {
        /// The hash of the label.
        digest: DigestAlgorithm,
        /// The hash of MGF1.
        mgf_digest: DigestAlgorithm,
        /// The label (`pSourceFunc` id-pSpecified; empty when absent).
        label: Vec<u8>,
    },
}

impl RsaDecryptPadding {
    /// OAEP with `digest` for both the label hash and MGF1, and no label: what most
    /// implementations write.
    pub fn oaep(digest: DigestAlgorithm) -> Self {
        RsaDecryptPadding::Oaep {
            digest,
            mgf_digest: digest,
            label: Vec::new(),
        }
    }
}

/// Why a private-key operation ([`PrivateKey::sign_digest`], [`PrivateKey::rsa_decrypt`],
/// [`PrivateKey::ecdh`]) did not produce a result.
///
/// A key held elsewhere (a platform keystore, a smart card, a C callback) reports its failure
/// with one of these; the codes are in [`crate::error::codes`] (1100–1149). The messages are
/// shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyOperationError {
    /// The key cannot do this operation: the wrong kind of key (ECDH with an RSA key), or a
    /// scheme, padding or digest it does not implement.
    Unsupported {
        /// What was asked, for a person.
        detail: String,
    },
    /// The input is not valid for the operation: a digest of the wrong length, a peer's
    /// public point that is not on the curve.
    InvalidInput {
        /// What was wrong, for a person.
        detail: String,
    },
    /// The user or the platform declined: a cancelled PIN or biometric prompt, an access
    /// policy that refuses this application.
    Refused {
        /// Who declined and how, for a person.
        detail: String,
    },
    /// The key cannot be reached now: a removed smart card, a locked keystore.
    Unavailable {
        /// What is missing, for a person.
        detail: String,
    },
    /// The operation failed.
    Failed {
        /// What failed, for a person.
        detail: String,
    },
    /// A platform keystore failed with a code of its own (an `OSStatus`, an `HRESULT`, a
    /// PKCS#11 `CK_RV`).
    Platform {
        /// The platform's code, as it gave it.
        code: i64,
        /// The platform's message, for a person.
        detail: String,
    },
}

impl KeyOperationError {
    /// The stable numeric code of this error (1100–1149).
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            KeyOperationError::Unsupported { .. } => SMIME_KEYOP_UNSUPPORTED,
            KeyOperationError::InvalidInput { .. } => SMIME_KEYOP_INVALID_INPUT,
            KeyOperationError::Refused { .. } => SMIME_KEYOP_REFUSED,
            KeyOperationError::Unavailable { .. } => SMIME_KEYOP_UNAVAILABLE,
            KeyOperationError::Failed { .. } => SMIME_KEYOP_FAILED,
            KeyOperationError::Platform { .. } => SMIME_KEYOP_PLATFORM,
        }
    }

    /// Shorthand for a [`KeyOperationError::Unsupported`].
    pub fn unsupported(detail: impl Into<String>) -> Self {
        KeyOperationError::Unsupported {
            detail: detail.into(),
        }
    }

    /// Shorthand for a [`KeyOperationError::Failed`].
    pub fn failed(detail: impl Into<String>) -> Self {
        KeyOperationError::Failed {
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for KeyOperationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyOperationError::Unsupported { detail } => {
                write!(f, "the key cannot do this: {detail}")
            }
            KeyOperationError::InvalidInput { detail } => {
                write!(f, "invalid input for the key: {detail}")
            }
            KeyOperationError::Refused { detail } => write!(f, "refused: {detail}"),
            KeyOperationError::Unavailable { detail } => {
                write!(f, "the key is not available: {detail}")
            }
            KeyOperationError::Failed { detail } => f.write_str(detail),
            KeyOperationError::Platform { code, detail } => {
                write!(f, "{detail} (platform code {code})")
            }
        }
    }
}

impl std::error::Error for KeyOperationError {}

/// A private key. Implement it to sign or decrypt with a key held elsewhere (a platform
/// keystore); the operations a key cannot do return [`KeyOperationError::Unsupported`].
pub trait PrivateKey: Send + Sync {
    /// The kind and size of the key.
    fn kind(&self) -> KeyKind;
    /// The public key as a DER SubjectPublicKeyInfo (used to check it matches a certificate).
    fn public_key_der(&self) -> Result<Vec<u8>, KeyError>;
    /// Signs `digest`, the output of `algorithm`, under `scheme`. An ECDSA signature is
    /// returned DER-encoded. The error's message is shown to the user.
    fn sign_digest(
        &self,
        scheme: SignatureScheme,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError>;

    /// Decrypts an RSA key-transport ciphertext. The default refuses.
    fn rsa_decrypt(
        &self,
        padding: &RsaDecryptPadding,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let _ = (padding, ciphertext);
        Err(KeyOperationError::unsupported(
            "this key cannot decrypt with RSA",
        ))
    }

    /// Diffie-Hellman with the peer's public key. For P-256 and P-384 the peer's point is in
    /// SEC1 encoding and the result is the x-coordinate of the shared point; for X25519 the
    /// peer's key is its 32-byte u-coordinate and the result the 32-byte shared secret, an
    /// all-zero result being refused as [`KeyOperationError::InvalidInput`] (RFC 7748
    /// section 6.1). The default refuses.
    fn ecdh(&self, peer_public_sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let _ = peer_public_sec1;
        Err(KeyOperationError::unsupported(
            "this key cannot do key agreement",
        ))
    }

    /// Signs the whole `message` under a scheme that takes messages rather than digests
    /// ([`SignatureScheme::Ed25519`], [`SignatureScheme::MlDsa`]; see
    /// [`KeyKind::signs_messages`]). In CMS the message is the DER encoding of the signed
    /// attributes. The default refuses.
    fn sign_message(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        let _ = (scheme, message);
        Err(KeyOperationError::unsupported(
            "this key cannot sign whole messages",
        ))
    }

    /// ML-KEM decapsulation (FIPS 203) of a KEMRecipientInfo ciphertext: the 32-byte shared
    /// secret. ML-KEM's implicit rejection applies: a ciphertext that was not made for this
    /// key yields an unrelated secret, not an error. The default refuses.
    fn kem_decapsulate(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let _ = ciphertext;
        Err(KeyOperationError::unsupported(
            "this key cannot decapsulate",
        ))
    }
}

enum Inner {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(super::eddsa::Ed25519Key),
    X25519(super::x25519::X25519Key),
    MlKem(Box<super::mlkem::MlKemKey>),
    MlDsa(Box<super::pqsig::MlDsaKey>),
}

/// A private key held in memory. Zeroized on drop (the RustCrypto key types do so).
pub struct SoftwareKey {
    inner: Inner,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl SoftwareKey {
    /// Reads a private key: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1
    /// (`EC PRIVATE KEY`), PEM or DER. Encrypted PEM is not accepted here.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.is_empty() {
            return Err(KeyError::Unrecognized {
                detail: "the key file is empty".into(),
            });
        }
        let blocks = pem_blocks(bytes, 16).map_err(|e| KeyError::Unrecognized {
            detail: e.to_string(),
        })?;
        if let Some(blocks) = blocks {
            let Some((label, der)) = blocks.into_iter().find(|(l, _)| l.ends_with("PRIVATE KEY"))
            else {
                return Err(KeyError::Unrecognized {
                    detail: "no PRIVATE KEY block in the PEM input".into(),
                });
            };
            return match label.as_str() {
                "PRIVATE KEY" => Self::from_pkcs8_der(&der),
                "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
                "EC PRIVATE KEY" => Self::from_sec1_der(&der),
                "ENCRYPTED PRIVATE KEY" => Err(KeyError::Unsupported {
                    detail: "encrypted PKCS#8 keys must be decrypted first".into(),
                }),
                other => Err(KeyError::Unrecognized {
                    detail: format!("PEM block '{other}' is not a private key"),
                }),
            };
        }
        match Self::from_pkcs8_der(bytes) {
            Ok(key) => return Ok(key),
            // A PKCS#8 key whose forms contradict each other keeps its own error.
            Err(e @ KeyError::InconsistentForms { .. }) => return Err(e),
            Err(_) => {}
        }
        Self::from_pkcs1_der(bytes)
            .or_else(|_| Self::from_sec1_der(bytes))
            .map_err(|_| KeyError::Unrecognized {
                detail: "neither PKCS#8, PKCS#1 nor SEC1 (PEM or DER)".into(),
            })
    }

    /// Reads a DER PKCS#8 PrivateKeyInfo: RSA, P-256, P-384, Ed25519 and X25519 (RFC 8410),
    /// ML-DSA (RFC 9881) and ML-KEM (RFC 9935), the last two in any of their forms.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::Unrecognized {
            detail: format!("PKCS#8: {e}"),
        })?;
        let oid = info.algorithm.oid;
        if oid == crate::crypto::oids::RSA_ENCRYPTION {
            let key =
                rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| KeyError::Unrecognized {
                    detail: format!("PKCS#8 RSA key: {e}"),
                })?;
            return Ok(SoftwareKey {
                inner: Inner::Rsa(Box::new(key)),
            });
        }
        if crate::crypto::verify::MlKemLevel::from_oid(&oid).is_some() {
            return super::mlkem::MlKemKey::from_pkcs8_der(der).map(|k| SoftwareKey {
                inner: Inner::MlKem(Box::new(k)),
            });
        }
        if oid == crate::crypto::oids::EC_PUBLIC_KEY {
            if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
                return Ok(SoftwareKey {
                    inner: Inner::P256(k),
                });
            }
            if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(der) {
                return Ok(SoftwareKey {
                    inner: Inner::P384(k),
                });
            }
            return Err(KeyError::Unsupported {
                detail: "EC keys must be on P-256 or P-384".into(),
            });
        }
        if oid == crate::crypto::oids::ED25519 {
            return super::eddsa::Ed25519Key::from_pkcs8_der(der).map(|k| SoftwareKey {
                inner: Inner::Ed25519(k),
            });
        }
        if oid == crate::crypto::oids::X25519 {
            return Ok(SoftwareKey {
                inner: Inner::X25519(super::x25519::X25519Key::from_pkcs8_der(der)?),
            });
        }
        if let Some(level) = crate::crypto::verify::MlDsaLevel::from_oid(&oid) {
            let public = info.public_key.as_ref().and_then(|p| p.as_bytes());
            let key = super::pqsig::MlDsaKey::from_private_key(
                level,
                info.private_key.as_bytes(),
                public,
            )?;
            return Ok(SoftwareKey {
                inner: Inner::MlDsa(Box::new(key)),
            });
        }
        Err(KeyError::Unsupported {
            detail: format!("key algorithm {oid}"),
        })
    }

    /// Reads a DER PKCS#1 RSAPrivateKey.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        use pkcs1::DecodeRsaPrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| KeyError::Unrecognized {
            detail: format!("PKCS#1: {e}"),
        })?;
        Ok(SoftwareKey {
            inner: Inner::Rsa(Box::new(key)),
        })
    }

    /// Reads a DER SEC1 ECPrivateKey (P-256 or P-384).
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
            return Ok(SoftwareKey {
                inner: Inner::P256(k.into()),
            });
        }
        if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
            return Ok(SoftwareKey {
                inner: Inner::P384(k.into()),
            });
        }
        Err(KeyError::Unrecognized {
            detail: "not a SEC1 P-256/P-384 key".into(),
        })
    }

    /// The RSA key, if this is one (for RSA decryption).
    pub fn rsa(&self) -> Option<&rsa::RsaPrivateKey> {
        match &self.inner {
            Inner::Rsa(k) => Some(k),
            _ => None,
        }
    }

    /// The key as DER PKCS#8 `PrivateKeyInfo` (how the keyring stores software keys).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        use pkcs8::EncodePrivateKey;
        let doc = match &self.inner {
            Inner::Rsa(k) => k.to_pkcs8_der(),
            Inner::P256(k) => k.to_pkcs8_der(),
            Inner::P384(k) => k.to_pkcs8_der(),
            Inner::Ed25519(k) => return k.to_pkcs8_der(),
            Inner::X25519(k) => return Ok(k.to_pkcs8_der()),
            Inner::MlKem(k) => return k.to_pkcs8_der(),
            Inner::MlDsa(k) => return k.to_pkcs8_der(),
        }
        .map_err(|e| KeyError::Unsupported {
            detail: format!("cannot encode the key as PKCS#8: {e}"),
        })?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }
}

/// A PEM block: its label and decoded bytes.
pub(crate) type PemBlock = (String, Zeroizing<Vec<u8>>);

/// Every PEM block in `bytes` as (label, DER), or `None` if the input holds no PEM armour.
/// CRLF line ends and text around the blocks are tolerated; at most `max` blocks are read.
pub(crate) fn pem_blocks(
    bytes: &[u8],
    max: usize,
) -> Result<Option<Vec<PemBlock>>, crate::error::ParseError> {
    use crate::error::ParseError;
    if !crate::bytes::contains(bytes, b"-----BEGIN ") {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let end_line = block.find("-----END ").ok_or_else(|| ParseError::Pem {
            detail: "a BEGIN line has no END line".into(),
        })?;
        let close = block[end_line + 9..]
            .find("-----")
            .map(|c| end_line + 9 + c + 5)
            .ok_or_else(|| ParseError::Pem {
                detail: "unterminated END line".into(),
            })?;
        let pem = format!("{}\n", &block[..close]);
        rest = &block[close..];
        let (label, der) =
            pem_rfc7468::decode_vec(pem.as_bytes()).map_err(|e| ParseError::Pem {
                detail: e.to_string(),
            })?;
        out.push((label.to_string(), Zeroizing::new(der)));
        if out.len() > max {
            return Err(ParseError::TooMany {
                what: "PEM blocks",
                limit: max,
            });
        }
    }
    Ok(Some(out))
}

impl PrivateKey for SoftwareKey {
    fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Rsa(k) => KeyKind::Rsa {
                bits: rsa::traits::PublicKeyParts::size(k.as_ref()) * 8,
            },
            Inner::P256(_) => KeyKind::EcP256,
            Inner::P384(_) => KeyKind::EcP384,
            Inner::Ed25519(_) => KeyKind::Ed25519,
            Inner::X25519(_) => KeyKind::X25519,
            Inner::MlKem(k) => match k.level() {
                crate::crypto::verify::MlKemLevel::MlKem512 => KeyKind::MlKem512,
                crate::crypto::verify::MlKemLevel::MlKem768 => KeyKind::MlKem768,
                crate::crypto::verify::MlKemLevel::MlKem1024 => KeyKind::MlKem1024,
            },
            Inner::MlDsa(k) => match k.level() {
                crate::crypto::verify::MlDsaLevel::MlDsa44 => KeyKind::MlDsa44,
                crate::crypto::verify::MlDsaLevel::MlDsa65 => KeyKind::MlDsa65,
                crate::crypto::verify::MlDsaLevel::MlDsa87 => KeyKind::MlDsa87,
            },
        }
    }

    fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let doc = match &self.inner {
            Inner::Rsa(k) => k.to_public_key().to_public_key_der(),
            Inner::P256(k) => k.verifying_key().to_public_key_der(),
            Inner::P384(k) => k.verifying_key().to_public_key_der(),
            Inner::Ed25519(k) => return k.public_key_der(),
            Inner::X25519(k) => return Ok(k.public_key_der()),
            Inner::MlKem(k) => return k.public_key_der(),
            Inner::MlDsa(k) => return k.public_key_der(),
        }
        .map_err(|e| KeyError::Unsupported {
            detail: format!("cannot encode the public key: {e}"),
        })?;
        Ok(doc.as_bytes().to_vec())
    }

    fn sign_digest(
        &self,
        scheme: SignatureScheme,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        if digest.len() != algorithm.output_len() {
            return Err(KeyOperationError::InvalidInput {
                detail: "the digest length does not match its algorithm".into(),
            });
        }
        match (&self.inner, scheme) {
            (Inner::Rsa(k), SignatureScheme::RsaPkcs1v15) => {
                let padding = match algorithm {
                    DigestAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    DigestAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    DigestAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                    other => {
                        return Err(KeyOperationError::unsupported(format!(
                            "{} is not used for signing",
                            other.name()
                        )));
                    }
                };
                k.sign_with_rng(&mut os_rng(), padding, digest)
                    .map_err(|e| KeyOperationError::failed(e.to_string()))
            }
            (Inner::Rsa(k), SignatureScheme::RsaPss) => {
                let mut r = os_rng();
                match algorithm {
                    DigestAlgorithm::Sha256 => {
                        k.sign_with_rng(&mut r, rsa::Pss::<sha2::Sha256>::new(), digest)
                    }
                    DigestAlgorithm::Sha384 => {
                        k.sign_with_rng(&mut r, rsa::Pss::<sha2::Sha384>::new(), digest)
                    }
                    DigestAlgorithm::Sha512 => {
                        k.sign_with_rng(&mut r, rsa::Pss::<sha2::Sha512>::new(), digest)
                    }
                    other => {
                        return Err(KeyOperationError::unsupported(format!(
                            "{} is not used for signing",
                            other.name()
                        )));
                    }
                }
                .map_err(|e| KeyOperationError::failed(e.to_string()))
            }
            (Inner::P256(k), SignatureScheme::Ecdsa) => {
                use signature::hazmat::PrehashSigner;
                let sig: p256::ecdsa::DerSignature = k
                    .sign_prehash(digest)
                    .map_err(|e| KeyOperationError::failed(e.to_string()))?;
                Ok(sig.to_bytes().to_vec())
            }
            (Inner::P384(k), SignatureScheme::Ecdsa) => {
                use signature::hazmat::PrehashSigner;
                let sig: p384::ecdsa::DerSignature = k
                    .sign_prehash(digest)
                    .map_err(|e| KeyOperationError::failed(e.to_string()))?;
                Ok(sig.to_bytes().to_vec())
            }
            (_, scheme) => Err(KeyOperationError::unsupported(format!(
                "a {} key cannot sign with {scheme:?}",
                self.kind()
            ))),
        }
    }

    fn rsa_decrypt(
        &self,
        padding: &RsaDecryptPadding,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let Inner::Rsa(k) = &self.inner else {
            return Err(KeyOperationError::unsupported(format!(
                "a {} key cannot decrypt with RSA",
                self.kind()
            )));
        };
        let out = match padding {
            // Implicit rejection: a bad padding yields pseudo-random bytes, not an error.
            RsaDecryptPadding::Pkcs1v15 => {
                k.decrypt_blinded(&mut os_rng(), rsa::Pkcs1v15Encrypt, ciphertext)
            }
            RsaDecryptPadding::Oaep {
                digest,
                mgf_digest,
                label,
            } => oaep_decrypt(k, *digest, *mgf_digest, label, ciphertext)?,
        };
        out.map(Zeroizing::new)
            .map_err(|_| KeyOperationError::failed("RSA decryption failed"))
    }

    fn ecdh(&self, peer_public_sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let invalid_point = |curve: &str| KeyOperationError::InvalidInput {
            detail: format!("the peer's {curve} point is invalid"),
        };
        match &self.inner {
            Inner::P256(k) => {
                let peer = p256::PublicKey::from_sec1_bytes(peer_public_sec1)
                    .map_err(|_| invalid_point("P-256"))?;
                let shared = p256::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine());
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }
            Inner::P384(k) => {
                let peer = p384::PublicKey::from_sec1_bytes(peer_public_sec1)
                    .map_err(|_| invalid_point("P-384"))?;
                let shared = p384::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine());
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }
            Inner::X25519(k) => k.diffie_hellman(peer_public_sec1),
            Inner::Rsa(_) => Err(KeyOperationError::unsupported(
                "an RSA key cannot do key agreement",
            )),
            Inner::Ed25519(_) => Err(KeyOperationError::unsupported(
                "an Ed25519 key cannot do key agreement",
            )),
            Inner::MlKem(_) => Err(KeyOperationError::unsupported(
                "an ML-KEM key cannot do key agreement",
            )),
            Inner::MlDsa(_) => Err(KeyOperationError::unsupported(
                "an ML-DSA key cannot do key agreement",
            )),
        }
    }

    fn sign_message(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        match (&self.inner, scheme) {
            (Inner::Ed25519(k), SignatureScheme::Ed25519) => Ok(k.sign(message)),
            (Inner::MlDsa(k), SignatureScheme::MlDsa) => k.sign(message),
            (_, scheme) => Err(KeyOperationError::unsupported(format!(
                "a {} key cannot sign whole messages with {scheme:?}",
                self.kind()
            ))),
        }
    }

    fn kem_decapsulate(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        match &self.inner {
            Inner::MlKem(k) => k.decapsulate(ciphertext),
            _ => Err(KeyOperationError::unsupported(format!(
                "a {} key cannot decapsulate",
                self.kind()
            ))),
        }
    }
}

/// RSAES-OAEP decryption with every pairing of label hash and MGF1 hash among SHA-1 and
/// SHA-2.
fn oaep_decrypt(
    k: &rsa::RsaPrivateKey,
    digest: DigestAlgorithm,
    mgf_digest: DigestAlgorithm,
    label: &[u8],
    ciphertext: &[u8],
) -> Result<rsa::Result<Vec<u8>>, KeyOperationError> {
    use DigestAlgorithm as D;
    fn run<H, M>(k: &rsa::RsaPrivateKey, label: &[u8], ct: &[u8]) -> rsa::Result<Vec<u8>>
    where
        H: 'static + digest::Digest + digest::FixedOutputReset + Send + Sync,
        M: 'static + digest::Digest + digest::FixedOutputReset + Send + Sync,
    {
        let padding = rsa::Oaep::<H, M>::new_with_mgf_hash_and_label(label.to_vec());
        k.decrypt_blinded(&mut os_rng(), padding, ct)
    }
    macro_rules! mgf {
        ($h:ty) => {
            match mgf_digest {
                D::Sha1 => run::<$h, sha1::Sha1>(k, label, ciphertext),
                D::Sha256 => run::<$h, sha2::Sha256>(k, label, ciphertext),
                D::Sha384 => run::<$h, sha2::Sha384>(k, label, ciphertext),
                D::Sha512 => run::<$h, sha2::Sha512>(k, label, ciphertext),
                other => {
                    return Err(KeyOperationError::unsupported(format!(
                        "OAEP with MGF1-{} is not supported",
                        other.name()
                    )));
                }
            }
        };
    }
    Ok(match digest {
        D::Sha1 => mgf!(sha1::Sha1),
        D::Sha256 => mgf!(sha2::Sha256),
        D::Sha384 => mgf!(sha2::Sha384),
        D::Sha512 => mgf!(sha2::Sha512),
        other => {
            return Err(KeyOperationError::unsupported(format!(
                "OAEP with {} is not supported",
                other.name()
            )));
        }
    })
}

/// Reads every certificate in `bytes`: one DER certificate, or PEM with any number of
/// `CERTIFICATE` blocks. Returns the DER of each.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, crate::error::ParseError> {
    use crate::error::ParseError;
    const MAX_CERTS: usize = 1000;
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    let Some(blocks) = pem_blocks(bytes, MAX_CERTS)? else {
        x509_cert::Certificate::from_der(bytes).map_err(|e| ParseError::Certificate {
            detail: e.to_string(),
        })?;
        return Ok(vec![bytes.to_vec()]);
    };
    let mut out = Vec::new();
    for (label, der) in blocks {
        if label != "CERTIFICATE" {
            continue;
        }
        x509_cert::Certificate::from_der(&der).map_err(|e| ParseError::Certificate {
            detail: e.to_string(),
        })?;
        out.push(der.to_vec());
    }
    if out.is_empty() {
        return Err(ParseError::Pem {
            detail: "no CERTIFICATE block found".into(),
        });
    }
    Ok(out)
}

/// Checks that `key` belongs to the certificate `cert_der`.
pub fn check_key_matches(key: &dyn PrivateKey, cert_der: &[u8]) -> Result<(), KeyError> {
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| {
        KeyError::Certificate(crate::error::ParseError::Certificate {
            detail: e.to_string(),
        })
    })?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| KeyError::Certificate(e.into()))?;
    if key.public_key_der()? == spki {
        Ok(())
    } else {
        Err(KeyError::Mismatch)
    }
}

/// Reads every CRL in `bytes`: one DER CRL, or PEM with any number of `X509 CRL` blocks.
pub fn read_crls(bytes: &[u8]) -> Result<Vec<Vec<u8>>, crate::error::ParseError> {
    use crate::error::ParseError;
    const MAX_CRLS: usize = 1000;
    let check = |der: &[u8]| {
        <x509_cert::crl::CertificateList>::from_der(der)
            .map_err(|e| ParseError::der(format!("CRL: {e}")))
    };
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    let Some(blocks) = pem_blocks(bytes, MAX_CRLS)? else {
        check(bytes)?;
        return Ok(vec![bytes.to_vec()]);
    };
    let mut out = Vec::new();
    for (label, der) in blocks {
        if label == "X509 CRL" {
            check(&der)?;
            out.push(der.to_vec());
        }
    }
    if out.is_empty() {
        return Err(ParseError::Pem {
            detail: "no X509 CRL block found".into(),
        });
    }
    Ok(out)
}
