/**
 * `npm run bench:load [-- --runs N --n-iter K --samples S --seconds T --in-process-worker]`: API
 * latency idle and under load, and run-completion throughput, against the real service on loopback
 * (the integration harness: a fresh database on the local PostgreSQL, the Temporal dev server and
 * the API in this process; the worker, with two evaluation threads, in a child process of its own
 * as `npm start` runs it, or with --in-process-worker in this process).
 *
 * 1. idle: S sequential calls each of GET /tuning/tune/{id}/status, …/results and
 *    GET /model-runs/{id}/tuning-runs, on completed runs, nothing running;
 * 2. loaded: N tuning runs started at once (random_search, random_forest on breast_cancer, K
 *    candidates, 3-fold CV), then the same calls (status and results of the running runs) for T
 *    seconds, or until the list shows a run finished (so every sample saw N runs going);
 * 3. throughput: the N runs' completions per minute, from the first start to the last completion.
 * Prints a table and, as the last line, the numbers as JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stopProcess } from './processes';
import { call, startHarness, waitFor, type Harness } from '../test/integration/harness';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    'n-iter': { type: 'string', default: '24' },
    samples: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    'in-process-worker': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const N_ITER = Number(args['n-iter']);
const SAMPLES = Number(args.samples);
const LOADED_SECONDS = Number(args.seconds);

type Endpoint = 'status' | 'results' | 'list';
const ENDPOINTS: Endpoint[] = ['status', 'results', 'list'];

interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

/** One timed call; a non-200 answer stops the benchmark (it would measure an error path). */
async function timed(h: Harness, path: string): Promise<{ ms: number; body: unknown }> {
  const started = performance.now();
  const response = await call(h, 'GET', path, { token: h.token });
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { ms, body: response.body };
}

const pathOf = (endpoint: Endpoint, tuningRunId: string, modelRunId: string) =>
  endpoint === 'list' ? `/model-runs/${modelRunId}/tuning-runs` : `/tuning/tune/${tuningRunId}/${endpoint}`;

/**
 * Calls the three endpoints in turn (one request at a time) until `more` says stop; it sees how
 * many runs the last list answer showed running.
 */
async function measure(h: Harness, runIds: string[], modelRunId: string, more: (round: number, running: number) => boolean) {
  const samples: Record<Endpoint, number[]> = { status: [], results: [], list: [] };
  let running = 0;
  for (let round = 0; more(round, running); round++) {
    const id = runIds[round % runIds.length];
    for (const endpoint of ENDPOINTS) {
      const { ms, body } = await timed(h, pathOf(endpoint, id, modelRunId));
      samples[endpoint].push(ms);
      if (endpoint === 'list') running = (body as { status: string }[]).filter((run) => run.status === 'running').length;
    }
  }
  return Object.fromEntries(ENDPOINTS.map((e) => [e, percentiles(samples[e])])) as Record<Endpoint, Percentiles>;
}

