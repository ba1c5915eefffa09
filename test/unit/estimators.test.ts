/** The model-type registry: tasks, parameter names, validation and the `standardize` pipeline. */
import * as fs from 'fs';
import * as path from 'path';

import { loadSampleDataset } from '../../src/ml/data/csv';
import { createEstimator, MODEL_TYPES, paramNames, validateParams } from '../../src/ml/estimators';
import { LinearRegression, LogisticRegression, Ridge } from '../../src/ml/linear';
import { crossValidate, meanStd } from '../../src/ml/model_selection';
import { KNeighborsClassifier } from '../../src/ml/neighbors';
import { StandardScaledEstimator } from '../../src/ml/preprocessing';
import { InvalidInputError, Params, Task } from '../../src/ml/types';

const ALL = [
  'decision_tree',
  'random_forest',
  'extra_trees',
  'gradient_boosting',
  'hist_gradient_boosting',
  'logistic_regression',
  'ridge',
  'linear_regression',
  'knn',
];

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).field;
  }
  throw new Error('expected an InvalidInputError');
}

describe('MODEL_TYPES', () => {
  test('model types and tasks', () => {
    expect(Object.keys(MODEL_TYPES).sort()).toEqual([...ALL].sort());
    expect(MODEL_TYPES.logistic_regression.tasks).toEqual(['classification']);
    expect(MODEL_TYPES.ridge.tasks).toEqual(['regression']);
    expect(MODEL_TYPES.linear_regression.tasks).toEqual(['regression']);
    for (const t of ['decision_tree', 'random_forest', 'extra_trees', 'gradient_boosting', 'hist_gradient_boosting', 'knn']) {
      expect(MODEL_TYPES[t].tasks).toEqual(['classification', 'regression']);
    }
    expect(MODEL_TYPES.nonsense).toBeUndefined();
  });

  test('parameter names: scikit-learn names, plus standardize for the scale-sensitive models', () => {
    expect(paramNames('logistic_regression', 'classification')).toEqual([
      'C',
      'penalty',
      'max_iter',
      'tol',
      'fit_intercept',
      'class_weight',
      'solver',
      'standardize',
    ]);
    expect(paramNames('ridge', 'regression')).toEqual(['alpha', 'fit_intercept', 'standardize']);
    expect(paramNames('knn', 'regression')).toEqual(['n_neighbors', 'weights', 'p', 'metric', 'standardize']);
    expect(paramNames('random_forest', 'classification')).toEqual(expect.arrayContaining(['n_estimators', 'max_depth', 'random_state']));
    expect(paramNames('random_forest', 'classification')).not.toContain('standardize');
    expect(paramNames('decision_tree')).toEqual(expect.arrayContaining(['max_depth', 'criterion']));
    expect(MODEL_TYPES.knn.standardizeDefault).toBe(true);
    expect(MODEL_TYPES.ridge.standardizeDefault).toBe(false);
    expect(MODEL_TYPES.extra_trees.standardizeDefault).toBeNull();
    for (const t of ALL) for (const task of MODEL_TYPES[t].tasks) expect(paramNames(t, task)).toEqual(MODEL_TYPES[t].paramNames[task]);
    expect(fieldOf(() => paramNames('svm', 'classification'))).toBe('model_type');
    expect(fieldOf(() => paramNames('ridge', 'classification'))).toBe('model_type');
  });
});

