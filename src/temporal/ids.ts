/** Workflow ids are derived from row ids: one workflow per row, so a duplicate start is rejected. */
export const tuningWorkflowId = (tuningRunId: string): string => `tuning-run-${tuningRunId}`;
export const trainingWorkflowId = (modelRunId: string): string => `model-run-${modelRunId}`;

/**
 * Fits (evaluateCandidates, trainModelRun) go to a task queue of their own, which each worker
 * polls only while it has an evaluation thread free: a busy worker leaves the next batch to an
 * idle one, so work spreads over every worker on the queue.
 */
export const evaluationTaskQueue = (taskQueue: string): string => `${taskQueue}-evaluations`;
