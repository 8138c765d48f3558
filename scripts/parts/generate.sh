# shellcheck shell=bash
# httpGenerate: an HTTP Cloud Function, called hourly by Cloud Scheduler (see scripts/parts/README.md).

SA_GENERATE=$(sa fs-generate)

generate_accounts() { echo fs-generate; }

generate_grants() {
  grant_secret "$(db_user_secret generate)" "$SA_GENERATE"
  grant_secret "$(db_password_secret generate)" "$SA_GENERATE"
  grant_sql_client "$SA_GENERATE"
  grant "pubsub topics" "$GENERATED_TOPIC" "serviceAccount:$SA_GENERATE" roles/pubsub.publisher
  # It lowers the watermark and writes the day's change token in pipeline_state before its rows commit.
  grant_table "$STATE_TABLE" "$SA_GENERATE" roles/bigtable.user
  grant_sa_user "$SA_GENERATE" "$SA_DEPLOYER"
}

generate_deploy() {
  gc functions deploy httpGenerate --gen2 --runtime=nodejs22 --region="$REGION" --source=dist/httpGenerate \
    --entry-point=httpGenerate --trigger-http --no-allow-unauthenticated --service-account="$SA_GENERATE" \
    "${FUNCTION_BUILD_FLAGS[@]}" --memory=512Mi --timeout=300s --max-instances=3 --concurrency=1 \
    --set-env-vars="$(sql_env generate),GENERATED_TOPIC=${GENERATED_TOPIC},BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE}"
}

generate_url() {
  if [ -n "$DEPLOY_CHECK" ]; then
    gc functions describe httpGenerate --gen2 --region="$REGION" --format='value(serviceConfig.uri)'
    echo "https://httpgenerate-check-${REGION}.a.run.app"
  else
    gc functions describe httpGenerate --gen2 --region="$REGION" --format='value(serviceConfig.uri)'
  fi
}

generate_after_deploy() {
  with_retries gc functions add-invoker-policy-binding httpGenerate --region="$REGION" --member="serviceAccount:$SA_SCHEDULER"
  local url
  url=$(generate_url | tail -n 1)
  scheduler_http_job generate-hourly "" "" \
    --schedule="0 * * * *" --time-zone=Etc/UTC --uri="$url" --http-method=POST \
    --oidc-service-account-email="$SA_SCHEDULER" --oidc-token-audience="$url" \
    --attempt-deadline=320s --max-retry-attempts=5 --min-backoff=30s
}

generate_destroy() {
  gc scheduler jobs delete generate-hourly --location="$REGION" || true
  gc functions delete httpGenerate --gen2 --region="$REGION" || true
}
