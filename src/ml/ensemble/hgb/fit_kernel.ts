/**
 * The arrays of one histogram GBM fit in its kernel memory (./kernel.ts) and the steps of boosting
 * run on them: gradients, histograms, split search, partitions and leaf updates. A step runs on the
 * fitting thread, or, when it is large enough and fitThreads() allows, split over it and helper
 * threads (../../parallel/team.ts, ./helper.ts), which work on the same shared memory: gradients in
 * row chunks, histograms in feature blocks (each thread fills its features' bins of the one
 * histogram: nothing to merge, where row chunks cost a per-thread histogram to clear and add up)
 * except those from row-major codes, in two row blocks (a feature block would still cost each
 * thread every row's cache line), split search in two halves of the bins, partitions of large
 * nodes in two halves of the rows, and binning (binColumns) every other feature. A job no helper has taken when the fitting thread waits
 * runs on the fitting thread (runJob), with the same result.
 *
 * Layout: bin codes column-major over the n training rows (codes[f * n + i]), and for large data
 * also row-major (rowCodes[i * nF + f]) for the histograms of nodes whose rows are few and far
 * apart (see ROW_MAJOR_SHARE); a histogram holds
 * (sum g, sum h, count) per bin, feature f's bins from offsets[f] (offsets count float64 values,
 * 3 per bin); raw predictions row-major (raw[i * K + k]).
 * A node's positions (of training rows) are in one of two buffers of n u32 (its `buf`, 0 or 1): a
 * partition writes the children's positions into the other one, so nothing is copied back. The
 * gradients go along: a (g, h) float32 pair per position, in position order, so that a node's
 * histogram reads them in sequence however scattered its rows are (scikit-learn's ordered
 * gradients). Pair buffer 0 of tree k is where the iteration's gradients put tree k's (row order is
 * the root's position order); buffer 1 is shared by the trees, which grow one after the other.
 * With constant hessians (squared error, no sample weights: every h is 1, as scikit-learn's
 * hessians_are_constant) sum h is the count, which is then not kept apart: one store less per row
 * and feature, and the count is read at countIndex 1 instead of 2.
 */
import * as path from 'path';

import { fitThreads, Team, teamFor } from '../../parallel/team';
import { KernelMemory, kernelModule } from './kernel';
import { bestSplit, type Split, type SplitLayout, type SplitNode } from './split';

/** An array in kernel memory: its byte offset and a view of it. */
export interface Slot<T> {
  ptr: number;
  view: T;
}

export type Histogram = Slot<Float64Array>;

/** The loss whose gradients a fit follows (half losses, as scikit-learn's). */
export enum Loss {
  Squared = 0,
  Logistic = 1,
  Softmax = 2,
}

/** Jobs of a helper thread; args[0] is the kind. */
export enum Job {
  /** [kind, tree k, start, end, Rows, 1 to count, histogram (float64 index), features from, to, buf, 1 to clear the histogram first]. */
  Histogram = 0,
  /** [kind, loss, start, end]. */
  Gradients = 1,
  /** [kind, feature, buf, from, to, cut, nanCode, left, right, 1 if backward, tree k]: the count in the helper's result. */
  Partition = 2,
  /** [kind, values (float64 index), n, thresholds (float64 index), their count, codes (byte offset)]. */
  Bin = 3,
  /** [kind, histogram (float64 index), features from, to]: the node in the helper's scratch, its Split back there. */
  Split = 4,
}

/** Which rows a histogram adds, and from which copy of the codes. */
export enum Rows {
  /** start..end themselves, column-major codes. */
  Range = 0,
  /** Positions rows[start, end), column-major codes. */
  Positions = 1,
  /** Positions, row-major codes (a node with a small share of the rows: see ROW_MAJOR_SHARE). */
  PositionsRowMajor = 2,
}

/** All a binning job needs of a helper's data (binColumns shares only these). */
export type BinData = Pick<HelperData, 'module' | 'memory'>;

