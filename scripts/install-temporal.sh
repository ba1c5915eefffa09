#!/usr/bin/env bash
# Prints the path of a Temporal CLI (dev server + Web UI) that fits this project, installing it if needed.
# Order: $TEMPORAL_CLI if set; a `temporal` on PATH of version >= 1.5; the cached build of
# github.com/temporalio/cli@v1.5.1 in $TUNING_CACHE_DIR (outside the clone, so reruns and CI reuse it);
# otherwise `go install` it there. Nothing is downloaded at test or run time beyond that Go build.
set -euo pipefail

CLI_VERSION=v1.5.1
CACHE_DIR=${TUNING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tuning-service}
BIN_DIR="$CACHE_DIR/temporal-$CLI_VERSION"
CACHED="$BIN_DIR/temporal"

fits() { # a CLI release >= 1.5 (a `go install` build reports 0.0.0-DEV, so it is only trusted from our cache)
  local v
  v=$("$1" --version 2>/dev/null | sed -n 's/^temporal version \([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p')
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 1 ] || { [ "$1" -eq 1 ] && [ "$2" -ge 5 ]; }; }
}

if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable" >&2; exit 1; }
  echo "$TEMPORAL_CLI"; exit 0
fi
if command -v temporal >/dev/null 2>&1 && fits "$(command -v temporal)"; then
  command -v temporal; exit 0
fi
if [ -x "$CACHED" ] && "$CACHED" --version >/dev/null 2>&1; then
  echo "$CACHED"; exit 0
fi

GO=$(command -v go || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
if [ -z "$GO" ]; then
  echo "error: the Temporal CLI is not installed and Go is missing to build it." >&2
  echo "Install Go (https://go.dev/dl/) or put a Temporal CLI >= 1.5 on PATH (or set TEMPORAL_CLI), then rerun." >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
echo "Building the Temporal CLI $CLI_VERSION with $("$GO" version | cut -d' ' -f3) into $BIN_DIR (first run only, a few minutes)..." >&2
GOBIN="$BIN_DIR" GOFLAGS=-mod=mod "$GO" install "github.com/temporalio/cli/cmd/temporal@$CLI_VERSION" >&2
echo "$CACHED"
