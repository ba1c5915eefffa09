/**
 * Scheduled re-tuning end to end (real HTTP, the Temporal dev server, the real PostgreSQL): a
 * schedule's actions record tuning runs warm-started from the model run's best completed run and
 * run them as child TuningWorkflows; pause / resume, spec changes, deletion, cascade from the model
 * run, validation and ownership.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { completeTuningRun, createTuningRun } from '../../src/db/tuning_runs';
import { Experiment, ModelRun, ModelRunStatus, TuningSchedule } from '../../src/entities';
import type { TuningWorkflowInput } from '../../src/workflows/types';
import { call, closedWorkflow, completedModelRun, startHarness, waitFor, type Harness } from './harness';

/** Not the default (10,000), so a scheduled run started without it shows. */
const HISTORY_EVENT_LIMIT = 4321;

let h: Harness;
let modelRunId: string;
let experimentId: string;

beforeAll(async () => {
  h = await startHarness({ historyEventLimit: HISTORY_EVENT_LIMIT });
  ({ modelRunId, experimentId } = await completedModelRun(h, { sample: 'iris', modelType: 'decision_tree', hyperparameters: {} }));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const SCHEDULE_GRID = { max_depth: [3, 4, null], criterion: ['gini', 'entropy'] };
/** 4,500 combinations: still evaluating when the test acts on the run. */
const BIG_GRID = { max_depth: Array.from({ length: 30 }, (_, i) => i + 1), min_samples_split: Array.from({ length: 30 }, (_, i) => i + 2), min_samples_leaf: [1, 2, 3, 4, 5] };
const scheduleBody = (extra: Record<string, unknown> = {}) => ({
  model_run_id: modelRunId,
  tuning_method: 'grid_search',
  param_grid: SCHEDULE_GRID,
  cv_folds: 3,
  tags: ['nightly'],
  interval_seconds: 7 * 24 * 3600,
  ...extra,
});
const createSchedule = (body: Record<string, unknown>, token: string | null = h.token) => call(h, 'POST', '/tuning/schedules', { token, body });

const finished = (id: string) =>
  waitFor(
    () => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token }),
    (r) => r.body.status !== 'running',
    240_000,
  );

/** Waits for the schedule's n-th run (by its tag), then for it to finish; returns its status view. */
async function nthScheduledRun(scheduleId: string, n: number) {
  const listed = await waitFor(
    () => call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?tag=${encodeURIComponent(`schedule:${scheduleId}`)}`, { token: h.token }),
    (r) => r.status === 200 && r.body.length >= n,
    120_000,
  );
  expect(listed.body).toHaveLength(n);
  const newest = listed.body[0];
  const status = await finished(newest.tuning_run_id);
  expect(status.body.status).toBe('completed');
  return status.body;
}

/**
 * Runs written straight to the table that a warm start must not pick although their best_score is
 * higher: another metric, other folds; and one still RUNNING.
 */
const decoys = { otherScoring: '', otherFolds: '', lossWorse: '', lossBetter: '', running: '' };

/** Records a run of `modelRun` with its outcome, as a finished workflow would (status RUNNING when no results). */
async function recordRun(modelRun: string, results?: { scoring_metric: string; cv_folds: number; best_score: number }): Promise<string> {
  const config = { tuning_method: 'grid_search', param_grid: { max_depth: [2] }, cv_folds: results?.cv_folds ?? 3, scoring: results?.scoring_metric ?? 'accuracy' };
  const run = await createTuningRun(h.db.orm.em, { modelRunId: modelRun, tuningMethod: 'grid_search', config });
  if (results) {
    const outcome = { ...results, total_combinations: 1, tuning_time: 0.1, tuning_method: 'grid_search', all_results: [], error: null };
    expect(await completeTuningRun(h.db.orm, run.id, { max_depth: 2 }, outcome)).toBe(true);
  }
  return run.id;
}

/** The model run's completed runs comparable with the schedule's (accuracy, 3 folds), best first (ties: newest first). */
async function completedRuns() {
  const list = await call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?status=completed`, { token: h.token });
  return list.body.filter((run: any) => !Object.values(decoys).includes(run.tuning_run_id)).sort((a: any, b: any) => b.best_score - a.best_score || Date.parse(b.created_at) - Date.parse(a.created_at));
}

