/**
 * scikit-learn's KNeighborsClassifier and KNeighborsRegressor, by brute force over typed arrays.
 *
 * Parameters: n_neighbors=5 (integer >= 1), weights='uniform' | 'distance', p=2 (Minkowski power,
 * >= 1: 1 Manhattan, 2 Euclidean, any other real a general Minkowski distance), metric='minkowski'
 * | 'euclidean' | 'manhattan' | 'chebyshev' (p only applies to 'minkowski').
 *
 * Distances are computed exactly (no ||x||² - 2x·y + ||y||² shortcut); among neighbours at exactly
 * the same distance the training row that comes first wins. With weights='distance', a query that
 * coincides with training points is predicted from those points only (sklearn's convention).
 * Classifier: the class with the largest (weighted) vote, the smallest class index on ties;
 * predictProba gives the normalised votes.
 */
import { ParamReader } from '../linear/params';
import { Dataset, Estimator, InvalidInputError, Params } from '../types';

export const KNEIGHBORS_PARAMS = ['n_neighbors', 'weights', 'p', 'metric'] as const;

type Metric = 'minkowski' | 'euclidean' | 'manhattan' | 'chebyshev';
/** Internal distance kinds: squared-Euclidean, Manhattan, Chebyshev, general Minkowski. */
type Kind = 'l2' | 'l1' | 'linf' | 'lp';

/** Row-major copy of the given rows. */
function gather(data: Dataset, rows: Uint32Array): Float64Array {
  const n = rows.length;
  const d = data.nFeatures;
  const N = data.nSamples;
  const out = new Float64Array(n * d);
  for (let f = 0; f < d; f++) {
    const off = f * N;
    for (let i = 0; i < n; i++) out[i * d + f] = data.X[off + rows[i]];
  }
  return out;
}

export interface Neighbors {
  /** rows × k distances, ascending per row. */
  distances: Float64Array;
  /** rows × k positions in the training rows (0..nTrain-1). */
  indices: Uint32Array;
  k: number;
}

abstract class KNeighborsBase implements Estimator {
  readonly n_neighbors: number;
  readonly weights: 'uniform' | 'distance';
  readonly p: number;
  readonly metric: Metric;
  protected readonly kind: Kind;
  protected Xtr: Float64Array = new Float64Array(0);
  protected ytr: Float64Array = new Float64Array(0);
  protected nTrain = 0;
  protected nFeatures = 0;

  constructor(name: string, params: Params | undefined) {
    const r = new ParamReader(name, params, KNEIGHBORS_PARAMS);
    this.n_neighbors = r.number('n_neighbors', 5, { min: 1, integer: true });
    this.weights = r.choice<'uniform' | 'distance'>('weights', 'uniform', ['uniform', 'distance']);
    this.p = r.number('p', 2, { min: 1 });
    this.metric = r.choice<Metric>('metric', 'minkowski', ['minkowski', 'euclidean', 'manhattan', 'chebyshev']);
    if (this.metric === 'euclidean') this.kind = 'l2';
    else if (this.metric === 'manhattan') this.kind = 'l1';
    else if (this.metric === 'chebyshev') this.kind = 'linf';
    else this.kind = this.p === 2 ? 'l2' : this.p === 1 ? 'l1' : 'lp';
  }

