/**
 * Fault tests, infrastructure restarting mid-run: (c) PostgreSQL (`pg_ctl restart -m fast` on a
 * throwaway cluster) while batches are finishing; (d) the Temporal dev server stopped and started
 * again on its persistent state file and port. The worker processes stay up through both.
 */
import {
  referenceRun,
  expectRecovered,
  expectNoRunningWithoutLiveWorkflow,
  sleep,
  startFaultEnv,
  startTuning,
  TOTAL,
  tuneRequest,
  waitForOutcome,
  waitForTrials,
  type FaultEnv,
  type RunRow,
  type WorkerProcess,
} from './harness';

let env: FaultEnv;
let worker: WorkerProcess;
let modelRunId: string;
let reference: RunRow;

beforeAll(async () => {
  env = await startFaultEnv();
  await env.startWorker();
  ({ modelRunId, reference } = await referenceRun(env));
}, 300_000);

afterAll(async () => {
  await env?.close();
}, 120_000);

// Each test on a live worker, which must survive the fault.
beforeEach(async () => {
  worker = await env.ensureWorker();
}, 180_000);

const workerAlive = () => worker.alive();

test('(c) PostgreSQL restarted (pg_ctl restart -m fast, twice) while batches are finishing: activities retry, the outcome is written once; COMPLETED with the same best result', async () => {
  const id = await startTuning(env, tuneRequest(modelRunId));
  const before = await waitForTrials(env, id, 4);
  expect(before.length).toBeLessThan(TOTAL);
  await env.pg.restart();
  // And once more a little later, so that another batch finishes into a dead connection pool.
  await sleep(1_500);
  await env.pg.restart();

  const row = await waitForOutcome(env, id, 180_000);
  await expectRecovered(env, id, row, reference, before);
  expect(workerAlive()).toBe(true);
  await expectNoRunningWithoutLiveWorkflow(env);
}, 300_000);

test('(c) PostgreSQL down for 8 s while a long batch records its trials: the worker survives, no trial is lost; COMPLETED with the same best result', async () => {
  // One batch of all 24 candidates on one evaluation thread (~20 s): while it runs, its trials are
  // written by the heartbeat every 5 s. The first write (5 s in) starts the outage, so the next one
  // (10 s in) meets no database. Same grid and seed as the reference, so the same result.
  await worker.stop();
  worker = await env.startWorker({ EVALUATION_THREADS: '1' });
  const id = await startTuning(env, { ...tuneRequest(modelRunId), batch_size: TOTAL, parallelism: 1 });
  const before = await waitForTrials(env, id, 1);
  expect(before.length).toBeLessThan(TOTAL / 2);
  await env.pg.restartAfter(8_000);

  const row = await waitForOutcome(env, id, 180_000);
  expect(workerAlive()).toBe(true);
  // The row is final before the workflow's last task has run: the worker stays until it has
  // closed, then goes, so the next test gets one with the default threads.
  await expectRecovered(env, id, row, reference, before);
  await worker.stop();
  await expectNoRunningWithoutLiveWorkflow(env);
}, 300_000);

test('(d) Temporal dev server stopped and started again on its state file: the run resumes; COMPLETED with the same best result', async () => {
  const id = await startTuning(env, tuneRequest(modelRunId));
  const before = await waitForTrials(env, id, 4);
  expect(before.length).toBeLessThan(TOTAL);
  await env.temporal.stop();
  await sleep(3_000);
  await env.temporal.start();

  const row = await waitForOutcome(env, id, 240_000);
  await expectRecovered(env, id, row, reference, before);
  expect(workerAlive()).toBe(true);
  await expectNoRunningWithoutLiveWorkflow(env);
}, 300_000);
