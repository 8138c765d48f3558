#!/usr/bin/env bash
# An admin SQL session on the pipeline's Cloud SQL instance, through the Cloud SQL connector's local
# proxy (scripts/sql-proxy.ts, from this repository's node_modules): no proxy VM, no authorized
# networks, no password on a command line (the client reads it from a 0600 file the proxy writes).
#
#   gcloud auth application-default login
#   PROJECT_ID=my-project bash scripts/sql-shell.sh [MYSQL-CLIENT ARGS...]   e.g. -e 'SHOW GRANTS'
#
# Needs roles/cloudsql.client and access to the admin secrets (fin_serv_admin_db_user/_password):
# a project owner has both. Settings: REGION (us-central1), DB_IP_TYPE (PUBLIC).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROJECT_ID:?set PROJECT_ID to the Google Cloud project id}"
REGION=${REGION:-us-central1}
client=$(command -v mysql || command -v mariadb || true)
[ -n "$client" ] || { echo "sql-shell: no MySQL client: install one with \`apt-get install -y mariadb-client\`" >&2; exit 1; }

coproc PROXY { exec node_modules/.bin/node --import tsx scripts/sql-proxy.ts --project="$PROJECT_ID" \
  --cloud-sql-instance="${PROJECT_ID}:${REGION}:fin-serv-instance" --ip-type="${DB_IP_TYPE:-PUBLIC}"; }
# shellcheck disable=SC2153 # PROXY_PID is set by coproc
proxy_pid=$PROXY_PID
# SIGTERM stops the proxy, which removes its directory (and the password file in it).
trap 'kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true' EXIT
read -r dir <&"${PROXY[0]}" || { echo "sql-shell: the proxy did not start (see above)" >&2; exit 1; }
"$client" --defaults-extra-file="$dir/client.cnf" finserv "$@"
