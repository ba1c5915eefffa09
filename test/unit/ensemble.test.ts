import * as fs from 'fs';
import * as path from 'path';

import { parseCsv } from '../../src/ml/data/csv';
import {
  ExtraTreesClassifier,
  ExtraTreesRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
  PARAM_NAMES,
  RandomForestClassifier,
  RandomForestRegressor,
} from '../../src/ml/ensemble';
import { score } from '../../src/ml/metrics';
import { Dataset, Estimator, InvalidInputError, Task } from '../../src/ml/types';

const SAMPLES = path.join(__dirname, '../../data/samples');
const cache = new Map<string, Dataset>();
function load(name: string, task: Task): Dataset {
  const key = `${name}:${task}`;
  if (!cache.has(key)) {
    cache.set(key, parseCsv(fs.readFileSync(path.join(SAMPLES, `${name}.csv`), 'utf8'), { targetColumn: 'target', task }));
  }
  return cache.get(key)!;
}

function halves(n: number): { train: Uint32Array; test: Uint32Array } {
  const idx = Array.from({ length: n }, (_, i) => i);
  return { train: Uint32Array.from(idx.filter((i) => i % 3 !== 0)), test: Uint32Array.from(idx.filter((i) => i % 3 === 0)) };
}

function expectInvalid(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidInputError);
  expect((caught as InvalidInputError).field).toBe(field);
}

const MODELS: Record<string, new (params: Record<string, unknown>) => Estimator> = {
  RandomForestClassifier,
  RandomForestRegressor,
  ExtraTreesClassifier,
  ExtraTreesRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
};

interface Split {
  task: Task;
  train: number[];
  test: number[];
}
interface Case {
  dataset: string;
  model: string;
  params: Record<string, unknown>;
  scores: number[];
}
interface BoostingCase extends Case {
  predict: number[];
  proba?: number[];
  seed_spread: number;
  seed_max_difference: number;
}
interface ForestCase extends Case {
  row_mean: number[];
  row_std: number[];
}
interface Fixture<C> {
  splits: Record<string, Split>;
  cases: C[];
}

function readFixture<C>(name: string): Fixture<C> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures', name), 'utf8')) as Fixture<C>;
}

/** Fits scikit-learn's configuration on the fixture's train rows; HistGradientBoosting* without early stopping, like scripts/fixtures_ensemble.py. */
function fitCase(fixture: Fixture<Case>, c: Case, seed: number): { model: Estimator; data: Dataset; test: Uint32Array } {
  const split = fixture.splits[c.dataset];
  const data = load(c.dataset, split.task);
  const extra = c.model.startsWith('Hist') ? { early_stopping: false } : {};
  const model = new MODELS[c.model]({ ...c.params, ...extra, random_state: seed }).fit(data, Uint32Array.from(split.train));
  return { model, data, test: Uint32Array.from(split.test) };
}

/** Accuracy or r2 on the test rows, like the fixture's scores. */
function testScore(data: Dataset, test: Uint32Array, model: Estimator): number {
  const truth = Float64Array.from(test, (r) => data.y[r]);
  return score(data.classes ? 'accuracy' : 'r2', truth, model.predict(data, test));
}

const OUR_SEEDS = 10;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const caseName = (c: Case): string => `${c.model} ${c.dataset} ${JSON.stringify(c.params)}`;

