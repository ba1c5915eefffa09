/**
 * HistGradientBoostingClassifier / HistGradientBoostingRegressor after scikit-learn 1.2:
 *
 * - binning: per feature, thresholds from the training rows (midpoints of the distinct values when
 *   there are at most max_bins, else `np.percentile(..., method="midpoint")` at max_bins - 1
 *   evenly spaced percentiles); a value goes to the first bin whose threshold is >= it;
 * - each iteration grows one tree per output (K for multiclass) leaf-wise (best-first) on
 *   gradient / hessian histograms, computing the smaller child's histogram from its rows and the
 *   larger one's by subtraction from the parent (the histogram subtraction trick);
 * - split gain GL²/(HL+λ) + GR²/(HR+λ) - G²/(H+λ), min_samples_leaf, min hessian 1e-3, leaf value
 *   -G/(H+λ) × learning_rate;
 * - early stopping ("auto": on when there are more than 10000 training rows) on the validation
 *   loss, with scikit-learn's rule (no improvement > tol over n_iter_no_change iterations).
 * Missing values (NaN) are not supported (InvalidInputError).
 */
import { tick } from '../progress';
import { Random } from '../random';
import { argmaxRows, checkRows, classTargets, classWeightVector, notFitted, regressionTargets } from '../tree/common';
import type { EstimatorOptions } from '../tree/decision_tree';
import { ClassWeight, fail, ParamSpec, resolveParams, seedOf, v } from '../tree/params';
import { Dataset, Estimator, InvalidInputError } from '../types';

const MIN_HESSIAN_TO_SPLIT = 1e-3;
const ALMOST_INF = 1e300;
const FLOAT64_EPS = 2.220446049250313e-16;

function hgbSpec(classification: boolean): ParamSpec {
  const spec: ParamSpec = {
    loss: classification
      ? { default: 'log_loss', validate: v.oneOf('log_loss') }
      : { default: 'squared_error', validate: v.oneOf('squared_error') },
    learning_rate: { default: 0.1, validate: v.float(0, Infinity, true) },
    max_iter: { default: 100, validate: v.int(1) },
    max_leaf_nodes: { default: 31, validate: v.nullable(v.int(2)) },
    max_depth: { default: null, validate: v.nullable(v.int(1)) },
    min_samples_leaf: { default: 20, validate: v.int(1) },
    l2_regularization: { default: 0, validate: v.float(0, Infinity) },
    max_bins: { default: 255, validate: v.int(2, 255) },
    early_stopping: {
      default: 'auto',
      validate: (value, name) => {
        if (value === 'auto' || value === true || value === false) return value;
        return fail(name, `expected "auto", true or false, got ${JSON.stringify(value)}`);
      },
    },
    scoring: { default: 'loss', validate: v.nullable(v.oneOf('loss')) },
    validation_fraction: {
      default: 0.1,
      validate: (value, name) => {
        if (value === null) return null;
        if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
        return v.float(0, 1, true, true)(value, name);
      },
    },
    n_iter_no_change: { default: 10, validate: v.int(1) },
    tol: { default: 1e-7, validate: v.float(0, Infinity) },
    random_state: { default: null, validate: v.randomState() },
  };
  if (classification) spec.class_weight = { default: null, validate: v.classWeight() };
  return spec;
}

export const HIST_GRADIENT_BOOSTING_CLASSIFIER_SPEC = hgbSpec(true);
export const HIST_GRADIENT_BOOSTING_REGRESSOR_SPEC = hgbSpec(false);

/** Bin thresholds per feature (fitted on training rows) and every row of the data set binned. */
interface Binned {
  thresholds: Float64Array[];
  /** Bins per feature (thresholds.length + 1). */
  nBins: Int32Array;
  /** Column-major, bins[f * nSamples + i]. */
  bins: Uint8Array;
}

/**
 * Binnings by training rows array: cross-validation evaluates many candidates on the same fold
 * arrays, and the thresholds depend only on the rows' values (bounded per array).
 */
