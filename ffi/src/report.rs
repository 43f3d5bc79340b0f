//! The results of the message operations, readable field by field: `smime_verify_report`
//! (a verification: the verdict, and per signer every check with its reason),
//! `smime_decrypted` (the content and how it was opened) and `smime_opened` (a message opened
//! layer by layer).
//!
//! Every accessor copies what it returns into a new caller-owned handle (`smime_bytes`,
//! `smime_certificate`, `smime_verify_report`), so nothing returned borrows from the result:
//! the result may be freed before or after what was read from it.

use smime::decrypt::{Decrypted, Layer, Opened};
use smime::validate::RevocationStatus;
use smime::verify::{Check, SignatureKind, SignedScope, SignerReport, Verdict, VerifyReport};
use zeroize::{Zeroize, Zeroizing};

use crate::bytes::{new_secret_bytes, new_string, smime_bytes};
use crate::certificate::{new_certificate, smime_certificate, unix_seconds};
use crate::codes::{SMIME_RESULT_CHAIN_REVOCATION_UNKNOWN, SMIME_RESULT_CHAIN_REVOKED};
use crate::error::{Error, Result, boundary, boundary_value, smime_result};
use crate::handle::{Castable, Out, OwnershipBox, free_boxed, to_boxed, try_ref, write_optional};
use crate::message::cipher_to;

// ---- enums ----------------------------------------------------------------------------------

/// The verdict for a message (`smime_verify_report_verdict`, `smime_opened_verdict`): only
/// `SMIME_VERDICT_TRUSTED` means every check of every signer passed and the signature covers
/// the whole message.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_verdict {
    /// Every signer passed every check and the signature covers the whole message.
    Trusted = 0,
    /// The message carries no signature.
    NotSigned = 1,
    /// The message is encrypted: decrypt (or open) it first.
    Encrypted = 2,
    /// The signature structure has no signers at all.
    NoSigners = 3,
    /// A detached signature whose CMS also carries content: refused.
    DetachedWithContent = 4,
    /// Some signers passed and others failed.
    MixedSigners = 5,
    /// A signature is invalid: the message was changed, or not signed by that key.
    SignatureInvalid = 6,
    /// The signature is valid but the algorithms are too weak to trust.
    WeakAlgorithm = 7,
    /// The signature is valid but the certificate does not chain to a trust anchor.
    Untrusted = 8,
    /// The signature is valid but the signer certificate was revoked.
    Revoked = 9,
    /// The certificate is expired, not yet valid, or not meant for e-mail signing.
    CertificateNotUsable = 10,
    /// The signature is valid and trusted but the certificate is not the sender's.
    AddressMismatch = 11,
    /// Every signer passed, but the signature covers only part of the message.
    PartiallySigned = 12,
    /// Every signer passed, but the signature covers only ciphertext (encrypt-then-sign).
    CiphertextOnly = 13,
    /// A verdict this version of the header does not name: not trusted.
    Other = 255,
}

fn verdict_to(v: &Verdict) -> u32 {
    (match v {
        Verdict::Trusted => smime_verdict::Trusted,
        Verdict::NotSigned => smime_verdict::NotSigned,
        Verdict::Encrypted => smime_verdict::Encrypted,
        Verdict::NoSigners => smime_verdict::NoSigners,
        Verdict::DetachedWithContent => smime_verdict::DetachedWithContent,
        Verdict::MixedSigners { .. } => smime_verdict::MixedSigners,
        Verdict::SignatureInvalid => smime_verdict::SignatureInvalid,
        Verdict::WeakAlgorithm => smime_verdict::WeakAlgorithm,
        Verdict::Untrusted => smime_verdict::Untrusted,
        Verdict::Revoked => smime_verdict::Revoked,
        Verdict::CertificateNotUsable => smime_verdict::CertificateNotUsable,
        Verdict::AddressMismatch => smime_verdict::AddressMismatch,
        Verdict::PartiallySigned { .. } => smime_verdict::PartiallySigned,
        Verdict::CiphertextOnly => smime_verdict::CiphertextOnly,
        _ => smime_verdict::Other,
    }) as u32
}

