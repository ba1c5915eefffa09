/**
 * Minimal cost-complexity pruning (scikit-learn's `ccp_alpha`): repeatedly collapse the internal
 * node with the smallest effective alpha (R(t) - R(T_t)) / (|leaves(T_t)| - 1) while it is <= alpha.
 */
import { Tree } from './tree';

export function pruneTree(tree: Tree, alpha: number): Tree {
  const n = tree.nodeCount;
  if (alpha <= 0 || n <= 1) return tree;
  const total = tree.weightedNNodeSamples[0];
  const rNode = new Float64Array(n);
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    rNode[i] = (tree.impurity[i] * tree.weightedNNodeSamples[i]) / total;
    if (tree.feature[i] >= 0) {
      parent[tree.left[i]] = i;
      parent[tree.right[i]] = i;
    }
  }
  const nLeaves = new Int32Array(n);
  const rBranch = new Float64Array(n);
  // Children have larger ids than their parent: a reverse sweep is bottom-up.
  for (let i = n - 1; i >= 0; i--) {
    if (tree.feature[i] < 0) {
      nLeaves[i] = 1;
      rBranch[i] = rNode[i];
    } else {
      nLeaves[i] = nLeaves[tree.left[i]] + nLeaves[tree.right[i]];
      rBranch[i] = rBranch[tree.left[i]] + rBranch[tree.right[i]];
    }
  }
  const isLeaf = new Uint8Array(n);
  const inTree = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) isLeaf[i] = tree.feature[i] < 0 ? 1 : 0;
  while (!isLeaf[0]) {
    let best = -1;
    let bestAlpha = Infinity;
    for (let i = 0; i < n; i++) {
      if (!inTree[i] || isLeaf[i]) continue;
      const a = (rNode[i] - rBranch[i]) / (nLeaves[i] - 1);
      if (a < bestAlpha) {
        bestAlpha = a;
        best = i;
      }
    }
    if (best < 0 || bestAlpha > alpha) break;
    // Collapse `best`.
    const stack = [tree.left[best], tree.right[best]];
    while (stack.length > 0) {
      const j = stack.pop()!;
      inTree[j] = 0;
      if (tree.feature[j] >= 0 && !isLeaf[j]) stack.push(tree.left[j], tree.right[j]);
    }
    isLeaf[best] = 1;
    const dLeaves = nLeaves[best] - 1;
    const dR = rNode[best] - rBranch[best];
    for (let a = best; a >= 0; a = parent[a]) {
      nLeaves[a] -= dLeaves;
      rBranch[a] += dR;
    }
  }
  // Rebuild with the kept nodes, preserving preorder ids.
  const out = new Tree(tree.stride);
  const s = tree.stride;
  const copy = (i: number): number => {
    const id = out.addNode(tree.nNodeSamples[i], tree.weightedNNodeSamples[i], tree.impurity[i]);
    out.value.set(tree.value.subarray(i * s, (i + 1) * s), id * s);
    if (!isLeaf[i]) {
      out.feature[id] = tree.feature[i];
      out.threshold[id] = tree.threshold[i];
      const l = copy(tree.left[i]);
      const r = copy(tree.right[i]);
      out.left[id] = l;
      out.right[id] = r;
    }
    return id;
  };
  copy(0);
  return out.trim();
}
