//! Attack-bar item 21, the C ABI: NULL for every pointer argument of every function, and an
//! injected panic comes back as `SMIME_RESULT_PANIC`.
//!
//! `attack_bar_21_null_for_every_pointer_argument` cannot go stale: it reads
//! `include/smime.h`, takes every exported function and every pointer parameter, and writes
//! one C program that calls each function once with valid arguments (handles made from
//! fixtures by `ffi/tests/c/attack_bar_21.h`) and once per pointer parameter with that one
//! NULL and every other argument valid; for an array parameter also once with its element
//! NULL, and for the streaming callbacks' required function pointers once with each NULL.
//! The program runs under AddressSanitizer (leak detection on) and UBSan. A type or a
//! parameter the tables below do not know fails the test, naming what to add.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{KeyKind, LeafSpec, TestPki, openssl};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One parameter of an exported function: its C type (tokens joined by one space, `*`
/// separate: `const smime_certificate * const *`) and its name.
#[derive(Debug, Clone)]
struct Param {
    ty: String,
    name: String,
}

/// One exported function of the header, with its doc comment.
#[derive(Debug, Clone)]
struct Function {
    ret: String,
    name: String,
    params: Vec<Param>,
    doc: String,
}

fn tokens(s: &str) -> Vec<String> {
    s.replace('*', " * ")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The opaque handle types (`typedef struct smime_x smime_x;`).
fn opaque_types(header: &str) -> BTreeSet<String> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("typedef struct "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|t| !t.ends_with('{'))
        .map(str::to_owned)
        .collect()
}

/// Every function declared between `extern "C" {` and its closing brace.
fn exported_functions(header: &str) -> Vec<Function> {
    let start = header
        .find("extern \"C\" {")
        .expect("the extern \"C\" block");
    let end = header.find("}  // extern \"C\"").expect("its end");
    let body = &header[start + "extern \"C\" {".len()..end];
    let mut functions = Vec::new();
    let mut doc = String::new();
    let mut decl = String::new();
    let mut in_doc = false;
    for line in body.lines() {
        let t = line.trim();
        if in_doc {
            if t == "*/" {
                in_doc = false;
            } else {
                doc.push_str(t.trim_start_matches('*').trim());
                doc.push(' ');
            }
            continue;
        }
        if t.starts_with("/**") {
            in_doc = true;
            doc.clear();
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        decl.push_str(t);
        decl.push(' ');
        if !t.ends_with(';') {
            continue;
        }
        let open = decl.find('(').expect("a parameter list");
        let close = decl.rfind(')').expect("a parameter list");
        let mut head = tokens(&decl[..open]);
        let name = head.pop().expect("a function name");
        let inner = decl[open + 1..close].trim();
        let params = if inner == "void" {
            Vec::new()
        } else {
            inner
                .split(',')
                .map(|p| {
                    let mut t = tokens(p);
                    let name = t.pop().expect("a parameter name");
                    Param {
                        ty: t.join(" "),
                        name,
                    }
                })
                .collect()
        };
        functions.push(Function {
            ret: head.join(" "),
            name,
            params,
            doc: doc.trim().to_owned(),
        });
        decl.clear();
        doc.clear();
    }
    functions
}

/// What a parameter is, for making a valid value of it.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// `const T *` or `T *` for a handle type `T`.
    Handle(String),
    /// `T * *`: a new handle is written there.
    OutHandle(String),
    /// `const T * const *`: an array of handles, with a `_len`.
    HandleArray(String),
    /// `size_t *`, `uint32_t *`, `bool *`, `int64_t *`: a value is written there.
    OutScalar(String),
    /// `const uint8_t *`: an input buffer, with a `_len`.
    Buffer,
    /// `const char *`: a NUL-terminated string.
    Str,
    /// `const char * const *`: an array of strings, with a `_len`.
    StrArray,
    /// `const S *` for a plain struct of the header (callbacks, input, output).
    Struct(String),
    /// Not a pointer.
    Scalar(String),
}

const STRUCTS: &[&str] = &[
    "smime_key_callbacks",
    "smime_key_resolver",
    "smime_output",
    "smime_input",
];
const SCALARS: &[&str] = &["size_t", "uint32_t", "uint64_t", "bool", "smime_result"];
const OUT_SCALARS: &[&str] = &["size_t", "uint32_t", "bool", "int64_t"];

