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
//! A signed message signed again is verified layer by layer ([`VerifyReport::inner`]); the
//! verdict follows the innermost signed layer, whose content is what a user sees (see
//! [`VerifyReport::verdict`] for the rule). A signature over encrypted content covers only
//! ciphertext ([`SignedScope::Ciphertext`]).
//!
//! Errors ([`VerifyError`]) are only for input that cannot be examined at all (malformed MIME
//! or CMS). A bad signature is a finding, not an error.

use crate::certificate::Certificate;
use crate::classify::{self, LayerKind};
use crate::cms::signed_attributes::{self, AttributeProblem, SignatureInput};
use crate::cms::signed_data::{self, SignerId, SignerInfo};
use crate::crypto::verify::{
    KeyAlgorithm, SigCheckError, key_info, verify_signature, verify_signature_prehashed,
};
use crate::crypto::{DigestAlgorithm, oids};
use crate::error::{ParseError, VerifyError};
use crate::mime::{self, SmimeKind};
pub use crate::mime::{FromFields, from_fields};
use crate::policy::Policy;
use crate::validate::revocation::PathRevocation;
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
    /// The mailboxes of the message's From header fields (the default): every one of them.
    /// A From header inside the signed content is the protected one and is used instead; an
    /// outer From that names other mailboxes fails the check. A message without any From
    /// fails this check: there is nothing to tie the signer to.
    #[default]
    FromHeader,
    /// This address, and only this one: the message's From fields, outer or signed, are not
    /// consulted.
    Expect(String),
    /// The From fields of an enclosing message (read with [`mime::from_fields`]), for a layer
    /// inside it, such as the signed content of a decrypted message: every mailbox must be
    /// covered, and a signed inner From must name the same mailboxes.
    Outer(mime::FromFields),
}

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Trust anchors. Without any, no chain can be trusted.
    pub trust_anchors: Vec<Certificate>,
    /// More certificates: signer certificates not in the message, intermediates.
    pub certificates: Vec<Certificate>,
    /// CRLs (DER). With none, revocation is reported as not checked.
    pub crls: Vec<Vec<u8>>,
    /// The address check. Skipping it is a weakening setting:
    /// [`crate::policy::DangerousPolicy::skip_address_check`].
    pub address: AddressPolicy,
    /// What is accepted: algorithms, validation time, revocation mode, certificate-policy
    /// inputs, limits, and any weakening settings.
    pub policy: Policy,
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
    /// The signer has no signed attributes and the content it signs is itself a DER set of
    /// attributes: the signature value could be one taken from another message, where it
    /// signed those attributes, re-used to make them look like signed content.
    ContentIsSignedAttributes,
    /// The content was not hashed with the signer's digest algorithm, so its signature cannot
    /// be checked: a streaming verification of multipart/signed hashes the content with the
    /// algorithms its `micalg` parameter names (or SHA-256, SHA-384 and SHA-512 when it names
    /// none that is usable), in one pass.
    DigestNotComputed {
        /// The signer's digest algorithm.
        digest: String,
        /// The algorithms the content was hashed with.
        computed: Vec<String>,
        /// Why those, when there is more to say (the `micalg` value).
        note: Option<String>,
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
            SignatureFailure::ContentIsSignedAttributes => write!(
                f,
                "refused: a signature without signed attributes over content that is a set of \
                 signed attributes (a signature re-used from another message)"
            ),
            SignatureFailure::DigestNotComputed {
                digest,
                computed,
                note,
            } => {
                write!(
                    f,
                    "the content was not hashed with {digest}, the signer's digest (only with {})",
                    if computed.is_empty() {
                        "none".to_string()
                    } else {
                        computed.join(", ")
                    }
                )?;
                if let Some(note) = note {
                    write!(f, "; {note}")?;
                }
                Ok(())
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
    /// An RSA key shorter than the policy's minimum.
    WeakKey {
        /// The key size.
        bits: usize,
        /// The policy's minimum.
        minimum: usize,
    },
    /// A signature algorithm the policy does not accept (RSASSA-PSS when it is turned off).
    NotAccepted {
        /// The algorithm name.
        name: String,
    },
}

impl fmt::Display for AlgorithmProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlgorithmProblem::WeakDigest { name } => {
                write!(f, "{name} is too weak to trust a signature")
            }
            AlgorithmProblem::WeakKey { bits, minimum } => {
                write!(
                    f,
                    "the {bits}-bit RSA key is too short ({minimum} bits at least)"
                )
            }
            AlgorithmProblem::NotAccepted { name } => {
                write!(f, "the signature algorithm {name} is not accepted")
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
    /// The certificate covers some of the sender mailboxes but not all (several From fields,
    /// or several mailboxes in From): every one must be covered.
    Unmatched {
        /// The mailboxes the certificate does not carry.
        unmatched: Vec<String>,
        /// The addresses the certificate carries.
        certificate: Vec<String>,
    },
    /// The From the user sees (outer, unprotected) names other mailboxes than the From inside
    /// the signed content (protected): the outer one could have been changed.
    OuterFromDiffers {
        /// The mailboxes of the outer From fields.
        outer: Vec<String>,
        /// The mailboxes of the signed inner From fields.
        signed: Vec<String>,
    },
    /// A From field does not follow the address grammar, so who it names cannot be known.
    UnreadableFrom {
        /// Which field, and what is wrong with it.
        detail: String,
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
            AddressFailure::Unmatched {
                unmatched,
                certificate,
            } => write!(
                f,
                "the sender includes {} but the certificate is only for {}",
                unmatched.join(", "),
                if certificate.is_empty() {
                    "no e-mail address".to_string()
                } else {
                    certificate.join(", ")
                }
            ),
            AddressFailure::OuterFromDiffers { outer, signed } => write!(
                f,
                "the message shows From {} but the signed content is from {}",
                if outer.is_empty() {
                    "(no mailbox)".to_string()
                } else {
                    outer.join(", ")
                },
                signed.join(", ")
            ),
            AddressFailure::UnreadableFrom { detail } => {
                write!(f, "the sender cannot be determined: {detail}")
            }
        }
    }
}

