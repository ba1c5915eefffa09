/**
 * Hyperparameter importance as Optuna's default FanovaImportanceEvaluator computes it: a random
 * forest (64 trees, max_depth 64) is fitted on the completed trials' parameters → scores, and each
 * tree's prediction variance over the search-space box is split into the share explained by each
 * parameter alone (fANOVA, Hutter et al. 2014). A parameter's importance is the mean share over the
 * trees that vary, and the importances are normalised to sum to 1.
 *
 * Encoding as Optuna's (transform_log=False, transform_step=False): int and float parameters are
 * one column bounded by [low, high]; categorical ones (and grid lists) are one-hot, one column in
 * [0, 1] per choice. A categorical with more than MAX_ONE_HOT_CHOICES choices is ordinal-encoded
 * (choice index in [-0.5, k - 0.5]) instead: the one-hot grid has 2^k cells.
 */
import { RandomForestRegressor } from './ensemble';
import type { SearchSpace } from './search';
import type { Tree } from './tree/tree';
import type { Dataset, Params, ParamValue } from './types';

export const MAX_ONE_HOT_CHOICES = 10;

export interface ImportanceOptions {
  n_estimators?: number;
  max_depth?: number;
  random_state?: number;
}

/** A completed trial: its parameters and its score. */
export interface ScoredTrial {
  params: Params;
  value: number;
}

/** One parameter's columns in the encoded matrix. */
interface EncodedParam {
  name: string;
  columns: number[];
  encode(value: ParamValue, row: number[]): void;
}

/** Columns of the encoded search space: each parameter's encoder and every column's [low, high]. */
interface Encoding {
  params: EncodedParam[];
  low: number[];
  high: number[];
}

const choiceKey = (value: ParamValue) => JSON.stringify(value);

function encodingOf(space: SearchSpace, trials: readonly ScoredTrial[]): Encoding {
  const low: number[] = [];
  const high: number[] = [];
  const params: EncodedParam[] = [];
  const addColumn = (lo: number, hi: number) => (low.push(lo), high.push(hi), low.length - 1);
  for (const [name, dist] of Object.entries(space)) {
    if (dist.type === 'categorical') {
      // The choices, and any recorded value outside them (a warm start from another space).
      const keys = [...new Set([...dist.choices, ...trials.map((t) => t.params[name])].map(choiceKey))];
      const index = new Map(keys.map((key, i) => [key, i]));
      if (keys.length < 2) continue;
      if (keys.length > MAX_ONE_HOT_CHOICES) {
        const column = addColumn(-0.5, keys.length - 0.5);
        params.push({ name, columns: [column], encode: (value, row) => void (row[column] = index.get(choiceKey(value))!) });
      } else {
        const columns = keys.map(() => addColumn(0, 1));
        params.push({
          name,
          columns,
          encode: (value, row) => {
            const hot = index.get(choiceKey(value));
            columns.forEach((column, i) => (row[column] = Number(i === hot)));
          },
        });
      }
    } else {
      // Bounds also cover recorded values outside them (a warm start from a wider space).
      const values = trials.map((t) => Number(t.params[name]));
      const lo = Math.min(dist.low, ...values);
      const hi = Math.max(dist.high, ...values);
      if (!(hi > lo)) continue;
      const column = addColumn(lo, hi);
      params.push({ name, columns: [column], encode: (value, row) => void (row[column] = Number(value)) });
    }
  }
  return { params, low, high };
}

/**
 * A fitted tree seen as boxes: every leaf's value and its [low, high] on each column, the
 * search-space box cut by the splits on the way to it.
 */
class TreeBoxes {
  readonly leafValue: number[] = [];
  readonly leafLow: Float64Array[] = [];
  readonly leafHigh: Float64Array[] = [];
  /** Sorted distinct split thresholds of each column. */
  readonly splits: number[][];

