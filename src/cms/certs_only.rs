//! Certs-only messages (RFC 8551 section 3.7, RFC 5652 section 5): a degenerate SignedData
//! that carries certificates (and CRLs) and has no signers and no content. This is the
//! `application/pkcs7-mime; smime-type=certs-only` body (`smime.p7c`), what
//! `openssl crl2pkcs7` writes, and the value of the LDAP `userSMIMECertificate` attribute.
//!
//! - [`parse_certs_only`] reads one, BER or DER, taking the certificates of a signed
//!   SignedData too (some directories store one).
//! - [`write_certs_only`] writes the DER `openssl crl2pkcs7 -nocrl` writes for the same
//!   (sorted) certificates.
//! - [`write_certs_only_message`] and [`read_certs_only_message`] are the MIME side.

use super::error::CmsError;
use super::signed_data;
use crate::asn1::ber::{Node, child, oid_of, small_int};
use crate::asn1::{der_set_of, tlv};
use crate::crypto::oids;
use crate::error::ParseError;
use crate::mime::{self, SmimeKind};
use der::{Decode, Encode};

/// The most certificates one certs-only structure may carry.
pub const MAX_CERTIFICATES: usize = 10_000;
/// The most CRLs one certs-only structure may carry.
pub const MAX_CRLS: usize = 10_000;

/// The file name of a certs-only MIME body (RFC 8551 section 3.7).
pub const FILE_NAME: &str = "smime.p7c";

/// The certificates and CRLs of a certs-only structure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertsOnly {
    /// The DER of every X.509 certificate, in the order they were found.
    pub certificates: Vec<Vec<u8>>,
    /// The DER of every CRL, in the order they were found.
    pub crls: Vec<Vec<u8>>,
}

/// Reads the certificates and CRLs of a ContentInfo holding a SignedData, BER or DER.
///
/// Meant for certs-only structures (no signers, no content), but the certificates of a signed
/// SignedData are returned as well; its signatures are not looked at. Certificate choices other
/// than X.509 (attribute certificates, `other`) and revocation choices other than X.509 CRLs
/// are skipped. Every certificate must parse as X.509 and every CRL as a CertificateList
/// ([`ParseError::Certificate`] and [`ParseError::MalformedDer`] otherwise).
///
/// The BER reader's limits ([`crate::asn1::ber::MAX_DEPTH`], [`crate::asn1::ber::MAX_NODES`]) apply, and at most
/// [`MAX_CERTIFICATES`] certificates and [`MAX_CRLS`] CRLs are accepted
/// ([`ParseError::TooMany`]).
pub fn parse_certs_only(ber: &[u8]) -> Result<CertsOnly, CmsError> {
    let parsed = parse_structure(ber)?;
    Ok(parsed.contents)
}

/// What [`parse_structure`] found.
struct Parsed {
    contents: CertsOnly,
    /// How many SignerInfos there are.
    signers: usize,
    /// Whether the encapsulated content is present and not empty.
    has_content: bool,
}