/// Everything found about one signer.
#[derive(Debug, Clone)]
pub struct SignerReport {
    /// The signer id as written in the message.
    pub signer_id: String,
    /// The signer certificate, when found.
    pub certificate: Option<Certificate>,
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
    /// The sender against the certificate: every mailbox of [`VerifyReport::addresses_checked`]
    /// must be one of this certificate's addresses (each signer is held to every mailbox).
    pub address: Check<AddressFailure>,
    /// Revocation (from the CRLs the caller supplied).
    pub revocation: RevocationStatus,
    /// The revocation outcome of each certificate of the signer's chain (end entity first,
    /// trust anchor excluded) with its subject: good, revoked (with the reason and date), or
    /// unknown (with why). Empty when no chain was found or the certificate was not found.
    pub chain_revocation: PathRevocation,
    /// The signer's `SMIMECapabilities` attribute (DER), if it sent exactly one.
    pub capabilities: Option<Vec<u8>>,
    /// The certificate the signer asks mail to be encrypted to (`SMIMEEncryptionKeyPreference`),
    /// if it named one.
    pub encryption_key_preference: Option<SignerId>,
    /// The time the certificate was judged at (the policy's validation time).
    pub validation_time: SystemTime,
    /// Whether the signer certificate was within its validity period at the claimed signing
    /// time; `None` when the signer claims no signing time (or there is no certificate).
    pub valid_at_signing_time: Option<bool>,
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
    /// Encrypted content (encrypt-then-sign): the signature covers the ciphertext, not the
    /// content a user reads after decryption (RFC 8551 section 3.7). It says who sent the
    /// encrypted message, not who wrote what is inside.
    Ciphertext,
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
    /// Every signer passed, but the signature covers only ciphertext (encrypt-then-sign): it
    /// says nothing about who wrote the decrypted content.
    CiphertextOnly,
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
            Verdict::CiphertextOnly => write!(
                f,
                "the signature covers only the encrypted form: it does not say who wrote the content"
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
    /// The content a user sees: the exact signed content of the innermost signed layer (for
    /// multipart/signed: the first part as signed). For a layer in [`VerifyReport::inner`]: that
    /// layer's own signed content. When the walk stopped at an encrypted layer, the encrypted
    /// entity (decrypt it with [`open`](crate::decrypt::open)).
    pub content: Vec<u8>,
    /// The addresses the signers were checked against (empty when the check was skipped).
    pub addresses_checked: Vec<String>,
    /// Whether [`VerifyReport::addresses_checked`] came from a From header inside the signed
    /// content (protected by the signature) rather than from the outer, unprotected header or
    /// from the caller.
    pub addresses_from_signed_header: bool,
    /// Whether the address check was skipped on request (a weakening setting).
    pub address_check_skipped: bool,
    /// The weakening settings of the policy in force, by name (empty under a safe policy).
    pub weakened_by: Vec<&'static str>,
    /// Whether a detached signature also carried content (always refused).
    pub detached_with_content: bool,
    /// Whether the message is encrypted rather than signed, or the content under its signed
    /// layers is (encrypt-then-sign): decrypt it with [`open`](crate::decrypt::open).
    pub encrypted: bool,
    /// The certificates the message carried, in message order (any that cannot be parsed are
    /// left out).
    pub certificates: Vec<Certificate>,
    /// The signed layers inside this one (a signed message signed again), outermost first,
    /// each verified with its own signers and address check; empty for a single signature
    /// and for the layers themselves. The fields above describe the outermost layer.
    pub inner: Vec<VerifyReport>,
}

impl VerifyReport {
    fn empty(kind: SignatureKind) -> Self {
        VerifyReport {
            kind,
            scope: SignedScope::Nothing,
            signers: Vec::new(),
            content: Vec::new(),
            addresses_checked: Vec::new(),
            addresses_from_signed_header: false,
            address_check_skipped: false,
            weakened_by: Vec::new(),
            detached_with_content: false,
            encrypted: false,
            certificates: Vec::new(),
            inner: Vec::new(),
        }
    }

    /// Every signed layer, outermost first: this one, then [`VerifyReport::inner`].
    pub fn layers(&self) -> impl Iterator<Item = &VerifyReport> {
        std::iter::once(self).chain(self.inner.iter())
    }

    /// The signed layer that vouches for the content a user sees: the innermost one; `None`
    /// when the content is encrypted (the signatures cover only ciphertext) or not signed.
    pub fn content_layer(&self) -> Option<&VerifyReport> {
        match self.layers().last() {
            Some(l)
                if l.kind != SignatureKind::None
                    && l.scope != SignedScope::Ciphertext
                    && !self.encrypted =>
            {
                Some(l)
            }
            _ => None,
        }
    }

    /// The signers whose signature covers the content a user sees: those of
    /// [`VerifyReport::content_layer`]; none when the content is encrypted or not signed.
    pub fn content_signers(&self) -> &[SignerReport] {
        self.content_layer().map_or(&[], |l| l.signers.as_slice())
    }

