/** Grid search as a sampler: trial n gets the n-th grid candidate in ParameterGrid order. */
import { InvalidInputError, type ParamValue, type Params } from '../types';
import { checkSuggestArgs, type Sampler, type Trial } from './sampler';
import { gridCandidate, gridSize, type ParamGrid, type SearchSpace } from './space';

/** The grid behind a space made only of categorical distributions without conditions. */
export function gridFromSpace(space: SearchSpace): ParamGrid {
  const grid: Record<string, ParamValue[]> = {};
  for (const [name, dist] of Object.entries(space)) {
    if (dist.type !== 'categorical' || dist.condition) {
      throw new InvalidInputError(`param_distributions.${name}`, 'grid search needs categorical parameters without conditions');
    }
    grid[name] = dist.choices;
  }
  return grid;
}

/**
 * Deterministic grid enumeration: trial n gets gridCandidate(grid, n), in scikit-learn's
 * ParameterGrid order, regardless of history. Past the end of the grid it returns fewer
 * candidates (an empty list when the grid is exhausted).
 */
export class GridSampler implements Sampler {
  suggest(space: SearchSpace, _history: Trial[], _pending: Params[], count: number, firstTrialNumber: number): Params[] {
    checkSuggestArgs(count, firstTrialNumber);
    const grid = gridFromSpace(space);
    const end = Math.min(firstTrialNumber + count, gridSize(grid));
    const out: Params[] = [];
    for (let n = firstTrialNumber; n < end; n++) out.push(gridCandidate(grid, n));
    return out;
  }
}
