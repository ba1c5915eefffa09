/**
 * Bayesian search, live control (progress, cancel, budget changes) and continue-as-new,
 * through real HTTP against a real Temporal dev server and the real PostgreSQL.
 */
import { call, closedWorkflow, completedModelRun, startHarness, waitFor, type Harness } from './harness';

let h: Harness;
let modelRunId: string;

beforeAll(async () => {
  // A low history limit, so a run of a few dozen candidates continues as new several times.
  h = await startHarness({ historyEventLimit: 60 });
  ({ modelRunId } = await completedModelRun(h, { modelType: 'decision_tree', hyperparameters: {} }));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const tune = (body: Record<string, unknown>) =>
  call(h, 'POST', '/tuning/tune', { token: h.token, body: { model_run_id: modelRunId, ...body } });
const status = (id: string) => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token });
const results = async (id: string) => (await call(h, 'GET', `/tuning/tune/${id}/results`, { token: h.token })).body;
const trials = async (id: string) => (await call(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token })).body.trials;
const finished = (id: string) => waitFor(() => status(id), (r) => r.body.status !== 'running', 240_000);

const TREE_SPACE = {
  max_depth: { type: 'int', low: 1, high: 12 },
  min_samples_leaf: { type: 'int', low: 1, high: 40, log: true },
  criterion: { type: 'categorical', choices: ['gini', 'entropy'] },
  min_impurity_decrease: { type: 'float', low: 0.0, high: 0.05 },
};

describe('bayesian', () => {
  test('runs end to end with TPE and records every trial', async () => {
    const started = await tune({ tuning_method: 'bayesian', param_distributions: TREE_SPACE, n_iter: 14, cv_folds: 3, scoring: 'roc_auc', seed: 3 });
    expect(started.status).toBe(202);
    const id = started.body.tuning_run_id;
    expect((await finished(id)).body.status).toBe('completed');
    const body = await results(id);
    expect(body.results).toMatchObject({ tuning_method: 'bayesian', total_combinations: 14, scoring_metric: 'roc_auc' });
    expect(body.results.best_score).toBeGreaterThan(0.9);
    const history = await trials(id);
    expect(history.map((t: any) => t.number)).toEqual([...Array(14).keys()]);
    // Batches of suggestions never repeat a candidate (constant liar).
    const keys = new Set(history.map((t: any) => JSON.stringify(t.params)));
    expect(keys.size).toBe(14);
    const stopped = await status(id);
    expect(stopped.body.stop_reason).toBe('n_iter');
  }, 300_000);
});

