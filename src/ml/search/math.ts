/**
 * Numerics for the samplers: the normal distribution (erf/erfc, CDF, quantile), truncated
 * normals in log space, and small helpers. Pure double-precision JavaScript, so results are the
 * same on every machine running the same Node version.
 */

// Module-level aliases: global lookups are slow inside vm contexts (e.g. under jest).
const { abs, exp, log, log1p, max, min, sqrt } = Math;
const isNaNValue = Number.isNaN;

const SQRT2 = Math.SQRT2;
const SQRT_PI = sqrt(Math.PI);
const SQRT_2PI = sqrt(2 * Math.PI);
export const LOG_SQRT_2PI = 0.5 * log(2 * Math.PI);

/** erf(x) for |x| < 2 by the positive series 2/√π e^(-x²) Σ (2x²)^n x / (1·3·…·(2n+1)). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (abs(term) < 1e-17 * abs(sum)) break;
  }
  return (2 / SQRT_PI) * exp(-x2) * sum;
}

/** erfc(x) for x >= 2 by its continued fraction (modified Lentz). */
function erfcContinuedFraction(x: number): number {
  // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (abs(delta - 1) < 1e-16) break;
  }
  return exp(-x * x) / SQRT_PI / f;
}

export function erf(x: number): number {
  if (isNaNValue(x)) return NaN;
  if (abs(x) < 2) return erfSeries(x);
  return x > 0 ? 1 - erfcContinuedFraction(x) : erfcContinuedFraction(-x) - 1;
}

export function erfc(x: number): number {
  if (isNaNValue(x)) return NaN;
  if (x >= 2) return erfcContinuedFraction(x);
  if (x > -2) return 1 - erfSeries(x);
  return 2 - erfcContinuedFraction(-x);
}

/** Standard normal CDF Φ(a), accurate in the left tail. */
export function ndtr(a: number): number {
  return 0.5 * erfc(-a / SQRT2);
}

/** Standard normal density φ(a). */
export function normPdf(a: number): number {
  return exp(-0.5 * a * a) / SQRT_2PI;
}

/** log Φ(a), with an asymptotic series far in the left tail (as Optuna and SciPy do). */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a);
  if (a > -20) return log(ndtr(a));
  const logLhs = -0.5 * a * a - log(-a) - LOG_SQRT_2PI;
  let lastTotal = 0;
  let rhs = 1;
  let numerator = 1;
  let denomFactor = 1;
  const denomCons = 1 / (a * a);
  let sign = 1;
  for (let i = 1; i < 100 && abs(lastTotal - rhs) > Number.EPSILON; i++) {
    lastTotal = rhs;
    sign = -sign;
    denomFactor *= denomCons;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denomFactor;
  }
  return logLhs + log(rhs);
}

const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** The standard normal quantile Φ⁻¹(p): Acklam's approximation refined by Halley steps. */
export function ndtri(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : NaN;
  if (!(p < 1)) return p === 1 ? Infinity : NaN;
  const [a0, a1, a2, a3, a4, a5] = ACKLAM_A;
  const [b0, b1, b2, b3, b4] = ACKLAM_B;
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C;
  const [d0, d1, d2, d3] = ACKLAM_D;
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = sqrt(-2 * log(p));
    x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else {
    const q = sqrt(-2 * log(1 - p));
    x = -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  // Halley refinement, done on the tail that keeps precision.
  for (let i = 0; i < 2; i++) {
    const e = x <= 0 ? ndtr(x) - p : 1 - p - ndtr(-x);
    const u = (x <= 0 ? e : -e) * SQRT_2PI * exp(0.5 * x * x);
    const step = (x <= 0 ? u : -u) / (1 + (x * (x <= 0 ? u : -u)) / 2);
    if (!Number.isFinite(step)) break;
    x -= step;
  }
  return x;
}

/** log(exp(p) - exp(q)) for p >= q. */
function logDiff(logP: number, logQ: number): number {
  if (logQ === -Infinity) return logP;
  if (logQ >= logP) return -Infinity;
  return logP + log1p(-exp(logQ - logP));
}

/** log(Φ(b) - Φ(a)): the log of the standard normal mass in [a, b], stable in both tails. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return log1p(-ndtr(a) - ndtr(-b));
}

/**
 * Inverse CDF of the standard normal truncated to [a, b] at probability q in [0, 1), using the
 * tail where the bounds keep their precision.
 */
export function truncnormPpf(q: number, a: number, b: number): number {
  let x: number;
  if (a < 0) {
    const pa = ndtr(a);
    x = ndtri(pa + q * (ndtr(b) - pa));
  } else {
    const pb = ndtr(-b);
    x = -ndtri(pb + (1 - q) * (ndtr(-a) - pb));
  }
  if (isNaNValue(x)) return 0.5 * (a + b);
  return min(max(x, a), b);
}

/** log Σ exp(values) (−∞ for an empty list). */
export function logSumExp(values: ArrayLike<number>): number {
  let top = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > top) top = values[i];
  if (top === -Infinity) return -Infinity;
  if (top === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += exp(values[i] - top);
  return top + log(sum);
}

/** Rounds away floating-point noise such as 0.30000000000000004 (15 significant digits). */
export function cleanFloat(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(15));
}
