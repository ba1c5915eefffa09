/**
 * Persistence of tuning runs and their trials, used by the API and by Temporal activities.
 *
 * Every function runs in its own transaction on a forked EntityManager. Finishing a run is a
 * CONDITIONAL update (`... WHERE id = ? AND status = 'running'`) that reports whether it changed
 * a row, so a replayed or retried activity can never move a finished run; the database backs
 * this with a trigger that rejects any change of status / best_params / results once a run is
 * completed or failed, and a CHECK that keeps best_params / results NULL while it runs.
 */
import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import { ModelRunStatus, TuningStatus, type TrialStateValue, type TuningMethodValue } from '../entities/enums';
import { ModelRun } from '../entities/ModelRun';
import { TuningRun } from '../entities/TuningRun';
import type { Params } from '../ml/types';
import { InvalidStateError, RecordNotFoundError, RunClosedError } from './errors';

type Json = Record<string, unknown>;

export interface CreateTuningRunInput {
  modelRunId: string;
  tuningMethod: TuningMethodValue;
  /** The validated tuning request (`tuning_runs.config`). */
  config?: object | null;
  parentTuningRunId?: string | null;
  taskId?: string | null;
  userNotes?: string | null;
  tags?: string[];
  /** Defaults to a random UUID. */
  id?: string;
  /** The seed's rule "a tuning run can only be created for a completed model run". Default true. */
  requireCompletedModelRun?: boolean;
}

/**
 * Inserts a RUNNING tuning run for an existing model run.
 * Throws RecordNotFoundError (model run or parent tuning run missing) or InvalidStateError
 * (model run not completed, unless requireCompletedModelRun is false).
 */
export async function createTuningRun(em: EntityManager, input: CreateTuningRunInput): Promise<TuningRun> {
  return em.fork().transactional(async (tem) => {
    // FOR SHARE: the model run cannot be deleted or change status until this insert commits.
    const modelRun = await tem.findOne(ModelRun, { id: input.modelRunId }, { lockMode: LockMode.PESSIMISTIC_READ });
    if (!modelRun) throw new RecordNotFoundError('model_runs', input.modelRunId);
    if ((input.requireCompletedModelRun ?? true) && modelRun.status !== ModelRunStatus.COMPLETED) {
      throw new InvalidStateError(
        'model_runs',
        modelRun.id,
        modelRun.status,
        `model run ${modelRun.id} is ${modelRun.status}: only a completed model run can be tuned`,
      );
    }
    let parent: TuningRun | null = null;
    if (input.parentTuningRunId) {
      parent = await tem.findOne(TuningRun, { id: input.parentTuningRunId });
      if (!parent) throw new RecordNotFoundError('tuning_runs', input.parentTuningRunId);
    }
    const run = tem.create(TuningRun, {
      ...(input.id ? { id: input.id } : {}),
      modelRun,
      tuningMethod: input.tuningMethod,
      status: TuningStatus.RUNNING,
      config: (input.config ?? null) as Json | null,
      parentTuningRun: parent,
      taskId: input.taskId ?? null,
      userNotes: input.userNotes ?? null,
      tags: input.tags ?? [],
    });
    await tem.flush();
    return run;
  });
}

/**
 * Sets started_at (first call only) and, when given, task_id, while the run is RUNNING.
 * Returns whether a row changed (false: unknown id or already finished).
 */
export async function markStarted(orm: MikroORM, id: string, taskId?: string | null): Promise<boolean> {
  const res = await orm.em.fork().getConnection().execute<{ affectedRows: number }>(
    `update tuning_runs
        set started_at = coalesce(started_at, now()),
            task_id = coalesce(?, task_id)
      where id = ? and status = 'running'`,
    [taskId ?? null, id],
    'run',
  );
  return res.affectedRows > 0;
}

/** Alias of markStarted. */
export const markTuningRunStarted = markStarted;

/** One evaluated candidate, as the evaluation activity reports it. */
export interface TrialRecord {
  number: number;
  params: Params;
  state: TrialStateValue;
  /** Per-fold scores. */
  scores: number[];
  mean_score: number | null;
  std_score: number | null;
  duration_seconds: number;
  error?: string | null;
}

/** A trial as stored (`error` omitted when NULL). */
export interface StoredTrial extends TrialRecord {
  error?: string;
  /** Identity of the worker process that evaluated it (tuning_trials.worker_identity); null for a client's trial. */
  worker: string | null;
  created_at: Date;
}

export interface RecordTrialsResult {
  /** Trials newly inserted (duplicates of already recorded numbers are ignored). */
  inserted: number;
  /** tuning_runs.n_iterations after the call: the number of recorded trials. */
  nIterations: number;
}

