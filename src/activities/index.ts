/**
 * Activities: every side effect of the workflows (database reads and writes, fits) lives here.
 * Built by a factory so the worker injects one ORM, one data set cache and one evaluation pool.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { completeModelRun, failModelRun } from '../db/model_runs';
import { completeTuningRun, failTuningRun, listTrials, markTuningRunStarted, recordTrials } from '../db/tuning_runs';
import { buildResults } from './results';
import { paramNames } from '../ml/estimators';
import type { CandidateEvaluation, EvaluationPool } from '../ml/parallel';
import { createPruner, createSampler, expandGrid, warmStartHistory, type Trial as SamplerTrial } from '../ml/search';
import type { Params } from '../ml/types';
import type {
  Candidate,
  EvaluateInput,
  FailureResults,
  FinishInput,
  TrialResult,
  TuningConfig,
  TuningContext,
} from '../workflows/types';
import { DatasetCache } from './dataset_cache';
import { ModelRunNotReadyError, NotFoundError } from './errors';

export interface ActivityDeps {
  orm: MikroORM;
  pool: EvaluationPool;
  datasets: DatasetCache;
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
  const state = evaluation.error ? 'FAILED' : evaluation.pruned ? 'PRUNED' : 'COMPLETE';
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

/** The sampler's and pruner's view of a trial: its value is the mean CV score, its steps the folds. */
function toSamplerTrial(trial: TrialResult): SamplerTrial {
  return {
    number: trial.number,
    params: trial.params,
    value: trial.state === 'COMPLETE' ? trial.mean_score : null,
    state: trial.state,
    intermediateValues: trial.scores,
  };
}

/** A fit that threw fails the same way on every attempt: not worth retrying. */
function estimatorFailure(error: { message: string; type: string }): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: true });
}

