//! Certificate path validation for S/MIME, and the per-certificate checks a mail client needs.
//!
//! [`validate_chain`] builds and verifies a path from an end-entity certificate to one of the
//! supplied trust anchors with webpki (the signature checks run on [`crate::crypto::verify`]),
//! requiring id-kp-emailProtection when the end entity has an extended key usage extension, and
//! checks revocation against the supplied CRLs.
//!
//! [`check_validity`], [`check_signing_key_usage`], [`check_email_eku`],
//! [`certificate_addresses`] and [`address_matches`] examine a single parsed certificate;
//! [`revocation_urls`] lists where its CRLs, OCSP responder and issuer certificates are.

use std::fmt;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, KeyUsage,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use crate::crypto::oids;

mod algs;
mod checks;
pub mod revocation;
mod urls;

pub use checks::{
    EkuFailure, KeyUsageFailure, ValidityFailure, address_matches, certificate_addresses,
    check_email_eku, check_signing_key_usage, check_validity,
};
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

/// Why no valid path was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainFailure {
    /// No trust anchors were supplied.
    NoTrustAnchors,
    /// No path leads from the certificate to a trusted root.
    UnknownIssuer,
    /// A certificate of the path has expired.
    Expired,
    /// A certificate of the path is not valid yet.
    NotYetValid,
    /// A signature in the path does not verify.
    BadSignature,
    /// A certificate is signed with an algorithm this library does not support.
    UnsupportedSignatureAlgorithm,
    /// An issuing certificate is not a certification authority.
    NotCa,
    /// The path is longer than allowed.
    PathTooLong,
    /// A certificate of the path is revoked.
    Revoked,
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
            ChainFailure::Expired => write!(f, "a certificate in the chain has expired"),
            ChainFailure::NotYetValid => write!(f, "a certificate in the chain is not valid yet"),
            ChainFailure::BadSignature => {
                write!(f, "a signature in the certificate chain is invalid")
            }
            ChainFailure::UnsupportedSignatureAlgorithm => write!(
                f,
                "a certificate in the chain is signed with an unsupported algorithm"
            ),
            ChainFailure::NotCa => write!(
                f,
                "a certificate in the chain issued another one without being a certification authority"
            ),
            ChainFailure::PathTooLong => write!(f, "the certificate chain is too long"),
            ChainFailure::Revoked => write!(f, "a certificate in the chain has been revoked"),
            ChainFailure::EkuNotAllowed => write!(
                f,
                "the certificate is not allowed to be used for e-mail protection"
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

/// The revocation status of a validated path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationStatus {
    /// Not checked: no CRLs were supplied, or no path was found for a reason other than
    /// revocation.
    NotChecked,
    /// Every non-anchor certificate of the path is covered by a supplied CRL, none revoked.
    Good,
    /// A certificate of the path is revoked.
    Revoked,
    /// CRLs were supplied, but for some certificate of the path none is from its issuer.
    NoCrlAvailable,
}

/// The result of [`validate_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainOutcome {
    /// The verified path (end entity, intermediates…, trust anchor; DER), or why none was found.
    pub result: Result<Vec<Vec<u8>>, ChainFailure>,
    /// What the supplied CRLs say about the path.
    pub revocation: RevocationStatus,
}

/// id-kp-emailProtection, for webpki's borrowed key-purpose identifier.
static EMAIL_PROTECTION: ObjectIdentifier = oids::KP_EMAIL_PROTECTION;

