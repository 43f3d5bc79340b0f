//! Signing: SignedData with the S/MIME signed attributes, detached (multipart/signed) or
//! opaque (application/pkcs7-mime).
//!
//! The content is hashed while it is written ([`SignStream`]); the one-shot functions
//! ([`sign`], [`sign_detached_der`], [`sign_opaque_der`]) are built on that.
//!
//! Every signature carries the signed attributes contentType, messageDigest, signingTime and
//! smimeCapabilities (our preference list: AES-256-GCM, AES-128-GCM, AES-256-CBC, AES-128-CBC,
//! RSAES-OAEP, RSA PKCS#1 v1.5), plus encryptionKeyPreference when the signer names a separate
//! encryption certificate. The signer certificate and its chain are included.

use crate::asn1::der_set_of;
use crate::certificate::Certificate;
use crate::cms::signed_data::{self, SignerInfoParts, attribute};
use crate::crypto::keys::{KeyKind, SignatureScheme};
use crate::crypto::{DigestAlgorithm, Hasher, oids};
use crate::error::{KeyError, SignError};
use crate::identity::Identity;
use crate::mime;
use crate::validate::{self, EkuFailure, KeyUsageFailure, ValidityFailure};
use der::Encode;
use spki::AlgorithmIdentifierOwned;
use std::time::SystemTime;

/// Why a certificate may not sign e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerCertificateProblem {
    /// The certificate cannot be parsed.
    Unparsable {
        /// What is wrong with it.
        detail: String,
    },
    /// The signing time is outside the certificate's validity period (expired, not yet valid).
    /// Transparent: the failure's message and code.
    Validity(ValidityFailure),
    /// The key usage extension allows neither digitalSignature nor nonRepudiation.
    /// Transparent: the failure's message and code.
    KeyUsage(KeyUsageFailure),
    /// The extended key usage extension does not allow e-mail protection.
    ExtendedKeyUsage(EkuFailure),
}

impl std::fmt::Display for SignerCertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignerCertificateProblem::Unparsable { detail } => {
                write!(f, "the signer certificate cannot be read: {detail}")
            }
            // Transparent: the check's own message.
            SignerCertificateProblem::Validity(e) => std::fmt::Display::fmt(e, f),
            SignerCertificateProblem::KeyUsage(e) => std::fmt::Display::fmt(e, f),
            SignerCertificateProblem::ExtendedKeyUsage(_) => write!(
                f,
                "the signer certificate's extended key usage must include emailProtection"
            ),
        }
    }
}

impl std::error::Error for SignerCertificateProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignerCertificateProblem::ExtendedKeyUsage(e) => Some(e),
            SignerCertificateProblem::Unparsable { .. }
            | SignerCertificateProblem::Validity(_)
            | SignerCertificateProblem::KeyUsage(_) => None,
        }
    }
}

impl SignerCertificateProblem {
    /// The stable numeric code of this problem: [`crate::error::codes::SMIME_CERT_UNPARSABLE`]
    /// or the code of the failed check (900–949).
    pub fn code(&self) -> u32 {
        match self {
            SignerCertificateProblem::Unparsable { .. } => {
                crate::error::codes::SMIME_CERT_UNPARSABLE
            }
            SignerCertificateProblem::Validity(e) => e.code(),
            SignerCertificateProblem::KeyUsage(e) => e.code(),
            SignerCertificateProblem::ExtendedKeyUsage(e) => e.code(),
        }
    }
}

/// Checks that a certificate may sign e-mail at `time`: within its validity period, a key
/// usage (if present) with digitalSignature or nonRepudiation, and an extended key usage (if
/// present) with emailProtection or anyExtendedKeyUsage. The same rule the keyring applies
/// when it picks a signing identity, and the one a verifier applies to the signature, so a
/// signature is never made that the recipient must refuse.
pub fn check_signer_certificate(
    certificate: &Certificate,
    time: SystemTime,
) -> Result<(), SignerCertificateProblem> {
    let cert = certificate
        .x509()
        .map_err(|e| SignerCertificateProblem::Unparsable {
            detail: e.to_string(),
        })?;
    validate::check_validity(cert, time).map_err(SignerCertificateProblem::Validity)?;
    validate::check_signing_key_usage(cert).map_err(SignerCertificateProblem::KeyUsage)?;
    validate::check_email_eku(cert).map_err(SignerCertificateProblem::ExtendedKeyUsage)?;
    Ok(())
}

