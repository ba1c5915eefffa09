/**
 * Per data set, computed once and cached (WeakMap on the Dataset object): every feature value as
 * a dense rank ("code") among the feature's distinct values, so that split search works on small
 * integers (histograms over codes, or sorting packed code/index keys) and stays exact.
 *
 * Like scikit-learn, values are compared as float32, and distinct values closer than
 * FEATURE_THRESHOLD (1e-7) to the previous one are not split apart: such a chain shares a code.
 * A split between codes c and c+1 gets scikit-learn's threshold hi[c]/2 + lo[c+1]/2 (or hi[c]
 * when that rounds up to lo[c+1]), and prediction compares float32(x) <= threshold.
 */
import { Dataset, InvalidInputError } from '../types';

export const FEATURE_THRESHOLD = 1e-7;

export interface FeatureCodes {
  nSamples: number;
  nFeatures: number;
  /** Column-major: codes[f * nSamples + i] is the code of X[f * nSamples + i]. */
  codes: Uint32Array;
  /** Number of codes of each feature. */
  nCodes: Int32Array;
  /** Per feature: the smallest / largest float32 value of each code. */
  lo: Float64Array[];
  hi: Float64Array[];
  /** X rounded to float32, column-major (what prediction compares to thresholds). */
  x32: Float32Array;
  /** Largest number of codes of any feature. */
  maxCodes: number;
  /** Lazily (sortedOrder): per feature, the rows ordered by code and their codes, column-major. */
  sortedRows?: Uint32Array;
  sortedCodes?: Uint32Array;
}

/** Rows sorted by code for every feature (counting sort; computed once per data set). */
export function sortedOrder(fc: FeatureCodes): { rows: Uint32Array; codes: Uint32Array } {
  if (fc.sortedRows === undefined || fc.sortedCodes === undefined) {
    const N = fc.nSamples;
    const rows = new Uint32Array(N * fc.nFeatures);
    const codes = new Uint32Array(N * fc.nFeatures);
    const start = new Int32Array(fc.maxCodes + 1);
    for (let f = 0; f < fc.nFeatures; f++) {
      const col = fc.codes.subarray(f * N, (f + 1) * N);
      const m = fc.nCodes[f];
      start.fill(0, 0, m + 1);
      for (let i = 0; i < N; i++) start[col[i] + 1]++;
      for (let c = 0; c < m; c++) start[c + 1] += start[c];
      const off = f * N;
      for (let i = 0; i < N; i++) {
        const p = off + start[col[i]]++;
        rows[p] = i;
        codes[p] = col[i];
      }
    }
    fc.sortedRows = rows;
    fc.sortedCodes = codes;
  }
  return { rows: fc.sortedRows, codes: fc.sortedCodes };
}

const cache = new WeakMap<Dataset, FeatureCodes>();

export function featureCodes(data: Dataset): FeatureCodes {
  let fc = cache.get(data);
  if (fc === undefined) {
    fc = computeCodes(data);
    cache.set(data, fc);
  }
  return fc;
}

/** Float32 view of X without computing codes (prediction only). */
export function float32X(data: Dataset): Float32Array {
  const fc = cache.get(data);
  if (fc !== undefined) return fc.x32;
  let x32 = x32Cache.get(data);
  if (x32 === undefined) {
    x32 = new Float32Array(data.X.subarray(0, data.nSamples * data.nFeatures));
    x32Cache.set(data, x32);
  }
  return x32;
}
const x32Cache = new WeakMap<Dataset, Float32Array>();

function computeCodes(data: Dataset): FeatureCodes {
  const n = data.nSamples;
  const nf = data.nFeatures;
  const x32 = float32X(data);
  const codes = new Uint32Array(n * nf);
  const nCodes = new Int32Array(nf);
  const lo: Float64Array[] = [];
  const hi: Float64Array[] = [];
  const sorted = new Float32Array(n);
  for (let f = 0; f < nf; f++) {
    const col = x32.subarray(f * n, (f + 1) * n);
    sorted.set(col);
    sorted.sort();
    if (n > 0 && (Number.isNaN(sorted[n - 1]) || !Number.isFinite(sorted[0]) || !Number.isFinite(sorted[n - 1]))) {
      throw new InvalidInputError('X', `feature "${data.featureNames[f] ?? f}" has missing or infinite values`);
    }
    // Distinct values and their group (code).
    const uniq: number[] = [];
    const group: number[] = [];
    const glo: number[] = [];
    const ghi: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = sorted[i];
      if (uniq.length > 0 && x === uniq[uniq.length - 1]) continue;
      if (uniq.length > 0 && x <= uniq[uniq.length - 1] + FEATURE_THRESHOLD) {
        ghi[ghi.length - 1] = x;
      } else {
        glo.push(x);
        ghi.push(x);
      }
      uniq.push(x);
      group.push(glo.length - 1);
    }
    const u = Float64Array.from(uniq);
    const g = Int32Array.from(group);
    nCodes[f] = glo.length;
    lo.push(Float64Array.from(glo));
    hi.push(Float64Array.from(ghi));
    const out = codes.subarray(f * n, (f + 1) * n);
    const m = u.length;
    for (let i = 0; i < n; i++) {
      const x = col[i];
      let a = 0;
      let b = m - 1;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (u[mid] < x) a = mid + 1;
        else b = mid;
      }
      out[i] = g[a];
    }
  }
  let maxCodes = 0;
  for (let f = 0; f < nf; f++) maxCodes = Math.max(maxCodes, nCodes[f]);
  return { nSamples: n, nFeatures: nf, codes, nCodes, lo, hi, x32, maxCodes };
}

/** scikit-learn's threshold between the largest value of code c and the smallest of code c+1. */
export function thresholdBetween(hiLeft: number, loRight: number): number {
  const t = hiLeft / 2 + loRight / 2;
  return t === loRight || !Number.isFinite(t) ? hiLeft : t;
}
