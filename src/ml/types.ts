/**
 * Shared types of the estimator engine. Everything under src/ml is pure: no Temporal, no database.
 */

export type Task = 'classification' | 'regression';

/** A JSON value as users write it in parameter grids and distributions. */
export type ParamValue = number | string | boolean | null;
export type Params = Record<string, ParamValue>;

/**
 * A data set held in typed arrays, column-major (feature f of sample i is X[f * nSamples + i]),
 * so a tree can scan one feature contiguously. Backed by SharedArrayBuffer when it is shared
 * with evaluation threads, so a data set is parsed once per worker process.
 */
export interface Dataset {
  nSamples: number;
  nFeatures: number;
  featureNames: string[];
  X: Float64Array;
  /** Classification: class index 0..classes.length-1. Regression: the target value. */
  y: Float64Array;
  task: Task;
  /** Classification only: the original labels, in the order of their index in y. */
  classes?: string[];
}

/** Number of classes of a classification data set: its labels, or else the largest class index + 1. */
export function classCount(data: Dataset): number {
  if (data.classes) return data.classes.length;
  let k = 0;
  for (let i = 0; i < data.nSamples; i++) k = Math.max(k, data.y[i] + 1);
  return k;
}

/** A bad parameter, value or data set: the caller's fault, never worth retrying. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * scikit-learn's estimator API, adapted so folds never copy the data: fit and predict take the
 * shared data set and the row indices to use. Constructor parameters keep scikit-learn's names.
 */
export interface Estimator {
  fit(data: Dataset, rows: Uint32Array): this;
  /** Classification: class index per row. Regression: predicted value per row. */
  predict(data: Dataset, rows: Uint32Array): Float64Array;
  /** Classification only: rows.length × nClasses probabilities, row-major. */
  predictProba?(data: Dataset, rows: Uint32Array): Float64Array;
}
