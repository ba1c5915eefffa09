/**
 * Scorers named and defined like scikit-learn's `scoring` strings: greater is better for all of
 * them (error metrics are negated, `neg_…`, and `max_error` returns minus the maximum error, as
 * sklearn's scorer does). Zero divisions give 0 like sklearn's default (`zero_division="warn"`),
 * without the warning.
 *
 * Classification conventions (y holds class indices 0..nClasses-1):
 * - Binary metrics (`f1`, `precision`, `recall`, `average_precision`, `neg_brier_score`) take class
 *   index 1 as the positive label and are refused for more than 2 classes, as sklearn refuses
 *   `average="binary"` on multiclass targets.
 * - Averaged metrics (`*_macro`, `*_micro`, `*_weighted`) use the labels present in y_true or y_pred,
 *   like sklearn's `unique_labels(y_true, y_pred)`; `balanced_accuracy` averages recall over the
 *   classes present in y_true.
 * - Probability scorers (needsProba) receive row-major n × nClasses probabilities. `roc_auc` on a
 *   binary problem uses the probability of class 1; on a multiclass problem, where sklearn's
 *   `roc_auc` scorer raises, it is the one-vs-rest macro average (the same as `roc_auc_ovr`). The
 *   multiclass AUCs skip classes absent from y_true (sklearn raises instead).
 */
import { InvalidInputError, Task } from './types';

export interface Scorer {
  name: string;
  tasks: readonly Task[];
  /** The prediction must be row-major n × nClasses probabilities (predictProba), not predict(). */
  needsProba: boolean;
  /** Classification with exactly 2 classes only. */
  binaryOnly: boolean;
  /**
   * yTrue: class indices or target values. prediction: class indices or values, or row-major
   * probabilities when needsProba. nClasses: number of classes (ignored for regression).
   */
  score(yTrue: Float64Array, prediction: Float64Array, nClasses: number): number;
}

const CLS: readonly Task[] = Object.freeze(['classification'] as Task[]);
const REG: readonly Task[] = Object.freeze(['regression'] as Task[]);

/** Per-class counts of a confusion matrix. */
interface Counts {
  tp: Float64Array;
  nTrue: Float64Array;
  nPred: Float64Array;
  nLabels: number;
}

function checkLengths(yTrue: Float64Array, prediction: Float64Array, width = 1): void {
  if (yTrue.length === 0) throw new Error('metrics: empty y_true');
  if (prediction.length !== yTrue.length * width) {
    throw new Error(`metrics: prediction has length ${prediction.length}, expected ${yTrue.length * width}`);
  }
}

function counts(yTrue: Float64Array, yPred: Float64Array, nClasses: number): Counts {
  checkLengths(yTrue, yPred);
  let k = Math.max(nClasses | 0, 0);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!Number.isInteger(t) || t < 0 || !Number.isInteger(p) || p < 0) {
      throw new Error(`metrics: class indices must be non-negative integers (y_true ${t}, y_pred ${p})`);
    }
    if (t >= k) k = t + 1;
    if (p >= k) k = p + 1;
  }
  const tp = new Float64Array(k);
  const nTrue = new Float64Array(k);
  const nPred = new Float64Array(k);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    nTrue[t]++;
    nPred[p]++;
    if (t === p) tp[t]++;
  }
  return { tp, nTrue, nPred, nLabels: k };
}

const div = (a: number, b: number): number => (b === 0 ? 0 : a / b);

type PerClass = 'precision' | 'recall' | 'f1';

function perClass(c: Counts, kind: PerClass, k: number): number {
  switch (kind) {
    case 'precision':
      return div(c.tp[k], c.nPred[k]);
    case 'recall':
      return div(c.tp[k], c.nTrue[k]);
    case 'f1':
      return div(2 * c.tp[k], c.nPred[k] + c.nTrue[k]);
  }
}

function binaryMetric(kind: PerClass) {
  return (yTrue: Float64Array, yPred: Float64Array, nClasses: number): number => {
    const c = counts(yTrue, yPred, nClasses);
    if (c.nLabels > 2) throw binaryError(kind, c.nLabels);
    return perClass(c, kind, 1);
  };
}

