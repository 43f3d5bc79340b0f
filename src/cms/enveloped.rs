//! EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083/5084): reading what peers write
//! (BER), writing DER ([`write`]) or a stream's BER framing with indefinite lengths
//! ([`stream_prefix`], [`stream_suffix`]), and the content encryption (AES-GCM, AES-CBC;
//! 3DES-CBC read only).
//!
//! GCM output is released only after the tag verified: decryption happens in a buffer that is
//! returned only on success (one-shot), or in a second pass that exists only once the first
//! verified the tag (streaming, `crypto::cipher::gcm`).

use super::error::CmsError;
use super::recipient::{self, RecipientInfo};
use crate::asn1::ber::{child, oid_of};
use crate::asn1::der_set_of;
use crate::crypto::cipher::{CipherError, Sealed};
use crate::crypto::oids;
use crate::error::ParseError;
use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Any, OctetString};
use spki::AlgorithmIdentifierOwned;

/// The GCM tag length when GCMParameters leave it out (RFC 5084 section 3.2).
pub const GCM_DEFAULT_ICV_LEN: usize = 12;
/// The GCM tag lengths RFC 5084 allows, and this library reads (it writes 16).
pub const GCM_ICV_LENS: std::ops::RangeInclusive<usize> = 12..=16;

/// The content-encryption algorithms, at the path callers know (`crypto::cipher`).
pub use crate::crypto::cipher::ContentCipher;

/// A parsed EnvelopedData or AuthEnvelopedData.
#[derive(Debug)]
pub struct Enveloped {
    /// Whether it is AuthEnvelopedData.
    pub authenticated: bool,
    /// The recipient infos.
    pub recipients: Vec<RecipientInfo>,
    /// The type of the encrypted content.
    pub content_type: ObjectIdentifier,
    /// The content cipher.
    pub cipher: ContentCipher,
    /// The CBC IV or GCM nonce.
    pub iv: Vec<u8>,
    /// The GCM tag length.
    pub icv_len: usize,
    /// The encrypted content.
    pub encrypted_content: Vec<u8>,
    /// The GCM additional data: authAttrs re-tagged as SET OF, or empty.
    pub aad: Vec<u8>,
    /// The GCM tag.
    pub mac: Vec<u8>,
}

/// Parses an EnvelopedData or AuthEnvelopedData ContentInfo (BER or DER).
pub fn parse(input: &[u8]) -> Result<Enveloped, CmsError> {
    let ci = super::signed_data::parse_content_info(input)?;
    let authenticated = if ci.content_type == oids::AUTH_ENVELOPED_DATA {
        true
    } else if ci.content_type == oids::ENVELOPED_DATA {
        false
    } else {
        return Err(CmsError::NotEncrypted);
    };
    let body = ci.content()?;
    let f = body.seq("EnvelopedData")?;
    let mut i = 1; // version
    if f.get(i).is_some_and(|n| n.is_context(0)) {
        i += 1; // originatorInfo
    }
    let ris = child(f, i, "recipientInfos")?;
    if ris.tag != 0x31 {
        return Err(CmsError::der("recipientInfos: expected a SET"));
    }
    let recipients = recipient::parse_recipient_infos(ris, input)?;
    i += 1;
    let eci = child(f, i, "encryptedContentInfo")?.seq("encryptedContentInfo")?;
    let content_type = oid_of(child(eci, 0, "contentType")?, input, "contentType")?;
    let (cipher, iv, icv_len) =
        content_algorithm(child(eci, 1, "contentEncryptionAlgorithm")?, input)?;
    let encrypted_content = match eci.get(2) {
        Some(n) if n.is_context(0) => n.string_bytes(input)?,
        _ => {
            return Err(ParseError::NotSmime {
                detail: "the encrypted content is detached (not supported)".into(),
            }
            .into());
        }
    };
    i += 1;
    let mut aad = Vec::new();
    let mut mac = Vec::new();
    if authenticated {
        if let Some(n) = f.get(i)
            && n.is_context(1)
        {
            aad = n.to_der(input)?;
            if let Some(first) = aad.first_mut() {
                *first = 0x31;
            }
            i += 1;
        }
        let m = child(f, i, "mac")?;
        if m.tag & !0x20 != 0x04 {
            return Err(CmsError::der("mac: expected an OCTET STRING"));
        }
        mac = m.string_bytes(input)?;
        if mac.len() != icv_len {
            return Err(CmsError::der("the mac length differs from the ICV length"));
        }
    }
    Ok(Enveloped {
        authenticated,
        recipients,
        content_type,
        cipher,
        iv,
        icv_len,
        encrypted_content,
        aad,
        mac,
    })
}

