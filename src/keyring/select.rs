//! Choosing certificates and ciphers: the signing identity for a From address, encryption
//! certificates for recipients (or why there is none), and the content cipher.

use super::{Fingerprint, Identity, Keyring, KeyringError, Slot};
use crate::asn1::ber;
use crate::certificate::Certificate;
use crate::cms::enveloped::ContentCipher;
use crate::crypto::oids;
use crate::error::ParseError;
use crate::policy::Policy;
use crate::validate::{self, ChainFailure, RecipientProblem, RevocationStatus};
use const_oid::ObjectIdentifier;
use std::fmt;
use std::time::SystemTime;

/// Why a certificate cannot receive encrypted mail now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unusable {
    /// Its validity period has ended.
    Expired {
        /// When it ended.
        not_after: SystemTime,
    },
    /// Its validity period has not begun.
    NotYetValid {
        /// When it begins.
        not_before: SystemTime,
    },
    /// It, or a certificate of its chain, is revoked by a CRL in the keyring.
    Revoked,
    /// No path leads from it to a trust anchor of the keyring.
    Untrusted(ChainFailure),
    /// Its key usage or extended key usage does not allow receiving encrypted mail.
    WrongKeyUsage,
    /// Its RSA key is shorter than the policy's minimum.
    WeakKey {
        /// The key size.
        bits: usize,
        /// The policy's minimum.
        minimum: usize,
    },
    /// Its key cannot receive encrypted mail (not RSA, P-256, P-384 or ML-KEM).
    UnsupportedKey {
        /// The key algorithm.
        algorithm: String,
    },
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::Expired { not_after } => {
                write!(f, "expired on {}", super::fmt_time(*not_after))
            }
            Unusable::NotYetValid { not_before } => {
                write!(f, "not valid before {}", super::fmt_time(*not_before))
            }
            Unusable::Revoked => f.write_str("revoked"),
            Unusable::Untrusted(e) => write!(f, "untrusted ({e})"),
            Unusable::WrongKeyUsage => {
                f.write_str("wrong key usage (may not receive encrypted mail)")
            }
            Unusable::WeakKey { bits, minimum } => {
                write!(f, "key too short ({bits}-bit RSA, {minimum} bits at least)")
            }
            Unusable::UnsupportedKey { algorithm } => {
                write!(
                    f,
                    "its key algorithm {algorithm} cannot receive encrypted mail"
                )
            }
        }
    }
}

/// A certificate that was considered and refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Its subject.
    pub subject: String,
    /// Why it cannot be used.
    pub reason: Unusable,
}

/// Whether mail can be encrypted to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Readiness {
    /// This certificate will be used.
    Ready {
        /// The certificate.
        certificate: Certificate,
        /// Its fingerprint.
        fingerprint: Fingerprint,
        /// What the keyring's CRLs say about it ([`RevocationStatus::Unknown`] when no usable
        /// CRL covers the whole chain, [`RevocationStatus::NotChecked`] when revocation
        /// checking is off).
        revocation: RevocationStatus,
        /// With hybrid selection ([`Keyring::recipient_readiness_hybrid`]): a usable
        /// certificate of the other family, also encrypted to — the ML-KEM certificate when
        /// `certificate` is classical (RSA, EC), the classical one when it is ML-KEM. `None`
        /// otherwise, or when the address has no usable certificate of the other family.
        additional: Option<Certificate>,
    },
    /// The keyring has no certificate for the address.
    NoCertificate,
    /// Every certificate for the address is unusable; newest first.
    Unusable {
        /// The certificates and why each was refused.
        rejected: Vec<Rejected>,
    },
}

/// Whether mail can be encrypted to one address, and with which certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientReadiness {
    /// The address as asked.
    pub address: String,
    /// The answer.
    pub readiness: Readiness,
}

impl RecipientReadiness {
    /// Whether a certificate was found.
    pub fn is_ready(&self) -> bool {
        matches!(self.readiness, Readiness::Ready { .. })
    }

    /// The certificate that will be used, if any.
    pub fn certificate(&self) -> Option<&Certificate> {
        match &self.readiness {
            Readiness::Ready { certificate, .. } => Some(certificate),
            _ => None,
        }
    }