    /// The verdict for what a user sees, judged by the layers that content depends on.
    ///
    /// The rule:
    /// - an encrypted message, or signatures around encrypted content (the content is not
    ///   readable yet), is [`Verdict::Encrypted`];
    /// - otherwise the verdict is that of the innermost signed layer ([`layer_verdict`]): the
    ///   content shown is that layer's signed content, so its signers are the ones who vouch for
    ///   it. A failing outer layer (a broken or untrusted signature around a trusted one) is
    ///   reported in [`layers`], but neither hides a good inner signature nor makes a bad
    ///   inner one trusted;
    /// - a trusted innermost layer under an outer layer that signs only one part of its
    ///   message is [`Verdict::PartiallySigned`] with that part's path: the unsigned rest is
    ///   shown with it.
    ///
    /// Every signed layer checks its signers against the same sender address (the From of the
    /// message, unless [`VerifyOptions::address`] says otherwise), so an inner signer that is
    /// not the sender is [`Verdict::AddressMismatch`].
    ///
    /// [`layer_verdict`]: VerifyReport::layer_verdict
    /// [`layers`]: VerifyReport::layers
    pub fn verdict(&self) -> Verdict {
        if self.encrypted {
            return Verdict::Encrypted;
        }
        let layers: Vec<&VerifyReport> = self.layers().collect();
        combined_verdict(&layers)
    }