const binCache = new WeakMap<Uint32Array, Map<string, { data: Dataset; checksum: number; binned: Binned }>>();

function rowsChecksum(rows: Uint32Array): number {
  let s = rows.length;
  for (let i = 0; i < rows.length; i++) s = (Math.imul(s, 31) + rows[i]) | 0;
  return s;
}

function cachedBins(data: Dataset, key: Uint32Array, variant: string, rows: Uint32Array, maxBins: number): Binned {
  let byVariant = binCache.get(key);
  if (byVariant === undefined) binCache.set(key, (byVariant = new Map()));
  const id = `${maxBins}:${variant}`;
  const checksum = rowsChecksum(rows);
  const hit = byVariant.get(id);
  if (hit !== undefined && hit.data === data && hit.checksum === checksum) return hit.binned;
  const binned = fitBins(data, rows, maxBins);
  if (byVariant.size >= 4) byVariant.delete(byVariant.keys().next().value as string);
  byVariant.set(id, { data, checksum, binned });
  return binned;
}

function fitBins(data: Dataset, rows: Uint32Array, maxBins: number): Binned {
  const N = data.nSamples;
  const nF = data.nFeatures;
  const X = data.X;
  const col = new Float64Array(rows.length);
  const thresholds: Float64Array[] = [];
  const nBins = new Int32Array(nF);
  const bins = new Uint8Array(N * nF);
  for (let f = 0; f < nF; f++) {
    const off = f * N;
    for (let i = 0; i < rows.length; i++) col[i] = X[off + rows[i]];
    col.sort();
    if (Number.isNaN(col[col.length - 1])) {
      throw new InvalidInputError('X', `feature "${data.featureNames[f] ?? f}" has missing values`);
    }
    const distinct: number[] = [];
    for (let i = 0; i < col.length; i++) if (i === 0 || col[i] !== col[i - 1]) distinct.push(col[i]);
    let t: Float64Array;
    if (distinct.length <= maxBins) {
      t = new Float64Array(Math.max(0, distinct.length - 1));
      for (let i = 0; i + 1 < distinct.length; i++) t[i] = (distinct[i] + distinct[i + 1]) * 0.5;
    } else {
      t = new Float64Array(maxBins - 1);
      const n = col.length;
      for (let j = 1; j < maxBins; j++) {
        const q = (100 * j) / maxBins;
        const pos = (q / 100) * (n - 1);
        t[j - 1] = (col[Math.floor(pos)] + col[Math.ceil(pos)]) / 2;
      }
    }
    for (let i = 0; i < t.length; i++) if (t[i] > ALMOST_INF) t[i] = ALMOST_INF;
    thresholds.push(t);
    nBins[f] = t.length + 1;
    const m = t.length;
    for (let i = 0; i < N; i++) {
      const x = X[off + i];
      let a = 0;
      let b = m;
      while (a < b) {
        const mid = (a + b - 1) >> 1;
        if (x <= t[mid]) b = mid;
        else a = mid + 1;
      }
      bins[off + i] = a;
    }
  }
  return { thresholds, nBins, bins };
}

/** A fitted HGB tree as flat arrays (x <= threshold goes left; binThreshold for binned rows). */
export class HistTree {
  constructor(
    readonly feature: Int32Array,
    readonly threshold: Float64Array,
    readonly binThreshold: Int32Array,
    readonly left: Int32Array,
    readonly right: Int32Array,
    readonly value: Float64Array,
  ) {}

  get nodeCount(): number {
    return this.feature.length;
  }

  /** Adds the leaf value of each row (raw X) to out[i * stride + k]. */
  addRaw(X: Float64Array, N: number, rows: Uint32Array, out: Float64Array, stride: number, k: number): void {
    const { feature, threshold, left, right, value } = this;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        node = X[f * N + r] <= threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      out[i * stride + k] += value[node];
    }
  }

  /** Same on binned rows. */
  addBinned(bins: Uint8Array, N: number, rows: Uint32Array, out: Float64Array, stride: number, k: number): void {
    const { feature, binThreshold, left, right, value } = this;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        node = bins[f * N + r] <= binThreshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      out[i * stride + k] += value[node];
    }
  }
}

