//! The `smime` command behaves like a command-line tool: `--version`, help per command,
//! `--opt=value` and `--`, one-line usage errors, passwords from files and the environment,
//! content written only on success and atomically, JSON with a schema, dates, `inspect` of
//! every kind of file, triple wrapping, identity selection by fingerprint, and a quiet end on
//! a closed pipe.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use support::*;

const MESSAGE: &[u8] =
    b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: conventions\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nHello, conventions.\r\n";
const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nHello, conventions.\r\n";
const PW: &str = "correct horse";

struct Fixture {
    pki: TestPki,
    alice: Cert,
    alice_ec: Cert,
    bob: Cert,
    expired: Cert,
    message: PathBuf,
    /// MESSAGE signed by the CLI with alice (detached).
    signed: PathBuf,
    /// MESSAGE signed by alice, the body then changed.
    tampered: PathBuf,
    /// alice as PKCS#12 with password [`PW`].
    alice_p12: PathBuf,
}

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
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,keyAgreement"),
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
        let expired = pki.leaf(
            "old-alice",
            &LeafSpec {
                expired: true,
                ..LeafSpec::default()
            },
        );
        let message = pki.path("message.eml");
        std::fs::write(&message, MESSAGE).expect("write message");
        let signed = pki.path("signed.eml");
        let o = smime(&[
            "sign",
            "--cert",
            &s(&alice.cert_path),
            "--key",
            &s(&alice.key_path),
            "--chain",
            &s(&pki.chain_path()),
            &s(&message),
            "-o",
            &s(&signed),
        ]);
        assert_eq!(o.status.code(), Some(0), "sign: {}", stderr(&o));
        let text = std::fs::read_to_string(&signed).expect("read");
        let tampered = pki.path("tampered.eml");
        std::fs::write(
            &tampered,
            text.replace("Hello, conventions", "Jello, conventions"),
        )
        .expect("write");
        let alice_p12 = pki.path("alice.p12");
        openssl(
            &[
                "pkcs12",
                "-export",
                "-in",
                &s(&alice.cert_path),
                "-inkey",
                &s(&alice.key_path),
                "-certfile",
                &s(&pki.chain_path()),
                "-name",
                "alice",
                "-passout",
                &format!("pass:{PW}"),
                "-out",
                &s(&alice_p12),
            ],
            pki.dir.path(),
        );
        Fixture {
            pki,
            alice,
            alice_ec,
            bob,
            expired,
            message,
            signed,
            tampered,
            alice_p12,
        }
    })
}

fn root() -> String {
    s(&fixture().pki.root_path())
}

/// The RFC 3339 UTC dates (`2026-12-01T12:00:00Z`) in a text.
fn dates(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    (0..b.len().saturating_sub(shape.len() - 1))
        .filter(|&i| {
            shape.iter().enumerate().all(|(j, c)| match c {
                b'd' => b[i + j].is_ascii_digit(),
                other => b[i + j] == *other,
            })
        })
        .map(|i| text[i..i + shape.len()].to_string())
        .collect()
}

/// Files in a directory whose name marks them as the CLI's temporary files.
fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".smime-"))
        .collect()
}