/// What a signature covers (`smime_verify_report_scope`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_signed_scope {
    /// The whole message body.
    WholeMessage = 0,
    /// Only one part of the message: the rest was not signed.
    Part = 1,
    /// Encrypted content (encrypt-then-sign): the signature covers ciphertext only.
    Ciphertext = 2,
    /// Nothing is signed.
    Nothing = 3,
    /// A scope this version of the header does not name.
    Other = 255,
}

/// How a message was signed (`smime_verify_report_kind`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_signature_kind {
    /// multipart/signed with a detached signature.
    Detached = 0,
    /// application/pkcs7-mime signed-data with the content inside.
    Opaque = 1,
    /// No signature was found.
    None = 2,
    /// A kind this version of the header does not name.
    Other = 255,
}

/// One check of a signer (`smime_verify_report_signer_check`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_check {
    /// The signature: content digest, signed attributes, signature value.
    Signature = 0,
    /// Digest and key strength against the policy.
    Algorithm = 1,
    /// The certificate path to a trust anchor.
    Chain = 2,
    /// The signer certificate's validity period at the validation time.
    Validity = 3,
    /// keyUsage: digitalSignature or nonRepudiation.
    KeyUsage = 4,
    /// extKeyUsage: emailProtection (or no EKU).
    ExtendedKeyUsage = 5,
    /// The sender's address against the certificate's addresses.
    Address = 6,
    /// Revocation of the signer's chain, from the CRLs at hand.
    Revocation = 7,
}

/// The outcome of one check.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_check_status {
    /// The check passed (for revocation: a usable CRL says not revoked).
    Passed = 0,
    /// The check failed (for revocation: revoked); the message says why.
    Failed = 1,
    /// The check was not made; the message says why.
    NotChecked = 2,
    /// Revocation only: no usable CRL says either way (does not fail the signer unless the
    /// policy's revocation mode is hard-fail, where the chain check fails too).
    Unknown = 3,
}

/// Why a signature check failed (`smime_verify_report_signer_signature_failure`): the
/// signature check has no result code of its own, this says which failure it was.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_signature_failure {
    /// The signature check did not fail (it passed, or was not made).
    None = 0,
    /// No certificate in the message or the options matches the signer id.
    CertificateNotFound = 1,
    /// The content does not hash to the signed digest: the message was changed.
    MessageDigestMismatch = 2,
    /// The signed contentType attribute does not match the content.
    ContentTypeMismatch = 3,
    /// A required signed attribute is missing.
    MissingAttribute = 4,
    /// A signed attribute that must occur once is repeated.
    RepeatedAttribute = 5,
    /// The signature value does not verify with the signer's key.
    BadSignature = 6,
    /// The digest or signature algorithm is not supported.
    UnsupportedAlgorithm = 7,
    /// The signer certificate's public key is unusable.
    BadPublicKey = 8,
    /// A signature without signed attributes over content that is a set of attributes.
    ContentIsSignedAttributes = 9,
    /// A failure this version of the header does not name (the message says what it is).
    Other = 255,
}

/// The kind of a layer of an opened message (`smime_opened_layer_kind`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_layer_kind {
    /// A signed layer: `smime_opened_layer_report` gives its verification report.
    Signed = 0,
    /// An encrypted layer: `smime_opened_layer_encryption` says how it was opened.
    Encrypted = 1,
    /// A layer this version of the header does not name.
    Other = 255,
}

// ---- smime_verify_report --------------------------------------------------------------------