fn classify(ty: &str, handles: &BTreeSet<String>) -> Kind {
    let t: Vec<&str> = ty.split(' ').collect();
    let handle = |n: &str| handles.contains(n);
    match t.as_slice() {
        ["const", n, "*"] | [n, "*"] if handle(n) => Kind::Handle((*n).to_owned()),
        [n, "*", "*"] if handle(n) => Kind::OutHandle((*n).to_owned()),
        ["const", n, "*", "const", "*"] if handle(n) => Kind::HandleArray((*n).to_owned()),
        [n, "*"] if OUT_SCALARS.contains(n) => Kind::OutScalar((*n).to_owned()),
        ["const", "uint8_t", "*"] => Kind::Buffer,
        ["const", "char", "*"] => Kind::Str,
        ["const", "char", "*", "const", "*"] => Kind::StrArray,
        ["const", n, "*"] if STRUCTS.contains(n) => Kind::Struct((*n).to_owned()),
        [n] if SCALARS.contains(n) => Kind::Scalar((*n).to_owned()),
        _ => panic!(
            "a parameter type the test does not know: `{ty}`; teach `classify` and the value \
             tables of ffi/tests/attack_bar_ffi.rs how to make a valid one"
        ),
    }
}

fn is_pointer(kind: &Kind) -> bool {
    !matches!(kind, Kind::Scalar(_))
}

/// The C expression of a new valid handle of type `ty` for parameter `param` of `function`.
fn handle_maker(function: &str, param: &str, ty: &str) -> String {
    match (function, param) {
        ("smime_keyring_add_intermediate", "certificate") => {
            return "clone_cert(INTERMEDIATE_CERT)".into();
        }
        ("smime_keyring_add_trust_anchor", "certificate") => {
            return "clone_cert(ROOT_CERT)".into();
        }
        ("smime_keyring_add_external_identity", "identity") => {
            return "mk_callback_identity()".into();
        }
        _ => {}
    }
    let base = ty.strip_prefix("smime_").unwrap_or(ty);
    let known = [
        "bytes",
        "certificate",
        "contact_list",
        "decrypted",
        "encrypt_options",
        "encrypt_stream",
        "identity",
        "keyring",
        "opened",
        "policy",
        "readiness",
        "sign_options",
        "sign_stream",
        "verify_options",
        "verify_report",
        "verify_stream",
    ];
    assert!(
        known.contains(&base),
        "a handle type the test cannot make: `{ty}` (parameter `{param}` of `{function}`); \
         add an `mk_{base}` to ffi/tests/c/attack_bar_21.h and list it here"
    );
    if base.ends_with("_stream") && function.ends_with("_finish") {
        format!("mk_{base}_fed()")
    } else {
        format!("mk_{base}()")
    }
}

/// The element of a valid array of handles.
fn array_element(function: &str, param: &str, ty: &str) -> String {
    match (ty, function, param) {
        ("smime_identity", _, _) => "ALICE".into(),
        ("smime_certificate", "smime_identity_from_callbacks", "chain") => {
            "INTERMEDIATE_CERT".into()
        }
        ("smime_certificate", _, _) => "ALICE_CERT".into(),
        _ => panic!("no valid array of `{ty}` for `{param}` of `{function}`: add one"),
    }
}

/// The fixture buffer (`B_*` of attack_bar_21.h) for an input buffer.
fn buffer(function: &str, param: &str) -> &'static str {
    match (function, param) {
        ("smime_certificate_from_der", "der") => "B_ALICE_DER",
        ("smime_certificate_from_pem", "pem") => "B_ALICE_PEM",
        ("smime_identity_from_pkcs12" | "smime_keyring_import_pkcs12", "der") => "B_ALICE_P12",
        (
            "smime_identity_from_key_and_certificates"
            | "smime_keyring_import_key_and_certificates",
            "key",
        ) => "B_ALICE_KEY",
        (
            "smime_identity_from_key_and_certificates"
            | "smime_keyring_import_key_and_certificates",
            "certificates",
        ) => "B_ALICE_PEM",
        (
            "smime_keyring_load"
            | "smime_keyring_save"
            | "smime_keyring_to_bytes"
            | "smime_keyring_from_bytes",
            "key",
        ) => "B_STORE_KEY",
        ("smime_keyring_from_bytes", "data") => "B_KEYRING",
        ("smime_keyring_import_certificates", "data") => "B_CAROL_PEM",
        ("smime_keyring_import_directory_entry" | "smime_keyring_import_certs_only", "data") => {
            "B_CERTS_ONLY"
        }
        ("smime_keyring_add_external_identity", "reference") => "B_REFERENCE",
        ("smime_keyring_add_crl", "data") => "B_CRL",
        ("smime_encrypt_options_add_crl" | "smime_verify_options_add_crl", "der") => "B_CRL",
        ("smime_sign" | "smime_encrypt" | "smime_sign_and_encrypt", "message") => "B_PLAIN",
        ("smime_decrypt" | "smime_keyring_decrypt", "message") => "B_ENCRYPTED",
        ("smime_verify" | "smime_keyring_verify", "message") => "B_SIGNED",
        ("smime_verify_detached", "content") => "B_CONTENT",
        ("smime_verify_detached", "signature") => "B_DETACHED",
        ("smime_open" | "smime_keyring_open", "message") => "B_SIGNED_ENCRYPTED",
        ("smime_inspect", "input") => "B_ALICE_PEM",
        ("smime_sign_stream_update" | "smime_encrypt_stream_update", "data") => "B_PLAIN",
        ("smime_verify_stream_update", "data") => "B_SIGNED",
        _ => panic!(
            "no valid input buffer for `{param}` of `{function}`: add one to `buffer` in \
             ffi/tests/attack_bar_ffi.rs"
        ),
    }
}