  constructor(tree: Tree, low: readonly number[], high: readonly number[]) {
    const thresholds = low.map(() => new Set<number>());
    const stack: { node: number; lo: Float64Array; hi: Float64Array }[] = [{ node: 0, lo: Float64Array.from(low), hi: Float64Array.from(high) }];
    while (stack.length > 0) {
      const { node, lo, hi } = stack.pop()!;
      const feature = tree.feature[node];
      if (feature < 0) {
        this.leafValue.push(tree.value[node * tree.stride]);
        this.leafLow.push(lo);
        this.leafHigh.push(hi);
        continue;
      }
      const threshold = tree.threshold[node];
      thresholds[feature].add(threshold);
      const leftHi = hi.slice();
      leftHi[feature] = Math.min(hi[feature], threshold);
      const rightLo = lo.slice();
      rightLo[feature] = Math.max(lo[feature], threshold);
      stack.push({ node: tree.left[node], lo, hi: leftHi }, { node: tree.right[node], lo: rightLo, hi });
    }
    this.splits = thresholds.map((set) => [...set].sort((a, b) => a - b));
  }

  private volumeOutside(leaf: number, columns: ReadonlySet<number>): number {
    let volume = 1;
    const lo = this.leafLow[leaf];
    const hi = this.leafHigh[leaf];
    for (let c = 0; c < lo.length; c++) if (!columns.has(c)) volume *= hi[c] - lo[c];
    return volume;
  }

  /** Variance of the tree's prediction over the search-space box (uniform measure). */
  variance(): number {
    const weights = this.leafValue.map((_, leaf) => this.volumeOutside(leaf, new Set()));
    return weightedVariance(this.leafValue, weights);
  }

  /**
   * Variance of the marginal prediction over `columns` (the others averaged out). The marginal is
   * constant on the grid the tree's splits cut on those columns, so it is computed per grid cell
   * at once for all leaves: each leaf adds value × (volume outside the columns) to the cells of
   * its box, through a k-dimensional difference array and a prefix sum.
   */
  marginalVariance(columns: readonly number[], low: readonly number[], high: readonly number[]): number {
    const k = columns.length;
    const edges = columns.map((c) => [low[c], ...this.splits[c].filter((s) => s > low[c] && s < high[c]), high[c]]);
    const sizes = edges.map((e) => e.length - 1);
    const strides = stridesOf(sizes);
    const cells = strides[k];
    // One extra slot per dimension so a box's upper corner can be marked.
    const padded = sizes.map((s) => s + 1);
    const paddedStrides = stridesOf(padded);
    const paddedCells = paddedStrides[k];
    const sumValue = new Float64Array(paddedCells);
    const sumWeight = new Float64Array(paddedCells);
    const columnSet = new Set(columns);
    for (let leaf = 0; leaf < this.leafValue.length; leaf++) {
      const weight = this.volumeOutside(leaf, columnSet);
      if (weight === 0) continue;
      const from = columns.map((c, d) => edgeIndex(edges[d], this.leafLow[leaf][c]));
      const to = columns.map((c, d) => edgeIndex(edges[d], this.leafHigh[leaf][c]));
      for (let corner = 0; corner < 1 << k; corner++) {
        let index = 0;
        let sign = 1;
        for (let d = 0; d < k; d++) {
          if (corner & (1 << d)) {
            index += to[d] * paddedStrides[d];
            sign = -sign;
          } else {
            index += from[d] * paddedStrides[d];
          }
        }
        sumValue[index] += sign * weight * this.leafValue[leaf];
        sumWeight[index] += sign * weight;
      }
    }
    for (let d = 0; d < k; d++) {
      for (let i = 0; i < paddedCells; i++) {
        if (Math.floor(i / paddedStrides[d]) % padded[d] === 0) continue;
        sumValue[i] += sumValue[i - paddedStrides[d]];
        sumWeight[i] += sumWeight[i - paddedStrides[d]];
      }
    }
    const values: number[] = [];
    const weights: number[] = [];
    for (let cell = 0; cell < cells; cell++) {
      let index = 0;
      let size = 1;
      for (let d = 0; d < k; d++) {
        const i = Math.floor(cell / strides[d]) % sizes[d];
        index += i * paddedStrides[d];
        size *= edges[d][i + 1] - edges[d][i];
      }
      if (sumWeight[index] <= 0) continue;
      values.push(sumValue[index] / sumWeight[index]);
      weights.push(size);
    }
    return weightedVariance(values, weights);
  }
}

