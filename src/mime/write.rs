//! Writing S/MIME messages.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Standard base64 (with padding) in lines of 76 characters, each line, the last included,
/// ending in CRLF. Empty input gives empty output.
pub fn base64_crlf(der: &[u8]) -> Vec<u8> {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = Vec::with_capacity(text.len() + text.len() / 38 + 2);
    for line in text.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The prefix of every boundary this module makes.
const BOUNDARY_PREFIX: &str = "----=_smime_";

/// A fresh random MIME boundary, `----=_smime_` followed by 32 hexadecimal digits, that does not
/// occur in `content`.
///
/// The randomness comes from the operating system. Should it be unavailable, the boundary is
/// derived from a hash of the content, the time and a counter instead: unpredictability is not
/// needed for a boundary, only absence from the content, which is always checked.
pub fn new_boundary(content: &[u8]) -> String {
    let mut candidate = String::new();
    for attempt in 0u32..64 {
        candidate = boundary_from(content, attempt);
        if !crate::bytes::contains(content, candidate.as_bytes()) {
            return candidate;
        }
    }
    // 64 random 128-bit values all occurring in the content: cannot happen by chance.
    candidate
}

/// A fresh random MIME boundary for content not seen yet (a stream): the writer must check
/// that it does not occur in the content as it goes.
pub(crate) fn random_boundary() -> String {
    boundary_from(b"", 0)
}

fn boundary_from(content: &[u8], attempt: u32) -> String {
    {
        let mut bytes = [0u8; 16];
        if crate::crypto::rng::fill(&mut bytes).is_err() {
            let mut h = Sha256::new();
            h.update(content);
            h.update(attempt.to_be_bytes());
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            h.update(now.to_be_bytes());
            let digest = h.finalize();
            for (dst, src) in bytes.iter_mut().zip(digest.iter()) {
                *dst = *src;
            }
        }
        let mut candidate = String::with_capacity(BOUNDARY_PREFIX.len() + 32);
        candidate.push_str(BOUNDARY_PREFIX);
        for b in bytes {
            candidate.push_str(&format!("{b:02x}"));
        }
        candidate
    }
}

/// Appends `headers`, making sure it ends with a line break when it is not empty.
fn push_headers(out: &mut Vec<u8>, headers: &[u8]) {
    out.extend_from_slice(headers);
    if !headers.is_empty() && !headers.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
}

/// Keeps a caller-supplied parameter value safe inside a quoted string: drops control
/// characters (CR and LF among them), quotes and backslashes.
fn sanitize(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect()
}

/// Keeps a caller-supplied token safe: only the characters of an RFC 2045 token.
fn token(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(*c))
        .collect()
}

/// A complete `multipart/signed` message, CRLF throughout.
///
/// In order: `outer_headers` (as given; see [`super::split_entity`]), `MIME-Version: 1.0`, the
/// `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=...;
/// boundary="..."` field, a blank line, a short preamble, the first part (exactly
/// `signed_entity`), the second part (`application/pkcs7-signature`, named `smime.p7s`, the
/// base64 of `signature_der`) and the close delimiter. The boundary is chosen by
/// `new_boundary` so that it occurs in neither the entity nor the headers.
///
/// `micalg` is written as a token (for example `sha-256`); characters not allowed in a token
/// are dropped.
pub fn write_multipart_signed(
    outer_headers: &[u8],
    signed_entity: &[u8],
    signature_der: &[u8],
    micalg: &str,
) -> Vec<u8> {
    let mut seen = Vec::with_capacity(outer_headers.len() + signed_entity.len());
    seen.extend_from_slice(outer_headers);
    seen.extend_from_slice(signed_entity);
    let boundary = new_boundary(&seen);
    drop(seen);
    let signature = base64_crlf(signature_der);
    let mut out =
        Vec::with_capacity(outer_headers.len() + signed_entity.len() + signature.len() + 600);
    out.extend_from_slice(&multipart_signed_head(outer_headers, micalg, &boundary));
    out.extend_from_slice(signed_entity);
    out.extend_from_slice(&multipart_signed_tail(&boundary, signature_der));
    out
}

