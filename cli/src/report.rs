//! Rendering verification reports, as text for people and as JSON for programs.
//!
//! JSON documents carry `"schema": 1` at the top; names are snake_case; every check,
//! revocation included, is `{"status": ..., "reason": ...}` with status `passed`, `failed`,
//! `not_checked` or (revocation only) `unknown`.

use serde_json::{Value, json};
use smime::validate::revocation::CertificateRevocation;
use smime::validate::{RevocationStatus, ValidityFailure};
use smime::verify::{Check, SignatureKind, SignedScope, SignerReport, Verdict, VerifyReport};
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// A time as an RFC 3339 date in UTC, e.g. `2026-12-01T12:00:00Z`.
pub(crate) fn time_str(t: SystemTime) -> String {
    let secs: i64 = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A check's failure for people; validity failures with dates.
trait Reason {
    fn reason(&self) -> String;
}

macro_rules! display_reason {
    ($($t:ty),*) => {$(
        impl Reason for $t {
            fn reason(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

display_reason!(
    smime::verify::SignatureFailure,
    smime::verify::AlgorithmProblem,
    smime::validate::ChainFailure,
    smime::validate::KeyUsageFailure,
    smime::validate::EkuFailure,
    smime::verify::AddressFailure
);

impl Reason for ValidityFailure {
    fn reason(&self) -> String {
        match self {
            ValidityFailure::NotYetValid { not_before } => format!(
                "the certificate is not valid yet (valid from {})",
                time_str(*not_before)
            ),
            ValidityFailure::Expired { not_after } => format!(
                "the certificate has expired (valid until {})",
                time_str(*not_after)
            ),
            other => other.to_string(),
        }
    }
}

fn check_text<F: Reason>(c: &Check<F>) -> String {
    match c {
        Check::Passed => "passed".into(),
        Check::Failed(e) => format!("FAILED: {}", e.reason()),
        Check::NotChecked(why) => format!("not checked: {why}"),
    }
}

fn check_json<F: Reason>(c: &Check<F>) -> Value {
    match c {
        Check::Passed => json!({"status": "passed", "reason": null}),
        Check::Failed(e) => json!({"status": "failed", "reason": e.reason()}),
        Check::NotChecked(why) => json!({"status": "not_checked", "reason": why}),
    }
}

/// One certificate's revocation outcome for people, with dates.
fn cert_revocation_text(c: &CertificateRevocation) -> String {
    match c {
        CertificateRevocation::Revoked { reason, date } => match reason {
            Some(r) => format!("REVOKED on {} ({r})", time_str(*date)),
            None => format!("REVOKED on {}", time_str(*date)),
        },
        other => other.to_string(),
    }
}

fn cert_revocation_json(c: &CertificateRevocation) -> Value {
    match c {
        CertificateRevocation::NotChecked => {
            json!({"status": "not_checked", "reason": "revocation checking is off"})
        }
        CertificateRevocation::Good => json!({"status": "passed", "reason": null}),
        CertificateRevocation::Revoked { reason, date } => json!({
            "status": "failed",
            "reason": cert_revocation_text(c),
            "revocation_reason": reason.as_ref().map(|r| r.to_string()),
            "revoked_at": time_str(*date),
        }),
        CertificateRevocation::Unknown(why) => {
            json!({"status": "unknown", "reason": why.to_string()})
        }
        _ => json!({"status": "unknown", "reason": c.to_string()}),
    }
}

/// The signer's revocation check, `{status, reason}`: the reason names the certificate of
/// the chain at fault.
fn revocation_json(s: &SignerReport) -> Value {
    let rev = &s.chain_revocation;
    let first = |want: fn(&CertificateRevocation) -> bool| {
        rev.certificates
            .iter()
            .zip(&rev.subjects)
            .find(|(c, _)| want(c))
            .map(|(c, subject)| format!("{subject}: {}", cert_revocation_text(c)))
    };
    match s.revocation {
        RevocationStatus::Good => json!({"status": "passed", "reason": null}),
        RevocationStatus::Revoked => json!({
            "status": "failed",
            "reason": first(|c| matches!(c, CertificateRevocation::Revoked { .. }))
                .unwrap_or_else(|| "a certificate of the chain is revoked".into()),
        }),
        RevocationStatus::Unknown => json!({
            "status": "unknown",
            "reason": first(|c| matches!(c, CertificateRevocation::Unknown(_)))
                .unwrap_or_else(|| "no usable CRL covers a certificate of the chain".into()),
        }),
        RevocationStatus::NotChecked => json!({
            "status": "not_checked",
            "reason": s.revocation.to_string(),
        }),
        _ => json!({"status": "unknown", "reason": s.revocation.to_string()}),
    }
}

/// The verdict's name in JSON.
pub(crate) fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Trusted => "trusted",
        Verdict::NotSigned => "not_signed",
        Verdict::Encrypted => "encrypted",
        Verdict::NoSigners => "no_signers",
        Verdict::DetachedWithContent => "detached_with_content",
        Verdict::MixedSigners { .. } => "mixed_signers",
        Verdict::SignatureInvalid => "signature_invalid",
        Verdict::WeakAlgorithm => "weak_algorithm",
        Verdict::Untrusted => "untrusted",
        Verdict::Revoked => "revoked",
        Verdict::CertificateNotUsable => "certificate_not_usable",
        Verdict::AddressMismatch => "address_mismatch",
        Verdict::PartiallySigned { .. } => "partially_signed",
        Verdict::CiphertextOnly => "ciphertext_only",
        _ => "other",
    }
}

fn kind_name(k: &SignatureKind) -> &'static str {
    match k {
        SignatureKind::Detached => "detached",
        SignatureKind::Opaque => "opaque",
        SignatureKind::None => "none",
        _ => "other",
    }
}

fn kind_text(k: &SignatureKind) -> &'static str {
    match k {
        SignatureKind::Detached => "detached (multipart/signed)",
        SignatureKind::Opaque => "opaque (application/pkcs7-mime signed-data)",
        SignatureKind::None => "none found",
        _ => "of another kind",
    }
}

fn scope_name(s: &SignedScope) -> &'static str {
    match s {
        SignedScope::WholeMessage => "whole_message",
        SignedScope::Part { .. } => "part",
        SignedScope::Ciphertext => "ciphertext",
        SignedScope::Nothing => "nothing",
        _ => "other",
    }
}

fn part_path(path: &[usize]) -> String {
    path.iter()
        .map(|i| (i + 1).to_string())
        .collect::<Vec<_>>()
        .join(".")
}

fn scope_text(s: &SignedScope) -> String {
    match s {
        SignedScope::WholeMessage => "the whole message".into(),
        SignedScope::Part { path } => format!("only part {} of the message", part_path(path)),
        SignedScope::Ciphertext => "the encrypted form only".into(),
        SignedScope::Nothing => "nothing".into(),
        _ => "an unknown scope".into(),
    }
}

/// Details of a verdict beyond its name, or null.
fn verdict_detail(v: &Verdict) -> Value {
    match v {
        Verdict::MixedSigners { passed, failed } => json!({"passed": passed, "failed": failed}),
        Verdict::PartiallySigned { path } => json!({"part": part_path(path)}),
        _ => Value::Null,
    }
}

/// The signed part's path ("1.2") when only a part is signed, else null.
fn signed_part(r: &VerifyReport) -> Value {
    match &r.scope {
        SignedScope::Part { path } => json!(part_path(path)),
        _ => Value::Null,
    }
}

fn signer_json(s: &SignerReport) -> Value {
    json!({
        "signer_id": s.signer_id,
        "passed": s.passed(),
        "certificate": s.certificate.as_ref().map(|c| json!({
            "subject": c.subject(),
            "issuer": c.issuer(),
            "serial": c.serial(),
            "addresses": c.addresses(),
            "not_before": time_str(c.not_before()),
            "not_after": time_str(c.not_after()),
            "key": c.key_description(),
            "fingerprint": c.fingerprint().to_hex(),
        })),
        "digest_algorithm": s.digest_algorithm,
        "signature_algorithm": s.signature_algorithm,
        "signing_time": s.signing_time.map(time_str),
        "signing_time_in_future": s.signing_time_in_future,
        "checks": {
            "signature": check_json(&s.signature),
            "algorithm": check_json(&s.algorithm),
            "chain": check_json(&s.chain),
            "validity": check_json(&s.validity),
            "key_usage": check_json(&s.key_usage),
            "extended_key_usage": check_json(&s.extended_key_usage),
            "address": check_json(&s.address),
            "revocation": revocation_json(s),
        },
        "chain_revocation": s
            .chain_revocation
            .subjects
            .iter()
            .zip(&s.chain_revocation.certificates)
            .map(|(subject, outcome)| {
                let mut v = cert_revocation_json(outcome);
                v["subject"] = json!(subject);
                v
            })
            .collect::<Vec<Value>>(),
    })
}

fn layer_json(r: &VerifyReport) -> Value {
    json!({
        "verdict": verdict_name(&r.layer_verdict()),
        "verdict_text": r.layer_verdict().to_string(),
        "verdict_detail": verdict_detail(&r.layer_verdict()),
        "kind": kind_name(&r.kind),
        "scope": scope_name(&r.scope),
        "signed_part": signed_part(r),
        "addresses_checked": r.addresses_checked,
        "address_check_skipped": r.address_check_skipped,
        "signers": r.signers.iter().map(signer_json).collect::<Vec<_>>(),
    })
}

/// The report as JSON: the verdict for what the user sees, the outermost layer's fields and
/// every signed layer, outermost first.
pub fn to_json(r: &VerifyReport) -> String {
    let v = json!({
        "schema": crate::JSON_SCHEMA,
        "verdict": verdict_name(&r.verdict()),
        "verdict_text": r.verdict().to_string(),
        "verdict_detail": verdict_detail(&r.verdict()),
        "trusted": r.is_trusted(),
        "kind": kind_name(&r.kind),
        "scope": scope_name(&r.scope),
        "signed_part": signed_part(r),
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
    let _ = writeln!(
        s,
        "signature: {}, covering {}",
        kind_text(&r.kind),
        scope_text(&r.scope)
    );
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
                let _ = writeln!(s, "  certificate: {}", c.subject());
                let _ = writeln!(s, "  issuer:      {}", c.issuer());
                let _ = writeln!(s, "  addresses:   {}", c.addresses().join(", "));
                let _ = writeln!(s, "  key:         {}", c.key_description());
                let _ = writeln!(
                    s,
                    "  valid:       {} .. {}",
                    time_str(c.not_before()),
                    time_str(c.not_after())
                );
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
            let ahead = if signer.signing_time_in_future {
                " (in the future: a false claim, not used as the validation time)"
            } else {
                ""
            };
            let _ = writeln!(s, "  signed at:   {}{ahead}", time_str(t));
        }
        let _ = writeln!(s, "  signature:   {}", check_text(&signer.signature));
        let _ = writeln!(s, "  algorithm:   {}", check_text(&signer.algorithm));
        let _ = writeln!(s, "  chain:       {}", check_text(&signer.chain));
        let _ = writeln!(s, "  validity:    {}", check_text(&signer.validity));
        let _ = writeln!(s, "  key usage:   {}", check_text(&signer.key_usage));
        let _ = writeln!(
            s,
            "  ext. usage:  {}",
            check_text(&signer.extended_key_usage)
        );
        let _ = writeln!(s, "  address:     {}", check_text(&signer.address));
        let _ = writeln!(s, "  revocation:  {}", signer.revocation);
        let rev = &signer.chain_revocation;
        for (subject, outcome) in rev.subjects.iter().zip(&rev.certificates) {
            let _ = writeln!(s, "    {subject}: {}", cert_revocation_text(outcome));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_rfc3339_utc() {
        let at = |secs: u64| time_str(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_720_027_807), "2024-07-03T17:30:07Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_796_126_400), "2026-12-01T12:00:00Z");
        assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(
            time_str(UNIX_EPOCH - Duration::from_secs(86_400)),
            "1969-12-31T00:00:00Z"
        );
    }
}
