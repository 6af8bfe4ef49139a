#!/usr/bin/env bash
# The HTML page of `consim run --html` in a real browser (Debian's chromium,
# headless): it renders with no console error, the DOM the browser built
# holds as many arrows, stale marks and operations as the run's trace says
# (counted here from --trace with jq, for the page's window), and a
# screenshot goes into the build directory. The filters, set from the
# page's address (#client=NAME, #from=MS&to=MS), change what it shows by the
# counts the trace gives.
# Usage: tests/browser/test-html.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
consim="$build/consim"
if ! command -v chromium >/dev/null; then
  echo "test-html: chromium is missing (tools/install-deps.sh installs it)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scenario=scenarios/classroom/01-step2-exercise1-eventual.json
page="$tmp/exercise1.html"
"$consim" run "$scenario" --quiet --trace "$tmp/trace.jsonl" --html "$page" -o "$tmp/report.txt"

# A private profile, a time limit, the console on stderr.
browse() {
  timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "$@"
}
browse --dump-dom "file://$page" >"$tmp/dom.html" 2>"$tmp/console.log"

# The counts the trace gives for the window the page drew.
attr() {  # attr FILE ELEMENT_ID NAME: the value of NAME="..." on the element with that id
  sed -n "s/.*id=\"$2\"[^>]* $3=\"\([0-9]*\)\".*/\1/p" "$1"
}
from=$(attr "$page" spacetime data-from-ns)
to=$(attr "$page" spacetime data-to-ns)
if [ -z "$from" ] || [ -z "$to" ]; then
  echo "test-html: the page has no window" >&2
  exit 1
fi
count() {  # count JQ_CONDITION: trace lines in the window that meet it
  jq -n --argjson from "$from" --argjson to "$to" \
    "[inputs | select(.t >= \$from and .t <= \$to) | select($1)] | length" "$tmp/trace.jsonl"
}
want_arrows=$(count '(.ev == "send" or .ev == "duplicate") and (.kind | startswith("heartbeat") | not)')
want_stale=$(count '.ev == "complete" and .stale')
want_ops=$(count '.ev == "invoke"')

fail=0
check() {  # check WHAT GOT WANT
  if [ "$2" != "$3" ]; then
    echo "test-html: $1: the browser rendered '$2', the trace says '$3'" >&2
    fail=1
  fi
}
# What the page's script counted in the rendered DOM.
check "arrows" "$(attr "$tmp/dom.html" rendered-counts data-arrows)" "$want_arrows"
check "stale marks" "$(attr "$tmp/dom.html" rendered-counts data-stale-marks)" "$want_stale"
check "operations" "$(attr "$tmp/dom.html" rendered-counts data-operations)" "$want_ops"
[ "$want_stale" -ge 1 ] || { echo "test-html: Exercise 1's window has no stale read" >&2; fail=1; }

# The filters, set from the address: one client and half the window. The
# browser must show that client's operations only, and the messages sent in
# the range (counted from the trace).
client=$(sed -n 's/.*<g class="op op-[a-z]*" data-key="[^"]*" data-client="\([^"]*\)".*/\1/p' "$page" | head -n 1)
from_ms=$(( (from + 999999) / 1000000 ))
to_ms=$(( to / 1000000 ))
lo=$from_ms
hi=$(( from_ms + (to_ms - from_ms) / 3 ))
browse --dump-dom "file://$page#from=$lo&to=$hi" >"$tmp/dom-range.html" 2>>"$tmp/console.log"
lo_ns=$(( lo * 1000000 ))
hi_ns=$(( hi * 1000000 ))
want_range=$(jq -n --argjson from "$lo_ns" --argjson to "$hi_ns" \
  '[inputs | select(.t >= $from and .t <= $to) | select((.ev == "send" or .ev == "duplicate") and (.kind | startswith("heartbeat") | not))] | length' \
  "$tmp/trace.jsonl")
want_range_ops=$(jq -n --argjson from "$lo_ns" --argjson to "$hi_ns" \
  '[inputs | select(.t >= $from and .t <= $to) | select(.ev == "invoke")] | length' "$tmp/trace.jsonl")
check "arrows from $lo to $hi ms" "$(attr "$tmp/dom-range.html" rendered-counts data-visible-arrows)" "$want_range"
check "operations from $lo to $hi ms" "$(attr "$tmp/dom-range.html" rendered-counts data-visible-operations)" \
  "$want_range_ops"
[ "$want_range" -lt "$want_arrows" ] || { echo "test-html: the time range hid no arrow" >&2; fail=1; }
check "the range's start" "$(attr "$tmp/dom-range.html" rendered-counts data-view-from-ns)" "$lo_ns"
if [ -n "$client" ]; then
  browse --dump-dom "file://$page#client=$client" >"$tmp/dom-client.html" 2>>"$tmp/console.log"
  want_client=$(grep -o "<g class=\"op op-[a-z]*\" data-key=\"[^\"]*\" data-client=\"$client\"" "$page" | wc -l)
  check "operations of $client" "$(attr "$tmp/dom-client.html" rendered-counts data-visible-operations)" \
    "$want_client"
  [ "$want_client" -lt "$want_ops" ] || { echo "test-html: the client filter hid nothing" >&2; fail=1; }
else
  echo "test-html: no client in the page" >&2
  fail=1
fi

# No console errors (only the page's console lines: chromium logs much else).
console=$(grep "CONSOLE" "$tmp/console.log" || true)
if grep -qE "Uncaught|Error" <<<"$console"; then
  echo "test-html: console errors:" >&2
  echo "$console" >&2
  fail=1
fi

shot="$build/html-exercise1.png"
browse --screenshot="$shot" --window-size=1280,1400 --hide-scrollbars "file://$page" >/dev/null 2>"$tmp/shot.log"
if [ ! -s "$shot" ]; then
  echo "test-html: no screenshot" >&2
  fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "test-html: ok ($want_arrows arrows, $want_stale stale marks, $want_ops operations rendered;" \
  "filtered: $want_range arrows and $want_range_ops operations from $lo to $hi ms, $want_client of $client;" \
  "screenshot $shot)"
