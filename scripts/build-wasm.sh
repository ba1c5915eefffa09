#!/usr/bin/env bash
# `npm run build:wasm`: rebuilds src/ml/ensemble/hgb/kernel.wasm (committed) from its AssemblyScript
# source, src/ml/ensemble/hgb/assembly/kernel.ts. The same compiler version gives the same bytes:
# test/unit/hgb_kernel.test.ts rebuilds it into a temporary file and compares.
# Usage: scripts/build-wasm.sh [OUT]   (default: the committed kernel.wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-src/ml/ensemble/hgb/kernel.wasm}"
# Memory: imported from the fit (env.memory), shared with its helper threads, up to 4 GiB.
npx asc src/ml/ensemble/hgb/assembly/kernel.ts -o "$out" \
  -O3 --noAssert --runtime stub \
  --importMemory --sharedMemory --initialMemory 1 --maximumMemory 65536 \
  --enable simd,threads