/** Row-major strides of a grid of `sizes`, then its number of cells. */
function stridesOf(sizes: readonly number[]): number[] {
  const strides = [1];
  for (const size of sizes) strides.push(strides[strides.length - 1] * size);
  return strides;
}

/** Index of `value` among the sorted `edges` (a leaf's bound is always one of them). */
function edgeIndex(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function weightedVariance(values: readonly number[], weights: readonly number[]): number {
  let total = 0;
  let mean = 0;
  for (let i = 0; i < values.length; i++) {
    total += weights[i];
    mean += weights[i] * values[i];
  }
  if (total <= 0) return 0;
  mean /= total;
  let variance = 0;
  for (let i = 0; i < values.length; i++) variance += weights[i] * (values[i] - mean) ** 2;
  return Math.max(0, variance / total);
}

/** Each column set's mean share of the tree variance, over the trees whose prediction varies. */
export function fanovaShares(trees: readonly Tree[], low: readonly number[], high: readonly number[], columnSets: readonly number[][]): number[] {
  const shares = columnSets.map(() => 0);
  let varyingTrees = 0;
  for (const tree of trees) {
    const boxes = new TreeBoxes(tree, low, high);
    const variance = boxes.variance();
    if (!(variance > 0)) continue;
    varyingTrees++;
    columnSets.forEach((columns, i) => (shares[i] += boxes.marginalVariance(columns, low, high) / variance));
  }
  return shares.map((share) => (varyingTrees === 0 ? 0 : share / varyingTrees));
}

/**
 * fANOVA importance of each parameter of `space` that varies and that every trial sets, most
 * important first. Importances sum to 1; all are 0 when the scores do not vary.
 * Needs at least two trials (as Optuna).
 */
export function fanovaImportances(space: SearchSpace, trials: readonly ScoredTrial[], options: ImportanceOptions = {}): Record<string, number> {
  if (trials.length < 2) throw new Error(`parameter importance needs at least 2 completed trials, got ${trials.length}`);
  const present = Object.fromEntries(Object.entries(space).filter(([name]) => trials.every((t) => name in t.params)));
  const encoding = encodingOf(present, trials);
  const nColumns = encoding.low.length;
  if (nColumns === 0) return {};
  const nSamples = trials.length;
  const X = new Float64Array(nSamples * nColumns);
  const row: number[] = new Array(nColumns);
  trials.forEach((trial, i) => {
    for (const param of encoding.params) param.encode(trial.params[param.name], row);
    for (let c = 0; c < nColumns; c++) X[c * nSamples + i] = row[c];
  });
  const data: Dataset = {
    nSamples,
    nFeatures: nColumns,
    featureNames: encoding.low.map((_, c) => `x${c}`),
    X,
    y: Float64Array.from(trials, (t) => t.value),
    task: 'regression',
  };
  const forest = new RandomForestRegressor({
    n_estimators: options.n_estimators ?? 64,
    max_depth: options.max_depth ?? 64,
    min_samples_split: 2,
    min_samples_leaf: 1,
    random_state: options.random_state ?? 0,
  }).fit(data, Uint32Array.from({ length: nSamples }, (_, i) => i));
  const shares = fanovaShares(forest.estimators_, encoding.low, encoding.high, encoding.params.map((p) => p.columns));
  const total = shares.reduce((a, b) => a + b, 0);
  const importances = encoding.params.map((p, i) => [p.name, total > 0 ? shares[i] / total : 0] as const);
  return Object.fromEntries(importances.sort((a, b) => b[1] - a[1]));
}

/** The search space a tuning run sampled from: its distributions, or its grid's lists as categoricals. */
export function tuningSearchSpace(config: { param_distributions?: SearchSpace; param_grid?: Record<string, ParamValue[]> }): SearchSpace {
  if (config.param_distributions) return config.param_distributions;
  return Object.fromEntries(Object.entries(config.param_grid ?? {}).map(([name, choices]) => [name, { type: 'categorical', choices }]));
}
