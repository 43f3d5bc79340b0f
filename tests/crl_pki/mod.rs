#![allow(dead_code)]
//! Certificates and CRLs built in the test with x509-cert types and P-256 keys, so that any
//! CRL or certificate extension can be expressed. Keys are derived from labels (deterministic).

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{BitString, OctetString};
use der::{Any, Decode, Encode, Sequence};
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePublicKey;
use sha2::Digest;
use signature::Signer;
use signature::hazmat::PrehashSigner;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint, ReasonFlags};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// 2026-01-01T00:00:00Z: the time every test validates at.
pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

/// `now()` shifted by `days` (negative: earlier).
pub fn day(days: i64) -> SystemTime {
    let secs = days.unsigned_abs() * 86_400;
    if days < 0 {
        now() - Duration::from_secs(secs)
    } else {
        now() + Duration::from_secs(secs)
    }
}

fn time(t: SystemTime) -> Time {
    Time::try_from(t).expect("time in range")
}

/// A P-256 key derived from `label`.
pub fn key(label: &str) -> SigningKey {
    let seed = sha2::Sha256::digest(label.as_bytes());
    SigningKey::from_slice(&seed).expect("valid scalar")
}

fn spki(key: &SigningKey) -> SubjectPublicKeyInfoOwned {
    let der = key
        .verifying_key()
        .to_public_key_der()
        .expect("encode public key");
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).expect("decode SPKI")
}

/// ecdsa-with-SHA256.
pub fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
        parameters: None,
    }
}

/// ecdsa-with-SHA1.
pub fn ecdsa_sha1() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.1"),
        parameters: None,
    }
}

/// Signs `message` with `key` under `alg` (ecdsa-with-SHA256 or ecdsa-with-SHA1), DER.
fn sign(key: &SigningKey, alg: &AlgorithmIdentifierOwned, message: &[u8]) -> Vec<u8> {
    if *alg == ecdsa_sha1() {
        let digest = sha1::Sha1::digest(message);
        let sig: p256::ecdsa::Signature = key.sign_prehash(&digest).expect("sign");
        sig.to_der().as_bytes().to_vec()
    } else {
        let sig: p256::ecdsa::Signature = key.sign(message);
        sig.to_der().as_bytes().to_vec()
    }
}

/// A name from an RFC 4514 string.
pub fn name(s: &str) -> Name {
    Name::from_str(s).expect("valid name")
}

/// An extension with a DER-encodable value.
pub fn ext(oid: &str, critical: bool, value: &impl Encode) -> Extension {
    Extension {
        extn_id: const_oid::ObjectIdentifier::new_unwrap(oid),
        critical,
        extn_value: OctetString::new(value.to_der().expect("encode extension")).expect("octets"),
    }
}

/// A URI general name.
pub fn uri(s: &str) -> GeneralName {
    GeneralName::UniformResourceIdentifier(der::asn1::Ia5String::new(s).expect("IA5"))
}

/// A directoryName general name.
pub fn dn(s: &str) -> GeneralName {
    GeneralName::DirectoryName(name(s))
}

/// A distribution point with a full name, reasons and cRLIssuer.
pub fn dp(
    names: Option<Vec<GeneralName>>,
    reasons: Option<ReasonFlags>,
    crl_issuer: Option<Vec<GeneralName>>,
) -> DistributionPoint {
    DistributionPoint {
        distribution_point: names.map(DistributionPointName::FullName),
        reasons,
        crl_issuer,
    }
}

/// What a certificate should look like.
pub struct CertSpec {
    /// Subject name (RFC 4514).
    pub subject: String,
    /// Serial number.
    pub serial: u64,
    /// basicConstraints cA.
    pub ca: bool,
    /// keyUsage (None: no extension).
    pub key_usage: Option<der::flagset::FlagSet<KeyUsages>>,
    /// cRLDistributionPoints (None: no extension).
    pub crl_dps: Option<Vec<DistributionPoint>>,
    /// freshestCRL (None: no extension).
    pub freshest: Option<Vec<DistributionPoint>>,
}

