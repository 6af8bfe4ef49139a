# tests/live/lib.sh: what the live tests share. Source it with CONSIM set:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It makes a private temporary folder, $tmp, and at exit stops every server
# it started (by PID, from $pids) and removes $tmp.
set -euo pipefail
tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect WHAT PATTERN TEXT: TEXT matches PATTERN (grep), or fail naming WHAT.
expect() { grep -q -- "$2" <<<"$3" || fail "$1: expected /$2/ in: $3"; }

# start NAME ARGS...: consim serve ARGS --base-port 0 in the background (at
# most 120 s, on loopback ephemeral ports), its output in $tmp/NAME.log;
# waits up to 10 s for its ready line. Sets PID; URLS, the nodes' URLs in
# node order; URL1, URL2, ... one each; TARGETS, the URLs comma-separated.
start() {
  local name="$1"; shift
  timeout 120 "$CONSIM" serve "$@" --base-port 0 >"$tmp/$name.log" 2>&1 &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 100); do
    grep -qs '^consim serve: ready' "$tmp/$name.log" && break
    kill -0 "$PID" 2>/dev/null || fail "$name: consim serve exited: $(cat "$tmp/$name.log")"
    sleep 0.1
  done
  grep -qs '^consim serve: ready' "$tmp/$name.log" || fail "$name: not ready in 10 s"
  mapfile -t URLS < <(sed -n 's/^consim serve: node-[0-9]* //p' "$tmp/$name.log")
  [ "${#URLS[@]}" -gt 0 ] || fail "$name: no node URLs in: $(cat "$tmp/$name.log")"
  local i
  for i in "${!URLS[@]}"; do
    [[ "${URLS[i]}" == http://127.0.0.1:* ]] || fail "$name: node-$((i + 1)): not a loopback URL: ${URLS[i]}"
    printf -v "URL$((i + 1))" '%s' "${URLS[i]}"
  done
  TARGETS="$(IFS=,; echo "${URLS[*]}")"
}

# stop PID NAME: SIGTERM; it exits 0 and prints its stop line.
stop() {
  kill -TERM "$1"
  local rc=0
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "$2: exit $rc after SIGTERM: $(cat "$tmp/$2.log")"
  grep -q '^consim serve: stopped' "$tmp/$2.log" || fail "$2: no stop line"
}
