#!/usr/bin/env bash
# Prints the path of tools/compose-check built for its current sources, building it with Go when
# needed into the user cache (outside the clone, like scripts/install-temporal.sh), so reruns and
# CI reuse it. Exit code 3 when Go is missing: the caller says so and skips the check.
set -euo pipefail
cd "$(dirname "$0")/../tools/compose-check"
GO=$(command -v go || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
if [ -z "$GO" ]; then
  echo "Go is not installed (https://go.dev/dl/): cannot build tools/compose-check" >&2
  exit 3
fi
CACHE_DIR=${TUNING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tuning-service}
HASH=$(cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
BIN="$CACHE_DIR/compose-check-$HASH/compose-check"
if [ ! -x "$BIN" ]; then
  mkdir -p "$(dirname "$BIN")"
  echo "Building tools/compose-check with $("$GO" version | cut -d' ' -f3) (first run only)..." >&2
  "$GO" build -mod=mod -o "$BIN.tmp" . >&2
  mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
