/**
 * The OpenAPI 3.1 document of the whole HTTP API, generated from zod: the request schemas the
 * routes parse with (schemas.ts, the schedule and token routes) and the response schemas below,
 * which describe what the views (views.ts) and routes answer. Served at /api/v1/openapi.json.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodTypeAny } from 'zod';
import { OVERLAP_POLICIES } from '../temporal/schedules';
import { TASK_TYPE_VALUES, TRIAL_STATE_VALUES, TUNING_METHOD_VALUES } from '../entities/enums';
import { listQuery as dashboardRunsQuery } from './routes/dashboard';
import { listExperimentsQuery } from './routes/experiments';
import { bestQuery, listModelRunsQuery } from './routes/model_runs';
import { createScheduleSchema, listSchedulesQuery, triggerScheduleSchema, updateScheduleSchema } from './routes/schedules';
import { createTokenSchema } from './routes/tokens';
import { CATEGORICAL_ENCODINGS, IMPUTATIONS } from '../ml/data/encoding';
import {
  budgetSchema,
  cancelSchema,
  completeSchema,
  createDatasetSchema,
  createExperimentSchema,
  createModelRunSchema,
  listTuningRunsQuery,
  pageQuery,
  paramValue,
  reportSchema,
  suggestSchema,
  tuneSchema,
} from './schemas';

extendZodWithOpenApi(z);

const registry = new OpenAPIRegistry();

const timestamp = z.string().datetime();
const nullableTimestamp = timestamp.nullable();
const uuid = z.string().uuid();
const params = z.record(paramValue).openapi('Params', { description: 'Hyperparameters by scikit-learn name.' });
/** Model runs and tuning runs share these statuses. */
const runStatus = z.enum(['running', 'completed', 'failed']);
/** A named component or null (the generator's `.nullable()` of a component gives an allOf that null cannot match). */
const orNull = (schema: ZodTypeAny) => z.union([schema, z.null()]);


export const errorSchema = registry.register(
  'Error',
  z.object({
    error: z.string(),
    /** For a 422: every field at fault, with the reason. */
    detail: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  }),
);

const limitErrorSchema = registry.register(
  'LimitError',
  z.object({ error: z.string(), limit: z.object({ name: z.string(), value: z.number() }) }),
);

const datasetSchema = registry.register(
  'Dataset',
  z.object({
    id: uuid,
    name: z.string(),
    task_type: z.enum(TASK_TYPE_VALUES),
    target_column: z.string(),
    n_samples: z.number().int(),
    n_features: z.number().int(),
    feature_names: z.array(z.string()),
    classes: z.array(z.string()).nullable(),
    sample_name: z.string().nullable(),
    /** A reference data set (for client-evaluated studies): where the user's code reads it; no content is stored. */
    uri: z.string().nullable(),
    /** Uploads: how string columns are encoded and missing values imputed (null for samples and references). */
    categorical_encoding: z.union([z.enum(CATEGORICAL_ENCODINGS), z.null()]),
    impute: z.union([z.enum(IMPUTATIONS), z.null()]),
    /** Uploads: each feature column as read, before encoding: its type, number of categories and missing values. */
    feature_columns: z
      .array(z.object({ name: z.string(), type: z.enum(['numeric', 'categorical']), n_categories: z.number().int().optional(), missing: z.number().int() }))
      .nullable(),
    /** Uploads: bytes in the data-set store (columnar form). */
    storage_bytes: z.number().int().nullable(),
    created_at: timestamp,
  }),
);

const sampleDatasetSchema = registry.register(
  'SampleDataset',
  z.object({
    name: z.string(),
    task: z.enum(TASK_TYPE_VALUES),
    targetColumn: z.string(),
    description: z.string(),
    nSamples: z.number().int(),
    nFeatures: z.number().int(),
  }),
);

const experimentSchema = registry.register(
  'Experiment',
  z.object({ id: uuid, name: z.string(), description: z.string().nullable(), dataset_id: uuid, created_at: timestamp }),
);

