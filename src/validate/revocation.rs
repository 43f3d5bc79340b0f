//! Revocation of a certification path from CRLs (RFC 5280 section 6.3).
//!
//! [`check_path`] gives each certificate of a validated path (the trust anchor excepted) an
//! outcome: [`CertificateRevocation::Good`], [`CertificateRevocation::Revoked`] with the reason
//! and date, or [`CertificateRevocation::Unknown`] saying why no usable CRL covered it.
//!
//! What is processed, per certificate:
//!
//! - the distribution points of its cRLDistributionPoints extension (or, without one, a
//!   distribution point naming its issuer), each with its reasons and cRLIssuer;
//! - complete CRLs whose issuer is the certificate's issuer, or, for an indirect CRL (an
//!   issuingDistributionPoint with indirectCRL), the cRLIssuer the distribution point names;
//!   entries after a certificateIssuer entry extension belong to that issuer;
//! - the scope of a CRL's issuingDistributionPoint: the distribution point names,
//!   onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts and
//!   onlySomeReasons (the certificate is Good only when the CRLs used together cover every
//!   reason);
//! - delta CRLs (deltaCRLIndicator) from the same issuer with the same scope, combined with a
//!   complete CRL whose cRLNumber is at least the delta's base CRL number and below the delta's
//!   own, signed with the key that signed that complete CRL; a removeFromCRL entry in a delta takes the certificate off the complete CRL. A delta
//!   CRL on its own never decides a status. Deltas are used whenever they are supplied, whether
//!   or not a freshestCRL extension points at them; when the certificate or the complete CRL
//!   has freshestCRL, a complete CRL past its nextUpdate still serves with a current delta
//!   (RFC 5280 section 6.3.3 (a)(1)(i));
//! - the CRL's signature, verified with [`crate::crypto::verify`] under the [`Policy`]
//!   (digests, the smallest RSA key, RSASSA-PSS), with the key of a certificate whose subject
//!   is the CRL's issuer and whose keyUsage, when present, has cRLSign: the issuer in the path,
//!   another certificate of the path, or one of `other_certificates` that a certificate of the
//!   path issued (a separate CRL-signing key, a CA's new key after a key rollover, an indirect
//!   CRL issuer) or that the caller vouches for (see [`check_path_with`]). A signer outside the
//!   path that a certificate of the path issued has its own status checked against the same
//!   CRLs: revoked, it signs nothing; unknown, it is accepted only outside
//!   [`RevocationMode::HardFail`];
//! - thisUpdate and nextUpdate against the time: a CRL is not used before its thisUpdate nor
//!   after its nextUpdate. Of several usable CRLs the newest (latest thisUpdate) is used;
//! - critical extensions: a CRL with a critical CRL or entry extension other than those named
//!   here is not used at all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::crl::{CrlDistributionPoints, CrlReason, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, GeneralNames};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::time::Time;

use crate::crypto::verify::{KeyAlgorithm, key_info, verify_signature};
use crate::crypto::{DigestAlgorithm, oids};
use crate::policy::{Policy, RevocationMode};

use super::RevocationStatus;
use super::check_validity;

/// The CRLReason of a revoked certificate (RFC 5280 section 5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationReason {
    /// unspecified (0)
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
    /// privilegeWithdrawn (9)
    PrivilegeWithdrawn,
    /// aACompromise (10)
    AaCompromise,
}

/// Why the revocation status of a certificate is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownReason {
    /// No CRL from the certificate's issuer (or from a CRL issuer it names) was supplied.
    NoCrl,
    /// The only CRLs at hand are past their nextUpdate.
    Stale,
    /// The only CRLs at hand have a thisUpdate after the time of validation.
    NotYetValid,
    /// A CRL for the issuer was supplied but its signature does not verify with the issuer's
    /// key (or with any key of the issuer).
    BadSignature,
    /// A CRL is signed with an algorithm or key the policy does not accept (a digest not
    /// accepted, an RSA key below the minimum, RSASSA-PSS when refused, an unknown algorithm).
    UnacceptableAlgorithm {
        /// What was refused, for a person.
        detail: String,
    },
    /// The CRL's signer is known but not allowed to sign CRLs: its keyUsage lacks cRLSign.
    SignerNotAuthorized,
    /// The certificate that signed the CRL (one outside the path) is itself revoked.
    SignerRevoked,
    /// The revocation status of the certificate that signed the CRL (one outside the path) is
    /// unknown, and the mode is [`RevocationMode::HardFail`].
    SignerStatusUnknown,
    /// No certificate with the CRL issuer's name (and a trusted path) is known to check the
    /// CRL's signature with.
    NoSignerCertificate,
    /// The CRLs at hand do not cover this certificate (issuingDistributionPoint scope,
    /// distribution point names, or reasons).
    OutOfScope,
    /// The only CRLs at hand are delta CRLs, without a complete CRL they can be combined with.
    DeltaWithoutBase,
    /// A CRL or CRL entry carries a critical extension this library does not process.
    UnsupportedCriticalExtension {
        /// The extension's object identifier.
        oid: String,
    },
    /// A CRL is malformed.
    Malformed {
        /// What was malformed, for a person.
        detail: String,
    },
}

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownReason::NoCrl => write!(f, "no CRL from its issuer is available"),
            UnknownReason::Stale => write!(f, "the CRL is out of date (past its next update)"),
            UnknownReason::NotYetValid => {
                write!(
                    f,
                    "the CRL is not valid yet (its this-update is in the future)"
                )
            }
            UnknownReason::BadSignature => {
                write!(
                    f,
                    "the CRL's signature does not verify with the issuer's key"
                )
            }
            UnknownReason::UnacceptableAlgorithm { detail } => {
                write!(f, "the CRL's signature is not acceptable: {detail}")
            }
            UnknownReason::SignerNotAuthorized => write!(
                f,
                "the CRL's signer is not allowed to sign CRLs (its key usage lacks cRLSign)"
            ),
            UnknownReason::SignerRevoked => {
                write!(f, "the certificate that signed the CRL has been revoked")
            }
            UnknownReason::SignerStatusUnknown => write!(
                f,
                "the revocation status of the certificate that signed the CRL is unknown"
            ),
            UnknownReason::NoSignerCertificate => write!(
                f,
                "no trusted certificate of the CRL's issuer is known to check its signature"
            ),
            UnknownReason::OutOfScope => {
                write!(f, "the CRLs available do not cover this certificate")
            }
            UnknownReason::DeltaWithoutBase => write!(
                f,
                "only a delta CRL is available, without the complete CRL it updates"
            ),
            UnknownReason::UnsupportedCriticalExtension { oid } => write!(
                f,
                "the CRL has a critical extension that cannot be processed ({oid})"
            ),
            UnknownReason::Malformed { detail } => write!(f, "the CRL is malformed: {detail}"),
        }
    }
}

