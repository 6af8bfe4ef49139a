#!/usr/bin/env bash
# The second command of the README (and what CI runs): install what is
# missing, build, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
# every scenario shipped must validate
find scenarios -name "*.json" ! -name "*.schema.json" -print0 | xargs -0 ./build/consim validate
ctest --test-dir build --output-on-failure
# the .deb, installed into a private root and run from there
bash tests/package/test-deb.sh build
# the HTML page (consim run --html) in headless chromium: counts, console, a screenshot
bash tests/browser/test-html.sh build
# docs/sweep.md's GNU parallel and Slurm recipes, run as written (a private Slurm cluster)
bash tests/scale/test-scale-out.sh build
summary=$(grep -ho "test cases: *[0-9]* | *[0-9]* passed | *[0-9]* failed" build/Testing/Temporary/LastTest.log | tail -1 || true)
# Reliability (docs/reliability.md): every test again under ASan + UBSan, then
# a short fuzz run of the scenario loader and world. CONSIM_QUICK=1 skips both.
if [ "${CONSIM_QUICK:-0}" != 1 ]; then
  bash tools/test-sanitizers.sh
  FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash tools/fuzz.sh
fi
# The closing line: the doctest totals of the main test run.
if [ -n "${summary:-}" ]; then
  echo "$summary" | sed -E 's/.*\| *([0-9]+) passed \| *([0-9]+) failed/tests: \1 passed, \2 failed/'
fi
