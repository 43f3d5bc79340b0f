//! Tests of the parser, including round trips through the writers and the OpenSSL CLI.

use super::testutil::{TempDir, make_key, openssl, openssl_ok, read, require_openssl, write};
use super::*;
use crate::error::ParseError;

fn p(input: &[u8]) -> Result<ParsedMessage, ParseError> {
    parse(input, &Limits::default())
}

fn signed_bytes<'a>(input: &'a [u8], part: &SmimePart) -> &'a [u8] {
    &input[part.signed_content.clone().expect("signed_content")]
}

fn lf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob,\r\n\r\n-- \r\nAlice\r\n";

const MULTIPART_ENTITY: &[u8] = b"Content-Type: multipart/mixed; boundary=\"inner-b\"\r\n\r\n\
preamble\r\n--inner-b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--inner-b\r\n\
Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n\
--inner-b--\r\nepilogue\r\n";

/// Signs `entity` with OpenSSL (binary, so byte-exact) and returns the detached DER signature.
fn openssl_detached(dir: &TempDir, entity: &[u8]) -> Vec<u8> {
    write(dir, "entity", entity);
    openssl(
        dir,
        &[
            "cms", "-sign", "-binary", "-signer", "c", "-inkey", "k", "-md", "sha256", "-in",
            "entity", "-outform", "DER", "-out", "sig.der",
        ],
    );
    read(dir, "sig.der")
}

/// Whether OpenSSL accepts the S/MIME message `msg` (its own MIME parsing, text mode: OpenSSL
/// 3.0 does not verify a clear-signed message read with `-binary`); returns the content.
fn openssl_verifies(dir: &TempDir, msg: &[u8]) -> Option<Vec<u8>> {
    write(dir, "check.eml", msg);
    let args = [
        "cms",
        "-verify",
        "-noverify",
        "-in",
        "check.eml",
        "-out",
        "check.out",
    ];
    openssl_ok(dir, &args).then(|| read(dir, "check.out"))
}

/// Whether OpenSSL accepts the detached signature `cms` over exactly the bytes `content`
/// (binary: no canonicalization at all).
fn openssl_verifies_detached(dir: &TempDir, cms: &[u8], content: &[u8]) -> bool {
    write(dir, "detached.der", cms);
    write(dir, "detached.content", content);
    openssl_ok(
        dir,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "detached.der",
            "-content",
            "detached.content",
            "-out",
            "detached.out",
        ],
    )
}

// ---- OpenSSL-made messages ------------------------------------------------------------------

#[test]
fn openssl_clear_signed_crlf_and_mixed_eol() {
    require_openssl();
    let dir = TempDir::new("osslcrlf");
    make_key(&dir);
    for entity in [ENTITY, MULTIPART_ENTITY] {
        write(&dir, "entity", entity);
        for crlfeol in [true, false] {
            let mut args = vec![
                "cms", "-sign", "-binary", "-signer", "c", "-inkey", "k", "-in", "entity", "-out",
                "msg.eml",
            ];
            if crlfeol {
                args.push("-crlfeol");
            }
            openssl(&dir, &args);
            let msg = read(&dir, "msg.eml");
            assert!(openssl_verifies(&dir, &msg).is_some());
            let parsed = p(&msg).unwrap();
            assert_eq!(parsed.top_content_type, "multipart/signed");
            assert_eq!(parsed.smime[0].kind, SmimeKind::MultipartSigned);
            assert_eq!(parsed.smime[0].entity, 0..msg.len());
            assert_eq!(
                signed_bytes(&msg, &parsed.smime[0]),
                entity,
                "crlfeol={crlfeol}"
            );
            assert_eq!(parsed.smime[0].micalg.as_deref(), Some("sha-256"));
            assert!(
                parsed.smime[0]
                    .protocol
                    .as_deref()
                    .unwrap()
                    .ends_with("pkcs7-signature")
            );
            // The CMS bytes are the detached signature OpenSSL would print.
            openssl(
                &dir,
                &[
                    "cms", "-cmsout", "-in", "msg.eml", "-outform", "DER", "-out", "cms.der",
                ],
            );
            assert_eq!(parsed.smime[0].cms, read(&dir, "cms.der"));
            assert!(openssl_verifies_detached(
                &dir,
                &parsed.smime[0].cms,
                signed_bytes(&msg, &parsed.smime[0])
            ));
        }
    }
}