/// What a `multipart/signed` message has before its signed entity: the header fields, the
/// preamble and the opening delimiter line.
pub(crate) fn multipart_signed_head(outer_headers: &[u8], micalg: &str, boundary: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(outer_headers.len() + 300);
    push_headers(&mut out, outer_headers);
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    out.extend_from_slice(
        b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n",
    );
    out.extend_from_slice(format!("\tmicalg={};\r\n", token(micalg)).as_bytes());
    out.extend_from_slice(format!("\tboundary=\"{boundary}\"\r\n").as_bytes());
    out.extend_from_slice(b"\r\nThis is an S/MIME signed message\r\n\r\n");
    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    out
}

/// What a `multipart/signed` message has after its signed entity: the signature part and the
/// close delimiter.
pub(crate) fn multipart_signed_tail(boundary: &str, signature_der: &[u8]) -> Vec<u8> {
    let signature = base64_crlf(signature_der);
    let mut out = Vec::with_capacity(signature.len() + 300);
    out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
    out.extend_from_slice(
        b"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
          Content-Transfer-Encoding: base64\r\n\
          Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n",
    );
    out.extend_from_slice(&signature);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

/// A complete `application/pkcs7-mime` message, CRLF throughout.
///
/// In order: `outer_headers` (as given), `MIME-Version: 1.0`,
/// `Content-Type: application/pkcs7-mime; smime-type=<smime_type>; name="<file_name>"`,
/// `Content-Transfer-Encoding: base64`, `Content-Disposition: attachment;
/// filename="<file_name>"`, a blank line and the base64 of `der`.
///
/// `smime_type` is written as a token (`signed-data`, `enveloped-data`,
/// `authEnveloped-data`, `certs-only`); control characters, quotes and backslashes are dropped
/// from `file_name`.
pub fn write_pkcs7_mime(
    outer_headers: &[u8],
    der: &[u8],
    smime_type: &str,
    file_name: &str,
) -> Vec<u8> {
    let body = base64_crlf(der);
    let mut out = pkcs7_mime_head(outer_headers, smime_type, file_name);
    out.extend_from_slice(&body);
    out
}

/// The header fields of an `application/pkcs7-mime` message and the blank line: what comes
/// before the base64 body.
pub(crate) fn pkcs7_mime_head(outer_headers: &[u8], smime_type: &str, file_name: &str) -> Vec<u8> {
    let name = sanitize(file_name);
    let mut out = Vec::with_capacity(outer_headers.len() + 300);
    push_headers(&mut out, outer_headers);
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    out.extend_from_slice(
        format!(
            "Content-Type: application/pkcs7-mime; smime-type={};\r\n\tname=\"{name}\"\r\n",
            token(smime_type)
        )
        .as_bytes(),
    );
    out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
    out.extend_from_slice(
        format!("Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n").as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lines() {
        assert!(base64_crlf(b"").is_empty());
        assert_eq!(base64_crlf(b"abc"), b"YWJj\r\n");
        let data = vec![0xA5u8; 200];
        let text = base64_crlf(&data);
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        // 200 bytes -> 268 chars -> 76+76+76+40, then the empty piece after the last LF.
        assert_eq!(lines.len(), 5);
        assert!(
            lines[..3]
                .iter()
                .all(|l| l.len() == 77 && l.ends_with(b"\r"))
        );
        assert_eq!(lines[3].len(), 41);
        assert!(lines[4].is_empty());
        let stripped: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(stripped)
                .unwrap(),
            data
        );
    }

    #[test]
    fn boundaries() {
        let a = new_boundary(b"");
        let b = new_boundary(b"");
        assert_ne!(a, b);
        assert!(a.starts_with(BOUNDARY_PREFIX));
        assert_eq!(a.len(), BOUNDARY_PREFIX.len() + 32);
        assert!(
            a[BOUNDARY_PREFIX.len()..]
                .bytes()
                .all(|c| c.is_ascii_hexdigit())
        );
        let content = format!("x{a}y");
        assert!(!content.contains(&new_boundary(content.as_bytes())));
    }

    #[test]
    fn values_are_sanitized() {
        assert_eq!(sanitize("a\"b\r\nc\\d.p7m"), "abcd.p7m");
        assert_eq!(token("sha-256\r\nX: y"), "sha-256Xy");
        let m = write_pkcs7_mime(
            b"Subject: x",
            b"\x30\x00",
            "signed-data\r\nBcc: e",
            "s\r\n.p7m",
        );
        assert!(m.starts_with(b"Subject: x\r\nMIME-Version: 1.0\r\n"));
        assert!(!m.windows(5).any(|w| w == b"\nBcc:"));
    }
}
