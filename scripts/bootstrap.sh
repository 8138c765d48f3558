#!/usr/bin/env bash
# Run once by a project owner (and again after any failure, or when a part is added: every step is
# idempotent). Everything a push must not be able to do happens here: APIs, service accounts, every
# IAM binding, the database users and their secrets, the alerts, and the Cloud Build trigger whose
# pushes then run scripts/deploy.sh as the deployer account, which can change code, not IAM.
#
#   gcloud auth login && gcloud auth application-default login
#   PROJECT_ID=my-project ALERT_CHANNEL=projects/my-project/notificationChannels/123 \
#     GITHUB_REPO_URI=https://github.com/OWNER/finserv-pipeline.git bash scripts/bootstrap.sh
#   DEPLOY_CHECK=1 PROJECT_ID=my-project bash scripts/bootstrap.sh     (check mode, scripts/lib/gcloud.sh)
#
# Settings besides scripts/lib/settings.sh's: ALERT_CHANNEL (a Monitoring notification channel
# name, required), GITHUB_REPO_URI (the repository the trigger builds; without it no trigger is
# made), GITHUB_CONNECTION (finserv-github), TRIGGER_BRANCH (^main$).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/gcloud.sh
source scripts/lib/settings.sh
source scripts/lib/owner.sh

GITHUB_CONNECTION=${GITHUB_CONNECTION:-finserv-github}
TRIGGER_BRANCH=${TRIGGER_BRANCH:-^main\$}
if [ -n "$DEPLOY_CHECK" ]; then
  ALERT_CHANNEL=${ALERT_CHANNEL:-projects/${PROJECT_ID}/notificationChannels/0}
  GITHUB_REPO_URI=${GITHUB_REPO_URI:-https://github.com/example/finserv-pipeline.git}
fi
: "${ALERT_CHANNEL:?set ALERT_CHANNEL to a notification channel (gcloud beta monitoring channels create --display-name=finserv --type=email --channel-labels=email_address=YOU)}"
GITHUB_REPO_URI=${GITHUB_REPO_URI:-}

all_accounts() {
  printf '%s\n' fs-deployer fs-build fs-scheduler
  local part
  for part in "${PARTS[@]}"; do "${part}_accounts"; done
}

# ---- APIs and service accounts -------------------------------------------------------------------
log "APIs"
gc services enable sqladmin.googleapis.com secretmanager.googleapis.com bigtable.googleapis.com \
  bigtableadmin.googleapis.com pubsub.googleapis.com cloudfunctions.googleapis.com run.googleapis.com \
  eventarc.googleapis.com cloudscheduler.googleapis.com cloudbuild.googleapis.com \
  artifactregistry.googleapis.com dataflow.googleapis.com storage.googleapis.com iam.googleapis.com \
  logging.googleapis.com monitoring.googleapis.com

load_project_number

log "Service accounts"
for account in $(all_accounts); do
  exists iam service-accounts describe "$(sa "$account")" ||
    gc iam service-accounts create "$account" --display-name="finserv-pipeline $account"
done

# ---- Resources every part shares -----------------------------------------------------------------
log "Artifact Registry $REPOSITORY"
exists artifacts repositories describe "$REPOSITORY" --location="$REGION" ||
  gc artifacts repositories create "$REPOSITORY" --repository-format=docker --location="$REGION" \
    --description="finserv-pipeline images"

log "Buckets"
for bucket in "$SUMMARIES_BUCKET" "$TEMPLATES_BUCKET" "$DATAFLOW_BUCKET" "$BUILD_BUCKET"; do
  exists storage buckets describe "gs://$bucket" ||
    gc storage buckets create "gs://$bucket" --location="$REGION" --uniform-bucket-level-access \
      --public-access-prevention
done

log "Cloud SQL $SQL_INSTANCE"
exists sql instances describe "$SQL_INSTANCE" ||
  gc sql instances create "$SQL_INSTANCE" --database-version=MYSQL_8_0 --tier="$SQL_TIER" --region="$REGION" \
    --edition=enterprise --storage-auto-increase --backup-start-time=03:00 --enable-bin-log
exists sql databases describe "$SQL_DATABASE" --instance="$SQL_INSTANCE" ||
  gc sql databases create "$SQL_DATABASE" --instance="$SQL_INSTANCE" --charset=utf8mb4 --collation=utf8mb4_bin

log "Bigtable $BIGTABLE_INSTANCE"
exists bigtable instances describe "$BIGTABLE_INSTANCE" ||
  gc bigtable instances create "$BIGTABLE_INSTANCE" --display-name="finserv transactions" \
    --cluster-config="id=${BIGTABLE_INSTANCE}-c1,zone=${BIGTABLE_ZONE},nodes=${BIGTABLE_NODES}"

log "Tables, topics, AVRO schema (core/provision, the code the local platform uses)"
run node_modules/.bin/node --import tsx scripts/provision.ts --resources --project="$PROJECT_ID" \
  --region="$REGION" --bucket="$SUMMARIES_BUCKET"

# ---- Database users and their secrets ------------------------------------------------------------
# ensure_secret NAME: a secret without versions (scripts/database-users.ts adds them).
ensure_secret() {
  exists secrets describe "$1" || gc secrets create "$1" --replication-policy=automatic
}

# The admin user, created through the Cloud SQL Admin API (the only way to get a cloudsqlsuperuser).
# Secret first, then the user, set from the secret: a rerun after a failure between the two
# converges, and the password never is an argument or in gcloud's logs (gc_with_password).
log "SQL admin user $SQL_ADMIN_USER"
ensure_secret "$(db_user_secret admin)"
ensure_secret "$(db_password_secret admin)"
if ! exists secrets versions describe latest --secret="$(db_user_secret admin)"; then
  printf '%s' "$SQL_ADMIN_USER" | gc secrets versions add "$(db_user_secret admin)" --data-file=-
fi
if exists secrets versions describe latest --secret="$(db_password_secret admin)"; then
  admin_password=$(CLOUDSDK_CORE_DISABLE_FILE_LOGGING=1 gc secrets versions access latest --secret="$(db_password_secret admin)")
else
  admin_password=$(new_password)
  printf '%s' "$admin_password" | gc secrets versions add "$(db_password_secret admin)" --data-file=-
fi
if exists sql users describe "$SQL_ADMIN_USER" --instance="$SQL_INSTANCE" --host=%; then
  gc_with_password "$admin_password" sql users set-password "$SQL_ADMIN_USER" --instance="$SQL_INSTANCE" --host=%
else
  gc_with_password "$admin_password" sql users create "$SQL_ADMIN_USER" --instance="$SQL_INSTANCE" --host=%
  if [ -n "$DEPLOY_CHECK" ]; then
    gc_with_password "$admin_password" sql users set-password "$SQL_ADMIN_USER" --instance="$SQL_INSTANCE" --host=%
  fi
fi
unset admin_password

log "Database users per part (core/sql/database-users.ts): secrets, then users and grants"
for db_part in migrate generate replicate; do
  ensure_secret "$(db_user_secret "$db_part")"
  ensure_secret "$(db_password_secret "$db_part")"
done
run node_modules/.bin/node --import tsx scripts/database-users.ts --project="$PROJECT_ID" \
  --cloud-sql-instance="$SQL_CONNECTION" --database="$SQL_DATABASE"

# ---- IAM: the accounts every part shares (scripts/lib/iam.sh) --------------------------------------
shared_grants

# ---- What a part needs that only an owner may make (optional P_resources) --------------------------
for part in "${PARTS[@]}"; do
  if declare -F "${part}_resources" >/dev/null; then
    log "resources: $part"
    "${part}_resources"
  fi
done

# ---- IAM of each part, then its first deploy, then what needs the deployed part ------------------
for part in "${PARTS[@]}"; do
  log "grants: $part"
  "${part}_grants"
done

log "First deploy (scripts/deploy.sh, as the owner; later ones run from the trigger)"
bash scripts/deploy.sh

for part in "${PARTS[@]}"; do
  log "after the first deploy: $part"
  "${part}_after_deploy"
done

# ---- Alerts -----------------------------------------------------------------------------------------
log "Alerts to $ALERT_CHANNEL (scripts/alerts/)"
apply_alerts "$ALERT_CHANNEL"

# ---- The Cloud Build trigger (2nd gen repository connection) --------------------------------------
if [ -z "$GITHUB_REPO_URI" ]; then
  log "No GITHUB_REPO_URI: no Cloud Build trigger made (set it and run bootstrap again)"
else
  log "Cloud Build trigger on pushes to $TRIGGER_BRANCH of $GITHUB_REPO_URI"
  repo_name=$(basename "$GITHUB_REPO_URI" .git)
  # Cloud Build's service agent keeps the connection's GitHub token in Secret Manager.
  grant_project "$CLOUDBUILD_AGENT" roles/secretmanager.admin
  if ! exists builds connections describe "$GITHUB_CONNECTION" --region="$REGION"; then
    gc builds connections create github "$GITHUB_CONNECTION" --region="$REGION"
  fi
  if [ -z "$DEPLOY_CHECK" ]; then
    stage=$(gc builds connections describe "$GITHUB_CONNECTION" --region="$REGION" --format='value(installationState.stage)')
    [ "$stage" = COMPLETE ] || die "connection $GITHUB_CONNECTION is $stage: open the link that \`gcloud builds connections describe $GITHUB_CONNECTION --region=$REGION\` prints, install the GitHub app on the repository, then run bootstrap again"
  fi
  exists builds repositories describe "$repo_name" --connection="$GITHUB_CONNECTION" --region="$REGION" ||
    gc builds repositories create "$repo_name" --remote-uri="$GITHUB_REPO_URI" --connection="$GITHUB_CONNECTION" --region="$REGION"
  trigger_flags=(--region="$REGION" --build-config=cloudbuild.yaml --branch-pattern="$TRIGGER_BRANCH"
    --repository="projects/${PROJECT_ID}/locations/${REGION}/connections/${GITHUB_CONNECTION}/repositories/${repo_name}"
    --service-account="projects/${PROJECT_ID}/serviceAccounts/${SA_DEPLOYER}"
    --substitutions="_REGION=${REGION}" --description="finserv-pipeline: test, then deploy")
  if exists builds triggers describe finserv-main --region="$REGION"; then
    gc builds triggers delete finserv-main --region="$REGION"
  fi
  gc builds triggers create github --name=finserv-main "${trigger_flags[@]}"
fi

finish
