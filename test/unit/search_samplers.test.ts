import {
  createSampler,
  expandGrid,
  GpSampler,
  isActive,
  paramsKey,
  RandomSampler,
  spaceFromGrid,
  rankTrials,
  TpeSampler,
  validateSearchSpace,
  type Sampler,
  type SamplerOptions,
  type SearchSpace,
  type Trial,
} from '../../src/ml/search';
import { ndtr, ndtri } from '../../src/ml/search/math';
import type { Params } from '../../src/ml/types';

const MIXED: SearchSpace = {
  x: { type: 'float', low: 0, high: 1 },
  y: { type: 'float', low: 1e-4, high: 1, log: true },
  kind: { type: 'categorical', choices: ['a', 'b', 'c'] },
};

/** Maximum 0 at x = 0.3, y = 0.01, kind = 'b'. */
function objective(p: Params): number {
  const x = p.x as number;
  const y = p.y as number;
  return -((x - 0.3) ** 2) - (Math.log(y) - Math.log(0.01)) ** 2 - (p.kind === 'b' ? 0 : 0.5);
}

/** Runs a sequential study and returns the history. */
function study(sampler: Sampler, space: SearchSpace, f: (p: Params) => number, nTrials: number): Trial[] {
  const history: Trial[] = [];
  for (let n = 0; n < nTrials; n++) {
    const [params] = sampler.suggest(space, history, [], 1, n);
    history.push({ number: n, params, value: f(params), state: 'COMPLETE' });
  }
  return history;
}

