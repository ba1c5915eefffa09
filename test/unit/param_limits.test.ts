/** Cost-driving parameter limits, the evaluation-cost model and the size checks that come before any value check. */
import { loadConfig } from '../../src/config';
import { checkDuration, checkParameterLimits, checkTuningCost, checkTuningRequestSize, mostExpensiveCandidate, spaceBounds, type CostContext } from '../../src/api/limits';
import { HttpError } from '../../src/api/errors';
import { checkGridValues, checkSpaceValues, type ModelContext } from '../../src/api/validation';
import { evaluationCost } from '../../src/ml/cost';

const config = loadConfig({});
const digits = { nSamples: 1797, nFeatures: 64, nClasses: 10 };
const forest: CostContext = { modelType: 'random_forest', task: 'classification', cvFolds: 5, shape: digits, config };
const forestModel: ModelContext = { modelType: 'random_forest', task: 'classification', base: {}, limits: config.parameterLimits };

/** The 422 a check throws: its field and reason. */
function refusal(check: () => void): { field: string; reason: string } {
  try {
    check();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(422);
    return (err as HttpError).detail![0];
  }
  throw new Error('expected a 422');
}

describe('parameter limits', () => {
  test('defaults are documented maxima for every cost-driving parameter', () => {
    expect(config.parameterLimits).toEqual({
      n_estimators: 5000, max_iter: 10_000, max_depth: 1000, max_leaf_nodes: 1_000_000, n_neighbors: 10_000, max_bins: 255,
    });
    expect(config.maxEvaluationCost).toBe(1e11);
    expect(config.maxDurationSeconds).toBe(30 * 24 * 3600);
  });

  test('a value above its limit is refused naming the field, the limit and its variable', () => {
    const { field, reason } = refusal(() => checkParameterLimits('hyperparameters', { n_estimators: 2147483647 }, config.parameterLimits));
    expect(field).toBe('hyperparameters.n_estimators');
    expect(reason).toMatch(/5000.*MAX_N_ESTIMATORS/);
    expect(() => checkParameterLimits('hyperparameters', { n_estimators: 5000, max_iter: 10_000, max_depth: null }, config.parameterLimits)).not.toThrow();
  });

  test('limits follow the environment', () => {
    process.env.MAX_N_ESTIMATORS = '50';
    try {
      expect(loadConfig({}).parameterLimits.n_estimators).toBe(50);
    } finally {
      delete process.env.MAX_N_ESTIMATORS;
    }
  });

  test('grid values are checked against limits and validators, naming the index', () => {
    expect(refusal(() => checkGridValues({ n_estimators: [10, 20, 9000] }, forestModel)).field).toBe('param_grid.n_estimators[2]');
    expect(refusal(() => checkGridValues({ min_samples_leaf: [1, 0] }, forestModel)).field).toBe('param_grid.min_samples_leaf[1]');
  });

  test('both ends of ranges and every categorical choice are checked', () => {
    const high = refusal(() => checkSpaceValues({ n_estimators: { type: 'int', low: 10, high: 100_000 } }, forestModel));
    expect(high.field).toBe('param_distributions.n_estimators.high');
    const choice = refusal(() => checkSpaceValues({ max_features: { type: 'categorical', choices: ['banana', 'sqrt'] } }, forestModel));
    expect(choice.field).toBe('param_distributions.max_features.choices[0]');
    const low = refusal(() => checkSpaceValues({ min_samples_leaf: { type: 'int', low: 0, high: 5 } }, forestModel));
    expect(low.field).toBe('param_distributions.min_samples_leaf.low');
    expect(() => checkSpaceValues({ max_features: { type: 'float', low: 0.2, high: 1 } }, forestModel)).not.toThrow();
  });

  test('durations are bounded', () => {
    expect(refusal(() => checkDuration('time_budget_seconds', 1e308, config)).field).toBe('time_budget_seconds');
    expect(() => checkDuration('time_budget_seconds', 3600, config)).not.toThrow();
  });
});