#[test]
fn openssl_clear_signed_lf_text() {
    require_openssl();
    let dir = TempDir::new("ossllf");
    make_key(&dir);
    // Text mode: OpenSSL signs the CRLF form of LF input.
    let content = lf(MULTIPART_ENTITY);
    write(&dir, "entity", &content);
    openssl(
        &dir,
        &[
            "cms", "-sign", "-signer", "c", "-inkey", "k", "-in", "entity", "-out", "msg.eml",
        ],
    );
    // Make the whole message LF, as a Unix mail store would keep it.
    let msg = lf(&read(&dir, "msg.eml"));
    assert!(openssl_verifies(&dir, &msg).is_some());
    let parsed = p(&msg).unwrap();
    let part = &parsed.smime[0];
    assert_eq!(signed_bytes(&msg, part), content.as_slice());
    assert_eq!(to_crlf(signed_bytes(&msg, part)), MULTIPART_ENTITY);
    assert!(openssl_verifies_detached(
        &dir,
        &part.cms,
        &to_crlf(signed_bytes(&msg, part))
    ));
    assert!(!openssl_verifies_detached(
        &dir,
        &part.cms,
        signed_bytes(&msg, part)
    ));
    // The nested multipart inside the signed part is walked, and holds nothing S/MIME.
    assert_eq!(parsed.smime.len(), 1);
}

#[test]
fn openssl_opaque_and_enveloped() {
    require_openssl();
    let dir = TempDir::new("osslopaque");
    make_key(&dir);
    write(&dir, "entity", ENTITY);
    openssl(
        &dir,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-signer",
            "c",
            "-inkey",
            "k",
            "-in",
            "entity",
            "-out",
            "opaque.eml",
        ],
    );
    let msg = read(&dir, "opaque.eml");
    let parsed = p(&msg).unwrap();
    assert_eq!(parsed.smime.len(), 1);
    assert_eq!(parsed.smime[0].kind, SmimeKind::SignedData);
    assert_eq!(parsed.smime[0].signed_content, None);
    write(&dir, "opaque.der", &parsed.smime[0].cms);
    openssl(
        &dir,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "opaque.der",
            "-out",
            "opaque.out",
        ],
    );
    assert_eq!(read(&dir, "opaque.out"), ENTITY);
    // Rewritten by write_pkcs7_mime, OpenSSL still reads and verifies it.
    let der = parsed.smime[0].cms.clone();
    let rewritten = write_pkcs7_mime(b"Subject: opaque\r\n", &der, "signed-data", "smime.p7m");
    assert_eq!(p(&rewritten).unwrap().smime[0].cms, der);
    write(&dir, "rewritten.eml", &rewritten);
    openssl(
        &dir,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-in",
            "rewritten.eml",
            "-out",
            "rewritten.out",
        ],
    );
    assert_eq!(read(&dir, "rewritten.out"), ENTITY);

    openssl(
        &dir,
        &[
            "cms", "-encrypt", "-aes256", "-binary", "-in", "entity", "-out", "enc.eml", "c",
        ],
    );
    let msg = read(&dir, "enc.eml");
    let parsed = p(&msg).unwrap();
    assert_eq!(parsed.smime[0].kind, SmimeKind::EnvelopedData);
    write(&dir, "enc.der", &parsed.smime[0].cms);
    openssl(
        &dir,
        &[
            "cms", "-decrypt", "-binary", "-inform", "DER", "-in", "enc.der", "-recip", "c",
            "-inkey", "k", "-out", "dec.out",
        ],
    );
    assert_eq!(read(&dir, "dec.out"), ENTITY);
}

// ---- Round trips through the writers --------------------------------------------------------

