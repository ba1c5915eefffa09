/**
 * /health/live, /health/ready and /metrics on the real API. Readiness failures are real: a Temporal
 * client and a database pool pointed at ports nothing listens on.
 */
import { createServer, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { MikroORM } from '@mikro-orm/postgresql';
import { createApp } from '../../src/api/app';
import { workerReadiness } from '../../src/api/health';
import { serveWorkerHealth, workerMetricsPort } from '../../src/metrics';
import { createOrmConfig } from '../../src/db/orm';
import { Experiment, ModelRun, TuningRun } from '../../src/entities';
import { startReconcileLoop } from '../../src/reconciler';
import { call, completedModelRun, startHarness, tuningCalls, waitFor, type Harness } from './harness';

let h: Harness;
let root: string;

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An API on its own port with the given database and Temporal client; closed after `use`. */
async function withApp<T>(deps: { orm: MikroORM; temporal: Client }, use: (root: string) => Promise<T>): Promise<T> {
  const server: Server = createApp({ ...deps, config: h.config }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** The samples of one metric from the Prometheus text format at `base`/metrics, keyed by their label set. */
async function metricSamples(name: string, base = root): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) samples.set(match[2] ?? '', Number(match[3]));
  }
  return samples;
}

beforeAll(async () => {
  h = await startHarness();
  root = h.baseUrl.replace(/\/api\/v1$/, '');
}, 300_000);

afterAll(async () => {
  await h?.close();
});