describe('createEstimator', () => {
  test('unknown model type or unsupported task → model_type', () => {
    expect(fieldOf(() => createEstimator('svm', 'classification', {}, 2))).toBe('model_type');
    expect(() => createEstimator('svm', 'classification', {}, 2)).toThrow(/unknown model type "svm"; expected one of decision_tree/);
    expect(fieldOf(() => createEstimator('logistic_regression', 'regression', {}, 0))).toBe('model_type');
    expect(fieldOf(() => createEstimator('ridge', 'classification', {}, 2))).toBe('model_type');
    expect(fieldOf(() => createEstimator('constructor', 'classification', {}, 2))).toBe('model_type');
  });

  test('parameter errors name the parameter', () => {
    const bad: [string, Task, Params, string][] = [
      ['logistic_regression', 'classification', { C: -1 }, 'C'],
      ['logistic_regression', 'classification', { gamma: 1 }, 'gamma'],
      ['ridge', 'regression', { alpha: 'x' }, 'alpha'],
      ['linear_regression', 'regression', { alpha: 1 }, 'alpha'],
      ['knn', 'classification', { n_neighbors: 0 }, 'n_neighbors'],
      ['knn', 'regression', { weights: 'x' }, 'weights'],
      ['logistic_regression', 'classification', { standardize: 'yes' }, 'standardize'],
      ['random_forest', 'classification', { standardize: true }, 'standardize'],
      ['decision_tree', 'regression', { max_depth: -3 }, 'max_depth'],
      ['random_forest', 'regression', { n_estimators: 0 }, 'n_estimators'],
      ['extra_trees', 'classification', { bogus: 1 }, 'bogus'],
      ['gradient_boosting', 'classification', { learning_rate: -1 }, 'learning_rate'],
      ['hist_gradient_boosting', 'regression', { max_iter: 0 }, 'max_iter'],
    ];
    for (const [type, task, params, field] of bad) {
      expect(fieldOf(() => createEstimator(type, task, params, 3))).toBe(field);
      expect(fieldOf(() => validateParams(type, task, params))).toBe(field);
    }
  });

  test('standardize wraps the model in a StandardScaler pipeline', () => {
    const lr = createEstimator('logistic_regression', 'classification', {}, 3);
    expect(lr).toBeInstanceOf(StandardScaledEstimator);
    expect((lr as StandardScaledEstimator).estimator).toBeInstanceOf(LogisticRegression);
    expect(createEstimator('logistic_regression', 'classification', { standardize: false }, 3)).toBeInstanceOf(LogisticRegression);
    expect(createEstimator('knn', 'classification', { standardize: false }, 3)).toBeInstanceOf(KNeighborsClassifier);
    expect(createEstimator('ridge', 'regression', {}, 0)).toBeInstanceOf(Ridge);
    expect(createEstimator('linear_regression', 'regression', { standardize: true }, 0)).toBeInstanceOf(StandardScaledEstimator);
    expect(createEstimator('linear_regression', 'regression', null, 0)).toBeInstanceOf(LinearRegression);
    const params: Params = { standardize: false, C: 2 };
    createEstimator('logistic_regression', 'classification', params, 3);
    expect(params).toEqual({ standardize: false, C: 2 }); // not mutated
  });

  test('every model type and task accepts its defaults and cross-validates', () => {
    const iris = loadSampleDataset('iris');
    const diabetes = loadSampleDataset('diabetes');
    for (const type of ALL) {
      for (const task of MODEL_TYPES[type].tasks) {
        validateParams(type, task, {});
        const data = task === 'classification' ? iris : diabetes;
        const fast: Params = ['random_forest', 'extra_trees', 'gradient_boosting'].includes(type)
          ? { n_estimators: 10 }
          : type === 'hist_gradient_boosting'
            ? { max_iter: 10 }
            : type === 'decision_tree'
              ? { max_depth: 3 } // an unrestricted tree overfits diabetes (negative R², as in sklearn)
              : {};
        const scores = crossValidate(data, () => createEstimator(type, task, fast, task === 'classification' ? 3 : 0), {
          cvFolds: 3,
          scoring: task === 'classification' ? 'accuracy' : 'r2',
          seed: 0,
        });
        const { mean } = meanStd(scores);
        expect([type, task, mean > (task === 'classification' ? 0.85 : 0.1)]).toEqual([type, task, true]);
      }
    }
  });
});

describe('registry estimators reproduce scikit-learn (core_models.json)', () => {
  interface ModelCase {
    data: string;
    model_type: string;
    params: Params;
    predictions: number[];
  }
  const fixture: { splits: Record<string, { dataset: string; task: Task; train: number[]; test: number[] }>; cases: ModelCase[] } = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../fixtures/core_models.json'), 'utf8'),
  );
  const cases = fixture.cases.filter((c) => c.data !== 'diabetes_collinear');
  test.each(cases.map((c) => [`${c.data} ${c.model_type} ${JSON.stringify(c.params)}`, c] as const))('%s', (_l, c) => {
    const split = fixture.splits[c.data];
    const data = loadSampleDataset(split.dataset);
    const est = createEstimator(c.model_type, split.task, c.params, data.classes?.length ?? 0);
    est.fit(data, Uint32Array.from(split.train));
    const pred = est.predict(data, Uint32Array.from(split.test));
    if (split.task === 'classification') expect(Array.from(pred)).toEqual(c.predictions);
    else pred.forEach((v, i) => expect(Math.abs(v - c.predictions[i])).toBeLessThanOrEqual(1e-6 * Math.abs(c.predictions[i])));
  });
});
