/**
 * Unconstrained L-BFGS with a strong-Wolfe line search, stopping like SciPy's L-BFGS-B as
 * scikit-learn calls it (`gtol` on the largest gradient component, `ftol` on the relative
 * decrease of the objective, `maxiter` iterations, 10 correction pairs, at most 50 line-search
 * steps; first step of length 1/||g||).
 */
import { tick } from '../progress';

export interface LbfgsOptions {
  maxIter: number;
  /** Stop when max_i |g_i| <= gtol. */
  gtol: number;
  /** Stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol (default 64 * machine eps). */
  ftol?: number;
  /** Number of correction pairs (default 10). */
  memory?: number;
  /** Maximum function evaluations per line search (default 50). */
  maxLineSearch?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  nIter: number;
  converged: boolean;
}

/** Objective: returns f(x) and writes the gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

export function minimizeLbfgs(fun: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const memory = options.memory ?? 10;
  const ftol = options.ftol ?? 64 * Number.EPSILON;
  const maxLs = options.maxLineSearch ?? 50;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fun(x, g);
  if (maxAbs(g) <= options.gtol) return { x, f, nIter: 0, converged: true };

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(memory);
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  // The best point of a line search (bracket end with the lowest f).
  const xLo = new Float64Array(n);
  const gLo = new Float64Array(n);

  let nIter = 0;
  let converged = false;
  while (nIter < options.maxIter) {
    tick();
    // d = -H g (two-loop recursion).
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const m = S.length;
    for (let j = m - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      const y = Y[j];
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * y[i];
    }
    if (m > 0) {
      const gamma = dot(S[m - 1], Y[m - 1]) / dot(Y[m - 1], Y[m - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < m; j++) {
      const beta = rho[j] * dot(Y[j], d);
      const s = S[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * s[i];
    }
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      dg = dot(d, g);
    }
    const step0 = S.length === 0 ? 1 / Math.sqrt(dot(d, d)) : 1;

    // ---- strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6) ----
    const f0 = f;
    const evaluate = (a: number): [number, number] => {
      for (let i = 0; i < n; i++) xt[i] = x[i] + a * d[i];
      const ft = fun(xt, gt);
      return [ft, dot(gt, d)];
    };
    let accepted = false;
    let fAccepted = NaN;
    let aLo = 0;
    let fLo = f0;
    let dLo = dg;
    let aHi = NaN;
    let fHi = NaN;
    let dHi = NaN;
    let a = step0;
    let evals = 0;
    let bracketed = false;
    xLo.set(x);
    gLo.set(g);
    while (evals < maxLs) {
      if (bracketed) a = interpolate(aLo, fLo, dLo, aHi, fHi, dHi);
      const [fa, da] = evaluate(a);
      evals++;
      if (!Number.isFinite(fa) || fa > f0 + C1 * a * dg || fa >= fLo) {
        aHi = a;
        fHi = fa;
        dHi = da;
        bracketed = true;
      } else {
        if (Math.abs(da) <= -C2 * dg) {
          accepted = true;
          fAccepted = fa;
          break;
        }
        xLo.set(xt);
        gLo.set(gt);
        if (bracketed) {
          if (da * (aHi - aLo) >= 0) {
            aHi = aLo;
            fHi = fLo;
            dHi = dLo;
          }
          aLo = a;
          fLo = fa;
          dLo = da;
        } else if (da >= 0) {
          aHi = aLo;
          fHi = fLo;
          dHi = dLo;
          aLo = a;
          fLo = fa;
          dLo = da;
          bracketed = true;
        } else {
          aLo = a;
          fLo = fa;
          dLo = da;
          a *= 4;
        }
      }
      if (bracketed && Math.abs(aHi - aLo) <= 1e-16 * Math.max(Math.abs(aLo), 1)) break;
    }
    if (!accepted) {
      // Take the best point found if it decreased f; otherwise stop.
      if (fLo < f0 && aLo > 0) {
        xt.set(xLo);
        gt.set(gLo);
      } else {
        break;
      }
    }
    const fNew = accepted ? fAccepted : fLo;
    // Update the memory with s = x_new - x, y = g_new - g.
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xt[i] - x[i];
      yv[i] = gt[i] - g[i];
    }
    const sy = dot(s, yv);
    if (sy > Number.EPSILON * dot(yv, yv)) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    x.set(xt);
    g.set(gt);
    nIter++;
    const fOld = f;
    f = fNew;
    if (maxAbs(g) <= options.gtol) {
      converged = true;
      break;
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      converged = true;
      break;
    }
  }
  return { x, f, nIter, converged };
}

/** Minimiser of the cubic interpolating f and f' at both ends, kept inside the bracket. */
function interpolate(a0: number, f0: number, d0: number, a1: number, f1: number, d1: number): number {
  const lo = Math.min(a0, a1);
  const hi = Math.max(a0, a1);
  const width = hi - lo;
  let a = NaN;
  if (Number.isFinite(f1) && Number.isFinite(d1)) {
    const e1 = d0 + d1 - (3 * (f0 - f1)) / (a0 - a1);
    const disc = e1 * e1 - d0 * d1;
    if (disc >= 0) {
      const e2 = Math.sign(a1 - a0) * Math.sqrt(disc);
      a = a1 - (a1 - a0) * ((d1 + e2 - e1) / (d1 - d0 + 2 * e2));
    }
  }
  // Safeguard: stay away from the ends of the bracket; bisect when the cubic is unusable.
  if (!Number.isFinite(a) || a < lo + 0.1 * width || a > hi - 0.1 * width) a = lo + 0.5 * width;
  return a;
}
