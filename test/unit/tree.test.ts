import * as fs from 'fs';
import * as path from 'path';

import { parseCsv } from '../../src/ml/data/csv';
import { score } from '../../src/ml/metrics';
import { Random } from '../../src/ml/random';
import { TreeBuilder } from '../../src/ml/tree/builder';
import { featureCodes } from '../../src/ml/tree/codes';
import { classTargets, treeConfig, treeParamSpec } from '../../src/ml/tree/common';
import { resolveParams } from '../../src/ml/tree/params';
import { DecisionTreeClassifier, DecisionTreeRegressor, PARAM_NAMES } from '../../src/ml/tree';
import { Dataset, InvalidInputError, Task } from '../../src/ml/types';

const SAMPLES = path.join(__dirname, '../../data/samples');
const FIXTURES = path.join(__dirname, '../fixtures');

const cache = new Map<string, Dataset>();
function load(name: string, task: Task): Dataset {
  const key = `${name}:${task}`;
  if (!cache.has(key)) {
    cache.set(key, parseCsv(fs.readFileSync(path.join(SAMPLES, `${name}.csv`), 'utf8'), { targetColumn: 'target', task }));
  }
  return cache.get(key)!;
}

/** Rows with index % 4 != 0 train, the others test (the split of scripts/fixtures_trees.py). */
function fixedSplit(n: number): { train: Uint32Array; test: Uint32Array } {
  const idx = Array.from({ length: n }, (_, i) => i);
  return { train: Uint32Array.from(idx.filter((i) => i % 4 !== 0)), test: Uint32Array.from(idx.filter((i) => i % 4 === 0)) };
}

