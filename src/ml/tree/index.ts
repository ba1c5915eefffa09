/**
 * Decision trees with scikit-learn's parameters and defaults.
 *
 * Parameter names: `PARAM_NAMES[className]` lists the parameter names each estimator accepts
 * (the registry uses it); constructors take one object of snake_case parameters, fill in
 * scikit-learn's defaults and throw `InvalidInputError(paramName, reason)` for an unknown name or
 * an invalid value. Classifiers accept a second, optional `{ nClasses }` argument.
 */
import { DECISION_TREE_CLASSIFIER_SPEC, DECISION_TREE_REGRESSOR_SPEC } from './decision_tree';

export { DecisionTreeClassifier, DecisionTreeRegressor } from './decision_tree';
export type { EstimatorOptions } from './decision_tree';
export { Tree } from './tree';
export { featureCodes } from './codes';

export const PARAM_NAMES = {
  DecisionTreeClassifier: Object.keys(DECISION_TREE_CLASSIFIER_SPEC),
  DecisionTreeRegressor: Object.keys(DECISION_TREE_REGRESSOR_SPEC),
} as const satisfies Record<string, string[]>;
