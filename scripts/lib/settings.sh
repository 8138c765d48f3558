# shellcheck shell=bash disable=SC2034 # a library: its variables are read by the scripts that source it
# The names and settings every script shares. The cloud names match core/resources.ts (the code's
# one home for them); test/scripts/plan.test.ts checks that they agree.
#
# Settings (environment): PROJECT_ID (required), REGION (us-central1), BIGTABLE_ZONE (REGION-b),
# SQL_TIER (db-custom-1-3840), BIGTABLE_NODES (1), IMAGE_TAG (git commit).

: "${PROJECT_ID:?set PROJECT_ID to the Google Cloud project id}"
REGION=${REGION:-us-central1}
BIGTABLE_ZONE=${BIGTABLE_ZONE:-${REGION}-b}
SQL_TIER=${SQL_TIER:-db-custom-1-3840}
BIGTABLE_NODES=${BIGTABLE_NODES:-1}
IMAGE_TAG=${IMAGE_TAG:-$(git rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)}

# The parts, in deploy order. Each is scripts/parts/<part>.sh (see scripts/parts/README.md).
PARTS=(generate replicate bigtable_to_avro daily_summary flex_template changelog)

SQL_INSTANCE=fin-serv-instance
SQL_DATABASE=finserv
SQL_CONNECTION=${PROJECT_ID}:${REGION}:${SQL_INSTANCE}
SQL_INSTANCE_RESOURCE=projects/${PROJECT_ID}/instances/${SQL_INSTANCE}
BIGTABLE_INSTANCE=fin-bt
TXN_TABLE=txn_tbl
STATE_TABLE=pipeline_state
SUMMARIES_TABLE=daily_transactions_summaries_from_csv
GENERATED_TOPIC=transactions-generated
DEAD_LETTER_TOPIC=transactions-generated-dead-letter
REPLICATED_TOPIC=transactions-replicated
REPLICATED_DEAD_LETTER_TOPIC=transactions-replicated-dead-letter
AVRO_TOPIC=transactions-avro
AVRO_SCHEMA=transaction-avro
MAX_DELIVERY_ATTEMPTS=10

# Buckets: the summaries (the job writes, the flex template reads and dead-letters into), the flex
# template specs (only the deployer writes), Dataflow's staging and temp files (the workers write),
# and Cloud Build's sources and logs of the nested builds.
SUMMARIES_BUCKET=${PROJECT_ID}-finserv-summaries
TEMPLATES_BUCKET=${PROJECT_ID}-finserv-templates
DATAFLOW_BUCKET=${PROJECT_ID}-finserv-dataflow
BUILD_BUCKET=${PROJECT_ID}-finserv-build
SUMMARIES_URI=gs://${SUMMARIES_BUCKET}/summaries/

REPOSITORY=finserv
REPOSITORY_RESOURCE=projects/${PROJECT_ID}/locations/${REGION}/repositories/${REPOSITORY}
REGISTRY=${REGION}-docker.pkg.dev/${PROJECT_ID}/${REPOSITORY}

# Database users: one per part that touches Cloud SQL, each with its own secret pair
# (fin_serv_<part>_db_user / fin_serv_<part>_db_password); their grants live in
# core/sql/database-users.ts. The admin user (cloudsqlsuperuser) only creates them and opens
# scripts/sql-shell.sh sessions.
db_user_secret() { echo "fin_serv_$1_db_user"; }
db_password_secret() { echo "fin_serv_$1_db_password"; }
SQL_ADMIN_USER=finserv_admin   # databaseLogin("admin").user

sa() { echo "$1@${PROJECT_ID}.iam.gserviceaccount.com"; }
# Accounts every part shares: the deployer (Cloud Build's trigger runs cloudbuild.yaml as it) and
# the builder (the function builds and the nested image builds run as it).
SA_DEPLOYER=$(sa fs-deployer)
SA_BUILD=$(sa fs-build)
SA_SCHEDULER=$(sa fs-scheduler)

# Common flags of every nested Cloud Build (images): its own account, sources and logs in our bucket.
BUILD_FLAGS=(--region="$REGION" --service-account="projects/${PROJECT_ID}/serviceAccounts/${SA_BUILD}"
  --gcs-source-staging-dir="gs://${BUILD_BUCKET}/source" --gcs-log-dir="gs://${BUILD_BUCKET}/logs")

# Every function names its build account (new projects' default one lacks the builder and Artifact
# Registry writer roles) and keeps its images in the pipeline's repository.
FUNCTION_BUILD_FLAGS=(--build-service-account="projects/${PROJECT_ID}/serviceAccounts/${SA_BUILD}"
  --docker-repository="$REPOSITORY_RESOURCE")

# deploy_event_function NAME TOPIC TRIGGER-ACCOUNT RUNTIME-ACCOUNT ENV [FLAGS...]: the 2nd-gen
# function dist/NAME behind an Eventarc Pub/Sub trigger on TOPIC: private, retried on failure,
# one event at a time per instance, 540 s (Cloud Functions' most for an event).
deploy_event_function() {
  local name=$1 topic=$2 trigger_account=$3 runtime_account=$4 env=$5
  shift 5
  gc functions deploy "$name" --gen2 --runtime=nodejs22 --region="$REGION" --source="dist/$name" \
    --entry-point="$name" --trigger-topic="$topic" --trigger-service-account="$trigger_account" \
    --no-allow-unauthenticated --retry --service-account="$runtime_account" "${FUNCTION_BUILD_FLAGS[@]}" \
    --memory=1Gi --timeout=540s --concurrency=1 --set-env-vars="$env" "$@"
}

# sql_env PART: the environment of a function that reaches Cloud SQL as PART's database user.
sql_env() {
  echo "GOOGLE_CLOUD_PROJECT=${PROJECT_ID},CLOUD_SQL_INSTANCE=${SQL_CONNECTION},SQL_DATABASE=${SQL_DATABASE},DB_IP_TYPE=PUBLIC,DB_USER_SECRET=$(db_user_secret "$1"),DB_PASSWORD_SECRET=$(db_password_secret "$1"),LOG_LEVEL=info"
}

# Every part's scripts/parts/<part>.sh.
for part in "${PARTS[@]}"; do
  # shellcheck source=/dev/null
  source "scripts/parts/${part}.sh"
done
