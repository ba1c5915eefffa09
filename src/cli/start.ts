/**
 * `npm start`: the whole service in one process on the embedded default: PostgreSQL (embedded
 * unless DATABASE_URL is set), the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS
 * is set), the worker and the API. State lives in STATE_DIR (default .state), so a restart
 * resumes where it stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../api/app';
import { loadConfig } from '../config';
import { startEmbeddedPostgres } from '../db/embedded';
import { initOrm, migrate } from '../db/orm';
import { ensureLocalUser } from '../db/users';
import { startReconcileLoop } from '../reconciler';
import { connectClient } from '../temporal/client';
import { startDevServer } from '../temporal/dev_server';
import { createTuningWorker } from '../worker';

async function main(): Promise<void> {
  const config = loadConfig();
  fs.mkdirSync(config.stateDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];

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

  const worker = await createTuningWorker({
    orm,
    temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    evaluationThreads: config.evaluationThreads,
  });
  const workerDone = worker.run();
  const client = await connectClient(temporalAddress, config.temporalNamespace);
  stops.unshift(() => client.connection.close());
  // Runs left RUNNING by a crash: resumed or settled now, then every 60 s (src/reconciler.ts).
  const reconciler = startReconcileLoop({ orm, client, config });
  stops.unshift(() => reconciler.stop());
  const server = createApp({ orm, temporal: client, config }).listen(config.apiPort, config.apiHost);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  stops.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const token = await ensureLocalUser(orm, config.stateDir);
  console.log(
    [
      '',
      'Hyperparameter-tuning service is up.',
      `  API:             http://${config.apiHost}:${config.apiPort}/api/v1  (health: /health)`,
      `  Temporal Web UI: ${webUi}`,
      `  Temporal:        ${temporalAddress} (namespace ${config.temporalNamespace}, task queue ${config.taskQueue})`,
      `  Database:        ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
      `  API token (local user): ${token}`,
      `    export TOKEN=${token}`,
      'Ctrl-C stops everything; state is kept in ' + config.stateDir,
      '',
    ].join('\n'),
  );

  // The Temporal runtime shuts the worker down on SIGINT/SIGTERM; then the rest stops in reverse order.
  await workerDone;
  for (const stop of stops) await stop().catch((err) => console.error('while stopping:', err));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
