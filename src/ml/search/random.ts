/** Random search: every trial's candidate is drawn independently from its own generator. */
import { Random } from '../random';
import type { Params } from '../types';
import { checkSuggestArgs, sampleSpace, type Sampler, type Trial } from './sampler';
import type { SearchSpace } from './space';

/**
 * Uniform random search, like Optuna's RandomSampler: trial n's candidate depends only on
 * (seed, n), through `new Random(seed, n)`, whatever the history or the batch it is suggested in.
 * Ints are uniform over low, low + step, ..., high (log: uniform in log space over the rounding
 * intervals); floats uniform on [low, high) or log-uniform, snapped to the step if any.
 */
export class RandomSampler implements Sampler {
  constructor(readonly seed: number) {}

  /** The candidate of trial `trialNumber`. */
  sampleTrial(space: SearchSpace, trialNumber: number): Params {
    return sampleSpace(space, new Random(this.seed, trialNumber));
  }

  suggest(space: SearchSpace, _history: Trial[], _pending: Params[], count: number, firstTrialNumber: number): Params[] {
    checkSuggestArgs(count, firstTrialNumber);
    const out: Params[] = [];
    for (let i = 0; i < count; i++) out.push(this.sampleTrial(space, firstTrialNumber + i));
    return out;
  }
}
