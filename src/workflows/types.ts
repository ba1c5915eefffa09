/** Plain, serialisable inputs and outputs of the workflows and their activities. */
import type { Params, Task } from '../ml/types';
import type { ParamGrid, SearchSpace } from '../ml/search/space';
import type { Trial as SamplerTrial } from '../ml/search/sampler';

export const TUNING_METHODS = ['grid_search', 'random_search', 'bayesian'] as const;
export type TuningMethod = (typeof TUNING_METHODS)[number];
export type PrunerName = 'none' | 'median' | 'successive_halving';
export type SamplerName = 'tpe' | 'gp';

/** The full tuning request as validated by the API; stored in `tuning_runs.config`. */
export interface TuningConfig {
  tuning_method: TuningMethod;
  /** grid_search: lists of values per parameter, as in scikit-learn's GridSearchCV. */
  param_grid?: ParamGrid;
  /** random_search / bayesian: typed distributions per parameter. */
  param_distributions?: SearchSpace;
  cv_folds: number;
  scoring: string;
  /** Candidates to evaluate (random_search, bayesian). */
  n_iter: number;
  /** How many ranked combinations `results.all_results` keeps. */
  top_n: number;
  seed: number;
  sampler: SamplerName;
  pruner: PrunerName;
  time_budget_seconds: number | null;
  target_score: number | null;
  /** Batches evaluated at once. */
  parallelism: number;
  /** Candidates per evaluation activity. */
  batch_size: number;
  parent_tuning_run_id: string | null;
  /** Who evaluates: our workers (default) or the user's own code through the study API (client). */
  evaluation?: 'builtin' | 'client';
  /** Whether a higher score is better (default, scikit-learn's convention) or a lower one. */
  direction?: 'maximize' | 'minimize';
  /** client: a trial whose client sends nothing for this long becomes FAILED (stale). */
  trial_timeout_seconds?: number;
  /** client: a FAILED (or stale) trial's parameters are handed out again under a new number. */
  retry_failed_trials?: boolean;
}

export interface TuningWorkflowInput {
  tuningRunId: string;
  config: TuningConfig;
  /** Set when the run continues as new: the trials themselves are in tuning_trials. */
  carried?: CarriedState;
  /** History events after which the run continues as new (default 10,000; Temporal's cap is 51,200). */
  historyEventLimit?: number;
}

/** The best trial so far, as the workflow tracks it for progress and stopping rules. */
export interface BestTrial {
  number: number;
  params: Params;
  mean_score: number;
}

export interface CarriedState {
  /** client: the study's open trials and answers, carried across continue-as-new. */
  study?: ClientStudyState;
  context: TuningContext;
  startedAt: number;
  nextNumber: number;
  evaluated: number;
  best: BestTrial | null;
  /** The latest batches, which later batches still treat as pending (see PlannedBatch). */
  recentBatches: PlannedBatch[];
}

/**
 * A batch of candidates, numbered in order. For reproducibility its sampler and pruner see a fixed
 * view of the run whatever the timing: the trials numbered below `historyEnd` as results (every
 * batch that ended `lag` or more batches before it) and the candidates of the batches in between
 * as pending, where `lag` is the run's parallelism when the batch was planned.
 */
export interface PlannedBatch {
  index: number;
  candidates: Candidate[];
  historyEnd: number;
  finished: boolean;
}

/** A trial handed to a client and not yet closed. */
export interface OpenTrial {
  number: number;
  params: Params;
  clientId: string;
  /** Workflow time (ms) of the client's last sign of life. */
  lastSeen: number;
  /** Intermediate values reported, in step order. */
  steps: { step: number; value: number }[];
}

/** The answer to a closed trial's completion, kept so a repeated completion gets the same answer. */
export interface TrialAck {
  number: number;
  state: TrialState;
  value: number | null;
}

export interface ClientStudyState {
  open: OpenTrial[];
  acks: TrialAck[];
  /** Parameters of failed trials waiting to be handed out again (retry_failed_trials). */
  retry: Params[];
  retried: number;
  /** Intermediate values of closed COMPLETE / PRUNED trials, for the pruner. */
  closedSteps: { number: number; state: TrialState; values: number[] }[];
  /** Closed trials not yet written to tuning_trials. */
  unrecorded?: TrialResult[];
  /** Every closed trial as the sampler sees it, while a bayesian study samples in the workflow. */
  history?: SamplerTrial[];
}

export interface SuggestRequest {
  count: number;
  client_id: string;
}

export interface SuggestAnswer {
  trials: { number: number; params: Params }[];
  /** No trial is left to hand out: the client can stop asking. */
  done: boolean;
}

