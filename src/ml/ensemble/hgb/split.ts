/**
 * Best split of a histogram GBM node from its histogram, as scikit-learn 1.2's splitter: features
 * in order, bins left to right with NaN on the right, then (features with NaN at fit) right to left
 * with NaN on the left; a strictly better gain wins. A pure function of the histogram, so that the
 * fitting thread and a helper thread (./helper.ts) can each search a block of features: the later
 * block's best replaces the earlier's only when strictly better, which is the same order.
 */

/** scikit-learn's min_hessian_to_split. */
export const MIN_HESSIAN_TO_SPLIT = 1e-3;

/** Where each feature's bins are in a histogram (see ./fit_kernel.ts) and what they hold. */
export interface SplitLayout {
  /** Feature f's bins start at offsets[f] float64 values, 3 per bin. */
  offsets: Int32Array;
  /** Bins of non-missing values per feature; the NaN bin follows them. */
  nBins: Int32Array;
  /** 1 where the feature has NaN in the training rows. */
  hasMissing: Uint8Array;
  /** Where a bin's count is after its (sum g, sum h): 1 when hessians are constant, else 2. */
  countIndex: number;
}

/** A node as a split search sees it: its rows, sums and the fit's regularisation. */
export interface SplitNode {
  n: number;
  sumG: number;
  sumH: number;
  l2: number;
  minSamplesLeaf: number;
}

/** The best split found; gain -Infinity and feature -1 when there is none. */
export interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  gl: number;
  hl: number;
  /** Rows on the left. */
  nl: number;
}

/** Sets out to the best split of the node over features [fa, fb). */
export function bestSplit(hist: Float64Array, layout: SplitLayout, node: SplitNode, fa: number, fb: number, out: Split): void {
  const { offsets, nBins, hasMissing, countIndex } = layout;
  const { n, l2 } = node;
  const minLeaf = node.minSamplesLeaf;
  const G = node.sumG;
  const H = node.sumH;
  // scikit-learn's rounding: gain = G·v - GL·vL - GR·vR with v = -G / (H + λ + 1e-15).
  const parentLoss = G * (-G / (H + l2 + 1e-15));
  let best = -Infinity;
  out.feature = -1;
  for (let f = fa; f < fb; f++) {
    const nb = nBins[f];
    const base = offsets[f];
    let gl = 0;
    let hl = 0;
    let nl = 0;
    // With NaN, the last non-missing bin is a candidate too: NaN alone on the right.
    const end = nb - 1 + hasMissing[f];
    for (let b = 0; b < end; b++) {
      const k = base + 3 * b;
      gl += hist[k];
      hl += hist[k + 1];
      nl += hist[k + countIndex];
      if (nl < minLeaf) continue;
      if (n - nl < minLeaf) break;
      if (hl < MIN_HESSIAN_TO_SPLIT) continue;
      const hr = H - hl;
      if (hr < MIN_HESSIAN_TO_SPLIT) break;
      const gr = G - gl;
      const gain = parentLoss - gl * (-gl / (hl + l2 + 1e-15)) - gr * (-gr / (hr + l2 + 1e-15));
      if (gain > best && gain > 0) {
        best = gain;
        out.feature = f;
        out.bin = b;
        out.missingLeft = false;
        out.gl = gl;
        out.hl = hl;
        out.nl = nl;
      }
    }
    if (hasMissing[f] === 0) continue;
    let gr = 0;
    let hr = 0;
    let nr = 0;
    for (let b = nb - 2; b >= 0; b--) {
      const k = base + 3 * (b + 1);
      gr += hist[k];
      hr += hist[k + 1];
      nr += hist[k + countIndex];
      if (nr < minLeaf) continue;
      if (n - nr < minLeaf) break;
      if (hr < MIN_HESSIAN_TO_SPLIT) continue;
      const hl2 = H - hr;
      if (hl2 < MIN_HESSIAN_TO_SPLIT) break;
      const gl2 = G - gr;
      const gain = parentLoss - gl2 * (-gl2 / (hl2 + l2 + 1e-15)) - gr * (-gr / (hr + l2 + 1e-15));
      if (gain > best && gain > 0) {
        best = gain;
        out.feature = f;
        out.bin = b;
        out.missingLeft = true;
        out.gl = gl2;
        out.hl = hl2;
        out.nl = n - nr;
      }
    }
  }
  out.gain = best;
}
