#!/usr/bin/env bash
# Side-by-side measurements of consim's engine, as ratios on one machine in
# one run (machines here are shared: single times mean little).
#   bash tools/bench/run.sh [BUILD_DIR]        (PAIRS=5 pairs per comparison)
# 1. The event queue against its floor: tools/bench/phold.cpp on a bare
#    std::priority_queue and on consim's EventQueue, at 1k and 16k pending
#    events, run in alternating pairs; the median ratio of events/s.
# 2. Instructions per event (callgrind, when valgrind is installed): PHOLD on
#    both queues, and `consim bench` at 3, 5, 16 and 64 nodes (linear in N
#    means flat instructions per event).
# 3. Peak memory of `consim bench` as the run grows (flat: no growth with
#    run length), with heartbeats (the bench's scenario) and in leaderless mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="$(cd "${1:-build}" && pwd)"
pairs="${PAIRS:-5}"
phold="$build/consim_phold"
consim="$build/consim"
[ -x "$phold" ] && [ -x "$consim" ] || { echo "bench: build first (bash tools/build.sh)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rate() { sed -n 's/.*, \([0-9.]*\) M events\/s.*/\1/p'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== 1. event queue: consim's EventQueue / bare std::priority_queue, events/s ($pairs pairs, median)"
for pending in 1024 16384; do
  ratios=()
  for _ in $(seq "$pairs"); do
    b=$("$phold" --queue bare --pending "$pending" | rate)
    c=$("$phold" --queue consim --pending "$pending" | rate)
    ratios+=("$(awk -v b="$b" -v c="$c" 'BEGIN {printf "%.3f", c / b}')")
  done
  printf '  %6s pending: %s   (pairs: %s)\n' "$pending" "$(printf '%s\n' "${ratios[@]}" | median)" "${ratios[*]}"
done

echo "== 1b. the whole simulator: consim bench / bare PHOLD at 1k pending, events/s ($pairs pairs, median)"
ratios=()
for _ in $(seq "$pairs"); do
  c=$("$consim" bench --ops 200000 2>&1 | sed -n 's/.*, \([0-9.]*\) M events\/s.*/\1/p' | sed -n 1p)
  b=$("$phold" --queue bare --pending 1024 | rate)
  ratios+=("$(awk -v b="$b" -v c="$c" 'BEGIN {printf "%.3f", c / b}')")
done
printf '  %s   (pairs: %s)\n' "$(printf '%s\n' "${ratios[@]}" | median)" "${ratios[*]}"

if command -v valgrind >/dev/null; then
  ir() { valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$@" > "$tmp/out" 2>&1;
         callgrind_annotate "$tmp/cg" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,; }
  echo "== 2. instructions per event (callgrind)"
  for q in bare consim; do
    n=$(ir "$phold" --queue "$q" --pending 1024 --events 500000)
    printf '  phold %-6s 1k pending: %s\n' "$q" "$(awk -v n="$n" 'BEGIN {printf "%.0f", n / 500000}')"
  done
  for nodes in 3 5 16 64; do
    n=$(ir "$consim" bench --ops 20000 --nodes "$nodes")
    ev=$(sed -n 's/.* \([0-9]*\) events$/\1/p' "$tmp/out" | sed -n 1p)
    printf '  consim bench --ops 20000 --nodes %-3s %s events: %s\n' "$nodes" "$ev" \
      "$(awk -v n="$n" -v e="$ev" 'BEGIN {printf "%.0f", n / e}')"
  done
else
  echo "== 2. (valgrind not installed: no instruction counts)"
fi

echo "== 3. peak memory of consim bench as the run grows"
for mode in leader leaderless; do
  for ops in 100000 1000000; do
    /usr/bin/time -f '%M' -o "$tmp/mem" "$consim" bench --ops "$ops" --replication "$mode" >/dev/null 2>&1
    kib=$(tail -1 "$tmp/mem")
    printf '  %-10s --ops %-8s %s MiB\n' "$mode" "$ops" "$((kib / 1024))"
  done
done
