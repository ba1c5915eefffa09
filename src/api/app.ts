/** The Express application: HTTP only; persistence through MikroORM, work through Temporal. */
import express from 'express';
import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ServiceConfig } from '../config';
import { authenticate } from './auth';
import { errorHandler, HttpError } from './errors';
import { datasetRoutes } from './routes/datasets';
import { experimentRoutes } from './routes/experiments';
import { modelRunRoutes } from './routes/model_runs';
import { scheduleRoutes } from './routes/schedules';
import { tuningRoutes } from './routes/tuning';

export interface ApiDeps {
  orm: MikroORM;
  temporal: Client;
  config: ServiceConfig;
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(express.json({ limit: '200mb' }));
  app.use(express.text({ type: ['text/csv', 'text/plain'], limit: '200mb' }));

  const api = express.Router();
  api.use(authenticate(deps.orm));
  api.use(datasetRoutes(deps));
  api.use(experimentRoutes(deps));
  api.use(modelRunRoutes(deps));
  api.use(tuningRoutes(deps));
  api.use(scheduleRoutes(deps));
  app.use('/api/v1', api);

  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path}`)));
  app.use(errorHandler);
  return app;
}
