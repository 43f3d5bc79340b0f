//! `smime sign --cert/--key` refuses a certificate that may not sign e-mail, with the reason
//! and exit code 2, before anything is written.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{Cert, LeafSpec, TestPki};
use std::path::Path;
use support::*;

const MESSAGE: &[u8] = b"From: alice@example.com\r\nSubject: cli\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nHello.\r\n";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn sign_with(pki: &TestPki, cert: &Cert, flag: &str) -> std::process::Output {
    let message = pki.path("message.eml");
    std::fs::write(&message, MESSAGE).expect("write message");
    let out = pki.path(&format!("signed-{flag}.eml"));
    let o = smime(&[
        "sign",
        "--cert",
        &s(&cert.cert_path),
        "--key",
        &s(&cert.key_path),
        "--chain",
        &s(&pki.chain_path()),
        &s(&message),
        "-o",
        &s(&out),
    ]);
    if o.status.code() != Some(0) {
        assert!(
            !out.exists(),
            "{flag}: nothing is written when signing is refused"
        );
    }
    o
}

#[test]
fn sign_refuses_certificates_that_may_not_sign_mail() {
    let pki = TestPki::new();
    let good = pki.leaf("good", &LeafSpec::default());
    let expired = pki.leaf(
        "expired",
        &LeafSpec {
            expired: true,
            ..LeafSpec::default()
        },
    );
    let key_enc = pki.leaf(
        "keyenc",
        &LeafSpec {
            key_usage: Some("keyEncipherment"),
            ..LeafSpec::default()
        },
    );
    let server = pki.leaf(
        "server",
        &LeafSpec {
            eku: Some("serverAuth,clientAuth"),
            ..LeafSpec::default()
        },
    );

    let o = sign_with(&pki, &good, "good");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = sign_with(&pki, &expired, "expired");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("expired"), "{}", stderr(&o));

    let o = sign_with(&pki, &key_enc, "keyenc");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("key usage does not allow signing"),
        "{}",
        stderr(&o)
    );

    let o = sign_with(&pki, &server, "server");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("extended key usage"), "{err}");
    assert!(err.contains("emailProtection"), "{err}");
}
