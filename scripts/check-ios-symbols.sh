#!/usr/bin/env bash
# Compares the `smime_*` functions each static library exports (llvm-nm) with the functions
# include/smime.h (or $SMIME_HEADER) declares, in both directions: a declared function
# missing from an archive, or an exported one the header does not declare, fails the check.
# Usage: scripts/check-ios-symbols.sh [ARCHIVE...]
#   (default: target/{aarch64-apple-ios,aarch64-apple-ios-sim,x86_64-apple-ios}/release/libsmime_ffi.a)
set -euo pipefail
cd "$(dirname "$0")/.."

# The archives hold LLVM bitcode members (compiler_builtins) that only an llvm-nm as new as
# rustc's LLVM reads: the one of rustup's llvm-tools component comes first.
nm=${LLVM_NM:-}
if [ -z "$nm" ]; then
  host=$(rustc -vV | sed -n 's/^host: //p')
  nm="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-nm"
  [ -x "$nm" ] || rustup component add llvm-tools >/dev/null 2>&1 || true
  [ -x "$nm" ] || nm=$(command -v llvm-nm || true)
fi
[ -n "$nm" ] && [ -x "$nm" ] || { echo "llvm-nm is needed: rustup component add llvm-tools" >&2; exit 1; }

archives=("$@")
if [ ${#archives[@]} -eq 0 ]; then
  target_dir=${CARGO_TARGET_DIR:-target}
  for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    archives+=("$target_dir/$target/release/libsmime_ffi.a")
  done
fi

header=${SMIME_HEADER:-include/smime.h}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Function declarations: a name followed by "(" outside the doc comments.
grep -v -E '^\s*(/\*|\*|//)' "$header" |
  grep -o -E '\bsmime_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$work/header"
declared=$(wc -l <"$work/header")
[ "$declared" -gt 0 ] || { echo "no functions found in include/smime.h" >&2; exit 1; }

status=0
for archive in "${archives[@]}"; do
  [ -f "$archive" ] || { echo "missing $archive" >&2; status=1; continue; }
  # Defined external text symbols; Mach-O names carry a leading underscore.
  if ! "$nm" --defined-only --extern-only --format=just-symbols "$archive" >"$work/nm" \
    2> >(grep -v ": no symbols$" >&2); then
    echo "$archive: $nm cannot read every member" >&2
    status=1
    continue
  fi
  sed -n 's/^_\{0,1\}\(smime_[a-z0-9_]*\)$/\1/p' "$work/nm" | sort -u >"$work/archive"
  exported=$(wc -l <"$work/archive")
  missing=$(comm -23 "$work/header" "$work/archive")
  extra=$(comm -13 "$work/header" "$work/archive")
  if [ -n "$missing" ] || [ -n "$extra" ]; then
    status=1
    echo "$archive: exports $exported smime_* functions, the header declares $declared" >&2
    [ -z "$missing" ] || echo "  declared but not exported: $(echo $missing)" >&2
    [ -z "$extra" ] || echo "  exported but not declared: $(echo $extra)" >&2
  else
    echo "$archive: the $exported smime_* functions match the header"
  fi
done
exit $status
