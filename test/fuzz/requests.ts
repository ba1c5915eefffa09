/**
 * The fuzzer's request catalogue: every route of src/api/routes, each body or query made by walking
 * the route's own zod schema (values.ts), with field hooks that point ids at things that exist and
 * fill the estimator-specific parts (model types, hyperparameters, grids, distributions, CSV) the
 * schemas leave open. Any request may also get a transport-level fault: a wrong Content-Type or
 * charset, malformed JSON, a corrupt or unknown Content-Encoding, a malformed percent-encoding in
 * the path, a missing or foreign token.
 */
import { gzipSync, deflateSync } from 'node:zlib';
import { z } from 'zod';
import {
  budgetSchema,
  cancelSchema,
  completeSchema,
  createDatasetSchema,
  createExperimentSchema,
  createModelRunSchema,
  listTuningRunsQuery,
  reportSchema,
  suggestSchema,
  tuneSchema,
} from '../../src/api/schemas';
import { createScheduleSchema, triggerScheduleSchema, updateScheduleSchema } from '../../src/api/routes/schedules';
import { createTokenSchema } from '../../src/api/routes/tokens';
import { MODEL_TYPES } from '../../src/ml/estimators';
import type { Task } from '../../src/ml/types';
import { deeplyNested, HOSTILE_NUMBERS, HOSTILE_STRINGS, innerSchema, RawJson, Rng, toJsonText, valueFor, wrongTypeFor, type FieldHook } from './values';

export interface FuzzRequest {
  /** Which route (for the counts), e.g. "POST /tuning/tune". */
  route: string;
  method: string;
  /** From the server's root: /api/v1/… for the API, /health… and /metrics outside it. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was done to it beyond the schema walk, for the failure report. */
  faults: string[];
}

export interface ModelRunRef {
  id: string;
  task: Task;
  modelType: string;
}

/** What exists in the service, so generated ids reach past the 404 of an unknown id. */
export interface FuzzContext {
  token: string;
  otherToken: string;
  datasetIds: string[];
  experiments: { id: string; task: Task }[];
  /** Completed model runs of the fuzzing user, never deleted (tuning requests point here). */
  modelRuns: ModelRunRef[];
  /** Model runs the fuzzer itself created: the only ones it deletes. */
  createdModelRunIds: string[];
  tuningRunIds: string[];
  scheduleIds: string[];
  /** API tokens the fuzzer created (never its own, which it must keep). */
  tokenIds: string[];
  /** Client-evaluated tuning runs (the study API's), and the trial numbers they handed out. */
  studyRunIds: string[];
  trialNumbers: number[];
}

const SAMPLES = ['iris', 'wine', 'breast_cancer', 'diabetes', 'digits'];
const SCORINGS: Record<Task, readonly string[]> = {
  classification: ['accuracy', 'f1_macro', 'balanced_accuracy', 'neg_log_loss', 'roc_auc'],
  regression: ['r2', 'neg_mean_squared_error', 'neg_mean_absolute_error', 'max_error'],
};
const BAD_SCORINGS = ['bogus', 'ACCURACY', 'roc_auc', 'r2'];
const scoringFor = (task: Task, rng: Rng) => (rng.chance(0.9) ? rng.pick(SCORINGS[task]) : rng.pick(BAD_SCORINGS));
const CRONS = ['@hourly', '@daily', '0 3 * * *', '*/30 * * * *', '61 * * * *', '* * *', '@every 1s', 'bogus cron', '0 0 31 2 *'];

/** Plausible values per estimator parameter, small so that accepted runs stay cheap. */
const PARAM_VALUES: Record<string, readonly unknown[]> = {
  n_estimators: [1, 2, 3, 5],
  max_iter: [1, 2, 5, 10],
  max_depth: [null, 1, 2, 3, 5],
  max_leaf_nodes: [null, 2, 4, 8],
  min_samples_split: [2, 3, 0.1],
  min_samples_leaf: [1, 2, 0.1],
  min_weight_fraction_leaf: [0, 0.1],
  min_impurity_decrease: [0, 0.01],
  max_features: ['sqrt', 'log2', null, 0.5, 1, 2],
  max_samples: [null, 0.5, 10],
  criterion: ['gini', 'entropy', 'log_loss', 'squared_error', 'friedman_mse', 'absolute_error', 'poisson'],
  splitter: ['best', 'random'],
  bootstrap: [true, false],
  learning_rate: [0.05, 0.1, 1],
  subsample: [0.5, 1],
  loss: ['log_loss', 'squared_error', 'absolute_error', 'huber', 'exponential'],
  max_bins: [2, 16, 255],
  l2_regularization: [0, 0.1],
  early_stopping: ['auto', true, false],
  n_iter_no_change: [2, 10],
  validation_fraction: [0.1, 0.2],
  tol: [1e-4, 1e-3],
  C: [0.1, 1, 10],
  alpha: [0.1, 1, 10],
  penalty: ['l2', null, 'l1'],
  solver: ['lbfgs', 'auto', 'cholesky'],
  fit_intercept: [true, false],
  class_weight: [null, 'balanced'],
  n_neighbors: [1, 3, 5],
  weights: ['uniform', 'distance'],
  metric: ['minkowski', 'euclidean', 'manhattan'],
  p: [1, 2],
  standardize: [true, false],
  random_state: [0, 1, 42],
  ccp_alpha: [0, 0.01],
  scoring: ['loss', null],
};