describe('tree ensembles', () => {
  // Fixture by fixture against scikit-learn 1.2.1 (scripts/fixtures_ensemble.py), on the fixture's
  // own train/test rows.
  describe('boosting reproduces scikit-learn (test/fixtures/ensemble_boosting.json)', () => {
    const fixture = readFixture<BoostingCase>('ensemble_boosting.json');
    test.each(fixture.cases.map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
      const { model, data, test } = fitCase(fixture, c, 0);
      const labels = Array.from(model.predict(data, test), (p) => (data.classes ? Number(data.classes[p]) : p));
      const ours = c.proba ? Array.from(model.predictProba!(data, test)) : labels;
      const expected = c.proba ?? c.predict;
      if (data.classes) expect(labels).toEqual(c.predict);
      // Without ties the fits are the same computation: measured at most 7e-16 apart (relative),
      // so 1e-12 plus how far scikit-learn's own seeds move (0 or float noise; 1.5e-7 on iris).
      // With ties (seed_spread > 0) our tie-breaking is one more seed: as far as theirs go (measured
      // up to 1.16 times), and the mean test score of our seeds within the range of theirs.
      const allowed = c.seed_spread === 0 ? c.seed_max_difference : 1.25 * c.seed_max_difference;
      ours.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(allowed + 1e-12 * Math.max(1, Math.abs(expected[i]))));
      if (c.seed_spread > 0) {
        const scores = [0, 1, 2, 3, 4].map((seed) => testScore(data, test, seed === 0 ? model : fitCase(fixture, c, seed).model));
        expect(mean(scores)).toBeGreaterThanOrEqual(Math.min(...c.scores));
        expect(mean(scores)).toBeLessThanOrEqual(Math.max(...c.scores));
      }
    });
  });

  // NumPy's bootstrap / feature draws are not reproduced, so forests are compared as distributions:
  // our OUR_SEEDS fits against scikit-learn's 30.
  describe('random forests and extra trees score like scikit-learn over seeds (test/fixtures/ensemble_forests.json)', () => {
    const fixture = readFixture<ForestCase>('ensemble_forests.json');
    test.each(fixture.cases.map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
      const scores: number[] = [];
      const rowSums = new Float64Array(c.row_mean.length);
      let classification = false;
      for (let seed = 0; seed < OUR_SEEDS; seed++) {
        const { model, data, test } = fitCase(fixture, c, seed);
        scores.push(testScore(data, test, model));
        if (data.classes) {
          classification = true;
          const k = data.classes.length;
          const proba = model.predictProba!(data, test);
          test.forEach((r, i) => (rowSums[i] += proba[i * k + data.y[r]]));
        } else {
          model.predict(data, test).forEach((v, i) => (rowSums[i] += v));
        }
      }
      const seedsFactor = Math.sqrt(1 / OUR_SEEDS + 1 / c.scores.length);
      // Mean test score: within 3 standard errors of the difference of two means with scikit-learn's
      // seed spread (measured at most 2.3), and never more than 0.02 apart.
      const skMean = mean(c.scores);
      const skStd = Math.sqrt(c.scores.reduce((a, x) => a + (x - skMean) ** 2, 0) / (c.scores.length - 1));
      expect(Math.abs(mean(scores) - skMean)).toBeLessThanOrEqual(Math.min(3 * skStd * seedsFactor, 0.02));
      // Per test row, the mean prediction (regression) or probability of the true class: z-scores
      // with scikit-learn's per-row seed spread, at least one tree's vote where all its seeds agree.
      // Measured: root mean square at most 1.2, largest at most 4.
      const nEstimators = c.params.n_estimators as number;
      const z = Array.from(rowSums, (s, i) => {
        const std = classification ? Math.max(c.row_std[i], 1 / nEstimators) : c.row_std[i];
        return (s / OUR_SEEDS - c.row_mean[i]) / (std * seedsFactor);
      });
      expect(Math.sqrt(mean(z.map((x) => x * x)))).toBeLessThanOrEqual(1.5);
      expect(Math.max(...z.map(Math.abs))).toBeLessThanOrEqual(5);
    });
  });

  test.each([
    ['RandomForestClassifier', (p: Record<string, unknown>) => new RandomForestClassifier({ n_estimators: 10, ...p })],
    ['ExtraTreesClassifier', (p: Record<string, unknown>) => new ExtraTreesClassifier({ n_estimators: 10, ...p })],
    ['GradientBoostingClassifier', (p: Record<string, unknown>) => new GradientBoostingClassifier({ n_estimators: 10, ...p })],
    ['HistGradientBoostingClassifier', (p: Record<string, unknown>) => new HistGradientBoostingClassifier({ max_iter: 10, ...p })],
  ])('%s: probabilities sum to 1, predict is their argmax, deterministic', (_name, make) => {
    for (const dataset of ['iris', 'breast_cancer']) {
      const data = load(dataset, 'classification');
      const k = data.classes!.length;
      const { train, test } = halves(data.nSamples);
      const model = make({ random_state: 4 }).fit(data, train);
      const proba = model.predictProba!(data, test);
      const pred = model.predict(data, test);
      for (let i = 0; i < test.length; i++) {
        let s = 0;
        let best = 0;
        for (let c = 0; c < k; c++) {
          s += proba[i * k + c];
          if (proba[i * k + c] > proba[i * k + best]) best = c;
        }
        expect(s).toBeCloseTo(1, 10);
        expect(pred[i]).toBe(best);
      }
      const again = make({ random_state: 4 }).fit(data, train).predictProba!(data, test);
      expect(Array.from(again)).toEqual(Array.from(proba));
    }
  });

  test('forest options: max_samples, balanced_subsample, bootstrap, criterion', () => {
    const data = load('breast_cancer', 'classification');
    const { train, test } = halves(data.nSamples);
    for (const params of [
      { max_samples: 0.3 },
      { max_samples: 50 },
      { class_weight: 'balanced_subsample' },
      { class_weight: 'balanced' },
      { bootstrap: false, max_features: 3 },
      { criterion: 'entropy', max_depth: 4 },
      { max_leaf_nodes: 8 },
      { ccp_alpha: 0.005 },
    ]) {
      const m = new RandomForestClassifier({ n_estimators: 15, random_state: 0, ...params }).fit(data, train);
      const pred = m.predict(data, test);
      const acc = pred.reduce((a, p, i) => a + (p === data.y[test[i]] ? 1 : 0), 0) / test.length;
      expect(acc).toBeGreaterThan(0.88);
    }
    const reg = load('diabetes', 'regression');
    const r = halves(reg.nSamples);
    const et = new ExtraTreesRegressor({ n_estimators: 10, criterion: 'absolute_error', max_depth: 4, random_state: 0 }).fit(reg, r.train);
    expect(et.predict(reg, r.test).every(Number.isFinite)).toBe(true);
    const seeds = [1, 2].map((s) => Array.from(new RandomForestRegressor({ n_estimators: 5, random_state: s }).fit(reg, r.train).predict(reg, r.test)));
    expect(seeds[0]).not.toEqual(seeds[1]);
  });

  test('gradient boosting: losses, subsample and early stopping', () => {
    const reg = load('diabetes', 'regression');
    const { train, test } = halves(reg.nSamples);
    for (const loss of ['squared_error', 'absolute_error', 'huber', 'quantile']) {
      const pred = new GradientBoostingRegressor({ loss, n_estimators: 30, subsample: 0.8, random_state: 0 }).fit(reg, train).predict(reg, test);
      expect(pred.every(Number.isFinite)).toBe(true);
    }
    const data = load('breast_cancer', 'classification');
    const h = halves(data.nSamples);
    const stopped = new GradientBoostingClassifier({ n_estimators: 500, n_iter_no_change: 3, random_state: 0 }).fit(data, h.train);
    expect(stopped.nEstimators_).toBeLessThan(500);
    const exp = new GradientBoostingClassifier({ loss: 'exponential', n_estimators: 30, random_state: 0 }).fit(data, h.train);
    expect(exp.predict(data, h.test).reduce((a, p, i) => a + (p === data.y[h.test[i]] ? 1 : 0), 0) / h.test.length).toBeGreaterThan(0.9);
    expectInvalid(() => new GradientBoostingClassifier({ loss: 'exponential' }).fit(load('iris', 'classification'), h.train.filter((r) => r < 150)), 'loss');
  });

  test('hist gradient boosting: early stopping and bins', () => {
    const data = load('digits', 'classification');
    const { train } = halves(data.nSamples);
    const auto = new HistGradientBoostingClassifier({ max_iter: 15, random_state: 0 }).fit(data, train);
    expect(auto.nIter_).toBe(15); // "auto" is off below 10000 rows
    const es = new HistGradientBoostingClassifier({ max_iter: 300, early_stopping: true, n_iter_no_change: 2, tol: 1e-3, random_state: 0 }).fit(data, train);
    expect(es.nIter_).toBeLessThan(300);
    const reg = load('diabetes', 'regression');
    const r = halves(reg.nSamples);
    const coarse = new HistGradientBoostingRegressor({ max_bins: 4, max_iter: 20, l2_regularization: 1, max_depth: 3 }).fit(reg, r.train);
    expect(coarse.predict(reg, r.test).every(Number.isFinite)).toBe(true);
  });

  test('validates parameters and names the parameter', () => {
    expectInvalid(() => new RandomForestClassifier({ n_estimators: 0 }), 'n_estimators');
    expectInvalid(() => new RandomForestClassifier({ bootstrap: 'yes' }), 'bootstrap');
    expectInvalid(() => new RandomForestClassifier({ bootstrap: false, max_samples: 0.5 }), 'max_samples');
    expectInvalid(() => new RandomForestClassifier({ max_samples: 1.5 }), 'max_samples');
    expectInvalid(() => new RandomForestClassifier({ n_jobs: 2 }), 'n_jobs');
    expectInvalid(() => new RandomForestRegressor({ class_weight: 'balanced' }), 'class_weight');
    expectInvalid(() => new ExtraTreesClassifier({ criterion: 'mse' }), 'criterion');
    expectInvalid(() => new GradientBoostingClassifier({ learning_rate: -0.1 }), 'learning_rate');
    expectInvalid(() => new GradientBoostingClassifier({ subsample: 0 }), 'subsample');
    expectInvalid(() => new GradientBoostingRegressor({ loss: 'log_loss' }), 'loss');
    expectInvalid(() => new GradientBoostingRegressor({ max_depth: -1 }), 'max_depth');
    expectInvalid(() => new HistGradientBoostingClassifier({ max_bins: 256 }), 'max_bins');
    expectInvalid(() => new HistGradientBoostingClassifier({ early_stopping: 'maybe' }), 'early_stopping');
    expectInvalid(() => new HistGradientBoostingRegressor({ min_samples_leaf: 0 }), 'min_samples_leaf');
    expectInvalid(() => new HistGradientBoostingRegressor({ n_estimators: 10 }), 'n_estimators');
    const data = load('iris', 'classification');
    expectInvalid(() => new RandomForestClassifier({ max_samples: 1000 }).fit(data, halves(data.nSamples).train), 'max_samples');
    expect(Object.keys(PARAM_NAMES).sort()).toEqual(
      [
        'ExtraTreesClassifier',
        'ExtraTreesRegressor',
        'GradientBoostingClassifier',
        'GradientBoostingRegressor',
        'HistGradientBoostingClassifier',
        'HistGradientBoostingRegressor',
        'RandomForestClassifier',
        'RandomForestRegressor',
      ].sort(),
    );
    expect(PARAM_NAMES.RandomForestClassifier).toEqual(expect.arrayContaining(['n_estimators', 'max_samples', 'class_weight', 'bootstrap']));
  });
});
