//! The C programs under `ffi/tests/c/` against the static library: each is compiled with
//! `-std=c11 -Wall -Wextra -Werror -pedantic`, linked with `libsmime_ffi.a` (and libcrypto,
//! which plays the platform keystore in the callback-key tests) and run with the fixture
//! directory as its only argument; it exits 0 when every check passed. `c_test(name)` runs
//! each program three ways: plain; built by gcc with AddressSanitizer (leak detection on) and
//! UBSan, any report fatal; and under valgrind (`--leak-check=full`, a leak definitely lost or
//! any memory error fails). clang checks each program too. The Rust standard library inside
//! the static library needs no suppression: what it allocates once stays reachable.
//!
//! Also here: the header as C++17 (`ffi/tests/cpp/header.cpp`), the module map compiled for
//! iOS with an Objective-C importer (`ffi/tests/objc/import.m`), the README's C example
//! (`examples/c/round_trip.c`), and a program with deliberate faults showing that the
//! sanitizers and valgrind catch them.
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
//! - `frank.pem`, `frank.key` (Ed25519, frank@example.com, signing) and `grace.pem`,
//!   `grace.key` (X25519, grace@example.com, key agreement): held by the C program too;
//! - `certs-only.p7b`: a PKCS#7 certs-only blob (DER) of carol and the intermediate, as a
//!   directory's `userSMIMECertificate`.
//!
//! A C program writes what it wants a peer to check into the directory; `openssl` is on the
//! PATH for it.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
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
        leaf(
            "frank",
            "frank@example.com",
            KeyKind::Ed25519,
            "digitalSignature,nonRepudiation",
        );
        leaf(
            "grace",
            "grace@example.com",
            KeyKind::X25519,
            "keyAgreement",
        );
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

/// How a C program is built and run: each program runs all three ways.
#[derive(Clone, Copy, Debug)]
enum Variant {
    /// Compiled with `cc`, run as is.
    Plain,
    /// Compiled with gcc's AddressSanitizer (leak detection on) and UBSan; any report is fatal.
    Sanitized,
    /// The plain program under valgrind: no error, no leak definitely lost.
    Valgrind,
}

const C_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"];
/// What a program needs beside the static library: the README's link flags.
const LINK: &[&str] = &["-lpthread", "-ldl", "-lm"];
const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];
/// An exit status no C program uses, so a valgrind finding is told apart from a failed check.
const VALGRIND_ERROR: i32 = 99;

fn static_library() -> PathBuf {
    let lib = library_dir().join("libsmime_ffi.a");
    assert!(lib.exists(), "{} is built with the tests", lib.display());
    lib
}