/** The plausible values of `name` (own keys only: the fuzzer also names `toString` and `__proto__`). */
const plausibleValues = (name: string): readonly unknown[] =>
  Object.prototype.hasOwnProperty.call(PARAM_VALUES, name) ? PARAM_VALUES[name] : [1, 2, 0.5, 'auto', true, null];

/** A parameter value: mostly plausible, sometimes wrong-typed or hostile. */
function paramValue(name: string, rng: Rng): unknown {
  if (rng.chance(0.85)) return rng.pick(plausibleValues(name));
  if (rng.chance(0.5)) return rng.pick(HOSTILE_NUMBERS);
  return rng.chance(0.5) ? rng.pick(HOSTILE_STRINGS) : wrongTypeFor(1, rng);
}

function paramNamesOf(modelType: string, task: Task): string[] {
  return [...(MODEL_TYPES[modelType]?.paramNames[task] ?? Object.keys(PARAM_VALUES))];
}

/** A few of the model's parameter names (or, rarely, a name it does not have). */
function someNames(modelType: string, task: Task, rng: Rng, count: number): string[] {
  const names = paramNamesOf(modelType, task);
  return Array.from({ length: count }, () => (rng.chance(0.9) ? rng.pick(names) : rng.pick(['nope', 'toString', '__proto__', '', 'n\u0000x'])));
}

function hyperparameters(modelType: string, task: Task, rng: Rng): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const name of someNames(modelType, task, rng, rng.int(0, 3))) params[name] = paramValue(name, rng);
  // Ensembles: always a few trees or iterations, so that an accepted run costs little.
  for (const cheap of ['n_estimators', 'max_iter']) {
    if (paramNamesOf(modelType, task).includes(cheap) && !(cheap in params)) params[cheap] = rng.int(1, 4);
  }
  return params;
}

function paramGrid(run: ModelRunRef, rng: Rng): Record<string, unknown> {
  const grid: Record<string, unknown> = {};
  for (const name of someNames(run.modelType, run.task, rng, rng.int(1, 2))) {
    const values = new Set(Array.from({ length: rng.int(1, 3) }, () => paramValue(name, rng)));
    grid[name] = rng.chance(0.05) ? rng.pick([[], 'not a list', { a: 1 }]) : [...values];
  }
  return grid;
}

function distribution(name: string, rng: Rng): unknown {
  const numbers = plausibleValues(name).filter((v): v is number => typeof v === 'number');
  const kind = rng.pick(['int', 'float', 'categorical', 'hostile'] as const);
  if (kind === 'categorical' || numbers.length < 2) return { type: 'categorical', choices: [...new Set([paramValue(name, rng), paramValue(name, rng)])] };
  const [low, high] = [Math.min(...numbers), Math.max(...numbers)];
  if (kind === 'int') return { type: 'int', low: Math.ceil(low), high: Math.max(Math.ceil(low), Math.floor(high)), ...(rng.chance(0.3) ? { log: true } : {}) };
  if (kind === 'float') return { type: 'float', low, high, ...(rng.chance(0.3) ? { step: (high - low) / 2 || 1 } : {}) };
  return rng.pick<unknown>([
    { type: 'int', low: 5, high: 1 },
    { type: 'int', low: 1.5, high: 3 },
    { type: 'float', low: new RawJson('-1e999'), high: new RawJson('1e999') },
    { type: 'float', low: 0, high: 1, log: true },
    { type: 'float', low: 0, high: 1, step: 0.3 },
    { type: 'int', low: 1, high: 3, condition: { param: name, equals: 2 } },
    { type: 'banana', low: 1, high: 2 },
    { type: 'categorical', choices: [] },
    { type: 'categorical', choices: [1, 1] },
    { type: 'categorical', choices: [{ nested: true }] },
    { type: 'int', low: 1, high: 3, extra: 'key' },
    { type: 'int', low: 1, high: 2 ** 31 },
    deeplyNested(1000, 1, 'object'),
    'int',
  ]);
}

