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
import { crossValidate } from '../../src/ml/model_selection';
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

type Make = (params: Record<string, unknown>) => Estimator;

// 5-fold CV means of scikit-learn 1.2.1 (mean over random_state 0, 1, 2 of the folds' and the
// model's seed); ours use our own folds and generator, so they agree within the seed variation.
const REFERENCE: [string, Task, string, Make, Record<string, unknown>, string, number, number][] = [
  ['breast_cancer', 'classification', 'RandomForestClassifier', (p) => new RandomForestClassifier(p), { n_estimators: 50 }, 'accuracy', 0.959, 0.02],
  ['digits', 'classification', 'RandomForestClassifier', (p) => new RandomForestClassifier(p), { n_estimators: 30 }, 'accuracy', 0.967, 0.015],
  ['wine', 'classification', 'ExtraTreesClassifier', (p) => new ExtraTreesClassifier(p), { n_estimators: 50 }, 'accuracy', 0.987, 0.02],
  ['diabetes', 'regression', 'RandomForestRegressor', (p) => new RandomForestRegressor(p), { n_estimators: 50, max_features: 0.5, min_samples_leaf: 5 }, 'r2', 0.432, 0.04],
  ['diabetes', 'regression', 'ExtraTreesRegressor', (p) => new ExtraTreesRegressor(p), { n_estimators: 50, min_samples_leaf: 5 }, 'r2', 0.457, 0.04],
  ['breast_cancer', 'classification', 'GradientBoostingClassifier', (p) => new GradientBoostingClassifier(p), { n_estimators: 50 }, 'roc_auc', 0.9896, 0.01],
  ['iris', 'classification', 'GradientBoostingClassifier', (p) => new GradientBoostingClassifier(p), { n_estimators: 50 }, 'accuracy', 0.949, 0.03],
  ['diabetes', 'regression', 'GradientBoostingRegressor', (p) => new GradientBoostingRegressor(p), { n_estimators: 50 }, 'r2', 0.421, 0.04],
  ['breast_cancer', 'classification', 'HistGradientBoostingClassifier', (p) => new HistGradientBoostingClassifier(p), {}, 'accuracy', 0.9654, 0.02],
  ['digits', 'classification', 'HistGradientBoostingClassifier', (p) => new HistGradientBoostingClassifier(p), { max_iter: 30 }, 'accuracy', 0.9647, 0.015],
  ['diabetes', 'regression', 'HistGradientBoostingRegressor', (p) => new HistGradientBoostingRegressor(p), { max_iter: 50 }, 'r2', 0.421, 0.04],
];

describe('tree ensembles', () => {
  test.each(REFERENCE)('%s %s %s: CV score like scikit-learn', (name, task, _cls, make, params, scoring, expected, tol) => {
    const data = load(name, task);
    const scores = crossValidate(data, () => make({ ...params, random_state: 0 }), { cvFolds: 5, scoring, seed: 0 });
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(Math.abs(mean - expected)).toBeLessThanOrEqual(tol);
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
