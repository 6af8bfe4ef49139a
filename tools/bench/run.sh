#!/usr/bin/env bash
# Side-by-side measurements of consim, as ratios on one machine in one run
# (machines here are shared: single times mean little).
#   bash tools/bench/run.sh [engine|peers|scaling|all] [BUILD_DIR]   (default: all, build)
#   PAIRS=5   pairs per comparison (alternated: A B, B A, ...; the median ratio)
#   QUICK=1   small runs, to try the script (the numbers then mean little)
# engine:
#   1. The event queue against its floor: tools/bench/phold.cpp on a bare
#      std::priority_queue and on consim's EventQueue, at 1k and 16k pending
#      events, run in alternating pairs; the median ratio of events/s.
#   1b. The whole simulator against the same floor: `consim bench` events/s
#      over bare PHOLD's, at 1k and 16k pending.
#   2. Instructions per event (callgrind, when valgrind is installed): PHOLD on
#      both queues, and `consim bench` at 3, 5, 16 and 64 nodes (linear in N
#      means flat instructions per event).
#   3. Peak memory of `consim bench` as the run grows (flat: no growth with
#      run length), with heartbeats (the bench's scenario) and in leaderless mode.
# peers: consim against other simulators of the same model, and its floor:
#   the leader-mode quorum write (5 nodes, W=3, 1 ms links, one closed-loop
#   client) in consim (tools/bench/quorum-*.json) and in SimGrid
#   (tools/bench/simgrid/quorum.cpp, built when libsimgrid-dev is installed):
#   the same messages and end time, then wall time (pairs), peak memory and
#   instructions per message (callgrind); and 1b above.
# scaling: `consim bench`'s scenario (consim bench --print-scenario) with one
#   dimension changed at a time: nodes 3 -> 64, keys 100 -> 1M, clients
#   10 -> 100k, run length 1x -> 10x; per row the wall time and peak memory
#   of one run, and callgrind's instructions per event in the steady state
#   (a run of a fifth of the operations less one of a tenth).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
mode=all
case "${1:-}" in
  engine | peers | scaling | all)
    mode="$1"
    shift
    ;;
esac
build="$(cd "${1:-build}" && pwd)"
pairs="${PAIRS:-5}"
quick="${QUICK:-0}"
phold="$build/consim_phold"
consim="$build/consim"
simgrid="$build/consim_simgrid_quorum"
[ -x "$phold" ] && [ -x "$consim" ] || { echo "bench: build first (bash tools/build.sh)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time as /usr/bin/time (Debian: apt-get install time)" >&2; exit 2; }
if [ "$quick" = 1 ]; then
  phold_events=200000 bench_ops=20000 cg_ops=2000 mem_ops=(10000 100000) peer_writes=10000 cg_writes=2000
else
  phold_events=2000000 bench_ops=200000 cg_ops=20000 mem_ops=(100000 1000000) peer_writes=100000 cg_writes=20000
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rate() { sed -n 's/.*, \([0-9.]*\) M events\/s.*/\1/p' | sed -n 1p; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
has_valgrind() { command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; }
# ir CMD...: instructions CMD executes (callgrind); its output in $tmp/out.
ir() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$@" >"$tmp/out" 2>&1
  callgrind_annotate "$tmp/cg" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}

phold_rate() { "$phold" --queue "$1" --pending "$2" --events "$phold_events" | rate; }

# consim bench's events/s over bare PHOLD's at 1k and 16k pending events.
bench_vs_phold() {
  echo "== 1b. the whole simulator: consim bench / bare PHOLD, events/s ($pairs pairs, median)"
  for pending in 1024 16384; do
    local ratios=() b c
    for _ in $(seq "$pairs"); do
      c=$("$consim" bench --ops "$bench_ops" 2>&1 | rate)
      b=$(phold_rate bare "$pending")
      ratios+=("$(ratio "$c" "$b")")
    done
    printf '  %6s pending: %s   (pairs: %s)\n' "$pending" "$(printf '%s\n' "${ratios[@]}" | median)" "${ratios[*]}"
  done
}

