/**
 * `npm run bench:scale [-- --trials N --n-estimators T --batch-size B --parallelism P --ceiling-trials C]`: does the
 * service scale out over worker processes? One CPU-bound grid run (random forests on breast_cancer,
 * 5-fold CV, about a second of fitting per trial) evaluated by 1 and then by 2 worker processes
 * (src/worker.ts, EVALUATION_THREADS=1 each) on one task queue, against the integration harness
 * (a fresh database on the local PostgreSQL, the Temporal dev server, the API in this process).
 *
 * For each: wall time from the run's creation to its completion (the database's timestamps),
 * throughput (trials/s), how many trials each worker evaluated (tuning_trials.worker_identity,
 * GET …/trials), and the orchestration overhead: the share of the workers' wall time not spent
 * fitting, 1 − Σ trial fit seconds ÷ (wall × workers). Goals: 2 workers ≥ 1.8× the throughput of
 * one, overhead < 5%. On a machine shared with other jobs both numbers are noisy.
 *
 * First, the machine's own ceiling for that ratio: the same trials' fits with no service at all
 * (this script with `--fit-only N`: N trials spread over the grid, 5-fold CV, in one plain process), in one
 * process and then in two at once: 2 × t(one) ÷ t(two at once).
 * Prints a table and, as the last line, the numbers as JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadSampleDataset } from '../src/ml/data';
import { createEstimator } from '../src/ml/estimators';
import { crossValidate } from '../src/ml/model_selection';
import { expandGrid, type ParamGrid } from '../src/ml/search';
import { classCount } from '../src/ml/types';
import { evaluationTaskQueue } from '../src/temporal/ids';
import { stopProcess } from './processes';
import { call, startHarness, waitFor, type Harness } from '../test/integration/harness';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '48' },
    // About a second of CPU per trial (5 folds) on this project's 2-core machine.
    'n-estimators': { type: 'string', default: '600' },
    'batch-size': { type: 'string', default: '2' },
    parallelism: { type: 'string', default: '4' },
    'ceiling-trials': { type: 'string', default: '8' },
    'fit-only': { type: 'string' },
  },
});

/** The grid: `trials` candidates (a multiple of 24), all with the same number of trees, so trials cost about the same. */
function grid(trials: number): ParamGrid {
  const space = {
    max_depth: [6, 8, 10, null],
    max_features: ['sqrt', 0.3, 0.5],
    min_samples_leaf: [1, 2, 3, 4],
    criterion: ['gini', 'entropy'],
  };
  const size = Object.values(space).reduce((n, values) => n * values.length, 1);
  if (trials > size) throw new Error(`--trials: at most ${size}`);
  const leaf = trials / (space.max_depth.length * space.max_features.length * space.criterion.length);
  if (!Number.isInteger(leaf)) throw new Error(`--trials: a multiple of ${space.max_depth.length * space.max_features.length * space.criterion.length}`);
  return { ...space, min_samples_leaf: space.min_samples_leaf.slice(0, leaf) };
}

/** `--fit-only N`: N trials spread over the grid, fitted and scored here as a worker's thread would; prints the seconds. */
function fitOnly(trials: number): void {
  const data = loadSampleDataset('breast_cancer');
  const nClasses = classCount(data);
  const candidates = expandGrid(grid(Number(args.trials)));
  const step = Math.max(1, Math.floor(candidates.length / trials));
  const started = performance.now();
  for (const params of candidates.filter((_, i) => i % step === 0).slice(0, trials)) {
    const estimator = () => createEstimator('random_forest', 'classification', { ...params, n_estimators: Number(args['n-estimators']), random_state: 0 }, nClasses);
    crossValidate(data, estimator, { cvFolds: 5, scoring: 'accuracy', seed: 0 });
  }
  process.stdout.write(`${(performance.now() - started) / 1000}\n`);
}

/** Seconds each of `count` plain processes, started together, takes for `--fit-only trials`. */
async function fitProcesses(count: number, trials: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), __filename, '--fit-only', String(trials), '--trials', args.trials!, '--n-estimators', args['n-estimators']!]);
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.pipe(process.stderr);
      return new Promise<number>((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`--fit-only exited ${code}`)))),
      );
    }),
  );
}

