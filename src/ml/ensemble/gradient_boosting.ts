/**
 * GradientBoostingClassifier / GradientBoostingRegressor after scikit-learn 1.2: each stage fits
 * regression trees (friedman_mse by default) to the negative gradient on a row subsample, then
 * replaces leaf values by the loss's Newton / line-search step on the in-bag rows of the leaf.
 *
 * Losses: classifier "log_loss" (binomial with one tree per stage, or multinomial with K trees per
 * stage) and "exponential" (binary); regressor "squared_error", "absolute_error", "huber",
 * "quantile". Early stopping with n_iter_no_change / validation_fraction / tol like sklearn.
 */
import { Random } from '../random';
import { TreeBuilder } from '../tree/builder';
import { featureCodes, float32X } from '../tree/codes';
import { argmaxRows, checkRows, classTargets, notFitted, regressionTargets, treeConfig } from '../tree/common';
import type { EstimatorOptions } from '../tree/decision_tree';
import { fail, ParamSpec, resolveParams, seedOf, v } from '../tree/params';
import { pruneTree } from '../tree/prune';
import { Tree } from '../tree/tree';
import { Dataset, Estimator, InvalidInputError } from '../types';

const FLOAT32_EPS = 1.1920928955078125e-7;

function gbSpec(classification: boolean): ParamSpec {
  return {
    loss: classification
      ? { default: 'log_loss', validate: v.oneOf('log_loss', 'deviance', 'exponential') }
      : { default: 'squared_error', validate: v.oneOf('squared_error', 'absolute_error', 'huber', 'quantile') },
    learning_rate: { default: 0.1, validate: v.float(0, Infinity) },
    n_estimators: { default: 100, validate: v.int(1) },
    subsample: { default: 1.0, validate: v.float(0, 1, true) },
    criterion: { default: 'friedman_mse', validate: v.oneOf('friedman_mse', 'squared_error') },
    min_samples_split: { default: 2, validate: v.minSamplesSplit() },
    min_samples_leaf: { default: 1, validate: v.minSamplesLeaf() },
    min_weight_fraction_leaf: { default: 0, validate: v.float(0, 0.5) },
    max_depth: { default: 3, validate: v.nullable(v.int(1)) },
    min_impurity_decrease: { default: 0, validate: v.float(0, Infinity) },
    random_state: { default: null, validate: v.randomState() },
    max_features: { default: null, validate: v.maxFeatures() },
    max_leaf_nodes: { default: null, validate: v.nullable(v.int(2)) },
    validation_fraction: { default: 0.1, validate: v.float(0, 1, true, true) },
    n_iter_no_change: { default: null, validate: v.nullable(v.int(1)) },
    tol: { default: 1e-4, validate: v.float(0, Infinity) },
    ccp_alpha: { default: 0, validate: v.float(0, Infinity) },
    ...(classification ? {} : { alpha: { default: 0.9, validate: v.float(0, 1, true, true) } }),
  };
}

export const GRADIENT_BOOSTING_CLASSIFIER_SPEC = gbSpec(true);
export const GRADIENT_BOOSTING_REGRESSOR_SPEC = gbSpec(false);