/// Compiles and links `source` with `compiler` and `flags`; returns the program. The test
/// programs also link libcrypto (the keystore of the callback keys); the examples link only
/// what the README says.
fn build(compiler: &str, flags: &[&str], source: &Path, program: &Path) -> PathBuf {
    let libcrypto: &[&str] = if source.starts_with(repo().join("examples")) {
        &[]
    } else {
        &["-lcrypto"]
    };
    let output = Command::new(compiler)
        .args(flags)
        .arg("-I")
        .arg(repo().join("include"))
        .arg("-I")
        .arg(repo().join("ffi/tests/c"))
        .arg(source)
        .arg(static_library())
        .args(LINK)
        .args(libcrypto)
        .arg("-o")
        .arg(program)
        .output()
        .unwrap_or_else(|e| panic!("run {compiler}: {e}"));
    assert!(
        output.status.success(),
        "{} does not compile with {compiler} {flags:?}:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    program.to_path_buf()
}

/// Checks `source` with clang (the same warnings, as errors) without building it.
fn clang_syntax_check(source: &Path) {
    let output = Command::new("clang")
        .args(C_FLAGS)
        .arg("-fsyntax-only")
        .arg("-I")
        .arg(repo().join("include"))
        .arg("-I")
        .arg(repo().join("ffi/tests/c"))
        .arg(source)
        .output()
        .expect("run clang");
    assert!(
        output.status.success(),
        "{} does not compile with clang:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `program` (optionally under `wrapper`) with the fixture directory and `args`.
fn execute(program: &Path, wrapper: &[&str], env: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = fixtures().pki.dir.path();
    let mut cmd = if wrapper.is_empty() {
        Command::new(program)
    } else {
        let mut c = Command::new(wrapper[0]);
        c.args(&wrapper[1..]).arg(program);
        c
    };
    cmd.envs(env.iter().copied())
        .arg(dir)
        .args(args)
        .output()
        .expect("run the C program")
}

/// Asserts that `output` is a success.
fn assert_success(label: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{label} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

const ASAN_OPTIONS: &str = "detect_leaks=1:halt_on_error=1:abort_on_error=0";
const UBSAN_OPTIONS: &str = "halt_on_error=1:print_stacktrace=1";
const VALGRIND: &[&str] = &[
    "valgrind",
    "-q",
    "--leak-check=full",
    "--errors-for-leak-kinds=definite",
    "--show-leak-kinds=definite",
];

/// Builds `source` for `variant` into `out` (the plain build serves valgrind too).
fn build_variant(source: &Path, variant: Variant, out: &Path) -> PathBuf {
    let name = source.file_stem().and_then(|s| s.to_str()).expect("name");
    match variant {
        Variant::Plain | Variant::Valgrind => {
            let program = out.join(name);
            if program.exists() {
                program
            } else {
                build("cc", C_FLAGS, source, &program)
            }
        }
        Variant::Sanitized => {
            let flags = [C_FLAGS, SANITIZE].concat();
            build("gcc", &flags, source, &out.join(format!("{name}-san")))
        }
    }
}

/// Runs a program built for `variant`, with `args` after the fixture directory.
fn execute_variant(program: &Path, variant: Variant, args: &[&str]) -> Output {
    match variant {
        Variant::Plain => execute(program, &[], &[], args),
        Variant::Sanitized => {
            let env = [
                ("ASAN_OPTIONS", ASAN_OPTIONS),
                ("UBSAN_OPTIONS", UBSAN_OPTIONS),
            ];
            execute(program, &[], &env, args)
        }
        Variant::Valgrind => {
            let error_exit = format!("--error-exitcode={VALGRIND_ERROR}");
            let mut wrapper = VALGRIND.to_vec();
            wrapper.push(&error_exit);
            execute(program, &wrapper, &[], args)
        }
    }
}

/// Compiles `ffi/tests/c/<name>.c` and runs it plain, with ASan + UBSan and under valgrind;
/// clang checks it too.
fn c_test(name: &str) {
    c_program(&repo().join(format!("ffi/tests/c/{name}.c")));
}

fn c_program(source: &Path) {
    clang_syntax_check(source);
    let out = tempfile::tempdir().expect("temp dir");
    let name = source.file_stem().and_then(|s| s.to_str()).expect("name");
    for variant in [Variant::Plain, Variant::Sanitized, Variant::Valgrind] {
        let start = std::time::Instant::now();
        let program = build_variant(source, variant, out.path());
        let output = execute_variant(&program, variant, &[]);
        let label = format!("{name} ({variant:?})");
        assert_success(&label, &output);
        // Shown with --nocapture: where the time of the C tests goes.
        eprintln!("{label}: {:.1}s", start.elapsed().as_secs_f64());
    }
}

/// The checks are live: a program that leaks a handle fails under ASan and under valgrind, and
/// one with undefined behaviour fails under UBSan, while each passes when run plain.
#[test]
fn sanitizers_and_valgrind_catch_faults() {
    let source = repo().join("ffi/tests/c/faults/faults.c");
    let out = tempfile::tempdir().expect("temp dir");
    let plain = build_variant(&source, Variant::Plain, out.path());
    let sanitized = build_variant(&source, Variant::Sanitized, out.path());
    for fault in ["leak", "overflow"] {
        assert_success(fault, &execute_variant(&plain, Variant::Plain, &[fault]));
    }
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let leak = execute_variant(&sanitized, Variant::Sanitized, &["leak"]);
    assert!(!leak.status.success(), "ASan missed the leak");
    assert!(stderr(&leak).contains("LeakSanitizer"), "{}", stderr(&leak));
    assert!(stderr(&leak).contains("Direct leak"), "{}", stderr(&leak));

    let overflow = execute_variant(&sanitized, Variant::Sanitized, &["overflow"]);
    assert!(!overflow.status.success(), "UBSan missed the overflow");
    assert!(
        stderr(&overflow).contains("signed integer overflow"),
        "{}",
        stderr(&overflow)
    );

    let leak = execute_variant(&plain, Variant::Valgrind, &["leak"]);
    assert_eq!(
        leak.status.code(),
        Some(VALGRIND_ERROR),
        "{}",
        stderr(&leak)
    );
    assert!(
        stderr(&leak).contains("definitely lost"),
        "{}",
        stderr(&leak)
    );
}

/// The header compiles as C++17 (no warning), and a C++ program calls the library through it.
#[test]
fn header_is_cpp17() {
    let out = tempfile::tempdir().expect("temp dir");
    let flags = [
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-g",
    ];
    let source = repo().join("ffi/tests/cpp/header.cpp");
    let program = build("g++", &flags, &source, &out.path().join("header"));
    assert_success("header.cpp", &execute(&program, &[], &[], &[]));
}

/// Objective-C imports the header as a module (include/module.modulemap) for iOS: clang
/// `-target arm64-apple-ios -fmodules`, syntax only. Without an iOS SDK the C headers the
/// header includes (stdbool.h, stddef.h, stdint.h) come from clang's own freestanding set.
#[test]
fn module_compiles_for_ios() {
    let cache = tempfile::tempdir().expect("module cache");
    let source = repo().join("ffi/tests/objc/import.m");
    for target in [
        "arm64-apple-ios",
        "arm64-apple-ios-simulator",
        "x86_64-apple-ios-simulator",
    ] {
        let output = Command::new("clang")
            .args(["-target", target, "-fmodules", "-fsyntax-only"])
            .args([
                "-ffreestanding",
                "-nostdlibinc",
                "-Wall",
                "-Wextra",
                "-Werror",
            ])
            .arg(format!("-fmodules-cache-path={}", cache.path().display()))
            .arg("-I")
            .arg(repo().join("include"))
            .arg(&source)
            .output()
            .expect("run clang");
        assert!(
            output.status.success(),
            "import.m does not compile for {target}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The README's "Use from C" program, `examples/c/round_trip.c`, runs as the tests do (plain,
/// sanitized, under valgrind), linked with the README's flags only, and prints the report of
/// a trusted signature; the README shows the file as it is.
#[test]
fn example_round_trip() {
    let source = repo().join("examples/c/round_trip.c");
    c_program(&source);
    let out = tempfile::tempdir().expect("temp dir");
    let program = build_variant(&source, Variant::Plain, out.path());
    let output = execute_variant(&program, Variant::Plain, &[]);
    assert_success("round_trip", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "verdict: trusted",
        "signer 0: alice@example.com",
        "  signature     passed      ok",
        "  chain         passed      ok",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }

    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let example = std::fs::read_to_string(&source).expect("the example");
    let shown = format!("```c\n{example}```\n");
    assert!(
        readme.contains(&shown),
        "README.md does not show examples/c/round_trip.c as it is"
    );
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

#[test]
fn stream() {
    c_test("stream");
}

#[test]
fn modern_keys() {
    c_test("modern_keys");
}
