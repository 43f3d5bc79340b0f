//! `smime inspect`: what a file is, for a person. Algorithms by name, times as dates.

use crate::Usage;
use crate::report::time_str;
use const_oid::ObjectIdentifier;
use der::Decode;
use std::fmt::Write as _;

/// What the input is and what it holds. Input of no known kind is a usage error (exit 2).
/// `password` opens a PKCS#12 file to list its contents.
pub fn inspect(
    input: &[u8],
    password: Option<&str>,
    max_iterations: Option<u32>,
) -> Result<String, Usage> {
    let mut out = String::new();
    let blocks = pem_blocks(input);
    if !blocks.is_empty() {
        let mut known = 0;
        for (label, der) in &blocks {
            if describe_pem(&mut out, label, der, password, max_iterations)? {
                known += 1;
            }
        }
        if known == 0 {
            return Err(Usage(format!(
                "not a kind of PEM this tool knows: {}",
                blocks
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        return Ok(out);
    }
    if input.first() == Some(&0x30) {
        if describe_der(&mut out, input, password, max_iterations, "")? {
            return Ok(out);
        }
        return Err(Usage(
            "unrecognised DER: not CMS, PKCS#12, a certificate, a CRL or a private key".into(),
        ));
    }
    if looks_like_mime(input) {
        describe_message(&mut out, input)?;
        return Ok(out);
    }
    Err(Usage(
        "unrecognised input: not a MIME message, CMS, PKCS#12, a certificate, a CRL or a key \
         (PEM or DER)"
            .into(),
    ))
}

// ---- recognising ------------------------------------------------------------------------------

/// The PEM blocks of the input: label and decoded content.
fn pem_blocks(input: &[u8]) -> Vec<(String, Vec<u8>)> {
    use base64::Engine;
    let text = String::from_utf8_lossy(input);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(end_label) = after.find("-----") else {
            break;
        };
        let label = after[..end_label].to_string();
        let body_start = &after[end_label + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            break;
        };
        let body: String = body_start[..end]
            .lines()
            .filter(|l| !l.contains(':'))
            .flat_map(|l| l.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
            out.push((label, der));
        }
        rest = &body_start[end + end_marker.len()..];
    }
    out
}

/// Whether the input starts like a message: a header field name and a colon.
fn looks_like_mime(input: &[u8]) -> bool {
    let line_end = input
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(input.len());
    let line = &input[..line_end];
    match line.iter().position(|b| *b == b':') {
        Some(colon) if colon > 0 => line[..colon].iter().all(|b| (33..=126).contains(b)),
        _ => false,
    }
}

/// One TLV at the start of `input`: tag, content, rest (definite lengths only).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in input.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    let content = input.get(header..header.checked_add(len)?)?;
    Some((tag, content, &input[header + len..]))
}

/// Whether DER is a PKCS#12 PFX: SEQUENCE { INTEGER 3, ContentInfo { data or signed-data } }.
fn is_pkcs12(der: &[u8]) -> bool {
    let Some((0x30, pfx, _)) = tlv(der) else {
        return false;
    };
    let Some((0x02, version, rest)) = tlv(pfx) else {
        return false;
    };
    if version != [3] {
        return false;
    }
    let Some((0x30, ci, _)) = tlv(rest) else {
        return false;
    };
    let Some((0x06, oid, _)) = tlv(ci) else {
        return false;
    };
    let data = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    let signed = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    oid == data || oid == signed
}

// ---- names ------------------------------------------------------------------------------------

/// A name for an algorithm, curve or content type; the dotted form for one this tool does
/// not know.
pub fn oid_name(oid: &ObjectIdentifier) -> String {
    smime::inspect::algorithm_name(oid)
}

/// A public key for people: "RSA-2048", "EC P-256".
fn spki_text(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> String {
    let alg = &spki.algorithm;
    match alg.oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .and_then(tlv)
                .and_then(|(_, seq, _)| tlv(seq))
                .map(|(_, n, _)| {
                    let n: Vec<u8> = n.iter().copied().skip_while(|b| *b == 0).collect();
                    n.len() * 8 - n.first().map_or(0, |b| b.leading_zeros() as usize)
                });
            match bits {
                Some(b) => format!("{}-{b}", oid_name(&alg.oid)),
                None => oid_name(&alg.oid),
            }
        }
        "1.2.840.10045.2.1" => match alg
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        {
            Some(curve) => format!("EC {}", oid_name(&curve)),
            None => "EC".into(),
        },
        _ => oid_name(&alg.oid),
    }
}

// ---- describing -------------------------------------------------------------------------------

/// Describes one PEM block; false when its label is not one this tool knows.
fn describe_pem(
    out: &mut String,
    label: &str,
    der: &[u8],
    password: Option<&str>,
    max_iterations: Option<u32>,
) -> Result<bool, Usage> {
    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            describe_cert(out, der, "");
        }
        "X509 CRL" => describe_crl(out, der, ""),
        "PKCS7" | "CMS" => {
            if !describe_cms(out, der, "")? {
                let _ = writeln!(out, "PEM {label}: does not parse as CMS");
            }
        }
        "PKCS12" => describe_pkcs12(out, der, password, max_iterations)?,
        "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
            if !describe_key(out, der) {
                let _ = writeln!(out, "PEM {label}: does not parse");
            }
        }
        "PUBLIC KEY" => match x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(der) {
            Ok(spki) => {
                let _ = writeln!(out, "public key: {}", spki_text(&spki));
            }
            Err(_) => {
                let _ = writeln!(out, "PEM PUBLIC KEY: does not parse");
            }
        },
        _ => return Ok(false),
    }
    Ok(true)
}

