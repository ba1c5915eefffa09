/**
 * The histogram kernel of histogram gradient boosting, run by the fitting thread and its helper
 * threads (../../parallel/team.ts). Bin codes are column-major over the n training rows
 * (codes[f * n + i]); a histogram holds (sum g, sum h, count) per bin, feature f's bins from
 * offsets[f] (offsets count values, 3 per bin).
 */
import * as path from 'path';

import { fitThreads, Team, teamFor } from '../../parallel/team';

/** Adds (g, h, 1) of rows[start, end) (positions start..end when rows is null) to hist. */
export function accumulate(
  codes: Uint8Array,
  n: number,
  nF: number,
  offsets: Int32Array,
  rows: Uint32Array | null,
  start: number,
  end: number,
  g: Float32Array,
  h: Float32Array,
  hist: Float64Array,
): void {
  // Four features per pass over the rows: independent bins to update, fewer loop overheads.
  let f = 0;
  for (; f + 4 <= nF; f += 4) {
    const o0 = f * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const b0 = offsets[f];
    const b1 = offsets[f + 1];
    const b2 = offsets[f + 2];
    const b3 = offsets[f + 3];
    for (let i = start; i < end; i++) {
      const r = rows === null ? i : rows[i];
      const gi = g[r];
      const hi = h[r];
      let k = b0 + 3 * codes[o0 + r];
      hist[k] += gi;
      hist[k + 1] += hi;
      hist[k + 2] += 1;
      k = b1 + 3 * codes[o1 + r];
      hist[k] += gi;
      hist[k + 1] += hi;
      hist[k + 2] += 1;
      k = b2 + 3 * codes[o2 + r];
      hist[k] += gi;
      hist[k + 1] += hi;
      hist[k + 2] += 1;
      k = b3 + 3 * codes[o3 + r];
      hist[k] += gi;
      hist[k + 1] += hi;
      hist[k + 2] += 1;
    }
  }
  for (; f < nF; f++) {
    const o = f * n;
    const b = offsets[f];
    for (let i = start; i < end; i++) {
      const r = rows === null ? i : rows[i];
      const k = b + 3 * codes[o + r];
      hist[k] += g[r];
      hist[k + 1] += h[r];
      hist[k + 2] += 1;
    }
  }
}

/** What a helper thread holds during a fit: the fit's arrays (on SharedArrayBuffers) and its own output. */
export interface SharedHistogramData {
  codes: Uint8Array;
  n: number;
  nF: number;
  offsets: Int32Array;
  rows: Uint32Array;
  grads: Float32Array[];
  hess: Float32Array[];
  out: Float64Array;
}

/** Below this many (rows × features) a histogram is built on the fitting thread alone. */
const PARALLEL_MIN_WORK = 1 << 17;

const HELPER_SCRIPT = path.join(__dirname, `helper${path.extname(__filename)}`);

/** Arrays a helper thread can read: on a SharedArrayBuffer when the fit has helpers. */
export function fitArray<T extends Uint8Array | Uint32Array | Float32Array>(
  Ctor: { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number },
  length: number,
  shared: boolean,
): T {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  return new Ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

/**
 * Builds the node histograms of one fit: on the fitting thread, or, when a node has enough rows and
 * fitThreads() allows, in row chunks over it and helper threads (spawned on first need).
 */
export class HistogramBuilder {
  private team: Team | null = null;
  private data: Omit<SharedHistogramData, 'out'> | null = null;
  /** Output buffer of each helper that has this fit's data. */
  private readonly outs: Float64Array[] = [];
  private k = 0;

  /** @param threads the most threads this fit may use (arrays are shared when more than 1) */
  constructor(readonly threads: number) {}

  /**
   * The fit's arrays: codes (n × nF), the positions array the grower partitions, and the gradients
   * / hessians per tree of an iteration (all from fitArray(..., threads > 1)).
   */
  prepare(codes: Uint8Array, n: number, nF: number, offsets: Int32Array, rows: Uint32Array, grads: Float32Array[], hess: Float32Array[]): void {
    let shared = offsets;
    if (this.threads > 1) {
      shared = new Int32Array(new SharedArrayBuffer(offsets.byteLength));
      shared.set(offsets);
    }
    this.data = { codes, n, nF, offsets: shared, rows, grads, hess };
    this.outs.length = 0;
  }

  /** The tree (gradient array) the next histograms are for. */
  setTree(k: number): void {
    this.k = k;
  }

  /** Adds rows[start, end) (positions start..end when rows is null) to hist. */
  build(rows: Uint32Array | null, start: number, end: number, hist: Float64Array): void {
    const d = this.data!;
    const g = d.grads[this.k];
    const h = d.hess[this.k];
    const parts = (end - start) * d.nF < PARALLEL_MIN_WORK ? 1 : Math.min(this.threads, fitThreads());
    if (parts === 1) {
      accumulate(d.codes, d.n, d.nF, d.offsets, rows, start, end, g, h, hist);
      return;
    }
    const team = this.helpers(parts - 1);
    const chunk = Math.ceil((end - start) / parts);
    for (let i = 1; i < parts; i++) {
      const a = Math.min(end, start + i * chunk);
      team.start(i - 1, [this.k, a, Math.min(end, a + chunk), rows === null ? 0 : 1]);
    }
    accumulate(d.codes, d.n, d.nF, d.offsets, rows, start, Math.min(end, start + chunk), g, h, hist);
    team.wait();
    for (let i = 0; i < parts - 1; i++) {
      const out = this.outs[i];
      for (let j = 0; j < out.length; j++) hist[j] += out[j];
    }
  }

  /** The team with at least m helpers holding this fit's data. */
  private helpers(m: number): Team {
    const team = (this.team ??= teamFor(HELPER_SCRIPT));
    team.grow(m);
    const d = this.data!;
    while (this.outs.length < m) {
      const out = new Float64Array(new SharedArrayBuffer(d.offsets[d.nF] * Float64Array.BYTES_PER_ELEMENT));
      team.share(this.outs.length, { ...d, out });
      this.outs.push(out);
    }
    return team;
  }
}
