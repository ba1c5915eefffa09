import { EntitySchema, OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import type { TuningRun } from './TuningRun';

/** Table `tuning_run_importance`: a finished run's fANOVA parameter importance, one row per run. */
export class TuningRunImportance {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'computedAt';
  [PrimaryKeyProp]?: 'tuningRun';
  tuningRun!: TuningRun;
  evaluator!: string;
  /** The completed, scored trials the forest was fitted on. */
  nTrials!: number;
  importances!: Record<string, number>;
  computedAt: Date = new Date();
}

export const TuningRunImportanceSchema = new EntitySchema<TuningRunImportance>({
  class: TuningRunImportance,
  tableName: 'tuning_run_importance',
  properties: {
    tuningRun: { kind: '1:1', entity: 'TuningRun', fieldName: 'tuning_run_id', primary: true, owner: true, deleteRule: 'cascade' },
    evaluator: { type: 'string', columnType: 'varchar' },
    nTrials: { type: 'integer', fieldName: 'n_trials' },
    importances: { type: 'json', columnType: 'jsonb' },
    computedAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'computed_at', defaultRaw: 'now()' },
  },
});
