#!/usr/bin/env bash
# `npm test`: install what is missing, make sure PostgreSQL answers, then run every jest test.
# Integration tests start their own Temporal dev server (TEMPORAL_CLI) and create a fresh database
# on TEST_DATABASE_ADMIN_URL (default: the local PostgreSQL at 127.0.0.1:5432, database test).
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI=$(bash scripts/ensure-deps.sh)
export TEMPORAL_CLI
bash scripts/ensure-postgres.sh
bash scripts/ensure-test-tools.sh
# The API and worker that tests run in-process log every request; warnings and errors are enough here.
export LOG_LEVEL="${LOG_LEVEL:-warn}"
exec npx jest "$@"
