import { randomUUID } from 'node:crypto';
import { Collection, EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { Params } from '../ml/types';
import { ModelRunStatus } from './enums';
import type { Experiment } from './Experiment';
import type { TuningRun } from './TuningRun';

/** `model_runs.metrics`: cross-validation scores of the run's own hyperparameters. */
export interface ModelRunMetrics {
  mean_score: number;
  std_score: number;
  scores: number[];
  scoring: string;
  training_time: number;
}

/** `model_runs.error` of a failed run. */
export interface ModelRunError {
  error: string;
  error_type: string;
}

/** Table `model_runs`. */
export class ModelRun {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt' | 'status' | 'metrics' | 'error';
  id: string = randomUUID();
  experiment!: Experiment;
  modelType!: string;
  /** The estimator's own parameters (scikit-learn names). */
  hyperparameters!: Params;
  cvFolds!: number;
  scoring!: string;
  status: ModelRunStatus = ModelRunStatus.RUNNING;
  metrics: ModelRunMetrics | null = null;
  error: ModelRunError | null = null;
  modelArtifactPath: string | null = null;
  taskId: string | null = null;
  createdAt: Date = new Date();
  completedAt: Date | null = null;
  tuningRuns = new Collection<TuningRun>(this);
}

export const ModelRunSchema = new EntitySchema<ModelRun>({
  class: ModelRun,
  tableName: 'model_runs',
  properties: {
    id: { type: 'uuid', primary: true },
    experiment: { kind: 'm:1', entity: 'Experiment', fieldName: 'experiment_id', deleteRule: 'cascade' },
    modelType: { type: 'string', columnType: 'varchar', fieldName: 'model_type' },
    hyperparameters: { type: 'json', columnType: 'jsonb' },
    cvFolds: { type: 'integer', fieldName: 'cv_folds' },
    scoring: { type: 'string', columnType: 'varchar' },
    status: {
      enum: true,
      items: () => ModelRunStatus,
      nativeEnumName: 'modelrunstatus',
      default: ModelRunStatus.RUNNING,
    },
    metrics: { type: 'json', columnType: 'jsonb', nullable: true },
    error: { type: 'json', columnType: 'jsonb', nullable: true },
    modelArtifactPath: { type: 'string', columnType: 'varchar', fieldName: 'model_artifact_path', nullable: true },
    taskId: { type: 'string', columnType: 'varchar', fieldName: 'task_id', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    completedAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'completed_at', nullable: true },
    tuningRuns: { kind: '1:m', entity: 'TuningRun', mappedBy: 'modelRun' },
  },
});
