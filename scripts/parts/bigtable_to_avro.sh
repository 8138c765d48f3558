# shellcheck shell=bash
# bigtableToAvro: a CloudEvent Cloud Function behind an Eventarc Pub/Sub trigger on the replicated
# topic (pubsubReplicate's span signals), swept hourly by Cloud Scheduler on the same topic; it
# publishes txn_tbl's new rows to the AVRO topic.
#
# The topics (transactions-replicated, its dead-letter topic, transactions-avro) and the AVRO schema
# `transaction-avro` from core/avro/transaction.avsc are made by bootstrap's provisioning
# (scripts/provision.ts --resources, the core/provision code the local platform runs); each deploy
# commits a new schema revision when the .avsc changed (scripts/provision.ts --avro-schema).

SA_AVRO=$(sa fs-avro)
SA_AVRO_TRIGGER=$(sa fs-avro-trigger)
# Schemas have no IAM policy of their own: project custom roles with only the permissions needed.
AVRO_SCHEMA_READER=fsAvroSchemaReader
AVRO_SCHEMA_REVISER=fsAvroSchemaReviser

bigtable_to_avro_accounts() { printf '%s\n' fs-avro fs-avro-trigger; }

bigtable_to_avro_grants() {
  # Reads transactions and marks them; reads the watermark, keeps its cursor, leases and quarantine.
  grant_table "$TXN_TABLE" "$SA_AVRO" roles/bigtable.user
  grant_table "$STATE_TABLE" "$SA_AVRO" roles/bigtable.user
  grant "pubsub topics" "$AVRO_TOPIC" "serviceAccount:$SA_AVRO" roles/pubsub.publisher
  # Each instance reads the topic's schema settings and that revision's definition once.
  custom_role "$AVRO_SCHEMA_READER" "finserv bigtableToAvro: reads the AVRO topic's schema" pubsub.topics.get,pubsub.schemas.get
  grant_project "serviceAccount:$SA_AVRO" "projects/${PROJECT_ID}/roles/${AVRO_SCHEMA_READER}"
  # Every push may commit a new revision of the schema, not create or delete schemas.
  custom_role "$AVRO_SCHEMA_REVISER" "finserv deployer: commits AVRO schema revisions" pubsub.schemas.get,pubsub.schemas.commit
  grant_project "serviceAccount:$SA_DEPLOYER" "projects/${PROJECT_ID}/roles/${AVRO_SCHEMA_REVISER}"
  # Eventarc's push subscription authenticates as the trigger account, whose tokens the Pub/Sub
  # service agent mints; the agent also forwards dead letters.
  grant "iam service-accounts" "$SA_AVRO_TRIGGER" "$PUBSUB_AGENT" roles/iam.serviceAccountTokenCreator
  grant "pubsub topics" "$REPLICATED_DEAD_LETTER_TOPIC" "$PUBSUB_AGENT" roles/pubsub.publisher
  grant_sa_user "$SA_AVRO" "$SA_DEPLOYER"
  grant_sa_user "$SA_AVRO_TRIGGER" "$SA_DEPLOYER"
}

bigtable_to_avro_deploy() {
  run node_modules/.bin/node --import tsx scripts/provision.ts --avro-schema --project="$PROJECT_ID"
  deploy_event_function bigtableToAvro "$REPLICATED_TOPIC" "$SA_AVRO_TRIGGER" "$SA_AVRO" \
    "GOOGLE_CLOUD_PROJECT=${PROJECT_ID},BIGTABLE_INSTANCE=${BIGTABLE_INSTANCE},AVRO_TOPIC=${AVRO_TOPIC},PUBLISH_BUDGET_MS=480000,LOG_LEVEL=info" \
    --max-instances=2
}

bigtable_to_avro_after_deploy() {
  with_retries gc functions add-invoker-policy-binding bigtableToAvro --region="$REGION" --member="serviceAccount:$SA_AVRO_TRIGGER"
  trigger_dead_letters bigtableToAvro "$REPLICATED_DEAD_LETTER_TOPIC"
  # The hourly sweep: a signal like any other, so whatever a lost signal left behind is published
  # within the hour. Cloud Scheduler publishes as its own service agent.
  scheduler_job pubsub avro-sweep-hourly "--attributes=sweep=hourly" "--update-attributes=sweep=hourly" \
    --schedule="20 * * * *" --time-zone=Etc/UTC --topic="$REPLICATED_TOPIC" --message-body='{"sweep":"hourly"}'
}

bigtable_to_avro_destroy() {
  gc scheduler jobs delete avro-sweep-hourly --location="$REGION" || true
  gc functions delete bigtableToAvro --gen2 --region="$REGION" || true
  # The custom roles stay: a deleted role's id is reserved for 37 days, so a bootstrap after a
  # destroy could not make it again, and without its bindings (removed with the accounts) it grants nothing.
}
