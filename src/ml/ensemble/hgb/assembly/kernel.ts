/**
 * AssemblyScript source of kernel.wasm, the histogram GBM's inner loops (loaded by ../kernel.ts;
 * rebuilt by `npm run build:wasm`). Every array lives in the one imported, shared memory; pointers
 * are byte offsets into it, lengths count elements.
 *
 * Why WebAssembly: the same loops written in TypeScript over typed arrays ran 2.3-3.2x slower
 * (V8 checks the bounds of every typed-array access and keeps float32 loads boxed less well);
 * WebAssembly loads and stores are unchecked (guard pages) and the f64x2 lanes halve the
 * histogram subtraction.
 */

/**
 * First byte after the module's static data (Math.exp's table), which every instantiation writes
 * again: the arrays of a fit are placed from here on.
 */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Adds (g, h, 1) of each row to its bin of every feature ((g, h) alone when counts is false): rows
 * are positions rows[start, end) when indirect is true, else start..end themselves. Codes are
 * column-major over the fit's n rows (codes[f * n + r]); feature f's bins start at
 * hist + 8 * offsets[f], 3 float64 per bin. The gradients are in position order (see partition):
 * position i's (g, h) float32 pair at gh + 8 i, read in sequence whatever rows the node holds.
 */
export function histogram(
  codes: usize, n: u32, nF: u32, offsets: usize,
  rows: usize, indirect: bool, start: u32, end: u32,
  gh: usize, hist: usize, counts: bool,
): void {
  let f: u32 = 0;
  // Four features per pass over the rows: the row's gradient is loaded once for four bins. Four
  // rows per iteration (two 16-byte loads of their pairs): 20-25% faster than one, as the sixteen
  // bin updates overlap.
  for (; f + 4 <= nF; f += 4) {
    const c = codes + <usize>f * n;
    const m = <usize>n;
    const b0 = hist + (<usize>load<i32>(offsets + (<usize>f << 2)) << 3);
    const b1 = hist + (<usize>load<i32>(offsets + (<usize>f << 2), 4) << 3);
    const b2 = hist + (<usize>load<i32>(offsets + (<usize>f << 2), 8) << 3);
    const b3 = hist + (<usize>load<i32>(offsets + (<usize>f << 2), 12) << 3);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const at = rows + (<usize>i << 2);
      const r0: usize = indirect ? <usize>load<u32>(at) : <usize>i;
      const r1: usize = indirect ? <usize>load<u32>(at, 4) : <usize>i + 1;
      const r2: usize = indirect ? <usize>load<u32>(at, 8) : <usize>i + 2;
      const r3: usize = indirect ? <usize>load<u32>(at, 12) : <usize>i + 3;
      const p01 = v128.load(gh + (<usize>i << 3));
      const p23 = v128.load(gh + (<usize>i << 3), 16);
      addRowToFour(b0, b1, b2, b3, c + r0, m, f64x2.promote_low_f32x4(p01), counts);
      addRowToFour(b0, b1, b2, b3, c + r1, m, f64x2.promote_low_f32x4(v128.shuffle<u64>(p01, p01, 1, 0)), counts);
      addRowToFour(b0, b1, b2, b3, c + r2, m, f64x2.promote_low_f32x4(p23), counts);
      addRowToFour(b0, b1, b2, b3, c + r3, m, f64x2.promote_low_f32x4(v128.shuffle<u64>(p23, p23, 1, 0)), counts);
    }
    for (; i < end; i++) {
      const r: usize = indirect ? <usize>load<u32>(rows + (<usize>i << 2)) : <usize>i;
      addRowToFour(b0, b1, b2, b3, c + r, m, pairAt(gh, i), counts);
    }
  }
  // Two then one at the end, so that a range of features split between threads stays balanced.
  if (f + 2 <= nF) {
    const c0 = codes + <usize>f * n;
    const c1 = c0 + n;
    const b0 = hist + (<usize>load<i32>(offsets + (<usize>f << 2)) << 3);
    const b1 = hist + (<usize>load<i32>(offsets + (<usize>f << 2), 4) << 3);
    for (let i = start; i < end; i++) {
      const r: usize = indirect ? <usize>load<u32>(rows + (<usize>i << 2)) : <usize>i;
      const p = pairAt(gh, i);
      addToBin(b0 + <usize>load<u8>(c0 + r) * 24, p, counts);
      addToBin(b1 + <usize>load<u8>(c1 + r) * 24, p, counts);
    }
    f += 2;
  }
  for (; f < nF; f++) {
    const c = codes + <usize>f * n;
    const b = hist + (<usize>load<i32>(offsets + (<usize>f << 2)) << 3);
    for (let i = start; i < end; i++) {
      const r: usize = indirect ? <usize>load<u32>(rows + (<usize>i << 2)) : <usize>i;
      addToBin(b + <usize>load<u8>(c + r) * 24, pairAt(gh, i), counts);
    }
  }
}

