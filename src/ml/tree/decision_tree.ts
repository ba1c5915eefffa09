/**
 * scikit-learn's DecisionTreeClassifier / DecisionTreeRegressor over the shared Dataset.
 */
import { Random } from '../random';
import { Dataset, Estimator, InvalidInputError } from '../types';
import { TreeBuilder } from './builder';
import { featureCodes, float32X } from './codes';
import {
  argmaxRows,
  checkRows,
  classTargets,
  classWeightVector,
  notFitted,
  regressionTargets,
  treeConfig,
  treeParamSpec,
} from './common';
import { ClassWeight, ParamSpec, resolveParams, seedOf, v } from './params';
import { pruneTree } from './prune';
import { Tree } from './tree';

/** Options outside scikit-learn's parameters. */
export interface EstimatorOptions {
  /** Number of classes (default: data.classes.length, else max(y) + 1 over the whole data set). */
  nClasses?: number;
}

function decisionTreeSpec(classification: boolean): ParamSpec {
  return { ...treeParamSpec(classification), splitter: { default: 'best', validate: v.oneOf('best', 'random') } };
}

export const DECISION_TREE_CLASSIFIER_SPEC = decisionTreeSpec(true);
export const DECISION_TREE_REGRESSOR_SPEC = decisionTreeSpec(false);

abstract class BaseDecisionTree implements Estimator {
  readonly params: Record<string, unknown>;
  tree_: Tree | null = null;
  nFeatures = 0;

  constructor(spec: ParamSpec, params: Record<string, unknown>) {
    this.params = resolveParams(spec, params);
  }

  abstract readonly classification: boolean;

  fit(data: Dataset, rows: Uint32Array): this {
    checkRows(data, rows);
    const fc = featureCodes(data);
    const p = this.params;
    const N = data.nSamples;
    let yClass: Int32Array | null = null;
    let yValue: Float64Array | null = null;
    let weight: Float64Array | null = null;
    let nClasses = 0;
    const fitRows = Uint32Array.from(rows);
    let nRows = fitRows.length;
    if (nRows === 0) throw new InvalidInputError('rows', 'cannot fit on zero rows');
    if (this.classification) {
      const t = classTargets(data);
      yClass = t.yClass;
      nClasses = this.nClassesOverride ?? t.nClasses;
      const cw = classWeightVector(p.class_weight as ClassWeight, data, yClass, nClasses, fitRows, nRows);
      if (cw !== null) {
        weight = new Float64Array(N);
        let k = 0;
        for (let i = 0; i < nRows; i++) {
          const r = fitRows[i];
          const w = cw[yClass[r]];
          if (w > 0) {
            weight[r] = w;
            fitRows[k++] = r;
          }
        }
        nRows = k;
      }
    } else {
      yValue = regressionTargets(data);
    }
    let totalWeight = nRows;
    if (weight !== null) {
      totalWeight = 0;
      for (let i = 0; i < nRows; i++) totalWeight += weight[fitRows[i]];
    }
    const cfg = treeConfig(p, rows.length, data.nFeatures, nClasses, totalWeight, p.splitter === 'random');
    const builder = new TreeBuilder(fc, cfg);
    const rng = new Random(seedOf(p.random_state as number | null), 0);
    let tree = builder.build({ rows: fitRows, nRows, weight, yClass, yValue }, rng);
    if ((p.ccp_alpha as number) > 0) tree = pruneTree(tree, p.ccp_alpha as number);
    this.tree_ = tree;
    this.nFeatures = data.nFeatures;
    this.nClasses_ = nClasses;
    return this;
  }

  protected nClassesOverride?: number;
  protected nClasses_ = 0;

  protected raw(data: Dataset, rows: Uint32Array): Float64Array {
    const tree = this.tree_ ?? notFitted(this.constructor.name);
    if (data.nFeatures !== this.nFeatures) {
      throw new InvalidInputError('X', `expected ${this.nFeatures} features, got ${data.nFeatures}`);
    }
    checkRows(data, rows);
    const out = new Float64Array(rows.length * tree.stride);
    tree.accumulate(float32X(data), data.nSamples, rows, out);
    return out;
  }

  abstract predict(data: Dataset, rows: Uint32Array): Float64Array;

  /** Impurity-based feature importances. */
  get featureImportances(): Float64Array {
    return (this.tree_ ?? notFitted(this.constructor.name)).featureImportances(this.nFeatures);
  }
}

export class DecisionTreeClassifier extends BaseDecisionTree {
  readonly classification = true;

  constructor(params: Record<string, unknown> = {}, options: EstimatorOptions = {}) {
    super(DECISION_TREE_CLASSIFIER_SPEC, params);
    this.nClassesOverride = options.nClasses;
  }

  get nClasses(): number {
    return this.nClasses_;
  }

  predictProba(data: Dataset, rows: Uint32Array): Float64Array {
    return this.raw(data, rows);
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return argmaxRows(this.raw(data, rows), rows.length, this.nClasses_);
  }
}

export class DecisionTreeRegressor extends BaseDecisionTree {
  readonly classification = false;

  constructor(params: Record<string, unknown> = {}) {
    super(DECISION_TREE_REGRESSOR_SPEC, params);
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return this.raw(data, rows);
  }
}