/// The result of a verification: the verdict for the message, what the signature covers,
/// the content, and for each signer every check with its outcome, code and reason, the
/// signer certificate and the signing time. Made by `smime_verify`, `smime_verify_detached`,
/// `smime_keyring_verify` and `smime_opened_layer_report`; released by
/// `smime_verify_report_free`, which zeroizes the content.
///
/// Signers are numbered from 0 to `smime_verify_report_signer_count` - 1; an index out of
/// range gives `SMIME_RESULT_INVALID_ARGUMENT`.
///
/// Thread safety: immutable; may be read by any number of threads at once.
pub struct smime_verify_report {
    _private: [u8; 0],
}

/// A verification report whose content is zeroized when it is dropped.
pub(crate) struct Report(pub(crate) VerifyReport);

impl Drop for Report {
    fn drop(&mut self) {
        zeroize_report(&mut self.0);
    }
}

fn zeroize_report(r: &mut VerifyReport) {
    r.content.zeroize();
    for inner in &mut r.inner {
        zeroize_report(inner);
    }
}

impl Castable for smime_verify_report {
    type Ownership = OwnershipBox;
    type RustType = Report;
}

/// A new caller-owned report handle.
pub(crate) fn new_verify_report(report: VerifyReport) -> *mut smime_verify_report {
    to_boxed::<smime_verify_report>(Report(report))
}

fn with_report(
    report: *const smime_verify_report,
    f: impl FnOnce(&VerifyReport) -> Result<()>,
) -> smime_result {
    boundary(|| f(&try_ref(report)?.0))
}

/// `Error::Null` when one of the required out-parameters is NULL (`nulls` says which are),
/// checked before an index, so that a NULL pointer is always `SMIME_RESULT_NULL_PARAMETER`.
fn require(nulls: &[bool]) -> Result<()> {
    if nulls.iter().any(|n| *n) {
        Err(Error::Null)
    } else {
        Ok(())
    }
}

fn with_signer(
    report: *const smime_verify_report,
    index: usize,
    nulls: &[bool],
    f: impl FnOnce(&SignerReport) -> Result<()>,
) -> smime_result {
    with_report(report, |r| {
        require(nulls)?;
        let signer = r
            .signers
            .get(index)
            .ok_or(Error::InvalidArgument("signer index out of range"))?;
        f(signer)
    })
}

/// Releases `report`, zeroizing its content. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_free(report: *mut smime_verify_report) {
    boundary_value((), || free_boxed(report))
}

/// The verdict for what a user sees (`smime_verdict`), judged over every signed layer.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_verdict(
    report: *const smime_verify_report,
    out: *mut u32,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(verdict_to(&r.verdict()));
        Ok(())
    })
}

/// The verdict as a sentence for a person ("invalid signature", "not trusted: …").
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_verdict_text(
    report: *const smime_verify_report,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(new_string(r.verdict().to_string()));
        Ok(())
    })
}

/// Whether the verdict is `SMIME_VERDICT_TRUSTED`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_is_trusted(
    report: *const smime_verify_report,
    out: *mut bool,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.is_trusted());
        Ok(())
    })
}

/// What the outermost signature covers (`smime_signed_scope`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_scope(
    report: *const smime_verify_report,
    out: *mut u32,
) -> smime_result {
    with_report(report, |r| {
        let scope = match r.scope {
            SignedScope::WholeMessage => smime_signed_scope::WholeMessage,
            SignedScope::Part { .. } => smime_signed_scope::Part,
            SignedScope::Ciphertext => smime_signed_scope::Ciphertext,
            SignedScope::Nothing => smime_signed_scope::Nothing,
            _ => smime_signed_scope::Other,
        };
        Out::new(out)?.write(scope as u32);
        Ok(())
    })
}

/// How the outermost layer was signed (`smime_signature_kind`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_kind(
    report: *const smime_verify_report,
    out: *mut u32,
) -> smime_result {
    with_report(report, |r| {
        let kind = match r.kind {
            SignatureKind::Detached => smime_signature_kind::Detached,
            SignatureKind::Opaque => smime_signature_kind::Opaque,
            SignatureKind::None => smime_signature_kind::None,
            _ => smime_signature_kind::Other,
        };
        Out::new(out)?.write(kind as u32);
        Ok(())
    })
}

