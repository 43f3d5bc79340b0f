//! What a piece of bytes is, without keys, passwords or trust: for people, logs and support.
//!
//! [`inspect`] recognises what mail apps meet — a MIME message, a CMS structure (DER, BER or
//! PEM: signed, certs-only, enveloped, authEnveloped), certificates, a CRL, a PKCS#12 file, a
//! private key — and describes it with algorithm names rather than object identifiers. Nothing
//! is verified or decrypted: a signature listed here is not a valid signature.

use crate::asn1::ber;
use crate::certificate::Certificate;
use crate::classify;
use crate::cms::recipient::RecipientInfo;
use crate::cms::{enveloped, signed_data};
use crate::crypto::keys::{KeyKind, PrivateKey, SoftwareKey};
use crate::crypto::oids;
use crate::error::ParseError;
use crate::mime::{self, SmimeKind};
use const_oid::ObjectIdentifier;
use der::Decode;
use std::time::SystemTime;

/// What [`inspect`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Inspected {
    /// A MIME message or entity, with the S/MIME structures inside it.
    Message(MessageSummary),
    /// A bare CMS structure (a saved `smime.p7m` or `.p7s`).
    Cms(CmsSummary),
    /// One or more certificates.
    Certificates(Vec<Certificate>),
    /// A certificate revocation list.
    Crl(CrlSummary),
    /// A PKCS#12 file: what it holds is encrypted under its password (see
    /// [`Identity::from_pkcs12`](crate::Identity::from_pkcs12)).
    Pkcs12,
    /// A private key.
    PrivateKey(KeySummary),
}

/// A MIME message.
#[derive(Debug, Clone)]
pub struct MessageSummary {
    /// The top-level content type (`type/subtype`, lower case).
    pub content_type: String,
    /// The mailboxes of the top-level From fields.
    pub from: Vec<String>,
    /// The S/MIME structures in the MIME tree, outermost first.
    pub parts: Vec<PartSummary>,
}

/// One S/MIME structure of a message.
#[derive(Debug, Clone)]
pub struct PartSummary {
    /// Its index path in the MIME tree (empty: the top-level entity).
    pub path: Vec<usize>,
    /// Its MIME form: "multipart/signed", "signed-data", "enveloped-data",
    /// "authEnveloped-data", "certs-only" or "application/pkcs7-mime".
    pub form: &'static str,
    /// The CMS structure it carries, or why it cannot be read.
    pub cms: Result<CmsSummary, ParseError>,
}

/// A CMS structure.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CmsSummary {
    /// SignedData (certs-only when it has no signers and no content).
    Signed(SignedSummary),
    /// EnvelopedData or AuthEnvelopedData.
    Enveloped(EnvelopedSummary),
    /// Another content type.
    Other {
        /// The content type's name.
        content_type: String,
    },
}

/// A SignedData.
#[derive(Debug, Clone)]
pub struct SignedSummary {
    /// The type of the signed content ("data" for S/MIME).
    pub content_type: String,
    /// The length of the content it carries; `None` for a detached signature.
    pub content_len: Option<usize>,
    /// The digest algorithms it lists.
    pub digest_algorithms: Vec<String>,
    /// The signers.
    pub signers: Vec<SignerSummary>,
    /// The certificates it carries (any that cannot be parsed are left out).
    pub certificates: Vec<Certificate>,
    /// How many CRLs it carries.
    pub crls: usize,
}

impl SignedSummary {
    /// Whether it only carries certificates (or CRLs): no signer, no content.
    pub fn is_certs_only(&self) -> bool {
        self.signers.is_empty() && self.content_len.is_none()
    }
}

/// One SignerInfo, as written (not verified).
#[derive(Debug, Clone)]
pub struct SignerSummary {
    /// The signer's certificate as the message names it.
    pub id: String,
    /// The digest algorithm.
    pub digest: String,
    /// The signature algorithm.
    pub signature: String,
    /// Whether it has signed attributes.
    pub signed_attributes: bool,
}