interface GrowNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  sumG: number;
  sumH: number;
  /** (sum g, sum h, count) per feature and bin, flat: 3 × (f × B + bin). */
  hist: Float64Array | null;
  // Best split.
  gain: number;
  feature: number;
  bin: number;
  gl: number;
  hl: number;
  nl: number;
}

interface GrowerConfig {
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  l2: number;
  shrinkage: number;
}

/** Grows one tree on gradients/hessians (indexed by data set row) over rows[0, n). */
class HistGrower {
  /** Offset of feature f's bins in a histogram (3 values per bin); last entry = total size. */
  private readonly offsets: Int32Array;
  private readonly pool: Float64Array[] = [];
  private readonly og: Float64Array;
  private readonly oh: Float64Array;
  private readonly tmp: Uint32Array;

  constructor(
    private readonly binned: Binned,
    private readonly N: number,
    private readonly nF: number,
    maxRows: number,
  ) {
    this.offsets = new Int32Array(nF + 1);
    for (let f = 0; f < nF; f++) this.offsets[f + 1] = this.offsets[f] + 3 * binned.nBins[f];
    this.og = new Float64Array(maxRows);
    this.oh = new Float64Array(maxRows);
    this.tmp = new Uint32Array(maxRows);
  }

  private take(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.offsets[this.nF]);
  }

  private release(node: GrowNode): void {
    if (node.hist !== null) this.pool.push(node.hist);
    node.hist = null;
  }

  /**
   * Histograms of rows[start, end) from scratch: the node's gradients are gathered once, then
   * features are accumulated four at a time (one pass over the rows per group of four).
   */
  private buildHist(rows: Uint32Array, start: number, end: number, g: Float64Array, h: Float64Array): Float64Array {
    const hist = this.take();
    hist.fill(0);
    const n = end - start;
    const og = this.og;
    const oh = this.oh;
    for (let i = 0; i < n; i++) {
      const r = rows[start + i];
      og[i] = g[r];
      oh[i] = h[r];
    }
    const bins = this.binned.bins;
    const N = this.N;
    const offsets = this.offsets;
    const nF = this.nF;
    let f = 0;
    for (; f + 4 <= nF; f += 4) {
      const o0 = f * N;
      const o1 = o0 + N;
      const o2 = o1 + N;
      const o3 = o2 + N;
      const b0 = offsets[f];
      const b1 = offsets[f + 1];
      const b2 = offsets[f + 2];
      const b3 = offsets[f + 3];
      for (let i = 0; i < n; i++) {
        const r = rows[start + i];
        const gi = og[i];
        const hi = oh[i];
        let k = b0 + 3 * bins[o0 + r];
        hist[k] += gi;
        hist[k + 1] += hi;
        hist[k + 2] += 1;
        k = b1 + 3 * bins[o1 + r];
        hist[k] += gi;
        hist[k + 1] += hi;
        hist[k + 2] += 1;
        k = b2 + 3 * bins[o2 + r];
        hist[k] += gi;
        hist[k + 1] += hi;
        hist[k + 2] += 1;
        k = b3 + 3 * bins[o3 + r];
        hist[k] += gi;
        hist[k + 1] += hi;
        hist[k + 2] += 1;
      }
    }
    for (; f < nF; f++) {
      const o = f * N;
      const b = offsets[f];
      for (let i = 0; i < n; i++) {
        const k = b + 3 * bins[o + rows[start + i]];
        hist[k] += og[i];
        hist[k + 1] += oh[i];
        hist[k + 2] += 1;
      }
    }
    return hist;
  }

  /** Best split of a node from its histograms (features in order; first best wins ties). */
  private findSplit(node: GrowNode, cfg: GrowerConfig): void {
    const hist = node.hist!;
    const offsets = this.offsets;
    const l2 = cfg.l2;
    const minLeaf = cfg.minSamplesLeaf;
    const n = node.end - node.start;
    const G = node.sumG;
    const H = node.sumH;
    const parentLoss = (G * G) / (H + l2 + 1e-15);
    let best = -Infinity;
    node.feature = -1;
    for (let f = 0; f < this.nF; f++) {
      const end = this.binned.nBins[f] - 1;
      const base = offsets[f];
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let b = 0; b < end; b++) {
        const k = base + 3 * b;
        gl += hist[k];
        hl += hist[k + 1];
        nl += hist[k + 2];
        if (nl < minLeaf) continue;
        if (n - nl < minLeaf) break;
        if (hl < MIN_HESSIAN_TO_SPLIT) continue;
        const hr = H - hl;
        if (hr < MIN_HESSIAN_TO_SPLIT) break;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + l2 + 1e-15) + (gr * gr) / (hr + l2 + 1e-15) - parentLoss;
        if (gain > best && gain > 0) {
          best = gain;
          node.feature = f;
          node.bin = b;
          node.gl = gl;
          node.hl = hl;
          node.nl = nl;
        }
      }
    }
    node.gain = best;
  }

  grow(rows: Uint32Array, n: number, g: Float64Array, h: Float64Array, cfg: GrowerConfig): { tree: HistTree; leaves: GrowNode[] } {
    // Node arrays (grown as nodes are created).
    const feature: number[] = [];
    const bin: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const newId = (): number => {
      feature.push(-1);
      bin.push(0);
      left.push(-1);
      right.push(-1);
      value.push(0);
      return feature.length - 1;
    };
    const l2 = cfg.l2;
    const leaves: GrowNode[] = [];
    const finalize = (node: GrowNode): void => {
      // A root that is a leaf predicts 0, like scikit-learn.
      value[node.id] = node.id === 0 ? 0 : (-node.sumG / (node.sumH + l2 + 1e-15)) * cfg.shrinkage;
      feature[node.id] = -1;
      this.release(node);
      leaves.push(node);
    };
    const heap: GrowNode[] = [];
    const push = (node: GrowNode): void => {
      heap.push(node);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p].gain >= heap[i].gain) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
    };
    const pop = (): GrowNode => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          let m = i;
          if (l < heap.length && heap[l].gain > heap[m].gain) m = l;
          if (l + 1 < heap.length && heap[l + 1].gain > heap[m].gain) m = l + 1;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i], heap[m]];
          i = m;
        }
      }
      return top;
    };
    const splitAndPush = (node: GrowNode): void => {
      this.findSplit(node, cfg);
      if (node.feature < 0 || node.gain <= 0) finalize(node);
      else push(node);
    };

    let sumG = 0;
    let sumH = 0;
    for (let i = 0; i < n; i++) {
      sumG += g[rows[i]];
      sumH += h[rows[i]];
    }
    const root: GrowNode = {
      id: newId(), start: 0, end: n, depth: 0, sumG, sumH, hist: null,
      gain: -1, feature: -1, bin: 0, gl: 0, hl: 0, nl: 0,
    };
    let nLeafNodes = 1;
    if (n < 2 * cfg.minSamplesLeaf || sumH < MIN_HESSIAN_TO_SPLIT) finalize(root);
    else {
      root.hist = this.buildHist(rows, 0, n, g, h);
      splitAndPush(root);
    }
    const bins = this.binned.bins;
    const N = this.N;
    while (heap.length > 0) {
      const node = pop();
      // Partition rows by the split.
      const off = node.feature * N;
      const cut = node.bin;
      // Stable, branchless: left rows compacted in place, right rows via a buffer.
      let p = node.start;
      let t = 0;
      const tmp = this.tmp;
      for (let q = node.start; q < node.end; q++) {
        const r = rows[q];
        const left = bins[off + r] <= cut ? 1 : 0;
        rows[p] = r;
        tmp[t] = r;
        p += left;
        t += 1 - left;
      }
      rows.set(tmp.subarray(0, t), p);
      feature[node.id] = node.feature;
      bin[node.id] = cut;
      const depth = node.depth + 1;
      const mk = (start: number, end: number, sg: number, sh: number): GrowNode => ({
        id: newId(), start, end, depth, sumG: sg, sumH: sh, hist: null,
        gain: -1, feature: -1, bin: 0, gl: 0, hl: 0, nl: 0,
      });
      const lc = mk(node.start, p, node.gl, node.hl);
      const rc = mk(p, node.end, node.sumG - node.gl, node.sumH - node.hl);
      left[node.id] = lc.id;
      right[node.id] = rc.id;
      nLeafNodes += 1;
      if (nLeafNodes >= cfg.maxLeafNodes || depth >= cfg.maxDepth) {
        this.release(node);
        finalize(lc);
        finalize(rc);
        if (nLeafNodes >= cfg.maxLeafNodes) {
          while (heap.length > 0) finalize(pop());
        }
        continue;
      }
      const splitL = lc.end - lc.start >= 2 * cfg.minSamplesLeaf;
      const splitR = rc.end - rc.start >= 2 * cfg.minSamplesLeaf;
      if (splitL || splitR) {
        const [small, large] = lc.end - lc.start < rc.end - rc.start ? [lc, rc] : [rc, lc];
        const hs = this.buildHist(rows, small.start, small.end, g, h);
        small.hist = hs;
        // Subtraction: the parent's buffer becomes the larger child's.
        const ph = node.hist!;
        const len = ph.length;
        for (let i = 0; i < len; i++) ph[i] -= hs[i];
        large.hist = ph;
        node.hist = null;
      } else this.release(node);
      if (splitL) splitAndPush(lc);
      else finalize(lc);
      if (splitR) splitAndPush(rc);
      else finalize(rc);
    }
    const thresholds = this.binned.thresholds;
    const numThr = new Float64Array(feature.length);
    for (let i = 0; i < feature.length; i++) if (feature[i] >= 0) numThr[i] = thresholds[feature[i]][bin[i]];
    const tree = new HistTree(
      Int32Array.from(feature),
      numThr,
      Int32Array.from(bin),
      Int32Array.from(left),
      Int32Array.from(right),
      Float64Array.from(value),
    );
    return { tree, leaves };
  }
}

