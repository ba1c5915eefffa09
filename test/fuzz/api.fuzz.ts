/**
 * `npm run test:fuzz`: thousands of generated requests (requests.ts) against the real service
 * (harness: Temporal dev server, PostgreSQL, worker, API on loopback), FUZZ_CONCURRENCY at a time.
 * Asserts no 5xx, no answer slower than 5 s, /health alive at the end, and every run the fuzzer got
 * accepted ending COMPLETED, or FAILED with `error` and `error_type`. Prints the counts by status.
 *
 * FUZZ_SEED (default 20261203) fixes every request: a failure prints the seed, the request's index
 * and the request itself. FUZZ_REQUESTS (default 3000) requests; the test fails if they take more than FUZZ_SECONDS (default 300).
 * FUZZ_OUTCOMES=file writes every request and its answer there, one JSON line each.
 */
import fs from 'node:fs';
import http from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { call, completedModelRun, startHarness, waitFor, type Harness } from '../integration/harness';
import { generateRequest, type FuzzContext, type FuzzRequest } from './requests';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 300);
/** The issue's bound on any one answer. */
const SLOW_MS = 5000;
const MIN_REQUESTS = 3000;

interface Outcome {
  index: number;
  request: FuzzRequest;
  status: number;
  ms: number;
  body: any;
  networkError?: string;
}

let h: Harness;
let ctx: FuzzContext;
const outcomes: Outcome[] = [];
const acceptedTuningRuns = new Set<string>();
const acceptedModelRuns = new Set<string>();
const deletedModelRuns = new Set<string>();
/** The model run of each accepted tuning run, and the task of each data set. */
const tuningRunModelRun = new Map<string, string>();
const datasetTask = new Map<string, 'classification' | 'regression'>();
/** The external model run whose client-evaluated studies the fuzzer is the client of. */
let studyModelRunId: string;

beforeAll(async () => {
  // Low cost limits keep every accepted run cheap (and put the limit checks in the fuzzer's way); the
  // running-run quotas stay on, the request rate limit is off (one user sends ~20 requests a second).
  h = await startHarness({ evaluationThreads: 1, maxIterations: 10, maxGridSize: 12, maxEvaluationCost: 1e8, rateLimitPerMinute: 0 });
  const iris = await completedModelRun(h, { sample: 'iris', modelType: 'random_forest', hyperparameters: { n_estimators: 3 } });
  const diabetes = await completedModelRun(h, { sample: 'diabetes', modelType: 'ridge', hyperparameters: {} });
  const knn = await call(h, 'POST', '/model-runs', { token: h.token, body: { experiment_id: iris.experimentId, model_type: 'knn', hyperparameters: { n_neighbors: 3 } } });
  expect(knn.status).toBe(202);
  await waitFor(() => call(h, 'GET', `/model-runs/${knn.body.id}`, { token: h.token }), (r) => r.body.status !== 'running');
  const tuning = await call(h, 'POST', '/tuning/tune', {
    token: h.token,
    body: { model_run_id: iris.modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [1, 2] }, cv_folds: 3 },
  });
  expect(tuning.status).toBe(202);
  const schedule = await call(h, 'POST', '/tuning/schedules', {
    token: h.token,
    body: { model_run_id: iris.modelRunId, tuning_method: 'random_search', n_iter: 1, param_grid: { max_depth: [1, 2] }, interval_seconds: 3600, paused: true },
  });
  expect(schedule.status).toBe(201);
  // A client-evaluated study (an external model run on a data set given by URI), for the study API.
  const external = await call(h, 'POST', '/datasets', { token: h.token, body: { name: 'elsewhere', uri: 's3://bucket/train.parquet', task_type: 'regression' } });
  const externalExperiment = await call(h, 'POST', '/experiments', { token: h.token, body: { name: 'external', dataset_id: external.body.id } });
  const externalRun = await call(h, 'POST', '/model-runs', {
    token: h.token,
    body: { experiment_id: externalExperiment.body.id, model_type: 'external', hyperparameters: { x: 0 }, scoring: 'loss' },
  });
  expect(externalRun.body.status).toBe('completed');
  const study = await call(h, 'POST', '/tuning/tune', {
    token: h.token,
    body: { model_run_id: externalRun.body.id, tuning_method: 'random_search', evaluation: 'client', n_iter: 10, param_distributions: { x: { type: 'float', low: 0, high: 1 } } },
  });
  expect(study.status).toBe(202);
  acceptedTuningRuns.add(study.body.tuning_run_id);
  acceptedTuningRuns.add(tuning.body.tuning_run_id);
  datasetTask.set(iris.datasetId, 'classification');
  datasetTask.set(diabetes.datasetId, 'regression');
  ctx = {
    token: h.token,
    otherToken: h.otherToken,
    datasetIds: [iris.datasetId, diabetes.datasetId],
    experiments: [
      { id: iris.experimentId, task: 'classification' },
      { id: diabetes.experimentId, task: 'regression' },
    ],
    modelRuns: [
      { id: iris.modelRunId, task: 'classification', modelType: 'random_forest' },
      { id: knn.body.id, task: 'classification', modelType: 'knn' },
      { id: diabetes.modelRunId, task: 'regression', modelType: 'ridge' },
    ],
    createdModelRunIds: [],
    tuningRunIds: [tuning.body.tuning_run_id],
    scheduleIds: [schedule.body.id],
    tokenIds: [],
    studyRunIds: [study.body.tuning_run_id],
    trialNumbers: [],
  };
  studyModelRunId = externalRun.body.id;
}, 300_000);

