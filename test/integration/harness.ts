/**
 * The real service for integration tests: a fresh database on the real PostgreSQL, the Temporal
 * dev server binary (never downloaded) on free ports, the worker, and the API on a free HTTP port.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../src/api/app';
import { loadConfig, type ServiceConfig } from '../../src/config';
import { createUserToken } from '../../src/db/users';
import type { TrialStateValue } from '../../src/entities/enums';
import type { Trial } from '../../src/ml/search';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search_attributes';
import { temporalCliPath } from '../../src/temporal/dev_server';
import { createTuningWorker, type TuningWorker } from '../../src/worker';
import { createTestDatabase } from './db_helpers';

export interface Harness {
  baseUrl: string;
  config: ServiceConfig;
  env: TestWorkflowEnvironment;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  worker: TuningWorker;
  /** Tokens of two users, to prove that one cannot reach the other's data. */
  token: string;
  otherToken: string;
  startWorker(): Promise<TuningWorker>;
  close(): Promise<void>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
const workflowBundle = () => (bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows') }));

export async function startHarness(overrides: Partial<ServiceConfig> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI || temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
    },
  });
  const config: ServiceConfig = {
    ...loadConfig({}),
    taskQueue: `test-${Math.random().toString(36).slice(2)}`,
    evaluationThreads: 2,
    // Tests poll as fast as they like; the quota tests set their own limits.
    rateLimitPerMinute: 0,
    ...overrides,
  };
  const startWorker = async () => {
    const worker = await createTuningWorker({
      orm: db.orm,
      temporalAddress: env.address,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      evaluationThreads: config.evaluationThreads,
      workflowBundle: await workflowBundle(),
    });
    void worker.run();
    return worker;
  };
  const worker = await startWorker();
  const server: Server = createApp({ orm: db.orm, temporal: env.client, config }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const { token } = await createUserToken(db.orm, 'alice@example.com', 'Alice');
  const { token: otherToken } = await createUserToken(db.orm, 'bob@example.com', 'Bob');

  const harness: Harness = {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    config,
    env,
    db,
    worker,
    token,
    otherToken,
    startWorker,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await harness.worker.shutdown();
      await env.teardown();
      await db.drop();
    },
  };
  return harness;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** A real HTTP call to the API. */
export async function call<T = any>(
  h: Pick<Harness, 'baseUrl'>,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(h.baseUrl + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Polls until `done` holds for the response (bounded: fails the test rather than hanging). */
export async function waitFor<T = any>(
  read: () => Promise<ApiResponse<T>>,
  done: (r: ApiResponse<T>) => boolean,
  timeoutMs = 120_000,
): Promise<ApiResponse<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await read();
    if (done(response)) return response;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last response ${response.status} ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The workflow's description once it has closed: its last activity writes the row, and the
 * workflow itself completes a moment later, so a test that saw the row finish waits for it.
 */
export async function closedWorkflow(h: Pick<Harness, 'env'>, workflowId: string) {
  const handle = h.env.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING' || Date.now() > deadline) return description;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sample data set → experiment → completed model run; returns their ids. */
export async function completedModelRun(
  h: Harness,
  options: { sample?: string; modelType?: string; hyperparameters?: Record<string, unknown>; token?: string } = {},
): Promise<{ datasetId: string; experimentId: string; modelRunId: string }> {
  const token = options.token ?? h.token;
  const dataset = await call(h, 'POST', '/datasets', { token, body: { sample: options.sample ?? 'breast_cancer' } });
  expect(dataset.status).toBe(201);
  const experiment = await call(h, 'POST', '/experiments', { token, body: { name: 'exp', dataset_id: dataset.body.id } });
  expect(experiment.status).toBe(201);
  const modelRun = await call(h, 'POST', '/model-runs', {
    token,
    body: {
      experiment_id: experiment.body.id,
      model_type: options.modelType ?? 'random_forest',
      hyperparameters: options.hyperparameters ?? { n_estimators: 10 },
    },
  });
  expect(modelRun.status).toBe(202);
  const done = await waitFor(
    () => call(h, 'GET', `/model-runs/${modelRun.body.id}`, { token }),
    (r) => r.body.status !== 'running',
  );
  expect(done.body.status).toBe('completed');
  return { datasetId: dataset.body.id, experimentId: experiment.body.id, modelRunId: modelRun.body.id };
}

/** A trial as GET /tuning/tune/{id}/trials lists it. */
export interface TrialView {
  number: number;
  params: Record<string, unknown>;
  state: TrialStateValue;
  scores: number[];
  mean_score: number | null;
  std_score: number | null;
}

/** The sampler's view of a recorded trial (its value is the mean CV score, its steps the folds), as a warm start reads it. */
export function samplerTrial(t: TrialView): Trial {
  if (t.state === 'STOPPED') throw new Error(`trial ${t.number} was cut short by a stop; samplers do not read it`);
  return { number: t.number, params: t.params as Trial['params'], value: t.state === 'COMPLETE' ? t.mean_score : null, state: t.state, intermediateValues: t.scores };
}

/** The tuning endpoints of one model run, called with the owner's token. */
export function tuningCalls(h: Harness, modelRunId: string) {
  const status = (id: string) => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token });
  return {
    /** POST /tuning/tune; expects 202 and returns the new run's id. */
    async start(body: Record<string, unknown>): Promise<string> {
      const response = await call(h, 'POST', '/tuning/tune', { token: h.token, body: { model_run_id: modelRunId, ...body } });
      expect([response.status, response.body]).toEqual([202, expect.objectContaining({ tuning_run_id: expect.any(String) })]);
      return response.body.tuning_run_id;
    },
    status,
    patch: (id: string, body: Record<string, unknown>) => call(h, 'PATCH', `/tuning/tune/${id}`, { token: h.token, body }),
    cancel: (id: string) => call(h, 'POST', `/tuning/tune/${id}/cancel`, { token: h.token, body: {} }),
    results: async (id: string) => (await call(h, 'GET', `/tuning/tune/${id}/results`, { token: h.token })).body,
    trials: async (id: string): Promise<TrialView[]> => (await call(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token })).body.trials,
    /** The status once the run is no longer RUNNING. */
    finished: (id: string, timeoutMs = 240_000) => waitFor(() => status(id), (r) => r.body.status !== 'running', timeoutMs),
  };
}
