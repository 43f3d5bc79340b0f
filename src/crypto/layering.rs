//! The layering rule, checked on the sources: `crypto` reaches only down (to `asn1` and the
//! error types), and `asn1` reaches nothing above it. This file is not itself checked (it
//! names the modules it forbids).

/// The source lines that are code (comment lines left out, so doc links may name any
/// module).
fn code(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_imports_only(files: &[(&str, &str)], allowed: &[&str]) {
    for (name, source) in files {
        let code = code(source);
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '{')
                .collect();
            assert!(
                allowed.contains(&module.as_str()),
                "{name} reaches crate::{module}, outside its layer (allowed: {allowed:?})"
            );
        }
        for banned in ["super::super", "smime::"] {
            assert!(!code.contains(banned), "{name} uses {banned}");
        }
    }
}

#[test]
fn crypto_imports_no_cms_mime_pkcs12_or_higher() {
    let files = [
        ("crypto/mod.rs", include_str!("mod.rs")),
        ("crypto/cipher.rs", include_str!("cipher.rs")),
        ("crypto/kdf.rs", include_str!("kdf.rs")),
        ("crypto/keys.rs", include_str!("keys.rs")),
        ("crypto/keywrap.rs", include_str!("keywrap.rs")),
        ("crypto/pbe.rs", include_str!("pbe.rs")),
        (
            "crypto/pkcs8_encrypted.rs",
            include_str!("pkcs8_encrypted.rs"),
        ),
        ("crypto/rng.rs", include_str!("rng.rs")),
        ("crypto/verify.rs", include_str!("verify.rs")),
    ];
    assert_imports_only(&files, &["crypto", "asn1", "bytes", "error"]);
}

#[test]
fn asn1_imports_nothing_above_it() {
    let files = [
        ("asn1/mod.rs", include_str!("../asn1/mod.rs")),
        ("asn1/ber.rs", include_str!("../asn1/ber.rs")),
    ];
    assert_imports_only(&files, &["asn1", "error"]);
}

#[test]
fn the_check_sees_a_forbidden_import() {
    let bad = [(
        "x.rs",
        "use crate::cms::enveloped;\n// crate::mime in a comment is fine\n",
    )];
    let caught = std::panic::catch_unwind(|| assert_imports_only(&bad, &["crypto"]));
    assert!(caught.is_err(), "a use of crate::cms is caught");
    let fine = [(
        "y.rs",
        "/// See [`crate::cms`].\nuse crate::crypto::oids;\n",
    )];
    assert_imports_only(&fine, &["crypto"]);
}