const TRIAL_CHUNK = 1000;

async function insertTrials(em: EntityManager, tuningRunId: string, trials: readonly TrialRecord[], workerIdentity: string | null): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < trials.length; i += TRIAL_CHUNK) {
    const chunk = trials.slice(i, i + TRIAL_CHUNK).map((t) => ({
      number: t.number,
      params: t.params,
      state: t.state,
      scores: t.scores,
      mean_score: finiteOrNull(t.mean_score),
      std_score: finiteOrNull(t.std_score),
      duration_seconds: finiteOrNull(t.duration_seconds) ?? 0,
      error: t.error ?? null,
    }));
    const res = await em.execute<{ affectedRows: number }>(
      `insert into tuning_trials
              (tuning_run_id, number, params, state, scores, mean_score, std_score, duration_seconds, error, worker_identity)
       select ?, t.number, t.params, t.state, t.scores, t.mean_score, t.std_score, t.duration_seconds, t.error, ?
         from jsonb_to_recordset(?::jsonb) as t(
              number integer, params jsonb, state varchar, scores jsonb, mean_score double precision,
              std_score double precision, duration_seconds double precision, error text)
       on conflict (tuning_run_id, number) do nothing`,
      [tuningRunId, workerIdentity, JSON.stringify(chunk)],
      'run',
    );
    inserted += res.affectedRows;
  }
  return inserted;
}

/** Locks the run row (serialising writers of one run); throws RecordNotFoundError if it is missing. */
async function lockRun(em: EntityManager, id: string): Promise<TuningStatus> {
  const rows = await em.execute<{ status: TuningStatus }[]>('select status from tuning_runs where id = ? for update', [id]);
  if (rows.length === 0) throw new RecordNotFoundError('tuning_runs', id);
  return rows[0].status;
}

async function recordTrialsIn(
  em: EntityManager,
  tuningRunId: string,
  trials: readonly TrialRecord[],
  workerIdentity: string | null = null,
): Promise<RecordTrialsResult> {
  await lockRun(em, tuningRunId);
  const inserted = trials.length > 0 ? await insertTrials(em, tuningRunId, trials, workerIdentity) : 0;
  const [row] = await em.execute<{ n_iterations: number }[]>(
    `update tuning_runs
        set n_iterations = (select count(*) from tuning_trials where tuning_run_id = ?)
      where id = ?
  returning n_iterations`,
    [tuningRunId, tuningRunId],
  );
  return { inserted, nIterations: row.n_iterations };
}

/**
 * Records trials idempotently (ON CONFLICT (tuning_run_id, number) DO NOTHING) and sets
 * n_iterations to the number of recorded trials, in one transaction. Concurrent calls for the
 * same run are serialised by a row lock, so n_iterations is never undercounted. Throws
 * RunClosedError when the run is already final (its workflow must stop: nobody reads its trials)
 * and RecordNotFoundError when it was deleted. `workerIdentity`: the worker process that evaluated them.
 */
export async function recordTrials(
  orm: MikroORM,
  tuningRunId: string,
  trials: readonly TrialRecord[],
  workerIdentity: string | null = null,
): Promise<RecordTrialsResult> {
  return orm.em.fork().transactional(async (em) => {
    const status = await lockRun(em, tuningRunId);
    if (status !== TuningStatus.RUNNING) throw new RunClosedError(tuningRunId, status);
    return recordTrialsIn(em, tuningRunId, trials, workerIdentity);
  });
}

/**
 * A running run's progress from its recorded trials (written within a second of each finishing),
 * so a status request costs one indexed query, never a round trip to the workflow.
 */
export async function runningProgress(
  orm: MikroORM,
  id: string,
): Promise<{ evaluated: number; total: number | null; best_score: number | null; best_params: Params | null; elapsed_seconds: number | null }> {
  const [row] = await orm.em.fork().execute<
    { evaluated: string; total: number | null; best_score: number | null; best_params: Params | null; elapsed_seconds: number | null }[]
  >(
    `select (select count(*) from tuning_trials t where t.tuning_run_id = r.id and t.state <> 'STOPPED') as evaluated,
            (r.config->>'n_iter')::int as total,
            b.mean_score as best_score,
            b.params as best_params,
            extract(epoch from now() - coalesce(r.started_at, r.created_at))::float8 as elapsed_seconds
       from tuning_runs r
       left join lateral (
            select mean_score, params from tuning_trials t
             where t.tuning_run_id = r.id and t.state = 'COMPLETE'
             order by case when r.config->>'direction' = 'minimize' then -t.mean_score else t.mean_score end desc, t.number
             limit 1) b on true
      where r.id = ?`,
    [id],
  );
  return { ...row, evaluated: Number(row.evaluated) };
}

