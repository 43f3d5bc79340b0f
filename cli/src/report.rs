//! Rendering verification reports (text and JSON) and `inspect` output.

use serde_json::{Value, json};
use smime::cms::signed_data;
use smime::crypto::oids;
use smime::verify::{Check, SignedScope, SignerReport, VerifyReport};
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn time_str(t: SystemTime) -> String {
    match x509_cert::time::Time::try_from(t) {
        Ok(x509_cert::time::Time::UtcTime(u)) => u.to_date_time().to_string(),
        Ok(x509_cert::time::Time::GeneralTime(g)) => g.to_date_time().to_string(),
        Err(_) => format!(
            "{} seconds since 1970",
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        ),
    }
}

fn check_json<F: std::fmt::Display>(c: &Check<F>) -> Value {
    match c {
        Check::Passed => json!({"status": "passed"}),
        Check::Failed(e) => json!({"status": "failed", "reason": e.to_string()}),
        Check::NotChecked(why) => json!({"status": "not_checked", "reason": why}),
    }
}

fn signer_json(s: &SignerReport) -> Value {
    json!({
        "signer_id": s.signer_id,
        "passed": s.passed(),
        "certificate": s.certificate.as_ref().map(|c| json!({
            "subject": c.subject,
            "issuer": c.issuer,
            "serial": c.serial,
            "addresses": c.addresses,
            "not_before": time_str(c.not_before),
            "not_after": time_str(c.not_after),
            "key": c.key,
        })),
        "digest_algorithm": s.digest_algorithm,
        "signature_algorithm": s.signature_algorithm,
        "signing_time": s.signing_time.map(time_str),
        "checks": {
            "signature": check_json(&s.signature),
            "algorithm": check_json(&s.algorithm),
            "chain": check_json(&s.chain),
            "validity": check_json(&s.validity),
            "key_usage": check_json(&s.key_usage),
            "extended_key_usage": check_json(&s.extended_key_usage),
            "address": check_json(&s.address),
            "revocation": format!("{}", s.revocation),
        },
        "chain_revocation": s
            .chain_revocation
            .subjects
            .iter()
            .zip(&s.chain_revocation.certificates)
            .map(|(subject, outcome)| json!({
                "subject": subject,
                "status": format!("{outcome}"),
            }))
            .collect::<Vec<Value>>(),
    })
}

fn layer_json(r: &VerifyReport) -> Value {
    json!({
        "verdict": format!("{:?}", r.layer_verdict()),
        "verdict_text": r.layer_verdict().to_string(),
        "kind": format!("{:?}", r.kind),
        "scope": format!("{:?}", r.scope),
        "addresses_checked": r.addresses_checked,
        "address_check_skipped": r.address_check_skipped,
        "signers": r.signers.iter().map(signer_json).collect::<Vec<_>>(),
    })
}

