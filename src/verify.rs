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
//! A [`Verifier`] ([`VerifyWriter`], [`Verifier::verify`]) verifies one signed layer as a
//! stream, in memory bounded independently of the content size, with the same checks. Either
//! way the content is hashed once per digest algorithm (and per form, as given and CRLF),
//! however many signers there are.
//!
//! Errors ([`VerifyError`]) are only for input that cannot be examined at all (malformed MIME
//! or CMS). A bad signature is a finding, not an error.

use crate::certificate::Certificate;
use crate::classify::{self, LayerKind};
use crate::cms::signed_attributes::{self, AttributeProblem, SignatureInput};
use crate::cms::signed_data::{self, SignerId, SignerInfo};
use crate::crypto::verify::{
    KeyAlgorithm, Scheme, SigCheckError, key_info, scheme_for, verify_signature,
    verify_signature_prehashed,
};
use crate::crypto::{DigestAlgorithm, oids};
use crate::error::{ParseError, VerifyError};
use crate::mime::{self, SmimeKind};
pub use crate::mime::{FromFields, from_fields};
use crate::policy::Policy;
use crate::stream::{self, ber::BerReader};
use crate::validate::revocation::PathRevocation;
use crate::validate::{
    self, ChainFailure, ChainInput, EkuFailure, KeyUsageFailure, RevocationStatus, ValidityFailure,
};
use der::{Decode, Encode};
use std::fmt;
use std::io::{self, Read, Write};
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
    /// The signer has no signed attributes and its signature algorithm (Ed25519) signs the
    /// content itself rather than a digest of it, but a streaming verification keeps only
    /// the first `limit` bytes of the content and the content is longer: verify the message
    /// with the one-shot [`verify`], which holds the whole content.
    ContentNotKept {
        /// How many bytes of content a streaming verification keeps.
        limit: usize,
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
            SignatureFailure::ContentNotKept { limit } => write!(
                f,
                "the signature (without signed attributes) covers the content itself, which is \
                 longer than the {limit} bytes a streaming verification keeps: verify the \
                 message in one piece"
            ),
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
        /// The mailboxes of the outer From fields (then those of its Sender fields that name
        /// someone else).
        outer: Vec<String>,
        /// The mailboxes of the signed inner From fields (then those of its Sender fields).
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
    /// Whether the claimed signing time lies in the future: later than the time the message
    /// is judged at (the current time, or the policy's given time) by more than
    /// [`SIGNING_TIME_TOLERANCE`]. No honest signer can claim it (a wrong clock, or a forged
    /// date meant to sort the message above others), so an application should show it. Such a
    /// claim is never used as the validation time, also under
    /// [`ValidationTime::SigningTime`](crate::policy::ValidationTime::SigningTime).
    pub signing_time_in_future: bool,
}

/// How far a claimed signing time may lie ahead of the verifier's time before it is
/// [`SignerReport::signing_time_in_future`] (clocks of phones and servers disagree a little).
pub const SIGNING_TIME_TOLERANCE: std::time::Duration = std::time::Duration::from_secs(5 * 60);

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
/// protected one and wins; an outer From must then name the same mailboxes, and an outer
/// Sender one of the signed From or Sender mailboxes. A Sender mailbox is checked like a From
/// mailbox ([`mime::FromFields::checked_mailboxes`]). A From or Sender field that cannot be
/// read fails the check.
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
    // A Sender field's mailbox is held to the rule like a From mailbox (see `FromFields`).
    if !signed.present() {
        return SenderPlan::Check {
            mailboxes: outer.checked_mailboxes(),
            protected: false,
        };
    }
    let checked = signed.checked_mailboxes();
    if (outer.present() && !same_mailboxes(&outer.mailboxes, &signed.mailboxes))
        || outer.sender.iter().any(|s| !covered(s, &checked))
    {
        return SenderPlan::Fail {
            failure: AddressFailure::OuterFromDiffers {
                outer: outer.checked_mailboxes(),
                signed: checked.clone(),
            },
            mailboxes: checked,
            protected: true,
        };
    }
    SenderPlan::Check {
        mailboxes: checked,
        protected: true,
    }
}

