import { Migration } from '@mikro-orm/migrations';

/**
 * A trial cut short by a stop (time budget, target score, cancel) is recorded as STOPPED with the
 * folds it finished, so the results say which candidates the stop interrupted.
 */
export class Migration20261203000000_trial_stopped_state extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE tuning_trials
          DROP CONSTRAINT ck_tuning_trials_state,
          ADD CONSTRAINT ck_tuning_trials_state CHECK (state IN ('COMPLETE', 'PRUNED', 'FAILED', 'STOPPED'));`);
  }

  override down(): void {
    this.addSql(`
      DELETE FROM tuning_trials WHERE state = 'STOPPED';
      ALTER TABLE tuning_trials
          DROP CONSTRAINT ck_tuning_trials_state,
          ADD CONSTRAINT ck_tuning_trials_state CHECK (state IN ('COMPLETE', 'PRUNED', 'FAILED'));`);
  }
}
