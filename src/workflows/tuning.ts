/**
 * TuningWorkflow: evaluates candidates in batches of cross-validated fits and records the outcome.
 * Orchestration only: every read, write and fit happens in an activity. Trials are recorded in
 * tuning_trials by the activities, so the workflow keeps only counters, the best trial and the
 * latest batches, and continues as new before its history grows large.
 *
 * The run reads as a few steps: load the context; then, until a stop, plan the next batch (the
 * sampler's or the expanded space's next candidates), hand it to an evaluation activity, and
 * record what it found; decide whether to stop; finish by writing the outcome from the trials.
 *
 * Reproducibility: a batch's sampler and pruner see a fixed view of the run (see PlannedBatch):
 * the results of the batches `parallelism` or more before it, and the candidates of those in
 * between as pending. A batch waits until that view is complete, so what the run suggests
 * depends on the seed, the trial numbers and the parallelism, never on which fit finished first,
 * and a retried batch (a worker crash) evaluates exactly what an undisturbed one would.
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
import { evaluationTaskQueue } from '../temporal/ids';
import { BestScore, ModelRunId, TuningMethod, TuningRunId, TuningStatus, UserId } from '../temporal/search_attributes';
import { ClientStudy, type StudyHost } from './client_study';
import { cancelSignal, progressQuery, updateBudget } from './definitions';
import { describeFailure } from './failures';
import type {
  BestTrial,
  Candidate,
  ClientStudyState,
  EvaluateOutcome,
  FinishedRun,
  PlannedBatch,
  StopReason,
  SuggestInput,
  TuningConfig,
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
 * Fits are long. An evaluation heartbeats while its fits make progress (folds, tree nodes), so a
 * dead worker or a hung fit is noticed within the heartbeat timeout and the batch is retried
 * elsewhere; on cancel the activity stops its fits at once and records what it had. Made when
 * called: the evaluation queue is named after the workflow's own (known inside a workflow only).
 */
const evaluateCandidates = (input: Parameters<Activities['evaluateCandidates']>[0]) =>
  proxyActivities<Activities>({
    taskQueue: evaluationTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
  }).evaluateCandidates(input);

