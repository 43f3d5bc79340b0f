//! Synthetic certificates for the keyring benchmarks: one P-256 CA that issues any number of
//! distinct S/MIME end-entity certificates quickly.
//!
//! Each end-entity certificate is a hand-encoded DER `TBSCertificate` with an ECDSA P-256
//! SHA-256 signature. Only the certificates the caller asks for are really signed by the CA's
//! key (those the benchmarks validate); the others carry one fixed signature value of the same
//! size, which does not match their contents. One P-256 signature takes about 150 µs on the
//! machine the figures were taken on, so signing all 100,000 would take 8 s or more on two
//! cores, whereas lookups, loading and saving never check a certificate's signature: what they
//! parse, hash and index is the same either way. Per certificate `i` there is:
//!
//! - a unique 16-byte serial number (`01 00..00` followed by `i` as a big-endian `u64`);
//! - a unique subject `CN=User {i}, O=Example {i % 97}`;
//! - a unique subjectAltName rfc822Name, [`address`]`(i)` = `user{i}@example{i % 97}.com`;
//! - a unique subjectKeyIdentifier (20 bytes of SHA-256 over the serial number), and an
//!   authorityKeyIdentifier naming the CA;
//! - keyUsage digitalSignature + keyAgreement (critical), extKeyUsage emailProtection;
//! - validity from one day before generation to two years after it.
//!
//! Every end-entity certificate carries the *same* P-256 subject public key: lookups index
//! addresses, issuer and serial, and key identifiers, never the key itself, and chain
//! validation checks the CA's signature over each certificate, not the subject key. Generating
//! one key per certificate would only make the set slower to build.

use der::Encode;
use der::asn1::UtcTime;
use elliptic_curve::Generate;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use sha2::{Digest, Sha256};
use signature::Signer;
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use const_oid::db::{rfc4519, rfc5280, rfc5912};

/// The rfc822Name of certificate `i`.
pub fn address(i: usize) -> String {
    format!("user{i}@example{}.com", i % 97)
}

/// The DER encoding of a tag, a definite length and `parts` concatenated.
fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 4);
    out.push(tag);
    match len {
        0..0x80 => out.push(len as u8),
        0x80..0x100 => out.extend([0x81, len as u8]),
        0x100..0x1_0000 => out.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => panic!("element too long for this encoder: {len} bytes"),
    }
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, parts)
}

fn oid(o: ObjectIdentifier) -> Vec<u8> {
    o.to_der().expect("OID encodes")
}

/// `Name` with a commonName and an organizationName, each in its own RDN.
fn name(cn: &str, o: &str) -> Vec<u8> {
    let rdn = |attr: ObjectIdentifier, value: &str| {
        tlv(
            0x31,
            &[&seq(&[&oid(attr), &tlv(0x0c, &[value.as_bytes()])])],
        )
    };
    seq(&[&rdn(rfc4519::CN, cn), &rdn(rfc4519::O, o)])
}

/// One `Extension`; `critical` is encoded only when true (DER omits the default).
fn extension(id: ObjectIdentifier, critical: bool, value: &[u8]) -> Vec<u8> {
    let id = oid(id);
    let value = tlv(0x04, &[value]);
    if critical {
        seq(&[&id, &[0x01, 0x01, 0xff], &value])
    } else {
        seq(&[&id, &value])
    }
}

fn utc_time(t: SystemTime) -> Vec<u8> {
    UtcTime::from_system_time(t)
        .and_then(|t| t.to_der())
        .expect("time encodes as UTCTime")
}

/// A certification authority with a P-256 key, and the parts of its end-entity certificates
/// that do not change from one certificate to the next.
pub struct Ca {
    key: SigningKey,
    certificate: Vec<u8>,
    /// `AlgorithmIdentifier` ecdsa-with-SHA256 (no parameters).
    sig_alg: Vec<u8>,
    /// The CA's subject, the issuer of every end-entity certificate.
    name: Vec<u8>,
    validity: Vec<u8>,
    /// The end-entity `SubjectPublicKeyInfo`, shared by all end-entity certificates.
    leaf_spki: Vec<u8>,
    /// Extensions common to all end-entity certificates: keyUsage, extKeyUsage and
    /// authorityKeyIdentifier.
    leaf_common_extensions: Vec<u8>,
    /// The signature value (DER `ECDSA-Sig-Value`) of the certificates not really signed.
    fixed_signature: Vec<u8>,
}

