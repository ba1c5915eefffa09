/**
 * Tree ensembles with scikit-learn's parameters and defaults.
 *
 * Parameter names: `PARAM_NAMES[className]` lists the parameter names each estimator accepts
 * (the registry uses it); constructors take one object of snake_case parameters, fill in
 * scikit-learn's defaults and throw `InvalidInputError(paramName, reason)` for an unknown name or
 * an invalid value. Classifiers accept a second, optional `{ nClasses }` argument.
 */
import {
  EXTRA_TREES_CLASSIFIER_SPEC,
  EXTRA_TREES_REGRESSOR_SPEC,
  RANDOM_FOREST_CLASSIFIER_SPEC,
  RANDOM_FOREST_REGRESSOR_SPEC,
} from './forest';
import { GRADIENT_BOOSTING_CLASSIFIER_SPEC, GRADIENT_BOOSTING_REGRESSOR_SPEC } from './gradient_boosting';
import { HIST_GRADIENT_BOOSTING_CLASSIFIER_SPEC, HIST_GRADIENT_BOOSTING_REGRESSOR_SPEC } from './hist_gradient_boosting';

export { RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor } from './forest';
export { GradientBoostingClassifier, GradientBoostingRegressor } from './gradient_boosting';
export { HistGradientBoostingClassifier, HistGradientBoostingRegressor } from './hist_gradient_boosting';

export const PARAM_NAMES = {
  RandomForestClassifier: Object.keys(RANDOM_FOREST_CLASSIFIER_SPEC),
  RandomForestRegressor: Object.keys(RANDOM_FOREST_REGRESSOR_SPEC),
  ExtraTreesClassifier: Object.keys(EXTRA_TREES_CLASSIFIER_SPEC),
  ExtraTreesRegressor: Object.keys(EXTRA_TREES_REGRESSOR_SPEC),
  GradientBoostingClassifier: Object.keys(GRADIENT_BOOSTING_CLASSIFIER_SPEC),
  GradientBoostingRegressor: Object.keys(GRADIENT_BOOSTING_REGRESSOR_SPEC),
  HistGradientBoostingClassifier: Object.keys(HIST_GRADIENT_BOOSTING_CLASSIFIER_SPEC),
  HistGradientBoostingRegressor: Object.keys(HIST_GRADIENT_BOOSTING_REGRESSOR_SPEC),
} as const satisfies Record<string, string[]>;
