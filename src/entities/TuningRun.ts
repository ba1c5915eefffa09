import { randomUUID } from 'node:crypto';
import { Collection, EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { Params } from '../ml/types';
import { TuningStatus, type TuningMethodValue } from './enums';
import type { ModelRun } from './ModelRun';
import type { TuningTrial } from './TuningTrial';

/**
 * Table `tuning_runs` (seed contract, migration 1) plus the seed's "Future Enhancements"
 * columns (migration 2). `bestParams` and `results` stay NULL while the run is running
 * (CHECK ck_tuning_runs_running_outcome_null); a completed/failed run never changes its
 * status, best_params or results again (trigger trg_tuning_runs_final_status).
 */
export class TuningRun {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt' | 'status' | 'nIterations' | 'tags' | 'bestParams' | 'results' | 'config' | 'stopReason';
  id: string = randomUUID();
  modelRun!: ModelRun;
  tuningMethod!: TuningMethodValue;
  bestParams: Params | null = null;
  results: Record<string, unknown> | null = null;
  status: TuningStatus = TuningStatus.RUNNING;
  createdAt: Date = new Date();
  // migration 2
  startedAt: Date | null = null;
  completedAt: Date | null = null;
  nIterations = 0;
  config: Record<string, unknown> | null = null;
  taskId: string | null = null;
  userNotes: string | null = null;
  tags: string[] = [];
  parentTuningRun: TuningRun | null = null;
  // migration 3
  stopReason: string | null = null;
  childTuningRuns = new Collection<TuningRun>(this);
  trials = new Collection<TuningTrial>(this);
}

export const TuningRunSchema = new EntitySchema<TuningRun>({
  class: TuningRun,
  tableName: 'tuning_runs',
  properties: {
    id: { type: 'uuid', primary: true },
    modelRun: { kind: 'm:1', entity: 'ModelRun', fieldName: 'model_run_id', deleteRule: 'cascade', index: 'ix_tuning_runs_model_run_id' },
    tuningMethod: { type: 'string', columnType: 'varchar', fieldName: 'tuning_method' },
    bestParams: { type: 'json', columnType: 'jsonb', fieldName: 'best_params', nullable: true },
    results: { type: 'json', columnType: 'jsonb', nullable: true },
    status: {
      enum: true,
      items: () => TuningStatus,
      nativeEnumName: 'tuningstatus',
      default: TuningStatus.RUNNING,
      index: 'ix_tuning_runs_status',
    },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    startedAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'started_at', nullable: true },
    completedAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'completed_at', nullable: true },
    nIterations: { type: 'integer', fieldName: 'n_iterations', default: 0 },
    config: { type: 'json', columnType: 'jsonb', nullable: true },
    taskId: { type: 'string', columnType: 'varchar', fieldName: 'task_id', nullable: true },
    userNotes: { type: 'text', columnType: 'text', fieldName: 'user_notes', nullable: true },
    tags: { type: 'string[]', columnType: 'text[]', defaultRaw: `'{}'` },
    stopReason: { type: 'string', columnType: 'varchar', fieldName: 'stop_reason', nullable: true },
    parentTuningRun: {
      kind: 'm:1',
      entity: 'TuningRun',
      fieldName: 'parent_tuning_run_id',
      nullable: true,
      deleteRule: 'set null',
    },
    childTuningRuns: { kind: '1:m', entity: 'TuningRun', mappedBy: 'parentTuningRun' },
    trials: { kind: '1:m', entity: 'TuningTrial', mappedBy: 'tuningRun', orderBy: { number: 'asc' } },
  },
});