/// An EnvelopedData or AuthEnvelopedData.
#[derive(Debug, Clone)]
pub struct EnvelopedSummary {
    /// AuthEnvelopedData rather than EnvelopedData.
    pub authenticated: bool,
    /// The content cipher.
    pub cipher: String,
    /// Whether the content is integrity-protected (AES-GCM in AuthEnvelopedData).
    pub integrity_protected: bool,
    /// The length of the encrypted content.
    pub content_len: usize,
    /// The recipients.
    pub recipients: Vec<RecipientSummary>,
}

/// One RecipientInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipientSummary {
    /// Key transport (RSA).
    KeyTransport {
        /// The recipient's certificate as the message names it.
        id: String,
        /// The key transport algorithm.
        algorithm: String,
    },
    /// Key agreement (ECDH), one or more recipients.
    KeyAgreement {
        /// The recipients' certificates as the message names them.
        ids: Vec<String>,
        /// The key agreement algorithm.
        algorithm: String,
        /// The key wrap algorithm.
        key_wrap: Option<String>,
    },
    /// A KEMRecipientInfo (RFC 9629): ML-KEM.
    Kem {
        /// The recipient's certificate as the message names it.
        id: String,
        /// The KEM algorithm ("ML-KEM-768").
        algorithm: String,
        /// The key-derivation function ("HKDF-SHA-256").
        kdf: String,
        /// The key wrap algorithm.
        key_wrap: String,
        /// Whether user keying material (ukm) is present.
        ukm: bool,
    },
    /// A kind this library does not read (KEK, password, other).
    Other,
}

/// A CRL.
#[derive(Debug, Clone)]
pub struct CrlSummary {
    /// The issuer, for people.
    pub issuer: String,
    /// When it was issued.
    pub this_update: SystemTime,
    /// When the next one is due.
    pub next_update: Option<SystemTime>,
    /// How many certificates it lists as revoked.
    pub revoked: usize,
}

/// A private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    /// Whether it is encrypted under a password (PKCS#8 `ENCRYPTED PRIVATE KEY`).
    pub encrypted: bool,
    /// The key type, for a key that is not encrypted.
    pub kind: Option<KeyKind>,
}

/// Says what `input` is. Input that is none of the kinds of [`Inspected`] is
/// [`ParseError::NotSmime`]; a structure that is recognised but damaged gives its parse error.
pub fn inspect(input: &[u8]) -> Result<Inspected, ParseError> {
    if input.is_empty() {
        return Err(ParseError::Empty);
    }
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    let text = &input[start..];
    if text.starts_with(b"-----BEGIN ") {
        return inspect_pem(text);
    }
    if input[0] == 0x30 {
        return inspect_der(input);
    }
    inspect_message(input)
}

fn inspect_pem(text: &[u8]) -> Result<Inspected, ParseError> {
    let label_end = text[11..]
        .windows(5)
        .position(|w| w == b"-----")
        .ok_or_else(|| ParseError::Pem {
            detail: "an unterminated BEGIN line".into(),
        })?;
    let label = String::from_utf8_lossy(&text[11..11 + label_end]).into_owned();
    let first = || -> Result<Vec<u8>, ParseError> {
        let blocks = crate::crypto::keys::pem_blocks(text, 1000)?.unwrap_or_default();
        blocks
            .into_iter()
            .next()
            .map(|(_, der)| der.to_vec())
            .ok_or_else(|| ParseError::Pem {
                detail: "an empty PEM block".into(),
            })
    };
    match label.as_str() {
        "CERTIFICATE" => Ok(Inspected::Certificates(Certificate::read_all(text)?)),
        "X509 CRL" => Ok(Inspected::Crl(crl_summary(&first()?)?)),
        "PKCS7" | "CMS" => Ok(Inspected::Cms(cms_summary(&first()?)?)),
        "ENCRYPTED PRIVATE KEY" => Ok(Inspected::PrivateKey(KeySummary {
            encrypted: true,
            kind: None,
        })),
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
            let key = SoftwareKey::from_bytes(text).map_err(|e| ParseError::Pem {
                detail: format!("a private key that cannot be read: {e}"),
            })?;
            Ok(Inspected::PrivateKey(KeySummary {
                encrypted: false,
                kind: Some(key.kind()),
            }))
        }
        other => Err(ParseError::NotSmime {
            detail: format!("a PEM block labelled {other}"),
        }),
    }
}

