import { Migration } from '@mikro-orm/migrations';

/**
 * Which worker process evaluated a trial (its Temporal identity, `<pid>@<host>`), so a run spread
 * over several workers shows where each candidate was fitted. NULL for trials a client reported
 * (client-evaluated studies) and for trials recorded before this column existed.
 */
export class Migration20261204000200_trial_worker_identity extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE tuning_trials ADD COLUMN worker_identity VARCHAR(255);');
  }

  override down(): void {
    this.addSql('ALTER TABLE tuning_trials DROP COLUMN IF EXISTS worker_identity;');
  }
}
