//! KEMRecipientInfo (RFC 9629) with ML-KEM (RFC 9936): the content-encryption key carried to a
//! recipient whose certificate holds a key-encapsulation key.
//!
//! A KEMRecipientInfo travels as an OtherRecipientInfo (`ori [4]`, `id-ori-kem`) in
//! EnvelopedData and AuthEnvelopedData:
//!
//! ```text
//! KEMRecipientInfo ::= SEQUENCE {
//!   version CMSVersion,  -- always 0
//!   rid RecipientIdentifier,
//!   kem KEMAlgorithmIdentifier,
//!   kemct OCTET STRING,
//!   kdf KeyDerivationAlgorithmIdentifier,
//!   kekLength INTEGER (1..65535),
//!   ukm [0] EXPLICIT UserKeyingMaterial OPTIONAL,
//!   wrap KeyEncryptionAlgorithmIdentifier,
//!   encryptedKey EncryptedKey }
//! ```
//!
//! The sender encapsulates to the recipient's public key (`kemct` and a shared secret), derives
//! the key-encryption key with the KDF from the shared secret and the DER
//! `CMSORIforKEMOtherInfo { wrap, kekLength, ukm [0] EXPLICIT OPTIONAL }` (RFC 9629
//! section 5), and wraps the content-encryption key with it.
//!
//! Read: ML-KEM-512/768/1024 (parameters absent), HKDF with SHA-256, SHA-384 or SHA-512
//! (RFC 8619 OIDs, parameters absent), AES-128/192/256 key wrap, with or without ukm; the
//! recipient identified by issuerAndSerialNumber or subjectKeyIdentifier. Written: the same,
//! by default HKDF-SHA-256 with the key wrap RFC 9936 makes mandatory for the level (AES-128 for
//! ML-KEM-512, AES-256 for ML-KEM-768 and ML-KEM-1024), and AES-256 key wrap whenever the
//! content-encryption key is longer than 16 bytes.
//!
//! ML-KEM's implicit rejection means a wrong key (or a tampered `kemct`) decapsulates to an
//! unrelated secret: the key unwrap then fails, and the failure is
//! [`CmsError::CannotDecrypt`], the one error every other recipient kind gives.

use super::error::CmsError;
use super::signed_data::SignerId;
use crate::asn1::ber::{Node, child, decode, oid_of, small_int};
use crate::asn1::tlv;
use crate::crypto::keys::{KeyKind, KeyOperationError, PrivateKey};
use crate::crypto::keywrap::{aes_key_unwrap, aes_key_wrap};
use crate::crypto::mlkem;
use crate::crypto::verify::MlKemLevel;
use crate::crypto::{DigestAlgorithm, oids};
use crate::error::ParseError;
use const_oid::ObjectIdentifier;
use der::Encode;
use spki::AlgorithmIdentifierOwned;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use zeroize::Zeroizing;

/// The largest KEM ciphertext accepted (ML-KEM-1024's is 1568 bytes).
pub const MAX_KEMCT: usize = 4096;
/// The largest wrapped key accepted.
pub const MAX_WRAPPED_KEY: usize = 1024;
/// The largest user keying material accepted, read or written.
pub const MAX_UKM: usize = 1024;

/// The key-derivation function of a KEMRecipientInfo written by this library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KemKdf {
    /// HKDF with SHA-256 (`id-alg-hkdf-with-sha256`, RFC 8619): what RFC 9936 makes mandatory
    /// for every ML-KEM level, and the default.
    #[default]
    HkdfSha256,
    /// HKDF with SHA-384 (`id-alg-hkdf-with-sha384`).
    HkdfSha384,
    /// HKDF with SHA-512 (`id-alg-hkdf-with-sha512`).
    HkdfSha512,
}

impl KemKdf {
    /// The KDF's algorithm OID (RFC 8619).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            KemKdf::HkdfSha256 => oids::HKDF_SHA256,
            KemKdf::HkdfSha384 => oids::HKDF_SHA384,
            KemKdf::HkdfSha512 => oids::HKDF_SHA512,
        }
    }

    /// The HKDF hash.
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            KemKdf::HkdfSha256 => DigestAlgorithm::Sha256,
            KemKdf::HkdfSha384 => DigestAlgorithm::Sha384,
            KemKdf::HkdfSha512 => DigestAlgorithm::Sha512,
        }
    }

    /// The KDF an OID names.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [KemKdf::HkdfSha256, KemKdf::HkdfSha384, KemKdf::HkdfSha512]
            .into_iter()
            .find(|k| k.oid() == *oid)
    }
}

