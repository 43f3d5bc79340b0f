//! Encryption: AuthEnvelopedData with AES-GCM by default (RFC 5083/5084, RFC 8551), or
//! EnvelopedData with AES-CBC for peers that cannot read GCM; RSA (PKCS#1 v1.5 or OAEP) and
//! ECDH (P-256, P-384) recipients, chosen by each certificate's key.
//!
//! Every recipient certificate is checked before anything is encrypted: it must be valid now,
//! allow key encipherment (RSA) or key agreement (EC) when it has a keyUsage extension, and
//! allow emailProtection when it has an extKeyUsage extension. A refused recipient is named in
//! the error. The sender's own certificate should be among the recipients so sent mail stays
//! readable: [`EncryptOptions::sender`] adds it.

use crate::certificate::Certificate;
use crate::cms::enveloped::{self, ContentCipher};
use crate::cms::recipient::{self, KeyTransport, RecipientOptions};
use crate::error::EncryptError;
use crate::identity::Identity;
use crate::mime;
use crate::policy::{Policy, RevocationMode};
use crate::sign::SignOptions;
use crate::validate::{self, revocation, revocation::CertificateRevocation};

/// How to encrypt.
#[derive(Debug, Clone)]
pub struct EncryptOptions {
    /// The content cipher (AES-256-GCM by default).
    pub cipher: ContentCipher,
    /// RSA key transport: PKCS#1 v1.5 (default, widest support) or OAEP.
    pub key_transport: KeyTransport,
    /// The sender's own encryption certificate, added as a recipient so the sender can read
    /// what was sent. Checked like any recipient.
    pub sender: Option<Certificate>,
    /// Trust anchors. When any are given, every recipient certificate must chain to one of
    /// them (RFC 5280 path validation); without any, the chain is not judged.
    pub trust_anchors: Vec<Certificate>,
    /// Further certificates: intermediates, and the recipients' CA certificates, whose keys
    /// check the CRLs.
    pub certificates: Vec<Certificate>,
    /// CRLs (DER). A recipient a usable CRL lists as revoked is refused; under
    /// [`crate::policy::RevocationMode::HardFail`] so is one whose status is unknown.
    pub crls: Vec<Vec<u8>>,
    /// What is accepted: the validation time, RSA key sizes, whether CBC may be written, the
    /// revocation mode.
    pub policy: Policy,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        EncryptOptions {
            cipher: ContentCipher::Aes256Gcm,
            key_transport: KeyTransport::RsaPkcs1v15,
            sender: None,
            trust_anchors: Vec::new(),
            certificates: Vec::new(),
            crls: Vec::new(),
            policy: Policy::default(),
        }
    }
}

/// A person-readable name for a certificate: its addresses and subject, or else its subject.
pub(crate) fn describe_certificate(cert: &x509_cert::Certificate) -> String {
    let addrs = validate::certificate_addresses(cert);
    if addrs.is_empty() {
        cert.tbs_certificate().subject().to_string()
    } else {
        format!(
            "{} ({})",
            addrs.join(", "),
            cert.tbs_certificate().subject()
        )
    }
}

/// Checks that a certificate may receive encrypted mail under `options` (the same rule as
/// the keyring's recipient selection: [`validate::check_recipient_certificate`], then the
/// chain when trust anchors are given, then revocation when CRLs are given); the error names
/// the certificate and says why not.
pub fn check_recipient(
    certificate: &Certificate,
    options: &EncryptOptions,
) -> Result<(), EncryptError> {
    let cert = certificate
        .x509()
        .map_err(|e| EncryptError::RecipientRefused {
            recipient: certificate.describe(),
            reason: format!("it cannot be parsed: {e}"),
        })?;
    let cert_der = certificate.der();
    let who = describe_certificate(cert);
    let refuse = |reason: String| EncryptError::RecipientRefused {
        recipient: who.clone(),
        reason,
    };
    let policy = &options.policy;
    let time = policy.validation_time(None);
    validate::check_recipient_certificate(cert, time, policy).map_err(|e| refuse(e.to_string()))?;
    if options.trust_anchors.is_empty() && options.crls.is_empty() {
        return Ok(());
    }
    if !options.trust_anchors.is_empty() {
        let intermediates = ders(&options.certificates);
        let anchors = ders(&options.trust_anchors);
        let outcome = validate::validate_chain(
            &validate::ChainInput {
                end_entity: cert_der,
                intermediates: &intermediates,
                trust_anchors: &anchors,
                crls: &options.crls,
                time,
            },
            policy,
        );
        return match outcome.result {
            Ok(_) => Ok(()),
            Err(e) => Err(refuse(format!("its certificate chain is not valid: {e}"))),
        };
    }
    // CRLs without trust anchors: the CRL of the certificate's issuer, checked with the key
    // of an issuer certificate among `options.certificates`.
    let others: Vec<x509_cert::Certificate> = options
        .certificates
        .iter()
        .filter_map(|c| c.x509().ok().cloned())
        .collect();
    let issuer = others.iter().find(|c| {
        c.tbs_certificate().subject() == cert.tbs_certificate().issuer()
            && crate::crypto::verify::verify_certificate_signature(cert, c).is_ok()
    });
    let Some(issuer) = issuer else {
        return match policy.revocation {
            RevocationMode::HardFail => Err(refuse(
                "its revocation status cannot be checked: the issuer's certificate, whose key \
                 signs the CRL, was not given"
                    .into(),
            )),
            _ => Ok(()),
        };
    };
    let path = [cert.clone(), issuer.clone()];
    let rev = revocation::check_path(&path, &options.crls, &others, time, policy);
    match rev.certificates.first() {
        Some(CertificateRevocation::Revoked { reason, date }) => Err(refuse(format!(
            "it was revoked on {}{}",
            crate::keyring::fmt_time(*date),
            reason.map(|r| format!(" ({r:?})")).unwrap_or_default()
        ))),
        Some(CertificateRevocation::Unknown(why))
            if policy.revocation == RevocationMode::HardFail =>
        {
            Err(refuse(format!("its revocation status is unknown: {why}")))
        }
        _ => Ok(()),
    }
}

