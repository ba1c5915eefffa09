import { randomUUID } from 'node:crypto';
import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { ModelRun } from './ModelRun';

/** The timing of a schedule as the API took it: a cron expression or an interval, plus its policies. */
export interface TuningScheduleSpec {
  cron?: string;
  interval_seconds?: number;
  offset_seconds?: number;
  jitter_seconds?: number;
  overlap_policy: string;
}

/**
 * Table `tuning_schedules` (migration Migration20261127000002_tuning_schedules): a Temporal
 * Schedule (`scheduleId`) whose every action re-tunes `modelRun` with `config` (a TuningConfig).
 * Tags, user notes, paused and note are kept here too (migration …000500) so a read needs no
 * Temporal round trip; the action history lives in Temporal only.
 */
export class TuningSchedule {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt' | 'tags' | 'userNotes' | 'paused' | 'note';
  id: string = randomUUID();
  modelRun!: ModelRun;
  scheduleId!: string;
  config!: Record<string, unknown>;
  spec!: TuningScheduleSpec;
  tags: string[] = [];
  userNotes: string | null = null;
  paused = false;
  note: string | null = null;
  createdAt: Date = new Date();
}

export const TuningScheduleSchema = new EntitySchema<TuningSchedule>({
  class: TuningSchedule,
  tableName: 'tuning_schedules',
  properties: {
    id: { type: 'uuid', primary: true },
    modelRun: { kind: 'm:1', entity: 'ModelRun', fieldName: 'model_run_id', deleteRule: 'cascade', index: 'ix_tuning_schedules_model_run_id' },
    scheduleId: { type: 'string', columnType: 'varchar', fieldName: 'schedule_id', unique: 'tuning_schedules_schedule_id_key' },
    config: { type: 'json', columnType: 'jsonb' },
    spec: { type: 'json', columnType: 'jsonb' },
    tags: { type: 'string[]', columnType: 'text[]', defaultRaw: `'{}'` },
    userNotes: { type: 'text', columnType: 'text', fieldName: 'user_notes', nullable: true },
    paused: { type: 'boolean', columnType: 'boolean', defaultRaw: 'false' },
    note: { type: 'text', columnType: 'text', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
  },
});
