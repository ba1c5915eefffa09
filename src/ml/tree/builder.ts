/**
 * Exact CART tree growth over feature codes (see codes.ts), following scikit-learn's
 * DepthFirstTreeBuilder / BestFirstTreeBuilder and Best/RandomSplitter:
 *
 * - a node's samples are the slice rows[start, end) of one Uint32Array, partitioned in place;
 * - features are drawn like scikit-learn (Fisher-Yates over non-constant features, constant
 *   features remembered for the subtree, drawing goes on past max_features while only constant
 *   features were seen);
 * - for each drawn feature the node's codes are gathered once, then either accumulated into a
 *   histogram over the code range (large nodes) or packed as (code << idxBits | localIndex) into
 *   a Uint32Array and sorted (native sort for small nodes, LSD radix sort on the code bits for
 *   large ones); both give every split between consecutive distinct values, so the result is
 *   exactly the best split scikit-learn finds (ties may resolve differently);
 * - split quality uses scikit-learn's proxies (gini: Σ left_c²/wL + Σ right_c²/wR, updated in O(1)
 *   per sample; entropy: Σ c·ln c terms; squared error: sL²/wL + sR²/wR; absolute error: weighted
 *   medians via a Fenwick tree).
 */
import { tick } from '../progress';
import { Random } from '../random';
import { FeatureCodes, sortedOrder, thresholdBetween } from './codes';
import { Tree } from './tree';

export type Criterion = 'gini' | 'entropy' | 'squared_error' | 'friedman_mse' | 'absolute_error';

export interface TreeConfig {
  criterion: Criterion;
  /** Classification: number of classes. Regression: 0. */
  nClasses: number;
  /** Extra-trees splitter: one uniform random threshold per drawn feature. */
  randomSplits: boolean;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minWeightLeaf: number;
  minImpurityDecrease: number;
  /** Number of features to draw per node, in [1, nFeatures]. */
  maxFeatures: number;
  /** Infinity: depth-first growth; else best-first growth with at most this many leaves. */
  maxLeafNodes: number;
  /** Force (true) or forbid (false) the presorted mode; default: chosen by a cost model. */
  presort?: boolean;
}

export interface TreeInput {
  /** Distinct training rows (weights carry multiplicity); permuted in place. */
  rows: Uint32Array;
  nRows: number;
  /** Weight per row of the data set (length nSamples), or null for unit weights. */
  weight: Float64Array | null;
  /** Classification target per row of the data set. */
  yClass: Int32Array | null;
  /** Regression target per row of the data set. */
  yValue: Float64Array | null;
  /** Filled with the leaf id of each row in `rows` (other entries untouched). */
  leafOf?: Int32Array;
}

const EPSILON = 2.220446049250313e-16;
/** Nodes up to this size are sorted natively, larger ones with a radix sort. */
const NATIVE_SORT_MAX = 400;
/**
 * Cost model of one feature on a node of n rows (about ns): sorting costs ~14 n; a histogram
 * over R codes costs ~3 n to fill (plus ~4 n for the gather and min/max pass unless fused over
 * the feature's whole code range) and ~R × (1 + classes present in the node) to scan.
 * Histogram when R × (1 + present) <= HIST_FACTOR × n (node's code range) or
 * <= FUSED_FACTOR × n (whole code range, fused gather).
 */
const HIST_FACTOR = 8;
const FUSED_FACTOR = 6;
/** Above this many histogram entries (and when keys do not fit 32 bits), sort Float64 keys. */
const MAX_HIST_ENTRIES = 1 << 22;

function xlogx(x: number): number {
  return x > 0 ? x * Math.log(x) : 0;
}

export class TreeBuilder {
  private readonly N: number;
  private readonly nF: number;
  private readonly K: number;
  private readonly classification: boolean;
  private readonly entropy: boolean;
  private readonly mae: boolean;
  private readonly friedman: boolean;
  private readonly codes: Uint32Array;

  // Per-node local copies (index = position in the node).
  private readonly lcls: Int32Array;
  private readonly lw: Float64Array;
  private readonly ly: Float64Array;
  private readonly ctmp: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly keys2: Uint32Array;
  private readonly radixCount = new Int32Array(2048);
  // Histograms over code ranges (grown on demand).
  private hist = new Float64Array(0);
  private histN = new Int32Array(0);
  private histS = new Float64Array(0);
  // Class totals of the node, left and right running counts.
  private readonly tot: Float64Array;
  private readonly cl: Float64Array;
  private readonly cr: Float64Array;
  /** Classes with a positive weight in the current node (histogram scans visit only these). */
  private readonly present: Int32Array;
  private nPresent = 0;
  private readonly features: Int32Array;
  private readonly constantFeatures: Int32Array;

  // Presorted mode: per feature, the tree's samples as (code << idBits | id) in code order,
  // node ranges [start, end) aligned with `rows`, stably partitioned at each split.
  private presort = false;
  private nT = 0;
  private idBits = 0;
  private pre = new Uint32Array(0);
  private ptmp = new Uint32Array(0);
  private goesLeft = new Uint8Array(0);
  private readonly idOf: Int32Array;
  /** Grown tree, reused across builds; build() returns an exact-size copy. */
  private scratch: Tree | null = null;
  /** Classification with K <= 256: (code << 8 | class) per row and feature (per data set). */
  private packed: Uint32Array | null = null;
  private tcls = new Int32Array(0);
  private ty = new Float64Array(0);
  private tw = new Float64Array(0);

  // Inputs of the current build.
  private rows: Uint32Array = new Uint32Array(0);
  private weight: Float64Array | null = null;
  private yClass: Int32Array | null = null;
  private yValue: Float64Array | null = null;
  private rng: Random = new Random(0);
  private wRoot = 0;

  // Node totals (set by gatherNode).
  private wNode = 0;
  private sNode = 0;
  private s2Node = 0;
  private sqNode = 0;
  private eNode = 0;

  // Best split of the current node.
  private bestFeature = -1;
  private bestCode = 0;
  private bestNextCode = 0;
  private bestThreshold = 0;
  private bestProxy = -Infinity;
  private outNConst = 0;
  // Result of splitNode.
  private splitPos = 0;
  private splitImprovement = 0;

