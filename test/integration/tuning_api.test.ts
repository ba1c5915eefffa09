/**
 * End to end through real HTTP, a real Temporal dev server and the real PostgreSQL:
 * grid and random search, failures, validation, authorization and cascade delete.
 */
import { call, closedWorkflow, completedModelRun, startHarness, waitFor, type Harness } from './harness';

const SEED_GRID = {
  n_estimators: [50, 100, 200],
  max_depth: [5, 10, null],
  min_samples_split: [2, 5],
  min_samples_leaf: [1, 2],
};
const SEED_RESULT_FIELDS = ['all_results', 'best_score', 'cv_folds', 'error', 'scoring_metric', 'total_combinations', 'tuning_method', 'tuning_time'];

let h: Harness;
let modelRunId: string;

beforeAll(async () => {
  h = await startHarness({ maxGridSize: 500 });
  ({ modelRunId } = await completedModelRun(h));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const tune = (body: Record<string, unknown>, token: string | null = h.token) =>
  call(h, 'POST', '/tuning/tune', { token, body: { model_run_id: modelRunId, ...body } });

const finished = (id: string, token = h.token) =>
  waitFor(
    () => call(h, 'GET', `/tuning/tune/${id}/status`, { token }),
    (r) => r.body.status !== 'running',
    240_000,
  );

describe('grid search end to end', () => {
  let tuningRunId: string;
  let results: any;

  beforeAll(async () => {
    const started = await tune({ tuning_method: 'grid_search', param_grid: SEED_GRID, cv_folds: 5, scoring: 'accuracy' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', tuning_method: 'grid_search', total_candidates: 36 });
    tuningRunId = started.body.tuning_run_id;
    expect(started.body.workflow_id).toBe(`tuning-run-${tuningRunId}`);
    const status = await finished(tuningRunId);
    expect(status.body.status).toBe('completed');
    results = (await call(h, 'GET', `/tuning/tune/${tuningRunId}/results`, { token: h.token })).body;
  }, 900_000);

  test('ends COMPLETED with the seed result shape and 36 combinations', () => {
    expect(results.status).toBe('completed');
    expect(Object.keys(results.results).sort()).toEqual(SEED_RESULT_FIELDS);
    expect(results.results).toMatchObject({ total_combinations: 36, cv_folds: 5, scoring_metric: 'accuracy', tuning_method: 'grid_search', error: null });
    expect(results.results.tuning_time).toBeGreaterThan(0);
    const all = results.results.all_results;
    expect(all).toHaveLength(20);
    for (const entry of all) {
      expect(Object.keys(entry).sort()).toEqual(['mean_score', 'params', 'rank', 'scores', 'std_score']);
      expect(entry.scores).toHaveLength(5);
      expect(Object.keys(entry.params).sort()).toEqual(Object.keys(SEED_GRID).sort());
    }
    // Ranked best first, like scikit-learn's rank_test_score.
    expect(all[0].rank).toBe(1);
    for (let i = 1; i < all.length; i++) expect(all[i].mean_score).toBeLessThanOrEqual(all[i - 1].mean_score);
    expect(results.results.best_score).toBe(all[0].mean_score);
    expect(results.best_params).toEqual(all[0].params);
    // breast_cancer with a random forest: scikit-learn reaches about 0.96.
    expect(results.results.best_score).toBeGreaterThan(0.94);
  });

  test('status reports the finished progress and the trial history has every candidate', async () => {
    const status = await call(h, 'GET', `/tuning/tune/${tuningRunId}/status`, { token: h.token });
    expect(status.body).toMatchObject({ status: 'completed', n_iterations: 36, progress: { evaluated: 36, total: 36 } });
    expect(status.body.started_at).not.toBeNull();
    expect(status.body.completed_at).not.toBeNull();
    const trials = await call(h, 'GET', `/tuning/tune/${tuningRunId}/trials`, { token: h.token });
    expect(trials.body.trials).toHaveLength(36);
    expect(trials.body.trials.every((t: any) => t.state === 'COMPLETE' && t.scores.length === 5)).toBe(true);
  });

  test('the workflow is visible in Temporal with its search attributes', async () => {
    const description = await closedWorkflow(h, `tuning-run-${tuningRunId}`);
    expect(description.status.name).toBe('COMPLETED');
    const attributes = description.searchAttributes as Record<string, unknown[]>;
    expect(attributes.TuningRunId).toEqual([tuningRunId]);
    expect(attributes.TuningStatus).toEqual(['completed']);
    expect(attributes.TuningMethod).toEqual(['grid_search']);
    expect((attributes.BestScore as number[])[0]).toBeCloseTo(results.results.best_score, 10);
  });

  test('a duplicate workflow start for the same run is rejected', async () => {
    const { startTuningWorkflow } = await import('../../src/temporal/start');
    await expect(
      startTuningWorkflow(h.env.client, h.config, { tuningRunId, config: { tuning_method: 'grid_search' } as never }, { modelRunId, userId: 'x', modelType: 'random_forest' }),
    ).rejects.toThrow(/already started|exists/i);
  });

  test('listing filters by status and the best run is the highest best_score', async () => {
    const completed = await call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?status=completed`, { token: h.token });
    expect(completed.status).toBe(200);
    expect(completed.body.map((r: any) => r.tuning_run_id)).toContain(tuningRunId);
    expect(completed.body.every((r: any) => r.status === 'completed')).toBe(true);
    const best = await call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs/best`, { token: h.token });
    expect(best.status).toBe(200);
    const top = Math.max(...completed.body.map((r: any) => r.best_score));
    expect(best.body.results.best_score).toBe(top);
  });
});

describe('random search', () => {
  const space = {
    n_estimators: { type: 'int', low: 5, high: 30 },
    max_depth: { type: 'int', low: 2, high: 12 },
    max_features: { type: 'categorical', choices: ['sqrt', 'log2', 0.5] },
  };

  test('is reproducible by seed', async () => {
    const runs = [];
    for (const seed of [7, 7, 8]) {
      const started = await tune({ tuning_method: 'random_search', param_distributions: space, n_iter: 6, cv_folds: 3, seed });
      expect(started.status).toBe(202);
      runs.push(started.body.tuning_run_id);
    }
    const results = [];
    for (const id of runs) {
      expect((await finished(id)).body.status).toBe('completed');
      results.push((await call(h, 'GET', `/tuning/tune/${id}/results`, { token: h.token })).body.results);
    }
    expect(results[0].total_combinations).toBe(6);
    const strip = (r: any) => r.all_results.map(({ params, scores }: any) => ({ params, scores }));
    expect(strip(results[1])).toEqual(strip(results[0]));
    expect(strip(results[2])).not.toEqual(strip(results[0]));
    for (const entry of results[0].all_results) {
      expect(entry.params.n_estimators).toBeGreaterThanOrEqual(5);
      expect(entry.params.n_estimators).toBeLessThanOrEqual(30);
      expect(['sqrt', 'log2', 0.5]).toContain(entry.params.max_features);
    }
  }, 600_000);
});

describe('failures', () => {
  test('an estimator that rejects a sampled combination ends the run FAILED with error and error_type', async () => {
    // Each value is valid alone (the API checks every value before 202); together they are not.
    const started = await tune({
      tuning_method: 'random_search',
      param_distributions: { bootstrap: { type: 'categorical', choices: [false] }, max_samples: { type: 'float', low: 0.5, high: 0.9 } },
      n_iter: 3,
      cv_folds: 3,
    });
    expect(started.status).toBe(202);
    const status = await finished(started.body.tuning_run_id);
    expect(status.body.status).toBe('failed');
    expect(status.body.error).toMatch(/max_samples/);
    const results = await call(h, 'GET', `/tuning/tune/${started.body.tuning_run_id}/results`, { token: h.token });
    expect(results.body.best_params).toBeNull();
    expect(results.body.results).toEqual({ error: expect.stringMatching(/max_samples: cannot be set when bootstrap is false/), error_type: 'InvalidInputError' });
    const description = await closedWorkflow(h, `tuning-run-${started.body.tuning_run_id}`);
    expect(description.status.name).toBe('FAILED');
  }, 300_000);

  test('results of a running run say so with the status', async () => {
    // Far more candidates than can finish between the start and the read: the run is certainly running.
    const started = await tune({
      tuning_method: 'random_search',
      param_distributions: { max_depth: { type: 'int', low: 2, high: 12 } },
      n_iter: 5000,
      batch_size: 1,
      parallelism: 1,
    });
    const id = started.body.tuning_run_id;
    const results = await call(h, 'GET', `/tuning/tune/${id}/results`, { token: h.token });
    expect(results.status).toBe(200);
    expect(results.body).toMatchObject({ status: 'running', best_params: null, results: null, detail: expect.stringMatching(/still running/) });
    expect((await call(h, 'POST', `/tuning/tune/${id}/cancel`, { token: h.token, body: {} })).status).toBe(202);
    expect((await finished(id)).body).toMatchObject({ status: 'failed', error_type: 'Cancelled' });
  }, 300_000);
});

describe('validation', () => {
  const grid = { tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] } };

  test.each([
    ['wrong method', { tuning_method: 'annealing' }, 'tuning_method'],
    ['unknown scoring', { ...grid, scoring: 'accurracy' }, 'scoring'],
    ['regression scoring on a classifier', { ...grid, scoring: 'r2' }, 'scoring'],
    ['unknown parameter', { tuning_method: 'grid_search', param_grid: { max_dept: [2] } }, 'param_grid.max_dept'],
    ['bad grid value', { tuning_method: 'grid_search', param_grid: { min_samples_leaf: [0] } }, 'param_grid.min_samples_leaf[0]'],
    ['grid without param_grid', { tuning_method: 'grid_search' }, 'param_grid'],
    ['grid above the size limit', { tuning_method: 'grid_search', param_grid: { max_depth: [1, 2, 3, 4, 5, 6, 7, 8], min_samples_leaf: [1, 2, 3, 4, 5, 6, 7, 8], n_estimators: [1, 2, 3, 4, 5, 6, 7, 8] } }, 'param_grid'],
    ['low above high', { tuning_method: 'random_search', param_distributions: { max_depth: { type: 'int', low: 5, high: 2 } } }, 'param_distributions.max_depth'],
    ['log with low <= 0', { tuning_method: 'bayesian', param_distributions: { min_impurity_decrease: { type: 'float', low: 0, high: 1, log: true } } }, 'param_distributions.min_impurity_decrease'],
    ['too few folds', { ...grid, cv_folds: 1 }, 'cv_folds'],
    ['unknown field', { ...grid, colour: 'blue' }, '(body)'],
  ])('%s answers 422 naming the field', async (_name, body, field) => {
    const response = await tune(body);
    expect(response.status).toBe(422);
    expect(response.body.detail.map((d: { field: string }) => d.field)).toContain(field);
    expect(response.body.error).toEqual(expect.any(String));
  });

  test('an unknown model run answers 404', async () => {
    const response = await call(h, 'POST', '/tuning/tune', {
      token: h.token,
      body: { ...grid, model_run_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(response.status).toBe(404);
  });

  test('a model run that is not COMPLETED answers 409 and starts nothing', async () => {
    const experiments = await call(h, 'GET', '/experiments', { token: h.token });
    const modelRun = await call(h, 'POST', '/model-runs', {
      token: h.token,
      // Valid on its own, but the data set has 30 features: the fit fails and the run ends FAILED.
      body: { experiment_id: experiments.body[0].id, model_type: 'random_forest', hyperparameters: { max_features: 1000 } },
    });
    expect(modelRun.status).toBe(202);
    const failed = await waitFor(() => call(h, 'GET', `/model-runs/${modelRun.body.id}`, { token: h.token }), (r) => r.body.status !== 'running');
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error.error).toMatch(/max_features/);
    const response = await call(h, 'POST', '/tuning/tune', { token: h.token, body: { ...grid, model_run_id: modelRun.body.id } });
    expect(response.status).toBe(409);
    const runs = await call(h, 'GET', `/model-runs/${modelRun.body.id}/tuning-runs`, { token: h.token });
    expect(runs.body).toEqual([]);
  }, 120_000);

  test('malformed JSON answers 400', async () => {
    const res = await fetch(`${h.baseUrl}/tuning/tune`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: '{"model_run_id": ',
    });
    expect(res.status).toBe(400);
  });
});

describe('users and authorization', () => {
  let ids: { datasetId: string; experimentId: string; modelRunId: string; tuningRunId: string };

  beforeAll(async () => {
    const own = await completedModelRun(h, { sample: 'iris', modelType: 'decision_tree', hyperparameters: {} });
    const started = await call(h, 'POST', '/tuning/tune', {
      token: h.token,
      body: { model_run_id: own.modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] }, cv_folds: 3 },
    });
    ids = { ...own, tuningRunId: started.body.tuning_run_id };
    await finished(ids.tuningRunId);
  }, 300_000);

  const endpoints = (): [string, string, unknown?][] => [
    ['GET', '/datasets'],
    ['GET', `/datasets/${ids.datasetId}`],
    ['POST', '/datasets', { sample: 'iris' }],
    ['GET', '/datasets/samples'],
    ['GET', '/experiments'],
    ['GET', `/experiments/${ids.experimentId}`],
    ['POST', '/experiments', { name: 'x', dataset_id: ids.datasetId }],
    ['GET', `/model-runs/${ids.modelRunId}`],
    ['POST', '/model-runs', { experiment_id: ids.experimentId, model_type: 'decision_tree' }],
    ['GET', `/model-runs/${ids.modelRunId}/tuning-runs`],
    ['GET', `/model-runs/${ids.modelRunId}/tuning-runs/best`],
    ['DELETE', `/model-runs/${ids.modelRunId}`],
    ['POST', '/tuning/tune', { model_run_id: ids.modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [2] } }],
    ['GET', `/tuning/tune/${ids.tuningRunId}/status`],
    ['GET', `/tuning/tune/${ids.tuningRunId}/results`],
    ['GET', `/tuning/tune/${ids.tuningRunId}/trials`],
  ];

  test('every endpoint answers 401 without a token or with a bad one', async () => {
    for (const [method, path, body] of endpoints()) {
      expect([method, path, (await call(h, method, path, { token: null, body })).status]).toEqual([method, path, 401]);
      expect([method, path, (await call(h, method, path, { token: 'tr_not-a-token', body })).status]).toEqual([method, path, 401]);
    }
  });

  test("another user's resources answer 404 like missing ones, on every endpoint that names one", async () => {
    for (const [method, path, body] of endpoints()) {
      const named = Object.values(ids).some((id) => path.includes(id) || JSON.stringify(body ?? {}).includes(id));
      if (!named) continue;
      const response = await call(h, method, path, { token: h.otherToken, body });
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    // ...and lists show nothing of the other user's.
    expect((await call(h, 'GET', '/datasets', { token: h.otherToken })).body).toEqual([]);
    expect((await call(h, 'GET', '/experiments', { token: h.otherToken })).body).toEqual([]);
    // The owner still sees everything (the 404s above were not a deletion).
    expect((await call(h, 'GET', `/tuning/tune/${ids.tuningRunId}/status`, { token: h.token })).status).toBe(200);
  });
});

describe('cascade delete', () => {
  test('deleting a model run deletes its tuning runs', async () => {
    const own = await completedModelRun(h, { sample: 'wine', modelType: 'decision_tree', hyperparameters: {} });
    const started = await call(h, 'POST', '/tuning/tune', {
      token: h.token,
      body: { model_run_id: own.modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] }, cv_folds: 3 },
    });
    await finished(started.body.tuning_run_id);
    const connection = h.db.orm.em.getConnection();
    const count = async () =>
      Number((await connection.execute('select count(*)::int as n from tuning_runs where model_run_id = ?', [own.modelRunId]))[0].n);
    expect(await count()).toBe(1);
    expect((await call(h, 'DELETE', `/model-runs/${own.modelRunId}`, { token: h.token })).status).toBe(204);
    expect(await count()).toBe(0);
    expect((await call(h, 'GET', `/tuning/tune/${started.body.tuning_run_id}/status`, { token: h.token })).status).toBe(404);
    expect((await call(h, 'GET', `/model-runs/${own.modelRunId}`, { token: h.token })).status).toBe(404);
  }, 300_000);
});
