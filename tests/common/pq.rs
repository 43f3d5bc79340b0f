//! A test PKI of ML-DSA-signed certificates, built with the x509-cert builder and the
//! RustCrypto `ml-dsa` / `ml-kem` crates (the OpenSSL on the machine cannot make these keys):
//! ML-DSA-44/65/87 CAs (root or intermediate), ML-DSA end entities (digitalSignature,
//! emailProtection, the address as rfc822Name) and ML-KEM end entities (keyEncipherment).
//!
//! Keys come from seeds derived from the certificate's name, so a PKI is reproducible; the
//! private keys are written as PKCS#8 by the crates themselves (seed form), an encoder
//! independent of ours.
#![allow(dead_code)] // each test uses a part

use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode};
use ml_dsa::{MlDsa44, MlDsa65, MlDsa87, MlDsaParams};
use pkcs8::EncodePrivateKey;
use sha2::Digest;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use std::str::FromStr;
use std::time::{Duration, SystemTime};
use x509_cert::TbsCertificate;
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::ext::pkix::constraints::BasicConstraints;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// An ML-DSA level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dsa {
    /// ML-DSA-44.
    L44,
    /// ML-DSA-65.
    L65,
    /// ML-DSA-87.
    L87,
}

impl Dsa {
    /// Every level.
    pub const ALL: [Dsa; 3] = [Dsa::L44, Dsa::L65, Dsa::L87];

    /// The name as the artifacts spell it, with the OID.
    pub fn file_stem(self) -> &'static str {
        match self {
            Dsa::L44 => "ml-dsa-44-2.16.840.1.101.3.4.3.17",
            Dsa::L65 => "ml-dsa-65-2.16.840.1.101.3.4.3.18",
            Dsa::L87 => "ml-dsa-87-2.16.840.1.101.3.4.3.19",
        }
    }
}

/// An ML-KEM level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kem {
    /// ML-KEM-512.
    L512,
    /// ML-KEM-768.
    L768,
    /// ML-KEM-1024.
    L1024,
}

impl Kem {
    /// Every level.
    pub const ALL: [Kem; 3] = [Kem::L512, Kem::L768, Kem::L1024];

    /// The name as the artifacts spell it, with the OID.
    pub fn file_stem(self) -> &'static str {
        match self {
            Kem::L512 => "ml-kem-512-2.16.840.1.101.3.4.4.1",
            Kem::L768 => "ml-kem-768-2.16.840.1.101.3.4.4.2",
            Kem::L1024 => "ml-kem-1024-2.16.840.1.101.3.4.4.3",
        }
    }
}

/// An ML-DSA signing key of any level.
pub enum DsaKey {
    /// ML-DSA-44.
    L44(Box<ml_dsa::SigningKey<MlDsa44>>),
    /// ML-DSA-65.
    L65(Box<ml_dsa::SigningKey<MlDsa65>>),
    /// ML-DSA-87.
    L87(Box<ml_dsa::SigningKey<MlDsa87>>),
}

fn seed32(label: &str) -> [u8; 32] {
    sha2::Sha256::digest(label.as_bytes()).into()
}

