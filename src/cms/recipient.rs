//! RecipientInfo (RFC 5652 section 6.2): carrying the content-encryption key to each recipient.
//!
//! - RSA recipients get a KeyTransRecipientInfo: RSAES-PKCS1-v1_5 (the default, widest
//!   interoperability) or RSAES-OAEP with SHA-256 (RFC 8017, parameters of RFC 4055).
//! - EC recipients (P-256, P-384) get a KeyAgreeRecipientInfo: ephemeral-static ECDH
//!   (`dhSinglePass-stdDH-*kdf-scheme`, RFC 5753), the ANSI X9.63 KDF and AES key wrap
//!   (RFC 3394).
//! - X25519 recipients get a KeyAgreeRecipientInfo too (RFC 8418): ephemeral-static X25519,
//!   the originator key as `originatorKey` with `id-X25519` (parameters absent),
//!   `dhSinglePass-stdDH-hkdf-sha256-scheme` by default ([`KeyAgreementKdf`]) and AES key wrap.
//!
//! Reading accepts what OpenSSL, NSS and Bouncy Castle write (BER, issuerAndSerialNumber or
//! subject key identifier recipient ids, SHA-1 defaults for OAEP and the KDF, OAEP with any
//! SHA-1/SHA-2 hash and MGF1 pairing and a label, X25519 with the X9.63 or HKDF KDFs). Every failure
//! to recover a key is the one error [`CmsError::CannotDecrypt`]; for RSA PKCS#1 v1.5 a
//! failure yields a random key instead (RFC 3218), so it surfaces where a wrong key would.

use super::error::CmsError;
use super::signed_data::SignerId;
use crate::asn1::ber::{self, Node, child, decode, oid_of, small_int};
use crate::asn1::tlv;
use crate::crypto::kdf::x963_kdf;
use crate::crypto::keys::{KeyKind, KeyOperationError, PrivateKey, RsaDecryptPadding};
use crate::crypto::keywrap::{aes_key_unwrap, aes_key_wrap};
use crate::crypto::rng::{os_rng, random_key};
use crate::crypto::x25519;
use crate::crypto::{DigestAlgorithm, oids};
use crate::error::ParseError;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use zeroize::Zeroizing;

/// How many RecipientInfos one RecipientInfos SET may carry.
pub const MAX_RECIPIENT_INFOS: usize = 256;
/// How many recipientEncryptedKeys one KeyAgreeRecipientInfo may carry.
pub const MAX_KEYS_PER_KARI: usize = 256;
/// The largest encrypted key accepted (an RSA-16384 ciphertext).
pub const MAX_ENCRYPTED_KEY: usize = 2048;
/// The largest user keying material (ukm) accepted.
pub const MAX_UKM: usize = 1024;
/// The largest content-encryption key this module carries.
pub const MAX_CEK: usize = 64;

/// dhSinglePass-stdDH-sha1kdf-scheme (SEC 1 / RFC 3278).
pub const DH_SINGLE_PASS_SHA1KDF: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.133.16.840.63.0.2");
/// dhSinglePass-stdDH-sha256kdf-scheme (RFC 5753).
pub const DH_SINGLE_PASS_SHA256KDF: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.132.1.11.1");
/// dhSinglePass-stdDH-sha384kdf-scheme (RFC 5753).
pub const DH_SINGLE_PASS_SHA384KDF: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.132.1.11.2");
/// dhSinglePass-stdDH-sha512kdf-scheme (RFC 5753).
pub const DH_SINGLE_PASS_SHA512KDF: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.132.1.11.3");
/// id-aes128-wrap (RFC 3394).
pub const AES128_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.5");
/// id-aes192-wrap (RFC 3394).
pub const AES192_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.25");
/// id-aes256-wrap (RFC 3394).
pub const AES256_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.45");
/// id-pSpecified (RFC 8017, the OAEP label source).
pub const P_SPECIFIED: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");

/// How to carry the content-encryption key to an RSA recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyTransport {
    /// RSAES-PKCS1-v1_5 (`rsaEncryption`): what every client reads.
    #[default]
    RsaPkcs1v15,
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256, the parameters written explicitly.
    RsaOaep,
}

/// The key-agreement scheme (its KDF) used for X25519 recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyAgreementKdf {
    /// `dhSinglePass-stdDH-hkdf-sha256-scheme` (RFC 8418): what RFC 8551 agents read.
    #[default]
    HkdfSha256,
    /// `dhSinglePass-stdDH-hkdf-sha384-scheme` (RFC 8418).
    HkdfSha384,
    /// `dhSinglePass-stdDH-hkdf-sha512-scheme` (RFC 8418).
    HkdfSha512,
    /// `dhSinglePass-stdDH-sha256kdf-scheme` (the ANSI X9.63 KDF, RFC 5753): for peers that
    /// have X25519 but not HKDF (Bouncy Castle 1.72, OpenSSL 3.0).
    X963Sha256,
    /// `dhSinglePass-stdDH-sha384kdf-scheme` (ANSI X9.63, RFC 5753).
    X963Sha384,
    /// `dhSinglePass-stdDH-sha512kdf-scheme` (ANSI X9.63, RFC 5753).
    X963Sha512,
}

impl KeyAgreementKdf {
    /// The key-agreement algorithm OID written in the KeyAgreeRecipientInfo.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            KeyAgreementKdf::HkdfSha256 => oids::DH_HKDF_SHA256,
            KeyAgreementKdf::HkdfSha384 => oids::DH_HKDF_SHA384,
            KeyAgreementKdf::HkdfSha512 => oids::DH_HKDF_SHA512,
            KeyAgreementKdf::X963Sha256 => DH_SINGLE_PASS_SHA256KDF,
            KeyAgreementKdf::X963Sha384 => DH_SINGLE_PASS_SHA384KDF,
            KeyAgreementKdf::X963Sha512 => DH_SINGLE_PASS_SHA512KDF,
        }
    }

    fn kdf(self) -> Kdf {
        match self {
            KeyAgreementKdf::HkdfSha256 => Kdf::Hkdf(DigestAlgorithm::Sha256),
            KeyAgreementKdf::HkdfSha384 => Kdf::Hkdf(DigestAlgorithm::Sha384),
            KeyAgreementKdf::HkdfSha512 => Kdf::Hkdf(DigestAlgorithm::Sha512),
            KeyAgreementKdf::X963Sha256 => Kdf::X963(DigestAlgorithm::Sha256),
            KeyAgreementKdf::X963Sha384 => Kdf::X963(DigestAlgorithm::Sha384),
            KeyAgreementKdf::X963Sha512 => Kdf::X963(DigestAlgorithm::Sha512),
        }
    }
}

/// A key-agreement KDF: the ANSI X9.63 KDF (RFC 5753) or HKDF (RFC 8418), over a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kdf {
    X963(DigestAlgorithm),
    Hkdf(DigestAlgorithm),
}

