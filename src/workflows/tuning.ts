/**
 * TuningWorkflow: evaluates candidates in batches of cross-validated fits and records the outcome.
 * Orchestration only: every read, write and fit happens in an activity; the workflow keeps the
 * trial results so a worker crash resumes where the recorded history ends.
 */
import {
  ApplicationFailure,
  condition,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { describeFailure } from './failures';
import { rankCandidates } from '../ml/ranking';
import type { Params } from '../ml/types';
import { NON_RETRYABLE_ERRORS } from '../temporal/errors';
import { BestScore, ModelRunId, TuningMethod, TuningRunId, TuningStatus, UserId } from '../temporal/search_attributes';
import type {
  Candidate,
  StopReason,
  TrialResult,
  TuningOutcome,
  TuningProgress,
  TuningResults,
  TuningWorkflowInput,
} from './types';

type Activities = ReturnType<typeof createActivities>;


const { loadTuningContext, expandCandidates, suggestCandidates } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

/** Fits are long: heartbeats tell Temporal the worker is alive, so a dead one is noticed within a minute. */
const { evaluateCandidates } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

/** Recording the outcome must eventually succeed (e.g. across a database restart): retry without limit. */
const { completeTuningRun, failTuningRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export const progressQuery = defineQuery<TuningProgress>('progress');

export async function TuningWorkflow(input: TuningWorkflowInput): Promise<TuningOutcome> {
  const { tuningRunId, config } = input;
  const startedAt = Date.now();
  const trials: TrialResult[] = [];
  let total = config.tuning_method === 'bayesian' ? config.n_iter : 0;

  const best = (): TrialResult | undefined =>
    trials.reduce<TrialResult | undefined>(
      (top, t) => (t.state === 'COMPLETE' && (top === undefined || t.mean_score! > top.mean_score!) ? t : top),
      undefined,
    );
  setHandler(progressQuery, () => ({
    evaluated: trials.length,
    total,
    best_score: best()?.mean_score ?? null,
    best_params: best()?.params ?? null,
    elapsed_seconds: (Date.now() - startedAt) / 1000,
  }));

  try {
    const context = await loadTuningContext(tuningRunId);
    upsertSearchAttributes([
      { key: TuningRunId, value: tuningRunId },
      { key: ModelRunId, value: context.modelRunId },
      { key: UserId, value: context.userId },
      { key: TuningMethod, value: config.tuning_method },
      { key: TuningStatus, value: 'running' },
    ]);

    // grid and random search know every candidate up front; bayesian asks for a batch at a time.
    const planned = config.tuning_method === 'bayesian' ? undefined : await expandCandidates(config);
    if (planned) total = planned.length;
    let nextNumber = 0;
    let stopReason: StopReason = 'exhausted';
    const inFlight = new Map<number, Candidate[]>();

    const stopRequested = (): StopReason | null => {
      const top = best();
      if (config.target_score !== null && top && top.mean_score! >= config.target_score) return 'target_score';
      if (config.time_budget_seconds !== null && (Date.now() - startedAt) / 1000 >= config.time_budget_seconds) return 'time_budget';
      return null;
    };

    const nextBatch = async (): Promise<Candidate[]> => {
      const count = Math.min(config.batch_size, total - nextNumber);
      if (count <= 0) return [];
      const params: Params[] = planned
        ? planned.slice(nextNumber, nextNumber + count)
        : await suggestCandidates({
            tuningRunId,
            config,
            context,
            pending: [...inFlight.values()].flat().map((c) => c.params),
            count,
            firstTrialNumber: nextNumber,
          });
      const batch = params.map((p, i) => ({ number: nextNumber + i, params: p }));
      nextNumber += batch.length;
      return batch;
    };

    let failure: unknown;
    while (failure === undefined) {
      const reason = stopRequested();
      if (reason) {
        stopReason = reason;
        break;
      }
      if (inFlight.size < config.parallelism && nextNumber < total) {
        const batch = await nextBatch();
        const key = batch[0].number;
        inFlight.set(key, batch);
        evaluateCandidates({ tuningRunId, context, config, candidates: batch })
          .then((results) => trials.push(...results))
          .catch((err) => (failure ??= err))
          .finally(() => inFlight.delete(key));
        continue;
      }
      if (inFlight.size === 0) {
        stopReason = config.tuning_method === 'grid_search' ? 'exhausted' : 'n_iter';
        break;
      }
      const evaluatedBefore = trials.length;
      await condition(() => trials.length > evaluatedBefore || failure !== undefined || inFlight.size < config.parallelism);
    }
    if (failure !== undefined) throw failure;
    // Batches still running when a budget stopped the search are awaited, not lost.
    await condition(() => inFlight.size === 0 || failure !== undefined);
    if (failure !== undefined) throw failure;

    const results = summarize(trials, input, (Date.now() - startedAt) / 1000);
    const top = best();
    if (!top) throw ApplicationFailure.nonRetryable('no candidate could be evaluated', 'NoSuccessfulTrialError');
    await completeTuningRun({ tuningRunId, bestParams: top.params, results });
    upsertSearchAttributes([
      { key: TuningStatus, value: 'completed' },
      { key: BestScore, value: top.mean_score! },
    ]);
    return { tuningRunId, bestScore: top.mean_score, bestParams: top.params, evaluated: trials.length, stopReason };
  } catch (err) {
    const failureResults = describeFailure(err);
    await failTuningRun({ tuningRunId, results: failureResults });
    upsertSearchAttributes([{ key: TuningStatus, value: 'failed' }]);
    throw ApplicationFailure.nonRetryable(failureResults.error, failureResults.error_type);
  }
}

function summarize(trials: TrialResult[], input: TuningWorkflowInput, tuningTime: number): TuningResults {
  const { config } = input;
  const ranked = rankCandidates(
    trials
      .filter((t) => t.state === 'COMPLETE')
      .map((t) => ({ number: t.number, params: t.params, mean_score: t.mean_score!, std_score: t.std_score!, scores: t.scores })),
  );
  return {
    best_score: ranked[0].mean_score,
    total_combinations: trials.length,
    cv_folds: config.cv_folds,
    scoring_metric: config.scoring,
    tuning_time: Math.round(tuningTime * 1000) / 1000,
    tuning_method: config.tuning_method,
    all_results: ranked.slice(0, config.top_n).map(({ rank, params, mean_score, std_score, scores }) => ({
      rank,
      params,
      mean_score,
      std_score,
      scores,
    })),
    error: null,
  };
}