abstract class BaseHistGradientBoosting implements Estimator {
  readonly params: Record<string, unknown>;
  /** estimators_[iteration][k]. */
  estimators_: HistTree[][] = [];
  baseline_: Float64Array = new Float64Array(0);
  nIter_ = 0;
  trainScore_: number[] = [];
  validationScore_: number[] = [];
  nFeatures = 0;
  protected nClasses_ = 0;
  protected nClassesOverride?: number;
  protected K = 1;
  abstract readonly classification: boolean;

  constructor(spec: ParamSpec, params: Record<string, unknown>) {
    this.params = resolveParams(spec, params);
  }

  fit(data: Dataset, rows: Uint32Array): this {
    checkRows(data, rows);
    if (rows.length === 0) throw new InvalidInputError('rows', 'cannot fit on zero rows');
    const p = this.params;
    const N = data.nSamples;
    let yClass: Int32Array | null = null;
    let yValue: Float64Array | null = null;
    let sw: Float64Array | null = null;
    if (this.classification) {
      const t = classTargets(data);
      yClass = t.yClass;
      this.nClasses_ = this.nClassesOverride ?? t.nClasses;
      if (this.nClasses_ < 2) fail('y', 'classification needs at least 2 classes');
      this.K = this.nClasses_ === 2 ? 1 : this.nClasses_;
      const cw = classWeightVector(p.class_weight as ClassWeight, data, yClass, this.nClasses_, rows, rows.length);
      if (cw !== null) {
        sw = new Float64Array(N);
        for (let i = 0; i < rows.length; i++) sw[rows[i]] = cw[yClass[rows[i]]];
      }
    } else {
      yValue = regressionTargets(data);
      this.K = 1;
    }
    const K = this.K;
    const seed = seedOf(p.random_state as number | null);
    const es = p.early_stopping as 'auto' | boolean;
    const earlyStopping = es === 'auto' ? rows.length > 10000 : es;
    const vf = p.validation_fraction as number | null;
    let trainRows: Uint32Array = rows;
    let valRows: Uint32Array = new Uint32Array(0);
    if (earlyStopping && vf !== null) {
      [trainRows, valRows] = splitValidation(rows, yClass, vf, new Random(seed, 0x5eed));
    }
    const n = trainRows.length;
    const yOf = (r: number): number => (yClass !== null ? yClass[r] : yValue![r]);
    const wOf = (r: number): number => (sw === null ? 1 : sw[r]);

    const variant = earlyStopping && vf !== null ? `es:${vf}:${seed}` : 'all';
    const binned = cachedBins(data, rows, variant, trainRows, p.max_bins as number);

    // Baseline (intercept-only raw prediction).
    const baseline = new Float64Array(K);
    let wSum = 0;
    for (let i = 0; i < n; i++) wSum += wOf(trainRows[i]);
    if (this.classification) {
      const share = new Float64Array(this.nClasses_);
      for (let i = 0; i < n; i++) share[yOf(trainRows[i])] += wOf(trainRows[i]) / wSum;
      if (K === 1) {
        const pp = Math.min(Math.max(share[1], FLOAT64_EPS), 1 - FLOAT64_EPS);
        baseline[0] = Math.log(pp / (1 - pp));
      } else {
        let mean = 0;
        for (let k = 0; k < K; k++) {
          baseline[k] = Math.log(Math.min(Math.max(share[k], FLOAT64_EPS), 1 - FLOAT64_EPS));
          mean += baseline[k] / K;
        }
        for (let k = 0; k < K; k++) baseline[k] -= mean;
      }
    } else {
      let s = 0;
      for (let i = 0; i < n; i++) s += wOf(trainRows[i]) * yOf(trainRows[i]);
      baseline[0] = s / wSum;
    }

    // Raw predictions indexed by data set row (training rows) / by position (validation rows).
    const raw = new Float64Array(N * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) raw[trainRows[i] * K + k] = baseline[k];
    const nVal = valRows.length;
    const rawVal = new Float64Array(nVal * K);
    for (let i = 0; i < nVal; i++) for (let k = 0; k < K; k++) rawVal[i * K + k] = baseline[k];

    const g = new Float64Array(N);
    const h = new Float64Array(N);
    const gradK: Float64Array[] = [];
    const hessK: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      gradK.push(k === 0 ? g : new Float64Array(N));
      hessK.push(k === 0 ? h : new Float64Array(N));
    }
    const prob = new Float64Array(K);
    const grower = new HistGrower(binned, N, data.nFeatures, n);
    const growRows = new Uint32Array(n);
    const maxLeaf = p.max_leaf_nodes as number | null;
    const maxDepth = p.max_depth as number | null;
    const cfg: GrowerConfig = {
      maxLeafNodes: maxLeaf === null ? Infinity : maxLeaf,
      maxDepth: maxDepth === null ? Infinity : maxDepth,
      minSamplesLeaf: p.min_samples_leaf as number,
      l2: p.l2_regularization as number,
      shrinkage: p.learning_rate as number,
    };
    const nIterNoChange = p.n_iter_no_change as number;
    const tol = p.tol as number;
    const scores: number[] = [];
    const valW = new Float64Array(nVal);
    const valY = new Float64Array(nVal);
    for (let i = 0; i < nVal; i++) {
      valW[i] = wOf(valRows[i]);
      valY[i] = yOf(valRows[i]);
    }
    const trainY = new Float64Array(n);
    const trainW = new Float64Array(n);
    const trainRaw = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      trainY[i] = yOf(trainRows[i]);
      trainW[i] = wOf(trainRows[i]);
    }
    const lossOf = (y: Float64Array, w: Float64Array, r: Float64Array, m: number): number => this.loss(y, w, r, m, K);
    const trainLoss = (): number => {
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) trainRaw[i * K + k] = raw[trainRows[i] * K + k];
      return lossOf(trainY, trainW, trainRaw, n);
    };
    if (earlyStopping) {
      if (nVal > 0) scores.push(-lossOf(valY, valW, rawVal, nVal));
      else scores.push(-trainLoss());
    }
    const iterations: HistTree[][] = [];
    const maxIter = p.max_iter as number;
    for (let it = 0; it < maxIter; it++) {
      tick();
      // Gradients and hessians (half losses, like scikit-learn), rounded to float32 as scikit-learn stores them.
      for (let i = 0; i < n; i++) {
        const r = trainRows[i];
        const w = wOf(r);
        const y = yOf(r);
        if (!this.classification) {
          g[r] = Math.fround(w * (raw[r] - y));
          h[r] = w;
        } else if (K === 1) {
          const pr = 1 / (1 + Math.exp(-raw[r]));
          g[r] = Math.fround(w * (pr - y));
          h[r] = Math.fround(w * pr * (1 - pr));
        } else {
          let m = -Infinity;
          for (let k = 0; k < K; k++) m = Math.max(m, raw[r * K + k]);
          let z = 0;
          for (let k = 0; k < K; k++) {
            prob[k] = Math.exp(raw[r * K + k] - m);
            z += prob[k];
          }
          for (let k = 0; k < K; k++) {
            const pk = prob[k] / z;
            gradK[k][r] = Math.fround(w * (pk - (y === k ? 1 : 0)));
            hessK[k][r] = Math.fround(w * pk * (1 - pk));
          }
        }
      }
      const trees: HistTree[] = [];
      for (let k = 0; k < K; k++) {
        growRows.set(trainRows);
        const { tree, leaves } = grower.grow(growRows, n, gradK[k], hessK[k], cfg);
        for (const leaf of leaves) {
          const val = tree.value[leaf.id];
          for (let q = leaf.start; q < leaf.end; q++) raw[growRows[q] * K + k] += val;
        }
        if (nVal > 0) tree.addBinned(binned.bins, N, valRows, rawVal, K, k);
        trees.push(tree);
      }
      iterations.push(trees);
      if (earlyStopping) {
        scores.push(nVal > 0 ? -lossOf(valY, valW, rawVal, nVal) : -trainLoss());
        if (shouldStop(scores, nIterNoChange, tol)) break;
      }
    }
    this.estimators_ = iterations;
    this.nIter_ = iterations.length;
    this.baseline_ = baseline;
    this.validationScore_ = nVal > 0 ? scores : [];
    this.trainScore_ = nVal > 0 ? [] : scores;
    this.nFeatures = data.nFeatures;
    return this;
  }

  /** Mean (weighted) half loss. */
  private loss(y: Float64Array, w: Float64Array, raw: Float64Array, n: number, K: number): number {
    let s = 0;
    let ws = 0;
    for (let i = 0; i < n; i++) {
      let l: number;
      if (!this.classification) l = 0.5 * (y[i] - raw[i]) * (y[i] - raw[i]);
      else if (K === 1) {
        const f = raw[i];
        l = (f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f))) - y[i] * f;
      } else {
        let m = -Infinity;
        for (let k = 0; k < K; k++) m = Math.max(m, raw[i * K + k]);
        let z = 0;
        for (let k = 0; k < K; k++) z += Math.exp(raw[i * K + k] - m);
        l = m + Math.log(z) - raw[i * K + y[i]];
      }
      s += w[i] * l;
      ws += w[i];
    }
    return s / ws;
  }

  protected decision(data: Dataset, rows: Uint32Array): Float64Array {
    if (this.estimators_.length === 0) notFitted(this.constructor.name);
    if (data.nFeatures !== this.nFeatures) {
      throw new InvalidInputError('X', `expected ${this.nFeatures} features, got ${data.nFeatures}`);
    }
    checkRows(data, rows);
    const K = this.K;
    const n = rows.length;
    const raw = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) raw[i * K + k] = this.baseline_[k];
    for (const trees of this.estimators_) {
      for (let k = 0; k < K; k++) trees[k].addRaw(data.X, data.nSamples, rows, raw, K, k);
    }
    return raw;
  }

  abstract predict(data: Dataset, rows: Uint32Array): Float64Array;
}

