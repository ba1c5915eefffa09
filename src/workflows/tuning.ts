/**
 * TuningWorkflow: evaluates candidates in batches of cross-validated fits and records the outcome.
 * Orchestration only: every read, write and fit happens in an activity. Trials are recorded in
 * tuning_trials by the activities, so the workflow keeps only counters and the best trial, and
 * continues as new before its history grows large.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ActivityCancellationType,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { Params } from '../ml/types';
import { NON_RETRYABLE_ERRORS } from '../temporal/errors';
import { BestScore, ModelRunId, TuningMethod, TuningRunId, TuningStatus, UserId } from '../temporal/search_attributes';
import { cancelSignal, progressQuery, updateBudget } from './definitions';
import { describeFailure } from './failures';
import type {
  BestTrial,
  Candidate,
  StopReason,
  TrialResult,
  TuningContext,
  TuningOutcome,
  TuningWorkflowInput,
} from './types';

type Activities = ReturnType<typeof createActivities>;

const { loadTuningContext, expandCandidates, suggestCandidates } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

/**
 * Fits are long: heartbeats tell Temporal the worker is alive, so a dead worker's batch is retried
 * elsewhere within a minute; on cancel the activity stops its fits and returns what finished.
 */
const { evaluateCandidates } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

/** Recording the outcome must eventually succeed (e.g. across a database restart): retry without limit. */
const { finishTuningRun, failTuningRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['NoSuccessfulTrialError'] },
});


/** Events after which the run continues as new (Temporal caps a history at 51,200 events). */
const DEFAULT_HISTORY_EVENT_LIMIT = 10_000;

