/**
 * ScheduledTuningWorkflow: one action of a tuning schedule (POST /tuning/schedules). Records an
 * ordinary tuning run (tags 'scheduled' and 'schedule:<id>', parent = the model run's best
 * completed run so far with the same scoring and cv_folds, as a warm start), then runs it as the
 * child TuningWorkflow `tuning-run-<id>`, with the search attributes, memo and history limit of a
 * run started from the API.
 *
 * Overlap policies act on this workflow. CANCEL_OTHER cancels it: the run is then cancelled the
 * way a user cancels one (the `cancel` signal: it ends FAILED, error_type Cancelled, keeping its best
 * results) and this workflow waits for it, so runs never overlap. TERMINATE_OTHER cannot be
 * intercepted here: the parent close policy REQUEST_CANCEL then asks the child to cancel, which
 * TuningWorkflow handles like the cancel signal (FAILED, Cancelled, best results kept).
 */
import {
  CancellationScope,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { createScheduleActivities, ScheduledTuningInput } from '../activities/schedules';
import { NON_RETRYABLE_ERRORS } from '../temporal/errors';
import { tuningWorkflowId } from '../temporal/ids';
import { ModelRunId, TuningMethod, TuningRunId, TuningStatus, UserId } from '../temporal/search_attributes';
import { cancelSignal } from './definitions';
import { TuningWorkflow } from './tuning';
import type { TuningOutcome } from './types';

type Activities = ReturnType<typeof createActivities> & ReturnType<typeof createScheduleActivities>;

const { recordScheduledTuningRun, failTuningRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

export interface ScheduledTuningOutcome {
  scheduleId: string;
  tuningRunId: string;
  parentTuningRunId: string | null;
  outcome: TuningOutcome;
}

export async function ScheduledTuningWorkflow(input: ScheduledTuningInput): Promise<ScheduledTuningOutcome> {
  // Deterministic (replay-safe) id: a retried recording activity finds the row it wrote.
  const tuningRunId = uuid4();
  const cancelReason = `cancelled by its schedule (${workflowInfo().workflowId})`;
  let cancelled = false;
  let onCancel = () => {};
  CancellationScope.current().cancelRequested.catch(() => {
    cancelled = true;
    onCancel();
  });

  // Not cancellable: once the row is written, a workflow must finish it.
  const record = await CancellationScope.nonCancellable(() => recordScheduledTuningRun({ ...input, tuningRunId }));
  if (cancelled) {
    await CancellationScope.nonCancellable(() => failTuningRun({ tuningRunId, results: { error: cancelReason, error_type: 'Cancelled' } }));
    throw new CancelledFailure(cancelReason);
  }

  const { config, userId, modelType } = record;
  const child = await CancellationScope.nonCancellable(() =>
    startChild(TuningWorkflow, {
      workflowId: tuningWorkflowId(tuningRunId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ tuningRunId, config, historyEventLimit: input.historyEventLimit }],
      cancellationType: ChildWorkflowCancellationType.ABANDON,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: TuningRunId, value: tuningRunId },
        { key: ModelRunId, value: input.modelRunId },
        { key: UserId, value: userId },
        { key: TuningMethod, value: config.tuning_method },
        { key: TuningStatus, value: 'running' },
      ],
      memo: {
        summary:
          `${config.tuning_method} of ${modelType} (model run ${input.modelRunId}), ` +
          `${config.cv_folds}-fold CV on ${config.scoring}, seed ${config.seed}; scheduled by tuning schedule ${input.scheduleId}`,
      },
    }),
  );
  const stopChild = () => CancellationScope.nonCancellable(() => child.signal(cancelSignal, { reason: cancelReason })).catch(() => undefined);
  if (cancelled) void stopChild();
  else onCancel = () => void stopChild();

  const outcome = await CancellationScope.nonCancellable(() => child.result()).catch((err) => {
    if (cancelled) throw new CancelledFailure(cancelReason);
    throw err;
  });
  if (cancelled) throw new CancelledFailure(cancelReason);
  return { scheduleId: input.scheduleId, tuningRunId, parentTuningRunId: record.parentTuningRunId, outcome };
}
