/**
 * Prometheus metrics (prom-client), one registry per process: the API serves it at /metrics, the
 * worker on WORKER_METRICS_PORT. When both run in one process (`npm start`) both show everything.
 * Labels are route templates and method names, never ids, so their number stays small.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by method, route template and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const tuningRunsStarted = new Counter({
  name: 'tuning_runs_started_total',
  help: 'Tuning runs started through POST /tuning/tune, by tuning method',
  labelNames: ['method'] as const,
  registers: [registry],
});

export const tuningRunsCompleted = new Counter({
  name: 'tuning_runs_completed_total',
  help: 'Tuning runs the worker recorded COMPLETED, by tuning method',
  labelNames: ['method'] as const,
  registers: [registry],
});

export const tuningRunsFailed = new Counter({
  name: 'tuning_runs_failed_total',
  help: 'Tuning runs recorded FAILED (cancelled ones included) by the worker or the reconciler, by tuning method',
  labelNames: ['method'] as const,
  registers: [registry],
});

export const trialsEvaluated = new Counter({
  name: 'tuning_trials_evaluated_total',
  help: 'Trials the evaluation pool finished, by tuning method and trial state (COMPLETE, PRUNED, FAILED, STOPPED)',
  labelNames: ['method', 'state'] as const,
  registers: [registry],
});

export const trialDuration = new Histogram({
  name: 'tuning_trial_duration_seconds',
  help: 'Fit time of a trial (all its folds), by tuning method',
  labelNames: ['method'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const reconcilerActions = new Counter({
  name: 'reconciler_actions_total',
  help: 'What the reconciler did to runs left RUNNING: started their missing workflow, settled them FAILED, or met an error',
  labelNames: ['kind', 'action'] as const,
  registers: [registry],
});

/** The load of every evaluation pool in this process (tests may run two workers in one). */
export interface PoolLoad {
  load(): { busyThreads: number; queuedUnits: number };
}
const pools = new Set<PoolLoad>();
const poolGauge = (name: string, help: string, read: (load: ReturnType<PoolLoad['load']>) => number) =>
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set([...pools].reduce((sum, pool) => sum + read(pool.load()), 0));
    },
  });
poolGauge('evaluation_pool_busy_threads', 'Evaluation threads fitting a model now', (load) => load.busyThreads);
poolGauge('evaluation_pool_queued_units', 'Fits waiting for an evaluation thread', (load) => load.queuedUnits);

/** Counts a pool in the gauges until the returned function is called. */
export function trackEvaluationPool(pool: PoolLoad): () => void {
  pools.add(pool);
  return () => pools.delete(pool);
}

/**
 * Times every request. The route is the matched template (/api/v1/tuning/tune/:id/status); a
 * request no route took (404, refused before routing) is "unmatched". The template is taken when
 * the router matches (it sets req.route): once an error has left a mounted router, req.baseUrl no
 * longer holds the mount path.
 */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = httpRequestDuration.startTimer();
  let route: unknown;
  routes.set(req, 'unmatched');
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (value?.path !== undefined) routes.set(req, `${req.baseUrl}${String(value.path)}`);
    },
  });
  res.once('finish', () => end({ method: req.method, route: routeTemplate(req), status: String(res.statusCode) }));
  next();
};

const routes = new WeakMap<object, string>();

/** The route template httpMetrics saw a request take ("unmatched" if none), for other middleware (the trace span's name). */
export const routeTemplate = (req: object): string => routes.get(req) ?? 'unmatched';

export const metricsEndpoint: RequestHandler = async (_req, res) => {
  // end(), not send(): send() would add its own charset to Prometheus's content type.
  res.setHeader('Content-Type', registry.contentType);
  res.end(await registry.metrics());
};

/** A port number from the environment variable `name` (unset or empty: undefined). */
export function portFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, not "${raw}"`);
  return port;
}

/** WORKER_METRICS_PORT: the port of a worker's /metrics and /health/* (unset: none; 0: any free port). */
export const workerMetricsPort = (env: NodeJS.ProcessEnv = process.env) => portFromEnv('WORKER_METRICS_PORT', env);

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean }>;
}

/**
 * The worker's own small HTTP server (it has no API): /metrics, /health/live and /health/ready
 * (503 naming the failed check). Listens on every interface, for a scraper in another container.
 */
export async function serveWorkerHealth(options: { port: number; host?: string; readiness: () => Promise<Readiness> }): Promise<Server & { port: number }> {
  const server = createServer((req, res) => {
    const answer = (status: number, contentType: string, body: string) => res.writeHead(status, { 'Content-Type': contentType }).end(body);
    const json = (status: number, body: unknown) => answer(status, 'application/json', JSON.stringify(body));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(405, { error: `${req.method} is not allowed; use GET` });
    if (path === '/health/live') return json(200, { status: 'ok' });
    if (path === '/health/ready') {
      return void options.readiness().then(
        ({ ready, checks }) => json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }),
        (err: unknown) => json(503, { status: 'not ready', error: err instanceof Error ? err.message : String(err) }),
      );
    }
    if (path === '/metrics') {
      return void registry.metrics().then(
        (text) => answer(200, registry.contentType, text),
        (err: unknown) => json(500, { error: err instanceof Error ? err.message : String(err) }),
      );
    }
    json(404, { error: `no route GET ${path}; try /metrics, /health/live or /health/ready` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}