/// The report as JSON: the verdict for what the user sees, the outermost layer's fields (as
/// before nesting was reported) and every signed layer, outermost first.
pub fn to_json(r: &VerifyReport) -> String {
    let v = json!({
        "verdict": format!("{:?}", r.verdict()),
        "verdict_text": r.verdict().to_string(),
        "trusted": r.is_trusted(),
        "kind": format!("{:?}", r.kind),
        "scope": format!("{:?}", r.scope),
        "addresses_checked": r.addresses_checked,
        "addresses_from_signed_header": r.addresses_from_signed_header,
        "address_check_skipped": r.address_check_skipped,
        "content_length": r.content.len(),
        "signers": r.signers.iter().map(signer_json).collect::<Vec<_>>(),
        "layers": r.layers().map(layer_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
}

/// The report as text for a person: the verdict for what the user sees, then every signed
/// layer, outermost first.
pub fn to_text(r: &VerifyReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "verdict: {}", r.verdict());
    let n = r.layers().count();
    for (i, layer) in r.layers().enumerate() {
        if n > 1 {
            let _ = writeln!(
                s,
                "layer {} of {n}{}: {}",
                i + 1,
                match i {
                    0 => " (outermost)",
                    _ if i + 1 == n => " (innermost)",
                    _ => "",
                },
                layer.layer_verdict()
            );
        }
        s.push_str(&layer_text(layer));
    }
    s
}

/// One signed layer as text, without a verdict line.
pub fn layer_text(r: &VerifyReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "signature: {:?}, covering {:?}", r.kind, r.scope);
    if r.scope == SignedScope::Ciphertext {
        let _ = writeln!(
            s,
            "  (this signature covers the encrypted form only: it does not vouch for the content)"
        );
    }
    if r.address_check_skipped {
        let _ = writeln!(s, "address check: skipped on request");
    } else {
        let _ = writeln!(
            s,
            "sender address: {}{}",
            r.addresses_checked.join(", "),
            if r.addresses_from_signed_header {
                " (from the signed header)"
            } else {
                ""
            }
        );
    }
    for (i, signer) in r.signers.iter().enumerate() {
        let _ = writeln!(
            s,
            "signer {}: {}",
            i + 1,
            if signer.passed() { "passed" } else { "FAILED" }
        );
        match &signer.certificate {
            Some(c) => {
                let _ = writeln!(s, "  certificate: {}", c.subject);
                let _ = writeln!(s, "  issuer:      {}", c.issuer);
                let _ = writeln!(s, "  addresses:   {}", c.addresses.join(", "));
                let _ = writeln!(s, "  key:         {}", c.key);
            }
            None => {
                let _ = writeln!(s, "  signer id:   {}", signer.signer_id);
            }
        }
        let _ = writeln!(
            s,
            "  algorithms:  {} / {}",
            signer.digest_algorithm, signer.signature_algorithm
        );
        if let Some(t) = signer.signing_time {
            let _ = writeln!(s, "  signed at:   {}", time_str(t));
        }
        let _ = writeln!(s, "  signature:   {}", signer.signature);
        let _ = writeln!(s, "  algorithm:   {}", signer.algorithm);
        let _ = writeln!(s, "  chain:       {}", signer.chain);
        let _ = writeln!(s, "  validity:    {}", signer.validity);
        let _ = writeln!(s, "  key usage:   {}", signer.key_usage);
        let _ = writeln!(s, "  ext. usage:  {}", signer.extended_key_usage);
        let _ = writeln!(s, "  address:     {}", signer.address);
        let _ = writeln!(s, "  revocation:  {}", signer.revocation);
        let rev = &signer.chain_revocation;
        for (subject, outcome) in rev.subjects.iter().zip(&rev.certificates) {
            let _ = writeln!(s, "    {subject}: {outcome}");
        }
    }
    s
}

/// What is in a message, a DER/BER CMS structure, or a PEM file.
pub fn inspect(input: &[u8]) -> Result<String, crate::Usage> {
    let mut out = String::new();
    if input.windows(11).any(|w| w == b"-----BEGIN ")
        && let Ok(certs) = smime::crypto::keys::read_certificates(input)
    {
        let _ = writeln!(out, "PEM: {} certificate(s)", certs.len());
        for c in &certs {
            describe_cert(&mut out, c, "  ");
        }
        return Ok(out);
    }
    if input.first() == Some(&0x30) {
        if let Ok(ci) = signed_data::parse_content_info(input) {
            describe_cms(&mut out, input, &ci.content_type, "");
            return Ok(out);
        }
        if cert_from_der(input).is_some() {
            describe_cert(&mut out, input, "");
            return Ok(out);
        }
    }
    let parsed = smime::mime::parse(input, &smime::mime::Limits::default())?;
    let _ = writeln!(out, "MIME message: {}", parsed.top_content_type);
    if !parsed.from.is_empty() {
        let _ = writeln!(out, "From: {}", parsed.from.join(", "));
    }
    if parsed.smime.is_empty() {
        let _ = writeln!(out, "no S/MIME structure");
    }
    for p in &parsed.smime {
        let _ = writeln!(
            out,
            "S/MIME {:?} at depth {} (part path {:?}), {} bytes of CMS",
            p.kind,
            p.depth,
            p.path,
            p.cms.len()
        );
        if let Ok(ci) = signed_data::parse_content_info(&p.cms) {
            describe_cms(&mut out, &p.cms, &ci.content_type, "  ");
        } else {
            let _ = writeln!(out, "  (the CMS body does not parse)");
        }
    }
    Ok(out)
}

fn cert_from_der(der: &[u8]) -> Option<x509_cert::Certificate> {
    use der::Decode;
    x509_cert::Certificate::from_der(der).ok()
}

fn describe_cert(out: &mut String, der: &[u8], indent: &str) {
    let Some(c) = cert_from_der(der) else {
        let _ = writeln!(out, "{indent}certificate: does not parse");
        return;
    };
    let tbs = c.tbs_certificate();
    let _ = writeln!(out, "{indent}certificate: {}", tbs.subject());
    let _ = writeln!(out, "{indent}  issuer:    {}", tbs.issuer());
    let _ = writeln!(out, "{indent}  serial:    {}", tbs.serial_number());
    let _ = writeln!(
        out,
        "{indent}  valid:     {} .. {}",
        time_str(tbs.validity().not_before.to_system_time()),
        time_str(tbs.validity().not_after.to_system_time())
    );
    let addrs = smime::validate::certificate_addresses(&c);
    if !addrs.is_empty() {
        let _ = writeln!(out, "{indent}  addresses: {}", addrs.join(", "));
    }
}

fn describe_cms(out: &mut String, der: &[u8], ct: &const_oid::ObjectIdentifier, indent: &str) {
    let name = if *ct == oids::SIGNED_DATA {
        "signed-data"
    } else if *ct == oids::ENVELOPED_DATA {
        "enveloped-data"
    } else if *ct == oids::AUTH_ENVELOPED_DATA {
        "authEnveloped-data"
    } else {
        "other"
    };
    let _ = writeln!(out, "{indent}CMS {name} ({ct})");
    if *ct != oids::SIGNED_DATA {
        return;
    }
    match signed_data::parse_signed_data(der) {
        Err(e) => {
            let _ = writeln!(out, "{indent}  does not parse: {e}");
        }
        Ok(sd) => {
            let _ = writeln!(
                out,
                "{indent}  content: {}",
                match &sd.econtent {
                    Some(c) => format!("embedded, {} bytes", c.len()),
                    None if sd.certificates.is_empty() || !sd.signers.is_empty() => {
                        "detached".to_string()
                    }
                    None => "none (certs-only)".to_string(),
                }
            );
            let _ = writeln!(out, "{indent}  signers: {}", sd.signers.len());
            for s in &sd.signers {
                let _ = writeln!(out, "{indent}    {}", s.sid);
                let _ = writeln!(
                    out,
                    "{indent}      digest {} signature {}",
                    s.digest_algorithm.oid, s.signature_algorithm.oid
                );
            }
            let _ = writeln!(out, "{indent}  certificates: {}", sd.certificates.len());
            for c in &sd.certificates {
                describe_cert(out, c, &format!("{indent}    "));
            }
            if !sd.crls.is_empty() {
                let _ = writeln!(out, "{indent}  CRLs: {}", sd.crls.len());
            }
        }
    }
}