/**
 * As histogram over positions rows[start, end), from row-major codes (rowCodes[r * nF + f]) and for
 * features [fa, fb) only. A node holding a small share of the rows has them scattered: column-major,
 * each row costs a cache line (and a page) per feature; row-major, one for all its features.
 * Rows go in blocks: a short loop first touches the block's codes, so that their cache
 * misses overlap (the long loop over a row's features leaves the processor too few rows ahead to
 * overlap them, which made a row a full memory latency); then the block is added from the cache.
 * Returns what the touches read (meaningless; returned so that no compiler drops them).
 */
export function histogramRows(
  rowCodes: usize, nF: u32, fa: u32, fb: u32, offsets: usize,
  rows: usize, start: u32, end: u32, gh: usize, hist: usize, counts: bool,
): u32 {
  let touched: u32 = 0;
  for (let b = start; b < end; b += ROW_BLOCK) {
    const blockEnd = min(b + ROW_BLOCK, end);
    for (let i = b; i < blockEnd; i++) {
      const r = <usize>load<u32>(rows + (<usize>i << 2));
      const c = rowCodes + r * <usize>nF;
      touched ^= <u32>load<u8>(c + fa) ^ <u32>load<u8>(c + fb - 1);
    }
    for (let i = b; i < blockEnd; i++) {
      const r = <usize>load<u32>(rows + (<usize>i << 2));
      const p = pairAt(gh, i);
      const c = rowCodes + r * <usize>nF;
      let f = fa;
      // Four codes in one load.
      for (; f + 4 <= fb; f += 4) {
        const q = load<u32>(c + f);
        const o = offsets + (<usize>f << 2);
        addToBin(hist + (<usize>load<i32>(o) << 3) + <usize>(q & 0xff) * 24, p, counts);
        addToBin(hist + (<usize>load<i32>(o, 4) << 3) + <usize>((q >> 8) & 0xff) * 24, p, counts);
        addToBin(hist + (<usize>load<i32>(o, 8) << 3) + <usize>((q >> 16) & 0xff) * 24, p, counts);
        addToBin(hist + (<usize>load<i32>(o, 12) << 3) + <usize>(q >> 24) * 24, p, counts);
      }
      for (; f < fb; f++) addToBin(hist + (<usize>load<i32>(offsets + (<usize>f << 2)) << 3) + <usize>load<u8>(c + f) * 24, p, counts);
    }
  }
  return touched;
}

/** Rows per block of histogramRows: their codes fit in the first-level cache. */
const ROW_BLOCK: u32 = 32;

/**
 * out[r * nF + f] = codes[f * n + r]: column-major codes made row-major (for histogramRows), in
 * blocks of rows whose row-major codes stay in the cache while every feature writes into them.
 */
export function transposeCodes(codes: usize, n: u32, nF: u32, out: usize): void {
  for (let b: u32 = 0; b < n; b += TRANSPOSE_BLOCK) {
    const blockEnd = min(b + TRANSPOSE_BLOCK, n);
    for (let f: u32 = 0; f < nF; f++) {
      const c = codes + <usize>f * n;
      for (let r = b; r < blockEnd; r++) store<u8>(out + <usize>r * nF + f, load<u8>(c + r));
    }
  }
}

/** Rows per block of transposeCodes: 64 KiB of row-major codes at 16 features. */
const TRANSPOSE_BLOCK: u32 = 4096;

/** Adds pair p to one row's bins of four features: codes at c, c + n, c + 2 n, c + 3 n. */
// @ts-ignore: decorator
@inline
function addRowToFour(b0: usize, b1: usize, b2: usize, b3: usize, c: usize, n: usize, p: v128, counts: bool): void {
  addToBin(b0 + <usize>load<u8>(c) * 24, p, counts);
  addToBin(b1 + <usize>load<u8>(c + n) * 24, p, counts);
  addToBin(b2 + <usize>load<u8>(c + 2 * n) * 24, p, counts);
  addToBin(b3 + <usize>load<u8>(c + 3 * n) * 24, p, counts);
}