/// The revocation outcome of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateRevocation {
    /// Revocation was not checked ([`RevocationMode::Off`]).
    NotChecked,
    /// A usable CRL covers the certificate and does not list it.
    Good,
    /// A usable CRL lists the certificate.
    Revoked {
        /// The reason given, if any.
        reason: Option<RevocationReason>,
        /// When it was revoked.
        date: SystemTime,
    },
    /// No usable CRL says either way.
    Unknown(UnknownReason),
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key compromise",
            RevocationReason::CaCompromise => "CA compromise",
            RevocationReason::AffiliationChanged => "affiliation changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation of operation",
            RevocationReason::CertificateHold => "certificate hold",
            RevocationReason::PrivilegeWithdrawn => "privilege withdrawn",
            RevocationReason::AaCompromise => "AA compromise",
        })
    }
}

impl fmt::Display for CertificateRevocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateRevocation::NotChecked => f.write_str("not checked"),
            CertificateRevocation::Good => f.write_str("not revoked"),
            CertificateRevocation::Revoked { reason, date } => {
                let secs = date
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let when = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
                    .map(|d| d.to_string())
                    .unwrap_or_else(|_| format!("{secs} s after 1970"));
                match reason {
                    Some(r) => write!(f, "REVOKED on {when} ({r})"),
                    None => write!(f, "REVOKED on {when}"),
                }
            }
            CertificateRevocation::Unknown(why) => write!(f, "unknown: {why}"),
        }
    }
}

/// The revocation outcome of each certificate of a path, end entity first, trust anchor
/// excluded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathRevocation {
    /// One outcome per certificate, in path order (end entity first).
    pub certificates: Vec<CertificateRevocation>,
    /// The subject of each of those certificates, in the same order, for a person.
    pub subjects: Vec<String>,
}

impl PathRevocation {
    /// The outcome of the whole path: revoked if any certificate is, unknown if any is
    /// unknown, good if all are good.
    pub fn summary(&self) -> RevocationStatus {
        if self.certificates.is_empty()
            || self
                .certificates
                .iter()
                .all(|c| *c == CertificateRevocation::NotChecked)
        {
            return RevocationStatus::NotChecked;
        }
        if self
            .certificates
            .iter()
            .any(|c| matches!(c, CertificateRevocation::Revoked { .. }))
        {
            return RevocationStatus::Revoked;
        }
        if self
            .certificates
            .iter()
            .all(|c| *c == CertificateRevocation::Good)
        {
            return RevocationStatus::Good;
        }
        RevocationStatus::Unknown
    }

    /// Whether the path passes under `mode`: with [`RevocationMode::Off`] always; with
    /// [`RevocationMode::SoftFail`] unless a certificate is revoked; with
    /// [`RevocationMode::HardFail`] only when every certificate is [`CertificateRevocation::Good`]
    /// (a path of the trust anchor alone passes).
    pub fn passes(&self, mode: RevocationMode) -> bool {
        match mode {
            RevocationMode::Off => true,
            RevocationMode::SoftFail => self.summary() != RevocationStatus::Revoked,
            RevocationMode::HardFail => self
                .certificates
                .iter()
                .all(|c| *c == CertificateRevocation::Good),
        }
    }
}

/// Checks every certificate of `path` (end entity first, trust anchor last; the anchor itself
/// is not checked) against `crls` (DER) at `time`, under `policy`.
///
/// `other_certificates` are further certificates that may have signed a CRL: an indirect CRL
/// issuer named in a distribution point's cRLIssuer, a CA's separate CRL-signing key, or a
/// CA's other key after a key rollover. One of them is trusted as a CRL signer when it is
/// valid at `time`, was issued (signature verified) by a certificate of the path at or
/// above the issuer of the certificate being checked, and is not revoked by the same CRLs (nor
/// of unknown status under [`RevocationMode::HardFail`]). [`check_path_with`] lets the caller
/// vouch for others.
///
/// Unparsable CRLs are not used; a certificate none of the CRLs covers is
/// [`CertificateRevocation::Unknown`], with the reason from the CRL that came closest to
/// being usable. With [`RevocationMode::Off`] every certificate is
/// [`CertificateRevocation::NotChecked`].
pub fn check_path(
    path: &[Certificate],
    crls: &[Vec<u8>],
    other_certificates: &[Certificate],
    time: SystemTime,
    policy: &Policy,
) -> PathRevocation {
    check_path_with(path, crls, other_certificates, time, policy, &|_| false)
}

/// [`check_path`], with `vouched_crl_signer` deciding whether a certificate of
/// `other_certificates` that no certificate of the path issued may sign CRLs: return `true`
/// only for a certificate whose own path the caller has validated to the same trust anchor
/// (RFC 5280 section 6.3.3 (f)). It is asked only about certificates valid at the time whose
/// subject is the issuer of a CRL at hand; keyUsage cRLSign is still required of them.
pub fn check_path_with(
    path: &[Certificate],
    crls: &[Vec<u8>],
    other_certificates: &[Certificate],
    time: SystemTime,
    policy: &Policy,
    vouched_crl_signer: &dyn Fn(&Certificate) -> bool,
) -> PathRevocation {
    let n = path.len().saturating_sub(1);
    let subjects: Vec<String> = path
        .iter()
        .take(n)
        .map(|c| c.tbs_certificate().subject().to_string())
        .collect();
    if policy.revocation == RevocationMode::Off {
        return PathRevocation {
            certificates: vec![CertificateRevocation::NotChecked; n],
            subjects,
        };
    }
    let parsed: Vec<Result<Crl, UnknownReason>> = crls.iter().map(|der| Crl::parse(der)).collect();
    let ctx = Ctx::new(
        path,
        &parsed,
        other_certificates,
        time,
        policy,
        vouched_crl_signer,
    );
    PathRevocation {
        certificates: (0..n).map(|i| ctx.check(i)).collect(),
        subjects,
    }
}

