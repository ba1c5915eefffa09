/**
 * The worker: runs TuningWorkflow and TrainModelWorkflow and their activities. One process uses
 * every core: Temporal's own thread polls and runs workflows, fits run in the evaluation pool.
 * Run on its own with `node dist/src/worker.js` after `npm run build`, or `npm run worker` from the
 * sources (DATABASE_URL and TEMPORAL_ADDRESS set).
 */
import fs from 'node:fs';
import * as os from 'node:os';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createActivities } from './activities';
import { DatasetCache } from './activities/dataset_cache';
import { createScheduleActivities } from './activities/schedules';
import { withFaultInjection } from './activities/fault_injection';
import { loadConfig } from './config';
import { initOrm } from './db/orm';
import { workerReadiness } from './api/health';
import { serveWorkerHealth, trackEvaluationPool, workerMetricsPort } from './metrics';
import { EvaluationPool } from './ml/parallel';
import { startReconcileLoop } from './reconciler';
import { connectClient, ensureSearchAttributes, temporalConnectionOptions } from './temporal/client';
import { evaluationTaskQueue } from './temporal/ids';
import { evaluationSlotSupplier } from './temporal/evaluation_slots';
import { IS_COMPILED, WORKFLOW_BUNDLE_PATH } from './util/project_root';
import { logger } from './logging';
import { NO_TRACING, startTracing, type Tracing } from './telemetry/tracing';
import { installWorkerRuntime, tracingWorkerOptions } from './telemetry/worker';

export interface TuningWorkerOptions {
  orm: MikroORM;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  evaluationThreads?: number;
  /**
   * A prebuilt workflow bundle (tests build it once). Default: the compiled worker loads the one
   * `npm run build` wrote; from the TypeScript sources (or without a build) the workflows are
   * bundled at start, so a stale build never runs in development.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where workflow spans go; default: tracing off. */
  tracing?: Tracing;
}

export interface TuningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down; the pool and connection are closed by then. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createTuningWorker(options: TuningWorkerOptions): Promise<TuningWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(options.temporalAddress));
  const workflowBundle =
    options.workflowBundle ?? (IS_COMPILED && fs.existsSync(WORKFLOW_BUNDLE_PATH) ? { codePath: WORKFLOW_BUNDLE_PATH } : undefined);
  const pool = new EvaluationPool(options.evaluationThreads || undefined, loadConfig().evaluationThreadMemoryMb);
  const untrackPool = trackEvaluationPool(pool);
  // Temporal's default identity, set here so the trials this process evaluates can record it.
  const identity = `${process.pid}@${os.hostname()}`;
  const shared = {
    connection,
    namespace: options.namespace,
    identity,
    activities: withFaultInjection({
      ...createActivities({
        orm: options.orm,
        pool,
        datasets: DatasetCache.fromDatabase(options.orm, loadConfig().datasetCacheBytes),
        workerIdentity: identity,
      }),
      ...createScheduleActivities({ orm: options.orm }),
    }),
    ...tracingWorkerOptions(options.tracing ?? NO_TRACING, workflowBundle !== undefined),
  };
  const worker = await Worker.create({
    ...shared,
    taskQueue: options.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    maxConcurrentActivityTaskExecutions: 8,
  });
  // Fits come from the evaluation queue, one batch per evaluation thread and one fetched ahead near
  // a batch's end (evaluation_slots.ts): a worker whose threads are all busy stops polling it, so
  // the next batch goes to another worker on the queue.
  const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
  const evaluator = await Worker.create({
    ...shared,
    taskQueue: evaluationTaskQueue(options.taskQueue),
    tuner: {
      activityTaskSlotSupplier: evaluationSlotSupplier(pool),
      workflowTaskSlotSupplier: fixed(2),
      localActivityTaskSlotSupplier: fixed(2),
      nexusTaskSlotSupplier: fixed(1),
    },
    // Heartbeats carry cancellation back to activities: half a second apart at most while a fit
    // progresses, so a stop or a cancel reaches it within about a second.
    defaultHeartbeatThrottleInterval: '500 milliseconds',
    maxHeartbeatThrottleInterval: '500 milliseconds',
  });
  const workers = [worker, evaluator];
  const shutdownAll = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  let running: Promise<void> | undefined;
  return {
    worker,
    run() {
      // One of them ending (a shutdown, a fatal error) ends the other; the pool closes after both.
      running ??= Promise.allSettled(workers.map((w) => w.run().finally(shutdownAll))).then(async (outcomes) => {
        untrackPool();
        await pool.close();
        await connection.close();
        for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
      });
      return running;
    },
    async shutdown() {
      shutdownAll();
      await running;
    },
  };
}

async function main(): Promise<void> {
  logger.setBindings({ service: 'worker' });
  const config = loadConfig();
  installWorkerRuntime();
  const tracing = startTracing('tuning-worker');
  if (!config.databaseUrl || !config.temporalAddress) {
    throw new Error('the stand-alone worker needs DATABASE_URL and TEMPORAL_ADDRESS (use `npm start` for the embedded setup)');
  }
  // WORKER_NICE lowers this process's CPU priority before its evaluation threads start (they
  // inherit it): on a machine it shares with the API (npm start), fits yield to API requests.
  const nice = Number(process.env.WORKER_NICE ?? 0);
  if (nice > 0) os.setPriority(Math.min(19, nice));
  const orm = await initOrm(config.databaseUrl);
  const client = await connectClient(config.temporalAddress, config.temporalNamespace);
  // The workflows upsert these: registered (idempotently, once the namespace exists) before polling.
  await ensureSearchAttributes(client);
  const tuningWorker = await createTuningWorker({
    orm,
    temporalAddress: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    evaluationThreads: config.evaluationThreads,
    tracing,
  });
  // Runs left RUNNING by a crash: resumed or settled at start-up, then every 60 s (src/reconciler.ts).
  const reconciler = startReconcileLoop({ orm, client, config });
  const metricsPort = workerMetricsPort();
  const health = metricsPort === undefined
    ? undefined
    : await serveWorkerHealth({ port: metricsPort, readiness: () => workerReadiness(tuningWorker.worker, orm, client) });
  await tuningWorker.run();
  health?.close();
  await reconciler.stop();
  await client.connection.close();
  await orm.close();
  await tracing.shutdown();
}

if (require.main === module) {
  main().catch((err) => {
    logger.fatal({ err }, 'worker stopped');
    process.exit(1);
  });
}
