#!/usr/bin/env bash
# Builds the release static library of smime-ffi (the size-tuned release profile of the
# workspace Cargo.toml) for the iOS device and both simulators:
#   target/aarch64-apple-ios/release/libsmime_ffi.a       iPhone, iPad
#   target/aarch64-apple-ios-sim/release/libsmime_ffi.a   simulator on Apple silicon
#   target/x86_64-apple-ios/release/libsmime_ffi.a        simulator on Intel Macs
# It needs no Xcode: the dependencies are pure Rust and a static library is not linked.
# Targets whose standard library rustup can install are built in one cargo invocation; for
# the others (rustup has no prebuilt std for some toolchains) the standard library is built
# from the rust-src component (`-Z build-std`, enabled on a stable toolchain with
# RUSTC_BOOTSTRAP=1), again in one invocation.
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

# The crate is also a cdylib for other platforms; for iOS only the static library is made,
# so nothing needs Apple's linker.
build=(rustc --locked --release -p smime-ffi --lib --crate-type staticlib)

if [ ${#prebuilt[@]} -gt 0 ]; then
  echo "== iOS static library (prebuilt std): ${prebuilt[*]}"
  cargo "${build[@]}" $(printf -- '--target %s ' "${prebuilt[@]}")
fi
if [ ${#from_source[@]} -gt 0 ]; then
  echo "== iOS static library (std built from rust-src): ${from_source[*]}"
  rustup component add rust-src >/dev/null
  RUSTC_BOOTSTRAP=1 cargo "${build[@]}" -Z build-std=std,panic_unwind \
    $(printf -- '--target %s ' "${from_source[@]}")
fi

target_dir=${CARGO_TARGET_DIR:-target}
for target in "${targets[@]}"; do
  lib="$target_dir/$target/release/libsmime_ffi.a"
  [ -f "$lib" ] || { echo "missing $lib" >&2; exit 1; }
  printf '%-24s %8d bytes  %s\n' "$target" "$(stat -c %s "$lib" 2>/dev/null || stat -f %z "$lib")" "$lib"
done
