/**
 * `npm start`: the whole service on the embedded default: PostgreSQL (embedded unless
 * DATABASE_URL is set), the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS is set),
 * the API in this process and the worker in a child process of its own, as in production, so
 * neither a fit, a sampler nor a data-set parse can stall an API request (a worker that dies is
 * started again). State lives in STATE_DIR (default .state), so a restart resumes where it stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../api/app';
import { loadConfig } from '../config';
import { startEmbeddedPostgres } from '../db/embedded';
import { initOrm, migrate } from '../db/orm';
import { ensureLocalUser } from '../db/users';
import { logger } from '../logging';
import { connectClient, ensureSearchAttributes } from '../temporal/client';
import { startDevServer } from '../temporal/dev_server';
import { startTracing } from '../telemetry/tracing';

/** How long a worker may take to shut down gracefully (finishing its activity tasks) before it is killed. */
const WORKER_SHUTDOWN_MS = 15_000;

/**
 * Runs src/worker.ts (which also runs the reconciler) in a child process, restarting it if it dies
 * unexpectedly; `stop()` resolves once the child has exited (killed if it does not in time), and
 * the child never outlives this process.
 */
function superviseWorker(env: NodeJS.ProcessEnv): { stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  let stopping = false;
  const start = () => {
    child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, '..', 'worker.ts')], {
      env,
      stdio: 'inherit',
    });
    child.once('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ code, signal }, 'worker exited; starting it again in 1 s');
      setTimeout(start, 1_000);
    });
  };
  start();
  process.once('exit', () => child?.kill('SIGKILL'));
  return {
    stop() {
      stopping = true;
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => running.kill('SIGKILL'), WORKER_SHUTDOWN_MS);
        running.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        running.kill('SIGTERM');
      });
    },
  };
}

async function main(): Promise<void> {
  logger.setBindings({ service: 'api' });
  const config = loadConfig();
  fs.mkdirSync(config.stateDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  // Stopped last: spans of the shutdown are flushed too.
  const tracing = startTracing('tuning-api');
  stops.unshift(() => tracing.shutdown());

  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.stateDir);
  if (embedded) stops.unshift(() => embedded.stop());
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const orm = await initOrm(databaseUrl);
  stops.unshift(() => orm.close());
  await migrate(orm);

  let temporalAddress = config.temporalAddress;
  let webUi = '(external Temporal: see its own Web UI)';
  if (!temporalAddress) {
    const devServer = await startDevServer({
      stateDir: path.join(config.stateDir, 'temporal'),
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
    });
    stops.unshift(() => devServer.stop());
    temporalAddress = devServer.address;
    webUi = `${devServer.uiUrl}/namespaces/${config.temporalNamespace}/workflows`;
  }

  // The worker also reconciles runs left RUNNING by a crash: at start-up, then every 60 s.
  // Fits yield the CPU to API requests on this shared machine (WORKER_NICE, default 10 here).
  const worker = superviseWorker({ WORKER_NICE: '10', ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress });
  stops.unshift(() => worker.stop());
  const client = await connectClient(temporalAddress, config.temporalNamespace);
  // The dev server starts with them; an external Temporal gets them here.
  await ensureSearchAttributes(client);
  stops.unshift(() => client.connection.close());
  const server = createApp({ orm, temporal: client, config }).listen(config.apiPort, config.apiHost);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  stops.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));


  const token = await ensureLocalUser(orm, config.stateDir);
  logger.info(
    {
      api: `http://${config.apiHost}:${config.apiPort}/api/v1`,
      health: '/health/live, /health/ready',
      temporalWebUi: webUi,
      temporal: `${temporalAddress} (namespace ${config.temporalNamespace}, task queue ${config.taskQueue})`,
      database: databaseUrl.replace(/:[^:@/]*@/, ':***@'),
      stateDir: config.stateDir,
    },
    'Hyperparameter-tuning service is up; Ctrl-C stops everything',
  );
  logger.info(`API token of the local user: export TOKEN=${token}`);

  // Ctrl-C (SIGINT) or SIGTERM: the worker shuts down gracefully, then the rest in reverse order.
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  for (const stop of stops) await stop().catch((err: unknown) => logger.error({ err }, 'while stopping'));
}

main().catch((err) => {
  logger.fatal({ err }, 'service stopped');
  process.exit(1);
});
