/**
 * scikit-learn's LogisticRegression with its default solver, lbfgs (sklearn 1.2 objective):
 *
 *   minimise  Σ_i s_i · loss_i(w, b) + ½ · (1/C) · ||w||²      (the intercept b is not penalised)
 *
 * with the binomial loss on a single coefficient vector for 2 classes, and the multinomial
 * (softmax) loss with one coefficient vector per class for more; s_i are the class weights
 * (`class_weight='balanced'`: n_samples / (n_classes · count(class))). Parameters:
 *
 *   C=1.0 (> 0), penalty='l2' | null ('none' accepted as an alias of null), max_iter=100 (L-BFGS
 *   iterations), tol=1e-4 (largest gradient component), fit_intercept=true,
 *   class_weight=null | 'balanced' | {label: weight} (object or JSON string; labels are the data
 *   set's class labels or class indices, missing classes weigh 1), solver='lbfgs' (the only one).
 *
 * Classes absent from the training rows get probability 0 (sklearn's classes_ would not contain
 * them); with a single class present every prediction is that class (sklearn raises).
 */
import { classCount, Dataset, Estimator, Params } from '../types';
import { classWeightsByLabel } from '../tree/common';
import { minimizeLbfgs } from './lbfgs';
import { ParamReader } from './params';

export const LOGISTIC_REGRESSION_PARAMS = ['C', 'penalty', 'max_iter', 'tol', 'fit_intercept', 'class_weight', 'solver'] as const;

/** Gathers rows of a column-major data set into a row-major matrix (rows × nFeatures). */
export function rowMajor(data: Dataset, rows: Uint32Array): Float64Array {
  const n = rows.length;
  const d = data.nFeatures;
  const N = data.nSamples;
  const X = data.X;
  const out = new Float64Array(n * d);
  for (let f = 0; f < d; f++) {
    const off = f * N;
    for (let i = 0; i < n; i++) out[i * d + f] = X[off + rows[i]];
  }
  return out;
}

export class LogisticRegression implements Estimator {
  static readonly PARAM_NAMES: readonly string[] = LOGISTIC_REGRESSION_PARAMS;

  readonly C: number;
  readonly penalty: 'l2' | null;
  readonly max_iter: number;
  readonly tol: number;
  readonly fit_intercept: boolean;
  readonly class_weight: 'balanced' | Record<string, number> | null;

  /** Number of classes of the data set (columns of predictProba). */
  nClasses = 0;
  /** Class indices seen in training, ascending (sklearn's classes_). */
  classes_: number[] = [];
  /** Coefficients, row-major (1 × d for binary, K × d for multinomial), as sklearn's coef_. */
  coef_: Float64Array = new Float64Array(0);
  intercept_: Float64Array = new Float64Array(0);
  nIter = 0;
  converged = true;
  private nFeatures = 0;

  /** `options.nClasses`: number of classes (default data.classes.length, else max(y) + 1). */
  constructor(
    params: Params = {},
    private readonly options: { nClasses?: number } = {},
  ) {
    const p = new ParamReader('LogisticRegression', params, LOGISTIC_REGRESSION_PARAMS);
    this.C = p.number('C', 1.0, { min: 0, minExclusive: true });
    this.penalty = p.choice<'l2' | null>('penalty', 'l2', ['l2', null], { none: null });
    this.max_iter = p.number('max_iter', 100, { min: 0, integer: true });
    this.tol = p.number('tol', 1e-4, { min: 0 });
    this.fit_intercept = p.boolean('fit_intercept', true);
    this.class_weight = p.classWeight('class_weight');
    p.choice('solver', 'lbfgs', ['lbfgs']);
  }