describe('health', () => {
  test('live answers 200 without a token; the old /health still does', async () => {
    expect(await getJson(`${root}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${root}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  test('ready answers 200 when PostgreSQL and Temporal both answer', async () => {
    const ready = await getJson(`${root}/health/ready`);
    expect(ready).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: { database: { ok: true, latency_ms: expect.any(Number) }, temporal: { ok: true, latency_ms: expect.any(Number) } },
      },
    });
  });

  test('ready answers 503 naming Temporal when Temporal cannot be reached', async () => {
    // No retry interceptor: the SDK's retries outlive the check's deadline, and a retry fired after
    // the connection is closed below would throw outside the test.
    const temporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: [] }) });
    try {
      const ready = await withApp({ orm: h.db.orm, temporal }, (url) => getJson(`${url}/health/ready`));
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('not ready');
      expect(ready.body.checks.database.ok).toBe(true);
      expect(ready.body.checks.temporal).toEqual({ ok: false, latency_ms: expect.any(Number), error: expect.stringMatching(/UNAVAILABLE|ECONNREFUSED/) });
    } finally {
      await temporal.connection.close();
    }
  });

  test('ready answers 503 naming the database when PostgreSQL refuses connections', async () => {
    const orm = MikroORM.initSync(createOrmConfig(`postgresql://postgres@127.0.0.1:${await closedPort()}/absent`));
    try {
      const ready = await withApp({ orm, temporal: h.env.client }, (url) => getJson(`${url}/health/ready`));
      expect(ready.status).toBe(503);
      expect(ready.body.checks.temporal.ok).toBe(true);
      expect(ready.body.checks.database).toEqual({ ok: false, latency_ms: expect.any(Number), error: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      await orm.close(true);
    }
  });
});

describe('metrics', () => {
  test('the HTTP latency histogram counts each request under its route template and status', async () => {
    const route = (path: string, status: number) => `{method="GET",route="/api/v1${path}",status="${status}"}`;
    const before = await metricSamples('http_request_duration_seconds_count');
    for (let i = 0; i < 3; i++) expect((await call(h, 'GET', '/datasets', { token: h.token })).status).toBe(200);
    const missing = await call(h, 'GET', '/datasets/00000000-0000-4000-8000-000000000000', { token: h.token });
    expect(missing.status).toBe(404);
    expect((await call(h, 'GET', '/datasets', { token: 'wrong' })).status).toBe(401);

    const after = await metricSamples('http_request_duration_seconds_count');
    const added = (labels: string) => (after.get(labels) ?? 0) - (before.get(labels) ?? 0);
    expect(added(route('/datasets', 200))).toBe(3);
    expect(added(route('/datasets/:id', 404))).toBe(1);
    // Refused before any route matched: one "unmatched" series, not one per path.
    expect(added('{method="GET",route="unmatched",status="401"}')).toBe(1);
    const buckets = await metricSamples('http_request_duration_seconds_bucket');
    expect(buckets.get(`{le="+Inf",method="GET",route="/api/v1/datasets",status="200"}`)).toBe(after.get(route('/datasets', 200)));
  });

  test('tuning runs started are counted by method', async () => {
    const { modelRunId } = await completedModelRun(h, { sample: 'iris', modelType: 'decision_tree', hyperparameters: {} });
    const before = await metricSamples('tuning_runs_started_total');
    const grid = { model_run_id: modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [1, 2] }, cv_folds: 3 };
    const random = { model_run_id: modelRunId, tuning_method: 'random_search', param_distributions: { max_depth: { type: 'int', low: 1, high: 4 } }, n_iter: 2, cv_folds: 3 };
    const tuning = tuningCalls(h, modelRunId);
    const started = [await tuning.start(grid), await tuning.start(grid), await tuning.start(random)];
    // A refused request starts nothing.
    expect((await call(h, 'POST', '/tuning/tune', { token: h.token, body: { ...grid, param_grid: { max_depth: [-1] } } })).status).toBe(422);

    const after = await metricSamples('tuning_runs_started_total');
    const added = (method: string) => (after.get(`{method="${method}"}`) ?? 0) - (before.get(`{method="${method}"}`) ?? 0);
    expect([added('grid_search'), added('random_search'), added('bayesian')]).toEqual([2, 1, 0]);
    // Finished, so the pool is idle for the next test.
    for (const id of started) expect((await tuning.finished(id)).body.status).toBe('completed');
  }, 180_000);
});

describe('reconciler metrics', () => {
  test('each reconciler action is counted by kind, and a run it settles FAILED counts as a failed run of its method', async () => {
    const { modelRunId, experimentId } = await completedModelRun(h, { sample: 'iris', modelType: 'decision_tree', hyperparameters: {} });
    // Rows as a crash leaves them: a model run whose workflow never started, and a tuning run
    // recorded outside the API, without the config its workflow would need.
    const em = h.db.orm.em.fork();
    const modelRun = em.create(ModelRun, { experiment: em.getReference(Experiment, experimentId), modelType: 'decision_tree', hyperparameters: {}, cvFolds: 3, scoring: 'accuracy' });
    em.create(TuningRun, { modelRun: em.getReference(ModelRun, modelRunId), tuningMethod: 'random_search' });
    await em.flush();
    const metric = (name: string) => metricSamples(name);
    const [actionsBefore, failedBefore] = [await metric('reconciler_actions_total'), await metric('tuning_runs_failed_total')];

    // One pass: stop() waits for the pass that started at once.
    await startReconcileLoop({ orm: h.db.orm, client: h.env.client, config: h.config, graceSeconds: 0 }).stop();

    const [actions, failed] = [await metric('reconciler_actions_total'), await metric('tuning_runs_failed_total')];
    const added = (after: Map<string, number>, before: Map<string, number>, labels: string) => (after.get(labels) ?? 0) - (before.get(labels) ?? 0);
    expect(added(actions, actionsBefore, '{kind="model_run",action="started"}')).toBe(1);
    expect(added(actions, actionsBefore, '{kind="tuning_run",action="failed"}')).toBe(1);
    expect(added(actions, actionsBefore, '{kind="tuning_run",action="error"}')).toBe(0);
    expect(added(failed, failedBefore, '{method="random_search"}')).toBe(1);
    await waitFor(() => call(h, 'GET', `/model-runs/${modelRun.id}`, { token: h.token }), (r) => r.body.status === 'completed');
  }, 180_000);
});

describe('worker health and metrics (WORKER_METRICS_PORT)', () => {
  test('WORKER_METRICS_PORT: unset means no server, a port number is taken, anything else is refused', () => {
    expect(workerMetricsPort({})).toBeUndefined();
    expect(workerMetricsPort({ WORKER_METRICS_PORT: ' 9464 ' })).toBe(9464);
    expect(() => workerMetricsPort({ WORKER_METRICS_PORT: 'metrics' })).toThrow('WORKER_METRICS_PORT must be a port number, not "metrics"');
  });

  test('the worker serves readiness that follows its state, and evaluation-pool gauges that show fits in progress', async () => {
    const server = await serveWorkerHealth({ port: 0, host: '127.0.0.1', readiness: () => workerReadiness(h.worker.worker, h.db.orm, h.env.client) });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect(await getJson(`${base}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
      const ready = await getJson(`${base}/health/ready`);
      expect([ready.status, ready.body.checks.worker, ready.body.checks.database.ok, ready.body.checks.temporal.ok]).toEqual([200, { ok: true, state: 'RUNNING' }, true, true]);
      expect((await getJson(`${base}/nothing`)).status).toBe(404);

      const idle = await metricSamples('evaluation_pool_busy_threads', base);
      expect(idle.get('')).toBe(0);
      // A run heavy enough to keep the pool's threads busy while the gauge is read.
      const { modelRunId } = await completedModelRun(h, { modelType: 'decision_tree', hyperparameters: {} });
      const heavy = {
        model_run_id: modelRunId,
        tuning_method: 'random_search',
        param_distributions: { max_depth: { type: 'int', low: 3, high: 30 }, min_samples_leaf: { type: 'int', low: 1, high: 3 } },
        n_iter: 400,
        cv_folds: 10,
        parallelism: 2,
      };
      const started = await call(h, 'POST', '/tuning/tune', { token: h.token, body: heavy });
      expect(started.status).toBe(202);
      let busy = 0;
      const deadline = Date.now() + 120_000;
      while (busy === 0 && Date.now() < deadline) {
        busy = (await metricSamples('evaluation_pool_busy_threads', base)).get('') ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(busy).toBeGreaterThanOrEqual(1);
      expect(busy).toBeLessThanOrEqual(h.config.evaluationThreads);
      expect((await metricSamples('evaluation_pool_queued_units', base)).get('')).toEqual(expect.any(Number));
      await call(h, 'POST', `/tuning/tune/${started.body.tuning_run_id}/cancel`, { token: h.token, body: {} });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    // A worker that has shut down is not ready, whatever its database and Temporal say.
    const stopped = await h.startWorker();
    await stopped.shutdown();
    const readiness = await workerReadiness(stopped.worker, h.db.orm, h.env.client);
    expect(readiness).toMatchObject({ ready: false, checks: { worker: { ok: false, state: 'STOPPED' }, database: { ok: true }, temporal: { ok: true } } });
  }, 240_000);
});
