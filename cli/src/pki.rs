//! A throwaway PKI for `smime demo`: a root CA, an intermediate CA and user certificates,
//! with keys generated in memory and certificates signed through the library's key trait.

use der::Encode;
use pkcs8::EncodePrivateKey;
use smime::DigestAlgorithm;
use smime::crypto::keys::{PrivateKey, SignatureScheme, SoftwareKey};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use x509_cert::name::Name;

/// A key pair and its certificate.
pub struct Issued {
    /// The certificate.
    pub cert: smime::Certificate,
    /// The private key.
    pub key: Arc<SoftwareKey>,
    /// The subject name.
    pub name: Name,
}

/// What a certificate is for.
pub enum Role<'a> {
    /// A certification authority.
    Ca,
    /// An e-mail user (signing and encryption) with these addresses.
    User { emails: &'a [&'a str] },
}

/// The validity window.
pub struct Window {
    pub not_before: SystemTime,
    pub not_after: SystemTime,
}

impl Window {
    /// From an hour ago to `days` days from now.
    pub fn days(days: u64) -> Self {
        let now = SystemTime::now();
        Window {
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(days * 86_400),
        }
    }

    /// Entirely in the past: ended `days_ago` days ago, started a year before.
    pub fn expired(days_ago: u64) -> Self {
        let end = SystemTime::now() - Duration::from_secs(days_ago * 86_400);
        Window {
            not_before: end - Duration::from_secs(365 * 86_400),
            not_after: end,
        }
    }
}

/// A DER TLV: tag, definite length, content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// A fresh P-256 key.
pub fn new_p256_key() -> Result<(Arc<SoftwareKey>, Vec<u8>), crate::Usage> {
    let secret = <p256::SecretKey as crypto_common::Generate>::generate_from_rng(&mut rng());
    let pkcs8 = secret
        .to_pkcs8_der()
        .map_err(|e| crate::Usage(e.to_string()))?;
    let key =
        SoftwareKey::from_pkcs8_der(pkcs8.as_bytes()).map_err(|e| crate::Usage(e.to_string()))?;
    Ok((Arc::new(key), pkcs8.as_bytes().to_vec()))
}

fn ext(oid: &str, critical: bool, value: &[u8]) -> Result<Vec<u8>, crate::Usage> {
    let oid = const_oid::ObjectIdentifier::new(oid).map_err(|e| crate::Usage(e.to_string()))?;
    let mut c = oid.to_der().map_err(|e| crate::Usage(e.to_string()))?;
    if critical {
        c.extend_from_slice(&[0x01, 0x01, 0xFF]);
    }
    c.extend_from_slice(&tlv(0x04, value));
    Ok(tlv(0x30, &c))
}

fn key_usage(bits: u8) -> Vec<u8> {
    let unused = bits.trailing_zeros().min(7) as u8;
    tlv(0x03, &[unused, bits])
}

fn key_id(spki_der: &[u8]) -> Vec<u8> {
    DigestAlgorithm::Sha1
        .digest(spki_der)
        .unwrap_or_default()
        .into_iter()
        .take(20)
        .collect()
}

