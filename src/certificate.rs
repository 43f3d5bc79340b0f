//! X.509 certificates: the DER as received, parsed once.
//!
//! A [`Certificate`] is what every part of the API takes and returns where a certificate is
//! meant: signer and recipient certificates, trust anchors, intermediates, the certificates a
//! message carried. It keeps the exact DER (signatures and fingerprints are over it) and what a
//! mail app asks of it: subject, issuer, serial, e-mail addresses, validity, S/MIME roles and
//! the SHA-256 fingerprint. Cloning is cheap (everything is shared).
//!
//! What is asked of a certificate is extracted when it is read; the full parsed structure is
//! made again only when an operation needs it (a signature check, a path) and then kept. A
//! keyring of many contacts thus holds little more than their DER.

use crate::crypto::oids;
use crate::error::ParseError;
use crate::validate;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};

/// The most certificates one input to [`Certificate::read_all`] may hold.
const MAX_CERTIFICATES: usize = 1000;

/// The SHA-256 of a certificate's DER: how certificates are named and compared.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of DER bytes.
    pub fn of(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

/// What a certificate's key may be used for in S/MIME.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Roles {
    /// Signing: key usage absent, digitalSignature or nonRepudiation.
    pub signing: bool,
    /// Receiving encrypted mail: an RSA key with key usage absent or keyEncipherment, or an EC
    /// key with key usage absent or keyAgreement.
    pub encryption: bool,
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.signing, self.encryption) {
            (true, true) => "signing+encryption",
            (true, false) => "signing",
            (false, true) => "encryption",
            (false, false) => "none",
        })
    }
}

/// An X.509 certificate: its DER, parsed once.
#[derive(Clone)]
pub struct Certificate(Arc<Inner>);

struct Inner {
    der: Vec<u8>,
    /// The full parsed structure, made on first use by an operation that needs it.
    x509: OnceLock<x509_cert::Certificate>,
    fingerprint: Fingerprint,
    serial: String,
    addresses: Vec<String>,
    not_before: SystemTime,
    not_after: SystemTime,
    roles: Roles,
    is_ca: bool,
    self_issued: bool,
    issuer_serial: Vec<u8>,
    ski: Option<Vec<u8>>,
    /// The subject and issuer as text, made on first use: formatting names is the larger part
    /// of loading a keyring, and most certificates are never displayed.
    names: OnceLock<(String, String)>,
}

impl Certificate {
    /// Parses a DER certificate. Trailing bytes are refused.
    pub fn from_der(der: &[u8]) -> Result<Certificate, ParseError> {
        if der.is_empty() {
            return Err(ParseError::Empty);
        }
        let x509 = x509_cert::Certificate::from_der(der).map_err(|e| ParseError::Certificate {
            detail: e.to_string(),
        })?;
        Ok(Certificate::from_parsed(der.to_vec(), x509))
    }