export async function TuningWorkflow(input: TuningWorkflowInput): Promise<TuningOutcome> {
  const { tuningRunId, historyEventLimit = DEFAULT_HISTORY_EVENT_LIMIT } = input;
  const config = { ...input.config };
  const startedAt = input.carried?.startedAt ?? Date.now();
  let nextNumber = input.carried?.nextNumber ?? 0;
  let evaluated = input.carried?.evaluated ?? 0;
  let best: BestTrial | null = input.carried?.best ?? null;
  let total = config.n_iter;
  let cancelReason: string | undefined;
  const inFlight = new Map<number, Candidate[]>();
  const elapsedSeconds = () => (Date.now() - startedAt) / 1000;

  setHandler(progressQuery, () => ({
    evaluated,
    total,
    best_score: best?.mean_score ?? null,
    best_params: best?.params ?? null,
    elapsed_seconds: elapsedSeconds(),
  }));
  // In-flight evaluations run in this scope, so a cancel reaches them at once.
  const evaluations = new CancellationScope();
  const requestCancel = (reason: string) => {
    cancelReason ??= reason;
    evaluations.cancel();
  };
  setHandler(cancelSignal, ({ reason }) => requestCancel(reason || 'cancelled by the user'));
  // A Temporal cancellation request (the Web UI's Cancel, a parent's close policy) stops the run
  // as the cancel signal does: the rest of the workflow is not cancellable, so it still writes
  // the outcome (FAILED, Cancelled, with the best results so far) instead of leaving it RUNNING.
  CancellationScope.current().cancelRequested.catch(() => requestCancel('cancellation requested through Temporal'));
  setHandler(
    updateBudget,
    (change) => {
      if (change.n_iter !== undefined) total = change.n_iter;
      if (change.time_budget_seconds !== undefined) config.time_budget_seconds = change.time_budget_seconds;
      if (change.parallelism !== undefined) config.parallelism = change.parallelism;
      config.n_iter = total;
      return { n_iter: total, time_budget_seconds: config.time_budget_seconds, parallelism: config.parallelism };
    },
    {
      validator: (change) => {
        if (change.n_iter !== undefined) {
          if (!Number.isInteger(change.n_iter) || change.n_iter < nextNumber) {
            throw new Error(`n_iter: must be an integer of at least ${nextNumber} (candidates already started)`);
          }
          if (config.tuning_method === 'grid_search' && change.n_iter > input.config.n_iter) {
            throw new Error(`n_iter: a grid has ${input.config.n_iter} combinations; it can only be lowered`);
          }
        }
        if (change.parallelism !== undefined && (!Number.isInteger(change.parallelism) || change.parallelism < 1 || change.parallelism > 64)) {
          throw new Error('parallelism: must be an integer from 1 to 64');
        }
        if (change.time_budget_seconds != null && !(change.time_budget_seconds > 0)) {
          throw new Error('time_budget_seconds: must be positive or null');
        }
      },
    },
  );

  const outcome = await CancellationScope.nonCancellable(async (): Promise<TuningOutcome> => {
    try {
      const context: TuningContext = input.carried?.context ?? (await loadTuningContext(tuningRunId));
      if (!input.carried) {
        upsertSearchAttributes([
          { key: TuningRunId, value: tuningRunId },
          { key: ModelRunId, value: context.modelRunId },
          { key: UserId, value: context.userId },
          { key: TuningMethod, value: config.tuning_method },
          { key: TuningStatus, value: 'running' },
        ]);
      }

      // grid and random search expand their candidates up front (a random candidate depends only on
      // the seed and its number, so a larger n_iter extends the same list); bayesian asks per batch.
      let planned: Params[] | undefined;
      const nextBatch = async (): Promise<Candidate[]> => {
        const count = Math.min(config.batch_size, total - nextNumber);
        let params: Params[];
        if (config.tuning_method === 'bayesian') {
          params = await suggestCandidates({
            tuningRunId,
            config,
            context,
            pending: [...inFlight.values()].flat().map((c) => c.params),
            count,
            firstTrialNumber: nextNumber,
          });
        } else {
          if (!planned || planned.length < nextNumber + count) planned = await expandCandidates(config);
          params = planned.slice(nextNumber, nextNumber + count);
        }
        const batch = params.map((p, i) => ({ number: nextNumber + i, params: p }));
        nextNumber += batch.length;
        return batch;
      };
      const recordResults = (results: TrialResult[]) => {
        const previous = best;
        for (const trial of results) {
          if (trial.state !== 'COMPLETE') continue;
          if (!best || trial.mean_score! > best.mean_score || (trial.mean_score === best.mean_score && trial.number < best.number)) {
            best = { number: trial.number, params: trial.params, mean_score: trial.mean_score! };
          }
        }
        evaluated += results.length;
        // The Web UI filters on BestScore while the run is still going.
        if (best && best !== previous) upsertSearchAttributes([{ key: BestScore, value: best.mean_score }]);
      };

      let failure: unknown;
      let stopReason: StopReason | undefined;
      const budgetStop = (): StopReason | undefined => {
        if (cancelReason !== undefined) return 'cancelled';
        if (config.target_score !== null && best && best.mean_score >= config.target_score) return 'target_score';
        if (config.time_budget_seconds !== null && elapsedSeconds() >= config.time_budget_seconds) return 'time_budget';
        return undefined;
      };
      const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyEventLimit;

      const canStartBatch = () => inFlight.size < config.parallelism && nextNumber < total && !historyFull();
      while (failure === undefined && (stopReason = budgetStop()) === undefined) {
        if (canStartBatch()) {
          const batch = await nextBatch();
          const key = batch[0].number;
          inFlight.set(key, batch);
          evaluations
            .run(() => evaluateCandidates({ tuningRunId, context, config, candidates: batch }))
            .then(recordResults)
            .catch((err) => {
              if (!(cancelReason !== undefined && isCancellation(err))) failure ??= err;
            })
            .finally(() => inFlight.delete(key));
          continue;
        }
        if (inFlight.size === 0) {
          if (nextNumber < total) {
            // History is large: carry the counters forward; the trials are already in the database.
            await continueAsNew<typeof TuningWorkflow>({
              tuningRunId,
              config,
              carried: { context, startedAt, nextNumber, evaluated, best },
              historyEventLimit,
            });
          }
          stopReason = config.tuning_method === 'grid_search' && total === input.config.n_iter ? 'exhausted' : 'n_iter';
          break;
        }
        const running = inFlight.size;
        // Wake on a finished batch, a failure, a cancel, or room for a new batch (parallelism may change).
        const woken = () => inFlight.size < running || failure !== undefined || cancelReason !== undefined || canStartBatch();
        // With a time budget, also wake when it runs out.
        if (config.time_budget_seconds === null) await condition(woken);
        else await condition(woken, Math.max(1, (config.time_budget_seconds - elapsedSeconds()) * 1000));
      }
      // Batches still running when a budget stopped the search are awaited, not lost.
      await condition(() => inFlight.size === 0);
      if (failure !== undefined) throw failure;

      const outcome = await finishTuningRun({ tuningRunId, config, tuningTime: elapsedSeconds(), stopReason: stopReason!, cancelReason });
      upsertSearchAttributes([
        { key: TuningStatus, value: cancelReason === undefined ? 'completed' : 'failed' },
        ...(outcome.bestScore === null ? [] : [{ key: BestScore, value: outcome.bestScore }]),
      ]);
      return { tuningRunId, status: cancelReason === undefined ? 'completed' : 'failed', ...outcome, evaluated, stopReason: stopReason! };
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      const failureResults = describeFailure(err);
      await failTuningRun({ tuningRunId, results: failureResults });
      upsertSearchAttributes([{ key: TuningStatus, value: 'failed' }]);
      throw ApplicationFailure.nonRetryable(failureResults.error, failureResults.error_type);
    }
  });
  // The outcome is recorded; a Temporal cancellation request also shows as CANCELED in the Web UI.
  if (CancellationScope.current().consideredCancelled) throw new CancelledFailure(cancelReason ?? 'cancelled');
  return outcome;
}
