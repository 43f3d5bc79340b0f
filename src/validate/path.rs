//! Path building and RFC 5280 validation on certval.
//!
//! Paths are built here rather than by certval's builder: certval's builder keys partial paths
//! by key identifier and refuses to extend a path through a self-issued certificate once a
//! pathLenConstraint is used up (RFC 5280 does not count self-issued certificates). Building
//! follows issuer names (RFC 5280 section 7.1 comparison, certval's `compare_names`) and
//! keeps an edge only when the issuer's key verifies the signature, so key-rollover
//! certificates (old-with-new, new-with-old) lead to the right key. Every path so built is then
//! validated by certval's `validate_path_rfc5280`, shortest first; the first valid one wins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use certval::{
    CertificationPath, CertificationPathResults, CertificationPathSettings, DeferDecodeSigned,
    Error as CvError, PDVCertificate, PDVTrustAnchorChoice, PathValidationStatus, PkiEnvironment,
    TimeOfInterest, compare_names, validate_path_rfc5280,
};
use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsage;
use x509_cert::ext::pkix::KeyUsages;

use super::algs::{PolicyVerifier, Refusal};
use super::revocation::{self, CertificateRevocation};
use super::{ChainFailure, ChainInput, ChainOutcome, checks};
use crate::policy::{Policy, RevocationMode};

/// The most intermediate certificates in one path.
const MAX_INTERMEDIATES: usize = 8;
/// The most complete candidate paths validated.
const MAX_CANDIDATES: usize = 16;
/// The most issuer signatures checked while building (bounds work on a hostile pool).
const MAX_SIGNATURE_CHECKS: usize = 512;
/// The most partial paths extended while building (bounds work on a hostile pool).
const MAX_VISITS: usize = 1024;

/// One parsed certificate.
struct Parsed {
    der: Vec<u8>,
    cert: Certificate,
    tbs: Vec<u8>,
}

impl Parsed {
    fn parse(der: &[u8]) -> Result<Parsed, String> {
        let cert = Certificate::from_der(der).map_err(|e| e.to_string())?;
        let signed = DeferDecodeSigned::from_der(der).map_err(|e| e.to_string())?;
        Ok(Parsed {
            der: der.to_vec(),
            cert,
            tbs: signed.tbs_field,
        })
    }

    fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    fn spki(&self) -> &SubjectPublicKeyInfoOwned {
        self.cert.tbs_certificate().subject_public_key_info()
    }
}

/// A node that can issue: an intermediate (by index) or an anchor (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Issuer {
    Intermediate(usize),
    Anchor(usize),
}

/// The outcome of checking one certificate's signature with one issuer key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Edge {
    Verified,
    Bad,
    /// Not checked: the work bound was reached.
    Skipped,
    Refused(Refusal),
}

struct Builder<'a> {
    pe: &'a PkiEnvironment,
    refusals: Arc<Mutex<Vec<Refusal>>>,
    intermediates: &'a [Parsed],
    anchors: &'a [Parsed],
    memo: HashMap<(usize, Issuer), Edge>,
    checks: usize,
    visits: usize,
    /// Name-matching issuers whose key did not verify, or whose signature the policy refused:
    /// (subject of the signed certificate, outcome).
    rejected: Vec<(String, Edge)>,
    candidates: Vec<(usize, Vec<usize>)>,
}

/// A certificate being extended: the end entity (`None`) or an intermediate.
type NodeId = Option<usize>;