function averagedMetric(kind: PerClass, average: 'macro' | 'micro' | 'weighted') {
  return (yTrue: Float64Array, yPred: Float64Array, nClasses: number): number => {
    const c = counts(yTrue, yPred, nClasses);
    if (average === 'micro') {
      let tp = 0;
      let nTrue = 0;
      let nPred = 0;
      for (let k = 0; k < c.nLabels; k++) {
        tp += c.tp[k];
        nTrue += c.nTrue[k];
        nPred += c.nPred[k];
      }
      if (kind === 'precision') return div(tp, nPred);
      if (kind === 'recall') return div(tp, nTrue);
      return div(2 * tp, nPred + nTrue);
    }
    let sum = 0;
    let weight = 0;
    for (let k = 0; k < c.nLabels; k++) {
      if (c.nTrue[k] === 0 && c.nPred[k] === 0) continue; // label absent from both
      const w = average === 'macro' ? 1 : c.nTrue[k];
      sum += w * perClass(c, kind, k);
      weight += w;
    }
    return div(sum, weight);
  };
}

function accuracy(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

function balancedAccuracy(yTrue: Float64Array, yPred: Float64Array, nClasses: number): number {
  const c = counts(yTrue, yPred, nClasses);
  let sum = 0;
  let m = 0;
  for (let k = 0; k < c.nLabels; k++) {
    if (c.nTrue[k] === 0) continue;
    sum += c.tp[k] / c.nTrue[k];
    m++;
  }
  return sum / m;
}

function binaryError(name: string, nClasses: number): InvalidInputError {
  return new InvalidInputError(
    'scoring',
    `"${name}" needs a binary target but there are ${nClasses} classes; use ${name}_macro, ${name}_micro or ${name}_weighted`,
  );
}

// ---- probability metrics ----

function probaWidth(yTrue: Float64Array, proba: Float64Array, nClasses: number): number {
  const k = nClasses > 0 ? nClasses : Math.round(proba.length / Math.max(yTrue.length, 1));
  checkLengths(yTrue, proba, k);
  return k;
}

/**
 * Area under the ROC curve of scores for positives vs negatives (Mann-Whitney U, ties counting
 * one half: the trapezoidal ROC area sklearn computes). NaN when one side is empty.
 */
export function rocAucBinary(isPositive: Uint8Array, scores: Float64Array): number {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // average 1-based rank of the tie group
    for (let j = start; j < end; j++) {
      if (isPositive[order[j]]) {
        nPos++;
        rankSumPos += rank;
      }
    }
    start = end;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function column(proba: Float64Array, k: number, width: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = proba[i * width + k];
  return out;
}

function oneClassError(name: string): InvalidInputError {
  return new InvalidInputError('scoring', `"${name}" is undefined when y_true holds a single class`);
}

function rocAuc(name: string, multiclass: 'ovr' | 'ovo', average: 'macro' | 'weighted') {
  return (yTrue: Float64Array, proba: Float64Array, nClasses: number): number => {
    const width = probaWidth(yTrue, proba, nClasses);
    const n = yTrue.length;
    if (width <= 2) {
      const pos = new Uint8Array(n);
      for (let i = 0; i < n; i++) pos[i] = yTrue[i] === 1 ? 1 : 0;
      const auc = rocAucBinary(pos, column(proba, width - 1, width, n));
      if (Number.isNaN(auc)) throw oneClassError(name);
      return auc;
    }
    const support = new Float64Array(width);
    for (let i = 0; i < n; i++) support[yTrue[i]]++;
    let sum = 0;
    let weight = 0;
    if (multiclass === 'ovr') {
      const pos = new Uint8Array(n);
      for (let k = 0; k < width; k++) {
        if (support[k] === 0 || support[k] === n) continue;
        for (let i = 0; i < n; i++) pos[i] = yTrue[i] === k ? 1 : 0;
        const w = average === 'macro' ? 1 : support[k];
        sum += w * rocAucBinary(pos, column(proba, k, width, n));
        weight += w;
      }
    } else {
      // Hand & Till (2001): mean over class pairs of the two one-vs-one AUCs.
      for (let a = 0; a < width; a++) {
        for (let b = a + 1; b < width; b++) {
          if (support[a] === 0 || support[b] === 0) continue;
          const m = support[a] + support[b];
          const isA = new Uint8Array(m);
          const sa = new Float64Array(m);
          const sb = new Float64Array(m);
          for (let i = 0, j = 0; i < n; i++) {
            if (yTrue[i] !== a && yTrue[i] !== b) continue;
            isA[j] = yTrue[i] === a ? 1 : 0;
            sa[j] = proba[i * width + a];
            sb[j] = proba[i * width + b];
            j++;
          }
          const aucA = rocAucBinary(isA, sa);
          for (let j = 0; j < m; j++) isA[j] ^= 1;
          const aucB = rocAucBinary(isA, sb);
          const w = average === 'macro' ? 1 : m / n;
          sum += (w * (aucA + aucB)) / 2;
          weight += w;
        }
      }
    }
    if (weight === 0) throw oneClassError(name);
    return sum / weight;
  };
}

/** Mean negative log-likelihood, probabilities clipped to [eps, 1-eps] and renormalised (sklearn 1.2). */
function logLoss(yTrue: Float64Array, proba: Float64Array, nClasses: number): number {
  const width = probaWidth(yTrue, proba, nClasses);
  const eps = Number.EPSILON;
  const n = yTrue.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let k = 0; k < width; k++) rowSum += clip(proba[i * width + k], eps, 1 - eps);
    total -= Math.log(clip(proba[i * width + yTrue[i]], eps, 1 - eps) / rowSum);
  }
  return total / n;
}