function expit(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** sklearn's _weighted_percentile: the first sorted value whose weight CDF reaches p% of the total. */
export function weightedPercentile(values: Float64Array, weights: Float64Array | null, n: number, percentile: number): number {
  if (n === 0) return 0;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights === null ? 1 : weights[i];
  const target = (percentile / 100) * total;
  let cum = 0;
  for (let k = 0; k < n; k++) {
    cum += weights === null ? 1 : weights[order[k]];
    if (cum >= target) return values[order[k]];
  }
  return values[order[n - 1]];
}

/** numpy.percentile with linear interpolation. */
function percentileLinear(values: Float64Array, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return 0;
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

abstract class BaseGradientBoosting implements Estimator {
  readonly params: Record<string, unknown>;
  /** estimators_[stage][k]. */
  estimators_: Tree[][] = [];
  /** Initial raw prediction per output. */
  init_: Float64Array = new Float64Array(0);
  /** Number of stages fitted (fewer than n_estimators with early stopping). */
  nEstimators_ = 0;
  /** Training loss per stage (on the in-bag rows), like sklearn's train_score_. */
  trainScore_: number[] = [];
  nFeatures = 0;
  protected nClasses_ = 0;
  protected nClassesOverride?: number;
  protected K = 1;
  abstract readonly classification: boolean;

  constructor(spec: ParamSpec, params: Record<string, unknown>) {
    this.params = resolveParams(spec, params);
  }

  fit(data: Dataset, rows: Uint32Array): this {
    checkRows(data, rows);
    if (rows.length === 0) throw new InvalidInputError('rows', 'cannot fit on zero rows');
    const p = this.params;
    const loss = p.loss as string;
    const fc = featureCodes(data);
    const N = data.nSamples;
    let yClass: Int32Array | null = null;
    let yValue: Float64Array | null = null;
    if (this.classification) {
      const t = classTargets(data);
      yClass = t.yClass;
      this.nClasses_ = this.nClassesOverride ?? t.nClasses;
      if (this.nClasses_ < 2) fail('y', 'classification needs at least 2 classes');
      if (loss === 'exponential' && this.nClasses_ !== 2) fail('loss', '"exponential" requires 2 classes');
      this.K = this.nClasses_ === 2 ? 1 : this.nClasses_;
    } else {
      yValue = regressionTargets(data);
      this.K = 1;
    }
    const K = this.K;
    const seed = seedOf(p.random_state as number | null);
    const rng = new Random(seed, 0);

    // Optional validation split for early stopping.
    let trainRows: Uint32Array = Uint32Array.from(rows);
    let valRows: Uint32Array = new Uint32Array(0);
    const nIterNoChange = p.n_iter_no_change as number | null;
    if (nIterNoChange !== null) {
      [trainRows, valRows] = this.validationSplit(rows, yClass, p.validation_fraction as number, new Random(seed, 0x7fff));
    }
    const n = trainRows.length;
    const lr = p.learning_rate as number;

    // Targets per training position.
    const yPos = new Float64Array(n);
    for (let i = 0; i < n; i++) yPos[i] = yClass !== null ? yClass[trainRows[i]] : yValue![trainRows[i]];

    // Initial raw predictions.
    const init = new Float64Array(K);
    if (this.classification) {
      const counts = new Float64Array(this.nClasses_);
      for (let i = 0; i < n; i++) counts[yPos[i]]++;
      if (K === 1) {
        const pos = Math.min(Math.max(counts[1] / n, FLOAT32_EPS), 1 - FLOAT32_EPS);
        init[0] = (loss === 'exponential' ? 0.5 : 1) * Math.log(pos / (1 - pos));
      } else {
        for (let k = 0; k < K; k++) init[k] = Math.log(Math.min(Math.max(counts[k] / n, FLOAT32_EPS), 1 - FLOAT32_EPS));
      }
    } else if (loss === 'squared_error') {
      let s = 0;
      for (let i = 0; i < n; i++) s += yPos[i];
      init[0] = s / n;
    } else if (loss === 'quantile') {
      init[0] = percentileLinear(yPos, (p.alpha as number) * 100);
    } else {
      init[0] = percentileLinear(yPos, 50);
    }
    const raw = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) raw[i * K + k] = init[k];

    const nVal = valRows.length;
    const rawVal = new Float64Array(nVal * K);
    for (let i = 0; i < nVal; i++) for (let k = 0; k < K; k++) rawVal[i * K + k] = init[k];
    const yVal = new Float64Array(nVal);
    for (let i = 0; i < nVal; i++) yVal[i] = yClass !== null ? yClass[valRows[i]] : yValue![valRows[i]];
    const lossHistory = new Float64Array(nIterNoChange ?? 0).fill(Infinity);

    const cfg = treeConfig(p, n, data.nFeatures, 0, n, false);
    const ccpAlpha = p.ccp_alpha as number;
    const builder = new TreeBuilder(fc, cfg);
    const residual = new Float64Array(N);
    const leafOf = new Int32Array(N);
    const rowPos = new Int32Array(N).fill(-1);
    for (let i = 0; i < n; i++) rowPos[trainRows[i]] = i;
    const subsample = p.subsample as number;
    const nInBag = subsample < 1 ? Math.max(1, Math.floor(subsample * n)) : n;
    const inBag = new Uint8Array(n).fill(1);
    const bagRows = new Uint32Array(n);
    const treeRows = new Uint32Array(n);
    const perm = new Uint32Array(n);
    const x32 = float32X(data);
    const oobRows = new Uint32Array(n);
    const oobLeaves = new Int32Array(n);
    const proba = new Float64Array(n * K);
    const nEstimators = p.n_estimators as number;
    const alpha = (p.alpha as number | undefined) ?? 0.9;
    const stages: Tree[][] = [];
    this.trainScore_ = [];
    const wFrac = p.min_weight_fraction_leaf as number;
    if (wFrac > 0) builder.setMinWeightLeaf(wFrac * nInBag);

    for (let stage = 0; stage < nEstimators; stage++) {
      // Row subsample (without replacement).
      let nBag = n;
      if (nInBag < n) {
        for (let i = 0; i < n; i++) perm[i] = i;
        inBag.fill(0);
        for (let i = 0; i < nInBag; i++) {
          const j = i + rng.int(n - i);
          const t = perm[i];
          perm[i] = perm[j];
          perm[j] = t;
          inBag[perm[i]] = 1;
        }
        nBag = 0;
        for (let i = 0; i < n; i++) if (inBag[i]) bagRows[nBag++] = trainRows[i];
      } else if (stage === 0) {
        bagRows.set(trainRows);
      }
      let nOob = 0;
      if (nBag < n) for (let i = 0; i < n; i++) if (!inBag[i]) oobRows[nOob++] = trainRows[i];

      // Probabilities at the start of the stage (multinomial residuals use them for all k).
      if (this.classification && K > 1) softmaxRows(raw, n, K, proba);

      // Huber: gamma from the in-bag residuals.
      let gamma = 0;
      if (loss === 'huber') {
        const absDiff = new Float64Array(nBag);
        for (let j = 0; j < nBag; j++) {
          const i = rowPos[bagRows[j]];
          absDiff[j] = Math.abs(yPos[i] - raw[i]);
        }
        gamma = weightedPercentile(absDiff, null, nBag, alpha * 100);
      }

      const trees: Tree[] = [];
      for (let k = 0; k < K; k++) {
        // Negative gradient.
        for (let i = 0; i < n; i++) {
          const r = trainRows[i];
          const y = yPos[i];
          const f = raw[i * K + k];
          let g: number;
          if (this.classification) {
            if (K > 1) g = (y === k ? 1 : 0) - proba[i * K + k];
            else if (loss === 'exponential') {
              const ys = 2 * y - 1;
              g = ys * Math.exp(-ys * f);
            } else g = y - expit(f);
          } else if (loss === 'squared_error') g = y - f;
          else if (loss === 'absolute_error') g = y - f > 0 ? 1 : -1;
          else if (loss === 'huber') {
            const d = y - f;
            g = Math.abs(d) <= gamma ? d : gamma * Math.sign(d);
          } else g = y > f ? alpha : -(1 - alpha);
          residual[r] = g;
        }
        treeRows.set(bagRows.subarray(0, nBag));
        let tree = builder.build(
          { rows: treeRows, nRows: nBag, weight: null, yClass: null, yValue: residual, leafOf },
          new Random(seed, 1 + stage * K + k),
        );
        if (ccpAlpha > 0) {
          tree = pruneTree(tree, ccpAlpha);
          const leaves = tree.apply(x32, N, bagRows.subarray(0, nBag));
          for (let j = 0; j < nBag; j++) leafOf[bagRows[j]] = leaves[j];
        }
        this.updateLeaves(tree, loss, bagRows, nBag, leafOf, rowPos, yPos, raw, K, k, residual, alpha, gamma);
        // Raw predictions: in-bag rows from their leaf, out-of-bag rows by traversal.
        const value = tree.value;
        for (let j = 0; j < nBag; j++) {
          const r = bagRows[j];
          raw[rowPos[r] * K + k] += lr * value[leafOf[r]];
        }
        if (nOob > 0) {
          tree.apply(x32, N, oobRows.subarray(0, nOob), oobLeaves);
          for (let j = 0; j < nOob; j++) raw[rowPos[oobRows[j]] * K + k] += lr * value[oobLeaves[j]];
        }
        if (nVal > 0) {
          const leaves = tree.apply(x32, N, valRows);
          for (let j = 0; j < nVal; j++) rawVal[j * K + k] += lr * value[leaves[j]];
        }
        trees.push(tree);
      }
      stages.push(trees);
      if (nIterNoChange !== null) {
        const valLoss = this.lossValue(loss, yVal, rawVal, nVal, K, alpha);
        let improved = false;
        for (let h = 0; h < lossHistory.length; h++) if (valLoss + (p.tol as number) < lossHistory[h]) improved = true;
        if (!improved) break;
        lossHistory[stage % lossHistory.length] = valLoss;
      }
    }
    this.estimators_ = stages;
    this.nEstimators_ = stages.length;
    this.init_ = init;
    this.nFeatures = data.nFeatures;
    return this;
  }

  /** Replaces the leaf values of a fitted tree by the loss's step (in-bag rows only). */
  private updateLeaves(
    tree: Tree,
    loss: string,
    bagRows: Uint32Array,
    nBag: number,
    leafOf: Int32Array,
    rowPos: Int32Array,
    yPos: Float64Array,
    raw: Float64Array,
    K: number,
    k: number,
    residual: Float64Array,
    alpha: number,
    gamma: number,
  ): void {
    if (loss === 'squared_error') return;
    const nodes = tree.nodeCount;
    const value = tree.value;
    if (this.classification) {
      const num = new Float64Array(nodes);
      const den = new Float64Array(nodes);
      for (let j = 0; j < nBag; j++) {
        const r = bagRows[j];
        const leaf = leafOf[r];
        const g = residual[r];
        const i = rowPos[r];
        if (loss === 'exponential') {
          const ys = 2 * yPos[i] - 1;
          const e = Math.exp(-ys * raw[i * K + k]);
          num[leaf] += ys * e;
          den[leaf] += e;
        } else {
          const y = K > 1 ? (yPos[i] === k ? 1 : 0) : yPos[i];
          num[leaf] += g;
          den[leaf] += (y - g) * (1 - y + g);
        }
      }
      const scale = K > 1 ? (K - 1) / K : 1;
      for (let node = 0; node < nodes; node++) {
        if (tree.feature[node] >= 0) continue;
        value[node] = Math.abs(den[node]) < 1e-150 ? 0 : (scale * num[node]) / den[node];
      }
      return;
    }
    // Regression losses with a per-leaf percentile of the residuals y - raw.
    const byLeaf: number[][] = Array.from({ length: nodes }, () => []);
    for (let j = 0; j < nBag; j++) {
      const r = bagRows[j];
      const i = rowPos[r];
      byLeaf[leafOf[r]].push(yPos[i] - raw[i]);
    }
    for (let node = 0; node < nodes; node++) {
      if (tree.feature[node] >= 0) continue;
      const diff = Float64Array.from(byLeaf[node]);
      if (diff.length === 0) {
        value[node] = 0;
        continue;
      }
      if (loss === 'absolute_error') value[node] = weightedPercentile(diff, null, diff.length, 50);
      else if (loss === 'quantile') value[node] = weightedPercentile(diff, null, diff.length, alpha * 100);
      else {
        const median = weightedPercentile(diff, null, diff.length, 50);
        let s = 0;
        for (let i = 0; i < diff.length; i++) {
          const d = diff[i] - median;
          s += Math.sign(d) * Math.min(Math.abs(d), gamma);
        }
        value[node] = median + s / diff.length;
      }
    }
  }

  private lossValue(loss: string, y: Float64Array, raw: Float64Array, n: number, K: number, alpha: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (this.classification) {
        if (K > 1) {
          let m = -Infinity;
          for (let k = 0; k < K; k++) m = Math.max(m, raw[i * K + k]);
          let z = 0;
          for (let k = 0; k < K; k++) z += Math.exp(raw[i * K + k] - m);
          s += -raw[i * K + y[i]] + m + Math.log(z);
        } else if (loss === 'exponential') {
          s += Math.exp(-(2 * y[i] - 1) * raw[i]);
        } else {
          const f = raw[i];
          const logaddexp = f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f));
          s += -2 * (y[i] * f - logaddexp);
        }
      } else {
        const d = y[i] - raw[i];
        if (loss === 'squared_error') s += d * d;
        else if (loss === 'quantile') s += d > 0 ? alpha * d : (alpha - 1) * d;
        else s += Math.abs(d);
      }
    }
    return s / Math.max(1, n);
  }

  private validationSplit(rows: Uint32Array, yClass: Int32Array | null, fraction: number, rng: Random): [Uint32Array, Uint32Array] {
    const n = rows.length;
    const nVal = Math.ceil(fraction * n);
    if (nVal < 1 || n - nVal < 1) fail('validation_fraction', `leaves no training or validation rows for ${n} rows`);
    const shuffled = rng.shuffle(Uint32Array.from(rows));
    const isVal = new Uint8Array(n);
    if (yClass !== null) {
      // Stratified: each class contributes its share of the validation rows.
      const byClass = new Map<number, number[]>();
      shuffled.forEach((r, i) => {
        const c = yClass[r];
        if (!byClass.has(c)) byClass.set(c, []);
        byClass.get(c)!.push(i);
      });
      let taken = 0;
      for (const idx of byClass.values()) {
        const k = Math.min(idx.length, Math.round((idx.length * nVal) / n));
        for (let j = 0; j < k && taken < nVal; j++, taken++) isVal[idx[j]] = 1;
      }
      for (let i = 0; i < n && taken < nVal; i++) if (!isVal[i]) {
        isVal[i] = 1;
        taken++;
      }
    } else {
      for (let i = 0; i < nVal; i++) isVal[i] = 1;
    }
    const train: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < n; i++) (isVal[i] ? val : train).push(shuffled[i]);
    return [Uint32Array.from(train.sort((a, b) => a - b)), Uint32Array.from(val.sort((a, b) => a - b))];
  }

  /** Raw predictions (rows × K). */
  protected decision(data: Dataset, rows: Uint32Array): Float64Array {
    if (this.estimators_.length === 0) notFitted(this.constructor.name);
    if (data.nFeatures !== this.nFeatures) {
      throw new InvalidInputError('X', `expected ${this.nFeatures} features, got ${data.nFeatures}`);
    }
    checkRows(data, rows);
    const K = this.K;
    const n = rows.length;
    const raw = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) raw[i * K + k] = this.init_[k];
    const x32 = float32X(data);
    const leaves = new Int32Array(n);
    const lr = this.params.learning_rate as number;
    for (const trees of this.estimators_) {
      for (let k = 0; k < K; k++) {
        const tree = trees[k];
        tree.apply(x32, data.nSamples, rows, leaves);
        const value = tree.value;
        for (let i = 0; i < n; i++) raw[i * K + k] += lr * value[leaves[i]];
      }
    }
    return raw;
  }

  abstract predict(data: Dataset, rows: Uint32Array): Float64Array;
}