/// The content-encryption AlgorithmIdentifier node `alg` of `input`: the cipher, the CBC IV or
/// GCM nonce, and the GCM tag length (0 for CBC). Only 12-byte nonces are supported, and tags
/// of 12 to 16 bytes (RFC 5084: an absent ICV length is 12); a CBC IV must be one block.
pub fn content_algorithm(
    alg: &crate::asn1::ber::Node,
    input: &[u8],
) -> Result<(ContentCipher, Vec<u8>, usize), CmsError> {
    let alg = alg.seq("contentEncryptionAlgorithm")?;
    let alg_oid = oid_of(child(alg, 0, "algorithm")?, input, "algorithm")?;
    let cipher =
        ContentCipher::from_oid(&alg_oid).ok_or_else(|| CmsError::UnsupportedAlgorithm {
            detail: format!("content encryption {alg_oid}"),
        })?;
    let params = child(alg, 1, "content-encryption parameters")?;
    if cipher.is_authenticated() {
        let p = params.seq("GCMParameters")?;
        let nonce = child(p, 0, "GCM nonce")?.string_bytes(input)?;
        if p.len() > 2 {
            return Err(CmsError::der("GCMParameters: unexpected element"));
        }
        // RFC 5084 section 3.2: `aes-ICVlen ::= INTEGER (12 | 13 | 14 | 15 | 16)`, DEFAULT 12.
        let icv = match p.get(1) {
            None => GCM_DEFAULT_ICV_LEN,
            Some(n) if n.tag == 0x02 => match input.get(n.content.clone()) {
                // One content byte below 0x80: a non-negative value of at most 127.
                Some([v]) if *v < 0x80 => *v as usize,
                _ => {
                    return Err(CmsError::UnsupportedAlgorithm {
                        detail: "GCM with an ICV length outside 12 to 16".into(),
                    });
                }
            },
            Some(_) => return Err(CmsError::der("GCMParameters")),
        };
        if nonce.len() != crate::crypto::cipher::GCM_NONCE_LEN || !GCM_ICV_LENS.contains(&icv) {
            return Err(CmsError::UnsupportedAlgorithm {
                detail: format!(
                    "GCM with a {}-byte nonce and a {icv}-byte tag (a 12-byte nonce and a tag \
                     of 12 to 16 bytes are supported)",
                    nonce.len()
                ),
            });
        }
        Ok((cipher, nonce, icv))
    } else {
        let iv = params.string_bytes(input)?;
        let want = if cipher == ContentCipher::DesEde3Cbc {
            8
        } else {
            16
        };
        if params.tag & !0x20 != 0x04 || iv.len() != want {
            return Err(
                ParseError::der("CBC IV: expected an OCTET STRING of the block size").into(),
            );
        }
        Ok((cipher, iv, 0))
    }
}

impl Enveloped {
    /// A copy without the recipient infos, to retry the content decryption with another key.
    pub fn clone_for_retry(&self) -> Enveloped {
        Enveloped {
            authenticated: self.authenticated,
            recipients: Vec::new(),
            content_type: self.content_type,
            cipher: self.cipher,
            iv: self.iv.clone(),
            icv_len: self.icv_len,
            encrypted_content: self.encrypted_content.clone(),
            aad: self.aad.clone(),
            mac: self.mac.clone(),
        }
    }

    /// Decrypts the content with `cek`. Any failure (wrong key length, bad tag, bad padding) is
    /// [`CmsError::CannotDecrypt`]. For GCM, nothing is returned unless the tag verified.
    pub fn decrypt_content(mut self, cek: &[u8]) -> Result<Vec<u8>, CmsError> {
        let buf = std::mem::take(&mut self.encrypted_content);
        self.cipher
            .decrypt(cek, &self.iv, &self.aad, &self.mac, buf)
            .map_err(|_| CmsError::CannotDecrypt)
    }
}

