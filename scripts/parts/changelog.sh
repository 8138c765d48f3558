# shellcheck shell=bash
# Change data capture of txn_tbl (README "Change log of txn_tbl"): Bigtable's change stream, read by
# Google's "Bigtable change streams to Pub/Sub" template running as the streaming Dataflow job
# bit-table-transaction-updates, which publishes to txn-changes; the change-log archiver, a Cloud
# Run Job every 5 minutes, keeps what it publishes. The topic txn-changes with its schema
# txn-changelog-entry (the template's AVRO, BINARY) and the archiver's pull subscription are made
# by `scripts/provision.ts --resources` (core/provision/pubsub.ts), before any part's grants.
# The names below are core/resources.ts's (test/scripts/plan.test.ts checks that they agree).

SA_CHANGE_STREAM=$(sa fs-change-stream)
SA_ARCHIVER=$(sa fs-changelog-archiver)
ARCHIVER_IMAGE=${REGISTRY}/changelog-archiver:${IMAGE_TAG}
CHANGE_STREAM_JOB=bit-table-transaction-updates
CHANGE_STREAM_RETENTION=7d
CHANGE_STREAM_APP_PROFILE=txn-change-stream
CHANGES_TOPIC=txn-changes
CHANGES_SCHEMA=txn-changelog-entry
CHANGES_SUBSCRIPTION=changelog-archiver
# Google's template, as Google stages it per region; CHANGE_STREAM_TEMPLATE_VERSION pins a dated release.
CHANGE_STREAM_TEMPLATE=gs://dataflow-templates-${REGION}/${CHANGE_STREAM_TEMPLATE_VERSION:-latest}/flex/Bigtable_Change_Streams_to_PubSub
# The change stream connector's progress (one row set per bigtableChangeStreamName): made here, so
# the template's account needs no right to create tables. Its families are the connector's own
# (Beam's MetadataTableAdminDao), one version each.
CHANGE_STREAM_METADATA_TABLE=__change_stream_md_table
CHANGE_STREAM_METADATA_FAMILIES=initial_continuation_token,parent_partitions,parent_low_watermarks,watermark,continuation_token,lock,missing_partitions,version,should_delete
# All in the summaries bucket (core/resources.ts storage.bucket), each under its own prefix.
CHANGELOG_URI=gs://${SUMMARIES_BUCKET}/changelog/
CHANGELOG_DEAD_LETTER_URI=gs://${SUMMARIES_BUCKET}/changelog-errors/
CHANGE_STREAM_DLQ_PREFIX=change-stream-dlq/
# The job's temp and staging files, in the Dataflow bucket under a prefix of its own.
CHANGE_STREAM_WORK_PREFIX=change-stream/

changelog_accounts() { printf '%s\n' fs-change-stream fs-changelog-archiver; }