    /// The verdict of this signed layer alone (its signers and its scope), not looking at
    /// [`VerifyReport::inner`]: [`Verdict::Trusted`] only when every signer passed every check
    /// and the signature covers the whole message; a trusted signature over ciphertext is
    /// [`Verdict::CiphertextOnly`].
    pub fn layer_verdict(&self) -> Verdict {
        if self.encrypted && self.kind == SignatureKind::None {
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
        match &self.scope {
            SignedScope::Part { path } => Verdict::PartiallySigned { path: path.clone() },
            SignedScope::Ciphertext => Verdict::CiphertextOnly,
            _ => Verdict::Trusted,
        }
    }

    /// Whether the verdict is [`Verdict::Trusted`].
    pub fn is_trusted(&self) -> bool {
        self.verdict() == Verdict::Trusted
    }
}

/// The verdict of a stack of signed layers (outermost first) over the content a user sees: see
/// [`VerifyReport::verdict`] for the rule.
pub(crate) fn combined_verdict(layers: &[&VerifyReport]) -> Verdict {
    let Some((shown, outer)) = layers.split_last() else {
        return Verdict::NotSigned;
    };
    let v = shown.layer_verdict();
    if v != Verdict::Trusted {
        return v;
    }
    for l in outer {
        if let SignedScope::Part { path } = &l.scope {
            return Verdict::PartiallySigned { path: path.clone() };
        }
    }
    Verdict::Trusted
}

/// A place to find signer certificates that a message does not carry, such as a keyring.
pub trait CertificateLookup {
    /// Certificates that may be the one `id` names; those that do not match are ignored.
    fn signer_certificates(&self, id: &SignerId) -> Vec<Certificate>;
}

/// No certificates beyond the message's and [`VerifyOptions::certificates`].
struct NoLookup;

impl CertificateLookup for NoLookup {
    fn signer_certificates(&self, _id: &SignerId) -> Vec<Certificate> {
        Vec::new()
    }
}

/// Verifies a signed message (a whole RFC 5322 message or a bare MIME entity).
pub fn verify(message: &[u8], options: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    verify_with(message, options, &NoLookup)
}

/// Like [`verify`], also asking `lookup` for signer certificates the message does not carry.
///
/// Every signed layer is verified, outermost first, down to the content a user sees (at most
/// [`Limits::max_layers`](crate::policy::Limits::max_layers) layers): the report describes the outermost
/// layer, [`VerifyReport::inner`] the signed layers inside it, and [`VerifyReport::content`]
/// is the innermost content. When the walk reaches an encrypted layer it stops there: the
/// signatures above it cover ciphertext ([`SignedScope::Ciphertext`]), the content is the
/// encrypted entity, and the verdict is [`Verdict::Encrypted`].
pub fn verify_with(
    message: &[u8],
    options: &VerifyOptions,
    lookup: &dyn CertificateLookup,
) -> Result<VerifyReport, VerifyError> {
    let classified = classify::classify_message(message, &options.policy.limits.mime)?;
    let Some(outer) = classified.outermost else {
        return Ok(VerifyReport::empty(SignatureKind::None));
    };
    if outer.kind == LayerKind::Encrypted {
        let mut r = VerifyReport::empty(SignatureKind::None);
        r.encrypted = true;
        return Ok(r);
    }
    let top_from = classified.from_fields;
    let addresses = layer_addresses(options, &top_from, &top_from);
    let mut report = verify_layer(message, &outer, addresses, options, lookup)?;
    let mut inner: Vec<VerifyReport> = Vec::new();
    let mut encrypted = false;
    loop {
        let content = inner.last().unwrap_or(&report).content.as_slice();
        let Some((layer_from, next)) = next_layer(content, &options.policy.limits.mime)? else {
            break;
        };
        if next.kind == LayerKind::Encrypted {
            encrypted = true;
            break;
        }
        let max_layers = options.policy.limits.max_layers;
        if inner.len() + 1 >= max_layers {
            return Err(VerifyError::Parse(ParseError::TooDeep {
                limit: max_layers,
            }));
        }
        let addresses = layer_addresses(options, &top_from, &layer_from);
        let layer = verify_layer(content, &next, addresses, options, lookup)?;
        inner.push(layer);
    }
    if encrypted {
        report.scope = SignedScope::Ciphertext;
        for l in &mut inner {
            l.scope = SignedScope::Ciphertext;
        }
        report.encrypted = true;
    }
    if let Some(last) = inner.last() {
        report.content = last.content.clone();
    }
    report.inner = inner;
    Ok(report)
}

/// The next protective layer inside `content`, if any (empty content has none), with the From
/// fields of the entity that holds it.
fn next_layer(
    content: &[u8],
    limits: &mime::Limits,
) -> Result<Option<(mime::FromFields, classify::Outermost)>, VerifyError> {
    if content.is_empty() {
        return Ok(None);
    }
    let c = classify::classify_message(content, limits)?;
    Ok(c.outermost.map(|n| (c.from_fields, n)))
}

/// Where a signed layer's sender comes from: the caller's address; or, with
/// [`AddressPolicy::FromHeader`], the From fields of the message the user sees (`top_from`),
/// or when that message has none, those of the layer's own entity (`layer_from`). A From inside
/// the layer's signed content then takes precedence (see `sender_plan`).
pub(crate) fn layer_addresses(
    options: &VerifyOptions,
    top_from: &mime::FromFields,
    layer_from: &mime::FromFields,
) -> SenderInput {
    match &options.address {
        AddressPolicy::FromHeader if !options.policy.dangerous().address_check_skipped() => {
            if top_from.present() || top_from.unreadable.is_some() {
                SenderInput::Outer(top_from.clone())
            } else {
                SenderInput::Outer(layer_from.clone())
            }
        }
        _ => sender_input(options),
    }
}

/// Verifies one signed layer: the signed structure `outer` found in `message` by
/// [`classify`](crate::classify::classify). The report's content is the layer's signed content;
/// nothing inside it is looked at.
pub(crate) fn verify_layer(
    message: &[u8],
    outer: &classify::Outermost,
    addresses: SenderInput,
    options: &VerifyOptions,
    lookup: &dyn CertificateLookup,
) -> Result<VerifyReport, VerifyError> {
    let part = &outer.part;
    let scope = if outer.is_whole_message() {
        SignedScope::WholeMessage
    } else {
        SignedScope::Part {
            path: part.path.clone(),
        }
    };
    let mut report = if part.kind == SmimeKind::MultipartSigned {
        let content = classify::signed_content(message, part)?;
        check(Some(&content), &part.cms, addresses, options, lookup)?
    } else {
        check(None, &part.cms, addresses, options, lookup)?
    };
    report.scope = scope;
    Ok(report)
}

/// Verifies a detached signature (a `.p7s`: CMS SignedData as DER, BER or PEM) over
/// `content`, given separately and checked exactly as given (and in CRLF form when it was
/// stored with bare LFs). The address check follows `options.address`: with
/// [`AddressPolicy::FromHeader`] the From fields of `content` are used when it is a message.
///
/// A whole message (multipart/signed, or an opaque signature as MIME, DER or PEM) goes to
/// [`verify`] instead.
pub fn verify_detached(
    content: &[u8],
    signature: &[u8],
    options: &VerifyOptions,
) -> Result<VerifyReport, VerifyError> {
    let der = match classify::bare_cms(signature)? {
        Some(der) => der,
        None => {
            return Err(VerifyError::Parse(ParseError::NotSmime {
                detail: "the signature is not a CMS structure (DER, BER or PEM)".into(),
            }));
        }
    };
    let addresses = match &options.address {
        AddressPolicy::FromHeader if !options.policy.dangerous().address_check_skipped() => {
            SenderInput::Outer(mime::from_fields(content))
        }
        _ => sender_input(options),
    };
    let mut r = check(Some(content), &der, addresses, options, &NoLookup)?;
    r.scope = SignedScope::WholeMessage;
    Ok(r)
}

/// Where the sender mailboxes come from, before the signed content is looked at.
pub(crate) enum SenderInput {
    /// The check is skipped on request.
    Skip,
    /// The caller named the address.
    Given(Vec<String>),
    /// The outer From fields (none when there is no header).
    Outer(mime::FromFields),
}

/// The sender input of the options; [`AddressPolicy::FromHeader`] without a header to read is
/// an outer header without From fields. Skipped when the policy's weakening setting says so.
fn sender_input(options: &VerifyOptions) -> SenderInput {
    if options.policy.dangerous().address_check_skipped() {
        return SenderInput::Skip;
    }
    match &options.address {
        AddressPolicy::FromHeader => SenderInput::Outer(mime::FromFields::default()),
        AddressPolicy::Expect(a) => SenderInput::Given(vec![a.clone()]),
        AddressPolicy::Outer(f) => SenderInput::Outer(f.clone()),
    }
}

/// What every signer certificate is checked against, once the signed content is known.
#[derive(Debug, Clone)]
pub(crate) enum SenderPlan {
    /// Nothing (skipped on request).
    Skip,
    /// Every one of these mailboxes must be covered by the certificate.
    Check {
        /// The mailboxes.
        mailboxes: Vec<String>,
        /// Whether they come from a From header inside the signed content.
        protected: bool,
    },
    /// The sender check fails whatever the certificate (an unreadable From, or an outer From
    /// that contradicts the signed one).
    Fail {
        /// Why.
        failure: AddressFailure,
        /// The mailboxes reported as checked.
        mailboxes: Vec<String>,
        /// Whether those come from the signed content.
        protected: bool,
    },
}

/// Decides who the sender is: a From header inside the signed content (`content`) is the
/// protected one and wins; an outer From must then name the same mailboxes. A From field that
/// cannot be read fails the check.
pub(crate) fn sender_plan(input: SenderInput, content: &[u8]) -> SenderPlan {
    let outer = match input {
        SenderInput::Skip => return SenderPlan::Skip,
        SenderInput::Given(mailboxes) => {
            return SenderPlan::Check {
                mailboxes,
                protected: false,
            };
        }
        SenderInput::Outer(outer) => outer,
    };
    let signed = mime::protected_from_fields(content);
    for fields in [&outer, &signed] {
        if let Some(detail) = &fields.unreadable {
            return SenderPlan::Fail {
                failure: AddressFailure::UnreadableFrom {
                    detail: detail.clone(),
                },
                mailboxes: Vec::new(),
                protected: false,
            };
        }
    }
    if !signed.present() {
        return SenderPlan::Check {
            mailboxes: outer.mailboxes,
            protected: false,
        };
    }
    if outer.present() && !same_mailboxes(&outer.mailboxes, &signed.mailboxes) {
        return SenderPlan::Fail {
            failure: AddressFailure::OuterFromDiffers {
                outer: outer.mailboxes,
                signed: signed.mailboxes.clone(),
            },
            mailboxes: signed.mailboxes,
            protected: true,
        };
    }
    SenderPlan::Check {
        mailboxes: signed.mailboxes,
        protected: true,
    }
}

/// Whether two lists name the same set of mailboxes (by [`validate::address_matches`]).
fn same_mailboxes(a: &[String], b: &[String]) -> bool {
    let covered = |x: &[String], y: &[String]| {
        x.iter()
            .all(|m| y.iter().any(|n| validate::address_matches(n, m)))
    };
    covered(a, b) && covered(b, a)
}

/// The sender check for one signer certificate: every mailbox must be one of its addresses.
fn check_sender(plan: &SenderPlan, cert_addresses: &[String]) -> Check<AddressFailure> {
    match plan {
        SenderPlan::Skip => Check::NotChecked("skipped on request".into()),
        SenderPlan::Fail { failure, .. } => Check::Failed(failure.clone()),
        SenderPlan::Check { mailboxes, .. } if mailboxes.is_empty() => {
            Check::Failed(AddressFailure::NoAddressToCheck)
        }
        SenderPlan::Check { mailboxes, .. } => {
            let unmatched: Vec<String> = mailboxes
                .iter()
                .filter(|want| {
                    !cert_addresses
                        .iter()
                        .any(|have| validate::address_matches(have, want))
                })
                .cloned()
                .collect();
            if unmatched.is_empty() {
                Check::Passed
            } else if unmatched.len() == mailboxes.len() {
                Check::Failed(AddressFailure::Mismatch {
                    expected: mailboxes.clone(),
                    certificate: cert_addresses.to_vec(),
                })
            } else {
                Check::Failed(AddressFailure::Unmatched {
                    unmatched,
                    certificate: cert_addresses.to_vec(),
                })
            }
        }
    }
}

/// The names of the weakening settings in force.
fn weakenings(policy: &Policy) -> Vec<&'static str> {
    let d = policy.dangerous();
    let mut out = Vec::new();
    if d.address_check_skipped() {
        out.push("address check skipped");
    }
    if d.pinned_is_path() {
        out.push("a pinned certificate counts as its own path");
    }
    out
}

/// Checks a SignedData: `detached` is the external content for a detached signature.
fn check(
    detached: Option<&[u8]>,
    cms: &[u8],
    addresses: SenderInput,
    options: &VerifyOptions,
    lookup: &dyn CertificateLookup,
) -> Result<VerifyReport, VerifyError> {
    let sd = signed_data::parse_signed_data(cms)?;
    // The content candidates: as given, and in CRLF form for content stored with bare LFs
    // (the signer hashed the canonical CRLF form).
    let content: &[u8] = match (detached, &sd.econtent) {
        (Some(d), _) => d,
        (None, Some(e)) => e,
        (None, None) => return Err(no_content()),
    };
    let canonical = if detached.is_some() && mime::has_bare_lf(content) {
        Some(mime::to_crlf(content))
    } else {
        None
    };
    let digests = ContentDigests::compute(content, canonical.as_deref(), &signer_digests(&sd));
    let sender = sender_plan(addresses, content);
    let (mut report, matched_canonical) =
        check_parsed(&sd, detached.is_some(), &digests, sender, options, lookup);
    report.content = match (matched_canonical, canonical) {
        (true, Some(c)) => c,
        _ => content.to_vec(),
    };
    Ok(report)
}

fn no_content() -> VerifyError {
    VerifyError::Parse(ParseError::NotSmime {
        detail: "an opaque signature without content (detached signature without its content)"
            .into(),
    })
}

/// The digest algorithms the signers of `sd` name that can be computed, each once (at most
/// the four SHA algorithms, however many signers there are).
pub(crate) fn signer_digests(sd: &signed_data::SignedData) -> Vec<DigestAlgorithm> {
    let mut out: Vec<DigestAlgorithm> = Vec::new();
    for si in &sd.signers {
        if let Some(d) = DigestAlgorithm::from_oid(&si.digest_algorithm.oid)
            && d.hasher().is_some()
            && !out.contains(&d)
        {
            out.push(d);
        }
    }
    out
}

/// The digests of one signed content, each computed once per digest algorithm and per form
/// (as given, and the CRLF form when the content had bare LFs): the signers look theirs up,
/// so 64 signers cost no more hashing than one.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContentDigests {
    /// The digests of the content as given.
    pub(crate) raw: Vec<(DigestAlgorithm, Vec<u8>)>,
    /// The digests of the CRLF form, when there is one.
    pub(crate) canonical: Option<Vec<(DigestAlgorithm, Vec<u8>)>>,
    /// Whether the content may be signed without signed attributes (it is not a DER set of
    /// attributes; see [`signed_attributes::may_be_signed_without_attributes`]).
    pub(crate) may_be_signed_without_attributes: bool,
    /// More about the algorithms computed (the `micalg` value), for a failure reason.
    pub(crate) computed_note: Option<String>,
}

