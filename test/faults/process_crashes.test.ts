/**
 * Fault tests, processes dying mid-run: (a) the worker is SIGKILLed and another one starts;
 * (b) the API dies between recording a run and starting its workflow, and a workflow is
 * terminated while its row is RUNNING; the reconciler repairs both; (c) the worker is SIGKILLed
 * during a bayesian run, after TPE has taken over from its random start-up trials.
 */
import { randomUUID } from 'node:crypto';
import { createTuningRun } from '../../src/db/tuning_runs';
import type { TuningMethodValue } from '../../src/entities/enums';
import { tuningWorkflowId } from '../../src/temporal/ids';
import {
  referenceRun,
  evaluateAttempts,
  pollUntil,
  expectCompletedOnce,
  expectRecovered,
  expectTrialsKept,
  expectNoRunningWithoutLiveWorkflow,
  expectSameBestAs,
  reconcileNow,
  runningWithoutLiveWorkflow,
  runRow,
  startFaultEnv,
  trialRows,
  startTuning,
  TOTAL,
  tuneRequest,
  waitForOutcome,
  waitForRunningActivity,
  waitForTrials,
  type FaultEnv,
  type RunRow,
} from './harness';

let env: FaultEnv;
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

/** SIGKILLs the newest worker (no shutdown of any kind) and starts a fresh one. */
async function killWorkerAndStartAnother(): Promise<void> {
  const [worker] = env.workers.slice(-1);
  await worker.kill();
  await env.startWorker();
}

test('(a) worker SIGKILLed mid-run: a new worker resumes it after the heartbeat timeout; COMPLETED with the same best result', async () => {
  const id = await startTuning(env, tuneRequest(modelRunId));
  const before = await waitForTrials(env, id, 4);
  expect(before.length).toBeLessThan(TOTAL);
  const killedAt = Date.now();
  await killWorkerAndStartAnother();
  // Recovery time: from the kill to the lost batch's retry starting on the new worker (issue 10's
  // goal is within 15 s: 10 s heartbeat timeout, then a 1 s retry interval).
  // Seen within a tenth of a second: the describe is polled every 100 ms.
  await pollUntil(
    'the lost batch to be retried',
    async () => (await env.client.workflow.getHandle(tuningWorkflowId(id)).describe()).raw.pendingActivities ?? [],
    (pending) => pending.some((a) => (a.attempt ?? 0) > 1 && Number(a.state) === 2),
    120_000,
    100,
  );
  const recoverySeconds = (Date.now() - killedAt) / 1000;
  console.log(`worker SIGKILL → lost batch retried on the new worker after ${recoverySeconds.toFixed(1)} s`);
  expect(recoverySeconds).toBeLessThan(15);

  const row = await waitForOutcome(env, id, 240_000);
  await expectRecovered(env, id, row, reference, before);
  // The batches the dead worker was fitting were retried once their heartbeat timed out.
  expect(Math.max(...(await evaluateAttempts(env, id)))).toBeGreaterThan(1);
  await expectNoRunningWithoutLiveWorkflow(env);
}, 300_000);

