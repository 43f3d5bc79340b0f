//! The `smime` command with the algorithms of S/MIME 4.0 and post-quantum CMS: Bouncy Castle's
//! ML-KEM messages (the IETF hackathon artifacts under tests/data/pqc) decrypt with their key
//! files and `inspect` names their KEMRecipientInfo; a message OpenSSL encrypted with
//! RSA-OAEP, a label and a separate MGF1 hash decrypts (it used to be refused as
//! unsupported input, exit 2).

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{LeafSpec, TestPki, openssl};
use std::path::{Path, PathBuf};
use support::*;

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/pqc/bc")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn bouncy_castle_ml_kem_messages_decrypt_and_inspect() {
    let dir = artifacts();
    let expected = std::fs::read(dir.join("expected_plaintext.txt")).expect("plaintext");
    for stem in [
        "ml-kem-512-2.16.840.1.101.3.4.4.1",
        "ml-kem-768-2.16.840.1.101.3.4.4.2",
        "ml-kem-1024-2.16.840.1.101.3.4.4.3",
    ] {
        let cert = s(&dir.join(format!("{stem}_ee.der")));
        let key = s(&dir.join(format!("{stem}_priv.der")));
        for kind in ["kemri", "kemri_auth"] {
            for suffix in ["", "_ukm"] {
                let name = format!("{stem}_{kind}_id-alg-hkdf-with-sha256{suffix}.der");
                let input = s(&dir.join(&name));
                let o = smime(&["decrypt", "--cert", &cert, "--key", &key, &input]);
                assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
                assert_eq!(o.stdout, expected, "{name}");

                let o = smime(&["inspect", &input]);
                assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
                let text = stdout(&o);
                let level = &stem[..stem.find("-2.16").expect("level")].to_uppercase();
                assert!(
                    text.contains(&format!("KEM {level}, HKDF-SHA-256")),
                    "{name}: {text}"
                );
                assert_eq!(
                    text.contains("with ukm"),
                    suffix == "_ukm",
                    "{name}: {text}"
                );
            }
        }
    }
    // Another level's key: decryption fails (exit 1), nothing is written.
    let other = "ml-kem-512-2.16.840.1.101.3.4.4.1";
    let input =
        s(&dir.join("ml-kem-768-2.16.840.1.101.3.4.4.2_kemri_auth_id-alg-hkdf-with-sha256.der"));
    let o = smime(&[
        "decrypt",
        "--cert",
        &s(&dir.join(format!("{other}_ee.der"))),
        "--key",
        &s(&dir.join(format!("{other}_priv.der"))),
        &input,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn openssl_oaep_with_a_label_and_mgf1_sha1_decrypts() {
    let pki = TestPki::new();
    let bob = pki.leaf(
        "bob",
        &LeafSpec {
            emails: &["bob@example.com"],
            ..LeafSpec::default()
        },
    );
    let message = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: oaep\r\n\
Content-Type: text/plain\r\n\r\nlabelled OAEP\r\n";
    std::fs::write(pki.path("oaep.txt"), message).expect("write");
    let cert = s(&bob.cert_path);
    openssl(
        &[
            "cms",
            "-encrypt",
            "-in",
            "oaep.txt",
            "-aes-256-cbc",
            "-recip",
            &cert,
            "-keyopt",
            "rsa_padding_mode:oaep",
            "-keyopt",
            "rsa_oaep_md:sha256",
            "-keyopt",
            "rsa_mgf1_md:sha1",
            "-keyopt",
            "rsa_oaep_label:736d696d65",
            "-out",
            "oaep.eml",
        ],
        pki.dir.path(),
    );
    let o = smime(&[
        "decrypt",
        "--cert",
        &cert,
        "--key",
        &s(&bob.key_path),
        &s(&pki.path("oaep.eml")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("labelled OAEP"), "{}", stdout(&o));
}
