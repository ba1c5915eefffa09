/**
 * KNeighborsClassifier / KNeighborsRegressor against scikit-learn 1.2.1
 * (test/fixtures/core_models.json, written by scripts/fixtures_core.py).
 */
import * as fs from 'fs';
import * as path from 'path';

import { loadSampleDataset } from '../../src/ml/data/csv';
import { KNeighborsClassifier, KNeighborsRegressor, NeighborsAlgorithm } from '../../src/ml/neighbors';
import { bruteForceNeighbours, Distance, DistanceKind, fromReduced, KDTree, TreeDistanceKind } from '../../src/ml/neighbors/search';
import { Random } from '../../src/ml/random';
import { withStandardScaler } from '../../src/ml/preprocessing';
import { Dataset, Estimator, InvalidInputError, Params } from '../../src/ml/types';

interface ModelCase {
  data: string;
  model_type: string;
  params: Params;
  standardize: boolean;
  predictions: number[];
  proba?: number[];
  boundary_ties?: number[];
}
interface Fixture {
  splits: Record<string, { dataset: string; task: string; train: number[]; test: number[] }>;
  cases: ModelCase[];
}

const fixture: Fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/core_models.json'), 'utf8'));
const knnCases = fixture.cases.filter((c) => c.model_type === 'knn');

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.abs(expected[i]) + abs;
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) throw new Error(`index ${i}: ${actual[i]} vs expected ${expected[i]}`);
  }
}

describe('k-nearest neighbours match scikit-learn', () => {
  test.each(knnCases.map((c) => [`${c.data} ${JSON.stringify(c.params)}`, c] as const))('%s', (_label, c) => {
    const split = fixture.splits[c.data];
    const data = loadSampleDataset(split.dataset);
    const train = Uint32Array.from(split.train);
    const test = Uint32Array.from(split.test);
    const params = { ...c.params };
    delete params.standardize;
    const model = split.task === 'classification' ? new KNeighborsClassifier(params) : new KNeighborsRegressor(params);
    const est: Estimator = c.standardize ? withStandardScaler(model) : model;
    est.fit(data, train);
    const pred = est.predict(data, test);
    if (split.task === 'classification') {
      // Exact, including the rows whose k-th and (k+1)-th neighbours are equidistant
      // (boundary_ties: sklearn's kd-tree could pick either; here the tied neighbours agree).
      expect(Array.from(pred)).toEqual(c.predictions);
      close(est.predictProba!(data, test), c.proba!, 0, 1e-12);
    } else {
      close(pred, c.predictions, 1e-9, 0);
    }
  });
});

describe('KNeighbors parameters and edge cases', () => {
  const iris = loadSampleDataset('iris');

  test('defaults and validation name the parameter', () => {
    const m = new KNeighborsClassifier();
    expect([m.n_neighbors, m.weights, m.p, m.metric]).toEqual([5, 'uniform', 2, 'minkowski']);
    const bad: [Params, string][] = [
      [{ n_neighbors: 0 }, 'n_neighbors'],
      [{ n_neighbors: 2.5 }, 'n_neighbors'],
      [{ weights: 'gaussian' }, 'weights'],
      [{ p: 0.5 }, 'p'],
      [{ metric: 'cosine' }, 'metric'],
      [{ leaf_size: 30 }, 'leaf_size'],
    ];
    for (const [params, field] of bad) {
      expect(() => new KNeighborsRegressor(params)).toThrow(InvalidInputError);
      expect(() => new KNeighborsClassifier(params)).toThrow(expect.objectContaining({ field }));
    }
  });

  test('n_neighbors larger than the training set is an InvalidInputError', () => {
    expect(() => new KNeighborsClassifier({ n_neighbors: 10 }).fit(iris, Uint32Array.of(0, 1, 2))).toThrow(
      expect.objectContaining({ field: 'n_neighbors' }),
    );
  });

  test('distance weights: a query equal to training points uses those points only', () => {
    const X = Float64Array.from([0, 0, 1, 5]); // one feature, 4 samples
    const data: Dataset = { nSamples: 4, nFeatures: 1, featureNames: ['x'], X, y: Float64Array.from([1, 3, 10, 100]), task: 'regression' };
    const m = new KNeighborsRegressor({ n_neighbors: 3, weights: 'distance' }).fit(data, Uint32Array.of(0, 1, 2, 3));
    expect(Array.from(m.predict(data, Uint32Array.of(0)))).toEqual([2]); // mean of the two exact matches
    const u = new KNeighborsRegressor({ n_neighbors: 3 }).fit(data, Uint32Array.of(0, 1, 2, 3));
    expect(Array.from(u.predict(data, Uint32Array.of(3)))).toEqual([(100 + 10 + 1) / 3]); // ties at distance 5: earliest row wins
  });

  test('metrics: manhattan, chebyshev and general Minkowski distances', () => {
    const X = Float64Array.from([0, 3, 1, 0, 0, 2]); // samples (0,0) (3,0) (1,2)
    const data: Dataset = { nSamples: 3, nFeatures: 2, featureNames: ['a', 'b'], X, y: Float64Array.of(0, 1, 2), task: 'regression' };
    const rows = Uint32Array.of(1, 2);
    const q = Uint32Array.of(0);
    const nb = (params: Params) => new KNeighborsRegressor({ n_neighbors: 2, ...params }).fit(data, rows).kneighbors(data, q);
    expect(Array.from(nb({}).distances)).toEqual([Math.sqrt(5), 3]);
    expect(Array.from(nb({ p: 1 }).distances)).toEqual([3, 3]);
    expect(Array.from(nb({ metric: 'manhattan' }).distances)).toEqual([3, 3]);
    expect(Array.from(nb({ metric: 'chebyshev' }).distances)).toEqual([2, 3]);
    expect(nb({ p: 3 }).distances[0]).toBeCloseTo(9 ** (1 / 3), 14);
  });
});