fn parse_structure(input: &[u8]) -> Result<Parsed, CmsError> {
    let ci = signed_data::parse_content_info(input)?;
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
    small_int(
        child(fields, 0, "SignedData version")?,
        input,
        "SignedData version",
    )?;
    if child(fields, 1, "SignedData digestAlgorithms")?.tag != 0x31 {
        return Err(CmsError::der("SignedData digestAlgorithms: expected a SET"));
    }
    let eci = child(fields, 2, "SignedData encapContentInfo")?;
    if eci.tag != 0x30 {
        return Err(CmsError::der("encapContentInfo: expected a SEQUENCE"));
    }
    let eci_fields = eci.seq("encapContentInfo")?;
    oid_of(child(eci_fields, 0, "eContentType")?, input, "eContentType")?;
    let has_content = match eci_fields.get(1) {
        None => false,
        Some(w) if w.is_context(0) && w.constructed() => match w.children.first() {
            Some(inner) => !inner.string_bytes(input)?.is_empty(),
            None => false,
        },
        Some(_) => return Err(CmsError::der("encapContentInfo: unexpected element")),
    };

    let mut contents = CertsOnly::default();
    let mut i = 3;
    while let Some(n) = fields.get(i) {
        if n.is_context(0) {
            read_certificates(n, input, &mut contents.certificates)?;
        } else if n.is_context(1) {
            read_crls(n, input, &mut contents.crls)?;
        } else {
            break;
        }
        i += 1;
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
    Ok(Parsed {
        contents,
        signers: infos.children.len(),
        has_content,
    })
}

fn read_certificates(set: &Node, input: &[u8], out: &mut Vec<Vec<u8>>) -> Result<(), CmsError> {
    let choices = set.seq("certificates")?;
    // Only the plain Certificate choice (a SEQUENCE) is read; [0]..[3] are other formats.
    if choices
        .iter()
        .any(|c| c.tag != 0x30 && !(0..=3).any(|n| c.is_context(n) && c.constructed()))
    {
        return Err(ParseError::der(
            "certificates: an element is neither a certificate nor another CertificateChoices",
        )
        .into());
    }
    let count = choices.iter().filter(|c| c.tag == 0x30).count();
    if out.len().saturating_add(count) > MAX_CERTIFICATES {
        return Err(ParseError::TooMany {
            what: "certificates",
            limit: MAX_CERTIFICATES,
        }
        .into());
    }
    for (n, c) in choices.iter().filter(|c| c.tag == 0x30).enumerate() {
        let der = c.to_der(input)?;
        x509_cert::Certificate::from_der(&der).map_err(|e| ParseError::Certificate {
            detail: format!("certificate {} of the certs-only structure: {e}", n + 1),
        })?;
        out.push(der);
    }
    Ok(())
}

fn read_crls(set: &Node, input: &[u8], out: &mut Vec<Vec<u8>>) -> Result<(), CmsError> {
    let choices = set.seq("crls")?;
    // Only the plain CertificateList choice (a SEQUENCE) is read; [1] is `other`.
    if choices
        .iter()
        .any(|c| c.tag != 0x30 && !(c.is_context(1) && c.constructed()))
    {
        return Err(ParseError::der(
            "crls: an element is neither a CRL nor another RevocationInfoChoice",
        )
        .into());
    }
    let count = choices.iter().filter(|c| c.tag == 0x30).count();
    if out.len().saturating_add(count) > MAX_CRLS {
        return Err(ParseError::TooMany {
            what: "CRLs",
            limit: MAX_CRLS,
        }
        .into());
    }
    for (n, c) in choices.iter().filter(|c| c.tag == 0x30).enumerate() {
        let der = c.to_der(input)?;
        <x509_cert::crl::CertificateList>::from_der(&der).map_err(|e| {
            ParseError::der(format!("CRL {} of the certs-only structure: {e}", n + 1))
        })?;
        out.push(der);
    }
    Ok(())
}

/// Writes a certs-only ContentInfo (DER): SignedData version 1, no digest algorithms,
/// encapContentInfo id-data without content, the certificates as a DER SET OF (sorted,
/// duplicates removed), the CRLs likewise under `[1]` when there are any, and no signers.
///
/// For the same certificates in sorted order this is byte for byte what
/// `openssl crl2pkcs7 -nocrl -certfile chain.pem -outform DER` writes (OpenSSL keeps the file
/// order instead of sorting). Every certificate must parse as X.509 and every CRL as a
/// CertificateList; giving neither is [`ParseError::Empty`].
///
/// The SET OFs are assembled by hand around the certificates and CRLs as given (each checked
/// above), rather than re-encoded through the `x509-cert` types.
pub fn write_certs_only(certificates: &[Vec<u8>], crls: &[Vec<u8>]) -> Result<Vec<u8>, CmsError> {
    if certificates.is_empty() && crls.is_empty() {
        return Err(ParseError::Empty.into());
    }
    if certificates.len() > MAX_CERTIFICATES {
        return Err(ParseError::TooMany {
            what: "certificates",
            limit: MAX_CERTIFICATES,
        }
        .into());
    }
    if crls.len() > MAX_CRLS {
        return Err(ParseError::TooMany {
            what: "CRLs",
            limit: MAX_CRLS,
        }
        .into());
    }
    for (n, c) in certificates.iter().enumerate() {
        let parsed = x509_cert::Certificate::from_der(c).map_err(|e| ParseError::Certificate {
            detail: format!("certificate {}: {e}", n + 1),
        })?;
        // Refuse trailing bytes or non-DER the SET OF would carry verbatim.
        if parsed.to_der()? != *c {
            return Err(ParseError::Certificate {
                detail: format!("certificate {} is not in DER", n + 1),
            }
            .into());
        }
    }
    for (n, c) in crls.iter().enumerate() {
        <x509_cert::crl::CertificateList>::from_der(c)
            .map_err(|e| ParseError::der(format!("CRL {}: {e}", n + 1)))?;
    }
    let mut body = tlv(0x02, &[1]);
    body.extend_from_slice(&tlv(0x31, &[]));
    body.extend_from_slice(&tlv(0x30, &oids::DATA.to_der()?));
    if !certificates.is_empty() {
        body.extend_from_slice(&der_set_of(0xA0, certificates.to_vec()));
    }
    if !crls.is_empty() {
        body.extend_from_slice(&der_set_of(0xA1, crls.to_vec()));
    }
    body.extend_from_slice(&tlv(0x31, &[]));
    let mut ci = oids::SIGNED_DATA.to_der()?;
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &body)));
    Ok(tlv(0x30, &ci))
}

