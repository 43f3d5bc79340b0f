//! `smime encrypt` and `smime decrypt`: round trips for every cipher and key type, signed and
//! encrypted mail, key choice, exit codes, and OpenSSL reading what the CLI writes.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl, openssl_decrypt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use support::*;

struct Fixture {
    pki: TestPki,
    /// alice@example.com, RSA, signing and encryption.
    alice: Cert,
    /// alice@example.com, P-256, key agreement.
    alice_ec: Cert,
    /// bob@example.com, RSA.
    bob: Cert,
    /// eve@example.com, expired.
    expired: Cert,
    /// A message from Alice to Bob.
    message: PathBuf,
}

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: cli\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nA secret from the command line.\r\n";
const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nA secret from the command line.\r\n";

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
            "eve-expired",
            &LeafSpec {
                emails: &["eve@example.com"],
                expired: true,
                ..LeafSpec::default()
            },
        );
        let message = pki.path("message.eml");
        std::fs::write(&message, MESSAGE).expect("write message");
        Fixture {
            pki,
            alice,
            alice_ec,
            bob,
            expired,
            message,
        }
    })
}

/// A fresh output path in a new temp dir (kept alive by the returned guard).
fn out_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join(name);
    (dir, p)
}

/// `smime encrypt` of the fixture message with `extra` arguments; returns the output file.
fn encrypt_to(extra: &[&str], out: &Path) -> Output {
    let mut args = vec!["encrypt"];
    args.extend_from_slice(extra);
    let msg = s(&fixture().message);
    let o = s(out);
    args.extend_from_slice(&[msg.as_str(), "-o", o.as_str()]);
    smime(&args)
}

/// `smime decrypt` of `input` with the `--cert/--key` pairs and `extra` arguments.
fn decrypt_with(keys: &[&Cert], extra: &[&str], input: &Path, out: &Path) -> Output {
    let mut owned: Vec<String> = vec!["decrypt".into()];
    for k in keys {
        owned.extend([
            "--cert".into(),
            s(&k.cert_path),
            "--key".into(),
            s(&k.key_path),
        ]);
    }
    owned.extend(extra.iter().map(|a| a.to_string()));
    owned.extend([s(input), "-o".into(), s(out)]);
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    smime(&args)
}

const CIPHERS: [(Option<&str>, &str, bool); 5] = [
    (None, "AES-256-GCM", true),
    (Some("aes256-gcm"), "AES-256-GCM", true),
    (Some("aes128-gcm"), "AES-128-GCM", true),
    (Some("aes256-cbc"), "AES-256-CBC", false),
    (Some("aes128-cbc"), "AES-128-CBC", false),
];

#[test]
fn round_trip_every_cipher_rsa_and_p256() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    let dec = enc.with_file_name("dec.eml");
    for cert in [&f.alice, &f.alice_ec] {
        let to = s(&cert.cert_path);
        for (flag, name, gcm) in CIPHERS {
            let mut args = vec!["--to", to.as_str()];
            if let Some(c) = flag {
                args.extend_from_slice(&["--cipher", c]);
            }
            let o = encrypt_to(&args, &enc);
            assert_eq!(o.status.code(), Some(0), "encrypt {name}: {}", stderr(&o));
            let written = std::fs::read(&enc).expect("encrypted file");
            assert!(written.starts_with(b"From: alice@example.com\r\n"));
            let smime_type = if gcm {
                "authEnveloped-data"
            } else {
                "smime-type=enveloped-data"
            };
            assert!(String::from_utf8_lossy(&written).contains(smime_type));
            let o = decrypt_with(&[cert], &[], &enc, &dec);
            assert_eq!(o.status.code(), Some(0), "decrypt {name}: {}", stderr(&o));
            assert_eq!(std::fs::read(&dec).expect("decrypted"), ENTITY, "{name}");
            let err = stderr(&o);
            assert!(err.contains(&format!("encrypted with {name}")), "{err}");
            assert!(err.contains("opened with key 1 of 1"), "{err}");
            let integrity = if gcm {
                "(integrity-protected)"
            } else {
                "(NOT integrity-protected)"
            };
            assert!(err.contains(integrity), "{err}");
        }
    }
}

#[test]
fn oaep_round_trip_and_openssl_reads_it() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    let dec = enc.with_file_name("dec.eml");
    for cipher in ["aes256-gcm", "aes128-cbc"] {
        let o = encrypt_to(
            &["--to", &s(&f.alice.cert_path), "--oaep", "--cipher", cipher],
            &enc,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        // The recipient info really is RSAES-OAEP.
        let dir = tempfile::tempdir().expect("temp dir");
        let printed = openssl(&["cms", "-cmsout", "-print", "-in", &s(&enc)], dir.path());
        assert!(
            String::from_utf8_lossy(&printed.stdout).contains("rsaesOaep"),
            "{}",
            String::from_utf8_lossy(&printed.stdout)
        );
        let o = decrypt_with(&[&f.alice], &[], &enc, &dec);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(std::fs::read(&dec).expect("decrypted"), ENTITY);
        assert_eq!(openssl_decrypt(&enc, &f.alice), ENTITY, "{cipher}");
    }
}