/// How KEMRecipientInfos are written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KemOptions {
    /// The key-derivation function (HKDF-SHA-256 by default).
    pub kdf: KemKdf,
    /// User keying material (`ukm`), mixed into the key derivation; none by default. At most
    /// 1024 bytes.
    pub ukm: Option<Vec<u8>>,
}

/// A parsed KEMRecipientInfo.
#[derive(Debug, Clone)]
pub struct KemRecipientInfo {
    /// The recipient's certificate (issuerAndSerialNumber or subject key identifier).
    pub rid: SignerId,
    /// The KEM algorithm (an ML-KEM OID for the ones supported).
    pub kem: AlgorithmIdentifierOwned,
    /// The KEM ciphertext.
    pub kemct: Vec<u8>,
    /// The key-derivation algorithm.
    pub kdf: AlgorithmIdentifierOwned,
    /// The length of the key-encryption key, in bytes.
    pub kek_length: u16,
    /// The user keying material, if any.
    pub ukm: Option<Vec<u8>>,
    /// The key-wrap algorithm.
    pub wrap: AlgorithmIdentifierOwned,
    /// The wrapped content-encryption key.
    pub encrypted_key: Vec<u8>,
}

impl KemRecipientInfo {
    /// Whether it is addressed to the certificate.
    pub fn addressed_to(&self, cert: &x509_cert::Certificate) -> bool {
        self.rid.matches(cert)
    }
}

fn unsupported(detail: impl Into<String>) -> CmsError {
    CmsError::UnsupportedAlgorithm {
        detail: detail.into(),
    }
}

/// A primitive or constructed OCTET STRING of at most `max` bytes.
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

/// The KEK length: an INTEGER in 1..=65535.
fn kek_length(node: &Node, input: &[u8]) -> Result<u16, CmsError> {
    if node.tag != 0x02 {
        return Err(CmsError::der("kekLength: expected an INTEGER"));
    }
    let v = input
        .get(node.content.clone())
        .ok_or_else(|| CmsError::der("kekLength: truncated"))?;
    let v = match v {
        [0, rest @ ..] if rest.first().is_some_and(|b| b & 0x80 != 0) => rest,
        [b, ..] if b & 0x80 != 0 => return Err(CmsError::der("kekLength: negative")),
        _ => v,
    };
    let n = match v {
        [a] => u16::from(*a),
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => return Err(CmsError::der("kekLength: out of range")),
    };
    if n == 0 {
        return Err(CmsError::der("kekLength: zero"));
    }
    Ok(n)
}

