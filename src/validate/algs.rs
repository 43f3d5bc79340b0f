//! The signature callback certval verifies certificate signatures with: RSA PKCS#1 v1.5,
//! RSASSA-PSS, ECDSA P-256/P-384 and Ed25519 (RFC 8410) over [`crate::crypto::verify`], under
//! the [`Policy`]'s digests (which do not apply to Ed25519: it fixes its own hashing), RSA
//! minimum and PSS setting.
//!
//! Every certificate signature of path building and validation goes through here (certval's
//! own verifier is not registered: its ECDSA has no digest policy). A signature the policy
//! refuses is recorded, so that a path that could not be built for that reason says so.

use std::sync::{Arc, Mutex};

use certval::{Error, PathValidationStatus, PkiEnvironment, VerifySignatureMessage};
use der::Encode;
use der::asn1::BitString;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::crypto::DigestAlgorithm;
use crate::crypto::oids;
use crate::crypto::verify::{
    KeyAlgorithm, Scheme, SigCheckError, key_info, scheme_for, verify_signature,
};
use crate::policy::Policy;

/// Why a signature was not even tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The policy does not accept the algorithm, digest or key size.
    Weak(String),
    /// The algorithm or key type is not supported.
    Unsupported(String),
}

/// The signature callback registered with certval's `PkiEnvironment`.
#[derive(Debug, Clone)]
pub(crate) struct PolicyVerifier {
    accepted_digests: Vec<DigestAlgorithm>,
    accept_rsa_pss: bool,
    min_rsa_bits: usize,
    refusals: Arc<Mutex<Vec<Refusal>>>,
}

impl PolicyVerifier {
    /// A verifier under `policy`'s algorithm settings.
    pub(crate) fn new(policy: &Policy) -> Self {
        PolicyVerifier {
            accepted_digests: policy
                .accepted_digests
                .iter()
                .copied()
                .filter(|d| policy.accepts_digest(*d))
                .collect(),
            accept_rsa_pss: policy.accept_rsa_pss,
            min_rsa_bits: policy.min_rsa_bits,
            refusals: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The log of refusals, shared with every clone.
    pub(crate) fn refusals(&self) -> Arc<Mutex<Vec<Refusal>>> {
        Arc::clone(&self.refusals)
    }

    fn refuse(&self, r: Refusal) -> Error {
        if let Ok(mut log) = self.refusals.lock() {
            log.push(r);
        }
        Error::PathValidation(PathValidationStatus::SignatureVerificationFailure)
    }

    fn check(
        &self,
        message: &[u8],
        signature: &BitString,
        alg: &AlgorithmIdentifierOwned,
        spki: &SubjectPublicKeyInfoOwned,
    ) -> Result<(), Error> {
        let Some(sig) = signature.as_bytes() else {
            return Err(Error::PathValidation(PathValidationStatus::EncodingError));
        };
        let spki_der = spki
            .to_der()
            .map_err(|_| Error::PathValidation(PathValidationStatus::EncodingError))?;
        let digest = match implied_digest(alg) {
            Ok(d) => d,
            Err(detail) => return Err(self.refuse(Refusal::Unsupported(detail))),
        };
        // Ed25519 (and the other schemes that sign the whole message) hash with what the
        // algorithm fixes: no digest of the policy's applies to them.
        let pure = scheme_for(alg, digest) == Ok(Scheme::Pure);
        if !pure && !self.accepted_digests.contains(&digest) {
            return Err(self.refuse(Refusal::Weak(format!(
                "a signature with {} is not accepted",
                digest.name()
            ))));
        }
        if alg.oid == oids::RSASSA_PSS && !self.accept_rsa_pss {
            return Err(self.refuse(Refusal::Weak(
                "RSASSA-PSS signatures are not accepted".to_string(),
            )));
        }
        match key_info(&spki_der) {
            Ok(info) => match info.algorithm {
                KeyAlgorithm::Rsa if info.bits < self.min_rsa_bits => {
                    return Err(self.refuse(Refusal::Weak(format!(
                        "the issuer's RSA key has {} bits, fewer than the {} required",
                        info.bits, self.min_rsa_bits
                    ))));
                }
                KeyAlgorithm::Other(desc) => {
                    return Err(self.refuse(Refusal::Unsupported(format!("key type {desc}"))));
                }
                _ => {}
            },
            Err(e) => {
                return Err(self.refuse(Refusal::Unsupported(e.to_string())));
            }
        }
        match verify_signature(&spki_der, alg, digest, message, sig) {
            Ok(()) => Ok(()),
            Err(SigCheckError::BadSignature) => Err(Error::PathValidation(
                PathValidationStatus::SignatureVerificationFailure,
            )),
            Err(SigCheckError::BadPublicKey { detail }) => {
                Err(self.refuse(Refusal::Unsupported(format!("issuer key: {detail}"))))
            }
            Err(e) => Err(self.refuse(Refusal::Unsupported(e.to_string()))),
        }
    }
}

impl VerifySignatureMessage for PolicyVerifier {
    fn verify_signature_message(
        &self,
        _pe: &PkiEnvironment,
        message_to_verify: &[u8],
        signature: &BitString,
        signature_alg: &AlgorithmIdentifierOwned,
        spki: &SubjectPublicKeyInfoOwned,
    ) -> certval::Result<()> {
        self.check(message_to_verify, signature, signature_alg, spki)
    }
}

/// The digest a certificate or CRL signature algorithm names. A bare key algorithm
/// (`rsaEncryption`, `id-ecPublicKey`) names none and is refused here, as RFC 5280 requires the
/// signature algorithm itself.
fn implied_digest(alg: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm, String> {
    if alg.oid == oids::RSA_ENCRYPTION || alg.oid == oids::EC_PUBLIC_KEY {
        return Err(format!("signature algorithm {} names no digest", alg.oid));
    }
    let mut last = None;
    for d in [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
        DigestAlgorithm::Sha1,
    ] {
        match scheme_for(alg, d) {
            Ok(_) => return Ok(d),
            Err(SigCheckError::DigestMismatch) => continue,
            Err(e) => last = Some(e.to_string()),
        }
        if last.is_some() {
            break;
        }
    }
    Err(last.unwrap_or_else(|| format!("signature algorithm {}", alg.oid)))
}
