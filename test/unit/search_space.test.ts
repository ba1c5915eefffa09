import {
  expandGrid,
  gridCandidate,
  gridSize,
  isActive,
  parameterOrder,
  paramsKey,
  spaceFromGrid,
  validateParamGrid,
  validateSearchSpace,
  type ParamGrid,
} from '../../src/ml/search';
import { InvalidInputError } from '../../src/ml/types';

const RF_GRID: ParamGrid = {
  n_estimators: [50, 100, 200],
  max_depth: [5, 10, null],
  min_samples_split: [2, 5],
  min_samples_leaf: [1, 2],
};

/** The InvalidInputError thrown by fn (fails the test if none is thrown). */
function errorOf(fn: () => void): InvalidInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('param grids', () => {
  test('size is the product of the list lengths', () => {
    expect(gridSize(RF_GRID)).toBe(36);
    expect(expandGrid(RF_GRID)).toHaveLength(36);
    expect(gridSize({ a: [1], b: [true, false] })).toBe(2);
  });

  test('order follows scikit-learn ParameterGrid: sorted keys, last key fastest', () => {
    const grid = expandGrid(RF_GRID);
    // Expected values printed by sklearn.model_selection.ParameterGrid (1.2.1).
    expect(grid.slice(0, 5)).toEqual([
      { max_depth: 5, min_samples_leaf: 1, min_samples_split: 2, n_estimators: 50 },
      { max_depth: 5, min_samples_leaf: 1, min_samples_split: 2, n_estimators: 100 },
      { max_depth: 5, min_samples_leaf: 1, min_samples_split: 2, n_estimators: 200 },
      { max_depth: 5, min_samples_leaf: 1, min_samples_split: 5, n_estimators: 50 },
      { max_depth: 5, min_samples_leaf: 1, min_samples_split: 5, n_estimators: 100 },
    ]);
    expect(grid[17]).toEqual({ max_depth: 10, min_samples_leaf: 1, min_samples_split: 5, n_estimators: 200 });
    expect(grid[35]).toEqual({ max_depth: null, min_samples_leaf: 2, min_samples_split: 5, n_estimators: 200 });
    expect(Object.keys(grid[0])).toEqual(['max_depth', 'min_samples_leaf', 'min_samples_split', 'n_estimators']);
    // Uppercase sorts before lowercase, as in Python.
    expect(expandGrid({ b: [1, 2], a: ['x', 'y'], B: [true] })).toEqual([
      { B: true, a: 'x', b: 1 },
      { B: true, a: 'x', b: 2 },
      { B: true, a: 'y', b: 1 },
      { B: true, a: 'y', b: 2 },
    ]);
    expect(new Set(grid.map(paramsKey)).size).toBe(36);
  });

  test('gridCandidate gives one candidate without expanding', () => {
    const grid = expandGrid(RF_GRID);
    for (let i = 0; i < 36; i++) expect(gridCandidate(RF_GRID, i)).toEqual(grid[i]);
    expect(() => gridCandidate(RF_GRID, 36)).toThrow(RangeError);
  });

  test('spaceFromGrid makes categoricals', () => {
    expect(spaceFromGrid({ b: [1, 2], a: [null] })).toEqual({
      a: { type: 'categorical', choices: [null] },
      b: { type: 'categorical', choices: [1, 2] },
    });
  });

  test('validation names the parameter', () => {
    expect(() => validateParamGrid(RF_GRID, Object.keys(RF_GRID))).not.toThrow();
    const cases: [unknown, string, RegExp][] = [
      [{ max_depth: [] }, 'param_grid.max_depth', /empty/],
      [{ max_depth: 5 }, 'param_grid.max_depth', /list/],
      [{ max_depth: [5, 5] }, 'param_grid.max_depth', /more than once/],
      [{ max_depth: [5, { a: 1 }] }, 'param_grid.max_depth', /finite numbers, strings, booleans or null/],
      [{ max_depth: [NaN] }, 'param_grid.max_depth', /finite/],
      [{ max_depth: [[1]] }, 'param_grid.max_depth', /finite/],
      [{ max_deph: [5] }, 'param_grid.max_deph', /unknown parameter/],
      [{}, 'param_grid', /at least one/],
      [[1, 2], 'param_grid', /object/],
    ];
    for (const [grid, field, reason] of cases) {
      const error = errorOf(() => validateParamGrid(grid, ['max_depth', 'n_estimators']));
      expect(error.field).toBe(field);
      expect(error.reason).toMatch(reason);
    }
  });
});

