#!/usr/bin/env bash
# Debian packages the test suites use beside Node.js: jq (the README walk-through test) and Chromium
# (the dashboard's browser tests; nothing downloads a browser). Installed only when missing, and only
# where apt-get can run (root); elsewhere the tests that need them say what is missing.
set -euo pipefail
missing=()
command -v jq >/dev/null || missing+=(jq)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]}..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "warning: ${missing[*]} missing; install them (apt-get install ${missing[*]}) for the full test suite" >&2
  fi
fi
