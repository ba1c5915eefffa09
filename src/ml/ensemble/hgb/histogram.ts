/**
 * The histogram kernel of histogram gradient boosting, shared by the fitting thread and its helper
 * threads (../../parallel/team.ts). Bin codes are row-major over the training rows
 * (codes[i * nFeatures + f]), so one row's codes share a cache line whichever rows a node holds;
 * a histogram holds (sum g, sum h, count) per bin, feature f's bins from offsets[f] (× 3 values).
 */
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

/** Builds node histograms for one grower (on this thread). */
export class HistogramBuilder {
  private g: Float32Array = new Float32Array(0);
  private h: Float32Array = new Float32Array(0);

  /** The gradients and hessians (by training position) of the tree being grown. */
  setGradients(g: Float32Array, h: Float32Array): void {
    this.g = g;
    this.h = h;
  }

  /** Adds rows[start, end) (positions start..end when rows is null) to hist. */
  build(codes: Uint8Array, n: number, nF: number, offsets: Int32Array, rows: Uint32Array | null, start: number, end: number, hist: Float64Array): void {
    accumulate(codes, n, nF, offsets, rows, start, end, this.g, this.h, hist);
  }
}
