#!/usr/bin/env bash
# Installs what is missing and prints the Temporal CLI path: npm dependencies (when node_modules is
# missing or older than package-lock.json), the dashboard's static assets (dist/dashboard, about a
# second) and the Temporal CLI (scripts/install-temporal.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies..." >&2
  npm ci --no-audit --no-fund >&2
fi
npm run --silent build:dashboard >&2
bash scripts/install-temporal.sh
