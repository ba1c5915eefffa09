/**
 * fANOVA parameter importance: exact variance shares of hand-built trees (worked out by hand
 * below), then the whole evaluator on trials whose scores depend on known parameters.
 */
import { fanovaImportances, fanovaShares, tuningSearchSpace, type ScoredTrial } from '../../src/ml/importance';
import { Random } from '../../src/ml/random';
import { Tree } from '../../src/ml/tree/tree';

/** A regression tree from nested [feature, threshold, left, right] splits and leaf values. */
type Node = number | [number, number, Node, Node];
function buildTree(root: Node): Tree {
  const tree = new Tree(1);
  const add = (node: Node): number => {
    const id = tree.addNode(1, 1, 0);
    if (typeof node === 'number') {
      tree.value[id] = node;
      return id;
    }
    const [feature, threshold, left, right] = node;
    tree.feature[id] = feature;
    tree.threshold[id] = threshold;
    tree.left[id] = add(left);
    tree.right[id] = add(right);
    return id;
  };
  add(root);
  return tree;
}

describe('fanovaShares on hand-built trees', () => {
  test('an additive function splits its variance between its two terms: 2·[x > .5] + [y > .5] gives 0.8 and 0.2', () => {
    const tree = buildTree([0, 0.5, [1, 0.5, 0, 1], [1, 0.5, 2, 3]]);
    const [x, y] = fanovaShares([tree], [0, 0], [1, 1], [[0], [1]]);
    expect(x).toBeCloseTo(0.8, 12);
    expect(y).toBeCloseTo(0.2, 12);
  });

  test('the measure is uniform over the bounds: a split at 1 on [0, 4] weighs its sides 1/4 and 3/4', () => {
    // Values 0 and 4 → mean 3, variance 1/4·9 + 3/4·1 = 3, all of it x's; y never splits.
    const tree = buildTree([0, 1, [1, 0.5, 0, 0], 4]);
    expect(fanovaShares([tree], [0, 0], [4, 1], [[0], [1]])).toEqual([1, 0]);
  });

  test('a pure interaction [x > .5 and y > .5] leaves a third of the variance to each main effect', () => {
    // Total variance 1/4·3/4 = 3/16; x's marginal is 0 or 1/2 → variance 1/16 (likewise y).
    const tree = buildTree([0, 0.5, 0, [1, 0.5, 0, 1]]);
    const [x, y, both] = fanovaShares([tree], [0, 0], [1, 1], [[0], [1], [0, 1]]);
    expect(x).toBeCloseTo(1 / 3, 12);
    expect(y).toBeCloseTo(1 / 3, 12);
    expect(both).toBeCloseTo(1, 12);
  });

  test('shares are averaged over the trees that vary; a constant tree is skipped', () => {
    const additive = buildTree([0, 0.5, [1, 0.5, 0, 1], [1, 0.5, 2, 3]]);
    const onlyY = buildTree([1, 0.5, 0, 1]);
    const constant = buildTree(5);
    const [x, y] = fanovaShares([additive, onlyY, constant], [0, 0], [1, 1], [[0], [1]]);
    expect(x).toBeCloseTo(0.4, 12);
    expect(y).toBeCloseTo(0.6, 12);
  });
});

describe('fanovaImportances', () => {
  const space = {
    x: { type: 'float' as const, low: 0, high: 6 },
    y: { type: 'int' as const, low: 1, high: 10 },
    criterion: { type: 'categorical' as const, choices: ['gini', 'entropy', 'log_loss'] },
  };
  /** The score is mostly x's, a little y's, and never the criterion's. */
  function trials(n: number): ScoredTrial[] {
    const random = new Random(7, 0);
    return Array.from({ length: n }, () => {
      const x = random.uniform(0, 6);
      const y = 1 + Math.floor(random.uniform(0, 10));
      const criterion = space.criterion.choices[Math.floor(random.uniform(0, 3))];
      return { params: { x, y, criterion }, value: -((x - 3) ** 2) + 0.3 * y };
    });
  }

  test('ranks the parameters by their effect and sums to 1', () => {
    const importances = fanovaImportances(space, trials(200));
    expect(Object.keys(importances)).toEqual(['x', 'y', 'criterion']);
    expect(importances.x).toBeGreaterThan(0.8);
    expect(importances.y).toBeGreaterThan(0.02);
    expect(importances.criterion).toBeLessThan(0.02);
    expect(Object.values(importances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  test('is deterministic for a random_state', () => {
    const sample = trials(60);
    expect(fanovaImportances(space, sample, { random_state: 3 })).toEqual(fanovaImportances(space, sample, { random_state: 3 }));
  });

  test('a categorical with many choices (ordinal-encoded) can be the important one', () => {
    const choices = Array.from({ length: 15 }, (_, i) => `c${i}`);
    const manySpace = { kind: { type: 'categorical' as const, choices }, x: space.x };
    const random = new Random(11, 0);
    const sample = Array.from({ length: 150 }, () => {
      const k = Math.floor(random.uniform(0, 15));
      return { params: { kind: choices[k], x: random.uniform(0, 6) }, value: k % 3 };
    });
    const importances = fanovaImportances(manySpace, sample);
    expect(importances.kind).toBeGreaterThan(0.9);
  });

  test('scores that do not vary give every parameter 0', () => {
    const flat = trials(20).map((t) => ({ ...t, value: 0.5 }));
    expect(fanovaImportances(space, flat)).toEqual({ x: 0, y: 0, criterion: 0 });
  });

  test('parameters with a single value, or missing from a trial, are left out', () => {
    const sample = trials(30).map((t, i) => ({ ...t, params: { ...t.params, ...(i === 0 ? {} : { extra: 1 }) } }));
    const importances = fanovaImportances({ ...space, one: { type: 'categorical', choices: [true] }, extra: { type: 'int', low: 1, high: 4 } }, sample);
    expect(Object.keys(importances).sort()).toEqual(['criterion', 'x', 'y']);
  });

  test('needs two trials', () => {
    expect(() => fanovaImportances(space, trials(1))).toThrow('at least 2 completed trials');
  });

  test("a grid's lists are categoricals", () => {
    expect(tuningSearchSpace({ param_grid: { max_depth: [5, null] } })).toEqual({ max_depth: { type: 'categorical', choices: [5, null] } });
  });
});
