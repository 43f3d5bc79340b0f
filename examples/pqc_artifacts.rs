//! Writes post-quantum CMS artifacts in the format (v3) of the IETF PQC hackathon repository
//! (IETF-Hackathon/pqc-certificates), so that other implementations can check ours:
//!
//! - `ta.der`: the ML-DSA-44 trust anchor;
//! - per ML-DSA level, `<name>-<oid>_signed_attrs.der`: a SignedData with the content and
//!   signed attributes, signed by an end entity under the trust anchor (its certificate in
//!   the SignedData);
//! - per ML-KEM level, `<name>-<oid>_ee.der` (the end-entity certificate, issued by the trust
//!   anchor) and `<name>-<oid>_priv.der` (its PKCS#8 private key, seed form), and to that
//!   certificate `<name>-<oid>_kemri_<kdf>[_ukm].der` (EnvelopedData, AES-CBC) and
//!   `<name>-<oid>_kemri_auth_<kdf>[_ukm].der` (AuthEnvelopedData, AES-GCM), each with a
//!   KEMRecipientInfo, for the KDFs `id-alg-hkdf-with-sha256` and `id-alg-hkdf-with-sha512`,
//!   without and with ukm; AES-128 for ML-KEM-512, AES-256 for the other levels;
//! - `expected_plaintext.txt`.
//!
//! ```text
//! cargo run --example pqc_artifacts -- OUTPUT_DIRECTORY
//! ```

#![allow(dead_code)] // the module is also compiled into the writer's test

#[path = "../tests/common/pq.rs"]
mod pq;

use std::path::Path;

/// The user keying material of the `_ukm` artifacts.
pub const UKM: &[u8] = b"smime KEMRecipientInfo ukm";

/// The content of every signed and encrypted artifact.
pub const PLAINTEXT: &[u8] = b"Hello, world! (smime, post-quantum)\r\n";

/// Writes every artifact into `dir` (created if missing); returns the file names written.
pub fn write_artifacts(dir: &Path) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut put = |name: String, bytes: &[u8]| -> Result<(), String> {
        std::fs::write(dir.join(&name), bytes).map_err(|e| format!("{name}: {e}"))?;
        written.push(name);
        Ok(())
    };
    let ta = pq::PqCa::root(pq::Dsa::L44, "smime ml-dsa-44 Test TA");
    put("ta.der".into(), &ta.der)?;
    put("expected_plaintext.txt".into(), PLAINTEXT)?;
    for level in pq::Dsa::ALL {
        let stem = level.file_stem();
        let leaf = ta.ml_dsa_leaf(level, &format!("smime {stem} EE"), "pq@example.com");
        let options = smime::SignOptions {
            digest: smime::DigestAlgorithm::Sha512,
            include_chain: true,
            ..smime::SignOptions::default()
        };
        let signed = smime::sign::sign_opaque_der(PLAINTEXT, &[leaf.identity()], &options)
            .map_err(|e| format!("{stem}: {e}"))?;
        put(format!("{stem}_signed_attrs.der"), &signed)?;
    }
    for level in pq::Kem::ALL {
        let stem = level.file_stem();
        let leaf = ta.ml_kem_leaf(level, &format!("smime {stem} EE"), "pq@example.com");
        put(format!("{stem}_ee.der"), &leaf.der)?;
        put(format!("{stem}_priv.der"), &leaf.key)?;
        let certificate = leaf.certificate();
        let aes128 = matches!(level, pq::Kem::L512);
        for (kdf, kdf_name) in [
            (smime::KemKdf::HkdfSha256, "id-alg-hkdf-with-sha256"),
            (smime::KemKdf::HkdfSha512, "id-alg-hkdf-with-sha512"),
        ] {
            for ukm in [false, true] {
                for auth in [false, true] {
                    let cipher = match (auth, aes128) {
                        (true, true) => smime::ContentCipher::Aes128Gcm,
                        (true, false) => smime::ContentCipher::Aes256Gcm,
                        (false, true) => smime::ContentCipher::Aes128Cbc,
                        (false, false) => smime::ContentCipher::Aes256Cbc,
                    };
                    let options = smime::EncryptOptions {
                        cipher,
                        kem: smime::KemOptions {
                            kdf,
                            ukm: ukm.then(|| UKM.to_vec()),
                        },
                        ..smime::EncryptOptions::default()
                    };
                    let der = smime::encrypt::encrypt_der(
                        PLAINTEXT,
                        std::slice::from_ref(&certificate),
                        &options,
                    )
                    .map_err(|e| format!("{stem}: {e}"))?;
                    let name = format!(
                        "{stem}_kemri{}_{kdf_name}{}.der",
                        if auth { "_auth" } else { "" },
                        if ukm { "_ukm" } else { "" }
                    );
                    put(name, &der)?;
                }
            }
        }
    }
    Ok(written)
}

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: pqc_artifacts OUTPUT_DIRECTORY");
        std::process::exit(2);
    };
    match write_artifacts(Path::new(&dir)) {
        Ok(files) => {
            for f in files {
                println!("{f}");
            }
        }
        Err(e) => {
            eprintln!("pqc_artifacts: {e}");
            std::process::exit(1);
        }
    }
}