impl DsaKey {
    /// The key of `level` whose seed is derived from `label`.
    pub fn derive(level: Dsa, label: &str) -> DsaKey {
        let seed = ml_dsa::Seed::from(seed32(label));
        match level {
            Dsa::L44 => DsaKey::L44(Box::new(ml_dsa::SigningKey::from_seed(&seed))),
            Dsa::L65 => DsaKey::L65(Box::new(ml_dsa::SigningKey::from_seed(&seed))),
            Dsa::L87 => DsaKey::L87(Box::new(ml_dsa::SigningKey::from_seed(&seed))),
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        use signature::Keypair;
        match self {
            DsaKey::L44(k) => k.verifying_key().to_public_key_der(),
            DsaKey::L65(k) => k.verifying_key().to_public_key_der(),
            DsaKey::L87(k) => k.verifying_key().to_public_key_der(),
        }
        .expect("SPKI")
        .as_bytes()
        .to_vec()
    }

    /// The PKCS#8 private key (seed form) as the `ml-dsa` crate writes it.
    pub fn pkcs8_der(&self) -> Vec<u8> {
        match self {
            DsaKey::L44(k) => k.to_pkcs8_der(),
            DsaKey::L65(k) => k.to_pkcs8_der(),
            DsaKey::L87(k) => k.to_pkcs8_der(),
        }
        .expect("PKCS#8")
        .as_bytes()
        .to_vec()
    }

    fn build<P: BuilderProfile>(&self, builder: CertificateBuilder<P>) -> Vec<u8> {
        fn run<P: BuilderProfile, L>(b: CertificateBuilder<P>, k: &ml_dsa::SigningKey<L>) -> Vec<u8>
        where
            L: MlDsaParams + spki::AssociatedAlgorithmIdentifier<Params = der::AnyRef<'static>>,
        {
            b.build::<_, ml_dsa::Signature<L>>(k)
                .expect("certificate")
                .to_der()
                .expect("DER")
        }
        match self {
            DsaKey::L44(k) => run(builder, k.as_ref()),
            DsaKey::L65(k) => run(builder, k.as_ref()),
            DsaKey::L87(k) => run(builder, k.as_ref()),
        }
    }
}

/// An ML-KEM key pair: the DER SubjectPublicKeyInfo and PKCS#8 (seed form, written by the
/// `ml-kem` crate).
pub fn kem_key(level: Kem, label: &str) -> (Vec<u8>, Vec<u8>) {
    let mut seed = [0u8; 64];
    seed[..32].copy_from_slice(&seed32(&format!("{label}/d")));
    seed[32..].copy_from_slice(&seed32(&format!("{label}/z")));
    macro_rules! run {
        ($p:ty) => {{
            let dk = ml_kem::DecapsulationKey::<$p>::from_seed(seed.into());
            let spki = dk
                .encapsulation_key()
                .to_public_key_der()
                .expect("SPKI")
                .as_bytes()
                .to_vec();
            let pkcs8 = dk.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
            (spki, pkcs8)
        }};
    }
    match level {
        Kem::L512 => run!(ml_kem::MlKem512),
        Kem::L768 => run!(ml_kem::MlKem768),
        Kem::L1024 => run!(ml_kem::MlKem1024),
    }
}

/// What a certificate is for.
#[derive(Clone)]
struct Profile {
    subject: Name,
    issuer: Name,
    ca: bool,
    key_usage: KeyUsage,
    email: Option<String>,
}

fn key_id(spki: SubjectPublicKeyInfoRef<'_>) -> OctetString {
    let digest = sha1::Sha1::digest(spki.subject_public_key.raw_bytes());
    OctetString::new(digest.to_vec()).expect("key id")
}

fn ext<E>(value: E, subject: &Name) -> Extension
where
    for<'a> &'a E: ToExtension,
{
    (&value).to_extension(subject, &[]).ok().expect("extension")
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let s = &self.subject;
        let mut out = vec![
            ext(
                BasicConstraints {
                    ca: self.ca,
                    path_len_constraint: None,
                },
                s,
            ),
            ext(self.key_usage, s),
            ext(SubjectKeyIdentifier(key_id(spk)), s),
            ext(
                AuthorityKeyIdentifier {
                    key_identifier: Some(key_id(issuer_spk)),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                s,
            ),
        ];
        if !self.ca {
            out.push(ext(
                ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_EMAIL_PROTECTION]),
                s,
            ));
        }
        if let Some(email) = &self.email {
            out.push(ext(
                SubjectAltName(vec![GeneralName::Rfc822Name(
                    Ia5String::new(email).expect("address"),
                )]),
                s,
            ));
        }
        Ok(out)
    }
}

fn validity() -> Validity {
    let now = SystemTime::now();
    Validity::new(
        Time::try_from(now - Duration::from_secs(86_400)).expect("time"),
        Time::try_from(now + Duration::from_secs(10 * 365 * 86_400)).expect("time"),
    )
}