const clip = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

function averagePrecision(yTrue: Float64Array, proba: Float64Array, nClasses: number): number {
  const width = probaWidth(yTrue, proba, nClasses);
  if (width > 2) throw binaryError('average_precision', width);
  const n = yTrue.length;
  const scores = column(proba, width - 1, width, n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  let totalPos = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === 1) totalPos++;
  if (totalPos === 0) throw new InvalidInputError('scoring', '"average_precision" is undefined when y_true has no positive sample');
  // Sum over thresholds (distinct scores, descending) of (R_k - R_{k-1}) * P_k.
  let tp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && scores[order[end]] === scores[order[start]]) {
      if (yTrue[order[end]] === 1) tp++;
      end++;
    }
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / end);
    prevRecall = recall;
    start = end;
  }
  return ap;
}

function brierScore(yTrue: Float64Array, proba: Float64Array, nClasses: number): number {
  const width = probaWidth(yTrue, proba, nClasses);
  if (width > 2) throw binaryError('neg_brier_score', width);
  const n = yTrue.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = (yTrue[i] === 1 ? 1 : 0) - proba[i * width + width - 1];
    s += d * d;
  }
  return s / n;
}

// ---- regression ----

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function r2(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  const m = mean(yTrue);
  let num = 0;
  let den = 0;
  for (let i = 0; i < yTrue.length; i++) {
    num += (yTrue[i] - yPred[i]) ** 2;
    den += (yTrue[i] - m) ** 2;
  }
  if (den === 0) return num === 0 ? 1 : 0; // sklearn's force_finite
  return 1 - num / den;
}

function explainedVariance(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  const n = yTrue.length;
  let diffMean = 0;
  for (let i = 0; i < n; i++) diffMean += yTrue[i] - yPred[i];
  diffMean /= n;
  const m = mean(yTrue);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (yTrue[i] - yPred[i] - diffMean) ** 2;
    den += (yTrue[i] - m) ** 2;
  }
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / n / (den / n);
}

function mse(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return s / yTrue.length;
}

function mae(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / yTrue.length;
}

function mape(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]) / Math.max(Math.abs(yTrue[i]), Number.EPSILON);
  return s / yTrue.length;
}

function medianAE(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  const e = new Float64Array(yTrue.length);
  for (let i = 0; i < e.length; i++) e[i] = Math.abs(yTrue[i] - yPred[i]);
  e.sort();
  const h = e.length >> 1;
  return e.length % 2 === 1 ? e[h] : (e[h - 1] + e[h]) / 2;
}

function maxError(yTrue: Float64Array, yPred: Float64Array): number {
  checkLengths(yTrue, yPred);
  let m = 0;
  for (let i = 0; i < yTrue.length; i++) m = Math.max(m, Math.abs(yTrue[i] - yPred[i]));
  return m;
}

// ---- registry ----

type ScoreFn = (yTrue: Float64Array, prediction: Float64Array, nClasses: number) => number;

function scorer(name: string, tasks: readonly Task[], fn: ScoreFn, opts: { proba?: boolean; binary?: boolean; negate?: boolean } = {}): Scorer {
  const negate = opts.negate ?? false;
  return Object.freeze({
    name,
    tasks,
    needsProba: opts.proba ?? false,
    binaryOnly: opts.binary ?? false,
    score: negate ? (t: Float64Array, p: Float64Array, k: number) => -fn(t, p, k) : fn,
  });
}

