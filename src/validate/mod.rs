//! Certificate path validation for S/MIME, and the per-certificate checks a mail client needs.
//!
//! [`validate_chain`] builds the candidate paths from an end-entity certificate to the
//! supplied trust anchors and validates them by RFC 5280 section 6 with `certval` (basic
//! constraints and path length, key usage of CA certificates, name chaining by RFC 5280
//! section 7.1 comparison, name constraints (also on the subject emailAddress), certificate
//! policies, critical extensions, validity). Signatures are checked by
//! [`crate::crypto::verify`] under the [`crate::policy::Policy`]'s algorithms and RSA minimum. The end
//! entity's extended key usage, if present, must allow e-mail protection. The revocation of
//! every certificate of the path is then judged from the supplied CRLs ([`revocation`]).
//!
//! [`check_validity`], [`check_signing_key_usage`], [`check_email_eku`],
//! [`certificate_addresses`] and [`address_matches`] examine a single parsed certificate;
//! [`revocation_urls`] lists where its CRLs, OCSP responder and issuer certificates are.

use std::fmt;
use std::time::SystemTime;

mod algs;
mod checks;
mod path;
mod recipient;
pub mod revocation;
mod urls;

pub use checks::{
    EkuFailure, KeyUsageFailure, ValidityFailure, address_matches, certificate_addresses,
    check_email_eku, check_signing_key_usage, check_validity,
};
pub use path::validate_chain;
pub use recipient::{RecipientProblem, check_recipient_certificate};
pub use urls::{RevocationUrls, revocation_urls};

/// What to validate: DER certificates and CRLs, and the time of validation.
#[derive(Debug, Clone)]
pub struct ChainInput<'a> {
    /// The end-entity certificate (DER).
    pub end_entity: &'a [u8],
    /// Candidate intermediate certificates (DER), in any order; unparsable ones are ignored.
    pub intermediates: &'a [Vec<u8>],
    /// Trusted root certificates (DER); unparsable ones are ignored unless none parses.
    pub trust_anchors: &'a [Vec<u8>],
    /// Certificate revocation lists (DER); unparsable ones are ignored.
    pub crls: &'a [Vec<u8>],
    /// The time at which the path must be valid.
    pub time: SystemTime,
}

/// Why no valid path was found. Where a certificate of the path is at fault, `subject` is its
/// subject name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainFailure {
    /// No trust anchors were supplied.
    NoTrustAnchors,
    /// No path leads from the certificate to a trusted root.
    UnknownIssuer,
    /// The certificate is itself a trust anchor (pinned), but the policy does not let a pinned
    /// certificate count as a path (see [`crate::policy::DangerousPolicy::pinned_certificate_is_path`]).
    PinnedCertificate,
    /// A certificate of the path has expired.
    Expired {
        /// The expired certificate's subject.
        subject: String,
    },
    /// A certificate of the path is not valid yet.
    NotYetValid {
        /// The certificate's subject.
        subject: String,
    },
    /// A signature in the path does not verify.
    BadSignature {
        /// The subject of the certificate whose signature does not verify.
        subject: String,
    },
    /// A certificate of the path is signed with an algorithm this library does not support.
    UnsupportedSignatureAlgorithm {
        /// The subject of the certificate so signed.
        subject: String,
        /// What is unsupported.
        detail: String,
    },
    /// A certificate of the path is signed with an algorithm, digest or key size the policy
    /// does not accept (SHA-1, an RSA key below the minimum, RSASSA-PSS when refused).
    WeakAlgorithm {
        /// The subject of the certificate so signed.
        subject: String,
        /// What the policy refused.
        detail: String,
    },
    /// An issuing certificate is not a certification authority (no basicConstraints with cA
    /// TRUE).
    NotCa {
        /// The issuing certificate's subject.
        subject: String,
    },
    /// The path is longer than a pathLenConstraint (or the library's limit) allows.
    PathTooLong {
        /// The subject of the first certificate beyond the allowed length.
        subject: String,
    },
    /// An issuing CA certificate's key usage does not allow it to sign certificates.
    CaKeyUsage {
        /// The issuing certificate's subject.
        subject: String,
    },
    /// A certificate's issuer name does not match the subject of the certificate above it.
    NameChaining {
        /// The subject of the certificate whose issuer does not match.
        subject: String,
    },
    /// A name in a certificate is outside the names an issuing CA may certify.
    NameConstraints {
        /// The subject of the certificate with the offending name.
        subject: String,
    },
    /// No certificate policy acceptable to the reader is valid for the path.
    NoAcceptablePolicy,
    /// A policy mapping maps to or from anyPolicy.
    InvalidPolicyMapping {
        /// The subject of the certificate with the mapping.
        subject: String,
    },
    /// A certificate carries a critical extension that path validation does not process.
    UnprocessedCriticalExtension {
        /// The certificate's subject.
        subject: String,
    },
    /// A certificate of the path is revoked.
    Revoked {
        /// The revoked certificate's subject.
        subject: String,
        /// The reason the CRL gives, if any.
        reason: Option<revocation::RevocationReason>,
    },
    /// The revocation status of a certificate of the path is unknown, and the policy requires
    /// it ([`crate::policy::RevocationMode::HardFail`]).
    RevocationUnknown {
        /// The certificate's subject.
        subject: String,
        /// Why its status is unknown.
        reason: revocation::UnknownReason,
    },
    /// The certificate's extended key usage does not allow e-mail protection.
    EkuNotAllowed,
    /// A certificate or CRL is malformed.
    Malformed {
        /// What was malformed, for a person.
        detail: String,
    },
    /// Any other reason.
    Other {
        /// What went wrong, for a person.
        detail: String,
    },
}