/// Extension identifiers this module processes.
mod ext_oid {
    use const_oid::ObjectIdentifier as Oid;
    pub const AUTHORITY_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.35");
    pub const ISSUER_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.18");
    pub const CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
    pub const REASON_CODE: Oid = Oid::new_unwrap("2.5.29.21");
    pub const HOLD_INSTRUCTION_CODE: Oid = Oid::new_unwrap("2.5.29.23");
    pub const INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");
    pub const DELTA_CRL_INDICATOR: Oid = Oid::new_unwrap("2.5.29.27");
    pub const ISSUING_DISTRIBUTION_POINT: Oid = Oid::new_unwrap("2.5.29.28");
    pub const CERTIFICATE_ISSUER: Oid = Oid::new_unwrap("2.5.29.29");
    pub const FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
    pub const EXPIRED_CERTS_ON_CRL: Oid = Oid::new_unwrap("2.5.29.60");
    pub const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
}

/// Every reason of ReasonFlags (bits 1 to 8; bit 0 is "unused").
const ALL_REASONS: u16 = 0x1fe;

/// A signed structure with its to-be-signed part kept as it was encoded.
#[derive(Sequence)]
struct RawSigned<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitStringRef<'a>,
}

/// TBSCertList with its version optional, as RFC 5280 has it (v1 CRLs omit it).
#[derive(Sequence)]
struct TbsCrl {
    version: Option<Version>,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Option<Time>,
    revoked_certificates: Option<Vec<RevokedCert>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl_extensions: Option<Extensions>,
}

/// One revoked-certificate entry.
#[derive(Debug)]
struct Entry {
    serial: Vec<u8>,
    /// The certificateIssuer in force (index into `Crl::entry_issuers`); `None`: the CRL issuer.
    issuer: Option<usize>,
    date: SystemTime,
    reason: Option<CrlReason>,
}

/// A decoded CRL, with what makes it unusable if anything does.
#[derive(Debug)]
struct Crl {
    tbs_der: Vec<u8>,
    sig_alg: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    issuer: Name,
    this_update: SystemTime,
    next_update: Option<SystemTime>,
    number: Option<Vec<u8>>,
    /// The deltaCRLIndicator: present on delta CRLs only.
    base_number: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    idp_der: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    /// Whether the CRL has a freshestCRL extension (delta CRLs are issued for it).
    freshest: bool,
    entries: Vec<Entry>,
    entry_issuers: Vec<GeneralNames>,
    /// Why the CRL cannot be used (malformed or unsupported critical extension), if so.
    problem: Option<UnknownReason>,
}

fn malformed(detail: impl fmt::Display) -> UnknownReason {
    UnknownReason::Malformed {
        detail: detail.to_string(),
    }
}

fn unacceptable(detail: impl fmt::Display) -> UnknownReason {
    UnknownReason::UnacceptableAlgorithm {
        detail: detail.to_string(),
    }
}

/// A big-endian unsigned integer without leading zeros.
fn uint_bytes(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default().to_vec()
}

