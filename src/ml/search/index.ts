/**
 * Search strategies, Optuna-style: a Sampler suggests candidates from a SearchSpace and the
 * history, a Pruner stops hopeless cross-validations early. Everything here is pure and
 * deterministic (seeded by (seed, trial number)), so it can run inside a Temporal activity.
 */
import { GpSampler, type GpOptions } from './gp';
import { RandomSampler } from './random';
import type { Sampler } from './sampler';
import { GridSampler } from './grid';
import { TpeSampler, type TpeOptions } from './tpe';

export * from './space';
export * from './sampler';
export * from './random';
export * from './grid';
export * from './tpe';
export * from './gp';
export * from './pruner';

export type SearchMethod = 'random_search' | 'bayesian' | 'grid_search';

export interface SamplerOptions {
  seed: number;
  /** For 'bayesian': the model (default 'tpe'). */
  sampler?: 'tpe' | 'gp';
  tpe?: TpeOptions;
  gp?: GpOptions;
}

/**
 * The sampler of a search method: 'random_search' → RandomSampler, 'bayesian' → TpeSampler
 * (or GpSampler with sampler: 'gp'), 'grid_search' → GridSampler (for a space of categoricals,
 * e.g. spaceFromGrid(grid)).
 */
export function createSampler(method: SearchMethod, options: SamplerOptions): Sampler {
  if (!Number.isFinite(options.seed)) throw new RangeError(`seed must be a finite number, got ${options.seed}`);
  switch (method) {
    case 'random_search':
      return new RandomSampler(options.seed);
    case 'bayesian':
      return (options.sampler ?? 'tpe') === 'gp' ? new GpSampler(options.seed, options.gp) : new TpeSampler(options.seed, options.tpe);
    case 'grid_search':
      return new GridSampler();
    default:
      throw new RangeError(`unknown search method ${String(method)}`);
  }
}
export * from './warm_start';
