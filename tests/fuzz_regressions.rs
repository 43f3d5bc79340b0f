//! Replays the fuzz corpus through the fuzz targets' own bodies (fuzz/src/bodies.rs, the same
//! file the cargo-fuzz targets call): every committed seed under fuzz/seeds/<target>/ and every
//! regression input under fuzz/regressions/<target>/ (an input that once crashed, leaked or
//! timed out; see FUZZING.md). A panic fails the test and names the file; every call must
//! return.

// The fixtures module also serves the fuzz crate's C ABI target and seed generator.
#[allow(dead_code)]
#[path = "../fuzz/src/bodies.rs"]
mod bodies;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Targets whose bodies cannot be built by this package: the C ABI target needs the
/// `smime-ffi` crate and the structure-aware one `arbitrary`; the fuzz crate replays them
/// (`cargo test --manifest-path fuzz/Cargo.toml`).
const REPLAYED_ELSEWHERE: &[&str] = &["ffi", "structured"];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// The directory names under `dir`.
fn subdirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect()
}

/// Runs every file of `dir` through `body`; returns how many ran and the failures.
fn replay(name: &str, body: bodies::Body, dir: &Path) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let inputs = files(dir);
    for path in &inputs {
        let data = std::fs::read(path).expect("read corpus file");
        let start = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| body(&data)));
        let took = start.elapsed();
        if outcome.is_err() {
            failures.push(format!("{name}: {} panicked", path.display()));
        } else if took > Duration::from_secs(60) {
            failures.push(format!("{name}: {} took {took:?}", path.display()));
        }
    }
    (inputs.len(), failures)
}

/// Every seed and every regression input of every target returns without a panic, and every
/// target has a seed corpus (so that the replay covers each body).
#[test]
fn every_seed_and_regression_input_returns_without_panic() {
    let dir = fuzz_dir();
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, body) in bodies::TARGETS {
        let (seeds, f) = replay(name, *body, &dir.join("seeds").join(name));
        failures.extend(f);
        let (regressions, f) = replay(name, *body, &dir.join("regressions").join(name));
        failures.extend(f);
        if seeds == 0 {
            failures.push(format!("{name}: no seeds under fuzz/seeds/{name}"));
        }
        total += seeds + regressions;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total > 0);
}

/// Every corpus directory belongs to a target, so that no regression input sits where nothing
/// replays it.
#[test]
fn every_corpus_directory_names_a_target() {
    let dir = fuzz_dir();
    for kind in ["seeds", "regressions"] {
        for sub in subdirs(&dir.join(kind)) {
            assert!(
                bodies::TARGETS.iter().any(|(n, _)| *n == sub)
                    || REPLAYED_ELSEWHERE.contains(&sub.as_str()),
                "fuzz/{kind}/{sub} is no target's directory"
            );
        }
    }
}

/// The chunk sizes of the streaming targets stay between 1 and 4096 and vary.
#[test]
fn chunk_sizes_are_small_and_varied() {
    let mut chunks = bodies::Chunks::new(0x1234);
    let sizes: Vec<usize> = (0..1000).map(|_| chunks.next()).collect();
    assert!(sizes.iter().all(|s| (1..=4096).contains(s)));
    assert!(
        sizes.iter().filter(|s| **s == 1).count() > 10,
        "many one-byte chunks"
    );
    assert!(sizes.iter().any(|s| *s > 512), "some large chunks");
}

/// The keyring body sealer writes what the library unseals: the body of a keyring the library
/// sealed, re-sealed by the harness, unseals to the same keyring.
#[test]
fn sealed_bodies_reach_the_snapshot_decoder() {
    use smime::keyring::store::{self, SealingKey, StoreLimits};
    let raw = bodies::fixtures::SEALING_KEY;
    let key = SealingKey::from_bytes(raw);
    let mut ring = smime::Keyring::new();
    ring.add_trust_anchor(&smime::Certificate::from_der(bodies::fixtures::ROOT).expect("root"))
        .expect("anchor");
    let file = store::seal(&ring.to_snapshot(), &key).expect("seal");
    let body = bodies::unseal_body(&file, &raw).expect("the harness opens the library's file");
    let resealed = bodies::seal_body(&body, &raw);
    assert_ne!(
        resealed, file,
        "a fixed salt and nonce, not the library's fresh ones"
    );
    let snapshot = store::unseal(&resealed, &key, &StoreLimits::default()).expect("unseal");
    let back =
        smime::Keyring::from_snapshot(snapshot, &smime::keyring::NoExternalKeys).expect("keyring");
    assert_eq!(back.trust_anchors(), ring.trust_anchors());
    assert!(
        bodies::unseal_body(&file, &[0; 32]).is_none(),
        "a wrong key opens nothing"
    );
}