/// A MIME entity carrying a certs-only message (RFC 8551 section 3.7), CRLF throughout:
///
/// ```text
/// MIME-Version: 1.0
/// Content-Type: application/pkcs7-mime; smime-type=certs-only;
///     name="smime.p7c"
/// Content-Transfer-Encoding: base64
/// Content-Disposition: attachment; filename="smime.p7c"
///
/// <base64 of write_certs_only(certificates, crls)>
/// ```
///
/// Put it in a message as it is, or as a body part; `openssl cms -cmsout -inform SMIME` reads
/// it.
pub fn write_certs_only_message(
    certificates: &[Vec<u8>],
    crls: &[Vec<u8>],
) -> Result<Vec<u8>, CmsError> {
    let der = write_certs_only(certificates, crls)?;
    Ok(mime::write_pkcs7_mime(b"", &der, "certs-only", FILE_NAME))
}

/// Finds the certs-only part of a message (or bare MIME entity) and reads it.
///
/// The first part labelled `smime-type=certs-only` (or named `*.p7c` without an
/// `smime-type`) is taken; a labelled part that does not parse is an error. Failing that, the
/// first `application/(x-)pkcs7-mime` part without a usable `smime-type` (or labelled
/// `signed-data`) whose SignedData has neither signers nor content is taken. A message without
/// any is [`ParseError::NotSmime`]. The MIME walk is bounded by `limits`.
pub fn read_certs_only_message(
    message: &[u8],
    limits: &mime::Limits,
) -> Result<CertsOnly, CmsError> {
    let parsed = mime::parse(message, limits)?;
    if let Some(part) = parsed.smime.iter().find(|p| p.kind == SmimeKind::CertsOnly) {
        return parse_certs_only(&part.cms);
    }
    for part in &parsed.smime {
        if !matches!(part.kind, SmimeKind::Pkcs7Mime | SmimeKind::SignedData) {
            continue;
        }
        if let Ok(p) = parse_structure(&part.cms)
            && p.signers == 0
            && !p.has_content
        {
            return Ok(p.contents);
        }
    }
    let detail = if parsed.smime.is_empty() {
        format!(
            "the message holds no S/MIME part (its content type is {})",
            parsed.top_content_type
        )
    } else {
        let kinds: Vec<String> = parsed
            .smime
            .iter()
            .map(|p| format!("{:?}", p.kind))
            .collect();
        format!(
            "the message holds no certs-only part (found: {})",
            kinds.join(", ")
        )
    };
    Err(ParseError::NotSmime { detail }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &[u8] = include_bytes!("../testdata/alice-p256.crt.pem");

    fn cert() -> Vec<u8> {
        crate::crypto::keys::read_certificates(CERT_PEM)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn write_then_read() {
        let c = cert();
        let der = write_certs_only(&[c.clone(), c.clone()], &[]).unwrap();
        let back = parse_certs_only(&der).unwrap();
        assert_eq!(back.certificates, vec![c.clone()]);
        assert!(back.crls.is_empty());
        let p = parse_structure(&der).unwrap();
        assert_eq!((p.signers, p.has_content), (0, false));

        let msg = write_certs_only_message(std::slice::from_ref(&c), &[]).unwrap();
        let text = String::from_utf8(msg.clone()).unwrap();
        assert!(text.contains("smime-type=certs-only"));
        assert!(text.contains("filename=\"smime.p7c\""));
        let read = read_certs_only_message(&msg, &mime::Limits::default()).unwrap();
        assert_eq!(read.certificates, vec![c]);
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(
            write_certs_only(&[], &[]).unwrap_err(),
            CmsError::Malformed(ParseError::Empty)
        );
        assert!(matches!(
            write_certs_only(&[vec![0x30, 0x00]], &[]),
            Err(CmsError::Malformed(ParseError::Certificate { .. }))
        ));
        let mut trailing = cert();
        trailing.push(0);
        assert!(write_certs_only(&[trailing], &[]).is_err());
        assert!(matches!(
            read_certs_only_message(b"Subject: x\r\n\r\nhello\r\n", &mime::Limits::default()),
            Err(CmsError::Malformed(ParseError::NotSmime { .. }))
        ));
    }
}
