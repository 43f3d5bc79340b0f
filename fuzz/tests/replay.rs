//! Replays the seeds and regression inputs of the targets the root package cannot build (the
//! C ABI target and the structure-aware one) through their bodies; the other targets are
//! replayed by the root package's tests/fuzz_regressions.rs. Run with
//! `cargo test --manifest-path fuzz/Cargo.toml`.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(dir.join(kind).join(target)) else {
            continue;
        };
        for e in entries {
            let path = e.expect("entry").path();
            let data = std::fs::read(&path).expect("read input");
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
            n += 1;
        }
    }
    n
}

/// Every C ABI seed and regression input returns, and none hits a caught panic.
#[test]
fn ffi_inputs_return_without_panic() {
    assert!(
        replay("ffi", smime_fuzz::ffi::ffi) > 0,
        "the ffi target has seeds"
    );
}

/// Every structured regression input (and seed, if any) builds and returns without a panic;
/// and a fixed description of every kind builds a message the library parses.
#[test]
fn structured_inputs_return_without_panic() {
    replay("structured", smime_fuzz::structured::run_bytes);
    for bytes in [&[0u8; 64][..], &[1; 300], &[2; 300], &[0xff; 512]] {
        smime_fuzz::structured::run_bytes(bytes);
    }
}

/// Every body's target name is a cargo-fuzz target of this crate.
#[test]
fn every_body_is_a_target() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("manifest");
    for (name, _) in smime_fuzz::bodies::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name} has no [[bin]] in fuzz/Cargo.toml"
        );
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&src).expect("target source");
        assert!(
            text.contains(&format!("bodies::{name}(")),
            "{} calls its body",
            src.display()
        );
    }
}
