/**
 * What a request may cost, checked before anything runs: the largest value of each cost-driving
 * estimator parameter, the estimated cost of one evaluation (src/ml/cost.ts) against the
 * operator's budget, durations, and the size of a tuning request's grid or space (counted before
 * any value is looked at, so a huge request is refused in time proportional to its list count).
 */
import type { ParameterLimits, ServiceConfig } from '../config';
import { evaluationCost, type DataShape } from '../ml/cost';
import { keepsMissing, MISSING_VALUE_MODEL_TYPES } from '../ml/data/encoding';
import type { Dataset } from '../entities/Dataset';
import type { SearchSpace } from '../ml/search';
import type { ParamValue, Params, Task } from '../ml/types';
import { unprocessable } from './errors';

/** The environment variable that sets each limit (for the error message). */
const LIMIT_VARIABLES: Record<keyof ParameterLimits, string> = {
  n_estimators: 'MAX_N_ESTIMATORS',
  max_iter: 'MAX_ITER',
  max_depth: 'MAX_DEPTH',
  max_leaf_nodes: 'MAX_LEAF_NODES',
  n_neighbors: 'MAX_N_NEIGHBORS',
  max_bins: 'MAX_BINS',
};

/** Parameters the cost model reads: the limited ones and those that scale work per tree. */
const COST_PARAMETERS = [...Object.keys(LIMIT_VARIABLES), 'max_features'];

/** Most parameters a grid or space may name (no estimator has half as many). */
const MAX_PARAMETERS = 100;

const isLimited = (name: string): name is keyof ParameterLimits => Object.prototype.hasOwnProperty.call(LIMIT_VARIABLES, name);

/** 422 when `value` of parameter `name` is above the operator's limit; `field` names it in the request. */
export function checkParameterLimit(field: string, name: string, value: unknown, limits: ParameterLimits): void {
  if (!isLimited(name) || typeof value !== 'number' || value <= limits[name]) return;
  throw unprocessable(field, `${value} is above the limit of ${limits[name]} for ${name} (${LIMIT_VARIABLES[name]})`);
}

export function checkParameterLimits(prefix: string, params: Params, limits: ParameterLimits): void {
  for (const [name, value] of Object.entries(params)) checkParameterLimit(`${prefix}.${name}`, name, value, limits);
}

