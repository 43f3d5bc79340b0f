#!/usr/bin/env bash
# Builds the release static library of smime-ffi (the size-tuned release profile of the
# workspace Cargo.toml) for the iOS device and both simulators:
#   target/aarch64-apple-ios/release/libsmime_ffi.a       iPhone, iPad
#   target/aarch64-apple-ios-sim/release/libsmime_ffi.a   simulator on Apple silicon
#   target/x86_64-apple-ios/release/libsmime_ffi.a        simulator on Intel Macs
# It needs no Xcode: the dependencies are pure Rust and a static library is not linked.
# For a target whose standard library rustup cannot install (rustup has no prebuilt std of
# some targets for some toolchains) the standard library is built from the rust-src component
# (`-Z build-std`, enabled on a stable toolchain with RUSTC_BOOTSTRAP=1).
# One cargo invocation per target: `cargo rustc --crate-type` (only the static library, so
# that nothing needs Apple's linker; the crate is also a cdylib for other platforms) takes a
# single --target.
# (Empty arrays are expanded as ${a[@]+"${a[@]}"} for the bash 3.2 of macOS.)
# Usage: scripts/build-ios.sh [TARGET...]   (default: the three above)
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)

prebuilt=()
from_source=()
for target in "${targets[@]}"; do
  if rustup target list --installed | grep -qx "$target" || rustup target add "$target" >/dev/null 2>&1; then
    prebuilt+=("$target")
  else
    from_source+=("$target")
  fi
done

build=(rustc --locked --release -p smime-ffi --lib --crate-type staticlib)
for target in ${prebuilt[@]+"${prebuilt[@]}"}; do
  echo "== iOS static library for $target (prebuilt std)"
  cargo "${build[@]}" --target "$target"
done
for target in ${from_source[@]+"${from_source[@]}"}; do
  echo "== iOS static library for $target (std built from rust-src)"
  rustup component add rust-src >/dev/null
  RUSTC_BOOTSTRAP=1 cargo "${build[@]}" --target "$target" -Z build-std=std,panic_unwind
done

target_dir=${CARGO_TARGET_DIR:-target}
for target in "${targets[@]}"; do
  lib="$target_dir/$target/release/libsmime_ffi.a"
  [ -f "$lib" ] || { echo "missing $lib" >&2; exit 1; }
  printf '%-24s %8d bytes  %s\n' "$target" "$(stat -c %s "$lib" 2>/dev/null || stat -f %z "$lib")" "$lib"
done
