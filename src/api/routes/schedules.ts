/**
 * Tuning schedules: a Temporal Schedule per row of tuning_schedules that re-tunes a model run. Every
 * action runs ScheduledTuningWorkflow, which records an ordinary tuning run (tags 'scheduled' and
 * 'schedule:<id>', parent = the model run's best completed run so far with the same scoring and
 * cv_folds) and runs it as the child TuningWorkflow `tuning-run-<id>`. A schedule belongs to its
 * model run's user; it goes with the model run (DELETE /model-runs/{id} calls
 * deleteModelRunSchedules before deleting the row).
 */
import { Router } from 'express';
import { z } from 'zod';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { ScheduledTuningInput } from '../../activities/schedules';
import { TuningRun, TuningSchedule, type TuningScheduleSpec } from '../../entities';
import {
  cronError,
  OVERLAP_POLICIES,
  overlapPolicy,
  scheduledTuningWorkflowId,
  temporalSpec,
  tuningScheduleId,
} from '../../temporal/schedules';
import type { TuningConfig } from '../../workflows/types';
import type { ApiDeps } from '../app';
import { HttpError, notFound, unprocessable } from '../errors';
import { ownedModelRun } from '../ownership';
import { tuneSchema } from '../schemas';
import { checkTuningRequestSize } from '../limits';
import { tuningRunView } from '../views';
import { stopWorkflow } from '../../temporal/start';
import { tuningConfig } from './tuning';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const YEAR = 366 * 24 * 3600;

