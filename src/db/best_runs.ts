/**
 * "Best" tuning runs compare like with like: only COMPLETED runs scored with the same metric (and,
 * for a warm start, the same number of folds) compete, since a best_score means nothing across
 * metrics. Every scorer is "greater is better" in scikit-learn's convention (losses are neg_*),
 * so the best is always the highest best_score.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { TuningStatus } from '../entities/enums';

export interface Comparable {
  /** results.scoring_metric */
  scoring: string;
  /** results.cv_folds; any when omitted. */
  cvFolds?: number;
}

/** The id of the model run's best completed run comparable with `like` (newest first on ties), or null. */
export async function bestTuningRunId(em: EntityManager, modelRunId: string, like: Comparable): Promise<string | null> {
  const [best] = await em.getConnection().execute<{ id: string }[]>(
    `select id from tuning_runs
      where model_run_id = ? and status = 'completed'
        and results->>'scoring_metric' = ?
        and (?::int is null or (results->>'cv_folds')::int = ?)
      order by (results->>'best_score')::float desc nulls last, created_at desc
      limit 1`,
    [modelRunId, like.scoring, like.cvFolds ?? null, like.cvFolds ?? null],
  );
  return best?.id ?? null;
}

/**
 * Why a run cannot warm-start a search scored with `scoring` on `cvFolds` folds (its trials would
 * feed TPE scores of another kind), or null when it can.
 */
export function warmStartMismatch(
  parent: { status: TuningStatus; results: Record<string, unknown> | null },
  { scoring, cvFolds }: Required<Comparable>,
): string | null {
  if (parent.status !== TuningStatus.COMPLETED) return `the parent run is ${parent.status}; only a completed run can warm-start another`;
  const parentScoring = parent.results?.scoring_metric;
  if (parentScoring !== scoring) return `the parent run was scored with ${String(parentScoring)}, this run with ${scoring}`;
  const parentFolds = parent.results?.cv_folds;
  if (parentFolds !== cvFolds) return `the parent run used ${String(parentFolds)}-fold CV, this run ${cvFolds}-fold`;
  return null;
}
