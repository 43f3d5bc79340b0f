//! Verification with a report, never a bool.
//!
//! [`verify`] finds the signed structure of a message (multipart/signed or opaque
//! application/pkcs7-mime signed-data, also under the legacy `x-` names), checks every signer
//! and returns a [`VerifyReport`]: for each signer, the signature, the algorithms, the
//! certificate chain to the caller's trust anchors, the validity period, key usage, extended
//! key usage, the From address and revocation, each with its own reason; and a
//! [`Verdict`] for the message that is [`Verdict::Trusted`] only when every signer passed
//! every check and the signature covers the whole message.
//!
//! Errors ([`VerifyError`]) are only for input that cannot be examined at all (malformed MIME
//! or CMS). A bad signature is a finding, not an error.

use crate::cms::signed_data::{self, SignerId, SignerInfo};
use crate::crypto::verify::{KeyAlgorithm, SigCheckError, key_info, verify_signature};
use crate::crypto::{DigestAlgorithm, oids};
use crate::error::{ParseError, VerifyError};
use crate::mime::{self, SmimeKind};
use crate::policy::Policy;
use crate::validate::{
    self, ChainFailure, ChainInput, EkuFailure, KeyUsageFailure, RevocationStatus, ValidityFailure,
};
use der::{Decode, Encode};
use std::fmt;
use std::time::SystemTime;

/// Which address the signer certificates must carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AddressPolicy {
    /// The addresses of the message's From header (the default). A message without a From
    /// header fails this check: there is nothing to tie the signer to.
    #[default]
    FromHeader,
    /// This address.
    Expect(String),
    /// Do not check the address (the report says it was skipped).
    Skip,
}

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Trust anchors (DER certificates). Without any, no chain can be trusted.
    pub trust_anchors: Vec<Vec<u8>>,
    /// More certificates (DER): signer certificates not in the message, intermediates.
    pub certificates: Vec<Vec<u8>>,
    /// CRLs (DER). With none, revocation is reported as not checked.
    pub crls: Vec<Vec<u8>>,
    /// The address check.
    pub address: AddressPolicy,
    /// The time to validate at; `None` means now.
    pub time: Option<SystemTime>,
    /// Limits on the MIME input.
    pub limits: mime::Limits,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check<F> {
    /// The check passed.
    Passed,
    /// The check failed, and why.
    Failed(F),
    /// The check was not made, and why.
    NotChecked(String),
}

impl<F> Check<F> {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        matches!(self, Check::Passed)
    }

    /// Whether the check failed.
    pub fn failed(&self) -> bool {
        matches!(self, Check::Failed(_))
    }

    fn from_result(r: Result<(), F>) -> Self {
        match r {
            Ok(()) => Check::Passed,
            Err(e) => Check::Failed(e),
        }
    }
}

impl<F: fmt::Display> fmt::Display for Check<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Passed => write!(f, "ok"),
            Check::Failed(e) => write!(f, "FAILED: {e}"),
            Check::NotChecked(why) => write!(f, "not checked: {why}"),
        }
    }
}

/// Why a signature is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// No certificate in the message or from the caller matches the signer id.
    CertificateNotFound {
        /// The signer id, for a person.
        signer_id: String,
    },
    /// The content does not hash to the messageDigest attribute: the content was changed.
    MessageDigestMismatch,
    /// The contentType attribute differs from the content type that was signed.
    ContentTypeMismatch,
    /// A required signed attribute is absent.
    MissingAttribute {
        /// Which attribute.
        name: &'static str,
    },
    /// An attribute that must occur once occurs several times or with several values.
    RepeatedAttribute {
        /// Which attribute.
        name: &'static str,
    },
    /// The signature value does not verify with the signer's public key.
    BadSignature,
    /// The digest or signature algorithm is not supported.
    UnsupportedAlgorithm {
        /// What was found.
        detail: String,
    },
    /// The signer certificate's public key is unusable.
    BadPublicKey {
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureFailure::CertificateNotFound { signer_id } => {
                write!(f, "the signer certificate ({signer_id}) is not available")
            }
            SignatureFailure::MessageDigestMismatch => write!(
                f,
                "the content does not match the signed digest: the message was changed"
            ),
            SignatureFailure::ContentTypeMismatch => {
                write!(
                    f,
                    "the signed contentType attribute does not match the content"
                )
            }
            SignatureFailure::MissingAttribute { name } => {
                write!(f, "the required signed attribute {name} is missing")
            }
            SignatureFailure::RepeatedAttribute { name } => {
                write!(f, "the signed attribute {name} must occur exactly once")
            }
            SignatureFailure::BadSignature => write!(
                f,
                "the signature does not verify: the signed attributes were changed or the wrong key signed"
            ),
            SignatureFailure::UnsupportedAlgorithm { detail } => {
                write!(f, "unsupported algorithm: {detail}")
            }
            SignatureFailure::BadPublicKey { detail } => {
                write!(f, "the signer's public key is unusable: {detail}")
            }
        }
    }
}

