#!/usr/bin/env bash
# Creates every cloud resource of finserv-pipeline (idempotently) and deploys every part, each with its
# own least-privilege service account.
#
#   PROJECT_ID=my-project bash scripts/deploy.sh            deploy (needs gcloud auth + ADC)
#   DEPLOY_CHECK=1 PROJECT_ID=my-project bash scripts/deploy.sh
#       runs every gcloud command through the real gcloud's argument parser with an empty config and
#       no account: a bad flag fails (exit 2), a well-formed command fails later for want of an account
#       and is counted as checked. Nothing is created. test/scripts/deploy.test.ts runs this.
#
# Settings (environment): PROJECT_ID (required), REGION (us-central1), BIGTABLE_ZONE (REGION-b),
# BUCKET (PROJECT_ID-finserv-summaries), SQL_TIER (db-custom-1-3840), BIGTABLE_NODES (1),
# IMAGE_TAG (git commit), SUMMARY_FIRST_DAY (optional: first day of data).
set -euo pipefail

cd "$(dirname "$0")/.."

: "${PROJECT_ID:?set PROJECT_ID to the Google Cloud project id}"
REGION=${REGION:-us-central1}
BIGTABLE_ZONE=${BIGTABLE_ZONE:-${REGION}-b}
BUCKET=${BUCKET:-${PROJECT_ID}-finserv-summaries}
SQL_TIER=${SQL_TIER:-db-custom-1-3840}
BIGTABLE_NODES=${BIGTABLE_NODES:-1}
IMAGE_TAG=${IMAGE_TAG:-$(git rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)}
DEPLOY_CHECK=${DEPLOY_CHECK:-}

SQL_INSTANCE=fin-serv-instance
SQL_DATABASE=finserv
SQL_USER=finserv
BIGTABLE_INSTANCE=fin-bt
GENERATED_TOPIC=transactions-generated
DEAD_LETTER_TOPIC=transactions-generated-dead-letter
MAX_DELIVERY_ATTEMPTS=10
REPOSITORY=finserv
REGISTRY=${REGION}-docker.pkg.dev/${PROJECT_ID}/${REPOSITORY}
JOB_IMAGE=${REGISTRY}/daily-summary:${IMAGE_TAG}
FLEX_LAUNCHER_IMAGE=${REGISTRY}/flex-launcher:${IMAGE_TAG}
FLEX_TEMPLATE_PATH=gs://${BUCKET}/templates/summaries-csv-to-bigtable.json
SUMMARIES_URI=gs://${BUCKET}/summaries/

sa() { echo "$1@${PROJECT_ID}.iam.gserviceaccount.com"; }
SA_GENERATE=$(sa fs-generate)
SA_REPLICATE=$(sa fs-replicate)
SA_TRIGGER=$(sa fs-replicate-trigger)
SA_SUMMARY=$(sa fs-daily-summary)
SA_DATAFLOW=$(sa fs-dataflow)
SA_SCHEDULER=$(sa fs-scheduler)

log() { printf '\n== %s\n' "$*" >&2; }

# ---- gcloud, or gcloud's parser only -------------------------------------------------------------
checked=0
if [ -n "$DEPLOY_CHECK" ]; then
  CHECK_CONFIG=$(mktemp -d)
  trap 'rm -rf "$CHECK_CONFIG"' EXIT
fi

# gc ARGS...: runs `gcloud ARGS --project=PROJECT_ID --quiet`.
gc() {
  if [ -z "$DEPLOY_CHECK" ]; then
    gcloud "$@" --project="$PROJECT_ID" --quiet
    return
  fi
  local err rc=0
  err=$(CLOUDSDK_CONFIG="$CHECK_CONFIG" CLOUDSDK_CORE_DISABLE_PROMPTS=1 gcloud "$@" --project="$PROJECT_ID" --quiet 2>&1 </dev/null >/dev/null) || rc=$?
  if [ "$rc" -eq 2 ] || grep -qE 'unrecognized arguments|Invalid choice|argument .*: (expected|invalid|Bad value)|is not a valid|must be specified' <<<"$err"; then
    printf 'deploy check: gcloud %s\n%s\n' "$*" "$err" >&2
    exit 1
  fi
  checked=$((checked + 1))
  echo "checked: gcloud $*" | sed -E "s/--password=[^ ]*/--password=[redacted]/" | cut -c1-120 >&2
}

