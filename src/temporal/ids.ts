/** Workflow ids are derived from row ids: one workflow per row, so a duplicate start is rejected. */
export const tuningWorkflowId = (tuningRunId: string): string => `tuning-run-${tuningRunId}`;
export const trainingWorkflowId = (modelRunId: string): string => `model-run-${modelRunId}`;