fn cmp_uint(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Crl {
    fn parse(der: &[u8]) -> Result<Crl, UnknownReason> {
        let raw = RawSigned::from_der(der).map_err(malformed)?;
        let tbs_der = raw.tbs.to_der().map_err(malformed)?;
        let tbs = TbsCrl::from_der(&tbs_der).map_err(malformed)?;
        let signature = raw
            .signature
            .as_bytes()
            .ok_or_else(|| malformed("the signature bit string has unused bits"))?
            .to_vec();
        let mut crl = Crl {
            tbs_der: Vec::new(),
            sig_alg: raw.algorithm,
            signature,
            issuer: tbs.issuer.clone(),
            this_update: tbs.this_update.to_system_time(),
            next_update: tbs.next_update.map(|t| t.to_system_time()),
            number: None,
            base_number: None,
            idp: None,
            idp_der: None,
            aki: None,
            freshest: false,
            entries: Vec::new(),
            entry_issuers: Vec::new(),
            problem: None,
        };
        match tbs.version {
            None => {
                if tbs.crl_extensions.is_some()
                    || tbs
                        .revoked_certificates
                        .iter()
                        .flatten()
                        .any(|e| e.crl_entry_extensions.is_some())
                {
                    crl.flag(malformed("a version 1 CRL with extensions"));
                }
            }
            Some(Version::V2) => {}
            Some(v) => crl.flag(malformed(format!("CRL version {v:?}"))),
        }
        if tbs.signature != crl.sig_alg {
            crl.flag(malformed(
                "the signature algorithm inside and outside the signed part differ",
            ));
        }
        if let Some(exts) = &tbs.crl_extensions {
            crl.read_extensions(exts);
        }
        if let Some(revoked) = &tbs.revoked_certificates {
            crl.read_entries(revoked);
        }
        crl.tbs_der = tbs_der;
        Ok(crl)
    }

    fn flag(&mut self, reason: UnknownReason) {
        if self.problem.is_none() {
            self.problem = Some(reason);
        }
    }

    fn read_extensions(&mut self, exts: &Extensions) {
        let mut seen: Vec<ObjectIdentifier> = Vec::with_capacity(exts.len());
        for ext in exts {
            if seen.contains(&ext.extn_id) {
                self.flag(malformed(format!("extension {} repeated", ext.extn_id)));
                continue;
            }
            seen.push(ext.extn_id);
            let value = ext.extn_value.as_bytes();
            let id = ext.extn_id;
            if id == ext_oid::AUTHORITY_KEY_IDENTIFIER {
                match AuthorityKeyIdentifier::from_der(value) {
                    Ok(aki) => self.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec()),
                    Err(e) => self.flag(malformed(format!("authorityKeyIdentifier: {e}"))),
                }
            } else if id == ext_oid::CRL_NUMBER {
                match der::asn1::Uint::from_der(value) {
                    Ok(n) => self.number = Some(uint_bytes(n.as_bytes())),
                    Err(e) => self.flag(malformed(format!("cRLNumber: {e}"))),
                }
            } else if id == ext_oid::DELTA_CRL_INDICATOR {
                match der::asn1::Uint::from_der(value) {
                    Ok(n) => self.base_number = Some(uint_bytes(n.as_bytes())),
                    Err(e) => self.flag(malformed(format!("deltaCRLIndicator: {e}"))),
                }
            } else if id == ext_oid::ISSUING_DISTRIBUTION_POINT {
                match IssuingDistributionPoint::from_der(value) {
                    Ok(idp) => {
                        let only = [
                            idp.only_contains_user_certs,
                            idp.only_contains_ca_certs,
                            idp.only_contains_attribute_certs,
                        ];
                        if only.iter().filter(|b| **b).count() > 1 {
                            self.flag(malformed(
                                "issuingDistributionPoint sets more than one onlyContains field",
                            ));
                        }
                        self.idp = Some(idp);
                        self.idp_der = Some(value.to_vec());
                    }
                    Err(e) => self.flag(malformed(format!("issuingDistributionPoint: {e}"))),
                }
            } else if id == ext_oid::FRESHEST_CRL {
                self.freshest = true;
            } else if id == ext_oid::ISSUER_ALT_NAME
                || id == ext_oid::AUTHORITY_INFO_ACCESS
                || id == ext_oid::EXPIRED_CERTS_ON_CRL
            {
                // Known; nothing in them changes what the CRL says.
            } else if ext.critical {
                self.flag(UnknownReason::UnsupportedCriticalExtension {
                    oid: id.to_string(),
                });
            }
        }
    }

    fn read_entries(&mut self, revoked: &[RevokedCert]) {
        let indirect = self.idp.as_ref().is_some_and(|p| p.indirect_crl);
        let mut current: Option<usize> = None;
        for rc in revoked {
            let mut reason = None;
            if let Some(exts) = &rc.crl_entry_extensions {
                let mut seen: Vec<ObjectIdentifier> = Vec::with_capacity(exts.len());
                for ext in exts {
                    if seen.contains(&ext.extn_id) {
                        self.flag(malformed(format!(
                            "entry extension {} repeated",
                            ext.extn_id
                        )));
                        continue;
                    }
                    seen.push(ext.extn_id);
                    let value = ext.extn_value.as_bytes();
                    let id = ext.extn_id;
                    if id == ext_oid::REASON_CODE {
                        match CrlReason::from_der(value) {
                            Ok(r) => reason = Some(r),
                            Err(e) => self.flag(malformed(format!("reasonCode: {e}"))),
                        }
                    } else if id == ext_oid::CERTIFICATE_ISSUER {
                        if !indirect {
                            self.flag(malformed("certificateIssuer in a CRL that is not indirect"));
                        }
                        match GeneralNames::from_der(value) {
                            Ok(names) => {
                                self.entry_issuers.push(names);
                                current = Some(self.entry_issuers.len() - 1);
                            }
                            Err(e) => self.flag(malformed(format!("certificateIssuer: {e}"))),
                        }
                    } else if id == ext_oid::INVALIDITY_DATE || id == ext_oid::HOLD_INSTRUCTION_CODE
                    {
                        // Known; the revocation date is what is reported.
                    } else if ext.critical {
                        self.flag(UnknownReason::UnsupportedCriticalExtension {
                            oid: id.to_string(),
                        });
                    }
                }
            }
            if reason == Some(CrlReason::RemoveFromCRL) && self.base_number.is_none() {
                self.flag(malformed("removeFromCRL in a CRL that is not a delta CRL"));
            }
            self.entries.push(Entry {
                serial: rc.serial_number.as_bytes().to_vec(),
                issuer: current,
                date: rc.revocation_date.to_system_time(),
                reason,
            });
        }
    }

    /// The reasons this CRL covers (onlySomeReasons, or all).
    fn scope_reasons(&self) -> u16 {
        self.idp
            .as_ref()
            .and_then(|p| p.only_some_reasons)
            .map_or(ALL_REASONS, |r| r.bits() & ALL_REASONS)
    }

    /// The entry for the certificate `serial` of `cert_issuer`, if listed.
    fn lookup(&self, cert_issuer: &Name, serial: &[u8]) -> Option<&Entry> {
        let crl_issuer = names_equal(&self.issuer, cert_issuer);
        let entry_issuer: Vec<bool> = self
            .entry_issuers
            .iter()
            .map(|names| general_names_contain_dn(names, cert_issuer))
            .collect();
        self.entries.iter().find(|e| {
            e.serial == serial
                && match e.issuer {
                    None => crl_issuer,
                    Some(ix) => entry_issuer.get(ix).copied().unwrap_or(false),
                }
        })
    }
}

/// How close a CRL came to being usable for a certificate: the reason with the highest rank
/// is reported when none is usable.
#[derive(Default)]
struct Failure {
    best: Option<(u8, UnknownReason)>,
}

impl Failure {
    fn note(&mut self, rank: u8, reason: UnknownReason) {
        if self.best.as_ref().is_none_or(|(r, _)| rank > *r) {
            self.best = Some((rank, reason));
        }
    }
}

/// Ranks of [`Failure`].
const RANK_UNPARSABLE: u8 = 0;
const RANK_SCOPE: u8 = 1;
const RANK_PROBLEM: u8 = 2;
const RANK_SIGNATURE: u8 = 3;
const RANK_TIME: u8 = 4;