#[test]
fn openssl_decrypts_cli_output() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    for cert in [&f.alice, &f.alice_ec] {
        for (flag, name, _) in CIPHERS {
            let to = s(&cert.cert_path);
            let mut args = vec!["--to", to.as_str()];
            if let Some(c) = flag {
                args.extend_from_slice(&["--cipher", c]);
            }
            let o = encrypt_to(&args, &enc);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            assert_eq!(openssl_decrypt(&enc, cert), ENTITY, "{name}");
        }
    }
}

#[test]
fn sign_and_encrypt_then_decrypt_with_trust() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    let dec = enc.with_file_name("dec.eml");
    let o = encrypt_to(
        &[
            "--to",
            &s(&f.bob.cert_path),
            "--sign-cert",
            &s(&f.alice.cert_path),
            "--sign-key",
            &s(&f.alice.key_path),
            "--chain",
            &s(&f.pki.chain_path()),
        ],
        &enc,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let root = s(&f.pki.root_path());
    let o = decrypt_with(&[&f.bob], &["--trust", &root], &enc, &dec);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(std::fs::read(&dec).expect("decrypted"), ENTITY);
    assert!(err.contains("encrypted with AES-256-GCM"), "{err}");
    assert!(err.contains("verdict: trusted"), "{err}");
    assert!(err.contains("signer 1: passed"), "{err}");
    assert!(err.contains("alice@example.com"), "{err}");

    // Alice's signing certificate also allows encryption: she can read what she sent.
    let o = decrypt_with(&[&f.alice], &["--trust", &root], &enc, &dec);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&dec).expect("decrypted"), ENTITY);

    // Without a trust anchor the content is still decrypted, but the exit code says the
    // signature is not trusted.
    let o = decrypt_with(&[&f.bob], &[], &enc, &dec);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not trusted"), "{err}");

    // OpenSSL opens it too, and the signature inside verifies against the root.
    let signed = openssl_decrypt(&enc, &f.bob);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("signed.eml"), signed).expect("write");
    openssl(
        &[
            "cms",
            "-verify",
            "-in",
            "signed.eml",
            "-CAfile",
            &root,
            "-out",
            "content.bin",
        ],
        dir.path(),
    );
    assert_eq!(
        std::fs::read(dir.path().join("content.bin")).expect("read"),
        ENTITY
    );
}

#[test]
fn decrypt_with_the_wrong_key_exits_1() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    let dec = enc.with_file_name("dec.eml");
    let o = encrypt_to(&["--to", &s(&f.alice.cert_path)], &enc);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for wrong in [&f.bob, &f.alice_ec] {
        let o = decrypt_with(&[wrong], &[], &enc, &dec);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("cannot decrypt"), "{err}");
        assert!(!dec.exists(), "nothing is written when decryption fails");
    }
}

#[test]
fn decrypt_tries_every_key_given() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    let dec = enc.with_file_name("dec.eml");
    let o = encrypt_to(&["--to", &s(&f.alice_ec.cert_path)], &enc);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = decrypt_with(&[&f.bob, &f.alice_ec], &[], &enc, &dec);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("opened with key 2 of 2"), "{err}");
    assert_eq!(std::fs::read(&dec).expect("decrypted"), ENTITY);
}

#[test]
fn encrypt_to_an_expired_certificate_exits_2_naming_it() {
    let f = fixture();
    let (_dir, enc) = out_path("enc.eml");
    for to in [
        vec!["--to", f.expired.cert_path.to_str().expect("path")],
        vec![
            "--to",
            f.alice.cert_path.to_str().expect("path"),
            "--to",
            f.expired.cert_path.to_str().expect("path"),
        ],
    ] {
        let o = encrypt_to(&to, &enc);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("eve@example.com"), "{err}");
        assert!(!enc.exists(), "nothing is written");
    }
}

#[test]
fn stdin_to_stdout_and_usage_errors() {
    let f = fixture();
    let to = s(&f.alice_ec.cert_path);
    let o = smime_stdin(&["encrypt", "--to", &to, "--cipher", "aes128-gcm"], MESSAGE);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let encrypted = o.stdout;
    let (cert, key) = (s(&f.alice_ec.cert_path), s(&f.alice_ec.key_path));
    let o = smime_stdin(&["decrypt", "--cert", &cert, "--key", &key], &encrypted);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, ENTITY);

    // A message that is not encrypted.
    let o = smime_stdin(&["decrypt", "--cert", &cert, "--key", &key], MESSAGE);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // No key, no recipient, an unknown cipher.
    let o = smime_stdin(&["decrypt"], &encrypted);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = smime_stdin(&["encrypt"], MESSAGE);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = smime_stdin(&["encrypt", "--to", &to, "--cipher", "rc2-40"], MESSAGE);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("rc2-40"));
}
