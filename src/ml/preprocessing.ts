/**
 * StandardScaler and the wrapper that fits it inside each fold.
 *
 * `withStandardScaler(model)` is scikit-learn's `Pipeline([StandardScaler(), model])` /
 * `make_pipeline(StandardScaler(), model)`: the scaler's mean and standard deviation are learnt from
 * the rows passed to fit() only (a fold's training rows, never its test rows), and the same
 * transformation is applied to the rows passed to predict(). The registry (estimators.ts) applies
 * it when the model parameter `standardize` is true.
 */
import { Dataset, Estimator } from './types';

/** scikit-learn's StandardScaler (with_mean=True, with_std=True), fit on a subset of rows. */
export class StandardScaler {
  /** Per-feature mean of the fitted rows. */
  mean_: Float64Array = new Float64Array(0);
  /** Per-feature population variance of the fitted rows. */
  var_: Float64Array = new Float64Array(0);
  /** Per-feature standard deviation, 1 for (near-)constant features. */
  scale_: Float64Array = new Float64Array(0);
  nSamplesSeen = 0;

  /**
   * Computes the statistics like sklearn 1.2 (`_incremental_mean_and_var` from scratch: sum,
   * then the corrected two-pass variance), so a constant feature is detected the same way and
   * gets scale 1.
   */
  fit(data: Dataset, rows: Uint32Array): this {
    const n = rows.length;
    if (n === 0) throw new Error('StandardScaler: no rows to fit');
    const d = data.nFeatures;
    const N = data.nSamples;
    const X = data.X;
    this.mean_ = new Float64Array(d);
    this.var_ = new Float64Array(d);
    this.scale_ = new Float64Array(d);
    this.nSamplesSeen = n;
    const eps = Number.EPSILON;
    for (let f = 0; f < d; f++) {
      const off = f * N;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += X[off + rows[i]];
      const mean = sum / n;
      let correction = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const t = X[off + rows[i]] - mean;
        correction += t;
        sq += t * t;
      }
      const variance = (sq - (correction * correction) / n) / n;
      this.mean_[f] = mean;
      this.var_[f] = variance;
      const constant = variance <= n * eps * variance + (n * mean * eps) ** 2;
      this.scale_[f] = constant ? 1 : Math.sqrt(variance);
    }
    return this;
  }

  /** The given rows, scaled, as a new compact data set (rows 0..rows.length-1, y and classes kept). */
  transformRows(data: Dataset, rows: Uint32Array): Dataset {
    const n = rows.length;
    const d = data.nFeatures;
    if (d !== this.mean_.length) throw new Error(`StandardScaler: fitted on ${this.mean_.length} features, got ${d}`);
    const N = data.nSamples;
    const src = data.X;
    const X = new Float64Array(n * d);
    for (let f = 0; f < d; f++) {
      const mean = this.mean_[f];
      const scale = this.scale_[f];
      const off = f * N;
      const out = f * n;
      for (let i = 0; i < n; i++) X[out + i] = (src[off + rows[i]] - mean) / scale;
    }
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = data.y[rows[i]];
    const result: Dataset = { nSamples: n, nFeatures: d, featureNames: data.featureNames, X, y, task: data.task };
    if (data.classes) result.classes = data.classes;
    return result;
  }
}

/** 0..n-1 */
export function allRows(n: number): Uint32Array {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** Pipeline(StandardScaler(), estimator): the scaler is fit on the rows given to fit(). */
export class StandardScaledEstimator<E extends Estimator = Estimator> implements Estimator {
  readonly scaler = new StandardScaler();
  predictProba?: (data: Dataset, rows: Uint32Array) => Float64Array;

  constructor(readonly estimator: E) {
    if (typeof estimator.predictProba === 'function') {
      this.predictProba = (data, rows) => estimator.predictProba!(this.scaler.transformRows(data, rows), allRows(rows.length));
    }
  }

  fit(data: Dataset, rows: Uint32Array): this {
    this.scaler.fit(data, rows);
    this.estimator.fit(this.scaler.transformRows(data, rows), allRows(rows.length));
    return this;
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return this.estimator.predict(this.scaler.transformRows(data, rows), allRows(rows.length));
  }
}

/** make_pipeline(StandardScaler(), estimator). */
export function withStandardScaler<E extends Estimator>(estimator: E): StandardScaledEstimator<E> {
  return new StandardScaledEstimator(estimator);
}
