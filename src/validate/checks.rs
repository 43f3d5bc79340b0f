//! Per-certificate checks for S/MIME: validity period, key usage, extended key usage and the
//! e-mail addresses a certificate names.

use std::fmt;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, Utf8StringRef};
use der::{Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, SubjectAltName};

use crate::crypto::oids;

/// anyExtendedKeyUsage (RFC 5280 section 4.2.1.12).
const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// Why a certificate is outside its validity period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidityFailure {
    /// The time is before the certificate's notBefore.
    NotYetValid {
        /// The certificate's notBefore.
        not_before: SystemTime,
    },
    /// The time is after the certificate's notAfter.
    Expired {
        /// The certificate's notAfter.
        not_after: SystemTime,
    },
}

impl fmt::Display for ValidityFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidityFailure::NotYetValid { not_before } => write!(
                f,
                "the certificate is not valid yet (valid from {})",
                crate::keyring::fmt_time(*not_before)
            ),
            ValidityFailure::Expired { not_after } => write!(
                f,
                "the certificate has expired (valid until {})",
                crate::keyring::fmt_time(*not_after)
            ),
        }
    }
}

impl std::error::Error for ValidityFailure {}

impl ValidityFailure {
    /// The stable numeric code of this failure (900–949).
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            ValidityFailure::NotYetValid { .. } => SMIME_CERT_NOT_YET_VALID,
            ValidityFailure::Expired { .. } => SMIME_CERT_EXPIRED,
        }
    }
}

/// Checks that `time` lies within the certificate's validity period (bounds inclusive).
pub fn check_validity(cert: &Certificate, time: SystemTime) -> Result<(), ValidityFailure> {
    let validity = cert.tbs_certificate().validity();
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    if time < not_before {
        return Err(ValidityFailure::NotYetValid { not_before });
    }
    if time > not_after {
        return Err(ValidityFailure::Expired { not_after });
    }
    Ok(())
}

/// Why a certificate's key usage does not allow signing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyUsageFailure {
    /// The key usage extension is present but has neither digitalSignature nor nonRepudiation.
    NoSigningUsage,
    /// The key usage extension is malformed or repeated.
    Malformed,
}

impl fmt::Display for KeyUsageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyUsageFailure::NoSigningUsage => write!(
                f,
                "the certificate's key usage does not allow signing (neither digitalSignature \
                 nor nonRepudiation)"
            ),
            KeyUsageFailure::Malformed => {
                write!(f, "the certificate's key usage extension is malformed")
            }
        }
    }
}

impl std::error::Error for KeyUsageFailure {}

impl KeyUsageFailure {
    /// The stable numeric code of this failure (900–949).
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            KeyUsageFailure::NoSigningUsage => SMIME_CERT_KEY_USAGE_NO_SIGNING,
            KeyUsageFailure::Malformed => SMIME_CERT_KEY_USAGE_MALFORMED,
        }
    }
}

/// Checks that the certificate's key may sign: an absent key usage extension allows it, a
/// present one must have digitalSignature or nonRepudiation.
pub fn check_signing_key_usage(cert: &Certificate) -> Result<(), KeyUsageFailure> {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Err(_) => Err(KeyUsageFailure::Malformed),
        Ok(None) => Ok(()),
        Ok(Some((_, ku))) if ku.digital_signature() || ku.non_repudiation() => Ok(()),
        Ok(Some(_)) => Err(KeyUsageFailure::NoSigningUsage),
    }
}

/// Why a certificate's extended key usage does not allow e-mail protection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EkuFailure {
    /// The extended key usage extension lists neither emailProtection nor anyExtendedKeyUsage.
    NoEmailProtection {
        /// The purposes it does list, as dotted OIDs.
        present: Vec<String>,
    },
    /// The extended key usage extension is malformed or repeated.
    Malformed,
}

impl fmt::Display for EkuFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EkuFailure::NoEmailProtection { present } => write!(
                f,
                "the certificate is not for e-mail protection (its extended key usage lists {})",
                if present.is_empty() {
                    "nothing".to_string()
                } else {
                    present.join(", ")
                }
            ),
            EkuFailure::Malformed => write!(
                f,
                "the certificate's extended key usage extension is malformed"
            ),
        }
    }
}