/// Why an algorithm is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlgorithmProblem {
    /// A broken digest (MD5, SHA-1).
    WeakDigest {
        /// The digest name.
        name: &'static str,
    },
    /// An RSA key shorter than 2048 bits.
    WeakKey {
        /// The key size.
        bits: usize,
    },
}

impl fmt::Display for AlgorithmProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlgorithmProblem::WeakDigest { name } => {
                write!(f, "{name} is too weak to trust a signature")
            }
            AlgorithmProblem::WeakKey { bits } => {
                write!(
                    f,
                    "the {bits}-bit RSA key is too short (2048 bits at least)"
                )
            }
        }
    }
}

/// Why the address check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressFailure {
    /// The message has no From address and no address was given.
    NoAddressToCheck,
    /// The certificate carries none of the addresses checked.
    Mismatch {
        /// The addresses that were looked for.
        expected: Vec<String>,
        /// The addresses the certificate carries.
        certificate: Vec<String>,
    },
}

impl fmt::Display for AddressFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressFailure::NoAddressToCheck => {
                write!(
                    f,
                    "the message has no From address to check the signer against"
                )
            }
            AddressFailure::Mismatch {
                expected,
                certificate,
            } => {
                if certificate.is_empty() {
                    write!(
                        f,
                        "the sender is {} but the certificate carries no e-mail address",
                        expected.join(", ")
                    )
                } else {
                    write!(
                        f,
                        "the sender is {} but the certificate is for {}",
                        expected.join(", "),
                        certificate.join(", ")
                    )
                }
            }
        }
    }
}

/// The signer certificate, summarised for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Every e-mail address of the certificate.
    pub addresses: Vec<String>,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// The public key, for a person ("RSA-2048", "EC P-256").
    pub key: String,
    /// The certificate (DER).
    pub der: Vec<u8>,
}

/// Everything found about one signer.
#[derive(Debug, Clone)]
pub struct SignerReport {
    /// The signer id as written in the message.
    pub signer_id: String,
    /// The signer certificate, when found.
    pub certificate: Option<CertificateSummary>,
    /// The digest algorithm.
    pub digest_algorithm: String,
    /// The signature algorithm.
    pub signature_algorithm: String,
    /// The signing time the signer claims (signingTime attribute), if any.
    pub signing_time: Option<SystemTime>,
    /// The signature itself: content digest, signed attributes, signature value.
    pub signature: Check<SignatureFailure>,
    /// Digest and key strength.
    pub algorithm: Check<AlgorithmProblem>,
    /// The certificate path to a trust anchor.
    pub chain: Check<ChainFailure>,
    /// The signer certificate's validity period at the validation time.
    pub validity: Check<ValidityFailure>,
    /// keyUsage: digitalSignature or nonRepudiation.
    pub key_usage: Check<KeyUsageFailure>,
    /// extKeyUsage: emailProtection (or no EKU).
    pub extended_key_usage: Check<EkuFailure>,
    /// The From address against every address of the certificate.
    pub address: Check<AddressFailure>,
    /// Revocation (from the CRLs the caller supplied).
    pub revocation: RevocationStatus,
    /// The signer's `SMIMECapabilities` attribute (DER), if it sent exactly one.
    pub capabilities: Option<Vec<u8>>,
    /// The certificate the signer asks mail to be encrypted to (`SMIMEEncryptionKeyPreference`),
    /// if it named one.
    pub encryption_key_preference: Option<SignerId>,
}