const modelRunSchema = registry.register(
  'ModelRun',
  z.object({
    id: uuid,
    experiment_id: uuid,
    model_type: z.string(),
    hyperparameters: params,
    cv_folds: z.number().int(),
    scoring: z.string(),
    status: runStatus,
    /** Built-in models: mean_score, std_score, scores, scoring, training_time; external models: the numbers their code reported. */
    metrics: z.record(z.union([z.number(), z.string(), z.array(z.number())])).nullable(),
    error: z.object({ error: z.string(), error_type: z.string() }).nullable(),
    workflow_id: z.string(),
    created_at: timestamp,
    completed_at: nullableTimestamp,
  }),
);

const tuningRunSchema = registry.register(
  'TuningRun',
  z.object({
    tuning_run_id: uuid,
    model_run_id: uuid,
    tuning_method: z.enum(TUNING_METHOD_VALUES),
    status: runStatus,
    workflow_id: z.string(),
    created_at: timestamp,
    started_at: nullableTimestamp,
    completed_at: nullableTimestamp,
    n_iterations: z.number().int(),
    tags: z.array(z.string()),
    user_notes: z.string().nullable(),
    parent_tuning_run_id: uuid.nullable(),
    stop_reason: z.string().nullable(),
  }),
);
const tuningRunWithScore = registry.register('TuningRunSummary', tuningRunSchema.extend({ best_score: z.number().nullable() }));

/** `tuning_runs.results` as the seed defines it (../shared/seed/tuning_run_model.md), top N candidates ranked. */
const seedResultsSchema = registry.register(
  'TuningResults',
  z
    .object({
      best_score: z.number().nullable(),
      total_combinations: z.number().int(),
      cv_folds: z.number().int(),
      scoring_metric: z.string(),
      tuning_time: z.number(),
      tuning_method: z.enum(TUNING_METHOD_VALUES),
      all_results: z.array(
        z.object({ rank: z.number().int(), params, mean_score: z.number(), std_score: z.number(), scores: z.array(z.number()) }),
      ),
      error: z.string().nullable(),
    })
    .passthrough(),
);
/** A FAILED run's results: the error, and whatever was found before it. */
const failedResultsSchema = registry.register(
  'FailedTuningResults',
  z.object({ error: z.string(), error_type: z.string() }).passthrough(),
);

const progressSchema = z.object({
  evaluated: z.number().int(),
  total: z.number().int().nullable().optional(),
  best_score: z.number().nullable().optional(),
  best_params: orNull(params).optional(),
  elapsed_seconds: z.number().nullable().optional(),
});

const runStatusSchema = registry.register(
  'TuningRunStatus',
  tuningRunSchema.extend({
    progress: progressSchema,
    /** FAILED runs only. */
    error: z.string().nullable().optional(),
    error_type: z.string().nullable().optional(),
  }),
);

const tuningResultsResponse = registry.register(
  'TuningRunResults',
  z.object({
    tuning_run_id: uuid,
    model_run_id: uuid,
    status: runStatus,
    best_params: orNull(params),
    results: z.union([seedResultsSchema, failedResultsSchema, z.null()]),
    stop_reason: z.string().nullable(),
    stopped_trials: z.array(z.number().int()),
    /** RUNNING runs only. */
    detail: z.string().optional(),
  }),
);

const trialSchema = registry.register(
  'Trial',
  z.object({
    number: z.number().int(),
    params,
    state: z.enum(TRIAL_STATE_VALUES),
    scores: z.array(z.number()),
    mean_score: z.number().nullable(),
    std_score: z.number().nullable(),
    duration_seconds: z.number(),
    error: z.string().optional(),
    /** The worker process that evaluated the trial (its Temporal identity); null when a client did. */
    worker: z.string().nullable(),
    created_at: timestamp,
  }),
);