/// Reads an OtherRecipientInfo (`ori [4]`, the node's tag 0xA4): a [`KemRecipientInfo`] when
/// its type is `id-ori-kem` and its version 0, `None` for another kind (skipped by the
/// caller).
pub fn parse_ori(node: &Node, input: &[u8]) -> Result<Option<KemRecipientInfo>, CmsError> {
    if node.tag != 0xA4 {
        return Err(CmsError::der("OtherRecipientInfo: expected [4]"));
    }
    let ori_type = oid_of(child(&node.children, 0, "oriType")?, input, "oriType")?;
    if ori_type != oids::ORI_KEM {
        return Ok(None);
    }
    let value = child(&node.children, 1, "oriValue")?;
    let f = value.seq("KEMRecipientInfo")?;
    if small_int(
        child(f, 0, "KEMRecipientInfo version")?,
        input,
        "KEMRecipientInfo version",
    )? != 0
    {
        return Ok(None);
    }
    let rid_node = child(f, 1, "KEMRecipientInfo rid")?;
    let rid = if rid_node.tag == 0x30 {
        let parts = rid_node.seq("issuerAndSerialNumber")?;
        SignerId::IssuerAndSerial {
            issuer: decode::<Name>(child(parts, 0, "issuer")?, input, "issuer")?,
            serial: decode::<SerialNumber>(child(parts, 1, "serialNumber")?, input, "serial")?,
        }
    } else if rid_node.is_context(0) && !rid_node.constructed() {
        SignerId::SubjectKeyId(rid_node.string_bytes(input)?)
    } else {
        return Err(CmsError::der(
            "KEMRecipientInfo rid: neither issuerAndSerialNumber nor [0]",
        ));
    };
    let kem = decode(child(f, 2, "kem")?, input, "kem")?;
    let kemct = octets(child(f, 3, "kemct")?, input, MAX_KEMCT, "kemct")?;
    let kdf = decode(child(f, 4, "kdf")?, input, "kdf")?;
    let kek_length = kek_length(child(f, 5, "kekLength")?, input)?;
    let mut i = 6;
    let mut ukm = None;
    if let Some(n) = f.get(i)
        && n.is_context(0)
    {
        let inner = child(n.seq("ukm")?, 0, "ukm")?;
        ukm = Some(octets(inner, input, MAX_UKM, "ukm")?);
        i += 1;
    }
    let wrap = decode(child(f, i, "wrap")?, input, "wrap")?;
    let encrypted_key = octets(
        child(f, i + 1, "encryptedKey")?,
        input,
        MAX_WRAPPED_KEY,
        "encryptedKey",
    )?;
    if f.len() > i + 2 {
        return Err(CmsError::der(
            "KEMRecipientInfo: unexpected fields at the end",
        ));
    }
    Ok(Some(KemRecipientInfo {
        rid,
        kem,
        kemct,
        kdf,
        kek_length,
        ukm,
        wrap,
        encrypted_key,
    }))
}

/// Whether an AlgorithmIdentifier has no parameters (absent; NULL tolerated).
fn no_params(alg: &AlgorithmIdentifierOwned) -> bool {
    match &alg.parameters {
        None => true,
        Some(p) => p.to_der().is_ok_and(|d| d == [0x05, 0x00]),
    }
}