impl SignerReport {
    /// Whether this signer passed every check (revocation: not revoked).
    pub fn passed(&self) -> bool {
        self.signature.passed()
            && self.algorithm.passed()
            && self.chain.passed()
            && self.validity.passed()
            && self.key_usage.passed()
            && self.extended_key_usage.passed()
            && !self.address.failed()
            && self.revocation != RevocationStatus::Revoked
    }
}

/// How the message was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureKind {
    /// multipart/signed with a detached signature.
    Detached,
    /// application/pkcs7-mime signed-data with the content inside.
    Opaque,
    /// No signature was found.
    None,
}

/// Which part of the message the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedScope {
    /// The whole message body.
    WholeMessage,
    /// Only one part of the message: the rest was not signed.
    Part {
        /// The index path of the signed part in the MIME tree.
        path: Vec<usize>,
    },
    /// Nothing is signed.
    Nothing,
}

/// The verdict for the whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Every signer passed every check and the signature covers the whole message.
    Trusted,
    /// The message carries no signature.
    NotSigned,
    /// The message is encrypted: decrypt it first.
    Encrypted,
    /// The signature structure has no signers at all.
    NoSigners,
    /// A detached signature whose CMS also carries content: refused, the two could differ.
    DetachedWithContent,
    /// Some signers passed and others failed.
    MixedSigners {
        /// How many passed.
        passed: usize,
        /// How many failed.
        failed: usize,
    },
    /// A signature is invalid: the message was changed, or was not signed by that key.
    SignatureInvalid,
    /// The signature is valid but the algorithms are too weak to trust.
    WeakAlgorithm,
    /// The signature is valid but the certificate does not chain to a trust anchor.
    Untrusted,
    /// The signature is valid but the signer certificate was revoked.
    Revoked,
    /// The certificate is expired, not yet valid, or not meant for e-mail signing.
    CertificateNotUsable,
    /// The signature is valid and trusted but the certificate is not for the sender's address.
    AddressMismatch,
    /// Every signer passed, but the signature covers only part of the message.
    PartiallySigned {
        /// The index path of the signed part.
        path: Vec<usize>,
    },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Trusted => write!(f, "trusted: every signature is valid and trusted"),
            Verdict::NotSigned => write!(f, "not signed"),
            Verdict::Encrypted => write!(f, "encrypted: decrypt the message to verify it"),
            Verdict::NoSigners => write!(f, "the signature has no signers"),
            Verdict::DetachedWithContent => write!(
                f,
                "refused: the detached signature also carries content of its own"
            ),
            Verdict::MixedSigners { passed, failed } => write!(
                f,
                "not trusted: {passed} signer(s) passed but {failed} failed"
            ),
            Verdict::SignatureInvalid => write!(f, "invalid signature"),
            Verdict::WeakAlgorithm => write!(f, "not trusted: weak algorithm"),
            Verdict::Untrusted => write!(f, "not trusted: the certificate chain is not trusted"),
            Verdict::Revoked => write!(f, "not trusted: the certificate was revoked"),
            Verdict::CertificateNotUsable => {
                write!(
                    f,
                    "not trusted: the certificate is not usable for this signature"
                )
            }
            Verdict::AddressMismatch => {
                write!(
                    f,
                    "not trusted: the certificate does not belong to the sender"
                )
            }
            Verdict::PartiallySigned { path } => write!(
                f,
                "only part {path:?} of the message is signed; the rest could have been added"
            ),
        }
    }
}