impl Kdf {
    /// The KDF of a key-agreement algorithm OID, if it is one this module reads.
    fn from_scheme(oid: &ObjectIdentifier) -> Option<Kdf> {
        let k = if *oid == DH_SINGLE_PASS_SHA1KDF {
            Kdf::X963(DigestAlgorithm::Sha1)
        } else if *oid == DH_SINGLE_PASS_SHA256KDF {
            Kdf::X963(DigestAlgorithm::Sha256)
        } else if *oid == DH_SINGLE_PASS_SHA384KDF {
            Kdf::X963(DigestAlgorithm::Sha384)
        } else if *oid == DH_SINGLE_PASS_SHA512KDF {
            Kdf::X963(DigestAlgorithm::Sha512)
        } else if *oid == oids::DH_HKDF_SHA256 {
            Kdf::Hkdf(DigestAlgorithm::Sha256)
        } else if *oid == oids::DH_HKDF_SHA384 {
            Kdf::Hkdf(DigestAlgorithm::Sha384)
        } else if *oid == oids::DH_HKDF_SHA512 {
            Kdf::Hkdf(DigestAlgorithm::Sha512)
        } else {
            return None;
        };
        Some(k)
    }

    /// The key-encryption key: X9.63 over `z || counter || SharedInfo`, or HKDF with the ukm
    /// as salt and SharedInfo as info. The ECC-CMS-SharedInfo carries the ukm in both.
    fn kek(
        self,
        z: &[u8],
        ukm: Option<&[u8]>,
        wrap: &ObjectIdentifier,
        kek_len: usize,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, CmsError> {
        let info = shared_info(wrap, ukm, kek_len)?;
        Ok(match self {
            Kdf::X963(d) => x963_kdf(d, z, &info, kek_len),
            Kdf::Hkdf(d) => x25519::hkdf_kek(d, z, ukm, &info, kek_len),
        })
    }
}

/// Options for [`recipient_info`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientOptions {
    /// The key transport used for RSA recipients.
    pub rsa: KeyTransport,
    /// The key-agreement scheme used for X25519 recipients (HKDF-SHA-256 by default).
    pub x25519: KeyAgreementKdf,
    /// How KEMRecipientInfos are written for ML-KEM recipients.
    pub kem: super::kemri::KemOptions,
}

/// A parsed RecipientInfo.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RecipientInfo {
    /// KeyTransRecipientInfo.
    KeyTrans {
        /// The recipient's certificate (issuerAndSerialNumber or subject key identifier).
        rid: SignerId,
        /// The key-encryption algorithm (rsaEncryption or id-RSAES-OAEP with its parameters).
        algorithm: AlgorithmIdentifierOwned,
        /// The encrypted content-encryption key.
        encrypted_key: Vec<u8>,
    },
    /// KeyAgreeRecipientInfo with an ephemeral originator key (ephemeral-static ECDH).
    KeyAgree {
        /// The originator's ephemeral public key: SEC1 point bytes (`id-ecPublicKey`, at least
        /// 33 bytes) or the 32-byte X25519 public key (`id-X25519`).
        originator_key: Vec<u8>,
        /// The user keying material, if any.
        ukm: Option<Vec<u8>>,
        /// The key-agreement algorithm (`dhSinglePass-*`) with its key-wrap algorithm parameter.
        algorithm: AlgorithmIdentifierOwned,
        /// Each recipient's id and wrapped content-encryption key.
        keys: Vec<(SignerId, Vec<u8>)>,
    },
    /// KEMRecipientInfo (RFC 9629, `ori [4]` of type `id-ori-kem`).
    Kem(Box<super::kemri::KemRecipientInfo>),
    /// A kind not supported here (kekri, pwri, another ori, or a kari whose originator is a
    /// static certificate); skipped.
    Other,
}