/** What a helper thread gets once per fit: the memory, the module and the arrays' byte offsets. */
export interface HelperData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  n: number;
  nF: number;
  K: number;
  codes: number;
  /** The codes row-major (rowCodes[i * nF + f]), or 0 when the fit keeps none (small data). */
  rowCodes: number;
  offsets: number;
  /** Position buffer 0 (buffer 1 follows it). */
  rows: number;
  nBins: Int32Array;
  hasMissing: Uint8Array;
  countIndex: 1 | 2;
  /** Pair buffer 0 of tree 0 (tree k's follows at 8 n k), and pair buffer 1. */
  gh: number;
  ghOther: number;
  raw: number;
  y: number;
  w: number;
  /** float64 values in one histogram. */
  histLength: number;
  /** The helper's own scratch: K float64 for softmax, 8 float64 for a job's inputs and results, and a histogram (row blocks). */
  prob: number;
  scratch: number;
  hist: number;
}

/** The fit's arrays as the kernel functions take them. */
type Arrays = Omit<HelperData, 'module' | 'memory' | 'prob' | 'scratch' | 'hist'>;
type Kernel = KernelMemory['kernel'];

/** Below this many (rows × features) a histogram is built on the fitting thread alone. */
const PARALLEL_MIN_WORK = 1 << 17;
/**
 * Below this many (rows × features) a row-major histogram is built on the fitting thread alone. Its
 * rows are scattered, a cache miss each, so a smaller node is worth splitting than for column-major
 * codes (1M rows, 2 threads: nodes of 2k-6.5k rows 0.15 s alone, 0.11 s in row blocks).
 */
const ROW_BLOCKS_MIN_WORK = 1 << 15;
/** Below this many rows gradients are computed, and a node partitioned, on the fitting thread alone. */
const PARALLEL_MIN_ROWS = 1 << 15;
/**
 * Below this many bins (all features) a split search runs on the fitting thread alone: a small
 * data set's few bins take less time to search than a hand-off (and the helper's polling after it).
 * So does a node under PARALLEL_MIN_WORK, whose histogram the fitting thread built alone: the
 * helper would first pull half of it from the other core's cache (10k rows on 2 threads: a fit
 * 0.20-0.26 s with such nodes searched in halves, 0.16 s without; 100k: 0.49-0.72 s against 0.45-0.53).
 */
const PARALLEL_MIN_BINS = 2048;

/**
 * Nodes with fewer than this share of the rows are histogrammed from a row-major copy of the codes:
 * their rows are far enough apart that column-major codes cost a cache line per row and feature.
 * Per row and feature (one 1M-row fit, 20 features, gradients in position order): 2.4 ns
 * column-major against 2.0 row-major below 1/32 of the rows; 1.3-1.5 against 1.9 at 1/32-1/16,
 * and row-major stays behind for larger nodes.
 */
const ROW_MAJOR_SHARE = 1 / 32;

const HELPER_SCRIPT = path.join(__dirname, `helper${path.extname(__filename)}`);

export class FitKernel {
  /**
   * The row-major copy is made from this many bytes of codes (n × nF) on: smaller codes stay in
   * the caches, where scattered rows cost little more column-major. One fit on 20 features, paired
   * runs: with the copy, 4% slower at 66k training rows (1.3 MB of codes) and slower at 200k (4 MB),
   * 16% faster at 666k (13 MB). Tests lower it to cover small data.
   */
  static rowMajorMinBytes = 8 << 20;