engine() {
  echo "== 1. event queue: consim's EventQueue / bare std::priority_queue, events/s ($pairs pairs, median)"
  for pending in 1024 16384; do
    local ratios=() b c
    for _ in $(seq "$pairs"); do
      b=$(phold_rate bare "$pending")
      c=$(phold_rate consim "$pending")
      ratios+=("$(ratio "$c" "$b")")
    done
    printf '  %6s pending: %s   (pairs: %s)\n' "$pending" "$(printf '%s\n' "${ratios[@]}" | median)" "${ratios[*]}"
  done

  bench_vs_phold

  if has_valgrind; then
    echo "== 2. instructions per event (callgrind)"
    local n ev
    for q in bare consim; do
      n=$(ir "$phold" --queue "$q" --pending 1024 --events 500000)
      printf '  phold %-6s 1k pending: %s\n' "$q" "$(awk -v n="$n" 'BEGIN {printf "%.0f", n / 500000}')"
    done
    for nodes in 3 5 16 64; do
      n=$(ir "$consim" bench --ops "$cg_ops" --nodes "$nodes")
      ev=$(sed -n 's/.* \([0-9]*\) events$/\1/p' "$tmp/out" | sed -n 1p)
      printf '  consim bench --ops %s --nodes %-3s %s events: %s\n' "$cg_ops" "$nodes" "$ev" \
        "$(awk -v n="$n" -v e="$ev" 'BEGIN {printf "%.0f", n / e}')"
    done
  else
    echo "== 2. (valgrind not installed: no instruction counts)"
  fi

  echo "== 3. peak memory of consim bench as the run grows"
  local kib
  for m in leader leaderless; do
    for ops in "${mem_ops[@]}"; do
      /usr/bin/time -f '%M' -o "$tmp/mem" "$consim" bench --ops "$ops" --replication "$m" >/dev/null 2>&1
      kib=$(tail -1 "$tmp/mem")
      printf '  %-10s --ops %-8s %s MiB\n' "$m" "$ops" "$((kib / 1024))"
    done
  done
}

# The quorum model, N writes, in consim: tools/bench/quorum-20k.json or
# quorum-100k.json, or the latter resized (duration_ms = 4 N - 2). Report in
# $tmp/report.json. (quorum_args N fills the array q with the command.)
quorum_args() {
  local f=tools/bench/quorum-100k.json
  [ "$1" = 20000 ] && f=tools/bench/quorum-20k.json
  q=("$consim" run "$f" --set duration_ms=$((4 * $1 - 2)) --format json -o "$tmp/report.json" -q)
}
report_field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p" "$tmp/report.json" | sed -n 1p; }
simgrid_messages() { sed -n 's/.*writes committed, \([0-9]*\) messages.*/\1/p' "$1"; }
simgrid_end() { sed -n 's/.*end time \([0-9.]*\) ms.*/\1/p' "$1"; }
# timed RSS_FILE CMD...: CMD's wall seconds on stdout, its peak RSS (KiB) in RSS_FILE, its output in $tmp/out.
timed() {
  local rss="$1" t0 t1
  shift
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$rss" "$@" >"$tmp/out" 2>&1
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}'
}

peers() {
  local n="$peer_writes"
  echo "== peers: the quorum write (5 nodes, W=3, 1 ms links, 1 closed-loop client), $n writes"
  if [ ! -x "$simgrid" ]; then
    echo "  (no $simgrid: install libsimgrid-dev, configure and build again)"
  else
    # The same run: messages and virtual end time.
    local q=() cm ce sm se
    quorum_args "$n"
    "${q[@]}"
    cm=$(report_field messages_sent)
    ce=$(report_field end_time_ms)
    "$simgrid" --writes "$n" >"$tmp/sg.out"
    sm=$(simgrid_messages "$tmp/sg.out")
    se=$(simgrid_end "$tmp/sg.out")
    local same=same
    [ "$cm" = "$sm" ] && awk -v a="$ce" -v b="$se" 'BEGIN {exit !(a - b < 0.001 && b - a < 0.001)}' || same=DIFFERENT
    printf '  same run (%s): consim %s messages, end %s ms; simgrid %s messages, end %s ms\n' "$same" "$cm" "$ce" \
      "$sm" "$se"

    # Wall time and peak memory, in pairs whose order alternates.
    local wr=() cr=() sr=() c s
    for i in $(seq "$pairs"); do
      if [ $((i % 2)) = 1 ]; then
        c=$(timed "$tmp/crss" "${q[@]}")
        s=$(timed "$tmp/srss" "$simgrid" --writes "$n")
      else
        s=$(timed "$tmp/srss" "$simgrid" --writes "$n")
        c=$(timed "$tmp/crss" "${q[@]}")
      fi
      wr+=("$(ratio "$s" "$c")")
      cr+=("$(tail -1 "$tmp/crss")")
      sr+=("$(tail -1 "$tmp/srss")")
    done
    local cmem smem
    cmem=$(printf '%s\n' "${cr[@]}" | median)
    smem=$(printf '%s\n' "${sr[@]}" | median)
    printf '  wall, simgrid / consim (whole process, %s alternated pairs, median): %s   (pairs: %s)\n' "$pairs" \
      "$(printf '%s\n' "${wr[@]}" | median)" "${wr[*]}"
    printf '  peak RSS: consim %s MiB, simgrid %s MiB, simgrid / consim %s\n' "$((cmem / 1024))" "$((smem / 1024))" \
      "$(ratio "$smem" "$cmem")"

    # Instructions per message and per event, startup excluded: the run of
    # cg_writes writes minus the run of one write, over the messages between.
    if has_valgrind; then
      local ci1 cin cm1 cmn ce1 cen si1 sin sm1 smn cpm cpe spm
      quorum_args 1
      ci1=$(ir "${q[@]}")
      cm1=$(report_field messages_sent)
      ce1=$(report_field events)
      quorum_args "$cg_writes"
      cin=$(ir "${q[@]}")
      cmn=$(report_field messages_sent)
      cen=$(report_field events)
      si1=$(ir "$simgrid" --writes 1)
      sm1=$(simgrid_messages "$tmp/out")
      sin=$(ir "$simgrid" --writes "$cg_writes")
      smn=$(simgrid_messages "$tmp/out")
      per() { awk -v a="$1" -v b="$2" -v m="$3" -v k="$4" 'BEGIN {printf "%.0f", (a - b) / (m - k)}'; }
      cpm=$(per "$cin" "$ci1" "$cmn" "$cm1")
      cpe=$(per "$cin" "$ci1" "$cen" "$ce1")
      spm=$(per "$sin" "$si1" "$smn" "$sm1")
      printf '  instructions per message (callgrind, %s writes less 1): consim %s (%s per event), simgrid %s, ' \
        "$cg_writes" "$cpm" "$cpe" "$spm"
      printf 'simgrid / consim %s\n' "$(ratio "$spm" "$cpm")"
    else
      echo "  (valgrind not installed: no instruction counts)"
    fi
  fi
  bench_vs_phold
}

