//! Certs-only messages and directory entries against the OpenSSL CLI: what `openssl crl2pkcs7`
//! and `openssl cms` write is read, what this library writes is read by `openssl pkcs7` and
//! `openssl cms`, and hostile inputs end in errors.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::error::ParseError;
use smime::fuzzing::CmsError;
use smime::fuzzing::certs_only::{
    CertsOnly, MAX_CERTIFICATES, parse_certs_only, read_certs_only_message, write_certs_only,
    write_certs_only_message,
};
use smime::fuzzing::mime::Limits;
use smime::keyring::directory::{DirectoryAttribute, parse_directory_entry};
use smime::keys::read_certificates;
use std::path::Path;
use std::sync::OnceLock;

struct Fixture {
    pki: TestPki,
    alice: Cert,
    bob: Cert,
    /// alice, intermediate, root: PEM file in the PKI directory.
    chain_pem: String,
    /// The intermediate's CRL (DER), also as `intermediate.crl.pem`.
    crl: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf(
            "alice",
            &LeafSpec {
                key: KeyKind::P256,
                ..LeafSpec::default()
            },
        );
        let bob = pki.leaf(
            "bob",
            &LeafSpec {
                emails: &["bob@example.com"],
                ..LeafSpec::default()
            },
        );
        pki.revoke(&bob);
        let crl = pki.intermediate_crl();
        let chain_pem = "chain.pem".to_string();
        let mut pem = std::fs::read(&alice.cert_path).unwrap();
        pem.extend(std::fs::read(&pki.intermediate.cert_path).unwrap());
        pem.extend(std::fs::read(&pki.root.cert_path).unwrap());
        std::fs::write(pki.path(&chain_pem), pem).unwrap();
        Fixture {
            pki,
            alice,
            bob,
            chain_pem,
            crl,
        }
    })
}

fn dir() -> &'static Path {
    fixture().pki.dir.path()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(dir().join(file)).unwrap()
}

fn write(file: &str, bytes: &[u8]) {
    std::fs::write(dir().join(file), bytes).unwrap();
}

/// alice, intermediate, root (DER), the order of `chain.pem`.
fn chain() -> Vec<Vec<u8>> {
    let f = fixture();
    vec![
        f.alice.der.clone(),
        f.pki.intermediate.der.clone(),
        f.pki.root.der.clone(),
    ]
}

fn pem(label: &str, der: &[u8]) -> String {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap()
}

/// The certificates `openssl pkcs7 -print_certs` prints for the DER PKCS#7 file `file`.
fn openssl_print_certs(file: &str) -> Vec<Vec<u8>> {
    let out = openssl(
        &["pkcs7", "-inform", "DER", "-in", file, "-print_certs"],
        dir(),
    );
    read_certificates(&out.stdout).expect("certificates printed by openssl")
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

/// Re-encodes DER with indefinite lengths on every constructed element (BER, as streaming
/// encoders write it).
fn to_indefinite(der: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < der.len() {
        let tag = der[pos];
        let first = der[pos + 1];
        let (len, header) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7F) as usize;
            let len = der[pos + 2..pos + 2 + n]
                .iter()
                .fold(0usize, |acc, b| acc * 256 + *b as usize);
            (len, 2 + n)
        };
        let content = &der[pos + header..pos + header + len];
        if tag & 0x20 != 0 {
            out.extend_from_slice(&[tag, 0x80]);
            out.extend(to_indefinite(content));
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&der[pos..pos + header + len]);
        }
        pos += header + len;
    }
    out
}

/// Base64 in 64-character lines ending in CRLF.
fn base64_lines(der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// OpenSSL writes, we read.

#[test]
fn reads_openssl_crl2pkcs7_der_and_pem() {
    let f = fixture();
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &f.chain_pem,
            "-outform",
            "DER",
            "-out",
            "co.der",
        ],
        dir(),
    );
    let parsed = parse_certs_only(&read("co.der")).unwrap();
    // OpenSSL keeps the order of the file.
    assert_eq!(parsed.certificates, chain());
    assert!(parsed.crls.is_empty());

    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &f.chain_pem,
            "-out",
            "co.pem",
        ],
        dir(),
    );
    let pem_file = read("co.pem");
    let (label, der) = pem_rfc7468::decode_vec(&pem_file).unwrap();
    assert_eq!(label, "PKCS7");
    assert_eq!(parse_certs_only(&der).unwrap().certificates, chain());
}

