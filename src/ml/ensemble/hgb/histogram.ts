/**
 * The arrays of one histogram GBM fit in its kernel memory (./kernel.ts), and the histograms built
 * over them by the fitting thread and, for large nodes, its helper threads (../../parallel/team.ts).
 * Bin codes are column-major over the n training rows (codes[f * n + i]); a histogram holds
 * (sum g, sum h, count) per bin, feature f's bins from offsets[f] (offsets count float64 values,
 * 3 per bin).
 */
import * as path from 'path';

import { fitThreads, Team, teamFor } from '../../parallel/team';
import { KernelMemory, kernelModule } from './kernel';

/** An array in kernel memory: its byte offset and a view of it. */
interface Slot<T> {
  ptr: number;
  view: T;
}

export type Histogram = Slot<Float64Array>;

/** What a helper thread gets once per fit: the memory, the module and the arrays' byte offsets. */
export interface HelperData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  codes: number;
  n: number;
  nF: number;
  offsets: number;
  rows: number;
  grads: number[];
  hess: number[];
  /** The helper's own output histogram. */
  out: number;
  histLength: number;
}

/** Below this many (rows × features) a histogram is built on the fitting thread alone. */
const PARALLEL_MIN_WORK = 1 << 17;

const HELPER_SCRIPT = path.join(__dirname, `helper${path.extname(__filename)}`);

export class HistogramBuilder {
  /** Bin codes of the training rows, column-major. */
  readonly codes: Slot<Uint8Array>;
  /** Positions 0..n-1, partitioned node by node as the tree grows. */
  readonly rows: Slot<Uint32Array>;
  /** Gradients and hessians (float32, as scikit-learn keeps them) of each tree of an iteration, contiguous. */
  readonly grads: Slot<Float32Array>[] = [];
  readonly hess: Slot<Float32Array>[] = [];
  /** float64 values in one histogram. */
  readonly histLength: number;
  private readonly tmp: Slot<Uint32Array>;
  /** Feature f's bins (NaN bin included) start at offsets[f] float64 values into a histogram. */
  readonly offsets: Slot<Int32Array>;
  private team: Team | null = null;
  /** Output histogram of each helper that has this fit's data. */
  private readonly outs: number[] = [];
  private k = 0;
  /** Counts of the root histogram with zero sums (see buildRoot), once the first root is built. */
  private rootCounts: Float64Array | null = null;

  /**
   * @param binned the training rows' bin codes (n × nF, column-major, copied into the memory) and
   *   bins per feature
   * @param trees gradient arrays per iteration (K)
   * @param threads the most threads this fit may use
   */
  constructor(
    private readonly memory: KernelMemory,
    binned: { codes: Uint8Array; nBins: Int32Array },
    private readonly n: number,
    trees: number,
    private readonly threads: number,
  ) {
    this.codes = memory.u8(binned.codes.length);
    this.codes.view.set(binned.codes);
    const nF = binned.nBins.length;
    this.offsets = memory.i32(nF + 1);
    for (let f = 0; f < nF; f++) this.offsets.view[f + 1] = this.offsets.view[f] + 3 * (binned.nBins[f] + 1);
    this.histLength = this.offsets.view[nF];
    this.rows = memory.u32(n);
    this.tmp = memory.u32(n);
    // Each array of the K trees n float32 after the previous one (the softmax kernel writes all K).
    const grads = memory.f32(trees * n);
    const hess = memory.f32(trees * n);
    for (let k = 0; k < trees; k++) {
      this.grads.push({ ptr: grads.ptr + 4 * n * k, view: grads.view.subarray(n * k, n * (k + 1)) });
      this.hess.push({ ptr: hess.ptr + 4 * n * k, view: hess.view.subarray(n * k, n * (k + 1)) });
    }
  }

  private get nF(): number {
    return this.offsets.view.length - 1;
  }

  /** A new (uninitialised) histogram. */
  allocate(): Histogram {
    return this.memory.f64(this.histLength);
  }

