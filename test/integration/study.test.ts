/**
 * Client-evaluated studies through real HTTP, Temporal and PostgreSQL: a model run registered for
 * code that lives elsewhere, trials asked for and told by the test itself (the "client"),
 * idempotent suggestions and completions, pruning answers, stale trials failed by the workflow's
 * timer and handed out again, and the seed's results shape with a minimised objective.
 */
import { TuningClient } from '../../clients/typescript';
import { call, startHarness, waitFor, type Harness } from './harness';

let h: Harness;
let modelRunId: string;

beforeAll(async () => {
  h = await startHarness();
  const dataset = await call(h, 'POST', '/datasets', { token: h.token, body: { name: 'lives elsewhere', uri: 's3://bucket/train.parquet', task_type: 'regression' } });
  expect(dataset.status).toBe(201);
  expect(dataset.body).toMatchObject({ uri: 's3://bucket/train.parquet', n_samples: 0 });
  const experiment = await call(h, 'POST', '/experiments', { token: h.token, body: { name: 'external', dataset_id: dataset.body.id } });
  const modelRun = await call(h, 'POST', '/model-runs', {
    token: h.token,
    body: { experiment_id: experiment.body.id, model_type: 'external', hyperparameters: { x: 0 }, scoring: 'loss', model_artifact_path: 's3://bucket/model.bin' },
  });
  expect(modelRun.status).toBe(201);
  expect(modelRun.body).toMatchObject({ status: 'completed', model_type: 'external' });
  modelRunId = modelRun.body.id;
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const post = (path: string, body: unknown = {}) => call(h, 'POST', path, { token: h.token, body });
const status = (id: string) => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token });

async function startStudy(extra: Record<string, unknown>): Promise<string> {
  const started = await post('/tuning/tune', {
    model_run_id: modelRunId,
    evaluation: 'client',
    tuning_method: 'random_search',
    param_distributions: { x: { type: 'float', low: -5, high: 5 }, kind: { type: 'categorical', choices: ['a', 'b'] } },
    n_iter: 6,
    seed: 1,
    ...extra,
  });
  expect(started.status).toBe(202);
  return started.body.tuning_run_id;
}

const objective = (params: Record<string, any>) => (params.x - 1) ** 2 + (params.kind === 'a' ? 0 : 0.5);

