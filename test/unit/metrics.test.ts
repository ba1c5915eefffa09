/** Scorers against scikit-learn 1.2.1's scorers (test/fixtures/core_metrics.json, scripts/fixtures_core.py). */
import * as fs from 'fs';
import * as path from 'path';

import { defaultScoring, getScorer, rocAucBinary, score, SCORERS, scoringNames } from '../../src/ml/metrics';
import { InvalidInputError, Task } from '../../src/ml/types';

interface MetricCase {
  name: string;
  task: Task;
  n_classes?: number;
  y_true: number[];
  y_pred: number[];
  proba?: number[];
  scores: Record<string, number>;
}

const fixture: { cases: MetricCase[] } = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/core_metrics.json'), 'utf8'));

const rows = fixture.cases.flatMap((c) => Object.entries(c.scores).map(([name, expected]) => [c.name, name, expected, c] as const));

describe('scorers match scikit-learn to 1e-9', () => {
  test.each(rows)('%s: %s', (_case, name, expected, c) => {
    const nClasses = c.n_classes ?? 0;
    const scorer = getScorer(name, c.task, c.task === 'classification' ? nClasses : undefined);
    const prediction = Float64Array.from(scorer.needsProba ? c.proba! : c.y_pred);
    const actual = scorer.score(Float64Array.from(c.y_true), prediction, nClasses);
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  });

  test('every scorer is covered by the fixture', () => {
    const covered = new Set(rows.map((r) => r[1]));
    expect(Object.keys(SCORERS).filter((n) => !covered.has(n))).toEqual([]);
  });
});

describe('getScorer', () => {
  test('unknown names and the wrong task are InvalidInputError("scoring")', () => {
    expect(() => getScorer('acuracy', 'classification')).toThrow(InvalidInputError);
    expect(() => getScorer('acuracy', 'classification')).toThrow(/unknown scoring "acuracy"; expected one of accuracy, balanced_accuracy/);
    expect(() => getScorer('r2', 'classification')).toThrow(/not available for classification/);
    expect(() => getScorer('accuracy', 'regression')).toThrow(/not available for regression/);
    expect(() => getScorer('toString', 'regression')).toThrow(/unknown scoring/);
    expect(() => getScorer('f1', 'classification', 3)).toThrow(
      expect.objectContaining({ field: 'scoring', reason: expect.stringMatching(/binary.*f1_macro/) }),
    );
    expect(() => getScorer('neg_brier_score', 'classification', 3)).toThrow(expect.objectContaining({ field: 'scoring' }));
    expect(getScorer('f1', 'classification', 2).binaryOnly).toBe(true);
    expect(getScorer('f1', 'classification').name).toBe('f1');
  });

  test('binary-only scorers refuse a multiclass prediction at scoring time too', () => {
    const y = Float64Array.of(0, 1, 2);
    expect(() => SCORERS.precision.score(y, y, 3)).toThrow(InvalidInputError);
  });

  test('scoringNames and defaults', () => {
    expect(scoringNames('regression')).toContain('neg_root_mean_squared_error');
    expect(scoringNames('regression')).not.toContain('accuracy');
    expect(scoringNames('classification', 3)).not.toContain('f1');
    expect(scoringNames('classification', 2)).toContain('f1');
    expect(defaultScoring('classification')).toBe('accuracy');
    expect(defaultScoring('regression')).toBe('r2');
    for (const name of scoringNames('classification')) expect(SCORERS[name].tasks).toEqual(['classification']);
  });

  test('needsProba marks the probability scorers', () => {
    const proba = Object.values(SCORERS)
      .filter((s) => s.needsProba)
      .map((s) => s.name)
      .sort();
    expect(proba).toEqual(
      ['average_precision', 'neg_brier_score', 'neg_log_loss', 'roc_auc', 'roc_auc_ovo', 'roc_auc_ovo_weighted', 'roc_auc_ovr', 'roc_auc_ovr_weighted'].sort(),
    );
  });

  test('greater is better: a perfect prediction scores at least as well as a bad one', () => {
    const y = Float64Array.of(1, 2, 3, 4);
    const bad = Float64Array.of(4, 3, 2, 1);
    for (const name of scoringNames('regression')) {
      expect(SCORERS[name].score(y, y, 0)).toBeGreaterThan(SCORERS[name].score(y, bad, 0));
    }
  });
});

describe('edge cases', () => {
  test('roc_auc with a single class in y_true is an InvalidInputError', () => {
    expect(() => score('roc_auc', Float64Array.of(1, 1), Float64Array.of(0.2, 0.8, 0.4, 0.6), 2)).toThrow(/single class/);
  });

  test('rocAucBinary counts ties as one half', () => {
    expect(rocAucBinary(Uint8Array.of(0, 1), Float64Array.of(0.5, 0.5))).toBe(0.5);
    expect(rocAucBinary(Uint8Array.of(0, 1, 1), Float64Array.of(0.1, 0.1, 0.9))).toBe(0.75);
  });

  test('multiclass roc_auc is the one-vs-rest macro average', () => {
    const c = fixture.cases.find((x) => x.name === 'multiclass')!;
    const y = Float64Array.from(c.y_true);
    const p = Float64Array.from(c.proba!);
    expect(SCORERS.roc_auc.score(y, p, 3)).toBe(SCORERS.roc_auc_ovr.score(y, p, 3));
  });

  test('classification scorers assume prediction lengths match', () => {
    expect(() => SCORERS.accuracy.score(Float64Array.of(0, 1), Float64Array.of(0), 2)).toThrow();
  });
});
