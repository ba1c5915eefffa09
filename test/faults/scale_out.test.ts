/**
 * Fault tests, (f) workers that scale out: two worker processes on one task queue, one evaluation
 * thread each. Both fit batches of the same run (every trial records the worker that evaluated
 * it), and SIGKILLing one of them mid-run loses nothing: the other retries its batch and the run
 * COMPLETES with every candidate recorded once and the undisturbed run's result.
 */
import os from 'node:os';
import { tuningWorkflowId } from '../../src/temporal/ids';
import {
  call,
  evaluateAttempts,
  expectCompletedOnce,
  expectNoRunningWithoutLiveWorkflow,
  expectRecovered,
  pollUntil,
  startFaultEnv,
  startTuning,
  trialRows,
  tunedModelRun,
  tuneRequest,
  TOTAL,
  waitForOutcome,
  type FaultEnv,
  type RunRow,
  type WorkerProcess,
} from './harness';

let env: FaultEnv;
let modelRunId: string;
let workers: WorkerProcess[];
let reference: RunRow;

/** The identity Temporal knows a worker process by, and that its trials record. */
const identityOf = (worker: WorkerProcess) => `${worker.pid}@${os.hostname()}`;

/** Which worker evaluated each recorded trial of a run. */
async function trialWorkers(id: string): Promise<Map<number, string | null>> {
  const rows = await env.orm.em
    .fork()
    .execute<{ number: number; worker_identity: string | null }[]>('select number, worker_identity from tuning_trials where tuning_run_id = ?', [id]);
  return new Map(rows.map((r) => [r.number, r.worker_identity]));
}

beforeAll(async () => {
  env = await startFaultEnv();
  // One evaluation thread each: a worker fitting a batch takes no other, so a second batch in
  // flight (parallelism 2) must go to the other worker.
  workers = [await env.startWorker({ EVALUATION_THREADS: '1' }), await env.startWorker({ EVALUATION_THREADS: '1' })];
  modelRunId = await tunedModelRun(env);
}, 300_000);

afterAll(async () => {
  await env?.close();
}, 120_000);

test('(f) two workers on one task queue both evaluate batches of one run; GET …/trials names the worker of each trial', async () => {
  const id = await startTuning(env, tuneRequest(modelRunId));
  reference = await waitForOutcome(env, id, 240_000);
  await expectCompletedOnce(env, id);

  const res = await call<{ trials: { number: number; worker: string | null }[] }>(env, 'GET', `/tuning/tune/${id}/trials`);
  expect(res.status).toBe(200);
  expect(res.body.trials).toHaveLength(TOTAL);
  expect(new Set(res.body.trials.map((t) => t.worker))).toEqual(new Set(workers.map(identityOf)));
}, 300_000);

test('(f) one of two workers SIGKILLed mid-batch: the other retries its batch; COMPLETED, every trial once, the undisturbed result', async () => {
  const [survivor, victim] = workers.map(identityOf);
  const id = await startTuning(env, tuneRequest(modelRunId));
  const handle = env.client.workflow.getHandle(tuningWorkflowId(id));
  const STARTED = 2; // PENDING_ACTIVITY_STATE_STARTED
  // Killed once each worker has recorded a trial, while the victim fits a batch.
  await pollUntil(
    'both workers to have recorded trials, the victim fitting a batch',
    async () => ({ evaluatedBy: new Set((await trialWorkers(id)).values()), description: await handle.describe() }),
    ({ evaluatedBy, description }) => {
      if (description.status.name !== 'RUNNING') throw new Error(`run ${id} finished before the fault could be injected`);
      const fitting = (description.raw.pendingActivities ?? []).some(
        (a) => a.activityType?.name === 'evaluateCandidates' && Number(a.state) === STARTED && a.lastWorkerIdentity === victim,
      );
      return evaluatedBy.has(survivor) && evaluatedBy.has(victim) && fitting;
    },
    120_000,
    50,
  );
  const before = await trialRows(env.orm, id);
  expect(before.length).toBeLessThan(TOTAL);
  await workers[1].kill();

  const row = await waitForOutcome(env, id, 240_000);
  await expectRecovered(env, id, row, reference, before);
  // The victim's batch was retried (on the survivor, the only worker left) after its heartbeat timed out.
  expect(Math.max(...(await evaluateAttempts(env, id)))).toBeGreaterThan(1);
  expect(new Set((await trialWorkers(id)).values())).toEqual(new Set([survivor, victim]));
  expect(workers[0].alive()).toBe(true);
  await expectNoRunningWithoutLiveWorkflow(env);
}, 360_000);
