//! The example programs of `examples/`, one per task a mail app has, run end to end on a
//! PKI built with OpenSSL: what `send_message` writes OpenSSL decrypts and verifies, what
//! OpenSSL writes `read_message` reads, and the keyring examples import and answer.

mod common;
#[path = "support/examples.rs"]
mod examples;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use examples::example_binary;
use std::path::Path;
use std::process::{Command, Output};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn p12(pki: &TestPki, cert: &Cert, name: &str) -> String {
    let out = s(&pki.path(name));
    openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            &s(&cert.cert_path),
            "-inkey",
            &s(&cert.key_path),
            "-certfile",
            &s(&pki.chain_path()),
            "-passout",
            "pass:secret",
            "-out",
            &out,
        ],
        pki.dir.path(),
    );
    out
}

fn run(example: &str, args: &[&str]) -> Output {
    Command::new(example_binary(example))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{example}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Alice's one certificate for signing and for receiving encrypted mail (ECDH).
fn dual_use_p256(pki: &TestPki) -> Cert {
    pki.leaf(
        "alice",
        &LeafSpec {
            key: KeyKind::P256,
            emails: &["alice@example.com"],
            key_usage: Some("digitalSignature,nonRepudiation,keyAgreement"),
            ..LeafSpec::default()
        },
    )
}

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: plans\r\n\
Content-Type: text/plain\r\n\r\nMeet at noon.\r\n";

#[test]
fn sending_and_reading_a_signed_and_encrypted_message() {
    let pki = TestPki::new();
    let alice = dual_use_p256(&pki);
    let bob = pki.leaf(
        "bob",
        &LeafSpec {
            key: KeyKind::Rsa2048,
            emails: &["bob@example.com"],
            ..LeafSpec::default()
        },
    );
    let alice_p12 = p12(&pki, &alice, "alice.p12");
    let bob_p12 = p12(&pki, &bob, "bob.p12");
    let message = pki.path("message.eml");
    std::fs::write(&message, MESSAGE).unwrap();

    // Alice sends.
    let sent = run(
        "send_message",
        &[&alice_p12, "secret", &s(&message), &s(&bob.cert_path)],
    );
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let sent_path = pki.path("sent.eml");
    std::fs::write(&sent_path, &sent.stdout).unwrap();
    assert!(sent.stdout.starts_with(b"From: alice@example.com\r\n"));

    // OpenSSL, as Bob, decrypts and verifies it.
    let inner = common::openssl_decrypt(&sent_path, &bob);
    std::fs::write(pki.path("inner.eml"), &inner).unwrap();
    openssl(
        &[
            "cms",
            "-verify",
            "-in",
            "inner.eml",
            "-CAfile",
            &s(&pki.root_path()),
            "-out",
            "verified.txt",
        ],
        pki.dir.path(),
    );
    let verified = std::fs::read(pki.path("verified.txt")).unwrap();
    assert!(text(&verified).contains("Meet at noon."));
    // Alice can read her own sent copy.
    let own = run(
        "read_message",
        &[&s(&sent_path), &alice_p12, "secret", &s(&pki.root_path())],
    );
    assert!(own.status.success(), "{}", text(&own.stdout));

    // Bob reads it with the example.
    let read = run(
        "read_message",
        &[&s(&sent_path), &bob_p12, "secret", &s(&pki.root_path())],
    );
    let out = text(&read.stdout);
    assert!(read.status.success(), "{out}{}", text(&read.stderr));
    assert!(out.contains("encrypted with AES-256-GCM"), "{out}");
    assert!(out.contains("verdict: trusted"), "{out}");
    assert!(out.contains("Meet at noon."), "{out}");

    // A message OpenSSL signed, whose From names someone else: not trusted, and why.
    let forged = pki.path("forged.eml");
    std::fs::write(
        &forged,
        b"From: ceo@example.com\r\nContent-Type: text/plain\r\n\r\nPay the invoice.\r\n",
    )
    .unwrap();
    openssl(
        &[
            "cms",
            "-sign",
            "-in",
            &s(&forged),
            "-signer",
            &s(&alice.cert_path),
            "-inkey",
            &s(&alice.key_path),
            "-out",
            "forged-signed.eml",
        ],
        pki.dir.path(),
    );
    let read = run(
        "read_message",
        &[
            &s(&pki.path("forged-signed.eml")),
            &bob_p12,
            "secret",
            &s(&pki.root_path()),
        ],
    );
    let out = text(&read.stdout);
    assert_eq!(read.status.code(), Some(1), "{out}");
    assert!(out.contains("ceo@example.com"), "{out}");
    assert!(!out.contains("verdict: trusted"), "{out}");

    // A wrong password is an input error.
    let bad = run(
        "read_message",
        &[&s(&sent_path), &bob_p12, "wrong", &s(&pki.root_path())],
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn importing_a_pkcs12_file_and_checking_recipients() {
    let pki = TestPki::new();
    let alice = dual_use_p256(&pki);
    let alice_p12 = p12(&pki, &alice, "alice.p12");
    let keyring = s(&pki.path("alice.keyring"));
    let imported = run(
        "import_pkcs12",
        &[&alice_p12, "secret", &keyring, &s(&pki.root_path())],
    );
    let out = text(&imported.stdout);
    assert!(imported.status.success(), "{out}{}", text(&imported.stderr));
    assert!(out.contains("imported 1 identity, 1 intermediate"), "{out}");
    assert!(
        out.contains("alice@example.com (signing+encryption)"),
        "{out}"
    );
    // Importing again loads the saved keyring: still one identity.
    let again = run("import_pkcs12", &[&alice_p12, "secret", &keyring]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let listed = text(&again.stdout);
    assert_eq!(
        listed
            .lines()
            .filter(|l| l.starts_with("identity "))
            .count(),
        1,
        "{listed}"
    );

    // Alice herself is ready; Bob has no certificate in this keyring.
    let check = run(
        "check_recipients",
        &[&keyring, "alice@example.com", "bob@example.com"],
    );
    let out = text(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{out}{}", text(&check.stderr));
    assert!(out.contains("alice@example.com: ready, CN=alice"), "{out}");
    assert!(out.contains("bob@example.com: no certificate"), "{out}");
    // The domain of an address is compared without regard to case.
    let only_alice = run("check_recipients", &[&keyring, "alice@Example.COM"]);
    assert!(only_alice.status.success(), "{}", text(&only_alice.stdout));
}
