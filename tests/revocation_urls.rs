//! Revocation URLs of certificates made by OpenSSL with and without the extensions.

mod common;

use common::openssl;
use smime::error::ParseError;
use smime::validate::{RevocationUrls, revocation_urls};
use std::path::Path;

/// A self-signed P-256 certificate made with `openssl req -x509`, with the extensions of
/// `section` in `extfile` (none when `None`); returns its DER.
fn make_cert(dir: &Path, name: &str, ext: Option<&str>) -> Vec<u8> {
    let key = format!("{name}.key");
    let pem = format!("{name}.pem");
    let der = format!("{name}.der");
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key,
        ],
        dir,
    );
    let subject = format!("/CN={name}");
    let ext_file = format!("{name}.cnf");
    let mut args = vec![
        "req", "-x509", "-new", "-key", &key, "-subj", &subject, "-days", "30", "-out", &pem,
    ];
    if let Some(ext) = ext {
        std::fs::write(
            dir.join(&ext_file),
            format!(
                "[ req ]\ndistinguished_name = dn\n[ dn ]\n[ ext ]\n\
                 basicConstraints = critical, CA:FALSE\n{ext}"
            ),
        )
        .unwrap();
        args.extend_from_slice(&["-config", &ext_file, "-extensions", "ext"]);
    }
    openssl(&args, dir);
    openssl(&["x509", "-in", &pem, "-outform", "DER", "-out", &der], dir);
    std::fs::read(dir.join(der)).unwrap()
}

#[test]
fn urls_from_an_openssl_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let der = make_cert(
        dir.path(),
        "with",
        Some(
            "crlDistributionPoints = URI:http://crl.example/ca.crl\n\
             authorityInfoAccess = OCSP;URI:http://ocsp.example,\
             caIssuers;URI:http://ca.example/ca.crt\n",
        ),
    );
    // OpenSSL agrees the extensions are there.
    let text = openssl(&["x509", "-in", "with.pem", "-noout", "-text"], dir.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("URI:http://crl.example/ca.crl"), "{text}");
    assert!(text.contains("OCSP - URI:http://ocsp.example"), "{text}");

    assert_eq!(
        revocation_urls(&der).unwrap(),
        RevocationUrls {
            crl_distribution_points: vec!["http://crl.example/ca.crl".to_string()],
            ocsp: vec!["http://ocsp.example".to_string()],
            ca_issuers: vec!["http://ca.example/ca.crt".to_string()],
        }
    );
}

#[test]
fn several_points_non_uri_names_and_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let der = make_cert(
        dir.path(),
        "many",
        Some(
            "crlDistributionPoints = URI:http://crl.example/a.crl, \
             URI:ldap://ldap.example/cn=CA?certificateRevocationList, \
             URI:http://crl.example/a.crl, email:crl@example.com\n\
             authorityInfoAccess = OCSP;URI:http://ocsp1.example, \
             OCSP;URI:http://ocsp2.example, caIssuers;email:ca@example.com, \
             caIssuers;URI:http://ca.example/ca.p7c\n",
        ),
    );
    assert_eq!(
        revocation_urls(&der).unwrap(),
        RevocationUrls {
            crl_distribution_points: vec![
                "http://crl.example/a.crl".to_string(),
                "ldap://ldap.example/cn=CA?certificateRevocationList".to_string(),
            ],
            ocsp: vec![
                "http://ocsp1.example".to_string(),
                "http://ocsp2.example".to_string()
            ],
            ca_issuers: vec!["http://ca.example/ca.p7c".to_string()],
        }
    );
}

#[test]
fn only_one_extension() {
    let dir = tempfile::tempdir().unwrap();
    let der = make_cert(
        dir.path(),
        "cdp-only",
        Some("crlDistributionPoints = URI:http://crl.example/only.crl\n"),
    );
    let urls = revocation_urls(&der).unwrap();
    assert_eq!(
        urls.crl_distribution_points,
        ["http://crl.example/only.crl"]
    );
    assert!(urls.ocsp.is_empty());
    assert!(urls.ca_issuers.is_empty());
}

#[test]
fn no_extensions_give_empty_lists() {
    let dir = tempfile::tempdir().unwrap();
    let der = make_cert(dir.path(), "without", Some(""));
    assert_eq!(revocation_urls(&der).unwrap(), RevocationUrls::default());
    let plain = make_cert(dir.path(), "default", None);
    assert_eq!(revocation_urls(&plain).unwrap(), RevocationUrls::default());
}

#[test]
fn not_a_certificate_is_an_error() {
    for bad in [&b""[..], b"\x30\x00", b"garbage"] {
        assert!(matches!(
            revocation_urls(bad),
            Err(ParseError::Certificate { .. })
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let der = make_cert(dir.path(), "truncated", None);
    assert!(revocation_urls(&der[..der.len() - 1]).is_err());
}