    /// Parses the first `CERTIFICATE` block of PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Certificate, ParseError> {
        match crate::crypto::keys::pem_blocks(pem, MAX_CERTIFICATES)? {
            Some(blocks) => match blocks.into_iter().find(|(label, _)| label == "CERTIFICATE") {
                Some((_, der)) => Certificate::from_der(&der),
                None => Err(ParseError::Pem {
                    detail: "no CERTIFICATE block found".into(),
                }),
            },
            None => Err(ParseError::Pem {
                detail: "not PEM text".into(),
            }),
        }
    }

    /// Reads every certificate in `bytes`: one DER certificate, or PEM text with any number of
    /// `CERTIFICATE` blocks (other blocks are skipped), at most 1000.
    pub fn read_all(bytes: &[u8]) -> Result<Vec<Certificate>, ParseError> {
        if bytes.is_empty() {
            return Err(ParseError::Empty);
        }
        let Some(blocks) = crate::crypto::keys::pem_blocks(bytes, MAX_CERTIFICATES)? else {
            return Ok(vec![Certificate::from_der(bytes)?]);
        };
        let mut out = Vec::new();
        for (label, der) in blocks {
            if label == "CERTIFICATE" {
                out.push(Certificate::from_der(&der)?);
            }
        }
        if out.is_empty() {
            return Err(ParseError::Pem {
                detail: "no CERTIFICATE block found".into(),
            });
        }
        Ok(out)
    }

    fn from_parsed(der: Vec<u8>, x509: x509_cert::Certificate) -> Certificate {
        let tbs = x509.tbs_certificate();
        let ski = match tbs.get_extension::<SubjectKeyIdentifier>() {
            Ok(Some((_, s))) => Some(s.0.as_bytes().to_vec()),
            _ => None,
        };
        let is_ca = matches!(
            tbs.get_extension::<BasicConstraints>(),
            Ok(Some((_, bc))) if bc.ca
        );
        let inner = Inner {
            fingerprint: Fingerprint::of(&der),
            serial: tbs.serial_number().to_string(),
            addresses: validate::certificate_addresses(&x509),
            not_before: tbs.validity().not_before.to_system_time(),
            not_after: tbs.validity().not_after.to_system_time(),
            roles: roles_of(&x509),
            is_ca,
            self_issued: tbs.subject() == tbs.issuer(),
            issuer_serial: issuer_serial_key(tbs.issuer(), tbs.serial_number()),
            ski,
            names: OnceLock::new(),
            der,
            x509: OnceLock::new(),
        };
        Certificate(Arc::new(inner))
    }

    /// The DER, exactly as received.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The certificate as PEM text (one `CERTIFICATE` block, LF line endings).
    pub fn to_pem(&self) -> String {
        pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &self.0.der)
            .unwrap_or_default()
    }

    /// The SHA-256 fingerprint of the DER.
    pub fn fingerprint(&self) -> Fingerprint {
        self.0.fingerprint
    }

    /// The subject distinguished name, for people (RFC 4514 form).
    pub fn subject(&self) -> &str {
        &self.names().0
    }

    /// The issuer distinguished name, for people.
    pub fn issuer(&self) -> &str {
        &self.names().1
    }

    fn names(&self) -> &(String, String) {
        self.0.names.get_or_init(|| match self.x509() {
            Ok(c) => {
                let tbs = c.tbs_certificate();
                (tbs.subject().to_string(), tbs.issuer().to_string())
            }
            Err(_) => (String::new(), String::new()),
        })
    }

    /// The serial number, hex.
    pub fn serial(&self) -> &str {
        &self.0.serial
    }

    /// Every e-mail address the certificate names (subjectAltName rfc822Name and the subject's
    /// emailAddress), as written.
    pub fn addresses(&self) -> &[String] {
        &self.0.addresses
    }

    /// Start of validity.
    pub fn not_before(&self) -> SystemTime {
        self.0.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> SystemTime {
        self.0.not_after
    }

    /// Whether `time` is within the validity period.
    pub fn valid_at(&self, time: SystemTime) -> bool {
        self.0.not_before <= time && time <= self.0.not_after
    }

    /// What the key may do in S/MIME, from key usage, extended key usage and key type.
    pub fn roles(&self) -> Roles {
        self.0.roles
    }

    /// Whether it is a CA certificate (basicConstraints cA).
    pub fn is_ca(&self) -> bool {
        self.0.is_ca
    }

    /// Whether subject and issuer are the same name.
    pub fn is_self_issued(&self) -> bool {
        self.0.self_issued
    }

    /// The public key, for people: "RSA-2048", "EC P-256".
    pub fn key_description(&self) -> String {
        let Ok(cert) = self.x509() else {
            return String::new();
        };
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap_or_default();
        match crate::crypto::verify::key_info(&spki) {
            Ok(k) => match k.algorithm {
                crate::crypto::verify::KeyAlgorithm::Rsa => format!("RSA-{}", k.bits),
                other => other.name(),
            },
            Err(_) => cert
                .tbs_certificate()
                .subject_public_key_info()
                .algorithm
                .oid
                .to_string(),
        }
    }

    /// The subject public key as a DER `SubjectPublicKeyInfo`: what a key held outside the
    /// library (a [`PrivateKey`](crate::keys::PrivateKey) over a platform keystore) reports as
    /// its public key.
    pub fn public_key_der(&self) -> Result<Vec<u8>, ParseError> {
        Ok(self
            .x509()?
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()?)
    }

    /// The kind and size of the subject public key, when it is one a
    /// [`PrivateKey`](crate::keys::PrivateKey) can hold (RSA, EC P-256, EC P-384, Ed25519,
    /// X25519, ML-DSA, ML-KEM). SLH-DSA keys are verified only: `None`.
    pub fn key_kind(&self) -> Option<crate::keys::KeyKind> {
        use crate::crypto::verify::{KeyAlgorithm as A, MlDsaLevel, MlKemLevel};
        use crate::keys::KeyKind as K;
        let info = crate::crypto::verify::key_info(&self.public_key_der().ok()?).ok()?;
        match info.algorithm {
            A::Rsa => Some(K::Rsa { bits: info.bits }),
            A::EcP256 => Some(K::EcP256),
            A::EcP384 => Some(K::EcP384),
            A::Ed25519 => Some(K::Ed25519),
            A::X25519 => Some(K::X25519),
            A::MlDsa(MlDsaLevel::MlDsa44) => Some(K::MlDsa44),
            A::MlDsa(MlDsaLevel::MlDsa65) => Some(K::MlDsa65),
            A::MlDsa(MlDsaLevel::MlDsa87) => Some(K::MlDsa87),
            A::MlKem(MlKemLevel::MlKem512) => Some(K::MlKem512),
            A::MlKem(MlKemLevel::MlKem768) => Some(K::MlKem768),
            A::MlKem(MlKemLevel::MlKem1024) => Some(K::MlKem1024),
            A::SlhDsa(_) | A::Other(_) => None,
        }
    }

    /// A name for people: the addresses, or else the subject.
    pub fn describe(&self) -> String {
        if self.0.addresses.is_empty() {
            self.subject().to_string()
        } else {
            self.0.addresses.join(", ")
        }
    }

    /// The parsed structure, parsed again on first use and then kept. The DER parsed when the
    /// certificate was made, so this does not fail; if it ever did, the error says so.
    pub(crate) fn x509(&self) -> Result<&x509_cert::Certificate, ParseError> {
        if let Some(c) = self.0.x509.get() {
            return Ok(c);
        }
        let parsed =
            x509_cert::Certificate::from_der(&self.0.der).map_err(|e| ParseError::Certificate {
                detail: e.to_string(),
            })?;
        Ok(self.0.x509.get_or_init(|| parsed))
    }

    /// The subject key identifier, if the certificate has one.
    pub(crate) fn ski(&self) -> Option<&[u8]> {
        self.0.ski.as_deref()
    }

    /// The DER issuer name followed by the serial bytes: an index key.
    pub(crate) fn issuer_serial(&self) -> &[u8] {
        &self.0.issuer_serial
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.0.der == other.0.der
    }
}

