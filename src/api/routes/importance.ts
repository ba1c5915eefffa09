/**
 * GET /tuning/tune/{id}/importance: fANOVA parameter importance over the run's completed trials
 * (src/ml/importance.ts). The forest takes seconds on thousands of trials, so the answer is kept
 * per (run, number of completed trials) for the last few runs asked.
 */
import { Router } from 'express';
import { listTrials } from '../../db/tuning_runs';
import { fanovaImportances, tuningSearchSpace } from '../../ml/importance';
import type { SearchSpace } from '../../ml/search';
import type { ParamValue } from '../../ml/types';
import type { ApiDeps } from '../app';
import { HttpError } from '../errors';
import { ownedTuningRun } from '../ownership';

const CACHED_RUNS = 16;

export function importanceRoutes({ orm }: ApiDeps): Router {
  const router = Router();
  const cache = new Map<string, { completed: number; importances: Record<string, number> }>();

  router.get('/tuning/tune/:id/importance', async (req, res) => {
    const run = await ownedTuningRun(orm.em.fork(), req.userId, req.params.id);
    const completed = (await listTrials(orm, run.id)).filter((t) => t.state === 'COMPLETE' && t.mean_score !== null && Number.isFinite(t.mean_score));
    if (completed.length < 2) throw new HttpError(409, `parameter importance needs at least 2 completed trials; tuning run ${run.id} has ${completed.length}`);
    let entry = cache.get(run.id);
    if (entry?.completed !== completed.length) {
      const space = tuningSearchSpace((run.config ?? {}) as { param_distributions?: SearchSpace; param_grid?: Record<string, ParamValue[]> });
      entry = { completed: completed.length, importances: fanovaImportances(space, completed.map((t) => ({ params: t.params, value: t.mean_score! }))) };
    }
    cache.delete(run.id);
    cache.set(run.id, entry);
    if (cache.size > CACHED_RUNS) cache.delete(cache.keys().next().value!);
    res.json({ tuning_run_id: run.id, evaluator: 'fanova', n_trials: completed.length, importances: entry.importances });
  });

  return router;
}
