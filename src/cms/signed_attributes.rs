//! Signed attributes (RFC 5652 section 5.3 and 11): reading them, the DER the signature covers,
//! and the rules a verifier applies before it checks the signature.
//!
//! - With signed attributes: exactly one contentType, equal to the eContentType; exactly one
//!   messageDigest; at most one signingTime. The signature covers the attributes re-encoded as
//!   a DER `SET OF` (the `[0]` tag replaced by `0x31`), and the messageDigest must be the digest
//!   of the content.
//! - Without signed attributes: only for id-data content, and the signature covers the content
//!   itself, which must not be a DER `SET OF Attribute` (else a signature over someone's signed
//!   attributes would verify as a signature over "content").

use super::error::CmsError;
use crate::asn1::ber::{Node, child, oid_of};
use crate::crypto::{constant_time_eq, oids};
use const_oid::ObjectIdentifier;
use der::Decode;

/// One signed attribute, decoded far enough for verification.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The attribute type.
    pub oid: ObjectIdentifier,
    /// The DER of each value.
    pub values: Vec<Vec<u8>>,
}

/// The signed attributes of a SignerInfo.
#[derive(Debug, Clone)]
pub struct SignedAttributes {
    /// The DER encoding the signature covers: the attributes as sent, under a SET OF tag.
    pub signed_der: Vec<u8>,
    /// The attributes.
    pub attributes: Vec<Attribute>,
}

impl SignedAttributes {
    /// All values of the attributes of type `oid`, across repeated attributes.
    pub fn values(&self, oid: &ObjectIdentifier) -> Vec<&[u8]> {
        self.attributes
            .iter()
            .filter(|a| a.oid == *oid)
            .flat_map(|a| a.values.iter().map(Vec::as_slice))
            .collect()
    }

    /// How many attributes of type `oid` there are.
    pub fn count(&self, oid: &ObjectIdentifier) -> usize {
        self.attributes.iter().filter(|a| a.oid == *oid).count()
    }
}

pub(crate) fn parse_signed_attrs(node: &Node, input: &[u8]) -> Result<SignedAttributes, CmsError> {
    if !node.constructed() {
        return Err(CmsError::der("signedAttrs: expected a constructed [0]"));
    }
    // RFC 5652 5.4: the signature covers the DER of the SET OF, i.e. the [0] element as sent
    // with its tag replaced by SET OF. Signed attributes must be DER; an indefinite length here
    // is re-encoded, which is what a DER-producing signer hashed.
    let mut signed_der = node.to_der(input)?;
    if let Some(first) = signed_der.first_mut() {
        *first = 0x31;
    }
    let mut attributes = Vec::new();
    for a in &node.children {
        let parts = a.seq("Attribute")?;
        let oid = oid_of(child(parts, 0, "Attribute type")?, input, "Attribute type")?;
        let set = child(parts, 1, "Attribute values")?;
        if set.tag != 0x31 {
            return Err(CmsError::der("Attribute values: expected a SET"));
        }
        let values = set
            .children
            .iter()
            .map(|v| v.to_der(input))
            .collect::<Result<Vec<_>, _>>()?;
        attributes.push(Attribute { oid, values });
    }
    Ok(SignedAttributes {
        signed_der,
        attributes,
    })
}

/// Why the signed attributes (or their absence) break the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeProblem {
    /// A required attribute is missing (or its value cannot be read).
    Missing {
        /// The attribute's name (`contentType`, `messageDigest`).
        name: &'static str,
    },
    /// An attribute that must appear once appears more than once.
    Repeated {
        /// The attribute's name.
        name: &'static str,
    },
    /// The contentType attribute differs from the eContentType.
    ContentTypeMismatch,
}

/// What the signature covers, once the attribute rules passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureInput<'a> {
    /// The signed attributes: the signature covers `signed_der`, and `message_digest` must be
    /// the digest of the content ([`message_digest_matches`]).
    Attributes {
        /// The DER `SET OF` the signature covers.
        signed_der: &'a [u8],
        /// The messageDigest value.
        message_digest: Vec<u8>,
    },
    /// No signed attributes (id-data only): the signature covers the content itself, which
    /// must pass [`may_be_signed_without_attributes`].
    Content,
}