  fit(data: Dataset, rows: Uint32Array): this {
    if (rows.length < this.n_neighbors) {
      throw new InvalidInputError('n_neighbors', `n_neighbors=${this.n_neighbors} is greater than the number of training samples (${rows.length})`);
    }
    this.nTrain = rows.length;
    this.nFeatures = data.nFeatures;
    this.Xtr = gather(data, rows);
    this.ytr = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) this.ytr[i] = data.y[rows[i]];
    return this;
  }

  /** The n_neighbors nearest training rows of each query row, nearest first. */
  kneighbors(data: Dataset, rows: Uint32Array): Neighbors {
    if (this.nTrain === 0) throw new Error('KNeighbors: predict before fit');
    if (data.nFeatures !== this.nFeatures) throw new Error(`KNeighbors: fitted on ${this.nFeatures} features, got ${data.nFeatures}`);
    const k = this.n_neighbors;
    const d = this.nFeatures;
    const m = this.nTrain;
    const T = this.Xtr;
    const Q = gather(data, rows);
    const kind = this.kind;
    const p = this.p;
    const distances = new Float64Array(rows.length * k);
    const indices = new Uint32Array(rows.length * k);
    const bestD = new Float64Array(k);
    const bestI = new Uint32Array(k);
    const query = new Float64Array(d);
    for (let q = 0; q < rows.length; q++) {
      for (let f = 0; f < d; f++) query[f] = Q[q * d + f];
      let count = 0;
      let worst = Infinity; // reduced distance of the k-th neighbour once k are known
      for (let j = 0, to = 0; j < m; j++, to += d) {
        // Reduced distance, accumulated feature by feature in order; abandoned once above `worst`.
        let s = 0;
        let f = 0;
        if (kind === 'l2') {
          for (; f + 4 <= d && s <= worst; f += 4) {
            const t0 = query[f] - T[to + f];
            const t1 = query[f + 1] - T[to + f + 1];
            const t2 = query[f + 2] - T[to + f + 2];
            const t3 = query[f + 3] - T[to + f + 3];
            s += t0 * t0;
            s += t1 * t1;
            s += t2 * t2;
            s += t3 * t3;
          }
          for (; f < d && s <= worst; f++) {
            const t = query[f] - T[to + f];
            s += t * t;
          }
        } else if (kind === 'l1') {
          for (; f < d && s <= worst; f++) s += Math.abs(query[f] - T[to + f]);
        } else if (kind === 'linf') {
          for (; f < d && s <= worst; f++) {
            const t = Math.abs(query[f] - T[to + f]);
            if (t > s) s = t;
          }
        } else {
          for (; f < d && s <= worst; f++) s += Math.abs(query[f] - T[to + f]) ** p;
        }
        if (count === k && !(s < worst)) continue;
        // Insert after any equal distances, so earlier training rows win ties.
        let pos = count < k ? count : k - 1;
        while (pos > 0 && bestD[pos - 1] > s) {
          bestD[pos] = bestD[pos - 1];
          bestI[pos] = bestI[pos - 1];
          pos--;
        }
        bestD[pos] = s;
        bestI[pos] = j;
        if (count < k) count++;
        if (count === k) worst = bestD[k - 1];
      }
      for (let t = 0; t < k; t++) {
        const r = bestD[t];
        distances[q * k + t] = kind === 'l2' ? Math.sqrt(r) : kind === 'lp' ? r ** (1 / p) : r;
        indices[q * k + t] = bestI[t];
      }
    }
    return { distances, indices, k };
  }

  /** Weights of the k neighbours of query q into `w`; returns their sum. */
  protected neighbourWeights(nb: Neighbors, q: number, w: Float64Array): number {
    const k = nb.k;
    if (this.weights === 'uniform') {
      w.fill(1);
      return k;
    }
    let zero = false;
    for (let t = 0; t < k; t++) if (nb.distances[q * k + t] === 0) zero = true;
    let sum = 0;
    for (let t = 0; t < k; t++) {
      const dist = nb.distances[q * k + t];
      w[t] = zero ? (dist === 0 ? 1 : 0) : 1 / dist;
      sum += w[t];
    }
    return sum;
  }

  abstract predict(data: Dataset, rows: Uint32Array): Float64Array;
}

export class KNeighborsClassifier extends KNeighborsBase {
  static readonly PARAM_NAMES: readonly string[] = KNEIGHBORS_PARAMS;
  nClasses = 0;

  /** `options.nClasses`: number of classes (default data.classes.length, else max(y) + 1). */
  constructor(
    params: Params = {},
    private readonly options: { nClasses?: number } = {},
  ) {
    super('KNeighborsClassifier', params);
  }

  override fit(data: Dataset, rows: Uint32Array): this {
    super.fit(data, rows);
    let k = Math.max(this.options.nClasses ?? 0, data.classes ? data.classes.length : 0);
    for (let i = 0; i < this.ytr.length; i++) k = Math.max(k, this.ytr[i] + 1);
    this.nClasses = k;
    return this;
  }

  predictProba(data: Dataset, rows: Uint32Array): Float64Array {
    const nb = this.kneighbors(data, rows);
    const C = this.nClasses;
    const k = nb.k;
    const out = new Float64Array(rows.length * C);
    const w = new Float64Array(k);
    for (let q = 0; q < rows.length; q++) {
      const sum = this.neighbourWeights(nb, q, w);
      for (let t = 0; t < k; t++) out[q * C + this.ytr[nb.indices[q * k + t]]] += w[t];
      for (let c = 0; c < C; c++) out[q * C + c] /= sum;
    }
    return out;
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    const nb = this.kneighbors(data, rows);
    const C = this.nClasses;
    const k = nb.k;
    const out = new Float64Array(rows.length);
    const votes = new Float64Array(C);
    const w = new Float64Array(k);
    for (let q = 0; q < rows.length; q++) {
      this.neighbourWeights(nb, q, w);
      votes.fill(0);
      for (let t = 0; t < k; t++) votes[this.ytr[nb.indices[q * k + t]]] += w[t];
      let best = 0;
      for (let c = 1; c < C; c++) if (votes[c] > votes[best]) best = c;
      out[q] = best;
    }
    return out;
  }
}

export class KNeighborsRegressor extends KNeighborsBase {
  static readonly PARAM_NAMES: readonly string[] = KNEIGHBORS_PARAMS;

  constructor(params: Params = {}) {
    super('KNeighborsRegressor', params);
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    const nb = this.kneighbors(data, rows);
    const k = nb.k;
    const out = new Float64Array(rows.length);
    const w = new Float64Array(k);
    for (let q = 0; q < rows.length; q++) {
      const sum = this.neighbourWeights(nb, q, w);
      let s = 0;
      for (let t = 0; t < k; t++) s += this.ytr[nb.indices[q * k + t]] * w[t];
      out[q] = s / sum;
    }
    return out;
  }
}
