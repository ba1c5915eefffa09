/**
 * The model-type registry: which estimators the service offers, for which tasks, with which
 * parameters (scikit-learn names), and how to build one from user parameters.
 *
 * `standardize` (boolean) is a registry-level parameter of the scale-sensitive models: when true
 * the model is wrapped as scikit-learn's `make_pipeline(StandardScaler(), model)`, the scaler being
 * fit on each fold's training rows only. Defaults: true for logistic_regression and knn, false for
 * ridge and linear_regression (where scaling changes only how the L2 penalty weighs the features,
 * resp. nothing); the tree-based models are scale-invariant and do not accept it.
 */
import {
  ExtraTreesClassifier,
  ExtraTreesRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
  PARAM_NAMES as ENSEMBLE_PARAM_NAMES,
  RandomForestClassifier,
  RandomForestRegressor,
} from './ensemble';
import { LinearRegression, LINEAR_REGRESSION_PARAMS, LogisticRegression, LOGISTIC_REGRESSION_PARAMS, Ridge, RIDGE_PARAMS } from './linear';
import { KNeighborsClassifier, KNeighborsRegressor, KNEIGHBORS_PARAMS } from './neighbors';
import { withStandardScaler } from './preprocessing';
import { DecisionTreeClassifier, DecisionTreeRegressor, PARAM_NAMES as TREE_PARAM_NAMES } from './tree';
import { Estimator, InvalidInputError, Params, Task } from './types';

export type ModelType =
  | 'decision_tree'
  | 'random_forest'
  | 'extra_trees'
  | 'gradient_boosting'
  | 'hist_gradient_boosting'
  | 'logistic_regression'
  | 'ridge'
  | 'linear_regression'
  | 'knn';

type Factory = (params: Params, nClasses: number) => Estimator;

interface ModelEntry {
  /** The scikit-learn class name per task. */
  className: Partial<Record<Task, string>>;
  /** The estimator's own parameter names per task (without `standardize`). */
  params: Partial<Record<Task, readonly string[]>>;
  factory: Partial<Record<Task, Factory>>;
  /** Default of `standardize`; undefined when the model does not accept it. */
  standardize?: boolean;
  description: string;
}

export interface ModelTypeSpec {
  name: ModelType;
  tasks: readonly Task[];
  /** scikit-learn class per task, e.g. { classification: 'RandomForestClassifier' }. */
  classNames: Partial<Record<Task, string>>;
  /** Accepted parameter names per task, `standardize` included where supported. */
  paramNames: Partial<Record<Task, readonly string[]>>;
  /** Default of `standardize` (StandardScaler pipeline), or null when not supported. */
  standardizeDefault: boolean | null;
  description: string;
}

const ENTRIES: Record<ModelType, ModelEntry> = {
  decision_tree: {
    className: { classification: 'DecisionTreeClassifier', regression: 'DecisionTreeRegressor' },
    params: { classification: TREE_PARAM_NAMES.DecisionTreeClassifier, regression: TREE_PARAM_NAMES.DecisionTreeRegressor },
    factory: {
      classification: (p, k) => new DecisionTreeClassifier(p, { nClasses: k }),
      regression: (p) => new DecisionTreeRegressor(p),
    },
    description: 'CART decision tree',
  },
  random_forest: {
    className: { classification: 'RandomForestClassifier', regression: 'RandomForestRegressor' },
    params: { classification: ENSEMBLE_PARAM_NAMES.RandomForestClassifier, regression: ENSEMBLE_PARAM_NAMES.RandomForestRegressor },
    factory: {
      classification: (p, k) => new RandomForestClassifier(p, { nClasses: k }),
      regression: (p) => new RandomForestRegressor(p),
    },
    description: 'Random forest (bootstrap samples, random feature subsets per split)',
  },
  extra_trees: {
    className: { classification: 'ExtraTreesClassifier', regression: 'ExtraTreesRegressor' },
    params: { classification: ENSEMBLE_PARAM_NAMES.ExtraTreesClassifier, regression: ENSEMBLE_PARAM_NAMES.ExtraTreesRegressor },
    factory: {
      classification: (p, k) => new ExtraTreesClassifier(p, { nClasses: k }),
      regression: (p) => new ExtraTreesRegressor(p),
    },
    description: 'Extremely randomized trees (random thresholds)',
  },
  gradient_boosting: {
    className: { classification: 'GradientBoostingClassifier', regression: 'GradientBoostingRegressor' },
    params: {
      classification: ENSEMBLE_PARAM_NAMES.GradientBoostingClassifier,
      regression: ENSEMBLE_PARAM_NAMES.GradientBoostingRegressor,
    },
    factory: {
      classification: (p, k) => new GradientBoostingClassifier(p, { nClasses: k }),
      regression: (p) => new GradientBoostingRegressor(p),
    },
    description: 'Gradient boosting of regression trees',
  },
  hist_gradient_boosting: {
    className: { classification: 'HistGradientBoostingClassifier', regression: 'HistGradientBoostingRegressor' },
    params: {
      classification: ENSEMBLE_PARAM_NAMES.HistGradientBoostingClassifier,
      regression: ENSEMBLE_PARAM_NAMES.HistGradientBoostingRegressor,
    },
    factory: {
      classification: (p, k) => new HistGradientBoostingClassifier(p, { nClasses: k }),
      regression: (p) => new HistGradientBoostingRegressor(p),
    },
    description: 'Histogram-based gradient boosting (binned features)',
  },
  logistic_regression: {
    className: { classification: 'LogisticRegression' },
    params: { classification: LOGISTIC_REGRESSION_PARAMS },
    factory: { classification: (p, k) => new LogisticRegression(p, { nClasses: k }) },
    standardize: true,
    description: 'L2-regularised logistic regression (lbfgs; multinomial for more than 2 classes)',
  },
  ridge: {
    className: { regression: 'Ridge' },
    params: { regression: RIDGE_PARAMS },
    factory: { regression: (p) => new Ridge(p) },
    standardize: false,
    description: 'Linear least squares with an L2 penalty',
  },
  linear_regression: {
    className: { regression: 'LinearRegression' },
    params: { regression: LINEAR_REGRESSION_PARAMS },
    factory: { regression: (p) => new LinearRegression(p) },
    standardize: false,
    description: 'Ordinary least squares',
  },
  knn: {
    className: { classification: 'KNeighborsClassifier', regression: 'KNeighborsRegressor' },
    params: { classification: KNEIGHBORS_PARAMS, regression: KNEIGHBORS_PARAMS },
    factory: {
      classification: (p, k) => new KNeighborsClassifier(p, { nClasses: k }),
      regression: (p) => new KNeighborsRegressor(p),
    },
    standardize: true,
    description: 'k-nearest neighbours (brute force)',
  },
};