#[test]
fn written_multipart_signed_verifies_and_parses() {
    require_openssl();
    let dir = TempDir::new("write");
    make_key(&dir);
    let message = b"From: Alice <alice@example.com>\nTo: bob@example.com\nSubject: hi\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\n\
hello\n--zz--\n";
    let split = split_entity(message).unwrap();
    let sig = openssl_detached(&dir, &split.entity);
    let out = write_multipart_signed(&split.outer_headers, &split.entity, &sig, "sha-256");
    assert!(out.starts_with(b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n"));
    let content = openssl_verifies(&dir, &out).expect("openssl verifies");
    assert_eq!(content, split.entity);
    let parsed = p(&out).unwrap();
    assert_eq!(parsed.from, vec!["alice@example.com".to_string()]);
    assert_eq!(parsed.smime.len(), 1);
    let part = &parsed.smime[0];
    assert_eq!(part.kind, SmimeKind::MultipartSigned);
    assert_eq!(signed_bytes(&out, part), split.entity.as_slice());
    assert_eq!(part.cms, sig);
    assert_eq!(
        part.protocol.as_deref(),
        Some("application/pkcs7-signature")
    );
    assert_eq!(
        part.signature_part_type.as_deref(),
        Some("application/pkcs7-signature")
    );
    assert_eq!(part.depth, 0);
    assert!(part.path.is_empty());

    // The same message with LF line endings throughout.
    let lf_out = lf(&out);
    let parsed = p(&lf_out).unwrap();
    assert_eq!(signed_bytes(&lf_out, &parsed.smime[0]), lf(&split.entity));
    assert_eq!(parsed.smime[0].cms, sig);
    assert!(openssl_verifies(&dir, &lf_out).is_some());
}

#[test]
fn signed_inside_signed() {
    require_openssl();
    let dir = TempDir::new("nested");
    make_key(&dir);
    let inner_sig = openssl_detached(&dir, ENTITY);
    let inner = write_multipart_signed(b"", ENTITY, &inner_sig, "sha-256");
    let outer_sig = openssl_detached(&dir, &inner);
    let outer = write_multipart_signed(b"Subject: twice\r\n", &inner, &outer_sig, "sha-256");
    assert_eq!(openssl_verifies(&dir, &outer).unwrap(), inner);
    assert_eq!(openssl_verifies(&dir, &inner).unwrap(), ENTITY);
    let parsed = p(&outer).unwrap();
    assert_eq!(parsed.smime.len(), 2);
    let (o, i) = (&parsed.smime[0], &parsed.smime[1]);
    assert_eq!((o.depth, o.path.clone()), (0, vec![]));
    assert_eq!((i.depth, i.path.clone()), (1, vec![0]));
    assert_eq!(signed_bytes(&outer, o), inner.as_slice());
    assert_eq!(&outer[i.entity.clone()], inner.as_slice());
    assert_eq!(signed_bytes(&outer, i), ENTITY);
    assert_eq!(
        (o.cms.as_slice(), i.cms.as_slice()),
        (&outer_sig[..], &inner_sig[..])
    );
    assert!(openssl_verifies_detached(
        &dir,
        &o.cms,
        signed_bytes(&outer, o)
    ));
    assert!(openssl_verifies_detached(
        &dir,
        &i.cms,
        signed_bytes(&outer, i)
    ));
}

#[test]
fn written_pkcs7_mime_parses() {
    let der = b"\x30\x82\x01\x00fake cms body with \x00 and \xff bytes";
    for (smime_type, name, kind) in [
        ("signed-data", "smime.p7m", SmimeKind::SignedData),
        ("enveloped-data", "smime.p7m", SmimeKind::EnvelopedData),
        (
            "authEnveloped-data",
            "smime.p7m",
            SmimeKind::AuthEnvelopedData,
        ),
        ("certs-only", "smime.p7c", SmimeKind::CertsOnly),
        ("compressed-data", "smime.p7z", SmimeKind::Pkcs7Mime),
    ] {
        let msg = write_pkcs7_mime(b"From: a@example.com\r\n", der, smime_type, name);
        let parsed = p(&msg).unwrap();
        assert_eq!(parsed.top_content_type, "application/pkcs7-mime");
        assert_eq!(parsed.smime.len(), 1);
        assert_eq!(parsed.smime[0].kind, kind, "{smime_type}");
        assert_eq!(parsed.smime[0].cms, der);
        assert_eq!(parsed.smime[0].entity, 0..msg.len());
        assert_eq!(parsed.from, vec!["a@example.com".to_string()]);
    }
}

// ---- Hand-written messages ------------------------------------------------------------------

fn signed_msg(ct: &str, sig_type: &str, boundary: &str, body: &str) -> Vec<u8> {
    format!(
        "Content-Type: {ct}\r\n\r\n--{boundary}\r\n{body}\r\n--{boundary}\r\n\
Content-Type: {sig_type}\r\nContent-Transfer-Encoding: base64\r\n\r\nMAMCAQA=\r\n\r\n--{boundary}--\r\n"
    )
    .into_bytes()
}

#[test]
fn legacy_names() {
    let msg = signed_msg(
        "multipart/signed; protocol=\"application/x-pkcs7-signature\"; micalg=SHA1; boundary=b",
        "application/x-pkcs7-signature; name=smime.p7s",
        "b",
        "Content-Type: text/plain\r\n\r\nx",
    );
    let parsed = p(&msg).unwrap();
    let part = &parsed.smime[0];
    assert_eq!(part.kind, SmimeKind::MultipartSigned);
    assert_eq!(
        part.protocol.as_deref(),
        Some("application/x-pkcs7-signature")
    );
    assert_eq!(part.micalg.as_deref(), Some("sha1"));
    assert_eq!(
        part.signature_part_type.as_deref(),
        Some("application/x-pkcs7-signature")
    );
    assert_eq!(part.cms, b"\x30\x03\x02\x01\x00");
    assert_eq!(
        signed_bytes(&msg, part),
        b"Content-Type: text/plain\r\n\r\nx"
    );

    let msg =
        b"Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\n\r\nMAMCAQA=\r\n";
    let parsed = p(msg).unwrap();
    assert_eq!(parsed.smime[0].kind, SmimeKind::EnvelopedData);
    assert_eq!(parsed.smime[0].cms, b"\x30\x03\x02\x01\x00");
}

#[test]
fn folded_quoted_case_varied_parameters() {
    let msg = b"From: \"Alice, A.\" <alice@example.com>\n\
Content-Type: Multipart/Signed;\n\tPROTOCOL=\"Application/PKCS7-Signature\";\n MicAlg=\"SHA-256\";\n Boundary=\n  \"b1 =x\"\n\n\
preamble\n--b1 =x\ncontent\n--b1 =x  \nCONTENT-TYPE: application/pkcs7-signature\ncontent-transfer-encoding: BASE64\n\n\
MAMC\nAQA=\n--b1 =x--\n";
    let parsed = p(msg).unwrap();
    assert_eq!(parsed.from, vec!["alice@example.com".to_string()]);
    assert_eq!(parsed.top_content_type, "multipart/signed");
    let part = &parsed.smime[0];
    assert_eq!(
        part.protocol.as_deref(),
        Some("application/pkcs7-signature")
    );
    assert_eq!(part.micalg.as_deref(), Some("sha-256"));
    assert_eq!(signed_bytes(msg, part), b"content");
    assert_eq!(part.cms, b"\x30\x03\x02\x01\x00");
}

#[test]
fn signed_nested_in_mixed() {
    let signed = signed_msg(
        "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"",
        "application/pkcs7-signature",
        "s",
        "Content-Type: text/plain\r\n\r\nsigned text\r\n",
    );
    let mut msg = b"From: a@example.com, b@example.com\r\nFrom: c@example.com\r\n\
Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nintro\r\n--m\r\n"
        .to_vec();
    let start = msg.len();
    msg.extend_from_slice(&signed);
    let end = msg.len();
    msg.extend_from_slice(
        b"\r\n--m\r\nContent-Type: application/pkcs7-mime; name=smime.p7c\r\n\
Content-Transfer-Encoding: base64\r\n\r\nMAMCAQA=\r\n--m--\r\n",
    );
    let parsed = p(&msg).unwrap();
    assert_eq!(
        parsed.from,
        ["a@example.com", "b@example.com", "c@example.com"]
    );
    assert_eq!(parsed.top_content_type, "multipart/mixed");
    assert_eq!(parsed.smime.len(), 2);
    let s = &parsed.smime[0];
    assert_eq!((s.depth, s.path.clone()), (1, vec![1]));
    assert_eq!(s.entity, start..end);
    assert_eq!(
        signed_bytes(&msg, s),
        b"Content-Type: text/plain\r\n\r\nsigned text\r\n"
    );
    let c = &parsed.smime[1];
    assert_eq!(c.kind, SmimeKind::CertsOnly);
    assert_eq!((c.depth, c.path.clone()), (1, vec![2]));
}

#[test]
fn pkcs7_mime_kinds_and_encodings() {
    let cases: &[(&[u8], SmimeKind, &[u8])] = &[
        (
            b"Content-Type: application/pkcs7-mime; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMAMCAQA=",
            SmimeKind::Pkcs7Mime,
            b"\x30\x03\x02\x01\x00",
        ),
        (
            b"Content-Type: application/pkcs7-mime; smime-type=AuthEnveloped-Data\r\nContent-Transfer-Encoding: binary\r\n\r\n\x30\x03\x02\x01\x00",
            SmimeKind::AuthEnvelopedData,
            b"\x30\x03\x02\x01\x00",
        ),
        // No transfer encoding but base64 text: decoded.
        (
            b"Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMAMC\r\nAQA=\r\n",
            SmimeKind::SignedData,
            b"\x30\x03\x02\x01\x00",
        ),
        // 7bit and not base64: taken as it is.
        (
            b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: 7bit\r\n\r\n0\x03\x02\x01\x00",
            SmimeKind::Pkcs7Mime,
            b"0\x03\x02\x01\x00",
        ),
        (
            b"Content-Type: application/pkcs7-mime\nContent-Disposition: attachment; filename=certs.P7C\nContent-Transfer-Encoding: base64\n\nMAMCAQA=\n",
            SmimeKind::CertsOnly,
            b"\x30\x03\x02\x01\x00",
        ),
    ];
    for (msg, kind, cms) in cases {
        let parsed = p(msg).unwrap();
        assert_eq!(parsed.smime[0].kind, *kind);
        assert_eq!(parsed.smime[0].cms, *cms);
        assert!(parsed.from.is_empty());
    }
}

#[test]
fn no_smime_is_not_an_error() {
    let parsed = p(b"From: x@example.com\r\nSubject: hi\r\n\r\nplain body\r\n").unwrap();
    assert!(parsed.smime.is_empty());
    assert_eq!(parsed.top_content_type, "text/plain");
    assert_eq!(parsed.from, ["x@example.com"]);
    let parsed = p(b"From: =?utf-8?q?Al=C3=AFce?= <alice@example.com> (comment)\r\n\r\nx").unwrap();
    assert_eq!(parsed.from, ["alice@example.com"]);
    let parsed = p(b"From: team: a@example.com, B <b@example.com>;\r\n\r\nx").unwrap();
    assert_eq!(parsed.from, ["a@example.com", "b@example.com"]);
    // An mbox separator line is skipped.
    let mbox = b"From alice@example.com Mon Jan  1 00:00:00 2024\nFrom: alice@example.com\n\
Content-Type: application/pkcs7-mime; smime-type=signed-data\nContent-Transfer-Encoding: base64\n\nMAMCAQA=\n";
    let parsed = p(mbox).unwrap();
    assert_eq!(parsed.from, ["alice@example.com"]);
    assert_eq!(parsed.smime[0].kind, SmimeKind::SignedData);
    let first_line_end = mbox.iter().position(|&b| b == b'\n').unwrap() + 1;
    assert_eq!(parsed.smime[0].entity, first_line_end..mbox.len());
    let parsed = p(b"just some text without headers").unwrap();
    assert!(parsed.smime.is_empty());
    // A PGP/MIME signed message is not S/MIME.
    let msg = signed_msg(
        "multipart/signed; protocol=\"application/pgp-signature\"; boundary=b",
        "application/pgp-signature",
        "b",
        "x",
    );
    assert!(p(&msg).unwrap().smime.is_empty());
    // Without protocol and without an S/MIME signature part: not S/MIME either.
    let msg = signed_msg("multipart/signed; boundary=b", "text/plain", "b", "x");
    assert!(p(&msg).unwrap().smime.is_empty());
    // Without protocol, with an S/MIME signature part: reported, protocol None.
    let msg = signed_msg(
        "multipart/signed; boundary=b",
        "application/pkcs7-signature",
        "b",
        "x",
    );
    let parsed = p(&msg).unwrap();
    assert_eq!(parsed.smime[0].protocol, None);
}

#[test]
fn protocol_mismatch_is_reported_not_refused() {
    let msg = signed_msg(
        "multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b",
        "application/octet-stream",
        "b",
        "x",
    );
    let parsed = p(&msg).unwrap();
    assert_eq!(
        parsed.smime[0].signature_part_type.as_deref(),
        Some("application/octet-stream")
    );
}

// ---- Errors and hostile input ---------------------------------------------------------------

fn is_mime_err(r: Result<ParsedMessage, ParseError>, needle: &str) {
    match r {
        Err(ParseError::MalformedMime { detail }) => {
            assert!(detail.contains(needle), "{detail:?} lacks {needle:?}")
        }
        other => panic!("expected MalformedMime({needle}), got {other:?}"),
    }
}

#[test]
fn malformed_signed() {
    const SIGNED: &str = "multipart/signed; protocol=\"application/pkcs7-signature\"";
    assert_eq!(p(b""), Err(ParseError::Empty));
    is_mime_err(
        p(format!("Content-Type: {SIGNED}\r\n\r\n--b\r\nx\r\n--b--\r\n").as_bytes()),
        "boundary",
    );
    is_mime_err(
        p(format!("Content-Type: {SIGNED}; boundary=b\r\n\r\n--b\r\nx\r\n--b--\r\n").as_bytes()),
        "1 body part",
    );
    is_mime_err(
        p(format!("Content-Type: {SIGNED}; boundary=b\r\n\r\nno delimiters\r\n").as_bytes()),
        "0 body part",
    );
    is_mime_err(
        p(format!(
            "Content-Type: {SIGNED}; boundary=b\r\n\r\n--b\r\nx\r\n--b\r\n\
Content-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\nMAMC"
        )
        .as_bytes()),
        "close delimiter",
    );
    is_mime_err(
        p(format!("Content-Type: {SIGNED}; boundary=b\r\n\r\n--b\r\nx\r\n--b\r\ny\r\n--b\r\nz\r\n--b--\r\n").as_bytes()),
        "more than 2 body parts",
    );
    let qp = signed_msg(
        &format!("{SIGNED}; boundary=b"),
        "application/pkcs7-signature",
        "b",
        "x",
    );
    let qp = String::from_utf8(qp)
        .unwrap()
        .replace("Encoding: base64", "Encoding: quoted-printable");
    is_mime_err(p(qp.as_bytes()), "quoted-printable");
    let bad = signed_msg(
        &format!("{SIGNED}; boundary=b"),
        "application/pkcs7-signature",
        "b",
        "x",
    );
    let bad = String::from_utf8(bad)
        .unwrap()
        .replace("MAMCAQA=", "MA*CAQA=");
    assert!(matches!(p(bad.as_bytes()), Err(ParseError::Base64 { .. })));
    let empty_sig = signed_msg(
        &format!("{SIGNED}; boundary=b"),
        "application/pkcs7-signature",
        "b",
        "x",
    );
    let empty_sig = String::from_utf8(empty_sig)
        .unwrap()
        .replace("MAMCAQA=", "");
    is_mime_err(p(empty_sig.as_bytes()), "empty");
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_size: 10,
        ..Limits::default()
    };
    assert!(matches!(
        parse(b"Subject: more than ten bytes\r\n\r\n", &limits),
        Err(ParseError::TooLarge { limit: 10, .. })
    ));

    // Deep nesting: 100 levels of multipart/mixed.
    let mut deep = Vec::new();
    for i in 0..100 {
        deep.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"l{i}\"\r\n\r\n--l{i}\r\n")
                .as_bytes(),
        );
    }
    deep.extend_from_slice(b"Content-Type: text/plain\r\n\r\nbottom\r\n");
    for i in (0..100).rev() {
        deep.extend_from_slice(format!("--l{i}--\r\n").as_bytes());
    }
    assert_eq!(p(&deep), Err(ParseError::TooDeep { limit: 32 }));
    let roomy = Limits {
        max_depth: 100,
        ..Limits::default()
    };
    assert!(parse(&deep, &roomy).unwrap().smime.is_empty());

    // Many parts.
    let mut many = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
    for _ in 0..5000 {
        many.extend_from_slice(b"--x\r\n\r\np\r\n");
    }
    many.extend_from_slice(b"--x--\r\n");
    assert_eq!(
        p(&many),
        Err(ParseError::TooMany {
            what: "MIME parts",
            limit: 1000
        })
    );
    // A huge flat multipart is refused without collecting all its parts.
    let mut huge = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
    huge.extend_from_slice(&b"--x\r\n".repeat(2_000_000));
    assert!(matches!(p(&huge), Err(ParseError::TooMany { .. })));
    // Limits apply inside multipart/signed too.
    let signed = signed_msg(
        "multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b",
        "application/pkcs7-signature",
        "b",
        "x",
    );
    let tight = Limits {
        max_parts: 2,
        ..Limits::default()
    };
    assert!(matches!(
        parse(&signed, &tight),
        Err(ParseError::TooMany { limit: 2, .. })
    ));
    let flat = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    assert_eq!(parse(&signed, &flat), Err(ParseError::TooDeep { limit: 0 }));
    // The same boundary nested (every level sees the same delimiters) stays bounded too.
    let mut same = Vec::new();
    for _ in 0..2000 {
        same.extend_from_slice(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n");
    }
    assert!(matches!(
        p(&same),
        Err(ParseError::TooDeep { .. } | ParseError::TooMany { .. })
    ));
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn hostile_input_never_panics() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    // Garbage.
    for _ in 0..300 {
        let len = (rng.next() % 400) as usize;
        let alphabet = b"-\r\n:;=\" \tabBContent-Typemultipart/signedboundary\x00\xff";
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[(rng.next() as usize) % alphabet.len()])
            .collect();
        let _ = p(&bytes);
    }
    // Every truncation and many mutations of a valid signed message.
    let base = signed_msg(
        "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b",
        "application/pkcs7-signature",
        "b",
        "Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c--",
    );
    for cut in 0..base.len() {
        let r = p(&base[..cut]);
        if cut == 0 {
            assert_eq!(r, Err(ParseError::Empty));
        }
    }
    for _ in 0..3000 {
        let mut m = base.clone();
        for _ in 0..(1 + rng.next() % 4) {
            let i = (rng.next() as usize) % m.len();
            m[i] = (rng.next() & 0xff) as u8;
        }
        let _ = p(&m);
    }
    assert!(p(&base).is_ok());
}

