/**
 * /health/live, /health/ready and /metrics on the real API. Readiness failures are real: a Temporal
 * client and a database pool pointed at ports nothing listens on.
 */
import { createServer, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { MikroORM } from '@mikro-orm/postgresql';
import { createApp } from '../../src/api/app';
import { createOrmConfig } from '../../src/db/orm';
import { call, completedModelRun, startHarness, type Harness } from './harness';

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

/** The samples of one metric from the Prometheus text format, keyed by their label set. */
async function metricSamples(name: string): Promise<Map<string, number>> {
  const res = await fetch(`${root}/metrics`);
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
    for (let i = 0; i < 2; i++) expect((await call(h, 'POST', '/tuning/tune', { token: h.token, body: grid })).status).toBe(202);
    const random = { model_run_id: modelRunId, tuning_method: 'random_search', param_distributions: { max_depth: { type: 'int', low: 1, high: 4 } }, n_iter: 2, cv_folds: 3 };
    expect((await call(h, 'POST', '/tuning/tune', { token: h.token, body: random })).status).toBe(202);
    // A refused request starts nothing.
    expect((await call(h, 'POST', '/tuning/tune', { token: h.token, body: { ...grid, param_grid: { max_depth: [-1] } } })).status).toBe(422);

    const after = await metricSamples('tuning_runs_started_total');
    const added = (method: string) => (after.get(`{method="${method}"}`) ?? 0) - (before.get(`{method="${method}"}`) ?? 0);
    expect([added('grid_search'), added('random_search'), added('bayesian')]).toEqual([2, 1, 0]);
  }, 180_000);
});
