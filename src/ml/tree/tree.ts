/**
 * A fitted tree as flat typed arrays (one entry per node, node 0 is the root):
 * feature (-1 for a leaf), threshold (go left when float32(x) <= threshold), left/right child ids,
 * and `stride` values per node (normalised class probabilities, or the regression value).
 */
export class Tree {
  nodeCount = 0;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Number of (distinct) training samples reaching the node. */
  nNodeSamples: Int32Array;
  /** Sum of the training sample weights reaching the node. */
  weightedNNodeSamples: Float64Array;
  impurity: Float64Array;
  /** nodeCount × stride, row-major. */
  value: Float64Array;

  constructor(
    readonly stride: number,
    capacity = 15,
  ) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.nNodeSamples = new Int32Array(capacity);
    this.weightedNNodeSamples = new Float64Array(capacity);
    this.impurity = new Float64Array(capacity);
    this.value = new Float64Array(capacity * stride);
  }

  /** Appends a leaf node and returns its id (the caller turns it into a split node if needed). */
  addNode(nSamples: number, weighted: number, impurity: number): number {
    if (this.nodeCount === this.feature.length) this.grow(this.nodeCount * 2 + 1);
    const id = this.nodeCount++;
    this.feature[id] = -1;
    this.threshold[id] = 0;
    this.left[id] = -1;
    this.right[id] = -1;
    this.nNodeSamples[id] = nSamples;
    this.weightedNNodeSamples[id] = weighted;
    this.impurity[id] = impurity;
    return id;
  }

  /** Frees unused capacity. */
  trim(): this {
    if (this.nodeCount < this.feature.length) this.grow(this.nodeCount);
    return this;
  }

  /** Forgets all nodes, keeping the capacity (for a builder's scratch tree). */
  reset(): this {
    this.nodeCount = 0;
    return this;
  }

  /** An exact-size copy. */
  copy(): Tree {
    const n = this.nodeCount;
    const t = new Tree(this.stride, 0);
    t.nodeCount = n;
    t.feature = this.feature.slice(0, n);
    t.threshold = this.threshold.slice(0, n);
    t.left = this.left.slice(0, n);
    t.right = this.right.slice(0, n);
    t.nNodeSamples = this.nNodeSamples.slice(0, n);
    t.weightedNNodeSamples = this.weightedNNodeSamples.slice(0, n);
    t.impurity = this.impurity.slice(0, n);
    t.value = this.value.slice(0, n * this.stride);
    return t;
  }

  private grow(capacity: number): void {
    const n = this.nodeCount;
    const copyI = (a: Int32Array): Int32Array => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    const copyF = (a: Float64Array, stride = 1): Float64Array => {
      const b = new Float64Array(capacity * stride);
      b.set(a.subarray(0, n * stride));
      return b;
    };
    this.feature = copyI(this.feature);
    this.threshold = copyF(this.threshold);
    this.left = copyI(this.left);
    this.right = copyI(this.right);
    this.nNodeSamples = copyI(this.nNodeSamples);
    this.weightedNNodeSamples = copyF(this.weightedNNodeSamples);
    this.impurity = copyF(this.impurity);
    this.value = copyF(this.value, this.stride);
  }

  get maxDepth(): number {
    let max = 0;
    const depth = new Int32Array(this.nodeCount);
    for (let i = 0; i < this.nodeCount; i++) {
      if (this.feature[i] >= 0) {
        depth[this.left[i]] = depth[i] + 1;
        depth[this.right[i]] = depth[i] + 1;
        if (depth[i] + 1 > max) max = depth[i] + 1;
      }
    }
    return max;
  }

  get nLeaves(): number {
    let n = 0;
    for (let i = 0; i < this.nodeCount; i++) if (this.feature[i] < 0) n++;
    return n;
  }

  /** Leaf id of each row; x32 is the column-major float32 X with nSamples rows. */
  apply(x32: Float32Array, nSamples: number, rows: Uint32Array, out = new Int32Array(rows.length)): Int32Array {
    const feature = this.feature;
    const threshold = this.threshold;
    const left = this.left;
    const right = this.right;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        node = x32[f * nSamples + r] <= threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      out[i] = node;
    }
    return out;
  }

  /** Adds scale × value of each row's leaf to out (rows.length × stride, row-major). */
  accumulate(x32: Float32Array, nSamples: number, rows: Uint32Array, out: Float64Array, scale = 1): void {
    const feature = this.feature;
    const threshold = this.threshold;
    const left = this.left;
    const right = this.right;
    const value = this.value;
    const stride = this.stride;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        node = x32[f * nSamples + r] <= threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      if (stride === 1) out[i] += scale * value[node];
      else {
        const base = node * stride;
        const o = i * stride;
        for (let k = 0; k < stride; k++) out[o + k] += scale * value[base + k];
      }
    }
  }

  /** Impurity-based feature importances (normalised to sum 1, like scikit-learn). */
  featureImportances(nFeatures: number): Float64Array {
    const imp = new Float64Array(nFeatures);
    for (let i = 0; i < this.nodeCount; i++) {
      const f = this.feature[i];
      if (f < 0) continue;
      const l = this.left[i];
      const r = this.right[i];
      imp[f] +=
        this.weightedNNodeSamples[i] * this.impurity[i] -
        this.weightedNNodeSamples[l] * this.impurity[l] -
        this.weightedNNodeSamples[r] * this.impurity[r];
    }
    let total = 0;
    for (let f = 0; f < nFeatures; f++) total += imp[f];
    if (total > 0) for (let f = 0; f < nFeatures; f++) imp[f] /= total;
    return imp;
  }
}