/// The content a user sees: the signed content of the innermost signed layer (for
/// multipart/signed, the first part exactly as signed). Zeroized when freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_content(
    report: *const smime_verify_report,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(new_secret_bytes(Zeroizing::new(r.content.clone())));
        Ok(())
    })
}

/// Whether the message, or the content under its signed layers, is encrypted (open it with
/// `smime_open`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_encrypted(
    report: *const smime_verify_report,
    out: *mut bool,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.encrypted);
        Ok(())
    })
}

/// The number of weakening settings of the policy in force (0 under a safe policy).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_weakened_by_count(
    report: *const smime_verify_report,
    out: *mut usize,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.weakened_by.len());
        Ok(())
    })
}

/// The weakening setting at `index`, by name.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_weakened_by(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_report(report, |r| {
        require(&[out.is_null()])?;
        let name = r
            .weakened_by
            .get(index)
            .ok_or(Error::InvalidArgument("index out of range"))?;
        Out::new(out)?.write(new_string(*name));
        Ok(())
    })
}

/// The number of sender addresses the signers were checked against (0 when the check was
/// skipped).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_address_count(
    report: *const smime_verify_report,
    out: *mut usize,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.addresses_checked.len());
        Ok(())
    })
}

/// The sender address at `index` that the signers were checked against.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_address(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_report(report, |r| {
        require(&[out.is_null()])?;
        let address = r
            .addresses_checked
            .get(index)
            .ok_or(Error::InvalidArgument("index out of range"))?;
        Out::new(out)?.write(new_string(address.as_str()));
        Ok(())
    })
}

/// The number of certificates the message carried.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_certificate_count(
    report: *const smime_verify_report,
    out: *mut usize,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.certificates.len());
        Ok(())
    })
}

/// A new handle to the certificate at `index` that the message carried.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_certificate(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    with_report(report, |r| {
        require(&[out.is_null()])?;
        let c = r
            .certificates
            .get(index)
            .ok_or(Error::InvalidArgument("index out of range"))?;
        Out::new(out)?.write(new_certificate(c.clone()));
        Ok(())
    })
}

/// The number of signed layers inside this one (a signed message signed again); 0 for a
/// single signature.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_inner_count(
    report: *const smime_verify_report,
    out: *mut usize,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.inner.len());
        Ok(())
    })
}

/// A new report (caller-owned) of the inner signed layer at `index`, outermost first.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_inner(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_verify_report,
) -> smime_result {
    with_report(report, |r| {
        require(&[out.is_null()])?;
        let inner = r
            .inner
            .get(index)
            .ok_or(Error::InvalidArgument("index out of range"))?;
        Out::new(out)?.write(new_verify_report(inner.clone()));
        Ok(())
    })
}

/// The number of signers of the outermost signed layer.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_count(
    report: *const smime_verify_report,
    out: *mut usize,
) -> smime_result {
    with_report(report, |r| {
        Out::new(out)?.write(r.signers.len());
        Ok(())
    })
}

/// Whether signer `index` passed every check (revocation: not revoked).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_passed(
    report: *const smime_verify_report,
    index: usize,
    out: *mut bool,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        Out::new(out)?.write(s.passed());
        Ok(())
    })
}

/// The outcome of a check.
fn outcome<F: std::fmt::Display>(
    check: &Check<F>,
    code: impl Fn(&F) -> u32,
) -> (smime_check_status, u32, String) {
    match check {
        Check::Passed => (smime_check_status::Passed, 0, "ok".to_owned()),
        Check::Failed(f) => (smime_check_status::Failed, code(f), f.to_string()),
        Check::NotChecked(why) => (smime_check_status::NotChecked, 0, why.clone()),
    }
}