/// The SHA-256 fingerprint of a certificate, lower-case hex, as OpenSSL computes it.
fn fingerprint(cert: &Cert) -> String {
    let o = openssl(
        &[
            "x509",
            "-in",
            &s(&cert.cert_path),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        fixture().pki.dir.path(),
    );
    String::from_utf8_lossy(&o.stdout)
        .rsplit('=')
        .next()
        .unwrap_or_default()
        .trim()
        .replace(':', "")
        .to_ascii_lowercase()
}

#[test]
fn version_and_help_of_each_command_exit_0() {
    let o = smime(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("smime {}", env!("CARGO_PKG_VERSION"))
    );
    let o = smime(&["sign", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    assert!(help.contains("smime sign"), "{help}");
    assert!(
        help.contains("--identity") && help.contains("--password-file"),
        "{help}"
    );
    assert!(
        !help.contains("--to-address") && !help.contains("--content-out"),
        "the help of sign is about sign only: {help}"
    );
    for command in [
        &["verify", "--help"][..],
        &["encrypt", "--help"],
        &["decrypt", "--help"],
        &["inspect", "--help"],
        &["demo", "--help"],
        &["keyring", "import", "--help"],
        &["help", "verify"],
    ] {
        let o = smime(command);
        assert_eq!(o.status.code(), Some(0), "{command:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage: smime"), "{command:?}");
    }
    let o = smime(&["encrypt", "--help"]);
    assert!(stdout(&o).contains("--triple-wrap"), "{}", stdout(&o));
    let o = smime(&["verify", "--help"]);
    assert!(stdout(&o).contains("--content-out"), "{}", stdout(&o));
}

#[test]
fn an_unknown_option_is_a_short_error_with_a_hint() {
    let f = fixture();
    let o = smime(&["verify", "--frobnicate", &s(&f.signed)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error:") && first.contains("--frobnicate"),
        "{err}"
    );
    assert!(err.contains("--help"), "a hint: {err}");
    assert!(
        err.lines().count() <= 8 && !err.contains("--keyring-key-file"),
        "not the whole usage: {err}"
    );
    // An unknown command too.
    let o = smime(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).lines().count() <= 8, "{}", stderr(&o));
}

#[test]
fn option_equals_value_and_double_dash() {
    let f = fixture();
    let o = smime(&["verify", &format!("--trust={}", root()), &s(&f.signed)]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // After `--`, an input file whose name starts with a dash is a file.
    std::fs::copy(&f.signed, f.pki.path("-signed.eml")).expect("copy");
    let o = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args(["verify", "--trust", &root(), "--", "-signed.eml"])
        .current_dir(f.pki.dir.path())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Without `--` it is an unknown option.
    let o = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args(["verify", "--trust", &root(), "-signed.eml"])
        .current_dir(f.pki.dir.path())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn pkcs12_password_from_a_file_or_the_environment() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let pw_file = dir.path().join("pw.txt");
    std::fs::write(&pw_file, format!("{PW}\n")).expect("write");
    let out = dir.path().join("signed.eml");
    let (p12, msg) = (s(&f.alice_p12), s(&f.message));
    let o = smime(&[
        "sign",
        "--p12",
        &p12,
        &format!("--password-file={}", s(&pw_file)),
        &msg,
        "-o",
        &s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = smime(&["verify", "--trust", &root(), &s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let o = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args([
            "sign",
            "--p12",
            &p12,
            "--password-env",
            "SMIME_TEST_PW",
            &msg,
        ])
        .env("SMIME_TEST_PW", PW)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("multipart/signed"));

    // A wrong password, an unset variable, and no password at all without a terminal.
    std::fs::write(&pw_file, "wrong\n").expect("write");
    let o = smime(&["sign", "--p12", &p12, "--password-file", &s(&pw_file), &msg]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args([
            "sign",
            "--p12",
            &p12,
            "--password-env",
            "SMIME_TEST_UNSET",
            &msg,
        ])
        .env_remove("SMIME_TEST_UNSET")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SMIME_TEST_UNSET"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args(["sign", "--p12", &p12, &msg])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--password-file"), "{}", stderr(&o));
}

#[test]
fn max_iterations_raises_the_pkcs12_cap() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let p12 = dir.path().join("many.p12");
    openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-iter",
            "1100000",
            "-passout",
            &format!("pass:{PW}"),
            "-out",
            &s(&p12),
        ],
        dir.path(),
    );
    let (p12, msg) = (s(&p12), s(&f.message));
    let o = smime(&["sign", "--p12", &p12, "--password", PW, &msg]);
    assert_eq!(o.status.code(), Some(2), "refused by default");
    assert!(stderr(&o).contains("iteration"), "{}", stderr(&o));
    let o = smime(&[
        "sign",
        "--p12",
        &p12,
        "--password",
        PW,
        "--max-iterations",
        "1100000",
        &msg,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn content_is_written_only_on_success() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let content = dir.path().join("content.out");
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content-out",
        &s(&content),
        &s(&f.tampered),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!content.exists(), "altered content is not written");
    assert!(stderr(&o).contains("not written"), "{}", stderr(&o));

    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content-out",
        &s(&content),
        &s(&f.signed),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(std::fs::read(&content).expect("read"), ENTITY);
    assert!(temp_leftovers(dir.path()).is_empty());

    // decrypt -o: content whose inner signature is not trusted is not written.
    let sealed = dir.path().join("sealed.eml");
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--no-self",
        &s(&f.tampered),
        "-o",
        &s(&sealed),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let opened = dir.path().join("opened.eml");
    let decrypt = |input: &Path| {
        smime(&[
            "decrypt",
            "--cert",
            &s(&f.bob.cert_path),
            "--key",
            &s(&f.bob.key_path),
            "--trust",
            &root(),
            &s(input),
            "-o",
            &s(&opened),
        ])
    };
    let o = decrypt(&sealed);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!opened.exists(), "altered content is not written");
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--no-self",
        &s(&f.signed),
        "-o",
        &s(&sealed),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = decrypt(&sealed);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(opened.exists());
    assert!(temp_leftovers(dir.path()).is_empty());
}

#[test]
fn content_out_dash_puts_content_on_stdout_and_the_report_on_stderr() {
    let f = fixture();
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content-out",
        "-",
        &s(&f.signed),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, ENTITY);
    assert!(stderr(&o).starts_with("verdict: trusted"), "{}", stderr(&o));
    // Not trusted: nothing on stdout.
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content-out",
        "-",
        &s(&f.tampered),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("invalid signature"), "{}", stderr(&o));
}

