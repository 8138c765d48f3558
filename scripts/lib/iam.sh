# shellcheck shell=bash disable=SC2034 # a library: its variables are read by the scripts that source it
# IAM bindings: loaded by bootstrap.sh only, so deploy.sh (what a push runs) cannot grant anything.
# A service account just created can take a while to be visible to IAM: bindings are retried.

with_retries() {
  local attempt
  for attempt in 1 2 3 4 5; do
    "$@" >/dev/null && return 0
    [ -n "$DEPLOY_CHECK" ] && return 1
    echo "retrying in $((attempt * 10)) s: $*" >&2
    sleep $((attempt * 10))
  done
  "$@" >/dev/null
}

# grant RESOURCE-GROUP RESOURCE MEMBER ROLE [EXTRA FLAGS...]: one binding on one resource, e.g.
#   grant "pubsub topics" transactions-generated serviceAccount:x@p.iam.gserviceaccount.com roles/pubsub.publisher
grant() {
  [ -z "${IAM_LIST:-}" ] || return 0
  local group=$1 resource=$2 member=$3 role=$4
  shift 4
  local words
  read -ra words <<<"$group"
  with_retries gc "${words[@]}" add-iam-policy-binding "$resource" --member="$member" --role="$role" "$@"
}

grant_sa_user() { grant "iam service-accounts" "$1" "serviceAccount:$2" roles/iam.serviceAccountUser; }
grant_secret() { grant secrets "$1" "serviceAccount:$2" roles/secretmanager.secretAccessor; }
grant_bucket() { grant "storage buckets" "gs://$1" "serviceAccount:$2" "$3"; }
grant_table() { grant "bigtable instances tables" "$1" "serviceAccount:$2" "$3" --instance="$BIGTABLE_INSTANCE"; }
grant_repository() { grant "artifacts repositories" "$REPOSITORY" "serviceAccount:$1" "$2" --location="$REGION"; }

# grant_prefix BUCKET PREFIX ACCOUNT ROLE TITLE [listing]: ROLE on the objects under PREFIX only
# (an IAM condition); with `listing`, also on the bucket itself, which is what listing is checked
# against (names only: reading or changing any object outside PREFIX stays refused).
grant_prefix() {
  local bucket=$1 prefix=$2 account=$3 role=$4 title=$5
  local expression="resource.name.startsWith(\"projects/_/buckets/${bucket}/objects/${prefix}\")"
  if [ "${6:-}" = listing ]; then expression="${expression} || resource.name == \"projects/_/buckets/${bucket}\""; fi
  grant "storage buckets" "gs://${bucket}" "serviceAccount:${account}" "$role" --condition="expression=${expression},title=${title}"
}

# grant_project MEMBER ROLE [CONDITION-EXPRESSION TITLE]: a project-level role, only where the
# resource has no IAM policy of its own (Cloud SQL, Dataflow, Cloud Functions, logging).
grant_project() {
  if [ -n "${IAM_LIST:-}" ]; then echo "$1 $2"; return 0; fi
  local member=$1 role=$2 condition=None
  if [ $# -ge 4 ]; then condition="expression=$3,title=$4"; fi
  with_retries gc projects add-iam-policy-binding "$PROJECT_ID" --member="$member" --role="$role" --condition="$condition"
}

# The Cloud SQL client role, limited by an IAM condition to the pipeline's instance.
grant_sql_client() {
  grant_project "serviceAccount:$1" roles/cloudsql.client "resource.name == \"${SQL_INSTANCE_RESOURCE}\"" fin-serv-instance-only
}

# trigger_dead_letters FUNCTION DEAD-LETTER-TOPIC: the function's Eventarc subscription gets a
# dead-letter policy (after MAX_DELIVERY_ATTEMPTS, backing off 10 s to 10 min); the Pub/Sub service
# agent forwards from it (its publisher role on the dead-letter topic is granted with the part's).
trigger_dead_letters() {
  local subscription
  subscription=$(trigger_subscription "$1" | tail -n 1)
  gc pubsub subscriptions update "$subscription" --dead-letter-topic="$2" \
    --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS" --min-retry-delay=10s --max-retry-delay=600s
  grant "pubsub subscriptions" "$subscription" "$PUBSUB_AGENT" roles/pubsub.subscriber
}

# custom_role ID TITLE PERMISSIONS: a project custom role with exactly these permissions (comma
# separated), for what has no IAM policy of its own (Pub/Sub schemas) and no predefined role this small.
custom_role() {
  [ -z "${IAM_LIST:-}" ] || return 0
  if exists iam roles describe "$1"; then
    gc iam roles update "$1" --title="$2" --permissions="$3" --stage=GA >/dev/null
  else
    gc iam roles create "$1" --title="$2" --permissions="$3" --stage=GA >/dev/null
    if [ -n "$DEPLOY_CHECK" ]; then gc iam roles update "$1" --title="$2" --permissions="$3" --stage=GA; fi
  fi
}

# PROJECT_NUMBER, and the Google-managed service agents named after it.
load_project_number() {
  if [ -n "$DEPLOY_CHECK" ]; then
    gc projects describe "$PROJECT_ID" --format='value(projectNumber)'
    PROJECT_NUMBER=000000000000
  else
    PROJECT_NUMBER=$(gc projects describe "$PROJECT_ID" --format='value(projectNumber)')
  fi
  PUBSUB_AGENT="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
  CLOUDBUILD_AGENT="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-cloudbuild.iam.gserviceaccount.com"
}

# The bindings of the accounts every part shares.
shared_grants() {
  log "Deployer $SA_DEPLOYER: deploys code, grants nothing"
  grant_project "serviceAccount:$SA_DEPLOYER" roles/cloudfunctions.developer
  grant_project "serviceAccount:$SA_DEPLOYER" roles/cloudbuild.builds.editor
  grant_project "serviceAccount:$SA_DEPLOYER" roles/serviceusage.serviceUsageConsumer
  grant_project "serviceAccount:$SA_DEPLOYER" roles/logging.logWriter
  grant_sa_user "$SA_BUILD" "$SA_DEPLOYER"
  grant_bucket "$BUILD_BUCKET" "$SA_DEPLOYER" roles/storage.objectUser
  grant_bucket "$BUILD_BUCKET" "$SA_DEPLOYER" roles/storage.legacyBucketReader
  # The SQL migrations of each deploy, as the migrations user.
  grant_secret "$(db_user_secret migrate)" "$SA_DEPLOYER"
  grant_secret "$(db_password_secret migrate)" "$SA_DEPLOYER"
  grant_sql_client "$SA_DEPLOYER"

  log "Builder $SA_BUILD: the function builds and the nested image builds"
  grant_project "serviceAccount:$SA_BUILD" roles/logging.logWriter
  grant_repository "$SA_BUILD" roles/artifactregistry.writer
  grant_bucket "$BUILD_BUCKET" "$SA_BUILD" roles/storage.objectUser
  # Cloud Functions stages each function's source in its own bucket gcf-v2-sources-NUMBER-REGION.
  grant_project "serviceAccount:$SA_BUILD" roles/storage.objectViewer \
    "resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-${PROJECT_NUMBER}-${REGION}\")" function-sources-only
}

# project_bindings: "MEMBER ROLE" of every project-level binding bootstrap makes (for destroy).
project_bindings() {
  local IAM_LIST=1 part
  shared_grants
  for part in "${PARTS[@]}"; do "${part}_grants"; done
}
