//! Getting certificates and keys into the keyring and out again: PKCS#12, PEM/DER files and
//! keys, directory entries, certs-only messages, and certificates harvested from verified
//! signed mail.

use super::{Fingerprint, Keyring, KeyringError, Source, StoredKey, to_timestamp};
use crate::certificate::Certificate;
use crate::cms::certs_only;
use crate::cms::signed_data::SignerId;
use crate::crypto::keys::{SoftwareKey, check_key_matches, read_certificates};
use crate::crypto::pkcs8_encrypted;
use crate::error::KeyError;
use crate::identity::Identity;
use crate::pkcs12::{self, Pkcs12Limits};
use crate::verify::VerifyReport;
use std::sync::Arc;
use std::time::SystemTime;

/// What an import added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Identities (certificate + private key) added or replaced.
    pub identities: Vec<Fingerprint>,
    /// Contact certificates added, or seen again.
    pub contacts: Vec<Fingerprint>,
    /// CA certificates added to the intermediate collection.
    pub intermediates: Vec<Fingerprint>,
    /// CRLs added.
    pub crls: usize,
}

impl Imported {
    /// How many things were imported.
    pub fn total(&self) -> usize {
        self.identities.len() + self.contacts.len() + self.intermediates.len() + self.crls
    }
}

/// What harvesting a verified message added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Harvest {
    /// Certificates new to the keyring.
    pub added: Vec<Fingerprint>,
    /// Known certificates seen again (their last-seen time was updated).
    pub seen_again: Vec<Fingerprint>,
    /// Certificates whose capabilities were recorded.
    pub capabilities_learned: Vec<Fingerprint>,
    /// The certificate each signer asked mail to be encrypted to, when recorded.
    pub preferred: Vec<Fingerprint>,
    /// Signers that were not harvested, and why.
    pub ignored: Vec<String>,
}

/// The iteration cap for password-encrypted private keys (as for PKCS#12).
fn max_iterations() -> u32 {
    Pkcs12Limits::default().max_iterations
}

impl Keyring {
    fn add_certificate(
        &mut self,
        der: &[u8],
        source: Source,
        time: SystemTime,
        out: &mut Imported,
    ) -> Result<(), KeyringError> {
        let info = Certificate::from_der(der)?;
        if info.is_ca() {
            out.intermediates.push(self.add_intermediate(&info)?);
        } else {
            out.contacts.push(self.add_contact(&info, source, time)?);
        }
        Ok(())
    }

    /// Imports the identity of a PKCS#12 file (its key, certificate and chain; CA certificates
    /// of the file also go to the intermediate collection — never to the trust anchors).
    pub fn import_pkcs12(&mut self, der: &[u8], password: &str) -> Result<Imported, KeyringError> {
        self.import_pkcs12_with_limits(der, password, &Pkcs12Limits::default())
    }

    /// [`Keyring::import_pkcs12`] with explicit limits.
    pub fn import_pkcs12_with_limits(
        &mut self,
        der: &[u8],
        password: &str,
        limits: &Pkcs12Limits,
    ) -> Result<Imported, KeyringError> {
        let contents = pkcs12::parse_pkcs12(der, password, limits)?;
        let parts = contents.identity_parts()?;
        let label = contents
            .certificates
            .iter()
            .find(|c| c.certificate == *parts.identity.certificate())
            .and_then(|c| c.friendly_name.clone());
        let chain = parts.identity.chain().to_vec();
        let mut out = Imported::default();
        let fp = self.insert_identity(
            parts.identity,
            StoredKey::Pkcs8(parts.key_pkcs8),
            label,
            SystemTime::now(),
        )?;
        out.identities.push(fp);
        for c in &chain {
            if c.is_ca() {
                out.intermediates.push(self.add_intermediate(c)?);
            }
        }
        Ok(out)
    }

    /// Exports an identity with a software key as a PKCS#12 file (PBES2, AES-256-CBC,
    /// HMAC-SHA-256), readable by OpenSSL, NSS and the platforms' keychains.
    pub fn export_pkcs12(&self, fp: &Fingerprint, password: &str) -> Result<Vec<u8>, KeyringError> {
        let id = self.identity(fp).ok_or_else(|| KeyringError::NotFound {
            what: format!("identity {fp}"),
        })?;
        let Some(StoredKey::Pkcs8(key)) = &id.stored else {
            return Err(KeyringError::Unsuitable {
                detail: "the identity's key is held outside the keyring and cannot be exported"
                    .into(),
            });
        };
        Ok(pkcs12::write_pkcs12(
            key,
            id.certificate(),
            id.chain(),
            password,
            id.label(),
        )?)
    }