fn revocation_outcome(s: &SignerReport) -> (smime_check_status, u32, String) {
    let details = s
        .chain_revocation
        .certificates
        .iter()
        .enumerate()
        .map(|(i, c)| match s.chain_revocation.subjects.get(i) {
            Some(subject) => format!("{subject}: {c}"),
            None => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    match s.revocation {
        RevocationStatus::Good => (smime_check_status::Passed, 0, details),
        RevocationStatus::Revoked => (
            smime_check_status::Failed,
            SMIME_RESULT_CHAIN_REVOKED,
            details,
        ),
        RevocationStatus::Unknown => (
            smime_check_status::Unknown,
            SMIME_RESULT_CHAIN_REVOCATION_UNKNOWN,
            details,
        ),
        _ if details.is_empty() => (
            smime_check_status::NotChecked,
            0,
            "not checked: no certificate path was found, or revocation checking is off".to_owned(),
        ),
        _ => (smime_check_status::NotChecked, 0, details),
    }
}

/// The outcome of check `check` (`smime_check`) of signer `index`: `*status` receives a
/// `smime_check_status`; `*code`, when `code` is not NULL, the failure's result code where
/// it has one (chain, validity, key usage, EKU and revocation failures; 0 otherwise: passed,
/// not checked, or a signature, algorithm or address failure, which the message explains);
/// `*message`, when `message` is not NULL, a new `smime_bytes` with the reason for a person
/// ("ok" when passed).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_check(
    report: *const smime_verify_report,
    index: usize,
    check: u32,
    status: *mut u32,
    code: *mut u32,
    message: *mut *mut smime_bytes,
) -> smime_result {
    with_signer(report, index, &[status.is_null()], |s| {
        let (st, c, text) = match check {
            0 => outcome(&s.signature, |_| 0),
            1 => outcome(&s.algorithm, |_| 0),
            2 => outcome(&s.chain, |f| f.code()),
            3 => outcome(&s.validity, |f| f.code()),
            4 => outcome(&s.key_usage, |f| f.code()),
            5 => outcome(&s.extended_key_usage, |f| f.code()),
            6 => outcome(&s.address, |_| 0),
            7 => revocation_outcome(s),
            _ => return Err(Error::InvalidArgument("unknown smime_check")),
        };
        let status = Out::new(status)?;
        status.write(st as u32);
        write_optional(code, c);
        if !message.is_null() {
            write_optional(message, new_string(text));
        }
        Ok(())
    })
}

/// Which failure the signature check of signer `index` had (`smime_signature_failure`;
/// `SMIME_SIGNATURE_FAILURE_NONE` when it did not fail).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_signature_failure(
    report: *const smime_verify_report,
    index: usize,
    out: *mut u32,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        use smime::verify::SignatureFailure as F;
        let failure = match &s.signature {
            Check::Failed(f) => match f {
                F::CertificateNotFound { .. } => smime_signature_failure::CertificateNotFound,
                F::MessageDigestMismatch => smime_signature_failure::MessageDigestMismatch,
                F::ContentTypeMismatch => smime_signature_failure::ContentTypeMismatch,
                F::MissingAttribute { .. } => smime_signature_failure::MissingAttribute,
                F::RepeatedAttribute { .. } => smime_signature_failure::RepeatedAttribute,
                F::BadSignature => smime_signature_failure::BadSignature,
                F::UnsupportedAlgorithm { .. } => smime_signature_failure::UnsupportedAlgorithm,
                F::BadPublicKey { .. } => smime_signature_failure::BadPublicKey,
                F::ContentIsSignedAttributes => smime_signature_failure::ContentIsSignedAttributes,
                _ => smime_signature_failure::Other,
            },
            _ => smime_signature_failure::None,
        };
        Out::new(out)?.write(failure as u32);
        Ok(())
    })
}

