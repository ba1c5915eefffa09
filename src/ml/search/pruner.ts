/**
 * Pruners decide, fold by fold, whether a candidate's cross-validation is worth finishing.
 * Scores are maximised. A step is a CV fold: after k folds, a candidate has k fold scores, and a
 * completed trial's intermediateValues are its fold scores in fold order.
 */
import type { Trial } from './sampler';

export interface Pruner {
  /**
   * @param foldScores the candidate's scores so far, fold by fold
   * @param completed finished trials (each pruner picks the states it uses)
   * @returns true to stop evaluating the candidate
   */
  shouldPrune(foldScores: number[], completed: Trial[]): boolean;
}

/** Mean of the first k values. */
function runningMean(values: readonly number[], k: number): number {
  let sum = 0;
  for (let i = 0; i < k; i++) sum += values[i];
  return sum / k;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
}

/** Never prunes. */
export class NopPruner implements Pruner {
  shouldPrune(): boolean {
    return false;
  }
}

export interface MedianPrunerOptions {
  /** No pruning until this many COMPLETE trials have reached the current fold (default 5). */
  nStartupTrials?: number;
  /** No pruning during the first nWarmupSteps folds (default 1: never after the first fold only). */
  nWarmupSteps?: number;
}

/**
 * Like Optuna's MedianPruner, on running means: after k folds (k > nWarmupSteps), prunes when the
 * mean of the candidate's first k fold scores is below the median, over the COMPLETE trials with
 * at least k fold scores, of the mean of their first k fold scores. A NaN score prunes.
 */
export class MedianPruner implements Pruner {
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;

  constructor(options: MedianPrunerOptions = {}) {
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 1;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) throw new RangeError('nStartupTrials must be a non-negative integer');
    if (!Number.isInteger(this.nWarmupSteps) || this.nWarmupSteps < 0) throw new RangeError('nWarmupSteps must be a non-negative integer');
  }

  shouldPrune(foldScores: number[], completed: Trial[]): boolean {
    const k = foldScores.length;
    if (k === 0 || k <= this.nWarmupSteps) return false;
    const mean = runningMean(foldScores, k);
    if (Number.isNaN(mean)) return true;
    const others: number[] = [];
    for (const trial of completed) {
      const iv = trial.intermediateValues;
      if (trial.state !== 'COMPLETE' || !iv || iv.length < k) continue;
      const m = runningMean(iv, k);
      if (!Number.isNaN(m)) others.push(m);
    }
    if (others.length === 0 || others.length < this.nStartupTrials) return false;
    return mean < median(others);
  }
}

export interface SuccessiveHalvingPrunerOptions {
  /** Folds before the first rung (default 1). */
  minResource?: number;
  /** η: rungs at minResource·η^(s+i) folds; the top 1/η at a rung go on (default 3). */
  reductionFactor?: number;
  /** s: skips the first s rungs (default 0). */
  minEarlyStoppingRate?: number;
}

/**
 * Asynchronous successive halving (Optuna's SuccessiveHalvingPruner) with folds as the resource.
 * Rung i sits at r_i = minResource·η^(s+i) folds. When the candidate has exactly r_i fold scores,
 * its running mean is compared with the running means at r_i of every finished trial (COMPLETE
 * or PRUNED) that reached r_i, the candidate included: it goes on only if it is among the best
 * max(1, floor(m / η)) of those m values. Between rungs, nothing is pruned, so call it after
 * every fold. A NaN score prunes.
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.reductionFactor = options.reductionFactor ?? 3;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    if (!Number.isInteger(this.minResource) || this.minResource < 1) throw new RangeError('minResource must be a positive integer');
    if (!(this.reductionFactor >= 2)) throw new RangeError('reductionFactor must be at least 2');
    if (!Number.isInteger(this.minEarlyStoppingRate) || this.minEarlyStoppingRate < 0) {
      throw new RangeError('minEarlyStoppingRate must be a non-negative integer');
    }
  }

  /** Fold counts at which a decision is taken, up to maxFolds. */
  rungs(maxFolds: number): number[] {
    const out: number[] = [];
    for (let i = 0; ; i++) {
      const r = Math.round(this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + i));
      if (r > maxFolds) return out;
      out.push(r);
    }
  }

  shouldPrune(foldScores: number[], completed: Trial[]): boolean {
    const k = foldScores.length;
    if (k === 0) return false;
    const mean = runningMean(foldScores, k);
    if (Number.isNaN(mean)) return true;
    if (!this.rungs(k).includes(k)) return false;
    const competing = [mean];
    for (const trial of completed) {
      const iv = trial.intermediateValues;
      if (trial.state === 'FAILED' || !iv || iv.length < k) continue;
      const m = runningMean(iv, k);
      if (!Number.isNaN(m)) competing.push(m);
    }
    competing.sort((a, b) => b - a);
    const promotable = Math.max(1, Math.floor(competing.length / this.reductionFactor));
    return mean < competing[promotable - 1];
  }
}

export type PrunerName = 'none' | 'median' | 'successive_halving';

export function createPruner(
  name: PrunerName,
  options: MedianPrunerOptions & SuccessiveHalvingPrunerOptions = {},
): Pruner {
  switch (name) {
    case 'none':
      return new NopPruner();
    case 'median':
      return new MedianPruner(options);
    case 'successive_halving':
      return new SuccessiveHalvingPruner(options);
    default:
      throw new RangeError(`unknown pruner ${String(name)}`);
  }
}
