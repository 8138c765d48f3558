# shellcheck shell=bash
# The daily summary job: a Cloud Run Job, run at 01:00 UTC by Cloud Scheduler.

SA_SUMMARY=$(sa fs-daily-summary)
JOB_IMAGE=${REGISTRY}/daily-summary:${IMAGE_TAG}

daily_summary_accounts() { echo fs-daily-summary; }

daily_summary_grants() {
  # Reads transactions and the watermark; writes CSVs create-if-absent, so it never needs delete.
  grant_table "$TXN_TABLE" "$SA_SUMMARY" roles/bigtable.reader
  grant_table "$STATE_TABLE" "$SA_SUMMARY" roles/bigtable.reader
  grant_bucket "$SUMMARIES_BUCKET" "$SA_SUMMARY" roles/storage.objectCreator
  grant_bucket "$SUMMARIES_BUCKET" "$SA_SUMMARY" roles/storage.objectViewer
  # No Artifact Registry role: the Cloud Run service agent pulls same-project images.
  grant_sa_user "$SA_SUMMARY" "$SA_DEPLOYER"
}

daily_summary_deploy() {
  cp job/Dockerfile dist/job/Dockerfile
  gc builds submit dist/job --tag="$JOB_IMAGE" "${BUILD_FLAGS[@]}"
  gc run jobs deploy daily-summary --image="$JOB_IMAGE" --region="$REGION" --service-account="$SA_SUMMARY" \
    --tasks=1 --max-retries=1 --task-timeout=3600s --memory=1Gi --cpu=1 \
    --set-env-vars="GOOGLE_CLOUD_PROJECT=${PROJECT_ID},BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE},OUTPUT_URI=${SUMMARIES_URI}${SUMMARY_FIRST_DAY:+,SUMMARY_FIRST_DAY=${SUMMARY_FIRST_DAY}}"
}

daily_summary_after_deploy() {
  grant "run jobs" daily-summary "serviceAccount:$SA_SCHEDULER" roles/run.invoker --region="$REGION"
  # Later pushes redeploy this job, and only this one.
  grant "run jobs" daily-summary "serviceAccount:$SA_DEPLOYER" roles/run.developer --region="$REGION"
  scheduler_http_job daily-summary-0100 "" "" \
    --schedule="0 1 * * *" --time-zone=Etc/UTC --http-method=POST \
    --uri="https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/daily-summary:run" \
    --oauth-service-account-email="$SA_SCHEDULER" --max-retry-attempts=3
}

daily_summary_destroy() {
  gc scheduler jobs delete daily-summary-0100 --location="$REGION" || true
  gc run jobs delete daily-summary --region="$REGION" || true
}