  /** Position buffer 0, where a tree's root starts with 0..n-1 (buffer 1 follows it). */
  readonly rows: Slot<Uint32Array>;
  /**
   * Gradients and hessians (float32, as scikit-learn keeps them) of each tree of an iteration, as
   * (g, h) pairs: g of row i at 2 i, h at 2 i + 1, until the tree's partitions reorder them.
   */
  readonly gh: Slot<Float32Array>[] = [];
  /** Pair buffer 1 (see the layout above). */
  private readonly ghOther: Slot<Float32Array>;
  /** Raw predictions (n × K), targets (class indices for classification) and sample weights. */
  readonly raw: Slot<Float64Array>;
  readonly y: Slot<Float64Array>;
  readonly w: Slot<Float64Array>;
  /** Feature f's bins (NaN bin included) start at offsets[f] float64 values into a histogram. */
  readonly offsets: Slot<Int32Array>;
  /** float64 values in one histogram. */
  readonly histLength: number;
  /** Where a bin's count is, after its (sum g, sum h): sum h itself when hessians are constant. */
  readonly countIndex: 1 | 2;
  /** The histograms' layout as a split search reads it. */
  private readonly layout: SplitLayout;
  /** Features [0, splitAt) are the fitting thread's share of a split search: half the bins. */
  private splitAt = 0;
  private readonly codes: Slot<Uint8Array>;
  private readonly rowCodes: Slot<Uint8Array> | null = null;
  private readonly prob: Slot<Float64Array>;
  private team: Team | null = null;
  /** Scratch of each helper that has this fit's data. */
  private readonly helperData: HelperData[] = [];
  private k = 0;
  /** The second row block's histogram when this thread builds both (see accumulate). */
  private blockHistogram: Histogram | null = null;
  /** Counts of the root histogram with zero sums (see buildRoot), once the first root is built. */
  private rootCounts: Float64Array | null = null;

  /**
   * @param binned the training rows' bin codes (n × nF, column-major, copied into the memory), bins
   *   per feature and which features have NaN
   * @param K trees per iteration
   * @param threads the most threads this fit may use
   * @param constantHessians every hessian is 1 (squared error without sample weights)
   */
  constructor(
    private readonly memory: KernelMemory,
    binned: { codes: Uint8Array; nBins: Int32Array; hasMissing: Uint8Array },
    private readonly n: number,
    private readonly K: number,
    private readonly threads: number,
    private readonly constantHessians = false,
  ) {
    this.countIndex = constantHessians ? 1 : 2;

    this.codes = memory.u8(binned.codes.length);
    this.codes.view.set(binned.codes);
    const nF = binned.nBins.length;
    if (binned.codes.length >= FitKernel.rowMajorMinBytes) {
      this.rowCodes = memory.u8(binned.codes.length);
      memory.kernel.transposeCodes(this.codes.ptr, n, nF, this.rowCodes.ptr);
    }
    this.offsets = memory.i32(nF + 1);
    for (let f = 0; f < nF; f++) this.offsets.view[f + 1] = this.offsets.view[f] + 3 * (binned.nBins[f] + 1);
    this.histLength = this.offsets.view[nF];
    while (this.splitAt < nF && this.offsets.view[this.splitAt] < this.histLength / 2) this.splitAt++;
    this.layout = { offsets: this.offsets.view, nBins: binned.nBins, hasMissing: binned.hasMissing, countIndex: this.countIndex };
    const positions = memory.u32(2 * n);
    this.rows = { ptr: positions.ptr, view: positions.view.subarray(0, n) };
    const gh = memory.f32(2 * K * n);
    for (let k = 0; k < K; k++) this.gh.push({ ptr: gh.ptr + 8 * n * k, view: gh.view.subarray(2 * n * k, 2 * n * (k + 1)) });
    this.ghOther = memory.f32(2 * n);
    this.raw = memory.f64(n * K);
    this.y = memory.f64(n);
    this.w = memory.f64(n);
    this.prob = memory.f64(K);
    this.arrays = this.describe();
  }

  private get nF(): number {
    return this.offsets.view.length - 1;
  }

  /** A new (uninitialised) histogram. */
  allocate(): Histogram {
    return this.memory.f64(this.histLength);
  }

  /** Gradients and hessians of every tree of the iteration at the current raw predictions. */
  gradients(loss: Loss): void {
    const parts = this.parts(this.n >= PARALLEL_MIN_ROWS);
    const chunk = Math.ceil(this.n / parts);
    const team = parts > 1 ? this.helpers(parts - 1) : null;
    for (let i = 1; i < parts; i++) team!.start(i - 1, [Job.Gradients, loss, Math.min(this.n, i * chunk), Math.min(this.n, (i + 1) * chunk)]);
    runGradients(this.memory.kernel, this.arrays, this.prob.ptr, loss, 0, Math.min(this.n, chunk));
    team?.wait(this.runHere);
  }

