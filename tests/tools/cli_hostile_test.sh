#!/bin/sh
# souk-node's and soukctl's command lines, hostile and odd: every run ends with an exit
# code of its own (never a signal), durations work on the command line as in the file,
# and the example API keys are served on loopback only unless told it is a demo.
# usage: cli_hostile_test.sh SOUK_NODE SOUKCTL SOUK_NODE_INI
set -eu
node=$1 ctl=$2 ini=$3
dir=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "cli_hostile_test: $*" | cut -c1-400; exit 1; }

# Runs a command that must stop by itself within 10 s with an exit code below 128.
ends() {
  set +e
  timeout -s KILL 10 "$@" > "$dir/out" 2>&1 < /dev/null
  got=$?
  set -e
  [ "$got" -lt 128 ] || { cut -c1-400 "$dir/out"; fail "'$*' died with $got"; }
  [ "$got" -ne 0 ] || return 0
  grep -q . "$dir/out" || fail "'$*' exited $got without a word"
}

# Starts souk-node with "$@"; waits until it serves (true) or exits (false).
serves() {
  "$node" --data-dir="$dir/data" --journal-preallocate-mb=0 "$@" > "$dir/node.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -q serving "$dir/node.out" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      set +e; wait "$pid"; echo "exit $?" > "$dir/code"; set -e
      pid=
      return 1
    fi
    sleep 0.05
  done
  fail "souk-node neither served nor stopped: $(cat "$dir/node.out")"
}
# souk-node with odd arguments: it refuses them (an exit code below 128, and a reason),
# or it serves, and then stops cleanly on SIGTERM.
node_ends() {
  if serves "$@"; then
    stop
  else
    code=$(sed -n 's/^exit //p' "$dir/code")
    [ "${code:-0}" -lt 128 ] || { cut -c1-400 "$dir/node.out"; fail "souk-node died ($code): $*"; }
    grep -q . "$dir/node.out" || fail "souk-node refused without a word: $*"
  fi
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || fail "souk-node exited $? on SIGTERM"
  pid=
}

# Durations on the command line (they crashed the node once) and in the file alike.
serves --http 127.0.0.1:0 --idle-timeout=5min --gateway.request-timeout=5s \
  --gateway.verify-interval=2min || fail "durations on the command line: $(cat "$dir/node.out")"
stop
serves --http 127.0.0.1:0 --config "$ini" || fail "the example config: $(cat "$dir/node.out")"
stop

# The example keys: refused beyond loopback, unless it is a demo.
if serves --http 0.0.0.0:0 --config "$ini"; then stop; fail "served the example keys on 0.0.0.0"; fi
grep -q "example API keys" "$dir/node.out" || fail "no reason given: $(cat "$dir/node.out")"
serves --http 0.0.0.0:0 --config "$ini" --demo || fail "--demo: $(cat "$dir/node.out")"
stop

long=$(head -c 100000 /dev/zero | tr '\0' x)
for args in "--idle-timeout=300000" "--idle-timeout=-5min" "--idle-timeout=99999999999999h" \
  "--http=" "--http=:" "--http=nohost" "--http=1.2.3.4:99999" "--http=[::1]:x" \
  "--snapshot-every=-1" "--max-live-sessions=abc" "--gateway.threads=0x" \
  "--gateway.api-keys=[\"x\"]" "--gateway.api-keys=[\"a sha256:zz admin\"]" \
  "--gateway.transfer-keys=[\"a:zz\"]" "--gateway.transfer-keys=[\"\"]" \
  "--config=/nonexistent/souk.ini" "--config-file=$dir" "--load-catalog=/nonexistent" \
  "--load-catalog=$dir" "--unknown-flag" "--$long" "--data-dir=$long" "--node-id=$long" \
  "--scheduler.max-threads=-1" "--gateway.body-limit=-1" "--gateway.verify-sample=abc"; do
  node_ends "$args"
  node_ends "$args" --http 127.0.0.1:0
done
printf '[global]\nidle-timeout="x"\n[gateway]\napi-keys=7\n' > "$dir/bad.ini"
node_ends --config "$dir/bad.ini"
printf '\377\376[[[=\n\000\n' > "$dir/binary.ini"
node_ends --config "$dir/binary.ini"

# soukctl, offline on an empty data directory and online against nothing.
mkdir -p "$dir/empty"
off="$ctl --data-dir $dir/empty"
for args in "state" "state ana --at -999999999d" "state ana --at -3650000d" \
  "state ana --version 18446744073709551616" "state ana --at $long" "diff ana x y" \
  "history ana --since -999999999d" "sessions --since -100000000h" "sessions --limit -1" \
  "verify --threads abc" "verify --threads 99999999999" "export" "import /nonexistent" \
  "import $dir/binary.ini" "load-catalog $dir/binary.ini" "retention --archive-after-days -5" \
  "hash-key secret" "nothing" "--json" "$long"; do
  # shellcheck disable=SC2086
  ends $off $args
done
ends "$ctl" --data-dir /nonexistent/dir state ana
ends "$ctl" --url http://127.0.0.1:1 --key k state ana
ends "$ctl" --url "http://$long" state ana
ends "$ctl" --url ftp://x state ana
echo "cli: no signal, every refusal said why"
