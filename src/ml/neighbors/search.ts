/**
 * The k nearest training rows of query rows: brute force, or a KD-tree (scikit-learn's KDTree:
 * split on the widest dimension at the median, leaf_size 30, nearer child first).
 *
 * Both return exactly the same neighbours and distances. Every candidate's reduced distance is
 * computed by the same sequential sum over the features (`offerPoints`), and neighbours are
 * ranked by (reduced distance, training position), so among equal distances the earlier training
 * row wins whatever order the candidates are visited in. A tree node is skipped only when its box
 * is strictly farther than the current k-th neighbour; its lower bound sums the per-feature gaps
 * in the same order with the same rounding, and rounding is monotone, so the bound never exceeds
 * the distance of a point inside the box.
 */

/** Reduced distances: squared Euclidean, Manhattan, Chebyshev, sum of |t|^p (general Minkowski). */
export type DistanceKind = 'l2' | 'l1' | 'linf' | 'lp';
/**
 * The kinds a KD-tree searches. Not 'lp': the box bound relies on every step being monotone, and
 * Math.pow is not guaranteed to be.
 */
export type TreeDistanceKind = Exclude<DistanceKind, 'lp'>;

/** A distance: its kind, and the Minkowski power p when the kind is 'lp'. */
export interface Distance<Kind extends DistanceKind = DistanceKind> {
  kind: Kind;
  p: number;
}

const KD_TREE_LEAF_SIZE = 30;

/** Distance from a reduced distance. */
export function fromReduced({ kind, p }: Distance, r: number): number {
  return kind === 'l2' ? Math.sqrt(r) : kind === 'lp' ? r ** (1 / p) : r;
}

/** The k best (reduced distance, training position) pairs of one query, kept sorted. */
class NeighbourList {
  readonly dist: Float64Array;
  readonly index: Uint32Array;
  count = 0;
  /** Reduced distance of the k-th neighbour once k are known (Infinity before). */
  worst = Infinity;

  constructor(readonly k: number) {
    this.dist = new Float64Array(k);
    this.index = new Uint32Array(k);
  }

  reset(): void {
    this.count = 0;
    this.worst = Infinity;
  }

  /** Keeps (s, j) if it ranks among the k best by distance, then position. */
  offer(s: number, j: number): void {
    const k = this.k;
    const dist = this.dist;
    const index = this.index;
    if (this.count === k && (s > this.worst || (s === this.worst && j > index[k - 1]))) return;
    let pos = this.count < k ? this.count : k - 1;
    while (pos > 0 && (dist[pos - 1] > s || (dist[pos - 1] === s && index[pos - 1] > j))) {
      dist[pos] = dist[pos - 1];
      index[pos] = index[pos - 1];
      pos--;
    }
    dist[pos] = s;
    index[pos] = j;
    if (this.count < k) this.count++;
    if (this.count === k) this.worst = dist[k - 1];
  }

  /** Writes the k distances (not reduced) and positions of query q. */
  writeTo(q: number, distance: Distance, distances: Float64Array, indices: Uint32Array): void {
    const k = this.k;
    for (let t = 0; t < k; t++) {
      distances[q * k + t] = fromReduced(distance, this.dist[t]);
      indices[q * k + t] = this.index[t];
    }
  }
}

/**
 * Offers points[start..end) (row-major, d features) to `best`, as training position order[i] (i
 * itself without `order`). Each reduced distance is summed feature by feature in order, and
 * abandoned once the partial sum exceeds the current k-th neighbour's.
 */
function offerPoints(distance: Distance, query: Float64Array, points: Float64Array, d: number, start: number, end: number, order: Uint32Array | null, best: NeighbourList): void {
  const { kind, p } = distance;
  for (let i = start, po = start * d; i < end; i++, po += d) {
    const bound = best.worst;
    let s = 0;
    let f = 0;
    if (kind === 'l2') {
      // Unrolled by four with one bound check per four features; the sum stays sequential.
      for (; f + 4 <= d && s <= bound; f += 4) {
        const t0 = query[f] - points[po + f];
        const t1 = query[f + 1] - points[po + f + 1];
        const t2 = query[f + 2] - points[po + f + 2];
        const t3 = query[f + 3] - points[po + f + 3];
        s += t0 * t0;
        s += t1 * t1;
        s += t2 * t2;
        s += t3 * t3;
      }
      for (; f < d && s <= bound; f++) {
        const t = query[f] - points[po + f];
        s += t * t;
      }
    } else if (kind === 'l1') {
      for (; f < d && s <= bound; f++) s += Math.abs(query[f] - points[po + f]);
    } else if (kind === 'linf') {
      for (; f < d && s <= bound; f++) {
        const t = Math.abs(query[f] - points[po + f]);
        if (t > s) s = t;
      }
    } else {
      for (; f < d && s <= bound; f++) s += Math.abs(query[f] - points[po + f]) ** p;
    }
    if (s <= bound) best.offer(s, order ? order[i] : i);
  }
}

