# shellcheck shell=bash disable=SC2034 # a library: its variables are read by the scripts that source it
# Sourced by bootstrap.sh, deploy.sh and destroy.sh: gcloud, or gcloud's parser only (check mode).
#
# DEPLOY_CHECK=1 runs every gcloud command through the real gcloud's argument parser with an empty
# configuration and no account: a bad flag fails (exit 2) and stops the script with exit 1; a
# well-formed command fails later for want of an account and is counted as checked. Nothing is
# created, nothing local with side effects on the cloud runs.
#
# DEPLOY_PLAN_DIR=DIR (check mode) keeps what the run did for a reader (test/scripts/):
#   DIR/commands           every gcloud command, arguments separated by \x1f, commands by \x1e,
#                          each prefixed by the script that ran it
#   DIR/gcloud-config/     the gcloud configuration the checks ran with (its logs/ included)
#   DIR/check-passwords    the throwaway passwords check mode generated, so a reader can prove
#                          none of them reached a command line or a log

DEPLOY_CHECK=${DEPLOY_CHECK:-}
SCRIPT_NAME=$(basename "$0" .sh)
checked=0

if [ -n "$DEPLOY_CHECK" ]; then
  if [ -n "${DEPLOY_PLAN_DIR:-}" ]; then
    mkdir -p "$DEPLOY_PLAN_DIR/gcloud-config"
    CHECK_CONFIG="$DEPLOY_PLAN_DIR/gcloud-config"
  else
    CHECK_CONFIG=$(mktemp -d)
    trap 'rm -rf "$CHECK_CONFIG"' EXIT
  fi
  export DEPLOY_PLAN_DIR
fi

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

record() {
  [ -n "${DEPLOY_PLAN_DIR:-}" ] || return 0
  { printf '%s\x1f' "$SCRIPT_NAME" "$@"; printf '\x1e'; } >>"$DEPLOY_PLAN_DIR/commands"
}

# gc ARGS...: runs `gcloud ARGS --project=PROJECT_ID --quiet` (stdin passed through).
gc() {
  record "$@"
  if [ -z "$DEPLOY_CHECK" ]; then
    gcloud "$@" --project="$PROJECT_ID" --quiet
    return
  fi
  # The first command of each form (command_form) is parsed; the rest are recorded and counted.
  local form
  form=$(command_form "$@")
  if [ -n "$form" ] && [ -n "${checked_forms[$form]:-}" ]; then
    checked=$((checked + 1))
    return 0
  fi
  [ -z "$form" ] || checked_forms[$form]=1
  local err rc=0
  err=$(CLOUDSDK_CONFIG="$CHECK_CONFIG" CLOUDSDK_CORE_DISABLE_PROMPTS=1 gcloud "$@" --project="$PROJECT_ID" --quiet 2>&1 >/dev/null) || rc=$?
  if [ "$rc" -eq 2 ] || grep -qE 'unrecognized arguments|Invalid choice|argument .*: (expected|invalid|Bad value)|is not a valid|must be specified' <<<"$err"; then
    printf '%s check: gcloud %s\n%s\n' "$SCRIPT_NAME" "$*" "$err" >&2
    exit 1
  fi
  checked=$((checked + 1))
  echo "checked: gcloud $*" | cut -c1-160 >&2
}

declare -A checked_forms=()
# command_form ARGS...: for a create, describe, delete or binding, the command with its resource id
# and the values of free-text flags (members, roles, names, descriptions) left out; else nothing.
# Two commands of one form pass or fail gcloud's parser together.
command_form() {
  local arg words=() verb=""
  for arg in "$@"; do
    case "$arg" in
      create | describe | delete | add-iam-policy-binding | remove-iam-policy-binding | add-invoker-policy-binding)
        [ -n "$verb" ] || verb=$arg ;;
      --member=* | --role=* | --display-name=* | --description=* | --secret=*) words+=("${arg%%=*}") ;;
      --*) words+=("$arg") ;;
      *) [ -z "$verb" ] && words+=("$arg") ;;
    esac
  done
  [ -n "$verb" ] || return 0
  printf '%s\037' "$verb" "${words[@]}"
}