describe('search spaces', () => {
  const allowed = ['n_estimators', 'max_depth', 'learning_rate', 'max_features', 'subsample', 'booster', 'alpha'];

  test('a valid space passes', () => {
    expect(() =>
      validateSearchSpace(
        {
          n_estimators: { type: 'int', low: 20, high: 200, step: 10 },
          max_depth: { type: 'int', low: 1, high: 64, log: true, condition: { param: 'booster', equals: 'gbtree' } },
          learning_rate: { type: 'float', low: 0.01, high: 0.5, log: true },
          subsample: { type: 'float', low: 0.5, high: 1, step: 0.1 },
          max_features: { type: 'categorical', choices: ['sqrt', 'log2', 0.5, null] },
          booster: { type: 'categorical', choices: ['gbtree', 'linear', 'dart'] },
          alpha: { type: 'float', low: 0, high: 1, condition: { param: 'booster', equals: ['linear', 'dart'] } },
        },
        allowed,
      ),
    ).not.toThrow();
  });

  test('validation errors name the parameter and say why', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ max_depth: { type: 'int', low: 10, high: 2 } }, 'param_distributions.max_depth', /low \(10\) must not be greater than high \(2\)/],
      [{ max_depth: { type: 'int', low: 1.5, high: 8 } }, 'param_distributions.max_depth', /integers/],
      [{ max_depth: { type: 'int', low: 0, high: 8, log: true } }, 'param_distributions.max_depth', /log scale needs low >= 1/],
      [{ learning_rate: { type: 'float', low: 0, high: 1, log: true } }, 'param_distributions.learning_rate', /log scale needs low > 0/],
      [{ learning_rate: { type: 'float', low: 0, high: 1, step: 0 } }, 'param_distributions.learning_rate', /step must be positive/],
      [{ learning_rate: { type: 'float', low: 0, high: 1, step: -0.1 } }, 'param_distributions.learning_rate', /step must be positive/],
      [{ learning_rate: { type: 'float', low: 0, high: 1, step: 0.3 } }, 'param_distributions.learning_rate', /does not divide/],
      [{ n_estimators: { type: 'int', low: 10, high: 100, step: 7 } }, 'param_distributions.n_estimators', /does not divide/],
      [{ n_estimators: { type: 'int', low: 10, high: 100, step: 2.5 } }, 'param_distributions.n_estimators', /integer/],
      [{ learning_rate: { type: 'float', low: 0.01, high: 1, log: true, step: 0.01 } }, 'param_distributions.learning_rate', /log/],
      [{ learning_rate: { type: 'float', low: '0.1', high: 1 } }, 'param_distributions.learning_rate', /low must be a finite number/],
      [{ learning_rate: { type: 'float', low: 0, high: Infinity } }, 'param_distributions.learning_rate', /high must be a finite number/],
      [{ learning_rate: { type: 'normal', low: 0, high: 1 } }, 'param_distributions.learning_rate', /type must be/],
      [{ learning_rate: { type: 'float', low: 0, high: 1, lg: true } }, 'param_distributions.learning_rate', /unknown key "lg"/],
      [{ learning_rate: [0.1, 0.2] }, 'param_distributions.learning_rate', /must be an object/],
      [{ max_features: { type: 'categorical', choices: [] } }, 'param_distributions.max_features', /choices must not be empty/],
      [{ max_features: { type: 'categorical', choices: ['sqrt', { x: 1 }] } }, 'param_distributions.max_features', /choices\[1\]/],
      [{ max_features: { type: 'categorical', choices: 'sqrt' } }, 'param_distributions.max_features', /list/],
      [{ max_featurez: { type: 'categorical', choices: ['sqrt'] } }, 'param_distributions.max_featurez', /unknown parameter for this model type/],
      [{}, 'param_distributions', /at least one/],
      [
        { alpha: { type: 'float', low: 0, high: 1, condition: { param: 'booster', equals: 'linear' } } },
        'param_distributions.alpha.condition',
        /unknown parameter "booster"/,
      ],
      [
        {
          booster: { type: 'categorical', choices: ['gbtree', 'linear'] },
          alpha: { type: 'float', low: 0, high: 1, condition: { param: 'booster', equals: 'dart' } },
        },
        'param_distributions.alpha.condition',
        /not one of the choices/,
      ],
      [
        {
          booster: { type: 'categorical', choices: ['a', 'b'], condition: { param: 'max_depth', equals: 3 } },
          max_depth: { type: 'int', low: 1, high: 5, condition: { param: 'booster', equals: 'a' } },
        },
        'param_distributions.booster.condition',
        /cycle: booster -> max_depth -> booster/,
      ],
      [
        { alpha: { type: 'float', low: 0, high: 1, condition: { param: 'alpha', equals: 0.5 } } },
        'param_distributions.alpha.condition',
        /itself/,
      ],
      [
        {
          subsample: { type: 'float', low: 0, high: 1 },
          alpha: { type: 'float', low: 0, high: 1, condition: { param: 'subsample', equals: 0.5 } },
        },
        'param_distributions.alpha.condition',
        /float parameter/,
      ],
    ];
    for (const [space, field, reason] of cases) {
      const error = errorOf(() => validateSearchSpace(space, allowed));
      expect({ space, field: error.field }).toEqual({ space, field });
      expect(error.reason).toMatch(reason);
    }
  });

  test('without allowedNames any name is accepted', () => {
    expect(() => validateSearchSpace({ anything: { type: 'int', low: 1, high: 1 } })).not.toThrow();
  });

  test('parameterOrder puts parents first; isActive follows the chain', () => {
    const space = {
      z_child: { type: 'int' as const, low: 1, high: 3, condition: { param: 'a_parent', equals: 'on' } },
      a_parent: { type: 'categorical' as const, choices: ['on', 'off'], condition: { param: 'root', equals: [1, 2] } },
      root: { type: 'int' as const, low: 1, high: 3 },
    };
    validateSearchSpace(space);
    expect(parameterOrder(space)).toEqual(['root', 'a_parent', 'z_child']);
    expect(isActive(space, 'z_child', { root: 1, a_parent: 'on' })).toBe(true);
    expect(isActive(space, 'z_child', { root: 3 })).toBe(false);
    expect(isActive(space, 'a_parent', { root: 3 })).toBe(false);
    expect(isActive(space, 'z_child', { root: 2, a_parent: 'off' })).toBe(false);
  });
});