/// The C expression of a valid string.
fn string(function: &str, param: &str) -> &'static str {
    match (function, param) {
        (
            "smime_identity_from_pkcs12"
            | "smime_keyring_import_pkcs12"
            | "smime_keyring_import_key_and_certificates",
            "password",
        ) => "\"alice-password\"",
        ("smime_keyring_export_pkcs12", "password") => "\"export-password\"",
        ("smime_keyring_load", "path") => "KEYRING_PATH",
        ("smime_keyring_save", "path") => "SAVE_PATH",
        (_, "label") => "\"a label\"",
        (_, "fingerprint_hex") => "ALICE_FINGERPRINT",
        (_, "address") => "\"alice@example.com\"",
        _ => panic!(
            "no valid string for `{param}` of `{function}`: add one to `string` in \
             ffi/tests/attack_bar_ffi.rs"
        ),
    }
}

/// The C expression of a valid scalar that is not a length.
fn scalar(function: &str, param: &str, ty: &str) -> &'static str {
    match (function, param, ty) {
        ("smime_readiness_reason", "index", _) => "1",
        ("smime_opened_layer_report", "index", _) => "1",
        (_, "index" | "address_index" | "certificate_index", "size_t") => "0",
        (_, "check", _) => "SMIME_CHECK_SIGNATURE",
        (_, "digest", _) => "SMIME_DIGEST_SHA256",
        (_, "cipher", _) => "SMIME_CIPHER_AES256_GCM",
        (_, "key_agreement", _) => "SMIME_KEY_AGREEMENT_HKDF_SHA256",
        (_, "kdf", _) => "SMIME_KEM_KDF_HKDF_SHA256",
        (_, "key_transport", _) => "SMIME_KEY_TRANSPORT_RSA_OAEP",
        (_, "mode", _) => "SMIME_REVOCATION_MODE_SOFT_FAIL",
        (_, "layers", _) => "4",
        (_, "bits", _) => "2048",
        ("smime_policy_set_max_size", "bytes", _) => "1048576",
        (_, "unix_seconds", _) => "1767225600",
        (_, "opaque" | "pss" | "yes" | "triple_wrap", "bool") => "false",
        (_, "include" | "accept", "bool") => "true",
        _ => panic!(
            "no valid value for `{ty} {param}` of `{function}`: add one to `scalar` in \
             ffi/tests/attack_bar_ffi.rs"
        ),
    }
}

/// Which argument is left out in one call.
#[derive(Debug, Clone, PartialEq)]
enum Case {
    /// Every argument valid.
    Valid,
    /// Parameter `i` NULL.
    Null(usize),
    /// The one element of array parameter `i` NULL.
    NullElement(usize),
    /// A required function pointer of the struct at parameter `i` NULL (`field`).
    NullField(usize, &'static str),
}

impl Case {
    fn label(&self, f: &Function) -> String {
        match self {
            Case::Valid => "valid".into(),
            Case::Null(i) => f.params[*i].name.clone(),
            Case::NullElement(i) => format!("{}[0]", f.params[*i].name),
            Case::NullField(i, field) => format!("{}->{field}", f.params[*i].name),
        }
    }
}

/// The required function pointers of the structs (the header says "(required)").
fn required_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "smime_output" => &["write"],
        "smime_input" => &["read"],
        _ => &[],
    }
}