/// Issues a certificate for `subject` with a fresh P-256 key, signed by `issuer` (or self-signed).
pub fn issue(
    subject: &str,
    role: Role<'_>,
    issuer: Option<&Issued>,
    window: Window,
    serial: u32,
) -> Result<Issued, crate::Usage> {
    let (key, _) = new_p256_key()?;
    let name = Name::from_str(subject).map_err(|e| crate::Usage(e.to_string()))?;
    let spki = key
        .public_key_der()
        .map_err(|e| crate::Usage(e.to_string()))?;
    let ski = key_id(&spki);
    let (issuer_name, issuer_key, aki): (Name, &dyn PrivateKey, Vec<u8>) = match issuer {
        Some(i) => {
            let ispki = i
                .key
                .public_key_der()
                .map_err(|e| crate::Usage(e.to_string()))?;
            (i.name.clone(), i.key.as_ref(), key_id(&ispki))
        }
        None => (name.clone(), key.as_ref(), ski.clone()),
    };
    let sig_alg = tlv(
        0x30,
        &const_oid::db::rfc5912::ECDSA_WITH_SHA_256
            .to_der()
            .map_err(|e| crate::Usage(e.to_string()))?,
    );
    let time = |t: SystemTime| -> Result<Vec<u8>, crate::Usage> {
        x509_cert::time::Time::try_from(t)
            .map_err(|e| crate::Usage(e.to_string()))?
            .to_der()
            .map_err(|e| crate::Usage(e.to_string()))
    };
    let mut exts = Vec::new();
    match role {
        Role::Ca => {
            exts.push(ext("2.5.29.19", true, &tlv(0x30, &[0x01, 0x01, 0xFF]))?);
            // keyCertSign | cRLSign
            exts.push(ext("2.5.29.15", true, &key_usage(0b0000_0110))?);
        }
        Role::User { emails } => {
            exts.push(ext("2.5.29.19", true, &tlv(0x30, &[]))?);
            // digitalSignature | nonRepudiation | keyAgreement (EC keys encrypt by agreement)
            exts.push(ext("2.5.29.15", true, &key_usage(0b1100_1000))?);
            let eku = const_oid::db::rfc5280::ID_KP_EMAIL_PROTECTION
                .to_der()
                .map_err(|e| crate::Usage(e.to_string()))?;
            exts.push(ext("2.5.29.37", false, &tlv(0x30, &eku))?);
            let names: Vec<u8> = emails
                .iter()
                .flat_map(|e| tlv(0x81, e.as_bytes()))
                .collect();
            exts.push(ext("2.5.29.17", false, &tlv(0x30, &names))?);
        }
    }
    exts.push(ext("2.5.29.14", false, &tlv(0x04, &ski))?);
    exts.push(ext("2.5.29.35", false, &tlv(0x30, &tlv(0x80, &aki)))?);

    // DER INTEGER: minimal, positive.
    let mut serial_bytes: Vec<u8> = serial
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    if serial_bytes.first().is_none_or(|b| b & 0x80 != 0) {
        serial_bytes.insert(0, 0);
    }
    let mut tbs = tlv(0xA0, &[0x02, 0x01, 0x02]);
    tbs.extend_from_slice(&tlv(0x02, &serial_bytes));
    tbs.extend_from_slice(&sig_alg);
    tbs.extend_from_slice(
        &issuer_name
            .to_der()
            .map_err(|e| crate::Usage(e.to_string()))?,
    );
    tbs.extend_from_slice(&tlv(
        0x30,
        &[time(window.not_before)?, time(window.not_after)?].concat(),
    ));
    tbs.extend_from_slice(&name.to_der().map_err(|e| crate::Usage(e.to_string()))?);
    tbs.extend_from_slice(&spki);
    tbs.extend_from_slice(&tlv(0xA3, &tlv(0x30, &exts.concat())));
    let tbs = tlv(0x30, &tbs);

    let digest = DigestAlgorithm::Sha256
        .digest(&tbs)
        .ok_or_else(|| crate::Usage("SHA-256 unavailable".into()))?;
    let sig = issuer_key
        .sign_digest(SignatureScheme::Ecdsa, DigestAlgorithm::Sha256, &digest)
        .map_err(|e| crate::Usage(e.to_string()))?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(&sig);
    let der = tlv(0x30, &[tbs, sig_alg, tlv(0x03, &bits)].concat());
    let cert = smime::Certificate::from_der(&der).map_err(|e| crate::Usage(e.to_string()))?;
    Ok(Issued { cert, key, name })
}

/// The demo PKI: root, intermediate.
pub struct DemoPki {
    pub root: Issued,
    pub intermediate: Issued,
    next_serial: u32,
}

impl DemoPki {
    /// A new root and intermediate.
    pub fn new() -> Result<Self, crate::Usage> {
        let root = issue(
            "CN=smime demo root,O=smime demo",
            Role::Ca,
            None,
            Window::days(3650),
            1,
        )?;
        let intermediate = issue(
            "CN=smime demo intermediate,O=smime demo",
            Role::Ca,
            Some(&root),
            Window::days(1825),
            2,
        )?;
        Ok(DemoPki {
            root,
            intermediate,
            next_serial: 100,
        })
    }

    /// A user certificate issued by the intermediate.
    pub fn user(
        &mut self,
        cn: &str,
        emails: &[&str],
        window: Window,
    ) -> Result<Issued, crate::Usage> {
        self.next_serial += 1;
        issue(
            &format!("CN={cn},O=smime demo"),
            Role::User { emails },
            Some(&self.intermediate),
            window,
            self.next_serial,
        )
    }
}
