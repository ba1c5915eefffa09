/**
 * scikit-learn's Ridge and LinearRegression (regression only). With fit_intercept the columns and
 * the target are centred on the training rows' means, the coefficients solved on the centred data
 * and intercept = mean(y) - mean(X)·coef, as sklearn does.
 *
 *   Ridge(alpha=1.0 (>= 0), fit_intercept=true): (XᵀX + αI) w = Xᵀy by Cholesky (sklearn's
 *     'cholesky' solver, what solver='auto' picks for dense data); least squares when alpha is 0 or
 *     the system is not positive definite (sklearn falls back to lstsq too).
 *   LinearRegression(fit_intercept=true): minimum-norm least squares (QR + SVD, like
 *     scipy.linalg.lstsq), so collinear or constant columns are fine.
 */
import { Dataset, Estimator, Params } from '../types';
import { cholesky, choleskySolve, lstsq } from './linalg';
import { ParamReader } from './params';

export const RIDGE_PARAMS = ['alpha', 'fit_intercept'] as const;
export const LINEAR_REGRESSION_PARAMS = ['fit_intercept'] as const;

abstract class LinearRegressorBase implements Estimator {
  coef_: Float64Array = new Float64Array(0);
  intercept_ = 0;
  protected fitted = false;

  constructor(readonly fit_intercept: boolean) {}

  /** Solves for the coefficients on the (centred) column-major m × d matrix. */
  protected abstract solve(X: Float64Array, m: number, d: number, y: Float64Array): Float64Array;

  fit(data: Dataset, rows: Uint32Array): this {
    const m = rows.length;
    if (m === 0) throw new Error(`${this.constructor.name}: no training rows`);
    const d = data.nFeatures;
    const N = data.nSamples;
    const X = new Float64Array(m * d);
    const xMean = new Float64Array(d);
    for (let f = 0; f < d; f++) {
      const src = f * N;
      const dst = f * m;
      let s = 0;
      for (let i = 0; i < m; i++) {
        const v = data.X[src + rows[i]];
        X[dst + i] = v;
        s += v;
      }
      if (this.fit_intercept) {
        const mean = s / m;
        xMean[f] = mean;
        for (let i = 0; i < m; i++) X[dst + i] -= mean;
      }
    }
    const y = new Float64Array(m);
    let yMean = 0;
    for (let i = 0; i < m; i++) {
      y[i] = data.y[rows[i]];
      yMean += y[i];
    }
    yMean /= m;
    if (this.fit_intercept) for (let i = 0; i < m; i++) y[i] -= yMean;
    else yMean = 0;
    this.coef_ = this.solve(X, m, d, y);
    let b = yMean;
    for (let f = 0; f < d; f++) b -= xMean[f] * this.coef_[f];
    this.intercept_ = b;
    this.fitted = true;
    return this;
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    if (!this.fitted) throw new Error(`${this.constructor.name}: predict before fit`);
    const d = data.nFeatures;
    if (d !== this.coef_.length) throw new Error(`${this.constructor.name}: fitted on ${this.coef_.length} features, got ${d}`);
    const N = data.nSamples;
    const out = new Float64Array(rows.length).fill(this.intercept_);
    for (let f = 0; f < d; f++) {
      const w = this.coef_[f];
      const off = f * N;
      for (let i = 0; i < rows.length; i++) out[i] += w * data.X[off + rows[i]];
    }
    return out;
  }
}

/** Xᵀy for a column-major m × d matrix. */
function xty(X: Float64Array, m: number, d: number, y: Float64Array): Float64Array {
  const out = new Float64Array(d);
  for (let f = 0; f < d; f++) {
    let s = 0;
    const off = f * m;
    for (let i = 0; i < m; i++) s += X[off + i] * y[i];
    out[f] = s;
  }
  return out;
}

export class Ridge extends LinearRegressorBase {
  static readonly PARAM_NAMES: readonly string[] = RIDGE_PARAMS;
  readonly alpha: number;

  constructor(params: Params = {}) {
    const p = new ParamReader('Ridge', params, RIDGE_PARAMS);
    const alpha = p.number('alpha', 1.0, { min: 0 });
    super(p.boolean('fit_intercept', true));
    this.alpha = alpha;
  }

  protected solve(X: Float64Array, m: number, d: number, y: Float64Array): Float64Array {
    if (this.alpha > 0) {
      const G = new Float64Array(d * d);
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          let s = 0;
          const ao = a * m;
          const bo = b * m;
          for (let i = 0; i < m; i++) s += X[ao + i] * X[bo + i];
          G[a * d + b] = s;
          G[b * d + a] = s;
        }
        G[a * d + a] += this.alpha;
      }
      if (cholesky(G, d)) return choleskySolve(G, d, xty(X, m, d, y));
    }
    return lstsq(X, m, d, y);
  }
}

export class LinearRegression extends LinearRegressorBase {
  static readonly PARAM_NAMES: readonly string[] = LINEAR_REGRESSION_PARAMS;

  constructor(params: Params = {}) {
    const p = new ParamReader('LinearRegression', params, LINEAR_REGRESSION_PARAMS);
    super(p.boolean('fit_intercept', true));
  }

  protected solve(X: Float64Array, m: number, d: number, y: Float64Array): Float64Array {
    return lstsq(X, m, d, y);
  }
}