struct Ctx<'a> {
    path: &'a [Certificate],
    crls: &'a [Result<Crl, UnknownReason>],
    others: &'a [Certificate],
    time: SystemTime,
    policy: &'a Policy,
    vouched: &'a dyn Fn(&Certificate) -> bool,
    /// (CRL index, signer key: path index, or path length + other index) → verification.
    crl_sig_cache: RefCell<HashMap<(usize, usize), Result<(), UnknownReason>>>,
    /// Other certificate index → the highest path index whose certificate issued it.
    other_issuer_cache: RefCell<HashMap<usize, Option<usize>>>,
    /// Other certificate index → its own revocation outcome.
    other_status_cache: RefCell<HashMap<usize, CertificateRevocation>>,
}

/// How far a certificate of `other_certificates` is trusted to sign CRLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignerTrust {
    /// Not at all (expired, or no trusted issuer).
    No,
    /// Trusted.
    Yes,
    /// Issued by the path, but revoked.
    Revoked,
    /// Issued by the path, its own status unknown, and the mode is hard-fail.
    StatusUnknown,
}

fn revoked(entry: &Entry) -> CertificateRevocation {
    let reason = entry.reason.and_then(|r| match r {
        CrlReason::Unspecified => Some(RevocationReason::Unspecified),
        CrlReason::KeyCompromise => Some(RevocationReason::KeyCompromise),
        CrlReason::CaCompromise => Some(RevocationReason::CaCompromise),
        CrlReason::AffiliationChanged => Some(RevocationReason::AffiliationChanged),
        CrlReason::Superseded => Some(RevocationReason::Superseded),
        CrlReason::CessationOfOperation => Some(RevocationReason::CessationOfOperation),
        CrlReason::CertificateHold => Some(RevocationReason::CertificateHold),
        CrlReason::PrivilegeWithdrawn => Some(RevocationReason::PrivilegeWithdrawn),
        CrlReason::AaCompromise => Some(RevocationReason::AaCompromise),
        CrlReason::RemoveFromCRL => None,
    });
    CertificateRevocation::Revoked {
        reason,
        date: entry.date,
    }
}

impl<'a> Ctx<'a> {
    fn new(
        path: &'a [Certificate],
        crls: &'a [Result<Crl, UnknownReason>],
        others: &'a [Certificate],
        time: SystemTime,
        policy: &'a Policy,
        vouched: &'a dyn Fn(&Certificate) -> bool,
    ) -> Self {
        Ctx {
            path,
            crls,
            others,
            time,
            policy,
            vouched,
            crl_sig_cache: RefCell::new(HashMap::new()),
            other_issuer_cache: RefCell::new(HashMap::new()),
            other_status_cache: RefCell::new(HashMap::new()),
        }
    }

    /// RFC 5280 section 6.3.3 for the certificate at `i`, whose issuer is at `i + 1`.
    fn check(&self, i: usize) -> CertificateRevocation {
        let Some(cert) = self.path.get(i) else {
            return CertificateRevocation::Unknown(UnknownReason::NoCrl);
        };
        let tbs = cert.tbs_certificate();
        let dps: Vec<DistributionPoint> = match tbs.get_extension::<CrlDistributionPoints>() {
            Ok(Some((_, d))) if !d.0.is_empty() => d.0,
            Ok(_) => vec![DistributionPoint {
                distribution_point: None,
                reasons: None,
                crl_issuer: None,
            }],
            Err(e) => {
                return CertificateRevocation::Unknown(malformed(format!(
                    "the certificate's cRLDistributionPoints: {e}"
                )));
            }
        };
        let is_ca = matches!(
            tbs.get_extension::<BasicConstraints>(),
            Ok(Some((_, bc))) if bc.ca
        );
        let issuer = tbs.issuer();
        let serial = tbs.serial_number().as_bytes();
        let mut covered: u16 = 0;
        let mut failure = Failure::default();
        for dp in &dps {
            let dp_reasons = dp.reasons.map_or(ALL_REASONS, |r| r.bits() & ALL_REASONS);
            // Usable complete CRLs, each with the key (signer index) that verified it.
            let mut usable: Vec<(&Crl, usize)> = Vec::new();
            for (k, c) in self.crls.iter().enumerate() {
                match c {
                    Err(e) => failure.note(RANK_UNPARSABLE, e.clone()),
                    Ok(crl) => match self.usable(k, crl, i, dp, is_ca) {
                        Ok(key) => usable.push((crl, key)),
                        Err(Some((rank, reason))) => failure.note(rank, reason),
                        Err(None) => {}
                    },
                }
            }
            usable.sort_by(|(a, _), (b, _)| {
                b.this_update.cmp(&a.this_update).then_with(|| {
                    cmp_uint(
                        b.number.as_deref().unwrap_or_default(),
                        a.number.as_deref().unwrap_or_default(),
                    )
                })
            });
            for (crl, key) in usable {
                let interim = dp_reasons & crl.scope_reasons();
                if interim & !covered == 0 {
                    continue;
                }
                if let Some(delta) = self.delta_for(crl, key) {
                    match delta.lookup(issuer, serial) {
                        Some(e) if e.reason == Some(CrlReason::RemoveFromCRL) => {
                            covered |= interim;
                            continue;
                        }
                        Some(e) => return revoked(e),
                        None => {}
                    }
                }
                if let Some(e) = crl.lookup(issuer, serial) {
                    return revoked(e);
                }
                covered |= interim;
            }
        }
        if covered & ALL_REASONS == ALL_REASONS {
            CertificateRevocation::Good
        } else if covered != 0 {
            CertificateRevocation::Unknown(UnknownReason::OutOfScope)
        } else {
            CertificateRevocation::Unknown(failure.best.map_or(UnknownReason::NoCrl, |(_, r)| r))
        }
    }