# exists ARGS...: true when a `describe` succeeds. In check mode the describe is parsed, then
# "absent", so every create path is checked.
exists() {
  if [ -n "$DEPLOY_CHECK" ]; then
    gc "$@" --format='value(name)'
    return 1
  fi
  gc "$@" --format='value(name)' >/dev/null 2>&1
}

# run CMD...: a local command with side effects on the cloud; printed, not run, in check mode.
run() {
  if [ -n "$DEPLOY_CHECK" ]; then echo "would run: $*" >&2; else "$@"; fi
}

# new_password: 32 random letters and digits, on stdout (kept in a variable, never an argument).
new_password() {
  local password
  password=$(openssl rand -base64 64 | tr -dc 'A-Za-z0-9' | cut -c1-32)
  [ "${#password}" -eq 32 ] || die "could not generate a password (openssl missing?)"
  if [ -n "$DEPLOY_CHECK" ] && [ -n "${DEPLOY_PLAN_DIR:-}" ]; then
    printf '%s\n' "$password" >>"$DEPLOY_PLAN_DIR/check-passwords"
  fi
  printf '%s' "$password"
}

# gc_with_password PASSWORD ARGS...: gcloud ARGS with `--password` read from a flags file on stdin,
# so the password is neither an argument (visible in ps) nor written to gcloud's log files (which
# record every parsed flag: file logging is off for this one command).
gc_with_password() {
  local password=$1
  shift
  printf -- '--password: "%s"\n' "$password" | CLOUDSDK_CORE_DISABLE_FILE_LOGGING=1 gc "$@" --flags-file=/dev/stdin
}

finish() {
  if [ -n "$DEPLOY_CHECK" ]; then
    echo "$SCRIPT_NAME check: ${checked} gcloud commands parsed by the real gcloud, none refused"
  else
    echo "$SCRIPT_NAME: done for ${PROJECT_ID} (${REGION})"
  fi
}

# scheduler_job KIND NAME "CREATE-ONLY FLAGS" "UPDATE-ONLY FLAGS" COMMON FLAGS...
# Creates a Cloud Scheduler job of KIND (http, pubsub) in REGION or updates it in place; check
# mode parses both forms.
scheduler_job() {
  local kind=$1 name=$2 create_flags=$3 update_flags=$4
  shift 4
  # shellcheck disable=SC2086
  if exists scheduler jobs describe "$name" --location="$REGION"; then
    gc scheduler jobs update "$kind" "$name" --location="$REGION" $update_flags "$@"
  else
    gc scheduler jobs create "$kind" "$name" --location="$REGION" $create_flags "$@"
    if [ -n "$DEPLOY_CHECK" ]; then gc scheduler jobs update "$kind" "$name" --location="$REGION" $update_flags "$@"; fi
  fi
}

# scheduler_http_job NAME "CREATE-ONLY FLAGS" "UPDATE-ONLY FLAGS" COMMON FLAGS...
scheduler_http_job() { scheduler_job http "$@"; }

# trigger_subscription FUNCTION: the subscription Eventarc made for a 2nd-gen function's Pub/Sub
# trigger (projects/P/subscriptions/S), on the last line (check mode: a stand-in name).
trigger_subscription() {
  local fn=$1 trigger
  if [ -n "$DEPLOY_CHECK" ]; then
    gc functions describe "$fn" --gen2 --region="$REGION" --format='value(eventTrigger.trigger)'
    gc eventarc triggers describe "${fn,,}-check" --location="$REGION" --format='value(transport.pubsub.subscription)'
    echo "projects/${PROJECT_ID}/subscriptions/eventarc-${fn,,}-check"
    return
  fi
  trigger=$(gc functions describe "$fn" --gen2 --region="$REGION" --format='value(eventTrigger.trigger)')
  gc eventarc triggers describe "$trigger" --location="$REGION" --format='value(transport.pubsub.subscription)'
}
