/**
 * What a schedule's owner sees when its actions cannot run (real API, Temporal dev server,
 * PostgreSQL): tags that can never be stored are refused at the API, and an action whose request
 * the database refuses anyway (a schedule made before that check) fails once, non-retryable, with
 * a short message and no SQL or stack trace in Temporal (and so in its Web UI).
 */
import type { ScheduleDescription } from '@temporalio/client';
import { call, completedModelRun, startHarness, waitFor, type Harness } from './harness';

let h: Harness;
let modelRunId: string;

beforeAll(async () => {
  h = await startHarness();
  ({ modelRunId } = await completedModelRun(h, { sample: 'iris', hyperparameters: { n_estimators: 3 } }));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const scheduleRequest = (tags: string[]) => ({
  model_run_id: modelRunId,
  tuning_method: 'grid_search',
  param_grid: { max_depth: [2, 3] },
  cv_folds: 2,
  interval_seconds: 604_800,
  paused: true,
  tags,
});

const countRows = async (table: string) =>
  (await h.db.orm.em.fork().getConnection().execute<{ count: number }[]>(`select count(*)::int as count from ${table}`))[0].count;

test.each([
  ['a NUL character', ['ok', 'b\u0000d'], 'tags[1]'],
  ['a tag over 100 characters', ['x'.repeat(101)], 'tags.0'],
  ['more than 50 tags', Array.from({ length: 51 }, (_, i) => `t${i}`), 'tags'],
  ['an empty tag', [''], 'tags.0'],
])('a schedule with %s in its tags answers 422 and creates nothing', async (_what, tags, field) => {
  const response = await call(h, 'POST', '/tuning/schedules', { token: h.token, body: scheduleRequest(tags) });
  expect(response.status).toBe(422);
  expect(response.body.detail.map((d: { field: string }) => d.field)).toContain(field);
  expect(await countRows('tuning_schedules')).toBe(0);
});

/**
 * Creates a valid schedule, rewrites its action's input as a schedule recorded before the API's
 * checks could have it, triggers it, and returns the history of the action's workflow once closed.
 */
async function failedAction(rewrite: (input: Record<string, any>) => Record<string, any>) {
  const created = await call(h, 'POST', '/tuning/schedules', { token: h.token, body: scheduleRequest(['nightly']) });
  expect(created.status).toBe(201);
  const handle = h.env.client.schedule.getHandle(created.body.schedule_id);
  await handle.update((previous) => {
    const [input] = previous.action.args as [Record<string, any>];
    return { ...previous, action: { ...previous.action, args: [rewrite(input)] } } as typeof previous;
  });
  expect((await call(h, 'POST', `/tuning/schedules/${created.body.id}/trigger`, { token: h.token, body: {} })).status).toBe(202);

  let description: ScheduleDescription | undefined;
  await waitFor(
    async () => ({ status: 200, body: (description = await handle.describe()) }),
    (r) => r.body.info.recentActions.length > 0,
  );
  const workflow = h.env.client.workflow.getHandle(description!.info.recentActions[0].action.workflow.workflowId);
  await expect(workflow.result()).rejects.toThrow();
  return (await workflow.fetchHistory()).events!;
}

test.each([
  [
    'a tag with a NUL character',
    (input: Record<string, any>) => ({ ...input, tags: ['nightly', 'bad\u0000tag'] }),
    "the schedule's tag 2 holds a NUL character (\\u0000), which cannot be stored; delete the schedule and create it again",
  ],
  [
    'a grid value PostgreSQL refuses (jsonb has no \\u0000)',
    (input: Record<string, any>) => ({ ...input, config: { ...input.config, param_grid: { criterion: ['gini\u0000'] } } }),
    "the schedule's tuning request holds a value the database cannot store (in its tags, notes or parameters); delete the schedule and create it again",
  ],
])('an action with %s fails once, non-retryable, with a short message and no SQL or stack trace', async (_what, rewrite, message) => {
  const events = await failedAction(rewrite);
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordScheduledTuningRun');
  const started = events.filter((e) => e.activityTaskStartedEventAttributes);
  const failed = events.filter((e) => e.activityTaskFailedEventAttributes).map((e) => e.activityTaskFailedEventAttributes!.failure!);
  expect(scheduled).toHaveLength(1);
  expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ message, stackTrace: '', applicationFailureInfo: { type: 'InvalidInputError', nonRetryable: true } });
  expect(failed[0].cause ?? null).toBeNull();

  // The workflow's failure (what the Web UI shows) carries the same message.
  const closed = events[events.length - 1].workflowExecutionFailedEventAttributes;
  expect(closed?.failure?.cause?.message).toBe(message);
  // Nothing in the workflow's history shows SQL or a stack frame.
  const text = JSON.stringify(events);
  expect(text).not.toMatch(/insert into|tuning_runs|invalid byte sequence|unsupported Unicode/i);
  expect(text).not.toMatch(/\bat .+\.[jt]s:\d+/);
  expect(await countRows('tuning_runs')).toBe(0);
});
