import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127000000_initial_schema } from './Migration20261127000000_initial_schema';
import { Migration20261127000001_tuning_run_enhancements } from './Migration20261127000001_tuning_run_enhancements';

/**
 * Every migration, in order. Explicit (no globbing) so it works under ts-jest, tsx and compiled JS;
 * the names are stored in `mikro_orm_migrations` and must never change.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261127000000_initial_schema', class: Migration20261127000000_initial_schema },
  { name: 'Migration20261127000001_tuning_run_enhancements', class: Migration20261127000001_tuning_run_enhancements },
];
