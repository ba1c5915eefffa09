/** Checks shared by the routes, as 422s naming the field (InvalidInputErrors are 422s already, see errors.ts). */
import { MODEL_TYPES } from '../ml/estimators';
import { InvalidInputError, type Task } from '../ml/types';
import { unprocessable } from './errors';

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
