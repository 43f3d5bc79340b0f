//! `smime verify` and `smime decrypt` on nested messages: every layer printed, the exit code
//! following the layer that vouches for the content shown.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{Cert, LeafSpec, TestPki, openssl};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use support::*;

struct Fixture {
    pki: TestPki,
    alice: Cert,
    bob: Cert,
    gateway: Cert,
}

const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: layers\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nHello in layers.\r\n";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice = pki.leaf("alice", &LeafSpec::default());
        let bob = pki.leaf(
            "bob",
            &LeafSpec {
                emails: &["bob@example.com"],
                ..LeafSpec::default()
            },
        );
        let gateway = pki.leaf(
            "gateway",
            &LeafSpec {
                emails: &["gateway@example.com"],
                ..LeafSpec::default()
            },
        );
        std::fs::write(pki.path("message.eml"), MESSAGE).expect("write message");
        Fixture {
            pki,
            alice,
            bob,
            gateway,
        }
    })
}

/// `smime sign` of `input` by `cert` into the PKI directory as `out`.
fn sign(input: &Path, cert: &Cert, opaque: bool, out: &str) -> PathBuf {
    let f = fixture();
    let path = f.pki.path(out);
    let (c, k, chain, i, o) = (
        s(&cert.cert_path),
        s(&cert.key_path),
        s(&f.pki.chain_path()),
        s(input),
        s(&path),
    );
    let mut args = vec!["sign", "--cert", &c, "--key", &k, "--chain", &chain];
    if opaque {
        args.push("--opaque");
    }
    args.extend([i.as_str(), "-o", &o]);
    let r = smime(&args);
    assert_eq!(r.status.code(), Some(0), "sign: {}", stderr(&r));
    path
}

fn verify(path: &Path) -> Output {
    smime(&[
        "verify",
        "--trust",
        &s(&fixture().pki.root_path()),
        &s(path),
    ])
}

fn decrypt(path: &Path, key: &Cert) -> Output {
    let f = fixture();
    smime(&[
        "decrypt",
        "--cert",
        &s(&key.cert_path),
        "--key",
        &s(&key.key_path),
        "--trust",
        &s(&f.pki.root_path()),
        &s(path),
        "-o",
        &s(&f.pki.path("decrypted.out")),
    ])
}

#[test]
fn verify_prints_every_layer_and_follows_the_inner_one() {
    let f = fixture();
    let msg = f.pki.path("message.eml");
    // Both layers by alice: trusted, both printed.
    let inner = sign(&msg, &f.alice, false, "inner-alice.eml");
    let both = sign(&inner, &f.alice, true, "both-alice.eml");
    let o = verify(&both);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("layer 1 of 2 (outermost): trusted"), "{out}");
    assert!(out.contains("layer 2 of 2 (innermost): trusted"), "{out}");
    assert_eq!(out.matches("signer 1: passed").count(), 2, "{out}");

    // A gateway (not the sender) signs around alice's signature: reported, still trusted.
    let gw = sign(&inner, &f.gateway, false, "gateway-around-alice.eml");
    let o = verify(&gw);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.starts_with("verdict: trusted"), "{out}");
    assert!(
        out.contains("layer 1 of 2 (outermost): not trusted: the certificate does not belong"),
        "{out}"
    );

    // The same outer layer written by OpenSSL, as an opaque signature.
    openssl(
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-in",
            &s(&inner),
            "-out",
            "openssl-around-alice.eml",
            "-from",
            "alice@example.com",
            "-subject",
            "layers",
            "-signer",
            &s(&f.gateway.cert_path),
            "-inkey",
            &s(&f.gateway.key_path),
            "-certfile",
            &s(&f.pki.chain_path()),
        ],
        f.pki.dir.path(),
    );
    let o = verify(&f.pki.path("openssl-around-alice.eml"));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("layer 2 of 2 (innermost): trusted"), "{out}");

    // Bob signed the content, alice only around it: the content is not the sender's.
    let bob_inner = sign(&msg, &f.bob, true, "inner-bob.eml");
    let alice_outer = sign(&bob_inner, &f.alice, false, "alice-around-bob.eml");
    let o = verify(&alice_outer);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.starts_with("verdict: not trusted: the certificate does not belong"),
        "{out}"
    );
    assert!(out.contains("layer 1 of 2 (outermost): trusted"), "{out}");

    // JSON lists the layers too.
    let o = smime(&[
        "verify",
        "--json",
        "--trust",
        &s(&f.pki.root_path()),
        &s(&alice_outer),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["verdict"], "address_mismatch");
    assert_eq!(v["layers"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["layers"][0]["verdict"], "trusted");
    assert_eq!(v["layers"][1]["verdict"], "address_mismatch");
}

#[test]
fn decrypt_reports_a_signature_over_ciphertext_and_does_not_count_it() {
    let f = fixture();
    let msg = f.pki.path("message.eml");
    let encrypted = f.pki.path("ets-encrypted.eml");
    let r = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--no-self",
        &s(&msg),
        "-o",
        &s(&encrypted),
    ]);
    assert_eq!(r.status.code(), Some(0), "encrypt: {}", stderr(&r));
    // Encrypt-then-sign by alice: decrypted, the content reads as not signed.
    let ets = sign(&encrypted, &f.alice, false, "ets-signed.eml");
    let o = verify(&ets);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).starts_with("verdict: encrypted"),
        "{}",
        stdout(&o)
    );
    let o = decrypt(&ets, &f.bob);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("layer 1 of 2: signed\nverdict: the signature covers only the encrypted form"),
        "{err}"
    );
    assert!(err.contains("covering the encrypted form only"), "{err}");
    assert!(err.contains("layer 2 of 2: encrypted with"), "{err}");
    assert!(err.contains("content: not signed"), "{err}");
    let shown = std::fs::read(f.pki.path("decrypted.out")).expect("read");
    assert!(shown.ends_with(b"Hello in layers.\r\n"));

    // Signed by bob inside, then encrypted, then signed by alice outside: the content is
    // bob's, not the sender's, whatever the outer signature says.
    let bob_inner = sign(&msg, &f.bob, true, "triple-inner.eml");
    let encrypted = f.pki.path("triple-encrypted.eml");
    let r = smime(&[
        "encrypt",
        "--to",
        &s(&f.bob.cert_path),
        "--no-self",
        &s(&bob_inner),
        "-o",
        &s(&encrypted),
    ]);
    assert_eq!(r.status.code(), Some(0), "encrypt: {}", stderr(&r));
    let triple = sign(&encrypted, &f.alice, true, "triple.eml");
    let o = decrypt(&triple, &f.bob);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("layer 3 of 3: signed\nverdict: not trusted: the certificate does not belong"),
        "{err}"
    );
    assert!(
        err.contains("content: not trusted: the certificate does not belong"),
        "{err}"
    );
}
