//! Replays the seeds and regression inputs of the targets the root package cannot build (the
//! C ABI target and the structure-aware one) through their bodies; the other targets are
//! replayed by the root package's tests/fuzz_regressions.rs. Run with
//! `cargo test --manifest-path fuzz/Cargo.toml`.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(dir.join(kind).join(target)) else {
            continue;
        };
        for e in entries {
            let path = e.expect("entry").path();
            let data = std::fs::read(&path).expect("read input");
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
            n += 1;
        }
    }
    n
}

/// Every C ABI seed and regression input returns, and none hits a caught panic.
#[test]
fn ffi_inputs_return_without_panic() {
    assert!(
        replay("ffi", smime_fuzz::ffi::ffi) > 0,
        "the ffi target has seeds"
    );
}

/// Every structured regression input (and seed, if any) builds and returns without a panic;
/// and a fixed description of every kind builds a message the library parses.
#[test]
fn structured_inputs_return_without_panic() {
    replay("structured", smime_fuzz::structured::run_bytes);
    for bytes in [&[0u8; 64][..], &[1; 300], &[2; 300], &[0xff; 512]] {
        smime_fuzz::structured::run_bytes(bytes);
    }
}

/// Every body's target name is a cargo-fuzz target of this crate.
#[test]
fn every_body_is_a_target() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("manifest");
    for (name, _) in smime_fuzz::bodies::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name} has no [[bin]] in fuzz/Cargo.toml"
        );
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&src).expect("target source");
        assert!(
            text.contains(&format!("bodies::{name}(")),
            "{} calls its body",
            src.display()
        );
    }
}

mod built {
    use smime_fuzz::bodies::FIXED;
    use smime_fuzz::structured::*;

    fn signed(who: Who, from: &str, signature: Option<Vec<u8>>) -> Signed {
        // RFC 8419: an Ed25519 signer with signed attributes digests with SHA-512.
        let digest = || {
            if matches!(who, Who::Carol) {
                Digest::Sha512
            } else {
                Digest::Sha256
            }
        };
        Signed {
            version: 1,
            digest_algorithms: vec![digest()],
            content: Content::Entity {
                from: from.into(),
                body: b"Hello from the structured target.\r\n".to_vec(),
            },
            other_content_type: false,
            detached: false,
            certificates: vec![Cert::Fixture(who as u8), Cert::Fixture(4)],
            crl: false,
            signers: vec![Signer {
                who,
                by_ski: false,
                digest: digest(),
                attributes: Some(vec![
                    Attribute::ContentType(true),
                    Attribute::MessageDigest(None),
                    Attribute::SigningTime(1_750_000_000),
                ]),
                algorithm: SignatureAlgorithm::Natural,
                signature,
                unsigned: None,
            }],
        }
    }

    fn encrypted(flip: Option<u16>) -> Encrypted {
        Encrypted {
            content: Inner::Content(Content::Entity {
                from: "alice".into(),
                body: b"secret body\r\n".to_vec(),
            }),
            aes256: true,
            iv: vec![7; 12],
            icv_len: None,
            auth_attributes: None,
            recipients: vec![
                Recipient::Foreign(0),
                Recipient::Alice {
                    oaep: false,
                    wrong: None,
                },
            ],
            flip,
        }
    }

    /// A well-formed description builds a SignedData whose real signature verifies and
    /// whose chain is trusted: the builder produces what the library accepts, so mutations
    /// start from messages that get past the parsers. The same with wrong signature bytes is
    /// an invalid signature, not a parse error.
    #[test]
    fn a_valid_description_builds_a_trusted_signed_message() {
        for (who, from) in [
            (Who::Alice, "alice"),
            (Who::Bob, "bob"),
            (Who::Carol, "carol"),
        ] {
            for framing in [Framing::Der, Framing::Mime, Framing::Pem] {
                let cms = Cms {
                    message: Message::Signed(signed(who, from, None)),
                    framing,
                    mutations: vec![],
                };
                let report = smime::verify(&build(&cms), &FIXED.verify).expect("verifies");
                assert_eq!(
                    report.verdict(),
                    smime::Verdict::Trusted,
                    "{who:?} {framing:?}"
                );
            }
            let cms = Cms {
                message: Message::Signed(signed(who, from, Some(vec![1; 64]))),
                framing: Framing::Der,
                mutations: vec![],
            };
            let report = smime::verify(&build(&cms), &FIXED.verify).expect("parses");
            assert!(report.signers[0].signature.failed(), "{who:?}");
        }
    }

    /// A well-formed AuthEnvelopedData decrypts to its content with Alice's key past a
    /// foreign recipient entry; a flipped ciphertext bit gives an error and no content.
    #[test]
    fn a_valid_description_builds_a_decryptable_message() {
        for (message, integrity) in [
            (Message::AuthEnveloped(encrypted(None)), true),
            (
                Message::Enveloped(Encrypted {
                    iv: vec![9; 16],
                    ..encrypted(None)
                }),
                false,
            ),
        ] {
            let cms = Cms {
                message,
                framing: Framing::Mime,
                mutations: vec![],
            };
            let out = smime::decrypt(&build(&cms), &FIXED.keys, &FIXED.policy).expect("decrypts");
            assert!(out.content.ends_with(b"secret body\r\n"));
            assert_eq!(out.integrity_protected, integrity);
        }
        let cms = Cms {
            message: Message::AuthEnveloped(encrypted(Some(3))),
            framing: Framing::Der,
            mutations: vec![],
        };
        assert!(smime::decrypt(&build(&cms), &FIXED.keys, &FIXED.policy).is_err());
    }
}