/// Describes DER input; false when it is of no kind this tool knows.
fn describe_der(
    out: &mut String,
    der: &[u8],
    password: Option<&str>,
    max_iterations: Option<u32>,
    indent: &str,
) -> Result<bool, Usage> {
    if is_pkcs12(der) {
        describe_pkcs12(out, der, password, max_iterations)?;
        return Ok(true);
    }
    if describe_cms(out, der, indent)? {
        return Ok(true);
    }
    if x509_cert::Certificate::from_der(der).is_ok() {
        describe_cert(out, der, indent);
        return Ok(true);
    }
    if x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).is_ok() {
        describe_crl(out, der, indent);
        return Ok(true);
    }
    Ok(describe_key(out, der))
}

fn describe_cert(out: &mut String, der: &[u8], indent: &str) {
    let Ok(c) = x509_cert::Certificate::from_der(der) else {
        let _ = writeln!(out, "{indent}certificate: does not parse");
        return;
    };
    let tbs = c.tbs_certificate();
    let _ = writeln!(out, "{indent}certificate: {}", tbs.subject());
    let _ = writeln!(out, "{indent}  issuer:      {}", tbs.issuer());
    let _ = writeln!(out, "{indent}  serial:      {}", tbs.serial_number());
    let _ = writeln!(
        out,
        "{indent}  valid:       {} .. {}",
        time_str(tbs.validity().not_before.to_system_time()),
        time_str(tbs.validity().not_after.to_system_time())
    );
    let _ = writeln!(
        out,
        "{indent}  key:         {}",
        spki_text(tbs.subject_public_key_info())
    );
    let _ = writeln!(
        out,
        "{indent}  signed with: {}",
        oid_name(&c.signature_algorithm().oid)
    );
    let addrs = smime::validate::certificate_addresses(&c);
    if !addrs.is_empty() {
        let _ = writeln!(out, "{indent}  addresses:   {}", addrs.join(", "));
    }
    if let Ok(info) = smime::Certificate::from_der(der) {
        let _ = writeln!(out, "{indent}  roles:       {}", info.roles());
        let _ = writeln!(out, "{indent}  SHA-256:     {}", info.fingerprint());
    }
}

fn describe_crl(out: &mut String, der: &[u8], indent: &str) {
    let Ok(crl) = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
    else {
        let _ = writeln!(out, "{indent}CRL: does not parse");
        return;
    };
    let tbs = &crl.tbs_cert_list;
    let _ = writeln!(out, "{indent}CRL issued by {}", tbs.issuer);
    let _ = writeln!(
        out,
        "{indent}  this update: {}",
        time_str(tbs.this_update.to_system_time())
    );
    let _ = writeln!(
        out,
        "{indent}  next update: {}",
        tbs.next_update
            .map(|t| time_str(t.to_system_time()))
            .unwrap_or_else(|| "(none)".into())
    );
    let _ = writeln!(
        out,
        "{indent}  signed with: {}",
        oid_name(&crl.signature_algorithm.oid)
    );
    let revoked = tbs.revoked_certificates.as_deref().unwrap_or_default();
    let _ = writeln!(out, "{indent}  revoked:     {}", revoked.len());
    for r in revoked.iter().take(20) {
        let _ = writeln!(
            out,
            "{indent}    serial {} on {}",
            r.serial_number,
            time_str(r.revocation_date.to_system_time())
        );
    }
    if revoked.len() > 20 {
        let _ = writeln!(out, "{indent}    ... and {} more", revoked.len() - 20);
    }
}

