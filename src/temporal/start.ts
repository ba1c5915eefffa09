/** Starting workflows from the API (client side): ids derived from rows, search attributes and memo set at start. */
import type { Client } from '@temporalio/client';
import type { ServiceConfig } from '../config';
import type { TrainModelInput, TuningWorkflowInput } from '../workflows/types';
import { trainingWorkflowId, tuningWorkflowId } from './ids';
import { ModelRunId, TuningMethod, TuningRunId, TuningStatus, UserId } from './search_attributes';

type StartConfig = Pick<ServiceConfig, 'taskQueue'>;

export async function startTuningWorkflow(
  client: Client,
  config: StartConfig,
  input: TuningWorkflowInput,
  owner: { modelRunId: string; userId: string; modelType: string },
): Promise<string> {
  const workflowId = tuningWorkflowId(input.tuningRunId);
  await client.workflow.start('TuningWorkflow', {
    taskQueue: config.taskQueue,
    workflowId,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input],
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

export async function startTrainingWorkflow(client: Client, config: StartConfig, input: TrainModelInput, summary: string): Promise<string> {
  const workflowId = trainingWorkflowId(input.modelRunId);
  await client.workflow.start('TrainModelWorkflow', {
    taskQueue: config.taskQueue,
    workflowId,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input],
    memo: { summary },
  });
  return workflowId;
}
