//! What the benchmarks (`benches/cms.rs`) and the peak-memory program (`src/bin/rss.rs`)
//! share: a small PKI made with the `openssl` crate at start (a P-256 CA, an RSA-2048 and a
//! P-256 end entity for `alice@example.com`), the same keys in both libraries' forms, and the
//! test message: a mail with a base64 attachment, as a mail application hands it over.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509, X509NameBuilder};
use smime::{Certificate, Identity, SoftwareKey};
use std::error::Error;
use std::sync::Arc;

/// The address of the end entities, in their certificates and in the message's From.
pub const ADDRESS: &str = "alice@example.com";

/// A boxed error: setup fails loudly, it does not measure anything.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// The two key types measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// RSA with a 2048-bit modulus (PKCS#1 v1.5 signatures and key transport).
    Rsa2048,
    /// ECDSA and ECDH on NIST P-256.
    P256,
}

impl KeyType {
    /// Both, in the order the tables list them.
    pub const ALL: [KeyType; 2] = [KeyType::Rsa2048, KeyType::P256];

    /// The name used in benchmark ids and tables.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa2048 => "rsa2048",
            KeyType::P256 => "p256",
        }
    }
}

/// One end entity, in both libraries' forms.
pub struct EndEntity {
    /// The key type.
    pub kind: KeyType,
    /// OpenSSL's key.
    pub pkey: PKey<Private>,
    /// OpenSSL's certificate.
    pub x509: X509,
    /// The key and certificate for this library.
    pub identity: Identity,
    /// The certificate for this library.
    pub certificate: Certificate,
}

/// The PKI of a run: a CA and one end entity per key type.
pub struct Pki {
    /// The CA certificate (OpenSSL form).
    pub ca_x509: X509,
    /// The CA certificate (this library's form), the trust anchor of verification.
    pub ca: Certificate,
    /// The end entities, in the order of [`KeyType::ALL`].
    pub entities: Vec<EndEntity>,
}

impl Pki {
    /// Generates the CA and the end entities (about 0.1 s, mostly the RSA key).
    pub fn generate() -> Result<Pki, BoxError> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let ca_key = PKey::from_ec_key(EcKey::generate(&group)?)?;
        let ca_x509 = ca_certificate(&ca_key)?;
        let mut entities = Vec::new();
        for kind in KeyType::ALL {
            let pkey = match kind {
                KeyType::Rsa2048 => PKey::from_rsa(Rsa::generate(2048)?)?,
                KeyType::P256 => PKey::from_ec_key(EcKey::generate(&group)?)?,
            };
            let x509 = end_entity_certificate(&pkey, kind, &ca_key, &ca_x509)?;
            let der = x509.to_der()?;
            let certificate = Certificate::from_der(&der)?;
            let key = SoftwareKey::from_pkcs8_der(&pkey.private_key_to_pkcs8()?)?;
            let identity = Identity::new(Arc::new(key), certificate.clone())?;
            entities.push(EndEntity {
                kind,
                pkey,
                x509,
                identity,
                certificate,
            });
        }
        let ca = Certificate::from_der(&ca_x509.to_der()?)?;
        Ok(Pki {
            ca_x509,
            ca,
            entities,
        })
    }

    /// The end entity of `kind`.
    pub fn entity(&self, kind: KeyType) -> &EndEntity {
        let index = KeyType::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        &self.entities[index]
    }

    /// An OpenSSL certificate store holding the CA as the only trust anchor.
    pub fn openssl_store(&self) -> Result<X509Store, BoxError> {
        let mut builder = X509StoreBuilder::new()?;
        builder.add_cert(self.ca_x509.clone())?;
        Ok(builder.build())
    }

    /// This library's verification options: the CA as the trust anchor, the default policy.
    pub fn verify_options(&self) -> smime::VerifyOptions {
        smime::VerifyOptions {
            trust_anchors: vec![self.ca.clone()],
            ..smime::VerifyOptions::default()
        }
    }
}

fn name(common_name: &str) -> Result<openssl::x509::X509Name, BoxError> {
    let mut b = X509NameBuilder::new()?;
    b.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Benchmark")?;
    b.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    Ok(b.build())
}

fn serial() -> Result<openssl::asn1::Asn1Integer, BoxError> {
    let mut bn = BigNum::new()?;
    bn.rand(127, MsbOption::MAYBE_ZERO, false)?;
    Ok(bn.to_asn1_integer()?)
}

