#!/bin/sh
# soukctl on the demo's data: offline on the data directory and online against a node,
# the same answers both ways, and exit codes that mean something.
# usage: soukctl_test.sh SOUK_DEMO SOUK_NODE SOUKCTL CATALOG
set -eu
demo=$1 node=$2 ctl=$3 catalog=$4
dir=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "soukctl_test: $*"; exit 1; }
expect_exit() {  # CODE command...
  code=$1; shift
  set +e; "$@" > "$dir/out" 2> "$dir/err"; got=$?; set -e
  [ "$got" -eq "$code" ] || { cat "$dir/out" "$dir/err"; fail "'$*' exited $got, not $code"; }
}

"$demo" --data-dir "$dir/data" --catalog "$catalog" > /dev/null 2>&1
off="$ctl --data-dir $dir/data"

# Offline.
$off sessions | grep -q '^ana  *cust-1' || fail "sessions does not list ana"
[ "$($off sessions --customer cust-2 --json | wc -l)" -eq 1 ] || fail "--customer does not filter"
[ "$($off sessions --since -1h --json | wc -l)" -eq 3 ] || fail "--since -1h misses sessions"
[ "$($off sessions --since 2000-01-01T00:00:00Z --limit 2 --json | wc -l)" -eq 2 ] || fail "--limit"
[ -z "$($off sessions --since 2999-01-01T00:00:00Z --json)" ] || fail "--since in the future lists sessions"
expect_exit 2 $off sessions --since 12
$off state ana --version 13 | grep -q 'SKU-123 *blue-m *x2' || fail "state at version 13 lacks the cart line"
$off history ana | grep -q '^1 .*session_started' || fail "history lacks the first event"
$off diff ana 12 16 | grep -q 'added: cart.discounts\[0\]: { code: "MARCH10"' || fail "diff 12 16 lacks MARCH10"
$off why ana | grep -q 'add_to_cart .*the customer asked for 2' || fail "why lacks the add_to_cart decision"
$off verify | grep -q 'verified 3 sessions: no divergence' || fail "verify found problems"
# On several threads: the same reports, in the same order.
strip_time() { sed 's/"checkedAt":"[^"]*"//'; }
[ "$($off verify --threads 1 --json | strip_time)" = "$($off verify --threads 3 --json | strip_time)" ] ||
  fail "verify on 3 threads differs from 1"
expect_exit 1 $off verify ana nobody ben --threads 2
[ "$(cat "$dir/out")" = "$(printf 'nobody: no session nobody\nverified 3 sessions: 1 problems')" ] ||
  { cat "$dir/out"; fail "verify of a missing session among others"; }
expect_exit 2 $off verify --threads 0
$off export ana --to email-agent > "$dir/ana.json"
grep -q '"checksum":"sha256:' "$dir/ana.json" || fail "export wrote no checksum"
expect_exit 4 $off state nobody
expect_exit 4 $off state ana --version 999
expect_exit 2 $off state ana --at yesterday
expect_exit 2 $off frobnicate
expect_exit 0 $off --help
expect_exit 0 $off diff --help
grep -q 'exit codes' "$dir/out" || fail "--help after a command does not print help"
printf 'secret\n' | $ctl hash-key | grep -Eq '^sha256:[0-9a-f]{64}$' || fail "hash-key"
expect_exit 2 $ctl hash-key secret   # never on the command line

# Online, against a node on the same data.
printf '[gateway]\napi-keys=["support %s session:read", "ops %s admin"]\nverify-interval=0s\n' \
  "$(echo support-key | $ctl hash-key)" "$(echo ops-key | $ctl hash-key)" > "$dir/node.ini"
"$node" --http 127.0.0.1:0 --data-dir "$dir/data" --journal-preallocate-mb=8 --config "$dir/node.ini" --log-file "$dir/log" > "$dir/node.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "HTTP on" "$dir/node.out" && break; sleep 0.05; done
port=$(sed -n 's/.*HTTP on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/node.out")
on="$ctl --url http://127.0.0.1:$port --key support-key"
for q in "state ana --version 13" "history ana" "diff ana 12 16" "why ana" "sessions"; do
  # shellcheck disable=SC2086
  [ "$($off $q --json)" = "$($on $q --json)" ] || fail "'$q' differs offline and online"
done
$on verify | grep -q 'verified 3 sessions: no divergence' || fail "online verify"
$on export ben --to sizing-specialist | grep -q '"toAgentId":"sizing-specialist"' || fail "online export"
$on export ben | grep -q '"checksum":"sha256:' || fail "online export has no checksum"
expect_exit 3 $ctl --url "http://127.0.0.1:$port" --key wrong state ana
expect_exit 4 $on state nobody
# Import: a tampered transfer is refused and changes nothing; the real one is taken.
before=$($on state ana --json)
sed 's/"customerId":"cust-1"/"customerId":"cust-9"/' "$dir/ana.json" > "$dir/tampered.json"
cmp -s "$dir/ana.json" "$dir/tampered.json" && fail "the tampering changed nothing"
expect_exit 1 $ctl --url "http://127.0.0.1:$port" --key ops-key import "$dir/tampered.json"
[ "$before" = "$($on state ana --json)" ] || fail "a refused import changed the session"
expect_exit 3 $on import "$dir/ana.json"   # support may not write
expect_exit 0 $ctl --url "http://127.0.0.1:$port" --key ops-key import "$dir/ana.json"
grep -q '^accepted: ' "$dir/out" || fail "the import was not accepted"
$on state ana | grep -q 'agent email-agent' || fail "the import did not hand the session over"
echo "soukctl: offline and online agree; exit codes hold"