impl CertSpec {
    /// A CA certificate with keyUsage keyCertSign and cRLSign.
    pub fn ca(subject: &str, serial: u64) -> Self {
        CertSpec {
            subject: subject.to_string(),
            serial,
            ca: true,
            key_usage: Some(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            crl_dps: None,
            freshest: None,
        }
    }

    /// An end-entity certificate with keyUsage digitalSignature.
    pub fn leaf(subject: &str, serial: u64) -> Self {
        CertSpec {
            subject: subject.to_string(),
            serial,
            ca: false,
            key_usage: Some(KeyUsages::DigitalSignature.into()),
            crl_dps: None,
            freshest: None,
        }
    }
}

/// The to-be-signed part of a certificate, with every field under the test's control.
#[derive(Sequence)]
struct Tbs {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct Signed {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Issues a certificate for `subject_key` under `spec`, signed by `issuer_key` in the name
/// `issuer`, valid from a year before `now()` to four years after.
pub fn issue_cert(
    spec: &CertSpec,
    subject_key: &SigningKey,
    issuer: &str,
    issuer_key: &SigningKey,
) -> Certificate {
    let mut exts = Vec::new();
    exts.push(ext(
        "2.5.29.19",
        true,
        &BasicConstraints {
            ca: spec.ca,
            path_len_constraint: None,
        },
    ));
    if let Some(ku) = spec.key_usage {
        exts.push(ext("2.5.29.15", true, &KeyUsage(ku)));
    }
    if let Some(dps) = &spec.crl_dps {
        exts.push(ext("2.5.29.31", false, dps));
    }
    if let Some(dps) = &spec.freshest {
        exts.push(ext("2.5.29.46", false, dps));
    }
    let alg = ecdsa_sha256();
    let tbs = Tbs {
        version: 2,
        serial: SerialNumber::from(spec.serial),
        signature: alg.clone(),
        issuer: name(issuer),
        validity: Validity::new(time(day(-365)), time(day(4 * 365))),
        subject: name(&spec.subject),
        spki: spki(subject_key),
        extensions: Some(exts),
    };
    let tbs_der = tbs.to_der().expect("encode TBS");
    let signature = sign(issuer_key, &alg, &tbs_der);
    let cert = Signed {
        tbs: Any::from_der(&tbs_der).expect("TBS as Any"),
        algorithm: alg,
        signature: BitString::from_bytes(&signature).expect("bits"),
    };
    Certificate::from_der(&cert.to_der().expect("encode certificate")).expect("decode certificate")
}

/// A certification authority: name, key, certificate.
pub struct Ca {
    /// Subject name (RFC 4514).
    pub name: String,
    /// Its key.
    pub key: SigningKey,
    /// Its certificate.
    pub cert: Certificate,
}

impl Ca {
    /// A self-signed root.
    pub fn root(cn: &str) -> Ca {
        let key = key(cn);
        let name = format!("CN={cn}");
        let cert = issue_cert(&CertSpec::ca(&name, 1), &key, &name, &key);
        Ca { name, key, cert }
    }

    /// A CA certificate issued by `self`.
    pub fn sub_ca(&self, cn: &str, serial: u64) -> Ca {
        self.sub_ca_with(&CertSpec::ca(&format!("CN={cn}"), serial), cn)
    }

    /// A CA certificate issued by `self` under `spec`, with the key of label `key_label`.
    pub fn sub_ca_with(&self, spec: &CertSpec, key_label: &str) -> Ca {
        let key = key(key_label);
        let cert = issue_cert(spec, &key, &self.name, &self.key);
        Ca {
            name: spec.subject.clone(),
            key,
            cert,
        }
    }

    /// An end-entity (or any) certificate issued by `self`.
    pub fn issue(&self, spec: &CertSpec) -> Certificate {
        issue_cert(spec, &key(&spec.subject), &self.name, &self.key)
    }
}

/// One entry of a CRL.
#[derive(Clone)]
pub struct EntrySpec {
    /// The serial number revoked.
    pub serial: u64,
    /// The revocation date.
    pub date: SystemTime,
    /// reasonCode.
    pub reason: Option<CrlReason>,
    /// certificateIssuer (critical, as RFC 5280 requires).
    pub certificate_issuer: Option<Vec<GeneralName>>,
    /// Further entry extensions.
    pub extra: Vec<Extension>,
}

/// An entry revoking `serial` on `day(-10)` for `reason`.
pub fn entry(serial: u64, reason: Option<CrlReason>) -> EntrySpec {
    EntrySpec {
        serial,
        date: day(-10),
        reason,
        certificate_issuer: None,
        extra: Vec::new(),
    }
}

/// What a CRL should look like.
#[derive(Clone)]
pub struct CrlSpec {
    /// Issuer name (RFC 4514).
    pub issuer: String,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: Option<SystemTime>,
    /// Entries.
    pub entries: Vec<EntrySpec>,
    /// cRLNumber.
    pub number: Option<u64>,
    /// deltaCRLIndicator (the base CRL number): makes it a delta CRL.
    pub delta_base: Option<u64>,
    /// issuingDistributionPoint.
    pub idp: Option<IssuingDistributionPoint>,
    /// Further CRL extensions.
    pub extra: Vec<Extension>,
    /// The signature algorithm.
    pub alg: AlgorithmIdentifierOwned,
    /// An issuer name used as is instead of `issuer` (for encodings RFC 4514 cannot choose).
    pub issuer_name: Option<Name>,
}

impl CrlSpec {
    /// A complete CRL from `issuer` with `entries`, issued yesterday, next update in a week.
    pub fn new(issuer: &str, entries: Vec<EntrySpec>) -> Self {
        CrlSpec {
            issuer: issuer.to_string(),
            this_update: day(-1),
            next_update: Some(day(7)),
            entries,
            number: Some(1),
            delta_base: None,
            idp: None,
            extra: Vec::new(),
            alg: ecdsa_sha256(),
            issuer_name: None,
        }
    }

