//! Encrypted PKCS#8 keys against the OpenSSL CLI: every scheme `openssl pkcs8 -topk8` writes
//! decrypts to the key OpenSSL exports unencrypted, and OpenSSL reads what we encrypt.

mod common;

use common::openssl;
use smime::KeyError;
use smime::keys::{
    DEFAULT_MAX_ITERATIONS, ENCRYPT_ITERATIONS, decrypt_pkcs8, encrypt_pkcs8,
    encrypt_pkcs8_with_iterations, is_encrypted_pkcs8, is_legacy_encrypted_pem,
};
use smime::keys::{PrivateKey, SoftwareKey};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    dir: tempfile::TempDir,
}

/// Key files `rsa.key` (RSA 2048) and `ec.key` (P-256), unencrypted PKCS#8 PEM, and their DER
/// PrivateKeyInfo `rsa.p8` and `ec.p8` as OpenSSL exports them.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                "rsa.key",
            ],
            p,
        );
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "ec.key",
            ],
            p,
        );
        for k in ["rsa", "ec"] {
            openssl(
                &[
                    "pkcs8",
                    "-topk8",
                    "-nocrypt",
                    "-in",
                    &format!("{k}.key"),
                    "-outform",
                    "DER",
                    "-out",
                    &format!("{k}.p8"),
                ],
                p,
            );
        }
        Fixture { dir }
    })
}

fn dir() -> &'static Path {
    fixture().dir.path()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(dir().join(file)).unwrap()
}

/// `openssl pkcs8 -topk8` of key `key` (`rsa` or `ec`) with `scheme` options, PEM or DER;
/// returns the encrypted file's bytes.
fn openssl_encrypt(key: &str, scheme: &[&str], der: bool, password: &str, out: &str) -> Vec<u8> {
    let input = format!("{key}.key");
    let pass = format!("pass:{password}");
    let mut args = vec!["pkcs8", "-topk8", "-in", &input, "-passout", &pass];
    if scheme.first() == Some(&"-v1") {
        args.extend_from_slice(&["-provider", "legacy", "-provider", "default"]);
    }
    args.extend_from_slice(scheme);
    if der {
        args.extend_from_slice(&["-outform", "DER"]);
    }
    args.extend_from_slice(&["-out", out]);
    openssl(&args, dir());
    read(out)
}

/// Every scheme asked for: PBES2 with each cipher and PRF, and the PKCS#12 PBE schemes.
const SCHEMES: &[&[&str]] = &[
    &["-v2", "aes-256-cbc"],
    &["-v2", "aes-192-cbc"],
    &["-v2", "aes-128-cbc"],
    &["-v2", "des3"],
    &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"],
    &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384"],
    &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA256"],
    &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA224"],
    &["-v2", "des3", "-v2prf", "hmacWithSHA1"],
    &["-v1", "PBE-SHA1-3DES"],
    &["-v1", "PBE-SHA1-2DES"],
    &["-v1", "PBE-SHA1-RC2-128"],
    &["-v1", "PBE-SHA1-RC2-40"],
];