/// Encrypts `content` (any bytes) to the recipients and returns the CMS ContentInfo (DER).
pub fn encrypt_der(
    content: &[u8],
    recipients: &[Certificate],
    options: &EncryptOptions,
) -> Result<Vec<u8>, EncryptError> {
    if !options.cipher.is_authenticated() && !options.policy.accept_cbc {
        return Err(EncryptError::NotAccepted {
            detail: format!(
                "{} gives no integrity protection, which the policy refuses",
                options.cipher.name()
            ),
        });
    }
    let mut all: Vec<&Certificate> = Vec::new();
    for r in recipients.iter().chain(options.sender.iter()) {
        if !all.contains(&r) {
            all.push(r);
        }
    }
    if all.is_empty() {
        return Err(EncryptError::NoRecipients);
    }
    for r in &all {
        check_recipient(r, options)?;
    }
    let cek = crate::crypto::rng::random_key(options.cipher.key_len()).map_err(|e| {
        EncryptError::Encoding {
            detail: format!("no randomness: {e}"),
        }
    })?;
    let ropts = RecipientOptions {
        rsa: options.key_transport,
    };
    let mut infos = Vec::with_capacity(all.len());
    for r in &all {
        infos.push(recipient::recipient_info(r.der(), &cek, &ropts)?);
    }
    Ok(enveloped::write(content, options.cipher, &cek, &infos)?)
}

/// Encrypts a MIME entity (or a whole message) and returns the encrypted message:
/// application/pkcs7-mime with smime-type authEnveloped-data (GCM) or enveloped-data (CBC).
/// RFC 5322 headers of the input (From, To, Subject…) stay outside; the MIME entity is
/// encrypted in CRLF form.
pub fn encrypt(
    entity: &[u8],
    recipients: &[Certificate],
    options: &EncryptOptions,
) -> Result<Vec<u8>, EncryptError> {
    let split = mime::split_entity(entity)?;
    let der = encrypt_der(&split.entity, recipients, options)?;
    Ok(wrap_mime(&split.outer_headers, &der, options.cipher))
}

fn wrap_mime(outer_headers: &[u8], der: &[u8], cipher: ContentCipher) -> Vec<u8> {
    let smime_type = if cipher.is_authenticated() {
        "authEnveloped-data"
    } else {
        "enveloped-data"
    };
    mime::write_pkcs7_mime(outer_headers, der, smime_type, "smime.p7m")
}

/// Signs, then encrypts, in one call; with `sign_again`, the encrypted result is signed once
/// more (triple wrap, RFC 2634). The outer headers stay on the outside of every layer.
pub fn sign_and_encrypt(
    entity: &[u8],
    signers: &[Identity],
    sign_options: &SignOptions,
    recipients: &[Certificate],
    options: &EncryptOptions,
    sign_again: bool,
) -> Result<Vec<u8>, EncryptError> {
    let split = mime::split_entity(entity)?;
    let signed = crate::sign::sign(&split.entity, signers, sign_options)?;
    let der = encrypt_der(&signed, recipients, options)?;
    if !sign_again {
        return Ok(wrap_mime(&split.outer_headers, &der, options.cipher));
    }
    let inner = wrap_mime(&[], &der, options.cipher);
    let outer = crate::sign::sign(&inner, signers, sign_options)?;
    // Put the outer headers back on top of the outer signature.
    let mut out = split.outer_headers.clone();
    out.extend_from_slice(&outer);
    Ok(out)
}

fn ders(certificates: &[Certificate]) -> Vec<Vec<u8>> {
    certificates.iter().map(|c| c.der().to_vec()).collect()
}

impl From<crate::error::KeyError> for EncryptError {
    fn from(e: crate::error::KeyError) -> Self {
        EncryptError::Sign(e.into())
    }
}