/** The machine's ceiling for the 2 ÷ 1 ratio: the same fits in one plain process, then in two at once. */
async function ceiling(trials: number): Promise<{ one_seconds: number; two_seconds: number[]; ratio: number }> {
  const [one] = await fitProcesses(1, trials);
  const two = await fitProcesses(2, trials);
  return { one_seconds: one, two_seconds: two, ratio: (2 * one) / Math.max(...two) };
}

/** `count` worker processes (src/worker.ts, one evaluation thread each), ready when each polls the evaluation queue. */
async function startWorkers(h: Harness, count: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, '..', 'src', 'worker.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: h.db.url,
        TEMPORAL_ADDRESS: h.env.address,
        TEMPORAL_NAMESPACE: h.config.temporalNamespace,
        TEMPORAL_TASK_QUEUE: h.config.taskQueue,
        EVALUATION_THREADS: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  const polling = async () => {
    const { pollers } = await h.env.client.workflowService.describeTaskQueue({
      namespace: h.config.temporalNamespace,
      taskQueue: { name: evaluationTaskQueue(h.config.taskQueue), kind: 1 },
      taskQueueType: 2, // activities
    });
    const identities = new Set((pollers ?? []).map((p) => p.identity));
    return children.every((child) => identities.has(`${child.pid}@${os.hostname()}`));
  };
  try {
    await waitFor(async () => {
      const dead = children.find((child) => child.exitCode !== null || child.signalCode !== null);
      if (dead) throw new Error(`worker ${dead.pid} exited (code ${dead.exitCode}, signal ${dead.signalCode}) before it polled`);
      return { status: 200, body: await polling() };
    }, (r) => r.body, 120_000);
  } catch (err) {
    await stopWorkers(children);
    throw err;
  }
  return children;
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map(stopProcess));
}

interface Measured {
  workers: number;
  trials: number;
  wall_seconds: number;
  trials_per_second: number;
  fit_seconds: number;
  mean_trial_fit_seconds: number;
  overhead: number;
  /** Of the overhead: from the run's creation to its first fit, and from its last trial's write to completion. */
  startup_seconds: number;
  finish_seconds: number;
  trials_by_worker: number[];
}

/** One grid run on `workers` fresh worker processes, measured from the database's timestamps and recorded trials. */
async function measure(h: Harness, modelRunId: string, workers: number): Promise<Measured> {
  const children = await startWorkers(h, workers);
  try {
    const started = await call(h, 'POST', '/tuning/tune', {
      token: h.token,
      body: {
        model_run_id: modelRunId,
        tuning_method: 'grid_search',
        param_grid: grid(Number(args.trials)),
        cv_folds: 5,
        scoring: 'accuracy',
        seed: 0,
        batch_size: Number(args['batch-size']),
        parallelism: Number(args.parallelism),
      },
    });
    if (started.status !== 202) throw new Error(`POST /tuning/tune answered ${started.status}: ${JSON.stringify(started.body)}`);
    const id: string = started.body.tuning_run_id;
    const done = await waitFor(() => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token }), (r) => r.body.status !== 'running', 3_600_000);
    if (done.body.status !== 'completed') throw new Error(`run ${id} ended ${done.body.status}: ${JSON.stringify(done.body)}`);
    // A trial's created_at is when its write committed (at most about half a second after its fit ended).
    const [row] = await h.db.orm.em.fork().execute<{ wall: number; startup: number; finish: number }[]>(
      `select extract(epoch from r.completed_at - r.created_at)::float8 as wall,
              extract(epoch from min(t.created_at - make_interval(secs => t.duration_seconds)) - r.created_at)::float8 as startup,
              extract(epoch from r.completed_at - max(t.created_at))::float8 as finish
         from tuning_runs r join tuning_trials t on t.tuning_run_id = r.id
        where r.id = ? group by r.id`,
      [id],
    );
    const { body } = await call<{ trials: { duration_seconds: number; worker: string | null }[] }>(h, 'GET', `/tuning/tune/${id}/trials`, { token: h.token });
    const fit = body.trials.reduce((sum, t) => sum + t.duration_seconds, 0);
    const byWorker = new Map<string | null, number>();
    for (const t of body.trials) byWorker.set(t.worker, (byWorker.get(t.worker) ?? 0) + 1);
    return {
      workers,
      trials: body.trials.length,
      wall_seconds: row.wall,
      trials_per_second: body.trials.length / row.wall,
      fit_seconds: fit,
      mean_trial_fit_seconds: fit / body.trials.length,
      overhead: 1 - fit / (row.wall * workers),
      startup_seconds: row.startup,
      finish_seconds: row.finish,
      trials_by_worker: [...byWorker.values()].sort((a, b) => b - a),
    };
  } finally {
    await stopWorkers(children);
  }
}