  constructor(
    private readonly fc: FeatureCodes,
    private cfg: TreeConfig,
  ) {
    this.N = fc.nSamples;
    this.nF = fc.nFeatures;
    this.classification = cfg.nClasses > 0;
    this.K = Math.max(1, cfg.nClasses);
    this.entropy = cfg.criterion === 'entropy';
    this.mae = cfg.criterion === 'absolute_error';
    this.friedman = cfg.criterion === 'friedman_mse';
    this.codes = fc.codes;
    const N = this.N;
    this.lcls = new Int32Array(this.classification ? N : 0);
    this.lw = new Float64Array(N);
    this.ly = new Float64Array(this.classification ? 0 : N);
    this.ctmp = new Uint32Array(N);
    this.keys = new Uint32Array(N);
    this.keys2 = new Uint32Array(N);
    this.tot = new Float64Array(this.K);
    this.cl = new Float64Array(this.K);
    this.cr = new Float64Array(this.K);
    this.present = new Int32Array(this.K);
    this.features = new Int32Array(this.nF);
    this.constantFeatures = new Int32Array(this.nF);
    this.idOf = new Int32Array(N).fill(-1);
  }

  /** min_weight_fraction_leaf depends on each tree's total weight. */
  setMinWeightLeaf(minWeightLeaf: number): void {
    this.cfg = { ...this.cfg, minWeightLeaf };
  }

  build(input: TreeInput, rng: Random): Tree {
    this.rows = input.rows;
    this.weight = input.weight;
    this.yClass = input.yClass;
    this.yValue = input.yValue;
    this.rng = rng;
    for (let f = 0; f < this.nF; f++) this.features[f] = f;
    const stride = this.classification ? this.K : 1;
    if (this.scratch === null) this.scratch = new Tree(stride, Math.min(2 * input.nRows + 1, 255));
    const tree = this.scratch.reset();
    if (input.nRows === 0) {
      tree.addNode(0, 0, 0);
      return tree.copy();
    }
    if (this.classification && this.K <= 256) this.packed = packedCodes(this.fc, input.yClass!);
    this.presort = this.choosePresort(input.nRows);
    if (this.presort) this.initPresort(input);
    if (Number.isFinite(this.cfg.maxLeafNodes)) this.buildBestFirst(tree, input);
    else this.buildDepthFirst(tree, input);
    return tree.copy();
  }

  /**
   * Cost model (ns per sample and tree level): per-node mode costs about 6 per drawn feature with
   * few distinct values (histogram path) and 20 otherwise (gather + sort + scan); presorted mode
   * costs about 3.5 per feature (stable partition of every list) plus 5 per drawn feature (scan).
   */
  private choosePresort(nRows: number): boolean {
    const cfg = this.cfg;
    if (cfg.randomSplits || this.mae || nRows < 2) return false;
    const idBits = 32 - Math.clz32(nRows - 1);
    const codeBits = 32 - Math.clz32(Math.max(1, this.fc.maxCodes - 1));
    if (idBits + codeBits > 32) return false;
    if (cfg.presort !== undefined) return cfg.presort;
    let perFeature = 0;
    for (let f = 0; f < this.nF; f++) perFeature += this.fc.nCodes[f] * (this.K > 2 ? 2 : 1) <= nRows / 8 ? 6 : 20;
    perFeature /= this.nF;
    const m = Math.min(cfg.maxFeatures, this.nF);
    return 3.5 * this.nF + 5 * m < m * perFeature;
  }