# One row of the scaling table: LABEL OPS NODES SET...
scaling_row() {
  local label="$1" ops="$2" nodes="$3" wall kib n ev
  shift 3
  local sets=()
  for a in "$@"; do sets+=(--set "$a"); done
  "$consim" bench --print-scenario --ops "$ops" --nodes "$nodes" >"$tmp/scale.json"
  wall=$(timed "$tmp/mem" "$consim" run "$tmp/scale.json" "${sets[@]}" --format json -o "$tmp/report.json" -q)
  kib=$(tail -1 "$tmp/mem")
  ev=$(report_field events)
  # Instructions per event in the steady state: two runs (a tenth and a
  # fifth of OPS) differenced, so start-up and the report cancel out.
  local ipe="-" n1 n2 e1 e2
  if has_valgrind; then
    "$consim" bench --print-scenario --ops "$((ops / 10))" --nodes "$nodes" >"$tmp/s1.json"
    "$consim" bench --print-scenario --ops "$((ops / 5))" --nodes "$nodes" >"$tmp/s2.json"
    n1=$(ir "$consim" run "$tmp/s1.json" "${sets[@]}" --format json -o "$tmp/r1.json" -q)
    n2=$(ir "$consim" run "$tmp/s2.json" "${sets[@]}" --format json -o "$tmp/r2.json" -q)
    e1=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' "$tmp/r1.json" | sed -n 1p)
    e2=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' "$tmp/r2.json" | sed -n 1p)
    ipe=$(awk -v a="$n1" -v b="$n2" -v x="$e1" -v y="$e2" 'BEGIN {printf "%.0f", (b - a) / (y - x)}')
  fi
  printf '  %-38s %9s events %8s s %6.2f M events/s %5s MiB %6s instr/event\n' "$label" "$ev" "$wall" \
    "$(awk -v e="$ev" -v w="$wall" 'BEGIN {print e / w / 1e6}')" "$((kib / 1024))" "$ipe"
}

scaling() {
  local ops="$bench_ops"
  echo "== scaling: consim bench's scenario, $ops operations, one dimension changed at a time (wall and memory: one run; instructions per event: a fifth less a tenth of it)"
  scaling_row "as is (5 nodes, 1k keys, 100 clients)" "$ops" 5
  for nodes in 3 16 64; do scaling_row "nodes $nodes" "$ops" "$nodes"; done
  for keys in 100 100000 1000000; do scaling_row "keys $keys" "$ops" 5 "workload.keys=$keys"; done
  for clients in 10 10000 100000; do scaling_row "clients $clients" "$ops" 5 "workload.clients=$clients"; done
  scaling_row "run length 10x" "$((ops * 10))" 5
}

case "$mode" in
  engine) engine ;;
  peers) peers ;;
  scaling) scaling ;;
  all)
    engine
    peers
    scaling
    ;;
esac