  /** The tree (gradient array) the next histograms are for. */
  setTree(k: number): void {
    this.k = k;
  }

  /** Sets hist to the histogram of the node at positions [start, end) of buffer buf. */
  build(start: number, end: number, buf: number, hist: Histogram): void {
    hist.view.fill(0);
    const rows = this.rowCodes !== null && end - start < ROW_MAJOR_SHARE * this.n ? Rows.PositionsRowMajor : Rows.Positions;
    this.accumulate(rows, start, end, hist, !this.constantHessians, buf);
  }

  /** Puts the root's positions, 0..n-1, in buffer 0 (a tree's partitions reorder them). */
  resetPositions(): void {
    this.memory.kernel.iota(this.rows.ptr, this.n);
  }

  /**
   * Sums of g and h over a histogram's rows: feature 0's bins added up (a few hundred values, where
   * a sum over the rows is a chain of n dependent additions).
   */
  sums(hist: Histogram): { sumG: number; sumH: number } {
    const bins = hist.view.subarray(0, this.offsets.view[1]);
    let sumG = 0;
    let sumH = 0;
    for (let b = 0; b < bins.length; b += 3) {
      sumG += bins[b];
      sumH += bins[b + 1];
    }
    return { sumG, sumH };
  }

  /**
   * Sets hist to the histogram of every training row. Its counts are the same for every tree, so
   * the first root's are kept and later roots start from them and add gradients and hessians only.
   */
  buildRoot(hist: Histogram): void {
    if (this.constantHessians) {
      hist.view.fill(0);
      this.accumulate(Rows.Range, 0, this.n, hist, false);
      return;
    }
    if (this.rootCounts !== null) {
      hist.view.set(this.rootCounts);
      this.accumulate(Rows.Range, 0, this.n, hist, false);
      return;
    }
    hist.view.fill(0);
    this.accumulate(Rows.Range, 0, this.n, hist, true);
    this.rootCounts = hist.view.slice();
    for (let k = 0; k < this.rootCounts.length; k += 3) this.rootCounts[k] = this.rootCounts[k + 1] = 0;
  }

  /** Adds rows [start, end) (positions in buffer buf unless a Range) to hist, with counts if asked. */
  private accumulate(rows: Rows, start: number, end: number, hist: Histogram, counts: boolean, buf = 0): void {
    const { nF, k } = this;
    const kernel = this.memory.kernel;
    const c = counts ? 1 : 0;
    if (rows === Rows.PositionsRowMajor && (end - start) * nF >= ROW_BLOCKS_MIN_WORK) {
      // Two row blocks, the second into a histogram of its own (a helper's, or this thread's when
      // none is free) added to the first: on any number of threads, so that sums round the same.
      const mid = (start + end) >>> 1;
      const team = this.parts(true) > 1 ? this.helpers(1) : null;
      let second: number;
      if (team !== null) {
        second = this.helperData[0].hist;
        team.start(0, [Job.Histogram, k, mid, end, rows, c, second / 8, 0, nF, buf, 1]);
      } else {
        const own = (this.blockHistogram ??= this.allocate());
        own.view.fill(0);
        second = own.ptr;
        runHistogram(kernel, this.arrays, k, rows, mid, end, second, counts, 0, nF, buf);
      }
      runHistogram(kernel, this.arrays, k, rows, start, mid, hist.ptr, counts, 0, nF, buf);
      team?.wait(this.runHere);
      kernel.addHistogram(hist.ptr, second, this.histLength, 1);
      return;
    }
    const parts = Math.min(nF, this.parts(this.histogramShared(end - start)));
    if (parts === 1) return runHistogram(kernel, this.arrays, k, rows, start, end, hist.ptr, counts, 0, nF, buf);
    const team = this.helpers(parts - 1);
    const from = (i: number): number => Math.round((i * nF) / parts);
    for (let i = 1; i < parts; i++) team.start(i - 1, [Job.Histogram, k, start, end, rows, c, hist.ptr / 8, from(i), from(i + 1), buf, 0]);
    runHistogram(kernel, this.arrays, k, rows, start, end, hist.ptr, counts, 0, from(1), buf);
    team.wait(this.runHere);
  }

