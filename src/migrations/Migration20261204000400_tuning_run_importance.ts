import { Migration } from '@mikro-orm/migrations';

/**
 * fANOVA parameter importance of a finished tuning run, computed once when the run finishes so the
 * dashboard does not fit the forest on first open. One row per run; deleting the run deletes it.
 */
export class Migration20261204000400_tuning_run_importance extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE tuning_run_importance (
          tuning_run_id UUID PRIMARY KEY REFERENCES tuning_runs(id) ON DELETE CASCADE,
          evaluator VARCHAR NOT NULL,
          n_trials INTEGER NOT NULL,
          importances JSONB NOT NULL,
          computed_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );`);
  }

  override down(): void {
    this.addSql('DROP TABLE tuning_run_importance;');
  }
}
