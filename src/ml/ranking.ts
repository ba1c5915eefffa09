/**
 * Ranking of evaluated candidates as scikit-learn's `cv_results_['rank_test_score']` does it:
 * higher mean score is better, ties share the lowest rank, and among ties the candidate
 * evaluated first wins (it is what `best_params_` reports).
 */
import type { Params } from './types';

export interface ScoredCandidate {
  number: number;
  params: Params;
  mean_score: number;
  std_score: number;
  scores: number[];
}

export interface Ranked extends ScoredCandidate {
  rank: number;
}

/** Ranks by mean score, higher first (scikit-learn's convention) or, for `minimize`, lower first. */
export function rankCandidates(candidates: ScoredCandidate[], direction: 'maximize' | 'minimize' = 'maximize'): Ranked[] {
  const sign = direction === 'minimize' ? -1 : 1;
  const ordered = [...candidates].sort((a, b) => sign * (b.mean_score - a.mean_score) || a.number - b.number);
  const ranked: Ranked[] = [];
  ordered.forEach((candidate, i) => {
    const tiedWithPrevious = i > 0 && ordered[i - 1].mean_score === candidate.mean_score;
    ranked.push({ ...candidate, rank: tiedWithPrevious ? ranked[i - 1].rank : i + 1 });
  });
  return ranked;
}
