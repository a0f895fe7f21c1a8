#!/bin/sh
# The web viewer end to end: a real node on the demo's data, the page loaded in
# headless Chromium, and what it shows checked against the API's answers.
# Leaves a screenshot at OUT_DIR/viewer.png.
# usage: viewer_test.sh SOUK_DEMO SOUK_NODE CATALOG OUT_DIR
set -eu
demo=$1 node=$2 catalog=$3 out=$4
dir=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT; [ -n "${KEEP:-}" ] && trap - EXIT
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "chromium is not installed (tools/souk test installs it)"; exit 1; }

"$demo" --data-dir "$dir/data" --catalog "$catalog" > "$dir/demo.out" 2>&1
hash=$(printf %s support-key | sha256sum | cut -d' ' -f1)
printf '[gateway]\napi-keys=["support sha256:%s session:read"]\nverify-interval=0s\n' "$hash" > "$dir/node.ini"
"$node" --http 127.0.0.1:0 --data-dir "$dir/data" --journal-preallocate-mb=8 --config "$dir/node.ini" --log-file "$dir/log" > "$dir/node.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "HTTP on" "$dir/node.out" && break; sleep 0.05; done
port=$(sed -n 's/.*HTTP on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/node.out")
[ -n "$port" ] || { cat "$dir/node.out"; exit 1; }
base="http://127.0.0.1:$port"

# The point to look at: the first version of ana's whose cart holds something, plus one.
python3 - "$base" > "$dir/expect" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer support-key"})
    return json.load(urllib.request.urlopen(req))
last = int(get("/v1/sessions/ana")["version"])
for v in range(1, last + 1):
    state = get(f"/v1/sessions/ana?version={v}")
    if state.get("cart", {}).get("lines"):
        v = min(v + 1, last)
        state = get(f"/v1/sessions/ana?version={v}")
        print(v, last, " ".join(l["sku"] for l in state["cart"]["lines"]))
        break
PY
read version last skus < "$dir/expect"
url="$base/viewer#key=support-key&session=ana&version=$version&diff=1,$version"
flags="--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync --virtual-time-budget=15000"
# shellcheck disable=SC2086
"$chromium" $flags --user-data-dir="$dir/chrome1" --dump-dom "$url" > "$dir/dom.html" 2> "$dir/chrome.err"
# shellcheck disable=SC2086
"$chromium" $flags --user-data-dir="$dir/chrome2" --window-size=1400,900 --screenshot="$out/viewer.png" "$url" 2>> "$dir/chrome.err"

python3 - "$dir/dom.html" "$version" "$last" "$skus" <<'PY'
import re, sys
dom, version, last, skus = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4].split()
def check(ok, what):
    if not ok:
        print("viewer: " + what); sys.exit(1)
check('data-ready="1"' in dom, "the page did not finish loading")
check('id="error"></span>' in dom, "the page shows an error: " + re.search(r'id="error">([^<]*)', dom).group(1))
check('<span id="state-version">%s</span>' % version in dom, "the state shown is not at version " + version)
# (the page's own script is in the DOM too: match rendered rows, with real numbers)
check(len(re.findall(r'<tr class="event[a-z ]*" data-seq="\d+"', dom)) == int(last),
      "the timeline does not hold all %s events" % last)
check(re.search(r'<tr class="event at" data-seq="%s"' % version, dom), "the timeline does not mark version " + version)
cart = re.search(r'<table id="cart">(.*?)</table>', dom, re.S).group(1)
for sku in skus:
    check(sku in cart, "the cart at version %s does not show %s" % (version, sku))
check(re.search(r'id="divergence">replay matches \(%s events\)' % last, dom), "no divergence flag shown")
changes = re.search(r'<ul id="changes"[^>]*>(.*?)</ul>', dom, re.S).group(1)
check("cart.lines" in changes, "the diff 1..%s does not show the cart change" % version)
print("viewer: ana at version %s of %s shows %s; timeline, diff and divergence flag present" % (version, last, " ".join(skus)))
PY
[ -s "$out/viewer.png" ] || { echo "no screenshot"; cat "$dir/chrome.err"; exit 1; }
echo "screenshot: $out/viewer.png"