/// Describes a private key (never its value); false when the DER is no key.
fn describe_key(out: &mut String, der: &[u8]) -> bool {
    use smime::keys::{PrivateKey, SoftwareKey};
    if let Ok(epki) = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der) {
        let scheme = &epki.encryption_algorithm;
        let detail = match scheme.pbes2() {
            Some(p) => format!(
                "PBES2: {}, {}",
                oid_name(&p.kdf.oid()),
                oid_name(&p.encryption.oid())
            ),
            None => oid_name(&scheme.oid()),
        };
        let _ = writeln!(out, "encrypted private key (PKCS#8, {detail})");
        return true;
    }
    let (format, key) = if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
        ("PKCS#8", SoftwareKey::from_pkcs8_der(der))
    } else if let Ok(k) = SoftwareKey::from_pkcs1_der(der) {
        ("PKCS#1", Ok(k))
    } else if let Ok(k) = SoftwareKey::from_sec1_der(der) {
        ("SEC1", Ok(k))
    } else {
        return false;
    };
    match key {
        Ok(k) => {
            let _ = writeln!(out, "private key ({format}): {}", k.kind());
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "private key ({format}) of a kind this tool cannot use: {e}"
            );
        }
    }
    true
}

fn describe_pkcs12(
    out: &mut String,
    der: &[u8],
    password: Option<&str>,
    max_iterations: Option<u32>,
) -> Result<(), Usage> {
    let _ = writeln!(out, "PKCS#12 file");
    let Some(password) = password else {
        let _ = writeln!(
            out,
            "  (give its password with --password-file FILE, --password-env VAR or --password \
             PASS to list its contents)"
        );
        return Ok(());
    };
    let limits = crate::secret::pkcs12_limits(max_iterations);
    let contents = {
        let _progress = crate::out::Progress::start("opening the PKCS#12 file");
        smime::pkcs12::parse_pkcs12(der, password, &limits)
            .map_err(|e| Usage(format!("PKCS#12: {e}")))?
    };
    let _ = writeln!(out, "  private keys: {}", contents.keys.len());
    for key in &contents.keys {
        let mut line = String::new();
        if describe_key(&mut line, &key.pkcs8) {
            let _ = write!(out, "    {line}");
        }
    }
    let _ = writeln!(out, "  certificates: {}", contents.certificates.len());
    for c in &contents.certificates {
        if let Some(name) = &c.friendly_name {
            let _ = writeln!(out, "    friendly name: {name}");
        }
        describe_cert(out, c.certificate.der(), "    ");
    }
    Ok(())
}