const best = (history: Trial[]): number => Math.max(...history.map((t) => t.value as number));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The bayesian samplers: TPE (multivariate by default, and Optuna's independent mode) and GP. */
const BAYESIAN_VARIANTS: [string, Omit<SamplerOptions, 'seed'>][] = [
  ['tpe', {}],
  ['tpe (independent)', { tpe: { multivariate: false } }],
  ['gp', { sampler: 'gp' }],
];

describe('math', () => {
  test('ndtri inverts ndtr', () => {
    // Right of 3, 1 - Φ(x) loses digits in double precision, so the round trip is checked left of it.
    for (const x of [-30, -8, -3, -1, 0, 0.5, 2, 3]) expect(ndtri(ndtr(x))).toBeCloseTo(x, 8);
  });
});

describe('RandomSampler', () => {
  const space: SearchSpace = {
    a: { type: 'int', low: 10, high: 100, step: 10 },
    b: { type: 'int', low: 1, high: 1000, log: true },
    c: { type: 'float', low: 1e-5, high: 10, log: true },
    d: { type: 'float', low: 0.1, high: 0.9, step: 0.2 },
    e: { type: 'float', low: -2, high: 3 },
    f: { type: 'categorical', choices: ['x', null, 3, true] },
    g: { type: 'int', low: 7, high: 7 },
    h: { type: 'int', low: -3, high: 3 },
  };
  validateSearchSpace(space);
  const samples = new RandomSampler(42).suggest(space, [], [], 2000, 0);

  test('stays within bounds, steps and types', () => {
    for (const p of samples) {
      expect(Object.keys(p).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
      const a = p.a as number;
      expect(Number.isInteger(a) && a >= 10 && a <= 100 && a % 10 === 0).toBe(true);
      const b = p.b as number;
      expect(Number.isInteger(b) && b >= 1 && b <= 1000).toBe(true);
      const c = p.c as number;
      expect(c >= 1e-5 && c <= 10).toBe(true);
      expect([0.1, 0.3, 0.5, 0.7, 0.9]).toContain(p.d);
      const e = p.e as number;
      expect(e >= -2 && e < 3).toBe(true);
      expect(['x', null, 3, true]).toContain(p.f);
      expect(p.g).toBe(7);
      expect(Number.isInteger(p.h) && (p.h as number) >= -3 && (p.h as number) <= 3).toBe(true);
    }
  });

  test('covers every discrete value and is uniform in log space for log params', () => {
    expect(new Set(samples.map((p) => p.a)).size).toBe(10);
    expect(new Set(samples.map((p) => p.d)).size).toBe(5);
    expect(new Set(samples.map((p) => p.f)).size).toBe(4);
    expect(new Set(samples.map((p) => p.h))).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
    // Geometric middle of [1e-5, 10] is 1e-2: about half the draws fall below it.
    const belowMiddle = samples.filter((p) => (p.c as number) < 1e-2).length / samples.length;
    expect(belowMiddle).toBeGreaterThan(0.45);
    expect(belowMiddle).toBeLessThan(0.55);
    const smallB = samples.filter((p) => (p.b as number) <= 31).length / samples.length;
    expect(smallB).toBeGreaterThan(0.4);
    expect(smallB).toBeLessThan(0.6);
  });

  test("trial n's candidate depends only on (seed, n)", () => {
    const sampler = new RandomSampler(7);
    const batch = sampler.suggest(space, [], [], 5, 10);
    expect(sampler.suggest(space, [], [{ a: 10 }], 1, 12)[0]).toEqual(batch[2]);
    expect(new RandomSampler(7).suggest(space, [], [], 5, 10)).toEqual(batch);
    expect(new RandomSampler(8).suggest(space, [], [], 5, 10)).not.toEqual(batch);
  });
});

describe('TPE', () => {
  const history = study(new RandomSampler(3), MIXED, objective, 25);

  test('same seed and history give the same suggestions; other seeds differ', () => {
    const pending = [{ x: 0.5, y: 0.1, kind: 'a' }];
    const a = new TpeSampler(1).suggest(MIXED, history, pending, 4, 25);
    const b = createSampler('bayesian', { seed: 1 }).suggest(MIXED, [...history].reverse(), pending, 4, 25);
    expect(b).toEqual(a);
    const c = new TpeSampler(2).suggest(MIXED, history, pending, 4, 25);
    expect(c).not.toEqual(a);
    // A different history changes the suggestion too.
    const d = new TpeSampler(1).suggest(MIXED, history.slice(0, 24), pending, 4, 25);
    expect(d).not.toEqual(a);
  });

  test('suggestions respect the space', () => {
    const out = new TpeSampler(5).suggest(MIXED, history, [], 20, 25);
    for (const p of out) {
      expect(p.x as number).toBeGreaterThanOrEqual(0);
      expect(p.x as number).toBeLessThanOrEqual(1);
      expect(p.y as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.y as number).toBeLessThanOrEqual(1);
      expect(['a', 'b', 'c']).toContain(p.kind);
    }
  });

  test('startup trials are the random sampler', () => {
    const tpe = new TpeSampler(9).suggest(MIXED, history.slice(0, 5), [], 3, 5);
    expect(tpe).toEqual(new RandomSampler(9).suggest(MIXED, [], [], 3, 5));
  });

  for (const multivariate of [true, false]) {
    test(`${multivariate ? 'multivariate' : 'independent'}: beats random search on a synthetic objective (median best of 30 seeds at 40 trials)`, () => {
      const tpe: number[] = [];
      const random: number[] = [];
      for (let seed = 0; seed < 30; seed++) {
        tpe.push(best(study(new TpeSampler(seed, { multivariate }), MIXED, objective, 40)));
        random.push(best(study(new RandomSampler(seed), MIXED, objective, 40)));
      }
      const tpeMedian = median(tpe);
      const randomMedian = median(random);
      console.log(`best after 40 trials, median of 30 seeds: TPE (multivariate ${multivariate}) ${tpeMedian.toFixed(4)}, random ${randomMedian.toFixed(4)}`);
      // Regrets (the optimum is 0): TPE's must be well under half of random search's.
      expect(-tpeMedian).toBeLessThan(0.5 * -randomMedian);
      expect(tpe.filter((v, i) => v > random[i]).length).toBeGreaterThanOrEqual(24);
    });
  }

  test('pruned trials rank by their last intermediate value, after complete ones; failed ones are ignored', () => {
    const base = history.slice(0, 12);
    const sampler = new TpeSampler(4);
    const a = sampler.suggest(MIXED, base, [], 1, 13);
    const failed: Trial = { number: 12, params: { x: 0.3, y: 0.01, kind: 'b' }, value: null, state: 'FAILED' };
    expect(sampler.suggest(MIXED, [...base, failed], [], 1, 13)).toEqual(a);
    // Trials all pruned after the same number of folds act as complete trials scored by their
    // last fold score (not their first).
    const asPruned = base.map((t): Trial => ({ ...t, value: null, state: 'PRUNED', intermediateValues: [0, t.value as number] }));
    expect(sampler.suggest(MIXED, asPruned, [], 1, 13)).toEqual(a);
    const firstFold = base.map((t): Trial => ({ ...t, value: null, state: 'PRUNED', intermediateValues: [t.value as number, 0] }));
    expect(sampler.suggest(MIXED, firstFold, [], 1, 13)).not.toEqual(a);
  });

  test('rankTrials puts complete trials first, then pruned ones by steps reached', () => {
    const trials: Trial[] = [
      { number: 0, params: { t: 0 }, value: null, state: 'PRUNED', intermediateValues: [0.9] },
      { number: 1, params: { t: 1 }, value: 0.1, state: 'COMPLETE' },
      { number: 2, params: { t: 2 }, value: null, state: 'PRUNED', intermediateValues: [0.2, 0.3] },
      { number: 3, params: { t: 3 }, value: null, state: 'PRUNED' },
      { number: 4, params: { t: 4 }, value: null, state: 'FAILED' },
      { number: 5, params: { t: 5 }, value: 0.5, state: 'COMPLETE' },
    ];
    const ranked = rankTrials(trials).sort((x, y) => x.stepKey - y.stepKey || x.loss - y.loss);
    expect(ranked.map((r) => r.params.t)).toEqual([5, 1, 2, 0, 3]);
  });
});

describe('constant liar', () => {
  const discrete: SearchSpace = {
    n: { type: 'int', low: 1, high: 10 },
    kind: { type: 'categorical', choices: ['a', 'b', 'c'] },
  };
  const f = (p: Params): number => -Math.abs((p.n as number) - 4) - (p.kind === 'a' ? 0 : 1);

  for (const [name, options] of BAYESIAN_VARIANTS) {
    test(`${name}: a batch never repeats a candidate, a pending one or a past one`, () => {
      const sampler = createSampler('bayesian', { ...options, seed: 11 });
      const history = study(sampler, discrete, f, 12);
      const seen = new Set(history.map((t) => paramsKey(t.params)));
      const pending = [{ n: 4, kind: 'a' }, { n: 5, kind: 'a' }, { n: 3, kind: 'a' }, { n: 6, kind: 'b' }]
        .filter((p) => !seen.has(paramsKey(p)))
        .slice(0, 2);
      expect(pending).toHaveLength(2);
      const batch = sampler.suggest(discrete, history, pending, 8, 14);
      expect(batch).toHaveLength(8);
      const keys = [...history.map((t) => t.params), ...pending, ...batch].map(paramsKey);
      expect(new Set(keys).size).toBe(keys.length);
    });

    test(`${name}: a pending candidate moves the suggestion away`, () => {
      const sampler = createSampler('bayesian', { ...options, seed: 2 });
      const history = study(sampler, MIXED, objective, 20);
      const [first] = sampler.suggest(MIXED, history, [], 1, 20);
      const [second] = sampler.suggest(MIXED, history, [first], 1, 20);
      expect(second).not.toEqual(first);
      const batch = sampler.suggest(MIXED, history, [], 6, 20);
      expect(batch[0]).toEqual(first);
      expect(new Set(batch.map(paramsKey)).size).toBe(6);
    });
  }
});

describe('conditional parameters', () => {
  const space: SearchSpace = {
    booster: { type: 'categorical', choices: ['tree', 'linear'] },
    max_depth: { type: 'int', low: 1, high: 12, condition: { param: 'booster', equals: 'tree' } },
    criterion: { type: 'categorical', choices: ['gini', 'entropy'], condition: { param: 'booster', equals: ['tree'] } },
    min_impurity: { type: 'float', low: 0, high: 0.5, condition: { param: 'criterion', equals: 'entropy' } },
    alpha: { type: 'float', low: 1e-4, high: 10, log: true, condition: { param: 'booster', equals: 'linear' } },
  };
  validateSearchSpace(space);
  const f = (p: Params): number =>
    p.booster === 'tree' ? -Math.abs((p.max_depth as number) - 6) / 6 - (p.criterion === 'entropy' ? (p.min_impurity as number) : 0.2) : -Math.abs(Math.log10(p.alpha as number)) / 2;

  const check = (p: Params): void => {
    for (const name of Object.keys(space)) {
      const rest = { ...p };
      delete rest[name];
      expect({ p, name, present: name in p }).toEqual({ p, name, present: isActive(space, name, rest) });
    }
  };

  for (const [name, options] of [['random_search', {}] as const, ...BAYESIAN_VARIANTS]) {
    test(`${name}: a parameter appears exactly when it is active`, () => {
      const sampler = createSampler(name === 'random_search' ? name : 'bayesian', { ...options, seed: 1 });
      const history = study(sampler, space, f, 25);
      history.forEach((t) => check(t.params));
      sampler.suggest(space, history, [], 10, 25).forEach(check);
      expect(history.some((t) => t.params.booster === 'tree')).toBe(true);
      expect(history.some((t) => t.params.booster === 'linear')).toBe(true);
    });
  }
});

describe('GP', () => {
  test('is deterministic and beats random search (median of 5 seeds at 25 trials)', () => {
    const history = study(new RandomSampler(3), MIXED, objective, 15);
    expect(new GpSampler(1).suggest(MIXED, history, [], 2, 15)).toEqual(new GpSampler(1).suggest(MIXED, history, [], 2, 15));
    const gp: number[] = [];
    const random: number[] = [];
    for (let seed = 0; seed < 5; seed++) {
      gp.push(best(study(new GpSampler(seed), MIXED, objective, 25)));
      random.push(best(study(new RandomSampler(seed), MIXED, objective, 25)));
    }
    console.log(`best after 25 trials, median of 5 seeds: GP ${median(gp).toFixed(4)}, random ${median(random).toFixed(4)}`);
    expect(-median(gp)).toBeLessThan(0.5 * -median(random));
  });
});

describe('suggest timing', () => {
  test('one suggestion after 30 and 300 trials (printed, not asserted)', () => {
    const space: SearchSpace = {
      learning_rate: { type: 'float', low: 0.01, high: 0.5, log: true },
      max_depth: { type: 'int', low: 2, high: 8 },
      n_estimators: { type: 'int', low: 20, high: 200 },
      min_samples_leaf: { type: 'int', low: 1, high: 40 },
      subsample: { type: 'float', low: 0.5, high: 1 },
      max_features: { type: 'categorical', choices: ['sqrt', 'log2', null] },
    };
    const rng = new RandomSampler(0);
    const history: Trial[] = rng.suggest(space, [], [], 300, 0).map((params, number) => ({
      number,
      params,
      value: -Math.abs(Math.log((params.learning_rate as number) / 0.1)) - (params.subsample as number),
      state: 'COMPLETE',
    }));
    const lines: string[] = [];
    for (const [name, sampler] of [
      ['tpe', new TpeSampler(0)],
      ['gp', new GpSampler(0)],
    ] as const) {
      sampler.suggest(space, history.slice(0, 20), [], 1, 20); // warm-up (JIT)
      for (const size of [30, 300]) {
        const start = performance.now();
        const [candidate] = sampler.suggest(space, history.slice(0, size), [], 1, size);
        lines.push(`${name} @${size}: ${(performance.now() - start).toFixed(1)} ms`);
        expect(Object.keys(candidate).sort()).toEqual(Object.keys(space).sort());
      }
    }
    console.log(`suggest 1 candidate after 30 / 300 trials of history: ${lines.join(', ')}`);
  });
});

describe('GridSampler', () => {
  test('enumerates the grid in ParameterGrid order, then stops', () => {
    const grid = { n_estimators: [50, 100], max_depth: [3, null] };
    const sampler = createSampler('grid_search', { seed: 0 });
    const space = spaceFromGrid(grid);
    expect(sampler.suggest(space, [], [], 3, 0)).toEqual(expandGrid(grid).slice(0, 3));
    expect(sampler.suggest(space, [], [], 3, 3)).toEqual([expandGrid(grid)[3]]);
    expect(sampler.suggest(space, [], [], 3, 4)).toEqual([]);
    expect(() => sampler.suggest(MIXED, [], [], 1, 0)).toThrow(/categorical/);
  });
});

describe('TPE options', () => {
  test('normalizeDensity (Optuna >= 3.5 densities) changes suggestions, still within the space', () => {
    const history = study(new RandomSampler(3), MIXED, objective, 25);
    const a = new TpeSampler(1).suggest(MIXED, history, [], 5, 25);
    const b = new TpeSampler(1, { normalizeDensity: true }).suggest(MIXED, history, [], 5, 25);
    expect(b).not.toEqual(a);
    for (const p of b) expect((p.x as number) >= 0 && (p.x as number) <= 1).toBe(true);
  });
});

describe('multivariate TPE', () => {
  /** Maximum 0 at a = b = 0.5, c = d = 1: a narrow valley along a = b that axis-wise densities cannot see. */
  const CORRELATED: SearchSpace = Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, { type: 'float', low: -5, high: 5 }]));
  const valley = (p: Params): number => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((k) => p[k] as number);
    return -((a + b - 1) ** 2 + 10 * (a - b) ** 2 + (c + d - 2) ** 2 + 10 * (c - d) ** 2);
  };

  test('same seed and history give the same suggestions, within the space', () => {
    const history = study(new RandomSampler(3), MIXED, objective, 25);
    const a = new TpeSampler(1, { multivariate: true }).suggest(MIXED, history, [], 4, 25);
    expect(new TpeSampler(1, { multivariate: true }).suggest(MIXED, [...history].reverse(), [], 4, 25)).toEqual(a);
    expect(new TpeSampler(1, { multivariate: false }).suggest(MIXED, history, [], 4, 25)).not.toEqual(a);
    for (const p of a) {
      expect(p.x as number).toBeGreaterThanOrEqual(0);
      expect(p.x as number).toBeLessThanOrEqual(1);
      expect(p.y as number).toBeGreaterThanOrEqual(1e-4);
      expect(['a', 'b', 'c']).toContain(p.kind);
    }
  });

  test('samples every active parameter, whatever its name (even one objects inherit, like toString)', () => {
    const space: SearchSpace = Object.fromEntries([
      ['booster', { type: 'categorical', choices: ['tree', 'linear'] }],
      ['depth', { type: 'int', low: 1, high: 5 }],
      ['toString', { type: 'float', low: 0, high: 1, condition: { param: 'booster', equals: 'tree' } }],
    ]);
    validateSearchSpace(space);
    const f = (p: Params): number => (p.booster === 'tree' ? -Math.abs((p.toString as unknown as number) - 0.5) : -1) - (p.depth as number);
    for (const multivariate of [true, false]) {
      const history = study(new TpeSampler(3, { multivariate }), space, f, 20);
      for (const t of history) expect(Object.keys(t.params).sort()).toEqual(t.params.booster === 'tree' ? ['booster', 'depth', 'toString'] : ['booster', 'depth']);
      expect(history.some((t) => t.params.booster === 'tree' && t.number >= 10)).toBe(true);
    }
  });

  test('beats independent sampling on a correlated objective (median best of 20 seeds at 30 trials)', () => {
    const joint: number[] = [];
    const independent: number[] = [];
    for (let seed = 0; seed < 20; seed++) {
      joint.push(best(study(new TpeSampler(seed, { multivariate: true }), CORRELATED, valley, 30)));
      independent.push(best(study(new TpeSampler(seed, { multivariate: false }), CORRELATED, valley, 30)));
    }
    console.log(`valley, best after 30 trials, median of 20 seeds: multivariate ${median(joint).toFixed(3)}, independent ${median(independent).toFixed(3)}`);
    expect(-median(joint)).toBeLessThan(0.8 * -median(independent));
  });
});

