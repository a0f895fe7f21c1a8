#!/bin/sh
# souk-node stops cleanly on SIGTERM and on SIGINT: exit 0, its closing lines printed,
# and the data directory's writer lock released (a second start on it works).
# usage: souk_node_signal_test.sh SOUK_NODE CATALOG
set -eu
node=$1
catalog=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for signal in TERM INT; do
  "$node" --data-dir="$dir/data" --load-catalog="$catalog" > "$dir/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q serving "$dir/out" && break; sleep 0.05; done
  grep -q serving "$dir/out" || { cat "$dir/out"; exit 1; }
  kill -"$signal" "$pid"
  wait "$pid" || { echo "souk-node exited $? on SIG$signal"; cat "$dir/out"; exit 1; }
  grep -q "SIG$signal, passivating" "$dir/out" || { cat "$dir/out"; exit 1; }
  grep -q "stopped;" "$dir/out" || { cat "$dir/out"; exit 1; }
  echo "SIG$signal: clean stop"
done
