/**
 * Activities: every side effect of the workflows (database reads and writes, fits) lives here.
 * Built by a factory so the worker injects one ORM, one data set cache and one evaluation pool.
 */
import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { completeModelRun, failModelRun } from '../db/model_runs';
import { completeTuningRun, failTuningRun, getTuningRunOutcome, listTrials, markTuningRunStarted, recordTrials } from '../db/tuning_runs';
import { RunClosedError } from '../db/errors';
import { computeAndStoreImportance } from '../db/run_importance';
import { EXTERNAL_MODEL_TYPE, TuningStatus } from '../entities/enums';
import { buildResults } from './results';
import { trialDuration, trialsEvaluated, tuningRunsCompleted, tuningRunsFailed } from '../metrics';
import { paramNames } from '../ml/estimators';
import type { CandidateEvaluation, EvaluateOptions, EvaluationPool } from '../ml/parallel';
import { createPruner, createSampler, expandGrid, warmStartHistory } from '../ml/search';
import type { Params } from '../ml/types';
import type {
  Candidate,
  EvaluateInput,
  EvaluateOutcome,
  FailureResults,
  FinishedRun,
  FinishInput,
  SuggestInput,
  TrialResult,
  TuningConfig,
  TuningContext,
} from '../workflows/types';
import { suggestFromHistory, toSamplerTrial } from '../workflows/sampler_trials';
import { DatasetCache } from './dataset_cache';
import { TrialHistory } from './trial_history';
import { TrialRecorder } from './trial_recorder';
import { ModelRunNotReadyError, NotFoundError } from './errors';

/** Within finishTuningRun's 1-minute start-to-close timeout, with room for the outcome's write. */
const IMPORTANCE_TIMEOUT_MS = 30_000;

export interface ActivityDeps {
  orm: MikroORM;
  pool: EvaluationPool;
  datasets: DatasetCache;
  /** This worker process's Temporal identity, recorded with the trials it evaluates. */
  workerIdentity: string;
}

interface ContextRow {
  model_run_id: string;
  model_run_status: string;
  model_type: string;
  hyperparameters: Params;
  user_id: string;
  dataset_id: string;
  task_type: TuningContext['task'];
}

function toTrialResult(candidate: Candidate, evaluation: CandidateEvaluation): TrialResult {
  const state = evaluation.error ? 'FAILED' : evaluation.stopped ? 'STOPPED' : evaluation.pruned ? 'PRUNED' : 'COMPLETE';
  return {
    number: candidate.number,
    params: candidate.params,
    state,
    scores: evaluation.scores,
    mean_score: state === 'FAILED' ? null : evaluation.meanScore,
    std_score: state === 'FAILED' ? null : evaluation.stdScore,
    duration_seconds: evaluation.fitTime,
    ...(evaluation.error ? { error: evaluation.error.message } : {}),
  };
}

/** A fit that threw fails the same way on every attempt: not worth retrying. */
function estimatorFailure(error: { message: string; type: string }): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: true });
}

/**
 * Counts and logs a run this activity settled (one already final was counted by whoever settled
 * it). The log line carries the workflow id and tuning run id (src/logging.ts).
 */
function reportSettled(method: string, outcome: FinishedRun): FinishedRun {
  if (outcome.written) {
    (outcome.status === 'completed' ? tuningRunsCompleted : tuningRunsFailed).inc({ method });
    log.info('tuning run finished', { status: outcome.status, bestScore: outcome.bestScore, errorType: outcome.errorType });
  }
  return outcome;
}

/** How often an evaluation looks at its progress (and so how soon a cancel or a closed run is seen). */
const PROGRESS_CHECK_MS = 250;

/**
 * Heartbeats while the work makes progress (a fold finished, a tree node split): a fit that hangs
 * stops heartbeating, so Temporal notices within the heartbeat timeout and retries the batch on a
 * live worker, instead of a timer keeping a stuck activity alive until its start-to-close limit.
 */