const trialColumnsSchema = registry.register(
  'TrialColumns',
  z.object({
    number: z.array(z.number().int()),
    params: z.record(z.array(paramValue)).openapi({ description: 'A column per parameter; null where a trial has no such parameter.' }),
    state: z.array(z.enum(TRIAL_STATE_VALUES)),
    scores: z.array(z.array(z.number())),
    mean_score: z.array(z.number().nullable()),
    std_score: z.array(z.number().nullable()),
    duration_seconds: z.array(z.number()),
    error: z.array(z.string().nullable()),
    worker: z.array(z.string().nullable()),
    created_at: z.array(timestamp),
  }),
);

const budgetResponse = z.object({
  tuning_run_id: uuid,
  n_iter: z.number().int(),
  time_budget_seconds: z.number().nullable(),
  parallelism: z.number().int(),
});

const tokenSchema = registry.register(
  'Token',
  z.object({ id: uuid, name: z.string(), created_at: timestamp, expires_at: nullableTimestamp, last_used_at: nullableTimestamp }),
);

const suggestAnswer = registry.register(
  'SuggestAnswer',
  z.object({ trials: z.array(z.object({ number: z.number().int(), params })), done: z.boolean() }),
);

const scheduleState = z.object({ paused: z.boolean(), note: z.string().nullable() });
const scheduleSummaryFields = {
  id: uuid,
  schedule_id: z.string(),
  model_run_id: uuid,
  spec: z.object({
    cron: z.string().optional(),
    interval_seconds: z.number().int().optional(),
    offset_seconds: z.number().int().optional(),
    jitter_seconds: z.number().int().optional(),
    overlap_policy: z.enum(OVERLAP_POLICIES),
  }),
  created_at: timestamp,
};

/** A schedule in the list: its state, and Temporal's next action time (null when Temporal did not answer within 2 s). */
const scheduleSummarySchema = registry.register(
  'ScheduleSummary',
  z.object({ ...scheduleSummaryFields, state: scheduleState, next_action_time: nullableTimestamp }),
);

const scheduleSchema = registry.register(
  'Schedule',
  z.object({
    ...scheduleSummaryFields,
    /** The tuning request every action runs. */
    config: z.record(z.unknown()),
    tags: z.array(z.string()),
    user_notes: z.string().nullable(),
    state: scheduleState,
    /** Temporal's history of the schedule; null when Temporal did not answer within 2 s (the rest comes from the database). */
    info: z
      .object({
        num_actions_taken: z.number().int(),
        num_actions_skipped_overlap: z.number().int(),
        recent_actions: z.array(z.object({ scheduled_at: timestamp, taken_at: timestamp, workflow_id: z.string(), run_id: z.string() })),
        running_actions: z.array(z.object({ workflow_id: z.string(), run_id: z.string() })),
        next_action_times: z.array(timestamp),
        created_at: timestamp,
        last_updated_at: nullableTimestamp,
      })
      .nullable(),
    runs: z.array(tuningRunWithScore),
  }),
);

const dashboardRunSummary = tuningRunWithScore.extend({
  scoring: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  best_of_model_run: z.boolean(),
  model_type: z.string(),
  experiment: z.object({ id: uuid, name: z.string() }),
  dataset: z.object({ id: uuid, name: z.string() }),
});

const dashboardRunsSchema = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  runs: z.array(dashboardRunSummary),
});

const dashboardRunSchema = dashboardRunSummary.extend({
  direction: z.enum(['maximize', 'minimize']),
  evaluation: z.enum(['builtin', 'client']),
  best_params: z.record(z.unknown()).nullable(),
});

const readinessSchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() })),
});

const json = (schema: ZodTypeAny, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });
const typed = (type: string, description: string): ResponseConfig => ({ description, content: { [type]: { schema: z.string() } } });
const noContent: ResponseConfig = { description: 'Done; no body.' };
const error = (description: string) => json(errorSchema, description);
const studyConflict = error('The run is not client-evaluated or not RUNNING, or the trial is already closed or was never handed out.');

