#!/usr/bin/env bash
# What every push to main runs (cloudbuild.yaml, as the deployer account), and bootstrap's first
# deploy: the bundles, the SQL migrations, then each part's code. It grants nothing and creates no
# account: scripts/lib/owner.sh (IAM, alerts) is not even loaded here, and the deployer's roles cannot change IAM.
#
#   PROJECT_ID=my-project bash scripts/deploy.sh
#   DEPLOY_CHECK=1 PROJECT_ID=my-project bash scripts/deploy.sh     (check mode, scripts/lib/gcloud.sh)
#
# Settings: scripts/lib/settings.sh, and SUMMARY_FIRST_DAY (optional: the first day of data).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/gcloud.sh
source scripts/lib/settings.sh

log "Bundles"
node_modules/.bin/node esbuild.config.mjs

log "SQL migrations, as the migrations user (core/sql/migrations.ts)"
run node_modules/.bin/node --import tsx scripts/provision.ts --migrations --project="$PROJECT_ID" \
  --cloud-sql-instance="$SQL_CONNECTION" --database="$SQL_DATABASE"

for part in "${PARTS[@]}"; do
  log "deploy: $part"
  "${part}_deploy"
done

finish