export interface NeighbourResult {
  /** nQueries × k distances, ascending per query. */
  distances: Float64Array;
  /** nQueries × k training positions. */
  indices: Uint32Array;
}

/**
 * k nearest of each of the nQueries row-major `queries` among the m row-major `points` (d
 * features), by scanning every point.
 */
export function bruteForceNeighbours(points: Float64Array, m: number, d: number, queries: Float64Array, nQueries: number, k: number, distance: Distance): NeighbourResult {
  const distances = new Float64Array(nQueries * k);
  const indices = new Uint32Array(nQueries * k);
  const lists = [new NeighbourList(k), new NeighbourList(k), new NeighbourList(k), new NeighbourList(k)];
  let q = 0;
  if (distance.kind === 'l2') {
    for (; q + 4 <= nQueries; q += 4) {
      for (const list of lists) list.reset();
      offerPointsL2FourQueries(queries, q * d, points, d, m, lists);
      lists.forEach((list, t) => list.writeTo(q + t, distance, distances, indices));
    }
  }
  const best = lists[0];
  for (; q < nQueries; q++) {
    best.reset();
    offerPoints(distance, queries.subarray(q * d, q * d + d), points, d, 0, m, null, best);
    best.writeTo(q, distance, distances, indices);
  }
  return { distances, indices };
}

/**
 * offerPoints for squared Euclidean distances and the four queries at queries[qo..qo+4d): four
 * independent sums per training point keep the floating-point adders busy (one sum is a chain of
 * dependent additions). Each sum is still sequential over the features, so the distances are
 * exactly offerPoints'. A point is abandoned once all four partial sums exceed their bounds.
 */
function offerPointsL2FourQueries(queries: Float64Array, qo: number, points: Float64Array, d: number, m: number, lists: NeighbourList[]): void {
  const [list0, list1, list2, list3] = lists;
  const o0 = qo;
  const o1 = qo + d;
  const o2 = qo + 2 * d;
  const o3 = qo + 3 * d;
  for (let j = 0, po = 0; j < m; j++, po += d) {
    const b0 = list0.worst;
    const b1 = list1.worst;
    const b2 = list2.worst;
    const b3 = list3.worst;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let f = 0; f < d; ) {
      const stop = Math.min(d, f + 4);
      for (; f < stop; f++) {
        const x = points[po + f];
        const t0 = queries[o0 + f] - x;
        const t1 = queries[o1 + f] - x;
        const t2 = queries[o2 + f] - x;
        const t3 = queries[o3 + f] - x;
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
      }
      if (s0 > b0 && s1 > b1 && s2 > b2 && s3 > b3) break;
    }
    if (s0 <= b0) list0.offer(s0, j);
    if (s1 <= b1) list1.offer(s1, j);
    if (s2 <= b2) list2.offer(s2, j);
    if (s3 <= b3) list3.offer(s3, j);
  }
}

/**
 * A KD-tree over m row-major points with d features, as a complete binary tree in an array (node
 * i has children 2i + 1 and 2i + 2): each node owns a contiguous range of `order`, split at its
 * middle along the dimension where the node's points spread most.
 */
export class KDTree {
  /** Training positions, grouped by node. */
  private readonly order: Uint32Array;
  /** The points in `order`'s order, row-major, so a leaf is one contiguous block. */
  private readonly sorted: Float64Array;
  private readonly nodeStart: Uint32Array;
  private readonly nodeEnd: Uint32Array;
  /** Per node, d lower then d upper bounds of its points. */
  private readonly bounds: Float64Array;
  private readonly nNodes: number;
  /** Training points whose distances queries have computed, for scanFraction. */
  private pointsScanned = 0;

  constructor(
    points: Float64Array,
    m: number,
    private readonly d: number,
    private readonly distance: Distance<TreeDistanceKind>,
    leafSize = KD_TREE_LEAF_SIZE,
  ) {
    // As scikit-learn's BinaryTree: levels so that leaves hold at most about leafSize points.
    const nLevels = 1 + Math.floor(Math.log2(Math.max(1, (m - 1) / leafSize)));
    this.nNodes = 2 ** nLevels - 1;
    this.order = new Uint32Array(m);
    for (let i = 0; i < m; i++) this.order[i] = i;
    this.nodeStart = new Uint32Array(this.nNodes);
    this.nodeEnd = new Uint32Array(this.nNodes);
    this.bounds = new Float64Array(this.nNodes * 2 * d);
    this.build(points, 0, 0, m);
    this.sorted = new Float64Array(m * d);
    for (let i = 0; i < m; i++) this.sorted.set(points.subarray(this.order[i] * d, this.order[i] * d + d), i * d);
  }

