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
  # It announces the span each run wrote (bigtableToAvro's signal).
  grant "pubsub topics" "$REPLICATED_TOPIC" "serviceAccount:$SA_REPLICATE" roles/pubsub.publisher
  grant_sa_user "$SA_REPLICATE" "$SA_DEPLOYER"
  grant_sa_user "$SA_TRIGGER" "$SA_DEPLOYER"
}

replicate_deploy() {
  deploy_event_function pubsubReplicate "$GENERATED_TOPIC" "$SA_TRIGGER" "$SA_REPLICATE" \
    "$(sql_env replicate),BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE},REPLICATE_BUDGET_MS=480000" --max-instances=4
}

replicate_after_deploy() {
  with_retries gc functions add-invoker-policy-binding pubsubReplicate --region="$REGION" --member="serviceAccount:$SA_TRIGGER"
  trigger_dead_letters pubsubReplicate "$DEAD_LETTER_TOPIC"
}

replicate_destroy() {
  gc functions delete pubsubReplicate --gen2 --region="$REGION" || true
}
