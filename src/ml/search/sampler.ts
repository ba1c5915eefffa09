/**
 * The sampler interface and helpers shared by the samplers: sampling one distribution, the
 * internal (transformed) representation of values, and duplicate avoidance.
 */
import { Random } from '../random';
import type { ParamValue, Params } from '../types';
import { cleanFloat } from './math';
import { isActive, parameterOrder, paramsKey, type Distribution, type SearchSpace } from './space';

export type TrialState = 'COMPLETE' | 'PRUNED' | 'FAILED';

/** A finished trial. Scores are maximised: a higher value is better. */
export interface Trial {
  number: number;
  /** The active parameters only (inactive conditional parameters are absent). */
  params: Params;
  /** The final score (mean CV score); null when the trial failed or was pruned before the end. */
  value: number | null;
  state: TrialState;
  /** Scores reported step by step (per CV fold): used by pruners and for PRUNED trials. */
  intermediateValues?: number[];
}

/**
 * Suggests candidates. Implementations are pure: the result depends only on the arguments and the
 * seed given to the sampler, so a Temporal activity that calls it is reproducible.
 */
export interface Sampler {
  /**
   * @param space the validated search space
   * @param history finished trials (any order; FAILED ones are ignored)
   * @param pending candidates being evaluated right now, with no result yet
   * @param count how many candidates to suggest
   * @param firstTrialNumber the trial number of the first suggestion; the others follow on
   * @returns `count` candidates, for trials firstTrialNumber .. firstTrialNumber + count - 1
   */
  suggest(space: SearchSpace, history: Trial[], pending: Params[], count: number, firstTrialNumber: number): Params[];
}

/** Whether a distribution has only one possible value (then no sampling is needed). */
export function isSingle(dist: Distribution): boolean {
  return dist.type === 'categorical' ? dist.choices.length === 1 : dist.low === dist.high;
}

/** Snaps a number to the grid of an int/float distribution (step, rounding, clipping). */
export function snapNumeric(dist: Distribution & { type: 'int' | 'float' }, x: number): number {
  let v = x;
  if (dist.type === 'int') {
    const step = dist.step ?? 1;
    v = dist.log ? Math.round(v) : Math.round((v - dist.low) / step) * step + dist.low;
  } else if (dist.step !== undefined) {
    v = cleanFloat(Math.round((v - dist.low) / dist.step) * dist.step + dist.low);
  }
  return Math.min(Math.max(v, dist.low), dist.high);
}

/** Draws one value uniformly (in log space for log distributions), as Optuna's RandomSampler. */
export function sampleDistribution(dist: Distribution, rng: Random): ParamValue {
  if (dist.type === 'categorical') return dist.choices[rng.int(dist.choices.length)];
  if (dist.low === dist.high) return dist.low;
  if (dist.type === 'int') {
    if (dist.log) {
      // Uniform on [log(low - 0.5), log(high + 0.5)], then rounded: every integer gets the
      // log-width of its own rounding interval.
      const x = Math.exp(rng.uniform(Math.log(dist.low - 0.5), Math.log(dist.high + 0.5)));
      return snapNumeric(dist, x);
    }
    const step = dist.step ?? 1;
    const n = Math.round((dist.high - dist.low) / step) + 1;
    return dist.low + rng.int(n) * step;
  }
  if (dist.log) return snapNumeric(dist, Math.exp(rng.uniform(Math.log(dist.low), Math.log(dist.high))));
  if (dist.step !== undefined) {
    const n = Math.round((dist.high - dist.low) / dist.step) + 1;
    return snapNumeric(dist, dist.low + rng.int(n) * dist.step);
  }
  return rng.uniform(dist.low, dist.high);
}

/** Samples every active parameter of the space, parents first. */
export function sampleSpace(space: SearchSpace, rng: Random): Params {
  const params: Params = {};
  for (const name of parameterOrder(space)) {
    if (isActive(space, name, params)) params[name] = sampleDistribution(space[name], rng);
  }
  return params;
}

/**
 * Whether a stored value still belongs to the distribution (the space of a study may have been
 * edited; values outside it are skipped when fitting models).
 */
export function inDistribution(dist: Distribution, value: ParamValue | undefined): boolean {
  if (value === undefined) return false;
  if (dist.type === 'categorical') return dist.choices.includes(value);
  return typeof value === 'number' && Number.isFinite(value) && value >= dist.low && value <= dist.high;
}

/** Number of distinct candidates of a space, or Infinity when a float parameter is continuous. */
export function spaceCardinality(space: SearchSpace): number {
  // Conditional parameters make this an upper bound, which is all it is used for.
  let size = 1;
  for (const dist of Object.values(space)) {
    if (dist.type === 'categorical') size *= dist.choices.length;
    else if (dist.type === 'int') size *= Math.round((dist.high - dist.low) / (dist.step ?? 1)) + 1;
    else if (dist.step !== undefined) size *= Math.round((dist.high - dist.low) / dist.step) + 1;
    else if (dist.low !== dist.high) return Infinity;
  }
  return size;
}

/** Attempts at a random replacement before a repeated candidate is accepted. */
export const DUPLICATE_RETRIES = 32;

/**
 * Replaces a candidate that repeats an evaluated, pending or already suggested one by random
 * draws (from the same seeded generator), since evaluating the same candidate twice only
 * repeats the same deterministic cross-validation. Gives up (keeps the repeat) after
 * DUPLICATE_RETRIES draws, which happens only when the space is (nearly) exhausted.
 */
export function avoidDuplicate(space: SearchSpace, candidate: Params, seen: Set<string>, rng: Random): Params {
  if (!seen.has(paramsKey(candidate))) return candidate;
  for (let i = 0; i < DUPLICATE_RETRIES; i++) {
    const other = sampleSpace(space, rng);
    if (!seen.has(paramsKey(other))) return other;
  }
  return candidate;
}

/** Keys of every candidate already evaluated or pending, for duplicate checks. */
export function seenKeys(history: readonly Trial[], pending: readonly Params[]): Set<string> {
  const seen = new Set<string>();
  for (const trial of history) if (trial.state !== 'FAILED') seen.add(paramsKey(trial.params));
  for (const params of pending) seen.add(paramsKey(params));
  return seen;
}

/** Checks the common arguments of Sampler.suggest. */
export function checkSuggestArgs(count: number, firstTrialNumber: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(firstTrialNumber) || firstTrialNumber < 0) {
    throw new RangeError(`firstTrialNumber must be a non-negative integer, got ${firstTrialNumber}`);
  }
}
