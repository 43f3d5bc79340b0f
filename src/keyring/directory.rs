//! Directory entries: LDAP `userSMIMECertificate` (a certs-only SignedData) and
//! `userCertificate` (a DER certificate).
//!
//! [`parse_directory_entry`] takes what a directory lookup hands over and returns the DER
//! certificates in it, each tagged with the attribute it came from:
//!
//! - a raw attribute value: a DER X.509 certificate (`userCertificate`) or a DER/BER
//!   ContentInfo holding a SignedData (`userSMIMECertificate`, RFC 2798 section 2.8);
//! - PEM: any number of `CERTIFICATE` blocks (`userCertificate`) and `PKCS7` or `CMS` blocks
//!   (`userSMIMECertificate`);
//! - LDIF as `ldapsearch` prints it (RFC 2849): `userSMIMECertificate;binary:: <base64>`,
//!   `userSMIMECertificate:: <base64>`, `userCertificate;binary:: <base64>` and so on, attribute
//!   names and options in any case (the OIDs 2.16.840.1.113730.3.1.40 and 2.5.4.36 too), values
//!   folded onto continuation lines that start with one space, several entries separated by
//!   blank lines. `dn:` lines, comments and other attributes are ignored.
//!
//! A value that does not decode (bad base64, a certificate that does not parse, a SignedData
//! that does not parse) is skipped when other values give certificates; when nothing usable is
//! left the first problem is the error. An entry without any certificate is an error, never an
//! empty list.

use base64::Engine as _;
use der::Decode;

use crate::cms::certs_only::parse_certs_only;
use crate::crypto::keys::pem_blocks;
use crate::error::ParseError;

/// The largest entry accepted, in bytes.
pub const MAX_ENTRY_SIZE: usize = 16 * 1024 * 1024;
/// The most attribute values (PEM blocks, LDIF values) one entry may hold.
pub const MAX_VALUES: usize = 1000;
/// The most certificates one entry may give, over all its values.
pub const MAX_CERTIFICATES: usize = 10_000;

/// Which LDAP attribute a certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DirectoryAttribute {
    /// `userSMIMECertificate` (2.16.840.1.113730.3.1.40): a certs-only SignedData; the
    /// certificate came out of it.
    UserSmimeCertificate,
    /// `userCertificate` (2.5.4.36): one DER certificate.
    UserCertificate,
}

impl DirectoryAttribute {
    /// The attribute's LDAP name.
    pub fn ldap_name(self) -> &'static str {
        match self {
            DirectoryAttribute::UserSmimeCertificate => "userSMIMECertificate",
            DirectoryAttribute::UserCertificate => "userCertificate",
        }
    }

    /// The attribute for an LDAP attribute description (name or OID, options such as
    /// `;binary` ignored, any case), if it is one of the two.
    fn from_description(description: &str) -> Option<Self> {
        let name = description.split(';').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("userSMIMECertificate") || name == "2.16.840.1.113730.3.1.40" {
            Some(DirectoryAttribute::UserSmimeCertificate)
        } else if name.eq_ignore_ascii_case("userCertificate") || name == "2.5.4.36" {
            Some(DirectoryAttribute::UserCertificate)
        } else {
            None
        }
    }
}

impl std::fmt::Display for DirectoryAttribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.ldap_name())
    }
}

