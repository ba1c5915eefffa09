/**
 * Cross-validation splitters and cross_validate, after scikit-learn's KFold, StratifiedKFold and
 * cross_val_score. Shuffled folds draw from NumPy's legacy RandomState seeded with `seed`, so every
 * row lands in the same fold as with scikit-learn's `shuffle=True, random_state=seed` (seed in
 * [0, 2**32 - 1]). Train and test indices are returned in ascending order (as sklearn's splitters do).
 */
import { getScorer } from './metrics';
import { NumpyRandomState } from './numpy_random';
import { classCount, Dataset, Estimator, InvalidInputError } from './types';

export interface Split {
  train: Uint32Array;
  test: Uint32Array;
}

export interface SplitOptions {
  shuffle?: boolean;
  /** random_state (default 0); only used when shuffle is set. */
  seed?: number;
}

/** The parameter name used in errors about the number of folds. */
const FIELD = 'cv_folds';

function checkSplits(n: number, nSplits: number): void {
  if (!Number.isInteger(nSplits) || nSplits < 2) {
    throw new InvalidInputError(FIELD, `must be an integer >= 2, got ${nSplits}`);
  }
  if (nSplits > n) {
    throw new InvalidInputError(FIELD, `cannot be greater than the number of samples: ${nSplits} folds for ${n} samples`);
  }
}