/// The result of a verification.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// How the message was signed.
    pub kind: SignatureKind,
    /// What the signature covers.
    pub scope: SignedScope,
    /// One report per signer, in the order of the message.
    pub signers: Vec<SignerReport>,
    /// The exact signed content (for multipart/signed: the first part as signed).
    pub content: Vec<u8>,
    /// The addresses the signers were checked against (empty when the check was skipped).
    pub addresses_checked: Vec<String>,
    /// Whether the address check was skipped on request.
    pub address_check_skipped: bool,
    /// Whether a detached signature also carried content (always refused).
    pub detached_with_content: bool,
    /// Whether the message is encrypted rather than signed.
    pub encrypted: bool,
    /// The certificates the message carried (DER), in message order.
    pub certificates: Vec<Vec<u8>>,
}

impl VerifyReport {
    fn empty(kind: SignatureKind) -> Self {
        VerifyReport {
            kind,
            scope: SignedScope::Nothing,
            signers: Vec::new(),
            content: Vec::new(),
            addresses_checked: Vec::new(),
            address_check_skipped: false,
            detached_with_content: false,
            encrypted: false,
            certificates: Vec::new(),
        }
    }

    /// The verdict: [`Verdict::Trusted`] only when every signer passed every check.
    pub fn verdict(&self) -> Verdict {
        if self.encrypted {
            return Verdict::Encrypted;
        }
        if self.kind == SignatureKind::None {
            return Verdict::NotSigned;
        }
        if self.detached_with_content {
            return Verdict::DetachedWithContent;
        }
        if self.signers.is_empty() {
            return Verdict::NoSigners;
        }
        let passed = self.signers.iter().filter(|s| s.passed()).count();
        let failed = self.signers.len() - passed;
        if passed > 0 && failed > 0 {
            return Verdict::MixedSigners { passed, failed };
        }
        if failed > 0 {
            // Every signer failed: report the most basic reason of the first one.
            let s = &self.signers[0];
            return if !s.signature.passed() {
                Verdict::SignatureInvalid
            } else if !s.algorithm.passed() {
                Verdict::WeakAlgorithm
            } else if s.revocation == RevocationStatus::Revoked {
                Verdict::Revoked
            } else if !s.chain.passed() {
                Verdict::Untrusted
            } else if !s.validity.passed()
                || !s.key_usage.passed()
                || !s.extended_key_usage.passed()
            {
                Verdict::CertificateNotUsable
            } else {
                Verdict::AddressMismatch
            };
        }
        if let SignedScope::Part { path } = &self.scope {
            return Verdict::PartiallySigned { path: path.clone() };
        }
        Verdict::Trusted
    }

    /// Whether the verdict is [`Verdict::Trusted`].
    pub fn is_trusted(&self) -> bool {
        self.verdict() == Verdict::Trusted
    }
}

/// A place to find signer certificates that a message does not carry, such as a keyring.
pub trait CertificateLookup {
    /// Certificates (DER) that may be the one `id` names; those that do not match are ignored.
    fn signer_certificates(&self, id: &SignerId) -> Vec<Vec<u8>>;
}

/// No certificates beyond the message's and [`VerifyOptions::certificates`].
struct NoLookup;