impl ContentDigests {
    /// Hashes `content` (and `canonical`) once with each of `algorithms`.
    pub(crate) fn compute(
        content: &[u8],
        canonical: Option<&[u8]>,
        algorithms: &[DigestAlgorithm],
    ) -> Self {
        let hash = |data: &[u8]| {
            let mut set = HasherSet::new(algorithms);
            set.update(data);
            set.finish()
        };
        ContentDigests {
            raw: hash(content),
            canonical: canonical.map(hash),
            may_be_signed_without_attributes: signed_attributes::may_be_signed_without_attributes(
                content,
            ) && canonical
                .is_none_or(signed_attributes::may_be_signed_without_attributes),
            computed_note: None,
        }
    }

    fn raw(&self, d: DigestAlgorithm) -> Option<&[u8]> {
        lookup_digest(&self.raw, d)
    }

    fn canonical(&self, d: DigestAlgorithm) -> Option<&[u8]> {
        self.canonical.as_ref().and_then(|c| lookup_digest(c, d))
    }
}

fn lookup_digest(list: &[(DigestAlgorithm, Vec<u8>)], d: DigestAlgorithm) -> Option<&[u8]> {
    list.iter()
        .find(|(a, _)| *a == d)
        .map(|(_, v)| v.as_slice())
}

