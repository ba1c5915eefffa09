/**
 * RandomForest* and ExtraTrees* (scikit-learn semantics): each tree is grown on a bootstrap sample
 * given as per-row weights = draw counts (so min_samples_leaf counts distinct rows, like sklearn);
 * classifiers average the trees' normalised leaf distributions, regressors their leaf values.
 * Tree t draws from `new Random(seed, t + 1)`, so a forest does not depend on evaluation order.
 */
import { Random } from '../random';
import { TreeBuilder } from '../tree/builder';
import { featureCodes, float32X } from '../tree/codes';
import {
  argmaxRows,
  checkRows,
  classTargets,
  classWeightVector,
  notFitted,
  regressionTargets,
  treeConfig,
  treeParamSpec,
} from '../tree/common';
import type { EstimatorOptions } from '../tree/decision_tree';
import { ClassWeight, CountOrFraction, fail, ParamSpec, resolveParams, seedOf, v } from '../tree/params';
import { pruneTree } from '../tree/prune';
import { Tree } from '../tree/tree';
import { Dataset, Estimator, InvalidInputError } from '../types';

function forestSpec(classification: boolean, extra: boolean): ParamSpec {
  const spec: ParamSpec = {
    n_estimators: { default: 100, validate: v.int(1) },
    ...treeParamSpec(classification),
    bootstrap: { default: !extra, validate: v.bool() },
    max_samples: { default: null, validate: v.maxSamples() },
  };
  spec.max_features = { default: classification ? 'sqrt' : 1.0, validate: v.maxFeatures() };
  if (classification) spec.class_weight = { default: null, validate: v.classWeight('balanced_subsample') };
  return spec;
}

export const RANDOM_FOREST_CLASSIFIER_SPEC = forestSpec(true, false);
export const RANDOM_FOREST_REGRESSOR_SPEC = forestSpec(false, false);
export const EXTRA_TREES_CLASSIFIER_SPEC = forestSpec(true, true);
export const EXTRA_TREES_REGRESSOR_SPEC = forestSpec(false, true);

abstract class BaseForest implements Estimator {
  readonly params: Record<string, unknown>;
  estimators_: Tree[] = [];
  nFeatures = 0;
  protected nClasses_ = 0;
  protected nClassesOverride?: number;
  abstract readonly classification: boolean;

  constructor(
    spec: ParamSpec,
    params: Record<string, unknown>,
    private readonly randomSplits: boolean,
  ) {
    this.params = resolveParams(spec, params);
    if (this.params.max_samples !== null && !this.params.bootstrap) {
      fail('max_samples', 'cannot be set when bootstrap is false');
    }
  }

  fit(data: Dataset, rows: Uint32Array): this {
    checkRows(data, rows);
    const p = this.params;
    const nRows = rows.length;
    if (nRows === 0) throw new InvalidInputError('rows', 'cannot fit on zero rows');
    const fc = featureCodes(data);
    const N = data.nSamples;
    let yClass: Int32Array | null = null;
    let yValue: Float64Array | null = null;
    let nClasses = 0;
    let classW: Float64Array | null = null;
    const cw = this.classification ? (p.class_weight as ClassWeight) : null;
    if (this.classification) {
      const t = classTargets(data);
      yClass = t.yClass;
      nClasses = this.nClassesOverride ?? t.nClasses;
      if (cw !== null && cw !== 'balanced_subsample') classW = classWeightVector(cw, data, yClass, nClasses, rows, nRows);
    } else {
      yValue = regressionTargets(data);
    }
    const bootstrap = p.bootstrap as boolean;
    let nBoot = nRows;
    const ms = p.max_samples as CountOrFraction | null;
    if (ms !== null) {
      if ('count' in ms) {
        if (ms.count > nRows) fail('max_samples', `${ms.count} is more than the ${nRows} training rows`);
        nBoot = ms.count;
      } else nBoot = Math.max(1, Math.round(ms.fraction * nRows));
    }
    const seed = seedOf(p.random_state as number | null);
    const nEstimators = p.n_estimators as number;
    const needWeights = bootstrap || classW !== null || cw === 'balanced_subsample';
    const weight = needWeights ? new Float64Array(N) : null;
    const counts = bootstrap ? new Float64Array(N) : null;
    const treeRows = new Uint32Array(nRows);
    const baseCfg = treeConfig(p, nRows, data.nFeatures, nClasses, nRows, this.randomSplits);
    const builder = new TreeBuilder(fc, baseCfg);
    const wFrac = p.min_weight_fraction_leaf as number;
    const ccp = p.ccp_alpha as number;
    const trees: Tree[] = [];
    for (let t = 0; t < nEstimators; t++) {
      const rng = new Random(seed, t + 1);
      let n = 0;
      if (counts !== null) {
        for (let k = 0; k < nBoot; k++) counts[rows[rng.int(nRows)]]++;
        for (let i = 0; i < nRows; i++) {
          const r = rows[i];
          if (counts[r] > 0) treeRows[n++] = r;
        }
      } else {
        treeRows.set(rows);
        n = nRows;
      }
      if (weight !== null) {
        let cwv = classW;
        if (cw === 'balanced_subsample') cwv = classWeightVector('balanced', data, yClass!, nClasses, treeRows, n, counts);
        let k = 0;
        for (let i = 0; i < n; i++) {
          const r = treeRows[i];
          let w = counts === null ? 1 : counts[r];
          if (cwv !== null) w *= cwv[yClass![r]];
          if (w > 0) {
            weight[r] = w;
            treeRows[k++] = r;
          }
        }
        n = k;
      }
      if (counts !== null) for (let i = 0; i < nRows; i++) counts[rows[i]] = 0;
      if (wFrac > 0) {
        let total = n;
        if (weight !== null) {
          total = 0;
          for (let i = 0; i < n; i++) total += weight[treeRows[i]];
        }
        builder.setMinWeightLeaf(wFrac * total);
      }
      let tree = builder.build({ rows: treeRows, nRows: n, weight, yClass, yValue }, rng);
      if (ccp > 0) tree = pruneTree(tree, ccp);
      trees.push(tree);
    }
    this.estimators_ = trees;
    this.nFeatures = data.nFeatures;
    this.nClasses_ = nClasses;
    return this;
  }