interface Operation {
  method: RouteConfig['method'];
  /** The Express path: `:id` becomes the path parameter `{id}`. */
  path: string;
  tag: string;
  summary: string;
  /** Requests with a JSON body answer 422 for a body that does not parse. */
  body?: ZodTypeAny;
  query?: z.AnyZodObject;
  responses: Record<number, ResponseConfig>;
  /** Served without a token (the health check, the dashboard and this documentation). */
  public?: boolean;
}

const API = '/api/v1';

/** Every route of the application (test/integration/openapi.test.ts checks the list against the Express router). */
const OPERATIONS: Operation[] = [
  { method: 'get', path: '/health', tag: 'service', summary: 'Liveness check', public: true, responses: { 200: json(z.object({ status: z.literal('ok') }), 'The API is up.') } },
  { method: 'get', path: '/health/live', tag: 'service', summary: 'Liveness: the process answers', public: true, responses: { 200: json(z.object({ status: z.literal('ok') }), 'The process is up.') } },
  {
    method: 'get',
    path: '/health/ready',
    tag: 'service',
    summary: 'Readiness: PostgreSQL and Temporal answer in time',
    public: true,
    responses: {
      200: json(readinessSchema, 'Ready.'),
      503: json(readinessSchema, 'Not ready; the failed check says why.'),
    },
  },
  { method: 'get', path: '/metrics', tag: 'service', summary: 'Prometheus metrics', public: true, responses: { 200: typed('text/plain', 'Prometheus text exposition format.') } },
  { method: 'get', path: '/', tag: 'service', summary: 'The dashboard (static pages)', public: true, responses: { 200: typed('text/html', 'The dashboard.'), 503: typed('text/plain', 'The dashboard is not built.') } },
  { method: 'get', path: `${API}/openapi.json`, tag: 'service', summary: 'This OpenAPI document', public: true, responses: { 200: json(z.record(z.unknown()), 'The OpenAPI 3.1 document.') } },
  { method: 'get', path: `${API}/docs`, tag: 'service', summary: 'The API reference page', public: true, responses: { 200: typed('text/html', 'A page listing the operations of this document.') } },
  { method: 'get', path: `${API}/docs/docs.js`, tag: 'service', summary: "The reference page's script", public: true, responses: { 200: typed('text/javascript', 'The script that renders the page.') } },

  { method: 'get', path: `${API}/tokens`, tag: 'tokens', summary: "The user's API tokens (never the tokens themselves)", responses: { 200: json(z.array(tokenSchema), 'Unrevoked tokens, newest first.') } },
  { method: 'post', path: `${API}/tokens`, tag: 'tokens', summary: 'Create an API token', body: registry.register('CreateTokenRequest', createTokenSchema), responses: { 201: json(tokenSchema.extend({ token: z.string(), detail: z.string() }), 'The token, shown only in this answer.') } },
  { method: 'delete', path: `${API}/tokens/:id`, tag: 'tokens', summary: 'Revoke an API token', responses: { 204: noContent } },

  { method: 'get', path: `${API}/datasets/samples`, tag: 'datasets', summary: 'The built-in sample data sets', responses: { 200: json(z.array(sampleDatasetSchema), 'The samples.') } },
  {
    method: 'post',
    path: `${API}/datasets`,
    tag: 'datasets',
    summary: 'Register a data set: a built-in sample, or a CSV (in JSON, or as a text/csv body with the other fields as query parameters)',
    body: registry.register('CreateDatasetRequest', createDatasetSchema),
    responses: { 201: json(datasetSchema, 'The data set.'), 413: error('The body is over the upload limit.') },
  },
  { method: 'get', path: `${API}/datasets`, tag: 'datasets', summary: "The user's data sets, newest first, a page at a time (the total in X-Total-Count)", query: pageQuery, responses: { 200: json(z.array(datasetSchema), 'Data sets.') } },
  { method: 'get', path: `${API}/datasets/:id`, tag: 'datasets', summary: 'One data set', responses: { 200: json(datasetSchema, 'The data set.') } },

  { method: 'post', path: `${API}/experiments`, tag: 'experiments', summary: 'Create an experiment on a data set', body: registry.register('CreateExperimentRequest', createExperimentSchema), responses: { 201: json(experimentSchema, 'The experiment.') } },
  { method: 'get', path: `${API}/experiments`, tag: 'experiments', summary: "The user's experiments, newest first, a page at a time (the total in X-Total-Count)", query: listExperimentsQuery, responses: { 200: json(z.array(experimentSchema), 'Experiments.') } },
  { method: 'get', path: `${API}/experiments/:id`, tag: 'experiments', summary: 'One experiment', responses: { 200: json(experimentSchema, 'The experiment.') } },

  {
    method: 'post',
    path: `${API}/model-runs`,
    tag: 'model runs',
    summary: 'Train a model (cross-validated) in a TrainingWorkflow, or register one your own code trains (model_type external)',
    body: registry.register('CreateModelRunRequest', createModelRunSchema),
    responses: {
      201: json(modelRunSchema, 'An external model run (model_type external), COMPLETED at registration.'),
      202: json(modelRunSchema, 'The model run, RUNNING.'),
      429: json(limitErrorSchema, 'Too many RUNNING model runs.'),
    },
  },
  { method: 'get', path: `${API}/model-runs`, tag: 'model runs', summary: "The user's model runs, newest first, a page at a time (the total in X-Total-Count)", query: listModelRunsQuery, responses: { 200: json(z.array(modelRunSchema), 'Model runs.') } },
  { method: 'get', path: `${API}/model-runs/:id`, tag: 'model runs', summary: 'One model run', responses: { 200: json(modelRunSchema, 'The model run.') } },
  { method: 'delete', path: `${API}/model-runs/:id`, tag: 'model runs', summary: 'Delete a model run with its tuning runs and schedules', responses: { 204: noContent } },
  {
    method: 'get',
    path: `${API}/model-runs/:id/tuning-runs`,
    tag: 'model runs',
    summary: "A model run's tuning runs, newest first",
    query: listTuningRunsQuery,
    responses: { 200: json(z.array(tuningRunWithScore), 'Tuning runs.') },
  },
  {
    method: 'get',
    path: `${API}/model-runs/:id/tuning-runs/best`,
    tag: 'model runs',
    summary: 'The completed tuning run with the highest best_score for a scoring (default: the model run’s)',
    query: bestQuery,
    responses: { 200: json(tuningRunSchema.extend({ best_params: orNull(params), results: orNull(seedResultsSchema) }), 'The best run.') },
  },

  {
    method: 'post',
    path: `${API}/tuning/tune`,
    tag: 'tuning',
    summary: 'Start a tuning run (grid search, random search or Bayesian optimisation) in a TuningWorkflow',
    body: registry.register('TuneRequest', tuneSchema),
    responses: {
      202: json(
        z.object({ tuning_run_id: uuid, status: runStatus, workflow_id: z.string(), tuning_method: z.enum(TUNING_METHOD_VALUES), total_candidates: z.number().int() }),
        'The tuning run, RUNNING.',
      ),
      409: error('The model run is not completed.'),
      429: json(limitErrorSchema, 'Too many RUNNING tuning runs.'),
      503: error('Temporal is not reachable; the run was recorded FAILED.'),
    },
  },
  { method: 'get', path: `${API}/tuning/tune/:id/status`, tag: 'tuning', summary: "A tuning run's status and progress", responses: { 200: json(runStatusSchema, 'Status.') } },
  { method: 'get', path: `${API}/tuning/tune/:id/results`, tag: 'tuning', summary: "A tuning run's results in the seed's shape", responses: { 200: json(tuningResultsResponse, 'Results (null while RUNNING).') } },
  {
    method: 'post',
    path: `${API}/tuning/tune/:id/cancel`,
    tag: 'tuning',
    summary: 'Cancel a running tuning run (it ends FAILED, Cancelled, keeping its best results)',
    body: registry.register('CancelRequest', cancelSchema),
    responses: { 202: json(z.object({ tuning_run_id: uuid, status: runStatus, detail: z.string() }), 'Cancellation requested.'), 409: error('The run is not RUNNING.') },
  },
  {
    method: 'patch',
    path: `${API}/tuning/tune/:id`,
    tag: 'tuning',
    summary: "Change a running run's n_iter, time budget or parallelism",
    body: registry.register('BudgetChangeRequest', budgetSchema),
    responses: { 200: json(budgetResponse, 'The budget now in force.'), 409: error('The run is not RUNNING or could not take the change.') },
  },
  {
    method: 'get',
    path: `${API}/tuning/tune/:id/trials`,
    tag: 'tuning',
    summary: 'Every evaluated candidate with its fold scores (`?format=csv` or `json` for a download, `columns` for the compact form)',
    query: z.object({ format: z.enum(['csv', 'json', 'columns']).optional() }),
    responses: {
      200: {
        description: 'Trials: a list of objects, or with `?format=columns` one array per field in trial order.',
        content: {
          'application/json': {
            schema: z.union([
              z.object({ tuning_run_id: uuid, status: runStatus, trials: z.array(trialSchema) }),
              z.object({ tuning_run_id: uuid, status: runStatus, columns: trialColumnsSchema }),
            ]),
          },
          'text/csv': { schema: z.string() },
        },
      },
    },
  },
  {
    method: 'post',
    path: `${API}/tuning/tune/:id/suggest`,
    tag: 'study',
    summary: 'Ask a client-evaluated run for `count` trials to evaluate (idempotent per client_id)',
    body: registry.register('SuggestRequest', suggestSchema),
    responses: {
      200: json(suggestAnswer, 'The trials (the same ones again for the same client_id); done: nothing is left to hand out.'),
      409: studyConflict,
    },
  },
  {
    method: 'post',
    path: `${API}/tuning/tune/:id/trials/:number/report`,
    tag: 'study',
    summary: "Report a trial's intermediate value; the answer says whether the run's pruner stops it",
    body: registry.register('ReportRequest', reportSchema),
    responses: { 200: json(z.object({ should_prune: z.boolean() }), 'Whether to prune.'), 409: studyConflict },
  },
  {
    method: 'post',
    path: `${API}/tuning/tune/:id/trials/:number/complete`,
    tag: 'study',
    summary: 'Close a trial: COMPLETE with a value or fold scores, or FAILED / INFEASIBLE / PRUNED with a reason; with `next`, also ask for the next trials',
    body: registry.register('CompleteRequest', completeSchema),
    responses: {
      200: json(
        z.object({ number: z.number().int(), state: z.enum(TRIAL_STATE_VALUES), value: z.number().nullable(), next: suggestAnswer.optional() }),
        'The acknowledgement (the same one for a repeated completion); `next`: the suggestion asked for, as POST …/suggest answers it.',
      ),
      409: studyConflict,
    },
  },
  {
    method: 'post',
    path: `${API}/tuning/tune/:id/trials/:number/heartbeat`,
    tag: 'study',
    summary: 'Keep a trial alive; one without heartbeats for trial_timeout_seconds ends FAILED (stale)',
    responses: {
      200: json(z.object({ state: z.enum([...TRIAL_STATE_VALUES, 'RUNNING']) }), "The trial's state."),
      409: studyConflict,
      422: error('The trial number is not a non-negative integer.'),
    },
  },
  {
    method: 'get',
    path: `${API}/tuning/tune/:id/importance`,
    tag: 'tuning',
    summary: 'Hyperparameter importances (fANOVA) from the completed trials',
    responses: {
      200: json(z.object({ tuning_run_id: uuid, evaluator: z.literal('fanova'), n_trials: z.number().int(), importances: z.record(z.number()) }), 'Importances, summing to 1.'),
      409: error('Fewer than 2 completed trials.'),
    },
  },
  {
    method: 'get',
    path: `${API}/tuning/runs`,
    tag: 'tuning',
    summary: "All the user's tuning runs with their model run, experiment and data set (the dashboard's list)",
    query: dashboardRunsQuery,
    responses: { 200: json(dashboardRunsSchema, 'A page of runs.') },
  },
  {
    method: 'get',
    path: `${API}/tuning/runs/:id`,
    tag: 'tuning',
    summary: "One tuning run as the dashboard's list shows it, with its direction, evaluation and best parameters",
    responses: { 200: json(dashboardRunSchema, 'The run.') },
  },
  {
    method: 'get',
    path: `${API}/ui-config`,
    tag: 'service',
    summary: "The Temporal Web UI's address, for the dashboard's links",
    responses: { 200: json(z.object({ temporal_ui_url: z.string().nullable(), temporal_namespace: z.string() }), 'Where the Temporal UI is.') },
  },

  { method: 'post', path: `${API}/tuning/schedules`, tag: 'schedules', summary: 'Re-tune a model run on a cron or interval schedule', body: registry.register('CreateScheduleRequest', createScheduleSchema), responses: { 201: json(scheduleSchema, 'The schedule.') } },
  {
    method: 'get',
    path: `${API}/tuning/schedules`,
    tag: 'schedules',
    summary: "The user's schedules, newest first, a page at a time (the total in X-Total-Count)",
    query: listSchedulesQuery,
    responses: { 200: json(z.array(scheduleSummarySchema), 'Schedules, newest first.') },
  },
  { method: 'get', path: `${API}/tuning/schedules/:id`, tag: 'schedules', summary: 'One schedule with its recent runs', responses: { 200: json(scheduleSchema, 'The schedule.') } },
  { method: 'patch', path: `${API}/tuning/schedules/:id`, tag: 'schedules', summary: "Change a schedule's spec, pause it or note it", body: registry.register('UpdateScheduleRequest', updateScheduleSchema), responses: { 200: json(scheduleSchema, 'The schedule.') } },
  { method: 'delete', path: `${API}/tuning/schedules/:id`, tag: 'schedules', summary: 'Delete a schedule (its runs stay)', responses: { 204: noContent } },
  {
    method: 'post',
    path: `${API}/tuning/schedules/:id/trigger`,
    tag: 'schedules',
    summary: 'Run a schedule now',
    body: registry.register('TriggerScheduleRequest', triggerScheduleSchema),
    responses: { 202: json(z.object({ id: uuid, schedule_id: z.string(), triggered: z.literal(true), overlap_policy: z.enum(OVERLAP_POLICIES) }), 'Triggered.') },
  },
];

