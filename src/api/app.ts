/** The Express application: HTTP only; persistence through MikroORM, work through Temporal. */
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ServiceConfig } from '../config';
import { authenticate } from './auth';
import { errorHandler, HttpError } from './errors';
import { healthRoutes } from './health';
import { httpMetrics, metricsEndpoint } from '../metrics';
import { httpLogger } from '../logging';
import { traceRequests } from '../telemetry/tracing';
import { dashboardApiRoutes, dashboardPages } from './routes/dashboard';
import { datasetRoutes } from './routes/datasets';
import { docsRoutes } from './routes/docs';
import { experimentRoutes } from './routes/experiments';
import { importanceRoutes } from './routes/importance';
import { modelRunRoutes } from './routes/model_runs';
import { scheduleRoutes } from './routes/schedules';
import { tokenRoutes } from './routes/tokens';
import { tuningRoutes } from './routes/tuning';
import { studyRoutes } from './routes/study';
import { modelRunQuota, rateLimit, tuningRunQuota } from './quotas';
import { rejectNulCharacters } from './validation';

export interface ApiDeps {
  orm: MikroORM;
  temporal: Client;
  config: ServiceConfig;
}

/**
 * A body parser with two limits: `limit` bytes for a plain body, and for a compressed one at most
 * `inflatedLimit` bytes once inflated (the body parser counts the inflated bytes), so a small gzip
 * body cannot expand into a large one.
 */
function bodyParser(parse: (limit: number) => RequestHandler, limit: number, inflatedLimit: number): RequestHandler {
  const plain = parse(limit);
  const compressed = parse(Math.min(limit, inflatedLimit));
  return (req, res, next) => {
    const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    return (encoding === 'identity' ? plain : compressed)(req, res, next);
  };
}

/** CORS: off unless CORS_ORIGINS lists origins ("*" for any); answers preflights for listed origins. */
function corsPolicy(origins: readonly string[]): RequestHandler {
  const anyOrigin = origins.includes('*');
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || !(anyOrigin || origins.includes(origin))) return next();
    res.set('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    res.vary('Origin');
    if (req.method !== 'OPTIONS' || !req.get('access-control-request-method')) return next();
    res.set('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE');
    res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Content-Encoding');
    res.set('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

export function createApp(deps: ApiDeps): express.Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Metrics first: the trace span is named by the route template it records.
  app.use(httpMetrics);
  app.use(traceRequests);
  app.use(httpLogger());
  app.use(helmet());
  app.use(corsPolicy(config.corsOrigins));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(healthRoutes(deps));
  // Unauthenticated, as Prometheus scrapes: counts and latencies by route template, no user data.
  app.get('/metrics', metricsEndpoint);

  // The contract and its reference page need no token.
  app.use('/api/v1', docsRoutes());

  const api = express.Router();
  // Authenticated first, so an anonymous request's body is never read.
  api.use(authenticate(deps.orm));
  api.use(rateLimit(config.rateLimitPerMinute));
  // JSON carrying a CSV is large; raw CSV and Parquet uploads are streamed by their route. Every other body is small JSON.
  api.post('/datasets', bodyParser((limit) => express.json({ limit }), config.datasetBodyLimitBytes, config.inflatedBodyLimitBytes));
  api.use(bodyParser((limit) => express.json({ limit }), config.jsonBodyLimitBytes, config.inflatedBodyLimitBytes));
  api.use(rejectNulCharacters);
  api.post('/model-runs', modelRunQuota(deps.orm, config.maxRunningModelRuns));
  api.post('/tuning/tune', tuningRunQuota(deps.orm, config.maxRunningTuningRuns));
  api.use(tokenRoutes(deps));
  api.use(datasetRoutes(deps));
  api.use(experimentRoutes(deps));
  api.use(modelRunRoutes(deps));
  api.use(tuningRoutes(deps));
  api.use(studyRoutes(deps));
  api.use(scheduleRoutes(deps));
  api.use(importanceRoutes(deps));
  api.use(dashboardApiRoutes(deps));
  app.use('/api/v1', api);
  app.use(dashboardPages());

  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path}`)));
  app.use(errorHandler);
  return app;
}
