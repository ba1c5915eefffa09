/**
 * Helpers shared by the tree and ensemble estimators: targets as typed arrays (cached per data
 * set), class weights, resolved tree configuration, prediction plumbing.
 */
import { Dataset, InvalidInputError } from '../types';
import { Criterion, TreeConfig } from './builder';
import {
  ClassWeight,
  CountOrFraction,
  MaxFeatures,
  ParamSpec,
  resolveCount,
  resolveMaxFeatures,
  v,
} from './params';

const classCache = new WeakMap<Dataset, { yClass: Int32Array; nClasses: number }>();

/** Class index per row as Int32Array, and the number of classes of the data set. */
export function classTargets(data: Dataset): { yClass: Int32Array; nClasses: number } {
  let t = classCache.get(data);
  if (t === undefined) {
    const n = data.nSamples;
    const yClass = new Int32Array(n);
    let max = -1;
    for (let i = 0; i < n; i++) {
      const y = data.y[i];
      if (!Number.isInteger(y) || y < 0) {
        throw new InvalidInputError('y', `classification targets must be class indices >= 0, row ${i} has ${y}`);
      }
      yClass[i] = y;
      if (y > max) max = y;
    }
    const nClasses = Math.max(data.classes?.length ?? 0, max + 1);
    t = { yClass, nClasses };
    classCache.set(data, t);
  }
  return t;
}

/** Regression targets; rejects NaN / infinite values once per data set. */
export function regressionTargets(data: Dataset): Float64Array {
  if (!checkedTargets.has(data)) {
    for (let i = 0; i < data.nSamples; i++) {
      if (!Number.isFinite(data.y[i])) throw new InvalidInputError('y', `row ${i} has a missing or infinite target`);
    }
    checkedTargets.add(data);
  }
  return data.y;
}
const checkedTargets = new WeakSet<Dataset>();

export function checkRows(data: Dataset, rows: Uint32Array): void {
  if (!(rows instanceof Uint32Array)) throw new InvalidInputError('rows', 'expected a Uint32Array of row indices');
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] >= data.nSamples) throw new InvalidInputError('rows', `row ${rows[i]} is out of range (${data.nSamples} rows)`);
  }
}

/**
 * Per-class weights for the rows (scikit-learn's compute_class_weight): "balanced" gives
 * n / (n_present_classes · count_c) using the (weighted) counts of `rows`; an object maps class
 * labels (data.classes) or class indices to weights, missing classes weigh 1. Null when all 1.
 */
export function classWeightVector(
  cw: ClassWeight,
  data: Dataset,
  yClass: Int32Array,
  nClasses: number,
  rows: Uint32Array,
  nRows: number,
  rowCounts: Float64Array | null = null,
): Float64Array | null {
  if (cw === null) return null;
  const weights = new Float64Array(nClasses).fill(1);
  if (typeof cw === 'string') {
    const counts = new Float64Array(nClasses);
    let total = 0;
    for (let i = 0; i < nRows; i++) {
      const r = rows[i];
      const c = rowCounts === null ? 1 : rowCounts[r];
      counts[yClass[r]] += c;
      total += c;
    }
    let present = 0;
    for (let c = 0; c < nClasses; c++) if (counts[c] > 0) present++;
    for (let c = 0; c < nClasses; c++) weights[c] = counts[c] > 0 ? total / (present * counts[c]) : 1;
    return weights;
  }
  return classWeightsByLabel(cw, data, nClasses);
}

/** Per-class weights from {label: weight}: data.classes labels or class indices; others weigh 1. */
export function classWeightsByLabel(cw: Record<string, number>, data: Dataset, nClasses: number): Float64Array {
  const weights = new Float64Array(nClasses).fill(1);
  for (const [label, w] of Object.entries(cw)) {
    let c = data.classes ? data.classes.indexOf(label) : -1;
    if (c < 0 && /^\d+$/.test(label) && Number(label) < nClasses) c = Number(label);
    if (c < 0) throw new InvalidInputError('class_weight', `class "${label}" is not a class of the data set`);
    weights[c] = w;
  }
  return weights;
}

/** Parameters shared by decision trees and forests (scikit-learn names and defaults). */
export function treeParamSpec(classification: boolean): ParamSpec {
  const spec: ParamSpec = {
    criterion: classification
      ? { default: 'gini', validate: v.oneOf('gini', 'entropy', 'log_loss') }
      : { default: 'squared_error', validate: v.oneOf('squared_error', 'friedman_mse', 'absolute_error') },
    max_depth: { default: null, validate: v.nullable(v.int(1)) },
    min_samples_split: { default: 2, validate: v.minSamplesSplit() },
    min_samples_leaf: { default: 1, validate: v.minSamplesLeaf() },
    min_weight_fraction_leaf: { default: 0, validate: v.float(0, 0.5) },
    max_features: { default: null, validate: v.maxFeatures() },
    max_leaf_nodes: { default: null, validate: v.nullable(v.int(2)) },
    min_impurity_decrease: { default: 0, validate: v.float(0, Infinity) },
    random_state: { default: null, validate: v.randomState() },
    ccp_alpha: { default: 0, validate: v.float(0, Infinity) },
  };
  if (classification) spec.class_weight = { default: null, validate: v.classWeight() };
  return spec;
}

/** The builder configuration for resolved tree parameters on a fit of nRows rows. */
export function treeConfig(
  p: Record<string, unknown>,
  nRows: number,
  nFeatures: number,
  nClasses: number,
  totalWeight: number,
  randomSplits: boolean,
): TreeConfig {
  const criterion = p.criterion as string;
  const minSamplesLeaf = resolveCount(p.min_samples_leaf as CountOrFraction, nRows);
  const minSplit = Math.max(2, resolveCount(p.min_samples_split as CountOrFraction, nRows));
  return {
    criterion: (criterion === 'log_loss' ? 'entropy' : criterion) as Criterion,
    nClasses,
    randomSplits,
    maxDepth: p.max_depth === null ? Infinity : (p.max_depth as number),
    minSamplesSplit: Math.max(minSplit, 2 * minSamplesLeaf),
    minSamplesLeaf,
    minWeightLeaf: (p.min_weight_fraction_leaf as number) * totalWeight,
    minImpurityDecrease: p.min_impurity_decrease as number,
    maxFeatures: resolveMaxFeatures(p.max_features as MaxFeatures, nFeatures),
    maxLeafNodes: p.max_leaf_nodes === null ? Infinity : (p.max_leaf_nodes as number),
  };
}

/** Index of the largest value of each row (first on ties, like numpy's argmax). */
export function argmaxRows(proba: Float64Array, nRows: number, k: number): Float64Array {
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let best = 0;
    let bestV = proba[i * k];
    for (let c = 1; c < k; c++) {
      const val = proba[i * k + c];
      if (val > bestV) {
        bestV = val;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

export function notFitted(name: string): never {
  throw new InvalidInputError('estimator', `${name} is not fitted: call fit first`);
}
