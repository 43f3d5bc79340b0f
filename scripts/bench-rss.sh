#!/usr/bin/env bash
# Peak memory of encrypt, decrypt, sign and verify on one generated message, each operation in
# a process of its own under /usr/bin/time -v (bench/src/bin/rss.rs).
#
#   scripts/bench-rss.sh [SIZE_MIB] [oneshot]   # default 1024, the streaming types
#
# Prints one Markdown table: operation, input size, peak RSS, wall time. The message and the
# signed and encrypted inputs go to a temporary directory, removed at the end. With `oneshot`
# the one-shot functions are measured instead (they hold the message: keep SIZE_MIB within
# their 256 MiB default limit).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
suffix=""
[ "${2:-}" = oneshot ] && suffix=-oneshot
[ -x /usr/bin/time ] || { echo "bench-rss: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

cargo build -q --release -p smime-bench --bin rss
target=${CARGO_TARGET_DIR:-target}
rss="$target/release/rss"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smime-rss.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$rss" prepare "$dir" "$size" >/dev/null
echo "| operation | input | peak RSS | wall time |"
echo "|---|---:|---:|---:|"
for op in encrypt decrypt sign verify; do
  case $op in
    encrypt | sign) input=$dir/message.eml ;;
    decrypt) input=$dir/encrypted.eml ;;
    verify) input=$dir/signed.eml ;;
  esac
  bytes=$(stat -c %s "$input")
  /usr/bin/time -v "$rss" "$op$suffix" "$dir" >"$dir/$op.out" 2>"$dir/$op.time"
  kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/$op.time")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/$op.time")
  printf '| %s | %s MiB | %s MiB (%s KiB) | %s |\n' "$op$suffix" \
    "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" \
    "$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')" "$kib" "$wall"
  rm -f "$dir/out.eml"
done