impl Ca {
    /// A new CA with fresh keys (RNG: the operating system's), its self-signed certificate
    /// valid from a day ago for two years.
    pub fn new() -> Ca {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = SigningKey::generate_from_rng(&mut rng);
        let leaf_key = SigningKey::generate_from_rng(&mut rng);

        let now = SystemTime::now();
        let day = Duration::from_secs(86_400);
        let validity = seq(&[&utc_time(now - day), &utc_time(now + 730 * day)]);
        let sig_alg = seq(&[&oid(rfc5912::ECDSA_WITH_SHA_256)]);
        let name = name("Keyring Bench CA", "smime benchmarks");
        let ca_spki = key
            .verifying_key()
            .to_public_key_der()
            .expect("CA public key encodes")
            .into_vec();
        let ca_ski: Vec<u8> = Sha256::digest(&ca_spki)[..20].to_vec();

        let extensions = [
            // basicConstraints cA TRUE
            extension(
                rfc5280::ID_CE_BASIC_CONSTRAINTS,
                true,
                &seq(&[&[0x01, 0x01, 0xff]]),
            ),
            // keyUsage keyCertSign, cRLSign
            extension(rfc5280::ID_CE_KEY_USAGE, true, &[0x03, 0x02, 0x01, 0x06]),
            extension(
                rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                false,
                &tlv(0x04, &[&ca_ski]),
            ),
        ];
        let ext_refs: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
        let tbs = seq(&[
            &[0xa0, 0x03, 0x02, 0x01, 0x02], // version v3
            &[0x02, 0x01, 0x01],             // serial 1
            &sig_alg,
            &name,
            &validity,
            &name,
            &ca_spki,
            &tlv(0xa3, &[&seq(&ext_refs)]),
        ]);
        let certificate = sign(&key, &sig_alg, tbs);

        let leaf_common_extensions = [
            // keyUsage digitalSignature, keyAgreement: bits 0 and 4, 3 unused bits
            extension(rfc5280::ID_CE_KEY_USAGE, true, &[0x03, 0x02, 0x03, 0x88]),
            extension(
                rfc5280::ID_CE_EXT_KEY_USAGE,
                false,
                &seq(&[&oid(rfc5280::ID_KP_EMAIL_PROTECTION)]),
            ),
            // AuthorityKeyIdentifier { keyIdentifier [0] IMPLICIT }
            extension(
                rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                false,
                &seq(&[&tlv(0x80, &[&ca_ski])]),
            ),
        ]
        .concat();

        let fixed_signature: DerSignature = key.sign(b"fixed signature of unsigned certificates");
        Ca {
            fixed_signature: fixed_signature.as_bytes().to_vec(),
            leaf_spki: leaf_key
                .verifying_key()
                .to_public_key_der()
                .expect("leaf public key encodes")
                .into_vec(),
            key,
            certificate,
            sig_alg,
            name,
            validity,
            leaf_common_extensions,
        }
    }

    /// The CA's self-signed certificate (DER), to use as the trust anchor.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// End-entity certificate `i` (DER), signed by the CA when `signed`, otherwise with the
    /// fixed signature value.
    pub fn issue(&self, i: usize, signed: bool) -> Vec<u8> {
        let mut serial = [0u8; 16];
        serial[0] = 0x01;
        serial[8..].copy_from_slice(&(i as u64).to_be_bytes());
        let ski = &Sha256::digest(serial)[..20];
        let san = seq(&[&tlv(0x81, &[address(i).as_bytes()])]);
        let subject = name(&format!("User {i}"), &format!("Example {}", i % 97));
        let extensions = seq(&[
            &self.leaf_common_extensions,
            &extension(rfc5280::ID_CE_SUBJECT_ALT_NAME, false, &san),
            &extension(
                rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                false,
                &tlv(0x04, &[ski]),
            ),
        ]);
        let tbs = seq(&[
            &[0xa0, 0x03, 0x02, 0x01, 0x02],
            &tlv(0x02, &[&serial]),
            &self.sig_alg,
            &self.name,
            &self.validity,
            &subject,
            &self.leaf_spki,
            &tlv(0xa3, &[&extensions]),
        ]);
        if signed {
            sign(&self.key, &self.sig_alg, tbs)
        } else {
            assemble(&tbs, &self.sig_alg, &self.fixed_signature)
        }
    }

    /// End-entity certificates `0..n` (DER), in order, issued on every available core; those
    /// whose index `signed` accepts are really signed, the others carry the fixed signature.
    pub fn issue_many(&self, n: usize, signed: &(dyn Fn(usize) -> bool + Sync)) -> Vec<Vec<u8>> {
        let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
        let chunk = n.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|start| {
                    s.spawn(move || {
                        (start..(start + chunk).min(n))
                            .map(|i| self.issue(i, signed(i)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("certificate thread panicked"))
                .collect()
        })
    }
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`, with
/// `signature` (DER `ECDSA-Sig-Value`) in the BIT STRING.
fn assemble(tbs: &[u8], sig_alg: &[u8], signature: &[u8]) -> Vec<u8> {
    seq(&[tbs, sig_alg, &tlv(0x03, &[&[0x00], signature])])
}

/// `tbs` signed by `key`.
fn sign(key: &SigningKey, sig_alg: &[u8], tbs: Vec<u8>) -> Vec<u8> {
    let signature: DerSignature = key.sign(&tbs);
    assemble(&tbs, sig_alg, signature.as_bytes())
}