/// The certificates in a directory entry (a raw attribute value, PEM, or LDIF; see the
/// [module documentation](self)), as DER, each with the attribute it came from, in input
/// order with exact repeats (same attribute, same certificate) removed.
///
/// Every certificate returned parses as X.509. Input larger than [`MAX_ENTRY_SIZE`] is
/// [`ParseError::TooLarge`]; more than [`MAX_VALUES`] values or [`MAX_CERTIFICATES`]
/// certificates is [`ParseError::TooMany`]; an entry that gives no certificate is an error
/// (the first value's problem, or [`ParseError::Certificate`] when there was no value at all).
pub fn parse_directory_entry(
    bytes: &[u8],
) -> Result<Vec<(DirectoryAttribute, Vec<u8>)>, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    if bytes.len() > MAX_ENTRY_SIZE {
        return Err(ParseError::TooLarge {
            what: "the directory entry",
            limit: MAX_ENTRY_SIZE,
        });
    }
    let values = if bytes.first() == Some(&0x30) {
        vec![raw_value(bytes)]
    } else if let Some(blocks) = pem_blocks(bytes, MAX_VALUES)? {
        blocks
            .into_iter()
            .filter_map(|(label, der)| {
                let attribute = match label.as_str() {
                    "CERTIFICATE" | "X509 CERTIFICATE" => DirectoryAttribute::UserCertificate,
                    "PKCS7" | "CMS" => DirectoryAttribute::UserSmimeCertificate,
                    _ => return None,
                };
                Some(Ok((attribute, der.to_vec())))
            })
            .collect()
    } else {
        ldif_values(bytes)?
    };

    let mut out: Vec<(DirectoryAttribute, Vec<u8>)> = Vec::new();
    let mut first_error = None;
    for value in values {
        let certificates = value.and_then(|(attribute, der)| {
            certificates_of(attribute, &der)
                .map(|certs| certs.into_iter().map(move |c| (attribute, c)))
        });
        match certificates {
            Ok(found) => {
                for pair in found {
                    if !out.contains(&pair) {
                        if out.len() >= MAX_CERTIFICATES {
                            return Err(ParseError::TooMany {
                                what: "certificates",
                                limit: MAX_CERTIFICATES,
                            });
                        }
                        out.push(pair);
                    }
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if out.is_empty() {
        return Err(first_error.unwrap_or_else(|| ParseError::Certificate {
            detail: "the directory entry holds no userCertificate or userSMIMECertificate value"
                .into(),
        }));
    }
    Ok(out)
}

/// A raw DER/BER attribute value: a certificate if it parses as one, a SignedData if it is
/// shaped as a ContentInfo (a SEQUENCE that starts with an OBJECT IDENTIFIER; a certificate
/// starts with its SEQUENCE tbsCertificate).
fn raw_value(bytes: &[u8]) -> Result<(DirectoryAttribute, Vec<u8>), ParseError> {
    let certificate_error = match x509_cert::Certificate::from_der(bytes) {
        Ok(_) => return Ok((DirectoryAttribute::UserCertificate, bytes.to_vec())),
        Err(e) => e,
    };
    let content_info = crate::asn1::ber::parse(bytes)
        .is_ok_and(|root| root.children.first().is_some_and(|n| n.tag == 0x06));
    if content_info {
        Ok((DirectoryAttribute::UserSmimeCertificate, bytes.to_vec()))
    } else {
        Err(ParseError::Certificate {
            detail: format!(
                "the value is neither a certificate ({certificate_error}) nor a ContentInfo"
            ),
        })
    }
}

/// The certificates one attribute value gives.
fn certificates_of(attribute: DirectoryAttribute, der: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
    match attribute {
        DirectoryAttribute::UserCertificate => {
            x509_cert::Certificate::from_der(der).map_err(|e| ParseError::Certificate {
                detail: format!("userCertificate value: {e}"),
            })?;
            Ok(vec![der.to_vec()])
        }
        DirectoryAttribute::UserSmimeCertificate => {
            let certs = parse_certs_only(der)?.certificates;
            if certs.is_empty() {
                return Err(ParseError::Certificate {
                    detail: "the userSMIMECertificate value holds no certificate".into(),
                });
            }
            Ok(certs)
        }
    }
}

/// One attribute value found in LDIF, or why it could not be decoded.
type LdifValue = Result<(DirectoryAttribute, Vec<u8>), ParseError>;

/// The `userCertificate` and `userSMIMECertificate` values of LDIF text.
fn ldif_values(bytes: &[u8]) -> Result<Vec<LdifValue>, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::Certificate {
        detail: "the directory entry is neither DER, PEM nor LDIF text".into(),
    })?;
    let mut out = Vec::new();
    let mut seen_attribute_line = false;
    for line in unfold_ldif(text) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        let Some((description, rest)) = line.split_once(':') else {
            return Err(ParseError::Certificate {
                detail: "the directory entry is neither DER, PEM nor LDIF (a line without ':')"
                    .into(),
            });
        };
        seen_attribute_line = true;
        let Some(attribute) = DirectoryAttribute::from_description(description) else {
            continue;
        };
        if out.len() >= MAX_VALUES {
            return Err(ParseError::TooMany {
                what: "directory attribute values",
                limit: MAX_VALUES,
            });
        }
        let value = match rest.strip_prefix(':') {
            Some(b64) => decode_base64(b64).map(|der| (attribute, der)),
            None => Err(ParseError::Certificate {
                detail: format!(
                    "the {attribute} value is not base64 ('{}::'); binary values must be",
                    description.trim()
                ),
            }),
        };
        out.push(value);
    }
    if !seen_attribute_line {
        return Err(ParseError::Certificate {
            detail: "the directory entry is empty".into(),
        });
    }
    Ok(out)
}

/// The logical lines of LDIF text: a line starting with one space continues the previous one
/// (the space removed); CRLF or LF line ends.
fn unfold_ldif(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix(' '), lines.last_mut()) {
            (Some(continuation), Some(last)) if !last.is_empty() => last.push_str(continuation),
            _ => lines.push(raw.to_string()),
        }
    }
    lines
}

fn decode_base64(text: &str) -> Result<Vec<u8>, ParseError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| ParseError::Base64 {
            detail: format!("LDIF value: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        assert_eq!(
            DirectoryAttribute::from_description("USERSMIMECERTIFICATE;Binary"),
            Some(DirectoryAttribute::UserSmimeCertificate)
        );
        assert_eq!(
            DirectoryAttribute::from_description("2.5.4.36"),
            Some(DirectoryAttribute::UserCertificate)
        );
        assert_eq!(DirectoryAttribute::from_description("mail"), None);
    }

    #[test]
    fn unfolding() {
        let lines = unfold_ldif("dn: cn=a\r\nx:: QU\r\n JD\r\n\r\n y\n");
        assert_eq!(lines, ["dn: cn=a", "x:: QUJD", "", " y", ""]);
    }

    #[test]
    fn nothing_usable_is_an_error() {
        for bad in [
            &b""[..],
            b"dn: cn=x\nmail: a@example.com\n",
            b"\x30\x03\x02\x01\x01",
            b"userCertificate;binary:: !!!!\n",
            b"userCertificate;binary:: MAA=\n",
            b"\xff\xfe binary",
            b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(parse_directory_entry(bad).is_err(), "{bad:?}");
        }
    }
}
