/** Request bodies, validated with zod; a failure answers 422 naming the field and the reason. */
import { z } from 'zod';
import { TUNING_METHODS } from '../workflows/types';

const paramValue = z.union([z.number().finite(), z.string(), z.boolean(), z.null()]);
const params = z.record(paramValue);
const uuid = z.string().uuid();

export const createDatasetSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** A built-in sample: iris, wine, breast_cancer, digits, diabetes. */
    sample: z.string().optional(),
    /** An uploaded CSV: header row, numeric features, one target column. */
    csv: z.string().min(1).max(200 * 1024 * 1024).optional(),
    target_column: z.string().min(1).optional(),
    task_type: z.enum(['classification', 'regression']).optional(),
  })
  .strict();

export const createExperimentSchema = z
  .object({
    name: z.string().min(1).max(200),
    dataset_id: uuid,
    description: z.string().max(10_000).nullable().optional(),
  })
  .strict();

export const createModelRunSchema = z
  .object({
    experiment_id: uuid,
    model_type: z.string().min(1),
    hyperparameters: params.default({}),
    cv_folds: z.number().int().min(2).max(50).default(5),
    scoring: z.string().optional(),
  })
  .strict();

export const tuneSchema = z
  .object({
    model_run_id: uuid,
    tuning_method: z.enum(TUNING_METHODS),
    /** grid_search (and random_search, as lists to sample from): values per parameter. */
    param_grid: z.record(z.array(paramValue)).optional(),
    /** random_search / bayesian: typed distributions, checked by validateSearchSpace. */
    param_distributions: z.record(z.unknown()).optional(),
    cv_folds: z.number().int().min(2).max(50).default(5),
    scoring: z.string().optional(),
    n_iter: z.number().int().min(1).optional(),
    top_n: z.number().int().min(1).max(1000).default(20),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    sampler: z.enum(['tpe', 'gp']).default('tpe'),
    pruner: z.enum(['none', 'median', 'successive_halving']).default('none'),
    time_budget_seconds: z.number().positive().nullable().default(null),
    target_score: z.number().finite().nullable().default(null),
    parallelism: z.number().int().min(1).max(64).default(2),
    batch_size: z.number().int().min(1).max(1000).optional(),
    parent_tuning_run_id: uuid.nullable().default(null),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
    user_notes: z.string().max(10_000).nullable().default(null),
  })
  .strict();

export type TuneRequest = z.infer<typeof tuneSchema>;

export const listTuningRunsQuery = z.object({
  status: z.enum(['running', 'completed', 'failed']).optional(),
  tag: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const cancelSchema = z.object({ reason: z.string().max(1000).optional() }).strict();

/** A running run's budget and parallelism; the workflow validates against its own progress. */
export const budgetSchema = z
  .object({
    n_iter: z.number().int().min(1).optional(),
    time_budget_seconds: z.number().positive().nullable().optional(),
    parallelism: z.number().int().min(1).max(64).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give n_iter, time_budget_seconds or parallelism' });
