//! The part of the seed corpus that only the library can write (run by fuzz/seeds.sh):
//!
//! - `pq_keys`: ML-DSA-44/65/87 and ML-KEM-512/768/1024 PKCS#8 keys in the seed form the
//!   `ml-dsa` and `ml-kem` crates write, the expanded form and the both form (RFC 9881 and
//!   RFC 9935's `CHOICE`), and the ML-KEM seeds of the C ABI target;
//! - `keyring_body`: the plaintext bodies of the `keyring_load` seeds (the keyring files
//!   seeds.sh made), opened with the fixed sealing key.
//!
//! Usage: `cargo run --example seeds -- fuzz/seeds`

use pkcs8::EncodePrivateKey;
use smime_fuzz::bodies::{fixtures, unseal_body};
use std::path::Path;

fn write(out: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir).expect("seed directory");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// A PKCS#8 PrivateKeyInfo of algorithm `oid_der` (the OID's DER) holding `private_key`.
fn pkcs8(oid_der: &[u8], private_key: &[u8]) -> Vec<u8> {
    let version = [0x02, 0x01, 0x00];
    let alg = der(0x30, oid_der);
    der(
        0x30,
        &[&version[..], &alg, &der(0x04, private_key)].concat(),
    )
}

/// The algorithm OID's DER of a PKCS#8 document (its second element's first child).
fn algorithm_oid(doc: &[u8]) -> Vec<u8> {
    // SEQUENCE { INTEGER 0, SEQUENCE { OID ... } ... }: all short lengths up to the OID,
    // except the outer one.
    let mut i = 1;
    i += if doc[i] & 0x80 != 0 {
        1 + usize::from(doc[i] & 0x7f)
    } else {
        1
    };
    i += 3; // version
    i += 2; // AlgorithmIdentifier header
    let len = usize::from(doc[i + 1]);
    doc[i..i + 2 + len].to_vec()
}

fn seed32(label: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(label.as_bytes()).into()
}

macro_rules! dsa {
    ($out:expr, $p:ty, $name:expr) => {{
        let seed = ml_dsa::Seed::from(seed32($name));
        let key = ml_dsa::SigningKey::<$p>::from_seed(&seed);
        let doc = key.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
        let oid = algorithm_oid(&doc);
        #[allow(deprecated)]
        let expanded = key.expanded_key().to_expanded().to_vec();
        write($out, "pq_keys", &format!("{}-seed", $name), &doc);
        write(
            $out,
            "pq_keys",
            &format!("{}-expanded", $name),
            &pkcs8(&oid, &der(0x04, &expanded)),
        );
        let both = der(
            0x30,
            &[der(0x04, &seed32($name)), der(0x04, &expanded)].concat(),
        );
        write(
            $out,
            "pq_keys",
            &format!("{}-both", $name),
            &pkcs8(&oid, &both),
        );
    }};
}

macro_rules! kem {
    ($out:expr, $p:ty, $name:expr) => {{
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(&seed32(&format!("{}/d", $name)));
        seed[32..].copy_from_slice(&seed32(&format!("{}/z", $name)));
        let key = ml_kem::DecapsulationKey::<$p>::from_seed(seed.into());
        let doc = key.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
        write($out, "pq_keys", &format!("{}-seed", $name), &doc);
        let mut ffi = vec![12u8];
        ffi.extend_from_slice(&doc);
        write($out, "ffi", &format!("{}-key", $name), &ffi);
    }};
}

fn main() {
    let out = std::env::args().nth(1).expect("usage: seeds OUT-DIR");
    let out = Path::new(&out);
    dsa!(out, ml_dsa::MlDsa44, "ml-dsa-44");
    dsa!(out, ml_dsa::MlDsa65, "ml-dsa-65");
    dsa!(out, ml_dsa::MlDsa87, "ml-dsa-87");
    kem!(out, ml_kem::MlKem512, "ml-kem-512");
    kem!(out, ml_kem::MlKem768, "ml-kem-768");
    kem!(out, ml_kem::MlKem1024, "ml-kem-1024");
    let mut bodies = 0;
    if let Ok(entries) = std::fs::read_dir(out.join("keyring_load")) {
        for e in entries {
            let path = e.expect("entry").path();
            let file = std::fs::read(&path).expect("read keyring seed");
            if let Some(body) = unseal_body(&file, &fixtures::SEALING_KEY) {
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                write(out, "keyring_body", &name, &body);
                bodies += 1;
            }
        }
    }
    assert!(
        bodies > 0,
        "no keyring_load seed opened with the fixed sealing key"
    );
}
