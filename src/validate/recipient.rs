//! The one rule for "may this certificate receive encrypted mail", shared by
//! [`crate::encrypt`] and the keyring's recipient selection.

use std::fmt;
use std::time::SystemTime;

use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsage;

use super::checks::{EkuFailure, check_email_eku};
use crate::crypto::oids;
use crate::crypto::verify::{KeyAlgorithm, key_info};
use crate::policy::Policy;
use der::Encode;

/// Why a certificate may not receive encrypted mail (its chain and revocation aside).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipientProblem {
    /// Its validity period has ended.
    Expired {
        /// When it ended.
        not_after: SystemTime,
    },
    /// Its validity period has not begun.
    NotYetValid {
        /// When it begins.
        not_before: SystemTime,
    },
    /// Its keyUsage does not allow the key's way of receiving a content key.
    KeyUsage {
        /// What is missing, for a person.
        detail: &'static str,
    },
    /// Its extended key usage does not allow e-mail protection (transparent: the failure's
    /// message and code).
    ExtendedKeyUsage(EkuFailure),
    /// Its key cannot receive encrypted mail (not RSA, P-256, P-384 or X25519).
    UnsupportedKey {
        /// The key algorithm.
        algorithm: String,
    },
    /// Its RSA key is shorter than the policy's minimum.
    WeakKey {
        /// The key size.
        bits: usize,
        /// The policy's minimum.
        minimum: usize,
    },
}

impl fmt::Display for RecipientProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecipientProblem::Expired { not_after } => {
                write!(f, "it expired on {}", crate::keyring::fmt_time(*not_after))
            }
            RecipientProblem::NotYetValid { not_before } => write!(
                f,
                "it is not valid before {}",
                crate::keyring::fmt_time(*not_before)
            ),
            RecipientProblem::KeyUsage { detail } => write!(f, "its key usage {detail}"),
            // Transparent: the extended key usage failure's message.
            RecipientProblem::ExtendedKeyUsage(e) => fmt::Display::fmt(e, f),
            RecipientProblem::UnsupportedKey { algorithm } => {
                write!(
                    f,
                    "its key algorithm {algorithm} cannot receive encrypted mail"
                )
            }
            RecipientProblem::WeakKey { bits, minimum } => write!(
                f,
                "its {bits}-bit RSA key is too short ({minimum} bits at least)"
            ),
        }
    }
}

impl std::error::Error for RecipientProblem {}

impl RecipientProblem {
    /// The stable numeric code of this problem (900–949).
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            RecipientProblem::Expired { .. } => SMIME_CERT_EXPIRED,
            RecipientProblem::NotYetValid { .. } => SMIME_CERT_NOT_YET_VALID,
            RecipientProblem::KeyUsage { .. } => SMIME_CERT_KEY_USAGE_NO_ENCRYPTION,
            RecipientProblem::ExtendedKeyUsage(e) => e.code(),
            RecipientProblem::UnsupportedKey { .. } => SMIME_CERT_KEY_UNSUPPORTED,
            RecipientProblem::WeakKey { .. } => SMIME_CERT_KEY_TOO_WEAK,
        }
    }
}

/// Whether `cert` may receive encrypted mail at `time` under `policy`: valid then, an RSA key
/// of at least the policy's size (keyUsage, when present, with keyEncipherment) or a P-256 /
/// P-384 or X25519 key (keyUsage, when present, with keyAgreement), and extKeyUsage, when present, with
/// emailProtection. The chain and revocation are judged by [`super::validate_chain`].
pub fn check_recipient_certificate(
    cert: &Certificate,
    time: SystemTime,
    policy: &Policy,
) -> Result<(), RecipientProblem> {
    let tbs = cert.tbs_certificate();
    let not_before = tbs.validity().not_before.to_system_time();
    let not_after = tbs.validity().not_after.to_system_time();
    if time > not_after {
        return Err(RecipientProblem::Expired { not_after });
    }
    if time < not_before {
        return Err(RecipientProblem::NotYetValid { not_before });
    }
    check_email_eku(cert).map_err(RecipientProblem::ExtendedKeyUsage)?;
    let spki = tbs.subject_public_key_info();
    let unsupported = || RecipientProblem::UnsupportedKey {
        algorithm: const_oid::db::DB
            .by_oid(&spki.algorithm.oid)
            .map(str::to_string)
            .unwrap_or_else(|| spki.algorithm.oid.to_string()),
    };
    let is_rsa = spki.algorithm.oid == oids::RSA_ENCRYPTION;
    if is_rsa {
        let der = spki.to_der().map_err(|_| unsupported())?;
        let info = key_info(&der).map_err(|_| unsupported())?;
        if !policy.accepts_rsa_bits(info.bits) {
            return Err(RecipientProblem::WeakKey {
                bits: info.bits,
                minimum: policy.min_rsa_bits,
            });
        }
    } else if spki.algorithm.oid == oids::EC_PUBLIC_KEY {
        let der = spki.to_der().map_err(|_| unsupported())?;
        let info = key_info(&der).map_err(|_| unsupported())?;
        if !matches!(info.algorithm, KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384) {
            return Err(unsupported());
        }
    } else if spki.algorithm.oid == oids::X25519 {
        // RFC 8410: parameters absent, a 32-byte key.
        let der = spki.to_der().map_err(|_| unsupported())?;
        let info = key_info(&der).map_err(|_| unsupported())?;
        if info.algorithm != KeyAlgorithm::X25519 {
            return Err(unsupported());
        }
    } else {
        return Err(unsupported());
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(None) => Ok(()),
        Ok(Some((_, ku))) => {
            if is_rsa && !ku.key_encipherment() {
                Err(RecipientProblem::KeyUsage {
                    detail: "does not allow key encipherment",
                })
            } else if !is_rsa && !ku.key_agreement() {
                Err(RecipientProblem::KeyUsage {
                    detail: "does not allow key agreement",
                })
            } else {
                Ok(())
            }
        }
        Err(_) => Err(RecipientProblem::KeyUsage {
            detail: "extension is malformed",
        }),
    }
}
