/**
 * Activities of ScheduledTuningWorkflow: recording the tuning run that a schedule's action runs.
 * The worker merges them with the others: `{ ...createActivities(deps), ...createScheduleActivities({ orm }) }`.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { DriverException, type MikroORM } from '@mikro-orm/postgresql';
import { bestTuningRunId } from '../db/best_runs';
import { createTuningRun } from '../db/tuning_runs';
import { InvalidStateError, RecordNotFoundError } from '../db/errors';
import { tuningWorkflowId } from '../temporal/ids';
import type { TuningConfig } from '../workflows/types';

/** What every action of a tuning schedule runs (the schedule action's argument). */
export interface ScheduledTuningInput {
  /** tuning_schedules.id */
  scheduleId: string;
  modelRunId: string;
  /** The validated tuning request; parent_tuning_run_id is chosen per action. */
  config: TuningConfig;
  /** The request's tags; 'scheduled' and 'schedule:<scheduleId>' are added to each run. */
  tags: string[];
  userNotes: string | null;
  /** The API's TUNING_HISTORY_EVENT_LIMIT when the schedule was created, passed to each run's TuningWorkflow. */
  historyEventLimit?: number;
}

export interface RecordScheduledRunInput extends ScheduledTuningInput {
  /** Chosen by the workflow (deterministically), so a retried activity finds the row it wrote. */
  tuningRunId: string;
}

export interface ScheduledRunRecord {
  tuningRunId: string;
  parentTuningRunId: string | null;
  /** The config the run was recorded with (parent_tuning_run_id set to the warm-start parent). */
  config: TuningConfig;
  userId: string;
  modelType: string;
}

/** Tags of a run started by schedule `scheduleId`. */
export function scheduledRunTags(scheduleId: string, tags: readonly string[]): string[] {
  return [...new Set([...tags, 'scheduled', `schedule:${scheduleId}`])];
}

/**
 * A failure for the schedule's owner: Temporal (and so its Web UI) shows the message and nothing
 * else, no stack trace and no cause; details belong in the worker's log.
 */
function userFacingFailure(message: string, type: string, nonRetryable: boolean): ApplicationFailure {
  const failure = ApplicationFailure.create({ message, type, nonRetryable });
  failure.stack = '';
  return failure;
}

/**
 * An unexpected error as a user-facing failure: the database refusing the request's own values
 * (SQLSTATE class 22, data exception, or 23, integrity constraint) fails the same way on every
 * retry, so it is not retried; anything else (the database unreachable, a timeout) may pass.
 */
function recordingFailure(err: unknown, input: RecordScheduledRunInput): ApplicationFailure {
  log.error('could not record a scheduled tuning run', { scheduleId: input.scheduleId, tuningRunId: input.tuningRunId, error: err });
  const sqlState = err instanceof DriverException ? String(err.code ?? '') : '';
  if (sqlState.startsWith('22') || sqlState.startsWith('23')) {
    return userFacingFailure(
      `the schedule's tuning request holds a value the database cannot store (in its tags, notes or parameters); ` +
        `delete the schedule and create it again`,
      'InvalidInputError',
      true,
    );
  }
  return userFacingFailure('could not record the scheduled tuning run (details in the worker log); retrying', 'RecordingError', false);
}

/**
 * PostgreSQL cannot store a NUL character in text; in a query it even breaks the protocol (08P01),
 * which looks like a connection error. The API refuses one; a schedule made before that check
 * fails here, once.
 */
function checkStorableText(input: ScheduledTuningInput): void {
  const texts: [string, string | null][] = [...input.tags.map((tag, i): [string, string] => [`tag ${i + 1}`, tag]), ['user notes', input.userNotes]];
  const found = texts.find(([, text]) => text?.includes('\0'));
  if (found) {
    throw userFacingFailure(
      `the schedule's ${found[0]} holds a NUL character (\\u0000), which cannot be stored; delete the schedule and create it again`,
      'InvalidInputError',
      true,
    );
  }
}

const modelRunGone = (modelRunId: string) =>
  userFacingFailure(`model run ${modelRunId} no longer exists; its schedule has nothing to tune`, 'NotFoundError', true);

export function createScheduleActivities({ orm }: { orm: MikroORM }) {
  /**
   * Records a RUNNING tuning run for a scheduled action, linked (parent_tuning_run_id) to the best
   * COMPLETED tuning run of the model run so far with the same scoring and cv_folds (a warm start
   * compares like with like), by results.best_score. Idempotent by tuningRunId.
   */
  async function recordRun(input: RecordScheduledRunInput): Promise<ScheduledRunRecord> {
    checkStorableText(input);
    const connection = orm.em.fork().getConnection();
    const [owner] = await connection.execute<{ user_id: string; model_type: string }[]>(
      `select e.user_id, mr.model_type from model_runs mr join experiments e on e.id = mr.experiment_id where mr.id = ?`,
      [input.modelRunId],
    );
    if (!owner) throw modelRunGone(input.modelRunId);
    const [existing] = await connection.execute<{ parent_tuning_run_id: string | null; config: TuningConfig }[]>(
      `select parent_tuning_run_id, config from tuning_runs where id = ?`,
      [input.tuningRunId],
    );
    if (existing) {
      // A retry after the insert committed: answer what was recorded.
      return { tuningRunId: input.tuningRunId, parentTuningRunId: existing.parent_tuning_run_id, config: existing.config, userId: owner.user_id, modelType: owner.model_type };
    }
    const parentTuningRunId = await bestTuningRunId(orm.em.fork(), input.modelRunId, {
      scoring: input.config.scoring,
      cvFolds: input.config.cv_folds,
    });
    const config: TuningConfig = { ...input.config, parent_tuning_run_id: parentTuningRunId };
    try {
      await createTuningRun(orm.em, {
        id: input.tuningRunId,
        modelRunId: input.modelRunId,
        tuningMethod: config.tuning_method,
        config,
        parentTuningRunId,
        taskId: tuningWorkflowId(input.tuningRunId),
        userNotes: input.userNotes,
        tags: scheduledRunTags(input.scheduleId, input.tags),
      });
    } catch (err) {
      // The model run was deleted or is not tunable: every retry would fail the same way (a parent
      // deleted meanwhile is not: the retry picks the next best).
      if (err instanceof RecordNotFoundError && err.table === 'model_runs') throw modelRunGone(input.modelRunId);
      if (err instanceof InvalidStateError) throw userFacingFailure(err.message, 'ModelRunNotReadyError', true);
      throw err;
    }
    return { tuningRunId: input.tuningRunId, parentTuningRunId, config, userId: owner.user_id, modelType: owner.model_type };
  }

  return {
    /** recordRun, its failures made user-facing (see recordingFailure). */
    async recordScheduledTuningRun(input: RecordScheduledRunInput): Promise<ScheduledRunRecord> {
      try {
        return await recordRun(input);
      } catch (err) {
        throw err instanceof ApplicationFailure ? err : recordingFailure(err, input);
      }
    },
  };
}