/// One incremental hasher per digest algorithm, fed together: the content is read once
/// whatever the number of algorithms.
pub(crate) struct HasherSet {
    hashers: Vec<crate::crypto::Hasher>,
}

impl HasherSet {
    /// Hashers for `algorithms` (duplicates and MD5 are left out).
    pub(crate) fn new(algorithms: &[DigestAlgorithm]) -> Self {
        let mut hashers: Vec<crate::crypto::Hasher> = Vec::new();
        for &d in algorithms {
            if hashers.iter().any(|h| h.algorithm() == d) {
                continue;
            }
            if let Some(h) = d.hasher() {
                hashers.push(h);
            }
        }
        HasherSet { hashers }
    }

    /// Feeds `data` to every hasher.
    pub(crate) fn update(&mut self, data: &[u8]) {
        for h in &mut self.hashers {
            stats::hashed(data.len());
            h.update(data);
        }
    }

    /// The digests, by algorithm.
    pub(crate) fn finish(self) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        self.hashers
            .into_iter()
            .map(|h| (h.algorithm(), h.finish()))
            .collect()
    }
}

/// Counters of the content hashing a verification does, for the tests that bound it.
#[cfg(test)]
pub(crate) mod stats {
    use std::cell::Cell;

    thread_local! {
        static HASHED: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn hashed(n: usize) {
        HASHED.with(|c| c.set(c.get() + n as u64));
    }

    /// Content bytes fed to a hasher (counted once per algorithm) since the last call, on this
    /// thread.
    pub(crate) fn take() -> u64 {
        HASHED.with(|c| c.replace(0))
    }
}

#[cfg(not(test))]
mod stats {
    pub(crate) fn hashed(_: usize) {}
}

/// Checks the signers of a parsed SignedData against the digests of its content: the checks
/// shared by the one-shot and the streaming verification. Returns the report (without its
/// content) and whether a signer matched the CRLF form of the content.
pub(crate) fn check_parsed(
    sd: &signed_data::SignedData,
    detached: bool,
    digests: &ContentDigests,
    sender: SenderPlan,
    options: &VerifyOptions,
    lookup: &dyn CertificateLookup,
) -> (VerifyReport, bool) {
    let kind = if detached {
        SignatureKind::Detached
    } else {
        SignatureKind::Opaque
    };
    let mut report = VerifyReport::empty(kind);
    report.weakened_by = weakenings(&options.policy);
    report.detached_with_content = detached && sd.econtent.is_some();
    report.address_check_skipped = matches!(sender, SenderPlan::Skip);
    if let SenderPlan::Check {
        mailboxes,
        protected,
    }
    | SenderPlan::Fail {
        mailboxes,
        protected,
        ..
    } = &sender
    {
        report.addresses_checked = mailboxes.clone();
        report.addresses_from_signed_header = *protected;
    }

    // A broken certificate in the message is skipped, not fatal: the signer may not need it.
    let carried: Vec<Certificate> = sd
        .certificates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    let mut pool: Vec<Certificate> = Vec::new();
    for c in carried.iter().chain(options.certificates.iter()) {
        if !pool.contains(c) {
            pool.push(c.clone());
        }
    }
    for si in &sd.signers {
        if pool
            .iter()
            .any(|c| c.x509().is_ok_and(|x| si.sid.matches(x)))
        {
            continue;
        }
        for c in lookup.signer_certificates(&si.sid) {
            if c.x509().is_ok_and(|x| si.sid.matches(x)) && !pool.contains(&c) {
                pool.push(c);
            }
        }
    }
    report.certificates = carried;

    let mut matched_canonical = false;
    for si in &sd.signers {
        let (signer, used_canonical) =
            check_signer(si, &sd.econtent_type, digests, &pool, &sender, options);
        matched_canonical |= used_canonical;
        report.signers.push(signer);
    }
    (report, matched_canonical)
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
    digests: &ContentDigests,
    pool: &[Certificate],
    sender: &SenderPlan,
    options: &VerifyOptions,
) -> (SignerReport, bool) {
    let policy = &options.policy;
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
        chain_revocation: PathRevocation::default(),
        capabilities: None,
        encryption_key_preference: None,
        validation_time: SystemTime::UNIX_EPOCH,
        valid_at_signing_time: None,
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
        && !policy.accepts_digest(d)
    {
        r.algorithm = Check::Failed(AlgorithmProblem::WeakDigest { name: d.name() });
    }
    if si.signature_algorithm.oid == oids::RSASSA_PSS && !policy.accept_rsa_pss {
        r.algorithm = Check::Failed(AlgorithmProblem::NotAccepted {
            name: r.signature_algorithm.clone(),
        });
    }
    if let Some(attrs) = &si.signed_attrs
        && let [v] = attrs.values(&oids::SIGNING_TIME).as_slice()
    {
        r.signing_time = x509_cert::time::Time::from_der(v)
            .ok()
            .map(|t| t.to_system_time());
    }
    let time = policy.validation_time(r.signing_time);
    r.validation_time = time;

    let found = pool
        .iter()
        .find_map(|c| c.x509().ok().filter(|x| si.sid.matches(x)).map(|x| (c, x)));
    let Some((signer_cert, cert)) = found else {
        r.signature = Check::Failed(SignatureFailure::CertificateNotFound {
            signer_id: si.sid.to_string(),
        });
        return (r, false);
    };
    let cert_der = signer_cert.der();
    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info().to_der().unwrap_or_default();
    let cert_addresses = signer_cert.addresses().to_vec();
    if let Ok(k) = key_info(&spki)
        && k.algorithm == KeyAlgorithm::Rsa
        && !policy.accepts_rsa_bits(k.bits)
        && r.algorithm.passed()
    {
        r.algorithm = Check::Failed(AlgorithmProblem::WeakKey {
            bits: k.bits,
            minimum: policy.min_rsa_bits,
        });
    }
    r.certificate = Some(signer_cert.clone());

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
        Some(d) => check_signature(si, econtent_type, d, digests, &spki),
    };
    r.signature = sig;

