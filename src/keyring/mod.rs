//! The keyring: the user's identities with their key history, other people's certificates,
//! trust anchors, intermediates and CRLs.
//!
//! A [`Keyring`] answers the questions a mail client asks:
//!
//! - *Which key signs mail from this address?* [`Keyring::signer_for`] picks the best signing
//!   identity (valid now, signing key usage, trusted chain preferred, newest first) and attaches
//!   its chain and the identity's encryption certificate.
//! - *Can I encrypt to these people?* [`Keyring::recipient_readiness`] says, for each address,
//!   which certificate will be used or why none can be (no certificate, expired, revoked,
//!   untrusted, wrong key usage); [`Keyring::encryption_certificates_for`] refuses, naming them,
//!   the recipients that are not ready; [`Keyring::choose_cipher`] picks the content cipher
//!   from what the recipients advertised.
//! - *Which key opens this?* [`Keyring::decryption_keys`] is the whole key history, renewed
//!   certificates included, so old mail stays readable.
//! - *Is this signature trusted?* [`Keyring::verify`] verifies with the keyring's trust anchors,
//!   intermediates and CRLs, finding signer certificates the message does not carry.
//!
//! Certificates are indexed by every e-mail address they name (domain without regard to case),
//! by issuer and serial number, and by subject key identifier; lookups are hash-map lookups.
//! Certificates from other people arrive from files, directory entries, certs-only messages and
//! [harvesting](Keyring::harvest) verified signed mail.
//!
//! The keyring is saved to a sealed, integrity-protected file with [`Keyring::save`] and read
//! back with [`Keyring::load`] (see [`store`]).

pub mod directory;
mod import;
mod select;
pub mod snapshot;
pub mod store;

pub use import::{Harvest, Imported};
pub(crate) use select::check_recipient_certificate;
pub use select::{
    CipherChoice, CipherReason, Readiness, RecipientReadiness, Rejected, Unusable,
    parse_capabilities,
};
pub use snapshot::{ContactRecord, IdentityRecord, Snapshot, Source, StoredKey, Timestamp};

use crate::certificate::Certificate;
use crate::cms::signed_data::SignerId;
use crate::crypto::keys::{PrivateKey, SoftwareKey};
use crate::decrypt::{self, Decrypted};
use crate::error::{DecryptError, KeyError, ParseError, VerifyError};
pub use crate::identity::Identity;
use crate::policy::Policy;
use crate::validate;
use crate::verify::{self, AddressPolicy, CertificateLookup, VerifyOptions, VerifyReport};
use der::Decode;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::certificate::{Fingerprint, Roles};

/// The index form of an e-mail address: surrounding whitespace and angle brackets removed, the
/// domain lower-cased, the local part kept as is. `None` without an `@`.
pub use crate::mime::normalize_address;

pub(crate) fn to_timestamp(t: SystemTime) -> Timestamp {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(crate) fn from_timestamp(t: Timestamp) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t)
}

/// Another person's certificate and what was learned with it.
#[derive(Clone, Debug)]
pub struct Contact {
    certificate: Certificate,
    record: ContactRecord,
}

impl Contact {
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }
    /// Where it came from first.
    pub fn source(&self) -> Source {
        self.record.source
    }
    /// When it was first added.
    pub fn first_seen(&self) -> SystemTime {
        from_timestamp(self.record.first_seen)
    }
    /// When it was last seen.
    pub fn last_seen(&self) -> SystemTime {
        from_timestamp(self.record.last_seen)
    }
    /// The `SMIMECapabilities` (DER) learned from the holder's verified signed mail.
    pub fn capabilities(&self) -> Option<&[u8]> {
        self.record.capabilities.as_deref()
    }
    /// When verified signed mail last named this certificate as the one to encrypt to.
    pub fn preferred_seen(&self) -> Option<SystemTime> {
        self.record.preferred_seen.map(from_timestamp)
    }
    /// The stored record.
    pub fn record(&self) -> &ContactRecord {
        &self.record
    }
}