impl std::error::Error for EkuFailure {}

impl EkuFailure {
    /// The stable numeric code of this failure (900–949).
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            EkuFailure::NoEmailProtection { .. } => SMIME_CERT_EKU_NO_EMAIL_PROTECTION,
            EkuFailure::Malformed => SMIME_CERT_EKU_MALFORMED,
        }
    }
}

/// Checks that the certificate may be used for e-mail: an absent extended key usage extension
/// allows it; a present one must list emailProtection or anyExtendedKeyUsage.
pub fn check_email_eku(cert: &Certificate) -> Result<(), EkuFailure> {
    match cert.tbs_certificate().get_extension::<ExtendedKeyUsage>() {
        Err(_) => Err(EkuFailure::Malformed),
        Ok(None) => Ok(()),
        Ok(Some((_, eku))) => {
            if eku
                .0
                .iter()
                .any(|o| *o == oids::KP_EMAIL_PROTECTION || *o == ANY_EXTENDED_KEY_USAGE)
            {
                Ok(())
            } else {
                Err(EkuFailure::NoEmailProtection {
                    present: eku.0.iter().map(|o| o.to_string()).collect(),
                })
            }
        }
    }
}

/// The e-mail addresses a certificate names: every rfc822Name of the subjectAltName, then every
/// emailAddress attribute of the subject, deduplicated (the local part compared exactly, the
/// domain without regard to ASCII case). A malformed extension or attribute contributes nothing.
pub fn certificate_addresses(cert: &Certificate) -> Vec<String> {
    let tbs = cert.tbs_certificate();
    let mut found: Vec<String> = Vec::new();
    for ext in tbs.filter_extensions::<SubjectAltName>() {
        let Ok((_, san)) = ext else { continue };
        for name in &san.0 {
            if let GeneralName::Rfc822Name(addr) = name {
                found.push(addr.as_str().to_string());
            }
        }
    }
    for atv in tbs.subject().iter() {
        if atv.oid != oids::EMAIL_ADDRESS {
            continue;
        }
        let text = match atv.value.tag() {
            Tag::Ia5String => atv
                .value
                .decode_as::<Ia5StringRef<'_>>()
                .ok()
                .map(|s| s.as_str().to_string()),
            Tag::Utf8String => atv
                .value
                .decode_as::<Utf8StringRef<'_>>()
                .ok()
                .map(|s| s.as_str().to_string()),
            _ => None,
        };
        if let Some(text) = text {
            found.push(text);
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(found.len());
    for addr in found {
        let duplicate = out
            .iter()
            .any(|seen| *seen == addr || address_matches(seen, &addr));
        if !duplicate {
            out.push(addr);
        }
    }
    out
}

/// Whether an address from a certificate names the same mailbox as `address`: surrounding
/// whitespace and angle brackets are ignored, the local part is compared exactly and the domain
/// without regard to ASCII case. No match if either lacks an `@` or has an empty side.
pub fn address_matches(cert_address: &str, address: &str) -> bool {
    use crate::mime::split_address;
    let (Some((l1, d1)), Some((l2, d2))) = (split_address(cert_address), split_address(address))
    else {
        return false;
    };
    l1 == l2 && d1.eq_ignore_ascii_case(d2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_comparison() {
        assert!(address_matches(
            "alice@example.com",
            " <alice@EXAMPLE.com> "
        ));
        assert!(!address_matches("alice@example.com", "Alice@example.com"));
        assert!(!address_matches("alice", "alice"));
        assert!(!address_matches("alice@example.com", "alice@"));
        assert!(!address_matches("", ""));
    }

    #[test]
    fn validity_failures_say_the_date() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_720_027_807);
        assert_eq!(
            ValidityFailure::Expired { not_after: t }.to_string(),
            "the certificate has expired (valid until 2024-07-03 17:30:07 UTC)"
        );
        assert_eq!(
            ValidityFailure::NotYetValid { not_before: t }.to_string(),
            "the certificate is not valid yet (valid from 2024-07-03 17:30:07 UTC)"
        );
    }
}