/// Item 22: two Content-Type or two Content-Transfer-Encoding fields in one entity are
/// `AmbiguousMime`, at the top level, nested in a multipart/mixed, and in the signature part of
/// a multipart/signed; case and folding do not hide the second one.
#[test]
fn attack_bar_22_repeated_structural_fields_are_refused_at_any_depth() {
    // Top level: two Content-Type fields (one parser would see text/plain, another the signature).
    let top = b"From: a@example.com\r\nContent-Type: text/plain\r\n\
Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMAMCAQA=\r\n";
    assert_eq!(
        p(top),
        Err(ParseError::AmbiguousMime {
            field: "Content-Type",
            location: "the top level".into(),
        })
    );
    // Case and folding do not hide the second field.
    let folded = b"Content-Transfer-Encoding: base64\r\ncontent-transfer-encoding:\r\n 7bit\r\n\
Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMAMCAQA=\r\n";
    assert_eq!(
        p(folded).unwrap_err().code(),
        ParseError::AmbiguousMime {
            field: "Content-Transfer-Encoding",
            location: String::new(),
        }
        .code()
    );
    // Nested: the second part of a multipart/mixed.
    let nested = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\
Content-Type: text/plain\r\n\r\nintro\r\n--m\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data\r\n\
Content-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nMAMCAQA=\r\n--m--\r\n";
    let err = p(nested).unwrap_err();
    assert_eq!(
        err,
        ParseError::AmbiguousMime {
            field: "Content-Transfer-Encoding",
            location: "part 2".into(),
        }
    );
    assert!(
        err.to_string()
            .contains("more than one Content-Transfer-Encoding")
    );
    // The signature part of a multipart/signed.
    let signed = b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=s\r\n\r\n\
--s\r\nContent-Type: text/plain\r\n\r\nhi\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\
Content-Type: text/plain\r\n\r\nMAMCAQA=\r\n--s--\r\n";
    assert_eq!(
        p(signed),
        Err(ParseError::AmbiguousMime {
            field: "Content-Type",
            location: "part 2".into(),
        })
    );
    // Not structural: two Content-Disposition or two MIME-Version fields are accepted.
    let fine = b"MIME-Version: 1.0\r\nMIME-Version: 1.0\r\nContent-Disposition: inline\r\n\
Content-Disposition: attachment; filename=x.p7m\r\n\
Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMAMCAQA=\r\n";
    assert_eq!(p(fine).unwrap().smime[0].kind, SmimeKind::SignedData);
}

