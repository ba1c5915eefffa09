/**
 * Warm start: trials of an earlier run become history of a new one, when they fit its space
 * (every parameter known to the space and inside its distribution). They get negative numbers so
 * they never collide with the new run's own trials.
 */
import { inDistribution, type Trial } from './sampler';
import type { SearchSpace } from './space';

export function warmStartHistory(previous: readonly Trial[], space: SearchSpace): Trial[] {
  return previous
    .filter((trial) => Object.entries(trial.params).every(([name, value]) => space[name] !== undefined && inDistribution(space[name], value)))
    .map((trial, i) => ({ ...trial, number: -1 - i }));
}
