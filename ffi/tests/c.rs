//! The C programs under `ffi/tests/c/` against the static library: each is compiled with
//! `-std=c11 -Wall -Wextra -Werror -pedantic`, linked with `libsmime_ffi.a` (and libcrypto,
//! which plays the platform keystore in the callback-key tests) and run with the fixture
//! directory as its only argument; it exits 0 when every check passed.
//!
//! Fixtures (made here with the OpenSSL CLI, in a fresh temporary directory):
//! - `root.pem` (P-256 root CA), `intermediate.pem` (RSA-2048 intermediate CA, issued by the
//!   root), `root.crl.der`, `intermediate.crl.der` (empty CRLs);
//! - `alice.p12` (password `alice-password`: key, certificate, intermediate; AES/PBKDF2),
//!   `alice-legacy.p12` (same, 3DES/RC2), `alice.pem`, `alice.key` (RSA-2048,
//!   alice@example.com, signing and encryption);
//! - `bob.pem`, `bob.key` (P-256, bob@example.com), `bob.p12` (password `bob-password`);
//! - `carol.pem`, `carol.key` (RSA-2048, carol@example.com);
//! - `dave.pem`, `dave.key` (RSA-2048, dave@example.com) and `erin.pem`, `erin.key` (P-256,
//!   erin@example.com): keys the C programs hold themselves (through libcrypto) and offer
//!   through callbacks;
//! - `certs-only.p7b`: a PKCS#7 certs-only blob (DER) of carol and the intermediate, as a
//!   directory's `userSMIMECertificate`.
//!
//! A C program writes what it wants a peer to check into the directory; `openssl` is on the
//! PATH for it.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{KeyKind, LeafSpec, TestPki, openssl};

struct Fixtures {
    pki: TestPki,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let p = pki.dir.path();
        let leaf = |name: &str, email: &str, key: KeyKind, ku: &str| {
            let emails = [email];
            let c = pki.leaf(
                name,
                &LeafSpec {
                    emails: &emails,
                    key,
                    key_usage: Some(ku),
                    ..Default::default()
                },
            );
            assert_eq!(c.cert_path, p.join(format!("{name}.pem")));
            assert_eq!(c.key_path, p.join(format!("{name}.key")));
        };
        let rsa_ku = "digitalSignature,nonRepudiation,keyEncipherment";
        let ec_ku = "digitalSignature,nonRepudiation,keyAgreement";
        leaf("alice", "alice@example.com", KeyKind::Rsa2048, rsa_ku);
        leaf("bob", "bob@example.com", KeyKind::P256, ec_ku);
        leaf("carol", "carol@example.com", KeyKind::Rsa2048, rsa_ku);
        leaf("dave", "dave@example.com", KeyKind::Rsa2048, rsa_ku);
        leaf("erin", "erin@example.com", KeyKind::P256, ec_ku);
        for (name, password, legacy) in [
            ("alice", "alice-password", false),
            ("alice", "alice-password", true),
            ("bob", "bob-password", false),
        ] {
            let out = if legacy {
                format!("{name}-legacy.p12")
            } else {
                format!("{name}.p12")
            };
            let pass = format!("pass:{password}");
            let (cert, key) = (format!("{name}.pem"), format!("{name}.key"));
            let mut args = vec![
                "pkcs12",
                "-export",
                "-in",
                &cert,
                "-inkey",
                &key,
                "-certfile",
                "intermediate.pem",
                "-passout",
                &pass,
                "-out",
                &out,
            ];
            if legacy {
                args.extend(["-legacy"]);
            }
            openssl(&args, p);
        }
        std::fs::write(p.join("root.crl.der"), pki.root_crl()).expect("root CRL");
        std::fs::write(p.join("intermediate.crl.der"), pki.intermediate_crl()).expect("CRL");
        openssl(
            &[
                "crl2pkcs7",
                "-nocrl",
                "-certfile",
                "carol.pem",
                "-certfile",
                "intermediate.pem",
                "-outform",
                "DER",
                "-out",
                "certs-only.p7b",
            ],
            p,
        );
        Fixtures { pki }
    })
}

/// The directory of the test binary, where cargo puts `libsmime_ffi.a`.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().expect("deps directory").to_path_buf()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiles `ffi/tests/c/<name>.c` with `extra` compiler flags; returns the program.
fn compile(name: &str, extra: &[&str], out_dir: &Path) -> PathBuf {
    let source = repo().join(format!("ffi/tests/c/{name}.c"));
    let program = out_dir.join(name);
    let lib = library_dir().join("libsmime_ffi.a");
    assert!(lib.exists(), "{} is built with the tests", lib.display());
    let output = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .args(extra)
        .arg("-I")
        .arg(repo().join("include"))
        .arg(&source)
        .arg(&lib)
        .args(["-lcrypto", "-lpthread", "-ldl", "-lm", "-o"])
        .arg(&program)
        .output()
        .expect("run cc");
    assert!(
        output.status.success(),
        "{name}.c does not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    program
}

/// Runs `program` (optionally under `wrapper`) with the fixture directory; asserts success.
fn run(name: &str, program: &Path, wrapper: &[&str]) {
    let dir = fixtures().pki.dir.path();
    let mut cmd = if wrapper.is_empty() {
        Command::new(program)
    } else {
        let mut c = Command::new(wrapper[0]);
        c.args(&wrapper[1..]).arg(program);
        c
    };
    let output = cmd.arg(dir).output().expect("run the C program");
    assert!(
        output.status.success(),
        "{name} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn c_test(name: &str) {
    let out = tempfile::tempdir().expect("temp dir");
    let program = compile(name, &[], out.path());
    run(name, &program, &[]);
}

#[test]
fn basics() {
    c_test("basics");
}

#[test]
fn keyring() {
    c_test("keyring");
}

#[test]
fn callback_keys() {
    c_test("callback_keys");
}

#[test]
fn roundtrip() {
    c_test("roundtrip");
}

#[test]
fn errors() {
    c_test("errors");
}

#[test]
fn interop() {
    c_test("interop");
}

#[test]
fn message_threads() {
    c_test("message_threads");
}

#[test]
fn threads() {
    c_test("threads");
}