#[test]
fn reads_openssl_crl2pkcs7_with_a_crl() {
    let f = fixture();
    openssl(
        &[
            "crl2pkcs7",
            "-in",
            "intermediate.crl.pem",
            "-certfile",
            &f.chain_pem,
            "-outform",
            "DER",
            "-out",
            "co-crl.der",
        ],
        dir(),
    );
    let parsed = parse_certs_only(&read("co-crl.der")).unwrap();
    assert_eq!(parsed.certificates, chain());
    assert_eq!(parsed.crls, vec![f.crl.clone()]);
}

#[test]
fn reads_certificates_of_a_streamed_ber_signed_data() {
    let f = fixture();
    write("content.txt", b"Content-Type: text/plain\r\n\r\nhello\r\n");
    let alice_cert = f.alice.cert_path.to_string_lossy().into_owned();
    let alice_key = f.alice.key_path.to_string_lossy().into_owned();
    openssl(
        &[
            "cms",
            "-sign",
            "-stream",
            "-nodetach",
            "-binary",
            "-in",
            "content.txt",
            "-signer",
            &alice_cert,
            "-inkey",
            &alice_key,
            "-certfile",
            "intermediate.pem",
            "-outform",
            "DER",
            "-out",
            "streamed.ber",
        ],
        dir(),
    );
    let ber = read("streamed.ber");
    assert_eq!(ber[1], 0x80, "OpenSSL -stream writes indefinite lengths");
    let parsed = parse_certs_only(&ber).unwrap();
    assert_eq!(
        sorted(parsed.certificates),
        sorted(vec![f.alice.der.clone(), f.pki.intermediate.der.clone()])
    );
    // A signed message is not a certs-only message.
    openssl(
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-in",
            "content.txt",
            "-signer",
            &alice_cert,
            "-inkey",
            &alice_key,
            "-outform",
            "SMIME",
            "-out",
            "signed.eml",
        ],
        dir(),
    );
    assert!(matches!(
        read_certs_only_message(&read("signed.eml"), &Limits::default()),
        Err(CmsError::Malformed(ParseError::NotSmime { .. }))
    ));
}

#[test]
fn reads_hand_made_indefinite_length_ber() {
    let f = fixture();
    let der = write_certs_only(&chain(), std::slice::from_ref(&f.crl)).unwrap();
    let ber = to_indefinite(&der);
    assert_ne!(ber, der);
    assert_eq!(ber[1], 0x80);
    let from_ber = parse_certs_only(&ber).unwrap();
    assert_eq!(from_ber, parse_certs_only(&der).unwrap());
    assert_eq!(sorted(from_ber.certificates), sorted(chain()));
    assert_eq!(from_ber.crls, vec![f.crl.clone()]);
}

// ---------------------------------------------------------------------------------------------
// We write, OpenSSL reads.

#[test]
fn our_der_is_byte_for_byte_what_openssl_writes_for_sorted_certificates() {
    let certs = sorted(chain());
    let pem_text: String = certs.iter().map(|c| pem("CERTIFICATE", c)).collect();
    write("sorted.pem", pem_text.as_bytes());
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "sorted.pem",
            "-outform",
            "DER",
            "-out",
            "sorted.der",
        ],
        dir(),
    );
    // Given in any order, we sort: the same bytes as OpenSSL given the sorted file.
    let ours = write_certs_only(&chain(), &[]).unwrap();
    assert_eq!(ours, read("sorted.der"));
}

#[test]
fn openssl_reads_our_certs_only() {
    let f = fixture();
    let ours = write_certs_only(&chain(), std::slice::from_ref(&f.crl)).unwrap();
    write("ours.p7c", &ours);
    assert_eq!(sorted(openssl_print_certs("ours.p7c")), sorted(chain()));

    let printed = openssl(
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "ours.p7c",
        ],
        dir(),
    );
    let text = String::from_utf8_lossy(&printed.stdout);
    assert!(text.contains("contentType: pkcs7-signedData"), "{text}");
    assert!(text.contains("eContent: <ABSENT>"), "{text}");
    assert!(text.contains("signerInfos:\n      <EMPTY>"), "{text}");
    assert_eq!(text.matches("d.certificate:").count(), 3, "{text}");
    assert_eq!(text.matches("d.crl:").count(), 1, "{text}");

    // And the CRL comes back out of OpenSSL unchanged.
    let crls = openssl(
        &[
            "pkcs7",
            "-inform",
            "DER",
            "-in",
            "ours.p7c",
            "-print_certs",
            "-outform",
            "PEM",
        ],
        dir(),
    );
    let crl_blocks: Vec<Vec<u8>> = smime::keys::read_crls(&crls.stdout).unwrap();
    assert_eq!(crl_blocks, vec![f.crl.clone()]);
}