    /// Signs the CRL with `key`, DER.
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        let revoked: Vec<RevokedCert> = self
            .entries
            .iter()
            .map(|e| {
                let mut exts = Vec::new();
                if let Some(r) = e.reason {
                    exts.push(ext("2.5.29.21", false, &r));
                }
                if let Some(ci) = &e.certificate_issuer {
                    exts.push(ext("2.5.29.29", true, ci));
                }
                exts.extend(e.extra.iter().cloned());
                RevokedCert {
                    serial_number: SerialNumber::from(e.serial),
                    revocation_date: time(e.date),
                    crl_entry_extensions: (!exts.is_empty()).then_some(exts),
                }
            })
            .collect();
        let mut exts = Vec::new();
        if let Some(n) = self.number {
            exts.push(ext(
                "2.5.29.20",
                false,
                &der::asn1::Uint::new(&n.to_be_bytes()).expect("uint"),
            ));
        }
        if let Some(b) = self.delta_base {
            exts.push(ext(
                "2.5.29.27",
                true,
                &der::asn1::Uint::new(&b.to_be_bytes()).expect("uint"),
            ));
        }
        if let Some(idp) = &self.idp {
            exts.push(ext("2.5.29.28", true, idp));
        }
        exts.extend(self.extra.iter().cloned());
        let tbs = TbsCertList {
            version: Version::V2,
            signature: self.alg.clone(),
            issuer: self
                .issuer_name
                .clone()
                .unwrap_or_else(|| name(&self.issuer)),
            this_update: time(self.this_update),
            next_update: self.next_update.map(time),
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: (!exts.is_empty()).then_some(exts),
        };
        let tbs_der = tbs.to_der().expect("encode TBSCertList");
        let signature = sign(key, &self.alg, &tbs_der);
        let crl = CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: self.alg.clone(),
            signature: BitString::from_bytes(&signature).expect("bits"),
        };
        crl.to_der().expect("encode CRL")
    }
}

/// A one-attribute name `CN=<value>` whose value has the given string tag.
pub fn cn_with_tag(tag: der::Tag, value: &str) -> Name {
    let atv = x509_cert::attr::AttributeTypeAndValue {
        oid: const_oid::ObjectIdentifier::new_unwrap("2.5.4.3"),
        value: Any::new(tag, value.as_bytes()).expect("value"),
    };
    let rdn = x509_cert::name::RelativeDistinguishedName::try_from(vec![atv]).expect("RDN");
    let seq = x509_cert::name::RdnSequence::from(vec![rdn]);
    Name::from_der(&seq.to_der().expect("encode")).expect("name")
}

/// An issuingDistributionPoint with nothing set.
pub fn idp() -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        distribution_point: None,
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    }
}

/// The usual hierarchy: root, intermediate, and a leaf (serial 100) issued by the intermediate.
pub struct Hierarchy {
    /// The root (trust anchor).
    pub root: Ca,
    /// The intermediate CA (serial 10).
    pub inter: Ca,
    /// The leaf.
    pub leaf: Certificate,
}

impl Hierarchy {
    /// Root "Root", intermediate "Intermediate", leaf "CN=alice" made from `leaf_spec`.
    pub fn new(leaf_spec: &CertSpec) -> Hierarchy {
        let root = Ca::root("Root");
        let inter = root.sub_ca("Intermediate", 10);
        let leaf = inter.issue(leaf_spec);
        Hierarchy { root, inter, leaf }
    }

    /// The default hierarchy, with a plain leaf.
    pub fn plain() -> Hierarchy {
        Hierarchy::new(&CertSpec::leaf("CN=alice", 100))
    }

    /// The path, end entity first.
    pub fn path(&self) -> Vec<Certificate> {
        vec![
            self.leaf.clone(),
            self.inter.cert.clone(),
            self.root.cert.clone(),
        ]
    }

    /// An empty CRL from the root (covers the intermediate).
    pub fn root_crl(&self) -> Vec<u8> {
        CrlSpec::new(&self.root.name, vec![]).sign(&self.root.key)
    }
}
