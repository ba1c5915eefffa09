/**
 * GET /tuning/tune/{id}/importance: fANOVA parameter importance over the run's completed trials
 * (src/db/run_importance.ts). A finished run's is read from `tuning_run_importance`, written when
 * it finished (or here, the first time it is asked, for a run finished without it). A running run's
 * is computed in a worker thread (the forest takes about a second on thousands of trials); the
 * answer, or the computation under way, is kept per (run, number of completed trials) for the last
 * few runs asked, so a page and its polls share one computation.
 */
import { Router } from 'express';
import { FINAL_TUNING_STATUSES } from '../../entities';
import { computeImportance, EVALUATOR, scoredTrialCount, storedImportance, storeImportance } from '../../db/run_importance';
import type { ApiDeps } from '../app';
import { HttpError } from '../errors';
import { ownedTuningRun } from '../ownership';

const CACHED_RUNS = 16;

export function importanceRoutes({ orm }: ApiDeps): Router {
  const router = Router();
  const cache = new Map<string, { completed: number; importances: Promise<Record<string, number>> }>();

  router.get('/tuning/tune/:id/importance', async (req, res) => {
    const em = orm.em.fork();
    const run = await ownedTuningRun(em, req.userId, req.params.id);
    const final = FINAL_TUNING_STATUSES.includes(run.status);
    const stored = final ? await storedImportance(em, run.id) : null;
    if (stored) return res.json({ tuning_run_id: run.id, evaluator: EVALUATOR, ...stored });
    // Trials are only added, so their count tells whether the cached answer still holds.
    const completed = await scoredTrialCount(em, run.id);
    if (completed < 2) throw new HttpError(409, `parameter importance needs at least 2 completed trials; tuning run ${run.id} has ${completed}`);
    let entry = cache.get(run.id);
    if (entry?.completed !== completed) {
      const computing = await computeImportance(em, run);
      const current = { completed: computing.n_trials, importances: computing.importances };
      // A failed computation is not kept: the next request tries again.
      current.importances.catch(() => cache.get(run.id) === current && cache.delete(run.id));
      entry = current;
    }
    cache.delete(run.id);
    cache.set(run.id, entry);
    if (cache.size > CACHED_RUNS) cache.delete(cache.keys().next().value!);
    const importances = await entry.importances;
    if (final) await storeImportance(em, run.id, { n_trials: entry.completed, importances });
    res.json({ tuning_run_id: run.id, evaluator: EVALUATOR, n_trials: entry.completed, importances });
  });

  return router;
}