  /** dst -= src (the histogram subtraction trick: a sibling from its parent). */
  subtract(dst: Histogram, src: Histogram): void {
    this.memory.kernel.addHistogram(dst.ptr, src.ptr, this.histLength, -1);
  }

  /** Sets out to the node's best split (./split.ts), half the features on a helper when one is free. */
  split(hist: Histogram, node: SplitNode, out: Split): void {
    const { layout } = this;
    const parts = Math.min(2, this.parts(this.nF >= 2 && this.histLength / 3 >= PARALLEL_MIN_BINS && this.histogramShared(node.n)));
    if (parts === 1) return bestSplit(hist.view, layout, node, 0, this.nF, out);
    const team = this.helpers(1);
    this.scratch(0).set([node.n, node.sumG, node.sumH, node.l2, node.minSamplesLeaf]);
    team.start(0, [Job.Split, hist.ptr / 8, this.splitAt, this.nF]);
    bestSplit(hist.view, layout, node, 0, this.splitAt, out);
    team.wait(this.runHere);
    const theirs = this.scratch(0);
    // Their features come after ours: only a strictly better gain replaces ours, as in one pass.
    if (theirs[0] > out.gain) readSplit(theirs, out);
  }

  /** Helper i's scratch (8 float64). */
  private scratch(i: number): Float64Array {
    return new Float64Array(this.memory.memory.buffer, this.helperData[i].scratch, 8);
  }

  /**
   * Stable partition by feature f of the positions [start, end) of buffer buf into the same range
   * of the other buffer: codes <= cut, or equal to nanCode, go left. nLeft (from the node's
   * histogram) is how many do. Returns where the right part starts. Large nodes in two halves, the
   * helper's backward from the ends (see the kernel's partition), so no half waits for a count.
   */
  partition(f: number, start: number, end: number, cut: number, nanCode: number, nLeft: number, buf: number): number {
    const d = this.arrays;
    const p = start + nLeft;
    const parts = Math.min(2, this.parts(end - start >= PARALLEL_MIN_ROWS));
    const mid = parts === 1 ? end : (start + end) >>> 1;
    if (parts > 1) this.helpers(1).start(0, [Job.Partition, f, buf, mid, end, cut, nanCode, p, end, 1, this.k]);
    let left = runPartition(this.memory.kernel, d, this.k, f, buf, start, mid, cut, nanCode, start, p, false);
    if (parts > 1) {
      this.team!.wait(this.runHere);
      left += this.scratch(0)[0];
    }
    if (left !== nLeft) throw new Error(`histogram GBM: ${left} rows went left of a split that counted ${nLeft}`);
    return p;
  }

  /** raw[rows[q] * K + k] += value for the positions [start, end) of buffer buf (a leaf of tree k). */
  addLeafValue(start: number, end: number, buf: number, k: number, value: number): void {
    this.memory.kernel.addLeafValue(this.raw.ptr, this.rows.ptr + 4 * this.n * buf, start, end, this.K, k, value);
  }

  /** Whether a histogram of this many rows is built over helpers too (feature blocks), threads allowing. */
  private histogramShared(rows: number): boolean {
    return rows * this.nF >= PARALLEL_MIN_WORK;
  }

  /** How many threads a step runs on: 1 unless it is large enough (worth) and threads are free. */
  private parts(worth: boolean): number {
    return worth ? Math.max(1, Math.min(this.threads, fitThreads())) : 1;
  }

  /** The fit's arrays as the kernel functions take them (fixed for the fit: built once). */
  private readonly arrays: Arrays;

