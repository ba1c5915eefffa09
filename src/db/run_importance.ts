/**
 * A tuning run's fANOVA parameter importance (src/ml/importance.ts) over its completed, scored
 * trials, computed in the importance thread; and its stored copy in `tuning_run_importance`, written
 * when the run finishes so a finished run's dashboard does not wait for the forest.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { TuningRunImportance } from '../entities';
import { tuningSearchSpace } from '../ml/importance';
import { importancesInThread } from '../ml/importance_thread';
import type { SearchSpace } from '../ml/search';
import type { Params, ParamValue } from '../ml/types';

export const EVALUATOR = 'fanova';
/** The trials the forest is fitted on: completed, with a finite score. */
const SCORED = `tuning_run_id = ? and state = 'COMPLETE' and mean_score is not null and mean_score not in ('NaN', 'Infinity', '-Infinity')`;

export interface RunImportance {
  n_trials: number;
  importances: Record<string, number>;
}

interface RunRef {
  id: string;
  config: unknown;
}

export async function scoredTrialCount(em: EntityManager, tuningRunId: string): Promise<number> {
  const [{ count }] = await em.execute<{ count: string }[]>(`select count(*) from tuning_trials where ${SCORED}`, [tuningRunId]);
  return Number(count);
}

/** The importance over the run's scored trials now (the caller checks there are at least 2). */
export async function computeImportance(em: EntityManager, run: RunRef): Promise<{ n_trials: number; importances: Promise<Record<string, number>> }> {
  const trials = await em.execute<{ params: Params; value: number }[]>(`select params, mean_score as value from tuning_trials where ${SCORED} order by number`, [run.id]);
  const space = tuningSearchSpace((run.config ?? {}) as { param_distributions?: SearchSpace; param_grid?: Record<string, ParamValue[]> });
  return { n_trials: trials.length, importances: importancesInThread(space, trials) };
}

export async function storeImportance(em: EntityManager, tuningRunId: string, importance: RunImportance): Promise<void> {
  await em.execute(
    `insert into tuning_run_importance (tuning_run_id, evaluator, n_trials, importances) values (?, ?, ?, ?)
     on conflict (tuning_run_id) do update set n_trials = excluded.n_trials, importances = excluded.importances, computed_at = now()`,
    [tuningRunId, EVALUATOR, importance.n_trials, JSON.stringify(importance.importances)],
  );
}

/**
 * Computes and stores a finished run's importance; false when it has fewer than 2 scored trials.
 * Rejects after `timeoutMs` (the computation goes on, and stores its answer when done), so a huge
 * run cannot hold its caller.
 */
export async function computeAndStoreImportance(em: EntityManager, tuningRunId: string, timeoutMs: number): Promise<boolean> {
  if ((await scoredTrialCount(em, tuningRunId)) < 2) return false;
  const [run] = await em.execute<RunRef[]>('select id, config from tuning_runs where id = ?', [tuningRunId]);
  const computing = await computeImportance(em, run);
  const stored = computing.importances.then((importances) => storeImportance(em, tuningRunId, { n_trials: computing.n_trials, importances }));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`parameter importance took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([stored, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return true;
}

export async function storedImportance(em: EntityManager, tuningRunId: string): Promise<RunImportance | null> {
  const row = await em.findOne(TuningRunImportance, { tuningRun: tuningRunId });
  return row && { n_trials: row.nTrials, importances: row.importances };
}