/// Applies the presence and uniqueness rules to the signed attributes of a SignerInfo whose
/// encapsulated content type is `econtent_type`.
pub fn check<'a>(
    attrs: Option<&'a SignedAttributes>,
    econtent_type: &ObjectIdentifier,
) -> Result<SignatureInput<'a>, AttributeProblem> {
    let Some(attrs) = attrs else {
        // No signed attributes: only allowed for id-data.
        if *econtent_type != oids::DATA {
            return Err(AttributeProblem::Missing {
                name: "contentType",
            });
        }
        return Ok(SignatureInput::Content);
    };
    // contentType: exactly one, equal to eContentType.
    match attrs.values(&oids::CONTENT_TYPE).as_slice() {
        [] => {
            return Err(AttributeProblem::Missing {
                name: "contentType",
            });
        }
        [v] if attrs.count(&oids::CONTENT_TYPE) == 1 => match ObjectIdentifier::from_der(v) {
            Ok(ct) if ct == *econtent_type => {}
            _ => return Err(AttributeProblem::ContentTypeMismatch),
        },
        _ => {
            return Err(AttributeProblem::Repeated {
                name: "contentType",
            });
        }
    }
    // messageDigest: exactly one.
    let message_digest = match attrs.values(&oids::MESSAGE_DIGEST).as_slice() {
        [] => {
            return Err(AttributeProblem::Missing {
                name: "messageDigest",
            });
        }
        [v] if attrs.count(&oids::MESSAGE_DIGEST) == 1 => {
            match der::asn1::OctetString::from_der(v) {
                Ok(o) => o.as_bytes().to_vec(),
                Err(_) => {
                    return Err(AttributeProblem::Missing {
                        name: "messageDigest",
                    });
                }
            }
        }
        _ => {
            return Err(AttributeProblem::Repeated {
                name: "messageDigest",
            });
        }
    };
    // signingTime: at most one.
    if attrs.values(&oids::SIGNING_TIME).len() > 1 {
        return Err(AttributeProblem::Repeated {
            name: "signingTime",
        });
    }
    Ok(SignatureInput::Attributes {
        signed_der: &attrs.signed_der,
        message_digest,
    })
}

/// Whether the messageDigest `expected` is `content_digest` (the digest of the content), or
/// else `canonical_digest` (that of its canonical form): `Some(false)` for the content,
/// `Some(true)` for the canonical form, `None` when neither matches. The digests are computed
/// once by the caller, however many signers compare with them; the comparisons are
/// constant-time.
pub fn message_digest_matches(
    content_digest: &[u8],
    canonical_digest: Option<&[u8]>,
    expected: &[u8],
) -> Option<bool> {
    if constant_time_eq(content_digest, expected) {
        return Some(false);
    }
    match canonical_digest {
        Some(c) if constant_time_eq(c, expected) => Some(true),
        _ => None,
    }
}

