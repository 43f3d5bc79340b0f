//! One entry per operation, whatever form the input takes: a MIME message, a bare CMS structure
//! as a saved `smime.p7m` holds it (DER or PEM), or a detached `.p7s` with its content given
//! separately. Every input here is written by `openssl cms`. `inspect` names the same inputs.

mod common;

use common::{KeyKind, LeafSpec, TestPki, openssl};
use smime::decrypt::{decrypt, open};
use smime::inspect::{CmsSummary, Inspected, RecipientSummary, inspect};
use smime::verify::{AddressPolicy, SignedScope, Verdict, VerifyOptions, verify, verify_detached};
use smime::{Certificate, DecryptError, Identity, ParseError};
use std::path::Path;
use std::sync::OnceLock;

struct Fixture {
    pki: TestPki,
    alice: common::Cert,
    bob: common::Cert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf(
            "alice",
            &LeafSpec {
                key: KeyKind::P256,
                emails: &["alice@example.com"],
                ..LeafSpec::default()
            },
        );
        let bob = pki.leaf(
            "bob",
            &LeafSpec {
                key: KeyKind::Rsa2048,
                emails: &["bob@example.com"],
                ..LeafSpec::default()
            },
        );
        Fixture { pki, alice, bob }
    })
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

const CONTENT: &[u8] = b"From: alice@example.com\r\nContent-Type: text/plain\r\n\r\nHello Bob\r\n";

/// Runs `openssl cms` in the fixture directory on CONTENT and returns the output file.
fn openssl_cms(args: &[&str], out: &str) -> Vec<u8> {
    let f = fixture();
    let dir = f.pki.dir.path();
    // One input file per output: the tests run in parallel in one directory.
    let input = format!("{out}.in");
    std::fs::write(dir.join(&input), CONTENT).unwrap();
    // Options first: recipient certificates are the trailing arguments.
    let mut all = vec!["cms", "-binary", "-in", &input, "-out", out];
    all.extend_from_slice(args);
    openssl(&all, dir);
    std::fs::read(dir.join(out)).unwrap()
}

fn sign_args(outform: &str, detached: bool) -> Vec<String> {
    let f = fixture();
    let mut v = vec![
        "-sign".to_string(),
        "-signer".into(),
        s(&f.alice.cert_path),
        "-inkey".into(),
        s(&f.alice.key_path),
        "-certfile".into(),
        s(&f.pki.chain_path()),
        "-outform".into(),
        outform.into(),
    ];
    if !detached {
        v.push("-nodetach".into());
    }
    v
}

fn options() -> VerifyOptions {
    let f = fixture();
    VerifyOptions {
        trust_anchors: vec![f.pki.root.certificate()],
        ..Default::default()
    }
}

#[test]
fn verify_reads_an_opaque_signature_as_der_and_as_pem() {
    for form in ["DER", "PEM"] {
        let args = sign_args(form, false);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let p7m = openssl_cms(&args, &format!("opaque.{form}"));
        let report = verify(&p7m, &options()).expect("verify runs");
        // The From inside the signed content is the protected sender.
        assert_eq!(report.verdict(), Verdict::Trusted, "{form}: {report:?}");
        assert!(report.addresses_from_signed_header, "{form}");
        assert_eq!(report.scope, SignedScope::WholeMessage);
        assert_eq!(report.content, CONTENT);
        // One changed byte of the content is a changed message.
        if form == "DER" {
            let at = p7m
                .windows(9)
                .position(|w| w == b"Hello Bob")
                .expect("content");
            let mut bad = p7m.clone();
            bad[at] ^= 1;
            assert_eq!(
                verify(&bad, &options()).unwrap().verdict(),
                Verdict::SignatureInvalid
            );
        }
    }
}

