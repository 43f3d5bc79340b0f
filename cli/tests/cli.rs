//! The `smime` command-line tool, as documented in its usage text.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use support::*;

struct Fixture {
    pki: TestPki,
    alice: Cert,
    alice_ec: Cert,
    /// A message from alice@example.com, signed by the CLI (detached).
    signed: PathBuf,
}

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: cli\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nHello from the command line.\r\n";
const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nHello from the command line.\r\n";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf("alice", &LeafSpec::default());
        let alice_ec = pki.leaf(
            "alice-ec",
            &LeafSpec {
                key: KeyKind::P384,
                ..LeafSpec::default()
            },
        );
        std::fs::write(pki.path("message.eml"), MESSAGE).expect("write message");
        let signed = pki.path("signed.eml");
        let out = smime(&[
            "sign",
            "--cert",
            &s(&alice.cert_path),
            "--key",
            &s(&alice.key_path),
            "--chain",
            &s(&pki.chain_path()),
            &s(&pki.path("message.eml")),
            "-o",
            &s(&signed),
        ]);
        assert_eq!(out.status.code(), Some(0), "sign: {}", stderr(&out));
        Fixture {
            pki,
            alice,
            alice_ec,
            signed,
        }
    })
}

fn root() -> String {
    s(&fixture().pki.root_path())
}

fn verify_file(path: &Path, extra: &[&str]) -> Output {
    let root = root();
    let mut args = vec!["verify", "--trust", root.as_str()];
    args.extend_from_slice(extra);
    let p = s(path);
    args.push(&p);
    smime(&args)
}

#[test]
fn sign_and_verify_detached() {
    let f = fixture();
    let signed = std::fs::read(&f.signed).expect("read");
    assert!(
        String::from_utf8_lossy(&signed).contains("multipart/signed"),
        "detached by default"
    );
    let out = verify_file(&f.signed, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!stdout(&out).is_empty(), "a report is printed");
    // OpenSSL agrees.
    openssl(
        &[
            "cms",
            "-verify",
            "-CAfile",
            &root(),
            "-in",
            &s(&f.signed),
            "-out",
            &s(&f.pki.path("openssl-content.txt")),
        ],
        f.pki.dir.path(),
    );
}

