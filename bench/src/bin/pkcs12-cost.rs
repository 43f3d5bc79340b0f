//! Measures what the PKCS#12 work budget ([`smime::Pkcs12Limits::max_work`]) allows: for each
//! kind of key derivation a file may ask for, the time of one work unit, and the time of a
//! file that spends the whole default budget on that kind.
//!
//! Run in a release build: `cargo run --release -p smime-bench --bin pkcs12-cost`.
//!
//! The files are made here (hand-encoded DER; PBKDF2, AES, 3DES and HMAC from OpenSSL): keys
//! in PBES2 shrouded bags with PBKDF2-HMAC-SHA-1, SHA-256 or SHA-512, keys under
//! pbeWithSHAAnd3-KeyTripleDES-CBC (the PKCS#12 derivation with SHA-1), and integrity MACs
//! under the PKCS#12 derivation with SHA-1 and SHA-512. Each file really decrypts: every
//! derivation it asks for runs.

use openssl::hash::{MessageDigest, hash};
use openssl::pkey::PKey;
use openssl::sign::Signer;
use openssl::symm::{Cipher, encrypt};
use smime::pkcs12::{DEFAULT_MAX_WORK, Pkcs12Limits, parse_pkcs12};
use std::time::Instant;

const PASSWORD: &str = "benchmark password";

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn uint(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// An OID from its dotted form.
fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap_or(0)).collect();
    let mut content = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut stack = vec![(arc & 0x7F) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            stack.push((rest & 0x7F) as u8 | 0x80);
            rest >>= 7;
        }
        content.extend(stack.iter().rev());
    }
    tlv(0x06, &content)
}

const DATA: &str = "1.2.840.113549.1.7.1";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const PBES2: &str = "1.2.840.113549.1.5.13";
const PBKDF2: &str = "1.2.840.113549.1.5.12";
const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";

/// A PRF or MAC hash: its OIDs and OpenSSL digest.
#[derive(Clone, Copy)]
struct Hash {
    name: &'static str,
    hmac_oid: &'static str,
    digest_oid: &'static str,
    md: fn() -> MessageDigest,
    block: usize,
}

const SHA1: Hash = Hash {
    name: "SHA-1",
    hmac_oid: "1.2.840.113549.2.7",
    digest_oid: "1.3.14.3.2.26",
    md: MessageDigest::sha1,
    block: 64,
};
const SHA256: Hash = Hash {
    name: "SHA-256",
    hmac_oid: "1.2.840.113549.2.9",
    digest_oid: "2.16.840.1.101.3.4.2.1",
    md: MessageDigest::sha256,
    block: 64,
};
const SHA512: Hash = Hash {
    name: "SHA-512",
    hmac_oid: "1.2.840.113549.2.11",
    digest_oid: "2.16.840.1.101.3.4.2.3",
    md: MessageDigest::sha512,
    block: 128,
};

/// The RFC 7292 appendix B.2 derivation.
fn pkcs12_kdf(h: Hash, password: &str, salt: &[u8], id: u8, iterations: u32, n: usize) -> Vec<u8> {
    let mut pw: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    pw.extend_from_slice(&[0, 0]);
    let v = h.block;
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        src.iter()
            .copied()
            .cycle()
            .take(v * src.len().div_ceil(v))
            .collect()
    };
    let mut i = fill(salt);
    i.extend(fill(&pw));
    let mut out = Vec::new();
    loop {
        let mut a = hash((h.md)(), &[vec![id; v], i.clone()].concat())
            .expect("hash")
            .to_vec();
        for _ in 1..iterations {
            a = hash((h.md)(), &a).expect("hash").to_vec();
        }
        out.extend_from_slice(&a);
        if out.len() >= n {
            out.truncate(n);
            return out;
        }
        let b: Vec<u8> = (0..v).map(|k| a[k % a.len()]).collect();
        for chunk in i.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..chunk.len()).rev() {
                let s = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = s as u8;
                carry = s >> 8;
            }
        }
    }
}

