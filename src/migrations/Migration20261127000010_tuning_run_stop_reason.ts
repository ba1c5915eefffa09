import { Migration } from '@mikro-orm/migrations';

/** Why a search stopped: all candidates evaluated, n_iter reached, time budget, target score, or cancelled. */
export class Migration20261127000010_tuning_run_stop_reason extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE tuning_runs
          ADD COLUMN stop_reason VARCHAR,
          ADD CONSTRAINT ck_tuning_runs_stop_reason
              CHECK (stop_reason IN ('exhausted', 'n_iter', 'time_budget', 'target_score', 'cancelled'));`);
  }

  override down(): void {
    this.addSql(`ALTER TABLE tuning_runs DROP COLUMN stop_reason;`);
  }
}