const SCORER_LIST: Scorer[] = [
  scorer('accuracy', CLS, accuracy),
  scorer('balanced_accuracy', CLS, balancedAccuracy),
  scorer('f1', CLS, binaryMetric('f1'), { binary: true }),
  scorer('f1_macro', CLS, averagedMetric('f1', 'macro')),
  scorer('f1_micro', CLS, averagedMetric('f1', 'micro')),
  scorer('f1_weighted', CLS, averagedMetric('f1', 'weighted')),
  scorer('precision', CLS, binaryMetric('precision'), { binary: true }),
  scorer('precision_macro', CLS, averagedMetric('precision', 'macro')),
  scorer('precision_micro', CLS, averagedMetric('precision', 'micro')),
  scorer('precision_weighted', CLS, averagedMetric('precision', 'weighted')),
  scorer('recall', CLS, binaryMetric('recall'), { binary: true }),
  scorer('recall_macro', CLS, averagedMetric('recall', 'macro')),
  scorer('recall_micro', CLS, averagedMetric('recall', 'micro')),
  scorer('recall_weighted', CLS, averagedMetric('recall', 'weighted')),
  scorer('roc_auc', CLS, rocAuc('roc_auc', 'ovr', 'macro'), { proba: true }),
  scorer('roc_auc_ovr', CLS, rocAuc('roc_auc_ovr', 'ovr', 'macro'), { proba: true }),
  scorer('roc_auc_ovr_weighted', CLS, rocAuc('roc_auc_ovr_weighted', 'ovr', 'weighted'), { proba: true }),
  scorer('roc_auc_ovo', CLS, rocAuc('roc_auc_ovo', 'ovo', 'macro'), { proba: true }),
  scorer('roc_auc_ovo_weighted', CLS, rocAuc('roc_auc_ovo_weighted', 'ovo', 'weighted'), { proba: true }),
  scorer('average_precision', CLS, averagePrecision, { proba: true, binary: true }),
  scorer('neg_log_loss', CLS, logLoss, { proba: true, negate: true }),
  scorer('neg_brier_score', CLS, brierScore, { proba: true, binary: true, negate: true }),
  scorer('r2', REG, r2),
  scorer('explained_variance', REG, explainedVariance),
  scorer('max_error', REG, maxError, { negate: true }),
  scorer('neg_mean_squared_error', REG, mse, { negate: true }),
  scorer('neg_root_mean_squared_error', REG, (t, p) => Math.sqrt(mse(t, p)), { negate: true }),
  scorer('neg_mean_absolute_error', REG, mae, { negate: true }),
  scorer('neg_median_absolute_error', REG, medianAE, { negate: true }),
  scorer('neg_mean_absolute_percentage_error', REG, mape, { negate: true }),
];

/** Every scorer by its scikit-learn scoring name. */
export const SCORERS: Readonly<Record<string, Scorer>> = Object.freeze(Object.fromEntries(SCORER_LIST.map((s) => [s.name, s])));

/** The scoring names available for a task (binary-only ones excluded when nClasses > 2). */
export function scoringNames(task: Task, nClasses?: number): string[] {
  return SCORER_LIST.filter((s) => s.tasks.includes(task) && !(s.binaryOnly && nClasses !== undefined && nClasses > 2)).map((s) => s.name);
}

/** What sklearn's `estimator.score` uses: accuracy for classifiers, R² for regressors. */
export function defaultScoring(task: Task): string {
  return task === 'classification' ? 'accuracy' : 'r2';
}

/**
 * The scorer for a scoring name and task. InvalidInputError('scoring', ...) for an unknown name,
 * a scorer of the other task, or (when nClasses is given) a binary-only scorer on > 2 classes.
 */
export function getScorer(name: string, task: Task, nClasses?: number): Scorer {
  const s = Object.prototype.hasOwnProperty.call(SCORERS, name) ? SCORERS[name] : undefined;
  if (s === undefined) {
    throw new InvalidInputError('scoring', `unknown scoring ${JSON.stringify(name)}; expected one of ${scoringNames(task).join(', ')}`);
  }
  if (!s.tasks.includes(task)) {
    throw new InvalidInputError('scoring', `"${name}" is not available for ${task}; expected one of ${scoringNames(task).join(', ')}`);
  }
  if (s.binaryOnly && nClasses !== undefined && nClasses > 2) {
    const base = name.replace(/^(neg_)?/, '');
    throw new InvalidInputError(
      'scoring',
      `"${name}" needs a binary target but there are ${nClasses} classes` +
        (['f1', 'precision', 'recall'].includes(base) ? `; use ${base}_macro, ${base}_micro or ${base}_weighted` : ''),
    );
  }
  return s;
}

/** Scores a prediction by scoring name (the task is the scorer's). */
export function score(name: string, yTrue: Float64Array, prediction: Float64Array, nClasses = 0): number {
  const s = Object.prototype.hasOwnProperty.call(SCORERS, name) ? SCORERS[name] : undefined;
  if (s === undefined) throw new InvalidInputError('scoring', `unknown scoring ${JSON.stringify(name)}`);
  return s.score(yTrue, prediction, nClasses);
}