/// A new handle to the certificate of signer `index`; `SMIME_RESULT_NOT_AVAILABLE` when it
/// was not found (the signature check then failed).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_certificate(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        let out = Out::new(out)?;
        let c = s
            .certificate
            .as_ref()
            .ok_or(Error::NotAvailable("the signer certificate was not found"))?;
        out.write(new_certificate(c.clone()));
        Ok(())
    })
}

/// The number of e-mail addresses of signer `index`'s certificate (0 when it was not found).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_address_count(
    report: *const smime_verify_report,
    index: usize,
    out: *mut usize,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        let n = s.certificate.as_ref().map_or(0, |c| c.addresses().len());
        Out::new(out)?.write(n);
        Ok(())
    })
}

/// The e-mail address `address_index` of signer `index`'s certificate.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_address(
    report: *const smime_verify_report,
    index: usize,
    address_index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        let address = s
            .certificate
            .as_ref()
            .and_then(|c| c.addresses().get(address_index))
            .ok_or(Error::InvalidArgument("address index out of range"))?;
        Out::new(out)?.write(new_string(address.as_str()));
        Ok(())
    })
}

/// The signing time signer `index` claims: `*present` says whether it has one, and then
/// `*unix_seconds` receives it (seconds since 1970-01-01T00:00:00Z; left alone otherwise).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_signing_time(
    report: *const smime_verify_report,
    index: usize,
    present: *mut bool,
    unix_seconds_out: *mut i64,
) -> smime_result {
    with_signer(
        report,
        index,
        &[present.is_null(), unix_seconds_out.is_null()],
        |s| {
            let (present, time) = (Out::new(present)?, Out::new(unix_seconds_out)?);
            present.write(s.signing_time.is_some());
            if let Some(t) = s.signing_time {
                time.write(unix_seconds(t));
            }
            Ok(())
        },
    )
}

/// Whether the signing time signer `index` claims lies ahead of the verifier's time by more
/// than the tolerance for clocks that disagree (five minutes): a false claim, such as a date
/// meant to sort the message above others, that an application should show. Such a claim is
/// never used as the validation time. False when the signer claims no signing time.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_signing_time_in_future(
    report: *const smime_verify_report,
    index: usize,
    out: *mut bool,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        Out::new(out)?.write(s.signing_time_in_future);
        Ok(())
    })
}

/// The name of signer `index`'s digest algorithm ("SHA-256"…).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_digest_algorithm(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        Out::new(out)?.write(new_string(s.digest_algorithm.as_str()));
        Ok(())
    })
}

/// The name of signer `index`'s signature algorithm.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_signature_algorithm(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        Out::new(out)?.write(new_string(s.signature_algorithm.as_str()));
        Ok(())
    })
}

/// Signer `index`'s id as written in the message (issuer and serial, or key identifier).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_report_signer_id(
    report: *const smime_verify_report,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_signer(report, index, &[out.is_null()], |s| {
        Out::new(out)?.write(new_string(s.signer_id.as_str()));
        Ok(())
    })
}

// ---- smime_decrypted --------------------------------------------------------------------------

/// A decrypted message: the content, which key opened it, the cipher and whether the content
/// was integrity-protected. Made by `smime_decrypt` and `smime_keyring_decrypt`; released by
/// `smime_decrypted_free`, which zeroizes the content.
///
/// Thread safety: immutable; may be read by any number of threads at once.
pub struct smime_decrypted {
    _private: [u8; 0],
}

/// A decryption result whose content is zeroized when it is dropped.
pub(crate) struct DecryptedValue(Decrypted);

impl Drop for DecryptedValue {
    fn drop(&mut self) {
        self.0.content.zeroize();
    }
}

impl Castable for smime_decrypted {
    type Ownership = OwnershipBox;
    type RustType = DecryptedValue;
}

/// A new caller-owned decryption result.
pub(crate) fn new_decrypted(decrypted: Decrypted) -> *mut smime_decrypted {
    to_boxed::<smime_decrypted>(DecryptedValue(decrypted))
}

