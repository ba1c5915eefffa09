/** Queries, signals and updates of TuningWorkflow: shared by the workflow and its clients (the API). */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BudgetChange, TuningProgress } from './types';

export const progressQuery = defineQuery<TuningProgress>('progress');
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
export const updateBudget = defineUpdate<{ n_iter: number; time_budget_seconds: number | null; parallelism: number }, [BudgetChange]>(
  'updateBudget',
);