#[test]
fn triple_wrap_is_read_by_openssl_and_by_the_cli() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let triple = dir.path().join("triple.eml");
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--sign-cert",
        &s(&f.alice.cert_path),
        "--sign-key",
        &s(&f.alice.key_path),
        "--chain",
        &s(&f.pki.chain_path()),
        "--triple-wrap",
        &s(&f.message),
        "-o",
        &s(&triple),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let root = root();
    let p = |n: &str| s(&dir.path().join(n));
    // OpenSSL: verify the outer signature, decrypt, verify the inner one.
    openssl(
        &[
            "cms",
            "-verify",
            "-CAfile",
            &root,
            "-in",
            &s(&triple),
            "-out",
            &p("enveloped.eml"),
        ],
        dir.path(),
    );
    let enveloped = std::fs::read_to_string(p("enveloped.eml")).expect("read");
    assert!(
        enveloped.contains("smime-type=authEnveloped-data"),
        "{enveloped}"
    );
    openssl(
        &[
            "cms",
            "-decrypt",
            "-in",
            &p("enveloped.eml"),
            "-recip",
            &s(&f.bob.cert_path),
            "-inkey",
            &s(&f.bob.key_path),
            "-out",
            &p("inner.eml"),
        ],
        dir.path(),
    );
    openssl(
        &[
            "cms",
            "-verify",
            "-CAfile",
            &root,
            "-in",
            &p("inner.eml"),
            "-out",
            &p("content.txt"),
        ],
        dir.path(),
    );
    let content = std::fs::read(p("content.txt")).expect("read");
    assert!(
        String::from_utf8_lossy(&content).contains("Hello, conventions."),
        "{}",
        String::from_utf8_lossy(&content)
    );
    // The CLI: three layers, the inner signature trusted.
    let o = smime(&[
        "decrypt",
        "--cert",
        &s(&f.bob.cert_path),
        "--key",
        &s(&f.bob.key_path),
        "--trust",
        &root,
        &s(&triple),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("layer 1 of 3: signed"), "{err}");
    assert!(err.contains("layer 2 of 3: encrypted"), "{err}");
    assert!(err.contains("content: trusted"), "{err}");
    // --triple-wrap without a signer is a usage error.
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--triple-wrap",
        &s(&f.message),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn identity_chosen_by_fingerprint_when_an_address_has_several() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let ring = s(&dir.path().join("keyring"));
    let key = s(&dir.path().join("keyring.key"));
    let k = [
        "--keyring",
        ring.as_str(),
        "--keyring-key-file",
        key.as_str(),
    ];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&k);
        smime(&all)
    };
    let o = run(&["keyring", "new"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["keyring", "trust", &root()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Two signing identities for alice@example.com (a laptop and a phone).
    let o = run(&[
        "keyring",
        "import",
        "--key",
        &s(&f.alice.key_path),
        "--cert",
        &s(&f.alice.cert_path),
        "--key",
        &s(&f.alice_ec.key_path),
        "--cert",
        &s(&f.alice_ec.cert_path),
        "--cert",
        &s(&f.pki.chain_path()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["keyring", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(listed["schema"], serde_json::json!(1));
    assert_eq!(listed["identities"].as_array().map(Vec::len), Some(2));
    for (cert, subject) in [(&f.alice_ec, "CN=alice-ec"), (&f.alice, "CN=alice\n")] {
        let fp = fingerprint(cert);
        let out = dir.path().join("signed.eml");
        let o = run(&[
            "sign",
            &format!("--identity={}", &fp[..12]),
            "--chain",
            &s(&f.pki.chain_path()),
            &s(&f.message),
            "-o",
            &s(&out),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains(&fp[..16]), "{}", stderr(&o));
        let o = smime(&["verify", "--trust", &root(), &s(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(
            stdout(&o).contains(&format!("certificate: {subject}")),
            "{subject}: {}",
            stdout(&o)
        );
    }
    // encrypt --sign picks it too.
    let fp = fingerprint(&f.alice_ec);
    let sealed = dir.path().join("sealed.eml");
    let o = run(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--sign",
        "--identity",
        &fp[..10],
        "--chain",
        &s(&f.pki.chain_path()),
        &s(&f.message),
        "-o",
        &s(&sealed),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = smime(&[
        "decrypt",
        "--cert",
        &s(&f.bob.cert_path),
        "--key",
        &s(&f.bob.key_path),
        "--trust",
        &root(),
        &s(&sealed),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("CN=alice-ec"), "{}", stderr(&o));
    // The root's fingerprint names no identity; too short a prefix is refused.
    let root_fp = fingerprint(&f.pki.root);
    for prefix in [&root_fp[..12], "abc"] {
        let o = run(&["sign", "--identity", prefix, &s(&f.message)]);
        assert_eq!(o.status.code(), Some(2), "{prefix}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn inspect_knows_every_kind_of_file() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let p = |n: &str| s(&dir.path().join(n));
    let inspect = |args: &[&str]| {
        let mut all = vec!["inspect"];
        all.extend_from_slice(args);
        let o = smime(&all);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let text = stdout(&o);
        for debug in ["Some(", "None", "Nothing", "WholeMessage", "SignedData {"] {
            assert!(!text.contains(debug), "{args:?}: no Debug names: {text}");
        }
        text
    };
    // PEM CMS (signed by OpenSSL).
    openssl(
        &[
            "cms",
            "-sign",
            "-in",
            &s(&f.message),
            "-signer",
            &s(&f.alice_ec.cert_path),
            "-inkey",
            &s(&f.alice_ec.key_path),
            "-outform",
            "PEM",
            "-out",
            &p("signed.pem"),
        ],
        dir.path(),
    );
    let text = inspect(&[&p("signed.pem")]);
    assert!(text.contains("CMS signed-data"), "{text}");
    assert!(
        text.contains("digest SHA-256, signature ECDSA with SHA-256"),
        "{text}"
    );
    assert!(text.contains("CN=alice-ec"), "{text}");
    // A signed message names its structure without Debug names.
    let text = inspect(&[&s(&f.signed)]);
    assert!(text.contains("S/MIME multipart/signed"), "{text}");

    // PKCS#12: without a password it says what it is; with one it lists the certificates.
    let text = inspect(&[&s(&f.alice_p12)]);
    assert!(text.starts_with("PKCS#12"), "{text}");
    assert!(!text.contains("CN=alice"), "{text}");
    std::fs::write(p("pw"), PW).expect("write");
    let text = inspect(&["--password-file", &p("pw"), &s(&f.alice_p12)]);
    assert!(text.contains("private keys: 1"), "{text}");
    assert!(text.contains("RSA-2048"), "{text}");
    assert!(
        text.contains("certificate: CN=alice") && text.contains("Intermediate"),
        "{text}"
    );

    // CRLs, DER and PEM, with dates.
    std::fs::write(p("crl.der"), f.pki.intermediate_crl()).expect("write");
    openssl(
        &["crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"],
        dir.path(),
    );
    for file in ["crl.der", "crl.pem"] {
        let text = inspect(&[&p(file)]);
        assert!(text.contains("CRL issued by"), "{text}");
        assert!(text.contains("this update: 20"), "{text}");
        assert!(!dates(&text).is_empty(), "{text}");
    }

    // A certificate: dates as RFC 3339, algorithms by name.
    let text = inspect(&[&s(&f.expired.cert_path)]);
    assert!(text.contains("certificate: CN=old-alice"), "{text}");
    assert!(
        text.contains("valid:       2020-01-01T00:00:00Z .. 2021-01-01T00:00:00Z"),
        "{text}"
    );
    assert!(text.contains("key:         RSA-2048"), "{text}");
    assert!(
        text.contains("signed with: RSA PKCS#1 v1.5 with SHA-256"),
        "{text}"
    );
    assert!(!text.contains("1.2.840"), "no OIDs: {text}");

    // Keys, plain and encrypted.
    let text = inspect(&[&s(&f.alice_ec.key_path)]);
    assert!(text.contains("private key (PKCS#8): EC P-256"), "{text}");
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            &s(&f.alice.key_path),
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:x",
            "-out",
            &p("enc.key"),
        ],
        dir.path(),
    );
    let text = inspect(&[&p("enc.key")]);
    assert!(
        text.contains("encrypted private key (PKCS#8, PBES2: PBKDF2, AES-256-CBC)"),
        "{text}"
    );

    // An encrypted message: its recipients and cipher.
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--to",
        &s(&f.alice_ec.cert_path),
        "--no-self",
        &s(&f.message),
        "-o",
        &p("sealed.eml"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = inspect(&[&p("sealed.eml")]);
    assert!(text.contains("CMS authEnveloped-data"), "{text}");
    assert!(
        text.contains("content cipher: AES-256-GCM (integrity-protected)"),
        "{text}"
    );
    assert!(text.contains("recipients: 2"), "{text}");
    assert!(text.contains("key transport RSA PKCS#1 v1.5"), "{text}");
    assert!(text.contains("CN=Test Intermediate CA"), "{text}");
    assert!(text.contains("key agreement ECDH"), "{text}");

    // Input of no known kind: exit 2.
    for (name, bytes) in [
        ("text.txt", &b"just some words\n"[..]),
        ("junk.der", &[0x30, 0x03, 0x02, 0x01, 0x05][..]),
        (
            "unknown.pem",
            &b"-----BEGIN SOMETHING-----\nAAAA\n-----END SOMETHING-----\n"[..],
        ),
    ] {
        std::fs::write(p(name), bytes).expect("write");
        let o = smime(&["inspect", &p(name)]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stdout(&o));
        assert!(o.stdout.is_empty(), "{name}");
    }
}

#[test]
fn verify_prints_dates_not_seconds() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    // OpenSSL signs with an expired certificate; the report says until when it was valid.
    openssl(
        &[
            "cms",
            "-sign",
            "-in",
            &s(&f.message),
            "-signer",
            &s(&f.expired.cert_path),
            "-inkey",
            &s(&f.expired.key_path),
            "-certfile",
            &s(&f.pki.chain_path()),
            "-out",
            "expired.eml",
        ],
        dir.path(),
    );
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        &s(&dir.path().join("expired.eml")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("valid until 2021-01-01T00:00:00Z"), "{text}");
    assert!(!text.contains("seconds after 1970"), "{text}");
    assert!(dates(&text).len() >= 3, "{text}");
}

#[test]
fn verify_reads_a_detached_p7s_and_bare_cms() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let p = |n: &str| s(&dir.path().join(n));
    openssl(
        &[
            "cms",
            "-sign",
            "-binary",
            "-in",
            &s(&f.message),
            "-signer",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-certfile",
            &s(&f.pki.chain_path()),
            "-outform",
            "DER",
            "-out",
            &p("sig.p7s"),
        ],
        dir.path(),
    );
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content",
        &s(&f.message),
        &p("sig.p7s"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    std::fs::write(
        p("other.eml"),
        b"From: alice@example.com\r\n\r\nsomething else\r\n",
    )
    .expect("write");
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content",
        &p("other.eml"),
        &p("sig.p7s"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("invalid signature"), "{}", stdout(&o));
    // An opaque signature saved as DER CMS (smime.p7m) verifies without MIME around it.
    openssl(
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-in",
            &s(&f.message),
            "-signer",
            &s(&f.alice.cert_path),
            "-inkey",
            &s(&f.alice.key_path),
            "-certfile",
            &s(&f.pki.chain_path()),
            "-outform",
            "DER",
            "-out",
            &p("smime.p7m"),
        ],
        dir.path(),
    );
    let o = smime(&[
        "verify",
        "--trust",
        &root(),
        "--content-out",
        "-",
        &p("smime.p7m"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, MESSAGE);
}

#[test]
fn json_has_a_schema_and_errors_are_json_too() {
    let f = fixture();
    let o = smime(&["verify", "--json", "--trust", &root(), &s(&f.signed)]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["schema"], serde_json::json!(1));
    assert!(v["schema"].is_u64(), "an integer: {v}");
    assert_eq!(v["verdict"], "trusted");
    assert_eq!(v["kind"], "detached");
    assert_eq!(v["scope"], "whole_message");
    let checks = v["signers"][0]["checks"].as_object().expect("checks");
    for (name, check) in checks {
        assert!(
            check["status"].is_string() && check.get("reason").is_some(),
            "{name}: every check is {{status, reason}}: {check}"
        );
    }
    assert_eq!(v["signers"][0]["checks"]["revocation"]["status"], "unknown");
    assert!(v["signers"][0]["checks"]["revocation"]["reason"].is_string());
    assert_eq!(v["signers"][0]["signing_time_in_future"], false);
    for d in [
        &v["signers"][0]["certificate"]["not_before"],
        &v["signers"][0]["signing_time"],
    ] {
        assert_eq!(dates(d.as_str().unwrap_or_default()).len(), 1, "{d}");
    }

    // Errors: a missing file, a bad option, a keyring that does not open, with --json:
    // JSON on stdout, exit 2.
    let missing = s(&f.pki.path("no-such-keyring"));
    for args in [
        vec!["verify", "--json", "/nonexistent/message.eml"],
        vec!["verify", "--json", "--frobnicate"],
        vec![
            "keyring",
            "list",
            "--json",
            "--keyring",
            &missing,
            "--keyring-key-file",
            &missing,
        ],
    ] {
        let o = smime(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&o)));
        assert_eq!(v["schema"], serde_json::json!(1));
        assert_eq!(v["error"]["code"], serde_json::json!(2));
        assert!(
            !v["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{v}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // `smime demo | head -1`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_smime"))
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read a line");
    assert!(line.starts_with("smime demo"), "{line}");
    let o = child.wait_with_output().expect("wait");
    assert_ne!(o.status.code(), Some(101), "{}", stderr(&o));
    assert!(o.status.code().is_some(), "not killed by a signal");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));

    // `smime verify ... | head -1`, the reader gone before anything is written.
    let f = fixture();
    let mut child = Command::new(env!("CARGO_BIN_EXE_smime"))
        .args(["verify", "--trust", &root(), &s(&f.signed)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