/** Recording the outcome must eventually succeed (e.g. across a database restart): retry without limit. */
const { finishTuningRun, failTuningRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Events after which the run continues as new (Temporal caps a history at 51,200 events). */
const DEFAULT_HISTORY_EVENT_LIMIT = 10_000;
/** Batches kept for the pending view of later ones: at least the largest parallelism (64). */
const RECENT_BATCHES = 64;

export async function TuningWorkflow(input: TuningWorkflowInput): Promise<TuningOutcome> {
  const search = new Search(input);
  search.listen();
  // Not cancellable as a whole: a cancel stops the search, and the outcome is still written.
  const ended = await CancellationScope.nonCancellable(async (): Promise<{ finished: FinishedRun; stopReason?: StopReason }> => {
    try {
      const context = input.carried?.context ?? (await loadTuningContext(input.tuningRunId));
      if (!input.carried) labelRun(input.config, context, input.tuningRunId);
      const stopReason = await search.run(context);
      const finished = await finishTuningRun({
        tuningRunId: input.tuningRunId,
        config: search.config,
        tuningTime: search.elapsedSeconds(),
        stopReason,
        cancelReason: search.cancelReason,
      });
      return { finished, stopReason };
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      return { finished: await search.fail(err) };
    }
  });
  return search.report(ended.finished, ended.stopReason);
}

/** Search attributes for the Web UI, set once when the run starts. */
function labelRun(config: TuningConfig, context: TuningContext, tuningRunId: string): void {
  upsertSearchAttributes([
    { key: TuningRunId, value: tuningRunId },
    { key: ModelRunId, value: context.modelRunId },
    { key: UserId, value: context.userId },
    { key: TuningMethod, value: config.tuning_method },
    { key: TuningStatus, value: 'running' },
  ]);
}

/**
 * The state of one run's search and its steps: plan, evaluate (on our workers, or hand out to
 * clients: ClientStudy), record, decide, finish.
 */
class Search implements StudyHost {
  readonly config: TuningConfig;
  cancelReason: string | undefined;
  private readonly tuningRunId: string;
  private readonly historyEventLimit: number;
  private readonly startedAt: number;
  private nextNumber: number;
  private evaluated: number;
  private best: BestTrial | null;
  /** The latest planned batches, by index (in-flight ones and the ones later batches see as pending). */
  private readonly batches = new Map<number, PlannedBatch>();
  private nextIndex: number;
  private readonly inFlight = new Set<number>();
  private failure: unknown;
  /** A stop an evaluation activity made itself (its deadline passed): the run stops with it. */
  private stoppedByBatch: StopReason | undefined;
  /** The best trial changed since BestScore was last set. */
  private bestUnpublished = false;
  /** Bumped by every budget change, so a waiting search re-reads its limits at once. */
  private budgetVersion = 0;
  /** In-flight evaluations run in this scope, so a stop reaches them at once. */
  private readonly evaluations = new CancellationScope();
  /** grid and random search: the whole candidate list (a random candidate depends only on the seed and its number). */
  private planned: Params[] | undefined;
  /** The client-evaluated mode's trials and operations. */
  private readonly study: ClientStudy;

  constructor(private readonly input: TuningWorkflowInput) {
    const { carried } = input;
    this.config = { ...input.config };
    this.tuningRunId = input.tuningRunId;
    this.historyEventLimit = input.historyEventLimit ?? DEFAULT_HISTORY_EVENT_LIMIT;
    this.startedAt = carried?.startedAt ?? Date.now();
    this.nextNumber = carried?.nextNumber ?? 0;
    this.evaluated = carried?.evaluated ?? 0;
    this.best = carried?.best ?? null;
    for (const batch of carried?.recentBatches ?? []) this.batches.set(batch.index, batch);
    this.nextIndex = Math.max(-1, ...this.batches.keys()) + 1;
    this.study = new ClientStudy(this, this.tuningRunId, carried?.study);
  }

  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /** Progress query, cancel signal, a Temporal cancellation request, and budget changes. */
  listen(): void {
    setHandler(progressQuery, () => ({
      evaluated: this.evaluated,
      total: this.config.n_iter,
      best_score: this.best?.mean_score ?? null,
      best_params: this.best?.params ?? null,
      elapsed_seconds: this.elapsedSeconds(),
    }));
    setHandler(cancelSignal, ({ reason }) => this.requestCancel(reason || 'cancelled by the user'));
    this.study.listen();
    // A Temporal cancellation request (the Web UI's Cancel, a parent's close policy) stops the run
    // as the cancel signal does: the rest of the workflow is not cancellable, so it still writes
    // the outcome (FAILED, Cancelled, with the best results so far) instead of leaving it RUNNING.
    CancellationScope.current().cancelRequested.catch(() => this.requestCancel('cancellation requested through Temporal'));
    setHandler(
      updateBudget,
      (change) => {
        if (change.n_iter !== undefined) this.config.n_iter = change.n_iter;
        if (change.time_budget_seconds !== undefined) this.config.time_budget_seconds = change.time_budget_seconds;
        if (change.parallelism !== undefined) this.config.parallelism = change.parallelism;
        this.budgetVersion++;
        return { n_iter: this.config.n_iter, time_budget_seconds: this.config.time_budget_seconds, parallelism: this.config.parallelism };
      },
      {
        validator: (change) => {
          if (change.n_iter !== undefined) {
            if (!Number.isInteger(change.n_iter) || change.n_iter < this.nextNumber) {
              throw new Error(`n_iter: must be an integer of at least ${this.nextNumber} (candidates already started)`);
            }
            if (this.config.tuning_method === 'grid_search' && change.n_iter > this.input.config.n_iter) {
              throw new Error(`n_iter: a grid has ${this.input.config.n_iter} combinations; it can only be lowered`);
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
  }

  private requestCancel(reason: string): void {
    this.cancelReason ??= reason;
    this.evaluations.cancel();
  }

  /** Plans, evaluates and records batches until a stop; returns why the search stopped. */
  async run(context: TuningContext): Promise<StopReason> {
    if (this.config.evaluation === 'client') return this.study.run(() => this.historyFull(), (study) => this.continueAsNew(context, study));
    let stopReason: StopReason | undefined;
    while (this.failure === undefined && (stopReason = this.stopReason()) === undefined) {
      if (this.canStartBatch()) {
        this.evaluate(context, await this.planBatch());
        continue;
      }
      if (this.inFlight.size === 0) {
        if (this.nextNumber < this.config.n_iter) await this.continueAsNew(context);
        stopReason = this.config.tuning_method === 'grid_search' && this.config.n_iter === this.input.config.n_iter ? 'exhausted' : 'n_iter';
        break;
      }
      await this.waitForChange();
    }
    // A stop or a failure ends the batches still running at once; they record what they finished.
    if (this.inFlight.size > 0) this.evaluations.cancel();
    await condition(() => this.inFlight.size === 0);
    if (this.failure !== undefined) throw this.failure;
    return stopReason!;
  }

  /** Why the search must stop now, if it must. */
  stopReason(): StopReason | undefined {
    const { target_score: target, time_budget_seconds: budget } = this.config;
    if (this.cancelReason !== undefined) return 'cancelled';
    if (target !== null && this.best && this.sign() * (this.best.mean_score - target) >= 0) return 'target_score';
    if (this.stoppedByBatch !== undefined) return this.stoppedByBatch;
    if (budget !== null && this.elapsedSeconds() >= budget) return 'time_budget';
    return undefined;
  }

  /** Waits for a finished batch, a failure, a stop, a budget change, or room for a new batch. */
  private async waitForChange(): Promise<void> {
    const running = this.inFlight.size;
    const version = this.budgetVersion;
    const woken = () =>
      this.inFlight.size < running || this.failure !== undefined || this.cancelReason !== undefined || this.budgetVersion !== version || this.canStartBatch();
    const budget = this.config.time_budget_seconds;
    if (budget === null) await condition(woken);
    else await condition(woken, Math.max(1, (budget - this.elapsedSeconds()) * 1000));
  }

  /** Whether another batch may start now: room, candidates left, history not full, its view complete. */
  private canStartBatch(): boolean {
    if (this.inFlight.size >= this.config.parallelism || this.nextNumber >= this.config.n_iter || this.historyFull()) return false;
    if (!this.needsHistory()) return true;
    // The new batch's view needs every batch `parallelism` or more before it to have finished.
    const lastSeen = this.nextIndex - this.config.parallelism;
    for (const index of this.inFlight) if (index <= lastSeen) return false;
    return true;
  }

  /** The sampler (bayesian) or the pruner reads earlier results; grid or random without a pruner do not. */
  private needsHistory(): boolean {
    return this.config.tuning_method === 'bayesian' || this.config.pruner !== 'none';
  }

  private historyFull(): boolean {
    return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > this.historyEventLimit;
  }

  /** The next batch: its candidates and the fixed view of the run its sampler and pruner get. */
  private async planBatch(): Promise<PlannedBatch> {
    const index = this.nextIndex++;
    const count = Math.min(this.config.batch_size, this.config.n_iter - this.nextNumber);
    const between: PlannedBatch[] = [];
    for (let i = Math.max(0, index - this.config.parallelism + 1); i < index; i++) {
      const batch = this.batches.get(i);
      if (batch) between.push(batch);
    }
    const historyEnd = this.needsHistory() ? (between[0]?.candidates[0].number ?? this.nextNumber) : 0;
    const pending = between.flatMap((batch) => batch.candidates.map((c) => c.params));
    const candidates = await this.nextCandidates(count, historyEnd, pending);
    const batch: PlannedBatch = { index, candidates, historyEnd, finished: false };
    this.batches.set(index, batch);
    this.batches.delete(index - RECENT_BATCHES);
    return batch;
  }

  /** The next `count` candidates, numbered: the sampler's (bayesian) or the expanded space's. */
  private async nextCandidates(count: number, historyEnd: number | null, pending: Params[]): Promise<Candidate[]> {
    const first = this.nextNumber;
    // Numbered before the await: a concurrent caller (a client's suggestion) gets the next ones.
    this.nextNumber += count;
    let params: Params[];
    if (this.config.tuning_method === 'bayesian') {
      params = await suggestCandidates({ tuningRunId: this.tuningRunId, config: this.config, historyEnd, pending, count, firstTrialNumber: first });
    } else {
      if (!this.planned || this.planned.length < first + count) this.planned = await expandCandidates(this.config);
      params = this.planned.slice(first, first + count);
    }
    return params.map((p, i) => ({ number: first + i, params: p }));
  }

  // StudyHost: what a client-evaluated study uses of the orchestration.
  remaining(extra: number): number {
    return this.config.n_iter + extra - this.nextNumber;
  }

  plan(count: number, pending: Params[]): Promise<Candidate[]> {
    return this.nextCandidates(count, null, pending);
  }

  samplerInput(count: number, ahead: number, pending: Params[]): SuggestInput {
    return { tuningRunId: this.tuningRunId, config: this.config, historyEnd: null, pending, count, firstTrialNumber: this.nextNumber + ahead };
  }

  numberOf(params: Params): Candidate {
    return { number: this.nextNumber++, params };
  }

  /** +1 when a higher score is better, -1 for a minimised study. */
  private sign(): number {
    return this.config.direction === 'minimize' ? -1 : 1;
  }

  /** Starts the batch's evaluation activity; its outcome is recorded when it ends. */
  private evaluate(context: TuningContext, batch: PlannedBatch): void {
    const budget = this.config.time_budget_seconds;
    this.inFlight.add(batch.index);
    this.evaluations
      .run(() =>
        evaluateCandidates({
          tuningRunId: this.tuningRunId,
          context,
          config: this.config,
          candidates: batch.candidates,
          historyEnd: batch.historyEnd,
          deadline: budget === null ? null : this.startedAt + budget * 1000,
        }),
      )
      .then((outcome) => this.record(outcome))
      .catch((err) => {
        // A batch cancelled by a stop has recorded what it finished; anything else fails the run.
        if (!(this.stopReason() !== undefined && isCancellation(err))) this.failure ??= err;
      })
      .finally(() => {
        batch.finished = true;
        this.inFlight.delete(batch.index);
      });
  }

  /**
   * Counts a batch's trials and follows the best one; the Web UI filters on BestScore while the run
   * goes, so it is published at once, or (from an update handler) by `publishBest` in the main loop.
   */
  record({ trials, stoppedBy }: EvaluateOutcome, publish = true): void {
    const previous = this.best;
    const sign = this.sign();
    for (const trial of trials) {
      if (trial.state !== 'COMPLETE') continue;
      const margin = this.best ? sign * (trial.mean_score! - this.best.mean_score) : 1;
      if (margin > 0 || (margin === 0 && trial.number < this.best!.number)) {
        this.best = { number: trial.number, params: trial.params, mean_score: trial.mean_score! };
      }
    }
    this.evaluated += trials.filter((t) => t.state !== 'STOPPED').length;
    if (stoppedBy === 'time_budget') this.stoppedByBatch ??= 'time_budget';
    if (this.best !== previous) this.bestUnpublished = true;
    if (publish) this.publishBest();
  }

  /**
   * Sets BestScore when the best trial changed. Update handlers leave this to the main loop: a
   * search-attribute command issued between an update's local activity and its completion does
   * not replay in the same order (a nondeterminism error after a worker restart).
   */
  publishBest(): void {
    if (!this.bestUnpublished || !this.best) return;
    this.bestUnpublished = false;
    upsertSearchAttributes([{ key: BestScore, value: this.best.mean_score }]);
  }

  /** History is large: carry the counters and the latest batches forward; the trials are in the database. */
  private async continueAsNew(context: TuningContext, study?: ClientStudyState): Promise<never> {
    return continueAsNew<typeof TuningWorkflow>({
      tuningRunId: this.tuningRunId,
      config: this.config,
      carried: {
        ...(study ? { study } : {}),
        context,
        startedAt: this.startedAt,
        nextNumber: this.nextNumber,
        evaluated: this.evaluated,
        best: this.best,
        recentBatches: [...this.batches.values()].slice(-this.config.parallelism),
      },
      historyEventLimit: this.historyEventLimit,
    });
  }

  /**
   * The workflow's result and search attributes, as the row holds them: a row failed elsewhere
   * (the API, a reconciler) fails the workflow with the row's own error, whatever the search found.
   */
  report(finished: FinishedRun, stopReason: StopReason | undefined): TuningOutcome {
    upsertSearchAttributes([
      { key: TuningStatus, value: finished.status },
      ...(finished.bestScore === null ? [] : [{ key: BestScore, value: finished.bestScore }]),
    ]);
    // A Temporal cancellation request also shows as CANCELED in the Web UI.
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure(this.cancelReason ?? 'cancelled');
    if (finished.status === 'failed' && (this.cancelReason === undefined || finished.errorType !== 'Cancelled')) {
      throw ApplicationFailure.nonRetryable(finished.error ?? 'the tuning run failed', finished.errorType ?? 'Error');
    }
    return {
      tuningRunId: this.tuningRunId,
      status: finished.status,
      bestScore: finished.bestScore,
      bestParams: finished.bestParams,
      evaluated: this.evaluated,
      stopReason: stopReason ?? 'cancelled',
    };
  }

  /** Records the failure, unless the row is already final or gone, and returns the row's outcome. */
  async fail(err: unknown): Promise<FinishedRun> {
    const failure = describeFailure(err);
    const stored = await failTuningRun({ tuningRunId: this.tuningRunId, results: failure });
    return { ...stored, error: stored.error ?? failure.error, errorType: stored.errorType ?? failure.error_type };
  }
}
