#!/usr/bin/env node
// The `tune` command (package.json "bin"): the TypeScript CLI through tsx, as the service itself runs.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher: it must register tsx before loading TypeScript */
require('tsx/cjs');
require('./index.ts').run();