/// How to sign.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The digest (SHA-256 by default; SHA-384 and SHA-512 are available).
    pub digest: DigestAlgorithm,
    /// Opaque signing (application/pkcs7-mime signed-data) instead of multipart/signed.
    pub opaque: bool,
    /// RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys (salt length = digest length).
    pub pss: bool,
    /// Include the signer certificates' chains (default true).
    pub include_chain: bool,
    /// The signingTime attribute; `None` means now.
    pub signing_time: Option<SystemTime>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            digest: DigestAlgorithm::Sha256,
            opaque: false,
            pss: false,
            include_chain: true,
            signing_time: None,
        }
    }
}

/// Hashes content while it is written and produces a detached SignedData at the end.
pub struct SignStream<'a> {
    hasher: Hasher,
    signers: &'a [Identity],
    options: &'a SignOptions,
}

impl<'a> SignStream<'a> {
    /// Starts a detached signature for `signers`.
    pub fn new(signers: &'a [Identity], options: &'a SignOptions) -> Result<Self, SignError> {
        if signers.is_empty() {
            return Err(SignError::NoSigner);
        }
        let hasher = signing_digest(options.digest)?.hasher().ok_or_else(|| {
            SignError::UnsupportedAlgorithm {
                detail: options.digest.name().into(),
            }
        })?;
        Ok(SignStream {
            hasher,
            signers,
            options,
        })
    }

    /// Finishes: the detached SignedData (DER).
    pub fn finish(self) -> Result<Vec<u8>, SignError> {
        let digest = self.hasher.finish();
        build(None, &digest, self.signers, self.options)
    }
}

impl std::io::Write for SignStream<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn signing_digest(d: DigestAlgorithm) -> Result<DigestAlgorithm, SignError> {
    match d {
        DigestAlgorithm::Sha256 | DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512 => Ok(d),
        other => Err(SignError::UnsupportedAlgorithm {
            detail: format!("{} is too weak to sign with", other.name()),
        }),
    }
}

/// A detached SignedData (DER) over `content`, which is signed exactly as given.
pub fn sign_detached_der(
    content: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let mut s = SignStream::new(signers, options)?;
    std::io::Write::write_all(&mut s, content)?;
    s.finish()
}

/// An opaque SignedData (DER) that embeds `content`.
pub fn sign_opaque_der(
    content: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    if signers.is_empty() {
        return Err(SignError::NoSigner);
    }
    let algorithm = signing_digest(options.digest)?;
    let digest = algorithm
        .digest(content)
        .ok_or_else(|| SignError::UnsupportedAlgorithm {
            detail: algorithm.name().into(),
        })?;
    build(Some(content), &digest, signers, options)
}

/// Signs a MIME entity (or a whole message) and returns the signed message.
///
/// RFC 5322 headers of the input that are not `Content-*` (From, To, Subject, Date…) stay on
/// the outside; the MIME entity (its `Content-*` headers and body) is signed, in CRLF form.
/// For multipart/signed the entity must be 7-bit: 8-bit or binary bytes are refused with
/// [`SignError::EightBitContent`], because a relay that re-encodes them breaks the signature.
/// Opaque signing carries any bytes.
pub fn sign(
    entity: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    if signers.is_empty() {
        return Err(SignError::NoSigner);
    }
    let split = mime::split_entity(entity)?;
    if options.opaque {
        let der = sign_opaque_der(&split.entity, signers, options)?;
        return Ok(mime::write_pkcs7_mime(
            &split.outer_headers,
            &der,
            "signed-data",
            "smime.p7m",
        ));
    }
    if let Some(at) = mime::find_8bit(&split.entity) {
        return Err(SignError::EightBitContent {
            detail: format!("the entity has an 8-bit or NUL byte at offset {at}"),
        });
    }
    let der = sign_detached_der(&split.entity, signers, options)?;
    Ok(mime::write_multipart_signed(
        &split.outer_headers,
        &split.entity,
        &der,
        options.digest.micalg(),
    ))
}

