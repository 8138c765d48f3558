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
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet --no-deps -r "$req"
echo "$want" > "$stamp"
echo "beam python venv ready: $venv ($("$venv/bin/python" -c 'import apache_beam; print(apache_beam.__version__)'))"