    /// Whether complete CRL `crl` (index `k`) may decide the status of certificate `i` for
    /// distribution point `dp` (RFC 5280 section 6.3.3 (a), (b), (f), (g)). `Err(None)`: the
    /// CRL is not from an issuer the certificate names at all.
    fn usable(
        &self,
        k: usize,
        crl: &Crl,
        i: usize,
        dp: &DistributionPoint,
        is_ca: bool,
    ) -> Result<usize, Option<(u8, UnknownReason)>> {
        let cert = self.path.get(i).ok_or(None)?;
        let cert_issuer = cert.tbs_certificate().issuer();
        let scope = |r: UnknownReason| Some((RANK_SCOPE, r));
        let indirect = crl.idp.as_ref().is_some_and(|p| p.indirect_crl);
        match &dp.crl_issuer {
            Some(names) => {
                if !general_names_contain_dn(names, &crl.issuer) {
                    return Err(if names_equal(&crl.issuer, cert_issuer) {
                        scope(UnknownReason::OutOfScope)
                    } else {
                        None
                    });
                }
                if !indirect {
                    return Err(scope(UnknownReason::OutOfScope));
                }
            }
            None => {
                if !names_equal(&crl.issuer, cert_issuer) {
                    return Err(None);
                }
            }
        }
        if crl.base_number.is_some() {
            return Err(scope(UnknownReason::DeltaWithoutBase));
        }
        if let Some(idp) = &crl.idp {
            if let Some(idp_name) = &idp.distribution_point {
                let idp_names = full_names(idp_name, &crl.issuer);
                let dp_issuer_dn = dp
                    .crl_issuer
                    .as_ref()
                    .and_then(|names| first_dn(names))
                    .unwrap_or(cert_issuer);
                let matched = match &dp.distribution_point {
                    Some(dp_name) => {
                        let dp_names = full_names(dp_name, dp_issuer_dn);
                        idp_names
                            .iter()
                            .any(|a| dp_names.iter().any(|b| general_name_eq(a, b)))
                    }
                    None => match &dp.crl_issuer {
                        Some(names) => idp_names
                            .iter()
                            .any(|a| names.iter().any(|b| general_name_eq(a, b))),
                        None => idp_names.iter().any(
                            |a| matches!(a, GeneralName::DirectoryName(n) if names_equal(n, cert_issuer)),
                        ),
                    },
                };
                if !matched {
                    return Err(scope(UnknownReason::OutOfScope));
                }
            }
            if (idp.only_contains_user_certs && is_ca)
                || (idp.only_contains_ca_certs && !is_ca)
                || idp.only_contains_attribute_certs
            {
                return Err(scope(UnknownReason::OutOfScope));
            }
        }
        if let Some(p) = &crl.problem {
            return Err(Some((RANK_PROBLEM, p.clone())));
        }
        let key = self
            .signed_by_trusted(k, crl, i)
            .map_err(|r| Some((RANK_SIGNATURE, r)))?;
        match self.current(crl) {
            Ok(()) => Ok(key),
            // RFC 5280 6.3.3 (a)(1)(i): past its nextUpdate, a complete CRL still serves
            // together with a current delta CRL when the certificate or the CRL announces
            // delta CRLs (freshestCRL).
            Err(UnknownReason::Stale)
                if (crl.freshest || has_extension(cert, ext_oid::FRESHEST_CRL))
                    && self.delta_for(crl, key).is_some() =>
            {
                Ok(key)
            }
            Err(r) => Err(Some((RANK_TIME, r))),
        }
    }

    /// Whether `crl` is current at the time of validation.
    fn current(&self, crl: &Crl) -> Result<(), UnknownReason> {
        if crl.this_update > self.time {
            return Err(UnknownReason::NotYetValid);
        }
        match crl.next_update {
            Some(next) if next < self.time => Err(UnknownReason::Stale),
            _ => Ok(()),
        }
    }

    /// The newest usable delta CRL for complete CRL `base` (RFC 5280 section 6.3.3 (c), (h)):
    /// same issuer, same scope, same authority key, the base's cRLNumber at least the delta's
    /// base CRL number and below the delta's own cRLNumber, signed with the key `key` that
    /// verified the base.
    fn delta_for(&self, base: &Crl, key: usize) -> Option<&Crl> {
        let base_number = base.number.as_deref()?;
        let signer = self.signer(key)?;
        let mut best: Option<&Crl> = None;
        for (k, c) in self.crls.iter().enumerate() {
            let Ok(delta) = c else { continue };
            let (Some(delta_base), Some(delta_number)) =
                (delta.base_number.as_deref(), delta.number.as_deref())
            else {
                continue;
            };
            if !names_equal(&delta.issuer, &base.issuer) || delta.idp_der != base.idp_der {
                continue;
            }
            if let (Some(a), Some(b)) = (&delta.aki, &base.aki)
                && a != b
            {
                continue;
            }
            if cmp_uint(base_number, delta_base).is_lt()
                || cmp_uint(delta_number, base_number).is_le()
            {
                continue;
            }
            if delta.problem.is_some()
                || self.crl_signature(k, delta, key, signer).is_err()
                || self.current(delta).is_err()
            {
                continue;
            }
            let newer = best.is_none_or(|b| {
                cmp_uint(delta_number, b.number.as_deref().unwrap_or_default()).is_gt()
            });
            if newer {
                best = Some(delta);
            }
        }
        best
    }

