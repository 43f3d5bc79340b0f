//! The keyring as plain data: what [`super::store`] writes to disk and reads back.
//!
//! A [`Snapshot`] holds no indexes and no parsed certificates; the [`super::Keyring`] builds
//! those when it loads one.

use std::fmt;
use zeroize::Zeroizing;

/// Seconds since the Unix epoch (UTC).
pub type Timestamp = u64;

/// Everything a keyring holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The user's identities (certificate + private key), the whole key history included.
    pub identities: Vec<IdentityRecord>,
    /// Other people's certificates.
    pub contacts: Vec<ContactRecord>,
    /// Trusted root certificates (DER).
    pub trust_anchors: Vec<Vec<u8>>,
    /// The certificate collection used to build chains (DER).
    pub intermediates: Vec<Vec<u8>>,
    /// Certificate revocation lists (DER).
    pub crls: Vec<Vec<u8>>,
}

/// One identity: a certificate, its private key and its chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    /// The certificate (DER).
    pub certificate: Vec<u8>,
    /// The issuer chain (DER), from the certificate's issuer upwards.
    pub chain: Vec<Vec<u8>>,
    /// The private key.
    pub key: StoredKey,
    /// A name for people ("iPhone signing 2026"), if any.
    pub label: Option<String>,
    /// When the identity was added.
    pub added: Timestamp,
}

/// Where an identity's private key is.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredKey {
    /// A software key: DER PKCS#8 `PrivateKeyInfo`. Sealed when the keyring is saved.
    Pkcs8(Zeroizing<Vec<u8>>),
    /// A key held elsewhere (platform keystore, smart card), named by a reference the
    /// application gives meaning to (a keychain tag, say). Resolved when the keyring is loaded.
    External(Vec<u8>),
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredKey::Pkcs8(_) => f.write_str("Pkcs8(..)"),
            StoredKey::External(r) => f.debug_tuple("External").field(r).finish(),
        }
    }
}

/// Where a contact certificate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// Added by the application or the user directly.
    Manual,
    /// A PEM or DER certificate file or bundle.
    File,
    /// A PKCS#12 file (a certificate that was not the identity's own).
    Pkcs12,
    /// A directory entry (LDAP `userSMIMECertificate` or `userCertificate`).
    Directory,
    /// An S/MIME certs-only message.
    CertsOnly,
    /// A signed message whose signature verified.
    SignedMail,
}

impl Source {
    /// The stable number of this source in the keyring file.
    pub fn code(self) -> u8 {
        match self {
            Source::Manual => 0,
            Source::File => 1,
            Source::Pkcs12 => 2,
            Source::Directory => 3,
            Source::CertsOnly => 4,
            Source::SignedMail => 5,
        }
    }

    /// The source with this number, if any.
    pub fn from_code(code: u8) -> Option<Source> {
        Some(match code {
            0 => Source::Manual,
            1 => Source::File,
            2 => Source::Pkcs12,
            3 => Source::Directory,
            4 => Source::CertsOnly,
            5 => Source::SignedMail,
            _ => return None,
        })
    }

    /// A short name for people and for the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::File => "file",
            Source::Pkcs12 => "pkcs12",
            Source::Directory => "directory",
            Source::CertsOnly => "certs-only",
            Source::SignedMail => "signed-mail",
        }
    }
}

/// One contact certificate and what was learned with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRecord {
    /// The certificate (DER).
    pub certificate: Vec<u8>,
    /// Where it came from first.
    pub source: Source,
    /// When it was first added.
    pub first_seen: Timestamp,
    /// When it was last seen (added again, or in verified signed mail).
    pub last_seen: Timestamp,
    /// The `SMIMECapabilities` (DER) from the holder's last verified signed mail, if any.
    pub capabilities: Option<Vec<u8>>,
    /// When those capabilities were learned.
    pub capabilities_seen: Option<Timestamp>,
    /// When verified signed mail last named this certificate as the one to encrypt to
    /// (`encryptionKeyPreference`, or a dual-use signer certificate without one).
    pub preferred_seen: Option<Timestamp>,
}