async function main(): Promise<void> {
  if (args['fit-only'] !== undefined) return fitOnly(Number(args['fit-only']));
  const machine = await ceiling(Number(args['ceiling-trials']));
  // The harness's own worker only starts and stops: its state changes are not worth a line each.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const h = await startHarness({ maxRunningTuningRuns: 0, rateLimitPerMinute: 0, evaluationThreads: 1 });
  // Only the worker processes started below evaluate.
  await h.worker.shutdown();
  try {
    const setup = await startWorkers(h, 1);
    let modelRunId: string;
    try {
      const dataset = await call(h, 'POST', '/datasets', { token: h.token, body: { sample: 'breast_cancer' } });
      const experiment = await call(h, 'POST', '/experiments', { token: h.token, body: { name: 'scale', dataset_id: dataset.body.id } });
      const modelRun = await call(h, 'POST', '/model-runs', {
        token: h.token,
        body: { experiment_id: experiment.body.id, model_type: 'random_forest', hyperparameters: { n_estimators: Number(args['n-estimators']) } },
      });
      modelRunId = modelRun.body.id;
      await waitFor(() => call(h, 'GET', `/model-runs/${modelRunId}`, { token: h.token }), (r) => r.body.status !== 'running');
    } finally {
      await stopWorkers(setup);
    }

    const one = await measure(h, modelRunId, 1);
    const two = await measure(h, modelRunId, 2);
    const ratio = two.trials_per_second / one.trials_per_second;
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const row = (m: Measured) =>
      `| ${m.workers} | ${m.trials} | ${m.wall_seconds.toFixed(1)} | ${m.trials_per_second.toFixed(3)} | ${m.mean_trial_fit_seconds.toFixed(2)} | ${pct(m.overhead)} | ${m.startup_seconds.toFixed(1)} | ${m.finish_seconds.toFixed(1)} | ${m.trials_by_worker.join(' / ')} |`;
    const lines = [
      '',
      `Scale-out benchmark, ${new Date().toISOString()}: grid_search, random_forest (${args['n-estimators']} trees) on breast_cancer, 5-fold CV, ` +
        `batch_size ${args['batch-size']}, parallelism ${args.parallelism}; worker processes with EVALUATION_THREADS=1`,
      '',
      '| workers | trials | wall s | trials/s | fit s per trial | overhead | of which start-up s | finish s | trials per worker |',
      '|---|---|---|---|---|---|---|---|---|',
      row(one),
      row(two),
      '',
      `throughput ratio, 2 workers ÷ 1: ${ratio.toFixed(2)}× (goal ≥ 1.8×); overhead: ${pct(one.overhead)} with 1, ${pct(two.overhead)} with 2 (goal < 5%)`,
      `the machine's ceiling, the same fits with no service (${args['ceiling-trials']} trials a process): ` +
        `one process ${machine.one_seconds.toFixed(1)} s, two at once ${machine.two_seconds.map((t) => t.toFixed(1)).join(' s and ')} s: ${machine.ratio.toFixed(2)}×`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    process.stdout.write(JSON.stringify({ one, two, ratio, ceiling: machine }) + '\n');
  } finally {
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
