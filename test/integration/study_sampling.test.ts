/**
 * A bayesian client study samples TPE in its workflow (no activity per suggestion): each trial's
 * parameters are exactly what the sampler gives for every trial closed before it, also after the
 * study has continued as new (a low history limit makes it do so several times), so the history
 * it carries is the whole study; a suggestion too large for a workflow task samples in a local
 * activity instead.
 */
import { TuningClient } from '../../clients/typescript';
import { createSampler, type SearchSpace, type Trial as SamplerTrial } from '../../src/ml/search';
import { call, startHarness, waitFor, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ historyEventLimit: 40 });
}, 300_000);

afterAll(async () => {
  await h?.close();
});

test('each suggestion is the sampler on every closed trial, across continue-as-new', async () => {
  const space: SearchSpace = { x: { type: 'float', low: -5, high: 5 }, depth: { type: 'int', low: 1, high: 8 }, kind: { type: 'categorical', choices: ['a', 'b', 'c'] } };
  const seed = 11;
  const nIter = 40;
  const client = new TuningClient(h.baseUrl, h.token);
  const study = await client.createStudy({ name: 'sampling', tuning_method: 'bayesian', param_distributions: space, n_iter: nIter, seed, trial_timeout_seconds: 6 });
  const score = (params: Record<string, unknown>) => -(((params.x as number) - 1) ** 2) - (params.depth as number) / 4 + (params.kind === 'b' ? 1 : 0);

  // One client, one trial at a time: nothing is pending when a trial is suggested. The study looks
  // at its history on a clock tick (1.5 s with this timeout), so the client takes its time; the
  // timeout leaves room for a loaded machine (at 2 s, a CI run once saw a trial failed as stale).
  const told: SamplerTrial[] = [];
  let next = await study.ask(1, 'only');
  while (!next.done) {
    const [trial] = next.trials;
    const expected = createSampler('bayesian', { seed }).suggest(space, told, [], 1, trial.number)[0];
    expect({ number: trial.number, params: trial.params }).toEqual({ number: told.length, params: expected });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const value = score(trial.params);
    told.push({ number: trial.number, params: trial.params, state: 'COMPLETE', value, intermediateValues: [value] });
    next = await study.tellAndAsk(trial, { value }, 'only');
  }
  expect(told).toHaveLength(nIter);

  const status = await waitFor(() => call(h, 'GET', `/tuning/tune/${study.id}/status`, { token: h.token }), (r) => r.body.status !== 'running', 60_000);
  expect(status.body.status).toBe('completed');
  const runs: string[] = [];
  for await (const execution of h.env.client.workflow.list({ query: `WorkflowId = 'tuning-run-${study.id}'` })) runs.push(execution.status.name);
  expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(2);
}, 180_000);

test('a small suggestion samples in the workflow task, a large one in a local activity', async () => {
  const client = new TuningClient(h.baseUrl, h.token);
  const space: SearchSpace = { a: { type: 'float', low: 0, high: 1 }, b: { type: 'float', low: 0, high: 1 }, c: { type: 'int', low: 1, high: 9 } };
  const study = await client.createStudy({ name: 'sampling-sizes', tuning_method: 'bayesian', param_distributions: space, n_iter: 300, seed: 2 });
  const localActivities = async () => {
    const history = await h.env.client.workflow.getHandle(`tuning-run-${study.id}`).fetchHistory();
    return (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
  };

  const small = await study.ask(2, 'small');
  expect(small.trials).toHaveLength(2);
  expect(await localActivities()).toBe(0);
  // 200 trials of 3 parameters, each seeing those before it as pending: beyond a workflow task's share.
  const large = await study.ask(200, 'large');
  expect(large.trials).toHaveLength(200);
  expect(new Set(large.trials.map((t) => JSON.stringify(t.params))).size).toBe(200);
  expect(await localActivities()).toBe(1);
}, 120_000);