# What only an owner may make: the change stream, the app profile, the connector's metadata table.
changelog_resources() {
  gc bigtable instances tables update "$TXN_TABLE" --instance="$BIGTABLE_INSTANCE" \
    --change-stream-retention-period="$CHANGE_STREAM_RETENTION"
  # The connector needs single-cluster routing with single-row transactions (it checks both).
  exists bigtable app-profiles describe "$CHANGE_STREAM_APP_PROFILE" --instance="$BIGTABLE_INSTANCE" ||
    gc bigtable app-profiles create "$CHANGE_STREAM_APP_PROFILE" --instance="$BIGTABLE_INSTANCE" \
      --route-to="${BIGTABLE_INSTANCE}-c1" --transactional-writes --description="change stream reader of ${TXN_TABLE}"
  local families=() family
  for family in ${CHANGE_STREAM_METADATA_FAMILIES//,/ }; do families+=("${family}:maxversions=1"); done
  exists bigtable instances tables describe "$CHANGE_STREAM_METADATA_TABLE" --instance="$BIGTABLE_INSTANCE" ||
    gc bigtable instances tables create "$CHANGE_STREAM_METADATA_TABLE" --instance="$BIGTABLE_INSTANCE" \
      --column-families="$(IFS=,; echo "${families[*]}")"
}

changelog_grants() {
  # The template's account: reads txn_tbl's change stream, publishes, keeps its progress and dead letters.
  grant_table "$TXN_TABLE" "$SA_CHANGE_STREAM" roles/bigtable.reader
  grant_table "$CHANGE_STREAM_METADATA_TABLE" "$SA_CHANGE_STREAM" roles/bigtable.user
  # Instance metadata only (the app profile's routing, which the connector checks), no data.
  grant "bigtable instances" "$BIGTABLE_INSTANCE" "serviceAccount:$SA_CHANGE_STREAM" roles/bigtable.viewer
  grant "pubsub topics" "$CHANGES_TOPIC" "serviceAccount:$SA_CHANGE_STREAM" roles/pubsub.publisher
  # It starts only if the topic's schema fits what it publishes: it reads the topic and the schema
  # (schemas have no IAM command in gcloud: a project binding limited to that one schema).
  grant "pubsub topics" "$CHANGES_TOPIC" "serviceAccount:$SA_CHANGE_STREAM" roles/pubsub.viewer
  grant_project "serviceAccount:$SA_CHANGE_STREAM" roles/pubsub.viewer \
    "resource.name == \"projects/${PROJECT_ID}/schemas/${CHANGES_SCHEMA}\"" changelog-schema-only
  grant_project "serviceAccount:$SA_CHANGE_STREAM" roles/dataflow.worker
  # Its dead letters are retried from the directory, so it lists and rewrites them.
  grant_prefix "$SUMMARIES_BUCKET" "$CHANGE_STREAM_DLQ_PREFIX" "$SA_CHANGE_STREAM" roles/storage.objectAdmin change-stream-dlq-only listing
  grant_prefix "$DATAFLOW_BUCKET" "$CHANGE_STREAM_WORK_PREFIX" "$SA_CHANGE_STREAM" roles/storage.objectAdmin change-stream-work-only listing

  # The archiver's account: pulls its subscription, adds objects under its two prefixes (create-if-absent, never rewrites).
  grant "pubsub subscriptions" "$CHANGES_SUBSCRIPTION" "serviceAccount:$SA_ARCHIVER" roles/pubsub.subscriber
  local prefix
  for prefix in changelog/ changelog-errors/; do
    grant_prefix "$SUMMARIES_BUCKET" "$prefix" "$SA_ARCHIVER" roles/storage.objectCreator "${prefix%/}-only"
    grant_prefix "$SUMMARIES_BUCKET" "$prefix" "$SA_ARCHIVER" roles/storage.objectViewer "${prefix%/}-read"
  done
  grant_sa_user "$SA_ARCHIVER" "$SA_DEPLOYER"
}

changelog_deploy() {
  cp changelog-archiver/Dockerfile dist/changelog-archiver/Dockerfile
  gc builds submit dist/changelog-archiver --tag="$ARCHIVER_IMAGE" "${BUILD_FLAGS[@]}"
  # A run drains for at most CHANGELOG_BUDGET_MS (240 s) and ends before the next one starts.
  gc run jobs deploy changelog-archiver --image="$ARCHIVER_IMAGE" --region="$REGION" --service-account="$SA_ARCHIVER" \
    --tasks=1 --max-retries=1 --task-timeout=300s --memory=1Gi --cpu=1 \
    --set-env-vars="GOOGLE_CLOUD_PROJECT=${PROJECT_ID},CHANGELOG_SUBSCRIPTION=${CHANGES_SUBSCRIPTION},CHANGELOG_URI=${CHANGELOG_URI},CHANGELOG_DEAD_LETTER_URI=${CHANGELOG_DEAD_LETTER_URI},LOG_LEVEL=info"
}

# change_stream_jobs STATUS: the ids of the Dataflow jobs named bit-table-transaction-updates in
# STATUS (active: queued, running, draining, updating; terminated: ever ran and stopped).
change_stream_jobs() {
  gc dataflow jobs list --region="$REGION" --status="$1" --filter="name=${CHANGE_STREAM_JOB}" --format='value(id)'
}

# Launches the template unless a job of that name is active; with CHANGE_STREAM_UPDATE=1 an active
# job is updated in place (same name, its state carried over) instead of left. Dataflow itself
# refuses a second active job of one name, so two reruns at once cannot start two readers.
launch_change_stream() {
  local active="" ran=""
  if [ -z "$DEPLOY_CHECK" ]; then
    active=$(change_stream_jobs active)
    ran=$(change_stream_jobs terminated)
  else
    change_stream_jobs active
    change_stream_jobs terminated
  fi
  if [ -n "$active" ] && [ -z "${CHANGE_STREAM_UPDATE:-}" ]; then
    log "$CHANGE_STREAM_JOB is running ($active): left as it is (CHANGE_STREAM_UPDATE=1 updates it)"
    return 0
  fi
  # bigtableChangeStreamName keys the reader's progress in the metadata table: a job after an
  # earlier one of that name must resume from it (a fresh start is then refused), the first must not.
  local resume=false
  if [ -n "$active" ] || [ -n "$ran" ]; then resume=true; fi
  local flags=(--region="$REGION" --template-file-gcs-location="$CHANGE_STREAM_TEMPLATE"
    --service-account-email="$SA_CHANGE_STREAM" --enable-streaming-engine
    --temp-location="gs://${DATAFLOW_BUCKET}/${CHANGE_STREAM_WORK_PREFIX}temp/"
    --staging-location="gs://${DATAFLOW_BUCKET}/${CHANGE_STREAM_WORK_PREFIX}staging/"
    --additional-user-labels=pipeline=finserv)
  local parameters="bigtableReadInstanceId=${BIGTABLE_INSTANCE},bigtableReadTableId=${TXN_TABLE}"
  parameters+=",bigtableChangeStreamAppProfile=${CHANGE_STREAM_APP_PROFILE},bigtableChangeStreamMetadataTableTableId=${CHANGE_STREAM_METADATA_TABLE}"
  parameters+=",bigtableChangeStreamName=${CHANGE_STREAM_JOB}"
  parameters+=",pubSubTopic=${CHANGES_TOPIC},messageFormat=AVRO,messageEncoding=BINARY"
  parameters+=",dlqDirectory=gs://${SUMMARIES_BUCKET}/${CHANGE_STREAM_DLQ_PREFIX}"
  if [ -n "$active" ]; then
    gc dataflow flex-template run "$CHANGE_STREAM_JOB" "${flags[@]}" --update --parameters="${parameters},bigtableChangeStreamResume=true"
  else
    gc dataflow flex-template run "$CHANGE_STREAM_JOB" "${flags[@]}" --parameters="${parameters},bigtableChangeStreamResume=${resume}"
    if [ -n "$DEPLOY_CHECK" ]; then
      gc dataflow flex-template run "$CHANGE_STREAM_JOB" "${flags[@]}" --update --parameters="${parameters},bigtableChangeStreamResume=true"
    fi
  fi
}

changelog_after_deploy() {
  launch_change_stream
  grant "run jobs" changelog-archiver "serviceAccount:$SA_SCHEDULER" roles/run.invoker --region="$REGION"
  # Later pushes redeploy this job, and only this one.
  grant "run jobs" changelog-archiver "serviceAccount:$SA_DEPLOYER" roles/run.developer --region="$REGION"
  scheduler_http_job changelog-archiver-5min "" "" \
    --schedule="*/5 * * * *" --time-zone=Etc/UTC --http-method=POST \
    --uri="https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/changelog-archiver:run" \
    --oauth-service-account-email="$SA_SCHEDULER" --max-retry-attempts=1
}

changelog_destroy() {
  gc scheduler jobs delete changelog-archiver-5min --location="$REGION" || true
  gc run jobs delete changelog-archiver --region="$REGION" || true
  local id
  if [ -z "$DEPLOY_CHECK" ]; then
    for id in $(change_stream_jobs active || true); do gc dataflow jobs cancel "$id" --region="$REGION" || true; done
  else
    change_stream_jobs active || true
    gc dataflow jobs cancel check-job-id --region="$REGION" || true
  fi
  gc pubsub subscriptions delete "$CHANGES_SUBSCRIPTION" || true
  gc pubsub topics delete "$CHANGES_TOPIC" || true
  gc pubsub schemas delete "$CHANGES_SCHEMA" || true
}
