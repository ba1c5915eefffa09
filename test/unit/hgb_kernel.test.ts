/**
 * The histogram GBM's WebAssembly kernel: the committed kernel.wasm is what its source builds to,
 * and each function agrees with a plain TypeScript version of it on edge cases.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { FitKernel } from '../../src/ml/ensemble/hgb/fit_kernel';
import { KernelMemory } from '../../src/ml/ensemble/hgb/kernel';
import { setFitThreads } from '../../src/ml/parallel';
import { Random } from '../../src/ml/random';

const ROOT = path.join(__dirname, '..', '..');

let memory: KernelMemory;
beforeEach(() => {
  memory = KernelMemory.acquire();
});
afterEach(() => memory.release());

test('kernel.wasm is the build of assembly/kernel.ts (npm run build:wasm)', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-')), 'kernel.wasm');
  execFileSync('bash', [path.join(ROOT, 'scripts', 'build-wasm.sh'), out], { cwd: ROOT, stdio: 'pipe' });
  const committed = fs.readFileSync(path.join(ROOT, 'src', 'ml', 'ensemble', 'hgb', 'kernel.wasm'));
  expect(Buffer.compare(fs.readFileSync(out), committed)).toBe(0);
}, 60_000);

test('arrays of a fit start zeroed, whatever the previous fit left', () => {
  const a = memory.f64(1000);
  a.view.fill(7);
  memory.release();
  memory = KernelMemory.acquire();
  const b = memory.f64(1000);
  expect(b.ptr).toBe(a.ptr);
  expect(b.view.every((x) => x === 0)).toBe(true);
});

test('binValues: the first threshold >= the value, NaN after the last bin', () => {
  const thresholds = [-1.5, 0, 0.25, 3, 1e300];
  const ordered = [-Infinity, -2, -1.5, -1.4999, 0, 1e-300, 0.25, 2.9, 3, 5, 1e300, Infinity, NaN, -0];
  const expected = (x: number, t: number[]): number => (Number.isNaN(x) ? t.length + 1 : t.filter((v) => v < x).length);
  // Reversed too: the kernel bins four values at a time and the rest one by one.
  for (const [t, values] of [thresholds, [], [0.5], thresholds.slice(0, 4)].flatMap((t) => [[t, ordered], [t, ordered.slice().reverse()]])) {
    const x = memory.f64(values.length);
    x.view.set(values);
    const tt = memory.f64(Math.max(1, t.length));
    tt.view.set(t);
    const out = memory.u8(values.length);
    memory.kernel.binValues(x.ptr, values.length, tt.ptr, t.length, out.ptr);
    expect(Array.from(out.view)).toEqual(values.map((v) => expected(v, t)));
  }
});

test('sortValues orders as Float64Array.prototype.sort (-0 before +0, infinities, ties)', () => {
  const rng = new Random(11);
  const special = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, 1, -1];
  for (const n of [0, 1, 2, 17, 5000]) {
    const values = Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : rng.normal() * 10 ** rng.int(6)));
    // Values with equal high bytes too: the passes that every key shares are skipped.
    if (n === 17) values.fill(2.5, 12);
    const x = memory.f64(Math.max(1, n));
    x.view.set(values);
    memory.kernel.sortValues(x.ptr, n, memory.f64(Math.max(1, n)).ptr, memory.u32(8 * 256).ptr);
    const got = Array.from(x.view.subarray(0, n));
    const expected = Array.from(Float64Array.from(values).sort());
    expect(got.map((v) => Object.is(v, -0))).toEqual(expected.map((v) => Object.is(v, -0)));
    expect(got).toEqual(expected);
  }
});

test('partition is stable, sends the cut, and NaN when asked, left; two halves (forward, backward) meet; pairs go along', () => {
  const rng = new Random(3);
  const n = 1000;
  const column = memory.u8(n);
  for (let i = 0; i < n; i++) column.view[i] = rng.int(12);
  const src = memory.u32(n);
  const dst = memory.u32(n);
  // Position q's pair is (its row, -its row): where a position lands, its pair must land.
  const ghSrc = memory.f32(2 * n);
  const ghDst = memory.f32(2 * n);
  const pairsOf = (rows: number[]): number[] => rows.flatMap((r) => [r, -r]);
  for (const nanCode of [-1, 11]) {
    const positions = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);
    src.view.set(positions);
    ghSrc.view.set(pairsOf(positions));
    const start = 10;
    const end = positions.length - 5;
    const middle = positions.slice(start, end);
    const goesLeft = (r: number): boolean => column.view[r] <= 4 || column.view[r] === nanCode;
    const expected = [...middle.filter(goesLeft), ...middle.filter((r) => !goesLeft(r))];
    const p = start + middle.filter(goesLeft).length;
    // One pass forward.
    dst.view.fill(0);
    ghDst.view.fill(0);
    expect(memory.kernel.partition(column.ptr, src.ptr, dst.ptr, ghSrc.ptr, ghDst.ptr, start, end, 4, nanCode, start, p, 0)).toBe(p - start);
    expect(Array.from(dst.view.subarray(start, end))).toEqual(expected);
    expect(Array.from(ghDst.view.subarray(2 * start, 2 * end))).toEqual(pairsOf(expected));
    // The same node in two halves, the second backward from the ends.
    dst.view.fill(0);
    ghDst.view.fill(0);
    const mid = start + 301;
    const a = memory.kernel.partition(column.ptr, src.ptr, dst.ptr, ghSrc.ptr, ghDst.ptr, start, mid, 4, nanCode, start, p, 0);
    const b = memory.kernel.partition(column.ptr, src.ptr, dst.ptr, ghSrc.ptr, ghDst.ptr, mid, end, 4, nanCode, p, end, 1);
    expect(a + b).toBe(p - start);
    expect(Array.from(dst.view.subarray(start, end))).toEqual(expected);
    expect(Array.from(ghDst.view.subarray(2 * start, 2 * end))).toEqual(pairsOf(expected));
    expect(dst.view[start - 1]).toBe(0);
    expect(dst.view[end]).toBe(0);
    expect(ghDst.view[2 * end]).toBe(0);
  }
});

test('histogram sums (g, h, 1) per bin, directly and through positions, or (g, h) alone', () => {
  const rng = new Random(5);
  const n = 203;
  const nF = 7; // the kernel's passes over four features, two and one
  const nBins = [4, 3, 5, 2, 6, 3, 2];
  const offsets = memory.i32(nF + 1);
  for (let f = 0; f < nF; f++) offsets.view[f + 1] = offsets.view[f] + 3 * (nBins[f] + 1);
  const codes = memory.u8(n * nF);
  for (let f = 0; f < nF; f++) for (let i = 0; i < n; i++) codes.view[f * n + i] = rng.int(nBins[f] + 1);
  // (g, h) of position i at 2 i, 2 i + 1.
  const gh = memory.f32(2 * n);
  for (let i = 0; i < 2 * n; i += 2) {
    gh.view[i] = rng.normal();
    gh.view[i + 1] = rng.random();
  }
  const rows = memory.u32(n);
  const positions = Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 !== 1);
  rows.view.set(positions);
  const length = offsets.view[nF];
  const cases = [[0, 7, 180, 1], [1, 3, positions.length, 1], [0, 0, n, 0]] as const;
  for (const [indirect, start, end, counts] of cases) {
    const hist = memory.f64(length);
    memory.kernel.histogram(codes.ptr, n, nF, offsets.ptr, rows.ptr, indirect, start, end, gh.ptr, hist.ptr, counts);
    const expected = new Float64Array(length);
    for (let i = start; i < end; i++) {
      const r = indirect ? positions[i] : i;
      for (let f = 0; f < nF; f++) {
        const k = offsets.view[f] + 3 * codes.view[f * n + r];
        expected[k] += gh.view[2 * i];
        expected[k + 1] += gh.view[2 * i + 1];
        expected[k + 2] += counts;
      }
    }
    expect(Array.from(hist.view)).toEqual(Array.from(expected));
  }
});

test('histogramRows on transposed codes adds the same sums as histogram, for a range of features', () => {
  const rng = new Random(6);
  const n = 157;
  const nF = 11; // passes over four codes and single ones
  const nBins = Array.from({ length: nF }, () => 2 + rng.int(250));
  const offsets = memory.i32(nF + 1);
  for (let f = 0; f < nF; f++) offsets.view[f + 1] = offsets.view[f] + 3 * (nBins[f] + 1);
  const codes = memory.u8(n * nF);
  for (let f = 0; f < nF; f++) for (let i = 0; i < n; i++) codes.view[f * n + i] = rng.int(nBins[f] + 1);
  const rowCodes = memory.u8(n * nF);
  memory.kernel.transposeCodes(codes.ptr, n, nF, rowCodes.ptr);
  for (let i = 0; i < n; i++) for (let f = 0; f < nF; f++) expect(rowCodes.view[i * nF + f]).toBe(codes.view[f * n + i]);
  const gh = memory.f32(2 * n);
  for (let i = 0; i < 2 * n; i += 2) {
    gh.view[i] = rng.normal();
    gh.view[i + 1] = rng.random();
  }
  const positions = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);
  const rows = memory.u32(positions.length);
  rows.view.set(positions);
  const length = offsets.view[nF];
  for (const [fa, fb, counts] of [[0, nF, 1], [2, 9, 1], [5, 6, 0], [3, 10, 0]]) {
    const byRows = memory.f64(length);
    memory.kernel.histogramRows(rowCodes.ptr, nF, fa, fb, offsets.ptr, rows.ptr, 4, positions.length, gh.ptr, byRows.ptr, counts);
    const byColumns = memory.f64(length);
    memory.kernel.histogram(codes.ptr + fa * n, n, fb - fa, offsets.ptr + 4 * fa, rows.ptr, 1, 4, positions.length, gh.ptr, byColumns.ptr, counts);
    expect(byRows.view.subarray(0, offsets.view[fa]).every((v) => v === 0)).toBe(true);
    expect(byRows.view.subarray(offsets.view[fb]).every((v) => v === 0)).toBe(true);
    expect(byRows.view.some((v) => v !== 0)).toBe(true);
    expect(Array.from(byRows.view)).toEqual(Array.from(byColumns.view));
  }
});

test.each([
  ['80 rows', 4000, 50],
  ['6060 rows: two row blocks', 200_000, 33],
])('a fit histograms a node with a small share of the rows (%s) from row-major codes, to the same sums, on 1 and 2 threads', (_, n, every) => {
  const rng = new Random(8);
  const nF = 6;
  const nBins = Int32Array.from({ length: nF }, (_, f) => 10 + 40 * f);
  const codes = Uint8Array.from({ length: n * nF }, (_, k) => rng.int(nBins[Math.floor(k / n)]));
  const binned = { codes, nBins, hasMissing: new Uint8Array(nF) };
  // Every 50th row (80 rows), or every 33rd (6060 rows, enough to be built in two blocks): below
  // the share that takes the row-major path.
  const node = Uint32Array.from({ length: Math.floor(n / every) }, (_, i) => every * i + (i % 7));
  const histogramOf = (rowMajorMinBytes: number, threads: number): Float64Array => {
    const kept = FitKernel.rowMajorMinBytes;
    FitKernel.rowMajorMinBytes = rowMajorMinBytes;
    setFitThreads(threads);
    const fitMemory = KernelMemory.acquire();
    try {
      const fit = new FitKernel(fitMemory, binned, n, 1, threads);
      fit.rows.view.set(node);
      // Sums of these are exact in any order: the row-major and column-major sums must be equal.
      for (let i = 0; i < n; i++) {
        fit.gh[0].view[2 * i] = ((i % 17) - 8) / 16;
        fit.gh[0].view[2 * i + 1] = 1 + (i % 5) / 4;
      }
      const hist = fit.allocate();
      fit.build(0, node.length, 0, hist);
      return hist.view.slice();
    } finally {
      fitMemory.release();
      FitKernel.rowMajorMinBytes = kept;
      setFitThreads(1);
    }
  };
  const columnMajor = histogramOf(Infinity, 1);
  expect(histogramOf(0, 1)).toEqual(columnMajor);
  expect(histogramOf(0, 2)).toEqual(columnMajor);
  let count = 0;
  for (let k = 2; k < columnMajor.length; k += 3) count += columnMajor[k];
  expect(count).toBe(nF * node.length);
});

test('addHistogram adds or subtracts, odd lengths too', () => {
  for (const len of [1, 2, 7, 16]) {
    for (const sign of [1, -1]) {
      const a = memory.f64(len);
      const b = memory.f64(len);
      a.view.set(Array.from({ length: len }, (_, i) => i * 1.5));
      b.view.set(Array.from({ length: len }, (_, i) => i * 0.5 + 1));
      memory.kernel.addHistogram(a.ptr, b.ptr, len, sign);
      expect(Array.from(a.view)).toEqual(Array.from({ length: len }, (_, i) => (sign > 0 ? i * 1.5 + (i * 0.5 + 1) : i * 1.5 - (i * 0.5 + 1))));
    }
  }
});

test("logisticGradients (two rows at a time, exp of its own) gives Math.exp's float32 gradients, extremes included", () => {
  const rng = new Random(12);
  const extremes = [-1000, 1000, -708, 708, -709, 709, 0, -0, 745, -745, 1e-300, -1e-300, 30, -30, 36.7, -36.7, 1e308, -1e308];
  const n = 20001; // odd: the last row alone
  const raw = memory.f64(n);
  const y = memory.f64(n);
  const w = memory.f64(n);
  for (let i = 0; i < n; i++) {
    raw.view[i] = i < extremes.length ? extremes[i] : (rng.random() - 0.5) * (i % 3 === 0 ? 80 : 10);
    y.view[i] = rng.int(2);
    w.view[i] = i % 7 === 0 ? 2.5 : 1;
  }
  const gh = memory.f32(2 * n);
  memory.kernel.logisticGradients(raw.ptr, y.ptr, w.ptr, n, gh.ptr);
  const mismatches: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = 1 / (1 + Math.exp(-raw.view[i]));
    if (gh.view[2 * i] !== Math.fround(w.view[i] * (p - y.view[i])) || gh.view[2 * i + 1] !== Math.fround(w.view[i] * p * (1 - p))) mismatches.push(raw.view[i]);
  }
  expect(mismatches).toEqual([]);
});

test('gradients of the log losses and leaf updates', () => {
  const n = 5;
  const raw = memory.f64(n * 3);
  raw.view.set([0, 2, -3, 40, -40, 0.5, 1, 1, 1, -2, 0, 2, 700, -700, 0]);
  const y = memory.f64(n);
  y.view.set([0, 1, 2, 1, 0]);
  const w = memory.f64(n);
  w.view.set([1, 2, 0.5, 1, 3]);
  // (g, h) pairs: row i's at 2 i, 2 i + 1 of tree k's n pairs.
  const gh = memory.f32(2 * 3 * n);
  const g = (k: number, i: number): number => gh.view[2 * (k * n + i)];
  const h = (k: number, i: number): number => gh.view[2 * (k * n + i) + 1];
  memory.kernel.logisticGradients(raw.ptr, y.ptr, w.ptr, n, gh.ptr);
  for (let i = 0; i < n; i++) {
    const p = 1 / (1 + Math.exp(-raw.view[i]));
    expect(g(0, i)).toBeCloseTo(Math.fround(w.view[i] * (p - y.view[i])), 6);
    expect(h(0, i)).toBeCloseTo(Math.fround(w.view[i] * p * (1 - p)), 6);
  }
  memory.kernel.squaredGradients(raw.ptr, y.ptr, w.ptr, n, gh.ptr);
  for (let i = 0; i < n; i++) {
    expect(g(0, i)).toBe(Math.fround(w.view[i] * (raw.view[i] - y.view[i])));
    expect(h(0, i)).toBe(Math.fround(w.view[i]));
  }
  const prob = memory.f64(3);
  memory.kernel.softmaxGradients(raw.ptr, y.ptr, w.ptr, n, 3, gh.ptr, 8 * n, prob.ptr);
  for (let i = 0; i < n; i++) {
    const row = Array.from(raw.view.subarray(3 * i, 3 * i + 3));
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    for (let k = 0; k < 3; k++) {
      const p = Math.exp(row[k] - m) / z;
      expect(g(k, i)).toBeCloseTo(w.view[i] * (p - (y.view[i] === k ? 1 : 0)), 6);
      expect(h(k, i)).toBeCloseTo(w.view[i] * p * (1 - p), 6);
    }
  }
  const rows = memory.u32(n);
  rows.view.set([4, 0, 2, 1, 3]);
  const before = Array.from(raw.view);
  memory.kernel.addLeafValue(raw.ptr, rows.ptr, 1, 3, 3, 2, 0.25);
  const after = before.slice();
  after[0 * 3 + 2] += 0.25;
  after[2 * 3 + 2] += 0.25;
  expect(Array.from(raw.view)).toEqual(after);
});
