#!/bin/sh
# souk-bench's scenarios run briefly and print rows that keep the JSON-line contract
# (scenario, system, ops_per_s, p50_us, p99_us, sessions, events) with work done in
# each. Not a performance test: the numbers are not judged.
# usage: souk_bench_smoke.sh SOUK_BENCH
set -eu
bench=$1
export SOUK_PREALLOCATE_MB=4  # the node's zeros ahead, exercised at a test's size
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "souk_bench_smoke: $*"; exit 1; }
run() {  # what... : each row of its --json output must keep the contract
  "$bench" "$@" --dir "$dir/data" --seconds 0.3 --json > "$dir/out" 2> "$dir/err" ||
    { cat "$dir/err"; fail "'$*' failed"; }
  rows=$(grep -c '"scenario"' "$dir/out") || fail "'$*' printed no row"
  for key in scenario system ops_per_s p50_us p99_us sessions events; do
    [ "$(grep -c "\"$key\":" "$dir/out")" -ge "$rows" ] || fail "'$*': a row lacks $key"
  done
  if grep '"scenario"' "$dir/out" | grep -q '"ops_per_s":0[,.]'; then
    fail "'$*': a row did no work: $(grep '"ops_per_s":0[,.]' "$dir/out")"
  fi
  [ -z "$(ls -A "$dir/data" 2>/dev/null)" ] || fail "'$*' left data behind"
}
run journal --only souk
run journal --only souk-rate
run journal --only reads
run sessions --only mutations@rate
run sessions --only activation
run sessions --only memory --sessions 200
