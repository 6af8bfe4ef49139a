#!/usr/bin/env bash
# Sweeps on real engines: docs/sweep.md's Slurm job array and GNU parallel
# recipes, extracted from the doc and run as written, each merged and
# compared byte for byte with the unsharded sweep.
#
# Slurm runs as a private single-node cluster: slurmctld, slurmd and munged
# with their configuration (SLURM_CONF), key, sockets, logs and state in a
# temporary directory, on ports 16817-16818; nothing under /etc or /run is
# written. The daemons are stopped by their PIDs on exit. Needs root (slurmd
# runs jobs as their user) and Debian's slurm-wlm, munge and parallel,
# which tools/install-deps.sh installs; without root the Slurm half is
# skipped with a message, the GNU parallel half still runs.
#   bash tests/scale/test-scale-out.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
build="$(cd "${1:-build}" && pwd)"
export PATH="$build:$PATH"   # `consim` as the recipes call it
work="$(mktemp -d /tmp/consim-scale.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  # Stop the daemons and wait until each has exited (munged and slurmd
  # remove their sockets and PID files as they go, so removing the folder
  # before they are gone races with them); then remove the folder, again
  # once if something still appeared in it. Cleaning up never fails the test.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work" 2>/dev/null; } \
    || echo "scale-out: could not remove $work" >&2
  return 0
}
trap cleanup EXIT

# The fenced block that follows the line starting with $1 in docs/sweep.md.
recipe() {
  awk -v start="$1" 'index($0, start) == 1 { found = 1; next }
    found && /^```sh$/ { inblock = 1; next }
    inblock && /^```$/ { exit }
    inblock { print }' "$repo/docs/sweep.md"
}

# ---- GNU parallel: the first block after "**GNU parallel**", run as written
mkdir -p "$work/parallel" && ln -s "$repo/scenarios" "$work/parallel/scenarios"
recipe "**GNU parallel**" > "$work/parallel/recipe.sh"
grep -q "^parallel " "$work/parallel/recipe.sh" || { echo "scale-out: no GNU parallel recipe in docs/sweep.md" >&2; exit 1; }
(cd "$work/parallel" && timeout 300 bash -e recipe.sh 2> parallel.log) || { cat "$work/parallel/parallel.log" >&2; exit 1; }
(cd "$work/parallel" && consim sweep scenarios/default.json --w all --r all --seeds 10 --quiet --output whole.csv)
cmp "$work/parallel/wr.csv" "$work/parallel/whole.csv"
echo "scale-out: GNU parallel: 4 shards merged = the unsharded sweep, byte for byte ($(wc -l < "$work/parallel/wr.csv") lines)"

# ---- Slurm: the job array, on a private single-node cluster
if [ "$(id -u)" -ne 0 ]; then
  echo "scale-out: not root: the Slurm job array is left out (slurmd needs root)"
  exit 0
fi
S="$work/slurm"
mkdir -p "$S/state" "$S/spool" "$S/munge" "$S/run"
chmod 700 "$S/munge"
ln -s "$repo/scenarios" "$S/run/scenarios"
recipe "**Slurm job array**" > "$S/run/sweep.sbatch"
grep -q "^#SBATCH --array=" "$S/run/sweep.sbatch" || { echo "scale-out: no Slurm recipe in docs/sweep.md" >&2; exit 1; }
mungekey -c -k "$S/munge/munge.key"
munged --force --key-file="$S/munge/munge.key" --socket="$S/munge/munge.sock" --pid-file="$S/munge/munged.pid" \
  --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed"
pids+=("$(cat "$S/munge/munged.pid")")
H="$(hostname -s)"
cat > "$S/slurm.conf" <<CONF
ClusterName=consimtest
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge/munge.sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ReturnToService=2
NodeName=$H CPUs=$(nproc) RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$S/slurm.conf"
/usr/sbin/slurmctld
for _ in $(seq 50); do [ -s "$S/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/slurmctld.pid")")
/usr/sbin/slurmd
for _ in $(seq 50); do [ -s "$S/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/slurmd.pid")")
for _ in $(seq 100); do grep -q idle <<<"$(sinfo -h -o %T 2>/dev/null)" && break; sleep 0.2; done
grep -q idle <<<"$(sinfo -h -o "%P %a %D %T")" || { cat "$S/slurmctld.log" "$S/slurmd.log" >&2; echo "scale-out: the Slurm node never became idle" >&2; exit 1; }

cd "$S/run"
# A killed task: shard 1 run by hand, as the array's task 1 would, killed
# with -9 once its first point is in its .partial file. The array's task 1
# then resumes from it (--resume).
count="$(sed -n 's/^#SBATCH --array=1-\([0-9]*\)$/\1/p' sweep.sbatch)"
SLURM_CPUS_PER_TASK=1 SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT="$count" bash sweep.sbatch &
victim=$!
for _ in $(seq 3000); do grep -q "^# done" shards/s1.csv.partial 2>/dev/null && break; sleep 0.01; done
kill -9 "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
if [ -f shards/s1.csv.partial ]; then
  resumed="task 1 resumed from a .partial file with $(grep -c '^# done' shards/s1.csv.partial) point(s) after kill -9"
else
  resumed="task 1 finished before it could be killed: nothing to resume"
fi
timeout 600 sbatch --wait --quiet sweep.sbatch || { cat slurm-*.out "$S/slurmd.log" >&2; exit 1; }
consim merge shards/s*.csv --output sweep.csv
cmd="$(grep -A2 '^consim sweep' sweep.sbatch | tr -d '\\\n')"
consim sweep scenarios/default.json --vary cluster.nodes=3..5 --w all --r all --seeds 10 --quiet --output whole.csv
grep -q -- "--vary cluster.nodes=3..5 --w all --r all --seeds 10" <<<"$cmd" \
  || { echo "scale-out: docs/sweep.md's job array sweeps something else than this test compares: $cmd" >&2; exit 1; }
cmp sweep.csv whole.csv
echo "scale-out: Slurm: a job array of $count tasks (sbatch --wait) merged = the unsharded sweep, byte for byte ($(wc -l < sweep.csv) lines); $resumed"
