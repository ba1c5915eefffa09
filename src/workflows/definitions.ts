/** Queries, signals and updates of TuningWorkflow: shared by the workflow and its clients (the API). */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BudgetChange, CompleteAnswer, CompleteRequest, ReportRequest, SuggestAnswer, SuggestRequest, TrialState, TuningProgress } from './types';

export const progressQuery = defineQuery<TuningProgress>('progress');
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
export const updateBudget = defineUpdate<{ n_iter: number; time_budget_seconds: number | null; parallelism: number }, [BudgetChange]>(
  'updateBudget',
);

/** The study API of a client-evaluated run (config.evaluation = 'client'): Vizier's operations as updates. */
export const suggestTrials = defineUpdate<SuggestAnswer, [SuggestRequest]>('suggestTrials');
export const reportIntermediate = defineUpdate<{ should_prune: boolean }, [ReportRequest]>('reportIntermediate');
export const completeTrial = defineUpdate<CompleteAnswer, [CompleteRequest]>('completeTrial');
export const heartbeatTrial = defineUpdate<{ state: TrialState | 'RUNNING' }, [{ number: number }]>('heartbeatTrial');