#[test]
fn verify_detached_takes_a_p7s_with_its_content() {
    for form in ["DER", "PEM"] {
        let args = sign_args(form, true);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let p7s = openssl_cms(&args, &format!("detached.{form}"));
        let report = verify_detached(CONTENT, &p7s, &options()).expect("verify runs");
        assert_eq!(report.verdict(), Verdict::Trusted, "{form}: {report:?}");
        let mut other = CONTENT.to_vec();
        let at = other.len() - 3;
        other[at] ^= 1;
        assert_eq!(
            verify_detached(&other, &p7s, &options()).unwrap().verdict(),
            Verdict::SignatureInvalid
        );
        // Alone, the detached signature has no content to verify: a clear error.
        assert!(matches!(
            verify(&p7s, &options()),
            Err(smime::VerifyError::Parse(ParseError::NotSmime { .. }))
        ));
    }
    // The address the caller expects, for content without a From field.
    let args = sign_args("DER", true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let p7s = openssl_cms(&args, "detached2.der");
    let report = verify_detached(
        CONTENT,
        &p7s,
        &VerifyOptions {
            address: AddressPolicy::Expect("mallory@example.com".into()),
            ..options()
        },
    )
    .unwrap();
    assert!(matches!(report.verdict(), Verdict::AddressMismatch));
    assert!(matches!(
        verify_detached(CONTENT, b"not a signature", &options()),
        Err(smime::VerifyError::Parse(ParseError::NotSmime { .. }))
    ));
}

#[test]
fn decrypt_and_open_read_a_saved_p7m_as_der_and_as_pem() {
    let f = fixture();
    let bob = f.bob.identity();
    for form in ["DER", "PEM"] {
        let p7m = openssl_cms(
            &[
                "-encrypt",
                "-aes-256-gcm",
                "-outform",
                form,
                &s(&f.bob.cert_path),
            ],
            &format!("enc.{form}"),
        );
        let d = decrypt(&p7m, std::slice::from_ref(&bob), &Default::default())
            .unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(d.content, CONTENT);
        assert!(d.integrity_protected);
        assert_eq!(d.certificate, f.bob.certificate());
        let opened = open(&p7m, std::slice::from_ref(&bob), &options()).expect("open");
        assert_eq!(opened.content, CONTENT);
        assert_eq!(opened.verdict(), Verdict::NotSigned);
        // verify says what it is.
        assert!(verify(&p7m, &options()).unwrap().encrypted);
    }
    // A signed saved message is not an encrypted one.
    let args = sign_args("DER", false);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let signed = openssl_cms(&args, "signed-only.der");
    assert_eq!(
        decrypt(&signed, &[bob], &Default::default()).unwrap_err(),
        DecryptError::NotEncrypted
    );
}

#[test]
fn inspect_names_what_openssl_writes() {
    let f = fixture();
    // An enveloped message to two recipients, RSA and ECDH.
    let p7m = openssl_cms(
        &[
            "-encrypt",
            "-aes-256-cbc",
            "-outform",
            "PEM",
            &s(&f.bob.cert_path),
            &s(&f.alice.cert_path),
        ],
        "two.pem",
    );
    let Inspected::Cms(CmsSummary::Enveloped(env)) = inspect(&p7m).expect("inspect") else {
        panic!("not enveloped");
    };
    assert_eq!(env.cipher, "AES-256-CBC");
    assert!(!env.integrity_protected && !env.authenticated);
    assert_eq!(env.recipients.len(), 2);
    assert!(matches!(
        &env.recipients[0],
        RecipientSummary::KeyTransport { algorithm, id } if algorithm == "RSA PKCS#1 v1.5"
            && id.contains("serial")
    ));
    assert!(matches!(
        &env.recipients[1],
        RecipientSummary::KeyAgreement { algorithm, key_wrap: Some(wrap), ids }
            if algorithm.starts_with("ECDH") && wrap.contains("key wrap") && ids.len() == 1
    ));
    // A signed message as MIME.
    let smime = openssl_cms(
        &[
            "-sign",
            "-signer",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
        ],
        "signed.eml",
    );
    let Inspected::Message(m) = inspect(&smime).expect("inspect") else {
        panic!("not a message");
    };
    assert_eq!(m.content_type, "multipart/signed");
    assert_eq!(m.parts[0].form, "multipart/signed");
    let Ok(CmsSummary::Signed(sd)) = &m.parts[0].cms else {
        panic!("no SignedData");
    };
    assert_eq!(sd.signers[0].signature, "ECDSA with SHA-256");
    assert_eq!(sd.signers[0].digest, "SHA-256");
    assert!(sd.signers[0].signed_attributes);
    assert_eq!(sd.content_len, None);
    assert_eq!(sd.certificates, vec![f.alice.certificate()]);
    // A PKCS#12 file, a CRL and an encrypted key.
    let dir = f.pki.dir.path();
    openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-passout",
            "pass:pw",
            "-out",
            "alice.p12",
        ],
        dir,
    );
    assert!(matches!(
        inspect(&std::fs::read(dir.join("alice.p12")).unwrap()).unwrap(),
        Inspected::Pkcs12
    ));
    let Inspected::Crl(crl) = inspect(&f.pki.root_crl()).unwrap() else {
        panic!("not a CRL");
    };
    assert!(crl.issuer.contains("Root"), "{}", crl.issuer);
    assert_eq!(crl.revoked, 0);
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            &s(&f.alice.key_path),
            "-passout",
            "pass:pw",
            "-out",
            "enc.key",
        ],
        dir,
    );
    let Inspected::PrivateKey(k) = inspect(&std::fs::read(dir.join("enc.key")).unwrap()).unwrap()
    else {
        panic!("not a key");
    };
    assert!(k.encrypted);
    // A certs-only structure, as a directory serves it.
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &s(&f.bob.cert_path),
            "-outform",
            "DER",
            "-out",
            "bob.p7c",
        ],
        dir,
    );
    let Inspected::Cms(CmsSummary::Signed(c)) =
        inspect(&std::fs::read(dir.join("bob.p7c")).unwrap()).unwrap()
    else {
        panic!("not certs-only");
    };
    assert!(c.is_certs_only());
    assert_eq!(
        c.certificates,
        vec![Certificate::from_der(&f.bob.der).unwrap()]
    );
    // Something else.
    assert!(inspect(b"just some words\n").is_err());
}

#[test]
fn identity_from_key_and_certificate_files_picks_the_matching_certificate() {
    let f = fixture();
    // The bundle lists the intermediate first; the key's certificate is found anyway.
    let mut bundle = std::fs::read(f.pki.chain_path()).unwrap();
    bundle.extend(std::fs::read(&f.bob.cert_path).unwrap());
    let id = Identity::from_key_and_certificates(&f.bob.key_pem, &bundle).expect("identity");
    assert_eq!(*id.certificate(), f.bob.certificate());
    assert_eq!(id.chain(), [f.pki.intermediate.certificate()]);
    assert_eq!(
        Identity::from_key_and_certificates(
            &f.bob.key_pem,
            &std::fs::read(&f.alice.cert_path).unwrap()
        )
        .unwrap_err(),
        smime::KeyError::Mismatch
    );
}