    // Certificate checks.
    let anchors: Vec<Vec<u8>> = options
        .trust_anchors
        .iter()
        .map(|a| a.der().to_vec())
        .collect();
    let intermediates: Vec<Vec<u8>> = pool
        .iter()
        .filter(|c| *c != signer_cert)
        .map(|c| c.der().to_vec())
        .collect();
    let outcome = validate::validate_chain(
        &ChainInput {
            end_entity: cert_der,
            intermediates: &intermediates,
            trust_anchors: &anchors,
            crls: &options.crls,
            time,
        },
        policy,
    );
    r.revocation = outcome.revocation_status();
    r.chain_revocation = outcome.revocation.clone();
    r.chain = match outcome.result {
        Ok(_) => Check::Passed,
        // A signer certificate the caller explicitly trusts (for example a pinned self-signed
        // certificate) is its own path when the policy allows it; its validity and usage are
        // still checked below.
        Err(_)
            if policy.dangerous().pinned_is_path()
                && options.trust_anchors.contains(signer_cert) =>
        {
            Check::Passed
        }
        Err(e) => Check::Failed(e),
    };
    r.validity = Check::from_result(validate::check_validity(cert, time));
    r.valid_at_signing_time = r
        .signing_time
        .map(|t| validate::check_validity(cert, t).is_ok());
    r.key_usage = Check::from_result(validate::check_signing_key_usage(cert));
    r.extended_key_usage = Check::from_result(validate::check_email_eku(cert));
    r.address = check_sender(sender, &cert_addresses);
    (r, used_canonical)
}

fn check_signature(
    si: &SignerInfo,
    econtent_type: &der::asn1::ObjectIdentifier,
    digest: DigestAlgorithm,
    digests: &ContentDigests,
    spki: &[u8],
) -> (Check<SignatureFailure>, bool) {
    let map_sig = |e: SigCheckError| match e {
        SigCheckError::BadSignature => SignatureFailure::BadSignature,
        SigCheckError::BadPublicKey { detail } => SignatureFailure::BadPublicKey { detail },
        other => SignatureFailure::UnsupportedAlgorithm {
            detail: other.to_string(),
        },
    };
    let rules = signed_attributes::check(si.signed_attrs.as_ref(), econtent_type);
    let (signed_der, message_digest) = match rules {
        Err(problem) => {
            let failure = match problem {
                AttributeProblem::Missing { name } => SignatureFailure::MissingAttribute { name },
                AttributeProblem::Repeated { name } => SignatureFailure::RepeatedAttribute { name },
                AttributeProblem::ContentTypeMismatch => SignatureFailure::ContentTypeMismatch,
            };
            return (Check::Failed(failure), false);
        }
        Ok(SignatureInput::Content) => {
            // No signed attributes: the signature covers the content.
            if !digests.may_be_signed_without_attributes {
                return (
                    Check::Failed(SignatureFailure::ContentIsSignedAttributes),
                    false,
                );
            }
            let Some(raw) = digests.raw(digest) else {
                return (not_computed(digest, digests), false);
            };
            let mut last = SignatureFailure::BadSignature;
            for (hashed, canon) in [(Some(raw), false), (digests.canonical(digest), true)] {
                let Some(hashed) = hashed else { continue };
                match verify_signature_prehashed(
                    spki,
                    &si.signature_algorithm,
                    digest,
                    hashed,
                    &si.signature,
                ) {
                    Ok(()) => return (Check::Passed, canon),
                    Err(e) => last = map_sig(e),
                }
            }
            return (Check::Failed(last), false);
        }
        Ok(SignatureInput::Attributes {
            signed_der,
            message_digest,
        }) => (signed_der, message_digest),
    };
    let Some(raw) = digests.raw(digest) else {
        return (not_computed(digest, digests), false);
    };
    let Some(used_canonical) =
        signed_attributes::message_digest_matches(raw, digests.canonical(digest), &message_digest)
    else {
        return (
            Check::Failed(SignatureFailure::MessageDigestMismatch),
            false,
        );
    };
    match verify_signature(
        spki,
        &si.signature_algorithm,
        digest,
        signed_der,
        &si.signature,
    ) {
        Ok(()) => (Check::Passed, used_canonical),
        Err(e) => (Check::Failed(map_sig(e)), false),
    }
}