#[test]
fn every_from_mailbox_is_listed_and_an_unreadable_from_is_flagged() {
    let parsed = p(b"From: mallory@evil.example\r\nFrom: alice@example.com\r\n\r\nx").unwrap();
    assert_eq!(parsed.from, ["mallory@evil.example", "alice@example.com"]);
    assert_eq!(parsed.from_fields.fields, 2);
    assert_eq!(parsed.from_fields.unreadable, None);
    // A display name or comment that looks like an address is not a mailbox.
    let parsed =
        p(b"From: \"alice@example.com\" <mallory@evil.example> (alice@example.com)\r\n\r\nx")
            .unwrap();
    assert_eq!(parsed.from, ["mallory@evil.example"]);
    // A field the grammar does not allow is flagged, not silently dropped.
    let parsed =
        p(b"From: alice@example.com\r\nFrom: <alice@example.com> mallory@evil.example\r\n\r\nx")
            .unwrap();
    assert_eq!(parsed.from, ["alice@example.com"]);
    assert!(parsed.from_fields.unreadable.is_some());
    let parsed = p(b"Subject: x\r\n\r\nx").unwrap();
    assert!(!parsed.from_fields.present());
}

/// A multipart/mixed nest `levels` deep around a text body of `body_len` bytes.
fn nested_multiparts(levels: usize, body_len: usize) -> Vec<u8> {
    let mut head = Vec::new();
    let mut tail = Vec::new();
    for level in 0..levels {
        head.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n")
                .as_bytes(),
        );
        tail.splice(0..0, format!("\r\n--b{level}--\r\n").into_bytes());
    }
    let line = b"just text, no delimiter lines here at all, line after line\r\n";
    let mut out = head;
    out.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
    while out.len() < body_len {
        out.extend_from_slice(line);
    }
    out.extend_from_slice(&tail);
    out
}