test('a minimised study: suggest is idempotent per client, completions are acknowledged once, results rank lowest first', async () => {
  const id = await startStudy({ direction: 'minimize' });
  const first = await post(`/tuning/tune/${id}/suggest`, { count: 2, client_id: 'client-a' });
  expect(first.status).toBe(200);
  expect(first.body.trials.map((t: any) => t.number)).toEqual([0, 1]);
  // The same client asking again gets its own open trials back, not new ones.
  const again = await post(`/tuning/tune/${id}/suggest`, { count: 2, client_id: 'client-a' });
  expect(again.body.trials).toEqual(first.body.trials);
  // Another client gets other trials.
  const other = await post(`/tuning/tune/${id}/suggest`, { count: 1, client_id: 'client-b' });
  expect(other.body.trials.map((t: any) => t.number)).toEqual([2]);

  const told = await post(`/tuning/tune/${id}/trials/0/complete`, { value: objective(first.body.trials[0].params) });
  expect(told.status).toBe(200);
  expect(told.body).toMatchObject({ number: 0, state: 'COMPLETE' });
  // A repeated completion is answered the same; a different one is refused; a trial never handed out too.
  expect((await post(`/tuning/tune/${id}/trials/0/complete`, { value: objective(first.body.trials[0].params) })).body).toEqual(told.body);
  expect((await post(`/tuning/tune/${id}/trials/0/complete`, { value: 123 })).status).toBe(409);
  expect((await post(`/tuning/tune/${id}/trials/99/complete`, { value: 1 })).status).toBe(409);
  expect((await post(`/tuning/tune/${id}/trials/1/complete`, {})).status).toBe(422);
  expect((await post(`/tuning/tune/${id}/trials/1/heartbeat`)).body).toEqual({ state: 'RUNNING' });
  expect((await post(`/tuning/tune/${id}/trials/0/heartbeat`)).body).toEqual({ state: 'COMPLETE' });
  await post(`/tuning/tune/${id}/trials/1/complete`, { scores: [objective(first.body.trials[1].params), objective(first.body.trials[1].params)] });
  await post(`/tuning/tune/${id}/trials/2/complete`, { state: 'INFEASIBLE', reason: 'x out of the physical range' });

  // The rest of the budget: each completion also asks for the client's next trial (one round trip).
  let next = (await post(`/tuning/tune/${id}/suggest`, { client_id: 'client-a' })).body;
  expect(next.trials.map((t: any) => t.number)).toEqual([3]);
  const badNext = await post(`/tuning/tune/${id}/trials/3/complete`, { value: 0, next: { count: 0, client_id: 'client-a' } });
  expect([badNext.status, badNext.body.detail?.[0]?.field]).toEqual([422, 'next.count']);
  const completion = { value: objective(next.trials[0].params), next: { client_id: 'client-a' } };
  const toldAndAsked = await post(`/tuning/tune/${id}/trials/3/complete`, completion);
  expect(toldAndAsked.body).toMatchObject({ number: 3, state: 'COMPLETE', next: { trials: [{ number: 4 }], done: false } });
  // Repeated, it answers the same: the same acknowledgement, and the client's trial still open.
  expect((await post(`/tuning/tune/${id}/trials/3/complete`, completion)).body).toEqual(toldAndAsked.body);
  next = toldAndAsked.body.next;
  while (!next.done) {
    const [trial] = next.trials;
    next = (await post(`/tuning/tune/${id}/trials/${trial.number}/complete`, { value: objective(trial.params), next: { client_id: 'client-a' } })).body.next;
  }
  const done = await waitFor(() => status(id), (r) => r.body.status !== 'running', 60_000);
  expect(done.body.status).toBe('completed');
  const { body } = await call(h, 'GET', `/tuning/tune/${id}/results`, { token: h.token });
  const values = body.results.all_results.map((r: any) => r.mean_score);
  expect(values).toEqual([...values].sort((a: number, b: number) => a - b));
  expect(body.results.best_score).toBe(values[0]);
  expect(body.results).toMatchObject({ total_combinations: 6, scoring_metric: 'loss', tuning_method: 'random_search' });
  const trials = (await call(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token })).body.trials;
  expect(trials.map((t: any) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'FAILED', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
  expect(trials[2].error).toMatch(/infeasible: x out of the physical range/);
  // The trial list pages by number.
  const page = (await call(h, 'GET', `/tuning/tune/${id}/trials?offset=2&limit=3`, { token: h.token })).body.trials;
  expect(page.map((t: any) => t.number)).toEqual([2, 3, 4]);
  expect((await call(h, 'GET', `/tuning/tune/${id}/trials?limit=0`, { token: h.token })).status).toBe(422);
  // The study is over: a suggestion says there is nothing left, a completion is refused.
  expect((await post(`/tuning/tune/${id}/suggest`, { client_id: 'client-a' })).body).toEqual({ trials: [], done: true });
  expect((await post(`/tuning/tune/${id}/trials/5/complete`, { value: 0 })).status).toBe(409);
}, 120_000);

test('a trial whose client goes silent becomes FAILED (stale) by the workflow\'s timer, and its parameters are handed out again', async () => {
  const id = await startStudy({ n_iter: 2, trial_timeout_seconds: 2, retry_failed_trials: true });
  const lost = (await post(`/tuning/tune/${id}/suggest`, { client_id: 'dies' })).body.trials[0];
  // The trial is failed without any call from anyone.
  await waitFor(
    () => call(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token }),
    (r) => r.body.trials.some((t: any) => t.number === lost.number && t.state === 'FAILED'),
    30_000,
  );
  // A second client finishes the study, getting the lost trial's parameters again under a new number.
  const handed: any[] = [];
  for (;;) {
    const next = await post(`/tuning/tune/${id}/suggest`, { client_id: 'survivor' });
    if (next.body.done) break;
    for (const trial of next.body.trials) {
      handed.push(trial);
      await post(`/tuning/tune/${id}/trials/${trial.number}/complete`, { value: objective(trial.params) });
    }
  }
  expect(handed.some((t) => t.number !== lost.number && JSON.stringify(t.params) === JSON.stringify(lost.params))).toBe(true);
  const done = await waitFor(() => status(id), (r) => r.body.status !== 'running', 60_000);
  expect(done.body.status).toBe('completed');
  const trials = (await call(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token })).body.trials;
  expect(trials.find((t: any) => t.number === lost.number).error).toMatch(/stale: no sign of life from client dies/);
}, 120_000);

