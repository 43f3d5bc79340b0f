//! SignedData (RFC 5652 section 5): reading what peers write (BER), writing DER.

use super::error::CmsError;
pub use super::signed_attributes::SignedAttributes;
use super::signed_attributes::parse_signed_attrs;
use crate::asn1::ber::{self, Node, child, decode, oid_of, small_int};
use crate::asn1::{der_set_of, tlv};
use crate::crypto::DigestAlgorithm;
use crate::crypto::oids;
use crate::error::ParseError;
use const_oid::ObjectIdentifier;
use der::Encode;
use spki::AlgorithmIdentifierOwned;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

/// How many signers one SignedData may carry.
pub const MAX_SIGNERS: usize = 64;
/// How many certificates one SignedData may carry.
pub const MAX_CERTIFICATES: usize = 256;

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// issuerAndSerialNumber.
    IssuerAndSerial {
        /// The issuer's distinguished name.
        issuer: Name,
        /// The certificate serial number.
        serial: SerialNumber,
    },
    /// subjectKeyIdentifier.
    SubjectKeyId(Vec<u8>),
}

impl SignerId {
    /// Whether the DER certificate `cert` is the one this id names.
    pub fn matches(&self, cert: &x509_cert::Certificate) -> bool {
        let tbs = cert.tbs_certificate();
        match self {
            SignerId::IssuerAndSerial { issuer, serial } => {
                tbs.issuer() == issuer && tbs.serial_number() == serial
            }
            SignerId::SubjectKeyId(ski) => matches!(
                tbs.get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>(),
                Ok(Some((_, found))) if found.0.as_bytes() == ski.as_slice()
            ),
        }
    }
}