describe('evaluation cost', () => {
  test('grows with every cost parameter and with the data', () => {
    const cost = (params: Record<string, unknown>, shape = digits) => evaluationCost('random_forest', 'classification', params as never, 5, shape);
    expect(cost({ n_estimators: 200 })).toBeCloseTo(2 * cost({ n_estimators: 100 }));
    expect(cost({ max_depth: 3 })).toBeLessThan(cost({ max_depth: null }));
    expect(cost({ max_features: 'sqrt' })).toBeLessThan(cost({ max_features: null }));
    expect(cost({}, { ...digits, nSamples: 100 })).toBeLessThan(cost({}));
    const hgb = (params: Record<string, unknown>) => evaluationCost('hist_gradient_boosting', 'classification', params as never, 5, digits);
    expect(hgb({ max_iter: 1000 })).toBeGreaterThan(hgb({ max_iter: 100 }));
    expect(evaluationCost('knn', 'classification', {}, 5, digits)).toBeGreaterThan(evaluationCost('knn', 'classification', {}, 5, { ...digits, nSamples: 500 }));
  });

  test('the most expensive candidate of a space takes each parameter at its costliest value', () => {
    const bounds = spaceBounds({
      n_estimators: { type: 'int', low: 10, high: 500 },
      max_features: { type: 'categorical', choices: ['sqrt', null, 0.5] },
      max_depth: { type: 'categorical', choices: [3, null] },
      min_samples_leaf: { type: 'int', low: 1, high: 5 },
    });
    expect(mostExpensiveCandidate({}, bounds, forest)).toMatchObject({ n_estimators: 500, max_features: null, max_depth: null });
  });

  test('a tuning request over the budget is refused naming its grid, a cheap one passes', () => {
    const { field, reason } = refusal(() => checkTuningCost('param_grid', {}, { n_estimators: [10, 5000], max_features: [null, 'sqrt'] }, forest));
    expect(field).toBe('param_grid');
    expect(reason).toMatch(/n_estimators=5000.*max_features=null.*MAX_EVALUATION_COST/);
    expect(() => checkTuningCost('param_grid', {}, { n_estimators: [10, 200] }, forest)).not.toThrow();
  });
});

describe('request size, counted before values', () => {
  test('a grid with too many combinations is refused whatever its values', () => {
    const values = Array.from({ length: 100 }, () => 'not a value anyone accepts');
    const { field, reason } = refusal(() =>
      checkTuningRequestSize({ tuning_method: 'grid_search', param_grid: { a: values, b: values, c: values } }, config),
    );
    expect(field).toBe('param_grid');
    expect(reason).toMatch(/1000000 combinations/);
  });

  test('one list longer than MAX_GRID_SIZE is refused, also for random search and choices', () => {
    const long = new Array(config.maxGridSize + 1).fill(1);
    expect(refusal(() => checkTuningRequestSize({ tuning_method: 'random_search', param_grid: { n_estimators: long } }, config)).field).toBe('param_grid.n_estimators');
    expect(
      refusal(() => checkTuningRequestSize({ tuning_method: 'bayesian', param_distributions: { n_estimators: { type: 'categorical', choices: long } } }, config)).field,
    ).toBe('param_distributions.n_estimators.choices');
    expect(() => checkTuningRequestSize({ tuning_method: 'grid_search', param_grid: { n_estimators: [1, 2] } }, config)).not.toThrow();
  });

  test('all lists together hold at most MAX_GRID_SIZE values, whatever each holds', () => {
    const lists = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`p${i}`, new Array(200).fill(1)]));
    const { field, reason } = refusal(() => checkTuningRequestSize({ tuning_method: 'random_search', param_grid: lists }, config));
    expect(field).toBe('param_grid');
    expect(reason).toMatch(/more than 5000 values in all lists/);
    const choices = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`p${i}`, { type: 'categorical', choices: new Array(200).fill(1) }]));
    expect(refusal(() => checkTuningRequestSize({ tuning_method: 'bayesian', param_distributions: choices }, config)).field).toBe('param_distributions');
  });

  test('counting 2.5 million values is a length check, not a walk over them', () => {
    // Values the per-value checks would reject; the size check must refuse first.
    const huge = new Array(2_500_000).fill('x');
    expect(refusal(() => checkTuningRequestSize({ tuning_method: 'grid_search', param_grid: { n_estimators: huge } }, config)).reason).toMatch(/2500000 values/);
  });
});