fn with_decrypted(
    decrypted: *const smime_decrypted,
    f: impl FnOnce(&Decrypted) -> Result<()>,
) -> smime_result {
    boundary(|| f(&try_ref(decrypted)?.0))
}

/// Releases `decrypted`, zeroizing its content. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_free(decrypted: *mut smime_decrypted) {
    boundary_value((), || free_boxed(decrypted))
}

/// The decrypted content (for a MIME message: the inner MIME entity). Zeroized when freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_content(
    decrypted: *const smime_decrypted,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_decrypted(decrypted, |d| {
        Out::new(out)?.write(new_secret_bytes(Zeroizing::new(d.content.clone())));
        Ok(())
    })
}

/// A new handle to the certificate of the key that opened the message.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_certificate(
    decrypted: *const smime_decrypted,
    out: *mut *mut smime_certificate,
) -> smime_result {
    with_decrypted(decrypted, |d| {
        Out::new(out)?.write(new_certificate(d.certificate.clone()));
        Ok(())
    })
}

/// The SHA-256 fingerprint (64 hex digits) of the certificate of the key that opened it.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_fingerprint(
    decrypted: *const smime_decrypted,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_decrypted(decrypted, |d| {
        Out::new(out)?.write(new_string(d.certificate.fingerprint().to_hex()));
        Ok(())
    })
}

/// Which of the identities passed to `smime_decrypt` opened it (its index in the array; for
/// `smime_keyring_decrypt`, the index in the keyring's key history, newest first).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_key_index(
    decrypted: *const smime_decrypted,
    out: *mut usize,
) -> smime_result {
    with_decrypted(decrypted, |d| {
        Out::new(out)?.write(d.key_index);
        Ok(())
    })
}

/// The content cipher (`smime_cipher`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_cipher(
    decrypted: *const smime_decrypted,
    out: *mut u32,
) -> smime_result {
    with_decrypted(decrypted, |d| {
        Out::new(out)?.write(cipher_to(d.cipher));
        Ok(())
    })
}

/// Whether the content was integrity-protected (AuthEnvelopedData, GCM). CBC content could
/// have been altered undetectably: treat it with suspicion unless a signature inside covers
/// it.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypted_integrity_protected(
    decrypted: *const smime_decrypted,
    out: *mut bool,
) -> smime_result {
    with_decrypted(decrypted, |d| {
        Out::new(out)?.write(d.integrity_protected);
        Ok(())
    })
}

// ---- smime_opened -----------------------------------------------------------------------------

/// A message opened layer by layer (`smime_open`, `smime_keyring_open`): the layers,
/// outermost first (signed or encrypted), the innermost content and the verdict for it.
/// Released by `smime_opened_free`, which zeroizes the content.
///
/// Only signed layers inside the innermost encrypted layer vouch for the content: a signature
/// outside an encryption covers ciphertext, and `smime_opened_verdict` does not count it.
///
/// Thread safety: immutable; may be read by any number of threads at once.
pub struct smime_opened {
    _private: [u8; 0],
}

/// An opened message whose contents are zeroized when it is dropped.
pub(crate) struct OpenedValue(Opened);

impl Drop for OpenedValue {
    fn drop(&mut self) {
        self.0.content.zeroize();
        for layer in &mut self.0.layers {
            if let Layer::Signed(r) = layer {
                zeroize_report(r);
            }
        }
    }
}

impl Castable for smime_opened {
    type Ownership = OwnershipBox;
    type RustType = OpenedValue;
}

/// A new caller-owned opened message.
pub(crate) fn new_opened(opened: Opened) -> *mut smime_opened {
    to_boxed::<smime_opened>(OpenedValue(opened))
}

fn with_opened(opened: *const smime_opened, f: impl FnOnce(&Opened) -> Result<()>) -> smime_result {
    boundary(|| f(&try_ref(opened)?.0))
}