#[test]
fn every_openssl_scheme_decrypts_to_the_unencrypted_key() {
    let mut checked = 0;
    for key in ["rsa", "ec"] {
        let plain = read(&format!("{key}.p8"));
        for scheme in SCHEMES {
            for der in [false, true] {
                let name = format!("{key}-{}-{der}", scheme.join("_"));
                let what = format!(
                    "{key} {} {}",
                    scheme.join(" "),
                    if der { "DER" } else { "PEM" }
                );
                let encrypted = openssl_encrypt(key, scheme, der, PASSWORD, &name);
                assert_eq!(
                    encrypted.starts_with(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"),
                    !der,
                    "{what}"
                );
                assert!(is_encrypted_pkcs8(&encrypted), "{what}");
                let decrypted = decrypt_pkcs8(&encrypted, PASSWORD, DEFAULT_MAX_ITERATIONS)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(&decrypted[..], &plain[..], "{what}");
                assert_eq!(
                    decrypt_pkcs8(&encrypted, "wrong password", DEFAULT_MAX_ITERATIONS)
                        .unwrap_err(),
                    KeyError::WrongPassword,
                    "{what}"
                );
                assert_eq!(
                    decrypt_pkcs8(&encrypted, "", DEFAULT_MAX_ITERATIONS).unwrap_err(),
                    KeyError::WrongPassword,
                    "{what}"
                );
                let key = SoftwareKey::from_encrypted(&encrypted, PASSWORD, DEFAULT_MAX_ITERATIONS)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(
                    key.kind().to_string(),
                    if plain.len() > 500 {
                        "RSA-2048"
                    } else {
                        "EC P-256"
                    },
                    "{what}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * SCHEMES.len() * 2);
}

#[test]
fn non_ascii_passwords_follow_openssl() {
    // PBES2 takes the UTF-8 bytes, the PKCS#12 schemes the BMPString.
    let password = "pässwörd €";
    let plain = read("ec.p8");
    for scheme in [&["-v2", "aes-256-cbc"][..], &["-v1", "PBE-SHA1-3DES"]] {
        let name = format!("utf8-{}", scheme.join("_"));
        let encrypted = openssl_encrypt("ec", scheme, true, password, &name);
        assert_eq!(
            &decrypt_pkcs8(&encrypted, password, DEFAULT_MAX_ITERATIONS).unwrap()[..],
            &plain[..],
            "{scheme:?}"
        );
        assert_eq!(
            decrypt_pkcs8(&encrypted, "passwörd €", DEFAULT_MAX_ITERATIONS).unwrap_err(),
            KeyError::WrongPassword
        );
    }
}

#[test]
fn too_many_iterations_are_refused_before_any_work() {
    // OpenSSL itself runs the PKCS#12 derivation twice (key and IV): a smaller count there
    // keeps the test quick.
    for (scheme, iterations) in [
        (&["-v2", "aes-256-cbc"][..], 5_000_000u64),
        (&["-v1", "PBE-SHA1-3DES"], 1_500_000),
    ] {
        let mut options = scheme.to_vec();
        let count = iterations.to_string();
        options.extend_from_slice(&["-iter", &count]);
        let name = format!("iter-{}", scheme.join("_"));
        let encrypted = openssl_encrypt("ec", &options, false, PASSWORD, &name);
        let start = Instant::now();
        let err = decrypt_pkcs8(&encrypted, PASSWORD, 1_000_000).unwrap_err();
        let elapsed = start.elapsed();
        assert_eq!(
            err,
            KeyError::IterationsTooHigh {
                found: iterations,
                limit: 1_000_000
            },
            "{scheme:?}"
        );
        assert!(err.to_string().contains(&count), "{err}");
        // Five million rounds take seconds; refusing takes nothing.
        assert!(
            elapsed < Duration::from_millis(200),
            "{scheme:?}: {elapsed:?}"
        );
        // Even with a wrong password the count is what is reported: nothing was derived.
        assert!(matches!(
            decrypt_pkcs8(&encrypted, "wrong", 1_000_000),
            Err(KeyError::IterationsTooHigh { .. })
        ));
    }
    // The limit is inclusive.
    let encrypted = openssl_encrypt(
        "ec",
        &["-v2", "aes-128-cbc", "-iter", "1000"],
        true,
        PASSWORD,
        "iter-1000",
    );
    assert!(decrypt_pkcs8(&encrypted, PASSWORD, 1000).is_ok());
    assert_eq!(
        decrypt_pkcs8(&encrypted, PASSWORD, 999).unwrap_err(),
        KeyError::IterationsTooHigh {
            found: 1000,
            limit: 999
        }
    );
}

#[test]
fn openssl_reads_what_we_encrypt() {
    for key in ["rsa", "ec"] {
        let plain = read(&format!("{key}.p8"));
        // The default count once (PBKDF2 is slow in unoptimised test builds), a smaller one for
        // the other key.
        let encrypted = if key == "ec" {
            encrypt_pkcs8(&plain, PASSWORD).unwrap()
        } else {
            encrypt_pkcs8_with_iterations(&plain, PASSWORD, 2048).unwrap()
        };
        assert!(is_encrypted_pkcs8(&encrypted));
        let der_file = format!("ours-{key}.der");
        std::fs::write(dir().join(&der_file), &encrypted).unwrap();
        let back = format!("ours-{key}-back.der");
        // `-topk8 -nocrypt` writes the PrivateKeyInfo (plain `openssl pkcs8` and `openssl pkey
        // -outform DER` write PKCS#1 or SEC1).
        openssl(
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-inform",
                "DER",
                "-in",
                &der_file,
                "-passin",
                &format!("pass:{PASSWORD}"),
                "-outform",
                "DER",
                "-out",
                &back,
            ],
            dir(),
        );
        assert!(read(&back) == plain, "{key}: OpenSSL decrypted another key");

        // The scheme is the one documented.
        let parsed = openssl(&["asn1parse", "-inform", "DER", "-in", &der_file], dir());
        let text = String::from_utf8_lossy(&parsed.stdout);
        for expected in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        if key == "ec" {
            assert_eq!(ENCRYPT_ITERATIONS, 600_000);
            assert!(text.contains(":0927C0"), "600000 iterations in {text}");
        } else {
            assert!(text.contains(":0800"), "2048 iterations in {text}");
        }

        // PEM too, and OpenSSL refuses a wrong password.
        let pem = pem_rfc7468::encode_string(
            "ENCRYPTED PRIVATE KEY",
            pem_rfc7468::LineEnding::LF,
            &encrypted,
        )
        .unwrap();
        let pem_file = format!("ours-{key}.pem");
        std::fs::write(dir().join(&pem_file), &pem).unwrap();
        let from_pem = format!("ours-{key}-pem-back.der");
        openssl(
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                &pem_file,
                "-passin",
                &format!("pass:{PASSWORD}"),
                "-outform",
                "DER",
                "-out",
                &from_pem,
            ],
            dir(),
        );
        assert!(
            read(&from_pem) == plain,
            "{key} PEM: OpenSSL decrypted another key"
        );
        let wrong = Command::new("openssl")
            .args(["pkey", "-in", &pem_file, "-passin", "pass:wrong"])
            .current_dir(dir())
            .output()
            .unwrap();
        assert!(!wrong.status.success());

        if key == "rsa" {
            // And we read it back.
            assert_eq!(
                &decrypt_pkcs8(pem.as_bytes(), PASSWORD, ENCRYPT_ITERATIONS).unwrap()[..],
                &plain[..]
            );
        }
    }
    // Fresh salt and IV each time; too few iterations are refused.
    let plain = read("ec.p8");
    let a = encrypt_pkcs8_with_iterations(&plain, PASSWORD, 1000).unwrap();
    let b = encrypt_pkcs8_with_iterations(&plain, PASSWORD, 1000).unwrap();
    assert_ne!(a, b);
    assert_eq!(
        decrypt_pkcs8(&a, PASSWORD, 1000).unwrap(),
        decrypt_pkcs8(&b, PASSWORD, 1000).unwrap()
    );
    assert!(matches!(
        encrypt_pkcs8_with_iterations(&plain, PASSWORD, 999),
        Err(KeyError::Unsupported { .. })
    ));
}

#[test]
fn legacy_encrypted_pem_is_unsupported_with_a_hint() {
    openssl(
        &[
            "genrsa",
            "-aes256",
            "-traditional",
            "-passout",
            &format!("pass:{PASSWORD}"),
            "-out",
            "legacy-rsa.key",
            "2048",
        ],
        dir(),
    );
    openssl(
        &[
            "ec",
            "-in",
            "ec.key",
            "-aes256",
            "-passout",
            &format!("pass:{PASSWORD}"),
            "-out",
            "legacy-ec.key",
        ],
        dir(),
    );
    for file in ["legacy-rsa.key", "legacy-ec.key"] {
        let bytes = read(file);
        assert!(
            String::from_utf8_lossy(&bytes).contains("Proc-Type: 4,ENCRYPTED"),
            "{file}"
        );
        assert!(is_legacy_encrypted_pem(&bytes), "{file}");
        assert!(!is_encrypted_pkcs8(&bytes), "{file}");
        match decrypt_pkcs8(&bytes, PASSWORD, DEFAULT_MAX_ITERATIONS) {
            Err(KeyError::Unsupported { detail }) => {
                assert!(detail.contains("openssl pkcs8 -topk8"), "{detail}");
                assert!(detail.contains("Proc-Type"), "{detail}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[test]
fn unsupported_schemes_are_named() {
    let scrypt = openssl_encrypt("ec", &["-scrypt"], true, PASSWORD, "scrypt.der");
    assert!(is_encrypted_pkcs8(&scrypt));
    match decrypt_pkcs8(&scrypt, PASSWORD, DEFAULT_MAX_ITERATIONS) {
        Err(KeyError::Unsupported { detail }) => assert!(detail.contains("scrypt"), "{detail}"),
        other => panic!("{other:?}"),
    }
    // PBES1 with MD5 and single DES.
    let pbes1 = openssl_encrypt(
        "ec",
        &["-v1", "PBE-MD5-DES"],
        true,
        PASSWORD,
        "pbes1-md5-des.der",
    );
    assert!(matches!(
        decrypt_pkcs8(&pbes1, PASSWORD, DEFAULT_MAX_ITERATIONS),
        Err(KeyError::Unsupported { .. })
    ));
}

#[test]
fn sniffing_and_hostile_input() {
    let plain = read("ec.p8");
    let encrypted = openssl_encrypt("ec", &["-v2", "aes-256-cbc"], true, PASSWORD, "sniff.der");
    assert!(is_encrypted_pkcs8(&encrypted));
    for not_encrypted in [
        &plain[..],
        &read("ec.key"),
        &read("rsa.key"),
        b"",
        b"garbage",
        b"\x30\x00",
    ] {
        assert!(!is_encrypted_pkcs8(not_encrypted));
        assert!(!is_legacy_encrypted_pem(not_encrypted));
    }
    // An unencrypted key is not decrypted, and says so.
    match decrypt_pkcs8(&read("ec.key"), PASSWORD, DEFAULT_MAX_ITERATIONS) {
        Err(KeyError::Unrecognized { detail }) => assert!(detail.contains("not encrypted")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decrypt_pkcs8(&plain, PASSWORD, DEFAULT_MAX_ITERATIONS),
        Err(KeyError::Unrecognized { .. })
    ));
    // Every truncation is an error, never a panic and never a key.
    for len in 0..encrypted.len() {
        assert!(
            decrypt_pkcs8(&encrypted[..len], PASSWORD, DEFAULT_MAX_ITERATIONS).is_err(),
            "truncated at {len}"
        );
    }
    // A flipped ciphertext byte: wrong padding or garbage, both a wrong password.
    let mut flipped = encrypted.clone();
    let last = flipped.len() - 20;
    flipped[last] ^= 0x01;
    assert_eq!(
        decrypt_pkcs8(&flipped, PASSWORD, DEFAULT_MAX_ITERATIONS).unwrap_err(),
        KeyError::WrongPassword
    );
    // The writer refuses what is not a PrivateKeyInfo.
    assert!(matches!(
        encrypt_pkcs8(&encrypted, PASSWORD),
        Err(KeyError::Unrecognized { .. })
    ));
}

#[test]
fn error_codes_are_stable_and_distinct() {
    let errors = [
        KeyError::WrongPassword,
        KeyError::IterationsTooHigh { found: 2, limit: 1 },
        KeyError::Random { detail: "x".into() },
    ];
    let codes: Vec<u32> = errors.iter().map(KeyError::code).collect();
    assert_eq!(codes, [405, 406, 407]);
    assert_eq!(KeyError::Mismatch.code(), 402);
    assert!(
        KeyError::WrongPassword
            .to_string()
            .contains("wrong password")
    );
}
