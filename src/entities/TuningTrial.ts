import { EntitySchema, OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import type { TrialStateValue } from './enums';
import type { TuningRun } from './TuningRun';

/** Table `tuning_trials`: one row per evaluated candidate, primary key (tuning_run_id, number). */
export class TuningTrial {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'createdAt';
  [PrimaryKeyProp]?: ['tuningRun', 'number'];
  tuningRun!: TuningRun;
  number!: number;
  params!: Record<string, unknown>;
  state!: TrialStateValue;
  scores!: number[];
  meanScore: number | null = null;
  stdScore: number | null = null;
  durationSeconds!: number;
  error: string | null = null;
  /** The Temporal identity of the worker process that evaluated it; NULL when a client did. */
  workerIdentity: string | null = null;
  createdAt: Date = new Date();
}

export const TuningTrialSchema = new EntitySchema<TuningTrial>({
  class: TuningTrial,
  tableName: 'tuning_trials',
  properties: {
    tuningRun: { kind: 'm:1', entity: 'TuningRun', fieldName: 'tuning_run_id', primary: true, deleteRule: 'cascade' },
    number: { type: 'integer', primary: true },
    params: { type: 'json', columnType: 'jsonb' },
    state: { type: 'string', columnType: 'varchar' },
    scores: { type: 'json', columnType: 'jsonb' },
    meanScore: { type: 'double', runtimeType: 'number', columnType: 'double precision', fieldName: 'mean_score', nullable: true },
    stdScore: { type: 'double', runtimeType: 'number', columnType: 'double precision', fieldName: 'std_score', nullable: true },
    durationSeconds: { type: 'double', runtimeType: 'number', columnType: 'double precision', fieldName: 'duration_seconds' },
    error: { type: 'text', columnType: 'text', nullable: true },
    workerIdentity: { type: 'string', columnType: 'varchar(255)', fieldName: 'worker_identity', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
  },
});