    /// Whether CRL `crl` (index `k`) is signed by a certificate trusted to sign CRLs for its
    /// issuer while checking the certificate at `i`; on success, the signer's index (a path
    /// index, or the path length plus an index into the other certificates).
    fn signed_by_trusted(&self, k: usize, crl: &Crl, i: usize) -> Result<usize, UnknownReason> {
        // Ranks: an unacceptable algorithm < a bad signature < a signer not allowed to sign.
        let mut best: Option<(u8, UnknownReason)> = None;
        let mut note = |rank: u8, reason: UnknownReason| {
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((rank, reason));
            }
        };
        let candidates = self
            .path
            .iter()
            .enumerate()
            .skip(i + 1)
            .filter(|(_, c)| names_equal(c.tbs_certificate().subject(), &crl.issuer))
            .chain(
                self.others
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| names_equal(c.tbs_certificate().subject(), &crl.issuer))
                    .map(|(o, c)| (self.path.len() + o, c)),
            );
        for (key, signer) in candidates {
            let trust = match key.checked_sub(self.path.len()) {
                None => SignerTrust::Yes,
                Some(o) => self.other_trust(o, i),
            };
            if trust == SignerTrust::No {
                continue;
            }
            let result = self.crl_signature(k, crl, key, signer);
            match result {
                Ok(()) if trust == SignerTrust::Revoked => note(3, UnknownReason::SignerRevoked),
                Ok(()) if trust == SignerTrust::StatusUnknown => {
                    note(3, UnknownReason::SignerStatusUnknown)
                }
                Ok(()) if crl_sign_allowed(signer) => return Ok(key),
                Ok(()) => note(3, UnknownReason::SignerNotAuthorized),
                Err(e @ UnknownReason::BadSignature) => note(2, e),
                Err(e) => note(1, e),
            }
        }
        Err(best.map_or(UnknownReason::NoSignerCertificate, |(_, r)| r))
    }

    /// The certificate of signer index `key`.
    fn signer(&self, key: usize) -> Option<&Certificate> {
        match key.checked_sub(self.path.len()) {
            None => self.path.get(key),
            Some(o) => self.others.get(o),
        }
    }

    fn crl_signature(
        &self,
        k: usize,
        crl: &Crl,
        key: usize,
        signer: &Certificate,
    ) -> Result<(), UnknownReason> {
        if let Some(r) = self.crl_sig_cache.borrow().get(&(k, key)) {
            return r.clone();
        }
        let result = signer
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(malformed)
            .and_then(|spki| self.verify(&spki, &crl.sig_alg, &crl.tbs_der, &crl.signature));
        self.crl_sig_cache
            .borrow_mut()
            .insert((k, key), result.clone());
        result
    }

    /// Whether other certificate `o` may sign CRLs while checking the certificate at `i`: it
    /// must be valid at the time and either issued by a certificate of the path at or above
    /// `i + 1` (and then not revoked, its status checked against the same CRLs with the rest
    /// of the path above its issuer) or vouched for by the caller.
    fn other_trust(&self, o: usize, i: usize) -> SignerTrust {
        let Some(cert) = self.others.get(o) else {
            return SignerTrust::No;
        };
        if check_validity(cert, self.time).is_err() {
            return SignerTrust::No;
        }
        let cached = self.other_issuer_cache.borrow().get(&o).copied();
        let issuer_pos = match cached {
            Some(p) => p,
            None => {
                let p = self.issuing_path_position(cert);
                self.other_issuer_cache.borrow_mut().insert(o, p);
                p
            }
        };
        match issuer_pos {
            Some(j) if j > i => match self.other_status(o, j) {
                CertificateRevocation::Revoked { .. } => SignerTrust::Revoked,
                CertificateRevocation::Unknown(_)
                    if self.policy.revocation == RevocationMode::HardFail =>
                {
                    SignerTrust::StatusUnknown
                }
                _ => SignerTrust::Yes,
            },
            _ if (self.vouched)(cert) => SignerTrust::Yes,
            _ => SignerTrust::No,
        }
    }

    /// The revocation outcome of other certificate `o`, issued by the path certificate at `j`:
    /// checked on the path `o, path[j..]` with the same CRLs, signed by certificates of that
    /// path only (no further other certificates, so this does not recurse).
    fn other_status(&self, o: usize, j: usize) -> CertificateRevocation {
        if let Some(s) = self.other_status_cache.borrow().get(&o) {
            return s.clone();
        }
        let status = match (self.others.get(o), self.path.get(j..)) {
            (Some(cert), Some(rest)) if !rest.is_empty() => {
                let mut sub_path = Vec::with_capacity(rest.len() + 1);
                sub_path.push(cert.clone());
                sub_path.extend(rest.iter().cloned());
                let nested = Ctx::new(&sub_path, self.crls, &[], self.time, self.policy, &|_| {
                    false
                });
                nested.check(0)
            }
            _ => CertificateRevocation::Unknown(UnknownReason::NoCrl),
        };
        self.other_status_cache
            .borrow_mut()
            .insert(o, status.clone());
        status
    }

    /// The highest position in the path of a certificate that issued `cert`.
    fn issuing_path_position(&self, cert: &Certificate) -> Option<usize> {
        let tbs_der = cert.tbs_certificate().to_der().ok()?;
        let signature = cert.signature().as_bytes()?;
        self.path.iter().enumerate().rev().find_map(|(j, issuer)| {
            if !names_equal(
                cert.tbs_certificate().issuer(),
                issuer.tbs_certificate().subject(),
            ) {
                return None;
            }
            let spki = issuer
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .ok()?;
            self.verify(&spki, cert.signature_algorithm(), &tbs_der, signature)
                .ok()
                .map(|()| j)
        })
    }

    /// Verifies a signature under the policy.
    fn verify(
        &self,
        spki: &[u8],
        alg: &AlgorithmIdentifierOwned,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), UnknownReason> {
        let digest = signature_digest(alg, self.policy)?;
        if !self.policy.accepts_digest(digest) {
            return Err(unacceptable(format!("the {} digest", digest.name())));
        }
        let info = key_info(spki).map_err(unacceptable)?;
        if info.algorithm == KeyAlgorithm::Rsa && !self.policy.accepts_rsa_bits(info.bits) {
            return Err(unacceptable(format!(
                "an RSA key of {} bits (at least {} required)",
                info.bits, self.policy.min_rsa_bits
            )));
        }
        verify_signature(spki, alg, digest, message, signature).map_err(|e| match e {
            crate::crypto::verify::SigCheckError::UnsupportedAlgorithm { detail } => {
                unacceptable(detail)
            }
            _ => UnknownReason::BadSignature,
        })
    }
}

/// The digest a certificate or CRL signature algorithm uses, if the policy accepts the scheme
/// (the table is [`crate::crypto::verify::signature_digest`], shared with path validation).
fn signature_digest(
    alg: &AlgorithmIdentifierOwned,
    policy: &Policy,
) -> Result<DigestAlgorithm, UnknownReason> {
    let oid = alg.oid;
    if oid == oids::RSASSA_PSS && !policy.accept_rsa_pss {
        return Err(unacceptable("RSASSA-PSS"));
    }
    crate::crypto::verify::signature_digest(alg).ok_or_else(|| {
        if oid == oids::RSASSA_PSS {
            malformed("RSASSA-PSS parameters: unreadable, or a hash this library does not know")
        } else {
            unacceptable(format!("signature algorithm {oid}"))
        }
    })
}

