#!/usr/bin/env bash
# The Python client's tests against a real service: installs clients/python into a throwaway venv
# (Debian's /usr/bin/python3 with its system packages: numpy, scikit-learn, xgboost, pandas,
# pytest), and runs test/python, whose session fixture starts test/python/serve.ts (the integration
# harness: a fresh database on the local PostgreSQL, a Temporal dev server, the worker, the API).
# Extra arguments go to pytest, e.g. `bash scripts/test-python.sh -k ask_tell`.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI=${TEMPORAL_CLI:-$(bash scripts/ensure-deps.sh)}
export TEMPORAL_CLI
bash scripts/ensure-postgres.sh

PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import setuptools, pip, numpy, sklearn, xgboost, pandas, pytest' 2>/dev/null; then
  echo "Installing Debian's Python packages for the client's tests..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip python3-setuptools python3-numpy \
    python3-sklearn python3-xgboost python3-pandas python3-pytest >&2
fi

VENV=$(mktemp -d "${TMPDIR:-/tmp}/tuning-client-venv.XXXXXX")
trap 'rm -rf "$VENV"' EXIT
# Without a pip of its own (ensurepip is slow): the system's pip, seen through the system packages, installs into it.
"$PYTHON" -m venv --without-pip --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install --quiet --no-build-isolation --no-index --no-cache-dir ./clients/python
PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -p no:cacheprovider test/python "$@"
