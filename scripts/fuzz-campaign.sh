#!/usr/bin/env bash
# A long fuzzing campaign (FUZZING.md): every target (or the ones named) for SECONDS each,
# FUZZ_JOBS (default 2) at a time under `nice`, from its corpus fuzz/corpus/<target>/ (kept
# between campaigns, git-ignored; seeded from fuzz/seeds and fuzz/regressions), with the
# dictionaries. Findings go to fuzz/artifacts/campaign-DATE/<target>/. Prints, and writes to
# fuzz/corpus/summary-DATE.md, a table per target: executions, exec/s, corpus size, coverage
# (libFuzzer's edge count "cov") and findings; fuzz/corpus/totals.tsv accumulates the
# executions of every campaign per target.
#
# Usage: scripts/fuzz-campaign.sh SECONDS [TARGET...]
# Environment: as scripts/fuzz-smoke.sh (FUZZ_JOBS, FUZZ_TIMEOUT, FUZZ_RSS_MB,
# FUZZ_SANITIZER, CARGO_TARGET_DIR). Exit code 1 when anything was found.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$root/fuzz
jobs=${FUZZ_JOBS:-2}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
sanitizer=${FUZZ_SANITIZER:-none}
target_dir=${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}
target_dir=${target_dir:-$fuzz/target}
# Another sanitizer is another build of every dependency: keep it beside the default one.
[ "$sanitizer" = none ] || target_dir=$target_dir/$sanitizer
stamp=$(date -u +%Y%m%d-%H%M%S)
artifacts=$fuzz/artifacts/campaign-$stamp
corpus_root=$fuzz/corpus
mkdir -p "$corpus_root" "$artifacts"

cd "$fuzz"
nice cargo +nightly fuzz build --sanitizer "$sanitizer" --debug-assertions --target-dir "$target_dir"
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin=$target_dir/$triple/release
if [ $# -gt 0 ]; then targets=$*; else targets=$(cargo +nightly fuzz list); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$fuzz"/dict/*.dict > "$work/all.dict"

run() {
  local t=$1 corpus=$corpus_root/$1 log=$work/$1.log
  mkdir -p "$corpus" "$artifacts/$t"
  local seeds=()
  [ -d "$fuzz/seeds/$t" ] && seeds+=("$fuzz/seeds/$t")
  [ -d "$fuzz/regressions/$t" ] && seeds+=("$fuzz/regressions/$t")
  local rc=0
  nice -n 15 "$bin/$t" "$corpus" "${seeds[@]}" -dict="$work/all.dict" \
    -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
    -malloc_limit_mb="$rss" -print_final_stats=1 -artifact_prefix="$artifacts/$t/" \
    > "$log" 2>&1 || rc=$?
  cp "$log" "$artifacts/$t/fuzz.log"
  local execs rate cov found
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  found=$(find "$artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) -printf '%f ')
  [ "$rc" -ne 0 ] && [ -z "$found" ] && found="exit $rc (see $artifacts/$t/fuzz.log)"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "${execs:-0}" "${rate:-0}" \
    "$(find "$corpus" -type f | wc -l)" "${cov:-?}" "${found:-none}" > "$work/$t.row"
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

summary=$corpus_root/summary-$stamp.md
{
  echo "Campaign $stamp: $seconds s per target, $jobs at a time, sanitizer $sanitizer, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| target | execs | exec/s | corpus | cov | findings |"
  echo "|---|---:|---:|---:|---:|---|"
  for t in $targets; do cat "$work/$t.row"; done
} | tee "$summary"
touch "$corpus_root/totals.tsv"
for t in $targets; do
  execs=$(cut -d'|' -f3 "$work/$t.row" | tr -d ' ')
  awk -F'\t' -v t="$t" -v n="$execs" 'BEGIN { found = 0 }
    $1 == t { $2 += n; found = 1 } { print $1 "\t" $2 }
    END { if (!found) print t "\t" n }' OFS='\t' "$corpus_root/totals.tsv" > "$work/totals"
  mv "$work/totals" "$corpus_root/totals.tsv"
done
echo
echo "executions over all campaigns (fuzz/corpus/totals.tsv):"
column -t "$corpus_root/totals.tsv"
! grep -v '| none |' "$work"/*.row | grep -q .