impl fmt::Display for ChainFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainFailure::NoTrustAnchors => {
                write!(f, "no trusted root certificates were supplied")
            }
            ChainFailure::UnknownIssuer => write!(
                f,
                "the certificate was not issued by a trusted authority (no chain to a trusted root)"
            ),
            ChainFailure::PinnedCertificate => write!(
                f,
                "the certificate is itself a trusted certificate, but a pinned certificate does \
                 not count as a chain unless that is explicitly allowed"
            ),
            ChainFailure::Expired { subject } => {
                write!(f, "the certificate of {subject} in the chain has expired")
            }
            ChainFailure::NotYetValid { subject } => {
                write!(
                    f,
                    "the certificate of {subject} in the chain is not valid yet"
                )
            }
            ChainFailure::BadSignature { subject } => write!(
                f,
                "the signature on the certificate of {subject} does not verify with its issuer's key"
            ),
            ChainFailure::UnsupportedSignatureAlgorithm { subject, detail } => write!(
                f,
                "the certificate of {subject} is signed with an unsupported algorithm ({detail})"
            ),
            ChainFailure::WeakAlgorithm { subject, detail } => write!(
                f,
                "the certificate of {subject} is signed with a weak algorithm or key: {detail}"
            ),
            ChainFailure::NotCa { subject } => write!(
                f,
                "the issuing certificate {subject} is not a certification authority \
                 (its basic constraints do not say cA)"
            ),
            ChainFailure::PathTooLong { subject } => write!(
                f,
                "the chain is longer than an issuing CA allows (path length constraint exceeded \
                 at {subject})"
            ),
            ChainFailure::CaKeyUsage { subject } => write!(
                f,
                "the issuing CA certificate {subject} may not sign certificates \
                 (its key usage lacks keyCertSign)"
            ),
            ChainFailure::NameChaining { subject } => write!(
                f,
                "the issuer name of the certificate of {subject} does not match the certificate \
                 above it"
            ),
            ChainFailure::NameConstraints { subject } => write!(
                f,
                "a name in the certificate of {subject} is outside the issuing CA's permitted \
                 names (name constraints)"
            ),
            ChainFailure::NoAcceptablePolicy => write!(
                f,
                "no certificate policy acceptable to the reader is valid for the path"
            ),
            ChainFailure::InvalidPolicyMapping { subject } => write!(
                f,
                "the certificate of {subject} maps a certificate policy to or from anyPolicy"
            ),
            ChainFailure::UnprocessedCriticalExtension { subject } => write!(
                f,
                "the certificate of {subject} has a critical extension that cannot be processed"
            ),
            ChainFailure::Revoked { subject, reason } => {
                write!(
                    f,
                    "the certificate of {subject} in the chain has been revoked"
                )?;
                match reason {
                    Some(r) => write!(f, " (reason: {r:?})"),
                    None => Ok(()),
                }
            }
            ChainFailure::RevocationUnknown { subject, reason } => write!(
                f,
                "the revocation status of the certificate of {subject} is unknown ({reason}), \
                 and a known status is required"
            ),
            ChainFailure::EkuNotAllowed => write!(
                f,
                "the certificate is not allowed to be used for e-mail protection (extended key usage)"
            ),
            ChainFailure::Malformed { detail } => {
                write!(f, "a certificate or CRL is malformed: {detail}")
            }
            ChainFailure::Other { detail } => {
                write!(f, "the certificate chain is not valid: {detail}")
            }
        }
    }
}