  private describe(): Arrays {
    return {
      n: this.n,
      nF: this.nF,
      K: this.K,
      codes: this.codes.ptr,
      rowCodes: this.rowCodes?.ptr ?? 0,
      offsets: this.offsets.ptr,
      rows: this.rows.ptr,
      histLength: this.histLength,
      nBins: this.layout.nBins,
      hasMissing: this.layout.hasMissing,
      countIndex: this.countIndex,
      gh: this.gh[0].ptr,
      ghOther: this.ghOther.ptr,
      raw: this.raw.ptr,
      y: this.y.ptr,
      w: this.w.ptr,
    };
  }

  /** Runs helper i's job on this thread (see Team.wait). */
  private readonly runHere = (i: number, args: Int32Array): void => runJob(this.memory.kernel, this.helperData[i], args);

  /** The team with at least m helpers holding this fit's data. */
  private helpers(m: number): Team {
    const team = (this.team ??= teamFor(HELPER_SCRIPT));
    team.grow(m);
    const mem = this.memory;
    while (this.helperData.length < m) {
      const data: HelperData = {
        ...this.arrays,
        module: kernelModule(),
        memory: mem.memory,
        prob: mem.alloc(8 * this.K),
        scratch: mem.alloc(8 * 8),
        hist: mem.alloc(8 * this.histLength),
      };
      team.share(this.helperData.length, data);
      this.helperData.push(data);
    }
    return team;
  }
}

/** Gradients and hessians of rows [start, end) (the fitting thread's and the helpers' code). */
export function runGradients(kernel: Kernel, d: Arrays, prob: number, loss: Loss, start: number, end: number): void {
  const m = end - start;
  const gh = d.gh + 8 * start;
  const y = d.y + 8 * start;
  const w = d.w + 8 * start;
  if (loss === Loss.Squared) kernel.squaredGradients(d.raw + 8 * start, y, w, m, gh);
  else if (loss === Loss.Logistic) kernel.logisticGradients(d.raw + 8 * start, y, w, m, gh);
  else kernel.softmaxGradients(d.raw + 8 * d.K * start, y, w, m, d.K, gh, 8 * d.n, prob);
}

/** Adds rows [start, end) (positions in buffer buf unless a Range) to features [fa, fb) of the histogram at byte offset hist. */
export function runHistogram(
  kernel: Kernel, d: Arrays, k: number, rows: Rows, start: number, end: number, hist: number, counts: boolean, fa: number, fb: number, buf: number,
): void {
  const gh = pairs(d, k, buf);
  const positions = d.rows + 4 * d.n * buf;
  if (rows === Rows.PositionsRowMajor) {
    kernel.histogramRows(d.rowCodes, d.nF, fa, fb, d.offsets, positions, start, end, gh, hist, counts ? 1 : 0);
  } else {
    kernel.histogram(d.codes + fa * d.n, d.n, fb - fa, d.offsets + 4 * fa, positions, rows === Rows.Positions ? 1 : 0, start, end, gh, hist, counts ? 1 : 0);
  }
}

/** Byte offset of tree k's (g, h) pair buffer buf. */
function pairs(d: Arrays, k: number, buf: number): number {
  return buf === 0 ? d.gh + 8 * d.n * k : d.ghOther;
}

/**
 * Partitions positions [from, to) of buffer buf, and tree k's pairs with them, into the other
 * buffer (the kernel's partition); returns the lefts.
 */
export function runPartition(
  kernel: Kernel, d: Arrays, k: number, f: number, buf: number, from: number, to: number, cut: number, nanCode: number, left: number, right: number, backward: boolean,
): number {
  const src = d.rows + 4 * d.n * buf;
  const dst = d.rows + 4 * d.n * (1 - buf);
  return kernel.partition(d.codes + f * d.n, src, dst, pairs(d, k, buf), pairs(d, k, 1 - buf), from, to, cut, nanCode, left, right, backward ? 1 : 0);
}

/**
 * Bin codes of n rows × thresholds.length features, column-major: gather(f, x) writes feature f's
 * values into x, and the kernel's binValues bins them. With a free thread and enough rows, a helper
 * bins every other feature while this thread gathers and bins the next.
 */
