#!/usr/bin/env bash
# Python apache-beam for the flex template: a pinned venv under the cache dir, used by the portable
# runner test (job service) and by Dataflow submission. Idempotent: re-running with the same
# requirements is a no-op.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
req="$here/flex-template/requirements.lock"
venv="${BEAM_PYTHON_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/finserv-pipeline/beam-venv}"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  [ "${SETUP_QUIET:-0}" = 1 ] || echo "beam python venv up to date: $venv"
  exit 0
fi
echo "beam python venv: installing the $(grep -c '^[A-Za-z0-9]' "$req") packages pinned in flex-template/requirements.lock into $venv (about 2 minutes, once)"
python3 -m venv "$venv"
# A line per package pip collects and installs, and a heartbeat through pip's silent stretches
# (resolving, unpacking the wheels): never more than 15 s without a line.
# shellcheck source=scripts/lib/heartbeat.sh
source "$here/scripts/lib/heartbeat.sh"
pip_install() {
  {
    "$venv/bin/pip" install --progress-bar off --upgrade pip &&
      "$venv/bin/pip" install --progress-bar off --no-deps -r "$req"
  } 2>&1 | { grep --line-buffered -E '^(Collecting|Installing|Successfully|ERROR|error)' || true; } | sed -u 's/^/   /'
}
heartbeat pip pip_install
echo "$want" > "$stamp"
echo "beam python venv ready: $venv ($("$venv/bin/python" -W ignore::FutureWarning -c 'import apache_beam; print(apache_beam.__version__)'))"