/// Whether `mailbox` is one of `list` (by [`validate::address_matches`]).
fn covered(mailbox: &str, list: &[String]) -> bool {
    list.iter().any(|n| validate::address_matches(n, mailbox))
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
    let whole = WholeContent::Kept {
        raw: content,
        canonical: canonical.as_deref(),
    };
    let (mut report, matched_canonical) = check_parsed(
        &sd,
        detached.is_some(),
        &digests,
        whole,
        sender,
        options,
        lookup,
    );
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

/// Checks the signers of a parsed SignedData against the digests of its content: the checks
/// shared by the one-shot and the streaming verification. Returns the report (without its
/// content) and whether a signer matched the CRLF form of the content.
pub(crate) fn check_parsed(
    sd: &signed_data::SignedData,
    detached: bool,
    digests: &ContentDigests,
    whole: WholeContent<'_>,
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
        let (signer, used_canonical) = check_signer(
            si,
            &sd.econtent_type,
            digests,
            whole,
            &pool,
            &sender,
            options,
        );
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
    whole: WholeContent<'_>,
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
        signing_time_in_future: false,
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
    let judged_at = policy.validation_time(None);
    r.signing_time_in_future = r
        .signing_time
        .zip(judged_at.checked_add(SIGNING_TIME_TOLERANCE))
        .is_some_and(|(t, limit)| t > limit);
    let time = policy.validation_time(r.signing_time.filter(|_| !r.signing_time_in_future));
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
        Some(d) => check_signature(si, econtent_type, d, digests, whole, &spki),
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
    whole: WholeContent<'_>,
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
            if scheme_for(&si.signature_algorithm, digest) == Ok(Scheme::Pure) {
                // Ed25519 (RFC 8419 section 3.2) and the other pure schemes sign the content
                // itself; the digest algorithm plays no part.
                return check_pure_content(si, digest, whole, spki, map_sig);
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
    if si.signature_algorithm.oid == oids::ED25519 && digest != DigestAlgorithm::Sha512 {
        // RFC 8419 section 3.1: with signed attributes, the message digest of an Ed25519
        // signer is SHA-512.
        return (
            Check::Failed(SignatureFailure::UnsupportedAlgorithm {
                detail: format!(
                    "an Ed25519 signer with signed attributes must use the SHA-512 digest \
                     (RFC 8419 section 3.1), not {}",
                    digest.name()
                ),
            }),
            false,
        );
    }
    // RFC 9882 (ML-DSA) and RFC 9814 (SLH-DSA): a digest at least as strong as the set.
    if let Err(e) = crate::crypto::pqsig::check_cms_digest(&si.signature_algorithm.oid, digest) {
        return (Check::Failed(map_sig(e)), false);
    }
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

/// The signed content itself, for a signer without signed attributes whose signature covers
/// the content rather than a digest of it (Ed25519, RFC 8419 section 3.2).
#[derive(Debug, Clone, Copy)]
pub(crate) enum WholeContent<'a> {
    /// The content as given, and its CRLF form when the content had bare LFs.
    Kept {
        /// The content as given.
        raw: &'a [u8],
        /// The CRLF form.
        canonical: Option<&'a [u8]>,
    },
    /// A streaming verification kept only the first `limit` bytes, and the content is longer.
    TooLong {
        /// How many bytes were kept.
        limit: usize,
    },
}

/// Checks a signature that covers the content itself (no signed attributes, a pure scheme):
/// over the content as given, then over its CRLF form.
fn check_pure_content(
    si: &SignerInfo,
    digest: DigestAlgorithm,
    whole: WholeContent<'_>,
    spki: &[u8],
    map_sig: impl Fn(SigCheckError) -> SignatureFailure,
) -> (Check<SignatureFailure>, bool) {
    let (raw, canonical) = match whole {
        WholeContent::Kept { raw, canonical } => (raw, canonical),
        WholeContent::TooLong { limit } => {
            return (
                Check::Failed(SignatureFailure::ContentNotKept { limit }),
                false,
            );
        }
    };
    let mut last = SignatureFailure::BadSignature;
    for (content, canon) in [(Some(raw), false), (canonical, true)] {
        let Some(content) = content else { continue };
        match verify_signature(
            spki,
            &si.signature_algorithm,
            digest,
            content,
            &si.signature,
        ) {
            Ok(()) => return (Check::Passed, canon),
            Err(e) => last = map_sig(e),
        }
    }
    (Check::Failed(last), false)
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

// ---------------------------------------------------------------------------------------------
// Streaming

/// The largest signature part (or CMS data after the content) a streaming verification reads
/// (16 MiB): certificates and signer infos, never the content.
pub const MAX_SIGNATURE: usize = 16 * 1024 * 1024;

/// How much of the signed content a streaming verification keeps to read the From fields of
/// its header block (and to apply the rule on content signed without signed attributes).
const KEPT_PREFIX: usize = crate::sign::MAX_HEADER;

/// Verifies signed messages as streams, in memory bounded independently of the content size.
///
/// Input: a message (or bare entity) whose top-level entity is `multipart/signed` or
/// `application/pkcs7-mime` signed-data (base64 or binary), or a bare CMS SignedData (DER or
/// BER). The signed content is written to the caller's writer *as it is read*: it is
/// **unverified until `finish` returns the report**, and must be discarded unless the report
/// says it is trusted. The report is built by the same checks as [`verify`]; its `content` is
/// empty (the content went to the writer). Nested layers are not followed: feed the content to
/// another verification (or decryption) for the next layer.
///
/// multipart/signed is hashed once per digest algorithm that `micalg` names (SHA-1, SHA-256,
/// SHA-384, SHA-512), or with SHA-256, SHA-384 and SHA-512 together when it names none that is
/// usable; a signer whose algorithm was not computed fails with
/// [`SignatureFailure::DigestNotComputed`]. Content stored with bare LFs is also hashed in
/// CRLF form from the first bare LF on. Opaque signed-data is hashed with the algorithms its
/// digestAlgorithms field lists (or the three SHA-2 ones).
#[derive(Debug, Clone)]
pub struct Verifier {
    options: VerifyOptions,
}

impl Verifier {
    /// A verifier with `options`.
    pub fn new(options: &VerifyOptions) -> Verifier {
        Verifier {
            options: options.clone(),
        }
    }

    /// A writer fed the signed message (multipart/signed, or opaque signed-data as MIME or
    /// bare DER/BER); the signed content goes to `content` as it is read, unverified until
    /// [`VerifyWriter::finish`] returns the report.
    pub fn writer<W: Write>(&self, content: W) -> VerifyWriter<W> {
        VerifyWriter {
            verifier: self.clone(),
            state: VState::Head {
                head: Vec::new(),
                scan: crate::sign::HeadScan::default(),
                content,
            },
        }
    }

    /// Verifies the message read from `input`, writing the signed content to `content`
    /// (unverified until this returns the report).
    pub fn verify<R: Read, W: Write>(
        &self,
        input: R,
        content: W,
    ) -> Result<(VerifyReport, W), VerifyError> {
        let mut w = self.writer(content);
        let mut input = input;
        stream::pump(&mut input, &mut w).map_err(verify_io_error)?;
        w.finish()
    }
}

fn verify_io_error(e: io::Error) -> VerifyError {
    match stream::parse_error(&e) {
        Some(p) => VerifyError::Parse(p),
        None => e.into(),
    }
}

/// A [`Verifier`]'s writer for one message: `io::Write` takes the signed message,
/// [`VerifyWriter::finish`] returns the report and the content writer. The content written
/// before `finish` is unverified.
pub struct VerifyWriter<W: Write> {
    verifier: Verifier,
    state: VState<W>,
}

impl<W: Write> fmt::Debug for VerifyWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyWriter").finish_non_exhaustive()
    }
}

enum VState<W: Write> {
    /// Reading the top-level header block (or the first bytes of bare CMS).
    Head {
        head: Vec<u8>,
        scan: crate::sign::HeadScan,
        content: W,
    },
    /// multipart/signed.
    Multipart(Box<Multipart<W>>),
    /// Opaque signed-data.
    Opaque(Box<Opaque<W>>),
    /// Finished or failed.
    Done,
}

impl<W: Write> Write for VerifyWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.state {
            VState::Head { head, scan, .. } => {
                // A chunk at a time, so that the body is not copied into the header buffer.
                let take = buf.len().min(stream::CHUNK);
                head.extend_from_slice(buf.get(..take).unwrap_or_default());
                let bare = head.first() == Some(&0x30);
                if bare || scan.complete(head) {
                    self.start().map_err(verify_to_io)?;
                }
                Ok(take)
            }
            VState::Multipart(m) => {
                m.feed(buf).map_err(verify_to_io)?;
                Ok(buf.len())
            }
            VState::Opaque(o) => {
                o.feed(buf).map_err(verify_to_io)?;
                Ok(buf.len())
            }
            VState::Done => Err(io::Error::other("the message was already finished")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn verify_to_io(e: VerifyError) -> io::Error {
    match e {
        VerifyError::Parse(p) => stream::invalid(p),
        other => io::Error::other(other),
    }
}

impl<W: Write> VerifyWriter<W> {
    /// The head is known: picks the form and feeds what was read so far.
    fn start(&mut self) -> Result<(), VerifyError> {
        let VState::Head { head, content, .. } = std::mem::replace(&mut self.state, VState::Done)
        else {
            return Ok(());
        };
        let options = &self.verifier.options;
        if head.first() == Some(&0x30) {
            let mut o = Opaque::new(content, false, mime::FromFields::default(), options);
            o.feed(&head)?;
            self.state = VState::Opaque(Box::new(o));
            return Ok(());
        }
        let end = head_end(&head);
        let (block, rest) = head.split_at(end.min(head.len()));
        let e = mime::entity_head(block)?;
        let from = mime::from_fields(block);
        match e.content_type.as_str() {
            "multipart/signed" => {
                if e.protocol
                    .as_deref()
                    .is_some_and(|p| !mime::is_signature_type(p))
                {
                    return Err(not_streamable("a multipart/signed of another protocol"));
                }
                let boundary = e.boundary.ok_or_else(|| {
                    ParseError::mime("multipart/signed at the top level has no boundary parameter")
                })?;
                let mut m = Multipart::new(content, boundary, e.micalg, from, options);
                m.feed(rest)?;
                self.state = VState::Multipart(Box::new(m));
            }
            "application/pkcs7-mime" | "application/x-pkcs7-mime" => {
                if matches!(
                    e.smime_type.as_deref(),
                    Some("enveloped-data" | "authenveloped-data" | "certs-only")
                ) {
                    return Err(not_streamable(
                        "an application/pkcs7-mime that is not signed-data",
                    ));
                }
                let base64 = match e.cte.as_deref() {
                    Some("base64") => true,
                    None | Some("7bit" | "8bit" | "binary") => {
                        // Unlabelled base64 is base64 text starting with 'M' (a SEQUENCE).
                        rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'M')
                            || rest.iter().all(u8::is_ascii_whitespace)
                    }
                    Some(other) => {
                        return Err(ParseError::mime(format!(
                            "unsupported Content-Transfer-Encoding {other:?} for a CMS body"
                        ))
                        .into());
                    }
                };
                let mut o = Opaque::new(content, base64, from, options);
                o.feed(rest)?;
                self.state = VState::Opaque(Box::new(o));
            }
            _ => {
                return Err(not_streamable(
                    "a message that is not signed at its top level",
                ));
            }
        }
        Ok(())
    }

    /// Ends the message: the report of the same checks as [`verify`] (its `content` empty),
    /// and the content writer.
    pub fn finish(mut self) -> Result<(VerifyReport, W), VerifyError> {
        if let VState::Head { head, .. } = &self.state {
            if head.is_empty() {
                return Err(ParseError::Empty.into());
            }
            self.start()?;
        }
        match std::mem::replace(&mut self.state, VState::Done) {
            VState::Multipart(m) => m.finish(),
            VState::Opaque(o) => o.finish(),
            VState::Head { .. } | VState::Done => Err(VerifyError::Io(
                io::Error::other("the message was already finished or failed").into(),
            )),
        }
    }
}

fn not_streamable(what: &str) -> VerifyError {
    VerifyError::Parse(ParseError::NotSmime {
        detail: format!(
            "{what}: a streaming verification takes multipart/signed or opaque signed-data at \
             the top level (use verify for other shapes)"
        ),
    })
}

/// Where the header block of `head` ends (after its blank line, or at a line that is not a
/// header field).
fn head_end(head: &[u8]) -> usize {
    let block = mime::lines::scan_headers(head, 0);
    block.body_start.min(head.len())
}

/// A hasher with its state cloneable, so that the CRLF form can fork from the content's hash
/// at the first bare LF; counts the bytes it hashes.
#[derive(Clone)]
struct StreamHasher(crate::crypto::Hasher);

impl StreamHasher {
    fn new(d: DigestAlgorithm) -> Option<Self> {
        d.hasher().map(StreamHasher)
    }

    fn update(&mut self, data: &[u8]) {
        stats::hashed(data.len());
        self.0.update(data);
    }

    fn finish(self) -> (DigestAlgorithm, Vec<u8>) {
        (self.0.algorithm(), self.0.finish())
    }
}

/// The content's way out: hashed (as read, and in CRLF form once a bare LF was seen), its
/// first bytes kept, written to the caller.
struct ContentSink<W: Write> {
    out: W,
    raw: Vec<StreamHasher>,
    canonical: Option<Vec<StreamHasher>>,
    /// Whether CRLF hashing applies (detached content only).
    canonicalize: bool,
    last_cr: bool,
    prefix: Vec<u8>,
    len: u64,
    note: Option<String>,
    scratch: Vec<u8>,
}

impl<W: Write> ContentSink<W> {
    fn new(
        out: W,
        algorithms: &[DigestAlgorithm],
        canonicalize: bool,
        note: Option<String>,
    ) -> Self {
        let mut raw: Vec<StreamHasher> = Vec::new();
        for &d in algorithms {
            if let Some(h) = StreamHasher::new(d)
                && !raw.iter().any(|x| x.clone().finish().0 == d)
            {
                raw.push(h);
            }
        }
        ContentSink {
            out,
            raw,
            canonical: None,
            canonicalize,
            last_cr: false,
            prefix: Vec::new(),
            len: 0,
            note,
            scratch: Vec::new(),
        }
    }

    fn emit(&mut self, data: &[u8]) -> Result<(), VerifyError> {
        if data.is_empty() {
            return Ok(());
        }
        self.out.write_all(data)?;
        self.len += data.len() as u64;
        let room = KEPT_PREFIX.saturating_sub(self.prefix.len());
        self.prefix
            .extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
        let mut from = 0;
        if self.canonicalize && self.canonical.is_none() {
            let first_bare = memchr::memchr_iter(b'\n', data).find(|&i| {
                if i == 0 {
                    !self.last_cr
                } else {
                    data.get(i - 1) != Some(&b'\r')
                }
            });
            if let Some(at) = first_bare {
                let before = data.get(..at).unwrap_or_default();
                for h in &mut self.raw {
                    h.update(before);
                }
                self.canonical = Some(self.raw.clone());
                from = at;
            }
        }
        let rest = data.get(from..).unwrap_or_default();
        for h in &mut self.raw {
            h.update(rest);
        }
        if let Some(canonical) = &mut self.canonical {
            self.scratch.clear();
            let after_cr = if from == 0 {
                self.last_cr
            } else {
                data.get(from - 1) == Some(&b'\r')
            };
            mime::crlf_into(rest, after_cr, &mut self.scratch);
            for h in canonical.iter_mut() {
                h.update(&self.scratch);
            }
        }
        self.last_cr = data.last() == Some(&b'\r');
        Ok(())
    }

    /// The digests and the kept prefix (with whether the content was longer), and the writer.
    fn finish(self) -> (ContentDigests, Vec<u8>, bool, W) {
        let truncated = self.len > self.prefix.len() as u64;
        let attribute_free = if truncated {
            // A set of signed attributes is small; content longer than the kept prefix is
            // refused only when it starts like one.
            self.prefix.first() != Some(&0x31)
        } else {
            signed_attributes::may_be_signed_without_attributes(&self.prefix)
        };
        let digests = ContentDigests {
            raw: self.raw.into_iter().map(StreamHasher::finish).collect(),
            canonical: self
                .canonical
                .map(|c| c.into_iter().map(StreamHasher::finish).collect()),
            may_be_signed_without_attributes: attribute_free,
            computed_note: self.note,
        };
        (digests, self.prefix, truncated, self.out)
    }
}

/// The content a streaming verification kept, for signatures over the content itself: all of
/// it when it fits in the kept prefix, else only the fact that it did not.
fn kept_content<'a>(
    prefix: &'a [u8],
    canonical: Option<&'a [u8]>,
    truncated: bool,
) -> WholeContent<'a> {
    if truncated {
        WholeContent::TooLong { limit: KEPT_PREFIX }
    } else {
        WholeContent::Kept {
            raw: prefix,
            canonical,
        }
    }
}