/// Whether `cert` has an extension `oid`.
fn has_extension(cert: &Certificate, oid: ObjectIdentifier) -> bool {
    cert.tbs_certificate()
        .extensions()
        .is_some_and(|exts| exts.iter().any(|e| e.extn_id == oid))
}

/// Whether `cert` may sign CRLs: no keyUsage, or one with cRLSign.
fn crl_sign_allowed(cert: &Certificate) -> bool {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.crl_sign(),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// The names a distribution point name stands for; a name relative to the CRL issuer is
/// appended to `base`.
fn full_names(name: &DistributionPointName, base: &Name) -> Vec<GeneralName> {
    match name {
        DistributionPointName::FullName(names) => names.clone(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            let mut rdns: Vec<RelativeDistinguishedName> = base.iter_rdn().cloned().collect();
            rdns.push(rdn.clone());
            // Name and RDNSequence share one encoding.
            RdnSequence::from(rdns)
                .to_der()
                .ok()
                .and_then(|der| Name::from_der(&der).ok())
                .map(GeneralName::DirectoryName)
                .into_iter()
                .collect()
        }
    }
}

fn first_dn(names: &GeneralNames) -> Option<&Name> {
    names.iter().find_map(|g| match g {
        GeneralName::DirectoryName(n) => Some(n),
        _ => None,
    })
}

fn general_names_contain_dn(names: &GeneralNames, dn: &Name) -> bool {
    names
        .iter()
        .any(|g| matches!(g, GeneralName::DirectoryName(n) if names_equal(n, dn)))
}

fn general_name_eq(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => names_equal(x, y),
        _ => a == b,
    }
}

/// Distinguished name comparison after RFC 5280 section 7.1: attribute by attribute, with
/// PrintableString, UTF8String and IA5String values compared ignoring case and leading,
/// trailing and repeated internal white space (other values byte for byte). Multi-valued
/// RDNs match in any order (every attribute of each has an equal one in the other).
pub(crate) fn names_equal(a: &Name, b: &Name) -> bool {
    let covers = |x: &RelativeDistinguishedName, y: &RelativeDistinguishedName| {
        x.iter().all(|xa| {
            y.iter()
                .any(|ya| xa.oid == ya.oid && values_equal(&xa.value, &ya.value))
        })
    };
    a.len() == b.len()
        && a.iter_rdn()
            .zip(b.iter_rdn())
            .all(|(x, y)| x.len() == y.len() && covers(x, y) && covers(y, x))
}

fn values_equal(a: &der::Any, b: &der::Any) -> bool {
    match (comparable_string(a), comparable_string(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn comparable_string(v: &der::Any) -> Option<String> {
    match v.tag() {
        Tag::PrintableString | Tag::Utf8String | Tag::Ia5String => {
            let s = std::str::from_utf8(v.value()).ok()?;
            Some(
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase(),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn crl_numbers_compare_as_integers() {
        assert!(cmp_uint(&uint_bytes(&[0, 0, 5]), &uint_bytes(&[4])).is_gt());
        assert!(cmp_uint(&uint_bytes(&[1, 0]), &uint_bytes(&[0xff])).is_gt());
        assert!(cmp_uint(&uint_bytes(&[0]), &uint_bytes(&[])).is_eq());
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for input in [
            &b""[..],
            b"\x30",
            b"\x30\x00",
            b"\x30\x03\x02\x01\x00",
            &[0xff; 40],
        ] {
            assert!(matches!(
                Crl::parse(input),
                Err(UnknownReason::Malformed { .. })
            ));
        }
    }

    #[test]
    fn version_1_crls_are_read() {
        let alg = AlgorithmIdentifierOwned {
            oid: oids::ECDSA_WITH_SHA256,
            parameters: None,
        };
        let t = Time::try_from(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30))
            .expect("time");
        let tbs = TbsCrl {
            version: None,
            signature: alg.clone(),
            issuer: Name::from_str("CN=Old CA").expect("name"),
            this_update: t,
            next_update: Some(t),
            revoked_certificates: None,
            crl_extensions: None,
        };
        let tbs_der = tbs.to_der().expect("encode");
        assert_eq!(tbs_der.get(2), Some(&0x30), "no version field");
        // Assembled by hand so the TBS keeps its version-less encoding.
        let mut body = tbs_der.clone();
        body.extend(alg.to_der().expect("alg"));
        body.extend(
            der::asn1::BitString::from_bytes(&[1, 2, 3])
                .expect("bits")
                .to_der()
                .expect("bits"),
        );
        let der = der::asn1::AnyRef::new(Tag::Sequence, &body)
            .expect("any")
            .to_der()
            .expect("encode");
        let parsed = Crl::parse(&der).expect("a v1 CRL parses");
        assert!(parsed.problem.is_none());
        assert_eq!(parsed.tbs_der, tbs_der);
    }

    #[test]
    fn names_compare_per_rdn() {
        let a = Name::from_str("CN=Alice,O=Example").expect("name");
        let b = Name::from_str("CN=alice,O=EXAMPLE").expect("name");
        let c = Name::from_str("O=Example,CN=Alice").expect("name");
        let d = Name::from_str("CN=Alice").expect("name");
        assert!(names_equal(&a, &b));
        assert!(!names_equal(&a, &c));
        assert!(!names_equal(&a, &d));
        // A multi-valued RDN whose two values compare equal matches no RDN that has another
        // attribute, in either order.
        let twice = Name::from_str("CN=alice+CN=Alice").expect("name");
        let other = Name::from_str("CN=alice+O=Evil").expect("name");
        assert_eq!(twice.iter_rdn().next().map(|r| r.len()), Some(2));
        assert!(!names_equal(&twice, &other));
        assert!(!names_equal(&other, &twice));
    }
}