/// The key size of an AES key-wrap OID.
fn wrap_key_len(wrap: &ObjectIdentifier) -> Option<usize> {
    use super::recipient::{AES128_WRAP, AES192_WRAP, AES256_WRAP};
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

/// The DER `CMSORIforKEMOtherInfo` (RFC 9629 section 5): the HKDF `info`.
pub fn other_info(
    wrap: &ObjectIdentifier,
    kek_length: u16,
    ukm: Option<&[u8]>,
) -> Result<Vec<u8>, CmsError> {
    let mut c = AlgorithmIdentifierOwned {
        oid: *wrap,
        parameters: None,
    }
    .to_der()?;
    c.extend_from_slice(&kek_length.to_der()?);
    if let Some(ukm) = ukm {
        c.extend_from_slice(&tlv(0xA0, &tlv(0x04, ukm)));
    }
    Ok(tlv(0x30, &c))
}

/// The ML-KEM level of a KEM AlgorithmIdentifier, the KDF and the KEK length a
/// KEMRecipientInfo asks for, checked.
fn algorithms(ri: &KemRecipientInfo) -> Result<(MlKemLevel, KemKdf, usize), CmsError> {
    let level = MlKemLevel::from_oid(&ri.kem.oid)
        .ok_or_else(|| unsupported(format!("KEM algorithm {}", ri.kem.oid)))?;
    if ri.kem.parameters.is_some() {
        return Err(unsupported(format!("parameters on {}", level.name())));
    }
    let kdf = KemKdf::from_oid(&ri.kdf.oid)
        .ok_or_else(|| unsupported(format!("KEM key derivation {}", ri.kdf.oid)))?;
    if !no_params(&ri.kdf) {
        return Err(unsupported(format!("parameters on the KDF {}", ri.kdf.oid)));
    }
    let kek_len = wrap_key_len(&ri.wrap.oid)
        .ok_or_else(|| unsupported(format!("key wrap algorithm {}", ri.wrap.oid)))?;
    if !no_params(&ri.wrap) {
        return Err(unsupported(format!(
            "parameters on key wrap {}",
            ri.wrap.oid
        )));
    }
    if usize::from(ri.kek_length) != kek_len {
        return Err(unsupported(format!(
            "a {}-byte key-encryption key for {} (a {kek_len}-byte key)",
            ri.kek_length, ri.wrap.oid
        )));
    }
    Ok((level, kdf, kek_len))
}

/// The ML-KEM level of a key kind.
fn level_of(kind: KeyKind) -> Option<MlKemLevel> {
    match kind {
        KeyKind::MlKem512 => Some(MlKemLevel::MlKem512),
        KeyKind::MlKem768 => Some(MlKemLevel::MlKem768),
        KeyKind::MlKem1024 => Some(MlKemLevel::MlKem1024),
        _ => None,
    }
}

/// Recovers the content-encryption key of a KEMRecipientInfo with `key` (any [`PrivateKey`]
/// whose kind is an ML-KEM key of the level the recipient info names, through
/// [`PrivateKey::kem_decapsulate`]). `cek_len` is the key length the content cipher needs (0:
/// not checked).
///
/// Every failure to recover the key is [`CmsError::CannotDecrypt`] (another kind of key, a
/// ciphertext of the wrong length, the key unwrap failing after implicit rejection), except a
/// key that declined or could not be reached ([`CmsError::KeyDeclined`]); an algorithm not
/// supported is [`CmsError::UnsupportedAlgorithm`].
pub fn unwrap_cek(
    ri: &KemRecipientInfo,
    key: &dyn PrivateKey,
    cek_len: usize,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let (level, kdf, kek_len) = algorithms(ri)?;
    if level_of(key.kind()) != Some(level) || ri.kemct.len() != level.ciphertext_len() {
        return Err(CmsError::CannotDecrypt);
    }
    let ss = key.kem_decapsulate(&ri.kemct).map_err(|e| match e {
        KeyOperationError::Refused { .. } | KeyOperationError::Unavailable { .. } => {
            CmsError::KeyDeclined(e)
        }
        _ => CmsError::CannotDecrypt,
    })?;
    let info = other_info(&ri.wrap.oid, ri.kek_length, ri.ukm.as_deref())?;
    let kek = crate::crypto::kdf::hkdf(kdf.digest(), &[], &ss, &info, kek_len)
        .ok_or(CmsError::CannotDecrypt)?;
    let cek = aes_key_unwrap(&kek, &ri.encrypted_key).map_err(|_| CmsError::CannotDecrypt)?;
    if cek_len != 0 && cek.len() != cek_len {
        return Err(CmsError::CannotDecrypt);
    }
    Ok(cek)
}

/// The key wrap written for a level and content-encryption key: the one RFC 9936 makes
/// mandatory for the level (AES-128 for ML-KEM-512, AES-256 otherwise), AES-256 whenever the
/// content key is longer than 16 bytes.
fn wrap_for(level: MlKemLevel, cek_len: usize) -> ObjectIdentifier {
    use super::recipient::{AES128_WRAP, AES256_WRAP};
    if level == MlKemLevel::MlKem512 && cek_len <= 16 {
        AES128_WRAP
    } else {
        AES256_WRAP
    }
}

/// The DER RecipientInfo (`ori [4]` holding a KEMRecipientInfo) that carries `cek` to the
/// holder of an ML-KEM key: `rid` is the DER RecipientIdentifier (issuerAndSerialNumber, or
/// `[0]` subjectKeyIdentifier), `public` the raw encapsulation key of `level`.
pub fn recipient_info(
    rid: &[u8],
    level: MlKemLevel,
    public: &[u8],
    cek: &[u8],
    options: &KemOptions,
) -> Result<Vec<u8>, CmsError> {
    if let Some(ukm) = &options.ukm
        && ukm.len() > MAX_UKM
    {
        return Err(CmsError::encoding(format!(
            "user keying material of {} bytes (at most {MAX_UKM})",
            ukm.len()
        )));
    }
    let enc = mlkem::encapsulate(level, public).map_err(|e| {
        CmsError::encoding(format!("encapsulation to the {} key: {e}", level.name()))
    })?;
    let wrap = wrap_for(level, cek.len());
    let kek_len = wrap_key_len(&wrap).unwrap_or(32);
    let kek_length = u16::try_from(kek_len).unwrap_or(32);
    let info = other_info(&wrap, kek_length, options.ukm.as_deref())?;
    let kek = crate::crypto::kdf::hkdf(
        options.kdf.digest(),
        &[],
        &enc.shared_secret,
        &info,
        kek_len,
    )
    .ok_or_else(|| unsupported(format!("HKDF with {}", options.kdf.digest().name())))?;
    let wrapped = aes_key_wrap(&kek, cek).map_err(|e| unsupported(e.to_string()))?;
    let alg = |oid: ObjectIdentifier| {
        AlgorithmIdentifierOwned {
            oid,
            parameters: None,
        }
        .to_der()
    };
    let mut c = vec![0x02, 0x01, 0x00];
    c.extend_from_slice(rid);
    c.extend_from_slice(&alg(level.oid())?);
    c.extend_from_slice(&tlv(0x04, &enc.ciphertext));
    c.extend_from_slice(&alg(options.kdf.oid())?);
    c.extend_from_slice(&kek_length.to_der()?);
    if let Some(ukm) = &options.ukm {
        c.extend_from_slice(&tlv(0xA0, &tlv(0x04, ukm)));
    }
    c.extend_from_slice(&alg(wrap)?);
    c.extend_from_slice(&tlv(0x04, &wrapped));
    let mut ori = oids::ORI_KEM.to_der()?;
    ori.extend_from_slice(&tlv(0x30, &c));
    Ok(tlv(0xA4, &ori))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::SoftwareKey;
    use crate::crypto::mlkem::MlKemKey;

    fn rid() -> Vec<u8> {
        // issuerAndSerialNumber with an empty issuer name and serial 1.
        tlv(0x30, &[0x30, 0x00, 0x02, 0x01, 0x01])
    }

    fn parse_one(der: &[u8]) -> KemRecipientInfo {
        let node = crate::asn1::ber::parse(der).unwrap();
        parse_ori(&node, der).unwrap().unwrap()
    }

    fn key(level: MlKemLevel, seed: u8) -> SoftwareKey {
        let k = MlKemKey::from_seed(level, &[seed; 64]).unwrap();
        SoftwareKey::from_pkcs8_der(&k.to_pkcs8_der().unwrap()).unwrap()
    }

    #[test]
    fn other_info_layout() {
        // SEQUENCE { AlgorithmIdentifier { id-aes256-wrap }, INTEGER 32 }
        let der = other_info(&super::super::recipient::AES256_WRAP, 32, None).unwrap();
        assert_eq!(
            der,
            [
                &[0x30, 0x10, 0x30, 0x0B, 0x06, 0x09][..],
                super::super::recipient::AES256_WRAP.as_bytes(),
                &[0x02, 0x01, 0x20]
            ]
            .concat()
        );
        let der = other_info(&super::super::recipient::AES128_WRAP, 16, Some(b"u")).unwrap();
        let n = crate::asn1::ber::parse(&der).unwrap();
        assert_eq!(n.children.len(), 3);
        assert_eq!(n.children[2].tag, 0xA0);
        assert_eq!(n.children[2].children[0].string_bytes(&der).unwrap(), b"u");
    }

    #[test]
    fn written_recipient_infos_read_back_and_open() {
        for level in MlKemLevel::ALL {
            for kdf in [KemKdf::HkdfSha256, KemKdf::HkdfSha384, KemKdf::HkdfSha512] {
                for ukm in [None, Some(b"some keying material".to_vec())] {
                    for cek_len in [16, 32] {
                        let k = key(level, 9);
                        let public = MlKemKey::from_seed(level, &[9; 64]).unwrap().public_key();
                        let cek = vec![0x5A; cek_len];
                        let opts = KemOptions {
                            kdf,
                            ukm: ukm.clone(),
                        };
                        let der = recipient_info(&rid(), level, &public, &cek, &opts).unwrap();
                        let ri = parse_one(&der);
                        assert_eq!(ri.kem.oid, level.oid());
                        assert_eq!(ri.kdf.oid, kdf.oid());
                        assert_eq!(ri.ukm, ukm);
                        assert_eq!(ri.kemct.len(), level.ciphertext_len());
                        assert_eq!(
                            usize::from(ri.kek_length),
                            if level == MlKemLevel::MlKem512 && cek_len == 16 {
                                16
                            } else {
                                32
                            }
                        );
                        assert_eq!(unwrap_cek(&ri, &k, cek_len).unwrap().as_slice(), cek);
                        // Another key of the level: implicit rejection, then the unwrap fails.
                        let other = key(level, 10);
                        assert!(matches!(
                            unwrap_cek(&ri, &other, cek_len),
                            Err(CmsError::CannotDecrypt)
                        ));
                        // The wrong content-key length.
                        assert!(matches!(
                            unwrap_cek(&ri, &k, cek_len + 8),
                            Err(CmsError::CannotDecrypt)
                        ));
                    }
                }
            }
        }
    }

    #[test]
    fn a_key_of_another_kind_or_level_cannot_decrypt() {
        let public = MlKemKey::from_seed(MlKemLevel::MlKem768, &[1; 64])
            .unwrap()
            .public_key();
        let der = recipient_info(
            &rid(),
            MlKemLevel::MlKem768,
            &public,
            &[1; 32],
            &KemOptions::default(),
        )
        .unwrap();
        let ri = parse_one(&der);
        let k512 = key(MlKemLevel::MlKem512, 1);
        assert!(matches!(
            unwrap_cek(&ri, &k512, 32),
            Err(CmsError::CannotDecrypt)
        ));
        let p256 = SoftwareKey::from_pkcs8_der(
            &p256::SecretKey::from_slice(&[7; 32])
                .map(|k| {
                    use pkcs8::EncodePrivateKey;
                    k.to_pkcs8_der().unwrap().as_bytes().to_vec()
                })
                .unwrap(),
        )
        .unwrap();
        assert!(matches!(
            unwrap_cek(&ri, &p256, 32),
            Err(CmsError::CannotDecrypt)
        ));
    }

    #[test]
    fn unsupported_algorithms_are_named() {
        let public = MlKemKey::from_seed(MlKemLevel::MlKem512, &[1; 64])
            .unwrap()
            .public_key();
        let der = recipient_info(
            &rid(),
            MlKemLevel::MlKem512,
            &public,
            &[1; 16],
            &KemOptions::default(),
        )
        .unwrap();
        let k = key(MlKemLevel::MlKem512, 1);
        let mut ri = parse_one(&der);
        ri.kdf.oid = oids::SHA256;
        assert!(matches!(
            unwrap_cek(&ri, &k, 16),
            Err(CmsError::UnsupportedAlgorithm { .. })
        ));
        let mut ri = parse_one(&der);
        ri.kek_length = 32;
        assert!(matches!(
            unwrap_cek(&ri, &k, 16),
            Err(CmsError::UnsupportedAlgorithm { .. })
        ));
        let mut ri = parse_one(&der);
        ri.kem.oid = oids::ML_DSA_44;
        assert!(matches!(
            unwrap_cek(&ri, &k, 16),
            Err(CmsError::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn other_ori_types_are_skipped_and_garbage_never_panics() {
        let der = tlv(
            0xA4,
            &[oids::DATA.to_der().unwrap(), tlv(0x30, &[])].concat(),
        );
        let node = crate::asn1::ber::parse(&der).unwrap();
        assert!(parse_ori(&node, &der).unwrap().is_none());
        let public = MlKemKey::from_seed(MlKemLevel::MlKem512, &[1; 64])
            .unwrap()
            .public_key();
        let good = recipient_info(
            &rid(),
            MlKemLevel::MlKem512,
            &public,
            &[1; 16],
            &KemOptions {
                kdf: KemKdf::HkdfSha256,
                ukm: Some(vec![1, 2, 3]),
            },
        )
        .unwrap();
        // Flip bytes of the header region (the kemct itself is opaque).
        for i in 0..good.len().min(120) {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut m = good.clone();
                m[i] ^= flip;
                if let Ok(n) = crate::asn1::ber::parse(&m)
                    && n.tag == 0xA4
                {
                    let _ = parse_ori(&n, &m);
                }
            }
        }
        for i in 0..good.len() {
            if let Ok(n) = crate::asn1::ber::parse(&good[..i])
                && n.tag == 0xA4
            {
                let _ = parse_ori(&n, &good[..i]);
            }
        }
    }
}
