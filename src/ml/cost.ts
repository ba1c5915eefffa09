/**
 * A rough model of what one evaluation (cross-validating one candidate) costs, in "cost units":
 * about one unit per row × feature visit in the inner loops, so that a request the machine cannot
 * afford is refused before anything runs. It is an upper estimate, not a prediction of seconds.
 *
 * For n rows, d features, k folds (each fit sees n·(k−1)/k training rows), K = the number of
 * classes when above 2 (one tree or weight vector per class), else 1:
 * - trees: a tree sorts the rows of every node on each feature it considers, level by level, so it
 *   costs nTrain × features × depth × log2(nTrain), where depth is the smallest of max_depth,
 *   log2(max_leaf_nodes) and 2·log2(nTrain) (a tree rarely grows deeper than that on real data);
 *   decision_tree: one tree; random_forest / extra_trees: n_estimators trees on the max_features
 *   features resolved like scikit-learn; gradient_boosting: n_estimators × K trees;
 *   hist_gradient_boosting: max_iter × K trees that need no sorting (histograms: nTrain × d per
 *   level, plus max_bins × d per leaf), plus binning (nTrain × d × log2 max_bins);
 * - logistic_regression: max_iter × nTrain × d × K (one gradient pass per lbfgs iteration);
 * - ridge, linear_regression: nTrain × d² + d³ (normal equations);
 * - knn: every held-out row against every training row, nTest × nTrain × (d + log2 n_neighbors).
 * The evaluation costs k times one fold. Measured on the sample data sets (one core of the 2-core
 * development machine, under load), one unit took 2–10 ns, so the default budget of 1e11 units
 * (MAX_EVALUATION_COST) is an evaluation of roughly 3 to 15 minutes on one core.
 */
import type { Params, Task } from './types';

export interface DataShape {
  nSamples: number;
  nFeatures: number;
  /** Number of classes (classification), else 0. */
  nClasses: number;
}

const num = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
/** Parameters where null means "no limit". */
const limitOrInfinity = (value: unknown, fallback: number | null): number =>
  value === null ? Infinity : num(value, fallback ?? Infinity);

/** One exact tree: every level sorts the node's rows on each considered feature. */
function sortedTreeCost(params: Params, nTrain: number, features: number, defaultMaxDepth: number | null): number {
  const depth = treeDepth(params, nTrain, { maxDepth: defaultMaxDepth, maxLeafNodes: null });
  return nTrain * features * depth * Math.log2(Math.max(2, nTrain));
}

function treeDepth(params: Params, nTrain: number, defaults: { maxDepth: number | null; maxLeafNodes: number | null }): number {
  const byRows = 2 * Math.max(1, Math.ceil(Math.log2(Math.max(2, nTrain))));
  const byDepth = limitOrInfinity(params.max_depth, defaults.maxDepth);
  const byLeaves = Math.ceil(Math.log2(Math.max(2, limitOrInfinity(params.max_leaf_nodes, defaults.maxLeafNodes))));
  return Math.max(1, Math.min(byRows, byDepth, byLeaves));
}

/**
 * max_features resolved as scikit-learn does (an integer other than 1 is a count, other numbers a
 * fraction); undefined takes the estimator's default, null means every feature.
 */
function featuresPerSplit(value: unknown, defaultValue: unknown, d: number): number {
  if (value === undefined) value = defaultValue;
  if (value === null) return d;
  if (value === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(d)));
  if (value === 'log2') return Math.max(1, Math.floor(Math.log2(d)));
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return Math.min(d, Math.max(1, Number.isInteger(value) && value !== 1 ? value : Math.floor(value * d)));
  }
  return d;
}

/** Cost units of one fit on nTrain rows plus the prediction of nTest rows. */
function foldCost(modelType: string, task: Task, params: Params, nTrain: number, nTest: number, shape: DataShape): number {
  const d = shape.nFeatures;
  const perClass = task === 'classification' && shape.nClasses > 2 ? shape.nClasses : 1;
  switch (modelType) {
    case 'decision_tree':
      return sortedTreeCost(params, nTrain, featuresPerSplit(params.max_features, null, d), null);
    case 'random_forest':
    case 'extra_trees': {
      const features = featuresPerSplit(params.max_features, task === 'classification' ? 'sqrt' : null, d);
      return num(params.n_estimators, 100) * sortedTreeCost(params, nTrain, features, null);
    }
    case 'gradient_boosting':
      return num(params.n_estimators, 100) * perClass * sortedTreeCost(params, nTrain, featuresPerSplit(params.max_features, null, d), 3);
    case 'hist_gradient_boosting': {
      const bins = num(params.max_bins, 255);
      const leaves = limitOrInfinity(params.max_leaf_nodes, 31);
      const depth = treeDepth(params, nTrain, { maxDepth: null, maxLeafNodes: 31 });
      const tree = nTrain * d * depth + Math.min(leaves, nTrain) * bins * d;
      return nTrain * d * Math.log2(bins) + num(params.max_iter, 100) * perClass * tree;
    }
    case 'logistic_regression':
      return Math.max(1, num(params.max_iter, 100)) * nTrain * d * perClass;
    case 'ridge':
    case 'linear_regression':
      return nTrain * d * d + d * d * d;
    case 'knn':
      return nTest * nTrain * (d + Math.log2(Math.max(2, num(params.n_neighbors, 5))));
    default:
      return nTrain * d;
  }
}

/** Estimated cost units of cross-validating one candidate with `cvFolds` folds. */
export function evaluationCost(modelType: string, task: Task, params: Params, cvFolds: number, shape: DataShape): number {
  const nTest = shape.nSamples / cvFolds;
  const nTrain = shape.nSamples - nTest;
  return cvFolds * foldCost(modelType, task, params, nTrain, nTest, shape);
}