/** Position i's (g, h) float32 pair as an f64x2. */
// @ts-ignore: decorator
@inline
function pairAt(gh: usize, i: u32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(gh + (<usize>i << 3)));
}

// @ts-ignore: decorator
@inline
function addToBin(k: usize, gh: v128, counts: bool): void {
  // (sum g, sum h) as one f64x2: two stores per row and feature instead of three, one without counts.
  v128.store(k, f64x2.add(v128.load(k), gh));
  if (counts) store<f64>(k, load<f64>(k, 16) + 1.0, 16);
}

/**
 * Stable partition of the positions src[from, to) into dst by one feature's codes (column): a code
 * <= cut, or equal to nanCode, goes left. Forward: lefts are written from dst[left] up, rights from
 * dst[right] up. Backward (rows read from the last): lefts from dst[left - 1] down, rights from
 * dst[right - 1] down. So two threads split a node without counting first: the first half forward
 * from the node's start and its start + the left count (known from the histogram), the second half
 * backward from those two ends, and the parts meet. Each position's (g, h) pair (ghSrc + 8 q) moves
 * with it (to ghDst), so that a child's histogram reads its gradients in sequence, as scikit-learn's
 * ordered gradients. Returns how many went left.
 */
export function partition(
  column: usize, src: usize, dst: usize, ghSrc: usize, ghDst: usize,
  from: u32, to: u32, cut: i32, nanCode: i32, left: u32, right: u32, backward: bool,
): u32 {
  let l = left;
  let r = right;
  if (!backward) {
    for (let q = from; q < to; q++) {
      const row = load<u32>(src + (<usize>q << 2));
      const c = <i32>load<u8>(column + row);
      const goesLeft = <u32>(c <= cut) | <u32>(c == nanCode);
      // Branchless: the side decides the address.
      const at = <usize>select<u32>(l, r, goesLeft);
      store<u32>(dst + (at << 2), row);
      store<u64>(ghDst + (at << 3), load<u64>(ghSrc + (<usize>q << 3)));
      l += goesLeft;
      r += 1 - goesLeft;
    }
    return l - left;
  }
  for (let q = to; q > from; ) {
    q--;
    const row = load<u32>(src + (<usize>q << 2));
    const c = <i32>load<u8>(column + row);
    const goesLeft = <u32>(c <= cut) | <u32>(c == nanCode);
    l -= goesLeft;
    r -= 1 - goesLeft;
    const at = <usize>select<u32>(l, r, goesLeft);
    store<u32>(dst + (at << 2), row);
    store<u64>(ghDst + (at << 3), load<u64>(ghSrc + (<usize>q << 3)));
  }
  return left - l;
}

/**
 * dst[i] += sign * src[i] for len float64, sign 1 or -1 (a - b and a + -1 * b are the same
 * float64): -1 for the histogram subtraction trick, 1 to add up histograms built in row blocks.
 */
export function addHistogram(dst: usize, src: usize, len: u32, sign: f64): void {
  const bytes = <usize>len << 3;
  const s = f64x2.splat(sign);
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f64x2.add(v128.load(dst + i), f64x2.mul(s, v128.load(src + i))));
  if (i < bytes) store<f64>(dst + i, load<f64>(dst + i) + sign * load<f64>(src + i));
}

/**
 * Sorts n float64 values x (no NaN) ascending, -0 before +0 as Float64Array.prototype.sort does:
 * an LSD radix sort over the 8 bytes of order-preserving keys (the sign bit flipped, or every bit
 * for negatives), skipping the bytes all keys share. Ten times faster than V8's sort on the 200,000
 * values a feature's thresholds come from. tmp holds n float64; counts 8 × 256 u32.
 */
