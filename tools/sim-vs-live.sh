#!/usr/bin/env bash
# The sim-against-live table of docs/live.md: for each scenario, the same
# scenario simulated (consim run --history) and played live (consim serve,
# then consim load --history against it), both histories judged by
# consim check, stale rates and the probe's P(stale at t) side by side with
# 95% Wilson intervals. Prints the Markdown table on standard output.
#
# Usage: tools/sim-vs-live.sh [CONSIM] [--keep DIR]
#   CONSIM: the binary (default build/consim); --keep DIR keeps every
#   history and report there (default: a temporary folder, removed).
# Environment: SECONDS_LIVE (default 15) is each live run's length, and the
# simulated run's duration_ms; PROBE_MS (default 150) the probe's interval.
# Every server runs on ephemeral loopback ports, under `timeout`, and is
# stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
CONSIM=build/consim
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep="$2"; shift 2 ;;
    *) CONSIM="$1"; shift ;;
  esac
done
secs="${SECONDS_LIVE:-15}"
probe_ms="${PROBE_MS:-150}"
if [ -n "$keep" ]; then mkdir -p "$keep"; dir="$keep"; else dir="$(mktemp -d)"; fi
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -z "$keep" ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

# Every scenario: the default one with these --set's. The probe writes every
# PROBE_MS for more samples per delay; the client's hop is 0.2 ms in the
# simulation (live, it is the loopback HTTP request, which the model ignores).
common=(--set "duration_ms=$((secs * 1000))" --set "probe.interval_ms=$probe_ms" --set network.client_delay=0.2)
names=("default (W=2 R=1)" "W=1 R=1" "strict quorum (W=2 R=2)" "leaderless R=W=1")
sets=("" "--set cluster.write_quorum=1"
      "--set cluster.read_quorum=2"
      "--set cluster.replication=leaderless --set cluster.write_quorum=1 --set cluster.read_quorum=1")

for i in "${!names[@]}"; do
  # shellcheck disable=SC2206
  extra=(${sets[$i]})
  "$CONSIM" run --quiet "${common[@]}" "${extra[@]}" --history "$dir/sim-$i.jsonl" >/dev/null
  timeout $((secs + 30)) "$CONSIM" serve "${extra[@]}" --base-port 0 >"$dir/serve-$i.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -qs '^consim serve: ready' "$dir/serve-$i.log" && break
    sleep 0.1
  done
  grep -qs '^consim serve: ready' "$dir/serve-$i.log" || { echo "consim serve did not start: $(cat "$dir/serve-$i.log")" >&2; exit 1; }
  targets="$(sed -n 's/^consim serve: node-[0-9]* //p' "$dir/serve-$i.log" | paste -sd, -)"
  timeout $((secs + 20)) "$CONSIM" load "${common[@]}" "${extra[@]}" --target "$targets" \
    --history "$dir/live-$i.jsonl" >"$dir/load-$i.log"
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  "$CONSIM" check "$dir/sim-$i.jsonl" --format json >"$dir/sim-$i.json"
  "$CONSIM" check "$dir/live-$i.jsonl" --format json >"$dir/live-$i.json"
done

python3 - "$dir" "${names[@]}" <<'PY'
import json, sys
d, names = sys.argv[1], sys.argv[2:]
def cell(c):
    if not c or c["reads"] == 0: return "-"
    lo, hi = c["ci95"]
    return f'{c["stale_rate"]:.3f} [{lo:.3f}, {hi:.3f}] (n={c["reads"]})'
def overlap(a, b):
    if not a or not b or a["reads"] == 0 or b["reads"] == 0: return ""
    return "yes" if a["ci95"][0] <= b["ci95"][1] and b["ci95"][0] <= a["ci95"][1] else "**no**"
print("| scenario | measure | simulated | live | overlap |")
print("|---|---|---|---|---|")
for i, name in enumerate(names):
    s = json.load(open(f"{d}/sim-{i}.json"))["staleness"]
    l = json.load(open(f"{d}/live-{i}.json"))["staleness"]
    rows = [("stale rate, all reads", s["reads"]["all"], l["reads"]["all"])]
    for lvl in ("eventual", "strong", "read_your_writes"):
        if lvl in s["reads"]: rows.append((f"stale rate, {lvl}", s["reads"][lvl], l["reads"].get(lvl)))
    lp = {(p["delay_ns"], p["level"]): p for p in l["probe"]}
    for p in s["probe"]:
        if p["level"] != "eventual" and p["level"] != "strong": continue
        rows.append((f'probe P(stale) at {p["delay_ns"] / 1e6:g} ms, {p["level"]}', p, lp.get((p["delay_ns"], p["level"]))))
    for j, (what, a, b) in enumerate(rows):
        print(f'| {name if j == 0 else ""} | {what} | {cell(a)} | {cell(b)} | {overlap(a, b)} |')
PY
