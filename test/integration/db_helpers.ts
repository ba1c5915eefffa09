/**
 * A fresh, migrated database per test file on the real PostgreSQL server
 * (TEST_DATABASE_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { databaseUrlFor, dropDatabase, ensureDatabase, initOrm, migrate } from '../../src/db/orm';

export const TEST_DATABASE_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  orm: MikroORM;
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Closes the ORM and drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'tuning_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  await ensureDatabase(TEST_DATABASE_ADMIN_URL, name);
  const url = databaseUrlFor(TEST_DATABASE_ADMIN_URL, name);
  let orm: MikroORM;
  try {
    orm = await initOrm(url);
    await migrate(orm);
  } catch (err) {
    await dropDatabase(TEST_DATABASE_ADMIN_URL, name).catch(() => undefined);
    throw err;
  }
  let dropped = false;
  return {
    orm,
    url,
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await orm.close(true).catch(() => undefined);
      await dropDatabase(TEST_DATABASE_ADMIN_URL, name);
    },
  };
}
