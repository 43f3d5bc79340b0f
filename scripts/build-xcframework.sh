#!/usr/bin/env bash
# macOS only (it needs Xcode's xcodebuild and lipo): builds target/SmimeFFI.xcframework from
# the iOS static libraries, with include/smime.h and include/module.modulemap as its headers,
# so that Swift and Objective-C `import smime`.
#   - the device slice: aarch64-apple-ios;
#   - the simulator slice: aarch64-apple-ios-sim and x86_64-apple-ios joined by lipo into one
#     fat library (an XCFramework holds one library per platform variant).
# It runs scripts/build-ios.sh first unless SMIME_SKIP_BUILD=1 (the archives already built).
# Usage: scripts/build-xcframework.sh [OUTPUT]   (default: target/SmimeFFI.xcframework)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" != Darwin ] || ! command -v xcodebuild >/dev/null || ! command -v lipo >/dev/null; then
  echo "scripts/build-xcframework.sh runs on macOS with Xcode only (xcodebuild, lipo);" >&2
  echo "elsewhere, scripts/build-ios.sh builds the static libraries and" >&2
  echo "scripts/check-ios-symbols.sh checks them." >&2
  exit 2
fi

target_dir=${CARGO_TARGET_DIR:-target}
output=${1:-$target_dir/SmimeFFI.xcframework}
[ "${SMIME_SKIP_BUILD:-0}" = 1 ] || scripts/build-ios.sh
scripts/check-ios-symbols.sh

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/headers" "$staging/simulator"
cp include/smime.h include/module.modulemap "$staging/headers/"
lipo -create \
  "$target_dir/aarch64-apple-ios-sim/release/libsmime_ffi.a" \
  "$target_dir/x86_64-apple-ios/release/libsmime_ffi.a" \
  -output "$staging/simulator/libsmime_ffi.a"

rm -rf "$output"
xcodebuild -create-xcframework \
  -library "$target_dir/aarch64-apple-ios/release/libsmime_ffi.a" -headers "$staging/headers" \
  -library "$staging/simulator/libsmime_ffi.a" -headers "$staging/headers" \
  -output "$output"
echo "built $output"
