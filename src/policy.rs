//! One place that decides what is acceptable.
//!
//! A [`Policy`] is passed to verification, decryption, encryption's recipient check and the
//! keyring's selection, so every part of the library applies the same rules: which digest and
//! signature algorithms are accepted and the smallest RSA key, whether CBC (unauthenticated)
//! content is accepted, the time certificates are judged at, how revocation is checked, the
//! RFC 5280 certificate-policy inputs, and the limits on input.
//!
//! `Policy::default()` is what a mail client should use. Settings that weaken a check sit
//! behind [`Policy::danger`]; a report made under such a setting says it was used.
//!
//! ```
//! use smime::policy::{Policy, RevocationMode, ValidationTime};
//!
//! let mut policy = Policy::default();
//! policy.revocation = RevocationMode::HardFail; // every certificate needs a usable CRL
//! policy.accept_cbc = false;                    // only AES-GCM content
//! policy.time = ValidationTime::SigningTime;    // archived mail: judge at the claimed time
//! assert!(!policy.danger_used());
//! ```

pub use crate::mime::Limits as MimeLimits;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;

use crate::crypto::DigestAlgorithm;
use crate::mime;

/// The time certificates are judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ValidationTime {
    /// The current time (the default).
    #[default]
    Now,
    /// A given time.
    At(SystemTime),
    /// The signing time the signer claims (signed attribute `signingTime`), for archived mail
    /// whose certificates have since expired; the current time when a signer claims none.
    /// The claim is the signer's own word: the report says which time was used.
    SigningTime,
}

impl ValidationTime {
    /// The time to judge at, given the signer's claimed signing time if any.
    pub fn resolve(self, claimed: Option<SystemTime>) -> SystemTime {
        match self {
            ValidationTime::Now => SystemTime::now(),
            ValidationTime::At(t) => t,
            ValidationTime::SigningTime => claimed.unwrap_or_else(SystemTime::now),
        }
    }
}

/// How certificate revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RevocationMode {
    /// Not checked; the report says so.
    Off,
    /// Checked against the CRLs at hand. A certificate whose status is unknown (no CRL for its
    /// issuer, a stale or unusable CRL) is reported as such but does not fail the chain; a
    /// revoked one always does. The default.
    #[default]
    SoftFail,
    /// Every certificate of the path (the trust anchor excepted) needs a usable CRL that says
    /// it is not revoked; an unknown status makes the chain untrusted.
    HardFail,
}

/// The RFC 5280 section 6.1.1 certificate-policy inputs of path validation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CertificatePolicies {
    /// The initial policy set (`user-initial-policy-set`); empty means anyPolicy.
    pub initial_policy_set: Vec<ObjectIdentifier>,
    /// `initial-explicit-policy`: the path must be valid for at least one policy of the set.
    pub require_explicit_policy: bool,
    /// `initial-policy-mapping-inhibit`: policy mappings are not followed.
    pub inhibit_policy_mapping: bool,
    /// `initial-any-policy-inhibit`: anyPolicy in a certificate does not match other policies.
    pub inhibit_any_policy: bool,
}

/// Limits on the input examined.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Limits on MIME input (size, nesting depth, number of parts).
    pub mime: MimeLimits,
    /// The most signed or encrypted layers followed in one message (default 8).
    pub max_layers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            mime: mime::Limits::default(),
            max_layers: crate::decrypt::MAX_LAYERS,
        }
    }
}

/// Settings that weaken a check. Reached through [`Policy::danger`]; every report made under
/// one of them says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DangerousPolicy {
    skip_address_check: bool,
    pinned_certificate_is_path: bool,
}

impl DangerousPolicy {
    /// Do not check the From address against the signer's certificate. Anyone holding any
    /// trusted certificate could then pose as anyone.
    pub fn skip_address_check(&mut self, yes: bool) -> &mut Self {
        self.skip_address_check = yes;
        self
    }

    /// Let a trust anchor that is itself the signer's (or a recipient's) certificate count as
    /// a complete path, as when a user pins a correspondent's self-signed certificate. Its
    /// validity and key usage are still checked.
    pub fn pinned_certificate_is_path(&mut self, yes: bool) -> &mut Self {
        self.pinned_certificate_is_path = yes;
        self
    }

    /// Whether the address check is skipped.
    pub fn address_check_skipped(&self) -> bool {
        self.skip_address_check
    }

    /// Whether a pinned certificate counts as its own path.
    pub fn pinned_is_path(&self) -> bool {
        self.pinned_certificate_is_path
    }
}

