/**
 * What a finished run's dashboard reads: the parameter importance stored when the run finished
 * (and equal to what the on-demand path computes), and the trials in their compact columnar form.
 */
import { call, completedModelRun, startHarness, tuningCalls, waitFor, type Harness } from './harness';

let h: Harness;
let modelRunId: string;
let runId: string;

const SPACE = {
  n_estimators: { type: 'int', low: 5, high: 20 },
  max_depth: { type: 'int', low: 2, high: 8 },
  criterion: { type: 'categorical', choices: ['gini', 'entropy'] },
};

const storedRows = async (id: string) =>
  h.db.orm.em.fork().execute<{ n_trials: number; importances: Record<string, number> }[]>('select n_trials, importances from tuning_run_importance where tuning_run_id = ?', [id]);

beforeAll(async () => {
  h = await startHarness();
  ({ modelRunId } = await completedModelRun(h));
  const tuning = tuningCalls(h, modelRunId);
  runId = await tuning.start({ tuning_method: 'random_search', param_distributions: SPACE, n_iter: 8, cv_folds: 3, scoring: 'accuracy', seed: 3 });
  const done = await waitFor(() => tuning.status(runId), (r) => r.body.status !== 'running', 240_000);
  expect(done.body.status).toBe('completed');
}, 600_000);

afterAll(async () => {
  await h?.close();
});

describe('a finished run’s parameter importance', () => {
  test('is stored when the run finishes, served from the table, and equals the on-demand computation', async () => {
    const [stored] = await storedRows(runId);
    const complete = (await tuningCalls(h, modelRunId).trials(runId)).filter((t) => t.state === 'COMPLETE');
    expect(stored.n_trials).toBe(complete.length);
    expect(Object.keys(stored.importances).sort()).toEqual(Object.keys(SPACE).sort());
    const served = await call(h, 'GET', `/tuning/tune/${runId}/importance`, { token: h.token });
    expect(served.body).toEqual({ tuning_run_id: runId, evaluator: 'fanova', n_trials: stored.n_trials, importances: stored.importances });

    // Without the stored row the API computes it on demand (and stores it again).
    await h.db.orm.em.fork().execute('delete from tuning_run_importance where tuning_run_id = ?', [runId]);
    const computed = await call(h, 'GET', `/tuning/tune/${runId}/importance`, { token: h.token });
    expect(computed.body).toEqual(served.body);
    expect(await storedRows(runId)).toEqual([stored]);
  });
});

describe('GET /tuning/tune/{id}/trials?format=columns', () => {
  test('holds the same trials as the default form, a column per field and per parameter', async () => {
    const rows = (await call(h, 'GET', `/tuning/tune/${runId}/trials`, { token: h.token })).body;
    const { body, status } = await call(h, 'GET', `/tuning/tune/${runId}/trials?format=columns`, { token: h.token });
    expect(status).toBe(200);
    expect(body.tuning_run_id).toBe(runId);
    expect(body.status).toBe('completed');
    const c = body.columns;
    expect(Object.keys(c.params).sort()).toEqual(Object.keys(SPACE).sort());
    const rebuilt = c.number.map((number: number, i: number) => ({
      number,
      params: Object.fromEntries(Object.entries(c.params as Record<string, unknown[]>).map(([name, values]) => [name, values[i]])),
      state: c.state[i],
      scores: c.scores[i],
      mean_score: c.mean_score[i],
      std_score: c.std_score[i],
      duration_seconds: c.duration_seconds[i],
      worker: c.worker[i],
      created_at: c.created_at[i],
      ...(c.error[i] === null ? {} : { error: c.error[i] }),
    }));
    expect(rebuilt).toEqual(rows.trials);
  });

  test('pages like the default form and names a bad format', async () => {
    const page = await call(h, 'GET', `/tuning/tune/${runId}/trials?format=columns&offset=2&limit=3`, { token: h.token });
    expect(page.body.columns.number).toEqual([2, 3, 4]);
    const bad = await call(h, 'GET', `/tuning/tune/${runId}/trials?format=rows`, { token: h.token });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('format');
  });
});

describe('deleting the model run', () => {
  test('deletes the run’s stored importance with it', async () => {
    expect(await storedRows(runId)).toHaveLength(1);
    expect((await call(h, 'DELETE', `/model-runs/${modelRunId}`, { token: h.token })).status).toBe(204);
    expect(await storedRows(runId)).toEqual([]);
  });
});