    /// Imports an identity from a private key file and a certificate file. The key may be
    /// PKCS#8 (encrypted with `password`, or not), PKCS#1 or SEC1, in PEM or DER; the
    /// certificate file may be a PEM bundle: the certificate that matches the key is the
    /// identity's, the others its chain (CA ones also join the intermediate collection).
    pub fn import_key_and_certificates(
        &mut self,
        key_bytes: &[u8],
        password: Option<&str>,
        certificate_bytes: &[u8],
        label: Option<String>,
    ) -> Result<Imported, KeyringError> {
        let (key, pkcs8) = if pkcs8_encrypted::is_encrypted_pkcs8(key_bytes) {
            // No password given: try the empty one; a wrong password is reported as such.
            let password = password.unwrap_or("");
            let der = pkcs8_encrypted::decrypt_pkcs8(key_bytes, password, max_iterations())?;
            (SoftwareKey::from_pkcs8_der(&der)?, der)
        } else {
            let key = SoftwareKey::from_bytes(key_bytes)?;
            let der = key.to_pkcs8_der()?;
            (key, der)
        };
        let certs = Certificate::read_all(certificate_bytes)?;
        let Some(pos) = certs
            .iter()
            .position(|c| check_key_matches(&key, c.der()).is_ok())
        else {
            return Err(KeyringError::Key(KeyError::Mismatch));
        };
        let mut chain = certs;
        let cert = chain.remove(pos);
        let identity = Identity::new(Arc::new(key), cert)?.with_chain(chain.clone());
        let mut out = Imported::default();
        out.identities.push(self.insert_identity(
            identity,
            StoredKey::Pkcs8(pkcs8),
            label,
            SystemTime::now(),
        )?);
        for c in &chain {
            if c.is_ca() {
                out.intermediates.push(self.add_intermediate(c)?);
            }
        }
        Ok(out)
    }

    /// Imports certificates from a PEM bundle or a DER certificate: end-entity certificates
    /// become contacts, CA certificates join the intermediate collection (trust is never
    /// granted by importing; see [`Keyring::add_trust_anchor`]).
    pub fn import_certificates(
        &mut self,
        bytes: &[u8],
        source: Source,
        time: SystemTime,
    ) -> Result<Imported, KeyringError> {
        let certs = read_certificates(bytes)?;
        let mut out = Imported::default();
        for c in &certs {
            self.add_certificate(c, source, time, &mut out)?;
        }
        if out.total() == 0 {
            return Err(KeyringError::NothingToImport {
                detail: "no certificate in the input".into(),
            });
        }
        Ok(out)
    }

    /// Imports a directory entry: LDAP `userSMIMECertificate` (a certs-only SignedData) or
    /// `userCertificate` (a DER certificate), raw, PEM or as `ldapsearch` LDIF.
    pub fn import_directory_entry(
        &mut self,
        bytes: &[u8],
        time: SystemTime,
    ) -> Result<Imported, KeyringError> {
        let certs = super::directory::parse_directory_entry(bytes)?;
        let mut out = Imported::default();
        for (_, c) in &certs {
            self.add_certificate(c, Source::Directory, time, &mut out)?;
        }
        if out.total() == 0 {
            return Err(KeyringError::NothingToImport {
                detail: "no certificate in the directory entry".into(),
            });
        }
        Ok(out)
    }

    /// Imports an S/MIME certs-only message (a MIME message or entity with
    /// `smime-type=certs-only`) or a bare certs-only CMS structure (DER or BER): its
    /// certificates and CRLs.
    pub fn import_certs_only(
        &mut self,
        bytes: &[u8],
        time: SystemTime,
    ) -> Result<Imported, KeyringError> {
        let parsed = if bytes.first() == Some(&0x30) {
            certs_only::parse_certs_only(bytes)?
        } else {
            certs_only::read_certs_only_message(bytes, &crate::mime::Limits::default())?
        };
        let mut out = Imported::default();
        for c in &parsed.certificates {
            self.add_certificate(c, Source::CertsOnly, time, &mut out)?;
        }
        for crl in &parsed.crls {
            self.add_crl(crl)?;
            out.crls += 1;
        }
        if out.total() == 0 {
            return Err(KeyringError::NothingToImport {
                detail: "the certs-only message holds no certificate".into(),
            });
        }
        Ok(out)
    }

