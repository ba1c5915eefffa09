#!/bin/sh
# Run by the temporal-create-namespace service once the server is healthy: creates the service's
# namespace unless it exists. The service registers its search attributes in it at start-up.
set -eu
namespace=${TEMPORAL_NAMESPACE:-default}
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"
  sleep 2
done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$namespace" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --retention 30d
echo "namespace $namespace is ready"