  /** Mean of the trees' outputs (rows.length × stride). */
  protected average(data: Dataset, rows: Uint32Array): Float64Array {
    if (this.estimators_.length === 0) notFitted(this.constructor.name);
    if (data.nFeatures !== this.nFeatures) {
      throw new InvalidInputError('X', `expected ${this.nFeatures} features, got ${data.nFeatures}`);
    }
    checkRows(data, rows);
    const stride = this.estimators_[0].stride;
    const out = new Float64Array(rows.length * stride);
    const x32 = float32X(data);
    for (const tree of this.estimators_) tree.accumulate(x32, data.nSamples, rows, out);
    const scale = 1 / this.estimators_.length;
    for (let i = 0; i < out.length; i++) out[i] *= scale;
    return out;
  }

  abstract predict(data: Dataset, rows: Uint32Array): Float64Array;

  /** Mean of the trees' normalised impurity-based importances. */
  get featureImportances(): Float64Array {
    const imp = new Float64Array(this.nFeatures);
    for (const tree of this.estimators_) {
      const t = tree.featureImportances(this.nFeatures);
      for (let f = 0; f < this.nFeatures; f++) imp[f] += t[f] / this.estimators_.length;
    }
    return imp;
  }
}

abstract class ForestClassifier extends BaseForest {
  readonly classification = true;

  get nClasses(): number {
    return this.nClasses_;
  }

  predictProba(data: Dataset, rows: Uint32Array): Float64Array {
    return this.average(data, rows);
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return argmaxRows(this.average(data, rows), rows.length, this.nClasses_);
  }
}

abstract class ForestRegressor extends BaseForest {
  readonly classification = false;

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return this.average(data, rows);
  }
}

export class RandomForestClassifier extends ForestClassifier {
  constructor(params: Record<string, unknown> = {}, options: EstimatorOptions = {}) {
    super(RANDOM_FOREST_CLASSIFIER_SPEC, params, false);
    this.nClassesOverride = options.nClasses;
  }
}

export class RandomForestRegressor extends ForestRegressor {
  constructor(params: Record<string, unknown> = {}) {
    super(RANDOM_FOREST_REGRESSOR_SPEC, params, false);
  }
}

export class ExtraTreesClassifier extends ForestClassifier {
  constructor(params: Record<string, unknown> = {}, options: EstimatorOptions = {}) {
    super(EXTRA_TREES_CLASSIFIER_SPEC, params, true);
    this.nClassesOverride = options.nClasses;
  }
}

export class ExtraTreesRegressor extends ForestRegressor {
  constructor(params: Record<string, unknown> = {}) {
    super(EXTRA_TREES_REGRESSOR_SPEC, params, true);
  }
}
