//! Finding (and building) an example binary of this package from an integration test.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target directory's profile directory (`target/debug`), from the test binary's path
/// (`target/debug/deps/<test>-…`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// The example binary `name`, built (or brought up to date) with the same cargo, profile and
/// target directory as the running test, so a stale binary never tests old code.
pub fn example_binary(name: &str) -> PathBuf {
    let examples = profile_dir().join("examples");
    let exe = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let find = || -> Option<PathBuf> {
        let direct = examples.join(&exe);
        if direct.is_file() {
            return Some(direct);
        }
        // Built by `cargo test` but not uplifted: <name>-<hash>.
        std::fs::read_dir(&examples)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{name}-")) && !n.contains('.'))
            })
            .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
    };
    let target_dir = profile_dir()
        .parent()
        .expect("target directory")
        .to_path_buf();
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "-p", "smime", "--example", name]);
    if profile_dir().file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    let out = cargo
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo to build an example");
    assert!(
        out.status.success(),
        "building the {name} example failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    find().unwrap_or_else(|| panic!("the {name} example binary after building it"))
}