    /// Every certificate mail to the address is encrypted to: the certificate, and with hybrid
    /// selection the additional one of the other family.
    pub fn certificates(&self) -> Vec<&Certificate> {
        match &self.readiness {
            Readiness::Ready {
                certificate,
                additional,
                ..
            } => std::iter::once(certificate)
                .chain(additional.iter())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The main reason there is no certificate: that of the newest certificate refused.
    pub fn reason(&self) -> Option<String> {
        match &self.readiness {
            Readiness::Ready { .. } => None,
            Readiness::NoCertificate => Some("no certificate".into()),
            Readiness::Unusable { rejected } => Some(match rejected.first() {
                Some(r) if rejected.len() == 1 => format!("certificate {}", r.reason),
                Some(r) => format!("newest of {} certificates {} ", rejected.len(), r.reason)
                    .trim_end()
                    .to_string(),
                None => "no certificate".into(),
            }),
        }
    }
}

impl fmt::Display for RecipientReadiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            None => write!(f, "{}: ready", self.address),
            Some(r) => write!(f, "{}: {r}", self.address),
        }
    }
}

/// Why a content cipher was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CipherReason {
    /// No recipient's capabilities are known: the RFC 8551 default, AES-256-GCM.
    NothingKnown,
    /// Every recipient whose capabilities are known advertises the chosen GCM cipher.
    AllAdvertiseGcm,
    /// Some recipients do not advertise AES-GCM: the best CBC cipher they all advertise.
    CommonCbc {
        /// The certificates (subjects) whose holders do not advertise AES-GCM.
        without_gcm: Vec<String>,
    },
    /// The recipients advertise no cipher in common that this library writes: AES-128-CBC,
    /// which every S/MIME 3.2 and later client must read.
    NoCommonCipher,
    /// An ML-KEM-768 or ML-KEM-1024 recipient needs a 256-bit content key (RFC 9936), and the
    /// recipients advertise no AES-256 cipher in common: AES-256-GCM, which every client that
    /// reads KEMRecipientInfo (an S/MIME 4.0 feature) reads.
    PostQuantumKeySize {
        /// The certificates (subjects) with ML-KEM-768 or ML-KEM-1024 keys.
        recipients: Vec<String>,
    },
}

/// The content cipher for a set of recipients, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherChoice {
    /// The cipher.
    pub cipher: ContentCipher,
    /// Why.
    pub reason: CipherReason,
}

/// The ciphers this library writes, most preferred first.
const WRITABLE: [ContentCipher; 4] = [
    ContentCipher::Aes256Gcm,
    ContentCipher::Aes128Gcm,
    ContentCipher::Aes256Cbc,
    ContentCipher::Aes128Cbc,
];

/// At most this many capabilities are read from one attribute.
const MAX_CAPABILITIES: usize = 256;

/// Reads an `SMIMECapabilities` value (DER): the capability OIDs in the sender's order of
/// preference (parameters are not returned).
pub fn parse_capabilities(der: &[u8]) -> Result<Vec<ObjectIdentifier>, ParseError> {
    let node = ber::parse(der)?;
    let items = node.seq("SMIMECapabilities")?;
    if items.len() > MAX_CAPABILITIES {
        return Err(ParseError::TooMany {
            what: "capabilities",
            limit: MAX_CAPABILITIES,
        });
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let parts = item.seq("SMIMECapability")?;
        out.push(ber::oid_of(
            ber::child(parts, 0, "capabilityID")?,
            der,
            "capabilityID",
        )?);
    }
    Ok(out)
}