/// The C block that makes the arguments, calls `f` for `case`, records the result, checks
/// that a failed call wrote no out-parameter, and frees everything.
fn call_block(f: &Function, kinds: &[Kind], case: &Case) -> String {
    let label = case.label(f);
    let mut setup = String::new();
    let mut args = Vec::new();
    let mut after_failure = String::new();
    let mut cleanup = String::new();
    let is_free = f.name.ends_with("_free");
    for (i, (p, kind)) in f.params.iter().zip(kinds).enumerate() {
        let v = format!("a{i}");
        if *case == Case::Null(i) {
            args.push("NULL".to_owned());
            continue;
        }
        match kind {
            Kind::Handle(ty) => {
                let maker = handle_maker(&f.name, &p.name, ty);
                writeln!(setup, "    {ty} *{v} = {maker};").unwrap();
                args.push(v.clone());
                if !is_free {
                    writeln!(cleanup, "    {ty}_free({v});").unwrap();
                }
            }
            Kind::OutHandle(ty) => {
                writeln!(setup, "    {ty} *{v} = NULL;").unwrap();
                args.push(format!("&{v}"));
                writeln!(
                    after_failure,
                    "      UNTOUCHED(\"{}\", \"{label}\", {v} == NULL);",
                    f.name
                )
                .unwrap();
                writeln!(cleanup, "    {ty}_free({v});").unwrap();
            }
            Kind::HandleArray(ty) => {
                let element = if *case == Case::NullElement(i) {
                    "NULL".to_owned()
                } else {
                    array_element(&f.name, &p.name, ty)
                };
                writeln!(setup, "    const {ty} *{v}[1] = {{{element}}};").unwrap();
                args.push(v.clone());
            }
            Kind::OutScalar(ty) => {
                let zero = if ty == "bool" { "false" } else { "0" };
                writeln!(setup, "    {ty} {v} = {zero};").unwrap();
                args.push(format!("&{v}"));
                writeln!(
                    after_failure,
                    "      UNTOUCHED(\"{}\", \"{label}\", {v} == {zero});",
                    f.name
                )
                .unwrap();
            }
            Kind::Buffer => args.push(format!("{}.data", buffer(&f.name, &p.name))),
            Kind::Str => args.push(string(&f.name, &p.name).to_owned()),
            Kind::StrArray => {
                let element = if *case == Case::NullElement(i) {
                    "NULL"
                } else {
                    "\"carol@example.com\""
                };
                writeln!(setup, "    const char *{v}[1] = {{{element}}};").unwrap();
                args.push(v.clone());
            }
            Kind::Struct(ty) => {
                let null =
                    |field: &str| matches!(case, Case::NullField(j, f) if *j == i && *f == field);
                match ty.as_str() {
                    "smime_key_callbacks" => args.push("&NO_OPERATIONS".into()),
                    "smime_key_resolver" => args.push("&NO_RESOLVER".into()),
                    "smime_output" => {
                        let write = if null("write") { "NULL" } else { "discard" };
                        writeln!(setup, "    smime_output {v} = {{NULL, {write}}};").unwrap();
                        args.push(format!("&{v}"));
                    }
                    "smime_input" => {
                        let read = if null("read") { "NULL" } else { "read_buf" };
                        writeln!(setup, "    reader {v}_r = {{&B_ENCRYPTED, 0}};").unwrap();
                        writeln!(setup, "    smime_input {v} = {{&{v}_r, {read}, seek_buf}};")
                            .unwrap();
                        args.push(format!("&{v}"));
                    }
                    other => panic!("no valid `{other}`: add one to `call_block`"),
                }
            }
            Kind::Scalar(ty) => {
                let paired = if p.name == "len" {
                    i.checked_sub(1)
                } else {
                    p.name
                        .strip_suffix("_len")
                        .and_then(|base| f.params.iter().position(|q| q.name == base))
                };
                let value = match paired.map(|j| (&f.params[j], &kinds[j])) {
                    Some((q, Kind::Buffer)) => format!("{}.len", buffer(&f.name, &q.name)),
                    Some((_, Kind::HandleArray(_) | Kind::StrArray)) => "1".to_owned(),
                    Some((q, other)) => panic!(
                        "`{}` of `{}` is the length of `{}`, a {other:?}: teach `call_block`",
                        p.name, f.name, q.name
                    ),
                    None => scalar(&f.name, &p.name, ty).to_owned(),
                };
                args.push(value);
            }
        }
    }
    let call = format!("{}({})", f.name, args.join(", "));
    let record = match f.ret.as_str() {
        "smime_result" => format!(
            "    smime_result r = {call};\n    record(\"{}\", \"{label}\", r);\n    if (r != SMIME_RESULT_OK) {{\n{after_failure}    }}\n",
            f.name
        ),
        "void" => format!(
            "    {call};\n    printf(\"CALL {} {label} void\\n\");\n",
            f.name
        ),
        "const uint8_t *" | "const char *" => format!(
            "    printf(\"CALL {} {label} %s\\n\", {call} == NULL ? \"null\" : \"value\");\n",
            f.name
        ),
        "size_t" => format!(
            "    printf(\"CALL {} {label} %s\\n\", {call} == 0 ? \"zero\" : \"value\");\n",
            f.name
        ),
        other => panic!(
            "a return type the test does not know: `{other}` of `{}`",
            f.name
        ),
    };
    format!("  {{\n{setup}{record}{cleanup}  }}\n")
}

/// The cases of `f`: valid, then each pointer parameter NULL, each array's element NULL and
/// each required callback NULL.
fn cases(kinds: &[Kind]) -> Vec<Case> {
    let mut cases = vec![Case::Valid];
    for (i, kind) in kinds.iter().enumerate() {
        if !is_pointer(kind) {
            continue;
        }
        cases.push(Case::Null(i));
        match kind {
            Kind::HandleArray(_) | Kind::StrArray => cases.push(Case::NullElement(i)),
            Kind::Struct(ty) => {
                for field in required_fields(ty) {
                    cases.push(Case::NullField(i, field));
                }
            }
            _ => {}
        }
    }
    cases
}

/// The sentences of a doc comment.
fn sentences(doc: &str) -> Vec<&str> {
    doc.split(". ").collect()
}