/// Whether a signature without signed attributes may cover `data`: not when `data` is a DER
/// `SET OF Attribute`, the encoding signed attributes are signed in.
pub fn may_be_signed_without_attributes(data: &[u8]) -> bool {
    !(data.first() == Some(&0x31) && x509_cert::attr::Attributes::from_der(data).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn1::{ber, tlv};
    use crate::crypto::DigestAlgorithm;
    use der::Encode;

    fn attr(oid: ObjectIdentifier, values: &[Vec<u8>]) -> Vec<u8> {
        let mut c = oid.to_der().unwrap();
        c.extend_from_slice(&tlv(0x31, &values.concat()));
        tlv(0x30, &c)
    }

    fn parsed(attrs: &[Vec<u8>]) -> SignedAttributes {
        let der = tlv(0xA0, &attrs.concat());
        let node = ber::parse(&der).unwrap();
        parse_signed_attrs(&node, &der).unwrap()
    }

    fn ct(oid: ObjectIdentifier) -> Vec<u8> {
        attr(oids::CONTENT_TYPE, &[oid.to_der().unwrap()])
    }

    fn md(bytes: &[u8]) -> Vec<u8> {
        attr(oids::MESSAGE_DIGEST, &[tlv(0x04, bytes)])
    }

    #[test]
    fn the_signature_covers_the_attributes_under_a_set_of_tag() {
        let a = parsed(&[ct(oids::DATA), md(&[1; 32])]);
        assert_eq!(a.signed_der[0], 0x31);
        assert_eq!(
            a.signed_der[1..],
            tlv(0xA0, &[ct(oids::DATA), md(&[1; 32])].concat())[1..]
        );
        match check(Some(&a), &oids::DATA).unwrap() {
            SignatureInput::Attributes {
                signed_der,
                message_digest,
            } => {
                assert_eq!(signed_der, a.signed_der.as_slice());
                assert_eq!(message_digest, [1; 32]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn presence_and_uniqueness_rules() {
        let missing_ct = parsed(&[md(&[1; 32])]);
        assert_eq!(
            check(Some(&missing_ct), &oids::DATA),
            Err(AttributeProblem::Missing {
                name: "contentType"
            })
        );
        let missing_md = parsed(&[ct(oids::DATA)]);
        assert_eq!(
            check(Some(&missing_md), &oids::DATA),
            Err(AttributeProblem::Missing {
                name: "messageDigest"
            })
        );
        let wrong_ct = parsed(&[ct(oids::SIGNED_DATA), md(&[1; 32])]);
        assert_eq!(
            check(Some(&wrong_ct), &oids::DATA),
            Err(AttributeProblem::ContentTypeMismatch)
        );
        let two_md = parsed(&[ct(oids::DATA), md(&[1; 32]), md(&[2; 32])]);
        assert_eq!(
            check(Some(&two_md), &oids::DATA),
            Err(AttributeProblem::Repeated {
                name: "messageDigest"
            })
        );
        let two_values = parsed(&[
            attr(
                oids::CONTENT_TYPE,
                &[oids::DATA.to_der().unwrap(), oids::DATA.to_der().unwrap()],
            ),
            md(&[1; 32]),
        ]);
        assert_eq!(
            check(Some(&two_values), &oids::DATA),
            Err(AttributeProblem::Repeated {
                name: "contentType"
            })
        );
        let time = attr(oids::SIGNING_TIME, &[tlv(0x17, b"250101000000Z")]);
        let two_times = parsed(&[ct(oids::DATA), md(&[1; 32]), time.clone(), time]);
        assert_eq!(
            check(Some(&two_times), &oids::DATA),
            Err(AttributeProblem::Repeated {
                name: "signingTime"
            })
        );
    }

    #[test]
    fn no_signed_attributes_only_for_data_and_never_over_an_attribute_set() {
        assert_eq!(check(None, &oids::DATA), Ok(SignatureInput::Content));
        assert_eq!(
            check(None, &oids::SIGNED_DATA),
            Err(AttributeProblem::Missing {
                name: "contentType"
            })
        );
        let set = tlv(0x31, &[ct(oids::DATA), md(&[1; 32])].concat());
        assert!(!may_be_signed_without_attributes(&set));
        assert!(may_be_signed_without_attributes(b"Hello\r\n"));
    }

    #[test]
    fn the_digest_is_compared_with_the_content_then_its_canonical_form() {
        let d = DigestAlgorithm::Sha256;
        let lf = b"a\nb\n";
        let crlf = b"a\r\nb\r\n";
        let of_crlf = d.digest(crlf).unwrap();
        let of_lf = d.digest(lf).unwrap();
        assert_eq!(
            message_digest_matches(&of_crlf, None, &of_crlf),
            Some(false)
        );
        assert_eq!(
            message_digest_matches(&of_lf, Some(&of_crlf), &of_crlf),
            Some(true)
        );
        assert_eq!(message_digest_matches(&of_lf, None, &of_crlf), None);
        assert_eq!(
            message_digest_matches(&of_lf, Some(&of_lf), &of_crlf[..31]),
            None
        );
    }
}
