# shellcheck shell=bash
# heartbeat LABEL CMD...: runs CMD and returns its status, printing "   LABEL: still running (Ns)"
# every 15 s while it runs, so that no step of set-up, typecheck or build is silent for longer.
heartbeat() {
  local label=$1 began=$SECONDS
  shift
  # The sleep does not hold stdout: a pipe reading this ends when CMD does, not up to 15 s later.
  (while sleep 15 >/dev/null 2>&1; do printf '   %s: still running (%ss)\n' "$label" $((SECONDS - began)); done) &
  local beat=$!
  local rc=0
  "$@" || rc=$?
  kill "$beat" 2>/dev/null
  wait "$beat" 2>/dev/null || true
  return "$rc"
}