fn inspect_der(der: &[u8]) -> Result<Inspected, ParseError> {
    if let Ok(c) = Certificate::from_der(der) {
        return Ok(Inspected::Certificates(vec![c]));
    }
    if let Ok(crl) = crl_summary(der) {
        return Ok(Inspected::Crl(crl));
    }
    if is_pkcs12(der) {
        return Ok(Inspected::Pkcs12);
    }
    if classify::bare_cms(der)?.is_some() {
        return Ok(Inspected::Cms(cms_summary(der)?));
    }
    if let Ok(key) = SoftwareKey::from_pkcs8_der(der) {
        return Ok(Inspected::PrivateKey(KeySummary {
            encrypted: false,
            kind: Some(key.kind()),
        }));
    }
    if crate::crypto::pkcs8_encrypted::is_encrypted_pkcs8(der) {
        return Ok(Inspected::PrivateKey(KeySummary {
            encrypted: true,
            kind: None,
        }));
    }
    Err(ParseError::NotSmime {
        detail: "DER that is no certificate, CRL, PKCS#12 file, CMS structure or private key"
            .into(),
    })
}

fn inspect_message(input: &[u8]) -> Result<Inspected, ParseError> {
    if !starts_with_header_field(input) {
        return Err(ParseError::NotSmime {
            detail: "neither a MIME message nor DER or PEM".into(),
        });
    }
    let parsed = mime::parse(input, &mime::Limits::default())?;
    let parts = parsed
        .smime
        .iter()
        .map(|p| PartSummary {
            path: p.path.clone(),
            form: form_name(p.kind),
            cms: cms_summary(&p.cms),
        })
        .collect();
    Ok(Inspected::Message(MessageSummary {
        content_type: parsed.top_content_type,
        from: parsed.from,
        parts,
    }))
}

/// Whether the first line is an RFC 5322 header field (`name:`).
fn starts_with_header_field(input: &[u8]) -> bool {
    let line = input.split(|b| *b == b'\n').next().unwrap_or_default();
    match line.iter().position(|b| *b == b':') {
        Some(0) | None => false,
        Some(colon) => line[..colon].iter().all(|b| (33..=126).contains(b)),
    }
}

fn form_name(kind: SmimeKind) -> &'static str {
    match kind {
        SmimeKind::MultipartSigned => "multipart/signed",
        SmimeKind::SignedData => "signed-data",
        SmimeKind::CertsOnly => "certs-only",
        SmimeKind::EnvelopedData => "enveloped-data",
        SmimeKind::AuthEnvelopedData => "authEnveloped-data",
        SmimeKind::Pkcs7Mime => "application/pkcs7-mime",
    }
}

