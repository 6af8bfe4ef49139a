#!/usr/bin/env bash
# consim load against consim serve on loopback: the scenario's workload and
# probe over HTTP, its history read by consim check, the counts adding up;
# a refused target is one message and exit 2; a node that dies mid-run is
# counted failures. Usage: test-load.sh CONSIM. Every process runs under
# `timeout` on ephemeral loopback ports and is stopped by its PID; the
# temporary folder is removed at the end.
set -euo pipefail
CONSIM="$1"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# counts FILE: "invoked ok failed unknown" from consim check's JSON.
counts() {
  "$CONSIM" check "$1" --format json |
    python3 -c 'import json,sys; o=json.load(sys.stdin)["staleness"]["operations"]; print(o["invoked"], o["ok"], o["failed"], o["unknown"])'
}

# --- The default scenario, 3 s of load at its rates (W=2, R=1).
start chapter
out="$(timeout 30 "$CONSIM" load --target "$TARGETS" --duration-ms 3000 --history "$tmp/load.jsonl")"
expect "load" '^consim load: scenario "default", 3 targets, open loop at 200/s' "$out"
expect "load" 'consim load: history written to' "$out"
line="$(grep '^consim load: stopped' <<<"$out")"
read -r invoked ok failed unknown < <(sed -E 's/.*: ([0-9]+) operations invoked: ([0-9]+) ok, ([0-9]+) failed, ([0-9]+) unknown.*/\1 \2 \3 \4/' <<<"$line")
[ "$invoked" -eq $((ok + failed + unknown)) ] || fail "load: $invoked != $ok + $failed + $unknown"
# About 200/s for 3 s, and 3 probe writes with 5 delays x 3 levels of reads each.
[ "$invoked" -gt 400 ] || fail "load: only $invoked operations"
[ "$failed" -eq 0 ] || fail "load: $failed failed on a healthy cluster: $line"
report="$("$CONSIM" check "$tmp/load.jsonl")"
expect "check" 'scenario "default"' "$report"
expect "check" '^Stale reads' "$report"
expect "check" '^Window' "$report"
expect "check" '^Probe' "$report"
expect "check" '^Sessions' "$report"
expect "check" '^  read_your_writes' "$report"
read -r c_invoked c_ok c_failed c_unknown < <(counts "$tmp/load.jsonl")
[ "$c_invoked" -eq "$invoked" ] && [ "$c_ok" -eq "$ok" ] && [ "$c_failed" -eq "$failed" ] && [ "$c_unknown" -eq "$unknown" ] ||
  fail "check counts $c_invoked $c_ok $c_failed $c_unknown, load said $invoked $ok $failed $unknown"
expect "history header" '"source":"live"' "$(head -1 "$tmp/load.jsonl")"
expect "history probe" '"source":"probe"' "$(cat "$tmp/load.jsonl")"
# Linearizability of the same file: the checker reads it (exit 0 or 3, never 2).
rc=0
"$CONSIM" check --linearizable "$tmp/load.jsonl" >/dev/null || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "check --linearizable: exit $rc"
# A node dies mid-run (its process is the same here: crash it by the admin endpoint): counted failures.
( sleep 0.5; curl -sS --max-time 5 -X POST "${TARGETS%%,*}/admin/crash/node-3" >/dev/null ) &
crasher=$!
out="$(timeout 30 "$CONSIM" load --target "$TARGETS" --duration-ms 1500 --history "$tmp/crash.jsonl")"
wait "$crasher"
line="$(grep '^consim load: stopped' <<<"$out")"
read -r invoked ok failed unknown < <(sed -E 's/.*: ([0-9]+) operations invoked: ([0-9]+) ok, ([0-9]+) failed, ([0-9]+) unknown.*/\1 \2 \3 \4/' <<<"$line")
[ "$invoked" -eq $((ok + failed + unknown)) ] || fail "crash: $invoked != $ok + $failed + $unknown"
[ "$failed" -gt 0 ] || fail "crash: no failed operation: $line"
# A read of a key never written: the chapter's 404, and its version as a header (what load records).
hdr="$(curl -sS --max-time 5 -D - -o "$tmp/discarded-body" "${TARGETS%%,*}/key/never-written")"
expect "404 version" 'X-Consim-Version: 0.0' "$hdr"
stop "$PID" chapter

# --- The cluster's process dies mid-run: refused connections, counted as failed; load still exits 0.
start dying
( sleep 0.7; kill -TERM "$PID" ) &
killer=$!
out="$(timeout 30 "$CONSIM" load --target "$TARGETS" --duration-ms 1500 --history "$tmp/dead.jsonl")"
wait "$killer"; wait "$PID" || true
line="$(grep '^consim load: stopped' <<<"$out")"
read -r invoked ok failed unknown < <(sed -E 's/.*: ([0-9]+) operations invoked: ([0-9]+) ok, ([0-9]+) failed, ([0-9]+) unknown.*/\1 \2 \3 \4/' <<<"$line")
[ "$invoked" -eq $((ok + failed + unknown)) ] || fail "dead: $invoked != $ok + $failed + $unknown"
expect "dead" '[1-9][0-9]* refused' "$line"
read -r c_invoked c_ok c_failed c_unknown < <(counts "$tmp/dead.jsonl")
[ "$c_invoked" -eq "$invoked" ] && [ "$c_failed" -eq "$failed" ] || fail "dead: check counts differ: $line"

# --- A refused target: one message, exit 2, no history written.
rc=0
err="$(timeout 10 "$CONSIM" load --target "$TARGETS" --duration-ms 500 --history "$tmp/none.jsonl" 2>&1)" || rc=$?
[ "$rc" -eq 2 ] || fail "refused: exit $rc: $err"
expect "refused" 'cannot connect' "$err"
[ "$(wc -l <<<"$err")" -eq 1 ] || fail "refused: more than one line: $err"
[ ! -e "$tmp/none.jsonl" ] || fail "refused: a history was written"
# Bad input: one message, exit 2.
rc=0; err="$("$CONSIM" load --duration-ms 500 2>&1)" || rc=$?
[ "$rc" -eq 2 ] || fail "no target: exit $rc"; expect "no target" 'no --target' "$err"
rc=0; err="$("$CONSIM" load --target ftp://x 2>&1)" || rc=$?
[ "$rc" -eq 2 ] || fail "bad url: exit $rc"; expect "bad url" 'expected http://HOST:PORT' "$err"
rc=0; err="$("$CONSIM" load --target http://127.0.0.1:1 2>&1)" || rc=$?
[ "$rc" -eq 2 ] || fail "one url: exit $rc"; expect "one url" 'the scenario has 3 nodes, 1 URL(s)' "$err"

# --- Closed loop, leaderless: the same counts add up.
start leaderless --set cluster.replication=leaderless
out="$(timeout 30 "$CONSIM" load --set cluster.replication=leaderless --set workload.mode=closed \
  --target "$TARGETS" --duration-ms 1000 --history "$tmp/ll.jsonl")"
expect "closed" 'closed loop, 20 clients' "$out"
line="$(grep '^consim load: stopped' <<<"$out")"
read -r invoked ok failed unknown < <(sed -E 's/.*: ([0-9]+) operations invoked: ([0-9]+) ok, ([0-9]+) failed, ([0-9]+) unknown.*/\1 \2 \3 \4/' <<<"$line")
[ "$invoked" -gt 50 ] && [ "$invoked" -eq $((ok + failed + unknown)) ] || fail "closed: $line"
stop "$PID" leaderless
echo "test-load: ok"