impl Builder<'_> {
    fn node<'b>(&'b self, ee: &'b Parsed, id: NodeId) -> Option<&'b Parsed> {
        match id {
            None => Some(ee),
            Some(i) => self.intermediates.get(i),
        }
    }

    fn issuer(&self, i: Issuer) -> Option<&Parsed> {
        match i {
            Issuer::Intermediate(i) => self.intermediates.get(i),
            Issuer::Anchor(i) => self.anchors.get(i),
        }
    }

    /// Checks the signature of `child` (memo key `child_key`) with `issuer`'s key.
    fn edge(&mut self, child: &Parsed, child_key: usize, issuer: Issuer) -> Edge {
        if let Some(e) = self.memo.get(&(child_key, issuer)) {
            return e.clone();
        }
        if self.checks >= MAX_SIGNATURE_CHECKS {
            return Edge::Skipped;
        }
        self.checks += 1;
        let Some(spki) = self.issuer(issuer).map(|p| p.spki().clone()) else {
            return Edge::Bad;
        };
        let before = self.refusals.lock().map(|l| l.len()).unwrap_or(0);
        let r = self.pe.verify_signature_message(
            self.pe,
            &child.tbs,
            child.cert.signature(),
            child.cert.tbs_certificate().signature(),
            &spki,
        );
        let edge = match r {
            Ok(()) => Edge::Verified,
            Err(_) => {
                let refusal = self
                    .refusals
                    .lock()
                    .ok()
                    .and_then(|l| l.get(before).cloned());
                match refusal {
                    Some(r) => Edge::Refused(r),
                    None => Edge::Bad,
                }
            }
        };
        self.memo.insert((child_key, issuer), edge.clone());
        edge
    }

    /// Depth-first search from `id` (whose chain so far, from the end entity's issuer side,
    /// is `stack`, end-entity side first).
    fn extend(&mut self, ee: &Parsed, id: NodeId, stack: &mut Vec<usize>) {
        if self.candidates.len() >= MAX_CANDIDATES || self.visits >= MAX_VISITS {
            return;
        }
        self.visits += 1;
        let Some(child) = self.node(ee, id) else {
            return;
        };
        // Own the pieces needed while self is borrowed mutably below.
        let child_issuer = child.cert.tbs_certificate().issuer().clone();
        let child_subject = child.subject();
        let child_owned = Parsed {
            der: Vec::new(),
            cert: child.cert.clone(),
            tbs: child.tbs.clone(),
        };
        let child_key = id.map_or(usize::MAX, |i| i);

        for a in 0..self.anchors.len() {
            let matches = self
                .anchors
                .get(a)
                .is_some_and(|p| compare_names(&child_issuer, p.cert.tbs_certificate().subject()));
            if !matches {
                continue;
            }
            match self.edge(&child_owned, child_key, Issuer::Anchor(a)) {
                Edge::Verified => {
                    if self.candidates.len() < MAX_CANDIDATES {
                        self.candidates.push((a, stack.clone()));
                    }
                }
                Edge::Skipped => {}
                other => self.rejected.push((child_subject.clone(), other)),
            }
        }
        if stack.len() >= MAX_INTERMEDIATES {
            return;
        }
        for i in 0..self.intermediates.len() {
            if stack.contains(&i) || Some(i) == id {
                continue;
            }
            let Some(cand) = self.intermediates.get(i) else {
                continue;
            };
            if !compare_names(&child_issuer, cand.cert.tbs_certificate().subject()) {
                continue;
            }
            // A key already in the path would make a loop.
            let cand_spki = cand.spki();
            if cand_spki == child_owned.cert.tbs_certificate().subject_public_key_info()
                || stack.iter().any(|j| {
                    self.intermediates
                        .get(*j)
                        .is_some_and(|p| p.spki() == cand_spki)
                })
            {
                continue;
            }
            match self.edge(&child_owned, child_key, Issuer::Intermediate(i)) {
                Edge::Verified => {
                    stack.push(i);
                    self.extend(ee, Some(i), stack);
                    stack.pop();
                }
                Edge::Skipped => {}
                other => self.rejected.push((child_subject.clone(), other)),
            }
        }
    }
}

fn fail(failure: ChainFailure) -> ChainOutcome {
    ChainOutcome {
        result: Err(failure),
        revocation: revocation::PathRevocation::default(),
    }
}

