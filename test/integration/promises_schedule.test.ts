/**
 * Scheduled re-tuning fired by the schedule's own interval (never by POST .../trigger), through
 * real HTTP, a real Temporal dev server and the real PostgreSQL: each scheduled run is a bayesian
 * run warm-started from the model run's best earlier run, and its sampler uses that run's trials.
 *
 * The API's shortest interval is 60 s, so this file waits about a minute for the second action.
 */
import { createSampler, warmStartHistory, type SearchSpace, type Trial } from '../../src/ml/search';
import { call, completedModelRun, startHarness, samplerTrial, tuningCalls, waitFor, type Harness } from './harness';

let h: Harness;
let modelRunId: string;
let tree: ReturnType<typeof tuningCalls>;

beforeAll(async () => {
  h = await startHarness();
  ({ modelRunId } = await completedModelRun(h, { modelType: 'decision_tree', hyperparameters: {} }));
  tree = tuningCalls(h, modelRunId);
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const SPACE: SearchSpace = {
  max_depth: { type: 'int', low: 2, high: 10 },
  min_samples_leaf: { type: 'int', low: 1, high: 60, log: true },
  criterion: { type: 'categorical', choices: ['gini', 'entropy'] },
};
const INTERVAL_SECONDS = 60;

test('a schedule fires on its interval, and its second run is a bayesian child warm-started from the best earlier run', async () => {
  // An earlier, weak run (decision stumps) of the same scoring and folds: the first scheduled run's parent.
  const stumpId = await tree.start({ tuning_method: 'grid_search', param_grid: { max_depth: [1] }, cv_folds: 3 });
  expect((await tree.finished(stumpId)).body).toMatchObject({ status: 'completed' });

  // The interval's phase puts the first action a few seconds from now; the second follows INTERVAL_SECONDS later.
  const firstAction = Math.ceil(Date.now() / 1000) + 5;
  const created = await call(h, 'POST', '/tuning/schedules', {
    token: h.token,
    body: {
      model_run_id: modelRunId,
      tuning_method: 'bayesian',
      param_distributions: SPACE,
      // 12 trials: past TPE's 10 start-up trials, so a child warm-started from them is model-based at once.
      n_iter: 12,
      batch_size: 4,
      parallelism: 1,
      cv_folds: 3,
      seed: 3,
      interval_seconds: INTERVAL_SECONDS,
      offset_seconds: firstAction % INTERVAL_SECONDS,
    },
  });
  expect(created.status).toBe(201);
  const scheduleId = created.body.id;

  const schedule = () => call(h, 'GET', `/tuning/schedules/${scheduleId}`, { token: h.token });
  const fired = await waitFor(schedule, (r) => r.body.runs?.length >= 2 && r.body.runs[0].status !== 'running', 110_000);
  // Stop before a third action; the two runs are all this test needs.
  expect((await call(h, 'DELETE', `/tuning/schedules/${scheduleId}`, { token: h.token })).status).toBe(204);

  // Two actions taken on the interval, none by a trigger.
  const actions = fired.body.info.recent_actions.map((a: { scheduled_at: string }) => Date.parse(a.scheduled_at));
  expect(actions).toHaveLength(2);
  expect(actions[1] - actions[0]).toBe(INTERVAL_SECONDS * 1000);
  expect(fired.body.info.num_actions_taken).toBe(2);

  const [second, first] = fired.body.runs; // newest first
  for (const run of [first, second]) {
    expect(run).toMatchObject({ tuning_method: 'bayesian', status: 'completed', tags: expect.arrayContaining(['scheduled', `schedule:${scheduleId}`]) });
  }
  expect(first.parent_tuning_run_id).toBe(stumpId);
  // The best earlier run when the second action fired is the first scheduled run, not the stumps.
  const bestScore = async (id: string) => (await tree.results(id)).results.best_score;
  expect(await bestScore(first.tuning_run_id)).toBeGreaterThan(await bestScore(stumpId));
  expect(second.parent_tuning_run_id).toBe(first.tuning_run_id);

  // The second run's first batch is what TPE suggests from the first run's 12 trials.
  const firstTrials = await tree.trials(first.tuning_run_id);
  expect(firstTrials.map((t) => t.state)).toEqual(Array(12).fill('COMPLETE'));
  const suggest = (history: Trial[]) => createSampler('bayesian', { seed: 3, sampler: 'tpe' }).suggest(SPACE, history, [], 4, 0);
  const fromParent = suggest(warmStartHistory(firstTrials.map(samplerTrial), SPACE));
  const secondParams = (await tree.trials(second.tuning_run_id)).slice(0, 4).map((t) => t.params);
  expect(secondParams).toEqual(fromParent);
  expect(fromParent).not.toEqual(suggest([]));
}, 180_000);
