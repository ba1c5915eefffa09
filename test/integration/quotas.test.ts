/**
 * Per-user quotas through the real API, Temporal and PostgreSQL: RUNNING model runs and tuning
 * runs at once (counted in the database), and requests per minute; each answers 429 with
 * Retry-After and an error naming the limit.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Request, Response } from 'express';
import { createApp } from '../../src/api/app';
import { rateLimit } from '../../src/api/quotas';
import { call, completedModelRun, startHarness, tuningCalls, waitFor, type Harness } from './harness';

let h: Harness;
let digits: { experimentId: string; modelRunId: string };

beforeAll(async () => {
  h = await startHarness({ maxRunningModelRuns: 1, maxRunningTuningRuns: 1, rateLimitPerMinute: 0 });
  digits = await completedModelRun(h, { sample: 'digits', hyperparameters: { n_estimators: 3 } });
}, 300_000);

afterAll(async () => {
  await h?.close();
});

/** A raw fetch, for the headers. */
async function post(path: string, body: unknown, token = h.token, baseUrl = h.baseUrl) {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

const modelRunBody = (nEstimators: number) => ({ experiment_id: digits.experimentId, model_type: 'random_forest', hyperparameters: { n_estimators: nEstimators } });
const modelRunStatus = (id: string) => waitFor(() => call(h, 'GET', `/model-runs/${id}`, { token: h.token }), (r) => r.body.status !== 'running');

describe('running runs per user', () => {
  test('a model run beyond MAX_RUNNING_MODEL_RUNS answers 429 with Retry-After; other users are not limited; a deleted run frees its slot', async () => {
    // About a minute of training: certainly still running when the next request arrives.
    const slow = await post('/model-runs', modelRunBody(1000));
    expect(slow.status).toBe(202);

    const refused = await post('/model-runs', modelRunBody(3));
    expect({ status: refused.status, retryAfter: refused.retryAfter, body: refused.body }).toEqual({
      status: 429,
      retryAfter: '30',
      body: {
        error: 'at most 1 model runs may be running at once per user (MAX_RUNNING_MODEL_RUNS); 1 are running',
        limit: { name: 'MAX_RUNNING_MODEL_RUNS', value: 1 },
      },
    });
    expect((await call(h, 'GET', `/model-runs/${slow.body.id}`, { token: h.token })).body.status).toBe('running');
    // Nothing was recorded for the refused request.
    const [{ count }] = await h.db.orm.em.fork().getConnection().execute(`select count(*)::int as count from model_runs`);
    expect(count).toBe(2);

    // Bob has his own quota.
    await completedModelRun(h, { sample: 'iris', token: h.otherToken });

    expect((await call(h, 'DELETE', `/model-runs/${slow.body.id}`, { token: h.token })).status).toBe(204);
    const next = await post('/model-runs', modelRunBody(3));
    expect(next.status).toBe(202);
    expect((await modelRunStatus(next.body.id)).body.status).toBe('completed');
  });

  test('of two tuning requests at once with MAX_RUNNING_TUNING_RUNS = 1, one starts and one answers 429; a finished run frees its slot', async () => {
    const tuning = tuningCalls(h, digits.modelRunId);
    // 4,500 candidates: running until cancelled.
    const bigGrid = { max_depth: Array.from({ length: 30 }, (_, i) => i + 1), min_samples_split: Array.from({ length: 30 }, (_, i) => i + 2), min_samples_leaf: [1, 2, 3, 4, 5] };
    const request = { model_run_id: digits.modelRunId, tuning_method: 'grid_search', param_grid: bigGrid };
    const answers = await Promise.all([post('/tuning/tune', request), post('/tuning/tune', request)]);
    const started = answers.find((a) => a.status === 202);
    const refused = answers.find((a) => a.status !== 202);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 429]);
    expect([refused!.retryAfter, refused!.body.limit]).toEqual(['30', { name: 'MAX_RUNNING_TUNING_RUNS', value: 1 }]);
    expect(refused!.body.error).toContain('MAX_RUNNING_TUNING_RUNS');

    // A model run is not a tuning run: its quota is separate.
    const modelRun = await post('/model-runs', modelRunBody(3));
    expect(modelRun.status).toBe(202);
    await modelRunStatus(modelRun.body.id);

    expect((await tuning.cancel(started!.body.tuning_run_id)).status).toBe(202);
    expect((await tuning.finished(started!.body.tuning_run_id)).body.status).toBe('failed');
    const id = await tuning.start({ tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] }, cv_folds: 2 });
    expect((await tuning.finished(id)).body.status).toBe('completed');
  });
});

describe('requests per minute per user', () => {
  test('past RATE_LIMIT_PER_MINUTE a user gets 429 with Retry-After; other users are not affected', async () => {
    // The same service with a rate limit of 5 a minute (one request per 12 s).
    const server: Server = createApp({ orm: h.db.orm, temporal: h.env.client, config: { ...h.config, rateLimitPerMinute: 5 } }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const limited = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1` };
    try {
      for (let i = 0; i < 5; i++) expect((await call(limited, 'GET', '/tokens', { token: h.token })).status).toBe(200);
      const refused = await fetch(`${limited.baseUrl}/tokens`, { headers: { authorization: `Bearer ${h.token}` } });
      expect({ status: refused.status, retryAfter: refused.headers.get('retry-after'), body: await refused.json() }).toEqual({
        status: 429,
        retryAfter: expect.stringMatching(/^(1[0-2]|[1-9])$/),
        body: {
          error: 'rate limit: at most 5 requests per minute per user (RATE_LIMIT_PER_MINUTE)',
          limit: { name: 'RATE_LIMIT_PER_MINUTE', value: 5 },
        },
      });
      // A refused POST starts nothing.
      expect((await post('/model-runs', modelRunBody(3), h.token, limited.baseUrl)).status).toBe(429);
      expect((await call(limited, 'GET', '/tokens', { token: h.otherToken })).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the bucket refills at the rate: one request per 60/RATE_LIMIT_PER_MINUTE seconds, bursts up to a minute', () => {
    let now = 0;
    const limiter = rateLimit(60, () => now);
    const attempt = (userId: string) => {
      const answer = { passed: false, status: 200, retryAfter: null as string | null };
      const res = {
        set: (name: string, value: string) => ((answer.retryAfter = name === 'Retry-After' ? value : answer.retryAfter), res),
        status: (code: number) => ((answer.status = code), res),
        json: () => res,
      };
      limiter({ userId } as Request, res as unknown as Response, () => (answer.passed = true));
      return answer;
    };
    for (let i = 0; i < 60; i++) expect(attempt('alice').passed).toBe(true);
    expect(attempt('alice')).toEqual({ passed: false, status: 429, retryAfter: '1' });
    expect(attempt('bob').passed).toBe(true);
    now += 1000;
    expect(attempt('alice').passed).toBe(true);
    expect(attempt('alice').passed).toBe(false);
    now += 60_000;
    for (let i = 0; i < 60; i++) expect(attempt('alice').passed).toBe(true);
    expect(attempt('alice').passed).toBe(false);
  });
});