export interface ReportRequest {
  number: number;
  step: number;
  value: number;
}

export interface CompleteRequest {
  number: number;
  value?: number;
  scores?: number[];
  state?: 'COMPLETE' | 'FAILED' | 'INFEASIBLE' | 'PRUNED';
  reason?: string;
  /** Also ask for the client's next trials, in the same update: one round trip per trial instead of two. */
  next?: SuggestRequest;
}

/** A completion's acknowledgement, with the next trials when the request asked for them. */
export type CompleteAnswer = TrialAck & { next?: SuggestAnswer };

/** A change of a running run's budget (the `updateBudget` update). */
export interface BudgetChange {
  n_iter?: number;
  time_budget_seconds?: number | null;
  parallelism?: number;
}

export interface FinishInput {
  tuningRunId: string;
  config: TuningConfig;
  tuningTime: number;
  stopReason: StopReason;
  /** Set when the user cancelled: the run ends FAILED (error_type Cancelled) keeping its best results. */
  cancelReason?: string;
}

export interface TuningContext {
  modelRunId: string;
  userId: string;
  datasetId: string;
  modelType: string;
  task: Task;
  /** The model run's own hyperparameters: the fixed part of every candidate. */
  baseParams: Params;
}

/** STOPPED: cut short by a stop of the run (time budget, target score, cancel), with the folds it finished. */
export type TrialState = 'COMPLETE' | 'PRUNED' | 'FAILED' | 'STOPPED';

export interface Candidate {
  number: number;
  params: Params;
}

export interface TrialResult extends Candidate {
  state: TrialState;
  scores: number[];
  mean_score: number | null;
  std_score: number | null;
  duration_seconds: number;
  error?: string;
}

export interface EvaluateInput {
  tuningRunId: string;
  context: TuningContext;
  config: Pick<TuningConfig, 'tuning_method' | 'cv_folds' | 'scoring' | 'seed' | 'pruner' | 'target_score'>;
  candidates: Candidate[];
  /** The pruner compares with the recorded trials numbered below this (see PlannedBatch). */
  historyEnd: number;
  /** Epoch milliseconds at which the time budget runs out (the batch stops itself), or null. */
  deadline: number | null;
}

/** What an evaluation activity reports: its trials, and why it stopped early, if it did. */
export interface EvaluateOutcome {
  trials: TrialResult[];
  stoppedBy: 'time_budget' | 'target_score' | 'cancelled' | null;
}

export interface SuggestInput {
  tuningRunId: string;
  config: TuningConfig;
  /**
   * The sampler's history: the recorded trials numbered below this (plus a parent's, for a warm
   * start), or null for every recorded trial (a client-evaluated study, whose trials close in any order).
   */
  historyEnd: number | null;
  /** Candidates of the batches between the history and this one. */
  pending: Params[];
  count: number;
  firstTrialNumber: number;
  /** A client-evaluated study's closed trials not yet recorded: history as the recorded ones are. */
  recent?: TrialResult[];
}

/** The outcome as the row holds it after finishing: the workflow reports what the database says. */
export interface FinishedRun {
  status: 'completed' | 'failed';
  bestScore: number | null;
  bestParams: Params | null;
  /** False when the row was already final (for example failed by the API): nothing was written. */
  written: boolean;
  /** results.error and results.error_type of a FAILED row (null when it has none, or is gone). */
  error: string | null;
  errorType: string | null;
}

export interface RankedResult {
  rank: number;
  params: Params;
  mean_score: number;
  std_score: number;
  scores: number[];
}

/** `tuning_runs.results` of a finished run: exactly the seed's fields. */
export interface TuningResults {
  best_score: number;
  total_combinations: number;
  cv_folds: number;
  scoring_metric: string;
  tuning_time: number;
  tuning_method: TuningMethod;
  all_results: RankedResult[];
  error: null;
}

export interface FailureResults {
  error: string;
  error_type: string;
}

export type StopReason = 'exhausted' | 'n_iter' | 'time_budget' | 'target_score' | 'cancelled';

/** Live progress, answered by the workflow's `progress` query. */
export interface TuningProgress {
  evaluated: number;
  total: number;
  best_score: number | null;
  best_params: Params | null;
  elapsed_seconds: number;
}

export interface TuningOutcome {
  tuningRunId: string;
  status: 'completed' | 'failed';
  bestScore: number | null;
  bestParams: Params | null;
  evaluated: number;
  stopReason: StopReason;
}

export interface TrainModelInput {
  modelRunId: string;
}