function shouldStop(scores: number[], nIterNoChange: number, tol: number): boolean {
  const ref = nIterNoChange + 1;
  if (scores.length < ref) return false;
  const reference = scores[scores.length - ref] + tol;
  for (let i = scores.length - ref + 1; i < scores.length; i++) if (scores[i] > reference) return false;
  return true;
}

/** Shuffled (stratified for classification) train/validation split of rows. */
function splitValidation(rows: Uint32Array, yClass: Int32Array | null, fraction: number, rng: Random): [Uint32Array, Uint32Array] {
  const n = rows.length;
  const nVal = fraction >= 1 ? fraction : Math.ceil(fraction * n);
  if (nVal < 1 || n - nVal < 1) fail('validation_fraction', `leaves no training or validation rows for ${n} rows`);
  const shuffled = rng.shuffle(Uint32Array.from(rows));
  const isVal = new Uint8Array(n);
  let taken = 0;
  if (yClass !== null) {
    const byClass = new Map<number, number[]>();
    shuffled.forEach((r, i) => {
      const c = yClass[r];
      if (!byClass.has(c)) byClass.set(c, []);
      byClass.get(c)!.push(i);
    });
    for (const idx of byClass.values()) {
      const k = Math.min(idx.length, Math.floor((idx.length * nVal) / n));
      for (let j = 0; j < k && taken < nVal; j++, taken++) isVal[idx[j]] = 1;
    }
  }
  for (let i = 0; i < n && taken < nVal; i++) if (!isVal[i]) {
        isVal[i] = 1;
        taken++;
      }
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) (isVal[i] ? val : train).push(shuffled[i]);
  return [Uint32Array.from(train.sort((a, b) => a - b)), Uint32Array.from(val.sort((a, b) => a - b))];
}

