/**
 * A histogram GBM fit given more than one thread (the pool's idle share, setFitThreads) bins its
 * rows, computes gradients, builds the histograms and partitions of large nodes and searches splits
 * on helper threads too, and grows exactly the trees of one thread (each histogram bin is summed in
 * the same order on any number of threads: in row order, or for a large node from row-major codes
 * in the same two row blocks, so not even rounding differs).
 */
import { HistGradientBoostingClassifier, HistGradientBoostingRegressor } from '../../src/ml/ensemble';
import { FitKernel } from '../../src/ml/ensemble/hgb/fit_kernel';
import { createEstimator } from '../../src/ml/estimators';
import { crossValidate } from '../../src/ml/model_selection';
import { EvaluationPool, setFitThreads } from '../../src/ml/parallel';
import { Random } from '../../src/ml/random';
import type { Dataset, Task } from '../../src/ml/types';

/** 80000 rows × 8 features (some NaN): enough rows for the top nodes' steps to be split over threads. */
function synthetic(task: Task): Dataset {
  const N = 80000;
  const F = 8;
  const rng = new Random(7);
  const X = new Float64Array(N * F);
  for (let i = 0; i < X.length; i++) X[i] = rng.random() < 0.05 ? NaN : rng.normal();
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const v = (f: number): number => (Number.isNaN(X[f * N + i]) ? 0.5 : X[f * N + i]);
    const z = v(0) + 0.5 * v(1) * v(2) - v(3) + 0.3 * rng.normal();
    y[i] = task === 'classification' ? (z > 0.3 ? 2 : z > -0.3 ? 1 : 0) : z;
  }
  const featureNames = Array.from({ length: F }, (_, f) => `f${f}`);
  return { nSamples: N, nFeatures: F, featureNames, X, y, task, ...(task === 'classification' ? { classes: ['a', 'b', 'c'] } : {}) };
}

const rows = (from: number, to: number): Uint32Array => Uint32Array.from({ length: to - from }, (_, i) => from + i);

afterEach(() => setFitThreads(1));

test.each([['classification'], ['regression']] as const)('%s: 2 threads grow the trees of 1 thread', (task) => {
  const data = synthetic(task);
  const fit = (threads: number): Float64Array => {
    setFitThreads(threads);
    const params = { max_iter: 15, early_stopping: false };
    const model = task === 'classification' ? new HistGradientBoostingClassifier(params) : new HistGradientBoostingRegressor(params);
    model.fit(data, rows(0, 60000));
    const test = rows(60000, 80000);
    return model instanceof HistGradientBoostingClassifier ? model.predictProba(data, test) : model.predict(data, test);
  };
  expect(fit(2)).toEqual(fit(1));
});

test('row-major codes for small nodes (kept for large data) grow the same trees, on 1 and 2 threads', () => {
  const data = synthetic('classification');
  const fit = (threads: number, rowMajorMinBytes: number): Float64Array => {
    setFitThreads(threads);
    const kept = FitKernel.rowMajorMinBytes;
    FitKernel.rowMajorMinBytes = rowMajorMinBytes;
    try {
      const model = new HistGradientBoostingClassifier({ max_iter: 5, max_leaf_nodes: 63, early_stopping: false });
      model.fit(data, rows(0, 60000));
      return model.predictProba(data, rows(60000, 80000));
    } finally {
      FitKernel.rowMajorMinBytes = kept;
    }
  };
  const columnMajor = fit(1, Infinity);
  expect(fit(1, 0)).toEqual(columnMajor);
  expect(fit(2, 0)).toEqual(columnMajor);
});

test('in the pool, folds that run with idle threads score like a sequential cross-validation', async () => {
  const data = synthetic('classification');
  const candidate = { max_iter: 10, early_stopping: false };
  const opts = { cvFolds: 3, scoring: 'accuracy', seed: 0 };
  const sequential = crossValidate(data, () => createEstimator('hist_gradient_boosting', 'classification', candidate, 3), opts);
  const pool = new EvaluationPool(2);
  try {
    // One candidate: its last fold, and the fit left alone once another ends, use both cores.
    const [evaluation] = await pool.evaluate({ datasetKey: 'threads', dataset: data, modelType: 'hist_gradient_boosting', task: 'classification', candidates: [candidate], ...opts });
    expect(evaluation.error).toBeUndefined();
    expect(evaluation.scores).toEqual(sequential);
  } finally {
    await pool.close();
  }
});
