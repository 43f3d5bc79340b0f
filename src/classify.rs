//! What a message is: one answer for [`verify`](fn@crate::verify) and
//! [`decrypt`](fn@crate::decrypt).
//!
//! A message is peeled layer by layer: each step looks at the MIME tree of the current layer and
//! finds its outermost protective structure, the first signed or encrypted S/MIME structure in
//! document order ([`classify`]). Both the verifier and the decryptor ask this module, so they
//! never disagree about a file: when one says "encrypted" the other does not say "not
//! encrypted", whatever the nesting of signed and encrypted layers and whatever multipart
//! wrappers of other kinds (multipart/mixed, an OpenPGP multipart/signed…) are around them.
//!
//! - For `multipart/signed` with an S/MIME signature the layer is signed.
//! - For `application/pkcs7-mime` the CMS content type decides (signed-data: signed;
//!   enveloped-data or authEnveloped-data: encrypted), whatever `smime-type` claims, because the
//!   CMS is what is processed. When the CMS does not parse, the `smime-type` label decides, so
//!   that the operation it names reports the parse error; without a label the parse error is
//!   returned here.
//! - certs-only structures and CMS of other content types are not layers: they are skipped.

use crate::cms::signed_data;
use crate::crypto::oids;
use crate::error::ParseError;
use crate::mime::{self, SmimeKind, SmimePart};
use std::borrow::Cow;

/// What the outermost protective layer of a message is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerKind {
    /// A signature (multipart/signed or opaque signed-data).
    Signed,
    /// Encrypted content (enveloped-data or authEnveloped-data).
    Encrypted,
}

/// The outermost protective layer found in a message by [`classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outermost {
    /// Signed or encrypted.
    pub kind: LayerKind,
    /// The S/MIME structure of the layer.
    pub part: SmimePart,
}

impl Outermost {
    /// Whether the structure is the whole message (rather than one part of a multipart of
    /// another kind: the rest of the message is then not protected by this layer).
    pub fn is_whole_message(&self) -> bool {
        self.part.depth == 0
    }
}

/// A message parsed and classified by [`classify_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The addresses of the top-level From header fields
    /// ([`ParsedMessage::from`](crate::mime::ParsedMessage::from)).
    pub from: Vec<String>,
    /// The top-level From header fields, every mailbox and whether one could not be read
    /// ([`ParsedMessage::from_fields`](crate::mime::ParsedMessage::from_fields)).
    pub from_fields: mime::FromFields,
    /// The outermost protective layer, if any.
    pub outermost: Option<Outermost>,
}

/// Parses `message` within `limits` and classifies it (see [`classify`]), keeping only what a
/// layer walk needs: the other S/MIME structures (and their decoded CMS) are dropped.
///
/// Besides a MIME message or entity, `message` may be a bare CMS ContentInfo, as a saved
/// `smime.p7m` or `.p7s` holds it: DER or BER, or PEM (`PKCS7` or `CMS` armour). It is then a
/// layer of its own, as if it were the body of an `application/pkcs7-mime` message without
/// header fields.
pub fn classify_message(message: &[u8], limits: &mime::Limits) -> Result<Classified, ParseError> {
    if let Some(cms) = bare_cms(message)? {
        if cms.len() > limits.max_size {
            return Err(ParseError::TooLarge {
                what: "message",
                limit: limits.max_size,
            });
        }
        let ci = signed_data::parse_content_info(&cms)?;
        let kind = if ci.content_type == oids::SIGNED_DATA {
            SmimeKind::SignedData
        } else if ci.content_type == oids::ENVELOPED_DATA {
            SmimeKind::EnvelopedData
        } else if ci.content_type == oids::AUTH_ENVELOPED_DATA {
            SmimeKind::AuthEnvelopedData
        } else {
            return Err(ParseError::UnsupportedContentType {
                oid: ci.content_type.to_string(),
            });
        };
        let part = SmimePart {
            kind,
            entity: 0..message.len(),
            depth: 0,
            path: Vec::new(),
            signed_content: None,
            cms: cms.into_owned(),
            micalg: None,
            protocol: None,
            signature_part_type: None,
        };
        let outermost = kind_of(&part)?.map(|kind| Outermost { kind, part });
        return Ok(Classified {
            from: Vec::new(),
            from_fields: mime::FromFields::default(),
            outermost,
        });
    }
    let mut parsed = mime::parse(message, limits)?;
    let found = find(&parsed)?;
    let outermost = found.map(|(i, kind)| Outermost {
        kind,
        part: parsed.smime.swap_remove(i),
    });
    Ok(Classified {
        from: parsed.from,
        from_fields: parsed.from_fields,
        outermost,
    })
}

