#!/usr/bin/env bash
# Removes everything bootstrap.sh and deploy.sh made in a project, after the project id is typed
# again. Data goes with it: the Cloud SQL instance, the Bigtable instance, the buckets.
#
#   PROJECT_ID=my-project bash scripts/destroy.sh
#   DEPLOY_CHECK=1 PROJECT_ID=my-project bash scripts/destroy.sh     (check mode: still asks)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/gcloud.sh
source scripts/lib/settings.sh
source scripts/lib/owner.sh

printf 'This deletes finserv-pipeline from project %s, data included. Type the project id again: ' "$PROJECT_ID" >&2
read -r typed || typed=""
[ "$typed" = "$PROJECT_ID" ] || die "\"$typed\" is not \"$PROJECT_ID\": nothing deleted"

load_project_number

log "Cloud Build trigger"
gc builds triggers delete finserv-main --region="$REGION" || true

for part in "${PARTS[@]}"; do
  log "destroy: $part"
  "${part}_destroy"
done

log "Alerts"
delete_alerts

log "Data and messaging"
gc sql instances delete "$SQL_INSTANCE" || true
gc bigtable instances delete "$BIGTABLE_INSTANCE" || true
for topic in "$GENERATED_TOPIC" "$DEAD_LETTER_TOPIC" "$REPLICATED_TOPIC" "$REPLICATED_DEAD_LETTER_TOPIC" "$AVRO_TOPIC"; do
  gc pubsub subscriptions delete "$topic" || true
  gc pubsub topics delete "$topic" || true
done
gc pubsub schemas delete "$AVRO_SCHEMA" || true
for bucket in "$SUMMARIES_BUCKET" "$TEMPLATES_BUCKET" "$DATAFLOW_BUCKET" "$BUILD_BUCKET"; do
  gc storage rm --recursive "gs://$bucket" || true
done
for db_part in admin migrate generate replicate; do
  gc secrets delete "$(db_user_secret "$db_part")" || true
  gc secrets delete "$(db_password_secret "$db_part")" || true
done
gc artifacts repositories delete "$REPOSITORY" --location="$REGION" || true

log "Project-level roles of the accounts, then the accounts"
while read -r binding; do
  member=${binding% *}
  role=${binding#* }
  gc projects remove-iam-policy-binding "$PROJECT_ID" --member="$member" --role="$role" --all >/dev/null || true
done < <(project_bindings)
for account in fs-deployer fs-build fs-scheduler $(for part in "${PARTS[@]}"; do "${part}_accounts"; done); do
  gc iam service-accounts delete "$(sa "$account")" || true
done

finish