impl RecipientInfo {
    /// Whether this recipient info is addressed to the certificate (by issuerAndSerialNumber
    /// or subject key identifier).
    pub fn addressed_to(&self, cert: &x509_cert::Certificate) -> bool {
        match self {
            RecipientInfo::KeyTrans { rid, .. } => rid.matches(cert),
            RecipientInfo::KeyAgree { keys, .. } => keys.iter().any(|(rid, _)| rid.matches(cert)),
            RecipientInfo::Kem(k) => k.addressed_to(cert),
            RecipientInfo::Other => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
//
// The RecipientInfos are assembled by hand around the recipient identifier copied from the
// certificate as sent (issuerAndSerialNumber from its bytes, see `issuer_and_serial`): going
// through the `cms` crate's types would re-encode the issuer name. The algorithm identifiers
// and their parameters are written with the `der` types.
// ---------------------------------------------------------------------------------------------

/// AlgorithmIdentifier with the parameters given as DER (or absent).
fn alg_id(oid: &ObjectIdentifier, params: Option<&[u8]>) -> Result<Vec<u8>, CmsError> {
    let parameters = params.map(<Any as Decode>::from_der).transpose()?;
    Ok(AlgorithmIdentifierOwned {
        oid: *oid,
        parameters,
    }
    .to_der()?)
}

/// RSAES-OAEP-params (RFC 4055 section 4.1) as written: the hash and MGF1 over it, the label
/// source left at its default (empty).
#[derive(der::Sequence)]
struct OaepParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen: AlgorithmIdentifierOwned,
}

/// The DER RSAES-OAEP-params this library writes: SHA-256 and MGF1-SHA-256.
fn oaep_sha256_params() -> Result<Vec<u8>, CmsError> {
    let sha256 = AlgorithmIdentifierOwned {
        oid: oids::SHA256,
        parameters: None,
    };
    let params = OaepParams {
        mask_gen: AlgorithmIdentifierOwned {
            oid: oids::MGF1,
            parameters: Some(Any::encode_from(&sha256)?),
        },
        hash: sha256,
    };
    Ok(params.to_der()?)
}

/// ECC-CMS-SharedInfo (RFC 5753 section 7.2).
#[derive(der::Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

fn refused(cert: &x509_cert::Certificate, reason: impl Into<String>) -> CmsError {
    CmsError::RecipientRefused {
        recipient: cert.tbs_certificate().subject().to_string(),
        reason: reason.into(),
    }
}

/// The DER issuerAndSerialNumber of a certificate, from its bytes as sent.
fn issuer_and_serial(cert_der: &[u8]) -> Result<Vec<u8>, CmsError> {
    let root = ber::parse(cert_der)?;
    let tbs = child(root.seq("Certificate")?, 0, "tbsCertificate")?;
    let f = tbs.seq("tbsCertificate")?;
    let i = usize::from(child(f, 0, "tbsCertificate")?.is_context(0));
    let serial = child(f, i, "serialNumber")?;
    let issuer = child(f, i + 2, "issuer")?;
    if serial.tag != 0x02 || issuer.tag != 0x30 {
        return Err(ParseError::Certificate {
            detail: "unexpected issuer or serial number encoding".into(),
        }
        .into());
    }
    let mut c = issuer.to_der(cert_der)?;
    c.extend_from_slice(&serial.to_der(cert_der)?);
    Ok(tlv(0x30, &c))
}

/// The DER RecipientInfo that carries `cek` to the holder of the certificate `cert_der`:
///
/// - an RSA key gets a KeyTransRecipientInfo (version 0, issuerAndSerialNumber) with
///   `rsaEncryption` or `id-RSAES-OAEP` (SHA-256, MGF1-SHA-256) as `options.rsa` says;
/// - an X25519 key gets a KeyAgreeRecipientInfo (version 3, `[1]`) with an ephemeral
///   `id-X25519` originator key, the scheme `options.x25519` names and AES key wrap of the
///   CEK's size (RFC 8418);
/// - an EC P-256 key gets a KeyAgreeRecipientInfo (version 3, `[1]`) with an ephemeral
///   originator key, `dhSinglePass-stdDH-sha256kdf-scheme` and AES key wrap of the CEK's size
///   (16, 24 or 32 bytes); a P-384 key gets `dhSinglePass-stdDH-sha384kdf-scheme` with
///   `id-aes256-wrap`;
/// - an ML-KEM key gets a KEMRecipientInfo (`ori [4]`, RFC 9629) as `options.kem` says.
///
/// The encoding is as it appears inside the RecipientInfos SET. The certificate's key usage is
/// checked by the caller, not here.
pub fn recipient_info(
    cert_der: &[u8],
    cek: &[u8],
    options: &RecipientOptions,
) -> Result<Vec<u8>, CmsError> {
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| {
        CmsError::Malformed(ParseError::Certificate {
            detail: e.to_string(),
        })
    })?;
    if cek.is_empty() || cek.len() > MAX_CEK {
        return Err(CmsError::UnsupportedAlgorithm {
            detail: format!("a {}-byte content-encryption key", cek.len()),
        });
    }
    let rid = issuer_and_serial(cert_der)?;
    let spki = cert.tbs_certificate().subject_public_key_info();
    let spki_der = spki.to_der()?;
    let alg = spki.algorithm.oid;
    if alg == oids::RSA_ENCRYPTION {
        return ktri_rsa(&cert, &spki_der, &rid, cek, options.rsa);
    }
    if alg == oids::X25519 {
        let public = match crate::crypto::verify::public_key(&spki_der) {
            Ok(crate::crypto::verify::RawKey::X25519(k)) => k.to_vec(),
            Ok(_) => return Err(refused(&cert, "its X25519 public key is invalid")),
            Err(e) => {
                return Err(refused(
                    &cert,
                    format!("its X25519 public key is invalid: {e}"),
                ));
            }
        };
        let wrap = wrap_for_cek(cek.len())?;
        let (eph_pub, z) = x25519::ephemeral_agreement(&public)
            .map_err(|e| refused(&cert, format!("X25519 key agreement failed: {e}")))?;
        return kari(
            &rid,
            oids::X25519,
            &eph_pub,
            &z,
            options.x25519.oid(),
            options.x25519.kdf(),
            wrap,
            cek,
        );
    }
    if let Some((level, public)) = crate::crypto::mlkem::public_key_of_spki(&spki_der) {
        return super::kemri::recipient_info(&rid, level, &public, cek, &options.kem);
    }
    if alg == oids::EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(c) if c == oids::SECP256R1 => {
                let pk =
                    <p256::PublicKey as pkcs8::DecodePublicKey>::from_public_key_der(&spki_der)
                        .map_err(|e| {
                            refused(&cert, format!("its P-256 public key is invalid: {e}"))
                        })?;
                let wrap = wrap_for_cek(cek.len())?;
                let eph: p256::ecdh::EphemeralSecret =
                    elliptic_curve::Generate::generate_from_rng(&mut os_rng());
                let eph_pub = sec1_uncompressed_p256(&eph.public_key());
                let shared = eph.diffie_hellman(&pk);
                let z = Zeroizing::new(shared.raw_secret_bytes().to_vec());
                kari(
                    &rid,
                    oids::EC_PUBLIC_KEY,
                    &eph_pub,
                    &z,
                    DH_SINGLE_PASS_SHA256KDF,
                    Kdf::X963(DigestAlgorithm::Sha256),
                    wrap,
                    cek,
                )
            }
            Some(c) if c == oids::SECP384R1 => {
                let pk =
                    <p384::PublicKey as pkcs8::DecodePublicKey>::from_public_key_der(&spki_der)
                        .map_err(|e| {
                            refused(&cert, format!("its P-384 public key is invalid: {e}"))
                        })?;
                let eph: p384::ecdh::EphemeralSecret =
                    elliptic_curve::Generate::generate_from_rng(&mut os_rng());
                let eph_pub = sec1_uncompressed_p384(&eph.public_key());
                let shared = eph.diffie_hellman(&pk);
                let z = Zeroizing::new(shared.raw_secret_bytes().to_vec());
                kari(
                    &rid,
                    oids::EC_PUBLIC_KEY,
                    &eph_pub,
                    &z,
                    DH_SINGLE_PASS_SHA384KDF,
                    Kdf::X963(DigestAlgorithm::Sha384),
                    AES256_WRAP,
                    cek,
                )
            }
            _ => Err(CmsError::UnsupportedAlgorithm {
                detail: "EC recipient keys must be on P-256 or P-384".into(),
            }),
        };
    }
    Err(CmsError::UnsupportedAlgorithm {
        detail: format!("recipient key algorithm {alg}"),
    })
}

/// The AES key wrap whose key is as long as the content-encryption key.
fn wrap_for_cek(len: usize) -> Result<ObjectIdentifier, CmsError> {
    match len {
        16 => Ok(AES128_WRAP),
        24 => Ok(AES192_WRAP),
        32 => Ok(AES256_WRAP),
        n => Err(CmsError::UnsupportedAlgorithm {
            detail: format!("a {n}-byte content-encryption key with key agreement"),
        }),
    }
}

fn sec1_uncompressed_p256(pk: &p256::PublicKey) -> Vec<u8> {
    use elliptic_curve::sec1::ToSec1Point;
    pk.to_sec1_point(false).as_bytes().to_vec()
}

fn sec1_uncompressed_p384(pk: &p384::PublicKey) -> Vec<u8> {
    use elliptic_curve::sec1::ToSec1Point;
    pk.to_sec1_point(false).as_bytes().to_vec()
}

fn ktri_rsa(
    cert: &x509_cert::Certificate,
    spki_der: &[u8],
    rid: &[u8],
    cek: &[u8],
    transport: KeyTransport,
) -> Result<Vec<u8>, CmsError> {
    let pk = <rsa::RsaPublicKey as pkcs8::DecodePublicKey>::from_public_key_der(spki_der)
        .map_err(|e| refused(cert, format!("its RSA public key cannot be used: {e}")))?;
    let (alg, ek) = match transport {
        KeyTransport::RsaPkcs1v15 => {
            let ek = pk
                .encrypt(&mut os_rng(), rsa::Pkcs1v15Encrypt, cek)
                .map_err(|e| refused(cert, format!("RSA encryption failed: {e}")))?;
            (alg_id(&oids::RSA_ENCRYPTION, Some(&[0x05, 0x00]))?, ek)
        }
        KeyTransport::RsaOaep => {
            let ek = pk
                .encrypt(&mut os_rng(), rsa::Oaep::<sha2::Sha256>::new(), cek)
                .map_err(|e| refused(cert, format!("RSA encryption failed: {e}")))?;
            (alg_id(&oids::RSAES_OAEP, Some(&oaep_sha256_params()?))?, ek)
        }
    };
    let mut c = vec![0x02, 0x01, 0x00];
    c.extend_from_slice(rid);
    c.extend_from_slice(&alg);
    c.extend_from_slice(&tlv(0x04, &ek));
    Ok(tlv(0x30, &c))
}