/** n × d column-major data: integers in [0, levels) when levels is set (many exact distance ties), else normal. */
function randomData(n: number, d: number, seed: number, levels?: number): Dataset {
  const rng = new Random(seed);
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = levels ? rng.int(levels) : rng.normal();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(3);
  return { nSamples: n, nFeatures: d, featureNames: Array.from({ length: d }, (_, f) => `f${f}`), X, y, task: 'classification' };
}

/** Row-major copy of rows [from, to). */
function rowMajor(data: Dataset, from: number, to: number): Float64Array {
  const d = data.nFeatures;
  const out = new Float64Array((to - from) * d);
  for (let i = from; i < to; i++) for (let f = 0; f < d; f++) out[(i - from) * d + f] = data.X[f * data.nSamples + i];
  return out;
}

/** The definition: every reduced distance summed feature by feature, sorted by (distance, position). */
function sortedNeighbours(points: Float64Array, m: number, d: number, query: Float64Array, { kind, p }: Distance): { s: number; j: number }[] {
  const all = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let f = 0; f < d; f++) {
      const t = Math.abs(query[f] - points[j * d + f]);
      if (kind === 'l2') s += t * t;
      else if (kind === 'l1') s += t;
      else if (kind === 'linf') s = Math.max(s, t);
      else s += t ** p;
    }
    return { s, j };
  });
  return all.sort((a, b) => a.s - b.s || a.j - b.j);
}

describe('neighbour search: KD-tree and brute force give the neighbours of the definition', () => {
  const cases: [string, Dataset][] = [
    ['integer grid, 3 features (ties everywhere)', randomData(1000, 3, 1, 4)],
    ['integer grid, 6 features', randomData(1000, 6, 2, 3)],
    ['normal, 5 features', randomData(1000, 5, 3)],
    ['normal, 13 features', randomData(1000, 13, 4)],
  ];
  const kinds: DistanceKind[] = ['l2', 'l1', 'linf', 'lp'];
  const ks = [1, 4, 11];
  test.each(cases)('%s', (_label, data) => {
    const d = data.nFeatures;
    const m = 850;
    const points = rowMajor(data, 0, m);
    const nQueries = data.nSamples - m;
    const queries = rowMajor(data, m, data.nSamples);
    const mismatches: string[] = [];
    for (const kind of kinds) {
      const distance: Distance = { kind, p: kind === 'lp' ? 3 : kind === 'l1' ? 1 : 2 };
      const searches = ks.map((k) => {
        const results = [bruteForceNeighbours(points, m, d, queries, nQueries, k, distance)];
        if (kind !== 'lp') {
          for (const leafSize of [1, 30]) results.push(new KDTree(points, m, d, distance as Distance<TreeDistanceKind>, leafSize).query(queries, nQueries, k));
        }
        return results;
      });
      for (let q = 0; q < nQueries; q++) {
        const expected = sortedNeighbours(points, m, d, queries.subarray(q * d, (q + 1) * d), distance);
        ks.forEach((k, kIndex) => {
          searches[kIndex].forEach((found, method) => {
            for (let t = 0; t < k; t++) {
              const { s, j } = expected[t];
              if (found.indices[q * k + t] !== j || found.distances[q * k + t] !== fromReduced(distance, s)) {
                mismatches.push(`${kind} k=${k} method ${method} query ${q} rank ${t}: row ${found.indices[q * k + t]}, expected ${j}`);
              }
            }
          });
        });
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  test('the estimators predict the same with algorithm kd_tree, brute and auto', () => {
    const data = randomData(2000, 4, 5, 3);
    const regression: Dataset = { ...data, task: 'regression', y: data.y.map((v, i) => v + i / 1000) };
    const train = Uint32Array.from({ length: 1500 }, (_, i) => i);
    const test = Uint32Array.from({ length: 500 }, (_, i) => 1500 + i);
    const paramSets: Params[] = [{}, { n_neighbors: 8, weights: 'distance' }, { p: 1, n_neighbors: 3 }, { metric: 'chebyshev' }];
    for (const params of paramSets) {
      const predictions = (['kd_tree', 'brute', 'auto'] as NeighborsAlgorithm[]).map((algorithm) => {
        const classifier = new KNeighborsClassifier(params, { algorithm }).fit(data, train);
        const regressor = new KNeighborsRegressor(params, { algorithm }).fit(regression, train);
        return [Array.from(classifier.predict(data, test)), Array.from(classifier.predictProba(data, test)), Array.from(regressor.predict(regression, test))];
      });
      expect(predictions[1]).toEqual(predictions[0]);
      expect(predictions[2]).toEqual(predictions[0]);
    }
  });
});