  private initPresort(input: TreeInput): void {
    const n = input.nRows;
    const nF = this.nF;
    const N = this.N;
    this.nT = n;
    this.idBits = 32 - Math.clz32(n - 1);
    if (this.pre.length < n * nF + 1) this.pre = new Uint32Array(n * nF + 1); // +1: branchless fill
    if (this.ptmp.length < n) {
      this.ptmp = new Uint32Array(n);
      this.goesLeft = new Uint8Array(n);
      if (this.classification) this.tcls = new Int32Array(n);
      else this.ty = new Float64Array(n);
      this.tw = new Float64Array(n);
    }
    const rows = input.rows;
    const idOf = this.idOf;
    const tw = this.tw;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      idOf[r] = i;
      tw[i] = input.weight === null ? 1 : input.weight[r];
      if (this.classification) this.tcls[i] = input.yClass![r];
      else this.ty[i] = input.yValue![r];
    }
    const { rows: sRows, codes: sCodes } = sortedOrder(this.fc);
    const pre = this.pre;
    const idBits = this.idBits;
    for (let f = 0; f < nF; f++) {
      let k = f * n;
      const end = (f + 1) * N;
      for (let j = f * N; j < end; j++) {
        const id = idOf[sRows[j]];
        pre[k] = (sCodes[j] << idBits) | id;
        k += (id >>> 31) ^ 1;
      }
    }
    for (let i = 0; i < n; i++) idOf[rows[i]] = -1;
  }

  /** Stable partition of every feature list of the node; the split feature's is already split. */
  private partitionPresort(start: number, end: number, bf: number, nL: number): void {
    const n = this.nT;
    const pre = this.pre;
    const tmp = this.ptmp;
    const goesLeft = this.goesLeft;
    const idMask = this.idBits === 32 ? 0xffffffff : (1 << this.idBits) - 1;
    const sb = bf * n;
    for (let j = sb + start; j < sb + end; j++) goesLeft[pre[j] & idMask] = j < sb + start + nL ? 1 : 0;
    for (let f = 0; f < this.nF; f++) {
      if (f === bf) continue;
      const base = f * n;
      let w = base + start;
      let t = 0;
      const stop = base + end;
      // Branchless: both writes happen, only one pointer moves (sides are unpredictable).
      for (let j = w; j < stop; j++) {
        const k = pre[j];
        const g = goesLeft[k & idMask];
        pre[w] = k;
        tmp[t] = k;
        w += g;
        t += 1 - g;
      }
      pre.set(tmp.subarray(0, t), w);
    }
  }

  private buildDepthFirst(tree: Tree, input: TreeInput): void {
    const sStart: number[] = [0];
    const sEnd: number[] = [input.nRows];
    const sDepth: number[] = [0];
    const sParent: number[] = [-1];
    const sLeft: number[] = [0];
    const sConst: number[] = [0];
    const leafOf = input.leafOf;
    while (sStart.length > 0) {
      const start = sStart.pop()!;
      const end = sEnd.pop()!;
      const depth = sDepth.pop()!;
      const parent = sParent.pop()!;
      const isLeft = sLeft.pop()!;
      const nConst = sConst.pop()!;
      const id = this.makeNode(tree, start, end, depth, parent < 0, nConst);
      if (parent >= 0) {
        if (isLeft) tree.left[parent] = id;
        else tree.right[parent] = id;
      }
      if (tree.feature[id] >= 0) {
        const pos = this.splitPos;
        const nc = this.outNConst;
        sStart.push(pos, start);
        sEnd.push(end, pos);
        sDepth.push(depth + 1, depth + 1);
        sParent.push(id, id);
        sLeft.push(0, 1);
        sConst.push(nc, nc);
      } else if (leafOf) {
        for (let p = start; p < end; p++) leafOf[this.rows[p]] = id;
      }
    }
  }

  private buildBestFirst(tree: Tree, input: TreeInput): void {
    // Frontier: a max-heap of node records by impurity improvement.
    const recId: number[] = [];
    const recStart: number[] = [];
    const recEnd: number[] = [];
    const recPos: number[] = [];
    const recDepth: number[] = [];
    const recImp: number[] = [];
    const heap: number[] = [];
    const less = (a: number, b: number): boolean => recImp[heap[a]] < recImp[heap[b]];
    const push = (rec: number): void => {
      heap.push(rec);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(p, i)) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(m, l)) m = l;
          if (r < heap.length && less(m, r)) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i], heap[m]];
          i = m;
        }
      }
      return top;
    };
    const add = (start: number, end: number, depth: number, parent: number, isLeft: boolean): void => {
      const id = this.makeNode(tree, start, end, depth, parent < 0, 0);
      if (parent >= 0) {
        if (isLeft) tree.left[parent] = id;
        else tree.right[parent] = id;
      }
      const rec = recId.length;
      recId.push(id);
      recStart.push(start);
      recEnd.push(end);
      recDepth.push(depth);
      const split = tree.feature[id] >= 0;
      recPos.push(split ? this.splitPos : -1);
      recImp.push(split ? this.splitImprovement : -Infinity);
      push(rec);
    };
    let maxSplitNodes = this.cfg.maxLeafNodes - 1;
    add(0, input.nRows, 0, -1, false);
    const leafOf = input.leafOf;
    while (heap.length > 0) {
      const rec = pop();
      const id = recId[rec];
      if (recPos[rec] < 0 || maxSplitNodes <= 0) {
        tree.feature[id] = -1;
        tree.threshold[id] = 0;
        if (leafOf) for (let p = recStart[rec]; p < recEnd[rec]; p++) leafOf[this.rows[p]] = id;
        continue;
      }
      maxSplitNodes--;
      add(recStart[rec], recPos[rec], recDepth[rec] + 1, id, true);
      add(recPos[rec], recEnd[rec], recDepth[rec] + 1, id, false);
    }
  }

  /**
   * Adds the node for rows[start, end) and, unless it is a leaf, finds and applies its split
   * (feature/threshold set, rows partitioned, splitPos / splitImprovement / outNConst set).
   */
  private makeNode(tree: Tree, start: number, end: number, depth: number, isRoot: boolean, nConst: number): number {
    tick();
    const n = end - start;
    const cfg = this.cfg;
    this.gatherNode(start, n);
    const wNode = this.wNode;
    if (isRoot) this.wRoot = wNode;
    const impurity = this.nodeImpurity(n);
    const id = tree.addNode(n, wNode, impurity);
    this.writeValue(tree, id, n);
    const isLeaf =
      depth >= cfg.maxDepth ||
      n < cfg.minSamplesSplit ||
      n < 2 * cfg.minSamplesLeaf ||
      wNode < 2 * cfg.minWeightLeaf ||
      impurity <= EPSILON;
    if (isLeaf) return id;
    this.findSplit(start, n, nConst);
    if (this.bestFeature < 0) return id;
    const improvement = this.applySplit(start, end, impurity);
    if (this.splitPos >= end || this.splitPos <= start || improvement + EPSILON < cfg.minImpurityDecrease) return id;
    this.splitImprovement = improvement;
    tree.feature[id] = this.bestFeature;
    tree.threshold[id] = this.bestThreshold;
    return id;
  }

  /** Copies the node's targets and weights into local arrays and computes totals. */
  private gatherNode(start: number, n: number): void {
    const rows = this.rows;
    const weight = this.weight;
    const lw = this.lw;
    if (weight === null) lw.fill(1, 0, n);
    else for (let i = 0; i < n; i++) lw[i] = weight[rows[start + i]];
    let w = 0;
    if (this.classification) {
      const yc = this.yClass!;
      const lcls = this.lcls;
      const tot = this.tot;
      tot.fill(0);
      for (let i = 0; i < n; i++) {
        const c = yc[rows[start + i]];
        lcls[i] = c;
        tot[c] += lw[i];
      }
      let sq = 0;
      let e = 0;
      let np = 0;
      for (let c = 0; c < this.K; c++) {
        w += tot[c];
        sq += tot[c] * tot[c];
        if (this.entropy) e += xlogx(tot[c]);
        if (tot[c] > 0) this.present[np++] = c;
      }
      this.nPresent = np;
      this.sqNode = sq;
      this.eNode = e;
    } else {
      const yv = this.yValue!;
      const ly = this.ly;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const y = yv[rows[start + i]];
        const wi = lw[i];
        ly[i] = y;
        w += wi;
        s += wi * y;
        s2 += wi * y * y;
      }
      this.sNode = s;
      this.s2Node = s2;
    }
    this.wNode = w;
  }

  private nodeImpurity(n: number): number {
    const w = this.wNode;
    if (this.classification) {
      if (this.entropy) {
        // -Σ p log2 p
        let h = 0;
        for (let c = 0; c < this.K; c++) {
          const p = this.tot[c] / w;
          if (p > 0) h -= p * Math.log2(p);
        }
        return h;
      }
      return 1 - this.sqNode / (w * w);
    }
    if (this.mae) return maeOf(this.ly, this.lw, n).impurity;
    const mean = this.sNode / w;
    return Math.max(0, this.s2Node / w - mean * mean);
  }

  private writeValue(tree: Tree, id: number, n: number): void {
    if (this.classification) {
      const base = id * this.K;
      const w = this.wNode;
      for (let c = 0; c < this.K; c++) tree.value[base + c] = w > 0 ? this.tot[c] / w : 0;
    } else if (this.mae) {
      tree.value[id] = maeOf(this.ly, this.lw, n).median;
    } else {
      tree.value[id] = this.wNode > 0 ? this.sNode / this.wNode : 0;
    }
  }

  /** scikit-learn's feature drawing loop; evaluates drawn features and records the best split. */
  private findSplit(start: number, n: number, nKnown: number): void {
    this.bestFeature = -1;
    this.bestProxy = -Infinity;
    const features = this.features;
    const constants = this.constantFeatures;
    const maxFeatures = this.cfg.maxFeatures;
    let nTotalConst = nKnown;
    let nFound = 0;
    let nDrawn = 0;
    let nVisited = 0;
    let fi = this.nF;
    while (fi > nTotalConst && (nVisited < maxFeatures || nVisited <= nFound + nDrawn)) {
      nVisited++;
      // One 32-bit draw (the range is far below 2^32).
      let fj = nDrawn + Math.floor((this.rng.nextUint32() * (fi - nFound - nDrawn)) / 4294967296);
      if (fj < nKnown) {
        const t = features[nDrawn];
        features[nDrawn] = features[fj];
        features[fj] = t;
        nDrawn++;
        continue;
      }
      fj += nFound;
      const f = features[fj];
      if (this.evaluateFeature(f, start, n)) {
        features[fj] = features[nTotalConst];
        features[nTotalConst] = f;
        nFound++;
        nTotalConst++;
        continue;
      }
      fi--;
      features[fj] = features[fi];
      features[fi] = f;
    }
    for (let i = 0; i < nKnown; i++) features[i] = constants[i];
    for (let i = nKnown; i < nKnown + nFound; i++) constants[i] = features[i];
    this.outNConst = nTotalConst;
  }

  /** Evaluates the splits of feature f on the node; returns true when f is constant there. */
  private evaluateFeature(f: number, start: number, n: number): boolean {
    if (this.fc.nCodes[f] === 1) return true;
    if (this.presort) {
      const base = f * this.nT + start;
      const idBits = this.idBits;
      if (this.pre[base] >>> idBits === this.pre[base + n - 1] >>> idBits) return true;
      if (this.classification) this.scanClassification(f, n, 0, idBits, this.pre, base, this.tcls, this.tw);
      else this.scanRegression(f, n, 0, idBits, this.pre, base, this.ty, this.tw);
      return false;
    }
    if (!this.cfg.randomSplits && !this.mae) {
      const nc = this.fc.nCodes[f];
      if (nc * (1 + (this.classification ? this.nPresent : 1)) <= FUSED_FACTOR * n) {
        if (!this.classification) return this.fusedRegression(f, start, n);
        if (this.packed !== null) return this.fusedClassification(f, start, n);
      }
    }
    const codes = this.codes;
    const rows = this.rows;
    const ctmp = this.ctmp;
    const off = f * this.N;
    let min = 0xffffffff;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[off + rows[start + i]];
      ctmp[i] = c;
      if (c < min) min = c;
      if (c > max) max = c;
    }
    if (min === max) return true;
    const R = max - min + 1;
    if (this.cfg.randomSplits) {
      this.evalRandom(f, n, min, max);
      return false;
    }
    if (this.mae) {
      this.evalMae(f, n, min);
      return false;
    }
    const idxBits = 32 - Math.clz32(n - 1);
    const codeBits = 32 - Math.clz32(R - 1);
    const histCost = R * (1 + (this.classification ? this.nPresent : 1));
    if (idxBits + codeBits > 32 && R * this.K > MAX_HIST_ENTRIES) {
      this.scanWideKeys(f, n, min, idxBits);
    } else if (idxBits + codeBits > 32 || histCost <= HIST_FACTOR * n) {
      this.ensureHist(R);
      if (this.classification) this.histClassification(f, n, min, R);
      else this.histRegression(f, n, min, R);
    } else {
      this.sortKeys(n, min, idxBits, codeBits);
      if (this.classification) this.scanClassification(f, n, min, idxBits, this.keys, 0, this.lcls, this.lw);
      else this.scanRegression(f, n, min, idxBits, this.keys, 0, this.ly, this.lw);
    }
    return false;
  }

  private ensureHist(R: number): void {
    if (this.classification) {
      if (this.hist.length < R * this.K) this.hist = new Float64Array(Math.max(R * this.K, 2 * this.hist.length));
    } else {
      if (this.hist.length < R) this.hist = new Float64Array(Math.max(R, 2 * this.hist.length));
      if (this.histS.length < R) this.histS = new Float64Array(this.hist.length);
    }
    if (this.histN.length < R) this.histN = new Int32Array(Math.max(R, 2 * this.histN.length));
  }

  /** keys[0, n) = sorted (code - min) << idxBits | localIndex. */
  private sortKeys(n: number, min: number, idxBits: number, codeBits: number): void {
    const keys = this.keys;
    const ctmp = this.ctmp;
    for (let i = 0; i < n; i++) keys[i] = ((ctmp[i] - min) << idxBits) | i;
    if (n <= NATIVE_SORT_MAX) {
      keys.subarray(0, n).sort();
      return;
    }
    // LSD radix sort on the code bits, digits of at most 11 bits.
    const passes = Math.ceil(codeBits / 11);
    const width = Math.ceil(codeBits / passes);
    const mask = (1 << width) - 1;
    const count = this.radixCount;
    let src = keys;
    let dst = this.keys2;
    for (let p = 0; p < passes; p++) {
      const shift = idxBits + p * width;
      count.fill(0, 0, mask + 1);
      for (let i = 0; i < n; i++) count[(src[i] >>> shift) & mask]++;
      let sum = 0;
      for (let b = 0; b <= mask; b++) {
        const c = count[b];
        count[b] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const k = src[i];
        dst[count[(k >>> shift) & mask]++] = k;
      }
      const t = src;
      src = dst;
      dst = t;
    }
    if (src !== keys) keys.set(src.subarray(0, n));
  }

  /**
   * Slow path for very large nodes with many distinct codes: Float64 keys (code << idxBits | i,
   * exact below 2^53) sorted natively, then the same proxies as the other scans.
   */
  private scanWideKeys(f: number, n: number, min: number, idxBits: number): void {
    const scale = 2 ** idxBits;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (this.ctmp[i] - min) * scale + i;
    keys.sort();
    const lw = this.lw;
    const minLeaf = this.cfg.minSamplesLeaf;
    const minW = this.cfg.minWeightLeaf;
    const wTot = this.wNode;
    const cl = this.cl;
    const cr = this.cr;
    for (let c = 0; c < this.K; c++) {
      cl[c] = 0;
      cr[c] = this.tot[c];
    }
    let sqL = 0;
    let sqR = this.sqNode;
    let eL = 0;
    let eR = this.eNode;
    let sL = 0;
    let wL = 0;
    let best = this.bestProxy;
    let bestCode = -1;
    let bestNext = -1;
    for (let j = 0; j < n - minLeaf; j++) {
      const code = Math.floor(keys[j] / scale);
      const i = keys[j] - code * scale;
      const w = lw[i];
      wL += w;
      if (this.classification) {
        const c = this.lcls[i];
        const l = cl[c];
        const r = cr[c];
        if (this.entropy) {
          eL += xlogx(l + w) - xlogx(l);
          eR += xlogx(r - w) - xlogx(r);
        } else {
          sqL += w * (2 * l + w);
          sqR += w * (w - 2 * r);
        }
        cl[c] = l + w;
        cr[c] = r - w;
      } else {
        sL += w * this.ly[i];
      }
      const next = Math.floor(keys[j + 1] / scale);
      if (next === code || j + 1 < minLeaf) continue;
      const wR = wTot - wL;
      if (wL < minW || wR < minW) continue;
      let proxy: number;
      if (!this.classification) {
        const sR = this.sNode - sL;
        proxy = (sL * sL) / wL + (sR * sR) / wR;
      } else proxy = this.entropy ? eL - xlogx(wL) + eR - xlogx(wR) : sqL / wL + sqR / wR;
      if (proxy > best) {
        best = proxy;
        bestCode = code;
        bestNext = next;
      }
    }
    if (bestCode >= 0) this.setBest(f, bestCode + min, bestNext + min, best);
  }

  private setBest(f: number, code: number, nextCode: number, proxy: number): void {
    this.bestFeature = f;
    this.bestCode = code;
    this.bestNextCode = nextCode;
    this.bestProxy = proxy;
  }

  /** Scans keys[base, base + n) (code << idxBits | index into lcls/lw) in code order. */
  private scanClassification(
    f: number,
    n: number,
    min: number,
    idxBits: number,
    keys: Uint32Array,
    base: number,
    lcls: Int32Array,
    lw: Float64Array,
  ): void {
    const cl = this.cl;
    const cr = this.cr;
    const K = this.K;
    const entropy = this.entropy;
    const minLeaf = this.cfg.minSamplesLeaf;
    const minW = this.cfg.minWeightLeaf;
    const wTot = this.wNode;
    const idxMask = idxBits === 32 ? 0xffffffff : (1 << idxBits) - 1;
    for (let c = 0; c < K; c++) {
      cl[c] = 0;
      cr[c] = this.tot[c];
    }
    let sqL = 0;
    let sqR = this.sqNode;
    let eL = 0;
    let eR = this.eNode;
    let wL = 0;
    let best = this.bestProxy;
    let bestJ = -1;
    let bestKey = 0;
    let bestNext = 0;
    const last = n - minLeaf;
    let k = keys[base];
    for (let j = 0; j < last; j++) {
      const i = k & idxMask;
      const c = lcls[i];
      const w = lw[i];
      const l = cl[c];
      const r = cr[c];
      if (entropy) {
        eL += xlogx(l + w) - xlogx(l);
        eR += xlogx(r - w) - xlogx(r);
      } else {
        sqL += w * (2 * l + w);
        sqR += w * (w - 2 * r);
      }
      cl[c] = l + w;
      cr[c] = r - w;
      wL += w;
      const next = keys[base + j + 1];
      if (next >>> idxBits !== k >>> idxBits && j + 1 >= minLeaf) {
        const wR = wTot - wL;
        if (wL >= minW && wR >= minW) {
          const proxy = entropy ? eL - xlogx(wL) + eR - xlogx(wR) : sqL / wL + sqR / wR;
          if (proxy > best) {
            best = proxy;
            bestJ = j;
            bestKey = k;
            bestNext = next;
          }
        }
      }
      k = next;
    }
    if (bestJ >= 0) this.setBest(f, (bestKey >>> idxBits) + min, (bestNext >>> idxBits) + min, best);
  }

  private scanRegression(
    f: number,
    n: number,
    min: number,
    idxBits: number,
    keys: Uint32Array,
    base: number,
    ly: Float64Array,
    lw: Float64Array,
  ): void {
    const minLeaf = this.cfg.minSamplesLeaf;
    const minW = this.cfg.minWeightLeaf;
    const wTot = this.wNode;
    const sTot = this.sNode;
    const idxMask = idxBits === 32 ? 0xffffffff : (1 << idxBits) - 1;
    let sL = 0;
    let wL = 0;
    let best = this.bestProxy;
    let bestJ = -1;
    let bestKey = 0;
    let bestNext = 0;
    const last = n - minLeaf;
    let k = keys[base];
    for (let j = 0; j < last; j++) {
      const i = k & idxMask;
      const w = lw[i];
      sL += w * ly[i];
      wL += w;
      const next = keys[base + j + 1];
      if (next >>> idxBits !== k >>> idxBits && j + 1 >= minLeaf) {
        const wR = wTot - wL;
        if (wL >= minW && wR >= minW) {
          const sR = sTot - sL;
          const proxy = (sL * sL) / wL + (sR * sR) / wR;
          if (proxy > best) {
            best = proxy;
            bestJ = j;
            bestKey = k;
            bestNext = next;
          }
        }
      }
      k = next;
    }
    if (bestJ >= 0) this.setBest(f, (bestKey >>> idxBits) + min, (bestNext >>> idxBits) + min, best);
  }

  private histClassification(f: number, n: number, min: number, R: number): void {
    const hist = this.hist;
    const histN = this.histN;
    const ctmp = this.ctmp;
    const lcls = this.lcls;
    const lw = this.lw;
    const K = this.K;
    for (let i = 0; i < n; i++) {
      const b = ctmp[i] - min;
      hist[b * K + lcls[i]] += lw[i];
      histN[b]++;
    }
    this.scanHistClassification(f, n, min, R);
  }

  /** Fused gather + histogram over the feature's whole code range; true when f is constant. */
  private fusedClassification(f: number, start: number, n: number): boolean {
    const R = this.fc.nCodes[f];
    this.ensureHist(R);
    const hist = this.hist;
    const histN = this.histN;
    const packed = this.packed!;
    const rows = this.rows;
    const lw = this.lw;
    const K = this.K;
    const off = f * this.N;
    for (let i = 0; i < n; i++) {
      const p = packed[off + rows[start + i]];
      const b = p >>> 8;
      hist[b * K + (p & 255)] += lw[i];
      histN[b]++;
    }
    return this.scanHistClassification(f, n, 0, R);
  }

  /** Scans (and clears) the class histogram of R bins; returns true when one bin holds all rows. */
  private scanHistClassification(f: number, n: number, min: number, R: number): boolean {
    const hist = this.hist;
    const histN = this.histN;
    const K = this.K;
    const present = this.present;
    const nPresent = this.nPresent;
    let constant = false;
    const cl = this.cl;
    const cr = this.cr;
    const entropy = this.entropy;
    const minLeaf = this.cfg.minSamplesLeaf;
    const minW = this.cfg.minWeightLeaf;
    const wTot = this.wNode;
    for (let q = 0; q < nPresent; q++) {
      const c = present[q];
      cl[c] = 0;
      cr[c] = this.tot[c];
    }
    let sqL = 0;
    let sqR = this.sqNode;
    let eL = 0;
    let eR = this.eNode;
    let wL = 0;
    let nL = 0;
    let best = this.bestProxy;
    let bestB = -1;
    let bestNext = -1;
    let pending = false;
    let b = 0;
    for (; b < R; b++) {
      const cnt = histN[b];
      if (cnt === 0) continue;
      if (pending) {
        bestNext = b;
        pending = false;
      }
      if (cnt === n) constant = true;
      if (n - nL - cnt < minLeaf) break;
      histN[b] = 0;
      const base = b * K;
      for (let q = 0; q < nPresent; q++) {
        const c = present[q];
        const h = hist[base + c];
        if (h === 0 && entropy) continue;
        hist[base + c] = 0;
        const l = cl[c];
        const r = cr[c];
        if (entropy) {
          eL += xlogx(l + h) - xlogx(l);
          eR += xlogx(r - h) - xlogx(r);
        } else {
          sqL += h * (2 * l + h);
          sqR += h * (h - 2 * r);
        }
        cl[c] = l + h;
        cr[c] = r - h;
        wL += h;
      }
      nL += cnt;
      if (nL < minLeaf) continue;
      const wR = wTot - wL;
      if (wL < minW || wR < minW) continue;
      const proxy = entropy ? eL - xlogx(wL) + eR - xlogx(wR) : sqL / wL + sqR / wR;
      if (proxy > best) {
        best = proxy;
        bestB = b;
        pending = true;
      }
    }
    if (b < R) {
      hist.fill(0, b * K, R * K);
      histN.fill(0, b, R);
    }
    if (bestB >= 0) this.setBest(f, bestB + min, bestNext + min, best);
    return constant;
  }

  private histRegression(f: number, n: number, min: number, R: number): void {
    const hS = this.histS;
    const hW = this.hist;
    const histN = this.histN;
    const ctmp = this.ctmp;
    const ly = this.ly;
    const lw = this.lw;
    for (let i = 0; i < n; i++) {
      const b = ctmp[i] - min;
      const w = lw[i];
      hS[b] += w * ly[i];
      hW[b] += w;
      histN[b]++;
    }
    this.scanHistRegression(f, n, min, R);
  }

  /** Fused gather + histogram over the feature's whole code range; true when f is constant. */
  private fusedRegression(f: number, start: number, n: number): boolean {
    const R = this.fc.nCodes[f];
    this.ensureHist(R);
    const hS = this.histS;
    const hW = this.hist;
    const histN = this.histN;
    const codes = this.codes;
    const rows = this.rows;
    const ly = this.ly;
    const lw = this.lw;
    const off = f * this.N;
    for (let i = 0; i < n; i++) {
      const b = codes[off + rows[start + i]];
      const w = lw[i];
      hS[b] += w * ly[i];
      hW[b] += w;
      histN[b]++;
    }
    return this.scanHistRegression(f, n, 0, R);
  }

  private scanHistRegression(f: number, n: number, min: number, R: number): boolean {
    const hS = this.histS;
    const hW = this.hist;
    const histN = this.histN;
    let constant = false;
    const minLeaf = this.cfg.minSamplesLeaf;
    const minW = this.cfg.minWeightLeaf;
    const wTot = this.wNode;
    const sTot = this.sNode;
    let sL = 0;
    let wL = 0;
    let nL = 0;
    let best = this.bestProxy;
    let bestB = -1;
    let bestNext = -1;
    let pending = false;
    let b = 0;
    for (; b < R; b++) {
      const cnt = histN[b];
      if (cnt === 0) continue;
      if (pending) {
        bestNext = b;
        pending = false;
      }
      if (cnt === n) constant = true;
      if (n - nL - cnt < minLeaf) break;
      histN[b] = 0;
      sL += hS[b];
      wL += hW[b];
      hS[b] = 0;
      hW[b] = 0;
      nL += cnt;
      if (nL < minLeaf) continue;
      const wR = wTot - wL;
      if (wL < minW || wR < minW) continue;
      const sR = sTot - sL;
      const proxy = (sL * sL) / wL + (sR * sR) / wR;
      if (proxy > best) {
        best = proxy;
        bestB = b;
        pending = true;
      }
    }
    if (b < R) {
      hS.fill(0, b, R);
      hW.fill(0, b, R);
      histN.fill(0, b, R);
    }
    if (bestB >= 0) this.setBest(f, bestB + min, bestNext + min, best);
    return constant;
  }

  /** Extra-trees: one uniform threshold between the node's min and max value of f. */
  private evalRandom(f: number, n: number, min: number, max: number): void {
    const lo = this.fc.lo[f];
    const hi = this.fc.hi[f];
    const vmin = lo[min];
    const vmax = hi[max];
    let t = this.rng.uniform(vmin, vmax);
    if (t === vmax) t = vmin;
    // cut = the largest code whose smallest value is <= t.
    let a = min;
    let b = max;
    while (a < b) {
      const mid = (a + b + 1) >>> 1;
      if (lo[mid] <= t) a = mid;
      else b = mid - 1;
    }
    const cut = a;
    const ctmp = this.ctmp;
    const lw = this.lw;
    let nL = 0;
    let wL = 0;
    let proxy: number;
    const minLeaf = this.cfg.minSamplesLeaf;
    const wTot = this.wNode;
    if (this.classification) {
      const cl = this.cl;
      const lcls = this.lcls;
      cl.fill(0);
      for (let i = 0; i < n; i++) {
        if (ctmp[i] <= cut) {
          nL++;
          cl[lcls[i]] += lw[i];
        }
      }
      if (nL < minLeaf || n - nL < minLeaf) return;
      let sqL = 0;
      let sqR = 0;
      let eL = 0;
      let eR = 0;
      for (let c = 0; c < this.K; c++) {
        const l = cl[c];
        const r = this.tot[c] - l;
        wL += l;
        if (this.entropy) {
          eL += xlogx(l);
          eR += xlogx(r);
        } else {
          sqL += l * l;
          sqR += r * r;
        }
      }
      const wR = wTot - wL;
      if (wL < this.cfg.minWeightLeaf || wR < this.cfg.minWeightLeaf) return;
      proxy = this.entropy ? eL - xlogx(wL) + eR - xlogx(wR) : sqL / wL + sqR / wR;
    } else {
      const ly = this.ly;
      let sL = 0;
      if (this.mae) {
        const tmpY = new Float64Array(n);
        const tmpW = new Float64Array(n);
        for (let i = 0; i < n; i++) if (ctmp[i] <= cut) nL++;
        if (nL < minLeaf || n - nL < minLeaf) return;
        const side = (left: boolean): ReturnType<typeof maeOf> => {
          let k = 0;
          for (let i = 0; i < n; i++) {
            if (ctmp[i] <= cut === left) {
              tmpY[k] = ly[i];
              tmpW[k] = lw[i];
              k++;
            }
          }
          return maeOf(tmpY, tmpW, k);
        };
        const left = side(true);
        const right = side(false);
        wL = left.weight;
        if (wL < this.cfg.minWeightLeaf || right.weight < this.cfg.minWeightLeaf) return;
        proxy = -(left.impurity * left.weight + right.impurity * right.weight);
      } else {
        for (let i = 0; i < n; i++) {
          if (ctmp[i] <= cut) {
            nL++;
            sL += lw[i] * ly[i];
            wL += lw[i];
          }
        }
        if (nL < minLeaf || n - nL < minLeaf) return;
        const wR = wTot - wL;
        if (wL < this.cfg.minWeightLeaf || wR < this.cfg.minWeightLeaf) return;
        const sR = this.sNode - sL;
        proxy = (sL * sL) / wL + (sR * sR) / wR;
      }
    }
    if (proxy > this.bestProxy) {
      this.bestFeature = f;
      this.bestCode = cut;
      this.bestNextCode = -1;
      this.bestThreshold = t;
      this.bestProxy = proxy;
    }
  }

  /** Absolute error: weighted medians of both sides at every split position (Fenwick trees). */
  private evalMae(f: number, n: number, min: number): void {
    const ly = this.ly;
    const lw = this.lw;
    const ctmp = this.ctmp;
    // Node samples by target value: rank of each local index.
    const byY = new Float64Array(n);
    for (let i = 0; i < n; i++) byY[i] = i;
    const order = Array.from(byY).sort((a, b) => ly[a] - ly[b] || a - b);
    const rank = new Int32Array(n);
    const sy = new Float64Array(n);
    const totW = new Float64Array(n + 1);
    const totS = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) {
      const i = order[k];
      rank[i] = k;
      sy[k] = ly[i];
      totW[k + 1] = totW[k] + lw[i];
      totS[k + 1] = totS[k] + lw[i] * ly[i];
    }
    // Samples by code.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (ctmp[i] - min) * n + i;
    keys.sort();
    const fw = new Float64Array(n + 1);
    const fs = new Float64Array(n + 1);
    const prefix = (tree: Float64Array, k: number): number => {
      let s = 0;
      for (; k > 0; k -= k & -k) s += tree[k];
      return s;
    };
    const minLeaf = this.cfg.minSamplesLeaf;
    const minW = this.cfg.minWeightLeaf;
    let wL = 0;
    let sL = 0;
    let best = this.bestProxy;
    let bestCode = -1;
    let bestNext = -1;
    for (let j = 0; j < n - 1; j++) {
      const key = keys[j];
      const code = Math.floor(key / n);
      const i = key - code * n;
      const w = lw[i];
      wL += w;
      sL += w * ly[i];
      for (let k = rank[i] + 1; k <= n; k += k & -k) {
        fw[k] += w;
        fs[k] += w * ly[i];
      }
      const nextCode = Math.floor(keys[j + 1] / n);
      if (nextCode === code) continue;
      const nL = j + 1;
      if (nL < minLeaf || n - nL < minLeaf) continue;
      const wR = this.wNode - wL;
      if (wL < minW || wR < minW) continue;
      const leftW = (k: number): number => prefix(fw, k);
      const rightW = (k: number): number => totW[k] - prefix(fw, k);
      const devL = absDeviation(n, wL, sL, leftW, (k) => prefix(fs, k), sy);
      const devR = absDeviation(n, wR, this.sNode - sL, rightW, (k) => totS[k] - prefix(fs, k), sy);
      const proxy = -(devL + devR);
      if (proxy > best) {
        best = proxy;
        bestCode = code;
        bestNext = nextCode;
      }
    }
    if (bestCode >= 0) this.setBest(f, bestCode + min, bestNext + min, best);
  }

  /** Partitions rows by the best split and returns scikit-learn's impurity improvement. */
  private applySplit(start: number, end: number, impurity: number): number {
    const f = this.bestFeature;
    const rows = this.rows;
    const codes = this.codes;
    const off = f * this.N;
    const cut = this.bestCode;
    if (!this.cfg.randomSplits) {
      this.bestThreshold = thresholdBetween(this.fc.hi[f][cut], this.fc.lo[f][this.bestNextCode]);
    }
    let p = start;
    let e = end;
    while (p < e) {
      const r = rows[p];
      if (codes[off + r] <= cut) p++;
      else {
        e--;
        rows[p] = rows[e];
        rows[e] = r;
      }
    }
    this.splitPos = p;
    if (this.presort) this.partitionPresort(start, end, f, p - start);
    // Children statistics.
    const weight = this.weight;
    const wNode = this.wNode;
    let wL = 0;
    let impL: number;
    let impR: number;
    if (this.classification) {
      const yc = this.yClass!;
      const cl = this.cl;
      cl.fill(0);
      for (let q = start; q < p; q++) {
        const r = rows[q];
        cl[yc[r]] += weight === null ? 1 : weight[r];
      }
      for (let c = 0; c < this.K; c++) wL += cl[c];
      const wR = wNode - wL;
      impL = 0;
      impR = 0;
      for (let c = 0; c < this.K; c++) {
        const l = cl[c] / wL;
        const r = (this.tot[c] - cl[c]) / wR;
        if (this.entropy) {
          if (l > 0) impL -= l * Math.log2(l);
          if (r > 0) impR -= r * Math.log2(r);
        } else {
          impL += l * l;
          impR += r * r;
        }
      }
      if (!this.entropy) {
        impL = 1 - impL;
        impR = 1 - impR;
      }
    } else {
      const yv = this.yValue!;
      let sL = 0;
      let s2L = 0;
      for (let q = start; q < p; q++) {
        const r = rows[q];
        const w = weight === null ? 1 : weight[r];
        const y = yv[r];
        wL += w;
        sL += w * y;
        s2L += w * y * y;
      }
      const wR = wNode - wL;
      if (this.friedman) {
        const sR = this.sNode - sL;
        const diff = wR * sL - wL * sR;
        return (diff * diff) / (wL * wR * wNode);
      }
      if (this.mae) {
        const nL = p - start;
        const nR = end - p;
        const y = new Float64Array(Math.max(nL, nR));
        const w = new Float64Array(y.length);
        const side = (from: number, to: number): number => {
          for (let q = from; q < to; q++) {
            y[q - from] = yv[rows[q]];
            w[q - from] = weight === null ? 1 : weight[rows[q]];
          }
          return maeOf(y, w, to - from).impurity;
        };
        impL = side(start, p);
        impR = side(p, end);
      } else {
        const sR = this.sNode - sL;
        const s2R = this.s2Node - s2L;
        impL = s2L / wL - (sL / wL) * (sL / wL);
        impR = s2R / wR - (sR / wR) * (sR / wR);
      }
    }
    const wR = wNode - wL;
    return (wNode / this.wRoot) * (impurity - (wR / wNode) * impR - (wL / wNode) * impL);
  }
}

