/** The workflows a worker registers. */
export { TuningWorkflow, progressQuery } from './tuning';
export { TrainModelWorkflow } from './training';
