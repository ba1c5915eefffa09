/** Settings read from the environment, with the defaults of the local quick start. */
import path from 'node:path';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
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
  /** Workflow history events after which a tuning run continues as new. */
  historyEventLimit: number;
  /** Bytes of parsed data sets each worker process keeps for reuse (DATASET_CACHE_BYTES). */
  datasetCacheBytes: number;
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
    historyEventLimit: intFromEnv('TUNING_HISTORY_EVENT_LIMIT', 10_000),
    datasetCacheBytes: intFromEnv('DATASET_CACHE_BYTES', 1024 ** 3),
  };
}