/// Builds and validates a path from `input.end_entity` to one of `input.trust_anchors` at
/// `input.time`, by RFC 5280 section 6 under `policy` (signature algorithms and RSA minimum,
/// the certificate-policy inputs, the revocation mode), then judges revocation with
/// [`revocation::check_path`].
///
/// The end entity's extended key usage, if present, must include id-kp-emailProtection or
/// anyExtendedKeyUsage (RFC 8550 section 4.4.4). A revoked certificate fails the path unless
/// revocation is [`RevocationMode::Off`]; with [`RevocationMode::HardFail`] so does one whose
/// status is unknown. An end entity that is itself one of the trust anchors is a path on its
/// own only when `policy.dangerous().pinned_is_path()`.
///
/// A CRL signer that no certificate of the path issued (an indirect CRL issuer certified by
/// another CA, say) is used when its own path validates to the same trust anchors, at the same
/// time, under the same policy (its own revocation judged from the same CRLs, without going
/// further).
pub fn validate_chain(input: &ChainInput<'_>, policy: &Policy) -> ChainOutcome {
    validate(input, policy, Purpose::Mail)
}

/// What a path is validated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A signer or recipient of mail: extKeyUsage must allow e-mail protection; CRL signers
    /// outside the path are validated in turn.
    Mail,
    /// A CRL signer's own path: no extKeyUsage requirement, and no further CRL signers.
    CrlSigner,
}

