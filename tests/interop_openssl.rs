//! Interoperability with the OpenSSL CLI, both directions, over a test PKI made at test time.

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::DigestAlgorithm;
use smime::Identity;
use smime::keys::SoftwareKey;
use smime::sign::{SignOptions, sign};
use smime::verify::{AddressPolicy, Verdict, VerifyOptions, VerifyReport, verify};
use std::path::Path;
use std::sync::{Arc, OnceLock};

struct Fixture {
    pki: TestPki,
    rsa: Cert,
    p256: Cert,
    p384: Cert,
    bob: Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let leaf = |name: &str, key: KeyKind, emails: &'static [&'static str]| {
            pki.leaf(
                name,
                &LeafSpec {
                    key,
                    emails,
                    ..LeafSpec::default()
                },
            )
        };
        let rsa = leaf("alice-rsa", KeyKind::Rsa2048, &["alice@example.com"]);
        let p256 = leaf("alice-p256", KeyKind::P256, &["alice@example.com"]);
        let p384 = leaf("alice-p384", KeyKind::P384, &["alice@example.com"]);
        let bob = leaf(
            "bob-rsa",
            KeyKind::Rsa2048,
            &["bob@example.com", "alice@example.com"],
        );
        Fixture {
            pki,
            rsa,
            p256,
            p384,
            bob,
        }
    })
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn signer(cert: &Cert) -> Identity {
    let f = fixture();
    let key = SoftwareKey::from_bytes(&cert.key_pem).expect("load key");
    Identity::new(
        Arc::new(key),
        smime::Certificate::from_der(&cert.der.clone()).expect("certificate"),
    )
    .expect("signer")
    .with_chain(vec![f.pki.intermediate.certificate()])
}

fn options(address: AddressPolicy) -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![fixture().pki.root.certificate()],
        address,
        ..VerifyOptions::default()
    }
}

fn ours(message: &[u8], address: AddressPolicy) -> VerifyReport {
    verify(message, &options(address)).expect("verify runs")
}

fn assert_trusted(report: &VerifyReport, what: &str) {
    assert_eq!(
        report.verdict(),
        Verdict::Trusted,
        "{what}: not trusted: {:#?}",
        report.signers
    );
}

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n\
Hello from the interop test.\r\nA second line, and a third\r\nwith trailing text.\r\n";

/// Signs with our library and has `openssl cms -verify` check it; the content OpenSSL writes
/// out must be the signed entity, byte for byte.
fn ours_to_openssl(cert: &Cert, pss: bool, digests: &[DigestAlgorithm]) {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut message =
        b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: interop\r\n".to_vec();
    message.extend_from_slice(ENTITY);
    let signers = [signer(cert)];
    for &digest in digests {
        for opaque in [false, true] {
            let what = format!("{digest:?} pss={pss} opaque={opaque}");
            let opts = SignOptions {
                digest,
                opaque,
                pss,
                ..SignOptions::default()
            };
            let signed = sign(&message, &signers, &opts).expect("sign");
            // Our own verifier agrees and returns the entity.
            let report = ours(&signed, AddressPolicy::FromHeader);
            assert_trusted(&report, &what);
            assert_eq!(report.content, ENTITY, "{what}: our content");

            std::fs::write(dir.path().join("signed.eml"), &signed).expect("write");
            let _ = std::fs::remove_file(dir.path().join("content.txt"));
            let root = s(&f.pki.root_path());
            openssl(
                &[
                    "cms",
                    "-verify",
                    "-CAfile",
                    &root,
                    "-in",
                    "signed.eml",
                    "-out",
                    "content.txt",
                ],
                dir.path(),
            );
            let out = std::fs::read(dir.path().join("content.txt")).expect("content.txt");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(ENTITY),
                "{what}: content written by openssl"
            );
        }
    }
}