/// What the library accepts. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Digest algorithms accepted in signatures on messages, certificates and CRLs (default:
    /// SHA-256, SHA-384, SHA-512, SHA3-256, SHA3-384, SHA3-512, SHAKE128 and SHAKE256, the
    /// last ones for SLH-DSA signers as RFC 9814 has them). Add [`DigestAlgorithm::Sha1`] to
    /// read old mail; MD5 is never computed.
    pub accepted_digests: Vec<DigestAlgorithm>,
    /// Whether RSASSA-PSS signatures are accepted (default yes). RSA PKCS#1 v1.5 and ECDSA
    /// P-256/P-384 always are.
    pub accept_rsa_pss: bool,
    /// The smallest RSA modulus accepted, in bits, for signers, certificate issuers and
    /// recipients (default 2048).
    pub min_rsa_bits: usize,
    /// Whether content encrypted without integrity protection (EnvelopedData, AES-CBC or
    /// 3DES) is accepted by decryption (default yes, as mail from Outlook-era peers is CBC).
    /// A strict setting refuses it.
    pub accept_cbc: bool,
    /// The time certificates are judged at.
    pub time: ValidationTime,
    /// How revocation is checked.
    pub revocation: RevocationMode,
    /// Certificate-policy inputs to path validation.
    pub certificate_policies: CertificatePolicies,
    /// Limits on input.
    pub limits: Limits,
    danger: DangerousPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            accepted_digests: vec![
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha384,
                DigestAlgorithm::Sha512,
                DigestAlgorithm::Sha3_256,
                DigestAlgorithm::Sha3_384,
                DigestAlgorithm::Sha3_512,
                DigestAlgorithm::Shake128,
                DigestAlgorithm::Shake256,
            ],
            accept_rsa_pss: true,
            min_rsa_bits: 2048,
            accept_cbc: true,
            time: ValidationTime::Now,
            revocation: RevocationMode::SoftFail,
            certificate_policies: CertificatePolicies::default(),
            limits: Limits::default(),
            danger: DangerousPolicy::default(),
        }
    }
}

impl Policy {
    /// A strict policy: no CBC content and hard-fail revocation; otherwise the defaults.
    pub fn strict() -> Self {
        Policy {
            accept_cbc: false,
            revocation: RevocationMode::HardFail,
            ..Policy::default()
        }
    }

    /// This policy, judging certificates at `time`.
    pub fn with_time(mut self, time: SystemTime) -> Self {
        self.time = ValidationTime::At(time);
        self
    }

    /// Settings that weaken a check.
    pub fn danger(&mut self) -> &mut DangerousPolicy {
        &mut self.danger
    }

    /// The weakening settings in force (read-only).
    pub fn dangerous(&self) -> &DangerousPolicy {
        &self.danger
    }

    /// Whether any weakening setting is in force.
    pub fn danger_used(&self) -> bool {
        self.danger != DangerousPolicy::default()
    }

    /// Whether `digest` is accepted.
    pub fn accepts_digest(&self, digest: DigestAlgorithm) -> bool {
        digest != DigestAlgorithm::Md5 && self.accepted_digests.contains(&digest)
    }

    /// Whether an RSA key of `bits` is large enough.
    pub fn accepts_rsa_bits(&self, bits: usize) -> bool {
        bits >= self.min_rsa_bits
    }

    /// The time to judge certificates at, given a claimed signing time.
    pub fn validation_time(&self, claimed_signing_time: Option<SystemTime>) -> SystemTime {
        self.time.resolve(claimed_signing_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_safe() {
        let p = Policy::default();
        assert!(!p.danger_used());
        assert!(p.accepts_digest(DigestAlgorithm::Sha256));
        assert!(!p.accepts_digest(DigestAlgorithm::Sha1));
        assert!(!p.accepts_digest(DigestAlgorithm::Md5));
        assert!(p.accepts_rsa_bits(2048));
        assert!(!p.accepts_rsa_bits(1024));
        assert_eq!(p.revocation, RevocationMode::SoftFail);
        assert!(p.accept_cbc);
    }

    #[test]
    fn md5_is_never_accepted() {
        let mut p = Policy::default();
        p.accepted_digests.push(DigestAlgorithm::Md5);
        assert!(!p.accepts_digest(DigestAlgorithm::Md5));
    }

    #[test]
    fn danger_is_visible() {
        let mut p = Policy::default();
        p.danger().skip_address_check(true);
        assert!(p.danger_used());
        assert!(p.dangerous().address_check_skipped());
        let s = Policy::strict();
        assert!(!s.accept_cbc);
        assert_eq!(s.revocation, RevocationMode::HardFail);
    }

    #[test]
    fn signing_time_resolves_to_the_claim() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        assert_eq!(ValidationTime::SigningTime.resolve(Some(t)), t);
        assert_eq!(ValidationTime::At(t).resolve(None), t);
    }
}
