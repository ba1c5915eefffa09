/**
 * Client-evaluated studies under faults: the worker is SIGKILLed and the API restarted while three
 * clients suggest and complete trials. Every trial is handed out once, recorded once, and every
 * completion is acknowledged; the study completes on the new worker.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Study, TuningClient } from '../../clients/typescript';
import { createApp } from '../../src/api/app';
import { call, pollUntil, runRow, sleep, startFaultEnv, trialRows, type FaultEnv } from './harness';

let env: FaultEnv;

beforeAll(async () => {
  env = await startFaultEnv();
  await env.startWorker();
}, 300_000);

afterAll(async () => {
  await env?.close();
}, 120_000);

/** A second API process stand-in on a fixed port, which the test restarts. */
async function startApi(port = 0): Promise<Server> {
  const server = createApp({ orm: env.orm, temporal: env.client, config: env.config }).listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

test('worker SIGKILLed and API restarted mid-study: no trial lost or duplicated, each completion acknowledged once', async () => {
  let api = await startApi();
  const { port } = api.address() as AddressInfo;
  const client = new TuningClient(`http://127.0.0.1:${port}/api/v1`, env.token);
  const N = 30;
  const study: Study = await client.createStudy({
    name: 'faults',
    // bayesian: suggestions sample ahead in activities and inline in local activities, both replayed after the kill.
    tuning_method: 'bayesian',
    param_distributions: { x: { type: 'float', low: -5, high: 5 } },
    n_iter: N,
    seed: 2,
    trial_timeout_seconds: 120,
  });
  const acks = new Map<number, number>();
  // Count acknowledgements: every completion the service confirms (optimize completes each trial
  // and asks for the next in one call).
  const tellAndAsk = study.tellAndAsk.bind(study);
  study.tellAndAsk = async (...args) => {
    const answer = await tellAndAsk(...args);
    acks.set(answer.ack.number, (acks.get(answer.ack.number) ?? 0) + 1);
    return answer;
  };
  const optimizing = study.optimize(
    async (trial) => {
      await sleep(150);
      return (trial.params.x as number) ** 2;
    },
    { concurrency: 3 },
  );

  await pollUntil('a third of the trials', () => trialRows(env.orm, study.id), (rows) => rows.length >= N / 3, 60_000);
  const [worker] = env.workers.slice(-1);
  await worker.kill();
  await env.startWorker();

  await pollUntil('two thirds of the trials', () => trialRows(env.orm, study.id), (rows) => rows.length >= (2 * N) / 3, 120_000);
  api.closeAllConnections();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  await sleep(1_000);
  api = await startApi(port);

  await optimizing;
  const row = await pollUntil('the study to finish', () => runRow(env.orm, study.id), (r) => r.status !== 'running', 60_000);
  expect(row.status).toBe('completed');
  const trials = await trialRows(env.orm, study.id);
  expect(trials.map((t) => t.number)).toEqual([...Array(N).keys()]);
  expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  expect([...acks.keys()].sort((a, b) => a - b)).toEqual([...Array(N).keys()]);
  expect([...acks.values()].every((count) => count === 1)).toBe(true);
  expect((await call(env, 'GET', `/tuning/tune/${study.id}/results`)).body.results.total_combinations).toBe(N);
  api.closeAllConnections();
  await new Promise<void>((resolve) => api.close(() => resolve()));
}, 300_000);
