/**
 * The dashboard: its static pages (built by `npm run build:dashboard` into dist/dashboard) at `/`,
 * and the few API calls only it needs: every tuning run of the user in one paginated list, one run's
 * summary, the Temporal Web UI's address, and the trials as CSV.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StoredTrial } from '../../db/tuning_runs';
import { TuningRun, TuningStatus } from '../../entities';
import type { ApiDeps } from '../app';
import { PROJECT_ROOT } from '../../util/project_root';
import { ownedTuningRun } from '../ownership';
import { tuningRunView } from '../views';

export const DASHBOARD_DIST = path.join(PROJECT_ROOT, 'dist/dashboard');

/** The built pages; until they are built, `/` says how to build them. */
export function dashboardPages(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    // helmet's upgrade-insecure-requests would turn the page's script and API requests into https
    // ones, which fail when the service is reached over plain http by any name but localhost.
    const policy = res.getHeader('Content-Security-Policy');
    if (typeof policy === 'string') {
      res.setHeader('Content-Security-Policy', policy.split(';').filter((directive) => directive.trim() !== 'upgrade-insecure-requests').join(';'));
    }
    next();
  });
  router.use(express.static(DASHBOARD_DIST, { index: 'index.html', maxAge: 0 }));
  router.get('/', (_req, res) => {
    if (fs.existsSync(path.join(DASHBOARD_DIST, 'index.html'))) return res.sendFile(path.join(DASHBOARD_DIST, 'index.html'));
    res.status(503).type('text/plain').send('The dashboard is not built: run `npm run build:dashboard`.\n');
  });
  return router;
}

export const listQuery = z.object({
  model_run_id: z.string().uuid().optional(),
  status: z.enum(['running', 'completed', 'failed']).optional(),
  method: z.enum(['grid_search', 'random_search', 'bayesian']).optional(),
  tag: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
});

/**
 * Of the model runs of `runs`, the ids of each one's best tuning run: the completed run with the
 * best best_score (highest, lowest for a minimising client study) among those scored the same way.
 */
async function bestOfModelRuns(em: EntityManager, runs: readonly TuningRun[]): Promise<Set<string>> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `select distinct on (model_run_id, results->>'scoring_metric', config->>'direction') id from tuning_runs
      where model_run_id = any(?::uuid[]) and status = 'completed'
      order by model_run_id, results->>'scoring_metric', config->>'direction',
        case when config->>'direction' = 'minimize' then -(results->>'best_score')::float else (results->>'best_score')::float end desc nulls last,
        created_at desc`,
    [`{${[...new Set(runs.map((r) => r.modelRun.id))].join(',')}}`],
  );
  return new Set(rows.map((row) => row.id));
}

/** A tuning run in the dashboard's lists: its view, best score, duration and where it belongs. */
function runSummary(run: TuningRun, best: ReadonlySet<string>) {
  return {
    ...tuningRunView(run),
    best_score: (run.results?.best_score as number | undefined) ?? null,
    scoring: (run.results?.scoring_metric as string | undefined) ?? (run.config?.scoring as string | undefined) ?? null,
    duration_seconds: durationSeconds(run),
    best_of_model_run: best.has(run.id),
    model_type: run.modelRun.modelType,
    experiment: { id: run.modelRun.experiment.id, name: run.modelRun.experiment.name },
    dataset: { id: run.modelRun.experiment.dataset.id, name: run.modelRun.experiment.dataset.name },
  };
}

/** Seconds from start to end (or to now while running), null before it started. */
function durationSeconds(run: TuningRun): number | null {
  if (!run.startedAt) return null;
  const end = run.completedAt ?? (run.status === TuningStatus.RUNNING ? new Date() : null);
  return end ? (end.getTime() - run.startedAt.getTime()) / 1000 : null;
}

export function dashboardApiRoutes({ orm, config }: ApiDeps): Router {
  const router = Router();

  router.get('/ui-config', (_req, res) => {
    // The dev server `npm start` runs serves its UI on TEMPORAL_UI_PORT; an external Temporal's UI is
    // known only through TEMPORAL_UI_URL.
    const temporalUi = process.env.TEMPORAL_UI_URL || (config.temporalAddress ? null : `http://127.0.0.1:${config.temporalUiPort}`);
    res.json({ temporal_ui_url: temporalUi, temporal_namespace: config.temporalNamespace });
  });

  /**
   * The user's tuning runs across all model runs, newest first, with their model run, experiment
   * and data set, and whether each is its model run's best (highest best_score of the completed
   * runs scored with the same metric).
   */
  router.get('/tuning/runs', async (req, res) => {
    const query = listQuery.parse(req.query);
    const em = orm.em.fork();
    const [runs, total] = await em.findAndCount(
      TuningRun,
      {
        modelRun: { experiment: { user: req.userId }, ...(query.model_run_id ? { id: query.model_run_id } : {}) },
        ...(query.status ? { status: query.status as TuningStatus } : {}),
        ...(query.method ? { tuningMethod: query.method } : {}),
        ...(query.tag ? { tags: { $contains: [query.tag] } } : {}),
      },
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit: query.limit, offset: query.offset, populate: ['modelRun.experiment.dataset'] },
    );
    const best = await bestOfModelRuns(em, runs);
    res.json({ total, limit: query.limit, offset: query.offset, runs: runs.map((run) => runSummary(run, best)) });
  });

  /** One tuning run's summary, with what its pages need beyond the status: direction, evaluation, scoring. */
  router.get('/tuning/runs/:id', async (req, res) => {
    const em = orm.em.fork();
    const run = await ownedTuningRun(em, req.userId, req.params.id);
    await em.populate(run, ['modelRun.experiment.dataset']);
    const config = (run.config ?? {}) as { direction?: string; evaluation?: string };
    res.json({
      ...runSummary(run, await bestOfModelRuns(em, [run])),
      direction: config.direction ?? 'maximize',
      evaluation: config.evaluation ?? 'builtin',
      best_params: run.bestParams,
    });
  });

  return router;
}

const CSV_FIXED_COLUMNS = ['number', 'state', 'mean_score', 'std_score', 'duration_seconds', 'created_at'] as const;

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (value instanceof Date) text = value.toISOString();
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Trials as CSV: one row per trial, a `params_<name>` column per parameter and a `fold_<i>` column per fold. */
export function trialsCsv(trials: readonly StoredTrial[]): string {
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const folds = Math.max(0, ...trials.map((t) => t.scores.length));
  const foldIndexes = Array.from({ length: folds }, (_, i) => i);
  const header = [...CSV_FIXED_COLUMNS, ...paramNames.map((p) => `params_${p}`), ...foldIndexes.map((i) => `fold_${i}`), 'error'];
  const rows = trials.map((t) => [
    ...CSV_FIXED_COLUMNS.map((column) => t[column]),
    ...paramNames.map((p) => t.params[p]),
    ...foldIndexes.map((i) => t.scores[i]),
    t.error,
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
