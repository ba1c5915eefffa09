/** Request bodies, validated with zod; a failure answers 422 naming the field and the reason. */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { TUNING_METHODS } from '../workflows/types';
import { CATEGORICAL_ENCODINGS, IMPUTATIONS } from '../ml/data/encoding';

// `.openapi(name)` makes a schema a named component of the OpenAPI document (src/api/openapi.ts).
extendZodWithOpenApi(z);

/** Longest string parameter value (a class_weight object as JSON fits easily). */
const MAX_PARAM_STRING = 10_000;
/** Most hyperparameters one model run may give (no estimator has half as many). */
const MAX_PARAMS = 100;
/** Names of things that fit a line: scoring names, model types, sample names, column names. */
const shortName = z.string().min(1).max(200);

export const paramValue = z.union([z.number().finite(), z.string().max(MAX_PARAM_STRING), z.boolean(), z.null()]).openapi('ParamValue');
const params = z
  .record(z.string().max(200), paramValue)
  .refine((p) => Object.keys(p).length <= MAX_PARAMS, { message: `at most ${MAX_PARAMS} parameters` });
const uuid = z.string().uuid();
/**
 * A search-space distribution (src/ml/search/space.ts), typed for the OpenAPI document and its
 * generated clients. Zod checks the shape; validateSearchSpace checks the rest (low <= high, log
 * and step together, conditions) with its own messages.
 */
const condition = z
  .object({ param: z.string().min(1).max(200), equals: z.union([paramValue, z.array(paramValue)]) })
  .strict()
  .openapi('Condition', { description: 'Active only when the parameter `param` has the value (or one of the values) `equals`.' });
const rangeFields = {
  low: z.number().finite(),
  high: z.number().finite(),
  /** Uniform in log space. */
  log: z.boolean().optional(),
  step: z.number().finite().positive().optional(),
  condition: condition.optional(),
};
const intDistribution = z
  .object({ ...rangeFields, type: z.literal('int'), low: z.number().int(), high: z.number().int(), step: z.number().int().positive().optional() })
  .strict()
  .openapi('IntDistribution');
const floatDistribution = z.object({ ...rangeFields, type: z.literal('float') }).strict().openapi('FloatDistribution');
const categoricalDistribution = z
  .object({ type: z.literal('categorical'), choices: z.array(paramValue).min(1), condition: condition.optional() })
  .strict()
  .openapi('CategoricalDistribution');
export const distributionSchema = z.discriminatedUnion('type', [intDistribution, floatDistribution, categoricalDistribution]).openapi('Distribution');
export const searchSpaceSchema = z.record(z.string().max(200), distributionSchema).openapi('SearchSpace');

/** Seconds; bounded further by MAX_DURATION_SECONDS in the routes. */
const duration = z.number().finite().positive();

export const createDatasetSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** A built-in sample: iris, wine, breast_cancer, digits, diabetes. */
    sample: shortName.optional(),
    /** An uploaded CSV: header row, numeric features, one target column. */
    csv: z.string().min(1).max(200 * 1024 * 1024).optional(),
    /** A reference to data the user's own code reads (for client-evaluated studies): no content is stored. */
    uri: z.string().min(1).max(2000).optional(),
    target_column: shortName.optional(),
    task_type: z.enum(['classification', 'regression']).optional(),
    /** String columns: `ordinal` (default) or `onehot`, as scikit-learn's OrdinalEncoder / OneHotEncoder. */
    categorical_encoding: z.enum(CATEGORICAL_ENCODINGS).optional(),
    /** Missing values: `none` (default: kept as NaN) or SimpleImputer's `mean`, `median`, `most_frequent`. */
    impute: z.enum(IMPUTATIONS).optional(),
    /** A raw body's format when its Content-Type does not say it (application/octet-stream). */
    format: z.enum(['csv', 'parquet']).optional(),
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
    model_type: shortName,
    hyperparameters: params.default({}),
    cv_folds: z.number().int().min(2).max(50).default(5),
    scoring: shortName.optional(),
    /** model_type "external" only: where the user's own code keeps the model, and its metrics. */
    model_artifact_path: z.string().min(1).max(2000).nullable().optional(),
    metrics: z.record(z.string().max(200), z.number().finite()).optional(),
  })
  .strict();

