/**
 * Logs, metrics and traces of the real processes: the stand-alone API (src/api/server.ts) and
 * worker (src/worker.ts) run as child processes, as in production, against the Temporal dev server
 * and PostgreSQL. Their stdout is the log; an in-process OTLP/HTTP receiver collects their spans.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createUserToken } from '../../src/db/users';
import { createLogger, runIdsOf, TemporalPinoLogger } from '../../src/logging';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search_attributes';
import { temporalCliPath } from '../../src/temporal/dev_server';
import { createTestDatabase, type TestDatabase } from './db_helpers';

const ROOT = path.join(__dirname, '..', '..');

interface LogLine {
  level: number;
  msg: string;
  service?: string;
  [key: string]: unknown;
}

/** A child process running a TypeScript entry point, its stdout parsed as JSON log lines. */
interface Service {
  child: ChildProcess;
  lines: LogLine[];
  /** Anything on stdout that is not a JSON log line (there should be none). */
  other: string[];
  stderr: string[];
}

function startService(entry: string, env: NodeJS.ProcessEnv): Service {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: Service = { child, lines: [], other: [], stderr: [] };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      service.lines.push(JSON.parse(line));
    } catch {
      service.other.push(line);
    }
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => service.stderr.push(line));
  return service;
}

async function stopService(service: Service | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  const kill = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(kill);
}

/** A free port: one the system just handed out and that was closed again. */
async function freePort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One sample of a metric from a Prometheus text page, or undefined when it is not there. */
async function sample(base: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

/** A minimal OTLP/HTTP receiver (JSON encoding, as @opentelemetry/exporter-trace-otlp-http sends). */
async function startOtlpReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const body = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  };
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
    void body(req).then((payload) => {
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, service });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let api: Service;
let worker: Service;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let apiRoot: string;
let workerBase: string;
let sdkMetricsBase: string;
let token: string;

async function call(method: string, route: string, options: { body?: unknown; requestId?: string } = {}) {
  const res = await fetch(`${apiRoot}/api/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body: any = await res.json();
  return { status: res.status, requestId: res.headers.get('x-request-id'), body };
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI || temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
    },
  });
  receiver = await startOtlpReceiver();
  const [apiPort, workerPort, sdkPort] = [await freePort(), await freePort(), await freePort()];
  const shared = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: `observability-${Math.random().toString(36).slice(2)}`,
    LOG_LEVEL: 'info',
    LOG_PRETTY: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    // Spans are exported a moment after they end, not after the default 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  api = startService('src/api/server.ts', { ...shared, PORT: String(apiPort), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '0' });
  worker = startService('src/worker.ts', { ...shared, EVALUATION_THREADS: '1', WORKER_METRICS_PORT: String(workerPort), TEMPORAL_SDK_METRICS_PORT: String(sdkPort) });
  apiRoot = `http://127.0.0.1:${apiPort}`;
  workerBase = `http://127.0.0.1:${workerPort}`;
  sdkMetricsBase = `http://127.0.0.1:${sdkPort}`;
  ({ token } = await createUserToken(db.orm, 'obs@example.com', 'Obs'));
  const ready = (base: string) => async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined);
  await until('the API to be ready', ready(apiRoot));
  await until('the worker to be ready', ready(workerBase));
}, 300_000);

afterAll(async () => {
  await Promise.all([stopService(api), stopService(worker)]);
  await new Promise((resolve) => receiver?.server.close(resolve));
  await env?.teardown();
  await db?.drop();
});

