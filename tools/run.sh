#!/usr/bin/env bash
# The first command of the README: install what is missing, build, and run
# the default scenario (the chapter's 3-node cluster, W=2, R=1).
# Extra arguments go to `consim run`, e.g. tools/run.sh --set cluster.write_quorum=3
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --build
bash tools/build.sh >/dev/null
exec ./build/consim run "$@"