describe('validation and authorization', () => {
  const expect422 = async (body: Record<string, unknown>, field: string) => {
    const response = await createSchedule(body);
    expect([response.status, response.body.detail?.map((d: any) => d.field)]).toEqual([422, expect.arrayContaining([field])]);
  };

  test('a bad spec answers 422 naming the field', async () => {
    await expect422(scheduleBody({ interval_seconds: undefined, cron: '61 * * * *' }), 'cron');
    await expect422(scheduleBody({ interval_seconds: undefined, cron: 'every day' }), 'cron');
    await expect422(scheduleBody({ interval_seconds: undefined, cron: '0 3 * * MON-FRI *' }), 'cron');
    await expect422(scheduleBody({ interval_seconds: undefined, cron: '@fortnightly' }), 'cron');
    await expect422(scheduleBody({ interval_seconds: 30 }), 'interval_seconds');
    await expect422(scheduleBody({ interval_seconds: 59.5 }), 'interval_seconds');
    await expect422(scheduleBody({ overlap_policy: 'sometimes' }), 'overlap_policy');
    await expect422(scheduleBody({ interval_seconds: undefined }), 'cron');
    await expect422(scheduleBody({ cron: '0 3 * * *' }), 'interval_seconds');
    await expect422(scheduleBody({ interval_seconds: 3600, offset_seconds: 3600 }), 'offset_seconds');
    await expect422(scheduleBody({ interval_seconds: undefined, cron: '@daily', offset_seconds: 60 }), 'offset_seconds');
    await expect422(scheduleBody({ jitter_seconds: -1 }), 'jitter_seconds');
    await expect422(scheduleBody({ paused: 'yes' }), 'paused');
  });

  test('the tuning request is validated like POST /tuning/tune', async () => {
    await expect422(scheduleBody({ param_grid: { no_such_param: [1] } }), 'param_grid.no_such_param');
    await expect422(scheduleBody({ param_grid: undefined }), 'param_grid');
    await expect422(scheduleBody({ tuning_method: 'annealing' }), 'tuning_method');
    await expect422(scheduleBody({ cv_folds: 1 }), 'cv_folds');
    await expect422(scheduleBody({ parent_tuning_run_id: '00000000-0000-4000-8000-000000000000' }), 'parent_tuning_run_id');
    const unknownKey = await createSchedule(scheduleBody({ colour: 'blue' }));
    expect(unknownKey.status).toBe(422);
  });

  test('an unknown or foreign model run answers 404, a model run not completed 409', async () => {
    expect((await createSchedule(scheduleBody({ model_run_id: '00000000-0000-4000-8000-000000000000' }))).status).toBe(404);
    expect((await createSchedule(scheduleBody(), h.otherToken)).status).toBe(404);
    const em = h.db.orm.em.fork();
    const running = em.create(ModelRun, {
      experiment: em.getReference(Experiment, experimentId),
      modelType: 'decision_tree',
      hyperparameters: {},
      cvFolds: 3,
      scoring: 'accuracy',
    });
    await em.flush();
    const response = await createSchedule(scheduleBody({ model_run_id: running.id }));
    expect(response.status).toBe(409);
    expect(await em.fork().count(TuningSchedule, {})).toBe(0);
  });

  test('no token answers 401', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['POST', '/tuning/schedules'],
      ['GET', '/tuning/schedules'],
      ['GET', `/tuning/schedules/${id}`],
      ['PATCH', `/tuning/schedules/${id}`],
      ['DELETE', `/tuning/schedules/${id}`],
      ['POST', `/tuning/schedules/${id}/trigger`],
    ]) {
      expect([method, path, (await call(h, method, path, { token: null, body: method === 'GET' ? undefined : {} })).status]).toEqual([method, path, 401]);
    }
  });
});

