/**
 * Parallel evaluation of hyperparameter candidates: `EvaluationPool` runs (candidate, fold) units
 * in worker_threads over a data set shared through SharedArrayBuffers (see pool.ts).
 */
export { EvaluationPool, estimateCost, sharedArrays } from './pool';
export type { CandidateEvaluation, EvaluateOptions, EvaluationProgress, TaskError } from './pool';
export { fitThreads, setFitThreads } from './team';
