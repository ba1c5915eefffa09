/**
 * MikroORM configuration, start-up and migrations.
 *
 * Entities are `EntitySchema`s with explicit types and the migrations are an explicit list, so
 * nothing here needs reflect-metadata, ts-morph or file globbing: it runs the same under ts-jest
 * (isolatedModules), tsx and compiled JavaScript.
 */
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, knex, MikroORM, type Options } from '@mikro-orm/postgresql';
import { ENTITIES } from '../entities';
import { MIGRATIONS } from '../migrations';

/** Key of the transaction-level advisory lock that serialises `migrate()` across processes. */
export const MIGRATION_LOCK_KEY = 4_851_772_019;

export interface OrmConfigOverrides {
  /** Connection pool size; `migrate()` needs at least 2 connections. Default 5. */
  poolMax?: number;
  /** Log SQL (MikroORM debug mode). Default false. */
  debug?: boolean;
}

export function createOrmConfig(databaseUrl: string, overrides: OrmConfigOverrides = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    discovery: { disableDynamicFileAccess: true, warnWhenNoEntities: false },
    // Databases are created explicitly with ensureDatabase(); never implicitly on connect.
    ensureDatabase: false,
    debug: overrides.debug ?? false,
    pool: { min: 0, max: Math.max(2, overrides.poolMax ?? 5) },
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // 'true' would run `set session_replication_role = replica`, which disables our triggers.
      disableForeignKeys: false,
      // No schema snapshot files written next to the sources.
      snapshot: false,
      silent: true,
    },
  });
}

/** Connects (and fails loudly if the database is unreachable). Does not migrate. */
export async function initOrm(databaseUrl: string, overrides: OrmConfigOverrides = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig(databaseUrl, overrides));
  const status = await orm.checkConnection();
  if (!status.ok) {
    await orm.close(true).catch(() => undefined);
    throw new Error(`cannot connect to ${redactUrl(databaseUrl)}: ${status.reason}`, { cause: status.error });
  }
  return orm;
}

/**
 * Applies every pending migration, all in one transaction. Idempotent, and safe when several
 * processes start at once: a transaction-level advisory lock makes them take turns, and the one
 * that comes second finds nothing pending. Returns the names of the migrations it applied.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const connection = orm.em.getConnection();
  return connection.transactional(async (trx) => {
    await connection.execute('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY], 'all', trx);
    const applied = await orm.migrator.up({ transaction: trx });
    return applied.map((m) => m.name);
  });
}

/** Names of the migrations recorded as applied, in order. */
export async function appliedMigrations(orm: MikroORM): Promise<string[]> {
  const rows = await orm.migrator.getExecutedMigrations();
  return rows.map((r) => r.name);
}

/** `url` with its database name replaced. */
export function databaseUrlFor(url: string, databaseName: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(databaseName)}`;
  return parsed.toString();
}

/** `url` without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    return '<invalid database url>';
  }
}

async function withAdminConnection<T>(adminUrl: string, fn: (db: knex.Knex) => Promise<T>): Promise<T> {
  const db = knex({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Creates database `name` on the server of `adminUrl` (any database the user can connect to,
 * e.g. `postgres`) unless it exists. Returns true when it created it. Safe to race.
 */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  return withAdminConnection(adminUrl, async (db) => {
    const exists = async () => (await db.raw('select 1 from pg_database where datname = ?', [name])).rows.length > 0;
    if (await exists()) return false;
    try {
      await db.raw('create database ??', [name]);
      return true;
    } catch (err) {
      // 42P04 duplicate_database; 23505 when a concurrent CREATE DATABASE wins the catalog insert.
      const code = (err as { code?: string }).code;
      if ((code === '42P04' || code === '23505') && (await exists())) return false;
      throw err;
    }
  });
}

/** Drops database `name` (terminating its connections). No error if it does not exist. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdminConnection(adminUrl, async (db) => {
    await db.raw('drop database if exists ?? with (force)', [name]);
  });
}
