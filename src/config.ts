/** Settings read from the environment, with the defaults of the local quick start. */
import path from 'node:path';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function listFromEnv(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * Largest value of each cost-driving estimator parameter the API accepts (model runs, grid values,
 * distribution bounds); documented with their variables in the README.
 */
export interface ParameterLimits {
  n_estimators: number;
  max_iter: number;
  max_depth: number;
  max_leaf_nodes: number;
  n_neighbors: number;
  max_bins: number;
}

export interface ServiceConfig {
  /** External PostgreSQL; when unset the start command runs an embedded one in stateDir. */
  databaseUrl?: string;
  /** External Temporal frontend (host:port); when unset the start command runs the dev server. */
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  stateDir: string;
  apiHost: string;
  apiPort: number;
  temporalPort: number;
  temporalUiPort: number;
  /** Largest grid (number of combinations) a tuning request may ask for. */
  maxGridSize: number;
  /** Largest n_iter a random or bayesian request may ask for. */
  maxIterations: number;
  /** Evaluation threads per worker process (0 = one per core). */
  evaluationThreads: number;
  /** Memory one evaluation thread's fit may use, in MB (EVALUATION_THREAD_MEMORY_MB). */
  evaluationThreadMemoryMb: number;
  /** Workflow history events after which a tuning run continues as new. */
  historyEventLimit: number;
  /** Bytes of parsed data sets each worker process keeps for reuse (DATASET_CACHE_BYTES). */
  datasetCacheBytes: number;
  /** Largest cost-driving parameter values (MAX_N_ESTIMATORS, MAX_ITER, ...). */
  parameterLimits: ParameterLimits;
  /** Largest estimated cost of one evaluation, in the units of src/ml/cost.ts (MAX_EVALUATION_COST). */
  maxEvaluationCost: number;
  /** Longest duration a request may give, e.g. time_budget_seconds (MAX_DURATION_SECONDS). */
  maxDurationSeconds: number;
  /** Body limits in bytes: JSON requests, data-set uploads, and any compressed body once inflated. */
  jsonBodyLimitBytes: number;
  datasetBodyLimitBytes: number;
  /** Raw (CSV, Parquet) data-set uploads: streamed, never held whole, so far larger (DATASET_STREAM_LIMIT). */
  datasetStreamLimitBytes: number;
  inflatedBodyLimitBytes: number;
  /** Origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated; empty: none). */
  corsOrigins: string[];
  /** Per-user quotas (0: off): RUNNING model runs and tuning runs at once, API requests per minute. */
  maxRunningModelRuns: number;
  maxRunningTuningRuns: number;
  rateLimitPerMinute: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'hyperparameter-tuning',
    stateDir: path.resolve(env.STATE_DIR || '.state'),
    apiHost: env.HOST || '127.0.0.1',
    apiPort: intFromEnv('PORT', 8000),
    temporalPort: intFromEnv('TEMPORAL_PORT', 7233),
    temporalUiPort: intFromEnv('TEMPORAL_UI_PORT', 8233),
    maxGridSize: intFromEnv('MAX_GRID_SIZE', 5000),
    maxIterations: intFromEnv('MAX_ITERATIONS', 5000),
    evaluationThreads: intFromEnv('EVALUATION_THREADS', 0),
    evaluationThreadMemoryMb: intFromEnv('EVALUATION_THREAD_MEMORY_MB', 2048),
    historyEventLimit: intFromEnv('TUNING_HISTORY_EVENT_LIMIT', 10_000),
    datasetCacheBytes: intFromEnv('DATASET_CACHE_BYTES', 1024 ** 3),
    parameterLimits: {
      n_estimators: intFromEnv('MAX_N_ESTIMATORS', 5000),
      max_iter: intFromEnv('MAX_ITER', 10_000),
      max_depth: intFromEnv('MAX_DEPTH', 1000),
      max_leaf_nodes: intFromEnv('MAX_LEAF_NODES', 1_000_000),
      n_neighbors: intFromEnv('MAX_N_NEIGHBORS', 10_000),
      max_bins: intFromEnv('MAX_BINS', 255),
    },
    maxEvaluationCost: intFromEnv('MAX_EVALUATION_COST', 1e11),
    maxDurationSeconds: intFromEnv('MAX_DURATION_SECONDS', 30 * 24 * 3600),
    jsonBodyLimitBytes: intFromEnv('JSON_BODY_LIMIT', 1024 ** 2),
    datasetBodyLimitBytes: intFromEnv('DATASET_BODY_LIMIT', 200 * 1024 ** 2),
    datasetStreamLimitBytes: intFromEnv('DATASET_STREAM_LIMIT', 64 * 1024 ** 3),
    inflatedBodyLimitBytes: intFromEnv('INFLATED_BODY_LIMIT', 32 * 1024 ** 2),
    corsOrigins: listFromEnv(env.CORS_ORIGINS),
    maxRunningModelRuns: intFromEnv('MAX_RUNNING_MODEL_RUNS', 10),
    maxRunningTuningRuns: intFromEnv('MAX_RUNNING_TUNING_RUNS', 10),
    rateLimitPerMinute: intFromEnv('RATE_LIMIT_PER_MINUTE', 600),
  };
}