function paramDistributions(run: ModelRunRef, rng: Rng): Record<string, unknown> {
  const space: Record<string, unknown> = {};
  for (const name of someNames(run.modelType, run.task, rng, rng.int(1, 2))) space[name] = distribution(name, rng);
  return space;
}

/** A small CSV: numeric features and a target, sometimes broken in one of many ways. */
function csvText(rng: Rng): { csv: string; target: string; task: Task } {
  const task: Task = rng.chance(0.5) ? 'classification' : 'regression';
  const features = rng.int(1, 3);
  const rows = rng.int(4, 30);
  const header = [...Array.from({ length: features }, (_, i) => `f${i}`), 'label'];
  const lines = [header.join(',')];
  for (let r = 0; r < rows; r++) {
    const values = Array.from({ length: features }, () => (rng.next() * 10).toFixed(2));
    values.push(task === 'classification' ? rng.pick(['a', 'b']) : (rng.next() * 100).toFixed(1));
    lines.push(values.join(','));
  }
  let csv = lines.join('\n') + '\n';
  if (rng.chance(0.4)) {
    csv = rng.pick([
      () => csv.replace('f0', 'f\u00000'),
      () => csv.replace(/\n[^\n]*\n$/, '\n1,2,3,4,5,6\n'),
      () => csv.replace(/\d\.\d\d/, 'NaN'),
      () => csv.replace(/\d\.\d\d/, '1e999'),
      () => csv.replace(/\d\.\d\d/, ''),
      () => csv.replace('label', 'f0'),
      () => header.join(',') + '\n',
      () => '\ufeff' + csv,
      () => csv.replace(/\n/g, '\r\n'),
      () => csv.replace(/,(a|b)\n/, ',"quoted, ""label"""\n'),
      () => csv.replace(/,(a|b)\n/, ',🚀\n'),
      () => '"unterminated\n' + csv,
      () => ',,,\n,,,\n',
      () => csv + 'x'.repeat(rng.int(1, 50_000)),
    ])();
  }
  return { csv, target: rng.chance(0.9) ? 'label' : rng.pick(['missing', 'f0', '', 'LABEL']), task: rng.chance(0.9) ? task : rng.pick(['classification', 'regression']) };
}

function uuidField(candidates: readonly string[], rng: Rng): string {
  return candidates.length > 0 && rng.chance(0.85) ? rng.pick(candidates) : rng.uuid();
}

/** Field hooks by field name: ids that exist, and the estimator-specific values. */
function hooksFor(ctx: FuzzContext, run: ModelRunRef, task: Task): FieldHook {
  return (path, _schema, rng) => {
    const field = path.split('.').pop()!;
    switch (path) {
      case 'dataset_id':
        return uuidField(ctx.datasetIds, rng);
      case 'experiment_id':
        return uuidField(ctx.experiments.map((e) => e.id), rng);
      case 'model_run_id':
        return uuidField(ctx.modelRuns.map((m) => m.id), rng);
      case 'parent_tuning_run_id':
        return rng.chance(0.8) ? null : uuidField(ctx.tuningRunIds, rng);
      case 'model_type':
        return rng.chance(0.9) ? run.modelType : rng.pick([...Object.keys(MODEL_TYPES), 'svm', 'Random_Forest']);
      case 'hyperparameters':
        return hyperparameters(run.modelType, task, rng);
      case 'param_grid':
        return paramGrid(run, rng);
      case 'param_distributions':
        return paramDistributions(run, rng);
      case 'scoring':
        return scoringFor(task, rng);
      case 'sample':
        return rng.chance(0.9) ? rng.pick(SAMPLES) : 'nope';
      case 'cron':
        return rng.pick(CRONS);
      // Schedules rarely fire during a fuzz run; actions come from the trigger route.
      case 'interval_seconds':
        return rng.pick([3600, 86_400, 7200]);
      case 'offset_seconds':
      case 'jitter_seconds':
        return rng.pick([0, 30, 600]);
      case 'paused':
        return rng.chance(0.7);
    }
    return field === 'time_budget_seconds' && rng.chance(0.5) ? null : undefined;
  };
}

