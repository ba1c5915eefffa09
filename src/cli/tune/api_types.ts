/** The parts of the API's JSON answers (src/api/views.ts and the routes) that the CLI prints. */

export interface DatasetView {
  id: string;
  name: string;
  task_type: string;
  target_column: string;
  n_samples: number;
  n_features: number;
  classes: unknown[] | null;
  created_at: string;
}

export interface ExperimentView {
  id: string;
  name: string;
  dataset_id: string;
  created_at: string;
}

export interface ModelRunView {
  id: string;
  experiment_id: string;
  model_type: string;
  hyperparameters: Record<string, unknown>;
  cv_folds: number;
  scoring: string;
  status: 'running' | 'completed' | 'failed';
  metrics: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
}

export type RunState = 'running' | 'completed' | 'failed';

export interface TuningRunView {
  tuning_run_id: string;
  model_run_id: string;
  tuning_method: string;
  status: RunState;
  created_at: string;
  started_at: string | null;
  n_iterations: number;
  tags: string[];
  stop_reason: string | null;
  best_score?: number | null;
}

export interface TuningStarted {
  tuning_run_id: string;
  status: RunState;
  workflow_id: string;
  tuning_method: string;
  total_candidates: number;
}

export interface RunStatusView extends TuningRunView {
  progress: {
    evaluated: number;
    total?: number | null;
    best_score?: number | null;
    best_params?: Record<string, unknown> | null;
    elapsed_seconds?: number | null;
  };
  error?: string | null;
  error_type?: string | null;
}

export interface RankedResult {
  rank: number;
  params: Record<string, unknown>;
  mean_score: number;
  std_score: number;
}

export interface RunResultsView {
  tuning_run_id: string;
  status: RunState;
  best_params: Record<string, unknown> | null;
  results: {
    best_score?: number | null;
    total_combinations?: number;
    scoring_metric?: string;
    tuning_time?: number;
    all_results?: RankedResult[];
    error?: string | null;
  } | null;
  stop_reason: string | null;
  detail?: string;
}

export interface ScheduleView {
  id: string;
  model_run_id: string;
  spec: Record<string, unknown>;
  state: { paused: boolean; note: string | null };
  next_action_time?: string | null;
  created_at: string;
}
