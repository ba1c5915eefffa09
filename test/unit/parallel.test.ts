import * as fs from 'fs';
import * as path from 'path';

import { parseCsv } from '../../src/ml/data/csv';
import { createEstimator } from '../../src/ml/estimators';
import { crossValidate } from '../../src/ml/model_selection';
import { EvaluationPool, estimateCost, sharedArrays } from '../../src/ml/parallel';
import type { EvaluationProgress } from '../../src/ml/parallel';
import { Dataset, Params, Task } from '../../src/ml/types';

const SAMPLES = path.join(__dirname, '../../data/samples');

function load(name: string, task: Task, shared: boolean): Dataset {
  return parseCsv(fs.readFileSync(path.join(SAMPLES, `${name}.csv`), 'utf8'), { targetColumn: 'target', task, shared });
}

describe('EvaluationPool', () => {
  let pool: EvaluationPool;
  beforeAll(() => {
    pool = new EvaluationPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  test('gives the same scores as sequential crossValidate', async () => {
    const cases: [string, Task, string, Params[], string][] = [
      ['breast_cancer', 'classification', 'random_forest', [{ n_estimators: 20, random_state: 0 }, { n_estimators: 10, max_depth: 3, random_state: 1 }], 'accuracy'],
      ['iris', 'classification', 'gradient_boosting', [{ n_estimators: 20, random_state: 0 }], 'f1_macro'],
      ['breast_cancer', 'classification', 'extra_trees', [{ n_estimators: 10, random_state: 2 }], 'roc_auc'],
      ['diabetes', 'regression', 'random_forest', [{ n_estimators: 15, max_features: 0.5, random_state: 0 }], 'r2'],
      ['diabetes', 'regression', 'hist_gradient_boosting', [{ max_iter: 20, random_state: 0 }], 'neg_root_mean_squared_error'],
    ];
    for (const [name, task, modelType, candidates, scoring] of cases) {
      // A non-shared data set is copied to SharedArrayBuffers by the pool.
      const dataset = load(name, task, name !== 'diabetes');
      const evaluations = await pool.evaluate({ datasetKey: name, dataset, modelType, task, candidates, cvFolds: 5, scoring, seed: 3 });
      expect(evaluations).toHaveLength(candidates.length);
      candidates.forEach((params, i) => {
        const nClasses = dataset.classes?.length ?? 0;
        const expected = crossValidate(dataset, () => createEstimator(modelType, task, params, nClasses), { cvFolds: 5, scoring, seed: 3 });
        const e = evaluations[i];
        expect(e.error).toBeUndefined();
        expect(e.params).toEqual(params);
        expect(e.scores).toEqual(expected);
        const mean = expected.reduce((a, b) => a + b, 0) / expected.length;
        const std = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / expected.length);
        expect(e.meanScore).toBeCloseTo(mean, 12);
        expect(e.stdScore).toBeCloseTo(std, 12);
        expect(e.fitTime).toBeGreaterThan(0);
      });
    }
  });

  test('reports an estimator error in its candidate only, and progress per candidate', async () => {
    const dataset = load('iris', 'classification', true);
    const progress: EvaluationProgress[] = [];
    const evaluations = await pool.evaluate({
      datasetKey: 'iris',
      dataset,
      modelType: 'decision_tree',
      task: 'classification',
      candidates: [{ max_depth: 2 }, { max_depth: 0 }, { bogus: 1 }, { max_depth: 3 }],
      cvFolds: 3,
      scoring: 'accuracy',
      seed: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(evaluations[0].error).toBeUndefined();
    expect(evaluations[0].scores).toHaveLength(3);
    expect(evaluations[3].error).toBeUndefined();
    expect(evaluations[1].error).toMatchObject({ type: 'InvalidInputError', field: 'max_depth' });
    expect(evaluations[2].error).toMatchObject({ type: 'InvalidInputError', field: 'bogus' });
    expect(evaluations[1].meanScore).toBeNaN();
    expect(progress.map((p) => p.candidateIndex).sort()).toEqual([0, 1, 2, 3]);
    expect(progress[progress.length - 1].done).toBe(4);
  });

  test('reports a bad scoring or model type per candidate without rejecting', async () => {
    const dataset = load('iris', 'classification', true);
    const [bad] = await pool.evaluate({
      datasetKey: 'iris',
      dataset,
      modelType: 'nope',
      task: 'classification',
      candidates: [{}],
      cvFolds: 3,
      scoring: 'accuracy',
      seed: 0,
    });
    expect(bad.error).toMatchObject({ type: 'InvalidInputError', field: 'model_type' });
  });

  test('stops a candidate when shouldPrune says so', async () => {
    const dataset = load('breast_cancer', 'classification', true);
    const seen: number[][] = [];
    const evaluations = await pool.evaluate({
      datasetKey: 'breast_cancer',
      dataset,
      modelType: 'decision_tree',
      task: 'classification',
      candidates: [{ max_depth: 1 }, { max_depth: 4 }],
      cvFolds: 5,
      scoring: 'accuracy',
      seed: 0,
      shouldPrune: (i, scores) => {
        seen.push([i, scores.length]);
        return i === 0 && scores.length >= 2;
      },
    });
    expect(evaluations[0].pruned).toBe(true);
    expect(evaluations[0].scores).toHaveLength(2);
    expect(evaluations[1].pruned).toBeUndefined();
    expect(evaluations[1].scores).toHaveLength(5);
    // Calls come with the scores in fold order, one more each time.
    const forSecond = seen.filter(([i]) => i === 1).map(([, n]) => n);
    expect(forSecond).toEqual([1, 2, 3, 4]);
  });

  test('a stop ends the batch in the middle of a fold: unfinished candidates are marked stopped, the threads are replaced', async () => {
    const dataset = load('breast_cancer', 'classification', true);
    const stop = new AbortController();
    const options = {
      datasetKey: 'breast_cancer',
      dataset,
      modelType: 'random_forest',
      task: 'classification' as Task,
      // Far too long to finish: the stop must cut it.
      candidates: [{ n_estimators: 5000, random_state: 0 }, { n_estimators: 5000, random_state: 1 }],
      cvFolds: 5,
      scoring: 'accuracy',
      seed: 0,
      signal: stop.signal,
    };
    const evaluating = pool.evaluate(options);
    // The fits progress (tree nodes counted in shared memory) while they run.
    const before = pool.progressOf(options);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(pool.progressOf(options)).not.toBe(before);
    expect(pool.load().busyThreads).toBe(2);
    stop.abort();
    const evaluations = await evaluating;
    expect(evaluations.map((e) => e.stopped)).toEqual([true, true]);
    expect(pool.load()).toEqual({ busyThreads: 0, queuedUnits: 0 });
    // The replaced threads serve the next batch.
    const [next] = await pool.evaluate({ ...options, signal: undefined, candidates: [{ n_estimators: 5, random_state: 0 }] });
    expect(next.scores).toHaveLength(5);
    expect(next.stopped).toBeUndefined();
  });

  test('a progress or pruning callback that throws rejects the batch instead of dropping a trial', async () => {
    const dataset = load('iris', 'classification', true);
    const base = { datasetKey: 'iris', dataset, modelType: 'decision_tree', task: 'classification' as Task, cvFolds: 3, scoring: 'accuracy', seed: 0 };
    const candidates = [{ max_depth: 2 }, { max_depth: 3 }];
    await expect(
      pool.evaluate({ ...base, candidates, onProgress: () => {
        throw new Error('recording failed');
      } }),
    ).rejects.toThrow('recording failed');
    await expect(
      pool.evaluate({ ...base, candidates, shouldPrune: () => {
        throw new Error('pruner failed');
      } }),
    ).rejects.toThrow('pruner failed');
    // The pool is still usable afterwards.
    expect(await pool.evaluate({ ...base, candidates })).toHaveLength(2);
  });

  test('evaluates a non-shared data set and rejects after close', async () => {
    const dataset = load('wine', 'classification', false);
    const evaluations = await pool.evaluate({
      datasetKey: 'wine',
      dataset,
      modelType: 'random_forest',
      task: 'classification',
      candidates: [{ n_estimators: 5, random_state: 0 }],
      cvFolds: 4,
      scoring: 'accuracy',
      seed: 1,
    });
    expect(evaluations[0].scores).toHaveLength(4);
    const other = new EvaluationPool(1);
    await other.close();
    await expect(
      other.evaluate({ datasetKey: 'w', dataset, modelType: 'decision_tree', task: 'classification', candidates: [{}], cvFolds: 3, scoring: 'accuracy', seed: 0 }),
    ).rejects.toThrow(/closed/);
  });

  test('a fit that outgrows its thread\'s memory limit fails its candidate with ResourceLimitExceeded; the pool goes on', async () => {
    // 20,000 noisy rows: fully grown trees of about 2 MB each, so 2,000 of them exceed 64 MB quickly.
    const n = 20_000;
    const X = new Float64Array(n * 4);
    const y = new Float64Array(n);
    let state = 1;
    const next = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < X.length; i++) X[i] = next();
    for (let i = 0; i < n; i++) y[i] = next() < 0.5 ? 0 : 1;
    const dataset: Dataset = { nSamples: n, nFeatures: 4, featureNames: ['a', 'b', 'c', 'd'], task: 'classification', X, y, classes: ['0', '1'] };
    const small = new EvaluationPool(1, 64);
    try {
      const base = { datasetKey: 'noise', dataset, modelType: 'random_forest', task: 'classification' as Task, cvFolds: 2, scoring: 'accuracy', seed: 0 };
      const [huge] = await small.evaluate({ ...base, candidates: [{ n_estimators: 2000, max_features: 1.0, random_state: 0 }] });
      expect(huge.error?.type).toBe('ResourceLimitExceeded');
      expect(huge.error?.message).toMatch(/64 MB/);
      const [fine] = await small.evaluate({ ...base, candidates: [{ n_estimators: 2, max_depth: 3, random_state: 0 }] });
      expect(fine.error).toBeUndefined();
      expect(fine.scores).toHaveLength(2);
    } finally {
      await small.close();
    }
  });

  test('helpers: shared copies and cost estimates', () => {
    const plain = load('iris', 'classification', false);
    const s = sharedArrays(plain);
    expect(s.X.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(s.y)).toEqual(Array.from(plain.y));
    expect(sharedArrays(plain)).toBe(sharedArrays(plain));
    expect(estimateCost({ n_estimators: 200 }, 16)).toBeGreaterThan(estimateCost({ n_estimators: 50 }, 16));
    expect(estimateCost({ n_estimators: 100, max_features: 'sqrt' }, 16)).toBeLessThan(estimateCost({ n_estimators: 100, max_features: 1.0 }, 16));
  });
});