export function binColumns(memory: KernelMemory, n: number, thresholds: Float64Array[], gather: (f: number, x: Float64Array) => void): Uint8Array {
  const nF = thresholds.length;
  const xs = [memory.f64(n), memory.f64(n)];
  const ts = [memory.f64(256), memory.f64(256)];
  const out = memory.u8(n * nF);
  let team: Team | null = null;
  const data: BinData = { module: kernelModule(), memory: memory.memory };
  const runHere = (_: number, args: Int32Array): void => runJob(memory.kernel, data, args);
  if (n >= PARALLEL_MIN_ROWS && nF > 1 && fitThreads() > 1) {
    team = teamFor(HELPER_SCRIPT);
    team.grow(1);
    team.share(0, data);
  }
  for (let f = 0; f < nF; f++) {
    const slot = f % 2;
    gather(f, xs[slot].view);
    ts[slot].view.set(thresholds[f]);
    const args = [xs[slot].ptr / 8, n, ts[slot].ptr / 8, thresholds[f].length, out.ptr + f * n];
    if (team !== null && slot === 0 && f + 1 < nF) team.start(0, [Job.Bin, ...args]);
    else {
      memory.kernel.binValues(8 * args[0], n, 8 * args[2], args[3], args[4]);
      if (team !== null && slot === 1) team.wait(runHere);
    }
  }
  return out.view.slice();
}

/**
 * Runs a job of helper data's thread: on the helper (./helper.ts), or on the fitting thread when the
 * helper had not taken it yet (Team.wait); results go to the helper's scratch either way.
 */
export function runJob(kernel: Kernel, data: HelperData | BinData, args: Int32Array): void {
  // Every job but Bin comes with a fit's data.
  const d = data as HelperData;
  switch (args[0] as Job) {
    case Job.Histogram:
      if (args[10] === 1) new Float64Array(d.memory.buffer, 8 * args[6], d.histLength).fill(0);
      runHistogram(kernel, d, args[1], args[4] as Rows, args[2], args[3], 8 * args[6], args[5] === 1, args[7], args[8], args[9]);
      break;
    case Job.Partition:
      new Float64Array(d.memory.buffer, d.scratch, 1)[0] = runPartition(kernel, d, args[10], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9] === 1);
      break;
    case Job.Bin:
      kernel.binValues(8 * args[1], args[2], 8 * args[3], args[4], args[5]);
      break;
    case Job.Split:
      runSplit(d, 8 * args[1], args[2], args[3]);
      break;
    case Job.Gradients:
      runGradients(kernel, d, d.prob, args[1], args[2], args[3]);
      break;
    default:
      throw new Error(`unknown job ${args[0]}`);
  }
}

/** A helper's share of a split search: the node from its scratch, the best split back into it. */
export function runSplit(d: HelperData, hist: number, fa: number, fb: number): void {
  const { buffer } = d.memory;
  const scratch = new Float64Array(buffer, d.scratch, 8);
  const offsets = new Int32Array(buffer, d.offsets, d.nF + 1);
  const node: SplitNode = { n: scratch[0], sumG: scratch[1], sumH: scratch[2], l2: scratch[3], minSamplesLeaf: scratch[4] };
  const out: Split = { gain: -Infinity, feature: -1, bin: 0, missingLeft: false, gl: 0, hl: 0, nl: 0 };
  bestSplit(new Float64Array(buffer, hist, offsets[d.nF]), { offsets, nBins: d.nBins, hasMissing: d.hasMissing, countIndex: d.countIndex }, node, fa, fb, out);
  scratch.set([out.gain, out.feature, out.bin, out.missingLeft ? 1 : 0, out.gl, out.hl, out.nl]);
}

function readSplit(v: Float64Array, out: Split): void {
  out.gain = v[0];
  out.feature = v[1];
  out.bin = v[2];
  out.missingLeft = v[3] === 1;
  out.gl = v[4];
  out.hl = v[5];
  out.nl = v[6];
}