/// The digest algorithms `micalg` names (RFC 5751 names, with or without the hyphen), or the
/// three SHA-2 ones when it names none that is usable.
fn micalg_digests(micalg: Option<&str>) -> (Vec<DigestAlgorithm>, Option<String>) {
    let mut out = Vec::new();
    for name in micalg.unwrap_or_default().split(',') {
        let name = name.trim().trim_matches('"').to_ascii_lowercase();
        let d = match name.as_str() {
            "sha1" => DigestAlgorithm::Sha1,
            "sha256" => DigestAlgorithm::Sha256,
            "sha384" => DigestAlgorithm::Sha384,
            "sha512" => DigestAlgorithm::Sha512,
            other => match DigestAlgorithm::from_micalg(other) {
                Some(d) if d != DigestAlgorithm::Md5 => d,
                _ => continue,
            },
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    let note = match micalg {
        Some(m) => format!("the message's micalg is {m:?}"),
        None => "the message has no micalg".to_string(),
    };
    if out.is_empty() {
        out = vec![
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ];
    }
    (out, Some(note))
}

/// The sender plan of a streamed layer: the top-level From fields, and a From inside the
/// kept prefix of the signed content (refused as unreadable when the signed header block is
/// longer than the prefix).
fn stream_sender(
    options: &VerifyOptions,
    top_from: &mime::FromFields,
    prefix: &[u8],
    truncated: bool,
) -> SenderPlan {
    let input = layer_addresses(options, top_from, top_from);
    if truncated && !matches!(input, SenderInput::Skip | SenderInput::Given(_)) {
        let block = mime::lines::scan_headers(prefix, 0);
        if !block.terminated && block.stray_line.is_none() {
            return SenderPlan::Fail {
                failure: AddressFailure::UnreadableFrom {
                    detail: format!("the signed header block is longer than {KEPT_PREFIX} bytes"),
                },
                mailboxes: Vec::new(),
                protected: true,
            };
        }
    }
    sender_plan(input, prefix)
}

/// Where a multipart/signed stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Preamble,
    Content,
    Signature,
    Epilogue,
}

/// A multipart/signed being read: preamble, first part (streamed), signature part (kept,
/// bounded), epilogue (skipped).
struct Multipart<W: Write> {
    options: VerifyOptions,
    delimiter: Vec<u8>,
    boundary: String,
    phase: Phase,
    /// The current line, not yet passed on (no LF).
    line: Vec<u8>,
    /// Whether the current line was found not to be a delimiter and partly passed on.
    mid: bool,
    /// The line break before the current line, held back: it belongs to a delimiter that
    /// may follow.
    pending: Vec<u8>,
    sink: ContentSink<W>,
    signature: Vec<u8>,
    from: mime::FromFields,
    /// Finds a line break followed by the delimiter: the lines before it are passed on in
    /// bulk.
    next_delimiter: memchr::memmem::Finder<'static>,
}

impl<W: Write> Multipart<W> {
    fn new(
        out: W,
        boundary: String,
        micalg: Option<String>,
        from: mime::FromFields,
        options: &VerifyOptions,
    ) -> Self {
        let (algorithms, note) = micalg_digests(micalg.as_deref());
        let mut delimiter = b"--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        let mut after_break = b"\n".to_vec();
        after_break.extend_from_slice(&delimiter);
        Multipart {
            next_delimiter: memchr::memmem::Finder::new(&after_break).into_owned(),
            options: options.clone(),
            delimiter,
            boundary,
            phase: Phase::Preamble,
            line: Vec::new(),
            mid: false,
            pending: Vec::new(),
            sink: ContentSink::new(out, &algorithms, true, note),
            signature: Vec::new(),
            from,
        }
    }

    /// Whether `line` may still become a delimiter line once more bytes arrive.
    fn may_be_delimiter(&self, line: &[u8]) -> bool {
        if line.len() >= self.delimiter.len() {
            line.starts_with(&self.delimiter)
        } else {
            self.delimiter.starts_with(line)
        }
    }

    fn feed(&mut self, mut data: &[u8]) -> Result<(), VerifyError> {
        while !data.is_empty() {
            match self.phase {
                Phase::Preamble | Phase::Content => {
                    let used = self.lines(data)?;
                    data = data.get(used..).unwrap_or_default();
                }
                Phase::Signature => {
                    if self.signature.len() + data.len() > MAX_SIGNATURE {
                        return Err(ParseError::TooLarge {
                            what: "signature part",
                            limit: MAX_SIGNATURE,
                        }
                        .into());
                    }
                    let start = self
                        .signature
                        .len()
                        .saturating_sub(self.delimiter.len() + 2);
                    self.signature.extend_from_slice(data);
                    let mut close = self.delimiter.clone();
                    close.extend_from_slice(b"--");
                    if let Some(at) = self
                        .signature
                        .get(start..)
                        .and_then(|s| memchr::memmem::find(s, &close))
                    {
                        // Keep the close delimiter line; the epilogue is skipped.
                        let end = start + at + close.len();
                        self.signature.truncate(end);
                        self.phase = Phase::Epilogue;
                    }
                    return Ok(());
                }
                Phase::Epilogue => return Ok(()),
            }
        }
        Ok(())
    }

    /// Handles the lines of `data` in the preamble or the first part; returns how many bytes
    /// were used (all of them, unless the phase changed to the signature part).
    fn lines(&mut self, data: &[u8]) -> Result<usize, VerifyError> {
        let emit = self.phase == Phase::Content;
        let mut i = 0;
        while i < data.len() {
            let rest = data.get(i..).unwrap_or_default();
            if emit && !self.mid && self.line.is_empty() {
                // At a line start: every line before the next one that starts with the
                // delimiter goes on in bulk, its last line break held back.
                let first = rest
                    .get(..rest.len().min(self.delimiter.len()))
                    .unwrap_or_default();
                if !self.delimiter.starts_with(first) {
                    let upto = self
                        .next_delimiter
                        .find(rest)
                        .or_else(|| memchr::memrchr(b'\n', rest));
                    if let Some(j) = upto {
                        let cr = j > 0 && rest.get(j - 1) == Some(&b'\r');
                        let end = if cr { j - 1 } else { j };
                        let pending = std::mem::take(&mut self.pending);
                        self.sink.emit(&pending)?;
                        self.sink.emit(rest.get(..end).unwrap_or_default())?;
                        self.pending = if cr { b"\r\n".to_vec() } else { b"\n".to_vec() };
                        i += j + 1;
                        continue;
                    }
                }
            }
            match memchr::memchr(b'\n', rest) {
                Some(k) => {
                    self.line
                        .extend_from_slice(rest.get(..k).unwrap_or_default());
                    i += k + 1;
                    let (text, eol): (&[u8], &[u8]) = match self.line.strip_suffix(b"\r") {
                        Some(t) => (t, b"\r\n"),
                        None => (&self.line, b"\n"),
                    };
                    let text = text.to_vec();
                    if self.mid {
                        if emit {
                            self.sink.emit(&text)?;
                        }
                    } else if let Some(close) =
                        mime::delimiter_line(&text, self.boundary.as_bytes())
                    {
                        self.line.clear();
                        self.pending.clear();
                        if self.phase == Phase::Preamble {
                            if close {
                                return Err(ParseError::mime(
                                    "multipart/signed at the top level has 0 body part(s), 2 are required",
                                )
                                .into());
                            }
                            self.phase = Phase::Content;
                            return Ok(i + self.lines(data.get(i..).unwrap_or_default())?);
                        }
                        if close {
                            return Err(ParseError::mime(
                                "multipart/signed at the top level has 1 body part(s), 2 are required",
                            )
                            .into());
                        }
                        self.phase = Phase::Signature;
                        return Ok(i);
                    } else if emit {
                        let pending = std::mem::take(&mut self.pending);
                        self.sink.emit(&pending)?;
                        self.sink.emit(&text)?;
                    }
                    self.pending = eol.to_vec();
                    self.line.clear();
                    self.mid = false;
                }
                None => {
                    self.line.extend_from_slice(rest);
                    i = data.len();
                    if !self.mid && !self.may_be_delimiter(&self.line) {
                        if emit {
                            let pending = std::mem::take(&mut self.pending);
                            self.sink.emit(&pending)?;
                        }
                        self.mid = true;
                    }
                    if self.mid {
                        // Pass the line on, but keep a last CR: it may start the line break.
                        let keep = usize::from(self.line.last() == Some(&b'\r'));
                        let cut = self.line.len() - keep;
                        if emit {
                            let head: Vec<u8> = self.line.drain(..cut).collect();
                            self.sink.emit(&head)?;
                        } else {
                            self.line.drain(..cut);
                        }
                    } else if self.line.len() > MAX_SIGNATURE {
                        return Err(ParseError::TooLarge {
                            what: "delimiter line",
                            limit: MAX_SIGNATURE,
                        }
                        .into());
                    }
                }
            }
        }
        Ok(data.len())
    }

    fn finish(self) -> Result<(VerifyReport, W), VerifyError> {
        if matches!(self.phase, Phase::Preamble | Phase::Content) {
            return Err(ParseError::mime(
                "multipart/signed at the top level has no signature part (truncated?)",
            )
            .into());
        }
        let (part_type, cms) = mime::signature_part(&self.signature, self.boundary.as_bytes())?;
        if !mime::is_signature_type(&part_type) {
            return Err(not_streamable(
                "a multipart/signed whose second part is not a signature",
            ));
        }
        let sd = signed_data::parse_signed_data(&cms)?;
        let (digests, prefix, truncated, out) = self.sink.finish();
        let sender = stream_sender(&self.options, &self.from, &prefix, truncated);
        let canonical = (!truncated && mime::has_bare_lf(&prefix)).then(|| mime::to_crlf(&prefix));
        let whole = kept_content(&prefix, canonical.as_deref(), truncated);
        let (mut report, _) =
            check_parsed(&sd, true, &digests, whole, sender, &self.options, &NoLookup);
        report.scope = SignedScope::WholeMessage;
        Ok((report, out))
    }
}

/// The steps of an opaque SignedData before its content.
const OPAQUE_PREFIX_MAX: usize = 64 * 1024;

/// An opaque SignedData being read: base64 decoded if needed, the fields before the content
/// parsed (bounded), the content streamed, the rest kept (bounded) and parsed at the end.
struct Opaque<W: Write> {
    options: VerifyOptions,
    from: mime::FromFields,
    base64: Option<Base64Push>,
    /// The BER bytes not used yet.
    pending: Vec<u8>,
    step: OpaqueStep,
    sink: Option<ContentSink<W>>,
    out: Option<W>,
    /// The fields kept: version, digestAlgorithms, eContentType.
    version: Vec<u8>,
    digest_algorithms: Vec<u8>,
    econtent_type: Vec<u8>,
    /// The ends (absolute BER offsets) of the enclosing definite-length elements, or `None`
    /// for indefinite: [0] wrapper, encapContentInfo.
    wrapper_end: Option<Option<u64>>,
    eci_end: Option<u64>,
    signed_data_end: Option<u64>,
    strings: OctetPush,
    /// Bytes of BER consumed before `pending`.
    consumed: u64,
    tail: Vec<u8>,
    /// The size `pending` must reach before the next parse attempt (doubling, so that bytes
    /// arriving one by one cost linear work).
    next_try: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpaqueStep {
    /// Parsing the fields before the content.
    Start,
    /// In the eContent OCTET STRING.
    Content,
    /// After the content: the rest is kept.
    Tail,
}

impl<W: Write> Opaque<W> {
    fn new(out: W, base64: bool, from: mime::FromFields, options: &VerifyOptions) -> Self {
        Opaque {
            options: options.clone(),
            from,
            base64: base64.then(Base64Push::default),
            pending: Vec::new(),
            step: OpaqueStep::Start,
            sink: None,
            out: Some(out),
            version: Vec::new(),
            digest_algorithms: Vec::new(),
            econtent_type: Vec::new(),
            wrapper_end: None,
            eci_end: None,
            signed_data_end: None,
            strings: OctetPush::default(),
            consumed: 0,
            tail: Vec::new(),
            next_try: 0,
        }
    }

    fn feed(&mut self, data: &[u8]) -> Result<(), VerifyError> {
        let decoded;
        let ber: &[u8] = match &mut self.base64 {
            Some(b) => {
                decoded = b.feed(data)?;
                &decoded
            }
            None => data,
        };
        self.ber(ber)
    }

    fn ber(&mut self, data: &[u8]) -> Result<(), VerifyError> {
        match self.step {
            OpaqueStep::Start => {
                self.pending.extend_from_slice(data);
                if self.pending.len() < self.next_try {
                    return Ok(());
                }
                self.try_start(false)
            }
            OpaqueStep::Content => self.content(data),
            OpaqueStep::Tail => self.keep_tail(data),
        }
    }

    fn keep_tail(&mut self, data: &[u8]) -> Result<(), VerifyError> {
        if self.tail.len() + data.len() > MAX_SIGNATURE {
            return Err(ParseError::TooLarge {
                what: "CMS data after the content",
                limit: MAX_SIGNATURE,
            }
            .into());
        }
        self.tail.extend_from_slice(data);
        Ok(())
    }

    /// Parses the fields before the content once they are all there.
    fn try_start(&mut self, last: bool) -> Result<(), VerifyError> {
        let pending = std::mem::take(&mut self.pending);
        let mut r = BerReader::new(pending.as_slice());
        let parsed = self.parse_start(&mut r);
        let used = r.position() as usize;
        self.pending = pending;
        match parsed {
            Ok(()) => {
                let rest = self.pending.split_off(used.min(self.pending.len()));
                self.consumed = used as u64;
                self.pending.clear();
                self.step = OpaqueStep::Content;
                self.content(&rest)
            }
            Err(e) if !last && self.pending.len() < OPAQUE_PREFIX_MAX && is_truncation(&e) => {
                self.next_try = (self.pending.len() * 2).max(256);
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn parse_start(&mut self, r: &mut BerReader<&[u8]>) -> Result<(), ParseError> {
        let expect = |h: &stream::ber::Header, tag: u8, what: &str| {
            if h.tag == tag {
                Ok(())
            } else {
                Err(ParseError::der(format!(
                    "{what}: unexpected tag {:#04x}",
                    h.tag
                )))
            }
        };
        let ci = r.read_header()?;
        expect(&ci, 0x30, "ContentInfo")?;
        let oid = r.read_header()?;
        expect(&oid, 0x06, "ContentInfo contentType")?;
        let oid_der = r.read_element_after(&oid, 64)?;
        let ct = der::asn1::ObjectIdentifier::from_der(&oid_der)
            .map_err(|e| ParseError::der(format!("contentType: {e}")))?;
        if ct != oids::SIGNED_DATA {
            return Err(ParseError::NotSmime {
                detail: format!(
                    "the CMS content type is {}, not signed-data: a streaming verification \
                     takes signed data only",
                    name_of(&ct)
                ),
            });
        }
        expect(&r.read_header()?, 0xA0, "ContentInfo content")?;
        let sd = r.read_header()?;
        expect(&sd, 0x30, "SignedData")?;
        self.signed_data_end = sd.len.map(|l| r.position() + l);
        let v = r.read_header()?;
        expect(&v, 0x02, "SignedData version")?;
        self.version = r.read_element_after(&v, 16)?;
        let algs = r.read_header()?;
        expect(&algs, 0x31, "SignedData digestAlgorithms")?;
        self.digest_algorithms = r.read_element_after(&algs, OPAQUE_PREFIX_MAX)?;
        let eci = r.read_header()?;
        expect(&eci, 0x30, "encapContentInfo")?;
        self.eci_end = eci.len.map(|l| r.position() + l);
        let t = r.read_header()?;
        expect(&t, 0x06, "eContentType")?;
        self.econtent_type = r.read_element_after(&t, 64)?;
        let wrapper = r.read_header()?;
        if !(wrapper.tag == 0xA0 && wrapper.constructed) {
            return Err(ParseError::NotSmime {
                detail: "an opaque signature without content (detached signature without its \
                         content)"
                    .into(),
            });
        }
        self.wrapper_end = Some(wrapper.len.map(|l| r.position() + l));
        let s = r.read_header()?;
        if s.tag & !0x20 != 0x04 {
            return Err(ParseError::der("eContent: expected an OCTET STRING"));
        }
        self.strings.start(&s);
        Ok(())
    }

    fn sink(&mut self) -> Result<&mut ContentSink<W>, VerifyError> {
        if self.sink.is_none() {
            let mut algorithms = Vec::new();
            if let Ok(node) = crate::asn1::ber::parse(&self.digest_algorithms) {
                for n in &node.children {
                    if let Ok(a) = crate::asn1::ber::decode::<spki::AlgorithmIdentifierOwned>(
                        n,
                        &self.digest_algorithms,
                        "digestAlgorithm",
                    ) && let Some(d) = DigestAlgorithm::from_oid(&a.oid)
                        && !algorithms.contains(&d)
                    {
                        algorithms.push(d);
                    }
                }
            }
            let note = Some("the SignedData's digestAlgorithms list the others".to_string());
            let (algorithms, note) = if algorithms.iter().any(|d| d.hasher().is_some()) {
                (algorithms, note)
            } else {
                micalg_digests(None)
            };
            let out = self
                .out
                .take()
                .ok_or_else(|| VerifyError::Io(io::Error::other("no content writer").into()))?;
            self.sink = Some(ContentSink::new(out, &algorithms, false, note));
        }
        self.sink
            .as_mut()
            .ok_or_else(|| VerifyError::Io(io::Error::other("no content writer").into()))
    }

    fn content(&mut self, data: &[u8]) -> Result<(), VerifyError> {
        let mut i = 0;
        while i < data.len() && !self.strings.done() {
            let rest = data.get(i..).unwrap_or_default();
            let (used, payload) = self.strings.step(rest)?;
            if let Some(p) = payload {
                let bytes = rest.get(p).unwrap_or_default();
                self.sink()?.emit(bytes)?;
            }
            i += used;
        }
        self.consumed += i as u64;
        if self.strings.done() {
            // Make sure the content writer exists even for empty content.
            self.sink()?;
            self.step = OpaqueStep::Tail;
            self.keep_tail(data.get(i..).unwrap_or_default())?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(VerifyReport, W), VerifyError> {
        if let Some(b) = &mut self.base64 {
            let last = b.finish()?;
            self.ber(&last)?;
        }
        if self.step == OpaqueStep::Start {
            self.try_start(true)?;
        }
        if self.step != OpaqueStep::Tail {
            return Err(
                ParseError::der("the SignedData ends inside its content (truncated?)").into(),
            );
        }
        // The rest: the ends of the [0] wrapper and of encapContentInfo, then the fields after
        // it up to the end of the SignedData.
        let tail = std::mem::take(&mut self.tail);
        let mut r = BerReader::new(tail.as_slice());
        let base = self.consumed;
        let at = |r: &BerReader<&[u8]>| base + r.position();
        for end in [self.wrapper_end.flatten(), self.eci_end] {
            match end {
                None => {
                    let h = r.read_header()?;
                    if !h.is_eoc() {
                        return Err(ParseError::der(
                            "encapContentInfo: unexpected element after eContent",
                        )
                        .into());
                    }
                }
                Some(e) if at(&r) == e => {}
                Some(_) => {
                    return Err(ParseError::der(
                        "encapContentInfo: unexpected element after eContent",
                    )
                    .into());
                }
            }
        }
        let mut fields = Vec::new();
        fields.extend_from_slice(&self.version);
        fields.extend_from_slice(&self.digest_algorithms);
        fields.extend_from_slice(&crate::asn1::tlv(0x30, &self.econtent_type));
        loop {
            if self.signed_data_end.is_some_and(|e| at(&r) >= e) {
                break;
            }
            let h = r.read_header()?;
            if h.is_eoc() {
                break;
            }
            fields.extend_from_slice(&r.read_element_after(&h, MAX_SIGNATURE)?);
        }
        let mut ci = oids::SIGNED_DATA.to_der().map_err(ParseError::from)?;
        ci.extend_from_slice(&crate::asn1::tlv(0xA0, &crate::asn1::tlv(0x30, &fields)));
        let cms = crate::asn1::tlv(0x30, &ci);
        let sd = signed_data::parse_signed_data(&cms)?;
        let sink = match self.sink.take() {
            Some(s) => s,
            None => {
                self.sink()?;
                self.sink
                    .take()
                    .ok_or_else(|| VerifyError::Io(io::Error::other("no content writer").into()))?
            }
        };
        let (digests, prefix, truncated, out) = sink.finish();
        let sender = stream_sender(&self.options, &self.from, &prefix, truncated);
        let whole = kept_content(&prefix, None, truncated);
        let (mut report, _) = check_parsed(
            &sd,
            false,
            &digests,
            whole,
            sender,
            &self.options,
            &NoLookup,
        );
        report.scope = SignedScope::WholeMessage;
        Ok((report, out))
    }
}

/// Whether a parse error says only that the input ended early (more bytes may come).
fn is_truncation(e: &ParseError) -> bool {
    let text = e.to_string();
    text.contains("truncated")
        || text.contains("end of")
        || text.contains("ends")
        || text.contains("short")
}

/// The content of an OCTET STRING (primitive, or constructed of nested chunks, definite or
/// indefinite) read from bytes pushed in pieces.
#[derive(Debug, Default)]
struct OctetPush {
    /// The enclosing constructed strings: the absolute end of each definite one, `None` for
    /// an indefinite one.
    frames: Vec<Option<u64>>,
    /// Content bytes left in the current primitive chunk.
    remaining: u64,
    /// A header being read.
    header: Vec<u8>,
    /// Bytes of this string read so far.
    pos: u64,
    started: bool,
    finished: bool,
}

impl OctetPush {
    fn start(&mut self, h: &stream::ber::Header) {
        self.started = true;
        if h.constructed {
            self.frames.push(h.len);
        } else {
            self.remaining = h.len.unwrap_or(0);
            if self.remaining == 0 {
                self.finished = true;
            }
        }
        if h.constructed && h.len == Some(0) {
            self.frames.clear();
            self.finished = true;
        }
    }

    fn done(&self) -> bool {
        self.finished
    }

    /// Uses bytes of `data`: how many, and the range of content bytes among them.
    fn step(&mut self, data: &[u8]) -> Result<(usize, Option<std::ops::Range<usize>>), ParseError> {
        if self.remaining > 0 {
            let n = (self.remaining.min(data.len() as u64)) as usize;
            self.remaining -= n as u64;
            self.advance(n as u64);
            if self.remaining == 0 && self.frames.is_empty() {
                self.finished = true;
            }
            return Ok((n, Some(0..n)));
        }
        // A header: at most 10 bytes.
        let mut used = 0;
        while let Some(&b) = data.get(used) {
            self.header.push(b);
            used += 1;
            if let Some((tag, len, hlen)) = parse_ber_header(&self.header)? {
                self.header.clear();
                self.advance(hlen as u64);
                if tag == 0 {
                    // End of contents: closes an indefinite frame.
                    match self.frames.pop() {
                        Some(None) => {}
                        _ => return Err(ParseError::der("eContent: misplaced end-of-contents")),
                    }
                } else if tag & !0x20 != 0x04 {
                    return Err(ParseError::der(
                        "eContent: a chunk that is not an OCTET STRING",
                    ));
                } else if tag & 0x20 != 0 {
                    if self.frames.len() >= stream::ber::MAX_DEPTH {
                        return Err(ParseError::TooDeep {
                            limit: stream::ber::MAX_DEPTH,
                        });
                    }
                    self.frames.push(len.map(|l| self.pos + l));
                } else {
                    self.remaining = len.unwrap_or(0);
                }
                self.close_definite();
                if self.frames.is_empty() && self.remaining == 0 {
                    self.finished = true;
                }
                return Ok((used, None));
            }
        }
        Ok((used, None))
    }

    fn advance(&mut self, n: u64) {
        self.pos += n;
        if self.remaining == 0 {
            self.close_definite();
        }
    }

    fn close_definite(&mut self) {
        while let Some(Some(end)) = self.frames.last() {
            if self.pos >= *end && self.remaining == 0 {
                self.frames.pop();
            } else {
                break;
            }
        }
    }
}

/// A BER header at the start of `h`, once complete: (tag, length, header length).
fn parse_ber_header(h: &[u8]) -> Result<Option<(u8, Option<u64>, usize)>, ParseError> {
    let (Some(&tag), Some(&first)) = (h.first(), h.get(1)) else {
        return Ok(None);
    };
    if first < 0x80 {
        return Ok(Some((tag, Some(u64::from(first)), 2)));
    }
    if first == 0x80 {
        if tag & 0x20 == 0 {
            return Err(ParseError::der(
                "an indefinite length on a primitive element",
            ));
        }
        return Ok(Some((tag, None, 2)));
    }
    let k = usize::from(first & 0x7F);
    if k > 8 {
        return Err(ParseError::der("a length of more than 8 bytes"));
    }
    if h.len() < 2 + k {
        return Ok(None);
    }
    let len = h
        .get(2..2 + k)
        .unwrap_or_default()
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Ok(Some((tag, Some(len), 2 + k)))
}

/// Base64 decoded from text pushed in pieces (line breaks and white space skipped).
#[derive(Debug, Default)]
struct Base64Push {
    /// Significant characters not decoded yet (fewer than 4, or held until the end).
    held: Vec<u8>,
    ended: bool,
}

impl Base64Push {
    fn feed(&mut self, data: &[u8]) -> Result<Vec<u8>, ParseError> {
        use base64::Engine as _;
        let start = self.held.len();
        // Line by line: the text between line breaks is copied in bulk.
        let mut last = 0;
        for p in memchr::memchr2_iter(b'\r', b'\n', data) {
            self.held
                .extend_from_slice(data.get(last..p).unwrap_or_default());
            last = p + 1;
        }
        self.held
            .extend_from_slice(data.get(last..).unwrap_or_default());
        if memchr::memchr2(b' ', b'\t', self.held.get(start..).unwrap_or_default()).is_some() {
            self.held.retain(|&b| b != b' ' && b != b'\t');
        }
        let new = self
            .held
            .get(start.min(self.held.len())..)
            .unwrap_or_default();
        let pad = if self.ended {
            Some(0)
        } else {
            memchr::memchr(b'=', new)
        };
        if let Some(at) = pad {
            if new.get(at..).unwrap_or_default().iter().any(|&b| b != b'=') {
                return Err(ParseError::Base64 {
                    detail: "data after the base64 padding".into(),
                });
            }
            self.ended = true;
            return Ok(Vec::new());
        }
        let whole = self.held.len() / 4 * 4;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(self.held.get(..whole).unwrap_or_default())
            .map_err(|e| ParseError::Base64 {
                detail: e.to_string(),
            })?;
        self.held.drain(..whole);
        Ok(decoded)
    }

    fn finish(&mut self) -> Result<Vec<u8>, ParseError> {
        use base64::Engine as _;
        let text = std::mem::take(&mut self.held);
        base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
            .decode(&text)
            .map_err(|e| ParseError::Base64 {
                detail: e.to_string(),
            })
    }
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

#[cfg(not(test))]
mod stats {
    pub(crate) fn hashed(_: usize) {}
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
