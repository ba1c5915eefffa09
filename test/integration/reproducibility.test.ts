/**
 * Reproducible Bayesian search under parallelism: the same bayesian request, sent twice, suggests
 * and scores exactly the same trials at parallelism 1, 2 and 4, although its batches overlap and
 * finish in whatever order the threads make them (each batch sees a fixed view of the run:
 * PlannedBatch in src/workflows/types.ts). Also: the outcome write is checked against the row.
 */
import { call, closedWorkflow, completedModelRun, startHarness, waitFor, type Harness } from './harness';

let h: Harness;
let modelRunId: string;

beforeAll(async () => {
  h = await startHarness();
  ({ modelRunId } = await completedModelRun(h, { modelType: 'gradient_boosting', hyperparameters: { n_estimators: 10 } }));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const GBM_SPACE = {
  n_estimators: { type: 'int', low: 5, high: 40 },
  learning_rate: { type: 'float', low: 0.01, high: 0.5, log: true },
  max_depth: { type: 'int', low: 1, high: 4 },
  subsample: { type: 'float', low: 0.5, high: 1.0 },
};

const status = (id: string) => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token });
const trials = async (id: string) => (await call(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token })).body.trials;

/** Starts a bayesian run of 16 trials in batches of 2 and returns its trials once it has completed. */
async function bayesianTrials(parallelism: number, extra: Record<string, unknown> = {}) {
  const started = await call(h, 'POST', '/tuning/tune', {
    token: h.token,
    body: {
      model_run_id: modelRunId, tuning_method: 'bayesian', param_distributions: GBM_SPACE, n_iter: 16, batch_size: 2,
      cv_folds: 3, scoring: 'roc_auc', seed: 5, parallelism, ...extra,
    },
  });
  expect(started.status).toBe(202);
  const id = started.body.tuning_run_id;
  const done = await waitFor(() => status(id), (r) => r.body.status !== 'running', 240_000);
  expect(done.body.status).toBe('completed');
  return (await trials(id)).map((t: any) => ({ number: t.number, params: t.params, state: t.state, scores: t.scores }));
}

describe.each([1, 2, 4])('parallelism %i', (parallelism) => {
  test('the same request gives the same trials, whatever finishes first', async () => {
    const first = await bayesianTrials(parallelism);
    const second = await bayesianTrials(parallelism);
    expect(first).toHaveLength(16);
    expect(second).toEqual(first);
    // Past TPE's 10 random start-up trials the sampler chose the candidates (they are not all random ones).
    expect(new Set(first.map((t: any) => JSON.stringify(t.params))).size).toBe(16);
  }, 600_000);
});

test('a run whose row was failed elsewhere stops at once, and its workflow agrees with the row', async () => {
  const started = await call(h, 'POST', '/tuning/tune', {
    token: h.token,
    body: {
      model_run_id: modelRunId, tuning_method: 'random_search', param_distributions: GBM_SPACE, n_iter: 400, batch_size: 2,
      cv_folds: 5, scoring: 'roc_auc', seed: 1, parallelism: 1,
    },
  });
  const id = started.body.tuning_run_id;
  await waitFor(() => status(id), (r) => r.body.n_iterations >= 2, 120_000);
  // What the API does when a start call errors although Temporal started the workflow.
  await h.db.orm.em.fork().getConnection().execute(
    `update tuning_runs set status = 'failed', results = '{"error": "start failed", "error_type": "StartFailed"}'::jsonb, completed_at = now() where id = ?`,
    [id],
  );
  const description = await closedWorkflow(h, `tuning-run-${id}`);
  expect(description.status.name).toBe('FAILED');
  expect(description.searchAttributes.TuningStatus).toEqual(['failed']);
  const row = await status(id);
  expect(row.body.status).toBe('failed');
  // It stopped within its batch: far fewer than the 400 candidates it was given.
  expect(row.body.n_iterations).toBeLessThan(20);
  const handle = h.env.client.workflow.getHandle(`tuning-run-${id}`);
  await expect(handle.result()).rejects.toThrow();
}, 300_000);
