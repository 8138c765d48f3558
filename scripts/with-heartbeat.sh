#!/usr/bin/env bash
# bash scripts/with-heartbeat.sh LABEL CMD...: CMD, with a line every 15 s while it runs (for the
# npm scripts whose tools print nothing for a long time, such as tsc).
set -euo pipefail
# shellcheck source=scripts/lib/heartbeat.sh
source "$(dirname "$0")/lib/heartbeat.sh"
heartbeat "$@"