    /// The certificates to publish for `address` (the user's valid identities for it, with
    /// their chains) as an S/MIME certs-only message, ready to attach or send.
    pub fn export_certs_only_message(
        &self,
        address: &str,
        time: SystemTime,
    ) -> Result<Vec<u8>, KeyringError> {
        let mut certs: Vec<Vec<u8>> = Vec::new();
        for id in self.identities_for(address) {
            if !id.certificate().valid_at(time) {
                continue;
            }
            for c in std::iter::once(id.certificate()).chain(id.chain()) {
                if !certs.iter().any(|d| d.as_slice() == c.der()) {
                    certs.push(c.der().to_vec());
                }
            }
        }
        if certs.is_empty() {
            return Err(KeyringError::NotFound {
                what: format!("a valid identity for {address}"),
            });
        }
        Ok(certs_only::write_certs_only_message(&certs, &[])?)
    }

    /// Learns from a verified signed message: for every signer whose signature verified (with
    /// an acceptable algorithm), its certificate becomes a contact (or is marked as seen again),
    /// its `SMIMECapabilities` are recorded, and the certificate named by its
    /// `encryptionKeyPreference` (or, without one, its own certificate if it may receive
    /// encrypted mail) is recorded as the one to encrypt to. CA certificates of the message join
    /// the intermediate collection. Nothing is learned from a signer whose signature failed.
    ///
    /// Of a nested message only the layer that vouches for the content shown
    /// ([`VerifyReport::content_layer`]) is learned from: an outer signature, which the verdict
    /// does not depend on, and a signature over ciphertext teach nothing.
    pub fn harvest(&mut self, report: &VerifyReport, time: SystemTime) -> Harvest {
        let mut out = Harvest::default();
        let now = to_timestamp(time);
        let mut any = false;
        let Some(report) = report.content_layer() else {
            out.ignored
                .push("no signature covers the content shown".to_string());
            return out;
        };
        for s in &report.signers {
            let Some(cert) = &s.certificate else {
                out.ignored
                    .push(format!("{}: no signer certificate", s.signer_id));
                continue;
            };
            if !s.signature.passed() || !s.algorithm.passed() {
                out.ignored
                    .push(format!("{}: the signature did not verify", cert.subject()));
                continue;
            }
            any = true;
            let signer_fp = match self.learn_certificate(cert, time, &mut out) {
                Some(fp) => fp,
                None => {
                    out.ignored.push(format!(
                        "{}: the certificate cannot be stored",
                        cert.subject()
                    ));
                    continue;
                }
            };
            // The certificate to encrypt to.
            let preferred = match &s.encryption_key_preference {
                Some(id) => report
                    .certificates
                    .iter()
                    .find(|c| c.x509().is_ok_and(|x| id.matches(x)))
                    .and_then(|c| self.learn_certificate(c, time, &mut out))
                    .or_else(|| {
                        self.find_by_id(id)
                            .first()
                            .map(|f| f.certificate().fingerprint())
                    }),
                None => {
                    let dual = self
                        .get(&signer_fp)
                        .is_some_and(|f| f.certificate().roles().encryption);
                    dual.then_some(signer_fp)
                }
            };
            let mut targets = vec![signer_fp];
            if let Some(p) = preferred {
                if !targets.contains(&p) {
                    targets.push(p);
                }
                if let Some(c) = self.contact_mut(&p) {
                    c.record.preferred_seen = Some(now.max(c.record.preferred_seen.unwrap_or(0)));
                    out.preferred.push(p);
                }
            }
            if let Some(caps) = &s.capabilities {
                for fp in targets {
                    if let Some(c) = self.contact_mut(&fp)
                        && c.record.capabilities_seen.is_none_or(|t| t <= now)
                    {
                        c.record.capabilities = Some(caps.clone());
                        c.record.capabilities_seen = Some(now);
                        out.capabilities_learned.push(fp);
                    }
                }
            }
        }
        if any {
            for c in &report.certificates {
                if c.is_ca() && self.add_intermediate(c).is_ok() {
                    // Collected for chain building; not reported as a contact.
                }
            }
        }
        out
    }

    /// Adds or refreshes one certificate from signed mail; `None` if it cannot be stored.
    fn learn_certificate(
        &mut self,
        cert: &Certificate,
        time: SystemTime,
        out: &mut Harvest,
    ) -> Option<Fingerprint> {
        let fp = cert.fingerprint();
        let known = self.by_fingerprint.contains_key(&fp);
        let fp = self.add_contact(cert, Source::SignedMail, time).ok()?;
        if known {
            if !out.seen_again.contains(&fp) {
                out.seen_again.push(fp);
            }
        } else if !out.added.contains(&fp) {
            out.added.push(fp);
        }
        Some(fp)
    }

    /// The identity or contact certificate a CMS id names.
    pub fn certificate_for_id(&self, id: &SignerId) -> Option<Certificate> {
        self.find_by_id(id).first().map(|f| f.certificate().clone())
    }
}