/// A certificate found by a lookup.
#[derive(Clone, Copy, Debug)]
pub enum Found<'a> {
    /// One of the user's identities.
    Identity(&'a Identity),
    /// A contact certificate.
    Contact(&'a Contact),
}

impl<'a> Found<'a> {
    /// The certificate.
    pub fn certificate(&self) -> &'a Certificate {
        match self {
            Found::Identity(i) => i.certificate(),
            Found::Contact(c) => &c.certificate,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Slot {
    Identity(usize),
    Contact(usize),
}

/// How an application supplies the keys of identities whose keys live outside the keyring
/// file ([`StoredKey::External`]) when a keyring is loaded.
pub trait KeyResolver {
    /// The key named by `reference` for the certificate `certificate` (DER), if available.
    fn resolve(&self, reference: &[u8], certificate: &Certificate) -> Option<Arc<dyn PrivateKey>>;
}

/// Resolves no external key: such identities load without a usable key.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExternalKeys;

impl KeyResolver for NoExternalKeys {
    fn resolve(
        &self,
        _reference: &[u8],
        _certificate: &Certificate,
    ) -> Option<Arc<dyn PrivateKey>> {
        None
    }
}

/// Errors of keyring operations.
///
/// The variants that wrap another error of the library (`Parse`, `Key`, `Pkcs12`, `Store`)
/// are transparent: their message, source and code are the wrapped error's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyringError {
    /// A certificate, CRL or other input could not be parsed.
    Parse(ParseError),
    /// A private key could not be used, or does not belong to its certificate.
    Key(KeyError),
    /// A PKCS#12 file could not be read or written.
    Pkcs12(crate::pkcs12::Pkcs12Error),
    /// The keyring file could not be read or written.
    Store(store::StoreError),
    /// No certificate or identity with that fingerprint.
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// No identity can sign mail from the address.
    NoSigningIdentity {
        /// The address.
        address: String,
        /// Why not, for a person.
        reason: String,
    },
    /// Some recipients have no usable encryption certificate.
    RecipientsNotReady {
        /// The recipients that are not ready, each with its reason.
        recipients: Vec<RecipientReadiness>,
    },
    /// The input held nothing to import.
    NothingToImport {
        /// What was expected.
        detail: String,
    },
    /// A certificate meant for one place does not fit there (for example an end-entity
    /// certificate offered as a CRL issuer).
    Unsuitable {
        /// Why, for a person.
        detail: String,
    },
}

impl KeyringError {
    /// The stable numeric code of this error (800–849), or the wrapped error's for `Parse`,
    /// `Key`, `Pkcs12` and `Store`.
    pub fn code(&self) -> u32 {
        use crate::error::codes::*;
        match self {
            KeyringError::Parse(e) => e.code(),
            KeyringError::Key(e) => e.code(),
            KeyringError::Pkcs12(e) => e.code(),
            KeyringError::Store(e) => e.code(),
            KeyringError::NotFound { .. } => SMIME_KEYRING_NOT_FOUND,
            KeyringError::NoSigningIdentity { .. } => SMIME_KEYRING_NO_SIGNING_IDENTITY,
            KeyringError::RecipientsNotReady { .. } => SMIME_KEYRING_RECIPIENTS_NOT_READY,
            KeyringError::NothingToImport { .. } => SMIME_KEYRING_NOTHING_TO_IMPORT,
            KeyringError::Unsuitable { .. } => SMIME_KEYRING_UNSUITABLE,
        }
    }

    /// The kind of the I/O error behind this error, if it is one.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        crate::error::io_kind(self)
    }
}

impl fmt::Display for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Transparent: the wrapped error's message (and source).
            KeyringError::Parse(e) => fmt::Display::fmt(e, f),
            KeyringError::Key(e) => fmt::Display::fmt(e, f),
            KeyringError::Pkcs12(e) => fmt::Display::fmt(e, f),
            KeyringError::Store(e) => fmt::Display::fmt(e, f),
            KeyringError::NotFound { what } => write!(f, "not in the keyring: {what}"),
            KeyringError::NoSigningIdentity { address, reason } => {
                write!(f, "no identity can sign mail from {address}: {reason}")
            }
            KeyringError::RecipientsNotReady { recipients } => {
                write!(f, "no usable encryption certificate for ")?;
                for (i, r) in recipients.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{r}")?;
                }
                Ok(())
            }
            KeyringError::NothingToImport { detail } => write!(f, "nothing to import: {detail}"),
            KeyringError::Unsuitable { detail } => write!(f, "{detail}"),
        }
    }
}