impl std::fmt::Display for SignerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignerId::IssuerAndSerial { issuer, serial } => {
                write!(f, "issuer {issuer}, serial {serial}")
            }
            SignerId::SubjectKeyId(ski) => {
                write!(f, "subject key id ")?;
                for b in ski {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// One SignerInfo.
#[derive(Debug, Clone)]
pub struct SignerInfo {
    /// Which certificate signed.
    pub sid: SignerId,
    /// The digest algorithm.
    pub digest_algorithm: AlgorithmIdentifierOwned,
    /// The signed attributes, if any.
    pub signed_attrs: Option<SignedAttributes>,
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature value.
    pub signature: Vec<u8>,
}

/// A parsed SignedData.
#[derive(Debug, Clone)]
pub struct SignedData {
    /// The digest algorithms listed at the top.
    pub digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    /// The encapsulated content type.
    pub econtent_type: ObjectIdentifier,
    /// The encapsulated content, if present (opaque signing); constructed BER strings joined.
    pub econtent: Option<Vec<u8>>,
    /// The DER of every X.509 certificate carried (other certificate formats are skipped).
    pub certificates: Vec<Vec<u8>>,
    /// The DER of every CRL carried.
    pub crls: Vec<Vec<u8>>,
    /// The signers.
    pub signers: Vec<SignerInfo>,
}

/// A parsed ContentInfo: its type and the node of its content.
pub struct ContentInfo {
    /// The content type.
    pub content_type: ObjectIdentifier,
    /// The BER tree of the whole input.
    pub root: Node,
}

/// Parses the outer ContentInfo of a CMS message (BER or DER).
pub fn parse_content_info(input: &[u8]) -> Result<ContentInfo, CmsError> {
    let root = ber::parse(input)?;
    if root.tag != 0x30 {
        return Err(CmsError::der("ContentInfo: expected a SEQUENCE"));
    }
    let parts = root.seq("ContentInfo")?;
    let content_type = oid_of(
        child(parts, 0, "ContentInfo contentType")?,
        input,
        "contentType",
    )?;
    Ok(ContentInfo { content_type, root })
}

impl ContentInfo {
    /// The `[0] EXPLICIT` content node.
    pub fn content(&self) -> Result<&Node, CmsError> {
        let parts = self.root.seq("ContentInfo")?;
        let wrapper = child(parts, 1, "ContentInfo content")?;
        if !wrapper.is_context(0) || !wrapper.constructed() {
            return Err(CmsError::der("ContentInfo content: expected [0] EXPLICIT"));
        }
        let inner = wrapper.seq("ContentInfo content")?;
        Ok(child(inner, 0, "ContentInfo content")?)
    }
}

/// Parses a SignedData from a ContentInfo (BER or DER).
pub fn parse_signed_data(input: &[u8]) -> Result<SignedData, CmsError> {
    let ci = parse_content_info(input)?;
    if ci.content_type != oids::SIGNED_DATA {
        return Err(ParseError::UnsupportedContentType {
            oid: ci.content_type.to_string(),
        }
        .into());
    }
    let sd = ci.content()?;
    if sd.tag != 0x30 {
        return Err(CmsError::der("SignedData: expected a SEQUENCE"));
    }
    let fields = sd.seq("SignedData")?;
    let mut i = 0;
    small_int(
        child(fields, i, "SignedData version")?,
        input,
        "SignedData version",
    )?;
    i += 1;
    let algs = child(fields, i, "SignedData digestAlgorithms")?;
    if algs.tag != 0x31 {
        return Err(CmsError::der("SignedData digestAlgorithms: expected a SET"));
    }
    let digest_algorithms = algs
        .children
        .iter()
        .take(MAX_SIGNERS)
        .map(|n| decode::<AlgorithmIdentifierOwned>(n, input, "digestAlgorithm"))
        .collect::<Result<Vec<_>, _>>()?;
    i += 1;
    let eci = child(fields, i, "SignedData encapContentInfo")?;
    let eci_fields = eci.seq("encapContentInfo")?;
    let econtent_type = oid_of(child(eci_fields, 0, "eContentType")?, input, "eContentType")?;
    let econtent = match eci_fields.get(1) {
        None => None,
        Some(w) if w.is_context(0) && w.constructed() => {
            let inner = child(&w.children, 0, "eContent")?;
            if inner.tag & !0x20 != 0x04 {
                return Err(CmsError::der("eContent: expected an OCTET STRING"));
            }
            Some(inner.string_bytes(input)?)
        }
        Some(_) => return Err(CmsError::der("encapContentInfo: unexpected element")),
    };
    i += 1;
    let mut certificates = Vec::new();
    let mut crls = Vec::new();
    while let Some(n) = fields.get(i) {
        if n.is_context(0) {
            for c in n.seq("certificates")? {
                // Only the plain Certificate choice (a SEQUENCE); other choices are skipped.
                if c.tag == 0x30 {
                    if certificates.len() >= MAX_CERTIFICATES {
                        return Err(ParseError::TooMany {
                            what: "certificates",
                            limit: MAX_CERTIFICATES,
                        }
                        .into());
                    }
                    certificates.push(c.to_der(input)?);
                }
            }
            i += 1;
        } else if n.is_context(1) {
            for c in n.seq("crls")? {
                if c.tag == 0x30 {
                    if crls.len() >= MAX_CERTIFICATES {
                        return Err(ParseError::TooMany {
                            what: "CRLs",
                            limit: MAX_CERTIFICATES,
                        }
                        .into());
                    }
                    crls.push(c.to_der(input)?);
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let infos = child(fields, i, "SignedData signerInfos")?;
    if infos.tag != 0x31 {
        return Err(CmsError::der("SignedData signerInfos: expected a SET"));
    }
    if fields.len() > i + 1 {
        return Err(CmsError::der(
            "SignedData: unexpected elements after signerInfos",
        ));
    }
    if infos.children.len() > MAX_SIGNERS {
        return Err(ParseError::TooMany {
            what: "signers",
            limit: MAX_SIGNERS,
        }
        .into());
    }
    // digestAlgorithms lists the digests of every signer (RFC 5652 section 5.1): empty with
    // signers present, the structure contradicts itself.
    if !infos.children.is_empty() && algs.children.is_empty() {
        return Err(CmsError::der(
            "SignedData digestAlgorithms: empty, although there are signers",
        ));
    }
    let signers = infos
        .children
        .iter()
        .map(|n| parse_signer_info(n, input))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SignedData {
        digest_algorithms,
        econtent_type,
        econtent,
        certificates,
        crls,
        signers,
    })
}

fn parse_signer_info(node: &Node, input: &[u8]) -> Result<SignerInfo, CmsError> {
    let f = node.seq("SignerInfo")?;
    // CMSVersion: read so that a malformed one is refused; its value is not needed.
    small_int(
        child(f, 0, "SignerInfo version")?,
        input,
        "SignerInfo version",
    )?;
    let sid_node = child(f, 1, "SignerInfo sid")?;
    let sid = if sid_node.tag == 0x30 {
        let parts = sid_node.seq("issuerAndSerialNumber")?;
        SignerId::IssuerAndSerial {
            issuer: decode::<Name>(child(parts, 0, "issuer")?, input, "issuer")?,
            serial: decode::<SerialNumber>(child(parts, 1, "serialNumber")?, input, "serial")?,
        }
    } else if sid_node.is_context(0) {
        SignerId::SubjectKeyId(sid_node.string_bytes(input)?)
    } else {
        return Err(
            ParseError::der("SignerInfo sid: neither issuerAndSerialNumber nor [0]").into(),
        );
    };
    let digest_algorithm = decode(
        child(f, 2, "SignerInfo digestAlgorithm")?,
        input,
        "digestAlgorithm",
    )?;
    let mut i = 3;
    let mut signed_attrs = None;
    let n = child(f, i, "SignerInfo signatureAlgorithm")?;
    if n.is_context(0) {
        signed_attrs = Some(parse_signed_attrs(n, input)?);
        i += 1;
    }
    let signature_algorithm = decode(
        child(f, i, "SignerInfo signatureAlgorithm")?,
        input,
        "signatureAlgorithm",
    )?;
    let sig = child(f, i + 1, "SignerInfo signature")?;
    if sig.tag & !0x20 != 0x04 {
        return Err(CmsError::der(
            "SignerInfo signature: expected an OCTET STRING",
        ));
    }
    let signature = sig.string_bytes(input)?;
    Ok(SignerInfo {
        sid,
        digest_algorithm,
        signed_attrs,
        signature_algorithm,
        signature,
    })
}

/// Reads an `SMIMEEncryptionKeyPreference` attribute value (RFC 8551 §2.5.3): the certificate
/// the signer wants mail encrypted to, as issuerAndSerialNumber `[0]`, the subject key
/// identifier of a RecipientKeyIdentifier `[1]`, or a subjectAltKeyIdentifier `[2]`.
pub fn parse_encryption_key_preference(value: &[u8]) -> Result<SignerId, CmsError> {
    let node = ber::parse(value)?;
    if node.is_context(0) && node.constructed() {
        let parts = &node.children;
        Ok(SignerId::IssuerAndSerial {
            issuer: decode::<Name>(child(parts, 0, "issuer")?, value, "issuer")?,
            serial: decode::<SerialNumber>(child(parts, 1, "serialNumber")?, value, "serial")?,
        })
    } else if node.is_context(1) && node.constructed() {
        let ski = child(&node.children, 0, "RecipientKeyIdentifier")?;
        Ok(SignerId::SubjectKeyId(ski.string_bytes(value)?))
    } else if node.is_context(2) {
        Ok(SignerId::SubjectKeyId(node.string_bytes(value)?))
    } else {
        Err(CmsError::der(
            "SMIMEEncryptionKeyPreference: unknown choice",
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// One signer's finished SignerInfo, ready to be placed in a SignedData.
#[derive(Debug, Clone)]
pub struct SignerInfoParts {
    /// The issuer and serial number of the signer certificate.
    pub issuer: Name,
    /// The serial number.
    pub serial: SerialNumber,
    /// The digest algorithm.
    pub digest: DigestAlgorithm,
    /// The DER of the signed attributes under a SET OF tag (as signed).
    pub signed_attrs_der: Vec<u8>,
    /// The signature algorithm identifier.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature.
    pub signature: Vec<u8>,
}

/// The DER of an AlgorithmIdentifier for a digest (parameters absent, as RFC 5754 prefers).
pub fn digest_algorithm_der(d: DigestAlgorithm) -> Result<Vec<u8>, CmsError> {
    Ok(AlgorithmIdentifierOwned {
        oid: d.oid(),
        parameters: None,
    }
    .to_der()?)
}

/// Encodes one Attribute with a single value.
pub fn attribute(oid: ObjectIdentifier, value_der: &[u8]) -> Result<Vec<u8>, CmsError> {
    let values =
        der::asn1::SetOfVec::try_from(vec![<der::Any as der::Decode>::from_der(value_der)?])?;
    Ok(x509_cert::attr::Attribute { oid, values }.to_der()?)
}

/// Writes a SignedData ContentInfo (DER).
///
/// Assembled by hand, not with the `cms` crate's `SignedData`: the certificates go in as the
/// bytes given (re-decoding them would re-encode what a peer sent), and each signer's signed
/// attributes go in exactly as they were signed (`signed_attrs_der`, re-tagged `[0]`); a
/// decode/encode round trip through typed attributes could change the bytes the signature
/// covers. The algorithm identifiers and names are written with the `der` types.
///
/// `econtent` is embedded for opaque signing and left out for a detached signature.
pub fn write_signed_data(
    econtent: Option<&[u8]>,
    certificates: &[Vec<u8>],
    signers: &[SignerInfoParts],
) -> Result<Vec<u8>, CmsError> {
    let digests: Vec<DigestAlgorithm> = signers.iter().map(|s| s.digest).collect();
    let mut body = signed_data_start(&digests)?;
    let mut eci = oids::DATA.to_der()?;
    if let Some(content) = econtent {
        eci.extend_from_slice(&tlv(0xA0, &tlv(0x04, content)));
    }
    body.extend_from_slice(&tlv(0x30, &eci));
    body.extend_from_slice(&signed_data_end(certificates, signers)?);
    let mut ci = oids::SIGNED_DATA.to_der()?;
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &body)));
    Ok(tlv(0x30, &ci))
}

/// The fields of a SignedData before its encapContentInfo: the version and the
/// digestAlgorithms (DER), as the streaming writer and [`write_signed_data`] write them.
pub(crate) fn signed_data_start(digests: &[DigestAlgorithm]) -> Result<Vec<u8>, CmsError> {
    let mut algs = Vec::new();
    for d in digests {
        algs.push(digest_algorithm_der(*d)?);
    }
    let mut body = tlv(0x02, &[1]);
    body.extend_from_slice(&der_set_of(0x31, algs));
    Ok(body)
}

/// The fields of a SignedData after its encapContentInfo: the certificates (each once, in the
/// order given) and the signerInfos (DER).
pub(crate) fn signed_data_end(
    certificates: &[Vec<u8>],
    signers: &[SignerInfoParts],
) -> Result<Vec<u8>, CmsError> {
    let mut body = Vec::new();
    if !certificates.is_empty() {
        let mut certs: Vec<Vec<u8>> = Vec::new();
        for c in certificates {
            if !certs.contains(c) {
                certs.push(c.clone());
            }
        }
        body.extend_from_slice(&der_set_of(0xA0, certs));
    }
    let mut infos = Vec::new();
    for s in signers {
        let mut si = tlv(0x02, &[1]);
        let mut ias = s.issuer.to_der()?;
        ias.extend_from_slice(&s.serial.to_der()?);
        si.extend_from_slice(&tlv(0x30, &ias));
        si.extend_from_slice(&digest_algorithm_der(s.digest)?);
        let mut attrs = s.signed_attrs_der.clone();
        if let Some(first) = attrs.first_mut() {
            *first = 0xA0;
        }
        si.extend_from_slice(&attrs);
        si.extend_from_slice(&s.signature_algorithm.to_der()?);
        si.extend_from_slice(&tlv(0x04, &s.signature));
        infos.push(tlv(0x30, &si));
    }
    body.extend_from_slice(&der_set_of(0x31, infos));
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_is_the_bytes_the_hand_writer_wrote() {
        let value = tlv(0x04, &[1, 2, 3]);
        let hand = tlv(
            0x30,
            &[oids::MESSAGE_DIGEST.to_der().unwrap(), tlv(0x31, &value)].concat(),
        );
        assert_eq!(attribute(oids::MESSAGE_DIGEST, &value).unwrap(), hand);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for bad in [
            &b""[..],
            b"\x30\x03\x06\x01\x00",
            b"\x30\x00",
            b"not der at all",
            b"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02",
        ] {
            assert!(parse_signed_data(bad).is_err());
        }
        // enveloped-data is reported as an unsupported content type
        let ci = tlv(
            0x30,
            &[
                oids::ENVELOPED_DATA.to_der().unwrap(),
                tlv(0xA0, &tlv(0x30, &[])),
            ]
            .concat(),
        );
        assert!(matches!(
            parse_signed_data(&ci),
            Err(CmsError::Malformed(
                ParseError::UnsupportedContentType { .. }
            ))
        ));
    }

    #[test]
    fn writes_then_reads_back() {
        let name = Name::default();
        let serial = SerialNumber::new(&[7]).unwrap();
        let attrs = der_set_of(
            0x31,
            vec![attribute(oids::CONTENT_TYPE, &oids::DATA.to_der().unwrap()).unwrap()],
        );
        let parts = SignerInfoParts {
            issuer: name,
            serial,
            digest: DigestAlgorithm::Sha256,
            signed_attrs_der: attrs.clone(),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: oids::ECDSA_WITH_SHA256,
                parameters: None,
            },
            signature: vec![1, 2, 3],
        };
        let der = write_signed_data(Some(b"hello"), &[], &[parts]).unwrap();
        let sd = parse_signed_data(&der).unwrap();
        assert_eq!(sd.econtent.as_deref(), Some(&b"hello"[..]));
        assert_eq!(sd.signers.len(), 1);
        let s = &sd.signers[0];
        assert_eq!(s.signature, [1, 2, 3]);
        assert_eq!(s.signed_attrs.as_ref().unwrap().signed_der, attrs);
        assert_eq!(
            s.signed_attrs.as_ref().unwrap().count(&oids::CONTENT_TYPE),
            1
        );
    }
}
