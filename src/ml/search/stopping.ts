/** When a tuning job should stop asking for more trials. Pure: the caller measures time. */

export type StopReason = 'n_iter' | 'time_budget' | 'target_score';

export interface StopState {
  /** Trials finished (or started, as the caller counts them) so far. */
  nTrials: number;
  /** Trial budget (n_iter); null/undefined for none. */
  maxTrials?: number | null;
  elapsedSeconds?: number;
  /** Wall-clock budget; null/undefined for none. */
  timeBudgetSeconds?: number | null;
  /** Best score so far (higher is better); null before any trial finished. */
  bestScore?: number | null;
  /** Stop as soon as bestScore >= targetScore; null/undefined for none. */
  targetScore?: number | null;
}

/**
 * Why the job should stop now, or null to go on. When several apply, the first of
 * target_score, n_iter, time_budget is reported.
 */
export function shouldStop(state: StopState): StopReason | null {
  const { nTrials, maxTrials, elapsedSeconds, timeBudgetSeconds, bestScore, targetScore } = state;
  if (targetScore != null && bestScore != null && Number.isFinite(bestScore) && bestScore >= targetScore) {
    return 'target_score';
  }
  if (maxTrials != null && nTrials >= maxTrials) return 'n_iter';
  if (timeBudgetSeconds != null && elapsedSeconds != null && elapsedSeconds >= timeBudgetSeconds) return 'time_budget';
  return null;
}