impl std::error::Error for KeyringError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Transparent: Display is the wrapped error's.
            KeyringError::Parse(e) => e.source(),
            KeyringError::Key(e) => e.source(),
            KeyringError::Pkcs12(e) => e.source(),
            KeyringError::Store(e) => e.source(),
            KeyringError::NotFound { .. }
            | KeyringError::NoSigningIdentity { .. }
            | KeyringError::RecipientsNotReady { .. }
            | KeyringError::NothingToImport { .. }
            | KeyringError::Unsuitable { .. } => None,
        }
    }
}

impl From<ParseError> for KeyringError {
    fn from(e: ParseError) -> Self {
        KeyringError::Parse(e)
    }
}
impl From<KeyError> for KeyringError {
    fn from(e: KeyError) -> Self {
        KeyringError::Key(e)
    }
}
impl From<crate::pkcs12::Pkcs12Error> for KeyringError {
    fn from(e: crate::pkcs12::Pkcs12Error) -> Self {
        KeyringError::Pkcs12(e)
    }
}
impl From<store::StoreError> for KeyringError {
    fn from(e: store::StoreError) -> Self {
        KeyringError::Store(e)
    }
}

/// Identities, contacts, trust anchors, intermediates and CRLs, with O(1) lookups.
#[derive(Clone, Default)]
pub struct Keyring {
    identities: Vec<Option<Identity>>,
    contacts: Vec<Option<Contact>>,
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    crls: Vec<Vec<u8>>,
    by_fingerprint: HashMap<Fingerprint, Slot>,
    by_address: HashMap<String, Vec<Slot>>,
    by_issuer_serial: HashMap<Vec<u8>, Vec<Slot>>,
    by_ski: HashMap<Vec<u8>, Vec<Slot>>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("identities", &self.identities().count())
            .field("contacts", &self.contacts().count())
            .field("trust_anchors", &self.anchors.len())
            .field("intermediates", &self.intermediates.len())
            .field("crls", &self.crls.len())
            .finish()
    }
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Keyring {
        Keyring::default()
    }

    // ---- identities -------------------------------------------------------------------

    /// Adds an identity with a software key (DER PKCS#8 `PrivateKeyInfo`). Adding the same
    /// certificate again replaces its key, chain and label. Returns its fingerprint.
    pub fn add_identity(
        &mut self,
        key_pkcs8: &[u8],
        certificate: &Certificate,
        chain: Vec<Certificate>,
        label: Option<String>,
    ) -> Result<Fingerprint, KeyringError> {
        let key = SoftwareKey::from_pkcs8_der(key_pkcs8)?;
        let identity = Identity::new(Arc::new(key), certificate.clone())?.with_chain(chain);
        self.insert_identity(
            identity,
            StoredKey::Pkcs8(zeroize::Zeroizing::new(key_pkcs8.to_vec())),
            label,
            SystemTime::now(),
        )
    }

    /// Adds an identity whose key lives elsewhere (platform keystore, smart card), used through
    /// the [`PrivateKey`] trait. `reference` is saved in the keyring file and handed to the
    /// [`KeyResolver`] when the keyring is loaded. The identity's label is kept.
    pub fn add_external_identity(
        &mut self,
        identity: Identity,
        reference: Vec<u8>,
    ) -> Result<Fingerprint, KeyringError> {
        identity.require_key()?;
        let label = identity.label().map(str::to_string);
        self.insert_identity(
            identity,
            StoredKey::External(reference),
            label,
            SystemTime::now(),
        )
    }

    pub(crate) fn insert_identity(
        &mut self,
        mut identity: Identity,
        stored: StoredKey,
        label: Option<String>,
        added: SystemTime,
    ) -> Result<Fingerprint, KeyringError> {
        let fp = identity.certificate().fingerprint();
        identity.set_label(label);
        identity.stored = Some(stored);
        identity.added = Some(to_timestamp(added));
        match self.by_fingerprint.get(&fp) {
            Some(Slot::Identity(i)) => {
                let i = *i;
                if let Some(slot) = self.identities.get_mut(i) {
                    *slot = Some(identity);
                }
            }
            Some(Slot::Contact(_)) => {
                // The user's own certificate was known as a contact: it becomes an identity.
                self.remove(&fp);
                self.push_identity(identity);
            }
            None => self.push_identity(identity),
        }
        Ok(fp)
    }

    fn push_identity(&mut self, identity: Identity) {
        let slot = Slot::Identity(self.identities.len());
        self.index(&identity.certificate().clone(), slot);
        self.identities.push(Some(identity));
    }

    /// Every identity, oldest first.
    pub fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.identities.iter().flatten()
    }

    /// The identity with this fingerprint.
    pub fn identity(&self, fp: &Fingerprint) -> Option<&Identity> {
        match self.by_fingerprint.get(fp)? {
            Slot::Identity(i) => self.identities.get(*i)?.as_ref(),
            Slot::Contact(_) => None,
        }
    }

    /// The identities that name `address`.
    pub fn identities_for(&self, address: &str) -> Vec<&Identity> {
        self.slots_for_address(address)
            .filter_map(|s| match s {
                Slot::Identity(i) => self.identities.get(i)?.as_ref(),
                Slot::Contact(_) => None,
            })
            .collect()
    }

    // ---- contacts ---------------------------------------------------------------------

    /// Adds another person's certificate (DER), or marks a known one as seen again. A
    /// certificate that is one of the user's identities is left alone. Returns its fingerprint.
    pub fn add_contact(
        &mut self,
        certificate: &Certificate,
        source: Source,
        time: SystemTime,
    ) -> Result<Fingerprint, KeyringError> {
        let fp = certificate.fingerprint();
        let now = to_timestamp(time);
        match self.by_fingerprint.get(&fp) {
            Some(Slot::Identity(_)) => return Ok(fp),
            Some(Slot::Contact(i)) => {
                if let Some(Some(c)) = self.contacts.get_mut(*i) {
                    c.record.last_seen = c.record.last_seen.max(now);
                }
                return Ok(fp);
            }
            None => {}
        }
        let contact = Contact {
            certificate: certificate.clone(),
            record: ContactRecord {
                certificate: certificate.der().to_vec(),
                source,
                first_seen: now,
                last_seen: now,
                capabilities: None,
                capabilities_seen: None,
                preferred_seen: None,
            },
        };
        let slot = Slot::Contact(self.contacts.len());
        self.index(&contact.certificate.clone(), slot);
        self.contacts.push(Some(contact));
        Ok(fp)
    }

    /// Every contact certificate, in the order they were added.
    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.iter().flatten()
    }

    /// The contact certificate with this fingerprint.
    pub fn contact(&self, fp: &Fingerprint) -> Option<&Contact> {
        match self.by_fingerprint.get(fp)? {
            Slot::Contact(i) => self.contacts.get(*i)?.as_ref(),
            Slot::Identity(_) => None,
        }
    }

    fn contact_mut(&mut self, fp: &Fingerprint) -> Option<&mut Contact> {
        match self.by_fingerprint.get(fp)? {
            Slot::Contact(i) => self.contacts.get_mut(*i)?.as_mut(),
            Slot::Identity(_) => None,
        }
    }

    /// The contact certificates that name `address`.
    pub fn contacts_for(&self, address: &str) -> Vec<&Contact> {
        self.slots_for_address(address)
            .filter_map(|s| match s {
                Slot::Contact(i) => self.contacts.get(i)?.as_ref(),
                Slot::Identity(_) => None,
            })
            .collect()
    }

    // ---- lookups ----------------------------------------------------------------------

    fn slots_for_address(&self, address: &str) -> impl Iterator<Item = Slot> + '_ {
        normalize_address(address)
            .and_then(|a| self.by_address.get(&a))
            .into_iter()
            .flatten()
            .copied()
    }

    fn found(&self, slot: Slot) -> Option<Found<'_>> {
        match slot {
            Slot::Identity(i) => self.identities.get(i)?.as_ref().map(Found::Identity),
            Slot::Contact(i) => self.contacts.get(i)?.as_ref().map(Found::Contact),
        }
    }

    /// Identities and contacts that name `address` (the domain compared without regard to
    /// case).
    pub fn find_by_address(&self, address: &str) -> Vec<Found<'_>> {
        self.slots_for_address(address)
            .filter_map(|s| self.found(s))
            .collect()
    }

    /// Identities and contacts with this issuer and serial number.
    pub fn find_by_issuer_serial(
        &self,
        issuer: &x509_cert::name::Name,
        serial: &x509_cert::serial_number::SerialNumber,
    ) -> Vec<Found<'_>> {
        self.by_issuer_serial
            .get(&crate::certificate::issuer_serial_key(issuer, serial))
            .into_iter()
            .flatten()
            .filter_map(|s| self.found(*s))
            .collect()
    }

    /// Identities and contacts with this subject key identifier.
    pub fn find_by_ski(&self, ski: &[u8]) -> Vec<Found<'_>> {
        self.by_ski
            .get(ski)
            .into_iter()
            .flatten()
            .filter_map(|s| self.found(*s))
            .collect()
    }

    /// Identities and contacts that a CMS signer or recipient id names.
    pub fn find_by_id(&self, id: &SignerId) -> Vec<Found<'_>> {
        match id {
            SignerId::IssuerAndSerial { issuer, serial } => {
                self.find_by_issuer_serial(issuer, serial)
            }
            SignerId::SubjectKeyId(ski) => self.find_by_ski(ski),
        }
    }

    /// The identity or contact with this fingerprint.
    pub fn get(&self, fp: &Fingerprint) -> Option<Found<'_>> {
        self.found(*self.by_fingerprint.get(fp)?)
    }

    /// Identities, contacts, anchors and intermediates whose fingerprint starts with `prefix`
    /// (hex, at least 8 digits), for people typing fingerprints.
    pub fn find_by_fingerprint_prefix(&self, prefix: &str) -> Vec<Fingerprint> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 8 {
            return Vec::new();
        }
        let mut out: Vec<Fingerprint> = self
            .by_fingerprint
            .keys()
            .copied()
            .chain(self.anchors.iter().map(|a| a.fingerprint()))
            .chain(self.intermediates.iter().map(|a| a.fingerprint()))
            .filter(|fp| fp.to_hex().starts_with(&prefix))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn index(&mut self, info: &Certificate, slot: Slot) {
        self.by_fingerprint.insert(info.fingerprint(), slot);
        for a in info.addresses() {
            if let Some(key) = normalize_address(a) {
                let v = self.by_address.entry(key).or_default();
                if !v.contains(&slot) {
                    v.push(slot);
                }
            }
        }
        self.by_issuer_serial
            .entry(info.issuer_serial().to_vec())
            .or_default()
            .push(slot);
        if let Some(ski) = info.ski() {
            self.by_ski.entry(ski.to_vec()).or_default().push(slot);
        }
    }

    fn unindex(&mut self, info: &Certificate, slot: Slot) {
        self.by_fingerprint.remove(&info.fingerprint());
        fn drop_slot<K: std::hash::Hash + Eq>(
            map: &mut HashMap<K, Vec<Slot>>,
            key: &K,
            slot: Slot,
        ) {
            if let Some(v) = map.get_mut(key) {
                v.retain(|s| *s != slot);
                if v.is_empty() {
                    map.remove(key);
                }
            }
        }
        for a in info.addresses() {
            if let Some(key) = normalize_address(a) {
                drop_slot(&mut self.by_address, &key, slot);
            }
        }
        drop_slot(
            &mut self.by_issuer_serial,
            &info.issuer_serial().to_vec(),
            slot,
        );
        if let Some(ski) = info.ski() {
            drop_slot(&mut self.by_ski, &ski.to_vec(), slot);
        }
    }

    /// Removes the identity, contact, trust anchor or intermediate with this fingerprint.
    /// Removing an identity removes its private key from the keyring: old mail encrypted to it
    /// can no longer be opened with this keyring.
    pub fn remove(&mut self, fp: &Fingerprint) -> bool {
        let mut removed = false;
        if let Some(slot) = self.by_fingerprint.get(fp).copied() {
            let info = match slot {
                Slot::Identity(i) => self
                    .identities
                    .get_mut(i)
                    .and_then(Option::take)
                    .map(|x| x.certificate().clone()),
                Slot::Contact(i) => self
                    .contacts
                    .get_mut(i)
                    .and_then(Option::take)
                    .map(|x| x.certificate),
            };
            if let Some(info) = info {
                self.unindex(&info, slot);
                removed = true;
            }
        }
        let before = self.anchors.len() + self.intermediates.len();
        self.anchors.retain(|a| a.fingerprint() != *fp);
        self.intermediates.retain(|a| a.fingerprint() != *fp);
        removed || before != self.anchors.len() + self.intermediates.len()
    }

    // ---- trust ------------------------------------------------------------------------

    /// Trusts a certificate (DER) as a root. Any certificate can be an anchor: a CA root, or a
    /// correspondent's self-signed certificate pinned on purpose.
    pub fn add_trust_anchor(
        &mut self,
        certificate: &Certificate,
    ) -> Result<Fingerprint, KeyringError> {
        let info = certificate.clone();
        let fp = info.fingerprint();
        if !self.anchors.iter().any(|a| a.fingerprint() == fp) {
            self.anchors.push(info);
        }
        Ok(fp)
    }

    /// Adds a certificate (DER) to the collection used to build chains. It must be a CA
    /// certificate.
    pub fn add_intermediate(
        &mut self,
        certificate: &Certificate,
    ) -> Result<Fingerprint, KeyringError> {
        let info = certificate.clone();
        if !info.is_ca() {
            return Err(KeyringError::Unsuitable {
                detail: format!("{} is not a CA certificate", info.subject()),
            });
        }
        let fp = info.fingerprint();
        if !self.intermediates.iter().any(|a| a.fingerprint() == fp) {
            self.intermediates.push(info);
        }
        Ok(fp)
    }

    /// Adds a CRL (DER). The keyring keeps the newest CRL of each issuer: an older or equally
    /// old one from an issuer already present is ignored.
    pub fn add_crl(&mut self, crl: &[u8]) -> Result<(), KeyringError> {
        let new = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl)
            .map_err(ParseError::from)?;
        let issuer = new.tbs_cert_list.issuer.clone();
        let this_update = new.tbs_cert_list.this_update.to_system_time();
        let mut replaced = false;
        for existing in &mut self.crls {
            let Ok(old) =
                x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(
                    existing,
                )
            else {
                continue;
            };
            if old.tbs_cert_list.issuer == issuer {
                if old.tbs_cert_list.this_update.to_system_time() < this_update {
                    *existing = crl.to_vec();
                }
                replaced = true;
                break;
            }
        }
        if !replaced {
            self.crls.push(crl.to_vec());
        }
        Ok(())
    }

    /// The trust anchors.
    pub fn trust_anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// The intermediate certificate collection.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// The CRLs (DER).
    pub fn crls(&self) -> &[Vec<u8>] {
        &self.crls
    }

    /// Where to fetch revocation information for the certificate with this fingerprint.
    pub fn revocation_urls(
        &self,
        fp: &Fingerprint,
    ) -> Result<validate::RevocationUrls, KeyringError> {
        let der = self
            .get(fp)
            .map(|f| f.certificate().der().to_vec())
            .or_else(|| {
                self.anchors
                    .iter()
                    .chain(&self.intermediates)
                    .find(|a| a.fingerprint() == *fp)
                    .map(|a| a.der().to_vec())
            })
            .ok_or_else(|| KeyringError::NotFound { what: fp.to_hex() })?;
        Ok(validate::revocation_urls(&der)?)
    }

    fn anchor_ders(&self) -> Vec<Vec<u8>> {
        self.anchors.iter().map(|a| a.der().to_vec()).collect()
    }

    fn intermediate_ders(&self) -> Vec<Vec<u8>> {
        self.intermediates
            .iter()
            .map(|a| a.der().to_vec())
            .collect()
    }

    /// Validates a certificate against the keyring's anchors, intermediates (plus `extra`) and
    /// CRLs at the policy's validation time. A certificate that is itself a trust anchor counts
    /// as its own path only under
    /// [`crate::policy::DangerousPolicy::pinned_certificate_is_path`].
    pub fn validate(
        &self,
        certificate: &Certificate,
        extra: &[Certificate],
        policy: &Policy,
    ) -> validate::ChainOutcome {
        let certificate = certificate.der();
        let time = policy.validation_time(None);
        let mut intermediates = self.intermediate_ders();
        intermediates.extend(extra.iter().map(|c| c.der().to_vec()));
        let anchors = self.anchor_ders();
        let mut outcome = validate::validate_chain(
            &validate::ChainInput {
                end_entity: certificate,
                intermediates: &intermediates,
                trust_anchors: &anchors,
                crls: &self.crls,
                time,
            },
            policy,
        );
        if outcome.result.is_err()
            && policy.dangerous().pinned_is_path()
            && outcome.revocation_status() != validate::RevocationStatus::Revoked
            && anchors.iter().any(|a| a == certificate)
        {
            outcome.result = Ok(vec![certificate.to_vec()]);
        }
        outcome
    }

    // ---- use ----------------------------------------------------------------------------

    /// The whole key history as decryption keys, newest certificate first. Identities whose
    /// external key is unavailable are left out.
    pub fn decryption_keys(&self) -> Vec<Identity> {
        let mut ids: Vec<&Identity> = self.identities().filter(|i| i.key().is_some()).collect();
        ids.sort_by_key(|i| std::cmp::Reverse(i.certificate().not_before()));
        ids.into_iter().cloned().collect()
    }

    /// Decrypts a message with every key in the history.
    pub fn decrypt(&self, message: &[u8], policy: &Policy) -> Result<Decrypted, DecryptError> {
        decrypt::decrypt(message, &self.decryption_keys(), policy)
    }

    /// Decrypts and verifies a nested message layer by layer with the whole key history, the
    /// keyring's trust anchors, intermediates and CRLs, and its certificates (see
    /// [`decrypt::open`]).
    pub fn open(
        &self,
        message: &[u8],
        address: AddressPolicy,
        policy: &Policy,
    ) -> Result<decrypt::Opened, DecryptError> {
        decrypt::open_with(
            message,
            &self.decryption_keys(),
            &self.verify_options(address, policy),
            self,
        )
    }

    /// Verification options with the keyring's trust anchors, intermediates and CRLs.
    pub fn verify_options(&self, address: AddressPolicy, policy: &Policy) -> VerifyOptions {
        let mut certificates = self.intermediates.clone();
        for i in self.identities() {
            for c in i.chain() {
                if !certificates.contains(c) {
                    certificates.push(c.clone());
                }
            }
        }
        VerifyOptions {
            trust_anchors: self.anchors.clone(),
            certificates,
            crls: self.crls.clone(),
            address,
            policy: policy.clone(),
        }
    }

    /// Verifies a signed message against the keyring: its trust anchors, intermediates and
    /// CRLs, with signer certificates the message does not carry looked up in the keyring.
    pub fn verify(
        &self,
        message: &[u8],
        options: &VerifyOptions,
    ) -> Result<VerifyReport, VerifyError> {
        verify::verify_with(message, options, self)
    }

    // ---- persistence --------------------------------------------------------------------

    /// Everything in the keyring as plain data.
    pub fn to_snapshot(&self) -> Snapshot {
        Snapshot {
            identities: self
                .identities()
                .filter_map(|i| {
                    Some(IdentityRecord {
                        certificate: i.certificate().der().to_vec(),
                        chain: i.chain().iter().map(|c| c.der().to_vec()).collect(),
                        key: i.stored.clone()?,
                        label: i.label().map(str::to_string),
                        added: i.added.unwrap_or(0),
                    })
                })
                .collect(),
            contacts: self.contacts().map(|c| c.record.clone()).collect(),
            trust_anchors: self.anchor_ders(),
            intermediates: self.intermediate_ders(),
            crls: self.crls.clone(),
        }
    }

    /// Builds a keyring from plain data. Software keys are parsed and checked against their
    /// certificates; external keys are asked of `resolver` (unresolved ones load without a
    /// key, and are kept for the next save).
    pub fn from_snapshot(
        snapshot: Snapshot,
        resolver: &dyn KeyResolver,
    ) -> Result<Keyring, KeyringError> {
        let mut ring = Keyring::new();
        for r in snapshot.identities {
            let certificate = Certificate::from_der(&r.certificate)?;
            let key: Option<Arc<dyn PrivateKey>> = match &r.key {
                StoredKey::Pkcs8(der) => Some(Arc::new(SoftwareKey::from_pkcs8_der(der)?)),
                StoredKey::External(reference) => resolver.resolve(reference, &certificate),
            };
            if ring.by_fingerprint.contains_key(&certificate.fingerprint()) {
                continue;
            }
            let chain = r
                .chain
                .iter()
                .map(|c| Certificate::from_der(c))
                .collect::<Result<Vec<_>, _>>()?;
            let mut identity = match key {
                Some(k) => Identity::new(k, certificate)?,
                None => Identity::without_key(certificate),
            }
            .with_chain(chain);
            identity.set_label(r.label);
            identity.stored = Some(r.key);
            identity.added = Some(r.added);
            ring.push_identity(identity);
        }
        ring.contacts.reserve(snapshot.contacts.len());
        for r in snapshot.contacts {
            let certificate = Certificate::from_der(&r.certificate)?;
            if ring.by_fingerprint.contains_key(&certificate.fingerprint()) {
                continue;
            }
            let slot = Slot::Contact(ring.contacts.len());
            ring.index(&certificate, slot);
            ring.contacts.push(Some(Contact {
                certificate,
                record: r,
            }));
        }
        for a in snapshot.trust_anchors {
            ring.add_trust_anchor(&Certificate::from_der(&a)?)?;
        }
        for a in snapshot.intermediates {
            let info = Certificate::from_der(&a)?;
            if !ring
                .intermediates
                .iter()
                .any(|x| x.fingerprint() == info.fingerprint())
            {
                ring.intermediates.push(info);
            }
        }
        ring.crls = snapshot.crls;
        Ok(ring)
    }

    /// Saves the keyring to `path`, sealed with `key`, atomically: a crash or kill during the
    /// save leaves the previous file intact.
    pub fn save(&self, path: &Path, key: &store::SealingKey) -> Result<(), KeyringError> {
        Ok(store::save(path, &self.to_snapshot(), key)?)
    }

    /// Loads a keyring saved with [`Keyring::save`]. Truncated, corrupted, wrong-key and
    /// future-version files each give their own [`store::StoreError`].
    pub fn load(
        path: &Path,
        key: &store::SealingKey,
        resolver: &dyn KeyResolver,
    ) -> Result<Keyring, KeyringError> {
        let snapshot = store::load(path, key, &store::StoreLimits::default())?;
        Keyring::from_snapshot(snapshot, resolver)
    }
}