const ALL_DIGESTS: &[DigestAlgorithm] = &[
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

#[test]
fn ours_to_openssl_rsa_pkcs1() {
    ours_to_openssl(&fixture().rsa, false, ALL_DIGESTS);
}

#[test]
fn ours_to_openssl_rsa_pss() {
    ours_to_openssl(&fixture().rsa, true, ALL_DIGESTS);
}

#[test]
fn ours_to_openssl_p256() {
    ours_to_openssl(&fixture().p256, false, &[DigestAlgorithm::Sha256]);
}

#[test]
fn ours_to_openssl_p384() {
    ours_to_openssl(&fixture().p384, false, ALL_DIGESTS);
}

/// The content OpenSSL signs in the tests below: CRLF, so `-binary` keeps it exact.
const CONTENT_CRLF: &[u8] =
    b"Content-Type: text/plain\r\n\r\nSigned by OpenSSL.\r\nSecond line.\r\n";

/// Runs `openssl cms -sign` on `content` with `extra` arguments (signers, flags) and returns
/// the output file.
fn openssl_sign(content: &[u8], extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("content.txt"), content).expect("write content");
    let mut args = vec!["cms", "-sign", "-in", "content.txt", "-out", "signed.out"];
    args.extend_from_slice(extra);
    openssl(&args, dir.path());
    std::fs::read(dir.path().join("signed.out")).expect("read output")
}

fn signer_args(cert: &Cert) -> Vec<String> {
    vec![
        "-signer".into(),
        s(&cert.cert_path),
        "-inkey".into(),
        s(&cert.key_path),
    ]
}

