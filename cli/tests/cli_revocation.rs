//! `--revocation off|soft|hard` on `verify`, `decrypt` and `keyring check`, and
//! `encrypt --crl` refusing a revoked recipient.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{LeafSpec, TestPki};
use std::path::Path;
use support::*;

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: crl\r\n\
Content-Type: text/plain\r\n\r\nRevocation from the command line.\r\n";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write");
    s(&p)
}

#[test]
fn encrypt_with_a_crl_refuses_a_revoked_recipient() {
    let pki = TestPki::new();
    let bob = pki.leaf(
        "bob",
        &LeafSpec {
            emails: &["bob@example.com"],
            ..LeafSpec::default()
        },
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let msg = write(dir.path(), "msg.eml", MESSAGE);
    let out = s(&dir.path().join("out.eml"));
    let chain = s(&pki.chain_path());
    let bob_pem = s(&bob.cert_path);

    // Not revoked yet: the CRL is read and encryption goes ahead.
    let good_crl = write(dir.path(), "good.crl", &pki.intermediate_crl());
    let o = smime(&[
        "encrypt", "--to", &bob_pem, "--crl", &good_crl, "--ca", &chain, &msg, "-o", &out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Revoked: refused, the recipient named, nothing written.
    pki.revoke(&bob);
    let crl = write(dir.path(), "revoked.crl", &pki.intermediate_crl());
    std::fs::remove_file(&out).expect("remove");
    let o = smime(&[
        "encrypt", "--to", &bob_pem, "--crl", &crl, "--ca", &chain, &msg, "-o", &out,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("bob@example.com"), "{err}");
    assert!(err.contains("revoked"), "{err}");
    assert!(!Path::new(&out).exists(), "nothing is written");

    // With revocation off, the CRL is not consulted.
    let o = smime(&[
        "encrypt",
        "--to",
        &bob_pem,
        "--crl",
        &crl,
        "--ca",
        &chain,
        "--revocation",
        "off",
        &msg,
        "-o",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn verify_revocation_modes() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let dir = tempfile::tempdir().expect("temp dir");
    let msg = write(dir.path(), "msg.eml", MESSAGE);
    let signed = s(&dir.path().join("signed.eml"));
    let o = smime(&[
        "sign",
        "--cert",
        &s(&alice.cert_path),
        "--key",
        &s(&alice.key_path),
        "--chain",
        &s(&pki.chain_path()),
        &msg,
        "-o",
        &signed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let root = s(&pki.root_path());
    let int_crl = write(dir.path(), "int.crl", &pki.intermediate_crl());
    let root_crl = write(dir.path(), "root.crl", &pki.root_crl());

    // Soft (the default): no CRL at all is reported, not fatal.
    let o = smime(&["verify", "--trust", &root, &signed]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("CN=alice: unknown: no CRL"),
        "{}",
        stdout(&o)
    );
    // Hard: without CRLs the chain is not trusted, and the report says why.
    let o = smime(&["verify", "--trust", &root, "--revocation", "hard", &signed]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).to_lowercase().contains("revocation"),
        "{}",
        stdout(&o)
    );
    // Hard with a usable CRL for every certificate of the path: trusted.
    let o = smime(&[
        "verify",
        "--trust",
        &root,
        "--crl",
        &int_crl,
        "--crl",
        &root_crl,
        "--revocation",
        "hard",
        &signed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Revoked: not trusted in soft mode either; with revocation off it is not looked at.
    pki.revoke(&alice);
    let revoked = write(dir.path(), "revoked.crl", &pki.intermediate_crl());
    let o = smime(&["verify", "--trust", &root, "--crl", &revoked, &signed]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // Each certificate of the chain has its own line: the leaf revoked (with the date), the
    // intermediate unknown (no CRL from the root was given).
    let out = stdout(&o);
    assert!(out.contains("CN=alice: REVOKED on "), "{out}");
    assert!(
        out.contains("CN=Test Intermediate CA") && out.contains("unknown: no CRL"),
        "{out}"
    );
    let o = smime(&[
        "verify",
        "--trust",
        &root,
        "--crl",
        &revoked,
        "--revocation",
        "off",
        &signed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A mode that does not exist is a usage error.
    let o = smime(&["verify", "--trust", &root, "--revocation", "maybe", &signed]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn decrypt_checks_the_inner_signature_under_the_revocation_mode() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let bob = pki.leaf(
        "bob",
        &LeafSpec {
            emails: &["bob@example.com"],
            ..LeafSpec::default()
        },
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let msg = write(dir.path(), "msg.eml", MESSAGE);
    let sealed = s(&dir.path().join("sealed.eml"));
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&bob.cert_path),
        "--sign-cert",
        &s(&alice.cert_path),
        "--sign-key",
        &s(&alice.key_path),
        "--chain",
        &s(&pki.chain_path()),
        "--no-self",
        &msg,
        "-o",
        &sealed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (bob_cert, bob_key, root) = (s(&bob.cert_path), s(&bob.key_path), s(&pki.root_path()));
    let decrypt = |mode: &str| {
        smime(&[
            "decrypt",
            "--cert",
            &bob_cert,
            "--key",
            &bob_key,
            "--trust",
            &root,
            "--revocation",
            mode,
            &sealed,
        ])
    };
    // Soft: no CRL is reported, the inner signature is trusted.
    let o = decrypt("soft");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Revocation from the command line"));
    // Hard: without CRLs the inner signature is not trusted.
    let o = decrypt("hard");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).to_lowercase().contains("revocation"),
        "{}",
        stderr(&o)
    );
    // Content whose signature is not trusted is not written.
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(stderr(&o).contains("not written"), "{}", stderr(&o));
}