/// The failure of a signer whose digest algorithm was not computed over the content (a
/// streaming verification hashes with the algorithms `micalg` names).
fn not_computed(digest: DigestAlgorithm, digests: &ContentDigests) -> Check<SignatureFailure> {
    Check::Failed(SignatureFailure::DigestNotComputed {
        digest: digest.name().to_string(),
        computed: digests
            .raw
            .iter()
            .map(|(d, _)| d.name().to_string())
            .collect(),
        note: digests.computed_note.clone(),
    })
}

impl fmt::Display for RevocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationStatus::NotChecked => write!(f, "not checked"),
            RevocationStatus::Good => write!(f, "not revoked"),
            RevocationStatus::Revoked => write!(f, "REVOKED"),
            RevocationStatus::Unknown => write!(
                f,
                "unknown: no usable CRL covers every certificate of the path"
            ),
        }
    }
}

#[cfg(test)]
mod bounds {
    use super::*;
    use crate::identity::Identity;
    use crate::keys::SoftwareKey;
    use crate::sign::{SignOptions, sign_detached_der};
    use std::sync::Arc;

    fn alice() -> (Identity, Certificate) {
        let cert = Certificate::from_pem(include_bytes!("testdata/alice-p256.crt.pem")).unwrap();
        let key = SoftwareKey::from_bytes(include_bytes!("testdata/alice-p256.key.pem")).unwrap();
        (Identity::new(Arc::new(key), cert.clone()).unwrap(), cert)
    }

    fn options(cert: Certificate) -> VerifyOptions {
        let mut options = VerifyOptions {
            trust_anchors: vec![cert],
            ..Default::default()
        };
        options.policy.danger().pinned_certificate_is_path(true);
        options
    }

    fn body(len: usize, eol: &str) -> String {
        let line = format!("some signed text, the same line again and again{eol}");
        line.repeat(len / line.len() + 1)
    }

    /// A detached SignedData over `entity` with 64 distinct signers (64 signatures by Alice,
    /// each at another signing time).
    fn sixty_four_signers(entity: &[u8], id: &Identity) -> Vec<u8> {
        let mut parts = Vec::new();
        for i in 0..64 {
            let options = SignOptions {
                signing_time: Some(
                    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_750_000_000 + i),
                ),
                ..Default::default()
            };
            let der = sign_detached_der(entity, std::slice::from_ref(id), &options).unwrap();
            let sd = signed_data::parse_signed_data(&der).unwrap();
            let si = &sd.signers[0];
            let SignerId::IssuerAndSerial { issuer, serial } = &si.sid else {
                panic!("issuer and serial expected");
            };
            parts.push(signed_data::SignerInfoParts {
                issuer: issuer.clone(),
                serial: serial.clone(),
                digest: DigestAlgorithm::Sha256,
                signed_attrs_der: si.signed_attrs.as_ref().unwrap().signed_der.clone(),
                signature_algorithm: si.signature_algorithm.clone(),
                signature: si.signature.clone(),
            });
        }
        signed_data::write_signed_data(None, &[id.certificate().der().to_vec()], &parts).unwrap()
    }

    #[test]
    fn sixty_four_signers_hash_the_content_once() {
        let (id, cert) = alice();
        let entity = format!("Content-Type: text/plain\r\n\r\n{}", body(1 << 20, "\r\n"));
        let der = sixty_four_signers(entity.as_bytes(), &id);
        let signed = mime::write_multipart_signed(
            b"From: alice@example.com\r\nSubject: x\r\n",
            entity.as_bytes(),
            &der,
            "sha-256",
        );
        let options = options(cert);
        stats::take();
        let report = verify(&signed, &options).unwrap();
        let hashed = stats::take();
        assert_eq!(report.signers.len(), 64);
        assert!(report.signers.iter().all(|s| s.signature.passed()));
        assert_eq!(report.verdict(), Verdict::Trusted);
        // One SHA-256 pass over the content, not one per signer.
        assert_eq!(hashed, entity.len() as u64);

        // 64 signers over changed content: every one fails, still one pass.
        let tampered =
            String::from_utf8(signed)
                .unwrap()
                .replacen("again and again", "again and AGAIN", 1);
        stats::take();
        let report = verify(tampered.as_bytes(), &options).unwrap();
        let hashed = stats::take();
        assert_eq!(report.signers.len(), 64);
        assert!(
            report
                .signers
                .iter()
                .all(|s| { s.signature == Check::Failed(SignatureFailure::MessageDigestMismatch) })
        );
        assert_eq!(hashed, entity.len() as u64);
    }

    #[test]
    fn content_with_bare_lfs_is_hashed_once_per_form() {
        let (id, cert) = alice();
        let crlf = format!(
            "Content-Type: text/plain\r\n\r\n{}",
            body(256 << 10, "\r\n")
        );
        let der = sixty_four_signers(crlf.as_bytes(), &id);
        let lf = crlf.replace("\r\n", "\n");
        let mut options = options(cert);
        options.policy.danger().skip_address_check(true);
        stats::take();
        let report = verify_detached(lf.as_bytes(), &der, &options).unwrap();
        let hashed = stats::take();
        assert_eq!(report.signers.len(), 64);
        assert!(report.signers.iter().all(|s| s.signature.passed()));
        assert_eq!(report.content, crlf.as_bytes());
        // The content as given and its CRLF form, once each.
        assert_eq!(hashed, (lf.len() + crlf.len()) as u64);
    }
}