/// A shrouded key bag under PBES2 (PBKDF2 with `prf`, AES-256-CBC).
fn pbes2_bag(key: &[u8], prf: Hash, iterations: u32) -> Vec<u8> {
    let salt = [7u8; 16];
    let iv = [9u8; 16];
    let mut k = [0u8; 32];
    openssl::pkcs5::pbkdf2_hmac(
        PASSWORD.as_bytes(),
        &salt,
        iterations as usize,
        (prf.md)(),
        &mut k,
    )
    .expect("pbkdf2");
    let ct = encrypt(Cipher::aes_256_cbc(), &k, Some(&iv), key).expect("aes");
    let alg = seq(&[
        &oid(PBES2),
        &seq(&[
            &seq(&[
                &oid(PBKDF2),
                &seq(&[
                    &tlv(0x04, &salt),
                    &uint(iterations),
                    &seq(&[&oid(prf.hmac_oid), &[5, 0]]),
                ]),
            ]),
            &seq(&[&oid(AES256_CBC), &tlv(0x04, &iv)]),
        ]),
    ]);
    seq(&[
        &oid(SHROUDED_KEY_BAG),
        &tlv(0xA0, &seq(&[&alg, &tlv(0x04, &ct)])),
    ])
}

/// A shrouded key bag under pbeWithSHAAnd3-KeyTripleDES-CBC.
fn pkcs12_pbe_bag(key: &[u8], iterations: u32) -> Vec<u8> {
    let salt = [5u8; 8];
    let k = pkcs12_kdf(SHA1, PASSWORD, &salt, 1, iterations, 24);
    let iv = pkcs12_kdf(SHA1, PASSWORD, &salt, 2, iterations, 8);
    let ct = encrypt(Cipher::des_ede3_cbc(), &k, Some(&iv), key).expect("3des");
    let alg = seq(&[
        &oid(PBE_SHA1_3DES),
        &seq(&[&tlv(0x04, &salt), &uint(iterations)]),
    ]);
    seq(&[
        &oid(SHROUDED_KEY_BAG),
        &tlv(0xA0, &seq(&[&alg, &tlv(0x04, &ct)])),
    ])
}

/// A PFX over `bags` (one plain safe), with a MAC of `mac` at `mac_iterations` if given.
fn pfx(bags: &[Vec<u8>], mac: Option<(Hash, u32)>) -> Vec<u8> {
    let auth_safe = if bags.is_empty() {
        seq(&[])
    } else {
        let safe = seq(&bags.iter().map(Vec::as_slice).collect::<Vec<_>>());
        seq(&[&seq(&[&oid(DATA), &tlv(0xA0, &tlv(0x04, &safe))])])
    };
    let content = seq(&[&oid(DATA), &tlv(0xA0, &tlv(0x04, &auth_safe))]);
    let mac_data = match mac {
        None => Vec::new(),
        Some((h, iterations)) => {
            let salt = [3u8; 8];
            let len = (h.md)().size();
            let key = pkcs12_kdf(h, PASSWORD, &salt, 3, iterations, len);
            let pkey = PKey::hmac(&key).expect("hmac key");
            let mut signer = Signer::new((h.md)(), &pkey).expect("hmac");
            signer.update(&auth_safe).expect("hmac");
            let tag = signer.sign_to_vec().expect("hmac");
            seq(&[
                &seq(&[&seq(&[&oid(h.digest_oid), &[5, 0]]), &tlv(0x04, &tag)]),
                &tlv(0x04, &salt),
                &uint(iterations),
            ])
        }
    };
    seq(&[&uint(3), &content, &mac_data])
}

fn time_parse(file: &[u8], limits: &Pkcs12Limits) -> (f64, Result<usize, smime::Pkcs12Error>) {
    let start = Instant::now();
    let result = parse_pkcs12(file, PASSWORD, limits).map(|c| c.keys.len());
    (start.elapsed().as_secs_f64(), result)
}

/// One kind of derivation: a name, the work one file of it costs, and a maker.
struct Kind {
    name: String,
    /// Makes a file of `count` derivations of this kind at `iterations`.
    make: Box<dyn Fn(usize, u32) -> Vec<u8>>,
    /// The work of one derivation at 1 000 000 iterations (as the library counts it).
    work_per_million: u64,
    /// Iterations one derivation charges (the PKCS#12 PBE schemes charge two derivations).
    iterations_per_derivation: u64,
}