function softmaxRows(raw: Float64Array, n: number, K: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, raw[i * K + k]);
    let z = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(raw[i * K + k] - m);
      out[i * K + k] = e;
      z += e;
    }
    for (let k = 0; k < K; k++) out[i * K + k] /= z;
  }
}

export class GradientBoostingClassifier extends BaseGradientBoosting {
  readonly classification = true;

  constructor(params: Record<string, unknown> = {}, options: EstimatorOptions = {}) {
    super(GRADIENT_BOOSTING_CLASSIFIER_SPEC, params);
    this.nClassesOverride = options.nClasses;
  }

  get nClasses(): number {
    return this.nClasses_;
  }

  decisionFunction(data: Dataset, rows: Uint32Array): Float64Array {
    return this.decision(data, rows);
  }

  predictProba(data: Dataset, rows: Uint32Array): Float64Array {
    const raw = this.decision(data, rows);
    const n = rows.length;
    if (this.K > 1) {
      const out = new Float64Array(n * this.K);
      softmaxRows(raw, n, this.K, out);
      return out;
    }
    const scale = this.params.loss === 'exponential' ? 2 : 1;
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const p1 = expit(scale * raw[i]);
      out[2 * i] = 1 - p1;
      out[2 * i + 1] = p1;
    }
    return out;
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return argmaxRows(this.predictProba(data, rows), rows.length, this.nClasses_);
  }
}

export class GradientBoostingRegressor extends BaseGradientBoosting {
  readonly classification = false;

  constructor(params: Record<string, unknown> = {}) {
    super(GRADIENT_BOOSTING_REGRESSOR_SPEC, params);
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return this.decision(data, rows);
  }
}
