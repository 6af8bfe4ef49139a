#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks to build and test consim
# (--build: only what building needs, for tools/run.sh).
# Only missing packages are installed; uses sudo when not root.
set -euo pipefail
packages=(g++ cmake make libboost-program-options-dev libfmt-dev nlohmann-json3-dev doctest-dev
          libboost-dev)  # Asio/Beast for sim/live (consim serve)
[ "${1:-}" = --build ] || packages+=(
          python3 python3-jsonschema  # tests/test_schema_corpus.cpp
          python3-pandas  # tests/tables/test_dtypes.py
          clojure         # tests/test_check.cpp: the EDN history read by clojure.edn
          python3-matplotlib  # tools/plot.py (with python3-pandas)
          help2man        # the man pages
          curl            # tests/live: the chapter's curl lines against consim serve
          chromium        # tests/browser: the HTML page in a real browser
          slurm-wlm munge parallel)  # tests/scale: sweeps on Slurm and GNU parallel
missing=()
for p in "${packages[@]}"; do
  grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "consim: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
