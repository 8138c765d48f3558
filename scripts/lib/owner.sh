# shellcheck shell=bash
# What only an owner's scripts (bootstrap.sh, destroy.sh) load: IAM bindings and alerts.
# deploy.sh, what a push runs, never does, so it cannot call any of it.
source scripts/lib/iam.sh
source scripts/lib/alerts.sh