/** Keeps the stored request in step with a budget change the workflow accepted (PATCH), for status and restarts. */
export async function recordBudgetChange(
  orm: MikroORM,
  id: string,
  budget: { n_iter: number; time_budget_seconds: number | null; parallelism: number },
): Promise<void> {
  await orm.em.fork().execute(
    `update tuning_runs set config = config || ?::jsonb where id = ? and status = 'running'`,
    [JSON.stringify(budget), id],
    'run',
  );
}

/** The status and results of a run as stored, or null when it does not exist. */
export async function getTuningRunOutcome(
  orm: MikroORM,
  id: string,
): Promise<{ status: TuningStatus; best_params: Params | null; results: Json | null } | null> {
  const rows = await orm.em
    .fork()
    .execute<{ status: TuningStatus; best_params: Params | null; results: Json | null }[]>(
      'select status, best_params, results from tuning_runs where id = ?',
      [id],
    );
  return rows[0] ?? null;
}

/** Which trials of a run to read: numbers in [from, below), or exactly the listed numbers. */
export interface TrialFilter {
  from?: number;
  below?: number;
  numbers?: readonly number[];
}

/** The recorded trials of a run (all of them, or those the filter selects), by number. */
export async function listTrials(orm: MikroORM, tuningRunId: string, filter: TrialFilter = {}): Promise<StoredTrial[]> {
  const conditions = ['tuning_run_id = ?'];
  const values: unknown[] = [tuningRunId];
  const where = (condition: string, value: unknown) => {
    conditions.push(condition);
    values.push(value);
  };
  if (filter.from !== undefined) where('number >= ?', filter.from);
  if (filter.below !== undefined) where('number < ?', filter.below);
  if (filter.numbers !== undefined) where('number = any(?::int[])', `{${filter.numbers.join(',')}}`);
  // Raw rows: the MikroORM pg driver returns timestamptz as text, converted here.
  const rows = await orm.em.fork().execute<(Omit<StoredTrial, 'error' | 'created_at'> & { error: string | null; created_at: string })[]>(
    `select number, params, state, scores, mean_score, std_score, duration_seconds, error, worker_identity as worker, created_at
       from tuning_trials where ${conditions.join(' and ')} order by number`,
    values,
  );
  return rows.map(({ error, created_at, ...rest }) => ({
    ...rest,
    ...(error === null ? {} : { error }),
    created_at: new Date(created_at),
  }));
}

export interface FinishOptions {
  /** Trials to record in the same transaction as the status change (idempotent). */
  trials?: readonly TrialRecord[];
  /** Why the search stopped (exhausted, n_iter, time_budget, target_score, cancelled). */
  stopReason?: string;
}

async function finish(
  orm: MikroORM,
  id: string,
  status: TuningStatus.COMPLETED | TuningStatus.FAILED,
  bestParams: object | null,
  results: object,
  options: FinishOptions,
): Promise<boolean> {
  return orm.em.fork().transactional(async (em) => {
    if (options.trials) {
      await recordTrialsIn(em, id, options.trials);
    }
    const res = await em.execute<{ affectedRows: number }>(
      `update tuning_runs
          set status = ?::tuningstatus,
              best_params = ?::jsonb,
              results = ?::jsonb,
              completed_at = now(),
              started_at = coalesce(started_at, created_at),
              stop_reason = ?
        where id = ? and status = 'running'`,
      [status, bestParams === null ? null : JSON.stringify(bestParams), JSON.stringify(results), options.stopReason ?? null, id],
      'run',
    );
    return res.affectedRows > 0;
  });
}

/**
 * RUNNING -> COMPLETED with best_params and results (and optionally the trials), in one
 * transaction. Returns false, changing nothing, when the run is unknown or already finished.
 */
export async function completeTuningRun(
  orm: MikroORM,
  id: string,
  bestParams: object,
  results: object,
  options: FinishOptions = {},
): Promise<boolean> {
  return finish(orm, id, TuningStatus.COMPLETED, bestParams, results, options);
}

/**
 * RUNNING -> FAILED with results = { error, error_type, ... } (best_params stays NULL).
 * Returns false, changing nothing, when the run is unknown or already finished.
 */
export async function failTuningRun(orm: MikroORM, id: string, results: object, options: FinishOptions = {}): Promise<boolean> {
  return finish(orm, id, TuningStatus.FAILED, null, results, options);
}

/** The run's status, or null when it does not exist. */
export async function getTuningRunStatus(orm: MikroORM, id: string): Promise<TuningStatus | null> {
  const rows = await orm.em.fork().execute<{ status: TuningStatus }[]>('select status from tuning_runs where id = ?', [id]);
  return rows[0]?.status ?? null;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
