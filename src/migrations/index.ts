import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127000000_initial_schema } from './Migration20261127000000_initial_schema';
import { Migration20261127000001_tuning_run_enhancements } from './Migration20261127000001_tuning_run_enhancements';
import { Migration20261127000002_tuning_schedules } from './Migration20261127000002_tuning_schedules';
import { Migration20261127000010_tuning_run_stop_reason } from './Migration20261127000010_tuning_run_stop_reason';
import { Migration20261203000000_trial_stopped_state } from './Migration20261203000000_trial_stopped_state';
import { Migration20261203000001_dataset_reference } from './Migration20261203000001_dataset_reference';
import { Migration20261203000100_api_token_expiry } from './Migration20261203000100_api_token_expiry';
import { Migration20261204000200_trial_worker_identity } from './Migration20261204000200_trial_worker_identity';
import { Migration20261204000300_dataset_columnar_storage } from './Migration20261204000300_dataset_columnar_storage';
import { Migration20261204000400_tuning_run_importance } from './Migration20261204000400_tuning_run_importance';
import { Migration20261204000500_tuning_schedule_state } from './Migration20261204000500_tuning_schedule_state';

/**
 * Every migration, in order. Explicit (no globbing) so it works under ts-jest, tsx and compiled JS;
 * the names are stored in `mikro_orm_migrations` and must never change.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261127000000_initial_schema', class: Migration20261127000000_initial_schema },
  { name: 'Migration20261127000001_tuning_run_enhancements', class: Migration20261127000001_tuning_run_enhancements },
  { name: 'Migration20261127000002_tuning_schedules', class: Migration20261127000002_tuning_schedules },
  { name: 'Migration20261127000010_tuning_run_stop_reason', class: Migration20261127000010_tuning_run_stop_reason },
  { name: 'Migration20261203000000_trial_stopped_state', class: Migration20261203000000_trial_stopped_state },
  { name: 'Migration20261203000001_dataset_reference', class: Migration20261203000001_dataset_reference },
  { name: 'Migration20261203000100_api_token_expiry', class: Migration20261203000100_api_token_expiry },
  { name: 'Migration20261204000200_trial_worker_identity', class: Migration20261204000200_trial_worker_identity },
  { name: 'Migration20261204000300_dataset_columnar_storage', class: Migration20261204000300_dataset_columnar_storage },
  { name: 'Migration20261204000400_tuning_run_importance', class: Migration20261204000400_tuning_run_importance },
  { name: 'Migration20261204000500_tuning_schedule_state', class: Migration20261204000500_tuning_schedule_state },
];