/// OpenSSL signs `CONTENT_CRLF` with `-binary -from alice@example.com -certfile chain` plus
/// `extra`; our verify must trust it and return the exact content.
fn openssl_to_ours(cert: &Cert, extra: &[&str]) -> VerifyReport {
    let f = fixture();
    let chain = s(&f.pki.chain_path());
    let mut args: Vec<String> = signer_args(cert);
    for a in [
        "-binary",
        "-from",
        "alice@example.com",
        "-certfile",
        chain.as_str(),
    ] {
        args.push(a.into());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let signed = openssl_sign(CONTENT_CRLF, &refs);
    let report = ours(&signed, AddressPolicy::FromHeader);
    assert_trusted(&report, &format!("openssl {extra:?}"));
    assert_eq!(
        String::from_utf8_lossy(&report.content),
        String::from_utf8_lossy(CONTENT_CRLF),
        "content of openssl {extra:?}"
    );
    report
}

#[test]
fn openssl_detached_stream_ber() {
    let r = openssl_to_ours(&fixture().rsa, &["-stream"]);
    assert_eq!(r.kind, smime::verify::SignatureKind::Detached);
}

#[test]
fn openssl_detached_without_stream() {
    openssl_to_ours(&fixture().rsa, &[]);
}

#[test]
fn openssl_opaque_nodetach_stream() {
    let r = openssl_to_ours(&fixture().rsa, &["-nodetach", "-stream"]);
    assert_eq!(r.kind, smime::verify::SignatureKind::Opaque);
}

#[test]
fn openssl_opaque_nodetach() {
    openssl_to_ours(&fixture().p256, &["-nodetach"]);
}

#[test]
fn openssl_rsa_pss_default_salt() {
    let r = openssl_to_ours(&fixture().rsa, &["-keyopt", "rsa_padding_mode:pss"]);
    assert!(
        r.signers[0]
            .signature_algorithm
            .to_lowercase()
            .contains("pss"),
        "signature algorithm {}",
        r.signers[0].signature_algorithm
    );
}

#[test]
fn openssl_rsa_pss_max_salt_sha512_opaque() {
    openssl_to_ours(
        &fixture().rsa,
        &[
            "-keyopt",
            "rsa_padding_mode:pss",
            "-keyopt",
            "rsa_pss_saltlen:max",
            "-md",
            "sha512",
            "-nodetach",
        ],
    );
}

#[test]
fn openssl_ecdsa_p256() {
    openssl_to_ours(&fixture().p256, &["-stream"]);
}

#[test]
fn openssl_ecdsa_p384_sha384() {
    openssl_to_ours(&fixture().p384, &["-md", "sha384"]);
}

#[test]
fn openssl_rsa_sha384_and_sha512() {
    openssl_to_ours(&fixture().rsa, &["-md", "sha384"]);
    openssl_to_ours(&fixture().rsa, &["-md", "sha512", "-nodetach"]);
    openssl_to_ours(&fixture().p384, &["-md", "sha512"]);
}

#[test]
fn openssl_two_signers() {
    let f = fixture();
    let mut extra = signer_args(&f.bob);
    extra.push("-stream".into());
    let refs: Vec<&str> = extra.iter().map(String::as_str).collect();
    let r = openssl_to_ours(&f.p256, &refs);
    assert_eq!(r.signers.len(), 2, "two signer reports");
    assert!(r.signers.iter().all(|s| s.passed()));
}

#[test]
fn openssl_noattr_signature_over_content() {
    let r = openssl_to_ours(&fixture().rsa, &["-noattr"]);
    assert_eq!(r.signers[0].signing_time, None, "no signed attributes");
    openssl_to_ours(&fixture().p384, &["-noattr", "-nodetach"]);
}

#[test]
fn openssl_nocerts_certificates_supplied_by_caller() {
    let f = fixture();
    let mut args = signer_args(&f.rsa);
    args.extend(["-binary", "-nocerts", "-from", "alice@example.com"].map(String::from));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let signed = openssl_sign(CONTENT_CRLF, &refs);

    // Without the certificate the signer cannot be checked.
    let r = ours(&signed, AddressPolicy::FromHeader);
    assert_ne!(r.verdict(), Verdict::Trusted);
    assert!(
        matches!(
            r.signers[0].signature,
            smime::verify::Check::Failed(
                smime::verify::SignatureFailure::CertificateNotFound { .. }
            )
        ),
        "{:?}",
        r.signers[0].signature
    );

    let mut o = options(AddressPolicy::FromHeader);
    o.certificates = vec![f.rsa.certificate(), f.pki.intermediate.certificate()];
    let r = verify(&signed, &o).expect("verify runs");
    assert_trusted(&r, "-nocerts with caller certificates");
    assert_eq!(r.content, CONTENT_CRLF);
}

#[test]
fn openssl_text_mode_lf_input_returns_crlf_content() {
    let f = fixture();
    let lf: &[u8] = b"Content-Type: text/plain\n\nText mode, LF input.\nLine two.\n";
    let crlf = String::from_utf8_lossy(lf).replace('\n', "\r\n");
    let chain = s(&f.pki.chain_path());
    for extra in [&[][..], &["-nodetach"][..]] {
        let mut args = signer_args(&f.rsa);
        args.extend(["-from", "alice@example.com", "-certfile", &chain].map(String::from));
        args.extend(extra.iter().map(|a| a.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let signed = openssl_sign(lf, &refs);
        let r = ours(&signed, AddressPolicy::FromHeader);
        assert_trusted(&r, &format!("text mode {extra:?}"));
        assert_eq!(
            String::from_utf8_lossy(&r.content),
            crlf,
            "content is the CRLF form openssl hashed ({extra:?})"
        );
    }
}

#[test]
fn openssl_detached_stored_with_lf_line_ends() {
    let f = fixture();
    let chain = s(&f.pki.chain_path());
    let mut args = signer_args(&f.rsa);
    args.extend(["-binary", "-from", "alice@example.com", "-certfile", &chain].map(String::from));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let signed = openssl_sign(CONTENT_CRLF, &refs);
    assert!(
        signed.windows(2).any(|w| w == b"\r\n"),
        "openssl wrote CRLF"
    );
    let lf = String::from_utf8_lossy(&signed).replace("\r\n", "\n");
    assert!(!lf.contains('\r'));
    let r = ours(lf.as_bytes(), AddressPolicy::FromHeader);
    assert_trusted(&r, "LF-stored message");
    assert_eq!(r.content, CONTENT_CRLF, "canonical content is returned");

    // The same holds for a message we signed.
    let mut message = b"From: alice@example.com\r\n".to_vec();
    message.extend_from_slice(ENTITY);
    let signed = sign(&message, &[signer(&f.p256)], &SignOptions::default()).expect("sign");
    let lf = String::from_utf8_lossy(&signed).replace("\r\n", "\n");
    let r = ours(lf.as_bytes(), AddressPolicy::FromHeader);
    assert_trusted(&r, "our LF-stored message");
    assert_eq!(r.content, ENTITY);
}

#[test]
fn openssl_address_expected_by_caller() {
    // Without -from the outer headers carry no From: the caller names the address.
    let f = fixture();
    let chain = s(&f.pki.chain_path());
    let mut args = signer_args(&f.rsa);
    args.extend(["-binary", "-certfile", &chain].map(String::from));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let signed = openssl_sign(CONTENT_CRLF, &refs);
    let r = ours(&signed, AddressPolicy::Expect("alice@example.com".into()));
    assert_trusted(&r, "Expect(alice)");
    let r = ours(&signed, AddressPolicy::FromHeader);
    assert_eq!(r.verdict(), Verdict::AddressMismatch, "no From header");
}