fn cms_summary(der: &[u8]) -> Result<CmsSummary, ParseError> {
    let ci = signed_data::parse_content_info(der)?;
    if ci.content_type == oids::SIGNED_DATA {
        let sd = signed_data::parse_signed_data(der)?;
        return Ok(CmsSummary::Signed(SignedSummary {
            content_type: algorithm_name(&sd.econtent_type),
            content_len: sd.econtent.as_ref().map(Vec::len),
            digest_algorithms: sd
                .digest_algorithms
                .iter()
                .map(|a| algorithm_name(&a.oid))
                .collect(),
            signers: sd
                .signers
                .iter()
                .map(|s| SignerSummary {
                    id: s.sid.to_string(),
                    digest: algorithm_name(&s.digest_algorithm.oid),
                    signature: algorithm_name(&s.signature_algorithm.oid),
                    signed_attributes: s.signed_attrs.is_some(),
                })
                .collect(),
            certificates: sd
                .certificates
                .iter()
                .filter_map(|c| Certificate::from_der(c).ok())
                .collect(),
            crls: sd.crls.len(),
        }));
    }
    if ci.content_type == oids::ENVELOPED_DATA || ci.content_type == oids::AUTH_ENVELOPED_DATA {
        let env = enveloped::parse(der).map_err(ParseError::from)?;
        let recipients = env
            .recipients
            .iter()
            .map(|r| match r {
                RecipientInfo::KeyTrans { rid, algorithm, .. } => RecipientSummary::KeyTransport {
                    id: rid.to_string(),
                    algorithm: if algorithm.oid == oids::RSA_ENCRYPTION {
                        "RSA PKCS#1 v1.5".into()
                    } else {
                        algorithm_name(&algorithm.oid)
                    },
                },
                RecipientInfo::KeyAgree {
                    algorithm, keys, ..
                } => RecipientSummary::KeyAgreement {
                    ids: keys.iter().map(|(rid, _)| rid.to_string()).collect(),
                    algorithm: algorithm_name(&algorithm.oid),
                    key_wrap: algorithm
                        .parameters
                        .as_ref()
                        .and_then(|p| p.decode_as::<spki::AlgorithmIdentifierOwned>().ok())
                        .map(|w| algorithm_name(&w.oid)),
                },
                RecipientInfo::Kem(k) => RecipientSummary::Kem {
                    id: k.rid.to_string(),
                    algorithm: algorithm_name(&k.kem.oid),
                    kdf: algorithm_name(&k.kdf.oid),
                    key_wrap: algorithm_name(&k.wrap.oid),
                    ukm: k.ukm.is_some(),
                },
                _ => RecipientSummary::Other,
            })
            .collect();
        return Ok(CmsSummary::Enveloped(EnvelopedSummary {
            authenticated: env.authenticated,
            cipher: env.cipher.name().to_string(),
            integrity_protected: env.authenticated && env.cipher.is_authenticated(),
            content_len: env.encrypted_content.len(),
            recipients,
        }));
    }
    Ok(CmsSummary::Other {
        content_type: algorithm_name(&ci.content_type),
    })
}

fn crl_summary(der: &[u8]) -> Result<CrlSummary, ParseError> {
    let crl = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
        .map_err(ParseError::from)?;
    let tbs = &crl.tbs_cert_list;
    Ok(CrlSummary {
        issuer: tbs.issuer.to_string(),
        this_update: tbs.this_update.to_system_time(),
        next_update: tbs.next_update.map(|t| t.to_system_time()),
        revoked: tbs.revoked_certificates.as_ref().map_or(0, Vec::len),
    })
}

/// A PFX: SEQUENCE { INTEGER 3, ContentInfo (data or signedData), ... }.
fn is_pkcs12(der: &[u8]) -> bool {
    let Ok(root) = ber::parse(der) else {
        return false;
    };
    let Ok(parts) = root.seq("PFX") else {
        return false;
    };
    let version_is_3 = parts
        .first()
        .is_some_and(|v| v.tag == 0x02 && der.get(v.content.clone()) == Some(&[3][..]));
    let auth_safe_type = parts
        .get(1)
        .filter(|n| n.tag == 0x30)
        .and_then(|n| n.children.first())
        .filter(|n| n.tag == 0x06)
        .and_then(|n| der.get(n.content.clone()))
        .and_then(|b| ObjectIdentifier::from_bytes(b).ok());
    version_is_3 && auth_safe_type.is_some_and(|oid| oid == oids::DATA || oid == oids::SIGNED_DATA)
}