fn ca_certificate(key: &PKey<Private>) -> Result<X509, BoxError> {
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let serial = serial()?;
    b.set_serial_number(&serial)?;
    let n = name("Benchmark CA")?;
    b.set_subject_name(&n)?;
    b.set_issuer_name(&n)?;
    b.set_pubkey(key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    b.set_not_before(&not_before)?;
    let not_after = Asn1Time::days_from_now(3650)?;
    b.set_not_after(&not_after)?;
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

fn end_entity_certificate(
    key: &PKey<Private>,
    kind: KeyType,
    ca_key: &PKey<Private>,
    ca: &X509,
) -> Result<X509, BoxError> {
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let serial = serial()?;
    b.set_serial_number(&serial)?;
    let subject = name(&format!("Alice ({})", kind.name()))?;
    b.set_subject_name(&subject)?;
    b.set_issuer_name(ca.subject_name())?;
    b.set_pubkey(key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    b.set_not_before(&not_before)?;
    let not_after = Asn1Time::days_from_now(365)?;
    b.set_not_after(&not_after)?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    let mut ku = KeyUsage::new();
    ku.critical().digital_signature();
    match kind {
        KeyType::Rsa2048 => ku.key_encipherment(),
        KeyType::P256 => ku.key_agreement(),
    };
    b.append_extension(ku.build()?)?;
    b.append_extension(ExtendedKeyUsage::new().email_protection().build()?)?;
    let san = SubjectAlternativeName::new()
        .email(ADDRESS)
        .build(&b.x509v3_context(Some(ca), None))?;
    b.append_extension(san)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(ca), None))?;
    b.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(ca), None))?;
    b.append_extension(aki)?;
    b.sign(ca_key, MessageDigest::sha256())?;
    Ok(b.build())
}

/// The header block of the test message, up to and including the blank line.
pub fn message_head() -> String {
    format!(
        "From: Alice <{ADDRESS}>\r\n\
         To: Bob <bob@example.com>\r\n\
         Subject: the quarterly figures\r\n\
         Date: Tue, 1 Dec 2026 12:00:00 +0000\r\n\
         Message-ID: <bench@example.com>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: application/octet-stream; name=\"figures.bin\"\r\n\
         Content-Disposition: attachment; filename=\"figures.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n"
    )
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Pseudo-random attachment lines for a message: each 76 base64 characters and CRLF, the form
/// a mail client writes. `state` is a xorshift64 state, advanced.
pub fn body_line(state: &mut u64, out: &mut Vec<u8>) {
    for _ in 0..76 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        out.push(ALPHABET[(*state >> 58) as usize]);
    }
    out.extend_from_slice(b"\r\n");
}

/// A test message of exactly `size` bytes (at least the header block plus one line): the
/// header block of [`message_head`] and a base64 attachment of pseudo-random bytes, 7-bit,
/// CRLF line ends, so that both multipart/signed and opaque signing accept it.
pub fn message(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 80);
    out.extend_from_slice(message_head().as_bytes());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    while out.len() + 78 <= size {
        body_line(&mut state, &mut out);
    }
    // The last line: shorter, a multiple of four characters, then CRLF (or nothing).
    let left = size.saturating_sub(out.len());
    if left >= 6 {
        let chars = (left - 2) / 4 * 4;
        let mut line = Vec::with_capacity(78);
        body_line(&mut state, &mut line);
        out.extend_from_slice(&line[..chars]);
        out.extend_from_slice(b"\r\n");
    }
    // Pad with CRLFs (blank lines at the end of a base64 body are ignored by decoders), and an
    // odd byte as a space before the last line end (white space in base64 is skipped too).
    if (size - out.len()) % 2 == 1 {
        let at = out.len() - 2;
        out.insert(at, b' ');
    }
    while out.len() < size {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The MIME entity of the message: what multipart/signed and the enveloped content cover
/// (the `Content-*` fields, the blank line and the body), the bytes OpenSSL is given.
pub fn entity(message: &[u8]) -> Vec<u8> {
    let head = message_head();
    let start = head.find("Content-Type").unwrap_or(0);
    message[start..].to_vec()
}

/// A human-readable size: 1KiB, 1MiB, 64MiB.
pub fn size_name(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{}MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{}KiB", size >> 10)
    } else {
        format!("{size}B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_exact_size_and_are_seven_bit_crlf() {
        for size in [1024, 4096, 1 << 20, 1000, 777] {
            let m = message(size);
            assert_eq!(m.len(), size);
            assert!(m.is_ascii());
            assert!(!m.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
            let e = entity(&m);
            assert!(e.starts_with(b"Content-Type: application/octet-stream"));
        }
    }

    #[test]
    fn both_libraries_sign_verify_encrypt_and_decrypt_with_the_generated_pki() {
        let pki = Pki::generate().unwrap();
        let msg = message(4096);
        for ee in &pki.entities {
            let signed = smime::sign(
                &msg,
                std::slice::from_ref(&ee.identity),
                &smime::SignOptions::default(),
            )
            .unwrap();
            let report = smime::verify(&signed, &pki.verify_options()).unwrap();
            assert_eq!(report.verdict(), smime::Verdict::Trusted, "{:?}", ee.kind);
            let enc = smime::encrypt(
                &msg,
                std::slice::from_ref(&ee.certificate),
                &smime::EncryptOptions::default(),
            )
            .unwrap();
            let dec = smime::decrypt(
                &enc,
                std::slice::from_ref(&ee.identity),
                &smime::Policy::default(),
            )
            .unwrap();
            assert_eq!(dec.content, entity(&msg));
        }
    }
}