fn build(
    econtent: Option<&[u8]>,
    message_digest: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let time = options.signing_time.unwrap_or_else(SystemTime::now);
    let mut parts = Vec::with_capacity(signers.len());
    let mut certificates = Vec::new();
    for signer in signers {
        parts.push(sign_one(signer, message_digest, time, options)?);
        certificates.push(signer.certificate().der().to_vec());
        if let Some(enc) = signer.encryption_certificate() {
            certificates.push(enc.der().to_vec());
        }
        if options.include_chain {
            certificates.extend(signer.chain().iter().map(|c| c.der().to_vec()));
        }
    }
    Ok(signed_data::write_signed_data(
        econtent,
        &certificates,
        &parts,
    )?)
}

fn sign_one(
    signer: &Identity,
    message_digest: &[u8],
    time: SystemTime,
    options: &SignOptions,
) -> Result<SignerInfoParts, SignError> {
    let digest = options.digest;
    let key = signer.require_key()?;
    if let KeyKind::Rsa { bits } = key.kind()
        && bits < 2048
    {
        return Err(KeyError::TooWeak { bits }.into());
    }
    let tbs = signer
        .certificate()
        .x509()
        .map_err(KeyError::Certificate)?
        .tbs_certificate();

    let mut attrs = vec![
        attribute(oids::CONTENT_TYPE, &oids::DATA.to_der()?)?,
        attribute(
            oids::MESSAGE_DIGEST,
            &der::asn1::OctetString::new(message_digest)?.to_der()?,
        )?,
        attribute(oids::SIGNING_TIME, &signing_time_der(time)?)?,
        attribute(oids::SMIME_CAPABILITIES, &capabilities_der()?)?,
    ];
    if let Some(enc) = signer.encryption_certificate() {
        let enc = enc.x509().map_err(KeyError::Certificate)?;
        // SMIMEEncryptionKeyPreference: issuerAndSerialNumber [0] IMPLICIT.
        let preference = der::asn1::ContextSpecific {
            tag_number: der::TagNumber(0),
            tag_mode: der::TagMode::Implicit,
            value: ::cms::cert::IssuerAndSerialNumber {
                issuer: enc.tbs_certificate().issuer().clone(),
                serial_number: enc.tbs_certificate().serial_number().clone(),
            },
        };
        attrs.push(attribute(
            oids::ENCRYPTION_KEY_PREFERENCE,
            &preference.to_der()?,
        )?);
    }
    let signed_attrs_der = der_set_of(0x31, attrs);
    let to_sign =
        digest
            .digest(&signed_attrs_der)
            .ok_or_else(|| SignError::UnsupportedAlgorithm {
                detail: digest.name().into(),
            })?;

    let (scheme, signature_algorithm) = match (key.kind(), options.pss) {
        (KeyKind::Rsa { .. }, false) => (
            SignatureScheme::RsaPkcs1v15,
            AlgorithmIdentifierOwned {
                oid: oids::RSA_ENCRYPTION,
                parameters: Some(der::asn1::Null.into()),
            },
        ),
        (KeyKind::Rsa { .. }, true) => (SignatureScheme::RsaPss, pss_algorithm(digest)?),
        (KeyKind::EcP256 | KeyKind::EcP384, false) => (
            SignatureScheme::Ecdsa,
            AlgorithmIdentifierOwned {
                oid: match digest {
                    DigestAlgorithm::Sha384 => oids::ECDSA_WITH_SHA384,
                    DigestAlgorithm::Sha512 => oids::ECDSA_WITH_SHA512,
                    _ => oids::ECDSA_WITH_SHA256,
                },
                parameters: None,
            },
        ),
        (kind, true) => {
            return Err(SignError::UnsupportedAlgorithm {
                detail: format!("RSASSA-PSS needs an RSA key, not {kind}"),
            });
        }
    };
    let signature = key
        .sign_digest(scheme, digest, &to_sign)
        .map_err(SignError::KeyOperation)?;
    Ok(SignerInfoParts {
        issuer: tbs.issuer().clone(),
        serial: tbs.serial_number().clone(),
        digest,
        signed_attrs_der,
        signature_algorithm,
        signature,
    })
}