describe('(b) the reconciler', () => {
  const SEED_LONG_RUNNING = '1 hour';
  let apiDied: string;
  let terminated: string;
  let live: string;
  let fresh: string;

  /** A RUNNING row as the API records it (its validated config, task_id), its workflow never started. */
  async function recordOnly(config: Record<string, unknown>): Promise<string> {
    const id = randomUUID();
    await createTuningRun(env.orm.em, { id, modelRunId, tuningMethod: config.tuning_method as TuningMethodValue, config, taskId: tuningWorkflowId(id) });
    return id;
  }

  beforeAll(async () => {
    // No worker: live workflows stay RUNNING until the end of the test, nothing reconciles behind our back.
    for (const worker of env.workers) await worker.stop();
    apiDied = await recordOnly(reference.config!);
    terminated = await startTuning(env, tuneRequest(modelRunId));
    await env.client.workflow.getHandle(tuningWorkflowId(terminated)).terminate('fault test: killed by an operator');
    live = await startTuning(env, { ...tuneRequest(modelRunId), param_grid: { n_estimators: [20], max_depth: [3, 4] } });
    // As old as the seed's "long-running" query looks for.
    await env.orm.em.fork().execute(`update tuning_runs set created_at = now() - interval '2 hours' where id in (?, ?, ?)`, [apiDied, terminated, live]);
    fresh = await recordOnly(reference.config!);
  }, 120_000);

  test('the seed\'s long-running query first returns runs without a live workflow', async () => {
    expect((await runningWithoutLiveWorkflow(env, SEED_LONG_RUNNING)).sort()).toEqual([apiDied, terminated].sort());
  });

  test('starts the missing workflow, settles the closed one FAILED (WorkflowClosed), leaves live and fresh runs alone', async () => {
    const summary = await reconcileNow(env, 30);
    expect(summary).toEqual({ started: [apiDied], failed: [terminated], errors: [] });
    expect(await reconcileNow(env, 30)).toEqual({ started: [], failed: [], errors: [] });

    const failed = await runRow(env.orm, terminated);
    expect(failed.status).toBe('failed');
    expect(failed.best_params).toBeNull();
    expect(failed.completed_at).not.toBeNull();
    expect(failed.results).toMatchObject({ error_type: 'WorkflowClosed' });
    expect(failed.results!.error).toMatch(new RegExp(`workflow ${tuningWorkflowId(terminated)} closed with status TERMINATED`));
    expect((await runRow(env.orm, fresh)).status).toBe('running');
  });

  test('after reconciliation the long-running query returns only live runs', async () => {
    expect(await runningWithoutLiveWorkflow(env, SEED_LONG_RUNNING)).toEqual([]);
    // Past its grace period the fresh run is started too: then no RUNNING row at all lacks a live workflow.
    expect(await reconcileNow(env, 0)).toEqual({ started: [fresh], failed: [], errors: [] });
    expect(await runningWithoutLiveWorkflow(env)).toEqual([]);
  });

  test('the started runs COMPLETE with the same best result as the API-started reference', async () => {
    await env.startWorker();
    for (const id of [apiDied, fresh]) {
      const row = await waitForOutcome(env, id, 180_000);
      await expectSameBestAs(env, row, reference);
      await expectCompletedOnce(env, id);
    }
    expect((await waitForOutcome(env, live, 60_000)).status).toBe('completed');
    expect((await runRow(env.orm, terminated)).status).toBe('failed');
    await expectNoRunningWithoutLiveWorkflow(env);
  }, 300_000);
});

describe('(c) worker SIGKILLed mid-run during a bayesian run', () => {
  /**
   * TPE's 10 random start-up trials, then 10 model-based ones, in batches of 4 run one at a time
   * (two rounds of fits on the worker's two threads): each batch is suggested from every finished
   * trial, so an undisturbed run with the same seed is the reference, candidate by candidate.
   */
  const N_ITER = 20;
  const BATCH = 4;
  const bayesianRequest = () => ({
    ...tuneRequest(modelRunId),
    tuning_method: 'bayesian',
    param_grid: undefined,
    param_distributions: {
      n_estimators: { type: 'int', low: 300, high: 600, step: 100 },
      max_depth: { type: 'int', low: 3, high: 12 },
      max_features: { type: 'categorical', choices: ['sqrt', 0.5] },
      min_samples_leaf: { type: 'int', low: 1, high: 4 },
    },
    n_iter: N_ITER,
    batch_size: BATCH,
    // Two batches at once: each batch's view of the run is fixed, so the retried one matches too.
    parallelism: 2,
  });
  let bayesianReference: RunRow;

  beforeAll(async () => {
    await env.ensureWorker();
    bayesianReference = await waitForOutcome(env, await startTuning(env, bayesianRequest()), 240_000);
  }, 300_000);

  test('a new worker suggests from the recorded history: COMPLETED with the undisturbed run\'s candidates and best result', async () => {
    const id = await startTuning(env, bayesianRequest());
    // Killed while it fits a batch of model-based candidates (after the 10 start-up trials).
    const before = await waitForRunningActivity(env, id, 'evaluateCandidates', 12);
    expect(before.length).toBeLessThan(N_ITER);
    await killWorkerAndStartAnother();

    const row = await waitForOutcome(env, id, 240_000);
    await expectSameBestAs(env, row, bayesianReference);
    await expectCompletedOnce(env, id, N_ITER);
    expectTrialsKept(before, await trialRows(env.orm, id));
    // The interrupted batch was retried after the heartbeat timeout.
    expect(Math.max(...(await evaluateAttempts(env, id)))).toBeGreaterThan(1);
    // Model-based suggestions differ from each other (no candidate was evaluated twice).
    const keys = (await trialRows(env.orm, id)).map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(N_ITER);
  }, 360_000);
});
