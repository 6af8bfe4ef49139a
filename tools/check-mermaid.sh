#!/usr/bin/env bash
# Render consim's Mermaid sequence diagrams with mermaid-cli, as a syntax and
# rendering check. Heavy (Chromium + node modules), so NOT part of tools/test.sh.
# See shared/notes/mermaid-render.md (beside this repository) for why it is set up this way.
#
#   tools/check-mermaid.sh [SCENARIO.json [OUT_PREFIX]]
#
# Default: the classroom Exercise 1 scenario's first 300 ms, rendered to
# build/mermaid/ex1.svg and .png. Exits non-zero if mmdc cannot parse or
# render the diagram. Installs chromium (apt) and @mermaid-js/mermaid-cli
# (npm, into ./node_modules, which git ignores) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/classroom/01-step2-exercise1-eventual.json}
out=${2:-build/mermaid/ex1}
consim=${CONSIM:-./build/consim}
mkdir -p "$(dirname "$out")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v chromium >/dev/null; then
  echo "check-mermaid: installing chromium" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if ! command -v npm >/dev/null; then
  echo "check-mermaid: npm is missing; install it with: apt-get install -y npm" >&2
  exit 1
fi
if [ ! -x node_modules/.bin/mmdc ]; then
  echo "check-mermaid: installing @mermaid-js/mermaid-cli into ./node_modules" >&2
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --silent @mermaid-js/mermaid-cli >/dev/null
fi
cat > "$out.puppeteer.json" <<'JSON'
{"executablePath": "/usr/bin/chromium",
 "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run"]}
JSON

"$consim" run "$scenario" --quiet --mermaid "$out.md" --mermaid-to-ms "${MERMAID_TO_MS:-300}" >/dev/null || {
  rc=$?; [ "$rc" -eq 3 ] || exit "$rc"; }   # 3: an expectation failed; the diagram is still written
# Extract the ```mermaid block.
awk '/^```mermaid$/{f=1; next} /^```$/{f=0} f' "$out.md" > "$out.mmd"
grep -q '^sequenceDiagram' "$out.mmd"
for fmt in svg png; do
  node_modules/.bin/mmdc -q -i "$out.mmd" -o "$out.$fmt" -p "$out.puppeteer.json" -b white
done
echo "check-mermaid: OK: $out.md rendered to $out.svg and $out.png"