/// A name for people of an algorithm, curve or content type; the dotted form for one not
/// known.
pub fn algorithm_name(oid: &ObjectIdentifier) -> String {
    let known = match oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.4" => "RSA PKCS#1 v1.5 with MD5",
        "1.2.840.113549.1.1.5" => "RSA PKCS#1 v1.5 with SHA-1",
        "1.2.840.113549.1.1.7" => "RSAES-OAEP",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "RSA PKCS#1 v1.5 with SHA-256",
        "1.2.840.113549.1.1.12" => "RSA PKCS#1 v1.5 with SHA-384",
        "1.2.840.113549.1.1.13" => "RSA PKCS#1 v1.5 with SHA-512",
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.10045.4.1" => "ECDSA with SHA-1",
        "1.2.840.10045.4.3.2" => "ECDSA with SHA-256",
        "1.2.840.10045.4.3.3" => "ECDSA with SHA-384",
        "1.2.840.10045.4.3.4" => "ECDSA with SHA-512",
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44",
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65",
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87",
        "2.16.840.1.101.3.4.3.20" => "SLH-DSA-SHA2-128s",
        "2.16.840.1.101.3.4.3.21" => "SLH-DSA-SHA2-128f",
        "2.16.840.1.101.3.4.3.22" => "SLH-DSA-SHA2-192s",
        "2.16.840.1.101.3.4.3.23" => "SLH-DSA-SHA2-192f",
        "2.16.840.1.101.3.4.3.24" => "SLH-DSA-SHA2-256s",
        "2.16.840.1.101.3.4.3.25" => "SLH-DSA-SHA2-256f",
        "2.16.840.1.101.3.4.3.26" => "SLH-DSA-SHAKE-128s",
        "2.16.840.1.101.3.4.3.27" => "SLH-DSA-SHAKE-128f",
        "2.16.840.1.101.3.4.3.28" => "SLH-DSA-SHAKE-192s",
        "2.16.840.1.101.3.4.3.29" => "SLH-DSA-SHAKE-192f",
        "2.16.840.1.101.3.4.3.30" => "SLH-DSA-SHAKE-256s",
        "2.16.840.1.101.3.4.3.31" => "SLH-DSA-SHAKE-256f",
        "2.16.840.1.101.3.4.4.1" => "ML-KEM-512",
        "2.16.840.1.101.3.4.4.2" => "ML-KEM-768",
        "2.16.840.1.101.3.4.4.3" => "ML-KEM-1024",
        "1.2.840.113549.1.9.16.3.28" => "HKDF-SHA-256",
        "1.2.840.113549.1.9.16.3.29" => "HKDF-SHA-384",
        "1.2.840.113549.1.9.16.3.30" => "HKDF-SHA-512",
        "1.2.840.113549.1.9.16.3.19" => "ECDH (HKDF with SHA-256)",
        "1.2.840.113549.1.9.16.3.20" => "ECDH (HKDF with SHA-384)",
        "1.2.840.113549.1.9.16.3.21" => "ECDH (HKDF with SHA-512)",
        "2.16.840.1.101.3.4.2.8" => "SHA3-256",
        "2.16.840.1.101.3.4.2.9" => "SHA3-384",
        "2.16.840.1.101.3.4.2.10" => "SHA3-512",
        "2.16.840.1.101.3.4.2.11" => "SHAKE128",
        "2.16.840.1.101.3.4.2.12" => "SHAKE256",
        "1.2.840.113549.2.5" => "MD5",
        "1.3.14.3.2.26" => "SHA-1",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "2.16.840.1.101.3.4.2.3" => "SHA-512",
        "2.16.840.1.101.3.4.1.2" => "AES-128-CBC",
        "2.16.840.1.101.3.4.1.22" => "AES-192-CBC",
        "2.16.840.1.101.3.4.1.42" => "AES-256-CBC",
        "2.16.840.1.101.3.4.1.6" => "AES-128-GCM",
        "2.16.840.1.101.3.4.1.26" => "AES-192-GCM",
        "2.16.840.1.101.3.4.1.46" => "AES-256-GCM",
        "2.16.840.1.101.3.4.1.5" => "AES-128 key wrap",
        "2.16.840.1.101.3.4.1.25" => "AES-192 key wrap",
        "2.16.840.1.101.3.4.1.45" => "AES-256 key wrap",
        "1.2.840.113549.3.7" => "3DES-CBC",
        "1.2.840.113549.3.2" => "RC2-CBC",
        "1.3.14.3.2.7" => "DES-CBC",
        "1.3.133.16.840.63.0.2" => "ECDH (X9.63 KDF with SHA-1)",
        "1.3.132.1.11.0" => "ECDH (X9.63 KDF with SHA-224)",
        "1.3.132.1.11.1" => "ECDH (X9.63 KDF with SHA-256)",
        "1.3.132.1.11.2" => "ECDH (X9.63 KDF with SHA-384)",
        "1.3.132.1.11.3" => "ECDH (X9.63 KDF with SHA-512)",
        "1.2.840.113549.1.5.13" => "PBES2",
        "1.2.840.113549.1.5.12" => "PBKDF2",
        "1.2.840.113549.2.7" => "HMAC-SHA-1",
        "1.2.840.113549.2.9" => "HMAC-SHA-256",
        "1.2.840.113549.2.10" => "HMAC-SHA-384",
        "1.2.840.113549.2.11" => "HMAC-SHA-512",
        "1.2.840.113549.1.12.1.3" => "PBE with SHA-1 and 3DES",
        "1.2.840.113549.1.12.1.6" => "PBE with SHA-1 and RC2-40",
        "1.2.840.113549.1.7.1" => "data",
        "1.2.840.113549.1.7.2" => "signed-data",
        "1.2.840.113549.1.7.3" => "enveloped-data",
        "1.2.840.113549.1.7.6" => "encrypted-data",
        "1.2.840.113549.1.9.16.1.23" => "authEnveloped-data",
        "1.2.840.113549.1.9.16.1.9" => "compressed-data",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    match const_oid::db::DB.by_oid(oid) {
        Some(name) => name.to_string(),
        None => oid.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &[u8] = include_bytes!("testdata/alice-p256.crt.pem");
    const KEY: &[u8] = include_bytes!("testdata/alice-p256.key.pem");

    #[test]
    fn certificates_and_keys_are_named() {
        match inspect(CERT).unwrap() {
            Inspected::Certificates(c) => assert_eq!(c[0].addresses(), ["alice@example.com"]),
            other => panic!("{other:?}"),
        }
        let der = Certificate::from_pem(CERT).unwrap().der().to_vec();
        assert!(matches!(inspect(&der).unwrap(), Inspected::Certificates(_)));
        assert_eq!(
            match inspect(KEY).unwrap() {
                Inspected::PrivateKey(k) => k,
                other => panic!("{other:?}"),
            },
            KeySummary {
                encrypted: false,
                kind: Some(KeyKind::EcP256)
            }
        );
    }

    #[test]
    fn unknown_input_is_an_error() {
        for junk in [
            &b"hello world"[..],
            b"\x30\x03\x02\x01\x01",
            b"\x00\x01",
            b"",
        ] {
            assert!(inspect(junk).is_err(), "{junk:?}");
        }
        assert!(matches!(
            inspect(b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"),
            Err(ParseError::NotSmime { .. })
        ));
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(algorithm_name(&oids::AES256_GCM), "AES-256-GCM");
        assert_eq!(
            algorithm_name(&oids::ECDSA_WITH_SHA256),
            "ECDSA with SHA-256"
        );
        let unknown = ObjectIdentifier::new_unwrap("1.2.3.4.5.6.7");
        assert_eq!(algorithm_name(&unknown), "1.2.3.4.5.6.7");
    }
}
