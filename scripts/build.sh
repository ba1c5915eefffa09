#!/usr/bin/env bash
# `npm run build`: the production build in dist/. TypeScript compiled by tsc (dist/src), the
# dashboard (dist/dashboard) and the workflows bundled once (dist/workflow-bundle.js), which the
# compiled worker loads instead of running webpack at every start. Run with `node dist/src/...`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist/src dist/workflow-bundle.js dist/workflow-bundle.js.map
npx tsc -p tsconfig.build.json
cp src/ml/ensemble/hgb/kernel.wasm dist/src/ml/ensemble/hgb/
npm run --silent build:dashboard
npx tsx scripts/build-workflows.ts