fn main() {
    let group =
        openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).expect("group");
    let ec = openssl::ec::EcKey::generate(&group).expect("key");
    let key = PKey::from_ec_key(ec)
        .and_then(|k| k.private_key_to_pkcs8())
        .expect("pkcs8");
    let limits = Pkcs12Limits::default();
    // Work per 1 000 000 iterations as `smime` counts it (pbe::derivation_work): PBKDF2 two
    // compressions per iteration and output block (SHA-1 gives an AES-256 key in two
    // blocks), the PKCS#12 derivation one; a SHA-256 compression weighs 2, a SHA-512 one 5.
    let mut kinds: Vec<Kind> = Vec::new();
    for (h, blocks, weight) in [(SHA1, 2, 1), (SHA256, 1, 2), (SHA512, 1, 5)] {
        let k = key.clone();
        kinds.push(Kind {
            name: format!("PBES2 PBKDF2-HMAC-{}", h.name),
            make: Box::new(move |n, it| {
                pfx(
                    &(0..n).map(|_| pbes2_bag(&k, h, it)).collect::<Vec<_>>(),
                    None,
                )
            }),
            work_per_million: 2_000_000 * blocks * weight,
            iterations_per_derivation: 1,
        });
    }
    let k = key.clone();
    kinds.push(Kind {
        name: "pbeWithSHAAnd3-KeyTripleDES-CBC (PKCS#12 KDF SHA-1, key + IV)".into(),
        make: Box::new(move |n, it| {
            pfx(
                &(0..n).map(|_| pkcs12_pbe_bag(&k, it)).collect::<Vec<_>>(),
                None,
            )
        }),
        work_per_million: 3_000_000,
        iterations_per_derivation: 2,
    });
    for (h, weight) in [(SHA1, 1), (SHA512, 5)] {
        kinds.push(Kind {
            name: format!("MAC, PKCS#12 KDF {}", h.name),
            make: Box::new(move |_, it| pfx(&[], Some((h, it)))),
            work_per_million: 1_000_000 * weight,
            iterations_per_derivation: 1,
        });
    }

    println!("default max_work: {DEFAULT_MAX_WORK} units");
    println!(
        "| derivation | ns per work unit | derivations at 1M iterations in the budget | file at the whole budget |"
    );
    println!("|---|---:|---:|---:|");
    let mut worst: f64 = 0.0;
    for kind in &kinds {
        // One derivation at 200 000 iterations: the time of a unit.
        let file = (kind.make)(1, 200_000);
        let unlimited = Pkcs12Limits {
            max_work: u64::MAX,
            ..Pkcs12Limits::default()
        };
        let (t, r) = time_parse(&file, &unlimited);
        r.expect("the sample file reads");
        let ns_per_unit = t * 1e9 / (kind.work_per_million as f64 / 5.0);
        // The whole budget: as many derivations at 1 000 000 iterations as fit (a MAC is one
        // per file: its iterations are raised to the per-derivation maximum only).
        let per_file = if kind.name.starts_with("MAC") {
            1
        } else {
            // (the set-up and first blocks of each derivation cost a few units more)
            let by_work = limits.max_work / (kind.work_per_million + 1_000);
            let by_iterations =
                limits.max_total_iterations / (1_000_000 * kind.iterations_per_derivation);
            by_work.min(by_iterations) as usize
        };
        let file = (kind.make)(per_file, 1_000_000);
        let (t_full, r) = time_parse(&file, &limits);
        let keys = r.expect("the budget file reads");
        assert!(kind.name.starts_with("MAC") || keys == per_file);
        worst = worst.max(ns_per_unit * DEFAULT_MAX_WORK as f64 / 1e9);
        println!(
            "| {} | {:.1} | {} | {:.2} s ({} derivations) |",
            kind.name, ns_per_unit, per_file, t_full, per_file
        );
    }
    println!("the whole default budget spent on the slowest kind per unit: {worst:.2} s");
    // The file of issue 11: 16 shrouded keys of PBKDF2-HMAC-SHA-512 at 1 000 000 iterations.
    let file = (kinds[2].make)(16, 1_000_000);
    let (t, r) = time_parse(&file, &limits);
    println!(
        "16 PBKDF2-HMAC-SHA-512 keys at 1 000 000 iterations: {:?} after {:.3} s",
        r, t
    );
}
