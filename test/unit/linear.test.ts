/**
 * Linear models against scikit-learn 1.2.1 (test/fixtures/core_models.json, written by
 * scripts/fixtures_core.py): same train/test split of the sample data sets, same parameters,
 * make_pipeline(StandardScaler(), model) when `standardize`.
 */
import * as fs from 'fs';
import * as path from 'path';

import { loadSampleDataset } from '../../src/ml/data/csv';
import { LinearRegression, LogisticRegression, minimizeLbfgs, Ridge } from '../../src/ml/linear';
import { lstsq } from '../../src/ml/linear/linalg';
import { StandardScaler, withStandardScaler } from '../../src/ml/preprocessing';
import { Dataset, Estimator, InvalidInputError, Params } from '../../src/ml/types';

interface ModelCase {
  data: string;
  model_type: string;
  params: Params;
  standardize: boolean;
  predictions: number[];
  proba?: number[];
  scaler_mean?: number[];
  scaler_scale?: number[];
  coef?: number[];
  intercept?: number[];
}
interface Fixture {
  splits: Record<string, { dataset: string; task: string; train: number[]; test: number[] }>;
  cases: ModelCase[];
}

const fixture: Fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/core_models.json'), 'utf8'));

function dataset(name: string): Dataset {
  const base = fixture.splits[name].dataset;
  const data = loadSampleDataset(base);
  if (name !== 'diabetes_collinear') return data;
  // An extra column equal to age + bmi: exactly collinear.
  const n = data.nSamples;
  const X = new Float64Array(n * (data.nFeatures + 1));
  X.set(data.X);
  for (let i = 0; i < n; i++) X[data.nFeatures * n + i] = data.X[0 * n + i] + data.X[2 * n + i];
  return { ...data, X, nFeatures: data.nFeatures + 1, featureNames: [...data.featureNames, 'age_plus_bmi'] };
}

function build(c: ModelCase): Estimator {
  const params = { ...c.params };
  delete params.standardize;
  const model =
    c.model_type === 'logistic_regression' ? new LogisticRegression(params) : c.model_type === 'ridge' ? new Ridge(params) : new LinearRegression(params);
  return c.standardize ? withStandardScaler(model) : model;
}

function relClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.abs(expected[i]) + abs;
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`index ${i}: ${actual[i]} vs expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

const linearCases = fixture.cases.filter((c) => ['logistic_regression', 'ridge', 'linear_regression'].includes(c.model_type));

describe('linear models match scikit-learn', () => {
  test.each(linearCases.map((c) => [`${c.data} ${c.model_type} ${JSON.stringify(c.params)}`, c] as const))('%s', (_label, c) => {
    const data = dataset(c.data);
    const split = fixture.splits[c.data];
    const train = Uint32Array.from(split.train);
    const test = Uint32Array.from(split.test);
    const est = build(c);
    est.fit(data, train);
    const pred = est.predict(data, test);
    if (c.standardize) {
      const scaler = new StandardScaler().fit(data, train);
      relClose(scaler.mean_, c.scaler_mean!, 1e-12, 1e-15);
      relClose(scaler.scale_, c.scaler_scale!, 1e-12);
    }
    if (c.model_type === 'logistic_regression') {
      expect(Array.from(pred)).toEqual(c.predictions);
      const proba = est.predictProba!(data, test);
      // Both optimisers stop at |gradient| <= tol = 1e-4; the probabilities agree to < 1e-4 in practice.
      relClose(proba, c.proba!, 0, 1e-3);
    } else {
      relClose(pred, c.predictions, 1e-6);
      if (c.data !== 'diabetes_collinear' && !c.standardize) {
        const model = est as Ridge | LinearRegression;
        relClose(model.coef_, c.coef!, 1e-6, 1e-9);
        relClose([model.intercept_], c.intercept!, 1e-6, 1e-9);
      }
    }
  });
});

describe('LogisticRegression', () => {
  const iris = loadSampleDataset('iris');
  const all = Uint32Array.from({ length: iris.nSamples }, (_, i) => i);

  test('defaults and parameter validation', () => {
    const m = new LogisticRegression();
    expect([m.C, m.penalty, m.max_iter, m.tol, m.fit_intercept, m.class_weight]).toEqual([1, 'l2', 100, 1e-4, true, null]);
    expect(new LogisticRegression({ penalty: 'none' }).penalty).toBeNull();
    expect(new LogisticRegression({ penalty: null }).penalty).toBeNull();
    const cases: [Params, string][] = [
      [{ C: 0 }, 'C'],
      [{ C: -1 }, 'C'],
      [{ C: 'big' }, 'C'],
      [{ penalty: 'l1' }, 'penalty'],
      [{ max_iter: 1.5 }, 'max_iter'],
      [{ tol: -1 }, 'tol'],
      [{ fit_intercept: 'yes' }, 'fit_intercept'],
      [{ class_weight: 'auto' }, 'class_weight'],
      [{ solver: 'saga' }, 'solver'],
      [{ alpha: 1 }, 'alpha'],
    ];
    for (const [params, field] of cases) {
      let err: unknown;
      try {
        new LogisticRegression(params);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    }
  });

  test('probabilities sum to one and predictions are their argmax', () => {
    const m = withStandardScaler(new LogisticRegression()).fit(iris, all);
    const proba = m.predictProba!(iris, all);
    const pred = m.predict(iris, all);
    for (let i = 0; i < iris.nSamples; i++) {
      const row = Array.from(proba.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(pred[i]).toBe(row.indexOf(Math.max(...row)));
    }
  });

  test('classes missing from the training rows get probability 0; a single class is predicted constantly', () => {
    const rows = Uint32Array.from({ length: 100 }, (_, i) => i + 50); // classes 1 and 2 only
    const m = new LogisticRegression().fit(iris, rows);
    expect(m.classes_).toEqual([1, 2]);
    const proba = m.predictProba(iris, all);
    for (let i = 0; i < iris.nSamples; i++) expect(proba[i * 3]).toBe(0);
    const one = new LogisticRegression().fit(iris, Uint32Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(one.predict(iris, Uint32Array.of(0, 100)))).toEqual([0, 0]);
    expect(Array.from(one.predictProba(iris, Uint32Array.of(100)))).toEqual([1, 0, 0]);
  });

  test('penalty none fits separable classes to the iteration limit without failing', () => {
    const rows = Uint32Array.from({ length: 100 }, (_, i) => i); // setosa vs versicolor: separable
    const m = new LogisticRegression({ penalty: null, max_iter: 30 }).fit(iris, rows);
    expect(m.nIter).toBeLessThanOrEqual(30);
    expect(Array.from(m.predict(iris, rows))).toEqual(Array.from(rows, (i) => iris.y[i]));
  });
});

describe('Ridge and LinearRegression', () => {
  test('parameter validation names the parameter', () => {
    expect(() => new Ridge({ alpha: -1 })).toThrow(expect.objectContaining({ field: 'alpha' }));
    expect(() => new Ridge({ solver: 'svd' })).toThrow(expect.objectContaining({ field: 'solver' }));
    expect(() => new LinearRegression({ fit_intercept: 1 })).toThrow(expect.objectContaining({ field: 'fit_intercept' }));
    expect(() => new LinearRegression({ alpha: 1 })).toThrow(expect.objectContaining({ field: 'alpha' }));
    expect(new Ridge().alpha).toBe(1);
  });

  test('a constant column and more features than samples are handled (minimum-norm least squares)', () => {
    const n = 4;
    const d = 6;
    const X = new Float64Array(n * d);
    for (let f = 0; f < d; f++) for (let i = 0; i < n; i++) X[f * n + i] = f === 0 ? 3 : Math.sin(1 + i * (f + 1));
    const y = Float64Array.from([1, 2, 0, 5]);
    const data: Dataset = { nSamples: n, nFeatures: d, featureNames: [], X, y, task: 'regression' };
    const rows = Uint32Array.from([0, 1, 2, 3]);
    const pred = new LinearRegression().fit(data, rows).predict(data, rows);
    relClose(pred, y, 1e-9, 1e-9); // interpolates
    const lr = new LinearRegression().fit(data, rows);
    expect(lr.coef_[0]).toBeCloseTo(0, 12); // constant column: no weight in the minimum-norm solution
  });

  test('lstsq gives the minimum-norm solution for duplicated columns', () => {
    // columns a, a, b with y = 2a + b → minimum norm splits 2 as 1 + 1.
    const m = 5;
    const a = [1, 2, 3, 4, 5].map((v) => v - 3);
    const b = [2, -1, 0, 1, -2];
    const A = Float64Array.from([...a, ...a, ...b]);
    const y = Float64Array.from(a.map((v, i) => 2 * v + b[i]));
    const x = lstsq(A, m, 3, y);
    relClose(x, [1, 1, 1], 1e-12, 1e-12);
  });
});

describe('minimizeLbfgs', () => {
  test('minimises the Rosenbrock function', () => {
    const res = minimizeLbfgs(
      (x, g) => {
        const [a, b] = [x[0], x[1]];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.of(-1.2, 1),
      { maxIter: 500, gtol: 1e-10 },
    );
    expect(res.converged).toBe(true);
    relClose(res.x, [1, 1], 0, 1e-6);
  });
});
