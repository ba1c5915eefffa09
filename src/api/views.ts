/** JSON views of the entities: snake_case, the seed's field names. */
import type { Dataset, Experiment, ModelRun, TuningRun } from '../entities';
import { trainingWorkflowId, tuningWorkflowId } from '../temporal/ids';

export const datasetView = (d: Dataset) => ({
  id: d.id,
  name: d.name,
  task_type: d.taskType,
  target_column: d.targetColumn,
  n_samples: d.nSamples,
  n_features: d.nFeatures,
  feature_names: d.featureNames,
  classes: d.classes,
  sample_name: d.sampleName,
  uri: d.uri,
  categorical_encoding: d.categoricalEncoding,
  impute: d.impute,
  feature_columns: d.featureColumns,
  storage_bytes: d.storageBytes,
  created_at: d.createdAt,
});

export const experimentView = (e: Experiment) => ({
  id: e.id,
  name: e.name,
  description: e.description,
  dataset_id: e.dataset.id,
  created_at: e.createdAt,
});

export const modelRunView = (m: ModelRun) => ({
  id: m.id,
  experiment_id: m.experiment.id,
  model_type: m.modelType,
  hyperparameters: m.hyperparameters,
  cv_folds: m.cvFolds,
  scoring: m.scoring,
  status: m.status,
  metrics: m.metrics,
  error: m.error,
  workflow_id: m.taskId ?? trainingWorkflowId(m.id),
  created_at: m.createdAt,
  completed_at: m.completedAt,
});

export const tuningRunView = (t: TuningRun) => ({
  tuning_run_id: t.id,
  model_run_id: t.modelRun.id,
  tuning_method: t.tuningMethod,
  status: t.status,
  workflow_id: t.taskId ?? tuningWorkflowId(t.id),
  created_at: t.createdAt,
  started_at: t.startedAt,
  completed_at: t.completedAt,
  n_iterations: t.nIterations,
  tags: t.tags,
  user_notes: t.userNotes,
  parent_tuning_run_id: t.parentTuningRun?.id ?? null,
  stop_reason: t.stopReason,
});
