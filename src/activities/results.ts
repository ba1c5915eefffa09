/** `tuning_runs.results` in the seed's shape, computed from the recorded trials. */
import { rankCandidates } from '../ml/ranking';
import type { TrialResult, TuningConfig, TuningResults } from '../workflows/types';

export function buildResults(trials: TrialResult[], config: TuningConfig, tuningTime: number): TuningResults | null {
  const ranked = rankCandidates(
    trials
      .filter((t) => t.state === 'COMPLETE')
      .map((t) => ({ number: t.number, params: t.params, mean_score: t.mean_score!, std_score: t.std_score!, scores: t.scores })),
    config.direction,
  );
  if (ranked.length === 0) return null;
  return {
    best_score: ranked[0].mean_score,
    total_combinations: trials.filter((t) => t.state !== 'STOPPED').length,
    cv_folds: config.cv_folds,
    scoring_metric: config.scoring,
    tuning_time: Math.round(tuningTime * 1000) / 1000,
    tuning_method: config.tuning_method,
    all_results: ranked.slice(0, config.top_n).map(({ rank, params, mean_score, std_score, scores }) => ({
      rank,
      params,
      mean_score,
      std_score,
      scores,
    })),
    error: null,
  };
}