describe('the logger', () => {
  /** A logger writing into an array, as the process's logger writes to stdout. */
  function captured(env: NodeJS.ProcessEnv): { lines: LogLine[]; logger: ReturnType<typeof createLogger> } {
    const lines: LogLine[] = [];
    return { lines, logger: createLogger(env, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
  }

  test('LOG_LEVEL sets the level and a wrong one is refused, naming the choices', () => {
    const { lines, logger } = captured({ LOG_LEVEL: 'WARN' });
    logger.info('dropped');
    logger.warn('kept');
    expect(lines.map((line) => line.msg)).toEqual(['kept']);
    expect(() => createLogger({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"');
  });

  test("Temporal's log records keep their metadata, gain the run id their workflow id names, and drop the task token", () => {
    const { lines, logger } = captured({ LOG_LEVEL: 'debug' });
    const temporal = new TemporalPinoLogger(logger);
    temporal.warn('Activity failed', { workflowId: 'tuning-run-42', activityType: 'evaluateCandidates', taskToken: 'opaque', error: new Error('boom') });
    temporal.debug('Activity completed', { workflowId: 'model-run-7' });
    temporal.trace('below the level');
    // The evaluation worker has no workflows by design: the SDK's warning about it is routine.
    temporal.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'q-evaluations' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'Activity failed', workflowId: 'tuning-run-42', tuningRunId: '42', activityType: 'evaluateCandidates', err: expect.objectContaining({ message: 'boom' }) }),
      expect.objectContaining({ level: 20, msg: 'Activity completed', modelRunId: '7' }),
      expect.objectContaining({ level: 20, msg: 'No workflows registered, not polling for workflow tasks', taskQueue: 'q-evaluations' }),
    ]);
    expect(lines[0]).not.toHaveProperty('taskToken');
    expect(runIdsOf('schedule-9')).toEqual({});
  });
});

/** Sample data set → experiment → a model run, then a grid run on it, awaited to the end. */
async function completedTuningRun(requestId: string): Promise<{ tuningRunId: string; candidates: number }> {
  const dataset = await call('POST', '/datasets', { body: { sample: 'iris' } });
  expect(dataset.status).toBe(201);
  const experiment = await call('POST', '/experiments', { body: { name: 'obs', dataset_id: dataset.body.id } });
  const modelRun = await call('POST', '/model-runs', { body: { experiment_id: experiment.body.id, model_type: 'decision_tree', hyperparameters: {} } });
  expect(modelRun.status).toBe(202);
  await until('the model run', async () => ((await call('GET', `/model-runs/${modelRun.body.id}`)).body.status === 'completed' ? true : undefined));
  const grid = { model_run_id: modelRun.body.id, tuning_method: 'grid_search', param_grid: { max_depth: [1, 2, 3] }, cv_folds: 3 };
  const started = await call('POST', '/tuning/tune', { body: grid, requestId });
  expect([started.status, started.requestId]).toEqual([202, requestId]);
  const tuningRunId: string = started.body.tuning_run_id;
  const done = await until('the tuning run', async () => {
    const status = await call('GET', `/tuning/tune/${tuningRunId}/status`);
    return status.body.status === 'running' ? undefined : status.body.status;
  });
  expect(done).toBe('completed');
  return { tuningRunId, candidates: 3 };
}

let run: { tuningRunId: string; candidates: number };
const metricsBefore: Record<string, number | undefined> = {};
const FINISH = { activity_type: 'finishTuningRun', workflow_type: 'TuningWorkflow' };

describe('a tuning run seen through logs, metrics and traces', () => {
  beforeAll(async () => {
    metricsBefore.started = await sample(apiRoot, 'tuning_runs_started_total', { method: 'grid_search' });
    metricsBefore.completed = await sample(workerBase, 'tuning_runs_completed_total', { method: 'grid_search' });
    metricsBefore.trials = await sample(workerBase, 'tuning_trials_evaluated_total', { method: 'grid_search', state: 'COMPLETE' });
    metricsBefore.sdkFinish = await sample(sdkMetricsBase, 'temporal_activity_task_received_total', FINISH);
    run = await completedTuningRun('obs-start-1');
  }, 300_000);

  test('API log lines carry the request id, taken from X-Request-Id or made and returned', async () => {
    const ours = api.lines.filter((line) => line.reqId === 'obs-start-1');
    expect(ours).toEqual([
      expect.objectContaining({ service: 'api', msg: 'tuning run started', tuningRunId: run.tuningRunId, workflowId: `tuning-run-${run.tuningRunId}` }),
      expect.objectContaining({ service: 'api', msg: 'request completed', res: expect.objectContaining({ statusCode: 202 }) }),
    ]);
    // No token in a log line.
    expect(JSON.stringify(ours)).not.toContain(token);

    const made = await call('GET', '/datasets');
    expect(made.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await until('the request log line', async () => (api.lines.some((line) => line.reqId === made.requestId) ? true : undefined));
    // A header that is not a plain token is not trusted: a new id is made.
    const hostile = await call('GET', '/datasets', { requestId: 'two words' });
    expect(hostile.requestId).toMatch(/^[0-9a-f-]{36}$/);

    expect(api.other).toEqual([]);
  });

  test("the run's activity log lines carry its tuning run id and workflow id", async () => {
    const ofRun = worker.lines.filter((line) => line.tuningRunId === run.tuningRunId);
    expect(ofRun.length).toBeGreaterThan(0);
    for (const line of ofRun) expect(line).toMatchObject({ service: 'worker', workflowId: `tuning-run-${run.tuningRunId}` });
    expect(ofRun).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'evaluated a batch', activityType: 'evaluateCandidates', sdkComponent: 'activity' }),
        expect.objectContaining({ msg: 'tuning run finished', status: 'completed', activityType: 'finishTuningRun' }),
      ]),
    );
    expect(worker.other).toEqual([]);
  });

  test('the API and worker metrics move with the run; the Temporal SDK serves its own', async () => {
    expect((await sample(apiRoot, 'tuning_runs_started_total', { method: 'grid_search' }))! - (metricsBefore.started ?? 0)).toBe(1);
    expect(await sample(apiRoot, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/tuning/tune', status: '202' })).toBe(1);

    expect((await sample(workerBase, 'tuning_runs_completed_total', { method: 'grid_search' }))! - (metricsBefore.completed ?? 0)).toBe(1);
    expect((await sample(workerBase, 'tuning_trials_evaluated_total', { method: 'grid_search', state: 'COMPLETE' }))! - (metricsBefore.trials ?? 0)).toBe(run.candidates);
    expect(await sample(workerBase, 'tuning_trial_duration_seconds_count', { method: 'grid_search' })).toBe(run.candidates);
    expect(await sample(workerBase, 'tuning_runs_failed_total', { method: 'grid_search' })).toBeUndefined();
    // The reconciler ran its start-up pass and had nothing to do.
    expect(await sample(workerBase, 'reconciler_actions_total', { kind: 'tuning_run', action: 'started' })).toBe(0);
    expect(await sample(workerBase, 'evaluation_pool_busy_threads')).toBe(0);

    // The SDK's own count of activity tasks this worker received: the run's one finishTuningRun.
    expect((await sample(sdkMetricsBase, 'temporal_activity_task_received_total', FINISH))! - (metricsBefore.sdkFinish ?? 0)).toBe(1);
  });

  test('one trace follows POST /tuning/tune through the workflow into its activities', async () => {
    const spans = receiver.spans;
    const request = await until('the request span', async () => spans.find((s) => s.name === 'POST /api/v1/tuning/tune'));
    expect(request.service).toBe('tuning-api');
    const inTrace = (name: string) => spans.find((s) => s.traceId === request.traceId && s.name === name);
    const start = await until('StartWorkflow', async () => inTrace('StartWorkflow:TuningWorkflow'));
    const workflow = await until('RunWorkflow', async () => inTrace('RunWorkflow:TuningWorkflow'));
    const activity = await until('RunActivity', async () => inTrace('RunActivity:evaluateCandidates'));
    expect(start).toMatchObject({ service: 'tuning-api', parentSpanId: request.spanId });
    expect(workflow.service).toBe('tuning-worker');
    expect(activity.service).toBe('tuning-worker');
    // Every span of the trace leads back to the request's span.
    const byId = new Map(spans.filter((s) => s.traceId === request.traceId).map((s) => [s.spanId, s]));
    const root = (span: ReceivedSpan): ReceivedSpan => (span.parentSpanId && byId.has(span.parentSpanId) ? root(byId.get(span.parentSpanId)!) : span);
    expect(root(activity).spanId).toBe(request.spanId);
    expect(root(workflow).spanId).toBe(request.spanId);
  });
});