/** A body from the schema walk, with the request's overall mutation rate and sometimes a structural fault. */
function bodyFrom(schema: z.ZodTypeAny, hook: FieldHook, rng: Rng, mutation: number, faults: string[]): unknown {
  let body = valueFor(schema, '', { rng, mutation: 0, hook: (path, s, r) => (path === '' ? undefined : hook(path, s, r)) });
  body = mutateFields(schema, body, hook, rng, mutation, faults);
  if (rng.chance(mutation / 2)) {
    const fault = rng.pick(['array', 'scalar', 'unknown key', 'missing key', 'deep'] as const);
    faults.push(`body: ${fault}`);
    const object = (body ?? {}) as Record<string, unknown>;
    if (fault === 'array') return [body];
    if (fault === 'scalar') return rng.pick([null, 1, 'text', true]);
    if (fault === 'unknown key') return { ...object, [rng.pick(['extra', '__proto__', 'constructor', '\u0000'])]: 1 };
    if (fault === 'missing key') {
      const keys = Object.keys(object);
      if (keys.length) delete object[rng.pick(keys)];
      return object;
    }
    return { ...object, [rng.pick(Object.keys(object).concat('x'))]: deeplyNested(rng.pick([100, 5000, 50_000]), 1, rng.pick(['array', 'object'] as const)) };
  }
  return body;
}

/** Replaces some top-level fields by the walk's mutated values (boundary, wrong type, hostile). */
function mutateFields(schema: z.ZodTypeAny, body: unknown, hook: FieldHook, rng: Rng, mutation: number, faults: string[]): unknown {
  const inner = innerSchema(schema);
  if (!(inner instanceof z.ZodObject) || typeof body !== 'object' || body === null) return body;
  const object = body as Record<string, unknown>;
  for (const [key, field] of Object.entries(inner.shape as z.ZodRawShape)) {
    if (!rng.chance(mutation)) continue;
    object[key] = valueFor(field, key, { rng, mutation: 1, hook });
    faults.push(`field ${key}`);
  }
  return object;
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) is sent as its invalid UTF-8 bytes. */
const encodeQueryValue = (value: string) =>
  value.split(/([\ud800-\udfff])/u).map((part, i) => (i % 2 ? `%${part.charCodeAt(0) < 0xdc00 ? 'ED%A0' : 'ED%B0'}%80` : encodeURIComponent(part))).join('');