  private build(points: Float64Array, node: number, start: number, end: number): void {
    const d = this.d;
    this.nodeStart[node] = start;
    this.nodeEnd[node] = end;
    const lo = node * 2 * d;
    const hi = lo + d;
    this.bounds.fill(Infinity, lo, hi);
    this.bounds.fill(-Infinity, hi, hi + d);
    for (let i = start; i < end; i++) {
      const o = this.order[i] * d;
      for (let f = 0; f < d; f++) {
        const v = points[o + f];
        if (v < this.bounds[lo + f]) this.bounds[lo + f] = v;
        if (v > this.bounds[hi + f]) this.bounds[hi + f] = v;
      }
    }
    const left = 2 * node + 1;
    if (left >= this.nNodes) return;
    let widest = 0;
    for (let f = 1; f < d; f++) {
      if (this.bounds[hi + f] - this.bounds[lo + f] > this.bounds[hi + widest] - this.bounds[lo + widest]) widest = f;
    }
    const mid = start + ((end - start) >> 1);
    selectNth(this.order, points, d, widest, start, end, mid);
    this.build(points, left, start, mid);
    this.build(points, left + 1, mid, end);
  }

  /** Lower bound of the reduced distance from the query to any point of the node's box. */
  private boxDistance(query: Float64Array, node: number): number {
    const d = this.d;
    const kind = this.distance.kind;
    const lo = node * 2 * d;
    const hi = lo + d;
    let s = 0;
    for (let f = 0; f < d; f++) {
      const x = query[f];
      const below = this.bounds[lo + f] - x;
      const above = x - this.bounds[hi + f];
      const gap = below > 0 ? below : above > 0 ? above : 0;
      if (kind === 'l2') s += gap * gap;
      else if (kind === 'l1') s += gap;
      else if (gap > s) s = gap;
    }
    return s;
  }

  /**
   * The mean fraction of the points a query scans, estimated with up to 64 of the tree's own
   * points spread over its leaves: near 1 when the data have too many intrinsic dimensions for
   * the boxes to prune, and brute force is then faster.
   */
  scanFraction(k: number): number {
    const d = this.d;
    const m = this.order.length;
    const nProbes = Math.min(64, m);
    const probes = new Float64Array(nProbes * d);
    for (let i = 0; i < nProbes; i++) {
      const row = Math.floor((i * m) / nProbes);
      probes.set(this.sorted.subarray(row * d, row * d + d), i * d);
    }
    this.pointsScanned = 0;
    this.query(probes, nProbes, Math.min(k, m));
    return this.pointsScanned / nProbes / m;
  }

  /** k nearest of each of the nQueries row-major `queries` (same results as bruteForceNeighbours). */
  query(queries: Float64Array, nQueries: number, k: number): NeighbourResult {
    const distances = new Float64Array(nQueries * k);
    const indices = new Uint32Array(nQueries * k);
    const best = new NeighbourList(k);
    for (let q = 0; q < nQueries; q++) {
      best.reset();
      const query = queries.subarray(q * this.d, (q + 1) * this.d);
      this.search(query, 0, this.boxDistance(query, 0), best);
      best.writeTo(q, this.distance, distances, indices);
    }
    return { distances, indices };
  }

  private search(query: Float64Array, node: number, nodeBound: number, best: NeighbourList): void {
    if (nodeBound > best.worst) return;
    const left = 2 * node + 1;
    if (left >= this.nNodes) {
      offerPoints(this.distance, query, this.sorted, this.d, this.nodeStart[node], this.nodeEnd[node], this.order, best);
      this.pointsScanned += this.nodeEnd[node] - this.nodeStart[node];
      return;
    }
    const leftBound = this.boxDistance(query, left);
    const rightBound = this.boxDistance(query, left + 1);
    if (leftBound <= rightBound) {
      this.search(query, left, leftBound, best);
      this.search(query, left + 1, rightBound, best);
    } else {
      this.search(query, left + 1, rightBound, best);
      this.search(query, left, leftBound, best);
    }
  }
}

/**
 * Reorders order[start..end) so that position `nth` holds the element that would be there if the
 * range were sorted by feature f (ties by position), smaller ones before it and larger after
 * (quickselect with a median-of-three pivot).
 */
function selectNth(order: Uint32Array, points: Float64Array, d: number, f: number, start: number, end: number, nth: number): void {
  const less = (a: number, b: number): boolean => {
    const va = points[a * d + f];
    const vb = points[b * d + f];
    return va < vb || (va === vb && a < b);
  };
  let lo = start;
  let hi = end - 1;
  while (hi > lo) {
    const midIndex = lo + ((hi - lo) >> 1);
    // Median of three to position hi as the pivot.
    if (less(order[midIndex], order[lo])) swap(order, midIndex, lo);
    if (less(order[hi], order[lo])) swap(order, hi, lo);
    if (less(order[midIndex], order[hi])) swap(order, midIndex, hi);
    const pivot = order[hi];
    let store = lo;
    for (let i = lo; i < hi; i++) {
      if (less(order[i], pivot)) swap(order, i, store++);
    }
    swap(order, store, hi);
    if (store === nth) return;
    if (store < nth) lo = store + 1;
    else hi = store - 1;
  }
}

function swap(a: Uint32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
