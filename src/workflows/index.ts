/** The workflows a worker registers. */
export { TuningWorkflow } from './tuning';
export { cancelSignal, progressQuery, updateBudget } from './definitions';
export { TrainModelWorkflow } from './training';
export { ScheduledTuningWorkflow } from './scheduled';
