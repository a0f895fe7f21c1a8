#!/bin/sh
# One fuzz target, briefly: its regressions replayed, then fuzzed for SECONDS from its
# seeds. New inputs go to a scratch directory, never the source tree; an input that
# breaks something is kept in build/fuzz-artifacts/ and the run fails.
# usage: run_fuzz.sh FUZZER SECONDS SEED_DIR REGRESSION_DIR
set -eu
fuzzer=$1 seconds=$2 seeds=$3 regressions=$4
name=$(basename "$fuzzer")
artifacts="$(dirname "$(dirname "$(dirname "$(dirname "$fuzzer")")")")/fuzz-artifacts/$name"
[ -d "$(dirname "$artifacts")" ] || artifacts="${TMPDIR:-/tmp}/fuzz-artifacts/$name"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
options="-timeout=30 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix=$artifacts/"
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions" 2>/dev/null)" ]; then
  # shellcheck disable=SC2086
  "$fuzzer" $options "$regressions"/* > "$work/replay.log" 2>&1 ||
    { tail -50 "$work/replay.log"; echo "$name: a regression input fails again"; exit 1; }
fi
# shellcheck disable=SC2086
"$fuzzer" $options -max_total_time="$seconds" -print_final_stats=1 "$work" "$seeds" \
  > "$work/fuzz.log" 2>&1 || { tail -60 "$work/fuzz.log"; echo "$name: failed; input in $artifacts"; exit 1; }
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
cov=$(grep -o 'cov: [0-9]*' "$work/fuzz.log" | tail -1)
echo "$name: $runs executions in ${seconds}s, $cov, no crash"