/** 422 when a duration in seconds is above MAX_DURATION_SECONDS. */
export function checkDuration(field: string, seconds: number | null | undefined, config: ServiceConfig): void {
  if (seconds !== null && seconds !== undefined && seconds > config.maxDurationSeconds) {
    throw unprocessable(field, `${seconds} s is above the limit of ${config.maxDurationSeconds} s (MAX_DURATION_SECONDS)`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Counts a tuning request's lists before anything else reads them: at most MAX_PARAMETERS
 * parameters, at most MAX_GRID_SIZE values in any list or choices and in all of them together
 * (each value is then checked against the estimator, 10–30 µs apiece), and for grid_search at most
 * MAX_GRID_SIZE combinations. Runs on the raw JSON, before schema validation.
 */
export function checkTuningRequestSize(body: unknown, config: ServiceConfig): void {
  if (!isObject(body)) return;
  const { param_grid: grid, param_distributions: space } = body;
  const countParameters = (field: string, value: Record<string, unknown>) => {
    const count = Object.keys(value).length;
    if (count > MAX_PARAMETERS) throw unprocessable(field, `${count} parameters is more than the ${MAX_PARAMETERS} allowed`);
  };
  let totalValues = 0;
  const countList = (field: string, list: unknown[]) => {
    if (list.length > config.maxGridSize) {
      throw unprocessable(field, `${list.length} values is above the limit of ${config.maxGridSize} (MAX_GRID_SIZE)`);
    }
    totalValues += list.length;
    if (totalValues > config.maxGridSize) {
      throw unprocessable(field.split('.')[0], `more than ${config.maxGridSize} values in all lists together (MAX_GRID_SIZE)`);
    }
  };
  if (isObject(grid)) {
    countParameters('param_grid', grid);
    let combinations = 1;
    for (const [name, values] of Object.entries(grid)) {
      if (!Array.isArray(values)) continue;
      countList(`param_grid.${name}`, values);
      combinations *= values.length;
    }
    if (body.tuning_method === 'grid_search' && combinations > config.maxGridSize) {
      throw unprocessable('param_grid', `${combinations} combinations is above the limit of ${config.maxGridSize} (MAX_GRID_SIZE)`);
    }
  }
  if (isObject(space)) {
    countParameters('param_distributions', space);
    for (const [name, distribution] of Object.entries(space)) {
      if (isObject(distribution) && Array.isArray(distribution.choices)) countList(`param_distributions.${name}.choices`, distribution.choices);
    }
  }
}

/** The values of one parameter a tuning run can try that matter for its cost: a grid list, a range's ends, the choices. */
export type CandidateBounds = Record<string, ParamValue[]>;

export function spaceBounds(space: SearchSpace): CandidateBounds {
  return Object.fromEntries(
    Object.entries(space).map(([name, d]) => [name, d.type === 'categorical' ? d.choices : [d.low, d.high]]),
  );
}

/** The shape of a stored data set, as the cost model reads it. */
export const datasetShape = (dataset: { nSamples: number; nFeatures: number; classes?: unknown[] | null }): DataShape => ({
  nSamples: dataset.nSamples,
  nFeatures: dataset.nFeatures,
  nClasses: dataset.classes?.length ?? 0,
});

/**
 * 422 naming the first column that keeps missing values (NaN) when the estimator cannot take them:
 * in scikit-learn 1.2 only histogram gradient boosting can; the data set's imputation removes them.
 */
export function checkMissingValues(modelType: string, dataset: Pick<Dataset, 'featureColumns' | 'categoricalEncoding' | 'impute'>): void {
  if (MISSING_VALUE_MODEL_TYPES.includes(modelType) || !dataset.featureColumns) return;
  const options = { categorical: dataset.categoricalEncoding ?? 'ordinal', impute: dataset.impute ?? 'none' } as const;
  const column = dataset.featureColumns.find((c) => keepsMissing(c, options));
  if (!column) return;
  throw unprocessable(
    'dataset',
    `column "${column.name}" has ${column.missing} missing values, which ${modelType} cannot take (only ${MISSING_VALUE_MODEL_TYPES.join(', ')} can); ` +
      'upload the data set with impute=mean, median or most_frequent',
  );
}

export interface CostContext {
  modelType: string;
  task: Task;
  cvFolds: number;
  shape: DataShape;
  config: ServiceConfig;
}

function formatCost(cost: number): string {
  return cost.toExponential(2).replace('e+', 'e');
}

/** 422 on `field` when the estimated cost of evaluating `params` once is above MAX_EVALUATION_COST. */
export function checkEvaluationCost(field: string, params: Params, context: CostContext, what = 'one evaluation'): void {
  const cost = evaluationCost(context.modelType, context.task, params, context.cvFolds, context.shape);
  if (cost > context.config.maxEvaluationCost) {
    throw unprocessable(
      field,
      `${what} is estimated at ${formatCost(cost)} cost units (${context.cvFolds} folds of ${context.shape.nSamples} rows × ` +
        `${context.shape.nFeatures} features), above the budget of ${formatCost(context.config.maxEvaluationCost)} (MAX_EVALUATION_COST)`,
    );
  }
}

/**
 * The most expensive candidate a tuning run can try: the cost grows with each cost parameter on
 * its own, so it is found one parameter at a time (each at its most expensive value given the
 * others), in time proportional to the number of values rather than the number of combinations.
 */
export function mostExpensiveCandidate(base: Params, bounds: CandidateBounds, context: CostContext): Params {
  const candidate: Params = { ...base };
  const names = Object.keys(bounds).filter((name) => COST_PARAMETERS.includes(name) && bounds[name].length > 0);
  for (const name of names) candidate[name] = bounds[name][0];
  for (let pass = 0; pass < 2; pass++) {
    for (const name of names) {
      let best = -Infinity;
      for (const value of bounds[name]) {
        const cost = evaluationCost(context.modelType, context.task, { ...candidate, [name]: value }, context.cvFolds, context.shape);
        if (cost > best) {
          best = cost;
          candidate[name] = value;
        }
      }
    }
  }
  return candidate;
}

/** Refuses a tuning request whose most expensive candidate is above the budget (field: the grid or space). */
export function checkTuningCost(field: string, base: Params, bounds: CandidateBounds, context: CostContext): void {
  const candidate = mostExpensiveCandidate(base, bounds, context);
  const shown = Object.keys(bounds).filter((name) => COST_PARAMETERS.includes(name));
  const described = shown.length ? ` (${shown.map((name) => `${name}=${JSON.stringify(candidate[name])}`).join(', ')})` : '';
  checkEvaluationCost(field, candidate, context, `the most expensive candidate${described}`);
}