#[test]
fn openssl_reads_our_certs_only_mime_message() {
    let message = write_certs_only_message(&chain(), &[]).unwrap();
    let text = String::from_utf8(message.clone()).unwrap();
    assert!(text.contains("Content-Type: application/pkcs7-mime; smime-type=certs-only;"));
    assert!(text.contains("name=\"smime.p7c\""));
    assert!(text.contains("Content-Transfer-Encoding: base64\r\n"));
    assert!(text.contains("Content-Disposition: attachment; filename=\"smime.p7c\"\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "CRLF throughout");
    write("ours.eml", &message);
    openssl(
        &[
            "cms",
            "-cmsout",
            "-inform",
            "SMIME",
            "-in",
            "ours.eml",
            "-outform",
            "DER",
            "-out",
            "ours-from-mime.der",
        ],
        dir(),
    );
    assert_eq!(
        read("ours-from-mime.der"),
        write_certs_only(&chain(), &[]).unwrap()
    );
    assert_eq!(
        sorted(openssl_print_certs("ours-from-mime.der")),
        sorted(chain())
    );
    // And we read our own message.
    let back = read_certs_only_message(&message, &Limits::default()).unwrap();
    assert_eq!(sorted(back.certificates), sorted(chain()));
}

// ---------------------------------------------------------------------------------------------
// Certs-only MIME messages from elsewhere.

/// `openssl crl2pkcs7 -nocrl` of alice, intermediate, root (DER, also in `co-mime.der`).
fn openssl_certs_only_der() -> Vec<u8> {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    DER.get_or_init(make_openssl_certs_only_der).clone()
}

fn make_openssl_certs_only_der() -> Vec<u8> {
    let f = fixture();
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &f.chain_pem,
            "-outform",
            "DER",
            "-out",
            "co-mime.der",
        ],
        dir(),
    );
    read("co-mime.der")
}