/** `/a/:id/b` → `/a/{id}/b`, OpenAPI's form of an Express path. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

registry.registerComponent('securitySchemes', 'bearerToken', {
  type: 'http',
  scheme: 'bearer',
  description: 'An API token (`npm run create-user`, or POST /api/v1/tokens).',
});

for (const op of OPERATIONS) {
  const pathParams = [...op.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const responses: Record<number, ResponseConfig> = { ...op.responses };
  if (!op.public) {
    responses[401] = error('Missing, invalid, revoked or expired token.');
    responses[429] ??= json(limitErrorSchema, 'Over the per-user request rate; see Retry-After.');
  }
  // Ids that are not UUIDs answer 404 too, like unknown ones.
  if (pathParams.length > 0) responses[404] = error('No such resource, or another user’s.');
  if (op.body || op.query) responses[422] = error('Invalid input: `detail` names every field at fault.');
  registry.registerPath({
    method: op.method,
    path: openApiPath(op.path),
    tags: [op.tag],
    summary: op.summary,
    ...(op.public ? { security: [] } : {}),
    request: {
      ...(pathParams.length > 0 ? { params: z.object(Object.fromEntries(pathParams.map((name) => [name, z.string()]))) } : {}),
      ...(op.query ? { query: op.query } : {}),
      ...(op.body ? { body: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
    },
    responses,
  });
}

let document: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

/** The document, generated once per process. */
export function openApiDocument() {
  document ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tuning service API',
      version: '1',
      description: 'Hyperparameter tuning on Temporal: data sets, experiments, model runs, tuning runs and schedules.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerToken: [] }],
  });
  return document;
}