/**
 * Sum of w·|y - median| over a set given by prefix functions over the node's samples sorted by y:
 * W(k) / S(k) = weight / weighted sum of the set's members among the k smallest.
 * The median follows scikit-learn's WeightedMedianCalculator.
 */
function absDeviation(
  n: number,
  wSet: number,
  sSet: number,
  W: (k: number) => number,
  S: (k: number) => number,
  sy: Float64Array,
): number {
  const half = wSet / 2;
  // Smallest k with W(k) >= half.
  let a = 1;
  let b = n;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (W(mid) >= half) b = mid;
    else a = mid + 1;
  }
  const k = a;
  const wk = W(k);
  let median = sy[k - 1];
  if (wk === half) {
    // Next member: smallest k2 with W(k2) > half.
    let c = k + 1;
    let d = n;
    while (c < d) {
      const mid = (c + d) >>> 1;
      if (W(mid) > half) d = mid;
      else c = mid + 1;
    }
    if (c <= n) median = (sy[k - 1] + sy[c - 1]) / 2;
  }
  const sk = S(k);
  return median * wk - sk + (sSet - sk) - median * (wSet - wk);
}

const packedCache = new WeakMap<FeatureCodes, { y: Int32Array; packed: Uint32Array }>();

/** (code << 8 | class) for every row and feature, cached per feature codes and targets. */
function packedCodes(fc: FeatureCodes, yClass: Int32Array): Uint32Array | null {
  if (fc.maxCodes >= 1 << 24) return null;
  const hit = packedCache.get(fc);
  if (hit !== undefined && hit.y === yClass) return hit.packed;
  const N = fc.nSamples;
  const packed = new Uint32Array(fc.codes.length);
  for (let f = 0; f < fc.nFeatures; f++) {
    const off = f * N;
    for (let i = 0; i < N; i++) packed[off + i] = ((fc.codes[off + i] << 8) | yClass[i]) >>> 0;
  }
  packedCache.set(fc, { y: yClass, packed });
  return packed;
}

/** Weighted median (scikit-learn's rule) and mean absolute deviation from it. */
export function maeOf(y: Float64Array, w: Float64Array, n: number): { median: number; impurity: number; weight: number } {
  if (n === 0) return { median: 0, impurity: 0, weight: 0 };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b] || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  const half = total / 2;
  let cum = 0;
  let median = y[order[n - 1]];
  for (let k = 0; k < n; k++) {
    cum += w[order[k]];
    if (cum >= half) {
      median = y[order[k]];
      if (cum === half && k + 1 < n) median = (median + y[order[k + 1]]) / 2;
      break;
    }
  }
  let dev = 0;
  for (let i = 0; i < n; i++) dev += w[i] * Math.abs(y[i] - median);
  return { median, impurity: total > 0 ? dev / total : 0, weight: total };
}