/** Builds the splits from a fold assignment per sample. */
function splitsFromFolds(testFold: Uint32Array, nSplits: number): Split[] {
  const n = testFold.length;
  const sizes = new Uint32Array(nSplits);
  for (let i = 0; i < n; i++) sizes[testFold[i]]++;
  const splits: Split[] = [];
  for (let f = 0; f < nSplits; f++) {
    const test = new Uint32Array(sizes[f]);
    const train = new Uint32Array(n - sizes[f]);
    for (let i = 0, a = 0, b = 0; i < n; i++) {
      if (testFold[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    splits.push({ train, test });
  }
  return splits;
}

/**
 * KFold: n_samples // n_splits samples per fold, the first n_samples % n_splits folds one more;
 * consecutive blocks of `RandomState(seed).shuffle(arange(n))` when shuffle is set.
 */
export function kFold(n: number, nSplits: number, opts: SplitOptions = {}): Split[] {
  checkSplits(n, nSplits);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (opts.shuffle) new NumpyRandomState(opts.seed ?? 0).shuffle(order);
  const testFold = new Uint32Array(n);
  const base = Math.floor(n / nSplits);
  const extra = n % nSplits;
  for (let f = 0, pos = 0; f < nSplits; f++) {
    const size = base + (f < extra ? 1 : 0);
    for (let j = 0; j < size; j++) testFold[order[pos++]] = f;
  }
  return splitsFromFolds(testFold, nSplits);
}

/**
 * StratifiedKFold with scikit-learn's allocation (sklearn ≥ 0.22): classes are encoded in order of
 * first appearance, the encoded labels sorted, and fold i receives the classes of every
 * n_splits-th sorted label starting at i, so each class is spread as evenly as possible across
 * the folds and fold sizes differ by at most one. Within a class, samples take their folds in
 * index order; with shuffle, one RandomState(seed) shuffles each class's fold list in turn.
 *
 * Throws when n_splits exceeds the number of samples or the size of every class (like sklearn);
 * a class smaller than n_splits is allowed (sklearn only warns) and is missing from some folds.
 */
export function stratifiedKFold(y: ArrayLike<number>, nClasses: number, nSplits: number, opts: SplitOptions = {}): Split[] {
  const n = y.length;
  checkSplits(n, nSplits);
  // Encode classes by first appearance.
  const code = new Int32Array(Math.max(nClasses, 0)).fill(-1);
  const encoded = new Uint32Array(n);
  let nEncoded = 0;
  for (let i = 0; i < n; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= nClasses) {
      throw new InvalidInputError('y', `class index ${c} at row ${i} is outside 0..${nClasses - 1}`);
    }
    if (code[c] < 0) code[c] = nEncoded++;
    encoded[i] = code[c];
  }
  const classCount = new Uint32Array(nEncoded);
  for (let i = 0; i < n; i++) classCount[encoded[i]]++;
  let largest = 0;
  for (let k = 0; k < nEncoded; k++) largest = Math.max(largest, classCount[k]);
  if (nSplits > largest) {
    throw new InvalidInputError(FIELD, `${nSplits} folds cannot be greater than the number of members in each class (largest class: ${largest})`);
  }
  // allocation[f * nEncoded + k]: samples of class k in fold f (bincount(y_order[f::n_splits])).
  const allocation = new Uint32Array(nSplits * nEncoded);
  for (let k = 0, pos = 0; k < nEncoded; k++) {
    for (let j = 0; j < classCount[k]; j++, pos++) allocation[(pos % nSplits) * nEncoded + k]++;
  }
  const rng = opts.shuffle ? new NumpyRandomState(opts.seed ?? 0) : null;
  const testFold = new Uint32Array(n);
  const cursor = new Uint32Array(nEncoded);
  const foldsOfClass: Uint32Array[] = [];
  for (let k = 0; k < nEncoded; k++) {
    const folds = new Uint32Array(classCount[k]);
    for (let f = 0, pos = 0; f < nSplits; f++) {
      for (let j = 0; j < allocation[f * nEncoded + k]; j++) folds[pos++] = f;
    }
    if (rng) rng.shuffle(folds);
    foldsOfClass.push(folds);
  }
  for (let i = 0; i < n; i++) {
    const k = encoded[i];
    testFold[i] = foldsOfClass[k][cursor[k]++];
  }
  return splitsFromFolds(testFold, nSplits);
}

/** The service's folds: shuffled StratifiedKFold for classification, shuffled KFold for regression. */
export function cvSplits(data: Dataset, nSplits: number, seed: number): Split[] {
  if (data.task === 'classification') {
    return stratifiedKFold(data.y, classCount(data), nSplits, { shuffle: true, seed });
  }
  return kFold(data.nSamples, nSplits, { shuffle: true, seed });
}

export interface CrossValidateOptions {
  cvFolds: number;
  /** A scikit-learn scoring name (see metrics.ts). */
  scoring: string;
  seed: number;
  /** Precomputed splits (default cvSplits(data, cvFolds, seed)). */
  splits?: Split[];
}

/** y[rows] as a new array. */
export function takeRows(values: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

/**
 * cross_val_score: for each split, a fresh estimator is fitted on the training rows and scored on
 * the test rows (predictProba when the scorer needs probabilities). Returns one score per fold.
 */
export function crossValidate(data: Dataset, makeEstimator: () => Estimator, options: CrossValidateOptions): number[] {
  const nClasses = data.task === 'classification' ? classCount(data) : 0;
  const scorer = getScorer(options.scoring, data.task, data.task === 'classification' ? nClasses : undefined);
  const splits = options.splits ?? cvSplits(data, options.cvFolds, options.seed);
  const scores: number[] = [];
  for (const { train, test } of splits) {
    const estimator = makeEstimator();
    estimator.fit(data, train);
    let prediction: Float64Array;
    if (scorer.needsProba) {
      if (!estimator.predictProba) {
        throw new InvalidInputError('scoring', `"${scorer.name}" needs predicted probabilities, which this model does not provide`);
      }
      prediction = estimator.predictProba(data, test);
    } else {
      prediction = estimator.predict(data, test);
    }
    scores.push(scorer.score(takeRows(data.y, test), prediction, nClasses));
  }
  return scores;
}

/** Mean and population standard deviation (NumPy's default ddof=0). NaN for an empty list. */
export function meanStd(scores: ArrayLike<number>): { mean: number; std: number } {
  const n = scores.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += scores[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (scores[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / n) };
}