fn signing_time_der(time: SystemTime) -> Result<Vec<u8>, SignError> {
    // RFC 5652 11.3: UTCTime for 1950–2049, GeneralizedTime otherwise.
    let t = x509_cert::time::Time::try_from(time).map_err(|e| SignError::Encoding {
        detail: format!("signing time: {e}"),
    })?;
    Ok(t.to_der()?)
}

/// The capabilities announced, in preference order.
const CAPABILITIES: [der::asn1::ObjectIdentifier; 6] = [
    oids::AES256_GCM,
    oids::AES128_GCM,
    oids::AES256_CBC,
    oids::AES128_CBC,
    oids::RSAES_OAEP,
    oids::RSA_ENCRYPTION,
];

/// The smimeCapabilities value we announce, in preference order.
pub fn capabilities_der() -> Result<Vec<u8>, der::Error> {
    // SMIMECapabilities ::= SEQUENCE OF SMIMECapability { capabilityID, parameters absent }
    let caps: Vec<AlgorithmIdentifierOwned> = CAPABILITIES
        .into_iter()
        .map(|oid| AlgorithmIdentifierOwned {
            oid,
            parameters: None,
        })
        .collect();
    caps.to_der()
}

/// RSASSA-PSS-params (RFC 4055 section 3.1) as written: the hash, MGF1 over the same hash and
/// the salt length given explicitly, the trailer field left at its default.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    salt_len: u8,
}

fn pss_algorithm(digest: DigestAlgorithm) -> Result<AlgorithmIdentifierOwned, SignError> {
    let hash = AlgorithmIdentifierOwned {
        oid: digest.oid(),
        parameters: None,
    };
    let params = PssParams {
        mask_gen: AlgorithmIdentifierOwned {
            oid: oids::MGF1,
            parameters: Some(der::Any::encode_from(&hash)?),
        },
        hash,
        salt_len: u8::try_from(digest.output_len()).map_err(|_| SignError::Encoding {
            detail: "RSASSA-PSS salt length".into(),
        })?,
    };
    Ok(AlgorithmIdentifierOwned {
        oid: oids::RSASSA_PSS,
        parameters: Some(der::Any::encode_from(&params)?),
    })
}

#[cfg(test)]
mod der_writers {
    use super::*;
    use crate::asn1::tlv;

    #[test]
    fn pss_parameters_are_the_bytes_the_hand_writer_wrote() {
        for digest in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            // The former hand-assembled encoding.
            let hash = signed_data::digest_algorithm_der(digest).unwrap();
            let mgf = tlv(0x30, &[oids::MGF1.to_der().unwrap(), hash.clone()].concat());
            let salt = tlv(0x02, &[digest.output_len() as u8]);
            let params = tlv(
                0x30,
                &[tlv(0xA0, &hash), tlv(0xA1, &mgf), tlv(0xA2, &salt)].concat(),
            );
            let alg = pss_algorithm(digest).unwrap();
            assert_eq!(alg.oid, oids::RSASSA_PSS);
            assert_eq!(alg.parameters.unwrap().to_der().unwrap(), params);
        }
    }

    #[test]
    fn capabilities_are_the_bytes_the_hand_writer_wrote() {
        let mut caps = Vec::new();
        for oid in CAPABILITIES {
            caps.extend_from_slice(&tlv(0x30, &oid.to_der().unwrap()));
        }
        assert_eq!(capabilities_der().unwrap(), tlv(0x30, &caps));
    }
}
