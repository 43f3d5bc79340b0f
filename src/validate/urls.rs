//! Where to fetch revocation information and issuer certificates for a certificate: the URIs
//! of its CRL distribution points (RFC 5280 section 4.2.1.13) and of its authority information
//! access (section 4.2.2.1: OCSP responders and CA issuers).
//!
//! Nothing is fetched here; the caller decides whether and how to go online.

use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use crate::error::ParseError;

/// id-ad-ocsp (RFC 5280 section 4.2.2.1).
const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers (RFC 5280 section 4.2.2.1).
const ID_AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");

/// The revocation and issuer URLs a certificate names, each list in certificate order without
/// repeats. A list is empty when the extension is absent or names no URI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationUrls {
    /// The `fullName` URIs of the CRL distribution points extension.
    pub crl_distribution_points: Vec<String>,
    /// The id-ad-ocsp URIs of the authority information access extension.
    pub ocsp: Vec<String>,
    /// The id-ad-caIssuers URIs of the authority information access extension.
    pub ca_issuers: Vec<String>,
}

/// The revocation URLs of the DER certificate `cert_der`.
///
/// Distribution points named relative to the CRL issuer, and names other than URIs (directory
/// names, for example), are not URLs and are left out. A certificate that does not parse, or
/// whose CRL distribution points or authority information access extension is malformed or
/// repeated, is a [`ParseError::Certificate`].
pub fn revocation_urls(cert_der: &[u8]) -> Result<RevocationUrls, ParseError> {
    let cert = Certificate::from_der(cert_der).map_err(|e| ParseError::Certificate {
        detail: e.to_string(),
    })?;
    let tbs = cert.tbs_certificate();
    let mut out = RevocationUrls::default();

    let cdp =
        tbs.get_extension::<CrlDistributionPoints>()
            .map_err(|e| ParseError::Certificate {
                detail: format!("CRL distribution points extension: {e}"),
            })?;
    if let Some((_, points)) = cdp {
        for point in &points.0 {
            if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                for name in names {
                    push_uri(&mut out.crl_distribution_points, name);
                }
            }
        }
    }

    let aia = tbs
        .get_extension::<AuthorityInfoAccessSyntax>()
        .map_err(|e| ParseError::Certificate {
            detail: format!("authority information access extension: {e}"),
        })?;
    if let Some((_, access)) = aia {
        for description in &access.0 {
            if description.access_method == ID_AD_OCSP {
                push_uri(&mut out.ocsp, &description.access_location);
            } else if description.access_method == ID_AD_CA_ISSUERS {
                push_uri(&mut out.ca_issuers, &description.access_location);
            }
        }
    }
    Ok(out)
}

fn push_uri(list: &mut Vec<String>, name: &GeneralName) {
    if let GeneralName::UniformResourceIdentifier(uri) = name {
        let uri = uri.as_str().to_string();
        if !list.contains(&uri) {
            list.push(uri);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_extensions_and_garbage() {
        let cert = crate::crypto::keys::read_certificates(include_bytes!(
            "../testdata/alice-p256.crt.pem"
        ))
        .unwrap()
        .remove(0);
        assert_eq!(revocation_urls(&cert).unwrap(), RevocationUrls::default());
        assert!(matches!(
            revocation_urls(b"\x30\x00"),
            Err(ParseError::Certificate { .. })
        ));
    }
}
