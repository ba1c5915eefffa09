/** Enum values are the lowercase strings stored in the PostgreSQL enum types. */

/** PostgreSQL enum type `tuningstatus`. */
export enum TuningStatus {
  RUNNING = 'running',
  COMPLETED = 'completed',
  FAILED = 'failed',
}

/** PostgreSQL enum type `modelrunstatus`. */
export enum ModelRunStatus {
  RUNNING = 'running',
  COMPLETED = 'completed',
  FAILED = 'failed',
}

export const TUNING_METHOD_VALUES = ['grid_search', 'random_search', 'bayesian'] as const;
export type TuningMethodValue = (typeof TUNING_METHOD_VALUES)[number];

export const TASK_TYPE_VALUES = ['classification', 'regression'] as const;
export type TaskTypeValue = (typeof TASK_TYPE_VALUES)[number];

/** STOPPED: cut short by a stop of the run (time budget, target score, cancel), with the folds it finished. */
export const TRIAL_STATE_VALUES = ['COMPLETE', 'PRUNED', 'FAILED', 'STOPPED'] as const;
export type TrialStateValue = (typeof TRIAL_STATE_VALUES)[number];

/** Statuses a run never leaves (enforced by a trigger on tuning_runs). */
export const FINAL_TUNING_STATUSES: readonly TuningStatus[] = [TuningStatus.COMPLETED, TuningStatus.FAILED];

/** The model type of a model trained by the user's own code and tuned through the study API. */
export const EXTERNAL_MODEL_TYPE = 'external';