impl Eq for Certificate {}

impl PartialEq<[u8]> for Certificate {
    fn eq(&self, other: &[u8]) -> bool {
        self.0.der == other
    }
}

impl PartialEq<&[u8]> for Certificate {
    fn eq(&self, other: &&[u8]) -> bool {
        self.0.der == *other
    }
}

impl PartialEq<Vec<u8>> for Certificate {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.0.der == *other
    }
}

impl std::hash::Hash for Certificate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.fingerprint.hash(state)
    }
}

impl AsRef<[u8]> for Certificate {
    fn as_ref(&self) -> &[u8] {
        &self.0.der
    }
}

impl TryFrom<&[u8]> for Certificate {
    type Error = ParseError;
    fn try_from(der: &[u8]) -> Result<Self, ParseError> {
        Certificate::from_der(der)
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("fingerprint", &self.0.fingerprint)
            .finish_non_exhaustive()
    }
}

/// The S/MIME roles of a certificate's key, from its key usage extension and key type.
pub(crate) fn roles_of(cert: &x509_cert::Certificate) -> Roles {
    let tbs = cert.tbs_certificate();
    let alg = tbs.subject_public_key_info().algorithm.oid;
    let is_rsa = alg == oids::RSA_ENCRYPTION;
    let is_ec = alg == oids::EC_PUBLIC_KEY;
    // Keys that only agree or encapsulate (X25519, ML-KEM) never sign; keys that only sign
    // (Ed25519, ML-DSA, SLH-DSA) never receive encrypted mail.
    let is_x25519 = alg == oids::X25519;
    let is_kem = crate::crypto::verify::MlKemLevel::from_oid(&alg).is_some();
    let signs = !(is_x25519 || is_kem);
    let eku_ok = validate::check_email_eku(cert).is_ok();
    match tbs.get_extension::<KeyUsage>() {
        Ok(None) => Roles {
            signing: eku_ok && signs,
            encryption: eku_ok && (is_rsa || is_ec || is_x25519 || is_kem),
        },
        Ok(Some((_, ku))) => Roles {
            signing: eku_ok && signs && (ku.digital_signature() || ku.non_repudiation()),
            encryption: eku_ok
                && (((is_rsa || is_kem) && ku.key_encipherment())
                    || ((is_ec || is_x25519) && ku.key_agreement())),
        },
        Err(_) => Roles::default(),
    }
}

