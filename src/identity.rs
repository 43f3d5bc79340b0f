//! The user's own identities: a private key with its certificate and chain.
//!
//! One [`Identity`] serves every operation that needs a private key: it signs
//! ([`sign`](crate::sign::sign)), it opens mail encrypted to its certificate
//! ([`decrypt`](crate::decrypt::decrypt), [`open`](crate::decrypt::open)), it is what a PKCS#12
//! file holds ([`Identity::from_pkcs12`]) and what a [`Keyring`](crate::keyring::Keyring)
//! keeps for each of the user's certificates. The key is a [`SoftwareKey`] or any
//! [`PrivateKey`] (a platform keystore, a smart card).

use crate::certificate::Certificate;
use crate::crypto::keys::{PrivateKey, SoftwareKey, check_key_matches};
use crate::error::{KeyError, ParseError};
use crate::keyring::snapshot::{StoredKey, Timestamp};
use crate::pkcs12::{Pkcs12Error, Pkcs12Limits};
use crate::sign::SignerCertificateProblem;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// A private key, its certificate and the certificate's issuer chain.
#[derive(Clone)]
pub struct Identity {
    certificate: Certificate,
    chain: Vec<Certificate>,
    key: Option<Arc<dyn PrivateKey>>,
    encryption_certificate: Option<Certificate>,
    label: Option<String>,
    /// Where a keyring keeps the key, for identities that live in one.
    pub(crate) stored: Option<StoredKey>,
    /// When a keyring added the identity.
    pub(crate) added: Option<Timestamp>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certificate", &self.certificate)
            .field("key", &self.key.as_ref().map(|k| k.kind()))
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// An identity from a key and its certificate. Fails when the key does not belong to the
    /// certificate.
    pub fn new(key: Arc<dyn PrivateKey>, certificate: Certificate) -> Result<Identity, KeyError> {
        check_key_matches(key.as_ref(), certificate.der())?;
        Ok(Identity {
            certificate,
            chain: Vec::new(),
            key: Some(key),
            encryption_certificate: None,
            label: None,
            stored: None,
            added: None,
        })
    }

    /// An identity without its private key: one a keyring knows but whose platform key could
    /// not be resolved when the keyring was loaded. It cannot sign or decrypt.
    pub(crate) fn without_key(certificate: Certificate) -> Identity {
        Identity {
            certificate,
            chain: Vec::new(),
            key: None,
            encryption_certificate: None,
            label: None,
            stored: None,
            added: None,
        }
    }

    /// An identity from a private key file and a certificate file, PEM or DER (PKCS#8,
    /// PKCS#1 or SEC1 keys; any number of certificates). The certificate whose public key is
    /// the key's is the identity's certificate, the others its chain, in file order.
    pub fn from_key_and_certificates(
        key: &[u8],
        certificates: &[u8],
    ) -> Result<Identity, KeyError> {
        let key = Arc::new(SoftwareKey::from_bytes(key)?);
        let mut certs = Certificate::read_all(certificates).map_err(KeyError::Certificate)?;
        let at = certs
            .iter()
            .position(|c| check_key_matches(key.as_ref(), c.der()).is_ok())
            .ok_or(KeyError::Mismatch)?;
        let certificate = certs.remove(at);
        Ok(Identity::new(key, certificate)?.with_chain(certs))
    }

    /// The identity in a PKCS#12 file (`.p12`, `.pfx`): its private key, the certificate that
    /// belongs to the key and the other certificates as the chain, issuer first. Modern (AES,
    /// PBKDF2) and legacy (3DES, RC2) files are read within `limits`.
    pub fn from_pkcs12(
        der: &[u8],
        password: &str,
        limits: &Pkcs12Limits,
    ) -> Result<Identity, Pkcs12Error> {
        crate::pkcs12::parse_pkcs12_identity(der, password, limits)
    }

    /// Sets the issuer chain (intermediates, issuer first) included in signatures.
    pub fn with_chain(mut self, chain: Vec<Certificate>) -> Identity {
        self.chain = chain;
        self
    }

    /// Names a separate encryption certificate: a signature by this identity includes it and
    /// announces it with the encryptionKeyPreference attribute, so peers encrypt to it.
    pub fn with_encryption_certificate(mut self, certificate: Certificate) -> Identity {
        self.encryption_certificate = Some(certificate);
        self
    }

    /// Sets a label for people ("work laptop").
    pub fn with_label(mut self, label: impl Into<String>) -> Identity {
        self.label = Some(label.into());
        self
    }

    pub(crate) fn set_label(&mut self, label: Option<String>) {
        self.label = label;
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The issuer chain.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key; `None` for a keyring identity whose platform key could not be resolved
    /// when the keyring was loaded.
    pub fn key(&self) -> Option<&Arc<dyn PrivateKey>> {
        self.key.as_ref()
    }

    /// The encryption certificate a signature announces, if one was named.
    pub fn encryption_certificate(&self) -> Option<&Certificate> {
        self.encryption_certificate.as_ref()
    }

    /// The label, if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// How a keyring stores the key (`None` outside a keyring).
    pub fn stored_key(&self) -> Option<&StoredKey> {
        self.stored.as_ref()
    }

    /// When a keyring added the identity (`None` outside a keyring).
    pub fn added(&self) -> Option<SystemTime> {
        self.added.map(crate::keyring::from_timestamp)
    }

    /// Checks that the certificate may sign e-mail at `time`: within its validity period, a
    /// key usage (if present) with digitalSignature or nonRepudiation, and an extended key
    /// usage (if present) with emailProtection or anyExtendedKeyUsage — the rule a verifier
    /// applies, so a signature is never made that the recipient must refuse.
    pub fn check_can_sign(&self, time: SystemTime) -> Result<(), SignerCertificateProblem> {
        crate::sign::check_signer_certificate(&self.certificate, time)
    }

    /// The key, or the error an operation that needs it reports.
    pub(crate) fn require_key(&self) -> Result<&Arc<dyn PrivateKey>, KeyError> {
        self.key.as_ref().ok_or_else(|| KeyError::Unsupported {
            detail: format!(
                "the private key of {} is not available",
                self.certificate.describe()
            ),
        })
    }
}

impl From<ParseError> for KeyError {
    fn from(e: ParseError) -> Self {
        KeyError::Certificate(e)
    }
}
