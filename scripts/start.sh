#!/usr/bin/env bash
# `npm start`: install what is missing, then run the whole service (see src/cli/start.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI=$(bash scripts/ensure-deps.sh)
export TEMPORAL_CLI
exec node --require tsx/cjs src/cli/start.ts
