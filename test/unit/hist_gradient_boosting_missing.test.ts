/**
 * HistGradientBoosting* with missing values (NaN) against scikit-learn 1.2
 * (test/fixtures/hgb_missing.json, from scripts/fixtures_hgb_missing.py).
 */
import * as fs from 'fs';
import * as path from 'path';

import { HistGradientBoostingClassifier, HistGradientBoostingRegressor } from '../../src/ml/ensemble';
import { score } from '../../src/ml/metrics';
import type { Dataset } from '../../src/ml/types';

interface Fixture {
  n_samples: number;
  n_features: number;
  X: (number | null)[][];
  targets: Record<string, number[]>;
  train: number[];
  test: number[];
  cases: { target: string; params: Record<string, unknown>; predictions: number[] | number[][]; score: number }[];
}

const fixture: Fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/hgb_missing.json'), 'utf8'));
const N = fixture.n_samples;
const X = new Float64Array(N * fixture.n_features);
fixture.X.forEach((col, f) => col.forEach((v, i) => (X[f * N + i] = v === null ? NaN : v)));
const trainRows = Uint32Array.from(fixture.train);
const testRows = Uint32Array.from(fixture.test);

function dataset(target: string): Dataset {
  const classification = target !== 'regression';
  const y = Float64Array.from(fixture.targets[target]);
  const nClasses = classification ? Math.max(...y) + 1 : 0;
  return {
    nSamples: N,
    nFeatures: fixture.n_features,
    featureNames: fixture.X.map((_, f) => `f${f}`),
    X,
    y,
    task: classification ? 'classification' : 'regression',
    ...(classification ? { classes: Array.from({ length: nClasses }, (_, k) => String(k)) } : {}),
  };
}

describe('HistGradientBoosting* with NaN reproduce scikit-learn 1.2', () => {
  test.each(fixture.cases.map((c) => [`${c.target} ${JSON.stringify(c.params)}`, c] as const))('%s', (_label, c) => {
    const data = dataset(c.target);
    const params = { ...c.params, early_stopping: false, random_state: 0 };
    const ours: number[] = [];
    let ourScore: number;
    if (c.target === 'regression') {
      const model = new HistGradientBoostingRegressor(params).fit(data, trainRows);
      const pred = model.predict(data, testRows);
      ours.push(...pred);
      ourScore = score('r2', data.y.filter((_, i) => i % 4 === 0), pred);
    } else {
      const model = new HistGradientBoostingClassifier(params).fit(data, trainRows);
      ours.push(...model.predictProba(data, testRows));
      ourScore = score('accuracy', Float64Array.from(testRows, (r) => data.y[r]), model.predict(data, testRows));
    }
    const expected = (c.predictions as (number | number[])[]).flat();
    expect(ours).toHaveLength(expected.length);
    const worst = Math.max(...expected.map((e, i) => Math.abs(ours[i] - e) / Math.max(1, Math.abs(e))));
    expect(worst).toBeLessThan(1e-6);
    expect(Math.abs(ourScore - c.score)).toBeLessThan(1e-9);
  });

  test('NaN at predict in a feature without NaN at fit follows the larger child', () => {
    const data = dataset('regression');
    const model = new HistGradientBoostingRegressor({ max_iter: 1, max_depth: 1, learning_rate: 1, early_stopping: false }).fit(data, trainRows);
    const [tree] = model.estimators_[0];
    const f = tree.feature[0];
    const probe = new Float64Array(X);
    const row = testRows[0];
    probe[f * N + row] = NaN;
    const withNaN = model.predict({ ...data, X: probe }, Uint32Array.of(row))[0];
    // The one split's training rows on the left: those predicted with the left leaf's value.
    const leftValue = model.baseline_[0] + tree.value[tree.left[0]];
    const nLeft = Array.from(model.predict(data, trainRows)).filter((p) => Math.abs(p - leftValue) < 1e-12).length;
    const larger = nLeft > trainRows.length - nLeft ? tree.left[0] : tree.right[0];
    const hasNaN = trainRows.some((r) => Number.isNaN(X[f * N + r]));
    if (!hasNaN) expect(withNaN).toBeCloseTo(model.baseline_[0] + tree.value[larger], 12);
    else expect(tree.missingLeft[0] === 1 ? tree.left[0] : tree.right[0]).toBeGreaterThan(0);
  });
});
