/** The workflows a worker registers. */
export { TuningWorkflow } from './tuning';
export { cancelSignal, completeTrial, heartbeatTrial, progressQuery, reportIntermediate, suggestTrials, updateBudget } from './definitions';
export { TrainModelWorkflow } from './training';
export { ScheduledTuningWorkflow } from './scheduled';
