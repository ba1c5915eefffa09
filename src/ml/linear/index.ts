/** Linear models with scikit-learn names, parameters and defaults. */
export { LogisticRegression, LOGISTIC_REGRESSION_PARAMS } from './logistic';
export { Ridge, LinearRegression, RIDGE_PARAMS, LINEAR_REGRESSION_PARAMS } from './ridge';
export { minimizeLbfgs } from './lbfgs';
export type { LbfgsOptions, LbfgsResult, Objective } from './lbfgs';
