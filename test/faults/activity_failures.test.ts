/**
 * Fault tests, (e) an activity failing mid-run, injected in the worker process through
 * FAULT_INJECT_EVALUATE_* (src/activities/fault_injection.ts; nothing of the database or Temporal
 * is mocked): transient failures are retried with backoff and the run COMPLETES with the reference's
 * result; a non-retryable failure ends the run FAILED with its error and error_type.
 */
import { tuningWorkflowId } from '../../src/temporal/ids';
import {
  referenceRun,
  evaluateAttempts,
  expectRecovered,
  expectNoRunningWithoutLiveWorkflow,
  expectTrialsKept,
  pollUntil,
  runRow,
  startFaultEnv,
  startTuning,
  TOTAL,
  trialRows,
  tuneRequest,
  waitForOutcome,
  watchTrials,
  type FaultEnv,
  type RunRow,
  type TrialRow,
} from './harness';

let env: FaultEnv;
let modelRunId: string;
let reference: RunRow;

beforeAll(async () => {
  env = await startFaultEnv();
  const worker = await env.startWorker();
  ({ modelRunId, reference } = await referenceRun(env));
  await worker.stop();
}, 300_000);

afterAll(async () => {
  await env?.close();
}, 120_000);

/** The trials recorded when the first evaluateCandidates attempt has failed (a pending retry shows its failure). */
async function trialsAtFirstFailure(id: string): Promise<TrialRow[]> {
  const handle = env.client.workflow.getHandle(tuningWorkflowId(id));
  await pollUntil(
    'a failed evaluateCandidates attempt',
    async () => {
      const { raw } = await handle.describe();
      return { pending: raw.pendingActivities ?? [], row: await runRow(env.orm, id) };
    },
    ({ pending, row }) => row.status !== 'running' || pending.some((a) => a.lastFailure?.message?.includes('injected')),
    60_000,
    100,
  );
  return trialRows(env.orm, id);
}

test('(e) transient failures of evaluateCandidates (3 attempts) are retried with backoff: COMPLETED with the same best result', async () => {
  const worker = await env.startWorker({ FAULT_INJECT_EVALUATE_AFTER: '2', FAULT_INJECT_EVALUATE_FAILURES: '3' });
  const id = await startTuning(env, tuneRequest(modelRunId));
  const before = await trialsAtFirstFailure(id);

  const row = await waitForOutcome(env, id, 180_000);
  await expectRecovered(env, id, row, reference, before);
  // Three attempts failed and were retried: some batch ran on a later attempt.
  expect(Math.max(...(await evaluateAttempts(env, id)))).toBeGreaterThan(1);
  await expectNoRunningWithoutLiveWorkflow(env);
  await worker.stop();
}, 300_000);

test('(e) a non-retryable failure of evaluateCandidates ends the run FAILED with error and error_type, keeping its trials', async () => {
  const worker = await env.startWorker({ FAULT_INJECT_EVALUATE_AFTER: '2', FAULT_INJECT_EVALUATE_FAILURES: '1', FAULT_INJECT_EVALUATE_NON_RETRYABLE: '1' });
  const id = await startTuning(env, tuneRequest(modelRunId));
  // The failure is not retried, so there is no pending retry to wait for: watch every trial instead.
  const watcher = watchTrials(env, id);
  const row = await waitForOutcome(env, id, 120_000).finally(() => watcher.stop());
  const seen = await watcher.stop();
  expect(row.status).toBe('failed');
  expect(row.best_params).toBeNull();
  expect(row.completed_at).not.toBeNull();
  expect(row.results).toMatchObject({ error_type: 'InjectedPermanentFault' });
  expect(row.results!.error).toMatch(/injected permanent fault/);
  const after = await trialRows(env.orm, id);
  expectTrialsKept(seen, after);
  // The two batches before the fault (candidates 0-3) were recorded; the search stopped there.
  expect(after.map((t) => t.number)).toEqual(expect.arrayContaining([0, 1, 2, 3]));
  expect(after.length).toBeLessThan(TOTAL);
  // A non-retryable failure is not retried: every evaluateCandidates ran once.
  expect(Math.max(...(await evaluateAttempts(env, id)))).toBe(1);
  const handle = env.client.workflow.getHandle(tuningWorkflowId(id));
  const description = await pollUntil('workflow closed', () => handle.describe(), (d) => d.status.name !== 'RUNNING', 30_000);
  expect(description.status.name).toBe('FAILED');
  await expectNoRunningWithoutLiveWorkflow(env);
  await worker.stop();
}, 300_000);