export const tuneSchema = z
  .object({
    model_run_id: uuid,
    tuning_method: z.enum(TUNING_METHODS),
    /** grid_search (and random_search, as lists to sample from): values per parameter. */
    param_grid: z.record(z.string().max(200), z.array(paramValue)).optional(),
    /** random_search / bayesian: typed distributions, checked further by validateSearchSpace. */
    param_distributions: searchSpaceSchema.optional(),
    cv_folds: z.number().int().min(2).max(50).default(5),
    scoring: shortName.optional(),
    n_iter: z.number().int().min(1).optional(),
    top_n: z.number().int().min(1).max(1000).default(20),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    sampler: z.enum(['tpe', 'gp']).default('tpe'),
    pruner: z.enum(['none', 'median', 'successive_halving']).default('none'),
    time_budget_seconds: duration.nullable().default(null),
    target_score: z.number().finite().nullable().default(null),
    parallelism: z.number().int().min(1).max(64).default(2),
    batch_size: z.number().int().min(1).max(1000).optional(),
    parent_tuning_run_id: uuid.nullable().default(null),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
    user_notes: z.string().max(10_000).nullable().default(null),
    /** Who evaluates the trials: the service (builtin) or the user's own code through the study API (client). */
    evaluation: z.enum(['builtin', 'client']).default('builtin'),
    /** client: whether a higher (default) or a lower value is better. */
    direction: z.enum(['maximize', 'minimize']).default('maximize'),
    /** client: a trial whose client sends nothing for this long becomes FAILED (stale). */
    trial_timeout_seconds: z.number().int().min(1).max(7 * 24 * 3600).default(300),
    /** client: a failed or stale trial's parameters are handed out again. */
    retry_failed_trials: z.boolean().default(false),
  })
  .strict();

export type TuneRequest = z.infer<typeof tuneSchema>;

/** ?limit=&offset= of a list endpoint; the total is in the X-Total-Count header. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
});

export const listTuningRunsQuery = z.object({
  status: z.enum(['running', 'completed', 'failed']).optional(),
  tag: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
});

export const cancelSchema = z.object({ reason: z.string().max(1000).optional() }).strict();

/** A running run's budget and parallelism; the workflow validates against its own progress. */
export const budgetSchema = z
  .object({
    n_iter: z.number().int().min(1).optional(),
    time_budget_seconds: duration.nullable().optional(),
    parallelism: z.number().int().min(1).max(64).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give n_iter, time_budget_seconds or parallelism' });

/** The study API of a client-evaluated tuning run (ask / report / tell / heartbeat). */
const suggestFields = {
  count: z.number().int().min(1).max(1000).default(1),
  /** Makes the call idempotent: the same client gets its own open trials back. */
  client_id: z.string().min(1).max(200).optional(),
};

export const suggestSchema = z.object(suggestFields).strict();

export const reportSchema = z.object({ step: z.number().int().min(0).max(1e9), value: z.number().finite() }).strict();

export const completeSchema = z
  .object({
    value: z.number().finite().optional(),
    scores: z.array(z.number().finite()).min(1).max(1000).optional(),
    state: z.enum(['COMPLETE', 'FAILED', 'INFEASIBLE', 'PRUNED']).default('COMPLETE'),
    reason: z.string().max(2000).optional(),
    /** Also ask for this client's next trials: the answer carries them as `next`, one round trip per trial. */
    next: z.object(suggestFields).strict().optional(),
  })
  .strict();

export const trialNumberParam = z.coerce.number().int().min(0).max(1e9);

/** GET …/trials: a page by trial number (all trials without `limit`), or a download. */
export const trialsQuery = z.object({
  offset: z.coerce.number().int().min(0).max(1e9).default(0),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
  format: z.enum(['json', 'csv', 'columns']).optional(),
});
