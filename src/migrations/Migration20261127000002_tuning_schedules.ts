import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled re-tuning: one row per Temporal Schedule (`schedule_id`) that re-tunes a model run.
 * `config` is the validated tuning request every action runs, `spec` the schedule's timing and
 * overlap policy as the API took it. Rows go with their model run (ON DELETE CASCADE); the API
 * deletes the Temporal schedules first. tuning_runs is untouched (seed contract).
 */
export class Migration20261127000002_tuning_schedules extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE tuning_schedules (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          model_run_id UUID NOT NULL REFERENCES model_runs(id) ON DELETE CASCADE,
          schedule_id VARCHAR NOT NULL,
          config JSONB NOT NULL,
          spec JSONB NOT NULL,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          CONSTRAINT tuning_schedules_schedule_id_key UNIQUE (schedule_id)
      );`);
    this.addSql(`CREATE INDEX ix_tuning_schedules_model_run_id ON tuning_schedules(model_run_id);`);
  }

  override down(): void {
    this.addSql(`DROP TABLE IF EXISTS tuning_schedules;`);
  }
}