fn with_layer(
    opened: *const smime_opened,
    index: usize,
    nulls: &[bool],
    f: impl FnOnce(&Layer) -> Result<()>,
) -> smime_result {
    with_opened(opened, |o| {
        require(nulls)?;
        let layer = o
            .layers
            .get(index)
            .ok_or(Error::InvalidArgument("layer index out of range"))?;
        f(layer)
    })
}

/// Releases `opened`, zeroizing its content. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_free(opened: *mut smime_opened) {
    boundary_value((), || free_boxed(opened))
}

/// The number of layers (0 for a plain message).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_layer_count(
    opened: *const smime_opened,
    out: *mut usize,
) -> smime_result {
    with_opened(opened, |o| {
        Out::new(out)?.write(o.layers.len());
        Ok(())
    })
}

/// The kind of layer `index` (`smime_layer_kind`), outermost first.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_layer_kind(
    opened: *const smime_opened,
    index: usize,
    out: *mut u32,
) -> smime_result {
    with_layer(opened, index, &[out.is_null()], |l| {
        let kind = match l {
            Layer::Signed(_) => smime_layer_kind::Signed,
            Layer::Encrypted { .. } => smime_layer_kind::Encrypted,
            _ => smime_layer_kind::Other,
        };
        Out::new(out)?.write(kind as u32);
        Ok(())
    })
}

/// A new report (caller-owned) of signed layer `index`; `SMIME_RESULT_NOT_AVAILABLE` for an
/// encrypted layer.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_layer_report(
    opened: *const smime_opened,
    index: usize,
    out: *mut *mut smime_verify_report,
) -> smime_result {
    with_layer(opened, index, &[out.is_null()], |l| {
        let out = Out::new(out)?;
        match l {
            Layer::Signed(r) => {
                out.write(new_verify_report(r.as_ref().clone()));
                Ok(())
            }
            _ => Err(Error::NotAvailable("the layer is not a signed layer")),
        }
    })
}

/// How encrypted layer `index` was opened: `*cipher` (`smime_cipher`), `*integrity_protected`
/// and `*key_index` (which identity opened it); `SMIME_RESULT_NOT_AVAILABLE` for a signed
/// layer.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_layer_encryption(
    opened: *const smime_opened,
    index: usize,
    cipher: *mut u32,
    integrity_protected: *mut bool,
    key_index: *mut usize,
) -> smime_result {
    with_layer(
        opened,
        index,
        &[
            cipher.is_null(),
            integrity_protected.is_null(),
            key_index.is_null(),
        ],
        |l| {
            let (c, i, k) = (
                Out::new(cipher)?,
                Out::new(integrity_protected)?,
                Out::new(key_index)?,
            );
            match l {
                Layer::Encrypted {
                    key_index: index,
                    cipher: content_cipher,
                    integrity_protected: protected,
                } => {
                    c.write(cipher_to(*content_cipher));
                    i.write(*protected);
                    k.write(*index);
                    Ok(())
                }
                _ => Err(Error::NotAvailable("the layer is not an encrypted layer")),
            }
        },
    )
}

/// The verdict for the content (`smime_verdict`): `SMIME_VERDICT_NOT_SIGNED` when no
/// signature covers it (a signature over ciphertext does not).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_verdict(opened: *const smime_opened, out: *mut u32) -> smime_result {
    with_opened(opened, |o| {
        Out::new(out)?.write(verdict_to(&o.verdict()));
        Ok(())
    })
}

/// The innermost content: the MIME entity a mail app shows. Zeroized when freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_content(
    opened: *const smime_opened,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_opened(opened, |o| {
        Out::new(out)?.write(new_secret_bytes(Zeroizing::new(o.content.clone())));
        Ok(())
    })
}

/// Whether the outermost layer is only one part of its message (the parts beside it are
/// neither decrypted nor signed).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_opened_partial(
    opened: *const smime_opened,
    out: *mut bool,
) -> smime_result {
    with_opened(opened, |o| {
        Out::new(out)?.write(o.partial.is_some());
        Ok(())
    })
}
