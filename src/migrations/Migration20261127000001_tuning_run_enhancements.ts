import { Migration } from '@mikro-orm/migrations';

/**
 * The seed's "Future Enhancements" for tuning_runs, the full trial history (tuning_trials),
 * and database-level guards on the run lifecycle:
 *  - CHECK ck_tuning_runs_running_outcome_null: best_params and results stay NULL while running;
 *  - trigger trg_tuning_runs_final_status: a completed/failed run never changes status,
 *    best_params or results again (RUNNING -> COMPLETED | FAILED is the only transition).
 *
 * Statements are plain SQL without question marks (the driver would read one as a binding).
 */
export class Migration20261127000001_tuning_run_enhancements extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE tuning_runs
          ADD COLUMN started_at TIMESTAMP WITH TIME ZONE,
          ADD COLUMN completed_at TIMESTAMP WITH TIME ZONE,
          ADD COLUMN n_iterations INTEGER NOT NULL DEFAULT 0,
          ADD COLUMN config JSONB,
          ADD COLUMN task_id VARCHAR,
          ADD COLUMN user_notes TEXT,
          ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{}',
          ADD COLUMN parent_tuning_run_id UUID
              CONSTRAINT tuning_runs_parent_tuning_run_id_fkey REFERENCES tuning_runs(id) ON DELETE SET NULL,
          ADD CONSTRAINT ck_tuning_runs_n_iterations CHECK (n_iterations >= 0),
          ADD CONSTRAINT ck_tuning_runs_parent_not_self CHECK (parent_tuning_run_id <> id),
          ADD CONSTRAINT ck_tuning_runs_running_outcome_null
              CHECK (status <> 'running' OR (best_params IS NULL AND results IS NULL));`);
    this.addSql(`CREATE INDEX ix_tuning_runs_parent_tuning_run_id ON tuning_runs(parent_tuning_run_id);`);

    this.addSql(`
      CREATE TABLE tuning_trials (
          tuning_run_id UUID NOT NULL REFERENCES tuning_runs(id) ON DELETE CASCADE,
          number INTEGER NOT NULL,
          params JSONB NOT NULL,
          state VARCHAR NOT NULL,
          scores JSONB NOT NULL DEFAULT '[]',
          mean_score DOUBLE PRECISION,
          std_score DOUBLE PRECISION,
          duration_seconds DOUBLE PRECISION NOT NULL,
          error TEXT,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          CONSTRAINT tuning_trials_pkey PRIMARY KEY (tuning_run_id, number),
          CONSTRAINT ck_tuning_trials_state CHECK (state IN ('COMPLETE', 'PRUNED', 'FAILED')),
          CONSTRAINT ck_tuning_trials_number CHECK (number >= 0)
      );`);

    this.addSql(`
      CREATE FUNCTION tuning_runs_guard_final_status() RETURNS trigger
      LANGUAGE plpgsql AS $fn$
      BEGIN
          IF OLD.status IN ('completed', 'failed') AND (
                 NEW.status IS DISTINCT FROM OLD.status
              OR NEW.best_params IS DISTINCT FROM OLD.best_params
              OR NEW.results IS DISTINCT FROM OLD.results
          ) THEN
              RAISE EXCEPTION 'tuning run % is already %: its status, best_params and results are final', OLD.id, OLD.status
                  USING ERRCODE = 'check_violation',
                        CONSTRAINT = 'trg_tuning_runs_final_status',
                        TABLE = 'tuning_runs';
          END IF;
          RETURN NEW;
      END;
      $fn$;`);
    this.addSql(`
      CREATE TRIGGER trg_tuning_runs_final_status
          BEFORE UPDATE ON tuning_runs
          FOR EACH ROW
          WHEN (OLD.status IN ('completed', 'failed'))
          EXECUTE FUNCTION tuning_runs_guard_final_status();`);
  }

  override down(): void {
    this.addSql(`DROP TRIGGER IF EXISTS trg_tuning_runs_final_status ON tuning_runs;`);
    this.addSql(`DROP FUNCTION IF EXISTS tuning_runs_guard_final_status();`);
    this.addSql(`DROP TABLE IF EXISTS tuning_trials;`);
    this.addSql(`DROP INDEX IF EXISTS ix_tuning_runs_parent_tuning_run_id;`);
    this.addSql(`
      ALTER TABLE tuning_runs
          DROP CONSTRAINT IF EXISTS ck_tuning_runs_running_outcome_null,
          DROP CONSTRAINT IF EXISTS ck_tuning_runs_parent_not_self,
          DROP CONSTRAINT IF EXISTS ck_tuning_runs_n_iterations,
          DROP COLUMN IF EXISTS parent_tuning_run_id,
          DROP COLUMN IF EXISTS tags,
          DROP COLUMN IF EXISTS user_notes,
          DROP COLUMN IF EXISTS task_id,
          DROP COLUMN IF EXISTS config,
          DROP COLUMN IF EXISTS n_iterations,
          DROP COLUMN IF EXISTS completed_at,
          DROP COLUMN IF EXISTS started_at;`);
  }
}