/// Describes CMS (DER or BER); false when the input is not a CMS structure.
fn describe_cms(out: &mut String, der: &[u8], indent: &str) -> Result<bool, Usage> {
    match smime::inspect::inspect(der) {
        Ok(smime::inspect::Inspected::Cms(cms)) => {
            render_cms(out, &cms, indent);
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn render_cms(out: &mut String, cms: &smime::inspect::CmsSummary, indent: &str) {
    use smime::inspect::CmsSummary;
    match cms {
        CmsSummary::Signed(sd) => render_signed(out, sd, indent),
        CmsSummary::Enveloped(env) => render_enveloped(out, env, indent),
        CmsSummary::Other { content_type } => {
            let _ = writeln!(out, "{indent}CMS {content_type}");
        }
        _ => {
            let _ = writeln!(out, "{indent}CMS of a kind this version does not describe");
        }
    }
}

fn render_signed(out: &mut String, sd: &smime::inspect::SignedSummary, indent: &str) {
    let certs_only = sd.is_certs_only();
    let _ = writeln!(
        out,
        "{indent}CMS signed-data{}",
        if certs_only { " (certs-only)" } else { "" }
    );
    let _ = writeln!(
        out,
        "{indent}  content: {}",
        match sd.content_len {
            Some(n) => format!("embedded, {n} bytes of {}", sd.content_type),
            None if certs_only => "none".to_string(),
            None => "detached".to_string(),
        }
    );
    let _ = writeln!(out, "{indent}  signers: {}", sd.signers.len());
    for s in &sd.signers {
        let _ = writeln!(out, "{indent}    {}", s.id);
        let _ = writeln!(
            out,
            "{indent}      digest {}, signature {}{}",
            s.digest,
            s.signature,
            if s.signed_attributes {
                ""
            } else {
                ", no signed attributes"
            }
        );
    }
    let _ = writeln!(out, "{indent}  certificates: {}", sd.certificates.len());
    for c in &sd.certificates {
        describe_cert(out, c.der(), &format!("{indent}    "));
    }
    if sd.crls > 0 {
        let _ = writeln!(out, "{indent}  CRLs: {}", sd.crls);
    }
}

fn render_enveloped(out: &mut String, env: &smime::inspect::EnvelopedSummary, indent: &str) {
    use smime::inspect::RecipientSummary;
    let _ = writeln!(
        out,
        "{indent}CMS {}",
        if env.authenticated {
            "authEnveloped-data"
        } else {
            "enveloped-data"
        }
    );
    let _ = writeln!(
        out,
        "{indent}  content cipher: {}{}",
        env.cipher,
        if env.integrity_protected {
            " (integrity-protected)"
        } else {
            " (NOT integrity-protected)"
        }
    );
    let _ = writeln!(
        out,
        "{indent}  encrypted content: {} bytes",
        env.content_len
    );
    let _ = writeln!(out, "{indent}  recipients: {}", env.recipients.len());
    for (i, r) in env.recipients.iter().enumerate() {
        match r {
            RecipientSummary::KeyTransport { id, algorithm } => {
                let name = match algorithm.as_str() {
                    "RSA" => "RSA PKCS#1 v1.5",
                    other => other,
                };
                let _ = writeln!(out, "{indent}    {}: key transport {name}, {id}", i + 1);
            }
            RecipientSummary::KeyAgreement {
                ids,
                algorithm,
                key_wrap,
            } => {
                let wrap = key_wrap
                    .as_ref()
                    .map(|w| format!(", {w}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{indent}    {}: key agreement {algorithm}{wrap}",
                    i + 1
                );
                for id in ids {
                    let _ = writeln!(out, "{indent}       {id}");
                }
            }
            RecipientSummary::Kem {
                id,
                algorithm,
                kdf,
                key_wrap,
                ukm,
            } => {
                let _ = writeln!(
                    out,
                    "{indent}    {}: KEM {algorithm}, {kdf}, {key_wrap}{}, {id}",
                    i + 1,
                    if *ukm { ", with ukm" } else { "" }
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{indent}    {}: a kind of recipient this tool does not read (KEK, password or other)",
                    i + 1
                );
            }
        }
    }
}

fn describe_message(out: &mut String, input: &[u8]) -> Result<(), Usage> {
    let m = match smime::inspect::inspect(input)? {
        smime::inspect::Inspected::Message(m) => m,
        _ => return Err(Usage("not a MIME message".into())),
    };
    let _ = writeln!(out, "MIME message: {}", m.content_type);
    if !m.from.is_empty() {
        let _ = writeln!(out, "From: {}", m.from.join(", "));
    }
    if m.parts.is_empty() {
        let _ = writeln!(out, "no S/MIME structure");
    }
    for p in &m.parts {
        let place = if p.path.is_empty() {
            "the whole message".to_string()
        } else {
            format!(
                "part {}",
                p.path
                    .iter()
                    .map(|i| (i + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(".")
            )
        };
        let _ = writeln!(out, "S/MIME {} in {place}", p.form);
        match &p.cms {
            Ok(cms) => render_cms(out, cms, "  "),
            Err(e) => {
                let _ = writeln!(out, "  (the CMS body does not parse: {e})");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_shapes() {
        assert!(looks_like_mime(b"From: a@b.c\r\n\r\nbody"));
        assert!(looks_like_mime(b"Content-Type: text/plain\n\nx"));
        assert!(!looks_like_mime(b"just words: here\n"));
        assert!(!looks_like_mime(b": no name\n"));
        assert!(!looks_like_mime(b""));
        // PFX { version 3, ContentInfo { data } }
        let pfx = [
            0x30, 0x10, 0x02, 0x01, 0x03, 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
            0x0d, 0x01, 0x07, 0x01,
        ];
        assert!(is_pkcs12(&pfx));
        let mut v2 = pfx;
        v2[4] = 2;
        assert!(!is_pkcs12(&v2));
        assert!(!is_pkcs12(&pfx[..10]));
    }

    #[test]
    fn pem_blocks_in_order_with_labels() {
        let text = b"junk\n-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n\
-----BEGIN CERTIFICATE-----\r\nAw==\r\n-----END CERTIFICATE-----\r\n";
        let blocks = pem_blocks(text);
        assert_eq!(
            blocks,
            vec![
                ("X509 CRL".to_string(), vec![0, 1, 2]),
                ("CERTIFICATE".to_string(), vec![3]),
            ]
        );
        assert!(pem_blocks(b"-----BEGIN CERTIFICATE-----\nAAEC\n").is_empty());
    }

    #[test]
    fn algorithm_names() {
        let name = |s: &str| oid_name(&ObjectIdentifier::new_unwrap(s));
        assert_eq!(name("2.16.840.1.101.3.4.1.46"), "AES-256-GCM");
        assert_eq!(name("1.2.840.10045.4.3.2"), "ECDSA with SHA-256");
        assert_eq!(name("1.3.132.1.11.1"), "ECDH (X9.63 KDF with SHA-256)");
        assert_eq!(name("1.2.3.4.5.6.7"), "1.2.3.4.5.6.7");
    }

    #[test]
    fn unknown_input_is_a_usage_error() {
        for input in [
            &b"hello"[..],
            &[0x30, 0x00],
            &b"-----BEGIN FOO-----\nAA==\n-----END FOO-----\n"[..],
        ] {
            assert!(inspect(input, None, None).is_err(), "{input:?}");
        }
    }
}