/// Encrypts `content` under `cek` and writes the ContentInfo (DER): AuthEnvelopedData for GCM,
/// EnvelopedData for CBC. `recipient_infos` are the DER RecipientInfos.
pub fn write(
    content: &[u8],
    cipher: ContentCipher,
    cek: &[u8],
    recipient_infos: &[Vec<u8>],
) -> Result<Vec<u8>, CmsError> {
    let enc_err = |detail: &str| CmsError::Encoding {
        detail: detail.to_string(),
    };
    if !cipher.can_encrypt() {
        return Err(CmsError::UnsupportedAlgorithm {
            detail: format!("{} is only read, never written", cipher.name()),
        });
    }
    if cek.len() != cipher.key_len() {
        return Err(enc_err("content-encryption key of the wrong length"));
    }
    let sealed = cipher.encrypt(cek, content).map_err(|e| match e {
        CipherError::ReadOnly => CmsError::UnsupportedAlgorithm {
            detail: format!("{} is only read, never written", cipher.name()),
        },
        other => enc_err(&other.to_string()),
    })?;
    write_sealed(cipher, sealed, recipient_infos)
}

/// The beginning of an EnvelopedData (CBC) or AuthEnvelopedData (GCM) ContentInfo written as
/// a stream (BER, indefinite lengths, as OpenSSL's `-stream` output): everything up to the
/// encryptedContent, whose `[0]` the caller writes next as a constructed OCTET STRING of
/// chunks, followed by [`stream_suffix`]. `iv` is the CBC IV or the GCM nonce;
/// `recipient_infos` are the DER RecipientInfos (sorted into SET OF order here).
pub fn stream_prefix(
    cipher: ContentCipher,
    iv: &[u8],
    recipient_infos: &[Vec<u8>],
) -> Result<Vec<u8>, CmsError> {
    if !cipher.can_encrypt() {
        return Err(CmsError::UnsupportedAlgorithm {
            detail: format!("{} is only read, never written", cipher.name()),
        });
    }
    let parameters = if cipher.is_authenticated() {
        GcmParameters {
            nonce: OctetString::new(iv)?,
            icv_len: 16,
        }
        .to_der()?
    } else {
        OctetString::new(iv)?.to_der()?
    };
    let alg = crate::asn1::tlv(0x30, &[cipher.oid().to_der()?, parameters].concat());
    let (content_type, version) = if cipher.is_authenticated() {
        (oids::AUTH_ENVELOPED_DATA, 0u8)
    } else {
        (
            oids::ENVELOPED_DATA,
            enveloped_data_version(recipient_infos),
        )
    };
    let mut out = vec![0x30, 0x80];
    out.extend_from_slice(&content_type.to_der()?);
    out.extend_from_slice(&[0xA0, 0x80, 0x30, 0x80]);
    out.extend_from_slice(&version.to_der()?);
    out.extend_from_slice(&der_set_of(0x31, recipient_infos.to_vec()));
    out.extend_from_slice(&[0x30, 0x80]);
    out.extend_from_slice(&oids::DATA.to_der()?);
    out.extend_from_slice(&alg);
    Ok(out)
}

/// What follows the encryptedContent of [`stream_prefix`]: the end of the
/// EncryptedContentInfo, the mac (GCM: `tag`), the ends of the structure.
pub fn stream_suffix(tag: Option<&[u8]>) -> Vec<u8> {
    let mut out = vec![0, 0];
    if let Some(tag) = tag {
        out.extend_from_slice(&crate::asn1::tlv(0x04, tag));
    }
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    out
}

/// The EnvelopedData version for these DER RecipientInfos (RFC 5652 section 6.1, without
/// originatorInfo or unprotectedAttrs): 3 when any is an OtherRecipientInfo (`ori [4]`, a
/// KEMRecipientInfo), else 2 when any is not a KeyTransRecipientInfo (kari is `[1]`), else 0.
fn enveloped_data_version(recipient_infos: &[Vec<u8>]) -> u8 {
    if recipient_infos.iter().any(|r| r.first() == Some(&0xA4)) {
        3
    } else if recipient_infos.iter().all(|r| r.first() == Some(&0x30)) {
        0
    } else {
        2
    }
}

/// GCMParameters (RFC 5084 section 3.2), as written: the ICV length always given.
#[derive(der::Sequence)]
struct GcmParameters {
    nonce: OctetString,
    icv_len: u8,
}

