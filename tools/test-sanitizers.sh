#!/usr/bin/env bash
# Build consim and its tests with AddressSanitizer + UndefinedBehaviorSanitizer
# in build-asan (-O1) and run every test; any sanitizer report fails the run.
#   SANITIZE_JOBS=1 (parallel build jobs, default 2); CONSIM_SWARM_N as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SANITIZE_BUILD_DIR:-build-asan}"
jobs="${SANITIZE_JOBS:-2}"
bash tools/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCONSIM_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$jobs" --target consim consim_tests
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build" --output-on-failure