/** Heartbeats on a timer while a long evaluation runs in the pool's threads. */
async function withHeartbeat<T>(work: Promise<T>, details: () => unknown): Promise<T> {
  const timer = setInterval(() => Context.current().heartbeat(details()), 5_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export function createActivities({ orm, pool, datasets }: ActivityDeps) {
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
      await datasets.get(row.dataset_id); // parse now: bad data fails the run before any candidate runs
      await markTuningRunStarted(orm, tuningRunId);
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
     * bayesian: the next batch, from the trials recorded so far (plus, for a warm start, the
     * parent run's) and the candidates still being evaluated.
     */
    async suggestCandidates(input: {
      tuningRunId: string;
      config: TuningConfig;
      context: TuningContext;
      pending: Params[];
      count: number;
      firstTrialNumber: number;
    }): Promise<Params[]> {
      const { config } = input;
      const space = config.param_distributions!;
      const parent = config.parent_tuning_run_id ? (await listTrials(orm, config.parent_tuning_run_id)).map(toSamplerTrial) : [];
      const own = (await listTrials(orm, input.tuningRunId)).map(toSamplerTrial);
      const sampler = createSampler('bayesian', { seed: config.seed, sampler: config.sampler });
      return sampler.suggest(space, [...warmStartHistory(parent, space), ...own], input.pending, input.count, input.firstTrialNumber);
    },

    /**
     * Cross-validates a batch of candidates on all cores. Each finished trial is recorded within
     * seconds (so a crash loses at most the candidates still being fitted), and trials an earlier
     * attempt recorded are reused: a retry only evaluates what is missing.
     */
    async evaluateCandidates(input: EvaluateInput): Promise<TrialResult[]> {
      const { tuningRunId, context, config, candidates } = input;
      const history = await listTrials(orm, tuningRunId);
      const wanted = new Set(candidates.map((c) => c.number));
      const recorded = history.filter((t) => wanted.has(t.number));
      const done = new Set(recorded.map((t) => t.number));
      const todo = candidates.filter((c) => !done.has(c.number));
      if (todo.length === 0) return recorded;

      // The pruner compares a candidate's first folds with every trial completed so far.
      const pruner = createPruner(config.pruner);
      const completed: SamplerTrial[] = history.map(toSamplerTrial);
      const unrecorded: TrialResult[] = [];
      let recording = Promise.resolve();
      // A failed write (database restarting) must neither reject the heartbeat's `void flush()` (an
      // unhandled rejection kills the worker) nor lose trials: the write after the batch redoes it.
      let writeFailed = false;
      const flush = () => {
        const trials = unrecorded.splice(0);
        if (trials.length > 0) {
          recording = recording
            .then(() => recordTrials(orm, tuningRunId, trials))
            .then(
              () => undefined,
              () => {
                writeFailed = true;
              },
            );
        }
        return recording;
      };

      const dataset = await datasets.get(context.datasetId);
      const fresh: TrialResult[] = [];
      // On cancel every candidate stops after its current fold; only finished ones are kept.
      const cancelled = Context.current().cancellationSignal;
      const evaluations = await withHeartbeat(
        pool.evaluate({
          datasetKey: context.datasetId,
          dataset,
          modelType: context.modelType,
          task: context.task,
          candidates: todo.map((c) => fullParams(context, config.seed, c.params)),
          cvFolds: config.cv_folds,
          scoring: config.scoring,
          seed: config.seed,
          onProgress: ({ candidateIndex, evaluation }) => {
            if (cancelled.aborted && evaluation.pruned) return;
            const trial = toTrialResult(todo[candidateIndex], evaluation);
            fresh.push(trial);
            unrecorded.push(trial);
            completed.push(toSamplerTrial(trial));
          },
          shouldPrune: (_index, foldScores) => cancelled.aborted || pruner.shouldPrune(foldScores, completed),
        }),
        () => {
          void flush();
          return { evaluated: fresh.length, of: todo.length };
        },
      );
      await flush();
      // Idempotent; throws while the database is still down, and the activity is retried.
      if (writeFailed) await recordTrials(orm, tuningRunId, fresh);
      if (cancelled.aborted) return [...recorded, ...fresh].sort((a, b) => a.number - b.number);
      // An estimator that rejects its parameters or data fails the run: every candidate would.
      const failed = evaluations.find((e) => e.error);
      if (failed?.error) throw estimatorFailure(failed.error);
      return [...recorded, ...fresh].sort((a, b) => a.number - b.number);
    },

    /**
     * Writes the outcome in one conditional transaction, from the trials recorded in the database
     * (the workflow keeps only counters, so a run of any length finishes the same way).
     */
    async finishTuningRun(input: FinishInput): Promise<{ bestScore: number | null; bestParams: Params | null }> {
      const results = buildResults(await listTrials(orm, input.tuningRunId), input.config, input.tuningTime);
      const options = { stopReason: input.stopReason };
      if (input.cancelReason !== undefined) {
        // The seed has no CANCELLED status: a cancelled run is FAILED, keeping what it found.
        await failTuningRun(orm, input.tuningRunId, { ...results, error: input.cancelReason, error_type: 'Cancelled' }, options);
        return { bestScore: results?.best_score ?? null, bestParams: results?.all_results[0].params ?? null };
      }
      if (!results) {
        throw ApplicationFailure.create({ message: 'no candidate could be evaluated', type: 'NoSuccessfulTrialError', nonRetryable: true });
      }
      await completeTuningRun(orm, input.tuningRunId, results.all_results[0].params, results, options);
      return { bestScore: results.best_score, bestParams: results.all_results[0].params };
    },

    async failTuningRun(input: { tuningRunId: string; results: FailureResults }): Promise<boolean> {
      return failTuningRun(orm, input.tuningRunId, input.results);
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
      const [evaluation] = await withHeartbeat(
        pool.evaluate({
          datasetKey: row.dataset_id,
          dataset,
          modelType: row.model_type,
          task: row.task_type,
          candidates: [row.hyperparameters],
          cvFolds: row.cv_folds,
          scoring: row.scoring,
          seed: 0,
        }),
        () => ({ modelRunId }),
      );
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