/// Builds and verifies a path from `input.end_entity` to one of `input.trust_anchors` at
/// `input.time`.
///
/// The end entity's extended key usage, if present, must include id-kp-emailProtection. When
/// CRLs are supplied, every certificate of the path is checked against those from its issuer
/// (a certificate no CRL covers is not an error, but the outcome's revocation status is then
/// [`RevocationStatus::NoCrlAvailable`]).
pub fn validate_chain(input: &ChainInput<'_>) -> ChainOutcome {
    let fail = |failure: ChainFailure| ChainOutcome {
        result: Err(failure),
        revocation: RevocationStatus::NotChecked,
    };

    if input.trust_anchors.is_empty() {
        return fail(ChainFailure::NoTrustAnchors);
    }
    let anchor_ders: Vec<CertificateDer<'_>> = input
        .trust_anchors
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let mut anchors: Vec<TrustAnchor<'_>> = Vec::with_capacity(anchor_ders.len());
    let mut anchor_source: Vec<usize> = Vec::with_capacity(anchor_ders.len());
    let mut anchor_error = None;
    for (i, der) in anchor_ders.iter().enumerate() {
        match webpki::anchor_from_trusted_cert(der) {
            Ok(anchor) => {
                anchors.push(anchor);
                anchor_source.push(i);
            }
            Err(e) => anchor_error = Some(e),
        }
    }
    if anchors.is_empty() {
        let detail = match anchor_error {
            Some(e) => format!("no trust anchor could be parsed ({e})"),
            None => "no trust anchor could be parsed".to_string(),
        };
        return fail(ChainFailure::Malformed { detail });
    }

    let ee_der = CertificateDer::from(input.end_entity);
    let ee = match EndEntityCert::try_from(&ee_der) {
        Ok(ee) => ee,
        Err(e) => {
            return fail(ChainFailure::Malformed {
                detail: format!("the end-entity certificate: {e}"),
            });
        }
    };

    // Unparsable intermediates cannot be part of any path.
    let intermediates: Vec<CertificateDer<'_>> = input
        .intermediates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .filter(|d| EndEntityCert::try_from(d).is_ok())
        .collect();

    let crls: Vec<CertRevocationList<'_>> = input
        .crls
        .iter()
        .filter_map(|d| BorrowedCertRevocationList::from_der(d).ok())
        .map(CertRevocationList::from)
        .collect();
    let crl_refs: Vec<&CertRevocationList<'_>> = crls.iter().collect();
    let revocation_options = RevocationOptionsBuilder::new(&crl_refs)
        .ok()
        .map(|b| b.with_status_policy(UnknownStatusPolicy::Allow).build());

    let Ok(since_epoch) = input.time.duration_since(SystemTime::UNIX_EPOCH) else {
        return fail(ChainFailure::Other {
            detail: "the validation time is before 1970".to_string(),
        });
    };

    let verified = ee.verify_for_usage(
        algs::ALL,
        &anchors,
        &intermediates,
        UnixTime::since_unix_epoch(since_epoch),
        KeyUsage::required_if_present(EMAIL_PROTECTION.as_bytes()),
        revocation_options,
        None,
    );
    let path = match verified {
        Ok(path) => path,
        Err(webpki::Error::CertRevoked) => {
            return ChainOutcome {
                result: Err(ChainFailure::Revoked),
                revocation: RevocationStatus::Revoked,
            };
        }
        Err(e) => return fail(map_error(&e)),
    };

    let mut out = vec![input.end_entity.to_vec()];
    let mut issuers: Vec<&[u8]> = vec![ee.issuer()];
    for cert in path.intermediate_certificates() {
        out.push(cert.der().to_vec());
        issuers.push(cert.issuer());
    }
    let anchor_index = anchors
        .iter()
        .position(|a| std::ptr::eq(a, path.anchor()))
        .and_then(|i| anchor_source.get(i).copied());
    match anchor_index.and_then(|i| input.trust_anchors.get(i)) {
        Some(der) => out.push(der.clone()),
        None => {
            return fail(ChainFailure::Other {
                detail: "the trust anchor of the path could not be identified".to_string(),
            });
        }
    }

    let revocation = if input.crls.is_empty() {
        RevocationStatus::NotChecked
    } else if issuers
        .iter()
        .all(|issuer| crls.iter().any(|crl| crl.issuer() == *issuer))
    {
        RevocationStatus::Good
    } else {
        RevocationStatus::NoCrlAvailable
    };
    ChainOutcome {
        result: Ok(out),
        revocation,
    }
}

// The deprecated unit variants are still matched in case an older code path yields them.
#[allow(deprecated)]
fn map_error(e: &webpki::Error) -> ChainFailure {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => ChainFailure::UnknownIssuer,
        E::CertExpired { .. } => ChainFailure::Expired,
        E::CertNotValidYet { .. } => ChainFailure::NotYetValid,
        E::InvalidSignatureForPublicKey => ChainFailure::BadSignature,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            ChainFailure::UnsupportedSignatureAlgorithm
        }
        E::EndEntityUsedAsCa => ChainFailure::NotCa,
        E::MaximumPathDepthExceeded | E::PathLenConstraintViolated => ChainFailure::PathTooLong,
        E::CertRevoked => ChainFailure::Revoked,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => ChainFailure::EkuNotAllowed,
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::InvalidSerialNumber
        | E::InvalidCertValidity
        | E::EmptyEkuExtension
        | E::UnsupportedCertVersion => ChainFailure::Malformed {
            detail: e.to_string(),
        },
        other => ChainFailure::Other {
            detail: other.to_string(),
        },
    }
}