  /** The tree (gradient array) the next histograms are for. */
  setTree(k: number): void {
    this.k = k;
  }

  /** Sets hist to the histogram of the node at positions rows[start, end). */
  build(start: number, end: number, hist: Histogram): void {
    hist.view.fill(0);
    this.accumulate(true, start, end, hist, true);
  }

  /**
   * Sets hist to the histogram of every training row. Its counts are the same for every tree, so
   * the first root's are kept and later roots start from them and add gradients and hessians only.
   */
  buildRoot(hist: Histogram): void {
    if (this.rootCounts !== null) {
      hist.view.set(this.rootCounts);
      this.accumulate(false, 0, this.n, hist, false);
      return;
    }
    hist.view.fill(0);
    this.accumulate(false, 0, this.n, hist, true);
    this.rootCounts = hist.view.slice();
    for (let k = 0; k < this.rootCounts.length; k += 3) this.rootCounts[k] = this.rootCounts[k + 1] = 0;
  }

  /**
   * Adds the rows [start, end) (positions in rows when indirect, else the rows themselves) to
   * hist, with their counts when counts is true: on this thread, or, when the node is large and
   * fitThreads() allows, in row chunks over it and helper threads (spawned on first need).
   */
  private accumulate(indirect: boolean, start: number, end: number, hist: Histogram, counts: boolean): void {
    const { kernel } = this.memory;
    const nF = this.nF;
    const g = this.grads[this.k].ptr;
    const h = this.hess[this.k].ptr;
    const parts = (end - start) * nF < PARALLEL_MIN_WORK ? 1 : Math.min(this.threads, fitThreads());
    const run = (a: number, b: number): void =>
      kernel.histogram(this.codes.ptr, this.n, nF, this.offsets.ptr, this.rows.ptr, indirect ? 1 : 0, a, b, g, h, hist.ptr, counts ? 1 : 0);
    if (parts === 1) {
      run(start, end);
      return;
    }
    const team = this.helpers(parts - 1);
    const chunk = Math.ceil((end - start) / parts);
    for (let i = 1; i < parts; i++) {
      const a = Math.min(end, start + i * chunk);
      team.start(i - 1, [this.k, a, Math.min(end, a + chunk), indirect ? 1 : 0, counts ? 1 : 0]);
    }
    run(start, Math.min(end, start + chunk));
    team.wait();
    for (let i = 0; i < parts - 1; i++) kernel.add(hist.ptr, this.outs[i], this.histLength);
  }

  /** dst -= src (the histogram subtraction trick: a sibling from its parent). */
  subtract(dst: Histogram, src: Histogram): void {
    this.memory.kernel.subtract(dst.ptr, src.ptr, this.histLength);
  }

  /**
   * Stable partition of the positions rows[start, end) by feature f: codes <= cut, or equal to
   * nanCode, go left. Returns where the right part starts.
   */
  partition(f: number, start: number, end: number, cut: number, nanCode: number): number {
    return this.memory.kernel.partition(this.codes.ptr + f * this.n, this.rows.ptr, start, end, cut, nanCode, this.tmp.ptr);
  }

  /** The team with at least m helpers holding this fit's data. */
  private helpers(m: number): Team {
    const team = (this.team ??= teamFor(HELPER_SCRIPT));
    team.grow(m);
    const mem = this.memory;
    while (this.outs.length < m) {
      const out = mem.alloc(8 * this.histLength);
      const data: HelperData = {
        module: kernelModule(),
        memory: mem.memory,
        codes: this.codes.ptr,
        n: this.n,
        nF: this.nF,
        offsets: this.offsets.ptr,
        rows: this.rows.ptr,
        grads: this.grads.map((s) => s.ptr),
        hess: this.hess.map((s) => s.ptr),
        out,
        histLength: this.histLength,
      };
      team.share(this.outs.length, data);
      this.outs.push(out);
    }
    return team;
  }
}

