# shellcheck shell=bash
# pubsubReplicate: a CloudEvent Cloud Function behind an Eventarc Pub/Sub trigger on the signal topic.

SA_REPLICATE=$(sa fs-replicate)
SA_TRIGGER=$(sa fs-replicate-trigger)

replicate_accounts() { printf '%s\n' fs-replicate fs-replicate-trigger; }

replicate_grants() {
  grant_secret "$(db_user_secret replicate)" "$SA_REPLICATE"
  grant_secret "$(db_password_secret replicate)" "$SA_REPLICATE"
  grant_sql_client "$SA_REPLICATE"
  # Writes transactions and the watermark, nothing else of the instance.
  grant_table "$TXN_TABLE" "$SA_REPLICATE" roles/bigtable.user
  grant_table "$STATE_TABLE" "$SA_REPLICATE" roles/bigtable.user
  # Eventarc's push subscription authenticates as the trigger account: the Pub/Sub service agent
  # mints its tokens (needed where the agent predates 2021-04-08; harmless elsewhere).
  grant "iam service-accounts" "$SA_TRIGGER" "$PUBSUB_AGENT" roles/iam.serviceAccountTokenCreator
  # Dead letters are forwarded by the Pub/Sub service agent.
  grant "pubsub topics" "$DEAD_LETTER_TOPIC" "$PUBSUB_AGENT" roles/pubsub.publisher
  grant_sa_user "$SA_REPLICATE" "$SA_DEPLOYER"
  grant_sa_user "$SA_TRIGGER" "$SA_DEPLOYER"
}

replicate_deploy() {
  gc functions deploy pubsubReplicate --gen2 --runtime=nodejs22 --region="$REGION" --source=dist/pubsubReplicate \
    --entry-point=pubsubReplicate --trigger-topic="$GENERATED_TOPIC" --trigger-service-account="$SA_TRIGGER" \
    --no-allow-unauthenticated --retry --service-account="$SA_REPLICATE" "${FUNCTION_BUILD_FLAGS[@]}" \
    --memory=1Gi --timeout=540s --max-instances=4 --concurrency=1 \
    --set-env-vars="$(sql_env replicate),BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE},REPLICATE_BUDGET_MS=480000"
}

# The subscription Eventarc made for the trigger (projects/P/subscriptions/S).
replicate_subscription() {
  if [ -n "$DEPLOY_CHECK" ]; then
    gc functions describe pubsubReplicate --gen2 --region="$REGION" --format='value(eventTrigger.trigger)'
    gc eventarc triggers describe pubsubreplicate-check --location="$REGION" --format='value(transport.pubsub.subscription)'
    echo "projects/${PROJECT_ID}/subscriptions/eventarc-check"
    return
  fi
  local trigger
  trigger=$(gc functions describe pubsubReplicate --gen2 --region="$REGION" --format='value(eventTrigger.trigger)')
  gc eventarc triggers describe "$trigger" --location="$REGION" --format='value(transport.pubsub.subscription)'
}

replicate_after_deploy() {
  with_retries gc functions add-invoker-policy-binding pubsubReplicate --region="$REGION" --member="serviceAccount:$SA_TRIGGER"
  local subscription
  subscription=$(replicate_subscription | tail -n 1)
  gc pubsub subscriptions update "$subscription" --dead-letter-topic="$DEAD_LETTER_TOPIC" \
    --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS" --min-retry-delay=10s --max-retry-delay=600s
  grant "pubsub subscriptions" "$subscription" "$PUBSUB_AGENT" roles/pubsub.subscriber
}

replicate_destroy() {
  gc functions delete pubsubReplicate --gen2 --region="$REGION" || true
}