# exists ARGS...: true when a `describe` succeeds. In check mode the describe is parsed, then "absent",
# so every create path is checked.
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

# scheduler_http_job NAME LOCATION "CREATE-ONLY FLAGS" "UPDATE-ONLY FLAGS" COMMON FLAGS...
# Creates a Cloud Scheduler HTTP job or updates it in place; check mode parses both forms.
scheduler_http_job() {
  local name=$1 location=$2 create_flags=$3 update_flags=$4
  shift 4
  # shellcheck disable=SC2086
  if exists scheduler jobs describe "$name" --location="$location"; then
    gc scheduler jobs update http "$name" --location="$location" $update_flags "$@"
  else
    gc scheduler jobs create http "$name" --location="$location" $create_flags "$@"
    if [ -n "$DEPLOY_CHECK" ]; then gc scheduler jobs update http "$name" --location="$location" $update_flags "$@"; fi
  fi
}

# ---- APIs, registry, service accounts -------------------------------------------------------------
log "APIs"
gc services enable sqladmin.googleapis.com secretmanager.googleapis.com bigtable.googleapis.com \
  bigtableadmin.googleapis.com pubsub.googleapis.com cloudfunctions.googleapis.com run.googleapis.com \
  eventarc.googleapis.com cloudscheduler.googleapis.com cloudbuild.googleapis.com \
  artifactregistry.googleapis.com dataflow.googleapis.com storage.googleapis.com

log "Artifact Registry"
exists artifacts repositories describe "$REPOSITORY" --location="$REGION" ||
  gc artifacts repositories create "$REPOSITORY" --repository-format=docker --location="$REGION" \
    --description="finserv-pipeline images"

log "Service accounts"
for account in fs-generate fs-replicate fs-replicate-trigger fs-daily-summary fs-dataflow fs-scheduler; do
  exists iam service-accounts describe "$(sa "$account")" ||
    gc iam service-accounts create "$account" --display-name="finserv-pipeline $account"
done