export function sortValues(x: usize, n: u32, tmp: usize, counts: usize): void {
  memory.fill(counts, 0, 8 * 256 * 4);
  for (let i: u32 = 0; i < n; i++) {
    const key = orderKey(load<u64>(x + (<usize>i << 3)));
    store<u64>(x + (<usize>i << 3), key);
    for (let d: u32 = 0; d < 8; d++) {
      const c = counts + (((<usize>d << 8) + <usize>((key >> (<u64>d << 3)) & 0xff)) << 2);
      store<u32>(c, load<u32>(c) + 1);
    }
  }
  let src = x;
  let dst = tmp;
  for (let d: u32 = 0; d < 8; d++) {
    const c = counts + (<usize>d << 10);
    // A byte every key shares leaves the order as it is.
    if (load<u32>(c + (<usize>((load<u64>(src) >> (<u64>d << 3)) & 0xff) << 2)) == n) continue;
    let sum: u32 = 0;
    for (let b: usize = 0; b < 256; b++) {
      const k = load<u32>(c + (b << 2));
      store<u32>(c + (b << 2), sum);
      sum += k;
    }
    for (let i: u32 = 0; i < n; i++) {
      const key = load<u64>(src + (<usize>i << 3));
      const slot = c + (<usize>((key >> (<u64>d << 3)) & 0xff) << 2);
      const at = load<u32>(slot);
      store<u32>(slot, at + 1);
      store<u64>(dst + (<usize>at << 3), key);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i: u32 = 0; i < n; i++) store<u64>(x + (<usize>i << 3), valueOfKey(load<u64>(src + (<usize>i << 3))));
}

// @ts-ignore: decorator
@inline
function orderKey(bits: u64): u64 {
  return bits ^ select<u64>(0xffffffffffffffff, 0x8000000000000000, (bits >> 63) != 0);
}

// @ts-ignore: decorator
@inline
function valueOfKey(key: u64): u64 {
  return key ^ select<u64>(0x8000000000000000, 0xffffffffffffffff, (key >> 63) != 0);
}

/**
 * Bins n float64 values x: the code of a value is the number of thresholds below it (the first
 * threshold >= it; t sorted, nT of them), NaN gets nT + 1. Branchless binary search: the value
 * decides the path, and mispredicted branches cost more than the loads. Four values at a time:
 * each search is a chain of dependent loads, and four independent chains overlap.
 */
export function binValues(x: usize, n: u32, t: usize, nT: u32, out: usize): void {
  let i: u32 = 0;
  if (nT > 0) {
    for (; i + 4 <= n; i += 4) {
      const p = x + (<usize>i << 3);
      const v0 = load<f64>(p);
      const v1 = load<f64>(p, 8);
      const v2 = load<f64>(p, 16);
      const v3 = load<f64>(p, 24);
      let b0: usize = t;
      let b1: usize = t;
      let b2: usize = t;
      let b3: usize = t;
      let len = nT;
      while (len > 1) {
        const half = len >> 1;
        const step = <usize>half << 3;
        b0 = select<usize>(b0 + step, b0, load<f64>(b0 + step) < v0);
        b1 = select<usize>(b1 + step, b1, load<f64>(b1 + step) < v1);
        b2 = select<usize>(b2 + step, b2, load<f64>(b2 + step) < v2);
        b3 = select<usize>(b3 + step, b3, load<f64>(b3 + step) < v3);
        len -= half;
      }
      const o = out + <usize>i;
      store<u8>(o, codeOf(b0, t, v0, nT));
      store<u8>(o, codeOf(b1, t, v1, nT), 1);
      store<u8>(o, codeOf(b2, t, v2, nT), 2);
      store<u8>(o, codeOf(b3, t, v3, nT), 3);
    }
  }
  for (; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    if (nT == 0) {
      store<u8>(out + i, select<u32>(1, 0, v != v));
      continue;
    }
    let base: usize = t;
    let len = nT;
    while (len > 1) {
      const half = len >> 1;
      base = select<usize>(base + (<usize>half << 3), base, load<f64>(base + (<usize>half << 3)) < v);
      len -= half;
    }
    store<u8>(out + i, codeOf(base, t, v, nT));
  }
}

/** The code of value v whose search among the nT thresholds at t ended at base (nT > 0). */
// @ts-ignore: decorator
@inline
function codeOf(base: usize, t: usize, v: f64, nT: u32): u32 {
  return select<u32>(nT + 1, <u32>((base - t) >> 3) + <u32>(load<f64>(base) < v), v != v);
}

/**
 * Half binary log-loss gradients and hessians of n rows: p = 1 / (1 + exp(-raw)),
 * g = w (p - y), h = w p (1 - p) (float64 in, float32 (g, h) pairs out at gh + 8 i). Two rows at a
 * time in f64x2 lanes, exp by expPair (666k rows: 3.7 ms, against 4.3 ms one row at a time with
 * Math.exp, to the same float32 outputs); the last odd row with Math.exp.
 */
export function logisticGradients(raw: usize, y: usize, w: usize, n: u32, gh: usize): void {
  const one = f64x2.splat(1.0);
  let i: u32 = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const wi = v128.load(w + o);
    const p = f64x2.div(one, f64x2.add(one, expPair(f64x2.neg(v128.load(raw + o)))));
    const g = f64x2.mul(wi, f64x2.sub(p, v128.load(y + o)));
    const h = f64x2.mul(f64x2.mul(wi, p), f64x2.sub(one, p));
    // (g0, g1) and (h0, h1) as float32, interleaved: g0 h0 g1 h1.
    v128.store(gh + o, v128.shuffle<f32>(f32x4.demote_f64x2_zero(g), f32x4.demote_f64x2_zero(h), 0, 4, 1, 5));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const wi = load<f64>(w + o);
    const p = 1.0 / (1.0 + Math.exp(-load<f64>(raw + o)));
    store<f32>(gh + o, <f32>(wi * (p - load<f64>(y + o))));
    store<f32>(gh + o, <f32>(wi * p * (1.0 - p)), 4);
  }
}