#[test]
fn sign_opaque_sha384_pss_and_ecdsa() {
    let f = fixture();
    let input = s(&f.pki.path("message.eml"));
    let chain = s(&f.pki.chain_path());
    let cases: [(&Cert, &[&str], &str); 3] = [
        (&f.alice, &["--opaque", "--digest", "sha384", "--pss"], "a"),
        (&f.alice, &["--digest", "sha512", "--pss"], "b"),
        (&f.alice_ec, &["--opaque", "--digest", "sha384"], "c"),
    ];
    for (cert, flags, name) in cases {
        let out_path = s(&f.pki.path(&format!("cli-{name}.eml")));
        let (c, k) = (s(&cert.cert_path), s(&cert.key_path));
        let mut args = vec!["sign", "--cert", &c, "--key", &k, "--chain", &chain];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[&input, "-o", &out_path]);
        let out = smime(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "sign {flags:?}: {}",
            stderr(&out)
        );
        let signed = std::fs::read(&out_path).expect("read");
        let text = String::from_utf8_lossy(&signed);
        if flags.contains(&"--opaque") {
            assert!(text.contains("application/pkcs7-mime"), "{flags:?}: opaque");
        } else {
            assert!(text.contains("micalg=sha-512"), "{flags:?}: micalg");
        }
        let out = verify_file(Path::new(&out_path), &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "verify {flags:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

#[test]
fn sign_with_p12() {
    let f = fixture();
    let dir = f.pki.dir.path();
    let p12 = s(&f.pki.path("alice.p12"));
    openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-certfile",
            &s(&f.pki.chain_path()),
            "-passout",
            "pass:secret",
            "-out",
            &p12,
        ],
        dir,
    );
    let out_path = f.pki.path("p12-signed.eml");
    let out = smime(&[
        "sign",
        "--p12",
        &p12,
        "--password",
        "secret",
        &s(&f.pki.path("message.eml")),
        "-o",
        &s(&out_path),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "sign --p12 must sign: {}",
        stderr(&out)
    );
    let out = verify_file(&out_path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn tampered_message_exits_1_with_report() {
    let f = fixture();
    let signed = std::fs::read_to_string(&f.signed).expect("read");
    let tampered = signed.replace("Hello from", "Jello from");
    assert_ne!(tampered, signed);
    let path = f.pki.path("tampered.eml");
    std::fs::write(&path, tampered).expect("write");
    let out = verify_file(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stdout(&out).trim().is_empty(), "the report is printed");
}

#[test]
fn bad_usage_and_unreadable_input_exit_2() {
    let f = fixture();
    let out = verify_file(&f.signed, &["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "unknown option");
    let out = verify_file(&f.pki.path("no-such-file.eml"), &[]);
    assert_eq!(out.status.code(), Some(2), "missing file");
    let out = smime(&["verify", "--trust", "/nonexistent/root.pem", &s(&f.signed)]);
    assert_eq!(out.status.code(), Some(2), "missing trust file");
    let out = smime(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "unknown command");
    let out = smime(&[]);
    assert_eq!(out.status.code(), Some(2), "no command");
    let out = verify_file(&f.signed, &["--from", "a@b.c", "--no-address-check"]);
    assert_eq!(out.status.code(), Some(2), "exclusive options");
    let garbage = f.pki.path("garbage.eml");
    std::fs::write(
        &garbage,
        b"Content-Type: multipart/signed; boundary=\"x\"\r\n\r\n--x\r\nonly\r\n--x--\r\n",
    )
    .expect("write");
    let out = verify_file(&garbage, &[]);
    assert_eq!(out.status.code(), Some(2), "unparseable message");
    let out = smime(&["sign", "--cert", &s(&f.alice.cert_path)]);
    assert_eq!(out.status.code(), Some(2), "--cert without --key");
}

#[test]
fn json_output_has_verdict_and_signers() {
    let f = fixture();
    let out = verify_file(&f.signed, &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    assert!(v.get("verdict").is_some(), "{v}");
    let signers = v["signers"].as_array().expect("signers array");
    assert_eq!(signers.len(), 1);
    assert_eq!(v["verdict"], "trusted", "{v}");
}

#[test]
fn content_out_writes_the_signed_content() {
    let f = fixture();
    let content = f.pki.path("content.out");
    let out = verify_file(&f.signed, &["--content-out", &s(&content)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&content).expect("read"), ENTITY);
}

#[test]
fn verify_reads_stdin() {
    let f = fixture();
    let signed = std::fs::read(&f.signed).expect("read");
    let root = root();
    let out = smime_stdin(&["verify", "--trust", &root, "-"], &signed);
    assert_eq!(out.status.code(), Some(0), "with -: {}", stdout(&out));
    let out = smime_stdin(&["verify", "--trust", &root], &signed);
    assert_eq!(out.status.code(), Some(0), "without IN: {}", stdout(&out));
    let out = smime_stdin(&["verify", "--trust", &root], b"");
    assert_eq!(out.status.code(), Some(2), "empty stdin");
}

#[test]
fn sign_reads_stdin_and_writes_stdout() {
    let f = fixture();
    let out = smime_stdin(
        &[
            "sign",
            "--cert",
            &s(&f.alice_ec.cert_path),
            "--key",
            &s(&f.alice_ec.key_path),
            "--chain",
            &s(&f.pki.chain_path()),
        ],
        MESSAGE,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = smime_stdin(&["verify", "--trust", &root()], &out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn address_options() {
    let f = fixture();
    let out = verify_file(&f.signed, &["--from", "mallory@example.com"]);
    assert_eq!(out.status.code(), Some(1), "--from mismatch");
    let out = verify_file(&f.signed, &["--from", "alice@example.com"]);
    assert_eq!(out.status.code(), Some(0), "--from match");
    let out = verify_file(&f.signed, &["--no-address-check"]);
    assert_eq!(out.status.code(), Some(0), "--no-address-check");
}

#[test]
fn verify_with_extra_certificate_and_wrong_trust() {
    let f = fixture();
    // Signed by OpenSSL without certificates: the signer comes from --cert.
    let dir = f.pki.dir.path();
    openssl(
        &[
            "cms",
            "-sign",
            "-in",
            "message.eml",
            "-signer",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-nocerts",
            "-from",
            "alice@example.com",
            "-out",
            "nocerts.eml",
        ],
        dir,
    );
    let path = f.pki.path("nocerts.eml");
    let out = verify_file(&path, &[]);
    assert_eq!(out.status.code(), Some(1), "no signer certificate");
    let (c, i) = (s(&f.alice.cert_path), s(&f.pki.chain_path()));
    let out = verify_file(&path, &["--cert", &c, "--cert", &i]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let (_other_dir, other) = TestPki::other_root();
    let out = smime(&["verify", "--trust", &s(&other.cert_path), &s(&f.signed)]);
    assert_eq!(out.status.code(), Some(1), "wrong root");
}

#[test]
fn inspect_signed_message_der_cms_and_certificates() {
    let f = fixture();
    let out = smime(&["inspect", &s(&f.signed)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("alice"),
        "names the signer: {}",
        stdout(&out)
    );

    let dir = f.pki.dir.path();
    openssl(
        &[
            "cms",
            "-sign",
            "-binary",
            "-in",
            "message.eml",
            "-signer",
            &s(&f.alice_ec.cert_path),
            "-inkey",
            &s(&f.alice_ec.key_path),
            "-outform",
            "DER",
            "-out",
            "signed.p7s",
        ],
        dir,
    );
    let out = smime(&["inspect", &s(&f.pki.path("signed.p7s"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("alice-ec"),
        "names the signer: {}",
        stdout(&out)
    );

    let mut pem = std::fs::read(&f.alice.cert_path).expect("read");
    pem.extend_from_slice(&std::fs::read(f.pki.chain_path()).expect("read"));
    let certs = f.pki.path("certs.pem");
    std::fs::write(&certs, pem).expect("write");
    let out = smime(&["inspect", &s(&certs)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("alice") && text.contains("Intermediate"),
        "names both certificates: {text}"
    );
}

#[test]
fn demo_runs() {
    let out = smime(&["demo"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn help_exits_0() {
    let out = smime(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("smime verify"));
}