impl std::error::Error for ChainFailure {}

impl ChainFailure {
    /// The stable numeric code of this failure (950–999).
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            ChainFailure::NoTrustAnchors => SMIME_CHAIN_NO_TRUST_ANCHORS,
            ChainFailure::UnknownIssuer => SMIME_CHAIN_UNKNOWN_ISSUER,
            ChainFailure::PinnedCertificate => SMIME_CHAIN_PINNED_CERTIFICATE,
            ChainFailure::Expired { .. } => SMIME_CHAIN_EXPIRED,
            ChainFailure::NotYetValid { .. } => SMIME_CHAIN_NOT_YET_VALID,
            ChainFailure::BadSignature { .. } => SMIME_CHAIN_BAD_SIGNATURE,
            ChainFailure::UnsupportedSignatureAlgorithm { .. } => {
                SMIME_CHAIN_UNSUPPORTED_SIGNATURE_ALGORITHM
            }
            ChainFailure::WeakAlgorithm { .. } => SMIME_CHAIN_WEAK_ALGORITHM,
            ChainFailure::NotCa { .. } => SMIME_CHAIN_NOT_CA,
            ChainFailure::PathTooLong { .. } => SMIME_CHAIN_PATH_TOO_LONG,
            ChainFailure::CaKeyUsage { .. } => SMIME_CHAIN_CA_KEY_USAGE,
            ChainFailure::NameChaining { .. } => SMIME_CHAIN_NAME_CHAINING,
            ChainFailure::NameConstraints { .. } => SMIME_CHAIN_NAME_CONSTRAINTS,
            ChainFailure::NoAcceptablePolicy => SMIME_CHAIN_NO_ACCEPTABLE_POLICY,
            ChainFailure::InvalidPolicyMapping { .. } => SMIME_CHAIN_INVALID_POLICY_MAPPING,
            ChainFailure::UnprocessedCriticalExtension { .. } => {
                SMIME_CHAIN_UNPROCESSED_CRITICAL_EXTENSION
            }
            ChainFailure::Revoked { .. } => SMIME_CHAIN_REVOKED,
            ChainFailure::RevocationUnknown { .. } => SMIME_CHAIN_REVOCATION_UNKNOWN,
            ChainFailure::EkuNotAllowed => SMIME_CHAIN_EKU_NOT_ALLOWED,
            ChainFailure::Malformed { .. } => SMIME_CHAIN_MALFORMED,
            ChainFailure::Other { .. } => SMIME_CHAIN_OTHER,
        }
    }
}

/// The revocation status of a validated path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationStatus {
    /// Not checked: revocation checking is off ([`crate::policy::RevocationMode::Off`]), or no
    /// path was found for a reason other than revocation.
    NotChecked,
    /// Every non-anchor certificate of the path is covered by a usable CRL, none revoked.
    Good,
    /// A certificate of the path is revoked.
    Revoked,
    /// For some certificate of the path no usable CRL says either way (none supplied for its
    /// issuer, stale, bad signature, out of scope, an unprocessable critical extension): see
    /// [`revocation::PathRevocation`] for each certificate and why.
    Unknown,
}

/// The result of [`validate_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainOutcome {
    /// The verified path (end entity, intermediates…, trust anchor; DER), or why none was found.
    pub result: Result<Vec<Vec<u8>>, ChainFailure>,
    /// The revocation outcome of each certificate of the path (empty when no path was found).
    pub revocation: revocation::PathRevocation,
}

impl ChainOutcome {
    /// The revocation outcome of the whole path.
    pub fn revocation_status(&self) -> RevocationStatus {
        self.revocation.summary()
    }
}