describe('live control', () => {
  // Heavy enough to still be running when the test acts on it.
  const heavy = {
    tuning_method: 'random_search',
    param_distributions: { max_depth: { type: 'int', low: 3, high: 30 }, min_samples_leaf: { type: 'int', low: 1, high: 3 } },
    n_iter: 400,
    cv_folds: 10,
    batch_size: 2,
    parallelism: 1,
  };

  test('progress is read live, and cancel ends the run FAILED (Cancelled) keeping the best so far', async () => {
    const started = await tune(heavy);
    const id = started.body.tuning_run_id;
    const live = await waitFor(() => status(id), (r) => r.body.progress?.evaluated >= 2, 120_000);
    expect(live.body.status).toBe('running');
    expect(live.body.progress).toMatchObject({ total: 400, best_score: expect.any(Number), best_params: expect.any(Object) });
    expect(live.body.progress.elapsed_seconds).toBeGreaterThan(0);
    // The Web UI's BestScore filter works while the run is still going. The workflow sets it when a
    // batch ends; status (read from the recorded trials) can be ahead of that by up to a batch.
    const handle = h.env.client.workflow.getHandle(`tuning-run-${id}`);
    const described = await waitFor(
      async () => ({ status: 200, body: await handle.describe() }),
      (r) => (r.body.searchAttributes as Record<string, number[]>).BestScore !== undefined,
      60_000,
    );
    expect(described.body.status.name).toBe('RUNNING');
    expect((described.body.searchAttributes as Record<string, number[]>).BestScore[0]).toEqual(expect.any(Number));

    const cancel = await call(h, 'POST', `/tuning/tune/${id}/cancel`, { token: h.token, body: { reason: 'enough' } });
    expect(cancel.status).toBe(202);
    const ended = await finished(id);
    expect(ended.body).toMatchObject({ status: 'failed', error: 'enough', error_type: 'Cancelled', stop_reason: 'cancelled' });
    const body = await results(id);
    expect(body.best_params).toBeNull();
    expect(body.results.error_type).toBe('Cancelled');
    expect(body.results.best_score).toBe(body.results.all_results[0].mean_score);
    expect(body.results.total_combinations).toBeLessThan(400);
    expect((await trials(id)).length).toBe(body.results.total_combinations);
    // A finished run cannot be cancelled again.
    expect((await call(h, 'POST', `/tuning/tune/${id}/cancel`, { token: h.token, body: {} })).status).toBe(409);
  }, 300_000);

  test("a Temporal cancellation request (the Web UI's Cancel) ends the run FAILED (Cancelled), and the workflow CANCELED", async () => {
    const started = await tune(heavy);
    const id = started.body.tuning_run_id;
    await waitFor(() => status(id), (r) => r.body.progress?.evaluated >= 2, 120_000);
    await h.env.client.workflow.getHandle(`tuning-run-${id}`).cancel();

    const ended = await finished(id);
    expect(ended.body).toMatchObject({ status: 'failed', error: 'cancellation requested through Temporal', error_type: 'Cancelled', stop_reason: 'cancelled' });
    const body = await results(id);
    expect(body.results.best_score).toBe(body.results.all_results[0].mean_score);
    expect((await trials(id)).length).toBe(body.results.total_combinations);
    expect((await closedWorkflow(h, `tuning-run-${id}`)).status.name).toBe('CANCELLED');
  }, 300_000);

  test('a running run takes a new n_iter, and refuses one below what it has started', async () => {
    const started = await tune(heavy);
    const id = started.body.tuning_run_id;
    const live = await waitFor(() => status(id), (r) => r.body.progress?.evaluated >= 1, 120_000);
    // Well above what can have started by the time the change arrives (batches of 2, one at a time).
    const target = live.body.progress.evaluated + 40;
    const tooLow = await call(h, 'PATCH', `/tuning/tune/${id}`, { token: h.token, body: { n_iter: 1 } });
    expect(tooLow.status).toBe(422);
    expect(tooLow.body.detail[0].field).toBe('n_iter');
    const badParallelism = await call(h, 'PATCH', `/tuning/tune/${id}`, { token: h.token, body: { parallelism: 0 } });
    expect(badParallelism.status).toBe(422);
    const changed = await call(h, 'PATCH', `/tuning/tune/${id}`, { token: h.token, body: { n_iter: target, parallelism: 2 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ n_iter: target, parallelism: 2 });
    expect((await finished(id)).body.status).toBe('completed');
    expect((await results(id)).results.total_combinations).toBe(target);
  }, 300_000);
});

describe('continue-as-new', () => {
  test('a run longer than the history limit continues as new and loses nothing', async () => {
    const grid = { max_depth: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], min_samples_leaf: [1, 5] };
    const started = await tune({ tuning_method: 'grid_search', param_grid: grid, cv_folds: 3, batch_size: 1, parallelism: 1 });
    const id = started.body.tuning_run_id;
    expect((await finished(id)).body.status).toBe('completed');
    const body = await results(id);
    expect(body.results.total_combinations).toBe(24);
    const history = await trials(id);
    expect(history.map((t: any) => t.number)).toEqual([...Array(24).keys()]);
    const best = Math.max(...history.map((t: any) => t.mean_score));
    expect(body.results.best_score).toBe(best);
    // The first run of the workflow id ended by continuing as new.
    const latest = await closedWorkflow(h, `tuning-run-${id}`);
    expect(latest.status.name).toBe('COMPLETED');
    const runs = [];
    for await (const execution of h.env.client.workflow.list({ query: `WorkflowId = 'tuning-run-${id}'` })) runs.push(execution.status.name);
    expect(runs).toContain('CONTINUED_AS_NEW');
  }, 300_000);
});