async function startRun(h: Harness, modelRunId: string, seed: number): Promise<string> {
  const response = await call(h, 'POST', '/tuning/tune', {
    token: h.token,
    body: {
      model_run_id: modelRunId,
      tuning_method: 'random_search',
      n_iter: N_ITER,
      cv_folds: 3,
      seed,
      param_distributions: {
        n_estimators: { type: 'int', low: 20, high: 80 },
        max_depth: { type: 'int', low: 2, high: 8 },
        max_features: { type: 'categorical', choices: ['sqrt', 'log2'] },
      },
    },
  });
  if (response.status !== 202) throw new Error(`POST /tuning/tune answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.tuning_run_id;
}

const finished = (h: Harness, id: string, timeoutMs: number) =>
  waitFor(() => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token }), (r) => r.body.status !== 'running', timeoutMs);

const EVALUATION_THREADS = 2;

/** src/worker.ts in a child process on the harness's database, Temporal and task queue, as `npm start` runs it. */
function spawnWorker(h: Harness): ChildProcess {
  return spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, '..', 'src', 'worker.ts')], {
    env: {
      // As npm start runs it: fits yield the CPU to API requests.
      WORKER_NICE: '10',
      ...process.env,
      DATABASE_URL: h.db.url,
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_NAMESPACE: h.config.temporalNamespace,
      TEMPORAL_TASK_QUEUE: h.config.taskQueue,
      EVALUATION_THREADS: String(EVALUATION_THREADS),
    },
    stdio: 'inherit',
  });
}

async function main(): Promise<void> {
  // Quotas off: the benchmark itself is one user with N runs and thousands of requests.
  const h = await startHarness({ maxRunningTuningRuns: 0, rateLimitPerMinute: 0, evaluationThreads: EVALUATION_THREADS });
  let child: ChildProcess | undefined;
  if (!args['in-process-worker']) {
    await h.worker.shutdown();
    child = spawnWorker(h);
  }
  try {
    const dataset = await call(h, 'POST', '/datasets', { token: h.token, body: { sample: 'breast_cancer' } });
    const experiment = await call(h, 'POST', '/experiments', { token: h.token, body: { name: 'load', dataset_id: dataset.body.id } });
    const modelRun = await call(h, 'POST', '/model-runs', {
      token: h.token,
      body: { experiment_id: experiment.body.id, model_type: 'random_forest', hyperparameters: { n_estimators: 10 } },
    });
    const modelRunId: string = modelRun.body.id;
    await waitFor(() => call(h, 'GET', `/model-runs/${modelRunId}`, { token: h.token }), (r) => r.body.status !== 'running');

    // Idle: two small completed runs to read, nothing running.
    const idleRuns = [await startRun(h, modelRunId, 1), await startRun(h, modelRunId, 2)];
    for (const id of idleRuns) await finished(h, id, 600_000);
    const idle = await measure(h, idleRuns, modelRunId, (round) => round < SAMPLES);

    // Loaded: N runs at once, read while they run.
    const loadStart = performance.now();
    const runIds = await Promise.all(Array.from({ length: RUNS }, (_, i) => startRun(h, modelRunId, 100 + i)));
    const windowEnd = performance.now() + LOADED_SECONDS * 1000;
    const loaded = await measure(h, runIds, modelRunId, (round, running) => round === 0 || (running === RUNS && performance.now() < windowEnd));
    const windowSeconds = Math.round((performance.now() - windowEnd) / 1000 + LOADED_SECONDS);
    const statuses = await Promise.all(runIds.map((id) => finished(h, id, 1_800_000)));
    const elapsedMinutes = (performance.now() - loadStart) / 60_000;
    const completed = statuses.filter((s) => s.body.status === 'completed').length;

    const throughput = {
      runs: RUNS,
      completed,
      failed: RUNS - completed,
      candidates_per_run: N_ITER,
      minutes: Math.round(elapsedMinutes * 100) / 100,
      runs_per_minute: Math.round((RUNS / elapsedMinutes) * 100) / 100,
    };
    const row = (phase: string, endpoint: Endpoint, p: Percentiles) =>
      `| ${phase} | ${endpoint} | ${p.n} | ${p.p50} | ${p.p90} | ${p.p99} | ${p.max} |`;
    const lines = [
      '',
      `Load benchmark, ${new Date().toISOString()}: ${RUNS} concurrent tuning runs (random_search, random_forest, breast_cancer, ${N_ITER} candidates, 3-fold CV); ` +
        `worker ${child ? 'in its own process (as npm start)' : 'in the API process'}, ${EVALUATION_THREADS} evaluation threads`,
      `status = GET /tuning/tune/{id}/status, results = GET /tuning/tune/{id}/results, list = GET /model-runs/{id}/tuning-runs; one request at a time; ms`,
      '',
      '| phase | endpoint | n | p50 | p90 | p99 | max |',
      '|---|---|---|---|---|---|---|',
      ...ENDPOINTS.map((e) => row('idle', e, idle[e])),
      ...ENDPOINTS.map((e) => row(`${RUNS} runs going`, e, loaded[e])),
      `(loaded window: ${windowSeconds} s, ended by ${windowSeconds < LOADED_SECONDS ? 'the first run finishing' : `its ${LOADED_SECONDS} s limit`})`,
      '',
      `throughput: ${throughput.completed}/${RUNS} runs completed (${throughput.failed} failed) in ${throughput.minutes} min = ${throughput.runs_per_minute} runs/minute`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    process.stdout.write(JSON.stringify({ idle, loaded, loaded_window_seconds: windowSeconds, throughput }) + '\n');
  } finally {
    if (child) await stopProcess(child);
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