impl CertificateLookup for Keyring {
    fn signer_certificates(&self, id: &SignerId) -> Vec<Certificate> {
        self.find_by_id(id)
            .into_iter()
            .map(|f| f.certificate().clone())
            .collect()
    }
}

/// A time as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn fmt_time(t: SystemTime) -> String {
    let secs = to_timestamp(t);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_utc_dates() {
        assert_eq!(fmt_time(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            fmt_time(from_timestamp(1_700_000_000)),
            "2023-11-14 22:13:20 UTC"
        );
        assert_eq!(
            fmt_time(from_timestamp(951_782_400)),
            "2000-02-29 00:00:00 UTC"
        );
    }

    #[test]
    fn addresses_index_with_the_domain_lower_cased() {
        assert_eq!(
            normalize_address(" <Bob@Example.COM> ").as_deref(),
            Some("Bob@example.com")
        );
        assert_eq!(normalize_address("nobody"), None);
        assert_eq!(normalize_address("@example.com"), None);
        assert_eq!(normalize_address("bob@"), None);
    }

    #[test]
    fn error_codes_are_distinct_and_in_range() {
        let errors = [
            KeyringError::Parse(ParseError::Empty),
            KeyringError::Key(KeyError::Mismatch),
            KeyringError::Pkcs12(crate::pkcs12::Pkcs12Error::WrongPassword),
            KeyringError::NotFound {
                what: String::new(),
            },
            KeyringError::NoSigningIdentity {
                address: String::new(),
                reason: String::new(),
            },
            KeyringError::RecipientsNotReady { recipients: vec![] },
            KeyringError::NothingToImport {
                detail: String::new(),
            },
            KeyringError::Unsuitable {
                detail: String::new(),
            },
        ];
        let mut codes: Vec<u32> = errors.iter().map(KeyringError::code).collect();
        // The first three wrap another error and keep its code; the others have their own.
        assert_eq!(
            codes[..3],
            [ParseError::Empty.code(), KeyError::Mismatch.code(), 501]
        );
        assert!(codes[3..].iter().all(|c| (800..850).contains(c)));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }

    #[test]
    fn garbage_is_refused_everywhere() {
        let mut ring = Keyring::new();
        assert!(Certificate::from_der(b"junk").is_err());
        assert!(ring.add_crl(b"junk").is_err());
        let cert = Certificate::from_pem(include_bytes!("../testdata/alice-p256.crt.pem")).unwrap();
        assert!(ring.add_identity(b"junk", &cert, vec![], None).is_err());
        assert!(ring.import_pkcs12(b"junk", "pw").is_err());
        assert!(
            ring.import_certificates(b"junk", Source::File, SystemTime::now())
                .is_err()
        );
        assert_eq!(ring.to_snapshot(), Snapshot::default());
    }
}
