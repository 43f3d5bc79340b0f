#!/usr/bin/env bash
# The table of docs/benchmarks.md from one run of bench/benches/cms.rs.
#
#   scripts/bench-table.sh --run [FILTER]   # clear the previous figures, run the benchmarks, print
#   scripts/bench-table.sh                  # print the table of the figures already there
#
# The table has one row per operation, size and key: ours, OpenSSL, and the ratio ours/OpenSSL
# (criterion's mean of each). A full run takes about ten minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
if [ "${1:-}" = "--run" ]; then
  shift
  # Only this suite's groups (OPERATION-KEY-SIZE), so the keyring benchmarks' history stays.
  if [ -d "$target/criterion" ]; then
    find "$target/criterion" -mindepth 1 -maxdepth 1 -type d \
      -regextype posix-extended -regex '.*/[a-z_]+-(rsa2048|p256)-[0-9]+(B|KiB|MiB)' \
      -exec rm -rf {} +
  fi
  cargo bench -p smime-bench --bench cms -- "$@" >&2
fi
cargo run -q -p smime-bench --bin bench-table -- "$target/criterion"