#[test]
fn nested_multiparts_scan_the_input_once() {
    use super::parse::stats;
    let levels = 31;
    let mut compared_per_size = Vec::new();
    for body_len in [1 << 20, 4 << 20] {
        let input = nested_multiparts(levels, body_len);
        stats::take();
        let parsed = p(&input).unwrap();
        assert!(parsed.smime.is_empty());
        let (scanned, compared) = stats::take();
        // One pass over the input for the delimiter lines, not one per level (31 × size).
        assert_eq!(scanned, input.len() as u64);
        // Each level compares only the candidate lines inside its own body: the 2 × 31
        // delimiter lines, never the text lines; the count does not depend on the size.
        let candidates = 2 * levels as u64;
        assert!(compared <= candidates * levels as u64, "{compared}");
        compared_per_size.push(compared);
    }
    assert_eq!(compared_per_size[0], compared_per_size[1]);
}

#[test]
fn delimiter_lines_are_found_through_the_index_as_line_by_line() {
    // A part delimiter with trailing white space, a close delimiter with text after it,
    // a look-alike line (a longer boundary) and LF line ends: the index finds the same parts.
    let input = b"Content-Type: multipart/mixed; boundary=\"ab\"\n\n--abc\n--ab \t\nA: 1\n\none\n--abx\n--ab\r\n\r\ntwo\n--ab--tail\nafter\n";
    let parsed = p(input).unwrap();
    assert_eq!(parsed.top_content_type, "multipart/mixed");
    let body = input.windows(2).position(|w| w == b"\n\n").unwrap() + 2..input.len();
    let index = super::parse::DelimiterIndex::build(input);
    let split = super::parse::split_multipart(input, &index, body, b"ab", 10);
    assert!(split.closed);
    let parts: Vec<&[u8]> = split.parts.iter().map(|r| &input[r.clone()]).collect();
    assert_eq!(parts, [&b"A: 1\n\none\n--abx"[..], &b"\r\ntwo"[..]]);
}
