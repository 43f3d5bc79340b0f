//! PKCS#12 files made by real tools (OpenSSL 3, NSS pk12util), read by `smime::pkcs12`, and
//! files written by `smime::pkcs12` read back by those tools.
//!
//! The tools are required: a missing `openssl`, `certutil` or `pk12util` fails the test with a
//! message saying what to install.

use smime::keys::check_key_matches;
use smime::pkcs12::{Pkcs12Error, Pkcs12Limits, parse_pkcs12, parse_pkcs12_identity, write_pkcs12};
use std::path::{Path, PathBuf};
use std::process::Command;

const PASS: &str = "s3cret pass";

fn run(dir: &Path, program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{program}` ({e}); install it (openssl: package openssl; \
                 certutil/pk12util: package libnss3-tools)"
            )
        });
    assert!(
        out.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    run(dir, "openssl", args)
}

fn pem_to_der(dir: &Path, pem: &str) -> Vec<u8> {
    openssl(dir, &["x509", "-in", pem, "-outform", "DER"])
}

/// A CA and two leaf certificates it issued (RSA-2048 and P-256), in a temporary directory.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=Test CA",
                "-days",
                "30",
            ],
        );
        for (name, newkey) in [
            ("rsa", &["-newkey", "rsa:2048"][..]),
            (
                "ec",
                &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
            ),
        ] {
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            let cert = format!("{name}.pem");
            let subj = format!("/CN=Test {name} leaf");
            let mut args = vec!["req"];
            args.extend_from_slice(newkey);
            args.extend_from_slice(&["-nodes", "-keyout", &key, "-out", &csr, "-subj", &subj]);
            openssl(d, &args);
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &cert,
                    "-days",
                    "30",
                ],
            );
        }
        Fixture { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// `openssl pkcs12 -export` of leaf `name` with the CA as chain, plus `extra` options.
    fn export(&self, name: &str, out: &str, password: &str, extra: &[&str]) -> Vec<u8> {
        let key = format!("{name}.key");
        let cert = format!("{name}.pem");
        let passout = format!("pass:{password}");
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            &cert,
            "-inkey",
            &key,
            "-certfile",
            "ca.pem",
            "-out",
            out,
            "-passout",
            &passout,
        ];
        args.extend_from_slice(extra);
        openssl(self.path(), &args);
        std::fs::read(self.file(out)).expect("read p12")
    }

    fn leaf_der(&self, name: &str) -> Vec<u8> {
        pem_to_der(self.path(), &format!("{name}.pem"))
    }

    fn ca_der(&self) -> Vec<u8> {
        pem_to_der(self.path(), "ca.pem")
    }

    fn key_pkcs8(&self, name: &str) -> Vec<u8> {
        openssl(
            self.path(),
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                &format!("{name}.key"),
                "-outform",
                "DER",
            ],
        )
    }
}

/// The identity in `p12` is leaf `name`'s key and certificate with the CA as chain.
fn assert_identity(fx: &Fixture, name: &str, p12: &[u8], password: &str) {
    let id = parse_pkcs12_identity(p12, password, &Pkcs12Limits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_is_leaf(fx, name, &id);
}

/// `id` is leaf `name`'s key and certificate with the CA as chain.
fn assert_is_leaf(fx: &Fixture, name: &str, id: &smime::Identity) {
    assert_eq!(
        *id.certificate(),
        fx.leaf_der(name),
        "{name}: wrong certificate"
    );
    let key = id.key().expect("key");
    check_key_matches(key.as_ref(), id.certificate().der()).expect("key matches certificate");
    assert_eq!(id.chain().len(), 1, "{name}: wrong chain");
    assert_eq!(id.chain()[0], fx.ca_der(), "{name}: wrong chain");
}

fn err(p12: &[u8], password: &str) -> Pkcs12Error {
    parse_pkcs12(p12, password, &Pkcs12Limits::default()).expect_err("should fail")
}

#[test]
fn openssl_default_pbes2_aes256_sha256_mac() {
    let fx = Fixture::new();
    for name in ["rsa", "ec"] {
        let p12 = fx.export(name, "default.p12", PASS, &["-name", "my friendly name"]);
        let contents = parse_pkcs12(&p12, PASS, &Pkcs12Limits::default()).unwrap();
        assert_is_leaf(&fx, name, &contents.identity().unwrap());
        assert_eq!(contents.keys.len(), 1);
        assert_eq!(contents.certificates.len(), 2);
        let leaf = contents
            .certificates
            .iter()
            .find(|c| c.certificate == fx.leaf_der(name))
            .unwrap();
        assert_eq!(leaf.friendly_name.as_deref(), Some("my friendly name"));
        assert!(leaf.local_key_id.is_some());
        assert_eq!(
            leaf.local_key_id, contents.keys[0].local_key_id,
            "localKeyId ties key and cert"
        );
        assert_eq!(err(&p12, "wrong"), Pkcs12Error::WrongPassword);
        assert_eq!(err(&p12, ""), Pkcs12Error::WrongPassword);
    }
}

#[test]
fn openssl_legacy_rc2_40_and_3des_sha1_mac() {
    let fx = Fixture::new();
    for name in ["rsa", "ec"] {
        let p12 = fx.export(name, "legacy.p12", PASS, &["-legacy"]);
        assert_identity(&fx, name, &p12, PASS);
        assert_eq!(err(&p12, "wrong"), Pkcs12Error::WrongPassword);
    }
}

#[test]
fn openssl_3des_everywhere_sha1_mac() {
    let fx = Fixture::new();
    let p12 = fx.export(
        "rsa",
        "3des.p12",
        PASS,
        &[
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ],
    );
    assert_identity(&fx, "rsa", &p12, PASS);
    assert_eq!(err(&p12, "wrong"), Pkcs12Error::WrongPassword);
}

#[test]
fn openssl_other_ciphers() {
    let fx = Fixture::new();
    let p12 = fx.export(
        "ec",
        "mixed.p12",
        PASS,
        &[
            "-legacy",
            "-keypbe",
            "aes-128-cbc",
            "-certpbe",
            "PBE-SHA1-RC2-128",
        ],
    );
    assert_identity(&fx, "ec", &p12, PASS);
    // PBES2 with 3DES-CBC and AES-192-CBC.
    let p12 = fx.export(
        "rsa",
        "pbes2-3des.p12",
        PASS,
        &["-keypbe", "des-ede3-cbc", "-certpbe", "aes-192-cbc"],
    );
    assert_identity(&fx, "rsa", &p12, PASS);
}

#[test]
fn openssl_without_mac() {
    let fx = Fixture::new();
    let p12 = fx.export("rsa", "nomac.p12", PASS, &["-nomac"]);
    assert_identity(&fx, "rsa", &p12, PASS);
    // Without a MAC the wrong password shows as a failed decryption, reported the same way.
    assert_eq!(err(&p12, "wrong"), Pkcs12Error::WrongPassword);

    let legacy = fx.export("ec", "nomac-legacy.p12", PASS, &["-nomac", "-legacy"]);
    assert_identity(&fx, "ec", &legacy, PASS);
    assert_eq!(err(&legacy, "wrong"), Pkcs12Error::WrongPassword);
}

#[test]
fn openssl_unencrypted_key_bag() {
    let fx = Fixture::new();
    let p12 = fx.export(
        "ec",
        "plain.p12",
        PASS,
        &["-keypbe", "NONE", "-certpbe", "NONE"],
    );
    assert_identity(&fx, "ec", &p12, PASS);
    assert_eq!(err(&p12, "wrong"), Pkcs12Error::WrongPassword);
    let nomac = fx.export(
        "rsa",
        "plain-nomac.p12",
        PASS,
        &["-keypbe", "NONE", "-certpbe", "NONE", "-nomac"],
    );
    assert_identity(&fx, "rsa", &nomac, "any password at all");
}

#[test]
fn openssl_non_ascii_and_empty_passwords() {
    let fx = Fixture::new();
    let pw = "pässwörd ✓";
    let p12 = fx.export("rsa", "utf8.p12", pw, &[]);
    assert_identity(&fx, "rsa", &p12, pw);
    let p12 = fx.export("rsa", "utf8-legacy.p12", pw, &["-legacy"]);
    assert_identity(&fx, "rsa", &p12, pw);
    let p12 = fx.export("ec", "empty.p12", "", &[]);
    assert_identity(&fx, "ec", &p12, "");
    let p12 = fx.export("ec", "empty-legacy.p12", "", &["-legacy"]);
    assert_identity(&fx, "ec", &p12, "");
    assert_eq!(err(&p12, "x"), Pkcs12Error::WrongPassword);
}

/// Item 18, first clause: a huge iteration count is refused quickly, before any derivation.
#[test]
fn attack_bar_18_too_many_iterations_are_refused_before_the_work() {
    let fx = Fixture::new();
    let p12 = fx.export("ec", "iter.p12", PASS, &["-iter", "2000000"]);
    let start = std::time::Instant::now();
    match err(&p12, PASS) {
        Pkcs12Error::TooManyIterations { found, limit } => {
            assert_eq!(found, 2_000_000);
            assert_eq!(limit, 1_000_000);
        }
        other => panic!("expected TooManyIterations, got {other}"),
    }
    assert!(start.elapsed().as_secs() < 5);
    // A caller may raise the limit; a lower one refuses ordinary files.
    let ordinary = fx.export("ec", "ordinary.p12", PASS, &[]);
    let strict = Pkcs12Limits {
        max_iterations: 100,
        ..Pkcs12Limits::default()
    };
    assert!(matches!(
        parse_pkcs12(&ordinary, PASS, &strict),
        Err(Pkcs12Error::TooManyIterations {
            found: 2048,
            limit: 100
        })
    ));
    let total = Pkcs12Limits {
        max_total_iterations: 3000,
        ..Pkcs12Limits::default()
    };
    assert!(matches!(
        parse_pkcs12(&ordinary, PASS, &total),
        Err(Pkcs12Error::TooManyIterations { limit: 3000, .. })
    ));
}

#[test]
fn size_and_bag_limits() {
    let fx = Fixture::new();
    let p12 = fx.export("ec", "limits.p12", PASS, &[]);
    let small = Pkcs12Limits {
        max_size: 100,
        ..Pkcs12Limits::default()
    };
    assert_eq!(
        parse_pkcs12(&p12, PASS, &small).unwrap_err(),
        Pkcs12Error::TooLarge { limit: 100 }
    );
    let few = Pkcs12Limits {
        max_bags: 2,
        ..Pkcs12Limits::default()
    };
    assert_eq!(
        parse_pkcs12(&p12, PASS, &few).unwrap_err(),
        Pkcs12Error::TooManyBags { limit: 2 }
    );
}

/// Item 18: damaged files are typed errors, never a panic.
#[test]
fn attack_bar_18_damaged_files_are_typed_errors() {
    let fx = Fixture::new();
    let limits = Pkcs12Limits::default();
    let check = |input: &[u8], password: &str| {
        if let Err(e) = parse_pkcs12(input, password, &limits) {
            // A PKCS#12 code, or (for a damaged key or certificate inside, wrapped in
            // Pkcs12Error::Key) the key or parse error's own code.
            use smime::error::codes::Area;
            assert!(
                matches!(
                    Area::of(e.code()),
                    Some(Area::Pkcs12 | Area::Key | Area::Parse)
                ),
                "{e}: {}",
                e.code()
            );
            assert!(!e.to_string().is_empty());
        }
    };
    assert_eq!(err(&[], PASS), Pkcs12Error::Empty);
    for (file, extra) in [
        ("d-default.p12", &[][..]),
        ("d-legacy.p12", &["-legacy"][..]),
        ("d-nomac.p12", &["-nomac", "-legacy"][..]),
    ] {
        let p12 = fx.export("ec", file, PASS, extra);
        // Truncated.
        for len in (0..p12.len()).step_by(7) {
            let e = err(&p12[..len], PASS);
            assert!(
                matches!(e, Pkcs12Error::Malformed { .. } | Pkcs12Error::Empty),
                "truncated to {len}: {e}"
            );
        }
        // One byte flipped.
        for pos in (0..p12.len()).step_by(53) {
            let mut damaged = p12.clone();
            damaged[pos] ^= 0x41;
            check(&damaged, PASS);
        }
        // Trailing garbage.
        let mut longer = p12.clone();
        longer.extend_from_slice(b"garbage");
        assert!(matches!(err(&longer, PASS), Pkcs12Error::Malformed { .. }));
    }
    // Garbage and near-misses.
    let mut state = 0x1234_5678_u32;
    for len in [1usize, 2, 10, 100, 1000, 5000] {
        let garbage: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        check(&garbage, PASS);
        let mut seq = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
        seq.extend_from_slice(&garbage);
        check(&seq, PASS);
    }
    // PEM is refused with a clear message.
    let pem = b"-----BEGIN PKCS12-----\nMIIB\n-----END PKCS12-----\n";
    match err(pem, PASS) {
        Pkcs12Error::Malformed { detail } => assert!(detail.contains("PEM"), "{detail}"),
        other => panic!("{other}"),
    }
    // A PKCS#8 key or a certificate is not a PKCS#12 file.
    check(&fx.key_pkcs8("ec"), PASS);
    check(&fx.leaf_der("ec"), PASS);
}

#[test]
fn no_key_and_no_matching_certificate() {
    let fx = Fixture::new();
    openssl(
        fx.path(),
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "rsa.pem",
            "-out",
            "nokey.p12",
            "-passout",
            &format!("pass:{PASS}"),
        ],
    );
    let p12 = std::fs::read(fx.file("nokey.p12")).unwrap();
    let contents = parse_pkcs12(&p12, PASS, &Pkcs12Limits::default()).unwrap();
    assert!(contents.keys.is_empty());
    assert_eq!(contents.certificates.len(), 1);
    assert_eq!(
        parse_pkcs12_identity(&p12, PASS, &Pkcs12Limits::default()).unwrap_err(),
        Pkcs12Error::NoKey
    );
    // The EC key with only the RSA certificate (and the CA).
    openssl(
        fx.path(),
        &[
            "pkcs12",
            "-export",
            "-nocerts",
            "-inkey",
            "ec.key",
            "-out",
            "keyonly.p12",
            "-passout",
            &format!("pass:{PASS}"),
        ],
    );
    let p12 = std::fs::read(fx.file("keyonly.p12")).unwrap();
    assert_eq!(
        parse_pkcs12_identity(&p12, PASS, &Pkcs12Limits::default()).unwrap_err(),
        Pkcs12Error::NoCertificateForKey
    );
}

fn nss_db(fx: &Fixture, name: &str) -> String {
    let db = fx.file(name);
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    run(
        fx.path(),
        "certutil",
        &["-N", "-d", &db, "--empty-password"],
    );
    db
}

#[test]
fn nss_pk12util_export() {
    let fx = Fixture::new();
    for name in ["rsa", "ec"] {
        let nick = format!("nss {name} nick");
        fx.export(name, &format!("to-nss-{name}.p12"), PASS, &["-name", &nick]);
        let db = nss_db(&fx, &format!("db-{name}"));
        let input = format!("to-nss-{name}.p12");
        run(
            fx.path(),
            "pk12util",
            &["-i", &input, "-d", &db, "-W", PASS],
        );
        // NSS's defaults (PBES2, AES-256, SHA-256 MAC, 600 000 iterations in NSS 3.87).
        let out = format!("from-nss-{name}.p12");
        run(
            fx.path(),
            "pk12util",
            &["-o", &out, "-n", &nick, "-d", &db, "-W", "pass two"],
        );
        let p12 = std::fs::read(fx.file(&out)).unwrap();
        let contents = parse_pkcs12(&p12, "pass two", &Pkcs12Limits::default()).unwrap();
        assert_is_leaf(&fx, name, &contents.identity().unwrap());
        assert!(
            contents
                .certificates
                .iter()
                .any(|c| c.friendly_name.as_deref() == Some(nick.as_str())),
            "friendlyName is the NSS nickname"
        );
    }
}

#[test]
fn nss_pk12util_legacy_export() {
    let fx = Fixture::new();
    fx.export("rsa", "to-nss.p12", PASS, &["-name", "legacy nick"]);
    let db = nss_db(&fx, "db");
    run(
        fx.path(),
        "pk12util",
        &["-i", "to-nss.p12", "-d", &db, "-W", PASS],
    );
    run(
        fx.path(),
        "pk12util",
        &[
            "-o",
            "nss-legacy.p12",
            "-n",
            "legacy nick",
            "-d",
            &db,
            "-W",
            PASS,
            "-c",
            "PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC",
            "-C",
            "PKCS #12 V2 PBE With SHA-1 And 40 Bit RC2 CBC",
            "-M",
            "SHA-1",
        ],
    );
    let p12 = std::fs::read(fx.file("nss-legacy.p12")).unwrap();
    assert_identity(&fx, "rsa", &p12, PASS);
}

#[test]
fn written_file_is_read_by_openssl_nss_and_ourselves() {
    let fx = Fixture::new();
    for name in ["rsa", "ec"] {
        let key = fx.key_pkcs8(name);
        let leaf = fx.leaf_der(name);
        let ca = fx.ca_der();
        let p12 = write_pkcs12(
            &key,
            &smime::Certificate::from_der(&leaf).unwrap(),
            &[smime::Certificate::from_der(&ca).unwrap()],
            PASS,
            Some("written"),
        )
        .unwrap();
        let out = format!("written-{name}.p12");
        std::fs::write(fx.file(&out), &p12).unwrap();

        // OpenSSL.
        let text = openssl(
            fx.path(),
            &[
                "pkcs12",
                "-in",
                &out,
                "-passin",
                &format!("pass:{PASS}"),
                "-nodes",
            ],
        );
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains("-----BEGIN PRIVATE KEY-----"), "{text}");
        assert_eq!(
            text.matches("-----BEGIN CERTIFICATE-----").count(),
            2,
            "{text}"
        );
        assert!(text.contains("friendlyName: written"), "{text}");
        assert!(text.contains("localKeyID"), "{text}");
        // The key OpenSSL extracted is ours.
        std::fs::write(fx.file("extracted.pem"), text.as_bytes()).unwrap();
        let extracted = openssl(
            fx.path(),
            &["pkey", "-in", "extracted.pem", "-outform", "DER"],
        );
        let ours = openssl(
            fx.path(),
            &["pkey", "-in", &format!("{name}.key"), "-outform", "DER"],
        );
        assert_eq!(extracted, ours);
        // A wrong password is refused by OpenSSL too.
        let status = Command::new("openssl")
            .args(["pkcs12", "-in", &out, "-passin", "pass:wrong", "-nodes"])
            .current_dir(fx.path())
            .output()
            .unwrap();
        assert!(!status.status.success());

        // Ourselves.
        let id = parse_pkcs12_identity(&p12, PASS, &Pkcs12Limits::default()).unwrap();
        assert_is_leaf(&fx, name, &id);
        let contents = parse_pkcs12(&p12, PASS, &Pkcs12Limits::default()).unwrap();
        assert_eq!(&contents.keys[0].pkcs8[..], &key[..]);
        assert_eq!(err(&p12, "wrong"), Pkcs12Error::WrongPassword);

        // NSS.
        let db = nss_db(&fx, &format!("db-{name}"));
        run(fx.path(), "pk12util", &["-i", &out, "-d", &db, "-W", PASS]);
        let listed = run(fx.path(), "certutil", &["-L", "-d", &db]);
        assert!(String::from_utf8_lossy(&listed).contains("written"));
    }
}

#[test]
fn writer_refuses_a_key_that_does_not_match() {
    let fx = Fixture::new();
    let rsa = smime::Certificate::from_der(&fx.leaf_der("rsa")).unwrap();
    let e = write_pkcs12(&fx.key_pkcs8("ec"), &rsa, &[], PASS, None).unwrap_err();
    assert_eq!(e, Pkcs12Error::Key(smime::KeyError::Mismatch));
    let e = write_pkcs12(b"not a key", &rsa, &[], PASS, None).unwrap_err();
    assert!(matches!(e, Pkcs12Error::Key(_)));
}

/// Item 18, second clause: a wrong password never panics, whatever it is (empty, one
/// character off, very long, NUL and non-ASCII characters) and whatever the file's schemes
/// (PBES2 with AES and an HMAC-SHA-256 MAC, the legacy RC2/3DES with a SHA-1 MAC, no MAC):
/// always `WrongPassword`.
#[test]
fn attack_bar_18_wrong_passwords_never_panic() {
    let fx = Fixture::new();
    let long = "x".repeat(10_000);
    let passwords = [
        "",
        "s3cret pasS",
        "s3cret pass ",
        "\0",
        "s3cret\0pass",
        "пароль 密码 🔑",
        long.as_str(),
    ];
    let files = [
        fx.export("ec", "w-default.p12", PASS, &[]),
        fx.export("rsa", "w-legacy.p12", PASS, &["-legacy"]),
        fx.export("ec", "w-nomac.p12", PASS, &["-nomac"]),
    ];
    for (i, p12) in files.iter().enumerate() {
        for password in passwords {
            let r =
                std::panic::catch_unwind(|| parse_pkcs12(p12, password, &Pkcs12Limits::default()))
                    .unwrap_or_else(|_| panic!("file {i}: a wrong password panicked"));
            assert_eq!(
                r.err(),
                Some(Pkcs12Error::WrongPassword),
                "file {i}, password of {} bytes",
                password.len()
            );
        }
    }
}
