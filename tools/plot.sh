#!/usr/bin/env bash
# Plots from consim's outputs: tools/plot.py (python3-pandas and
# python3-matplotlib) with Debian's python3. Usage: tools/plot.sh --help,
# or the top of tools/plot.py.
#   tools/plot.sh window REPORT.json OUT.svg
#   tools/plot.sh heatmap SWEEP.csv OUT.svg [LEVELS]
#   tools/plot.sh latency SWEEP.csv OUT.svg [LEVEL]
#   tools/plot.sh probe PROBE.csv OUT.svg [LEVEL]
set -euo pipefail
py=/usr/bin/python3
[ -x "$py" ] || py=python3
exec "$py" "$(dirname "$(readlink -f "$0")")/plot.py" "$@"