export class HistGradientBoostingClassifier extends BaseHistGradientBoosting {
  readonly classification = true;

  constructor(params: Record<string, unknown> = {}, options: EstimatorOptions = {}) {
    super(HIST_GRADIENT_BOOSTING_CLASSIFIER_SPEC, params);
    this.nClassesOverride = options.nClasses;
  }

  get nClasses(): number {
    return this.nClasses_;
  }

  decisionFunction(data: Dataset, rows: Uint32Array): Float64Array {
    return this.decision(data, rows);
  }

  predictProba(data: Dataset, rows: Uint32Array): Float64Array {
    const raw = this.decision(data, rows);
    const n = rows.length;
    const K = this.K;
    if (K === 1) {
      const out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const p1 = 1 / (1 + Math.exp(-raw[i]));
        out[2 * i] = 1 - p1;
        out[2 * i + 1] = p1;
      }
      return out;
    }
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let k = 0; k < K; k++) m = Math.max(m, raw[i * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += out[i * K + k] = Math.exp(raw[i * K + k] - m);
      for (let k = 0; k < K; k++) out[i * K + k] /= z;
    }
    return out;
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return argmaxRows(this.predictProba(data, rows), rows.length, this.nClasses_);
  }
}

export class HistGradientBoostingRegressor extends BaseHistGradientBoosting {
  readonly classification = false;

  constructor(params: Record<string, unknown> = {}) {
    super(HIST_GRADIENT_BOOSTING_REGRESSOR_SPEC, params);
  }

  predict(data: Dataset, rows: Uint32Array): Float64Array {
    return this.decision(data, rows);
  }
}