function queryString(values: Record<string, unknown>): string {
  const parts = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeQueryValue(typeof v === 'string' ? v : toJsonText(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** An id for a path: mostly one that exists, sometimes another user's shape, malformed or hostile. */
function pathId(candidates: readonly string[], rng: Rng): string {
  if (candidates.length && rng.chance(0.75)) return rng.pick(candidates);
  return rng.pick([
    rng.uuid(),
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    encodeURIComponent('名前'),
    '%00',
    encodeURIComponent("1' or '1'='1"),
    'x'.repeat(rng.pick([300, 5000])),
    '..%2F..%2Fhealth',
  ]);
}

/** The grid or space the body's tuning_method needs (grid_search: a grid; else a space, or a list to sample), not both. */
function withSearchSpace(body: Record<string, unknown>, run: ModelRunRef, rng: Rng): void {
  if (body.tuning_method === 'grid_search' || (body.tuning_method === 'random_search' && rng.chance(0.3))) {
    body.param_grid ??= paramGrid(run, rng);
    delete body.param_distributions;
  } else {
    body.param_distributions ??= paramDistributions(run, rng);
    delete body.param_grid;
  }
}

interface Route {
  route: string;
  weight: number;
  /** Paths are under /api/v1 unless `root`. */
  make(ctx: FuzzContext, rng: Rng, mutation: number, faults: string[]): { method: string; path: string; root?: boolean; body?: unknown; contentType?: string; rawBody?: string };
}

const pickRun = (ctx: FuzzContext, rng: Rng) => rng.pick(ctx.modelRuns);
/** Mostly the client-evaluated runs (the study API answers 409 for the others). */
const studyOrTuningRuns = (ctx: FuzzContext, rng: Rng) => (rng.chance(0.8) ? ctx.studyRunIds : ctx.tuningRunIds);
const trialNumber = (ctx: FuzzContext, rng: Rng) =>
  rng.chance(0.8) && ctx.trialNumbers.length ? String(rng.pick(ctx.trialNumbers)) : rng.pick(['0', '-1', '1e9', '1000000001', '1.5', 'abc', '%zz', '9'.repeat(400)]);

const ROUTES: Route[] = [
  {
    route: 'POST /datasets',
    weight: 5,
    make(ctx, rng, mutation, faults) {
      const generated = csvText(rng);
      const hook: FieldHook = (path, s, r) =>
        path === 'csv' ? generated.csv : path === 'target_column' ? generated.target : path === 'task_type' ? generated.task : hooksFor(ctx, pickRun(ctx, r), generated.task)(path, s, r);
      const body = bodyFrom(createDatasetSchema, hook, rng, mutation, faults) as Record<string, unknown>;
      // Mostly one of the two coherent shapes: a sample, or a CSV with its target and task.
      if (body && typeof body === 'object' && !Array.isArray(body) && rng.chance(0.6)) {
        if ('sample' in body && rng.chance(0.5)) {
          delete body.csv;
          delete body.task_type;
          delete body.target_column;
        } else if (!('sample' in body)) Object.assign(body, { csv: generated.csv, target_column: generated.target, task_type: generated.task });
      }
      return { method: 'POST', path: '/datasets', body };
    },
  },
  {
    route: 'POST /datasets (text/csv)',
    weight: 3,
    make(_ctx, rng, mutation, faults) {
      const generated = csvText(rng);
      const query: Record<string, unknown> = { target_column: generated.target, task_type: generated.task, name: rng.chance(0.5) ? 'upload' : undefined };
      if (rng.chance(mutation)) {
        const key = rng.pick(['target_column', 'task_type', 'name', 'csv', 'sample']);
        query[key] = rng.pick(HOSTILE_STRINGS.filter((s) => s.length < 1000));
        faults.push(`query ${key}`);
      }
      return { method: 'POST', path: `/datasets${queryString(query)}`, rawBody: generated.csv, contentType: rng.pick(['text/csv', 'text/plain', 'text/csv; charset=utf-8']) };
    },
  },
  { route: 'GET /datasets', weight: 1, make: () => ({ method: 'GET', path: '/datasets' }) },
  { route: 'GET /datasets/samples', weight: 1, make: () => ({ method: 'GET', path: '/datasets/samples' }) },
  { route: 'GET /datasets/:id', weight: 2, make: (ctx, rng) => ({ method: 'GET', path: `/datasets/${pathId(ctx.datasetIds, rng)}` }) },
  {
    route: 'POST /experiments',
    weight: 3,
    make: (ctx, rng, mutation, faults) => ({ method: 'POST', path: '/experiments', body: bodyFrom(createExperimentSchema, hooksFor(ctx, pickRun(ctx, rng), 'classification'), rng, mutation, faults) }),
  },
  { route: 'GET /experiments', weight: 1, make: () => ({ method: 'GET', path: '/experiments' }) },
  { route: 'GET /experiments/:id', weight: 2, make: (ctx, rng) => ({ method: 'GET', path: `/experiments/${pathId(ctx.experiments.map((e) => e.id), rng)}` }) },
  {
    route: 'POST /model-runs',
    weight: 4,
    make(ctx, rng, mutation, faults) {
      const experiment = rng.pick(ctx.experiments);
      const modelType = rng.pick(Object.keys(MODEL_TYPES).filter((m) => MODEL_TYPES[m].tasks.includes(experiment.task)));
      const run: ModelRunRef = { id: '', task: experiment.task, modelType };
      const hook = hooksFor(ctx, run, experiment.task);
      const body = bodyFrom(createModelRunSchema, (path, s, r) => (path === 'experiment_id' && r.chance(0.9) ? experiment.id : hook(path, s, r)), rng, mutation, faults);
      return { method: 'POST', path: '/model-runs', body };
    },
  },
  { route: 'GET /model-runs/:id', weight: 2, make: (ctx, rng) => ({ method: 'GET', path: `/model-runs/${pathId([...ctx.modelRuns.map((m) => m.id), ...ctx.createdModelRunIds], rng)}` }) },
  { route: 'DELETE /model-runs/:id', weight: 1, make: (ctx, rng) => ({ method: 'DELETE', path: `/model-runs/${pathId(ctx.createdModelRunIds, rng)}` }) },
  {
    route: 'GET /model-runs/:id/tuning-runs',
    weight: 4,
    make(ctx, rng, mutation, faults) {
      const query = valueFor(listTuningRunsQuery, '', { rng, mutation, hook: () => undefined }) as Record<string, unknown>;
      if (rng.chance(mutation)) {
        const raw = rng.pick(['offset=1e20', 'limit=-1', 'limit=NaN', 'offset=0x10', 'limit=1&limit=2', 'status[]=running', 'tag[a]=b', 'tag=%00', 'offset=%zz', 'limit=' + '9'.repeat(400)]);
        faults.push(`query ${raw}`);
        return { method: 'GET', path: `/model-runs/${pathId(ctx.modelRuns.map((m) => m.id), rng)}/tuning-runs?${raw}` };
      }
      return { method: 'GET', path: `/model-runs/${pathId(ctx.modelRuns.map((m) => m.id), rng)}/tuning-runs${queryString(query)}` };
    },
  },
  {
    route: 'GET /model-runs/:id/tuning-runs/best',
    weight: 2,
    make: (ctx, rng, mutation) => ({
      method: 'GET',
      path: `/model-runs/${pathId(ctx.modelRuns.map((m) => m.id), rng)}/tuning-runs/best${rng.chance(0.5) ? queryString({ scoring: rng.chance(mutation) ? rng.pick(HOSTILE_STRINGS.slice(0, -1)) : scoringFor(rng.pick(['classification', 'regression']), rng) }) : ''}`,
    }),
  },
  {
    route: 'POST /tuning/tune',
    weight: 12,
    make(ctx, rng, mutation, faults) {
      const run = pickRun(ctx, rng);
      const hook = hooksFor(ctx, run, run.task);
      const body = bodyFrom(tuneSchema, (path, s, r) => (path === 'model_run_id' && r.chance(0.9) ? run.id : hook(path, s, r)), rng, mutation, faults);
      // A valid method needs its grid or space: give the matching one most of the time.
      if (body && typeof body === 'object' && !Array.isArray(body) && rng.chance(0.8)) {
        const b = body as Record<string, unknown>;
        withSearchSpace(b, run, rng);
      }
      return { method: 'POST', path: '/tuning/tune', body };
    },
  },
  {
    route: 'GET /tuning/tune/:id/trials?format',
    weight: 1,
    make: (ctx, rng) => ({ method: 'GET', path: `/tuning/tune/${pathId(ctx.tuningRunIds, rng)}/trials?format=${rng.pick(['csv', 'json', 'xml', '', '%00', 'csv&format=json'])}` }),
  },
  ...(['status', 'results', 'trials', 'importance'] as const).map(
    (what): Route => ({ route: `GET /tuning/tune/:id/${what}`, weight: 3, make: (ctx, rng) => ({ method: 'GET', path: `/tuning/tune/${pathId(ctx.tuningRunIds, rng)}/${what}` }) }),
  ),
  {
    route: 'POST /tuning/tune/:id/cancel',
    weight: 2,
    make: (ctx, rng, mutation, faults) => ({ method: 'POST', path: `/tuning/tune/${pathId(ctx.tuningRunIds, rng)}/cancel`, body: bodyFrom(cancelSchema, () => undefined, rng, mutation, faults) }),
  },
  {
    route: 'PATCH /tuning/tune/:id',
    weight: 3,
    make: (ctx, rng, mutation, faults) => ({
      method: 'PATCH',
      path: `/tuning/tune/${pathId(ctx.tuningRunIds, rng)}`,
      body: bodyFrom(budgetSchema, (path, _s, r) => (path === 'time_budget_seconds' ? r.pick([null, 1, 5, 1e308]) : undefined), rng, mutation, faults),
    }),
  },
  {
    route: 'POST /tuning/schedules',
    weight: 4,
    make(ctx, rng, mutation, faults) {
      const run = pickRun(ctx, rng);
      const hook = hooksFor(ctx, run, run.task);
      const body = bodyFrom(createScheduleSchema, (path, s, r) => (path === 'model_run_id' && r.chance(0.9) ? run.id : path === 'parent_tuning_run_id' ? null : hook(path, s, r)), rng, mutation, faults);
      if (body && typeof body === 'object' && !Array.isArray(body) && rng.chance(0.8)) {
        const b = body as Record<string, unknown>;
        // cron or interval, not both; the tuning part as for POST /tuning/tune.
        if ('cron' in b && 'interval_seconds' in b) delete b[rng.pick(['cron', 'interval_seconds'])];
        if (!('cron' in b) && !('interval_seconds' in b)) b.interval_seconds = 3600;
        withSearchSpace(b, run, rng);
      }
      return { method: 'POST', path: '/tuning/schedules', body };
    },
  },
  {
    route: 'GET /tuning/schedules',
    weight: 2,
    make: (ctx, rng, mutation) => ({
      method: 'GET',
      path: `/tuning/schedules${queryString({
        model_run_id: rng.chance(0.5) ? uuidField(ctx.modelRuns.map((m) => m.id), rng) : undefined,
        limit: rng.chance(mutation) ? rng.pick(HOSTILE_NUMBERS) : rng.chance(0.5) ? rng.int(1, 5) : undefined,
        offset: rng.chance(mutation) ? rng.pick(['1e20', '-1', 'abc']) : undefined,
      })}`,
    }),
  },
  { route: 'GET /tuning/schedules/:id', weight: 2, make: (ctx, rng) => ({ method: 'GET', path: `/tuning/schedules/${pathId(ctx.scheduleIds, rng)}` }) },
  {
    route: 'PATCH /tuning/schedules/:id',
    weight: 3,
    make: (ctx, rng, mutation, faults) => ({
      method: 'PATCH',
      path: `/tuning/schedules/${pathId(ctx.scheduleIds, rng)}`,
      body: bodyFrom(updateScheduleSchema, hooksFor(ctx, pickRun(ctx, rng), 'classification'), rng, mutation, faults),
    }),
  },
  { route: 'DELETE /tuning/schedules/:id', weight: 1, make: (ctx, rng) => ({ method: 'DELETE', path: `/tuning/schedules/${pathId(ctx.scheduleIds, rng)}` }) },
  {
    route: 'POST /tuning/schedules/:id/trigger',
    weight: 1,
    make: (ctx, rng, mutation, faults) => ({
      method: 'POST',
      path: `/tuning/schedules/${pathId(ctx.scheduleIds, rng)}/trigger`,
      body: bodyFrom(triggerScheduleSchema, () => undefined, rng, mutation, faults),
    }),
  },
  {
    route: 'POST /tuning/tune/:id/suggest',
    weight: 2,
    make: (ctx, rng, mutation, faults) => ({
      method: 'POST',
      path: `/tuning/tune/${pathId(studyOrTuningRuns(ctx, rng), rng)}/suggest`,
      body: bodyFrom(suggestSchema, (path, _s, r) => (path === 'count' ? r.int(1, 2) : undefined), rng, mutation, faults),
    }),
  },
  ...(['report', 'complete', 'heartbeat'] as const).map(
    (what): Route => ({
      route: `POST /tuning/tune/:id/trials/:number/${what}`,
      weight: 2,
      make: (ctx, rng, mutation, faults) => ({
        method: 'POST',
        path: `/tuning/tune/${pathId(studyOrTuningRuns(ctx, rng), rng)}/trials/${trialNumber(ctx, rng)}/${what}`,
        body: what === 'report' ? bodyFrom(reportSchema, () => undefined, rng, mutation, faults) : what === 'complete' ? bodyFrom(completeSchema, () => undefined, rng, mutation, faults) : {},
      }),
    }),
  ),
  {
    route: 'GET /tuning/runs',
    weight: 2,
    make: (_ctx, rng, mutation) => ({
      method: 'GET',
      path: `/tuning/runs${queryString({
        status: rng.chance(0.3) ? rng.pick(['running', 'completed', 'failed', 'RUNNING']) : undefined,
        method: rng.chance(0.3) ? rng.pick(['grid_search', 'random_search', 'bayesian', 'nope']) : undefined,
        tag: rng.chance(0.2) ? rng.pick(['scheduled', 'a', '\u0000', 'x'.repeat(101)]) : undefined,
        limit: rng.chance(mutation) ? rng.pick(HOSTILE_NUMBERS) : rng.chance(0.5) ? rng.int(1, 500) : undefined,
        offset: rng.chance(mutation) ? rng.pick(['1e20', '-1', 'abc', '2147483648']) : rng.chance(0.3) ? rng.int(0, 10) : undefined,
      })}`,
    }),
  },
  { route: 'GET /ui-config', weight: 1, make: () => ({ method: 'GET', path: '/ui-config' }) },
  { route: 'GET /openapi.json, /docs', weight: 1, make: (_ctx, rng) => ({ method: 'GET', path: rng.pick(['/openapi.json', '/docs', '/docs/%zz', '/openapi.json?x=%00']) }) },
  { route: 'GET /tokens', weight: 1, make: () => ({ method: 'GET', path: '/tokens' }) },
  {
    route: 'POST /tokens',
    weight: 1,
    make: (_ctx, rng, mutation, faults) => ({ method: 'POST', path: '/tokens', body: bodyFrom(createTokenSchema, () => undefined, rng, mutation, faults) }),
  },
  { route: 'DELETE /tokens/:id', weight: 1, make: (ctx, rng) => ({ method: 'DELETE', path: `/tokens/${pathId(ctx.tokenIds, rng)}` }) },
  {
    route: 'GET /health, /health/live, /health/ready, /metrics',
    weight: 1,
    make: (_ctx, rng) => ({ method: 'GET', path: rng.pick(['/health', '/health/live', '/health/ready', '/metrics', '/health/%zz']), root: true }),
  },
  {
    route: 'unrouted',
    weight: 1,
    make: (_ctx, rng) =>
      rng.pick([
        { method: 'PUT', path: '/datasets' },
        { method: 'GET', path: '/nope' },
        { method: 'DELETE', path: '/datasets' },
        { method: 'GET', path: '/tuning/tune' },
        { method: 'OPTIONS', path: '/datasets' },
        { method: 'GET', path: '/datasets/%zz' },
        { method: 'GET', path: '/%' },
      ]),
  },
];

const TOTAL_WEIGHT = ROUTES.reduce((sum, r) => sum + r.weight, 0);

function pickRoute(rng: Rng): Route {
  let x = rng.next() * TOTAL_WEIGHT;
  for (const route of ROUTES) {
    x -= route.weight;
    if (x < 0) return route;
  }
  return ROUTES[ROUTES.length - 1];
}

export const ROUTE_NAMES = ROUTES.map((r) => r.route);

/** Malformed JSON texts: truncated, trailing commas, NaN, single quotes, comments, a lone surrogate, bare words. */
function malformedJson(text: string, rng: Rng): string {
  return rng.pick([
    () => text.slice(0, Math.max(1, Math.floor(text.length / 2))),
    () => text.replace(/}$/, ',}'),
    () => text.replace(/:\s*[^,}]+/, ': NaN'),
    () => text.replace(/"/g, "'"),
    () => `/* c */ ${text}`,
    () => `${text}${text}`,
    () => '',
    () => 'undefined',
    () => '{"a": "\\ud800"}',
    () => '{"a": "\\u00"}',
    () => '[' .repeat(200_000),
  ])();
}

/**
 * Request number `index` of the run seeded with `seed`: its own generator, so it is the same
 * request whatever ran before it (given the same context).
 */
export function generateRequest(ctx: FuzzContext, seed: number, index: number): FuzzRequest {
  const rng = new Rng((seed * 1_000_003 + index * 7919) >>> 0);
  // Half of the requests are valid throughout, to get past validation into the routes' work.
  const mutation = rng.pick([0, 0, 0.05, 0.2]);
  const route = pickRoute(rng);
  const faults: string[] = [];
  const made = route.make(ctx, rng, mutation, faults);
  const headers: Record<string, string> = {};
  let path = made.path;
  let body: Buffer | undefined;

  if (made.rawBody !== undefined) {
    body = Buffer.from(made.rawBody, 'utf8');
    headers['content-type'] = made.contentType ?? 'text/csv';
  } else if (made.body !== undefined) {
    body = Buffer.from(toJsonText(made.body), 'utf8');
    headers['content-type'] = 'application/json';
  }

  // Transport-level faults, each on a small share of the requests.
  const token = rng.chance(0.03) ? rng.pick([null, 'bogus', ctx.otherToken, 'x'.repeat(5000), '\u00ff\u00fe']) : ctx.token;
  if (token !== ctx.token) faults.push(`token ${token === null ? 'missing' : token === ctx.otherToken ? 'other user' : 'invalid'}`);
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body && headers['content-type'] === 'application/json' && rng.chance(0.04)) {
    body = Buffer.from(malformedJson(body.toString('utf8'), rng), 'utf8');
    faults.push('malformed JSON');
  }
  if (body && rng.chance(0.04)) {
    headers['content-type'] = rng.pick([
      'application/json; charset=koi8-r',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      '',
      'application/json; charset="utf-8"; extra=;;',
    ]);
    faults.push(`content-type "${headers['content-type']}"`);
  }
  if (body && rng.chance(0.05)) {
    const encoding = rng.pick(['gzip', 'deflate', 'gzip-corrupt', 'br-corrupt', 'bogus', 'gzip, gzip', 'identity', 'GZIP']);
    faults.push(`content-encoding ${encoding}`);
    if (encoding === 'gzip' || encoding === 'GZIP') body = gzipSync(body);
    else if (encoding === 'deflate') body = deflateSync(body);
    else if (encoding.endsWith('-corrupt')) body = Buffer.concat([gzipSync(body).subarray(0, 10), Buffer.from('not compressed')]);
    headers['content-encoding'] = encoding.replace('-corrupt', '');
  }
  if (rng.chance(0.02)) {
    // A malformed percent-encoding in the path, where an id or a word would be.
    const bad = rng.pick(['%zz', '%', '%E0%A4%A', '%C0%AF', '%ff%fe', '%uD800']);
    path = path.replace(/\/[^/?]*(\?|$)/, `/${bad}$1`);
    faults.push(`path ${bad}`);
  }
  if (made.method === 'GET' && rng.chance(0.02)) {
    body = Buffer.from('{"unexpected": "body"}');
    headers['content-type'] = 'application/json';
    faults.push('body on GET');
  }
  return { route: route.route, method: made.method, path: made.root ? path : `/api/v1${path}`, headers, body, faults };
}