async function heartbeatWhileProgressing<T>(work: Promise<T>, progress: () => string, details: () => unknown): Promise<T> {
  let seen = progress();
  const timer = setInterval(() => {
    const now = progress();
    if (now === seen) return;
    seen = now;
    Context.current().heartbeat(details());
  }, PROGRESS_CHECK_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export function createActivities({ orm, pool, datasets, workerIdentity }: ActivityDeps) {
  const history = new TrialHistory(orm);

  /** The run's outcome as its row holds it (after a write, or when the row was already final). */
  async function storedOutcome(tuningRunId: string, written: boolean): Promise<FinishedRun> {
    const row = await getTuningRunOutcome(orm, tuningRunId);
    const results = row?.results ?? {};
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    return {
      status: row?.status === TuningStatus.COMPLETED ? 'completed' : 'failed',
      bestScore: typeof results.best_score === 'number' ? results.best_score : null,
      bestParams: row?.best_params ?? null,
      written,
      error: text(results.error),
      errorType: text(results.error_type),
    };
  }

  /** Fixed parameters merged under each candidate: the run's seed, then the model run's own values. */
  function fullParams(context: TuningContext, seed: number, candidate: Params): Params {
    const seeded: Params = paramNames(context.modelType, context.task).includes('random_state') ? { random_state: seed } : {};
    return { ...seeded, ...context.baseParams, ...candidate };
  }

  return {
    async loadTuningContext(tuningRunId: string): Promise<TuningContext> {
      const [row] = await orm.em.getConnection().execute<ContextRow[]>(
        `select mr.id as model_run_id, mr.status as model_run_status, mr.model_type, mr.hyperparameters,
                e.user_id, e.dataset_id, d.task_type
           from tuning_runs tr
           join model_runs mr on mr.id = tr.model_run_id
           join experiments e on e.id = mr.experiment_id
           join datasets d on d.id = e.dataset_id
          where tr.id = ?`,
        [tuningRunId],
      );
      if (!row) throw new NotFoundError(`tuning run ${tuningRunId} does not exist`);
      if (row.model_run_status !== 'completed') {
        throw new ModelRunNotReadyError(`model run ${row.model_run_id} is ${row.model_run_status}, not completed`);
      }
      // Parse now: bad data fails the run before any candidate runs (an external model's code reads its own).
      if (row.model_type !== EXTERNAL_MODEL_TYPE) await datasets.get(row.dataset_id);
      // A row already final (failed by the API while this workflow was being started) stops the run at once.
      if (!(await markTuningRunStarted(orm, tuningRunId))) throw new RunClosedError(tuningRunId, 'finished');
      return {
        modelRunId: row.model_run_id,
        userId: row.user_id,
        datasetId: row.dataset_id,
        modelType: row.model_type,
        task: row.task_type,
        baseParams: row.hyperparameters ?? {},
      };
    },

    /** grid_search: the Cartesian product; random_search: n_iter seeded samples. */
    async expandCandidates(config: TuningConfig): Promise<Params[]> {
      if (config.tuning_method === 'grid_search') return expandGrid(config.param_grid!);
      return createSampler('random_search', { seed: config.seed }).suggest(config.param_distributions!, [], [], config.n_iter, 0);
    },

    /**
     * bayesian: the next batch, from a fixed view of the run (the trials numbered below
     * historyEnd, plus a warm start's parent trials, and the pending candidates the workflow
     * names), so the same request suggests the same candidates whatever the timing.
     */
    async suggestCandidates(input: SuggestInput): Promise<Params[]> {
      const { config } = input;
      const space = config.param_distributions!;
      const parent = config.parent_tuning_run_id ? await history.ofFinishedRun(config.parent_tuning_run_id) : [];
      const own = input.historyEnd === null ? await history.ofStudy(input.tuningRunId, input.recent ?? []) : await history.below(input.tuningRunId, input.historyEnd);
      // Samplers maximise: a minimised study's values are given with their sign turned.
      const sign = config.direction === 'minimize' ? -1 : 1;
      const asSampled = (trial: TrialResult) => toSamplerTrial(trial, sign);
      return suggestFromHistory(input, [...warmStartHistory(parent.map(asSampled), space), ...own.map(asSampled)]);
    },

    /**
     * Cross-validates a batch of candidates on all cores. Each finished trial is recorded within
     * a second (so a crash loses at most the folds being fitted), and trials an earlier attempt
     * recorded are reused: a retry only evaluates what is missing. The batch stops itself at the
     * time budget's deadline and when a trial reaches target_score, and at once on cancel: the
     * candidates it cuts short are recorded STOPPED with the folds they finished.
     */
    async evaluateCandidates(input: EvaluateInput): Promise<EvaluateOutcome> {
      const { tuningRunId, context, config, candidates } = input;
      const recorded = await listTrials(orm, tuningRunId, { numbers: candidates.map((c) => c.number) });
      const done = new Set(recorded.map((t) => t.number));
      const todo = candidates.filter((c) => !done.has(c.number));
      if (todo.length === 0) return { trials: recorded, stoppedBy: null };

      // The pruner compares with a fixed set of trials (see PlannedBatch), never with whatever
      // other batches happen to have finished, so its decisions are reproducible.
      const pruner = createPruner(config.pruner);
      const compared = config.pruner === 'none' ? [] : (await history.below(tuningRunId, input.historyEnd)).map((trial) => toSamplerTrial(trial));
      const recorder = new TrialRecorder(orm, tuningRunId, workerIdentity);
      const dataset = await datasets.get(context.datasetId);

      const stop = new AbortController();
      let stoppedBy: EvaluateOutcome['stoppedBy'] = null;
      const stopFor = (reason: NonNullable<EvaluateOutcome['stoppedBy']>) => {
        stoppedBy ??= reason;
        stop.abort();
      };
      const cancelled = Context.current().cancellationSignal;
      const onCancel = () => stopFor('cancelled');
      cancelled.addEventListener('abort', onCancel);
      const deadlineTimer = input.deadline === null ? undefined : setTimeout(() => stopFor('time_budget'), Math.max(0, input.deadline - Date.now()));
      const fresh: TrialResult[] = [];
      const options: EvaluateOptions = {
        datasetKey: context.datasetId,
        dataset,
        modelType: context.modelType,
        task: context.task,
        candidates: todo.map((c) => fullParams(context, config.seed, c.params)),
        cvFolds: config.cv_folds,
        scoring: config.scoring,
        seed: config.seed,
        signal: stop.signal,
        onProgress: ({ candidateIndex, evaluation }) => {
          const trial = toTrialResult(todo[candidateIndex], evaluation);
          fresh.push(trial);
          recorder.add(trial);
          trialsEvaluated.inc({ method: config.tuning_method, state: trial.state });
          trialDuration.observe({ method: config.tuning_method }, trial.duration_seconds);
          if (config.target_score !== null && trial.state === 'COMPLETE' && trial.mean_score! >= config.target_score) stopFor('target_score');
        },
        shouldPrune: (_index, foldScores) => pruner.shouldPrune(foldScores, compared),
      };
      let evaluations: CandidateEvaluation[];
      try {
        evaluations = await heartbeatWhileProgressing(pool.evaluate(options), () => pool.progressOf(options), () => {
          void recorder.flush();
          return { evaluated: fresh.length, of: todo.length };
        });
      } finally {
        clearTimeout(deadlineTimer);
        cancelled.removeEventListener('abort', onCancel);
      }
      // Candidates the stop cut short are recorded too: the results name them.
      evaluations.forEach((evaluation, i) => {
        if (evaluation.stopped) {
          const trial = toTrialResult(todo[i], evaluation);
          fresh.push(trial);
          recorder.add(trial);
        }
      });
      await recorder.finish();
      log.info('evaluated a batch', { candidates: candidates.length, evaluated: fresh.length, reused: recorded.length, stoppedBy });
      const trials = [...recorded, ...fresh].sort((a, b) => a.number - b.number);
      if (stoppedBy !== null) return { trials, stoppedBy };
      // An estimator that rejects its parameters or data fails the run: every candidate would. A
      // candidate too large for its thread's memory fails alone (a smaller one may fit).
      const failed = evaluations.find((e) => e.error && e.error.type !== 'ResourceLimitExceeded');
      if (failed?.error) throw estimatorFailure(failed.error);
      return { trials, stoppedBy: null };
    },

    /**
     * Writes the outcome in one conditional transaction, from the trials recorded in the database
     * (the workflow keeps only counters, so a run of any length finishes the same way). When the
     * row is already final (the API failed it, or the run was cancelled elsewhere) nothing is
     * written and the row's own outcome is returned, so the workflow reports what the table says.
     */
    async finishTuningRun(input: FinishInput): Promise<FinishedRun> {
      // Stored before the run reads as final, so its dashboard need not fit the forest; on failure the API computes it when asked.
      await computeAndStoreImportance(orm.em.fork(), input.tuningRunId, IMPORTANCE_TIMEOUT_MS).catch((err: unknown) =>
        log.warn('parameter importance not stored', { tuningRunId: input.tuningRunId, error: err instanceof Error ? err.message : String(err) }),
      );
      const results = buildResults(await listTrials(orm, input.tuningRunId), input.config, input.tuningTime);
      const options = { stopReason: input.stopReason };
      let written: boolean;
      if (input.cancelReason !== undefined) {
        // The seed has no CANCELLED status: a cancelled run is FAILED, keeping what it found.
        written = await failTuningRun(orm, input.tuningRunId, { ...results, error: input.cancelReason, error_type: 'Cancelled' }, options);
      } else if (!results) {
        const failure: FailureResults =
          input.stopReason === 'time_budget'
            ? { error: `the time budget of ${input.config.time_budget_seconds} s ran out before any candidate finished`, error_type: 'TimeBudgetExhausted' }
            : { error: 'no candidate could be evaluated', error_type: 'NoSuccessfulTrialError' };
        written = await failTuningRun(orm, input.tuningRunId, failure, options);
      } else {
        written = await completeTuningRun(orm, input.tuningRunId, results.all_results[0].params, results, options);
      }
      return reportSettled(input.config.tuning_method, await storedOutcome(input.tuningRunId, written));
    },

    /** A client-evaluated study's closed trial (idempotent; refused once the run is final). */
    async recordClientTrials(input: { tuningRunId: string; trials: TrialResult[] }): Promise<void> {
      await recordTrials(orm, input.tuningRunId, input.trials);
    },

    async failTuningRun(input: { tuningRunId: string; results: FailureResults }): Promise<FinishedRun> {
      const outcome = await storedOutcome(input.tuningRunId, await failTuningRun(orm, input.tuningRunId, input.results));
      const [row] = await orm.em.getConnection().execute<{ tuning_method: string }[]>('select tuning_method from tuning_runs where id = ?', [input.tuningRunId]);
      return reportSettled(row?.tuning_method ?? 'unknown', outcome);
    },

    /** Cross-validates a model run's own hyperparameters and records the score. */
    async trainModelRun(modelRunId: string): Promise<void> {
      const [row] = await orm.em.getConnection().execute<
        { model_type: string; hyperparameters: Params; cv_folds: number; scoring: string; dataset_id: string; task_type: TuningContext['task'] }[]
      >(
        `select mr.model_type, mr.hyperparameters, mr.cv_folds, mr.scoring, e.dataset_id, d.task_type
           from model_runs mr join experiments e on e.id = mr.experiment_id join datasets d on d.id = e.dataset_id
          where mr.id = ?`,
        [modelRunId],
      );
      if (!row) throw new NotFoundError(`model run ${modelRunId} does not exist`);
      const dataset = await datasets.get(row.dataset_id);
      const startedAt = performance.now();
      const options: EvaluateOptions = {
        datasetKey: row.dataset_id,
        dataset,
        modelType: row.model_type,
        task: row.task_type,
        candidates: [row.hyperparameters],
        cvFolds: row.cv_folds,
        scoring: row.scoring,
        seed: 0,
        // A cancel (the model run deleted, the workflow cancelled) stops the fit in its fold.
        signal: Context.current().cancellationSignal,
      };
      const [evaluation] = await heartbeatWhileProgressing(pool.evaluate(options), () => pool.progressOf(options), () => ({ modelRunId }));
      if (evaluation.stopped) throw new CancelledFailure('training cancelled');
      if (evaluation.error) throw estimatorFailure(evaluation.error);
      await completeModelRun(orm, modelRunId, {
        scoring: row.scoring,
        mean_score: evaluation.meanScore,
        std_score: evaluation.stdScore,
        scores: evaluation.scores,
        training_time: (performance.now() - startedAt) / 1000,
      });
    },

    async failModelRun(input: { modelRunId: string; failure: FailureResults }): Promise<boolean> {
      return failModelRun(orm, input.modelRunId, input.failure);
    },
  };
}

export { DatasetCache };
