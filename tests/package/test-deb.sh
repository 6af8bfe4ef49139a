#!/usr/bin/env bash
# The .deb: built with cpack from a finished build, unpacked by dpkg into a
# private root (never the system's), and used from there as a user would:
# the binary, a classroom scenario, the man pages, the completion, the docs.
#   bash tests/package/test-deb.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="$(cd "${1:-build}" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >/dev/null)
deb="$(ls "$tmp"/pkg/consim_*.deb)"
grep -q "Depends: libboost-program-options1.74.0, libfmt9" <<<"$(dpkg-deb --info "$deb")" \
  || { echo "package: the .deb lacks its Depends line" >&2; exit 1; }
dpkg-deb -x "$deb" "$tmp/root"
r="$tmp/root/usr"
grep -q "^consim " <<<"$("$r/bin/consim" --version)"
"$r/bin/consim" run "$r/share/consim/scenarios/classroom/01-step2-exercise1-eventual.json" > "$tmp/report.txt"
grep -q "stale" "$tmp/report.txt"
find "$r/share/consim/scenarios" -name "*.json" ! -name "*.schema.json" -print0 | xargs -0 "$r/bin/consim" validate
for page in consim consim-run consim-sweep consim-merge consim-validate consim-schema consim-check consim-bench consim-predict consim-compare; do
  grep -q '^\.TH' <<<"$(zcat "$r/share/man/man1/$page.1.gz")" || { echo "package: no man page $page" >&2; exit 1; }
done
test -f "$r/share/bash-completion/completions/consim"
bash -n "$r/share/bash-completion/completions/consim"
test -x "$r/share/consim/tools/plot.sh" && test -x "$r/share/consim/tools/plot.py"
test -f "$r/share/doc/consim/LICENSE" && test -f "$r/share/doc/consim/architecture.md"
echo "package: ok: $(basename "$deb"), $(dpkg-deb -c "$deb" | wc -l) entries, installed in a private root and run"
