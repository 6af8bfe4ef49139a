#!/usr/bin/env bash
# Build the libFuzzer target fuzz/fuzz_scenario.cpp (clang-14, ASan + UBSan)
# in build-fuzz and run it for a bounded time, seeded from the shipped scenarios.
#   FUZZ_SECONDS=600 bash tools/fuzz.sh      (default 60)
#   FUZZ_JOBS=1 (parallel build jobs, default 2)
# A crash leaves crash-<sha1> in build-fuzz/ and fails the script; keep the
# input as tests/regressions/<name>.json (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-2}"
build="${FUZZ_BUILD_DIR:-build-fuzz}"
bash tools/install-deps.sh
packages=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "consim: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONSIM_FUZZ=ON >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz_scenario
corpus="$build/corpus"
mkdir -p "$corpus"
for f in scenarios/*.json scenarios/classroom/*.json tests/regressions/*.json fuzz/seeds/*.json; do
  [ -e "$f" ] || continue
  case "$f" in *.schema.json) continue ;; esac
  cp "$f" "$corpus/"
done
# The dictionary: every field name and enum value of the scenario format,
# generated from the field declarations (sim/scenario/fields.cpp; a test
# keeps fuzz/scenario.dict equal to them).
dict=(-dict="$PWD/fuzz/scenario.dict")
echo "consim: fuzz dictionary of $(grep -c '^"' fuzz/scenario.dict) entries (fuzz/scenario.dict)" >&2
cd "$build"
./fuzz_scenario -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
  "${dict[@]}" -print_final_stats=1 corpus
