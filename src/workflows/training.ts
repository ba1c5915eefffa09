/** TrainModelWorkflow: cross-validates a model run's own hyperparameters and records its score. */
import { ActivityCancellationType, ApplicationFailure, CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../temporal/errors';
import { evaluationTaskQueue } from '../temporal/ids';
import { describeFailure } from './failures';
import type { TrainModelInput } from './types';

type Activities = ReturnType<typeof createActivities>;

/**
 * Heartbeats while the fit progresses (a hung fit is retried elsewhere within 10 s); a cancel (the
 * model run deleted, the Web UI's Cancel) stops the fit in the middle of its fold. On the
 * evaluation queue, named after the workflow's own, so made when called.
 */
const trainModelRun = (modelRunId: string) =>
  proxyActivities<Activities>({
    taskQueue: evaluationTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
  }).trainModelRun(modelRunId);

const { failModelRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function TrainModelWorkflow(input: TrainModelInput): Promise<void> {
  try {
    await trainModelRun(input.modelRunId);
  } catch (err) {
    const cancelled = isCancellation(err);
    const failure = cancelled ? { error: 'training was cancelled', error_type: 'Cancelled' } : describeFailure(err);
    // Written even when the workflow itself is being cancelled, so the row never stays RUNNING.
    await CancellationScope.nonCancellable(() => failModelRun({ modelRunId: input.modelRunId, failure }));
    if (cancelled) throw err;
    throw ApplicationFailure.nonRetryable(failure.error, failure.error_type);
  }
}