impl CertificateLookup for NoLookup {
    fn signer_certificates(&self, _id: &SignerId) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

/// Verifies a signed message (a whole RFC 5322 message or a bare MIME entity).
pub fn verify(message: &[u8], options: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    verify_with(message, options, &NoLookup)
}

/// Like [`verify`], also asking `lookup` for signer certificates the message does not carry.
pub fn verify_with(
    message: &[u8],
    options: &VerifyOptions,
    lookup: &dyn CertificateLookup,
) -> Result<VerifyReport, VerifyError> {
    let parsed = mime::parse(message, &options.limits)?;
    let Some(part) = parsed.smime.iter().find(|p| {
        matches!(
            p.kind,
            SmimeKind::MultipartSigned
                | SmimeKind::SignedData
                | SmimeKind::Pkcs7Mime
                | SmimeKind::EnvelopedData
                | SmimeKind::AuthEnvelopedData
        )
    }) else {
        return Ok(VerifyReport::empty(SignatureKind::None));
    };
    let addresses = match &options.address {
        AddressPolicy::FromHeader => Some(parsed.from.clone()),
        AddressPolicy::Expect(a) => Some(vec![a.clone()]),
        AddressPolicy::Skip => None,
    };
    let scope = if part.depth == 0 {
        SignedScope::WholeMessage
    } else {
        SignedScope::Part {
            path: part.path.clone(),
        }
    };
    let mut report = match part.kind {
        SmimeKind::MultipartSigned => {
            let range = part.signed_content.clone().ok_or_else(|| {
                VerifyError::Parse(ParseError::mime("multipart/signed without a signed part"))
            })?;
            let content = message.get(range).ok_or_else(|| {
                VerifyError::Parse(ParseError::mime("signed part outside the message"))
            })?;
            check(Some(content), &part.cms, addresses, options, lookup)?
        }
        SmimeKind::EnvelopedData | SmimeKind::AuthEnvelopedData => {
            let mut r = VerifyReport::empty(SignatureKind::None);
            r.encrypted = true;
            return Ok(r);
        }
        _ => {
            let ci = signed_data::parse_content_info(&part.cms)?;
            if ci.content_type == oids::ENVELOPED_DATA
                || ci.content_type == oids::AUTH_ENVELOPED_DATA
            {
                let mut r = VerifyReport::empty(SignatureKind::None);
                r.encrypted = true;
                return Ok(r);
            }
            check(None, &part.cms, addresses, options, lookup)?
        }
    };
    report.scope = scope;
    Ok(report)
}

/// Verifies a detached CMS signature (DER or BER) over `content`, with no MIME around it.
/// The address check follows `options.address` (`FromHeader` has no header here and fails).
pub fn verify_detached_der(
    content: &[u8],
    signature: &[u8],
    options: &VerifyOptions,
) -> Result<VerifyReport, VerifyError> {
    let addresses = address_list(&options.address);
    let mut r = check(Some(content), signature, addresses, options, &NoLookup)?;
    r.scope = SignedScope::WholeMessage;
    Ok(r)
}

/// Verifies an opaque CMS SignedData (DER or BER) that carries its content.
pub fn verify_opaque_der(der: &[u8], options: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    let addresses = address_list(&options.address);
    let mut r = check(None, der, addresses, options, &NoLookup)?;
    r.scope = SignedScope::WholeMessage;
    Ok(r)
}

fn address_list(policy: &AddressPolicy) -> Option<Vec<String>> {
    match policy {
        AddressPolicy::FromHeader => Some(Vec::new()),
        AddressPolicy::Expect(a) => Some(vec![a.clone()]),
        AddressPolicy::Skip => None,
    }
}

/// Checks a SignedData: `detached` is the external content for a detached signature.
fn check(
    detached: Option<&[u8]>,
    cms: &[u8],
    addresses: Option<Vec<String>>,
    options: &VerifyOptions,
    lookup: &dyn CertificateLookup,
) -> Result<VerifyReport, VerifyError> {
    let sd = signed_data::parse_signed_data(cms)?;
    let time = options.time.unwrap_or_else(SystemTime::now);
    let kind = if detached.is_some() {
        SignatureKind::Detached
    } else {
        SignatureKind::Opaque
    };
    let mut report = VerifyReport::empty(kind);
    report.address_check_skipped = addresses.is_none();
    report.addresses_checked = addresses.clone().unwrap_or_default();

    // The content candidates: as given, and in CRLF form for content stored with bare LFs
    // (the signer hashed the canonical CRLF form).
    let content: Vec<u8> = match (detached, &sd.econtent) {
        (Some(d), Some(_)) => {
            report.detached_with_content = true;
            d.to_vec()
        }
        (Some(d), None) => d.to_vec(),
        (None, Some(e)) => e.clone(),
        (None, None) => {
            return Err(VerifyError::Parse(ParseError::NotSmime {
                detail:
                    "an opaque signature without content (detached signature without its content)"
                        .into(),
            }));
        }
    };
    let canonical = if detached.is_some() && has_bare_lf(&content) {
        Some(mime::to_crlf(&content))
    } else {
        None
    };

    for c in &options.certificates {
        x509_cert::Certificate::from_der(c)
            .map_err(|e| VerifyError::Certificate(ParseError::from(e)))?;
    }
    let mut pool: Vec<(Vec<u8>, x509_cert::Certificate)> = Vec::new();
    for der in sd.certificates.iter().chain(options.certificates.iter()) {
        // A broken certificate in the message is skipped, not fatal: the signer may not need it.
        if let Ok(c) = x509_cert::Certificate::from_der(der)
            && !pool.iter().any(|(d, _)| d == der)
        {
            pool.push((der.clone(), c));
        }
    }
    for si in &sd.signers {
        if pool.iter().any(|(_, c)| si.sid.matches(c)) {
            continue;
        }
        for der in lookup.signer_certificates(&si.sid) {
            if let Ok(c) = x509_cert::Certificate::from_der(&der)
                && si.sid.matches(&c)
                && !pool.iter().any(|(d, _)| *d == der)
            {
                pool.push((der, c));
            }
        }
    }
    report.certificates = sd.certificates.clone();

    let mut matched_canonical = false;
    for si in &sd.signers {
        let (signer, used_canonical) = check_signer(
            si,
            &sd.econtent_type,
            &content,
            canonical.as_deref(),
            &pool,
            addresses.as_deref(),
            options,
            time,
        );
        matched_canonical |= used_canonical;
        report.signers.push(signer);
    }
    report.content = match (matched_canonical, canonical) {
        (true, Some(c)) => c,
        _ => content,
    };
    Ok(report)
}

fn has_bare_lf(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .any(|(i, b)| *b == b'\n' && (i == 0 || data[i - 1] != b'\r'))
}

fn name_of(oid: &der::asn1::ObjectIdentifier) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map(str::to_string)
        .unwrap_or_else(|| oid.to_string())
}