# grant TARGET-COMMAND TARGET MEMBER ROLE [EXTRA...]: one IAM binding on one resource.
# A service account just created can take a while to be visible to IAM: bindings are retried.
with_retries() {
  local attempt
  for attempt in 1 2 3 4 5; do
    "$@" && return 0
    [ -n "$DEPLOY_CHECK" ] && return 1
    echo "retrying in $((attempt * 10)) s: $*" >&2
    sleep $((attempt * 10))
  done
  "$@"
}
grant() {
  local target_group=$1 target=$2 member=$3 role=$4
  shift 4
  # shellcheck disable=SC2086
  with_retries gc $target_group add-iam-policy-binding "$target" --member="$member" --role="$role" "$@" >/dev/null
}
project_role() { with_retries gc projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:$1" --role="$2" --condition=None >/dev/null; }

# ---- Cloud SQL + secrets --------------------------------------------------------------------------
log "Cloud SQL $SQL_INSTANCE"
exists sql instances describe "$SQL_INSTANCE" ||
  gc sql instances create "$SQL_INSTANCE" --database-version=MYSQL_8_0 --tier="$SQL_TIER" --region="$REGION" \
    --edition=enterprise --storage-auto-increase --backup-start-time=03:00 --enable-bin-log \
    --database-flags=cloudsql_iam_authentication=on
exists sql databases describe "$SQL_DATABASE" --instance="$SQL_INSTANCE" ||
  gc sql databases create "$SQL_DATABASE" --instance="$SQL_INSTANCE" --charset=utf8mb4 --collation=utf8mb4_bin

log "Secrets"
if ! exists secrets describe fin_serv_db_user; then
  printf '%s' "$SQL_USER" | gc secrets create fin_serv_db_user --replication-policy=automatic --data-file=-
fi
if ! exists secrets describe fin_serv_db_password; then
  # The password goes from openssl to Secret Manager and to Cloud SQL without being printed or logged.
  password=$(openssl rand -base64 32 | tr -d '/+=' | cut -c1-32)
  printf '%s' "$password" | gc secrets create fin_serv_db_password --replication-policy=automatic --data-file=-
  gc sql users create "$SQL_USER" --instance="$SQL_INSTANCE" --host=% --password="$password"
  unset password
fi
for account in "$SA_GENERATE" "$SA_REPLICATE"; do
  for secret in fin_serv_db_user fin_serv_db_password; do
    grant secrets "$secret" "serviceAccount:$account" roles/secretmanager.secretAccessor
  done
  project_role "$account" roles/cloudsql.client
done

# ---- Bigtable, Pub/Sub, Storage: instance here, tables/topics/schema/bucket by core/provision -------
log "Bigtable $BIGTABLE_INSTANCE"
exists bigtable instances describe "$BIGTABLE_INSTANCE" ||
  gc bigtable instances create "$BIGTABLE_INSTANCE" --display-name="finserv transactions" \
    --cluster-config="id=${BIGTABLE_INSTANCE}-c1,zone=${BIGTABLE_ZONE},nodes=${BIGTABLE_NODES}"

log "Bucket gs://$BUCKET"
exists storage buckets describe "gs://$BUCKET" ||
  gc storage buckets create "gs://$BUCKET" --location="$REGION" --uniform-bucket-level-access \
    --public-access-prevention

log "Tables, topics, AVRO schema, SQL migrations (core/provision, the code the local platform uses)"
run node_modules/.bin/node --import tsx scripts/provision.ts --project="$PROJECT_ID" --bucket="$BUCKET" \
  --cloud-sql-instance="${PROJECT_ID}:${REGION}:${SQL_INSTANCE}"

grant bigtable\ instances "$BIGTABLE_INSTANCE" "serviceAccount:$SA_REPLICATE" roles/bigtable.user
grant bigtable\ instances "$BIGTABLE_INSTANCE" "serviceAccount:$SA_SUMMARY" roles/bigtable.reader
grant bigtable\ instances "$BIGTABLE_INSTANCE" "serviceAccount:$SA_DATAFLOW" roles/bigtable.user
grant pubsub\ topics "$GENERATED_TOPIC" "serviceAccount:$SA_GENERATE" roles/pubsub.publisher
grant storage\ buckets "gs://$BUCKET" "serviceAccount:$SA_SUMMARY" roles/storage.objectCreator
grant storage\ buckets "gs://$BUCKET" "serviceAccount:$SA_SUMMARY" roles/storage.objectViewer
grant storage\ buckets "gs://$BUCKET" "serviceAccount:$SA_DATAFLOW" roles/storage.objectAdmin
project_role "$SA_DATAFLOW" roles/dataflow.worker
project_role "$SA_DATAFLOW" roles/artifactregistry.reader

# ---- Bundles ------------------------------------------------------------------------------------
log "Bundles"
node_modules/.bin/node esbuild.config.mjs

# ---- httpGenerate -------------------------------------------------------------------------------
COMMON_SQL_ENV="GOOGLE_CLOUD_PROJECT=${PROJECT_ID},CLOUD_SQL_INSTANCE=${PROJECT_ID}:${REGION}:${SQL_INSTANCE},SQL_DATABASE=${SQL_DATABASE},DB_IP_TYPE=PUBLIC,LOG_LEVEL=info"

log "httpGenerate"
gc functions deploy httpGenerate --gen2 --runtime=nodejs22 --region="$REGION" --source=dist/httpGenerate \
  --entry-point=httpGenerate --trigger-http --no-allow-unauthenticated --service-account="$SA_GENERATE" \
  --memory=512Mi --timeout=300s --max-instances=3 --concurrency=1 \
  --set-env-vars="${COMMON_SQL_ENV},GENERATED_TOPIC=${GENERATED_TOPIC}"
gc functions add-invoker-policy-binding httpGenerate --region="$REGION" --member="serviceAccount:$SA_SCHEDULER"

# ---- pubsubReplicate (Eventarc Pub/Sub trigger) ---------------------------------------------------
log "pubsubReplicate"
project_role "$SA_TRIGGER" roles/eventarc.eventReceiver
gc functions deploy pubsubReplicate --gen2 --runtime=nodejs22 --region="$REGION" --source=dist/pubsubReplicate \
  --entry-point=pubsubReplicate --trigger-topic="$GENERATED_TOPIC" --trigger-service-account="$SA_TRIGGER" \
  --retry --service-account="$SA_REPLICATE" --memory=1Gi --timeout=540s --max-instances=4 --concurrency=1 \
  --set-env-vars="${COMMON_SQL_ENV},BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE},REPLICATE_BUDGET_MS=480000"
gc functions add-invoker-policy-binding pubsubReplicate --region="$REGION" --member="serviceAccount:$SA_TRIGGER"
# Eventarc makes its own subscription: give it the dead-letter topic and a bound on attempts.
if [ -z "$DEPLOY_CHECK" ]; then
  trigger=$(gcloud functions describe pubsubReplicate --gen2 --region="$REGION" --project="$PROJECT_ID" --format='value(eventTrigger.trigger)')
  subscription=$(gcloud eventarc triggers describe "$trigger" --location="$REGION" --project="$PROJECT_ID" --format='value(transport.pubsub.subscription)')
else
  subscription=projects/${PROJECT_ID}/subscriptions/eventarc-check
  gc functions describe pubsubReplicate --gen2 --region="$REGION" --format='value(eventTrigger.trigger)'
  gc eventarc triggers describe pubsubreplicate-trigger --location="$REGION" --format='value(transport.pubsub.subscription)'
fi
gc pubsub subscriptions update "$subscription" --dead-letter-topic="$DEAD_LETTER_TOPIC" \
  --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS" --min-retry-delay=10s --max-retry-delay=600s
PROJECT_NUMBER=$(gc projects describe "$PROJECT_ID" --format='value(projectNumber)')
PUBSUB_AGENT="serviceAccount:service-${PROJECT_NUMBER:-000000000000}@gcp-sa-pubsub.iam.gserviceaccount.com"
grant pubsub\ topics "$DEAD_LETTER_TOPIC" "$PUBSUB_AGENT" roles/pubsub.publisher
grant pubsub\ subscriptions "$subscription" "$PUBSUB_AGENT" roles/pubsub.subscriber

# ---- Daily summary job (Cloud Run Job) ----------------------------------------------------------
log "daily summary job"
cp job/Dockerfile dist/job/Dockerfile
gc builds submit dist/job --tag="$JOB_IMAGE" --region="$REGION"
JOB_ENV="GOOGLE_CLOUD_PROJECT=${PROJECT_ID},BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE},OUTPUT_URI=${SUMMARIES_URI}"
[ -n "${SUMMARY_FIRST_DAY:-}" ] && JOB_ENV="${JOB_ENV},SUMMARY_FIRST_DAY=${SUMMARY_FIRST_DAY}"
gc run jobs deploy daily-summary --image="$JOB_IMAGE" --region="$REGION" --service-account="$SA_SUMMARY" \
  --tasks=1 --max-retries=1 --task-timeout=3600s --memory=1Gi --cpu=1 --set-env-vars="$JOB_ENV"
grant run\ jobs daily-summary "serviceAccount:$SA_SCHEDULER" roles/run.invoker --region="$REGION"

# ---- Flex template (Beam TypeScript on Dataflow) -------------------------------------------------
log "flex template"
# Base images pinned by digest (FLEX_NODE_IMAGE, FLEX_LAUNCHER_BASE: flex-template/README.md); the
# template spec names the launcher by the digest it was pushed with.
gc builds submit . --config=flex-template/cloudbuild.yaml --region="$REGION" \
  --substitutions="_REPO=${REGISTRY},_TAG=${IMAGE_TAG},_NODE_IMAGE=${FLEX_NODE_IMAGE:-},_LAUNCHER_BASE=${FLEX_LAUNCHER_BASE:-}"
FLEX_LAUNCHER_PINNED=$(gc artifacts docker images describe "$FLEX_LAUNCHER_IMAGE" --format='value(image_summary.fully_qualified_digest)')
gc dataflow flex-template build "$FLEX_TEMPLATE_PATH" --image="${FLEX_LAUNCHER_PINNED:-$FLEX_LAUNCHER_IMAGE}" --sdk-language=PYTHON \
  --metadata-file=flex-template/metadata.json
project_role "$SA_SCHEDULER" roles/dataflow.developer
grant iam\ service-accounts "$SA_DATAFLOW" "serviceAccount:$SA_SCHEDULER" roles/iam.serviceAccountUser

# ---- Schedules (UTC) -----------------------------------------------------------------------------
log "Cloud Scheduler"
GENERATE_URL="https://${REGION}-${PROJECT_ID}.cloudfunctions.net/httpGenerate"
if [ -z "$DEPLOY_CHECK" ]; then
  GENERATE_URL=$(gcloud functions describe httpGenerate --gen2 --region="$REGION" --project="$PROJECT_ID" --format='value(serviceConfig.uri)')
fi
scheduler_http_job generate-hourly "$REGION" "" "" \
  --schedule="0 * * * *" --time-zone=Etc/UTC --uri="$GENERATE_URL" --http-method=POST \
  --oidc-service-account-email="$SA_SCHEDULER" --oidc-token-audience="$GENERATE_URL" \
  --attempt-deadline=320s --max-retry-attempts=5 --min-backoff=30s
scheduler_http_job daily-summary-0100 "$REGION" "" "" \
  --schedule="0 1 * * *" --time-zone=Etc/UTC --http-method=POST \
  --uri="https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/daily-summary:run" \
  --oauth-service-account-email="$SA_SCHEDULER" --max-retry-attempts=3
LAUNCH_BODY=$(cat <<JSON
{"launchParameter":{"jobName":"daily-summaries-to-bigtable","containerSpecGcsPath":"${FLEX_TEMPLATE_PATH}",
"parameters":{"input":"${SUMMARIES_URI}","dates_suffixes":"auto","bigtable_project":"${PROJECT_ID}","bigtable_instance":"${BIGTABLE_INSTANCE}"},
"environment":{"serviceAccountEmail":"${SA_DATAFLOW}","tempLocation":"gs://${BUCKET}/dataflow/tmp"}}}
JSON
)
scheduler_http_job flex-template-0200 "$REGION" \
  "--headers=Content-Type=application/json" "--update-headers=Content-Type=application/json" \
  --schedule="0 2 * * *" --time-zone=Etc/UTC --http-method=POST \
  --uri="https://dataflow.googleapis.com/v1b3/projects/${PROJECT_ID}/locations/${REGION}/flexTemplates:launch" \
  --message-body="$LAUNCH_BODY" --oauth-service-account-email="$SA_SCHEDULER" --max-retry-attempts=3

if [ -n "$DEPLOY_CHECK" ]; then
  echo "deploy check: ${checked} gcloud commands parsed by the real gcloud, none refused"
else
  echo "deployed finserv-pipeline to ${PROJECT_ID} (${REGION})"
fi
