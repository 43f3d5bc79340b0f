#!/usr/bin/env bash
# The CI smoke run of the fuzz targets (FUZZING.md): builds every target in one
# `cargo fuzz build`, then runs each for FUZZ_SECONDS (default 30) from its committed seeds
# with the dictionaries, FUZZ_JOBS (default 2) at a time, and prints per target the
# executions and executions per second. Exits non-zero when any target crashes, leaks, times
# out (an input slower than FUZZ_TIMEOUT seconds, default 10) or runs out of memory
# (FUZZ_RSS_MB, default 2048); the input that did it is kept under $FUZZ_ARTIFACTS (default
# fuzz/artifacts/smoke-DATE/TARGET/) and named in the output.
#
# Environment: FUZZ_SECONDS, FUZZ_JOBS, FUZZ_TIMEOUT, FUZZ_RSS_MB, FUZZ_TARGETS (a
# space-separated subset), FUZZ_SANITIZER (none, the default, or address), CARGO_TARGET_DIR
# (the build goes to $CARGO_TARGET_DIR/fuzz, else fuzz/target).
# Installs cargo-fuzz and the nightly toolchain when they are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$root/fuzz
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-2}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
sanitizer=${FUZZ_SANITIZER:-none}
artifacts=${FUZZ_ARTIFACTS:-$fuzz/artifacts/smoke-$(date +%Y%m%d-%H%M%S)}
target_dir=${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}
target_dir=${target_dir:-$fuzz/target}
# Another sanitizer is another build of every dependency: keep it beside the default one.
[ "$sanitizer" = none ] || target_dir=$target_dir/$sanitizer

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

start=$(date +%s)
cd "$fuzz"
# One build of every target. Release with debug assertions: an integer overflow is a finding.
cargo +nightly fuzz build --sanitizer "$sanitizer" --debug-assertions --target-dir "$target_dir"
built=$(date +%s)
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin=$target_dir/$triple/release
targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$fuzz"/dict/*.dict > "$work/all.dict"
mkdir -p "$artifacts"

# run TARGET: fuzzes it from a scratch copy of its seeds (the committed corpus stays as it is).
run() {
  local t=$1 corpus=$work/corpus-$1 log=$work/$1.log
  mkdir -p "$corpus" "$artifacts/$t"
  local seeds=()
  [ -d "$fuzz/seeds/$t" ] && seeds+=("$fuzz/seeds/$t")
  [ -d "$fuzz/regressions/$t" ] && seeds+=("$fuzz/regressions/$t")
  local rc=0
  nice "$bin/$t" "$corpus" "${seeds[@]}" -dict="$work/all.dict" -max_total_time="$seconds" \
    -timeout="$timeout" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t/" > "$log" 2>&1 || rc=$?
  local execs rate
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  local found
  found=$(find "$artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | tr '\n' ' ')
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    printf '%-20s FAILED (exit %s) %s\n' "$t" "$rc" "$found" > "$work/$t.result"
    tail -40 "$log" >> "$work/$t.result"
  else
    printf '%-20s %12s execs %8s exec/s\n' "$t" "${execs:-?}" "${rate:-?}" > "$work/$t.result"
  fi
}

running=0
for t in $targets; do
  run "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
echo "fuzz smoke: $seconds s per target, $jobs at a time, sanitizer $sanitizer"
for t in $targets; do
  cat "$work/$t.result"
  grep -q FAILED "$work/$t.result" && failed=1
done
end=$(date +%s)
echo "build $((built - start)) s, runs $((end - built)) s, total $((end - start)) s"
exit $failed