/// The DER ECC-CMS-SharedInfo of RFC 5753 section 7.2.
fn shared_info(
    wrap: &ObjectIdentifier,
    ukm: Option<&[u8]>,
    kek_len: usize,
) -> Result<Vec<u8>, CmsError> {
    let bits = u32::try_from(kek_len * 8).unwrap_or(u32::MAX).to_be_bytes();
    Ok(EccCmsSharedInfo {
        key_info: AlgorithmIdentifierOwned {
            oid: *wrap,
            parameters: None,
        },
        entity_u_info: ukm.map(OctetString::new).transpose()?,
        supp_pub_info: OctetString::new(bits)?,
    }
    .to_der()?)
}

fn wrap_key_len(wrap: &ObjectIdentifier) -> Option<usize> {
    if *wrap == AES128_WRAP {
        Some(16)
    } else if *wrap == AES192_WRAP {
        Some(24)
    } else if *wrap == AES256_WRAP {
        Some(32)
    } else {
        None
    }
}

#[allow(clippy::too_many_arguments)]
fn kari(
    rid: &[u8],
    originator_alg: ObjectIdentifier,
    eph_pub: &[u8],
    z: &[u8],
    scheme: ObjectIdentifier,
    kdf: Kdf,
    wrap: ObjectIdentifier,
    cek: &[u8],
) -> Result<Vec<u8>, CmsError> {
    let kek_len = wrap_key_len(&wrap).unwrap_or(32);
    let kek = kdf
        .kek(z, None, &wrap, kek_len)?
        .ok_or_else(|| CmsError::UnsupportedAlgorithm {
            detail: format!("the key-agreement KDF {kdf:?}"),
        })?;
    let wrapped = aes_key_wrap(&kek, cek).map_err(|e| CmsError::UnsupportedAlgorithm {
        detail: e.to_string(),
    })?;

    let mut c = vec![0x02, 0x01, 0x03];
    // originator [0] EXPLICIT OriginatorIdentifierOrKey: originatorKey [1] IMPLICIT
    // OriginatorPublicKey { id-ecPublicKey or id-X25519 (parameters absent, as OpenSSL writes
    // and RFC 8418 requires), BIT STRING }.
    let mut bits = vec![0x00];
    bits.extend_from_slice(eph_pub);
    let mut opk = alg_id(&originator_alg, None)?;
    opk.extend_from_slice(&tlv(0x03, &bits));
    c.extend_from_slice(&tlv(0xA0, &tlv(0xA1, &opk)));
    c.extend_from_slice(&alg_id(&scheme, Some(&alg_id(&wrap, None)?))?);
    let mut rek = rid.to_vec();
    rek.extend_from_slice(&tlv(0x04, &wrapped));
    c.extend_from_slice(&tlv(0x30, &tlv(0x30, &rek)));
    Ok(tlv(0xA1, &c))
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// An OCTET STRING (primitive or BER constructed) of at most `max` bytes.
fn octets(node: &Node, input: &[u8], max: usize, what: &'static str) -> Result<Vec<u8>, CmsError> {
    if node.tag_class_number() != 0x04 {
        return Err(CmsError::der(format!("{what}: expected an OCTET STRING")));
    }
    if node.content.len() > max + 64 {
        return Err(ParseError::TooLarge { what, limit: max }.into());
    }
    let b = node.string_bytes(input)?;
    if b.len() > max {
        return Err(ParseError::TooLarge { what, limit: max }.into());
    }
    Ok(b)
}

fn issuer_serial_id(node: &Node, input: &[u8]) -> Result<SignerId, CmsError> {
    let parts = node.seq("issuerAndSerialNumber")?;
    Ok(SignerId::IssuerAndSerial {
        issuer: decode::<Name>(child(parts, 0, "issuer")?, input, "issuer")?,
        serial: decode::<SerialNumber>(child(parts, 1, "serialNumber")?, input, "serial")?,
    })
}

/// Parses the RecipientInfos SET node of an EnvelopedData or AuthEnvelopedData (BER
/// tolerated). At most [`MAX_RECIPIENT_INFOS`] recipient infos and [`MAX_KEYS_PER_KARI`] keys
/// per KeyAgreeRecipientInfo; kinds not supported are returned as [`RecipientInfo::Other`].
pub fn parse_recipient_infos(set: &Node, input: &[u8]) -> Result<Vec<RecipientInfo>, CmsError> {
    if set.tag != 0x31 {
        return Err(CmsError::der("RecipientInfos: expected a SET"));
    }
    if set.children.len() > MAX_RECIPIENT_INFOS {
        return Err(ParseError::TooMany {
            what: "recipient infos",
            limit: MAX_RECIPIENT_INFOS,
        }
        .into());
    }
    if set.children.is_empty() {
        return Err(CmsError::der("RecipientInfos: empty SET"));
    }
    set.children
        .iter()
        .map(|n| parse_recipient_info(n, input))
        .collect()
}

fn parse_recipient_info(node: &Node, input: &[u8]) -> Result<RecipientInfo, CmsError> {
    match node.tag {
        0x30 => parse_ktri(node, input),
        0xA1 => parse_kari(node, input),
        0xA4 => Ok(super::kemri::parse_ori(node, input)?
            .map_or(RecipientInfo::Other, |k| RecipientInfo::Kem(Box::new(k)))),
        // kekri [2], pwri [3], ori [4], or anything else of a later version.
        _ => Ok(RecipientInfo::Other),
    }
}

fn parse_ktri(node: &Node, input: &[u8]) -> Result<RecipientInfo, CmsError> {
    let f = node.seq("KeyTransRecipientInfo")?;
    small_int(
        child(f, 0, "KeyTransRecipientInfo version")?,
        input,
        "KeyTransRecipientInfo version",
    )?;
    let rid_node = child(f, 1, "KeyTransRecipientInfo rid")?;
    let rid = if rid_node.tag == 0x30 {
        issuer_serial_id(rid_node, input)?
    } else if rid_node.is_context(0) {
        SignerId::SubjectKeyId(rid_node.string_bytes(input)?)
    } else {
        return Err(ParseError::der(
            "KeyTransRecipientInfo rid: neither issuerAndSerialNumber nor [0]",
        )
        .into());
    };
    let algorithm = decode(
        child(f, 2, "keyEncryptionAlgorithm")?,
        input,
        "keyEncryptionAlgorithm",
    )?;
    let encrypted_key = octets(
        child(f, 3, "encryptedKey")?,
        input,
        MAX_ENCRYPTED_KEY,
        "encryptedKey",
    )?;
    Ok(RecipientInfo::KeyTrans {
        rid,
        algorithm,
        encrypted_key,
    })
}

fn parse_kari(node: &Node, input: &[u8]) -> Result<RecipientInfo, CmsError> {
    let f = node.seq("KeyAgreeRecipientInfo")?;
    small_int(
        child(f, 0, "KeyAgreeRecipientInfo version")?,
        input,
        "KeyAgreeRecipientInfo version",
    )?;
    let orig = child(f, 1, "KeyAgreeRecipientInfo originator")?;
    if !orig.is_context(0) || !orig.constructed() {
        return Err(
            ParseError::der("KeyAgreeRecipientInfo originator: expected [0] EXPLICIT").into(),
        );
    }
    let choice = child(&orig.children, 0, "originator")?;
    // issuerAndSerialNumber (SEQUENCE) or subjectKeyIdentifier [0]: a static originator key.
    if !(choice.is_context(1) && choice.constructed()) {
        return Ok(RecipientInfo::Other);
    }
    let opk = choice.seq("OriginatorPublicKey")?;
    let opk_alg: AlgorithmIdentifierOwned = decode(
        child(opk, 0, "originatorKey algorithm")?,
        input,
        "originatorKey algorithm",
    )?;
    let is_x25519 = opk_alg.oid == oids::X25519;
    if !is_x25519 && opk_alg.oid != oids::EC_PUBLIC_KEY {
        return Ok(RecipientInfo::Other);
    }
    if is_x25519 && opk_alg.parameters.is_some() {
        return Err(CmsError::der(
            "originatorKey id-X25519: the parameters must be absent",
        ));
    }
    // An EC originator key's parameters are absent, NULL (RFC 3278) or the named curve of the
    // recipient's key (RFC 5753). Explicit curve parameters, or another named curve, describe a
    // curve the point would not be used on: not a key this library uses (as Wycheproof's
    // ECDH vectors with modified orders, cofactors or primes expect).
    let ec_field_len = match &opk_alg.parameters {
        _ if is_x25519 => None,
        None => None,
        Some(p) if p.to_der().is_ok_and(|d| d == [0x05, 0x00]) => None,
        Some(p) => match p.decode_as::<ObjectIdentifier>() {
            Ok(c) if c == oids::SECP256R1 => Some(32),
            Ok(c) if c == oids::SECP384R1 => Some(48),
            _ => return Ok(RecipientInfo::Other),
        },
    };
    let bits = child(opk, 1, "originatorKey publicKey")?;
    if bits.tag != 0x03 {
        return Err(
            ParseError::der("originatorKey publicKey: expected a primitive BIT STRING").into(),
        );
    }
    let originator_key = match input.get(bits.content.clone()) {
        Some([0, rest @ ..]) if is_x25519 && rest.len() == x25519::KEY_LEN => rest.to_vec(),
        Some([0, rest @ ..]) if !is_x25519 && rest.len() > x25519::KEY_LEN && rest.len() <= 256 => {
            rest.to_vec()
        }
        _ => {
            return Err(CmsError::der(
                "originatorKey publicKey: not a point encoding",
            ));
        }
    };
    // A point of another curve's size than the named curve: the parameters and the point
    // disagree.
    if let Some(n) = ec_field_len
        && originator_key.len() != 1 + n
        && originator_key.len() != 1 + 2 * n
    {
        return Ok(RecipientInfo::Other);
    }
    let mut i = 2;
    let mut ukm = None;
    let n = child(f, i, "KeyAgreeRecipientInfo keyEncryptionAlgorithm")?;
    if n.is_context(1) {
        let inner = child(n.seq("ukm")?, 0, "ukm")?;
        ukm = Some(octets(inner, input, MAX_UKM, "ukm")?);
        i += 1;
    }
    let algorithm = decode(
        child(f, i, "KeyAgreeRecipientInfo keyEncryptionAlgorithm")?,
        input,
        "keyEncryptionAlgorithm",
    )?;
    let reks = child(f, i + 1, "recipientEncryptedKeys")?;
    if reks.tag != 0x30 {
        return Err(CmsError::der("recipientEncryptedKeys: expected a SEQUENCE"));
    }
    if reks.children.len() > MAX_KEYS_PER_KARI {
        return Err(ParseError::TooMany {
            what: "recipient encrypted keys",
            limit: MAX_KEYS_PER_KARI,
        }
        .into());
    }
    let mut keys = Vec::with_capacity(reks.children.len());
    for rek in &reks.children {
        let rf = rek.seq("RecipientEncryptedKey")?;
        let rid_node = child(rf, 0, "RecipientEncryptedKey rid")?;
        let rid = if rid_node.tag == 0x30 {
            issuer_serial_id(rid_node, input)?
        } else if rid_node.is_context(0) && rid_node.constructed() {
            // rKeyId [0] IMPLICIT RecipientKeyIdentifier { subjectKeyIdentifier, date, other }
            let ski = child(&rid_node.children, 0, "rKeyId subjectKeyIdentifier")?;
            SignerId::SubjectKeyId(octets(ski, input, 1024, "subjectKeyIdentifier")?)
        } else {
            return Err(ParseError::der(
                "RecipientEncryptedKey rid: neither issuerAndSerialNumber nor [0]",
            )
            .into());
        };
        let ek = octets(
            child(rf, 1, "RecipientEncryptedKey encryptedKey")?,
            input,
            MAX_ENCRYPTED_KEY,
            "encryptedKey",
        )?;
        keys.push((rid, ek));
    }
    Ok(RecipientInfo::KeyAgree {
        originator_key,
        ukm,
        algorithm,
        keys,
    })
}

// ---------------------------------------------------------------------------------------------
// Key recovery
// ---------------------------------------------------------------------------------------------

fn unsupported(detail: impl Into<String>) -> CmsError {
    CmsError::UnsupportedAlgorithm {
        detail: detail.into(),
    }
}

/// The parameters of an AlgorithmIdentifier as a BER node (with the bytes it indexes), or
/// `None` when absent or NULL.
fn params_node(alg: &AlgorithmIdentifierOwned) -> Result<Option<(Node, Vec<u8>)>, CmsError> {
    let Some(p) = &alg.parameters else {
        return Ok(None);
    };
    let der = p
        .to_der()
        .map_err(|e| unsupported(format!("parameters of {}: {e}", alg.oid)))?;
    if der == [0x05, 0x00] {
        return Ok(None);
    }
    let node = ber::parse(&der)?;
    Ok(Some((node, der)))
}

/// A hash AlgorithmIdentifier (parameters absent or NULL) from a node.
fn hash_alg(node: &Node, input: &[u8]) -> Result<DigestAlgorithm, CmsError> {
    let alg: AlgorithmIdentifierOwned = decode(node, input, "hash algorithm")?;
    if params_node(&alg)?.is_some() {
        return Err(unsupported(format!("parameters on hash {}", alg.oid)));
    }
    match DigestAlgorithm::from_oid(&alg.oid) {
        Some(d) if d != DigestAlgorithm::Md5 => Ok(d),
        _ => Err(unsupported(format!("OAEP hash {}", alg.oid))),
    }
}

/// The OAEP padding of RSAES-OAEP-params (RFC 4055 section 4.1, RFC 8017 A.2.1): the hash
/// (SHA-1 by default), MGF1 over a hash of its own (SHA-1 by default) and the label of
/// `pSourceFunc` id-pSpecified (empty by default). Absent or NULL parameters are the
/// defaults. The fields must come in order, at most once each; anything else is
/// [`CmsError::UnsupportedAlgorithm`] (the parameters are visible in the message: saying so
/// reveals nothing about the key).
fn oaep_padding(alg: &AlgorithmIdentifierOwned) -> Result<RsaDecryptPadding, CmsError> {
    let mut digest = DigestAlgorithm::Sha1;
    let mut mgf_digest = DigestAlgorithm::Sha1;
    let mut label = Vec::new();
    let Some((node, der)) = params_node(alg)? else {
        return Ok(RsaDecryptPadding::Oaep {
            digest,
            mgf_digest,
            label,
        });
    };
    if node.tag != 0x30 {
        return Err(unsupported("RSAES-OAEP parameters are not a SEQUENCE"));
    }
    let mut last: Option<u8> = None;
    for c in &node.children {
        let inner = c
            .children
            .first()
            .filter(|_| c.constructed() && c.children.len() == 1)
            .ok_or_else(|| unsupported("malformed RSAES-OAEP parameters"))?;
        let field = c.tag & 0x1F;
        if c.tag & 0xC0 != 0x80 || field > 2 || last.is_some_and(|l| field <= l) {
            return Err(unsupported(
                "unknown, repeated or misordered field in RSAES-OAEP parameters",
            ));
        }
        last = Some(field);
        match field {
            0 => digest = oaep_hash(inner, &der)?,
            1 => {
                let f = inner.seq("maskGenAlgorithm")?;
                let oid = oid_of(child(f, 0, "maskGenAlgorithm")?, &der, "maskGenAlgorithm")?;
                if oid != oids::MGF1 {
                    return Err(unsupported(format!("OAEP mask generation {oid}")));
                }
                if f.len() != 2 {
                    return Err(unsupported("MGF1 without exactly one hash parameter"));
                }
                mgf_digest = oaep_hash(child(f, 1, "MGF1 hash")?, &der)?;
            }
            _ => {
                let f = inner.seq("pSourceAlgorithm")?;
                let oid = oid_of(child(f, 0, "pSourceAlgorithm")?, &der, "pSourceAlgorithm")?;
                if oid != P_SPECIFIED {
                    return Err(unsupported(format!("OAEP label source {oid}")));
                }
                label = match f.get(1) {
                    // NULL or absent: the empty label (some writers put NULL).
                    None => Vec::new(),
                    Some(l) if l.tag == 0x05 && l.content.is_empty() => Vec::new(),
                    Some(l) => octets(l, &der, MAX_UKM, "OAEP label")
                        .map_err(|_| unsupported("the OAEP label is not an OCTET STRING"))?,
                };
                if f.len() > 2 {
                    return Err(unsupported("malformed OAEP label source"));
                }
            }
        }
    }
    Ok(RsaDecryptPadding::Oaep {
        digest,
        mgf_digest,
        label,
    })
}

/// An OAEP or MGF1 hash: SHA-1 or SHA-2 (256, 384, 512), parameters absent or NULL.
fn oaep_hash(node: &Node, input: &[u8]) -> Result<DigestAlgorithm, CmsError> {
    let d = hash_alg(node, input)?;
    match d {
        DigestAlgorithm::Sha1
        | DigestAlgorithm::Sha256
        | DigestAlgorithm::Sha384
        | DigestAlgorithm::Sha512 => Ok(d),
        other => Err(unsupported(format!("OAEP with {}", other.name()))),
    }
}

/// Whether a key failure is the key declining (a cancelled prompt) or being out of reach (a
/// removed card): failures that do not depend on the ciphertext.
fn declined(e: &KeyOperationError) -> bool {
    matches!(
        e,
        KeyOperationError::Refused { .. } | KeyOperationError::Unavailable { .. }
    )
}

/// The CMS error for a failed key operation: [`CmsError::KeyDeclined`] when the key declined,
/// [`CmsError::CannotDecrypt`] for every other cause.
fn key_failure(e: KeyOperationError) -> CmsError {
    if declined(&e) {
        CmsError::KeyDeclined(e)
    } else {
        CmsError::CannotDecrypt
    }
}

/// Recovers the content-encryption key from `ri` with `key`, the private key of `cert`.
///
/// `cek_len` is the key length the content-encryption algorithm needs, or 0 if the caller
/// does not know it (then the key is returned as unwrapped and the caller checks its length;
/// PKCS#1 v1.5 needs it).
///
/// - KeyTrans, `rsaEncryption`: if decryption fails or yields a key of another length, a
///   random key of `cek_len` bytes is returned instead (RFC 3218), so the content decryption
///   fails as it would with a wrong key.
/// - KeyTrans, `id-RSAES-OAEP`: the hash SHA-1 (the default), SHA-256, SHA-384 or SHA-512,
///   MGF1 over any of them, and a label (`pSourceFunc` id-pSpecified) or none.
/// - KeyAgree, `dhSinglePass-stdDH-sha{1,256,384,512}kdf-scheme` (X9.63) or
///   `dhSinglePass-stdDH-hkdf-sha{256,384,512}-scheme` (RFC 8418) with AES-128/192/256 key
///   wrap, for P-256, P-384 and X25519 keys: the entry of `keys` addressed to `cert` is used.
///
/// For key transport the recipient id is not compared with `cert` (see
/// [`RecipientInfo::addressed_to`]), so a caller may try a key on every KeyTransRecipientInfo.
/// Every failure to recover the key is [`CmsError::CannotDecrypt`], except a key that
/// declined or could not be reached ([`CmsError::KeyDeclined`]: it did not look at the
/// ciphertext, so saying so reveals nothing about it); an algorithm not supported is
/// [`CmsError::UnsupportedAlgorithm`].
pub fn unwrap_cek(
    ri: &RecipientInfo,
    cert: &x509_cert::Certificate,
    key: &dyn PrivateKey,
    cek_len: usize,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    if cek_len > MAX_CEK {
        return Err(unsupported(format!(
            "a {cek_len}-byte content-encryption key"
        )));
    }
    match ri {
        RecipientInfo::KeyTrans {
            algorithm,
            encrypted_key,
            ..
        } => {
            if !matches!(key.kind(), KeyKind::Rsa { .. }) {
                return Err(CmsError::CannotDecrypt);
            }
            if algorithm.oid == oids::RSA_ENCRYPTION {
                if cek_len == 0 {
                    return Err(unsupported(
                        "PKCS#1 v1.5 key transport needs the content-encryption key length",
                    ));
                }
                // Draw the substitute first so both outcomes cost the same.
                let substitute = random_key(cek_len).map_err(|_| CmsError::CannotDecrypt)?;
                return match key.rsa_decrypt(&RsaDecryptPadding::Pkcs1v15, encrypted_key) {
                    Ok(k) if k.len() == cek_len => Ok(k),
                    Err(e) if declined(&e) => Err(CmsError::KeyDeclined(e)),
                    _ => Ok(substitute),
                };
            }
            if algorithm.oid == oids::RSAES_OAEP {
                let padding = oaep_padding(algorithm)?;
                let k = key
                    .rsa_decrypt(&padding, encrypted_key)
                    .map_err(key_failure)?;
                if cek_len != 0 && k.len() != cek_len {
                    return Err(CmsError::CannotDecrypt);
                }
                return Ok(k);
            }
            Err(unsupported(format!(
                "key transport algorithm {}",
                algorithm.oid
            )))
        }
        RecipientInfo::KeyAgree {
            originator_key,
            ukm,
            algorithm,
            keys,
        } => {
            let kdf = Kdf::from_scheme(&algorithm.oid)
                .ok_or_else(|| unsupported(format!("key agreement algorithm {}", algorithm.oid)))?;
            let wrap: AlgorithmIdentifierOwned = match &algorithm.parameters {
                Some(p) => p
                    .decode_as()
                    .map_err(|e| unsupported(format!("key wrap algorithm: {e}")))?,
                None => return Err(unsupported("key agreement without a key wrap algorithm")),
            };
            if params_node(&wrap)?.is_some() {
                return Err(unsupported(format!("parameters on key wrap {}", wrap.oid)));
            }
            let kek_len = wrap_key_len(&wrap.oid)
                .ok_or_else(|| unsupported(format!("key wrap algorithm {}", wrap.oid)))?;
            // The originator key's form follows its algorithm: 32 bytes for id-X25519, a SEC1
            // point (longer) for id-ecPublicKey; a key of the other kind cannot use it.
            let x25519_originator = originator_key.len() == x25519::KEY_LEN;
            match key.kind() {
                KeyKind::EcP256 | KeyKind::EcP384 if !x25519_originator => {}
                KeyKind::X25519 if x25519_originator => {}
                _ => return Err(CmsError::CannotDecrypt),
            }
            let (_, wrapped) = keys
                .iter()
                .find(|(rid, _)| rid.matches(cert))
                .ok_or(CmsError::CannotDecrypt)?;
            let z = key.ecdh(originator_key).map_err(key_failure)?;
            let kek = kdf
                .kek(&z, ukm.as_deref(), &wrap.oid, kek_len)?
                .ok_or(CmsError::CannotDecrypt)?;
            let cek = aes_key_unwrap(&kek, wrapped).map_err(|_| CmsError::CannotDecrypt)?;
            if cek_len != 0 && cek.len() != cek_len {
                return Err(CmsError::CannotDecrypt);
            }
            Ok(cek)
        }
        RecipientInfo::Kem(k) => super::kemri::unwrap_cek(k, key, cek_len),
        RecipientInfo::Other => Err(CmsError::CannotDecrypt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alg(oid: &ObjectIdentifier, params: Option<&[u8]>) -> Vec<u8> {
        alg_id(oid, params).unwrap()
    }

    #[test]
    fn oaep_parameters_are_the_bytes_the_hand_writer_wrote() {
        let sha256 = tlv(0x30, &tlv(0x06, oids::SHA256.as_bytes()));
        let mgf = tlv(
            0x30,
            &[tlv(0x06, oids::MGF1.as_bytes()), sha256.clone()].concat(),
        );
        let hand = tlv(0x30, &[tlv(0xA0, &sha256), tlv(0xA1, &mgf)].concat());
        assert_eq!(oaep_sha256_params().unwrap(), hand);
        assert_eq!(
            alg(&oids::RSA_ENCRYPTION, Some(&[0x05, 0x00])),
            tlv(
                0x30,
                &[tlv(0x06, oids::RSA_ENCRYPTION.as_bytes()), vec![0x05, 0x00]].concat()
            )
        );
    }

    #[test]
    fn shared_info_layout() {
        let der = shared_info(&AES128_WRAP, None, 16).unwrap();
        assert_eq!(der, hex("3015300b0609608648016503040105a206040400000080"));
        let node = ber::parse(&der).unwrap();
        assert_eq!(node.children.len(), 2);
        assert_eq!(node.children[1].tag, 0xA2);
    }

    #[test]
    fn garbage_recipient_infos_are_errors() {
        let set = tlv(0x31, &tlv(0x30, &[0x02, 0x01, 0x00]));
        let n = ber::parse(&set).unwrap();
        assert!(parse_recipient_infos(&n, &set).is_err());
        let other = tlv(0x31, &tlv(0xA3, &[0x02, 0x01, 0x00]));
        let n = ber::parse(&other).unwrap();
        assert!(matches!(
            parse_recipient_infos(&n, &other).unwrap()[..],
            [RecipientInfo::Other]
        ));
        let mut many = Vec::new();
        for _ in 0..=MAX_RECIPIENT_INFOS {
            many.extend_from_slice(&tlv(0xA2, &[]));
        }
        let set = tlv(0x31, &many);
        let n = ber::parse(&set).unwrap();
        assert!(matches!(
            parse_recipient_infos(&n, &set),
            Err(CmsError::Malformed(ParseError::TooMany { .. }))
        ));
    }

    fn oaep_alg(params: Option<&[u8]>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned::from_der(&alg(&oids::RSAES_OAEP, params)).unwrap()
    }

    #[test]
    fn oaep_parameters() {
        use DigestAlgorithm as D;
        let sha = |oid: &ObjectIdentifier| alg(oid, None);
        let mgf = |oid: &ObjectIdentifier| tlv(0xA1, &alg(&oids::MGF1, Some(&sha(oid))));
        let pad = |digest, mgf_digest, label: &[u8]| RsaDecryptPadding::Oaep {
            digest,
            mgf_digest,
            label: label.to_vec(),
        };
        let parse = |p: &[u8]| oaep_padding(&oaep_alg(Some(&tlv(0x30, p))));
        // Absent, NULL and an empty SEQUENCE all mean the SHA-1 defaults.
        assert_eq!(
            oaep_padding(&oaep_alg(None)),
            Ok(pad(D::Sha1, D::Sha1, b""))
        );
        assert_eq!(
            oaep_padding(&oaep_alg(Some(&[0x05, 0x00]))),
            Ok(pad(D::Sha1, D::Sha1, b""))
        );
        assert_eq!(parse(&[]), Ok(pad(D::Sha1, D::Sha1, b"")));
        let all = [D::Sha1, D::Sha256, D::Sha384, D::Sha512];
        for h in all {
            for m in all {
                let mut p = tlv(0xA0, &sha(&h.oid()));
                p.extend_from_slice(&mgf(&m.oid()));
                assert_eq!(parse(&p), Ok(pad(h, m, b"")));
                let mut l = p.clone();
                l.extend_from_slice(&tlv(0xA2, &alg(&P_SPECIFIED, Some(&tlv(0x04, b"lbl")))));
                assert_eq!(parse(&l), Ok(pad(h, m, b"lbl")));
            }
            // The hash with NULL parameters is accepted too; MGF1 alone keeps SHA-1 for the hash.
            let p = tlv(0xA0, &alg(&h.oid(), Some(&[0x05, 0x00])));
            assert_eq!(parse(&p), Ok(pad(h, D::Sha1, b"")));
            assert_eq!(parse(&mgf(&h.oid())), Ok(pad(D::Sha1, h, b"")));
        }
        // An empty label, the label alone.
        let empty = tlv(0xA2, &alg(&P_SPECIFIED, Some(&tlv(0x04, &[]))));
        assert_eq!(parse(&empty), Ok(pad(D::Sha1, D::Sha1, b"")));
        // Misordered, repeated, unknown fields; another label source; MD5 and SHA3; garbage.
        let h = tlv(0xA0, &sha(&oids::SHA256));
        let m = mgf(&oids::SHA256);
        for bad in [
            [m.clone(), h.clone()].concat(),
            [h.clone(), h.clone()].concat(),
            [h.clone(), tlv(0xA3, &tlv(0x05, &[]))].concat(),
            tlv(0xA2, &alg(&oids::SHA256, Some(&tlv(0x04, b"x")))),
            tlv(0xA2, &alg(&P_SPECIFIED, Some(&tlv(0x02, &[1])))),
            tlv(0xA0, &sha(&oids::MD5)),
            tlv(0xA0, &sha(&D::Sha3_256.oid())),
            tlv(0xA1, &alg(&oids::SHA256, Some(&sha(&oids::SHA256)))),
            tlv(0xA1, &alg(&oids::MGF1, None)),
            vec![0xA0, 0x00],
            tlv(0xA0, &[sha(&oids::SHA256), sha(&oids::SHA256)].concat()),
        ] {
            assert!(
                matches!(
                    parse(&bad),
                    Err(CmsError::UnsupportedAlgorithm { .. }) | Err(CmsError::Malformed(_))
                ),
                "{bad:02x?}"
            );
        }
        assert!(oaep_padding(&oaep_alg(Some(&[0x04, 0x01, 0x00]))).is_err());
    }

    fn sample_kari(ukm: bool) -> Vec<u8> {
        // issuerAndSerialNumber with an empty issuer name and serial 1.
        let rid = tlv(0x30, &[0x30, 0x00, 0x02, 0x01, 0x01]);
        let point = {
            let mut p = vec![0x04];
            p.extend_from_slice(&[7u8; 64]);
            p
        };
        let der = kari(
            &rid,
            oids::EC_PUBLIC_KEY,
            &point,
            &[9u8; 32],
            DH_SINGLE_PASS_SHA256KDF,
            Kdf::X963(DigestAlgorithm::Sha256),
            AES128_WRAP,
            &[5u8; 16],
        )
        .unwrap();
        if !ukm {
            return der;
        }
        // Insert ukm [1] EXPLICIT after the originator.
        let node = ber::parse(&der).unwrap();
        let mut c = Vec::new();
        for (i, ch) in node.children.iter().enumerate() {
            c.extend_from_slice(&der[ch.range.clone()]);
            if i == 1 {
                c.extend_from_slice(&tlv(0xA1, &tlv(0x04, b"ukm")));
            }
        }
        tlv(0xA1, &c)
    }

    #[test]
    fn kari_fields_read_back() {
        for with_ukm in [false, true] {
            let der = sample_kari(with_ukm);
            let set = tlv(0x31, &der);
            let n = ber::parse(&set).unwrap();
            let ris = parse_recipient_infos(&n, &set).unwrap();
            let RecipientInfo::KeyAgree {
                originator_key,
                ukm,
                algorithm,
                keys,
            } = &ris[0]
            else {
                panic!("not a kari")
            };
            assert_eq!(originator_key.len(), 65);
            assert_eq!(ukm.as_deref(), with_ukm.then_some(&b"ukm"[..]));
            assert_eq!(algorithm.oid, DH_SINGLE_PASS_SHA256KDF);
            assert_eq!(keys.len(), 1);
            assert_eq!(keys[0].1.len(), 24);
            // The wrapped key opens with the KEK derived as the writer did.
            let info = shared_info(&AES128_WRAP, None, 16).unwrap();
            let kek = x963_kdf(DigestAlgorithm::Sha256, &[9u8; 32], &info, 16).unwrap();
            assert_eq!(
                aes_key_unwrap(&kek, &keys[0].1).unwrap().as_slice(),
                [5u8; 16]
            );
        }
    }

    #[test]
    fn shared_info_with_ukm() {
        let der = shared_info(&AES256_WRAP, Some(b"abc"), 32).unwrap();
        let n = ber::parse(&der).unwrap();
        assert_eq!(n.children.len(), 3);
        assert_eq!(n.children[1].tag, 0xA0);
        assert_eq!(
            n.children[1].children[0].string_bytes(&der).unwrap(),
            b"abc"
        );
        assert_eq!(
            n.children[2].children[0].string_bytes(&der).unwrap(),
            [0, 0, 1, 0]
        );
    }

    #[test]
    fn mutated_recipient_infos_never_panic() {
        let der = sample_kari(true);
        for i in 0..der.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut m = der.clone();
                m[i] ^= flip;
                let set = tlv(0x31, &m);
                if let Ok(n) = ber::parse(&set) {
                    let _ = parse_recipient_infos(&n, &set);
                }
            }
            let set = tlv(0x31, &der[..i]);
            if let Ok(n) = ber::parse(&set) {
                let _ = parse_recipient_infos(&n, &set);
            }
        }
    }

    #[test]
    fn too_many_keys_in_a_kari() {
        let der = sample_kari(false);
        let node = ber::parse(&der).unwrap();
        let reks = node.children.last().unwrap();
        let one = &der[reks.children[0].range.clone()];
        let many: Vec<u8> = one.repeat(MAX_KEYS_PER_KARI + 1);
        let mut c = Vec::new();
        for ch in &node.children[..node.children.len() - 1] {
            c.extend_from_slice(&der[ch.range.clone()]);
        }
        c.extend_from_slice(&tlv(0x30, &many));
        let set = tlv(0x31, &tlv(0xA1, &c));
        let n = ber::parse(&set).unwrap();
        assert!(matches!(
            parse_recipient_infos(&n, &set),
            Err(CmsError::Malformed(ParseError::TooMany { .. }))
        ));
    }

    #[test]
    fn key_wrap_refuses_bad_sizes() {
        assert!(aes_key_wrap(&[0; 16], &[1; 8]).is_err());
        assert!(aes_key_wrap(&[0; 16], &[1; 20]).is_err());
        assert!(aes_key_wrap(&[0; 17], &[1; 16]).is_err());
        let w = aes_key_wrap(&[0; 24], &[1; 24]).unwrap();
        assert_eq!(w.len(), 32);
        assert_eq!(aes_key_unwrap(&[0; 24], &w).unwrap().as_slice(), [1; 24]);
        assert!(aes_key_unwrap(&[0; 16], &w).is_err());
        assert!(aes_key_unwrap(&[0; 24], &w[..16]).is_err());
        assert!(aes_key_unwrap(&[0; 24], &[]).is_err());
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