/// Whether the doc comment of `f` says that `param` may be NULL: a sentence names it
/// (`` `param` `` or `` `*param` ``) and says NULL.
fn doc_allows_null(f: &Function, param: &str) -> bool {
    let names = [format!("`{param}`"), format!("`*{param}`")];
    sentences(&f.doc)
        .iter()
        .any(|s| s.contains("NULL") && names.iter().any(|n| s.contains(n.as_str())))
}

/// Whether the doc comment says plainly that `param` may be NULL ("`param` may be NULL",
/// "`*param` (may be NULL)"; not "may be NULL when 0").
fn doc_says_may_be_null(f: &Function, param: &str) -> bool {
    [format!("`{param}`"), format!("`*{param}`")]
        .iter()
        .flat_map(|n| [format!("{n} may be NULL"), format!("{n} (may be NULL")])
        .any(|phrase| {
            f.doc
                .match_indices(phrase.as_str())
                .any(|(i, _)| !f.doc[i + phrase.len()..].starts_with(" when 0"))
        })
}

/// Fixtures: alice (RSA, key, certificate PEM and DER, PKCS#12), carol (a contact), the CAs,
/// an empty root CRL, a certs-only blob and a detached signature by alice.
fn fixtures() -> TestPki {
    let pki = TestPki::new();
    let p = pki.dir.path();
    for (name, email) in [
        ("alice", "alice@example.com"),
        ("carol", "carol@example.com"),
    ] {
        let emails = [email];
        let c = pki.leaf(
            name,
            &LeafSpec {
                emails: &emails,
                key: KeyKind::Rsa2048,
                key_usage: Some("digitalSignature,nonRepudiation,keyEncipherment"),
                ..Default::default()
            },
        );
        std::fs::write(p.join(format!("{name}.der")), &c.der).expect("DER certificate");
    }
    openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            "alice.pem",
            "-inkey",
            "alice.key",
            "-certfile",
            "intermediate.pem",
            "-passout",
            "pass:alice-password",
            "-out",
            "alice.p12",
        ],
        p,
    );
    std::fs::write(p.join("root.crl.der"), pki.root_crl()).expect("CRL");
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
    std::fs::write(
        p.join("content.txt"),
        "Content-Type: text/plain\r\n\r\ndetached\r\n",
    )
    .expect("content");
    openssl(
        &[
            "cms",
            "-sign",
            "-binary",
            "-in",
            "content.txt",
            "-signer",
            "alice.pem",
            "-inkey",
            "alice.key",
            "-outform",
            "DER",
            "-out",
            "detached.p7s",
        ],
        p,
    );
    pki
}

/// Builds `source` with gcc, AddressSanitizer (leaks on) and UBSan, linked with the static
/// library, and runs it with the fixture directory; returns its stdout, or fails with its
/// output.
fn build_and_run_sanitized(source: &Path, dir: &Path) -> String {
    let lib = std::env::current_exe()
        .expect("test binary")
        .parent()
        .expect("deps directory")
        .join("libsmime_ffi.a");
    assert!(lib.exists(), "{} is built with the tests", lib.display());
    let program = source.with_extension("");
    let output = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .args([
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ])
        .arg("-I")
        .arg(repo().join("include"))
        .arg("-I")
        .arg(repo().join("ffi/tests/c"))
        .arg(source)
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&program)
        .output()
        .expect("run gcc");
    assert!(
        output.status.success(),
        "{} does not compile:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let output = Command::new(&program)
        .arg(dir)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:halt_on_error=1:abort_on_error=0",
        )
        .env("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
        .output()
        .expect("run the program");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{} failed ({}):\nstderr:\n{}\nstdout (last lines):\n{}",
        source.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr),
        stdout.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
    stdout
}