#[allow(clippy::too_many_arguments)]
fn check_signer(
    si: &SignerInfo,
    econtent_type: &der::asn1::ObjectIdentifier,
    content: &[u8],
    canonical: Option<&[u8]>,
    pool: &[(Vec<u8>, x509_cert::Certificate)],
    addresses: Option<&[String]>,
    options: &VerifyOptions,
    time: SystemTime,
) -> (SignerReport, bool) {
    const NO_CERT: &str = "no signer certificate";
    let mut r = SignerReport {
        signer_id: si.sid.to_string(),
        certificate: None,
        digest_algorithm: name_of(&si.digest_algorithm.oid),
        signature_algorithm: name_of(&si.signature_algorithm.oid),
        signing_time: None,
        signature: Check::NotChecked(NO_CERT.into()),
        algorithm: Check::Passed,
        chain: Check::NotChecked(NO_CERT.into()),
        validity: Check::NotChecked(NO_CERT.into()),
        key_usage: Check::NotChecked(NO_CERT.into()),
        extended_key_usage: Check::NotChecked(NO_CERT.into()),
        address: Check::NotChecked(NO_CERT.into()),
        revocation: RevocationStatus::NotChecked,
        capabilities: None,
        encryption_key_preference: None,
    };
    if let Some(attrs) = &si.signed_attrs {
        if let [v] = attrs.values(&oids::SMIME_CAPABILITIES).as_slice() {
            r.capabilities = Some(v.to_vec());
        }
        if let [v] = attrs.values(&oids::ENCRYPTION_KEY_PREFERENCE).as_slice() {
            r.encryption_key_preference = signed_data::parse_encryption_key_preference(v).ok();
        }
    }
    let digest = DigestAlgorithm::from_oid(&si.digest_algorithm.oid);
    if let Some(d) = digest
        && d.is_weak()
    {
        r.algorithm = Check::Failed(AlgorithmProblem::WeakDigest { name: d.name() });
    }
    if let Some(attrs) = &si.signed_attrs
        && let [v] = attrs.values(&oids::SIGNING_TIME).as_slice()
    {
        r.signing_time = x509_cert::time::Time::from_der(v)
            .ok()
            .map(|t| t.to_system_time());
    }

    let Some((cert_der, cert)) = pool.iter().find(|(_, c)| si.sid.matches(c)) else {
        r.signature = Check::Failed(SignatureFailure::CertificateNotFound {
            signer_id: si.sid.to_string(),
        });
        return (r, false);
    };
    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info().to_der().unwrap_or_default();
    let cert_addresses = validate::certificate_addresses(cert);
    let key_desc = match key_info(&spki) {
        Ok(k) => {
            if let (KeyAlgorithm::Rsa, bits) = (&k.algorithm, k.bits) {
                if bits < 2048 && r.algorithm.passed() {
                    r.algorithm = Check::Failed(AlgorithmProblem::WeakKey { bits });
                }
                format!("RSA-{bits}")
            } else {
                match k.algorithm {
                    KeyAlgorithm::EcP256 => "EC P-256".to_string(),
                    KeyAlgorithm::EcP384 => "EC P-384".to_string(),
                    _ => format!("{:?}", k.algorithm),
                }
            }
        }
        Err(e) => e.to_string(),
    };
    r.certificate = Some(CertificateSummary {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: tbs.serial_number().to_string(),
        addresses: cert_addresses.clone(),
        not_before: tbs.validity().not_before.to_system_time(),
        not_after: tbs.validity().not_after.to_system_time(),
        key: key_desc,
        der: cert_der.clone(),
    });

    // Signature.
    let (sig, used_canonical) = match digest {
        None => (
            Check::Failed(SignatureFailure::UnsupportedAlgorithm {
                detail: format!("digest {}", si.digest_algorithm.oid),
            }),
            false,
        ),
        Some(d) if d.hasher().is_none() => (
            Check::Failed(SignatureFailure::UnsupportedAlgorithm {
                detail: format!("digest {}", d.name()),
            }),
            false,
        ),
        Some(d) => check_signature(si, econtent_type, d, content, canonical, &spki),
    };
    r.signature = sig;

    // Certificate checks.
    let anchors = &options.trust_anchors;
    let intermediates: Vec<Vec<u8>> = pool
        .iter()
        .filter(|(d, _)| d != cert_der)
        .map(|(d, _)| d.clone())
        .collect();
    let policy = Policy::default();
    let outcome = validate::validate_chain(
        &ChainInput {
            end_entity: cert_der,
            intermediates: &intermediates,
            trust_anchors: anchors,
            crls: &options.crls,
            time,
        },
        &policy,
    );
    r.revocation = outcome.revocation_status();
    r.chain = match outcome.result {
        Ok(_) => Check::Passed,
        // A signer certificate the caller explicitly trusts (for example a pinned self-signed
        // certificate) is its own path when the policy allows it; its validity and usage are
        // still checked below.
        Err(_) if policy.dangerous().pinned_is_path() && anchors.iter().any(|a| a == cert_der) => {
            Check::Passed
        }
        Err(e) => Check::Failed(e),
    };
    r.validity = Check::from_result(validate::check_validity(cert, time));
    r.key_usage = Check::from_result(validate::check_signing_key_usage(cert));
    r.extended_key_usage = Check::from_result(validate::check_email_eku(cert));
    r.address = match addresses {
        None => Check::NotChecked("skipped on request".into()),
        Some([]) => Check::Failed(AddressFailure::NoAddressToCheck),
        Some(expected) => {
            if expected.iter().any(|want| {
                cert_addresses
                    .iter()
                    .any(|have| validate::address_matches(have, want))
            }) {
                Check::Passed
            } else {
                Check::Failed(AddressFailure::Mismatch {
                    expected: expected.to_vec(),
                    certificate: cert_addresses,
                })
            }
        }
    };
    (r, used_canonical)
}

