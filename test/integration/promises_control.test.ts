/**
 * The README's control promises, each proven through real HTTP, a real Temporal dev server and the
 * real PostgreSQL: target_score and time_budget_seconds stop a run with their stop_reason, and
 * PATCH /tuning/tune/{id} raises n_iter, lowers the time budget and changes parallelism (the
 * evaluateCandidates activities Temporal has in flight follow it).
 */
import { createSampler, type SearchSpace } from '../../src/ml/search';
import { completedModelRun, startHarness, tuningCalls, waitFor, type Harness } from './harness';

let h: Harness;
let tree: ReturnType<typeof tuningCalls>;
let forest: ReturnType<typeof tuningCalls>;

beforeAll(async () => {
  h = await startHarness();
  const [treeRun, forestRun] = await Promise.all([
    completedModelRun(h, { modelType: 'decision_tree', hyperparameters: {} }),
    // About a second per 5-fold candidate: slow enough to watch batches in flight.
    completedModelRun(h, { modelType: 'random_forest', hyperparameters: { n_estimators: 30 } }),
  ]);
  tree = tuningCalls(h, treeRun.modelRunId);
  forest = tuningCalls(h, forestRun.modelRunId);
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const SPACE: SearchSpace = {
  max_depth: { type: 'int', low: 1, high: 10 },
  min_samples_leaf: { type: 'int', low: 1, high: 60, log: true },
};
/** Far more candidates than any of these tests lets a run evaluate (MAX_ITERATIONS). */
const ENDLESS = 5000;
const endless = { tuning_method: 'random_search', param_distributions: SPACE, n_iter: ENDLESS, batch_size: 1, parallelism: 1 };

/** Bounded polling of the live progress until at least `count` candidates are evaluated. */
const evaluatedAtLeast = (calls: ReturnType<typeof tuningCalls>, id: string, count: number) =>
  waitFor(() => calls.status(id), (r) => r.body.status !== 'running' || r.body.progress?.evaluated >= count, 60_000);

describe('stopping rules', () => {
  test('target_score stops the run once a trial reaches it, with stop_reason target_score', async () => {
    // Every tree scores above 0.5 accuracy on breast_cancer: the first finished trial reaches it.
    const id = await tree.start({ ...endless, target_score: 0.5 });
    const done = await tree.finished(id, 60_000);
    expect(done.body).toMatchObject({ status: 'completed', stop_reason: 'target_score' });
    const { results } = await tree.results(id);
    expect(results.best_score).toBeGreaterThanOrEqual(0.5);
    expect(results.total_combinations).toBeLessThan(ENDLESS);
  }, 120_000);

  test('time_budget_seconds stops a run that cannot finish within it, with stop_reason time_budget', async () => {
    const id = await tree.start({ ...endless, time_budget_seconds: 3 });
    const done = await tree.finished(id, 60_000);
    expect(done.body).toMatchObject({ status: 'completed', stop_reason: 'time_budget' });
    const { results } = await tree.results(id);
    expect(results.total_combinations).toBeGreaterThan(0);
    expect(results.total_combinations).toBeLessThan(ENDLESS);
  }, 120_000);
});

describe('stops cut the candidates in flight', () => {
  test('a time budget shorter than one candidate stops its folds: STOPPED trials listed, FAILED with TimeBudgetExhausted', async () => {
    // Each candidate needs far longer than the 2 s budget: only a stop in the middle of its folds ends the run in time.
    const id = await forest.start({
      tuning_method: 'grid_search', param_grid: { n_estimators: [3000], min_samples_leaf: [1, 2, 3, 4] },
      cv_folds: 5, time_budget_seconds: 2, parallelism: 2, batch_size: 1,
    });
    const done = await forest.finished(id, 60_000);
    expect(done.body).toMatchObject({ status: 'failed', stop_reason: 'time_budget', error_type: 'TimeBudgetExhausted' });
    expect(done.body.error).toMatch(/time budget of 2 s ran out before any candidate finished/);
    const body = await forest.results(id);
    const trials = await forest.trials(id);
    // The two candidates in flight (parallelism 2, one per batch) were cut short and say so.
    expect(body.stopped_trials).toEqual([0, 1]);
    expect(trials.map((t) => t.state)).toEqual(['STOPPED', 'STOPPED']);
    for (const trial of trials) expect(trial.scores.length).toBeLessThan(5);
  }, 120_000);
});

describe('PATCH /tuning/tune/{id}', () => {
  test('raising n_iter makes the run evaluate the new total, continuing the same candidate list', async () => {
    const id = await forest.start({ ...endless, n_iter: 3, cv_folds: 3, seed: 4 });
    const changed = await forest.patch(id, { n_iter: 6 });
    expect([changed.status, changed.body]).toEqual([200, expect.objectContaining({ n_iter: 6 })]);
    expect((await forest.finished(id)).body).toMatchObject({ status: 'completed', stop_reason: 'n_iter' });
    expect((await forest.results(id)).results.total_combinations).toBe(6);
    const trials = await forest.trials(id);
    expect(trials.map((t) => t.params)).toEqual(createSampler('random_search', { seed: 4 }).suggest(SPACE, [], [], 6, 0));
  }, 120_000);

  test('lowering the time budget stops the run with stop_reason time_budget', async () => {
    const id = await forest.start({ ...endless, cv_folds: 3, time_budget_seconds: 600 });
    expect((await evaluatedAtLeast(forest, id, 2)).body.status).toBe('running');
    const changed = await forest.patch(id, { time_budget_seconds: 1 });
    expect([changed.status, changed.body]).toEqual([200, expect.objectContaining({ time_budget_seconds: 1 })]);
    const done = await forest.finished(id, 60_000);
    expect(done.body).toMatchObject({ status: 'completed', stop_reason: 'time_budget' });
    expect((await forest.results(id)).results.total_combinations).toBeLessThan(ENDLESS);
  }, 120_000);

  test('changing parallelism changes how many evaluateCandidates activities Temporal has in flight', async () => {
    const id = await forest.start(endless);
    const handle = h.env.client.workflow.getHandle(`tuning-run-${id}`);
    const inFlight = async () =>
      ((await handle.describe()).raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'evaluateCandidates').length;
    /** The most batches seen in flight while `more` further candidates are evaluated. */
    const mostInFlightOver = async (more: number) => {
      const target = (await forest.status(id)).body.progress.evaluated + more;
      let most = 0;
      for (;;) {
        most = Math.max(most, await inFlight());
        const { body } = await forest.status(id);
        expect(body.status).toBe('running');
        if (body.progress.evaluated >= target) return most;
      }
    };
    const reach = (count: number) => waitFor(async () => ({ status: 200, body: await inFlight() }), (r) => r.body === count, 60_000);

    await evaluatedAtLeast(forest, id, 1);
    expect(await mostInFlightOver(3)).toBe(1);

    expect((await forest.patch(id, { parallelism: 3 })).body).toMatchObject({ parallelism: 3 });
    await reach(3);
    expect(await mostInFlightOver(4)).toBe(3);

    expect((await forest.patch(id, { parallelism: 1 })).body).toMatchObject({ parallelism: 1 });
    await reach(1);
    expect(await mostInFlightOver(3)).toBe(1);

    expect((await forest.cancel(id)).status).toBe(202);
    expect((await forest.finished(id)).body).toMatchObject({ status: 'failed', error_type: 'Cancelled' });
  }, 120_000);
});