/// Item 21, first clause: for every function of include/smime.h and every pointer parameter,
/// a call with that parameter NULL (every other argument valid) returns
/// `SMIME_RESULT_NULL_PARAMETER` with the last error set to it, writes no out-parameter, does
/// not crash and leaks nothing (ASan, LeakSanitizer, UBSan); where the header's doc comment
/// of the function says the parameter may be NULL (optional inputs and out-parameters,
/// `*_free(NULL)`, `smime_bytes_*(NULL)`) the call does what is documented, and every NULL
/// that is accepted is documented. The same call with every argument valid succeeds, so each
/// NULL result is due to the NULL alone. A NULL element of an array of handles or strings
/// and a NULL required callback of `smime_output` / `smime_input` are refused as well.
#[test]
fn attack_bar_21_null_for_every_pointer_argument() {
    let header = std::fs::read_to_string(repo().join("include/smime.h")).expect("smime.h");
    let handles = opaque_types(&header);
    let functions = exported_functions(&header);
    assert!(
        functions.len() >= 183,
        "the header's functions were found ({})",
        functions.len()
    );

    let mut program = String::from(
        "/* Generated by ffi/tests/attack_bar_ffi.rs from include/smime.h. */\n\
         #include \"attack_bar_21.h\"\n\nint main(int argc, char **argv) {\n  \
         CHECK(argc == 2);\n  fixtures_init(argv[1]);\n",
    );
    let mut expected: BTreeMap<(String, String), (usize, Case)> = BTreeMap::new();
    let mut pointer_params = 0;
    let mut with_pointers = 0;
    let by_name: BTreeMap<String, Function> = functions
        .iter()
        .map(|f| (f.name.clone(), f.clone()))
        .collect();
    for f in &functions {
        let kinds: Vec<Kind> = f.params.iter().map(|p| classify(&p.ty, &handles)).collect();
        let pointers = kinds.iter().filter(|k| is_pointer(k)).count();
        if pointers == 0 {
            continue;
        }
        with_pointers += 1;
        pointer_params += pointers;
        for case in cases(&kinds) {
            program.push_str(&call_block(f, &kinds, &case));
            let label = case.label(f);
            let index = match case {
                Case::Null(i) | Case::NullElement(i) | Case::NullField(i, _) => i,
                Case::Valid => usize::MAX,
            };
            assert!(
                expected
                    .insert((f.name.clone(), label), (index, case))
                    .is_none(),
                "one call per case"
            );
        }
    }
    program.push_str("  fixtures_free();\n  return 0;\n}\n");

    let pki = fixtures();
    let source = pki.dir.path().join("attack_bar_21_null.c");
    std::fs::write(&source, &program).expect("write the program");
    let stdout = build_and_run_sanitized(&source, pki.dir.path());

    let mut seen = BTreeMap::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix("CALL ")) {
        let mut it = line.split(' ');
        let (Some(function), Some(case), Some(result)) = (it.next(), it.next(), it.next()) else {
            panic!("a malformed line: {line}");
        };
        seen.insert((function.to_owned(), case.to_owned()), result.to_owned());
    }
    assert_eq!(
        seen.len(),
        expected.len(),
        "every call ran and was recorded"
    );

    let mut failures = Vec::new();
    let mut accepted = Vec::new();
    for ((function, label), (index, case)) in &expected {
        let f = &by_name[function];
        let result = seen[&(function.clone(), label.clone())].as_str();
        let ret = f.ret.as_str();
        let want: &str = match case {
            Case::Valid => match ret {
                "void" => "void",
                "smime_result" => "SMIME_RESULT_OK",
                _ => "value",
            },
            Case::Null(_) => {
                let param = &f.params[*index].name;
                match ret {
                    "void" => {
                        if !f.doc.contains("NULL is accepted") {
                            failures.push(format!(
                                "{function}: its doc comment does not say NULL is accepted"
                            ));
                        }
                        "void"
                    }
                    "smime_result" => {
                        if result == "SMIME_RESULT_OK" {
                            accepted.push(format!("{function}({param})"));
                            if !doc_allows_null(f, param) {
                                failures.push(format!(
                                    "{function}: NULL `{param}` is accepted but its doc comment \
                                     does not say so"
                                ));
                            }
                            "SMIME_RESULT_OK"
                        } else {
                            if doc_says_may_be_null(f, param) {
                                failures.push(format!(
                                    "{function}: the doc comment says `{param}` may be NULL, \
                                     but NULL gives {result}"
                                ));
                            }
                            "SMIME_RESULT_NULL_PARAMETER"
                        }
                    }
                    "size_t" => {
                        if !f.doc.contains(&format!("0 when `{param}` is NULL")) {
                            failures.push(format!("{function}: NULL `{param}` is not documented"));
                        }
                        "zero"
                    }
                    _ => {
                        if !f.doc.contains(&format!("NULL when `{param}` is NULL")) {
                            failures.push(format!("{function}: NULL `{param}` is not documented"));
                        }
                        "null"
                    }
                }
            }
            Case::NullElement(_) | Case::NullField(_, _) => "SMIME_RESULT_NULL_PARAMETER",
        };
        if result != want {
            failures.push(format!("{function} ({label}): {result}, expected {want}"));
        }
    }
    eprintln!(
        "{} functions exported, {with_pointers} with pointer parameters, {pointer_params} \
         pointer parameters, {} calls; NULL accepted as documented for: {}",
        functions.len(),
        expected.len(),
        accepted.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

mod panics {
    //! A key of the application's own, in Rust, that panics in every operation.

    use std::ffi::{CStr, c_char};
    use std::sync::Arc;

    use smime::keys::{KeyKind, KeyOperationError, PrivateKey, RsaDecryptPadding, SignatureScheme};
    use smime::{Certificate, DigestAlgorithm, KeyError};
    use zeroize::Zeroizing;

    unsafe extern "C" {
        // Exported by the library (src/error.rs), declared here as C sees them.
        pub safe fn smime_last_error_code() -> u32;
        pub safe fn smime_last_error_message() -> *const c_char;
    }

    /// This thread's last error message.
    pub fn last_message() -> String {
        let ptr = smime_last_error_message();
        assert!(!ptr.is_null(), "the last error message is never NULL");
        // SAFETY: the library returns a NUL-terminated string valid until the next failing
        // call on this thread.
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    }

    /// Panics when asked to sign or decrypt.
    pub struct PanickingKey {
        kind: KeyKind,
        public: Vec<u8>,
    }

    impl PanickingKey {
        pub fn shared(certificate: &Certificate) -> Arc<dyn PrivateKey> {
            Arc::new(PanickingKey {
                kind: certificate.key_kind().expect("a key kind"),
                public: certificate.public_key_der().expect("a public key"),
            })
        }
    }

    impl PrivateKey for PanickingKey {
        fn kind(&self) -> KeyKind {
            self.kind
        }

        fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
            Ok(self.public.clone())
        }

        fn sign_digest(
            &self,
            _scheme: SignatureScheme,
            _algorithm: DigestAlgorithm,
            _digest: &[u8],
        ) -> Result<Vec<u8>, KeyOperationError> {
            panic!("the application's key panicked while signing")
        }

        fn rsa_decrypt(
            &self,
            _padding: &RsaDecryptPadding,
            _ciphertext: &[u8],
        ) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
            panic!("the application's key panicked while decrypting")
        }
    }
}