  fit(data: Dataset, rows: Uint32Array): this {
    const n = rows.length;
    if (n === 0) throw new Error('LogisticRegression: no training rows');
    const d = data.nFeatures;
    this.nFeatures = d;
    this.nClasses = Math.max(this.options.nClasses ?? 0, classCount(data));
    const yAll = data.y;
    const count = new Float64Array(this.nClasses);
    for (let i = 0; i < n; i++) count[yAll[rows[i]]]++;
    this.classes_ = [];
    for (let k = 0; k < this.nClasses; k++) if (count[k] > 0) this.classes_.push(k);
    const K = this.classes_.length;
    if (K < 2) {
      this.coef_ = new Float64Array(0);
      this.intercept_ = new Float64Array(0);
      this.nIter = 0;
      this.converged = true;
      return this;
    }
    const local = new Int32Array(this.nClasses).fill(-1);
    this.classes_.forEach((c, j) => (local[c] = j));
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = local[yAll[rows[i]]];
    const sw = new Float64Array(n).fill(1);
    if (this.class_weight === 'balanced') {
      for (let i = 0; i < n; i++) sw[i] = n / (K * count[this.classes_[y[i]]]);
    } else if (this.class_weight !== null) {
      const w = classWeightsByLabel(this.class_weight, data, this.nClasses);
      for (let i = 0; i < n; i++) sw[i] = w[this.classes_[y[i]]];
    }
    const X = rowMajor(data, rows);
    const l2 = this.penalty === 'l2' ? 1 / this.C : 0;
    const fi = this.fit_intercept;

    if (K === 2) {
      // Parameters: w (d), then b.
      const nParams = d + 1;
      const objective = (w: Float64Array, grad: Float64Array): number => {
        grad.fill(0);
        const b = fi ? w[d] : 0;
        let loss = 0;
        let gb = 0;
        for (let i = 0; i < n; i++) {
          const off = i * d;
          let z = b;
          for (let f = 0; f < d; f++) z += w[f] * X[off + f];
          // log(1 + exp(z)) - y z, and its derivative sigmoid(z) - y
          let lse: number;
          let p: number;
          if (z > 0) {
            const e = Math.exp(-z);
            lse = z + Math.log1p(e);
            p = 1 / (1 + e);
          } else {
            const e = Math.exp(z);
            lse = Math.log1p(e);
            p = e / (1 + e);
          }
          const yi = y[i];
          loss += sw[i] * (lse - yi * z);
          const r = sw[i] * (p - yi);
          gb += r;
          for (let f = 0; f < d; f++) grad[f] += r * X[off + f];
        }
        let norm = 0;
        for (let f = 0; f < d; f++) {
          norm += w[f] * w[f];
          grad[f] += l2 * w[f];
        }
        grad[d] = fi ? gb : 0;
        return loss + 0.5 * l2 * norm;
      };
      const res = minimizeLbfgs(objective, new Float64Array(nParams), { maxIter: this.max_iter, gtol: this.tol });
      this.coef_ = res.x.slice(0, d);
      this.intercept_ = Float64Array.of(fi ? res.x[d] : 0);
      this.nIter = res.nIter;
      this.converged = res.converged;
      return this;
    }

    // Multinomial: W row-major K × d, then K intercepts.
    const nParams = K * (d + 1);
    const z = new Float64Array(K);
    const objective = (w: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let loss = 0;
      const bOff = K * d;
      for (let i = 0; i < n; i++) {
        const off = i * d;
        let zMax = -Infinity;
        for (let k = 0; k < K; k++) {
          let s = fi ? w[bOff + k] : 0;
          const wOff = k * d;
          for (let f = 0; f < d; f++) s += w[wOff + f] * X[off + f];
          z[k] = s;
          if (s > zMax) zMax = s;
        }
        const yi = y[i];
        const zy = z[yi];
        let sumExp = 0;
        for (let k = 0; k < K; k++) {
          z[k] = Math.exp(z[k] - zMax);
          sumExp += z[k];
        }
        // logsumexp(z) - z_y
        loss += sw[i] * (Math.log(sumExp) + zMax - zy);
        for (let k = 0; k < K; k++) {
          const r = sw[i] * (z[k] / sumExp - (k === yi ? 1 : 0));
          if (fi) grad[bOff + k] += r;
          const wOff = k * d;
          for (let f = 0; f < d; f++) grad[wOff + f] += r * X[off + f];
        }
      }
      let norm = 0;
      for (let j = 0; j < K * d; j++) {
        norm += w[j] * w[j];
        grad[j] += l2 * w[j];
      }
      return loss + 0.5 * l2 * norm;
    };
    const res = minimizeLbfgs(objective, new Float64Array(nParams), { maxIter: this.max_iter, gtol: this.tol });
    this.coef_ = res.x.slice(0, K * d);
    this.intercept_ = fi ? res.x.slice(K * d) : new Float64Array(K);
    this.nIter = res.nIter;
    this.converged = res.converged;
    return this;
  }

  /** Decision values: rows × 1 (binary) or rows × K (multinomial), row-major. */
  decisionFunction(data: Dataset, rows: Uint32Array): Float64Array {
    this.checkFitted(data);
    const K = this.classes_.length;
    const d = this.nFeatures;
    const m = K === 2 ? 1 : K;
    const X = rowMajor(data, rows);
    const out = new Float64Array(rows.length * m);
    for (let i = 0; i < rows.length; i++) {
      for (let k = 0; k < m; k++) {
        let s = this.intercept_[k];
        for (let f = 0; f < d; f++) s += this.coef_[k * d + f] * X[i * d + f];
        out[i * m + k] = s;
      }
    }
    return out;
  }

  predictProba(data: Dataset, rows: Uint32Array): Float64Array {
    const K = this.classes_.length;
    const C = this.nClasses;
    const out = new Float64Array(rows.length * C);
    if (K < 2) {
      this.checkFitted(data);
      for (let i = 0; i < rows.length; i++) out[i * C + this.classes_[0]] = 1;
      return out;
    }
    const dec = this.decisionFunction(data, rows);
    if (K === 2) {
      const [c0, c1] = this.classes_;
      for (let i = 0; i < rows.length; i++) {
        const p = 1 / (1 + Math.exp(-dec[i]));
        out[i * C + c0] = 1 - p;
        out[i * C + c1] = p;
      }
      return out;
    }
    for (let i = 0; i < rows.length; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, dec[i * K + k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(dec[i * K + k] - max);
      for (let k = 0; k < K; k++) out[i * C + this.classes_[k]] = Math.exp(dec[i * K + k] - max) / sum;
    }
    return out;
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    const K = this.classes_.length;
    const out = new Float64Array(rows.length);
    if (K < 2) {
      this.checkFitted(data);
      out.fill(this.classes_[0]);
      return out;
    }
    const dec = this.decisionFunction(data, rows);
    if (K === 2) {
      for (let i = 0; i < rows.length; i++) out[i] = this.classes_[dec[i] > 0 ? 1 : 0];
      return out;
    }
    for (let i = 0; i < rows.length; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (dec[i * K + k] > dec[i * K + best]) best = k;
      out[i] = this.classes_[best];
    }
    return out;
  }

  private checkFitted(data: Dataset): void {
    if (this.classes_.length === 0) throw new Error('LogisticRegression: predict before fit');
    if (data.nFeatures !== this.nFeatures) {
      throw new Error(`LogisticRegression: fitted on ${this.nFeatures} features, got ${data.nFeatures}`);
    }
  }
}
