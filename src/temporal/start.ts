/**
 * Starting and stopping workflows from the API and the reconciler (client side): ids derived from
 * rows, search attributes, memo and the configured history limit set at start.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ServiceConfig } from '../config';
import type { TuningWorkflowInput } from '../workflows/types';
import { trainingWorkflowId, tuningWorkflowId } from './ids';
import { ModelRunId, TuningMethod, TuningRunId, TuningStatus, UserId } from './search_attributes';

type StartConfig = Pick<ServiceConfig, 'taskQueue' | 'historyEventLimit'>;

/** Starts `tuning-run-<id>` with the configured TUNING_HISTORY_EVENT_LIMIT, as every start path must. */
export async function startTuningWorkflow(
  client: Client,
  config: StartConfig,
  input: Pick<TuningWorkflowInput, 'tuningRunId' | 'config'>,
  owner: { modelRunId: string; userId: string; modelType: string },
): Promise<string> {
  const workflowId = tuningWorkflowId(input.tuningRunId);
  await client.workflow.start('TuningWorkflow', {
    taskQueue: config.taskQueue,
    workflowId,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [{ ...input, historyEventLimit: config.historyEventLimit } satisfies TuningWorkflowInput],
    typedSearchAttributes: [
      { key: TuningRunId, value: input.tuningRunId },
      { key: ModelRunId, value: owner.modelRunId },
      { key: UserId, value: owner.userId },
      { key: TuningMethod, value: input.config.tuning_method },
      { key: TuningStatus, value: 'running' },
    ],
    memo: {
      summary: `${input.config.tuning_method} of ${owner.modelType} (model run ${owner.modelRunId}), ` +
        `${input.config.cv_folds}-fold CV on ${input.config.scoring}, seed ${input.config.seed}`,
    },
  });
  return workflowId;
}

/** What the memo of a training workflow says about its model run. */
export interface TrainingSummary {
  modelType: string;
  datasetName: string;
  cvFolds: number;
  scoring: string;
}

export async function startTrainingWorkflow(
  client: Client,
  config: Pick<ServiceConfig, 'taskQueue'>,
  modelRunId: string,
  { modelType, datasetName, cvFolds, scoring }: TrainingSummary,
): Promise<string> {
  const workflowId = trainingWorkflowId(modelRunId);
  await client.workflow.start('TrainModelWorkflow', {
    taskQueue: config.taskQueue,
    workflowId,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [{ modelRunId }],
    memo: { summary: `train ${modelType} on data set ${datasetName} (${cvFolds}-fold CV, ${scoring})` },
  });
  return workflowId;
}

/**
 * Stops a workflow and resolves once it is closed: first a cancellation request, which it can
 * answer (TuningWorkflow records its run FAILED, error_type Cancelled), then, if it is still
 * running after `graceMs`, termination. A workflow that does not exist or is already closed is
 * fine; any other error (Temporal unreachable) is thrown, so the caller never assumes it stopped.
 */
export async function stopWorkflow(client: Client, workflowId: string, reason: string, graceMs = 30_000): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const running = () =>
    handle.describe().then(
      (description) => description.status.name === 'RUNNING',
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    );
  const ignoreClosed = (err: unknown) => {
    // Temporal answers "not found" for a workflow that closed meanwhile.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  };
  if (!(await running())) return;
  await handle.cancel().catch(ignoreClosed);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await running())) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await handle.terminate(reason).catch(ignoreClosed);
}