const TASKS: readonly Task[] = ['classification', 'regression'];

/** Every model type, its tasks and parameter names. Index with any string (undefined if unknown). */
export const MODEL_TYPES: Readonly<Record<string, ModelTypeSpec>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(ENTRIES) as ModelType[]).map((name) => {
      const e = ENTRIES[name];
      const tasks = TASKS.filter((t) => e.factory[t] !== undefined);
      const paramNames: Partial<Record<Task, readonly string[]>> = {};
      for (const t of tasks) paramNames[t] = Object.freeze([...(e.params[t] ?? []), ...(e.standardize === undefined ? [] : ['standardize'])]);
      const spec: ModelTypeSpec = {
        name,
        tasks: Object.freeze(tasks),
        classNames: e.className,
        paramNames,
        standardizeDefault: e.standardize ?? null,
        description: e.description,
      };
      return [name, Object.freeze(spec)];
    }),
  ),
);

function unknownModelType(modelType: string): InvalidInputError {
  return new InvalidInputError('model_type', `unknown model type ${JSON.stringify(modelType)}; expected one of ${Object.keys(ENTRIES).join(', ')}`);
}

function entryFor(modelType: string, task: Task): ModelEntry {
  if (!Object.prototype.hasOwnProperty.call(ENTRIES, modelType)) throw unknownModelType(modelType);
  const entry = ENTRIES[modelType as ModelType];
  if (entry.factory[task] === undefined) {
    throw new InvalidInputError('model_type', `${modelType} does not support ${task}; it supports ${MODEL_TYPES[modelType].tasks.join(', ')}`);
  }
  return entry;
}

/** The accepted parameter names of a model type for a task (for all its tasks when task is omitted). */
export function paramNames(modelType: string, task?: Task): string[] {
  if (task !== undefined) {
    entryFor(modelType, task);
    return [...MODEL_TYPES[modelType].paramNames[task]!];
  }
  if (!Object.prototype.hasOwnProperty.call(ENTRIES, modelType)) throw unknownModelType(modelType);
  const spec = MODEL_TYPES[modelType];
  return [...new Set(spec.tasks.flatMap((t) => spec.paramNames[t]!))];
}

/**
 * A new, unfitted estimator. InvalidInputError('model_type', ...) for an unknown type or an
 * unsupported task; InvalidInputError(parameterName, ...) for a bad parameter.
 */
export function createEstimator(modelType: string, task: Task, params: Params | null | undefined, nClasses: number): Estimator {
  const entry = entryFor(modelType, task);
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw new InvalidInputError('params', `expected an object of parameters, got ${JSON.stringify(params)}`);
  }
  const own: Params = { ...(params ?? {}) };
  let standardize = false;
  if (Object.prototype.hasOwnProperty.call(own, 'standardize')) {
    if (entry.standardize === undefined) {
      throw new InvalidInputError('standardize', `unknown parameter for ${modelType} (tree-based models are insensitive to feature scaling)`);
    }
    const value = own.standardize;
    if (typeof value !== 'boolean') throw new InvalidInputError('standardize', `must be true or false, got ${JSON.stringify(value)}`);
    standardize = value;
    delete own.standardize;
  } else {
    standardize = entry.standardize ?? false;
  }
  const estimator = entry.factory[task]!(own, nClasses);
  return standardize ? withStandardScaler(estimator) : estimator;
}

/** Throws (like createEstimator) when the parameters are not valid for the model type and task. */
export function validateParams(modelType: string, task: Task, params: Params | null | undefined): void {
  createEstimator(modelType, task, params, task === 'classification' ? 2 : 0);
}