fn check_signature(
    si: &SignerInfo,
    econtent_type: &der::asn1::ObjectIdentifier,
    digest: DigestAlgorithm,
    content: &[u8],
    canonical: Option<&[u8]>,
    spki: &[u8],
) -> (Check<SignatureFailure>, bool) {
    let hash = |data: &[u8]| digest.digest(data).unwrap_or_default();
    let map_sig = |e: SigCheckError| match e {
        SigCheckError::BadSignature => SignatureFailure::BadSignature,
        SigCheckError::BadPublicKey { detail } => SignatureFailure::BadPublicKey { detail },
        other => SignatureFailure::UnsupportedAlgorithm {
            detail: other.to_string(),
        },
    };
    let Some(attrs) = &si.signed_attrs else {
        // No signed attributes: only allowed for id-data; the signature covers the content.
        if *econtent_type != oids::DATA {
            return (
                Check::Failed(SignatureFailure::MissingAttribute {
                    name: "contentType",
                }),
                false,
            );
        }
        let mut last = SignatureFailure::BadSignature;
        for (data, canon) in [(Some(content), false), (canonical, true)] {
            let Some(data) = data else { continue };
            match verify_signature(spki, &si.signature_algorithm, digest, data, &si.signature) {
                Ok(()) => return (Check::Passed, canon),
                Err(e) => last = map_sig(e),
            }
        }
        return (Check::Failed(last), false);
    };

    // contentType: exactly one, equal to eContentType.
    match attrs.values(&oids::CONTENT_TYPE).as_slice() {
        [] => {
            return (
                Check::Failed(SignatureFailure::MissingAttribute {
                    name: "contentType",
                }),
                false,
            );
        }
        [v] if attrs.count(&oids::CONTENT_TYPE) == 1 => {
            match der::asn1::ObjectIdentifier::from_der(v) {
                Ok(ct) if ct == *econtent_type => {}
                _ => return (Check::Failed(SignatureFailure::ContentTypeMismatch), false),
            }
        }
        _ => {
            return (
                Check::Failed(SignatureFailure::RepeatedAttribute {
                    name: "contentType",
                }),
                false,
            );
        }
    }
    // messageDigest: exactly one.
    let md = match attrs.values(&oids::MESSAGE_DIGEST).as_slice() {
        [] => {
            return (
                Check::Failed(SignatureFailure::MissingAttribute {
                    name: "messageDigest",
                }),
                false,
            );
        }
        [v] if attrs.count(&oids::MESSAGE_DIGEST) == 1 => {
            match der::asn1::OctetString::from_der(v) {
                Ok(o) => o.as_bytes().to_vec(),
                Err(_) => {
                    return (
                        Check::Failed(SignatureFailure::MissingAttribute {
                            name: "messageDigest",
                        }),
                        false,
                    );
                }
            }
        }
        _ => {
            return (
                Check::Failed(SignatureFailure::RepeatedAttribute {
                    name: "messageDigest",
                }),
                false,
            );
        }
    };
    // signingTime: at most one.
    if attrs.values(&oids::SIGNING_TIME).len() > 1 {
        return (
            Check::Failed(SignatureFailure::RepeatedAttribute {
                name: "signingTime",
            }),
            false,
        );
    }
    let mut used_canonical = false;
    let ok = if ct_eq(&hash(content), &md) {
        true
    } else if let Some(c) = canonical {
        used_canonical = ct_eq(&hash(c), &md);
        used_canonical
    } else {
        false
    };
    if !ok {
        return (
            Check::Failed(SignatureFailure::MessageDigestMismatch),
            false,
        );
    }
    match verify_signature(
        spki,
        &si.signature_algorithm,
        digest,
        &attrs.signed_der,
        &si.signature,
    ) {
        Ok(()) => (Check::Passed, used_canonical),
        Err(e) => (Check::Failed(map_sig(e)), false),
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Display for RevocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationStatus::NotChecked => write!(f, "not checked (no CRLs supplied)"),
            RevocationStatus::Good => write!(f, "not revoked"),
            RevocationStatus::Revoked => write!(f, "REVOKED"),
            RevocationStatus::NoCrlAvailable => write!(
                f,
                "unknown: no CRL available for every certificate of the path"
            ),
        }
    }
}