/// The ContentInfo around encrypted content: written with the `der` and `cms` crate types,
/// except the RecipientInfos, which arrive as DER and are placed as they are, sorted into SET
/// OF order (re-decoding them would re-encode the issuer names copied from the certificates).
fn write_sealed(
    cipher: ContentCipher,
    sealed: Sealed,
    recipient_infos: &[Vec<u8>],
) -> Result<Vec<u8>, CmsError> {
    let parameters = match sealed.tag {
        Some(_) => Any::encode_from(&GcmParameters {
            nonce: OctetString::new(sealed.iv)?,
            icv_len: 16,
        })?,
        None => Any::encode_from(&OctetString::new(sealed.iv)?)?,
    };
    let eci = ::cms::enveloped_data::EncryptedContentInfo {
        content_type: oids::DATA,
        content_enc_alg: AlgorithmIdentifierOwned {
            oid: cipher.oid(),
            parameters: Some(parameters),
        },
        encrypted_content: Some(OctetString::new(sealed.ciphertext)?),
    };
    let ris = der_set_of(0x31, recipient_infos.to_vec());
    let (content_type, body) = match sealed.tag {
        Some(tag) => (
            oids::AUTH_ENVELOPED_DATA,
            [
                0u8.to_der()?,
                ris,
                eci.to_der()?,
                OctetString::new(tag)?.to_der()?,
            ]
            .concat(),
        ),
        None => {
            let version = enveloped_data_version(recipient_infos);
            (
                oids::ENVELOPED_DATA,
                [version.to_der()?, ris, eci.to_der()?].concat(),
            )
        }
    };
    let ci = ::cms::content_info::ContentInfo {
        content_type,
        content: Any::new(der::Tag::Sequence, body)?,
    };
    Ok(ci.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn1::tlv;

    /// The writer before it used the `der` types, kept here as the reference the output must
    /// equal byte for byte.
    fn hand_written(cipher: ContentCipher, sealed: &Sealed, ris: &[Vec<u8>]) -> Vec<u8> {
        let ris_set = der_set_of(0x31, ris.to_vec());
        let (params, mac) = match sealed.tag {
            Some(tag) => (
                tlv(0x30, &[tlv(0x04, &sealed.iv), tlv(0x02, &[16])].concat()),
                Some(tag.to_vec()),
            ),
            None => (tlv(0x04, &sealed.iv), None),
        };
        let alg = tlv(0x30, &[cipher.oid().to_der().unwrap(), params].concat());
        let eci = tlv(
            0x30,
            &[
                oids::DATA.to_der().unwrap(),
                alg,
                tlv(0x80, &sealed.ciphertext),
            ]
            .concat(),
        );
        let (ct, body) = match mac {
            Some(tag) => (
                oids::AUTH_ENVELOPED_DATA,
                [tlv(0x02, &[0]), ris_set, eci, tlv(0x04, &tag)].concat(),
            ),
            None => {
                let version = if ris.iter().any(|r| r.first() == Some(&0xA4)) {
                    3
                } else if ris.iter().all(|r| r.first() == Some(&0x30)) {
                    0
                } else {
                    2
                };
                (
                    oids::ENVELOPED_DATA,
                    [tlv(0x02, &[version]), ris_set, eci].concat(),
                )
            }
        };
        tlv(
            0x30,
            &[ct.to_der().unwrap(), tlv(0xA0, &tlv(0x30, &body))].concat(),
        )
    }

    #[test]
    fn the_der_writer_is_byte_identical_to_the_hand_writer() {
        let ktri = tlv(0x30, &[0x02, 0x01, 0x00]);
        let kari = tlv(0xA1, &[0x02, 0x01, 0x03]);
        let ori = tlv(0xA4, &[0x06, 0x01, 0x00]);
        for (cipher, tag) in [
            (ContentCipher::Aes256Gcm, Some([9u8; 16])),
            (ContentCipher::Aes128Cbc, None),
        ] {
            for ris in [
                vec![ktri.clone()],
                vec![kari.clone(), ktri.clone()],
                vec![ori.clone(), kari.clone(), ktri.clone()],
            ] {
                // A long ciphertext, so that lengths take the long form.
                let sealed = Sealed {
                    iv: vec![7; if tag.is_some() { 12 } else { 16 }],
                    ciphertext: vec![0xAB; 300],
                    tag,
                };
                let expected = hand_written(cipher, &sealed, &ris);
                assert_eq!(write_sealed(cipher, sealed, &ris).unwrap(), expected);
            }
        }
    }
}
