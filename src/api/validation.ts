/** Checks shared by the routes, as 422s naming the field (InvalidInputErrors are 422s already, see errors.ts). */
import type { RequestHandler } from 'express';
import type { ParameterLimits } from '../config';
import { MODEL_TYPES, validateParams } from '../ml/estimators';
import type { SearchSpace } from '../ml/search';
import { InvalidInputError, type ParamValue, type Params, type Task } from '../ml/types';
import { unprocessable } from './errors';
import { checkParameterLimit } from './limits';

/** Re-raises an estimator's parameter error under the request field that carried it. */
export function underField<T>(prefix: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InvalidInputError) throw unprocessable(`${prefix}.${err.field}`, err.reason);
    throw err;
  }
}

export function checkModelType(modelType: string, task: Task): void {
  const spec = MODEL_TYPES[modelType];
  if (!spec) throw unprocessable('model_type', `unknown model type "${modelType}"; expected one of ${Object.keys(MODEL_TYPES).join(', ')}`);
  if (!spec.tasks.includes(task)) throw unprocessable('model_type', `${modelType} does not support ${task}`);
}

export interface ModelContext {
  modelType: string;
  task: Task;
  /** The model run's own hyperparameters, which every candidate starts from. */
  base: Params;
  limits: ParameterLimits;
}

/** One value a tuning run may try, checked on its own against the operator's limits and the estimator (field: where it was given). */
function checkCandidateValue(field: string, name: string, value: ParamValue, model: ModelContext): void {
  checkParameterLimit(field, name, value, model.limits);
  try {
    validateParams(model.modelType, model.task, { ...model.base, [name]: value });
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    throw unprocessable(field, err.field === name ? err.reason : `${err.field}: ${err.reason}`);
  }
}

/** Every listed value, so a typo fails here rather than mid-run (field `param_grid.<name>[i]`). */
export function checkGridValues(grid: Record<string, ParamValue[]>, model: ModelContext): void {
  for (const [name, values] of Object.entries(grid)) {
    values.forEach((value, i) => checkCandidateValue(`param_grid.${name}[${i}]`, name, value, model));
  }
}

/** Every categorical choice and both ends of every range (fields `param_distributions.<name>.choices[i]`, `.low`, `.high`). */
export function checkSpaceValues(space: SearchSpace, model: ModelContext): void {
  for (const [name, distribution] of Object.entries(space)) {
    const field = `param_distributions.${name}`;
    if (distribution.type === 'categorical') {
      distribution.choices.forEach((choice, i) => checkCandidateValue(`${field}.choices[${i}]`, name, choice, model));
    } else {
      checkCandidateValue(`${field}.high`, name, distribution.high, model);
      checkCandidateValue(`${field}.low`, name, distribution.low, model);
      // A float range's ends may pass while its inside does not (0.1..2 for a fraction-or-count
      // parameter, a float range over an integer parameter): a few inside points are checked too.
      if (distribution.type === 'float') {
        for (const point of insidePoints(distribution.low, distribution.high, distribution.log === true)) {
          checkCandidateValue(field, name, point, model);
        }
      }
    }
  }
}

/** Nine evenly spaced points strictly inside [low, high] (in log space for a log range). */
function insidePoints(low: number, high: number, log: boolean): number[] {
  const [a, b] = log ? [Math.log(low), Math.log(high)] : [low, high];
  return Array.from({ length: 9 }, (_, i) => a + ((i + 1) / 10) * (b - a)).map((x) => (log ? Math.exp(x) : x));
}

/** Deepest nesting of arrays and objects accepted (requests need about 5; JSON.parse accepts any depth, recursive readers do not). */
const MAX_NESTING = 32;

/**
 * The path of the first string (or object key) holding a NUL character, or null. PostgreSQL cannot
 * store one. Throws a 422 for nesting deeper than MAX_NESTING rather than overflowing the stack.
 */
function nulCharacterAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (typeof value === 'object' && value !== null && depth >= MAX_NESTING) {
    throw unprocessable(path || '(body)', `nested more than ${MAX_NESTING} levels deep`);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulCharacterAt(value[i], `${path}[${i}]`, depth + 1);
      if (found !== null) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (key.includes('\0')) return field;
      const found = nulCharacterAt(item, field, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}

/** 422 for a NUL character anywhere in the query or the body (a raw CSV body is the field `csv`), or for too deep nesting. */
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const inQuery = nulCharacterAt(req.query, 'query');
  const inBody = typeof req.body === 'string' ? nulCharacterAt(req.body, 'csv') : nulCharacterAt(req.body, '');
  const field = inQuery ?? inBody;
  next(field === null ? undefined : unprocessable(field || '(body)', 'must not contain a NUL character (\\u0000)'));
};