#[test]
fn reads_certs_only_mime_entities_with_current_and_legacy_names() {
    let der = openssl_certs_only_der();
    let body = base64_lines(&der);
    let headers = [
        // RFC 8551.
        "Content-Type: application/pkcs7-mime; smime-type=certs-only; name=smime.p7c\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=smime.p7c\r\n",
        // Legacy type, certs-only named only by the file name.
        "Content-Type: application/x-pkcs7-mime; name=\"smime.p7c\"\r\n\
         Content-Transfer-Encoding: base64\r\n",
        // Legacy type with the parameter.
        "Content-Type: application/x-pkcs7-mime; smime-type=certs-only\r\n\
         Content-Transfer-Encoding: base64\r\n",
        // No smime-type and no name: recognised by having no signers.
        "Content-Type: application/pkcs7-mime\r\n\
         Content-Transfer-Encoding: base64\r\n",
    ];
    for h in headers {
        let message = format!(
            "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: my certificate\r\n\
             MIME-Version: 1.0\r\n{h}\r\n{body}"
        );
        let read = read_certs_only_message(message.as_bytes(), &Limits::default())
            .unwrap_or_else(|e| panic!("{h}: {e}"));
        assert_eq!(read.certificates, chain(), "{h}");
        // LF line ends (mail stored on Unix) work too.
        let lf = message.replace("\r\n", "\n");
        let read = read_certs_only_message(lf.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(read.certificates, chain(), "{h} (LF)");
    }
}

#[test]
fn reads_certs_only_part_of_a_multipart_message() {
    let body = base64_lines(&openssl_certs_only_der());
    let message = format!(
        "From: alice@example.com\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nHere is my certificate.\r\n\
         --b1\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only; name=smime.p7c\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{body}\
         --b1--\r\n"
    );
    let read = read_certs_only_message(message.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(read.certificates, chain());
}

#[test]
fn reads_openssl_smime_output_labelled_signed_data() {
    // `openssl cms -cmsout -outform SMIME` labels a signer-less SignedData "signed-data".
    openssl_certs_only_der();
    let out = openssl(
        &[
            "cms",
            "-cmsout",
            "-inform",
            "DER",
            "-in",
            "co-mime.der",
            "-outform",
            "SMIME",
        ],
        dir(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("smime-type=signed-data"), "{text}");
    let read = read_certs_only_message(&out.stdout, &Limits::default()).unwrap();
    // OpenSSL's CMS encoder writes the certificates as a sorted SET OF.
    assert_eq!(read.certificates, sorted(chain()));
}

#[test]
fn message_without_certs_only_is_not_smime() {
    for message in [
        &b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n"[..],
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n",
    ] {
        let err = read_certs_only_message(message, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, CmsError::Malformed(ParseError::NotSmime { .. })),
            "{err:?}"
        );
        assert!(err.to_string().contains("no S/MIME part"), "{err}");
    }
    // A part labelled certs-only that is not one is reported, not skipped.
    let bad = "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n\
               Content-Transfer-Encoding: base64\r\n\r\nMAA=\r\n";
    assert!(matches!(
        read_certs_only_message(bad.as_bytes(), &Limits::default()),
        Err(CmsError::Malformed(ParseError::MalformedDer { .. }))
    ));
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

#[test]
fn truncation_at_every_length_is_an_error() {
    let der = write_certs_only(&[fixture().pki.root.der.clone()], &[]).unwrap();
    assert!(parse_certs_only(&der).is_ok());
    for len in 0..der.len() {
        assert!(
            parse_certs_only(&der[..len]).is_err(),
            "truncated at {len} of {}",
            der.len()
        );
    }
    let ber = to_indefinite(&der);
    for len in 0..ber.len() {
        assert!(parse_certs_only(&ber[..len]).is_err(), "BER at {len}");
    }
}

/// A certs-only ContentInfo around a raw `[0]` certificates field.
fn wrap_certificates(certs_field: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (8 - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }
    let data_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ];
    let signed_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    let mut body = vec![0x02, 0x01, 0x01, 0x31, 0x00];
    body.extend(tlv(0x30, &data_oid));
    body.extend_from_slice(certs_field);
    body.extend_from_slice(&[0x31, 0x00]);
    let mut ci = signed_oid.to_vec();
    ci.extend(tlv(0xA0, &tlv(0x30, &body)));
    tlv(0x30, &ci)
}

/// Item 16: 100,000 certificates and a huge length claim are refused with the limit errors.
#[test]
fn attack_bar_16_a_hundred_thousand_certificates_are_refused() {
    let mut set = vec![0xA0, 0x83];
    let content_len = 100_000 * 2;
    set.extend_from_slice(&(content_len as u32).to_be_bytes()[1..]);
    for _ in 0..100_000 {
        set.extend_from_slice(&[0x30, 0x00]);
    }
    let input = wrap_certificates(&set);
    let start = std::time::Instant::now();
    assert_eq!(
        parse_certs_only(&input).unwrap_err(),
        CmsError::Malformed(ParseError::TooMany {
            what: "certificates",
            limit: MAX_CERTIFICATES,
        })
    );
    assert!(start.elapsed().as_secs() < 10);
    // A length field claiming far more than there is.
    let claim = wrap_certificates(&[0xA0, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x00]);
    assert!(matches!(
        parse_certs_only(&claim),
        Err(CmsError::Malformed(ParseError::MalformedDer { .. }))
    ));
    // Many more elements than the BER reader allows.
    let mut huge = vec![0xA0, 0x83];
    huge.extend_from_slice(&(600_000u32).to_be_bytes()[1..]);
    huge.extend(std::iter::repeat_n([0x05u8, 0x00], 300_000).flatten());
    assert!(matches!(
        parse_certs_only(&wrap_certificates(&huge)),
        Err(CmsError::Malformed(ParseError::TooMany { .. }))
    ));
}

#[test]
fn garbage_and_wrong_structures_are_errors() {
    let f = fixture();
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"garbage".to_vec(),
        vec![0x30, 0x80],
        vec![0x30, 0x00],
        vec![0x04, 0x02, 0x30, 0x00],
        f.alice.der.clone(),
        // A certificate field holding something that is not a certificate.
        wrap_certificates(&[0xA0, 0x04, 0x30, 0x02, 0x05, 0x00]),
    ];
    // The outer length one byte off.
    let mut corrupted = write_certs_only(&chain(), &[]).unwrap();
    corrupted[3] ^= 0x01;
    inputs.push(corrupted);
    for (i, input) in inputs.iter().enumerate() {
        assert!(parse_certs_only(input).is_err(), "input {i}");
    }
    // Flipping every byte of a small structure in turn never panics.
    let der = write_certs_only(std::slice::from_ref(&f.pki.root.der), &[]).unwrap();
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..der.len() {
        let mut copy = der.clone();
        copy[i] ^= 0x55;
        match parse_certs_only(&copy) {
            // Changed bytes inside names, keys or signatures still make a certificate.
            Ok(parsed) => {
                assert_eq!(parsed.certificates.len(), 1, "byte {i}");
                accepted += 1;
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
    // Non-certificate choices ([1] extended, [2] v1 attribute, [3] v2 attribute) are skipped.
    let mut field = vec![0xA1, 0x00, 0xA3, 0x00];
    field.extend_from_slice(&f.pki.root.der);
    let mut certs = vec![0xA0, 0x82];
    certs.extend_from_slice(&(field.len() as u16).to_be_bytes());
    certs.extend(field);
    assert_eq!(
        parse_certs_only(&wrap_certificates(&certs)).unwrap(),
        CertsOnly {
            certificates: vec![f.pki.root.der.clone()],
            crls: Vec::new(),
        }
    );
    // The writer refuses what is not a certificate.
    assert!(matches!(
        write_certs_only(&[b"not a certificate".to_vec()], &[]),
        Err(CmsError::Malformed(ParseError::Certificate { .. }))
    ));
    assert!(write_certs_only(&[], &[b"not a CRL".to_vec()]).is_err());
}

// ---------------------------------------------------------------------------------------------
// Directory entries.

#[test]
fn directory_entry_der_certificate_and_certs_only_blob() {
    let f = fixture();
    assert_eq!(
        parse_directory_entry(&f.alice.der).unwrap(),
        vec![(DirectoryAttribute::UserCertificate, f.alice.der.clone())]
    );
    let blob = openssl_certs_only_der();
    let entries = parse_directory_entry(&blob).unwrap();
    assert_eq!(
        entries,
        chain()
            .into_iter()
            .map(|c| (DirectoryAttribute::UserSmimeCertificate, c))
            .collect::<Vec<_>>()
    );
    // BER works as a raw value too.
    let ber = to_indefinite(&write_certs_only(std::slice::from_ref(&f.bob.der), &[]).unwrap());
    assert_eq!(
        parse_directory_entry(&ber).unwrap(),
        vec![(DirectoryAttribute::UserSmimeCertificate, f.bob.der.clone())]
    );
}

#[test]
fn directory_entry_pem() {
    let f = fixture();
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "bob.pem",
            "-out",
            "bob.p7c.pem",
        ],
        dir(),
    );
    let mut text = read(&f.chain_pem);
    text.extend(read("bob.p7c.pem"));
    text.extend(
        pem(
            "CMS",
            &write_certs_only(std::slice::from_ref(&f.pki.root.der), &[]).unwrap(),
        )
        .bytes(),
    );
    let entries = parse_directory_entry(&text).unwrap();
    let mut expected: Vec<(DirectoryAttribute, Vec<u8>)> = chain()
        .into_iter()
        .map(|c| (DirectoryAttribute::UserCertificate, c))
        .collect();
    expected.push((DirectoryAttribute::UserSmimeCertificate, f.bob.der.clone()));
    expected.push((
        DirectoryAttribute::UserSmimeCertificate,
        f.pki.root.der.clone(),
    ));
    assert_eq!(entries, expected);
}

/// An LDIF attribute line folded as `ldapsearch` folds: 76 columns, continuation lines
/// starting with one space.
fn ldif_line(name: &str, value: &[u8], eol: &str) -> String {
    use base64::Engine as _;
    let full = format!(
        "{name}:: {}",
        base64::engine::general_purpose::STANDARD.encode(value)
    );
    let mut out = String::new();
    let mut rest = full.as_str();
    let mut first = true;
    while !rest.is_empty() {
        let width = if first { 76 } else { 75 };
        let (line, tail) = rest.split_at(rest.len().min(width));
        if !first {
            out.push(' ');
        }
        out.push_str(line);
        out.push_str(eol);
        rest = tail;
        first = false;
    }
    out
}

#[test]
fn directory_entry_ldif_with_both_attributes_folding_and_two_entries() {
    let f = fixture();
    let alice_smime = write_certs_only(std::slice::from_ref(&f.alice.der), &[]).unwrap();
    let bob_smime = openssl_certs_only_der();
    let mut ldif = String::from("# extended LDIF\n#\n# LDAPv3\n\nversion: 1\n\n");
    ldif.push_str("# alice, people, example.com\n");
    ldif.push_str("dn: cn=alice,ou=people,dc=example,dc=com\n");
    ldif.push_str("objectClass: inetOrgPerson\ncn: alice\nmail: alice@example.com\n");
    ldif.push_str(&ldif_line("userCertificate;binary", &f.alice.der, "\n"));
    ldif.push_str(&ldif_line(
        "userSMIMECertificate;binary",
        &alice_smime,
        "\n",
    ));
    ldif.push_str(&ldif_line(
        "jpegPhoto",
        b"\xff\xd8 not a certificate at all",
        "\n",
    ));
    ldif.push('\n');
    // The second entry with CRLF line ends and other spellings of the attribute names.
    ldif.push_str("dn: cn=bob,ou=people,dc=example,dc=com\r\n");
    ldif.push_str("mail: bob@example.com\r\n");
    ldif.push_str(&ldif_line("USERSMIMECERTIFICATE", &bob_smime, "\r\n"));
    ldif.push_str(&ldif_line("usercertificate;BINARY", &f.bob.der, "\r\n"));
    ldif.push_str("\r\n# search result\r\nsearch: 2\r\nresult: 0 Success\r\n");
    assert!(
        ldif.lines().all(|l| l.trim_end_matches('\r').len() <= 76),
        "folded"
    );

    let entries = parse_directory_entry(ldif.as_bytes()).unwrap();
    let mut expected = vec![
        (DirectoryAttribute::UserCertificate, f.alice.der.clone()),
        (
            DirectoryAttribute::UserSmimeCertificate,
            f.alice.der.clone(),
        ),
    ];
    for c in chain() {
        let pair = (DirectoryAttribute::UserSmimeCertificate, c);
        if !expected.contains(&pair) {
            expected.push(pair);
        }
    }
    expected.push((DirectoryAttribute::UserCertificate, f.bob.der.clone()));
    assert_eq!(entries, expected);
    assert_eq!(
        DirectoryAttribute::UserSmimeCertificate.to_string(),
        "userSMIMECertificate"
    );
}

#[test]
fn directory_entry_skips_a_broken_value_but_not_when_it_is_all_there_is() {
    let f = fixture();
    let mut ldif = String::from("dn: cn=alice\n");
    ldif.push_str(&ldif_line(
        "userCertificate;binary",
        b"\x30\x03\x02\x01\x01",
        "\n",
    ));
    let only_broken = parse_directory_entry(ldif.as_bytes()).unwrap_err();
    assert!(matches!(only_broken, ParseError::Certificate { .. }));
    ldif.push_str(&ldif_line("userCertificate;binary", &f.alice.der, "\n"));
    assert_eq!(
        parse_directory_entry(ldif.as_bytes()).unwrap(),
        vec![(DirectoryAttribute::UserCertificate, f.alice.der.clone())]
    );
}

#[test]
fn directory_garbage_is_an_error() {
    let f = fixture();
    let mut truncated_ldif = ldif_line("userCertificate;binary", &f.alice.der, "\n");
    truncated_ldif.truncate(truncated_ldif.len() / 2);
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"hello world".to_vec(),
        b"\x00\x01\x02\x03".to_vec(),
        b"dn: cn=nobody,dc=example,dc=com\nmail: nobody@example.com\n".to_vec(),
        b"userCertificate;binary:: ###\n".to_vec(),
        truncated_ldif.into_bytes(),
        f.alice.der[..f.alice.der.len() - 1].to_vec(),
        pem("PRIVATE KEY", b"\x30\x00").into_bytes(),
        vec![0x30; 100],
    ];
    for input in &inputs {
        assert!(
            parse_directory_entry(input).is_err(),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    // A damaged certificate is reported as one.
    assert!(matches!(
        parse_directory_entry(&f.alice.der[..f.alice.der.len() - 1]),
        Err(ParseError::Certificate { .. })
    ));
    // A ContentInfo that is no SignedData is reported as such.
    assert!(matches!(
        parse_directory_entry(&[
            0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01
        ]),
        Err(ParseError::UnsupportedContentType { .. })
    ));
    // Too large.
    let big = vec![b'a'; smime::keyring::directory::MAX_ENTRY_SIZE + 1];
    assert!(matches!(
        parse_directory_entry(&big),
        Err(ParseError::TooLarge { .. })
    ));
    // Too many values.
    let mut many = String::new();
    for _ in 0..=smime::keyring::directory::MAX_VALUES {
        many.push_str("userCertificate:: MAA=\n");
    }
    assert!(matches!(
        parse_directory_entry(many.as_bytes()),
        Err(ParseError::TooMany { .. })
    ));
}
