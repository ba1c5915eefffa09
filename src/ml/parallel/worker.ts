/**
 * Evaluation thread: caches data sets by key (X and y stay in the SharedArrayBuffers posted once),
 * and evaluates (candidate, fold) units with the registry's estimators, the service's CV splits
 * and scorers — through `crossValidate` on the single fold, so a unit scores exactly like the
 * sequential cross-validation.
 */
import { parentPort, workerData } from 'worker_threads';

import { createEstimator } from '../estimators';
import { crossValidate, cvSplits, Split } from '../model_selection';
import { attachProgressCounter } from '../progress';
import { attachPoolLoad } from './team';
import { classCount, type Dataset } from '../types';
import type { FromWorker, TaskError, TaskMessage, ToWorker } from './protocol';

const datasets = new Map<string, Dataset>();
/** CV splits per data set key and (folds, seed). */
const splitCache = new Map<string, Map<string, Split[]>>();

function toError(err: unknown): TaskError {
  if (err instanceof Error) {
    const field = (err as { field?: unknown }).field;
    return { message: err.message, type: err.name || 'Error', ...(typeof field === 'string' ? { field } : {}) };
  }
  return { message: String(err), type: 'Error' };
}

function evaluate(msg: TaskMessage): FromWorker {
  const start = performance.now();
  try {
    const data = datasets.get(msg.key);
    if (data === undefined) throw new Error(`evaluation thread: data set ${msg.key} was not sent`);
    let byKey = splitCache.get(msg.key);
    if (byKey === undefined) splitCache.set(msg.key, (byKey = new Map()));
    const splitKey = `${msg.cvFolds}:${msg.seed}`;
    let splits = byKey.get(splitKey);
    if (splits === undefined) {
      splits = cvSplits(data, msg.cvFolds, msg.seed);
      byKey.set(splitKey, splits);
    }
    const nClasses = data.task === 'classification' ? classCount(data) : 0;
    const [score] = crossValidate(data, () => createEstimator(msg.modelType, msg.task, msg.params, nClasses), {
      cvFolds: msg.cvFolds,
      scoring: msg.scoring,
      seed: msg.seed,
      splits: [splits[msg.fold]],
    });
    return { type: 'result', id: msg.id, score, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    return { type: 'result', id: msg.id, seconds: (performance.now() - start) / 1000, error: toError(err) };
  }
}

const { progress, memoryLimitBytes, poolLoad } = workerData as { progress: Int32Array; memoryLimitBytes: number; poolLoad: Int32Array };
attachProgressCounter(progress, memoryLimitBytes);
attachPoolLoad(poolLoad);

const port = parentPort;
if (port === null) throw new Error('src/ml/parallel/worker.ts must run in a worker thread');
port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'dataset': {
      const { key, nSamples, nFeatures, featureNames, task, classes, X, y } = msg;
      datasets.set(key, { nSamples, nFeatures, featureNames, task, X, y, ...(classes ? { classes } : {}) });
      splitCache.delete(key);
      break;
    }
    case 'drop':
      datasets.delete(msg.key);
      splitCache.delete(msg.key);
      break;
    case 'task':
      port.postMessage(evaluate(msg));
      break;
  }
});
