/**
 * Fault tests, infrastructure restarting mid-run: (c) PostgreSQL (`pg_ctl restart -m fast` on a
 * throwaway cluster) while batches are finishing; (d) the Temporal dev server stopped and started
 * again on its persistent state file and port. The worker processes stay up through both.
 */
import {
  expectCompletedOnce,
  expectNoRunningWithoutLiveWorkflow,
  expectSameBestAs,
  expectTrialsKept,
  sleep,
  startFaultEnv,
  startTuning,
  TOTAL,
  trialRows,
  tunedModelRun,
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
  worker = await env.startWorker();
  modelRunId = await tunedModelRun(env);
  reference = await waitForOutcome(env, await startTuning(env, tuneRequest(modelRunId)), 180_000);
  expect(reference.status).toBe('completed');
}, 300_000);

afterAll(async () => {
  await env?.close();
}, 120_000);

const workerAlive = () => {
  try {
    process.kill(worker.pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('(c) PostgreSQL restarted (pg_ctl restart -m fast, twice) while batches are finishing: activities retry, the outcome is written once; COMPLETED with the same best result', async () => {
  const id = await startTuning(env, tuneRequest(modelRunId));
  const before = await waitForTrials(env, id, 4);
  expect(before.length).toBeLessThan(TOTAL);
  await env.pg.restart();
  // And once more a little later, so that another batch finishes into a dead connection pool.
  await sleep(1_500);
  await env.pg.restart();

  const row = await waitForOutcome(env, id, 180_000);
  expectSameBestAs(row, reference);
  await expectCompletedOnce(env, id);
  expectTrialsKept(before, await trialRows(env.orm, id));
  expect(workerAlive()).toBe(true);
  await expectNoRunningWithoutLiveWorkflow(env);
}, 300_000);

test('(c) PostgreSQL down for 8 s while a long batch records its trials: the worker survives, the batch is retried; COMPLETED with the same best result', async () => {
  // One batch of all 24 candidates (~10-15 s): its trials are written by the heartbeat (every 5 s),
  // so the outage covers a heartbeat's write as well as the end of the batch. Same grid and seed as the reference.
  const id = await startTuning(env, { ...tuneRequest(modelRunId), batch_size: TOTAL, parallelism: 1 });
  const before = await waitForTrials(env, id, 1);
  expect(before.length).toBeLessThan(TOTAL);
  await env.pg.restartAfter(8_000);

  const row = await waitForOutcome(env, id, 180_000);
  expect(workerAlive()).toBe(true);
  expectSameBestAs(row, reference);
  await expectCompletedOnce(env, id);
  expectTrialsKept(before, await trialRows(env.orm, id));
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
  expectSameBestAs(row, reference);
  await expectCompletedOnce(env, id);
  expectTrialsKept(before, await trialRows(env.orm, id));
  expect(workerAlive()).toBe(true);
  await expectNoRunningWithoutLiveWorkflow(env);
}, 300_000);
