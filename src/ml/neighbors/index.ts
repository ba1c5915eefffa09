/**
 * scikit-learn's KNeighborsClassifier and KNeighborsRegressor over typed arrays.
 *
 * Parameters: n_neighbors=5 (integer >= 1), weights='uniform' | 'distance', p=2 (Minkowski power,
 * >= 1: 1 Manhattan, 2 Euclidean, any other real a general Minkowski distance), metric='minkowski'
 * | 'euclidean' | 'manhattan' | 'chebyshev' (p only applies to 'minkowski').
 *
 * Distances are computed exactly (no ||x||² - 2x·y + ||y||² shortcut); among neighbours at exactly
 * the same distance the training row that comes first wins. The search (search.ts) follows
 * scikit-learn's algorithm='auto': a KD-tree, or brute force when there are more than 15
 * features, when n_neighbors >= n_train // 2, for a general Minkowski p, or when a probe shows the
 * tree would scan most points anyway; both give exactly the same neighbours and distances. With
 * weights='distance', a query that coincides with training points is predicted from those points
 * only (sklearn's convention).
 * Classifier: the class with the largest (weighted) vote, the smallest class index on ties;
 * predictProba gives the normalised votes.
 */
import { ParamReader } from '../linear/params';
import { Dataset, Estimator, InvalidInputError, Params } from '../types';
import { bruteForceNeighbours, Distance, KDTree } from './search';

export const KNEIGHBORS_PARAMS = ['n_neighbors', 'weights', 'p', 'metric'] as const;

type Metric = 'minkowski' | 'euclidean' | 'manhattan' | 'chebyshev';
/** scikit-learn's `algorithm` (not a user parameter here: every choice gives the same neighbours). */
export type NeighborsAlgorithm = 'auto' | 'kd_tree' | 'brute';
/** scikit-learn's algorithm='auto' uses brute force above this many features. */
const KD_TREE_MAX_FEATURES = 15;
/**
 * 'auto' keeps the KD-tree only if a query scans less than this fraction of the training points:
 * scanning a point through the tree costs about four times as much as by brute force (measured
 * with bench/knn.ts).
 */
const KD_TREE_MAX_SCAN_FRACTION = 0.25;

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
  protected readonly distance: Distance;
  protected Xtr: Float64Array = new Float64Array(0);
  protected ytr: Float64Array = new Float64Array(0);
  protected nTrain = 0;
  protected nFeatures = 0;
  /** Built by fit when the algorithm is a KD-tree. */
  private tree: KDTree | null = null;

  constructor(
    name: string,
    params: Params | undefined,
    private readonly algorithm: NeighborsAlgorithm,
  ) {
    const r = new ParamReader(name, params, KNEIGHBORS_PARAMS);
    this.n_neighbors = r.number('n_neighbors', 5, { min: 1, integer: true });
    this.weights = r.choice<'uniform' | 'distance'>('weights', 'uniform', ['uniform', 'distance']);
    this.p = r.number('p', 2, { min: 1 });
    this.metric = r.choice<Metric>('metric', 'minkowski', ['minkowski', 'euclidean', 'manhattan', 'chebyshev']);
    const kind =
      this.metric === 'euclidean' ? 'l2'
      : this.metric === 'manhattan' ? 'l1'
      : this.metric === 'chebyshev' ? 'linf'
      : this.p === 2 ? 'l2'
      : this.p === 1 ? 'l1'
      : 'lp';
    this.distance = { kind, p: this.p };
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
    this.tree = this.chooseTree();
    return this;
  }

  /**
   * The KD-tree (p = 1, 2 or ∞ only), or null for brute force. 'auto' is scikit-learn's rule (brute
   * force above 15 features or when n_neighbors >= n_train // 2), and then brute force too when
   * the tree would scan most points anyway.
   */
  private chooseTree(): KDTree | null {
    const { kind, p } = this.distance;
    if (kind === 'lp' || this.algorithm === 'brute') return null;
    const k = this.n_neighbors;
    if (this.algorithm === 'auto' && (this.nFeatures > KD_TREE_MAX_FEATURES || k >= Math.floor(this.nTrain / 2))) return null;
    const tree = new KDTree(this.Xtr, this.nTrain, this.nFeatures, { kind, p });
    return this.algorithm === 'kd_tree' || tree.scanFraction(k) < KD_TREE_MAX_SCAN_FRACTION ? tree : null;
  }

  /** The n_neighbors nearest training rows of each query row, nearest first. */
  kneighbors(data: Dataset, rows: Uint32Array): Neighbors {
    if (this.nTrain === 0) throw new Error('KNeighbors: predict before fit');
    if (data.nFeatures !== this.nFeatures) throw new Error(`KNeighbors: fitted on ${this.nFeatures} features, got ${data.nFeatures}`);
    const k = this.n_neighbors;
    const queries = gather(data, rows);
    const { distances, indices } = this.tree
      ? this.tree.query(queries, rows.length, k)
      : bruteForceNeighbours(this.Xtr, this.nTrain, this.nFeatures, queries, rows.length, k, this.distance);
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

  /**
   * `options.nClasses`: number of classes (default data.classes.length, else max(y) + 1);
   * `options.algorithm`: the neighbour search (default 'auto').
   */
  constructor(
    params: Params = {},
    private readonly options: { nClasses?: number; algorithm?: NeighborsAlgorithm } = {},
  ) {
    super('KNeighborsClassifier', params, options.algorithm ?? 'auto');
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

  constructor(params: Params = {}, options: { algorithm?: NeighborsAlgorithm } = {}) {
    super('KNeighborsRegressor', params, options.algorithm ?? 'auto');
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
