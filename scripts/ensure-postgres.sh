#!/usr/bin/env bash
# Starts the machine's PostgreSQL cluster when the test database URL does not answer (local runs and CI).
set -euo pipefail
url=${TEST_DATABASE_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/test}
answers() { pg_isready -q -d "$url" 2>/dev/null; }
if command -v pg_isready >/dev/null && ! answers; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "PostgreSQL is down; starting it..." >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do answers && break; sleep 1; done
  fi
  answers || { echo "error: PostgreSQL at $url does not answer" >&2; exit 1; }
fi
