//! Saves two large keyring snapshots, A and B, to one file alternately, forever: the process
//! that `tests/keyring_store.rs` kills mid-save to show that a keyring file is always either
//! the old or the new one.
//!
//! ```text
//! keyring_save_loop PATH KEY-HEX [CONTACTS]          # B, A, B, A, … printing "saved N" after each
//! keyring_save_loop PATH KEY-HEX [CONTACTS] --once   # one save of B; exit status 1 on an error
//! ```
//!
//! It prints `ready` once both snapshots are built, before the first save. Each snapshot holds
//! `CONTACTS` contacts (default [`DEFAULT_CONTACTS`]) of about 1 KB of pseudo-random bytes. The
//! test includes this file as a module to build the same snapshots with [`snapshot`], and picks
//! a size for which one save takes tens of milliseconds in its build profile.

use smime::keyring::store::{SealingKey, StoreError, save};
use smime::keyring::{ContactRecord, IdentityRecord, Snapshot, Source, StoredKey};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The number of contacts in each snapshot when none is given: about 20 MB.
pub const DEFAULT_CONTACTS: usize = 20_000;

/// Snapshot A (`which == 0`) or B (any other value) with `contacts` contacts: the same shape,
/// different bytes.
pub fn snapshot(which: u8, contacts: usize) -> Snapshot {
    let which = u8::from(which != 0);
    // A pool of pseudo-random bytes (xorshift64) that contacts take overlapping windows of:
    // cheap to build even in a debug build.
    const POOL: usize = 1 << 16;
    const CERT: usize = 1020;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ (u64::from(which) << 40 | 0x5A5A);
    let mut pool = Vec::with_capacity(POOL + CERT);
    while pool.len() < POOL + CERT {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pool.extend_from_slice(&x.to_le_bytes());
    }
    let sources = [
        Source::Manual,
        Source::File,
        Source::Pkcs12,
        Source::Directory,
        Source::CertsOnly,
        Source::SignedMail,
    ];
    let contacts = (0..contacts)
        .map(|i| {
            let at = (i * 4099) % POOL;
            let mut certificate = Vec::with_capacity(CERT + 4);
            certificate.extend_from_slice(&(i as u32).to_be_bytes());
            certificate.extend_from_slice(&pool[at..at + CERT]);
            let t = 1_700_000_000 + i as u64 * 60 + u64::from(which);
            ContactRecord {
                certificate,
                source: sources[i % sources.len()],
                first_seen: t,
                last_seen: t + 3600,
                capabilities: (i % 3 == 0).then(|| pool[at..at + 40].to_vec()),
                capabilities_seen: (i % 3 == 0).then_some(t + 60),
                preferred_seen: (i % 5 == 0).then_some(t + 120),
            }
        })
        .collect();
    Snapshot {
        identities: vec![
            IdentityRecord {
                certificate: pool[..900].to_vec(),
                chain: vec![pool[900..1800].to_vec()],
                key: StoredKey::Pkcs8(Zeroizing::new(pool[1800..1938].to_vec())),
                label: Some(format!(
                    "identity of snapshot {}",
                    ["A", "B"][usize::from(which)]
                )),
                added: 1_700_000_000,
            },
            IdentityRecord {
                certificate: pool[2000..2900].to_vec(),
                chain: Vec::new(),
                key: StoredKey::External(b"keychain:signing".to_vec()),
                label: None,
                added: 1_700_000_001,
            },
        ],
        contacts,
        trust_anchors: vec![pool[3000..3800].to_vec()],
        intermediates: vec![pool[4000..5000].to_vec()],
        crls: vec![pool[5000..5500].to_vec()],
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), Some(key)) = (args.next(), args.next()) else {
        return Err("usage: keyring_save_loop PATH KEY-HEX [CONTACTS] [--once]".into());
    };
    let mut once = false;
    let mut contacts = DEFAULT_CONTACTS;
    for arg in args {
        match arg.to_str() {
            Some("--once") => once = true,
            Some(n) => contacts = n.parse()?,
            None => return Err("arguments must be UTF-8".into()),
        }
    }
    let path = PathBuf::from(path);
    let key = SealingKey::from_key_file(key.as_encoded_bytes())?;
    let b = snapshot(1, contacts);
    if once {
        return match save(&path, &b, &key) {
            Ok(()) => {
                println!("saved 1");
                Ok(())
            }
            Err(e) => {
                eprintln!("error {}: {}", e.code(), smime::error::display_chain(&e));
                std::process::exit(1);
            }
        };
    }
    let a = snapshot(0, contacts);
    println!("ready");
    for n in 1u64.. {
        let next = if n % 2 == 1 { &b } else { &a };
        save(&path, next, &key).map_err(|e: StoreError| format!("save {n}: {e}"))?;
        println!("saved {n}");
    }
    Ok(())
}