const cron = z
  .string()
  .max(200)
  .superRefine((value, ctx) => {
    const reason = cronError(value);
    if (reason) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid cron expression: ${reason}` });
  });
const specFields = {
  /** Five-field cron expression (UTC) or @hourly / @daily / @weekly / @monthly / @yearly. */
  cron: cron.optional(),
  interval_seconds: z.number().int().min(60, 'must be at least 60 seconds').max(YEAR).optional(),
  /** Phase of the interval (from the Unix epoch), below interval_seconds. */
  offset_seconds: z.number().int().min(0).max(YEAR).optional(),
  /** Each action starts up to this many seconds late, at random. */
  jitter_seconds: z.number().int().min(0).max(YEAR).optional(),
  overlap_policy: z.enum(OVERLAP_POLICIES).optional(),
};

export const createScheduleSchema = tuneSchema.extend({
  ...specFields,
  overlap_policy: z.enum(OVERLAP_POLICIES).default('skip'),
  paused: z.boolean().default(false),
  note: z.string().max(1000).optional(),
});

export const updateScheduleSchema = z
  .object({
    ...specFields,
    offset_seconds: specFields.offset_seconds.nullable(),
    jitter_seconds: specFields.jitter_seconds.nullable(),
    paused: z.boolean().optional(),
    note: z.string().max(1000).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give a spec change (cron, interval_seconds, offset_seconds, jitter_seconds, overlap_policy), paused or note' });

export const triggerScheduleSchema = z.object({ overlap_policy: z.enum(OVERLAP_POLICIES).optional() }).strict();

export const listSchedulesQuery = z.object({
  model_run_id: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
});

/** The checks across fields of a (merged) spec; field checks are zod's. */
function checkSpec(spec: TuningScheduleSpec): void {
  if (spec.cron === undefined && spec.interval_seconds === undefined) throw unprocessable('cron', 'give cron or interval_seconds');
  if (spec.cron !== undefined && spec.interval_seconds !== undefined) throw unprocessable('interval_seconds', 'give cron or interval_seconds, not both');
  if (spec.offset_seconds !== undefined) {
    if (spec.interval_seconds === undefined) throw unprocessable('offset_seconds', 'only with interval_seconds');
    if (spec.offset_seconds >= spec.interval_seconds) throw unprocessable('offset_seconds', `must be below interval_seconds (${spec.interval_seconds})`);
  }
  if (spec.jitter_seconds !== undefined && spec.interval_seconds !== undefined && spec.jitter_seconds >= spec.interval_seconds) {
    throw unprocessable('jitter_seconds', `must be below interval_seconds (${spec.interval_seconds})`);
  }
}

/** The spec without absent fields (as stored in tuning_schedules.spec). */
function compact(spec: TuningScheduleSpec): TuningScheduleSpec {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined && v !== null)) as unknown as TuningScheduleSpec;
}

const specField = (spec: TuningScheduleSpec) => (spec.cron !== undefined ? 'cron' : 'interval_seconds');

/** Runs a Temporal call, answering 404 when the schedule is gone, 422 when Temporal refuses the spec, 503 otherwise. */
async function temporalCall<T>(what: string, call: () => Promise<T>, spec?: TuningScheduleSpec): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof ScheduleNotFoundError) throw new HttpError(404, `${what}: the Temporal schedule no longer exists`);
    // The client turns the server's "Invalid schedule spec" into a TypeError.
    if (spec && err instanceof TypeError) throw unprocessable(specField(spec), err.message);
    const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new HttpError(503, `Temporal could not ${what}: ${detail}`);
  }
}

const ownedSchedule = async (em: EntityManager, userId: string, id: string): Promise<TuningSchedule> => {
  const found = UUID.test(id)
    ? await em.findOne(TuningSchedule, { id, modelRun: { experiment: { user: userId } } }, { populate: ['modelRun'] })
    : null;
  if (!found) throw notFound('tuning schedule', id);
  return found;
};

const scheduleSummary = (row: TuningSchedule) => ({
  id: row.id,
  schedule_id: row.scheduleId,
  model_run_id: row.modelRun.id,
  spec: row.spec,
  created_at: row.createdAt,
});

/** Temporal's history of a schedule. */
function scheduleInfo(d: ScheduleDescription) {
  return {
    num_actions_taken: d.info.numActionsTaken,
    num_actions_skipped_overlap: d.info.numActionsSkippedOverlap,
    recent_actions: d.info.recentActions.map((a) => ({
      scheduled_at: a.scheduledAt,
      taken_at: a.takenAt,
      workflow_id: a.action.workflow.workflowId,
      run_id: a.action.workflow.firstExecutionRunId,
    })),
    running_actions: d.info.runningActions.map((a) => ({ workflow_id: a.workflow.workflowId, run_id: a.workflow.firstExecutionRunId })),
    next_action_times: d.info.nextActionTimes,
    created_at: d.info.createdAt,
    last_updated_at: d.info.lastUpdatedAt ?? null,
  };
}

/** How long a read waits for Temporal's describe before answering from the row alone. */
const DESCRIBE_DEADLINE_MS = 2_000;
/**
 * A change's whole answer (update, then describe) aims to be this quick: the update gets it all, the
 * describe what is left. The SDK's update describes the schedule first, and a busy dev server took
 * over 3 s for the two (with a 3 s budget, 1 fuzz run in 4 had a PATCH or two answer 503); a
 * slower one still answers 503, which clients retry.
 */
const CHANGE_BUDGET_MS = 4_200;

/**
 * Temporal's description of the schedule, or null when Temporal did not answer within the deadline
 * (or failed): a read then answers from the row. A schedule Temporal no longer has answers 404.
 */
async function describeWithin(temporal: Client, row: TuningSchedule, deadline = Date.now() + DESCRIBE_DEADLINE_MS): Promise<ScheduleDescription | null> {
  if (deadline <= Date.now()) return null;
  try {
    return await temporal.withDeadline(deadline, () => temporal.schedule.getHandle(row.scheduleId).describe());
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new HttpError(404, 'describe the schedule: the Temporal schedule no longer exists');
    return null;
  }
}

/** The paused state: Temporal's when it answered (it can be changed from its UI or CLI), else the row's. */
const scheduleState = (row: TuningSchedule, d: ScheduleDescription | null) =>
  d ? { paused: d.state.paused, note: d.state.note ?? null } : { paused: row.paused, note: row.note };

/** The full view: the row, Temporal's state and history (info null if it was slow), and the latest runs. */
async function scheduleView(em: EntityManager, temporal: Client, row: TuningSchedule, describeDeadline?: number) {
  const [description, runs] = await Promise.all([
    describeWithin(temporal, row, describeDeadline),
    em.find(TuningRun, { modelRun: row.modelRun, tags: { $contains: [`schedule:${row.id}`] } }, { orderBy: { createdAt: 'desc' }, limit: 20 }),
  ]);
  return {
    ...scheduleSummary(row),
    config: row.config,
    tags: row.tags,
    user_notes: row.userNotes,
    state: scheduleState(row, description),
    info: description ? scheduleInfo(description) : null,
    runs: runs.map((run) => ({ ...tuningRunView(run), best_score: (run.results?.best_score as number | undefined) ?? null })),
  };
}

/**
 * Deletes the Temporal schedules of a model run and stops their running actions (cancelled, so each
 * cancels its tuning run, which ends FAILED, Cancelled); the rows go with the model run (ON DELETE
 * CASCADE). Call before deleting the model run. Returns how many there were; an error from
 * Temporal (other than a schedule or workflow already gone) answers 503.
 */
export async function deleteModelRunSchedules(orm: MikroORM, client: Client, modelRunId: string): Promise<number> {
  const rows = await orm.em.fork().find(TuningSchedule, { modelRun: modelRunId }, { fields: ['id', 'scheduleId'] });
  const goneIs404 = (err: unknown) => {
    if (!(err instanceof HttpError && err.status === 404)) throw err;
  };
  await Promise.all(
    rows.map(async (row) => {
      const handle = client.schedule.getHandle(row.scheduleId);
      const description = await temporalCall('describe the schedule', () => handle.describe()).catch(goneIs404);
      await temporalCall('delete the schedule', () => handle.delete()).catch(goneIs404);
      // Temporal tracks running actions only under an overlap policy other than allow_all (a trigger's
      // default): the recent ones are stopped too (a closed one is a no-op).
      const actions = new Set(
        [...(description?.info.runningActions ?? []), ...(description?.info.recentActions.map((a) => a.action) ?? [])].map((a) => a.workflow.workflowId),
      );
      await Promise.all([...actions].map((id) => temporalCall('stop a scheduled run', () => stopWorkflow(client, id, 'model run deleted'))));
    }),
  );
  return rows.length;
}

export function scheduleRoutes({ orm, temporal, config }: ApiDeps): Router {
  const router = Router();

  router.post('/tuning/schedules', async (req, res) => {
    checkTuningRequestSize(req.body, config);
    const body = createScheduleSchema.parse(req.body ?? {});
    const { cron, interval_seconds, offset_seconds, jitter_seconds, overlap_policy, paused, note, ...tune } = body;
    const spec = compact({ cron, interval_seconds, offset_seconds, jitter_seconds, overlap_policy });
    checkSpec(spec);
    if (tune.parent_tuning_run_id) {
      throw unprocessable('parent_tuning_run_id', "each scheduled run's parent is the model run's best completed tuning run at that time; do not give one");
    }
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, tune.model_run_id);
    if (modelRun.status !== 'completed') {
      throw new HttpError(409, `model run ${modelRun.id} is ${modelRun.status}; only a completed model run can be tuned`);
    }
    const tuning: TuningConfig = tuningConfig(tune, modelRun, config);

    const row = em.create(TuningSchedule, {
      modelRun,
      scheduleId: '',
      config: tuning as unknown as Record<string, unknown>,
      spec,
      tags: tune.tags,
      userNotes: tune.user_notes ?? null,
      paused,
      note: note ?? null,
    });
    row.scheduleId = tuningScheduleId(row.id);
    await em.flush();
    const input: ScheduledTuningInput = {
      scheduleId: row.id,
      modelRunId: modelRun.id,
      config: tuning,
      tags: tune.tags,
      userNotes: tune.user_notes,
      historyEventLimit: config.historyEventLimit,
    };
    try {
      await temporalCall(
        'create the schedule',
        () =>
          temporal.schedule.create({
            scheduleId: row.scheduleId,
            spec: temporalSpec(spec),
            action: {
              type: 'startWorkflow',
              workflowType: 'ScheduledTuningWorkflow',
              workflowId: scheduledTuningWorkflowId(row.id),
              taskQueue: config.taskQueue,
              args: [input],
            },
            policies: { overlap: overlapPolicy(spec.overlap_policy) },
            state: { paused, ...(note !== undefined ? { note } : {}) },
            memo: {
              summary: `re-tunes ${modelRun.modelType} (model run ${modelRun.id}) with ${tuning.tuning_method}, ` +
                `${tuning.cv_folds}-fold CV on ${tuning.scoring}`,
            },
          }),
        spec,
      );
    } catch (err) {
      await em.nativeDelete(TuningSchedule, { id: row.id });
      throw err;
    }
    res.status(201).json(await scheduleView(em, temporal, row));
  });

  router.get('/tuning/schedules', async (req, res) => {
    const query = listSchedulesQuery.parse(req.query);
    const [rows, total] = await orm.em.fork().findAndCount(
      TuningSchedule,
      { modelRun: { experiment: { user: req.userId }, ...(query.model_run_id ? { id: query.model_run_id } : {}) } },
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit: query.limit, offset: query.offset, populate: ['modelRun'] },
    );
    // Temporal's state at a glance; the row's state, and no next action time, when it is slow.
    const views = await Promise.all(
      rows.map(async (row) => {
        const d = await describeWithin(temporal, row).catch(() => null);
        return { ...scheduleSummary(row), state: scheduleState(row, d), next_action_time: d?.info.nextActionTimes[0] ?? null };
      }),
    );
    res.set('X-Total-Count', String(total)).json(views);
  });

  router.get('/tuning/schedules/:id', async (req, res) => {
    const em = orm.em.fork();
    const row = await ownedSchedule(em, req.userId, req.params.id);
    res.json(await scheduleView(em, temporal, row));
  });

  /** Pause / resume (with a note), change the timing, jitter or overlap policy. */
  router.patch('/tuning/schedules/:id', async (req, res) => {
    const started = Date.now();
    const body = updateScheduleSchema.parse(req.body ?? {});
    const em = orm.em.fork();
    const row = await ownedSchedule(em, req.userId, req.params.id);
    if (body.cron !== undefined && body.interval_seconds !== undefined) throw unprocessable('interval_seconds', 'give cron or interval_seconds, not both');

    const next: TuningScheduleSpec = { ...row.spec };
    if (body.cron !== undefined) {
      next.cron = body.cron;
      delete next.interval_seconds;
      delete next.offset_seconds;
    }
    if (body.interval_seconds !== undefined) {
      next.interval_seconds = body.interval_seconds;
      delete next.cron;
    }
    if (body.offset_seconds !== undefined) next.offset_seconds = body.offset_seconds ?? undefined;
    if (body.jitter_seconds !== undefined) next.jitter_seconds = body.jitter_seconds ?? undefined;
    if (body.overlap_policy !== undefined) next.overlap_policy = body.overlap_policy;
    const spec = compact(next);
    checkSpec(spec);

    // One update carries the spec, paused and note together (pause and unpause would be more round trips).
    const defaultNote = body.paused === undefined ? undefined : body.paused ? 'paused via the API' : 'resumed via the API';
    let state = { paused: row.paused, note: row.note };
    await temporalCall(
      'update the schedule',
      () =>
        temporal.withDeadline(started + CHANGE_BUDGET_MS, () =>
          temporal.schedule.getHandle(row.scheduleId).update((previous) => {
            state = { paused: body.paused ?? previous.state.paused, note: body.note ?? defaultNote ?? previous.state.note ?? null };
            return {
              spec: temporalSpec(spec),
              action: previous.action,
              policies: { ...previous.policies, overlap: overlapPolicy(spec.overlap_policy) },
              state: { ...state, note: state.note ?? undefined, remainingActions: previous.state.remainingActions },
            };
          }),
        ),
      spec,
    ).catch(async (err: unknown) => {
      // Temporal can take seconds to say that a schedule deleted meanwhile is gone (a fuzz run saw
      // 5 s): one whose row is gone by the deadline is a 404, as if the delete had come first.
      if (err instanceof HttpError && err.status === 503 && (await orm.em.fork().count(TuningSchedule, { id: row.id })) === 0) {
        throw notFound('tuning schedule', row.id);
      }
      throw err;
    });
    Object.assign(row, { spec, ...state });
    await em.flush();
    res.json(await scheduleView(em, temporal, row, started + CHANGE_BUDGET_MS));
  });

  router.delete('/tuning/schedules/:id', async (req, res) => {
    const em = orm.em.fork();
    const row = await ownedSchedule(em, req.userId, req.params.id);
    // Actions already running finish on their own; a schedule Temporal no longer has is just forgotten.
    await temporalCall('delete the schedule', () => temporal.schedule.getHandle(row.scheduleId).delete()).catch((err) => {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
    });
    await em.nativeDelete(TuningSchedule, { id: row.id });
    res.status(204).end();
  });

  /** Takes an action now, even when paused; overlap_policy (default allow_all) applies to this action only. */
  router.post('/tuning/schedules/:id/trigger', async (req, res) => {
    const body = triggerScheduleSchema.parse(req.body ?? {});
    const row = await ownedSchedule(orm.em.fork(), req.userId, req.params.id);
    const overlap = body.overlap_policy ?? 'allow_all';
    await temporalCall('trigger the schedule', () => temporal.schedule.getHandle(row.scheduleId).trigger(overlapPolicy(overlap)));
    res.status(202).json({ id: row.id, schedule_id: row.scheduleId, triggered: true, overlap_policy: overlap });
  });

  return router;
}
