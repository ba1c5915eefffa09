/**
 * Splitters against scikit-learn 1.2.1: unshuffled folds and per-class allocation
 * (test/fixtures/core_cv.json, scripts/fixtures_core.py), and shuffled folds row by row with the
 * cross_val_score of deterministic estimators on them (test/fixtures/folds_shuffled.json,
 * scripts/fixtures_folds.py).
 */
import * as fs from 'fs';
import * as path from 'path';

import { loadSampleDataset } from '../../src/ml/data/csv';
import { LogisticRegression, Ridge } from '../../src/ml/linear';
import { getScorer } from '../../src/ml/metrics';
import { crossValidate, cvSplits, kFold, meanStd, Split, stratifiedKFold, takeRows } from '../../src/ml/model_selection';
import { NumpyRandomState } from '../../src/ml/numpy_random';
import { withStandardScaler } from '../../src/ml/preprocessing';
import { classCount, Dataset, Estimator, InvalidInputError } from '../../src/ml/types';

interface StratifiedCase {
  name: string;
  y: number[];
  n_classes: number;
  n_splits: number;
  test_indices_unshuffled: number[][];
  allocation: number[][];
  allocation_shuffled: number[][];
}
interface KFoldCase {
  n: number;
  n_splits: number;
  test_indices_unshuffled: number[][];
  fold_sizes: number[];
}
const fixture: { stratified: StratifiedCase[]; kfold: KFoldCase[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/core_cv.json'), 'utf8'),
);
interface ShuffledCase {
  dataset: string;
  task: 'classification' | 'regression';
  n_splits: number;
  seed: number;
  /** Test fold of row i as the i-th digit. */
  kfold: string;
  stratified?: string;
  scoring: string;
  scores: number[];
}
const shuffledFixture: { cases: ShuffledCase[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/folds_shuffled.json'), 'utf8'),
);

/** The test fold of every row, as a digit string like the fixture's. */
function foldDigits(splits: Split[], n: number): string {
  const fold = new Array<string>(n).fill('?');
  splits.forEach(({ test }, f) => test.forEach((i) => (fold[i] = String(f))));
  return fold.join('');
}

function allocation(y: number[], splits: Split[], nClasses: number): number[][] {
  return splits.map(({ test }) => {
    const counts = new Array<number>(nClasses).fill(0);
    for (const i of test) counts[y[i]]++;
    return counts;
  });
}

/** Every sample is in exactly one test fold; train is the complement; both ascending. */
function expectPartition(splits: Split[], n: number): void {
  const timesInTest = new Uint32Array(n);
  const problems: string[] = [];
  splits.forEach(({ train, test }, f) => {
    if (train.length + test.length !== n) problems.push(`fold ${f}: ${train.length} + ${test.length} != ${n}`);
    const inTest = new Uint8Array(n);
    test.forEach((i, j) => {
      if (j > 0 && i <= test[j - 1]) problems.push(`fold ${f}: test not ascending at ${j}`);
      inTest[i] = 1;
      timesInTest[i]++;
    });
    train.forEach((i, j) => {
      if (j > 0 && i <= train[j - 1]) problems.push(`fold ${f}: train not ascending at ${j}`);
      if (inTest[i]) problems.push(`fold ${f}: row ${i} in train and test`);
    });
  });
  timesInTest.forEach((c, i) => {
    if (c !== 1) problems.push(`row ${i} is in ${c} test folds`);
  });
  expect(problems).toEqual([]);
}

describe('stratifiedKFold', () => {
  test.each(fixture.stratified.map((c) => [`${c.name} ${c.n_splits} folds`, c] as const))('%s', (_label, c) => {
    const plain = stratifiedKFold(c.y, c.n_classes, c.n_splits);
    expect(plain.map((s) => Array.from(s.test))).toEqual(c.test_indices_unshuffled);
    expectPartition(plain, c.y.length);
    for (const seed of [0, 1, 12345]) {
      const shuffled = stratifiedKFold(c.y, c.n_classes, c.n_splits, { shuffle: true, seed });
      expectPartition(shuffled, c.y.length);
      expect(allocation(c.y, shuffled, c.n_classes)).toEqual(c.allocation_shuffled);
    }
    expect(allocation(c.y, plain, c.n_classes)).toEqual(c.allocation);
  });

  test('shuffling is seeded', () => {
    const y = loadSampleDataset('iris').y;
    const a = stratifiedKFold(y, 3, 5, { shuffle: true, seed: 7 });
    const b = stratifiedKFold(y, 3, 5, { shuffle: true, seed: 7 });
    const c = stratifiedKFold(y, 3, 5, { shuffle: true, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('errors', () => {
    const y = [0, 0, 0, 1, 1, 1];
    expect(() => stratifiedKFold(y, 2, 7)).toThrow(expect.objectContaining({ field: 'cv_folds' }));
    expect(() => stratifiedKFold(y, 2, 4)).toThrow(/number of members in each class/);
    expect(() => stratifiedKFold(y, 2, 1)).toThrow(InvalidInputError);
    expect(() => stratifiedKFold(y, 2, 2.5)).toThrow(InvalidInputError);
    // A class smaller than n_splits is allowed (sklearn warns): it is missing from some folds.
    expect(stratifiedKFold([0, 0, 0, 0, 1], 2, 3)).toHaveLength(3);
  });
});

describe('kFold', () => {
  test.each(fixture.kfold.map((c) => [`n=${c.n} ${c.n_splits} folds`, c] as const))('%s', (_label, c) => {
    expect(kFold(c.n, c.n_splits).map((s) => Array.from(s.test))).toEqual(c.test_indices_unshuffled);
    const shuffled = kFold(c.n, c.n_splits, { shuffle: true, seed: 3 });
    expect(shuffled.map((s) => s.test.length)).toEqual(c.fold_sizes);
    expectPartition(shuffled, c.n);
  });

  test('errors', () => {
    expect(() => kFold(3, 4)).toThrow(/cannot be greater than the number of samples/);
    expect(() => kFold(10, 1)).toThrow(expect.objectContaining({ field: 'cv_folds' }));
  });
});

describe('shuffled folds and cross_val_score match scikit-learn (NumPy RandomState)', () => {
  const datasets = new Map<string, Dataset>();
  const load = (name: string): Dataset => {
    if (!datasets.has(name)) datasets.set(name, loadSampleDataset(name));
    return datasets.get(name)!;
  };
  test.each(shuffledFixture.cases.map((c) => [`${c.dataset} ${c.n_splits} folds seed ${c.seed}`, c] as const))('%s', (_label, c) => {
    const data = load(c.dataset);
    const shuffle = { shuffle: true, seed: c.seed };
    expect(foldDigits(kFold(data.nSamples, c.n_splits, shuffle), data.nSamples)).toBe(c.kfold);
    if (c.stratified !== undefined) {
      expect(foldDigits(stratifiedKFold(data.y, classCount(data), c.n_splits, shuffle), data.nSamples)).toBe(c.stratified);
    }
    const makeEstimator = c.task === 'classification' ? () => withStandardScaler(new LogisticRegression()) : () => new Ridge();
    const scores = crossValidate(data, makeEstimator, { cvFolds: c.n_splits, scoring: c.scoring, seed: c.seed });
    expect(scores).toHaveLength(c.scores.length);
    scores.forEach((s, f) => expect(Math.abs(s - c.scores[f])).toBeLessThanOrEqual(1e-6));
  });
});

describe('NumpyRandomState', () => {
  test('is MT19937 seeded by init_genrand (std::mt19937 default seed 5489: 10000th output 4123659995)', () => {
    const rng = new NumpyRandomState(5489);
    expect(rng.nextUint32()).toBe(3499211612);
    for (let i = 2; i < 10000; i++) rng.nextUint32();
    expect(rng.nextUint32()).toBe(4123659995);
  });

  test('interval stays in [0, max]; seeds outside [0, 2**32 - 1] are refused as NumPy does', () => {
    const rng = new NumpyRandomState(0);
    for (const max of [1, 2, 5, 0xffffffff]) {
      for (let i = 0; i < 200; i++) {
        const v = rng.interval(max);
        expect(v >= 0 && v <= max && Number.isInteger(v)).toBe(true);
      }
    }
    expect(rng.interval(0)).toBe(0);
    expect(() => new NumpyRandomState(-1)).toThrow(RangeError);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new NumpyRandomState(1.5)).toThrow(RangeError);
  });
});

describe('cvSplits', () => {
  test('stratified for classification, plain KFold for regression, reproducible', () => {
    const iris = loadSampleDataset('iris');
    const splits = cvSplits(iris, 5, 42);
    expect(allocation(Array.from(iris.y), splits, 3)).toEqual(new Array(5).fill([10, 10, 10]));
    expect(cvSplits(iris, 5, 42)).toEqual(splits);
    const diabetes = loadSampleDataset('diabetes');
    const reg = cvSplits(diabetes, 5, 42);
    expect(reg.map((s) => s.test.length)).toEqual([89, 89, 88, 88, 88]);
    expectPartition(reg, diabetes.nSamples);
    // shuffled: not the consecutive blocks
    expect(Array.from(reg[0].test.subarray(0, 5))).not.toEqual([0, 1, 2, 3, 4]);
  });
});

describe('crossValidate', () => {
  const iris = loadSampleDataset('iris');

  test('fits a fresh estimator per fold and scores the test rows', () => {
    const make = () => withStandardScaler(new LogisticRegression());
    const scores = crossValidate(iris, make, { cvFolds: 5, scoring: 'accuracy', seed: 0 });
    expect(scores).toHaveLength(5);
    const splits = cvSplits(iris, 5, 0);
    scores.forEach((s, f) => {
      const est = make().fit(iris, splits[f].train);
      const pred = est.predict(iris, splits[f].test);
      expect(s).toBe(getScorer('accuracy', 'classification').score(takeRows(iris.y, splits[f].test), pred, 3));
    });
    const { mean } = meanStd(scores);
    expect(mean).toBeGreaterThan(0.9);
  });

  test('uses predictProba for probability scorers', () => {
    const scores = crossValidate(iris, () => withStandardScaler(new LogisticRegression()), { cvFolds: 3, scoring: 'neg_log_loss', seed: 1 });
    for (const s of scores) {
      expect(s).toBeLessThan(0);
      expect(s).toBeGreaterThan(-0.5);
    }
  });

  test('errors: scoring of the wrong task, missing predictProba', () => {
    expect(() => crossValidate(iris, () => new LogisticRegression(), { cvFolds: 3, scoring: 'r2', seed: 0 })).toThrow(
      expect.objectContaining({ field: 'scoring' }),
    );
    const noProba: () => Estimator = () => {
      const e = new LogisticRegression();
      return { fit: (d: Dataset, r: Uint32Array) => (e.fit(d, r), noProbaEst), predict: (d: Dataset, r: Uint32Array) => e.predict(d, r) } as never;
    };
    const noProbaEst = noProba();
    expect(() => crossValidate(iris, noProba, { cvFolds: 3, scoring: 'roc_auc_ovr', seed: 0 })).toThrow(/needs predicted probabilities/);
  });

  test('regression', () => {
    const diabetes = loadSampleDataset('diabetes');
    const scores = crossValidate(diabetes, () => new Ridge({ alpha: 0.1 }), { cvFolds: 5, scoring: 'r2', seed: 0 });
    expect(meanStd(scores).mean).toBeGreaterThan(0.4);
  });
});

test('meanStd uses the population standard deviation', () => {
  expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25) });
  expect(meanStd([5])).toEqual({ mean: 5, std: 0 });
  expect(Number.isNaN(meanStd([]).mean)).toBe(true);
});