describe('a schedule re-tunes its model run', () => {
  let schedule: any;
  let weakRunId: string;
  let strongRunId: string;
  let firstRun: any;

  beforeAll(async () => {
    // Two earlier runs: a stump (iris: about 0.67) and deeper trees (about 0.95).
    const weak = await call(h, 'POST', '/tuning/tune', { token: h.token, body: { model_run_id: modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [1] }, cv_folds: 3 } });
    const strong = await call(h, 'POST', '/tuning/tune', { token: h.token, body: { model_run_id: modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] }, cv_folds: 3 } });
    expect([weak.status, strong.status]).toEqual([202, 202]);
    weakRunId = weak.body.tuning_run_id;
    strongRunId = strong.body.tuning_run_id;
    expect((await finished(weakRunId)).body.status).toBe('completed');
    expect((await finished(strongRunId)).body.status).toBe('completed');
    expect((await completedRuns())[0].tuning_run_id).toBe(strongRunId);
    decoys.otherScoring = await recordRun(modelRunId, { scoring_metric: 'f1_macro', cv_folds: 3, best_score: 0.999 });
    decoys.otherFolds = await recordRun(modelRunId, { scoring_metric: 'accuracy', cv_folds: 5, best_score: 0.999 });
    decoys.lossWorse = await recordRun(modelRunId, { scoring_metric: 'neg_log_loss', cv_folds: 3, best_score: -0.5 });
    decoys.lossBetter = await recordRun(modelRunId, { scoring_metric: 'neg_log_loss', cv_folds: 3, best_score: -0.1 });
    decoys.running = await recordRun(modelRunId);
  }, 300_000);

  test('GET /best: only completed runs with the requested scoring (default: the model run\'s) compete, higher is better', async () => {
    const best = (query = '') => call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs/best${query}`, { token: h.token });
    const byDefault = await best();
    expect([byDefault.status, byDefault.body.tuning_run_id, byDefault.body.results.scoring_metric]).toEqual([200, decoys.otherFolds, 'accuracy']);
    expect((await best('?scoring=accuracy')).body.tuning_run_id).toBe(decoys.otherFolds);
    expect((await best('?scoring=f1_macro')).body.tuning_run_id).toBe(decoys.otherScoring);
    // A loss is negated (scikit-learn's convention), so the best is still the highest score.
    expect((await best('?scoring=neg_log_loss')).body).toMatchObject({ tuning_run_id: decoys.lossBetter, results: { best_score: -0.1 } });
    const none = await best('?scoring=balanced_accuracy');
    expect([none.status, none.body.error]).toEqual([404, expect.stringMatching(/no completed tuning run scored with balanced_accuracy/)]);
    const wrongTask = await best('?scoring=r2');
    expect([wrongTask.status, wrongTask.body.detail?.[0]?.field]).toEqual([422, 'scoring']);
  });

  test('POST /tuning/tune refuses a parent not completed, of another model run, or with another scoring or cv_folds (422 parent_tuning_run_id)', async () => {
    const em = h.db.orm.em.fork();
    const otherModelRun = em.create(ModelRun, {
      experiment: em.getReference(Experiment, experimentId),
      modelType: 'decision_tree',
      hyperparameters: {},
      cvFolds: 3,
      scoring: 'accuracy',
      status: ModelRunStatus.COMPLETED,
    });
    await em.flush();
    const foreignParent = await recordRun(otherModelRun.id, { scoring_metric: 'accuracy', cv_folds: 3, best_score: 0.9 });
    for (const [parent, extra, reason] of [
      [decoys.running, {}, /the parent run is running; only a completed run/],
      [foreignParent, {}, /no tuning run of this model run has that id/],
      [decoys.otherScoring, {}, /scored with f1_macro, this run with accuracy/],
      [decoys.otherScoring, { scoring: 'accuracy' }, /scored with f1_macro, this run with accuracy/],
      [decoys.lossBetter, { scoring: 'f1_macro' }, /scored with neg_log_loss, this run with f1_macro/],
      [decoys.otherFolds, {}, /used 5-fold CV, this run 3-fold/],
      [strongRunId, { cv_folds: 5 }, /used 3-fold CV, this run 5-fold/],
    ] as const) {
      const response = await call(h, 'POST', '/tuning/tune', {
        token: h.token,
        body: { model_run_id: modelRunId, tuning_method: 'grid_search', param_grid: { max_depth: [2] }, cv_folds: 3, parent_tuning_run_id: parent, ...extra },
      });
      expect([response.status, response.body.detail?.[0]?.field]).toEqual([422, 'parent_tuning_run_id']);
      expect(response.body.detail[0].reason).toMatch(reason);
    }
    expect((await call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?status=running`, { token: h.token })).body.map((r: any) => r.tuning_run_id)).toEqual([decoys.running]);
  });

  test('POST creates the Temporal schedule and the row', async () => {
    const created = await createSchedule(scheduleBody({ note: 'weekly re-tune', jitter_seconds: 30 }));
    expect(created.status).toBe(201);
    schedule = created.body;
    expect(schedule).toMatchObject({
      model_run_id: modelRunId,
      schedule_id: `tuning-schedule-${schedule.id}`,
      spec: { interval_seconds: 604800, jitter_seconds: 30, overlap_policy: 'skip' },
      config: { tuning_method: 'grid_search', param_grid: SCHEDULE_GRID, cv_folds: 3, n_iter: 6 },
      tags: ['nightly'],
      state: { paused: false, note: 'weekly re-tune' },
      runs: [],
    });
    // Temporal's info is null only when describing takes over 2 s.
    const got = await call(h, 'GET', `/tuning/schedules/${schedule.id}`, { token: h.token });
    expect(got.body).toMatchObject({ id: schedule.id, spec: schedule.spec, state: { paused: false, note: 'weekly re-tune' }, tags: ['nightly'] });
    expect(got.body.info.next_action_times.length).toBeGreaterThan(0);
    expect(got.body.info.recent_actions).toEqual([]);

    const description = await h.env.client.schedule.getHandle(schedule.schedule_id).describe();
    expect(description.spec.intervals).toEqual([{ every: 604_800_000, offset: 0 }]);
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.action.workflowType).toBe('ScheduledTuningWorkflow');

    const rows = await h.db.orm.em.fork().find(TuningSchedule, {});
    expect(rows.map((r) => r.scheduleId)).toEqual([schedule.schedule_id]);

    const list = await call(h, 'GET', '/tuning/schedules', { token: h.token });
    expect(list.body).toEqual([expect.objectContaining({ id: schedule.id, state: { paused: false, note: 'weekly re-tune' } })]);
    expect((await call(h, 'GET', `/tuning/schedules?model_run_id=${modelRunId}`, { token: h.token })).body).toHaveLength(1);
    const page = await fetch(`${h.baseUrl}/tuning/schedules?limit=1`, { headers: { authorization: `Bearer ${h.token}` } });
    expect(page.headers.get('x-total-count')).toBe('1');
    const foreign = await fetch(`${h.baseUrl}/tuning/schedules`, { headers: { authorization: `Bearer ${h.otherToken}` } });
    expect(foreign.headers.get('x-total-count')).toBe('0');
  });

  test("another user's schedule answers 404 everywhere and is not listed", async () => {
    const id = schedule.id;
    for (const [method, path, body] of [
      ['GET', `/tuning/schedules/${id}`, undefined],
      ['PATCH', `/tuning/schedules/${id}`, { paused: true }],
      ['DELETE', `/tuning/schedules/${id}`, undefined],
      ['POST', `/tuning/schedules/${id}/trigger`, {}],
    ] as const) {
      expect([method, (await call(h, method, path, { token: h.otherToken, body })).status]).toEqual([method, 404]);
    }
    expect((await call(h, 'GET', '/tuning/schedules', { token: h.otherToken })).body).toEqual([]);
    expect((await call(h, 'GET', '/tuning/schedules/not-a-uuid', { token: h.token })).status).toBe(404);
    expect((await call(h, 'GET', '/tuning/schedules/00000000-0000-4000-8000-000000000000', { token: h.token })).status).toBe(404);
    // Still running, unpaused.
    expect((await call(h, 'GET', `/tuning/schedules/${id}`, { token: h.token })).body.state.paused).toBe(false);
  });

  test('trigger: a new tuning run warm-started from the best earlier run with the same scoring and cv_folds, run as a child workflow', async () => {
    const triggered = await call(h, 'POST', `/tuning/schedules/${schedule.id}/trigger`, { token: h.token, body: {} });
    expect(triggered.status).toBe(202);
    firstRun = await nthScheduledRun(schedule.id, 1);
    expect(firstRun).toMatchObject({
      status: 'completed',
      parent_tuning_run_id: strongRunId,
      tuning_method: 'grid_search',
      workflow_id: `tuning-run-${firstRun.tuning_run_id}`,
      user_notes: null,
    });
    expect([...firstRun.tags].sort()).toEqual(['nightly', `schedule:${schedule.id}`, 'scheduled'].sort());
    expect(firstRun.progress).toMatchObject({ evaluated: 6, total: 6 });

    const child = await closedWorkflow(h, `tuning-run-${firstRun.tuning_run_id}`);
    expect(child.status.name).toBe('COMPLETED');
    // Started with the API's history limit, like a run started by POST /tuning/tune.
    const history = await h.env.client.workflow.getHandle(`tuning-run-${firstRun.tuning_run_id}`).fetchHistory();
    const childInput = defaultPayloadConverter.fromPayload<TuningWorkflowInput>(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0]);
    expect(childInput.historyEventLimit).toBe(HISTORY_EVENT_LIMIT);
    expect(child.parentExecution?.workflowId).toMatch(new RegExp(`^scheduled-tuning-${schedule.id}`));
    const attributes = child.searchAttributes as Record<string, unknown[]>;
    expect(attributes).toMatchObject({
      TuningRunId: [firstRun.tuning_run_id],
      ModelRunId: [modelRunId],
      TuningMethod: ['grid_search'],
      TuningStatus: ['completed'],
    });
    expect(attributes.UserId).toHaveLength(1);

    const [row] = await h.db.orm.em.getConnection().execute(`select config, task_id from tuning_runs where id = ?`, [firstRun.tuning_run_id]);
    expect(row.task_id).toBe(`tuning-run-${firstRun.tuning_run_id}`);
    expect(row.config).toMatchObject({ param_grid: SCHEDULE_GRID, parent_tuning_run_id: strongRunId });

    const view = await waitFor(
      () => call(h, 'GET', `/tuning/schedules/${schedule.id}`, { token: h.token }),
      (r) => r.body.info.recent_actions.length === 1 && r.body.info.running_actions.length === 0,
    );
    expect(view.body.info.recent_actions[0].workflow_id).toMatch(new RegExp(`^scheduled-tuning-${schedule.id}`));
    expect(view.body.runs.map((r: any) => r.tuning_run_id)).toEqual([firstRun.tuning_run_id]);
    const [action] = view.body.info.recent_actions;
    const wrapper = await h.env.client.workflow.getHandle(action.workflow_id, action.run_id).result();
    expect(wrapper).toMatchObject({ scheduleId: schedule.id, tuningRunId: firstRun.tuning_run_id, parentTuningRunId: strongRunId, outcome: { status: 'completed' } });
  }, 300_000);

  test('pause with a note is reflected in GET; a trigger still runs, its parent the best completed run', async () => {
    const paused = await call(h, 'PATCH', `/tuning/schedules/${schedule.id}`, { token: h.token, body: { paused: true, note: 'holiday' } });
    expect(paused.status).toBe(200);
    expect(paused.body.state).toEqual({ paused: true, note: 'holiday' });
    expect((await h.env.client.schedule.getHandle(schedule.schedule_id).describe()).state).toMatchObject({ paused: true, note: 'holiday' });
    expect((await call(h, 'GET', `/tuning/schedules/${schedule.id}`, { token: h.token })).body.state).toEqual({ paused: true, note: 'holiday' });
    expect((await call(h, 'GET', '/tuning/schedules', { token: h.token })).body[0].state).toEqual({ paused: true, note: 'holiday' });

    const best = (await completedRuns())[0];
    expect([strongRunId, firstRun.tuning_run_id]).toContain(best.tuning_run_id);
    expect((await call(h, 'POST', `/tuning/schedules/${schedule.id}/trigger`, { token: h.token, body: { overlap_policy: 'skip' } })).status).toBe(202);
    const second = await nthScheduledRun(schedule.id, 2);
    expect(second.parent_tuning_run_id).toBe(best.tuning_run_id);
    expect(second.parent_tuning_run_id).not.toBe(weakRunId);

    const resumed = await call(h, 'PATCH', `/tuning/schedules/${schedule.id}`, { token: h.token, body: { paused: false, note: 'back' } });
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toEqual({ paused: false, note: 'back' });
    expect((await h.env.client.schedule.getHandle(schedule.schedule_id).describe()).state).toMatchObject({ paused: false, note: 'back' });
    expect((await call(h, 'GET', `/tuning/schedules/${schedule.id}`, { token: h.token })).body.state).toEqual({ paused: false, note: 'back' });
  }, 300_000);

  test('PATCH changes the interval and the overlap policy, and validates', async () => {
    const changed = await call(h, 'PATCH', `/tuning/schedules/${schedule.id}`, {
      token: h.token,
      body: { interval_seconds: 2 * 24 * 3600, offset_seconds: 3600, overlap_policy: 'buffer_one' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.spec).toEqual({ interval_seconds: 172800, offset_seconds: 3600, jitter_seconds: 30, overlap_policy: 'buffer_one' });
    expect(changed.body.state).toEqual({ paused: false, note: 'back' });
    const description = await h.env.client.schedule.getHandle(schedule.schedule_id).describe();
    expect(description.spec.intervals).toEqual([{ every: 172_800_000, offset: 3_600_000 }]);
    expect(description.policies.overlap).toBe('BUFFER_ONE');
    expect(description.action.workflowType).toBe('ScheduledTuningWorkflow');
    expect((await call(h, 'GET', `/tuning/schedules/${schedule.id}`, { token: h.token })).body.spec.interval_seconds).toBe(172800);

    for (const [body, field] of [
      [{ interval_seconds: 10 }, 'interval_seconds'],
      [{ overlap_policy: 'never' }, 'overlap_policy'],
      [{ cron: '* * *' }, 'cron'],
      [{ cron: '0 3 * * *', interval_seconds: 3600 }, 'interval_seconds'],
      [{ offset_seconds: 172800 }, 'offset_seconds'],
    ] as const) {
      const response = await call(h, 'PATCH', `/tuning/schedules/${schedule.id}`, { token: h.token, body });
      expect([response.status, response.body.detail?.[0]?.field]).toEqual([422, field]);
    }
    expect((await call(h, 'PATCH', `/tuning/schedules/${schedule.id}`, { token: h.token, body: {} })).status).toBe(422);

    // To a cron expression: the interval and its offset go.
    const toCron = await call(h, 'PATCH', `/tuning/schedules/${schedule.id}`, { token: h.token, body: { cron: '0 3 * * MON-FRI', jitter_seconds: null } });
    expect(toCron.status).toBe(200);
    expect(toCron.body.spec).toEqual({ cron: '0 3 * * MON-FRI', overlap_policy: 'buffer_one' });
    const cronDescription = await h.env.client.schedule.getHandle(schedule.schedule_id).describe();
    expect(cronDescription.spec.intervals ?? []).toEqual([]);
    expect(cronDescription.spec.calendars?.length).toBe(1);
    expect(new Date(toCron.body.info.next_action_times[0]).getUTCHours()).toBe(3);
  });

  test('DELETE removes the schedule from Temporal and the table', async () => {
    const deleted = await call(h, 'DELETE', `/tuning/schedules/${schedule.id}`, { token: h.token });
    expect(deleted.status).toBe(204);
    await expect(h.env.client.schedule.getHandle(schedule.schedule_id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await h.db.orm.em.fork().count(TuningSchedule, { id: schedule.id })).toBe(0);
    expect((await call(h, 'GET', `/tuning/schedules/${schedule.id}`, { token: h.token })).status).toBe(404);
    expect((await call(h, 'DELETE', `/tuning/schedules/${schedule.id}`, { token: h.token })).status).toBe(404);
    // Its runs stay: they are ordinary tuning runs of the model run.
    expect((await call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?tag=scheduled`, { token: h.token })).body).toHaveLength(2);
  });

  /**
   * A schedule with the overlap policy, triggered twice: the second trigger comes while the first
   * action's run is evaluating a large grid (time budget 15 s). Returns both runs once the first
   * has ended and the second has completed.
   */
  async function overlappingActions(policy: string) {
    const created = await createSchedule(scheduleBody({ param_grid: BIG_GRID, time_budget_seconds: 15, overlap_policy: policy, tags: [] }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const runsOf = () => call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?tag=${encodeURIComponent(`schedule:${id}`)}`, { token: h.token });
    const trigger = async () => expect((await call(h, 'POST', `/tuning/schedules/${id}/trigger`, { token: h.token, body: { overlap_policy: policy } })).status).toBe(202);

    await trigger();
    const first = (await waitFor(runsOf, (r) => r.body.length === 1 && r.body[0].n_iterations > 0)).body[0];
    expect(first.status).toBe('running');
    await trigger();
    const firstEnded = (await finished(first.tuning_run_id)).body;
    const listed = await waitFor(runsOf, (r) => r.body.length === 2, 60_000);
    const second = listed.body.find((r: any) => r.tuning_run_id !== first.tuning_run_id);
    const secondEnded = (await finished(second.tuning_run_id)).body;
    return { id, first: { ...firstEnded, id: first.tuning_run_id }, second: secondEnded };
  }

  test('cancel_other: the running action cancels its tuning run (FAILED, Cancelled) before the next starts', async () => {
    const { id, first, second } = await overlappingActions('cancel_other');
    expect(first).toMatchObject({ status: 'failed', error_type: 'Cancelled' });
    expect(first.error).toMatch(/cancelled by its schedule/);
    expect(second.status).toBe('completed');

    const view = await waitFor(
      () => call(h, 'GET', `/tuning/schedules/${id}`, { token: h.token }),
      (r) => r.body.info.recent_actions.length === 2 && r.body.info.running_actions.length === 0,
    );
    const statuses = [];
    // By run id: two actions in the same second share a workflow id (Temporal appends the second).
    for (const action of view.body.info.recent_actions) {
      statuses.push((await h.env.client.workflow.getHandle(action.workflow_id, action.run_id).describe()).status.name);
    }
    expect(statuses).toEqual(['CANCELLED', 'COMPLETED']);
    expect((await call(h, 'DELETE', `/tuning/schedules/${id}`, { token: h.token })).status).toBe(204);
  }, 300_000);

  test("terminate_other: the terminated action's tuning run is cancelled (FAILED, Cancelled), not left running", async () => {
    const { id, first, second } = await overlappingActions('terminate_other');
    expect(first).toMatchObject({ status: 'failed', error_type: 'Cancelled', error: 'cancellation requested through Temporal' });
    expect(second.status).toBe('completed');
    expect((await closedWorkflow(h, `tuning-run-${first.id}`)).status.name).toBe('CANCELLED');
    expect((await call(h, 'DELETE', `/tuning/schedules/${id}`, { token: h.token })).status).toBe(204);
  }, 300_000);

  test('deleting the model run deletes its schedules in Temporal and in the table, and stops their running actions first', async () => {
    const ids: any[] = [];
    for (const extra of [{ cron: '@daily', interval_seconds: undefined }, { interval_seconds: 3600, paused: true }, { param_grid: BIG_GRID, tags: [] }]) {
      const created = await createSchedule(scheduleBody(extra));
      expect(created.status).toBe(201);
      ids.push(created.body);
    }
    const busy = ids[2].id;
    expect((await call(h, 'POST', `/tuning/schedules/${busy}/trigger`, { token: h.token, body: {} })).status).toBe(202);
    const runsOf = () => call(h, 'GET', `/model-runs/${modelRunId}/tuning-runs?tag=${encodeURIComponent(`schedule:${busy}`)}`, { token: h.token });
    const run = (await waitFor(runsOf, (r) => r.body.length === 1 && r.body[0].n_iterations > 0)).body[0];
    expect(run.status).toBe('running');
    // A trigger's default overlap policy (allow_all) leaves the action out of running_actions.
    const [action] = (await call(h, 'GET', `/tuning/schedules/${busy}`, { token: h.token })).body.info.recent_actions;

    const deleted = await call(h, 'DELETE', `/model-runs/${modelRunId}`, { token: h.token });
    expect(deleted.status).toBe(204);
    // Both closed by the time DELETE answered: nothing keeps running against the deleted rows.
    expect((await h.env.client.workflow.getHandle(action.workflow_id, action.run_id).describe()).status.name).toBe('CANCELLED');
    expect((await h.env.client.workflow.getHandle(run.workflow_id).describe()).status.name).not.toBe('RUNNING');
    for (const s of ids) {
      await expect(h.env.client.schedule.getHandle(s.schedule_id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }
    expect(await h.db.orm.em.fork().count(TuningSchedule, {})).toBe(0);
    expect((await call(h, 'GET', '/tuning/schedules', { token: h.token })).body).toEqual([]);
  });
});
