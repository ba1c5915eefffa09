/**
 * GET /tuning/tune/{id}/importance: fANOVA parameter importance over the run's completed trials
 * (src/ml/importance.ts), computed in a worker thread (the forest takes about a second on thousands
 * of trials). The answer, or the computation under way, is kept per (run, number of completed
 * trials) for the last few runs asked, so a page and its polls share one computation.
 */
import { Router } from 'express';
import { tuningSearchSpace } from '../../ml/importance';
import { importancesInThread } from '../../ml/importance_thread';
import type { SearchSpace } from '../../ml/search';
import type { Params, ParamValue } from '../../ml/types';
import type { ApiDeps } from '../app';
import { HttpError } from '../errors';
import { ownedTuningRun } from '../ownership';

const CACHED_RUNS = 16;
/** The trials the forest is fitted on: completed, with a finite score. */
const SCORED = `tuning_run_id = ? and state = 'COMPLETE' and mean_score is not null and mean_score not in ('NaN', 'Infinity', '-Infinity')`;

export function importanceRoutes({ orm }: ApiDeps): Router {
  const router = Router();
  const cache = new Map<string, { completed: number; importances: Promise<Record<string, number>> }>();

  router.get('/tuning/tune/:id/importance', async (req, res) => {
    const em = orm.em.fork();
    const run = await ownedTuningRun(em, req.userId, req.params.id);
    // Trials are only added, so their count tells whether the cached answer still holds.
    const [{ count }] = await em.execute<{ count: string }[]>(`select count(*) from tuning_trials where ${SCORED}`, [run.id]);
    const completed = Number(count);
    if (completed < 2) throw new HttpError(409, `parameter importance needs at least 2 completed trials; tuning run ${run.id} has ${completed}`);
    let entry = cache.get(run.id);
    if (entry?.completed !== completed) {
      const trials = await em.execute<{ params: Params; value: number }[]>(`select params, mean_score as value from tuning_trials where ${SCORED} order by number`, [run.id]);
      const space = tuningSearchSpace((run.config ?? {}) as { param_distributions?: SearchSpace; param_grid?: Record<string, ParamValue[]> });
      const computing = { completed: trials.length, importances: importancesInThread(space, trials) };
      // A failed computation is not kept: the next request tries again.
      computing.importances.catch(() => cache.get(run.id) === computing && cache.delete(run.id));
      entry = computing;
    }
    cache.delete(run.id);
    cache.set(run.id, entry);
    if (cache.size > CACHED_RUNS) cache.delete(cache.keys().next().value!);
    res.json({ tuning_run_id: run.id, evaluator: 'fanova', n_trials: entry.completed, importances: await entry.importances });
  });

  return router;
}
