import {
  createPruner,
  MedianPruner,
  NopPruner,
  SuccessiveHalvingPruner,
  type Trial,
} from '../../src/ml/search';

/** Completed trials with 5 fold scores around `level`. */
function completed(levels: number[]): Trial[] {
  return levels.map((level, number) => {
    const folds = [level - 0.01, level + 0.01, level, level - 0.02, level + 0.02];
    return { number, params: { i: number }, value: level, state: 'COMPLETE', intermediateValues: folds };
  });
}

describe('MedianPruner', () => {
  const done = completed([0.9, 0.91, 0.88, 0.92, 0.89, 0.9]);
  const pruner = new MedianPruner();

  test('prunes a clearly bad candidate and keeps a good one', () => {
    expect(pruner.shouldPrune([0.6, 0.62], done)).toBe(true);
    expect(pruner.shouldPrune([0.95, 0.93], done)).toBe(false);
    expect(pruner.shouldPrune([0.95, 0.93, 0.94, 0.9], done)).toBe(false);
  });

  test('uses running means: one bad fold after good ones is not enough', () => {
    // Running mean after 3 folds: (0.99 + 0.99 + 0.75) / 3 = 0.91 > median 0.9 at fold 3.
    expect(pruner.shouldPrune([0.99, 0.99, 0.75], done)).toBe(false);
    expect(pruner.shouldPrune([0.9, 0.85, 0.8], done)).toBe(true);
  });

  test('waits for warm-up steps and startup trials', () => {
    expect(pruner.shouldPrune([0.1], done)).toBe(false);
    expect(new MedianPruner({ nWarmupSteps: 0 }).shouldPrune([0.1], done)).toBe(true);
    expect(pruner.shouldPrune([0.1, 0.1], done.slice(0, 4))).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 4 }).shouldPrune([0.1, 0.1], done.slice(0, 4))).toBe(true);
  });

  test('only COMPLETE trials with enough folds are compared; NaN prunes', () => {
    const pruned = done.map((t): Trial => ({ ...t, state: 'PRUNED' }));
    expect(pruner.shouldPrune([0.1, 0.1], pruned)).toBe(false);
    const short = done.map((t): Trial => ({ ...t, intermediateValues: t.intermediateValues!.slice(0, 2) }));
    expect(pruner.shouldPrune([0.1, 0.1, 0.1], short)).toBe(false);
    expect(pruner.shouldPrune([0.95, NaN], done)).toBe(true);
  });
});

describe('SuccessiveHalvingPruner', () => {
  const pruner = new SuccessiveHalvingPruner();
  const done = completed([0.7, 0.75, 0.8, 0.85, 0.9, 0.92, 0.6, 0.65, 0.88]);

  test('rungs at minResource·η^i folds', () => {
    expect(pruner.rungs(10)).toEqual([1, 3, 9]);
    expect(new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2 }).rungs(10)).toEqual([2, 4, 8]);
    expect(new SuccessiveHalvingPruner({ minEarlyStoppingRate: 1 }).rungs(10)).toEqual([3, 9]);
  });

  test('prunes a clearly bad candidate and keeps a good one', () => {
    // 10 values at rung 1 (9 trials + the candidate): the best floor(10/3) = 3 go on.
    expect(pruner.shouldPrune([0.5], done)).toBe(true);
    expect(pruner.shouldPrune([0.95], done)).toBe(false);
    expect(pruner.shouldPrune([0.95, 0.5, 0.5], done)).toBe(true);
    expect(pruner.shouldPrune([0.95, 0.93, 0.94], done)).toBe(false);
  });

  test('decides only at rungs', () => {
    expect(pruner.shouldPrune([0.95, 0.1], done)).toBe(false);
    expect(pruner.shouldPrune([0.95, 0.9, 0.9, 0.1], done)).toBe(false);
  });

  test('the first trials go on', () => {
    expect(pruner.shouldPrune([0.1], [])).toBe(false);
    expect(pruner.shouldPrune([0.1], done.slice(0, 1))).toBe(true);
    expect(pruner.shouldPrune([0.71], done.slice(0, 1))).toBe(false);
  });
});

describe('createPruner', () => {
  test('by name', () => {
    expect(createPruner('none')).toBeInstanceOf(NopPruner);
    expect(createPruner('median')).toBeInstanceOf(MedianPruner);
    expect(createPruner('successive_halving', { reductionFactor: 2 })).toBeInstanceOf(SuccessiveHalvingPruner);
    expect(createPruner('none').shouldPrune([0], completed([1, 1, 1, 1, 1, 1]))).toBe(false);
    expect(() => createPruner('bogus' as never)).toThrow(RangeError);
  });
});
