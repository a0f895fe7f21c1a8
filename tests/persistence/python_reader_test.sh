#!/bin/sh
# persistence/read_session.py, which uses only python3-lmdb, python3-protobuf and the
# shipped .proto files, reads what souk wrote: for a few sessions of a journal filled
# (and killed mid-write) by souk_crash_child, it must find every acknowledged event,
# with contiguous seqs and valid checksums.
# usage: python_reader_test.sh CRASH_CHILD READ_SESSION_PY
set -eu
child=$1
reader=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
timeout -s KILL 2 "$child" "$dir/data" 7 > "$dir/acks" || true
for session in crash-0 crash-1 crash-42; do
  acked=$(awk -v s="$session" '$1 == s { if ($2 > m) m = $2 } END { print m + 0 }' "$dir/acks")
  /usr/bin/python3 "$reader" "$dir/data" "$session" > "$dir/out"
  read=$(grep -c '^event' "$dir/out" || true)
  snapshots=$(grep -c '^snapshot' "$dir/out" || true)
  echo "$session: acked $acked, python read $read events and $snapshots snapshots"
  [ "$acked" -gt 0 ] && [ "$read" -ge "$acked" ] && [ "$snapshots" -gt 0 ]
done
