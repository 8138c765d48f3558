# shellcheck shell=bash
# The flex template (Beam TypeScript on Dataflow), launched at 02:00 UTC by Cloud Scheduler.

SA_DATAFLOW=$(sa fs-dataflow)
FLEX_LAUNCHER_IMAGE=${REGISTRY}/flex-launcher:${IMAGE_TAG}
FLEX_TEMPLATE_PATH=gs://${TEMPLATES_BUCKET}/summaries-csv-to-bigtable.json

flex_template_accounts() { echo fs-dataflow; }

flex_template_grants() {
  grant_project "serviceAccount:$SA_DATAFLOW" roles/dataflow.worker
  grant_table "$SUMMARIES_TABLE" "$SA_DATAFLOW" roles/bigtable.user
  # Reads the CSVs and adds dead letters under errors/; cannot delete or rewrite a summary.
  grant_bucket "$SUMMARIES_BUCKET" "$SA_DATAFLOW" roles/storage.objectViewer
  grant_bucket "$SUMMARIES_BUCKET" "$SA_DATAFLOW" roles/storage.objectCreator
  grant_bucket "$DATAFLOW_BUCKET" "$SA_DATAFLOW" roles/storage.objectUser
  # Reads the template spec; only the deployer writes it.
  grant_bucket "$TEMPLATES_BUCKET" "$SA_DATAFLOW" roles/storage.objectViewer
  grant_repository "$SA_DATAFLOW" roles/artifactregistry.reader
  # The scheduler launches the template as fs-dataflow.
  grant_project "serviceAccount:$SA_SCHEDULER" roles/dataflow.developer
  grant_sa_user "$SA_DATAFLOW" "$SA_SCHEDULER"
  grant_bucket "$TEMPLATES_BUCKET" "$SA_SCHEDULER" roles/storage.objectViewer
  grant_bucket "$TEMPLATES_BUCKET" "$SA_DEPLOYER" roles/storage.objectUser
  # The deploy reads the launcher's digest back (artifacts docker images describe).
  grant_repository "$SA_DEPLOYER" roles/artifactregistry.reader
}

flex_template_deploy() {
  # Base images pinned by digest (FLEX_NODE_IMAGE, FLEX_LAUNCHER_BASE: flex-template/README.md); the
  # template spec names the launcher by the digest it was pushed with.
  gc builds submit . --config=flex-template/cloudbuild.yaml "${BUILD_FLAGS[@]}" \
    --substitutions="_REPO=${REGISTRY},_TAG=${IMAGE_TAG},_NODE_IMAGE=${FLEX_NODE_IMAGE:-},_LAUNCHER_BASE=${FLEX_LAUNCHER_BASE:-}"
  local pinned
  pinned=$(gc artifacts docker images describe "$FLEX_LAUNCHER_IMAGE" --format='value(image_summary.fully_qualified_digest)')
  gc dataflow flex-template build "$FLEX_TEMPLATE_PATH" --image="${pinned:-$FLEX_LAUNCHER_IMAGE}" --sdk-language=PYTHON \
    --metadata-file=flex-template/metadata.json
}

flex_template_after_deploy() {
  local body
  body=$(cat <<JSON
{"launchParameter":{"jobName":"daily-summaries-to-bigtable","containerSpecGcsPath":"${FLEX_TEMPLATE_PATH}",
"parameters":{"input":"${SUMMARIES_URI}","dates_suffixes":"auto","bigtable_project":"${PROJECT_ID}","bigtable_instance":"${BIGTABLE_INSTANCE}"},
"environment":{"serviceAccountEmail":"${SA_DATAFLOW}","stagingLocation":"gs://${DATAFLOW_BUCKET}/staging","tempLocation":"gs://${DATAFLOW_BUCKET}/tmp"}}}
JSON
)
  scheduler_http_job flex-template-0200 \
    "--headers=Content-Type=application/json" "--update-headers=Content-Type=application/json" \
    --schedule="0 2 * * *" --time-zone=Etc/UTC --http-method=POST \
    --uri="https://dataflow.googleapis.com/v1b3/projects/${PROJECT_ID}/locations/${REGION}/flexTemplates:launch" \
    --message-body="$body" --oauth-service-account-email="$SA_SCHEDULER" --max-retry-attempts=3
}

flex_template_destroy() {
  gc scheduler jobs delete flex-template-0200 --location="$REGION" || true
}