/// The CMS structure `message` is, when it is one rather than MIME: DER/BER starting with a
/// SEQUENCE that reads as a ContentInfo, or a PEM block labelled `PKCS7` or `CMS` at the start.
/// Input that starts with a SEQUENCE tag and has binary bytes where text headers would be is
/// taken for CMS, so a truncated or damaged structure gets its DER error rather than reading as
/// a message without S/MIME.
pub(crate) fn bare_cms(message: &[u8]) -> Result<Option<Cow<'_, [u8]>>, ParseError> {
    if message.first() == Some(&0x30) {
        if signed_data::parse_content_info(message).is_ok() {
            return Ok(Some(Cow::Borrowed(message)));
        }
        let binary = message.len() < 2
            || message
                .iter()
                .skip(1)
                .take(16)
                .any(|&b| b >= 0x80 || (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')));
        if binary {
            signed_data::parse_content_info(message)?;
        }
    }
    let start = message
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(message.len());
    let text = &message[start..];
    if text.starts_with(b"-----BEGIN PKCS7-----") || text.starts_with(b"-----BEGIN CMS-----") {
        let blocks = crate::crypto::keys::pem_blocks(text, 1)?.unwrap_or_default();
        return match blocks.into_iter().next() {
            Some((_, der)) => Ok(Some(Cow::Owned(der.to_vec()))),
            None => Err(ParseError::Pem {
                detail: "an empty PEM block".into(),
            }),
        };
    }
    Ok(None)
}

fn find(parsed: &mime::ParsedMessage) -> Result<Option<(usize, LayerKind)>, ParseError> {
    for (i, part) in parsed.smime.iter().enumerate() {
        if let Some(kind) = kind_of(part)? {
            return Ok(Some((i, kind)));
        }
    }
    Ok(None)
}

fn kind_of(part: &SmimePart) -> Result<Option<LayerKind>, ParseError> {
    let label = match part.kind {
        SmimeKind::MultipartSigned => return Ok(Some(LayerKind::Signed)),
        SmimeKind::CertsOnly => return Ok(None),
        SmimeKind::SignedData => Some(LayerKind::Signed),
        SmimeKind::EnvelopedData | SmimeKind::AuthEnvelopedData => Some(LayerKind::Encrypted),
        _ => None,
    };
    match signed_data::parse_content_info(&part.cms) {
        Ok(ci) if ci.content_type == oids::SIGNED_DATA => Ok(Some(LayerKind::Signed)),
        Ok(ci)
            if ci.content_type == oids::ENVELOPED_DATA
                || ci.content_type == oids::AUTH_ENVELOPED_DATA =>
        {
            Ok(Some(LayerKind::Encrypted))
        }
        Ok(_) => Ok(None),
        Err(e) => match label {
            Some(k) => Ok(Some(k)),
            None => Err(e.into()),
        },
    }
}

/// The content a signed layer carries, without verifying anything: the first part of a
/// multipart/signed as signed, or the encapsulated content of an opaque signed-data. What is
/// shown to a user must come from [`verify`](crate::verify::verify), never from here; this is
/// for finding the layers under a signature.
pub fn signed_content<'a>(
    message: &'a [u8],
    part: &SmimePart,
) -> Result<Cow<'a, [u8]>, ParseError> {
    if part.kind == SmimeKind::MultipartSigned {
        let range = part
            .signed_content
            .clone()
            .ok_or_else(|| ParseError::mime("multipart/signed without a signed part"))?;
        return message
            .get(range)
            .map(Cow::Borrowed)
            .ok_or_else(|| ParseError::mime("signed part outside the message"));
    }
    signed_data::parse_signed_data(&part.cms)?
        .econtent
        .map(Cow::Owned)
        .ok_or_else(|| ParseError::NotSmime {
            detail: "an opaque signature without content".into(),
        })
}