test('intermediate values get a pruning answer from the run\'s pruner', async () => {
  const id = await startStudy({ n_iter: 8, pruner: 'median' });
  // Five complete trials with steady curves, then one far below them.
  for (let i = 0; i < 5; i++) {
    const [trial] = (await post(`/tuning/tune/${id}/suggest`, { client_id: 'c' })).body.trials;
    for (let step = 0; step < 3; step++) {
      expect((await post(`/tuning/tune/${id}/trials/${trial.number}/report`, { step, value: 0.8 + step * 0.01 })).body).toEqual({ should_prune: false });
    }
    await post(`/tuning/tune/${id}/trials/${trial.number}/complete`, { value: 0.82 });
  }
  const [poor] = (await post(`/tuning/tune/${id}/suggest`, { client_id: 'c' })).body.trials;
  expect((await post(`/tuning/tune/${id}/trials/${poor.number}/report`, { step: 0, value: 0.1 })).body).toEqual({ should_prune: false }); // warm-up step
  expect((await post(`/tuning/tune/${id}/trials/${poor.number}/report`, { step: 1, value: 0.1 })).body).toEqual({ should_prune: true });
  expect((await post(`/tuning/tune/${id}/trials/${poor.number}/complete`, { state: 'PRUNED' })).body).toMatchObject({ state: 'PRUNED', value: 0.1 });
  await post(`/tuning/tune/${id}/cancel`, {});
  const done = await waitFor(() => status(id), (r) => r.body.status !== 'running', 60_000);
  expect(done.body).toMatchObject({ status: 'failed', error_type: 'Cancelled' });
}, 120_000);

test('bayesian studies suggest from the client\'s completed trials; built-in runs and external models do not mix', async () => {
  const id = await startStudy({ tuning_method: 'bayesian', n_iter: 13 });
  const seen: any[] = [];
  for (;;) {
    const next = await post(`/tuning/tune/${id}/suggest`, { count: 3, client_id: 'c' });
    if (next.body.done) break;
    for (const trial of next.body.trials) {
      seen.push(trial);
      await post(`/tuning/tune/${id}/trials/${trial.number}/complete`, { value: -objective(trial.params) });
    }
  }
  expect(seen).toHaveLength(13);
  expect((await waitFor(() => status(id), (r) => r.body.status !== 'running', 60_000)).body.status).toBe('completed');
  // Past TPE's 10 start-up trials it leans towards the optimum (x = 1, kind a).
  const late = seen.slice(10);
  expect(late.filter((t) => t.params.kind === 'a').length).toBeGreaterThanOrEqual(2);

  const refused = await post('/tuning/tune', { model_run_id: modelRunId, tuning_method: 'random_search', param_distributions: { x: { type: 'float', low: 0, high: 1 } } });
  expect(refused.status).toBe(422);
  expect(refused.body.detail[0].field).toBe('evaluation');
}, 120_000);

test('the TypeScript client tunes a function with several concurrent workers', async () => {
  const client = new TuningClient(h.baseUrl, h.token);
  const study = await client.createStudy({
    name: 'quadratic',
    tuning_method: 'bayesian',
    param_distributions: { x: { type: 'float', low: -5, high: 5 } },
    n_iter: 14,
    direction: 'minimize',
    seed: 3,
  });
  let calls = 0;
  await study.optimize(
    async (trial) => {
      calls++;
      return ((trial.params.x as number) - 1) ** 2;
    },
    { concurrency: 3 },
  );
  expect(calls).toBe(14);
  const done = await waitFor(() => status(study.id), (r) => r.body.status !== 'running', 60_000);
  expect(done.body.status).toBe('completed');
  const { results, best_params } = await study.results();
  expect(results).toMatchObject({ total_combinations: 14 });
  expect(Math.abs((best_params!.x as number) - 1)).toBeLessThan(2);
  await expect(client.request('POST', `/tuning/tune/${study.id}/trials/0/complete`, { value: 1e6 })).rejects.toThrow(/^409/);
}, 120_000);
