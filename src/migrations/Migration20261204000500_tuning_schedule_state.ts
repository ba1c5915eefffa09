import { Migration } from '@mikro-orm/migrations';

/**
 * A schedule's tags, user notes, paused flag and note, kept beside its spec so that reading a
 * schedule needs no Temporal round trip (Temporal's describe, when it answers in time, still wins
 * for the paused state). Rows from before show no tags or notes; their scheduled runs still carry
 * them, since the schedule's action holds them.
 */
export class Migration20261204000500_tuning_schedule_state extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE tuning_schedules
          ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{}',
          ADD COLUMN user_notes TEXT,
          ADD COLUMN paused BOOLEAN NOT NULL DEFAULT false,
          ADD COLUMN note TEXT;`);
  }

  override down(): void {
    this.addSql('ALTER TABLE tuning_schedules DROP COLUMN tags, DROP COLUMN user_notes, DROP COLUMN paused, DROP COLUMN note;');
  }
}