/**
 * exp of both f64x2 lanes: x clamped to [-708, 708] (beyond, 1 / (1 + e) is 0 or 1 in float32
 * either way), x = k ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, so that k ln 2 is exact),
 * exp(r) by its Taylor polynomial to r^11 (relative error below 1e-14: logisticGradients' float32
 * outputs are Math.exp's), times 2^k added into the exponent bits. k is rounded by adding
 * 1.5 * 2^52, which leaves it in the low bits of the sum.
 */
// @ts-ignore: decorator
@inline
function expPair(v: v128): v128 {
  const x = f64x2.pmin(f64x2.pmax(v, f64x2.splat(-708.0)), f64x2.splat(708.0));
  const shift = f64x2.splat(6755399441055744.0);
  const kShifted = f64x2.add(f64x2.mul(x, f64x2.splat(1.4426950408889634)), shift);
  const k = f64x2.sub(kShifted, shift);
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(6.93147180369123816490e-01))), f64x2.mul(k, f64x2.splat(1.90821492927058770002e-10)));
  let p = f64x2.splat(1.0 / 39916800.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  return i64x2.add(p, i64x2.shl(kShifted, 52));
}

/**
 * Half multinomial log-loss gradients and hessians of n rows and K classes: raw is row-major
 * (raw[i * K + k]), y holds class indices as float64; tree k's (g, h) pairs are at gh + k * stride
 * bytes. prob holds K float64 of scratch.
 */
export function softmaxGradients(raw: usize, y: usize, w: usize, n: u32, K: u32, gh: usize, stride: usize, prob: usize): void {
  for (let i: u32 = 0; i < n; i++) {
    const row = raw + ((<usize>i * K) << 3);
    let m = -Infinity;
    for (let k: u32 = 0; k < K; k++) m = Math.max(m, load<f64>(row + (<usize>k << 3)));
    let z = 0.0;
    for (let k: u32 = 0; k < K; k++) {
      const e = Math.exp(load<f64>(row + (<usize>k << 3)) - m);
      store<f64>(prob + (<usize>k << 3), e);
      z += e;
    }
    const wi = load<f64>(w + (<usize>i << 3));
    const yi = <u32>load<f64>(y + (<usize>i << 3));
    for (let k: u32 = 0; k < K; k++) {
      const pk = load<f64>(prob + (<usize>k << 3)) / z;
      const at = gh + <usize>k * stride + (<usize>i << 3);
      store<f32>(at, <f32>(wi * (pk - <f64>(yi == k))));
      store<f32>(at, <f32>(wi * pk * (1.0 - pk)), 4);
    }
  }
}

/** out[i] = i for n u32: a tree's root positions. */
export function iota(out: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u32>(out + (<usize>i << 2), i);
}

/** raw[rows[q] * K + k] += value for q in [start, end): a leaf's value added to its rows' predictions. */
export function addLeafValue(raw: usize, rows: usize, start: u32, end: u32, K: u32, k: u32, value: f64): void {
  for (let q = start; q < end; q++) {
    const at = raw + ((<usize>load<u32>(rows + (<usize>q << 2)) * K + k) << 3);
    store<f64>(at, load<f64>(at) + value);
  }
}

/** Half squared-error gradients and hessians of n rows: g = w (raw - y), h = w ((g, h) pairs at gh + 8 i). */
export function squaredGradients(raw: usize, y: usize, w: usize, n: u32, gh: usize): void {
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 3;
    const wi = load<f64>(w + o);
    store<f32>(gh + o, <f32>(wi * (load<f64>(raw + o) - load<f64>(y + o))));
    store<f32>(gh + o, <f32>wi, 4);
  }
}
