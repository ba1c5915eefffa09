/**
 * The README's search promises, each proven through real HTTP, a real Temporal dev server and the
 * real PostgreSQL: conditional search spaces, warm start (bayesian: the child's sampler uses the
 * parent's trials; grid and random: lineage only), the median and successive-halving pruners, and
 * continue-as-new of a bayesian run. Each test fails if its feature is taken away.
 */
import { createSampler, expandGrid, warmStartHistory, type SearchSpace, type Trial } from '../../src/ml/search';
import { completedModelRun, samplerTrial, startHarness, tuningCalls, type Harness, type TrialView } from './harness';

let h: Harness;
let forest: ReturnType<typeof tuningCalls>;
let tree: ReturnType<typeof tuningCalls>;

beforeAll(async () => {
  h = await startHarness();
  const [forestRun, treeRun] = await Promise.all([
    completedModelRun(h, { sample: 'iris', modelType: 'random_forest', hyperparameters: { n_estimators: 5 } }),
    completedModelRun(h, { sample: 'breast_cancer', modelType: 'decision_tree', hyperparameters: {} }),
  ]);
  forest = tuningCalls(h, forestRun.modelRunId);
  tree = tuningCalls(h, treeRun.modelRunId);
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const TREE_SPACE: SearchSpace = {
  max_depth: { type: 'int', low: 1, high: 10 },
  min_samples_leaf: { type: 'int', low: 1, high: 60, log: true },
  criterion: { type: 'categorical', choices: ['gini', 'entropy'] },
};

const paramsOf = (trials: TrialView[]) => trials.map((t) => t.params);

describe('conditional search spaces', () => {
  // scikit-learn's max_samples only means something with bootstrap, and our forest refuses it
  // without: a conditional parameter sampled when its condition fails would fail the run.
  const FOREST_SPACE = {
    bootstrap: { type: 'categorical', choices: [true, false] },
    max_samples: { type: 'float', low: 0.3, high: 0.9, condition: { param: 'bootstrap', equals: true } },
    max_depth: { type: 'int', low: 1, high: 6 },
  };

  test.each(['random_search', 'bayesian'])('%s: max_samples is in a trial exactly when bootstrap is true', async (method) => {
    // 16 trials in batches of 4: for bayesian, trials 10-15 come from TPE's model, not start-up.
    const id = await forest.start({ tuning_method: method, param_distributions: FOREST_SPACE, n_iter: 16, batch_size: 4, parallelism: 1, cv_folds: 3, seed: 1 });
    expect((await forest.finished(id)).body).toMatchObject({ status: 'completed' });
    const trials = await forest.trials(id);
    expect(trials.map((t) => [t.number, t.state])).toEqual([...Array(16).keys()].map((n) => [n, 'COMPLETE']));
    for (const { params } of trials) expect(['max_samples' in params, params]).toEqual([params.bootstrap === true, params]);
    // Both branches were explored.
    expect(new Set(trials.map((t) => t.params.bootstrap))).toEqual(new Set([true, false]));
  }, 120_000);
});

describe('warm start', () => {
  const bayesian = { tuning_method: 'bayesian', param_distributions: TREE_SPACE, cv_folds: 3, seed: 3, parallelism: 1 };
  let parentId: string;
  let parentTrials: TrialView[];

  beforeAll(async () => {
    // 12 trials: more than TPE's 10 start-up trials, so a child warm-started from them is model-based at once.
    parentId = await tree.start({ ...bayesian, n_iter: 12, batch_size: 4 });
    expect((await tree.finished(parentId)).body).toMatchObject({ status: 'completed' });
    parentTrials = await tree.trials(parentId);
    expect(parentTrials.every((t) => t.state === 'COMPLETE')).toBe(true);
  }, 120_000);

  test("bayesian: the child's first batch is what TPE suggests from the parent's trials", async () => {
    const childId = await tree.start({ ...bayesian, n_iter: 4, batch_size: 4, parent_tuning_run_id: parentId });
    const done = await tree.finished(childId);
    expect(done.body).toMatchObject({ status: 'completed', parent_tuning_run_id: parentId });

    const suggest = (history: Trial[]) => createSampler('bayesian', { seed: 3, sampler: 'tpe' }).suggest(TREE_SPACE, history, [], 4, 0);
    const fromParent = suggest(warmStartHistory(parentTrials.map(samplerTrial), TREE_SPACE));
    const fromNothing = suggest([]);
    // The same computation reproduces the parent's own (history-free) first batch...
    expect(paramsOf(parentTrials.slice(0, 4))).toEqual(fromNothing);
    // ...and the child's first batch is the one that the parent's history leads to.
    expect(paramsOf(await tree.trials(childId))).toEqual(fromParent);
    expect(fromParent).not.toEqual(fromNothing);
  }, 120_000);

  test('grid and random search: parent_tuning_run_id is lineage only, the candidates are those of a run without a parent', async () => {
    const grid = { tuning_method: 'grid_search', param_grid: { max_depth: [2, 4], criterion: ['gini', 'entropy'] }, cv_folds: 3 };
    const random = { tuning_method: 'random_search', param_distributions: TREE_SPACE, n_iter: 6, cv_folds: 3, seed: 3 };
    const [gridChild, gridAlone, randomChild, randomAlone] = await Promise.all([
      tree.start({ ...grid, parent_tuning_run_id: parentId }),
      tree.start(grid),
      tree.start({ ...random, parent_tuning_run_id: parentId }),
      tree.start(random),
    ]);
    for (const id of [gridChild, gridAlone, randomChild, randomAlone]) expect((await tree.finished(id)).body).toMatchObject({ status: 'completed' });
    for (const child of [gridChild, randomChild]) expect((await tree.status(child)).body.parent_tuning_run_id).toBe(parentId);
    const evaluated = async (id: string) => (await tree.trials(id)).map(({ number, params, scores }) => ({ number, params, scores }));
    expect(await evaluated(gridChild)).toEqual(await evaluated(gridAlone));
    expect(await evaluated(randomChild)).toEqual(await evaluated(randomAlone));
    expect(paramsOf(await tree.trials(gridChild))).toEqual(expandGrid(grid.param_grid));
    expect(paramsOf(await tree.trials(randomChild))).toEqual(createSampler('random_search', { seed: 3 }).suggest(TREE_SPACE, [], [], 6, 0));
  }, 120_000);
});

describe('pruners', () => {
  // Random search: the same 30 candidates whatever the pruner, so only the pruning differs.
  const search = { tuning_method: 'random_search', param_distributions: TREE_SPACE, n_iter: 30, cv_folds: 5, seed: 11, batch_size: 5, parallelism: 1 };
  let unpruned: TrialView[];

  beforeAll(async () => {
    const id = await tree.start({ ...search, pruner: 'none' });
    expect((await tree.finished(id)).body).toMatchObject({ status: 'completed' });
    unpruned = await tree.trials(id);
  }, 120_000);

  test.each(['median', 'successive_halving'])('%s records PRUNED trials and fits fewer folds than no pruner', async (pruner) => {
    const id = await tree.start({ ...search, pruner });
    expect((await tree.finished(id)).body).toMatchObject({ status: 'completed' });
    const trials = await tree.trials(id);
    expect(paramsOf(trials)).toEqual(paramsOf(unpruned));
    expect(unpruned.every((t) => t.state === 'COMPLETE' && t.scores.length === 5)).toBe(true);

    const pruned = trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) expect(t.scores.length).toBeLessThan(5);
    for (const t of trials.filter((t) => t.state === 'COMPLETE')) expect(t.scores.length).toBe(5);
    const foldFits = (list: TrialView[]) => list.reduce((sum, t) => sum + t.scores.length, 0);
    expect(foldFits(trials)).toBeLessThan(foldFits(unpruned));
  }, 120_000);
});

describe('continue-as-new', () => {
  test('a bayesian run that continues as new evaluates the same trials as one that does not', async () => {
    const request = { tuning_method: 'bayesian', param_distributions: TREE_SPACE, n_iter: 14, batch_size: 2, parallelism: 1, cv_folds: 3, seed: 5 };
    // The API starts each run with the configured TUNING_HISTORY_EVENT_LIMIT, read at start.
    const configured = h.config.historyEventLimit;
    const startWithLimit = async (historyEventLimit: number) => {
      h.config.historyEventLimit = historyEventLimit;
      try {
        return await tree.start(request);
      } finally {
        h.config.historyEventLimit = configured;
      }
    };
    const undisturbedId = await startWithLimit(10_000);
    const continuedId = await startWithLimit(40);
    for (const id of [undisturbedId, continuedId]) expect((await tree.finished(id)).body).toMatchObject({ status: 'completed' });

    const executions = async (id: string) => {
      const statuses: string[] = [];
      for await (const run of h.env.client.workflow.list({ query: `WorkflowId = 'tuning-run-${id}'` })) statuses.push(run.status.name);
      return statuses;
    };
    expect(await executions(undisturbedId)).toEqual(['COMPLETED']);
    expect(await executions(continuedId)).toContain('CONTINUED_AS_NEW');

    const evaluated = async (id: string) => (await tree.trials(id)).map(({ number, params, state, scores }) => ({ number, params, state, scores }));
    const trials = await evaluated(continuedId);
    expect(trials).toHaveLength(14);
    expect(trials).toEqual(await evaluated(undisturbedId));
  }, 120_000);
});