/// The content ciphers this library writes among the capabilities, in the sender's order.
fn writable_ciphers(capabilities: &[ObjectIdentifier]) -> Vec<ContentCipher> {
    let mut out = Vec::new();
    for oid in capabilities {
        let c = if *oid == oids::AES256_GCM {
            ContentCipher::Aes256Gcm
        } else if *oid == oids::AES128_GCM {
            ContentCipher::Aes128Gcm
        } else if *oid == oids::AES256_CBC {
            ContentCipher::Aes256Cbc
        } else if *oid == oids::AES128_CBC {
            ContentCipher::Aes128Cbc
        } else {
            continue;
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Whether the certificate's key is an ML-KEM key.
fn is_ml_kem(cert: &Certificate) -> bool {
    cert.key_kind().is_some_and(|k| k.is_kem())
}

/// Whether the certificate's key is ML-KEM-768 or ML-KEM-1024, which need a 256-bit content
/// key (RFC 9936).
fn needs_256_bit_content_key(cert: &Certificate) -> bool {
    matches!(
        cert.key_kind(),
        Some(crate::keys::KeyKind::MlKem768 | crate::keys::KeyKind::MlKem1024)
    )
}

fn is_gcm(c: ContentCipher) -> bool {
    matches!(c, ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm)
}

/// Whether `cert` may receive encrypted mail at `time` under `policy`: the rule of
/// [`validate::check_recipient_certificate`] for RSA and EC keys, and for an ML-KEM key
/// (RFC 9935): valid then, the public key of its level's length, keyUsage (when present) with
/// keyEncipherment, extKeyUsage (when present) with emailProtection. Used by the keyring's
/// selection and by [`crate::encrypt::check_recipient`].
pub(crate) fn check_recipient_certificate(
    cert: &x509_cert::Certificate,
    time: SystemTime,
    policy: &Policy,
) -> Result<(), RecipientProblem> {
    use der::Encode;
    use x509_cert::ext::pkix::KeyUsage;
    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info();
    if crate::crypto::verify::MlKemLevel::from_oid(&spki.algorithm.oid).is_none() {
        return validate::check_recipient_certificate(cert, time, policy);
    }
    let not_before = tbs.validity().not_before.to_system_time();
    let not_after = tbs.validity().not_after.to_system_time();
    if time > not_after {
        return Err(RecipientProblem::Expired { not_after });
    }
    if time < not_before {
        return Err(RecipientProblem::NotYetValid { not_before });
    }
    validate::check_email_eku(cert).map_err(RecipientProblem::ExtendedKeyUsage)?;
    let key_ok = spki
        .to_der()
        .ok()
        .and_then(|der| crate::crypto::mlkem::public_key_of_spki(&der))
        .is_some();
    if !key_ok {
        return Err(RecipientProblem::UnsupportedKey {
            algorithm: format!("{} (malformed)", spki.algorithm.oid),
        });
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(None) => Ok(()),
        Ok(Some((_, ku))) if ku.key_encipherment() => Ok(()),
        Ok(Some(_)) => Err(RecipientProblem::KeyUsage {
            detail: "does not allow key encipherment",
        }),
        Err(_) => Err(RecipientProblem::KeyUsage {
            detail: "extension is malformed",
        }),
    }
}

struct Candidate<'a> {
    info: &'a Certificate,
    chain: &'a [Certificate],
    preferred: Option<u64>,
}

impl Keyring {
    fn encryption_candidates(&self, address: &str) -> Vec<Candidate<'_>> {
        self.slots_for_address(address)
            .filter_map(|s| match s {
                Slot::Identity(i) => {
                    let id = self.identities.get(i)?.as_ref()?;
                    Some(Candidate {
                        info: id.certificate(),
                        chain: id.chain(),
                        preferred: None,
                    })
                }
                Slot::Contact(i) => {
                    let c = self.contacts.get(i)?.as_ref()?;
                    Some(Candidate {
                        info: c.certificate(),
                        chain: &[],
                        preferred: c.record.preferred_seen,
                    })
                }
            })
            .collect()
    }

    /// Whether a certificate can receive encrypted mail under `policy`: the one rule of
    /// [`validate::check_recipient_certificate`] (validity, key, key usage, EKU), then its chain
    /// and revocation.
    fn judge(
        &self,
        info: &Certificate,
        chain: &[Certificate],
        policy: &Policy,
    ) -> Result<RevocationStatus, Unusable> {
        let time = policy.validation_time(None);
        let cert = info.x509().map_err(|e| {
            Unusable::Untrusted(ChainFailure::Malformed {
                detail: e.to_string(),
            })
        })?;
        check_recipient_certificate(cert, time, policy).map_err(|p| match p {
            RecipientProblem::Expired { not_after } => Unusable::Expired { not_after },
            RecipientProblem::NotYetValid { not_before } => Unusable::NotYetValid { not_before },
            RecipientProblem::WeakKey { bits, minimum } => Unusable::WeakKey { bits, minimum },
            RecipientProblem::UnsupportedKey { algorithm } => {
                Unusable::UnsupportedKey { algorithm }
            }
            // Key usage, extended key usage, and whatever else the rule adds.
            _ => Unusable::WrongKeyUsage,
        })?;
        let outcome = self.validate(info, chain, policy);
        if outcome.revocation_status() == RevocationStatus::Revoked {
            return Err(Unusable::Revoked);
        }
        match outcome.result {
            Ok(_) => Ok(outcome.revocation_status()),
            Err(ChainFailure::Revoked { .. }) => Err(Unusable::Revoked),
            Err(ChainFailure::EkuNotAllowed) => Err(Unusable::WrongKeyUsage),
            Err(e) => Err(Unusable::Untrusted(e)),
        }
    }

    /// For each address: the certificate mail to it will be encrypted to, or why there is none.
    /// A certificate is usable when it is valid at `time`, its key may receive encrypted mail,
    /// it chains to a trust anchor and no CRL revokes it. Among usable ones, the certificate
    /// the person's verified mail last named in `encryptionKeyPreference` comes first, then the
    /// newest. The user's own identities count too (mail to oneself). Certificates are judged
    /// at the policy's validation time.
    ///
    /// When an address has both classical (RSA, EC) and ML-KEM certificates, a classical one
    /// comes before an ML-KEM one of the same preference: every S/MIME client reads the
    /// recipient infos of RSA and ECDH keys, while a KEMRecipientInfo (RFC 9629) is read only
    /// by clients that implement it, and one ML-KEM certificate does not say that every device
    /// the person reads mail on does. A person who wants post-quantum mail says so in the
    /// `encryptionKeyPreference` of their signed mail, which comes first; or the sender asks
    /// for both with [`Keyring::recipient_readiness_hybrid`].
    pub fn recipient_readiness(
        &self,
        addresses: &[&str],
        policy: &Policy,
    ) -> Vec<RecipientReadiness> {
        self.readiness_with(addresses, policy, false)
    }

    /// As [`Keyring::recipient_readiness`], with hybrid protection: an address whose usable
    /// certificates include both a classical (RSA, EC) and an ML-KEM one gets both
    /// ([`Readiness::Ready`]'s `additional`), so the message carries a recipient info for each
    /// and stays confidential if either family of algorithms falls (the ML-KEM one against a
    /// future quantum computer that records today's mail). An address with certificates of one
    /// family only gets that one, as without hybrid protection.
    pub fn recipient_readiness_hybrid(
        &self,
        addresses: &[&str],
        policy: &Policy,
    ) -> Vec<RecipientReadiness> {
        self.readiness_with(addresses, policy, true)
    }

    fn readiness_with(
        &self,
        addresses: &[&str],
        policy: &Policy,
        hybrid: bool,
    ) -> Vec<RecipientReadiness> {
        addresses
            .iter()
            .map(|address| {
                let mut candidates = self.encryption_candidates(address);
                // Preferred first, then classical before ML-KEM, then newest.
                candidates.sort_by(|a, b| {
                    b.preferred
                        .cmp(&a.preferred)
                        .then(is_ml_kem(a.info).cmp(&is_ml_kem(b.info)))
                        .then(b.info.not_before().cmp(&a.info.not_before()))
                });
                let readiness = if candidates.is_empty() {
                    Readiness::NoCertificate
                } else {
                    let mut rejected = Vec::new();
                    let mut ready = None;
                    for (i, c) in candidates.iter().enumerate() {
                        match self.judge(c.info, c.chain, policy) {
                            Ok(revocation) => {
                                let pq = is_ml_kem(c.info);
                                let additional = hybrid
                                    .then(|| {
                                        candidates[i + 1..].iter().find(|o| {
                                            is_ml_kem(o.info) != pq
                                                && self.judge(o.info, o.chain, policy).is_ok()
                                        })
                                    })
                                    .flatten()
                                    .map(|o| o.info.clone());
                                ready = Some(Readiness::Ready {
                                    certificate: c.info.clone(),
                                    fingerprint: c.info.fingerprint(),
                                    revocation,
                                    additional,
                                });
                                break;
                            }
                            Err(reason) => rejected.push(Rejected {
                                fingerprint: c.info.fingerprint(),
                                subject: c.info.subject().to_string(),
                                reason,
                            }),
                        }
                    }
                    ready.unwrap_or_else(|| {
                        rejected.sort_by(|a, b| {
                            let nb = |r: &Rejected| {
                                candidates
                                    .iter()
                                    .find(|c| c.info.fingerprint() == r.fingerprint)
                                    .map(|c| c.info.not_before())
                            };
                            nb(b).cmp(&nb(a))
                        });
                        Readiness::Unusable { rejected }
                    })
                };
                RecipientReadiness {
                    address: address.to_string(),
                    readiness,
                }
            })
            .collect()
    }

    /// The addresses among `addresses` that have no usable encryption certificate.
    pub fn recipients_without_certificate(
        &self,
        addresses: &[&str],
        policy: &Policy,
    ) -> Vec<RecipientReadiness> {
        self.recipient_readiness(addresses, policy)
            .into_iter()
            .filter(|r| !r.is_ready())
            .collect()
    }

    /// One encryption certificate per address, in order; or
    /// [`KeyringError::RecipientsNotReady`] naming every address that has none, with why.
    pub fn encryption_certificates_for(
        &self,
        addresses: &[&str],
        policy: &Policy,
    ) -> Result<Vec<Certificate>, KeyringError> {
        self.certificates_with(addresses, policy, false)
    }

    /// As [`Keyring::encryption_certificates_for`] with hybrid protection (see
    /// [`Keyring::recipient_readiness_hybrid`]): for an address with usable classical and
    /// ML-KEM certificates, both, so the message gets a recipient info for each.
    pub fn encryption_certificates_for_hybrid(
        &self,
        addresses: &[&str],
        policy: &Policy,
    ) -> Result<Vec<Certificate>, KeyringError> {
        self.certificates_with(addresses, policy, true)
    }

    fn certificates_with(
        &self,
        addresses: &[&str],
        policy: &Policy,
        hybrid: bool,
    ) -> Result<Vec<Certificate>, KeyringError> {
        let all = self.readiness_with(addresses, policy, hybrid);
        let not_ready: Vec<RecipientReadiness> =
            all.iter().filter(|r| !r.is_ready()).cloned().collect();
        if !not_ready.is_empty() {
            return Err(KeyringError::RecipientsNotReady {
                recipients: not_ready,
            });
        }
        let mut out: Vec<Certificate> = Vec::with_capacity(all.len());
        for r in &all {
            for c in r.certificates() {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        Ok(out)
    }

    /// The user's own encryption certificate for `address` (for the copy of sent mail the
    /// sender can read): the newest identity with a key that may receive encrypted mail under
    /// `policy` and is not revoked. Trust is not required: it is the user's own key.
    pub fn own_encryption_certificate(&self, address: &str, policy: &Policy) -> Option<&Identity> {
        let time = policy.validation_time(None);
        let mut ids: Vec<&Identity> = self
            .identities_for(address)
            .into_iter()
            .filter(|i| {
                i.key().is_some()
                    && i.certificate()
                        .x509()
                        .is_ok_and(|c| check_recipient_certificate(c, time, policy).is_ok())
            })
            .filter(|i| {
                self.validate(i.certificate(), i.chain(), policy)
                    .revocation_status()
                    != RevocationStatus::Revoked
            })
            .collect();
        ids.sort_by_key(|i| std::cmp::Reverse(i.certificate().not_before()));
        ids.into_iter().next()
    }

    /// The best signing identity for a From address at `time`, ready to sign: it has a key,
    /// names the address, may sign, is valid and not revoked; one whose chain reaches a trust
    /// anchor is preferred, then the newest. The signer carries the identity's chain and, when
    /// the user has a separate encryption certificate for the address, that certificate (it is
    /// announced in `encryptionKeyPreference` and sent along). Judged at the policy's
    /// validation time.
    pub fn signer_for(&self, address: &str, policy: &Policy) -> Result<Identity, KeyringError> {
        let time = policy.validation_time(None);
        let all = self.identities_for(address);
        let refuse = |reason: &str| KeyringError::NoSigningIdentity {
            address: address.to_string(),
            reason: reason.to_string(),
        };
        if all.is_empty() {
            return Err(refuse("the keyring has no identity for this address"));
        }
        let with_key: Vec<&Identity> = all.into_iter().filter(|i| i.key().is_some()).collect();
        if with_key.is_empty() {
            return Err(refuse("the private key of its identities is not available"));
        }
        let signing: Vec<&Identity> = with_key
            .iter()
            .copied()
            .filter(|i| i.certificate().roles().signing)
            .collect();
        if signing.is_empty() {
            // The same rule as `sign::check_signer_certificate`; name the extension at fault.
            let eku = with_key.iter().any(|i| {
                matches!(
                    crate::sign::check_signer_certificate(
                        i.certificate(),
                        i.certificate().not_before()
                    ),
                    Err(crate::sign::SignerCertificateProblem::ExtendedKeyUsage(_))
                )
            });
            return Err(refuse(if eku {
                "no identity for this address may sign e-mail (its extended key usage lacks \
                 emailProtection)"
            } else {
                "no identity for this address may sign (key usage)"
            }));
        }
        let valid: Vec<&Identity> = signing
            .into_iter()
            .filter(|i| i.certificate().valid_at(time))
            .collect();
        if valid.is_empty() {
            return Err(refuse(
                "every signing certificate for this address has expired or is not valid yet",
            ));
        }
        let mut ranked: Vec<(&Identity, bool)> = valid
            .into_iter()
            .filter_map(|i| {
                let o = self.validate(i.certificate(), i.chain(), policy);
                if o.revocation_status() == RevocationStatus::Revoked
                    || matches!(o.result, Err(ChainFailure::Revoked { .. }))
                {
                    None
                } else {
                    Some((i, o.result.is_ok()))
                }
            })
            .collect();
        if ranked.is_empty() {
            return Err(refuse(
                "every signing certificate for this address is revoked",
            ));
        }
        ranked.sort_by(|(a, ta), (b, tb)| {
            tb.cmp(ta).then(
                b.certificate()
                    .not_before()
                    .cmp(&a.certificate().not_before()),
            )
        });
        let (best, _) = ranked[0];
        if best.key().is_none() {
            return Err(refuse("the private key is not available"));
        }
        let mut signer = best.clone();
        if let Some(enc) = self.own_encryption_certificate(address, policy)
            && enc.certificate().fingerprint() != best.certificate().fingerprint()
        {
            signer = signer.with_encryption_certificate(enc.certificate().clone());
        }
        Ok(signer)
    }

    /// The content cipher for mail to these recipient certificates, from the
    /// capabilities learned from their holders' verified signed mail: AES-256-GCM (or
    /// AES-128-GCM) when every recipient whose capabilities are known advertises it, else the
    /// best CBC cipher they all advertise. Recipients whose capabilities are unknown, and the
    /// user's own certificates, do not restrict the choice (RFC 8551 §2.7.1.2: without
    /// knowledge, AES-256-GCM).
    ///
    /// An ML-KEM-768 or ML-KEM-1024 certificate among them needs a 256-bit content key
    /// (RFC 9936): only AES-256-GCM and AES-256-CBC are considered, and AES-256-GCM is chosen
    /// when the recipients advertise neither in common ([`CipherReason::PostQuantumKeySize`]).
    /// An ML-KEM-512 certificate restricts nothing.
    pub fn choose_cipher(&self, certificates: &[Certificate]) -> CipherChoice {
        let strong: Vec<String> = certificates
            .iter()
            .filter(|c| needs_256_bit_content_key(c))
            .map(|c| c.subject().to_string())
            .collect();
        let writable: &[ContentCipher] = if strong.is_empty() {
            &WRITABLE
        } else {
            &[ContentCipher::Aes256Gcm, ContentCipher::Aes256Cbc]
        };
        let mut known: Vec<(String, Vec<ContentCipher>)> = Vec::new();
        for cert in certificates {
            let fp = cert.fingerprint();
            let Some(c) = self.contact(&fp) else { continue };
            let Some(caps) = c.record.capabilities.as_deref() else {
                continue;
            };
            let Ok(list) = parse_capabilities(caps) else {
                continue;
            };
            known.push((
                c.certificate().subject().to_string(),
                writable_ciphers(&list),
            ));
        }
        if known.is_empty() {
            return CipherChoice {
                cipher: ContentCipher::Aes256Gcm,
                reason: CipherReason::NothingKnown,
            };
        }
        let common: Vec<ContentCipher> = writable
            .iter()
            .copied()
            .filter(|c| known.iter().all(|(_, list)| list.contains(c)))
            .collect();
        match common.first() {
            Some(&c) if is_gcm(c) => CipherChoice {
                cipher: c,
                reason: CipherReason::AllAdvertiseGcm,
            },
            Some(&c) => CipherChoice {
                cipher: c,
                reason: CipherReason::CommonCbc {
                    without_gcm: known
                        .iter()
                        .filter(|(_, list)| !list.iter().any(|c| is_gcm(*c)))
                        .map(|(who, _)| who.clone())
                        .collect(),
                },
            },
            None if !strong.is_empty() => CipherChoice {
                cipher: ContentCipher::Aes256Gcm,
                reason: CipherReason::PostQuantumKeySize { recipients: strong },
            },
            None => CipherChoice {
                cipher: ContentCipher::Aes128Cbc,
                reason: CipherReason::NoCommonCipher,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    const KEM512: &[u8] =
        include_bytes!("../../tests/data/pqc/bc/ml-kem-512-2.16.840.1.101.3.4.4.1_ee.der");
    const KEM768: &[u8] =
        include_bytes!("../../tests/data/pqc/bc/ml-kem-768-2.16.840.1.101.3.4.4.2_ee.der");

    /// SMIMECapabilities listing these OIDs (parameters absent).
    fn capabilities(list: &[ObjectIdentifier]) -> Vec<u8> {
        let items: Vec<u8> = list
            .iter()
            .flat_map(|o| crate::asn1::tlv(0x30, &o.to_der().unwrap()))
            .collect();
        crate::asn1::tlv(0x30, &items)
    }

    fn ring_with(cert: &Certificate, caps: &[ObjectIdentifier]) -> Keyring {
        let mut ring = Keyring::new();
        let fp = ring
            .add_contact(cert, super::super::Source::Manual, SystemTime::now())
            .unwrap();
        ring.contact_mut(&fp).unwrap().record.capabilities = Some(capabilities(caps));
        ring
    }

    #[test]
    fn ml_kem_768_and_1024_recipients_get_a_256_bit_cipher() {
        let kem768 = Certificate::from_der(KEM768).unwrap();
        let kem512 = Certificate::from_der(KEM512).unwrap();
        // Only AES-128-GCM advertised: kept for ML-KEM-512...
        let ring = ring_with(&kem512, &[oids::AES128_GCM]);
        let c = ring.choose_cipher(std::slice::from_ref(&kem512));
        assert_eq!(c.cipher, ContentCipher::Aes128Gcm);
        assert_eq!(c.reason, CipherReason::AllAdvertiseGcm);
        // ...but ML-KEM-768 needs AES-256: AES-256-GCM, saying why.
        let ring = ring_with(&kem768, &[oids::AES128_GCM]);
        let c = ring.choose_cipher(std::slice::from_ref(&kem768));
        assert_eq!(c.cipher, ContentCipher::Aes256Gcm);
        assert!(matches!(
            c.reason,
            CipherReason::PostQuantumKeySize { ref recipients } if recipients.len() == 1
        ));
        // AES-256-CBC advertised beside AES-128-GCM: the common AES-256 cipher.
        let ring = ring_with(&kem768, &[oids::AES128_GCM, oids::AES256_CBC]);
        let c = ring.choose_cipher(std::slice::from_ref(&kem768));
        assert_eq!(c.cipher, ContentCipher::Aes256Cbc);
        // Nothing known: the default, AES-256-GCM.
        let c = Keyring::new().choose_cipher(std::slice::from_ref(&kem768));
        assert_eq!(c.cipher, ContentCipher::Aes256Gcm);
    }

    #[test]
    fn ml_kem_certificates_are_judged_by_the_recipient_rule() {
        let kem768 = Certificate::from_der(KEM768).unwrap();
        let cert = kem768.x509().unwrap();
        let inside = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
        let policy = Policy::default();
        assert_eq!(check_recipient_certificate(cert, inside, &policy), Ok(()));
        let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_900_000_000);
        assert!(matches!(
            check_recipient_certificate(cert, later, &policy),
            Err(RecipientProblem::Expired { .. })
        ));
    }
}