function accuracy(data: Dataset, rows: Uint32Array, pred: Float64Array): number {
  let ok = 0;
  rows.forEach((r, i) => (ok += pred[i] === data.y[r] ? 1 : 0));
  return ok / rows.length;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

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

describe('DecisionTreeClassifier / DecisionTreeRegressor', () => {
  // Thresholds: the lowest test accuracy of scikit-learn's tree over random_state 0-19.
  test.each([
    ['iris', 0.92],
    ['breast_cancer', 0.895],
    ['wine', 0.955],
  ])('fits %s with sensible accuracy', (name, minAccuracy) => {
    const data = load(name, 'classification');
    const { train, test } = fixedSplit(data.nSamples);
    const model = new DecisionTreeClassifier({ random_state: 0 }).fit(data, train);
    expect(accuracy(data, test, model.predict(data, test))).toBeGreaterThanOrEqual(minAccuracy);
    // Fully grown on distinct points: the training set is fitted exactly.
    expect(accuracy(data, train, model.predict(data, train))).toBe(1);
    const proba = model.predictProba(data, test);
    expect(proba.length).toBe(test.length * data.classes!.length);
    for (let i = 0; i < test.length; i++) {
      let s = 0;
      for (let c = 0; c < data.classes!.length; c++) s += proba[i * data.classes!.length + c];
      expect(s).toBeCloseTo(1, 12);
    }
  });

  // scikit-learn breaks ties between equally good splits by random_state, in an order ours does not
  // reproduce; the fixture records what its seeds 0-29 do (scripts/fixtures_trees.py). Where no
  // seed changes a prediction (seed_spread 0), each of our seeds must match exactly. Elsewhere a
  // prediction counts as off when it leaves the row's [seed_min, seed_max] over scikit-learn's
  // seeds (classification: differs from the label all its seeds agree on); at most 1% may be
  // (measured: 0.45%, diabetes unpruned), regression ones by at most 5% of the targets' range
  // (measured 3%); the mean test score of our seeds 0-9 must lie within the range of
  // scikit-learn's, and each within that range widened by half its width on either side.
  describe.each(['iris', 'wine', 'breast_cancer', 'digits', 'diabetes'])('matches scikit-learn on %s', (name) => {
    const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, `tree_${name}.json`), 'utf8')) as {
      task: Task;
      train: number[];
      test: number[];
      cases: {
        params: Record<string, unknown>;
        predict: number[];
        node_count: number;
        depth: number;
        seed_spread: number;
        seed_min: number[];
        seed_max: number[];
        scores: number[];
      }[];
    };
    const data = load(name, fixture.task);
    const train = Uint32Array.from(fixture.train);
    const testRows = Uint32Array.from(fixture.test);
    const classification = fixture.task === 'classification';
    const truth = Float64Array.from(testRows, (r) => data.y[r]);
    const targetRange = Math.max(...truth) - Math.min(...truth);
    const asLabels = (pred: Float64Array): number[] => Array.from(pred, (p) => (classification ? Number(data.classes![p]) : p));
    test.each(fixture.cases.map((c) => [JSON.stringify(c.params), c] as const))('%s', (_label, c) => {
      const Model = classification ? DecisionTreeClassifier : DecisionTreeRegressor;
      const fits = Array.from({ length: 10 }, (_, seed) => new Model({ ...c.params, random_state: seed }).fit(data, train));
      if (c.seed_spread === 0) {
        for (const m of fits) {
          asLabels(m.predict(data, testRows)).forEach((p, i) => expect(Math.abs(p - c.predict[i])).toBeLessThanOrEqual(1e-9 * Math.abs(c.predict[i])));
          expect(m.tree_!.nodeCount).toBe(c.node_count);
          expect(m.tree_!.maxDepth).toBe(c.depth);
        }
      }
      let off = 0;
      let farthest = 0;
      for (const m of fits) {
        asLabels(m.predict(data, testRows)).forEach((p, i) => {
          const lo = c.seed_min[i] - 1e-9 * Math.abs(c.seed_min[i]);
          const hi = c.seed_max[i] + 1e-9 * Math.abs(c.seed_max[i]);
          if ((classification && c.seed_min[i] === c.seed_max[i] && p !== c.predict[i]) || p < lo || p > hi) {
            off++;
            farthest = Math.max(farthest, lo - p, p - hi);
          }
        });
      }
      expect(off).toBeLessThanOrEqual(0.01 * fits.length * testRows.length);
      if (!classification) expect(farthest).toBeLessThanOrEqual(0.05 * targetRange);
      const scores = fits.map((m) => score(classification ? 'accuracy' : 'r2', truth, m.predict(data, testRows)));
      // 1e-12: a mean of equal scores may differ from them in the last bit.
      const [skMin, skMax] = [Math.min(...c.scores) - 1e-12, Math.max(...c.scores) + 1e-12];
      expect(mean(scores)).toBeGreaterThanOrEqual(skMin);
      expect(mean(scores)).toBeLessThanOrEqual(skMax);
      for (const s of scores) {
        expect(s).toBeGreaterThanOrEqual(skMin - (skMax - skMin) / 2);
        expect(s).toBeLessThanOrEqual(skMax + (skMax - skMin) / 2);
      }
    });
  });

  test('presorted and per-node split search grow identical trees', () => {
    for (const [name, task] of [
      ['breast_cancer', 'classification'],
      ['digits', 'classification'],
      ['diabetes', 'regression'],
    ] as const) {
      const data = load(name, task);
      const fc = featureCodes(data);
      const { train } = fixedSplit(data.nSamples);
      const classification = task === 'classification';
      const p = resolveParams(treeParamSpec(classification), { max_features: 'sqrt', min_samples_leaf: 2 });
      const nClasses = classification ? classTargets(data).nClasses : 0;
      const trees = [true, false].map((presort) => {
        const cfg = { ...treeConfig(p, train.length, data.nFeatures, nClasses, train.length, false), presort };
        return new TreeBuilder(fc, cfg).build(
          {
            rows: Uint32Array.from(train),
            nRows: train.length,
            weight: null,
            yClass: classification ? classTargets(data).yClass : null,
            yValue: classification ? null : data.y,
          },
          new Random(7),
        );
      });
      expect(Array.from(trees[0].feature)).toEqual(Array.from(trees[1].feature));
      expect(Array.from(trees[0].threshold)).toEqual(Array.from(trees[1].threshold));
      expect(Array.from(trees[0].value)).toEqual(Array.from(trees[1].value));
    }
  });

  test('is deterministic with random_state', () => {
    const data = load('breast_cancer', 'classification');
    const { train, test } = fixedSplit(data.nSamples);
    const fit = (seed: number): number[] =>
      Array.from(new DecisionTreeClassifier({ max_features: 'sqrt', random_state: seed }).fit(data, train).predictProba(data, test));
    expect(fit(3)).toEqual(fit(3));
    const diabetes = load('diabetes', 'regression');
    const rows = fixedSplit(diabetes.nSamples).train;
    const a = new DecisionTreeRegressor({ splitter: 'random', random_state: 5 }).fit(diabetes, rows);
    const b = new DecisionTreeRegressor({ splitter: 'random', random_state: 5 }).fit(diabetes, rows);
    expect(Array.from(a.tree_!.threshold)).toEqual(Array.from(b.tree_!.threshold));
  });

  test('honours max_depth, min_samples_leaf and max_leaf_nodes', () => {
    const data = load('diabetes', 'regression');
    const { train } = fixedSplit(data.nSamples);
    expect(new DecisionTreeRegressor({ max_depth: 3 }).fit(data, train).tree_!.maxDepth).toBe(3);
    expect(new DecisionTreeRegressor({ max_leaf_nodes: 7 }).fit(data, train).tree_!.nLeaves).toBe(7);
    const t = new DecisionTreeRegressor({ min_samples_leaf: 10 }).fit(data, train).tree_!;
    for (let i = 0; i < t.nodeCount; i++) if (t.feature[i] < 0) expect(t.nNodeSamples[i]).toBeGreaterThanOrEqual(10);
    const frac = new DecisionTreeRegressor({ min_samples_leaf: 0.1 }).fit(data, train).tree_!;
    for (let i = 0; i < frac.nodeCount; i++) if (frac.feature[i] < 0) expect(frac.nNodeSamples[i]).toBeGreaterThanOrEqual(Math.ceil(0.1 * train.length));
  });

  test('validates parameters and names the parameter', () => {
    expectInvalid(() => new DecisionTreeClassifier({ max_dept: 3 }), 'max_dept');
    expectInvalid(() => new DecisionTreeClassifier({ max_depth: 0 }), 'max_depth');
    expectInvalid(() => new DecisionTreeClassifier({ max_depth: 2.5 }), 'max_depth');
    expectInvalid(() => new DecisionTreeClassifier({ criterion: 'squared_error' }), 'criterion');
    expectInvalid(() => new DecisionTreeRegressor({ criterion: 'gini' }), 'criterion');
    expectInvalid(() => new DecisionTreeClassifier({ min_samples_split: 1.5 }), 'min_samples_split');
    expectInvalid(() => new DecisionTreeClassifier({ min_samples_split: 0 }), 'min_samples_split');
    expectInvalid(() => new DecisionTreeClassifier({ min_samples_leaf: 0 }), 'min_samples_leaf');
    expectInvalid(() => new DecisionTreeClassifier({ max_features: 'auto' }), 'max_features');
    expectInvalid(() => new DecisionTreeClassifier({ max_features: 1.5 }), 'max_features');
    expectInvalid(() => new DecisionTreeClassifier({ max_leaf_nodes: 1 }), 'max_leaf_nodes');
    expectInvalid(() => new DecisionTreeClassifier({ min_impurity_decrease: -1 }), 'min_impurity_decrease');
    expectInvalid(() => new DecisionTreeClassifier({ class_weight: 'unbalanced' }), 'class_weight');
    expectInvalid(() => new DecisionTreeClassifier({ random_state: -1 }), 'random_state');
    expectInvalid(() => new DecisionTreeRegressor({ class_weight: 'balanced' }), 'class_weight');
    const data = load('iris', 'classification');
    expectInvalid(() => new DecisionTreeClassifier({ max_features: 10 }).fit(data, fixedSplit(data.nSamples).train), 'max_features');
    expectInvalid(() => new DecisionTreeClassifier({ class_weight: { nope: 2 } }).fit(data, fixedSplit(data.nSamples).train), 'class_weight');
    expect(PARAM_NAMES.DecisionTreeClassifier).toContain('class_weight');
    expect(PARAM_NAMES.DecisionTreeRegressor).not.toContain('class_weight');
  });

  test('class_weight shifts predictions towards the weighted class', () => {
    const data = load('breast_cancer', 'classification');
    const { train, test } = fixedSplit(data.nSamples);
    const positives = (weights: Record<string, number>): number => {
      const m = new DecisionTreeClassifier({ max_depth: 2, random_state: 0, class_weight: weights }).fit(data, train);
      return m.predict(data, test).reduce((a, b) => a + b, 0);
    };
    expect(positives({ '0': 1, '1': 20 })).toBeGreaterThanOrEqual(positives({ '0': 20, '1': 1 }));
    // The same as a JSON string (grids hold scalars only).
    const a = new DecisionTreeClassifier({ class_weight: '{"0": 1, "1": 3}', random_state: 0 }).fit(data, train).predict(data, test);
    const b = new DecisionTreeClassifier({ class_weight: { '0': 1, '1': 3 }, random_state: 0 }).fit(data, train).predict(data, test);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