fn validate(input: &ChainInput<'_>, policy: &Policy, purpose: Purpose) -> ChainOutcome {
    if input.trust_anchors.is_empty() {
        return fail(ChainFailure::NoTrustAnchors);
    }
    let mut anchor_error = None;
    let mut anchors: Vec<Parsed> = Vec::new();
    for der in input.trust_anchors {
        match Parsed::parse(der) {
            Ok(p) => anchors.push(p),
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
    let ee = match Parsed::parse(input.end_entity) {
        Ok(p) => p,
        Err(e) => {
            return fail(ChainFailure::Malformed {
                detail: format!("the end-entity certificate: {e}"),
            });
        }
    };
    if purpose == Purpose::Mail && checks::check_email_eku(&ee.cert).is_err() {
        return fail(ChainFailure::EkuNotAllowed);
    }

    let pinned = anchors.iter().any(|a| a.der == ee.der);
    if pinned && policy.dangerous().pinned_is_path() {
        if let Err(e) = checks::check_validity(&ee.cert, input.time) {
            let subject = ee.subject();
            return fail(match e {
                checks::ValidityFailure::NotYetValid { .. } => {
                    ChainFailure::NotYetValid { subject }
                }
                _ => ChainFailure::Expired { subject },
            });
        }
        return ChainOutcome {
            result: Ok(vec![ee.der.clone()]),
            revocation: revocation::PathRevocation::default(),
        };
    }
    // Without that setting, a trust anchor carrying the end entity's key is not a path to it.
    let ee_spki = ee.spki().clone();
    anchors.retain(|a| *a.spki() != ee_spki);

    let mut intermediates: Vec<Parsed> = Vec::new();
    for der in input.intermediates {
        // The end entity, an anchor or a repeat is not an intermediate.
        if *der == ee.der
            || anchors.iter().any(|a| a.der == *der)
            || intermediates.iter().any(|p| p.der == *der)
        {
            continue;
        }
        if let Ok(p) = Parsed::parse(der) {
            intermediates.push(p);
        }
    }

    let Ok(since_epoch) = input.time.duration_since(SystemTime::UNIX_EPOCH) else {
        return fail(ChainFailure::Other {
            detail: "the validation time is before 1970".to_string(),
        });
    };
    let Ok(toi) = TimeOfInterest::from_unix_secs(since_epoch.as_secs()) else {
        return fail(ChainFailure::Other {
            detail: "the validation time cannot be represented".to_string(),
        });
    };

    let verifier = PolicyVerifier::new(policy);
    let refusals = verifier.refusals();
    let mut pe = PkiEnvironment::new();
    pe.add_verify_signature_message_callback(verifier);
    pe.add_calculate_hash_callback(certval::calculate_hash_rust_crypto);
    pe.add_oid_lookup(certval::oid_lookup);

    let cps = settings(policy, toi);

    let mut builder = Builder {
        pe: &pe,
        refusals,
        intermediates: &intermediates,
        anchors: &anchors,
        memo: HashMap::new(),
        checks: 0,
        visits: 0,
        rejected: Vec::new(),
        candidates: Vec::new(),
    };
    let mut stack = Vec::new();
    builder.extend(&ee, None, &mut stack);
    let mut candidates = std::mem::take(&mut builder.candidates);
    let rejected = std::mem::take(&mut builder.rejected);
    candidates.sort_by_key(|(_, s)| s.len());

    if candidates.is_empty() {
        return fail(no_path_failure(&rejected, pinned));
    }

    let mut first_failure = None;
    for (anchor, stack) in &candidates {
        match validate_candidate(&pe, &cps, &ee, &intermediates, &anchors, *anchor, stack) {
            Ok(()) => {
                return finish(
                    input,
                    policy,
                    purpose,
                    &ee,
                    &intermediates,
                    &anchors,
                    *anchor,
                    stack,
                );
            }
            Err(f) => {
                if first_failure.is_none() {
                    first_failure = Some(f);
                }
            }
        }
    }
    fail(first_failure.unwrap_or(ChainFailure::UnknownIssuer))
}

/// certval's settings from the policy.
fn settings(policy: &Policy, toi: TimeOfInterest) -> CertificationPathSettings {
    let mut cps = CertificationPathSettings::new();
    cps.set_time_of_interest(toi);
    // Anchors are chosen here from the caller's list, not from a store.
    cps.set_require_ta_store(false);
    cps.set_check_revocation_status(false);
    cps.set_check_crls(false);
    cps.set_check_ocsp_from_aia(false);
    cps.set_retrieve_from_aia_sia_http(false);
    cps.set_check_crldp_http(false);
    cps.set_enforce_trust_anchor_validity(true);
    cps.set_min_rsa_modulus_bits(u16::try_from(policy.min_rsa_bits).unwrap_or(u16::MAX));
    let cp = &policy.certificate_policies;
    if !cp.initial_policy_set.is_empty() {
        cps.set_initial_policy_set_from_oid_set(cp.initial_policy_set.iter().copied().collect());
    }
    cps.set_initial_explicit_policy_indicator(cp.require_explicit_policy);
    cps.set_initial_policy_mapping_inhibit_indicator(cp.inhibit_policy_mapping);
    cps.set_initial_inhibit_any_policy_indicator(cp.inhibit_any_policy);
    cps
}

/// Why no candidate path could be built.
fn no_path_failure(rejected: &[(String, Edge)], pinned: bool) -> ChainFailure {
    for (subject, edge) in rejected {
        if let Edge::Refused(Refusal::Weak(detail)) = edge {
            return ChainFailure::WeakAlgorithm {
                subject: subject.clone(),
                detail: detail.clone(),
            };
        }
    }
    for (subject, edge) in rejected {
        if let Edge::Refused(Refusal::Unsupported(detail)) = edge {
            return ChainFailure::UnsupportedSignatureAlgorithm {
                subject: subject.clone(),
                detail: detail.clone(),
            };
        }
    }
    if let Some((subject, _)) = rejected.first() {
        return ChainFailure::BadSignature {
            subject: subject.clone(),
        };
    }
    if pinned {
        return ChainFailure::PinnedCertificate;
    }
    ChainFailure::UnknownIssuer
}

/// Validates one built path with certval, plus the anchor's own key usage.
fn validate_candidate(
    pe: &PkiEnvironment,
    cps: &CertificationPathSettings,
    ee: &Parsed,
    intermediates: &[Parsed],
    anchors: &[Parsed],
    anchor: usize,
    stack: &[usize],
) -> Result<(), ChainFailure> {
    let Some(anchor) = anchors.get(anchor) else {
        return Err(ChainFailure::UnknownIssuer);
    };
    // certval does not look at the anchor's extensions (RFC 5280 section 6.1 takes the anchor
    // as a name and key); a root whose key usage forbids certificate signing issues nothing.
    if let Ok(Some((_, ku))) = anchor.cert.tbs_certificate().get_extension::<KeyUsage>()
        && !ku.0.contains(KeyUsages::KeyCertSign)
    {
        return Err(ChainFailure::CaKeyUsage {
            subject: anchor.subject(),
        });
    }
    let malformed = |e: der::Error| ChainFailure::Malformed {
        detail: e.to_string(),
    };
    let ta = PDVTrustAnchorChoice::try_from(anchor.der.as_slice()).map_err(malformed)?;
    // Path order for certval: from the anchor's side to the end entity's.
    let path_certs: Vec<&Parsed> = stack
        .iter()
        .rev()
        .filter_map(|i| intermediates.get(*i))
        .collect();
    let mut pdv_intermediates = Vec::with_capacity(path_certs.len());
    for p in &path_certs {
        pdv_intermediates.push(PDVCertificate::try_from(p.der.as_slice()).map_err(malformed)?);
    }
    let target = PDVCertificate::try_from(ee.der.as_slice()).map_err(malformed)?;
    let cp = CertificationPath::new(ta, pdv_intermediates, target);
    let mut cpr = CertificationPathResults::new();
    match validate_path_rfc5280(pe, cps, &cp, &mut cpr) {
        Ok(()) => Ok(()),
        Err(e) => {
            // certval counts from the anchor: 0 the anchor, 1.. the intermediates, then the
            // target.
            let index = cpr.get_failure_index().map_or(usize::MAX, |i| i as usize);
            let subject = match index {
                0 => anchor.subject(),
                i if i <= path_certs.len() => path_certs
                    .get(i - 1)
                    .map_or_else(|| ee.subject(), |p| p.subject()),
                _ => ee.subject(),
            };
            let status = match e {
                CvError::PathValidation(s) => Some(s),
                _ => cpr.get_validation_status(),
            };
            Err(map_status(status, subject, &e, cps, &cp))
        }
    }
}

/// A user-readable failure for certval's status.
fn map_status(
    status: Option<PathValidationStatus>,
    subject: String,
    e: &CvError,
    cps: &CertificationPathSettings,
    cp: &CertificationPath,
) -> ChainFailure {
    use PathValidationStatus as S;
    match status {
        Some(S::InvalidNotAfterDate) => ChainFailure::Expired {
            subject: validity_subject(cps, cp, true).unwrap_or(subject),
        },
        Some(S::InvalidNotBeforeDate) => ChainFailure::NotYetValid {
            subject: validity_subject(cps, cp, false).unwrap_or(subject),
        },
        Some(S::SignatureVerificationFailure) => ChainFailure::BadSignature { subject },
        Some(S::MissingBasicConstraints | S::InvalidBasicConstraints) => {
            ChainFailure::NotCa { subject }
        }
        Some(S::InvalidPathLength) => ChainFailure::PathTooLong { subject },
        Some(S::InvalidKeyUsage) => ChainFailure::CaKeyUsage { subject },
        Some(S::NameChainingFailure) => ChainFailure::NameChaining { subject },
        Some(S::NameConstraintsViolation) => ChainFailure::NameConstraints { subject },
        Some(S::NullPolicySet) => ChainFailure::NoAcceptablePolicy,
        Some(S::InvalidPolicyMapping) => ChainFailure::InvalidPolicyMapping { subject },
        Some(S::UnprocessedCriticalExtension) => {
            ChainFailure::UnprocessedCriticalExtension { subject }
        }
        Some(S::InsufficientKeySize) => ChainFailure::WeakAlgorithm {
            subject,
            detail: "an RSA key is smaller than the minimum".to_string(),
        },
        Some(S::EncodingError) => ChainFailure::Malformed {
            detail: format!("the certificate of {subject} could not be decoded"),
        },
        Some(other) => ChainFailure::Other {
            detail: format!("{other} (certificate of {subject})"),
        },
        None => ChainFailure::Other {
            detail: format!("{e} (certificate of {subject})"),
        },
    }
}

/// The subject of the first certificate of the path (anchor first) outside its validity at
/// the time of interest: certval reports validity failures without an index.
fn validity_subject(
    cps: &CertificationPathSettings,
    cp: &CertificationPath,
    expired: bool,
) -> Option<String> {
    let toi = cps.get_time_of_interest();
    let mut certs: Vec<&Certificate> = Vec::new();
    let ta_cert = match cp.trust_anchor.decoded() {
        x509_cert::anchor::TrustAnchorChoice::Certificate(c) => Some(c),
        _ => None,
    };
    let ta_owned;
    if let Some(c) = ta_cert {
        ta_owned = c.to_der().ok().and_then(|d| Certificate::from_der(&d).ok());
        if let Some(c) = &ta_owned {
            certs.push(c);
        }
    }
    let decoded: Vec<Certificate> = cp
        .intermediates
        .iter()
        .chain(std::iter::once(&cp.target))
        .filter_map(|c| Certificate::from_der(c.as_bytes()).ok())
        .collect();
    certs.extend(decoded.iter());
    certs.into_iter().find_map(|c| {
        let v = c.tbs_certificate().validity();
        let out = if expired {
            toi > v.not_after
        } else {
            toi < v.not_before
        };
        out.then(|| c.tbs_certificate().subject().to_string())
    })
}

/// The valid path: revocation, and the outcome.
#[allow(clippy::too_many_arguments)]
fn finish(
    input: &ChainInput<'_>,
    policy: &Policy,
    purpose: Purpose,
    ee: &Parsed,
    intermediates: &[Parsed],
    anchors: &[Parsed],
    anchor: usize,
    stack: &[usize],
) -> ChainOutcome {
    let mut path: Vec<&Parsed> = vec![ee];
    path.extend(stack.iter().filter_map(|i| intermediates.get(*i)));
    if let Some(a) = anchors.get(anchor) {
        path.push(a);
    }
    let path_certs: Vec<Certificate> = path.iter().map(|p| p.cert.clone()).collect();
    let others: Vec<Certificate> = intermediates
        .iter()
        .chain(anchors.iter())
        .filter(|p| !path.iter().any(|q| q.der == p.der))
        .map(|p| p.cert.clone())
        .collect();
    // A CRL signer no certificate of the path issued is trusted when its own path validates
    // to the same anchors (one level deep: its CRL signers are not followed in turn).
    let vouch = |signer: &Certificate| -> bool {
        if purpose != Purpose::Mail {
            return false;
        }
        let Ok(der) = der::Encode::to_der(signer) else {
            return false;
        };
        let nested = ChainInput {
            end_entity: &der,
            intermediates: input.intermediates,
            trust_anchors: input.trust_anchors,
            crls: input.crls,
            time: input.time,
        };
        validate(&nested, policy, Purpose::CrlSigner).result.is_ok()
    };
    let rev =
        revocation::check_path_with(&path_certs, input.crls, &others, input.time, policy, &vouch);
    let ders: Vec<Vec<u8>> = path.iter().map(|p| p.der.clone()).collect();
    let result = if policy.revocation == RevocationMode::Off {
        Ok(ders)
    } else {
        revocation_failure(&rev, &path, policy).map_or(Ok(ders), Err)
    };
    ChainOutcome {
        result,
        revocation: rev,
    }
}

/// The failure revocation makes of a valid path, if any.
fn revocation_failure(
    rev: &revocation::PathRevocation,
    path: &[&Parsed],
    policy: &Policy,
) -> Option<ChainFailure> {
    let subject = |i: usize| path.get(i).map(|p| p.subject()).unwrap_or_default();
    for (i, c) in rev.certificates.iter().enumerate() {
        if let CertificateRevocation::Revoked { reason, .. } = c {
            return Some(ChainFailure::Revoked {
                subject: subject(i),
                reason: *reason,
            });
        }
    }
    if policy.revocation == RevocationMode::HardFail {
        for (i, c) in rev.certificates.iter().enumerate() {
            match c {
                CertificateRevocation::Unknown(reason) => {
                    return Some(ChainFailure::RevocationUnknown {
                        subject: subject(i),
                        reason: reason.clone(),
                    });
                }
                CertificateRevocation::NotChecked => {
                    return Some(ChainFailure::RevocationUnknown {
                        subject: subject(i),
                        reason: revocation::UnknownReason::NoCrl,
                    });
                }
                _ => {}
            }
        }
    }
    None
}