fn serial(label: &str) -> SerialNumber {
    let mut bytes = seed32(label)[..16].to_vec();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).expect("serial")
}

/// A certificate and, for an end entity, its private key.
pub struct PqCert {
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// The private key (PKCS#8 DER).
    pub key: Vec<u8>,
}

impl PqCert {
    /// As the library's certificate type.
    pub fn certificate(&self) -> smime::Certificate {
        smime::Certificate::from_der(&self.der).expect("certificate")
    }

    /// As a signing identity (certificate and software key).
    pub fn identity(&self) -> smime::Identity {
        let key = smime::SoftwareKey::from_bytes(&self.key).expect("key");
        smime::Identity::new(std::sync::Arc::new(key), self.certificate()).expect("identity")
    }
}

/// An ML-DSA certificate authority.
pub struct PqCa {
    /// The level of its key.
    pub level: Dsa,
    /// Its certificate (DER).
    pub der: Vec<u8>,
    name: Name,
    key: DsaKey,
}

impl PqCa {
    /// A self-signed root named `CN=<cn>`.
    pub fn root(level: Dsa, cn: &str) -> PqCa {
        let name = Name::from_str(&format!("CN={cn}")).expect("name");
        let key = DsaKey::derive(level, cn);
        let der = issue(&key, &name, &name, &key.spki_der(), true, None, cn);
        PqCa {
            level,
            der,
            name,
            key,
        }
    }

    /// An intermediate CA of `level` issued by this one.
    pub fn intermediate(&self, level: Dsa, cn: &str) -> PqCa {
        let name = Name::from_str(&format!("CN={cn}")).expect("name");
        let key = DsaKey::derive(level, cn);
        let der = issue(
            &self.key,
            &self.name,
            &name,
            &key.spki_der(),
            true,
            None,
            cn,
        );
        PqCa {
            level,
            der,
            name,
            key,
        }
    }

    /// As the library's certificate type.
    pub fn certificate(&self) -> smime::Certificate {
        smime::Certificate::from_der(&self.der).expect("certificate")
    }

    /// An ML-DSA end entity for `email` (digitalSignature, nonRepudiation, emailProtection).
    pub fn ml_dsa_leaf(&self, level: Dsa, cn: &str, email: &str) -> PqCert {
        let key = DsaKey::derive(level, cn);
        let subject = Name::from_str(&format!("CN={cn}")).expect("name");
        let der = issue(
            &self.key,
            &self.name,
            &subject,
            &key.spki_der(),
            false,
            Some(email),
            cn,
        );
        PqCert {
            der,
            key: key.pkcs8_der(),
        }
    }

    /// An ML-KEM end entity for `email` (keyEncipherment, emailProtection).
    pub fn ml_kem_leaf(&self, level: Kem, cn: &str, email: &str) -> PqCert {
        let (spki, key) = kem_key(level, cn);
        let subject = Name::from_str(&format!("CN={cn}")).expect("name");
        let der = issue(
            &self.key,
            &self.name,
            &subject,
            &spki,
            false,
            Some(email),
            cn,
        );
        PqCert { der, key }
    }
}

fn issue(
    issuer_key: &DsaKey,
    issuer: &Name,
    subject: &Name,
    spki_der: &[u8],
    ca: bool,
    email: Option<&str>,
    label: &str,
) -> Vec<u8> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der).expect("SPKI");
    let is_kem = spki
        .algorithm
        .oid
        .to_string()
        .starts_with("2.16.840.1.101.3.4.4.");
    let key_usage = if ca {
        KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature)
    } else if is_kem {
        KeyUsage(KeyUsages::KeyEncipherment.into())
    } else {
        KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
    };
    let profile = Profile {
        subject: subject.clone(),
        issuer: issuer.clone(),
        ca,
        key_usage,
        email: email.map(str::to_string),
    };
    let builder =
        CertificateBuilder::new(profile, serial(label), validity(), spki).expect("builder");
    issuer_key.build(builder)
}