/// The DER issuer name followed by the serial bytes.
pub(crate) fn issuer_serial_key(
    issuer: &x509_cert::name::Name,
    serial: &x509_cert::serial_number::SerialNumber,
) -> Vec<u8> {
    let mut key = issuer.to_der().unwrap_or_default();
    key.extend_from_slice(serial.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &[u8] = include_bytes!("testdata/alice-p256.crt.pem");

    #[test]
    fn parsed_once_and_described() {
        let c = Certificate::from_pem(PEM).unwrap();
        assert_eq!(Certificate::read_all(PEM).unwrap(), vec![c.clone()]);
        let again = Certificate::from_der(c.der()).unwrap();
        assert_eq!(again, c);
        assert_eq!(again.fingerprint(), Fingerprint::of(c.der()));
        assert_eq!(c.addresses(), ["alice@example.com"]);
        assert_eq!(c.subject(), "CN=Alice Example");
        assert_eq!(c.key_description(), "EC P-256");
        assert!(c.valid_at(c.not_before()));
        assert!(!c.is_ca());
        assert_eq!(Certificate::from_pem(c.to_pem().as_bytes()).unwrap(), c);
    }

    #[test]
    fn public_key_is_the_key_files() {
        use crate::keys::{KeyKind, PrivateKey, SoftwareKey};
        let c = Certificate::from_pem(PEM).unwrap();
        let key = SoftwareKey::from_bytes(include_bytes!("testdata/alice-p256.key.pem")).unwrap();
        assert_eq!(c.public_key_der().unwrap(), key.public_key_der().unwrap());
        assert_eq!(c.key_kind(), Some(KeyKind::EcP256));
        assert_eq!(c.key_kind(), Some(key.kind()));
    }

    #[test]
    fn refuses_what_is_not_a_certificate() {
        assert_eq!(Certificate::from_der(b""), Err(ParseError::Empty));
        assert!(matches!(
            Certificate::from_der(b"\x30\x03\x02\x01\x01"),
            Err(ParseError::Certificate { .. })
        ));
        let mut trailing = Certificate::from_pem(PEM).unwrap().der().to_vec();
        trailing.push(0);
        assert!(Certificate::from_der(&trailing).is_err());
        assert!(matches!(
            Certificate::from_pem(b"-----BEGIN CRL-----\nAAAA\n-----END CRL-----\n"),
            Err(ParseError::Pem { .. })
        ));
    }
}
