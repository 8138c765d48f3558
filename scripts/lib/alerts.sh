# shellcheck shell=bash
# The alerts (scripts/alerts/): each NAME.metric.json is a log-based metric, each NAME.policy.json
# an alert policy whose displayName starts "finserv: ". Loaded by bootstrap.sh and destroy.sh.

# policies_named FILE: the names of the alert policies with FILE's displayName (none in check mode).
policies_named() {
  local display_name
  display_name=$(sed -n 's/^ *"displayName": "\(finserv: [^"]*\)".*/\1/p' "$1" | head -n 1)
  [ -n "$display_name" ] || die "$1 has no \"displayName\": \"finserv: ...\""
  gc alpha monitoring policies list --filter="displayName=\"${display_name}\"" --format='value(name)'
}

# apply_alerts CHANNEL: creates or updates every metric and policy, sending to CHANNEL.
apply_alerts() {
  local channel=$1 metric name policy existing
  for metric in scripts/alerts/*.metric.json; do
    name=$(basename "$metric" .metric.json)
    if exists logging metrics describe "$name"; then
      gc logging metrics update "$name" --config-from-file="$metric"
    else
      gc logging metrics create "$name" --config-from-file="$metric"
    fi
  done
  for policy in scripts/alerts/*.policy.json; do
    existing=$(policies_named "$policy" | head -n 1)
    if [ -n "$existing" ] || [ -n "$DEPLOY_CHECK" ]; then
      gc alpha monitoring policies update "${existing:-projects/${PROJECT_ID}/alertPolicies/0}" --policy-from-file="$policy" --set-notification-channels="$channel"
    fi
    if [ -z "$existing" ]; then
      gc alpha monitoring policies create --policy-from-file="$policy" --notification-channels="$channel"
    fi
  done
}

delete_alerts() {
  local metric policy name
  for policy in scripts/alerts/*.policy.json; do
    for name in $(policies_named "$policy") ${DEPLOY_CHECK:+"projects/${PROJECT_ID}/alertPolicies/0"}; do
      gc alpha monitoring policies delete "$name" || true
    done
  done
  for metric in scripts/alerts/*.metric.json; do
    gc logging metrics delete "$(basename "$metric" .metric.json)" || true
  done
}