/// The C program of the panic test: `smime_test_panic` from C returns `SMIME_RESULT_PANIC`
/// with the last error set, nothing unwinds into C (the program goes on), and the library
/// works afterwards.
const PANIC_PROGRAM: &str = r#"#include "msg_util.h"
#include <string.h>
int main(int argc, char **argv) {
  CHECK(argc == 2);
  for (int i = 0; i < 3; i++) {
    EXPECT(smime_test_panic(), SMIME_RESULT_PANIC);
    CHECK(smime_last_error_code() == SMIME_RESULT_PANIC);
    CHECK(strstr(smime_last_error_message(), "panic") != NULL);
    CHECK(strcmp(smime_result_name(SMIME_RESULT_PANIC), "SMIME_RESULT_PANIC") == 0);
  }
  smime_certificate *cert = load_cert(argv[1], "alice.pem");
  smime_bytes *fp = NULL;
  OK(smime_certificate_fingerprint(cert, &fp));
  CHECK(smime_bytes_len(fp) == 64);
  smime_bytes_free(fp);
  smime_certificate_free(cert);
  printf("survived\n");
  return 0;
}
"#;

/// Item 21, second clause: an injected panic comes back as `SMIME_RESULT_PANIC` with the last
/// error set to it and the panic's message, never unwinding into the caller: from C,
/// `smime_test_panic` (under ASan and UBSan, the program goes on and the library still
/// works); and a panic raised inside a key operation, by a key of the application's own
/// that panics when it signs or decrypts, through `smime_sign`, the signing stream,
/// `smime_decrypt`, `smime_open` and `smime_keyring_decrypt` (the keyring holding that key is
/// usable afterwards), with no out-parameter written.
#[test]
fn attack_bar_21_injected_panic_returns_panic() {
    use smime_ffi::bytes::{smime_bytes, smime_bytes_free};
    use smime_ffi::certificate::{smime_certificate, smime_certificate_free};
    use smime_ffi::identity::{identity_handle, smime_identity, smime_identity_free};
    use smime_ffi::keyring::*;
    use smime_ffi::message::*;
    use smime_ffi::stream::*;
    use smime_ffi::*;
    use std::ptr::{null, null_mut};

    let pki = fixtures();
    let out = build_and_run_sanitized(
        &{
            let source = pki.dir.path().join("attack_bar_21_panic.c");
            std::fs::write(&source, PANIC_PROGRAM).expect("write the program");
            source
        },
        pki.dir.path(),
    );
    assert!(out.contains("survived"), "{out}");

    assert_eq!(smime_test_panic(), SMIME_RESULT_PANIC);
    assert_eq!(panics::smime_last_error_code(), SMIME_RESULT_PANIC);
    assert!(
        panics::last_message().contains("smime_test_panic was called"),
        "{}",
        panics::last_message()
    );

    let pem = std::fs::read(pki.dir.path().join("alice.pem")).expect("alice.pem");
    let certificate = smime::Certificate::from_pem(&pem).expect("alice's certificate");
    let panicking = identity_handle(
        smime::Identity::new(
            panics::PanickingKey::shared(&certificate),
            certificate.clone(),
        )
        .expect("an identity over the panicking key"),
    );
    let good = {
        let key = std::fs::read(pki.dir.path().join("alice.key")).expect("alice.key");
        let id = smime::Identity::from_key_and_certificates(&key, &pem).expect("alice");
        identity_handle(id)
    };
    let expect_panic = |r: smime_result, what: &str, needle: &str| {
        assert_eq!(r, SMIME_RESULT_PANIC, "{what}");
        assert_eq!(
            panics::smime_last_error_code(),
            SMIME_RESULT_PANIC,
            "{what}"
        );
        let message = panics::last_message();
        assert!(message.contains(needle), "{what}: {message}");
    };
    let message = b"Content-Type: text/plain\r\n\r\nhello\r\n";

    // Signing, in one call and streamed.
    let signers = [panicking as *const smime_identity];
    let mut signed: *mut smime_bytes = null_mut();
    let r = smime_sign(
        message.as_ptr(),
        message.len(),
        signers.as_ptr(),
        1,
        null(),
        &mut signed,
    );
    expect_panic(r, "smime_sign", "panicked while signing");
    assert!(signed.is_null(), "no output after a panic");

    extern "C" fn discard(_: *mut std::ffi::c_void, _: *const u8, _: usize) -> smime_result {
        SMIME_RESULT_OK
    }
    let output = smime_output {
        userdata: null_mut(),
        write: Some(discard),
    };
    let mut stream: *mut smime_sign_stream = null_mut();
    assert_eq!(
        smime_sign_stream_new(signers.as_ptr(), 1, null(), &output, &mut stream),
        SMIME_RESULT_OK
    );
    assert_eq!(
        smime_sign_stream_update(stream, message.as_ptr(), message.len()),
        SMIME_RESULT_OK
    );
    expect_panic(
        smime_sign_stream_finish(stream),
        "smime_sign_stream_finish",
        "panicked while signing",
    );
    smime_sign_stream_free(stream);

    // Decryption: a message encrypted to alice, opened with the panicking key.
    let cert_handle: *mut smime_certificate = {
        let mut c = null_mut();
        let der = certificate.der();
        assert_eq!(
            smime_ffi::certificate::smime_certificate_from_der(der.as_ptr(), der.len(), &mut c),
            SMIME_RESULT_OK
        );
        c
    };
    let recipients = [cert_handle as *const smime_certificate];
    let mut encrypted: *mut smime_bytes = null_mut();
    assert_eq!(
        smime_encrypt(
            message.as_ptr(),
            message.len(),
            recipients.as_ptr(),
            1,
            null(),
            &mut encrypted,
        ),
        SMIME_RESULT_OK
    );
    let enc_data = smime_ffi::bytes::smime_bytes_data(encrypted);
    let enc_len = smime_ffi::bytes::smime_bytes_len(encrypted);
    let mut decrypted = null_mut();
    expect_panic(
        smime_decrypt(
            enc_data,
            enc_len,
            signers.as_ptr(),
            1,
            null(),
            &mut decrypted,
        ),
        "smime_decrypt",
        "panicked while decrypting",
    );
    assert!(decrypted.is_null(), "no output after a panic");
    let mut opened = null_mut();
    expect_panic(
        smime_open(enc_data, enc_len, signers.as_ptr(), 1, null(), &mut opened),
        "smime_open",
        "panicked while decrypting",
    );
    assert!(opened.is_null(), "no output after a panic");

    // A keyring holding the panicking key: the panic comes back, and the keyring still works.
    let mut ring: *mut smime_keyring = null_mut();
    assert_eq!(smime_keyring_new(&mut ring), SMIME_RESULT_OK);
    assert_eq!(
        smime_keyring_add_external_identity(ring, panicking, b"ref".as_ptr(), 3),
        SMIME_RESULT_OK
    );
    for _ in 0..2 {
        let mut decrypted = null_mut();
        expect_panic(
            smime_keyring_decrypt(ring, enc_data, enc_len, null(), &mut decrypted),
            "smime_keyring_decrypt",
            "panicked while decrypting",
        );
        assert!(decrypted.is_null(), "no output after a panic");
    }
    let mut count = 0usize;
    assert_eq!(
        smime_keyring_identity_count(ring, &mut count),
        SMIME_RESULT_OK
    );
    assert_eq!(count, 1);
    let mut sealed = null_mut();
    let key = [7u8; 32];
    assert_eq!(
        smime_keyring_to_bytes(ring, key.as_ptr(), key.len(), &mut sealed),
        SMIME_RESULT_OK,
        "the keyring is usable after the panics"
    );
    smime_bytes_free(sealed);

    // The library works on afterwards: the good key decrypts and signs.
    let good_ids = [good as *const smime_identity];
    let mut decrypted = null_mut();
    assert_eq!(
        smime_decrypt(
            enc_data,
            enc_len,
            good_ids.as_ptr(),
            1,
            null(),
            &mut decrypted
        ),
        SMIME_RESULT_OK
    );
    smime_ffi::report::smime_decrypted_free(decrypted);
    let mut signed = null_mut();
    assert_eq!(
        smime_sign(
            message.as_ptr(),
            message.len(),
            good_ids.as_ptr(),
            1,
            null(),
            &mut signed,
        ),
        SMIME_RESULT_OK
    );
    smime_bytes_free(signed);

    smime_keyring_free(ring);
    smime_bytes_free(encrypted);
    smime_certificate_free(cert_handle);
    smime_identity_free(panicking);
    smime_identity_free(good);
}
