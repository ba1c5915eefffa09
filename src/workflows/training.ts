/** TrainModelWorkflow: cross-validates a model run's own hyperparameters and records its score. */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../temporal/errors';
import { describeFailure } from './failures';
import type { TrainModelInput } from './types';

type Activities = ReturnType<typeof createActivities>;

const { trainModelRun } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

const { failModelRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function TrainModelWorkflow(input: TrainModelInput): Promise<void> {
  try {
    await trainModelRun(input.modelRunId);
  } catch (err) {
    const failure = describeFailure(err);
    await failModelRun({ modelRunId: input.modelRunId, failure });
    throw ApplicationFailure.nonRetryable(failure.error, failure.error_type);
  }
}