afterAll(async () => {
  await h?.close();
});

function send(request: FuzzRequest): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    // A connection per request: a kept-alive socket the server has just closed for idleness would fail the next request.
    const req = http.request(h.baseUrl.replace(/\/api\/v1$/, '') + request.path, { method: request.method, headers: request.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (e.g. Node's own 431): keep the text
        }
        resolve({ status: res.statusCode!, body });
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer in 60 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** The JSON body the service read (decoded as its Content-Encoding says). */
function sentJson(request: FuzzRequest): any {
  const encoding = request.headers['content-encoding']?.toLowerCase();
  const raw = encoding === 'gzip' ? gunzipSync(request.body!) : encoding === 'deflate' ? inflateSync(request.body!) : request.body!;
  return JSON.parse(raw.toString('utf8'));
}

/** Keeps the context growing with what the fuzzer created, so later requests reach it. */
function learn(request: FuzzRequest, status: number, body: any): void {
  if (request.route === 'POST /tuning/tune' && status === 202) {
    acceptedTuningRuns.add(body.tuning_run_id);
    tuningRunModelRun.set(body.tuning_run_id, sentJson(request).model_run_id);
    ctx.tuningRunIds.push(body.tuning_run_id);
  } else if (request.route === 'POST /model-runs' && status === 202) {
    acceptedModelRuns.add(body.id);
    ctx.createdModelRunIds.push(body.id);
  } else if (request.route.startsWith('POST /datasets') && status === 201) {
    ctx.datasetIds.push(body.id);
    datasetTask.set(body.id, body.task_type);
  } else if (request.route === 'POST /experiments' && status === 201) {
    ctx.experiments.push({ id: body.id, task: datasetTask.get(body.dataset_id)! });
  } else if (request.route === 'POST /tuning/schedules' && status === 201) {
    ctx.scheduleIds.push(body.id);
  } else if (request.route === 'POST /tuning/tune/:id/suggest' && status === 200) {
    for (const trial of body.trials ?? []) ctx.trialNumbers.push(trial.number);
  } else if (request.route === 'POST /tokens' && status === 201) {
    ctx.tokenIds.push(body.id);
  } else if (request.route === 'DELETE /model-runs/:id' && status === 204) {
    deletedModelRuns.add(request.path.split('/')[4]);
  }
}

const describeRequest = (o: Outcome) =>
  `#${o.index} ${o.request.method} ${o.request.path.slice(0, 300)} headers=${JSON.stringify(o.request.headers)} ` +
  `faults=${JSON.stringify(o.request.faults)} body=${o.request.body?.toString('utf8').slice(0, 500) ?? '(none)'} → ` +
  `${o.networkError ?? o.status} in ${o.ms} ms: ${JSON.stringify(o.body)?.slice(0, 300)}`;

function printCounts(): void {
  const byStatus = new Map<string, number>();
  const byRoute = new Map<string, Map<string, number>>();
  for (const o of outcomes) {
    const status = o.networkError ? 'network error' : String(o.status);
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    const route = byRoute.get(o.request.route) ?? new Map<string, number>();
    route.set(status, (route.get(status) ?? 0) + 1);
    byRoute.set(o.request.route, route);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
  const lines = [
    `fuzz seed ${SEED}: ${outcomes.length} requests, concurrency ${CONCURRENCY}`,
    `by status: ${sorted(byStatus)}`,
    ...[...byRoute.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([route, counts]) => `  ${route.padEnd(40)} ${sorted(counts)}`),
    `accepted runs: ${acceptedTuningRuns.size} tuning, ${acceptedModelRuns.size} model; the slowest requests:`,
    ...[...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 3).map((o) => `  ${o.ms} ms: ${o.request.method} ${o.request.path.slice(0, 120)} → ${o.networkError ?? o.status}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

test(`${REQUESTS} generated requests: no 5xx, none slower than ${SLOW_MS} ms, the service alive after`, async () => {
  const deadline = Date.now() + SECONDS * 1000;
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS && Date.now() < deadline) {
      const index = next++;
      const request = generateRequest(ctx, SEED, index);
      const started = performance.now();
      try {
        const { status, body } = await send(request);
        outcomes.push({ index, request, status, body, ms: Math.round(performance.now() - started) });
        learn(request, status, body);
      } catch (err) {
        outcomes.push({ index, request, status: 0, body: null, ms: Math.round(performance.now() - started), networkError: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  printCounts();
  if (process.env.FUZZ_OUTCOMES) {
    const lines = outcomes.map((o) => JSON.stringify({ ...o, request: { ...o.request, body: o.request.body?.toString('utf8').slice(0, 2000) } }));
    fs.writeFileSync(process.env.FUZZ_OUTCOMES, lines.join('\n') + '\n');
  }

  const failed = outcomes.filter((o) => o.networkError || o.status >= 500);
  const slow = outcomes.filter((o) => o.ms > SLOW_MS);
  expect({ failed: failed.slice(0, 10).map(describeRequest), failedCount: failed.length }).toEqual({ failed: [], failedCount: 0 });
  expect(slow.slice(0, 10).map(describeRequest)).toEqual([]);
  expect(outcomes.length).toBeGreaterThanOrEqual(Math.min(REQUESTS, MIN_REQUESTS));
  const health = await fetch(h.baseUrl.replace('/api/v1', '/health'));
  expect(health.status).toBe(200);
}, 600_000);

test('every accepted run ends COMPLETED, or FAILED with error and error_type', async () => {
  // No more scheduled actions while the runs settle.
  for (const id of ctx.scheduleIds) await call(h, 'DELETE', `/tuning/schedules/${id}`, { token: h.token });
  // The fuzzer is the client of the client-evaluated studies: it ends them (FAILED, Cancelled).
  const studies = await call(h, 'GET', `/model-runs/${studyModelRunId}/tuning-runs?status=running&limit=500`, { token: h.token });
  for (const run of studies.body) await call(h, 'POST', `/tuning/tune/${run.tuning_run_id}/cancel`, { token: h.token, body: { reason: 'fuzz run over' } });
  // Runs started by schedule triggers are listed under their model run.
  for (const modelRunId of [...ctx.modelRuns.map((m) => m.id), ...ctx.createdModelRunIds]) {
    const listed = await call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?limit=500`, { token: h.token });
    if (listed.status !== 200) continue;
    for (const run of listed.body) {
      acceptedTuningRuns.add(run.tuning_run_id);
      tuningRunModelRun.set(run.tuning_run_id, modelRunId);
    }
  }
  const deadline = Date.now() + 240_000;
  const settled = async (path: string) =>
    waitFor(() => call(h, 'GET', path, { token: h.token }), (r) => r.status !== 200 || r.body.status !== 'running', Math.max(1000, deadline - Date.now()));

  const problems: string[] = [];
  const endings = new Map<string, number>();
  const ended = (what: string, status: string, errorType?: string) => {
    const key = `${what} ${status}${errorType ? ` (${errorType})` : ''}`;
    endings.set(key, (endings.get(key) ?? 0) + 1);
  };
  for (const id of acceptedModelRuns) {
    const { status, body } = await settled(`/model-runs/${id}`);
    if (status === 404 && deletedModelRuns.has(id)) continue;
    ended('model run', body.status, body.error?.error_type);
    const ok = status === 200 && (body.status === 'completed' || (body.status === 'failed' && body.error?.error && body.error?.error_type));
    if (!ok) problems.push(`model run ${id}: ${status} ${JSON.stringify(body)}`);
  }
  let gone = 0;
  for (const id of acceptedTuningRuns) {
    const { status, body } = await settled(`/tuning/tune/${id}/status`);
    // A deleted model run takes its tuning runs with it.
    if (status === 404 && deletedModelRuns.has(tuningRunModelRun.get(id)!)) {
      gone++;
      continue;
    }
    ended('tuning run', body.status, body.error_type);
    const ok = status === 200 && (body.status === 'completed' || (body.status === 'failed' && body.error && body.error_type));
    if (!ok) problems.push(`tuning run ${id}: ${status} ${JSON.stringify(body)}`);
  }
  const endingCounts = [...endings.entries()].sort().map(([k, v]) => `${k}: ${v}`).join(', ');
  process.stdout.write(`accepted runs settled (${gone} tuning runs deleted with their model run): ${endingCounts}\n`);
  expect(problems).toEqual([]);
}, 300_000);
