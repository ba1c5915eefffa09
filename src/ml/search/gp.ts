/**
 * Gaussian-process Bayesian optimisation: a GP with a Matern 5/2 ARD kernel on the unit cube
 * (numeric parameters scaled to [0, 1], in log space when log is set; categorical ones one-hot),
 * hyperparameters by maximising the log marginal likelihood (Nelder-Mead from a few starts, with
 * a weak prior on the lengthscales), and the next candidate by maximising the log expected
 * improvement over random candidates plus a local search around the most promising ones.
 * Every candidate is decoded to valid parameters and re-encoded before it is scored, so ints,
 * steps and categories are respected exactly. Inactive conditional parameters are encoded as
 * -0.5 (numeric) or all-zero one-hot, a level apart from every active value.
 */
import { Random } from '../random';
import type { ParamValue, Params } from '../types';
import { LOG_SQRT_2PI, logNdtr } from './math';
import {
  avoidDuplicate,
  checkSuggestArgs,
  inDistribution,
  isSingle,
  sampleSpace,
  seenKeys,
  snapNumeric,
  type Sampler,
  type Trial,
} from './sampler';
import { isActive, parameterOrder, paramsKey, type Distribution, type SearchSpace } from './space';

// Module-level aliases: global lookups are slow inside vm contexts (e.g. under jest).
const { abs, exp, log, log1p, max, min, sqrt } = Math;

export interface GpOptions {
  /** Random trials before the model is used (default 10). */
  nStartupTrials?: number;
  /** Random candidates scored per suggestion (default 1000). */
  nRandomCandidates?: number;
  /** Starting points of the local search (default 5). */
  nLocalStarts?: number;
  /** Extra starts of the hyperparameter search besides the default one (default 2). */
  nRestarts?: number;
  /** At most this many trials (best half + most recent half) fit the hyperparameters (default 80). */
  maxFitPoints?: number;
}

const INACTIVE = -0.5;

interface Dimension {
  name: string;
  dist: Distribution;
  /** First column in the encoded vector. */
  offset: number;
  width: number;
}

/** Maps parameters to and from points of the unit cube. */
export class SpaceEncoder {
  readonly dims: Dimension[] = [];
  readonly size: number;
  private readonly order: string[];

  constructor(private readonly space: SearchSpace) {
    this.order = parameterOrder(space);
    let offset = 0;
    for (const name of this.order) {
      const dist = space[name];
      if (isSingle(dist)) continue;
      const width = dist.type === 'categorical' ? dist.choices.length : 1;
      this.dims.push({ name, dist, offset, width });
      offset += width;
    }
    this.size = offset;
  }

  encode(params: Params): Float64Array {
    const x = new Float64Array(this.size);
    for (const { name, dist, offset } of this.dims) {
      const value = params[name];
      if (dist.type === 'categorical') {
        const index = value === undefined ? -1 : dist.choices.indexOf(value);
        if (index >= 0) x[offset + index] = 1;
      } else if (typeof value !== 'number') {
        x[offset] = INACTIVE;
      } else {
        const [lo, hi] = transformedBounds(dist);
        const t = dist.log ? log(value) : value;
        x[offset] = (t - lo) / (hi - lo);
      }
    }
    return x;
  }

  /** Valid parameters nearest to a point: snapped numbers, argmax categories, inactive dropped. */
  decode(x: ArrayLike<number>): Params {
    const params: Params = {};
    const byName = new Map(this.dims.map((d) => [d.name, d]));
    for (const name of this.order) {
      if (!isActive(this.space, name, params)) continue;
      const dist = this.space[name];
      const dim = byName.get(name);
      if (!dim) {
        params[name] = dist.type === 'categorical' ? dist.choices[0] : dist.low;
        continue;
      }
      params[name] = decodeValue(dist, x, dim.offset);
    }
    return params;
  }
}

function transformedBounds(dist: Distribution & { type: 'int' | 'float' }): [number, number] {
  return dist.log ? [log(dist.low), log(dist.high)] : [dist.low, dist.high];
}

function decodeValue(dist: Distribution, x: ArrayLike<number>, offset: number): ParamValue {
  if (dist.type === 'categorical') {
    let best = 0;
    for (let c = 1; c < dist.choices.length; c++) if (x[offset + c] > x[offset + best]) best = c;
    return dist.choices[best];
  }
  const [lo, hi] = transformedBounds(dist);
  const u = min(max(x[offset], 0), 1);
  const t = lo + u * (hi - lo);
  return snapNumeric(dist, dist.log ? exp(t) : t);
}

/** Lower Cholesky factor of a symmetric positive definite n×n matrix (row-major), or null. */
function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * n + i] = sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solves L z = b (forward substitution). */
function forward(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * z[k];
    z[i] = sum / l[i * n + i];
  }
  return z;
}

/** Solves Lᵀ z = b (back substitution). */
function backward(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const z = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * z[k];
    z[i] = sum / l[i * n + i];
  }
  return z;
}

const SQRT5 = sqrt(5);

function matern52(r2: number): number {
  const r = sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * exp(-SQRT5 * r);
}

/** Kernel hyperparameters: inverse squared lengthscales, signal variance, noise variance. */
interface Hyper {
  invL2: Float64Array;
  signal: number;
  noise: number;
}

/** log-space box for θ = [log ℓ_1..ℓ_d, log signal, log noise]. */
const LOG_L_MIN = log(0.01);
const LOG_L_MAX = log(20);
const LOG_S_MIN = log(0.05);
const LOG_S_MAX = log(20);
const LOG_N_MIN = log(1e-6);
const LOG_N_MAX = log(1);
const LOG_L_PRIOR_MEAN = log(0.5);
const LOG_L_PRIOR_SD = 1.5;
const JITTER = 1e-8;

function toHyper(theta: readonly number[], d: number): Hyper {
  const invL2 = new Float64Array(d);
  for (let j = 0; j < d; j++) invL2[j] = exp(-2 * clamp(theta[j], LOG_L_MIN, LOG_L_MAX));
  return {
    invL2,
    signal: exp(clamp(theta[d], LOG_S_MIN, LOG_S_MAX)),
    noise: exp(clamp(theta[d + 1], LOG_N_MIN, LOG_N_MAX)),
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return min(max(x, lo), hi);
}

function kernel(h: Hyper, a: Float64Array, b: Float64Array): number {
  let r2 = 0;
  for (let j = 0; j < a.length; j++) {
    const diff = a[j] - b[j];
    r2 += diff * diff * h.invL2[j];
  }
  return h.signal * matern52(r2);
}

function gram(h: Hyper, xs: Float64Array[]): Float64Array {
  const n = xs.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = kernel(h, xs[i], xs[j]);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] = h.signal + h.noise + JITTER;
  }
  return k;
}

/** Squared differences per dimension of every pair i > j, precomputed once per fit. */
function pairDiffs(xs: Float64Array[]): Float64Array {
  const n = xs.length;
  const d = n > 0 ? xs[0].length : 0;
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let k = 0; k < d; k++) {
        const diff = xs[i][k] - xs[j][k];
        out[p++] = diff * diff;
      }
    }
  }
  return out;
}

/** Log marginal likelihood plus the lengthscale prior (−∞ when the matrix is not PD). */
function logPosterior(theta: readonly number[], n: number, d: number, diffs: Float64Array, y: Float64Array): number {
  const h = toHyper(theta, d);
  const k = new Float64Array(n * n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let c = 0; c < d; c++) r2 += diffs[p++] * h.invL2[c];
      const v = h.signal * matern52(r2);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] = h.signal + h.noise + JITTER;
  }
  const l = cholesky(k, n);
  if (!l) return -Infinity;
  const alpha = forward(l, n, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += alpha[i] * alpha[i];
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += log(l[i * n + i]);
  let prior = 0;
  for (let j = 0; j < d; j++) {
    const z = (clamp(theta[j], LOG_L_MIN, LOG_L_MAX) - LOG_L_PRIOR_MEAN) / LOG_L_PRIOR_SD;
    prior -= 0.5 * z * z;
  }
  return -0.5 * fit - logDet - n * LOG_SQRT_2PI + prior;
}

/** Nelder-Mead maximisation of f from x0 with initial step `scale`. */
function nelderMead(f: (x: number[]) => number, x0: number[], scale: number, maxEvals: number): { x: number[]; value: number } {
  const dim = x0.length;
  const simplex: { x: number[]; value: number }[] = [{ x: x0, value: f(x0) }];
  let evals = 1;
  for (let i = 0; i < dim; i++) {
    const x = [...x0];
    x[i] += scale;
    simplex.push({ x, value: f(x) });
    evals++;
  }
  const byValue = (a: { value: number }, b: { value: number }): number => b.value - a.value;
  while (evals < maxEvals) {
    simplex.sort(byValue);
    const best = simplex[0];
    const worst = simplex[dim];
    if (abs(best.value - worst.value) < 1e-5) break;
    const centroid = new Array<number>(dim).fill(0);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j] += simplex[i].x[j] / dim;
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (worst.x[j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    evals++;
    if (fr > best.value) {
      const expanded = along(-2);
      const fe = f(expanded);
      evals++;
      simplex[dim] = fe > fr ? { x: expanded, value: fe } : { x: reflected, value: fr };
    } else if (fr > simplex[dim - 1].value) {
      simplex[dim] = { x: reflected, value: fr };
    } else {
      const contracted = fr > worst.value ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      evals++;
      if (fc > max(fr, worst.value)) {
        simplex[dim] = { x: contracted, value: fc };
      } else {
        for (let i = 1; i <= dim; i++) {
          const x = simplex[i].x.map((v, j) => best.x[j] + 0.5 * (v - best.x[j]));
          simplex[i] = { x, value: f(x) };
          evals++;
        }
      }
    }
  }
  simplex.sort(byValue);
  return simplex[0];
}

/** A fitted GP posterior over standardised scores. */
class Posterior {
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;

  constructor(
    private readonly h: Hyper,
    private readonly xs: Float64Array[],
    y: Float64Array,
  ) {
    const n = xs.length;
    let l = cholesky(gram(h, xs), n);
    // Duplicated points with a tiny noise can lose definiteness: add noise until it factors.
    for (let extra = 1e-6; !l && extra <= 1; extra *= 10) {
      const k = gram(h, xs);
      for (let i = 0; i < n; i++) k[i * n + i] += extra;
      l = cholesky(k, n);
    }
    if (!l) throw new Error('GP covariance matrix is not positive definite (non-finite inputs?)');
    this.l = l;
    this.alpha = backward(l, n, forward(l, n, y));
  }

  predict(x: Float64Array): { mean: number; variance: number } {
    const n = this.xs.length;
    const k = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      k[i] = kernel(this.h, x, this.xs[i]);
      mean += k[i] * this.alpha[i];
    }
    const v = forward(this.l, n, k);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    return { mean, variance: max(this.h.signal - vv, 1e-12) };
  }
}

/** log EI(μ, σ; best) for maximisation, stable far in the left tail. */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sigma = sqrt(variance);
  const z = (mean - best) / sigma;
  const logPhi = -0.5 * z * z - LOG_SQRT_2PI;
  if (z > -5) {
    const cdf = exp(logNdtr(z));
    return log(sigma) + log(exp(logPhi) + z * cdf);
  }
  // h(z) = φ(z) + zΦ(z) = φ(z)(1 + z·R), R = Φ(z)/φ(z) (Mills ratio), for z < -5.
  const ratio = exp(logNdtr(z) - logPhi);
  return log(sigma) + logPhi + log1p(z * ratio);
}

export class GpSampler implements Sampler {
  private readonly options: Required<GpOptions>;

  constructor(
    readonly seed: number,
    options: GpOptions = {},
  ) {
    this.options = {
      nStartupTrials: options.nStartupTrials ?? 10,
      nRandomCandidates: options.nRandomCandidates ?? 1000,
      nLocalStarts: options.nLocalStarts ?? 5,
      nRestarts: options.nRestarts ?? 2,
      maxFitPoints: options.maxFitPoints ?? 80,
    };
  }

  /**
   * Trial n uses `new Random(seed, n)`. COMPLETE trials are the data; PRUNED trials, pending
   * candidates and candidates already suggested in this batch join it with the worst observed
   * score (constant liar), so the model's uncertainty collapses around them and no two
   * candidates of a batch coincide. Repeats are replaced as in avoidDuplicate.
   */
  suggest(space: SearchSpace, history: Trial[], pending: Params[], count: number, firstTrialNumber: number): Params[] {
    checkSuggestArgs(count, firstTrialNumber);
    const encoder = new SpaceEncoder(space);
    const valid = (params: Params): boolean =>
      encoder.dims.every(({ name, dist }) => params[name] === undefined || inDistribution(dist, params[name]));
    const sorted = [...history].sort((a, b) => a.number - b.number);
    const complete = sorted.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value) && valid(t.params));
    const pruned = sorted.filter((t) => t.state === 'PRUNED' && valid(t.params));
    const nUsable = complete.length + pruned.length;
    const seen = seenKeys(history, pending);
    const out: Params[] = [];
    const liars: Params[] = [...pending, ...pruned.map((t) => t.params)];
    let fitted: { hyper: Hyper; mean: number; std: number } | null = null;
    for (let i = 0; i < count; i++) {
      const rng = new Random(this.seed, firstTrialNumber + i);
      let candidate: Params;
      if (nUsable < this.options.nStartupTrials || complete.length < 2 || encoder.size === 0) {
        candidate = sampleSpace(space, rng);
      } else {
        const xs = complete.map((t) => encoder.encode(t.params));
        const ys = complete.map((t) => t.value as number);
        const model = (fitted ??= this.fit(xs, ys, rng));
        const worst = min(...ys);
        const allX = [...xs, ...liars.map((p) => encoder.encode(p))];
        const allY = Float64Array.from([...ys, ...liars.map(() => worst)], (v) => (v - model.mean) / model.std);
        const posterior = new Posterior(model.hyper, allX, allY);
        const best = (max(...ys) - model.mean) / model.std;
        candidate = this.maximise(space, encoder, posterior, best, xs, ys, rng);
      }
      candidate = avoidDuplicate(space, candidate, seen, rng);
      seen.add(paramsKey(candidate));
      liars.push(candidate);
      out.push(candidate);
    }
    return out;
  }

  /** Standardises the scores and fits the kernel hyperparameters on at most maxFitPoints trials. */
  private fit(xs: Float64Array[], ys: number[], rng: Random): { hyper: Hyper; mean: number; std: number } {
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const variance = ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length;
    const std = variance > 0 ? sqrt(variance) : 1;
    let indices = ys.map((_, i) => i);
    const cap = this.options.maxFitPoints;
    if (indices.length > cap) {
      const byScore = [...indices].sort((a, b) => ys[b] - ys[a] || a - b);
      const chosen = new Set(byScore.slice(0, cap >> 1));
      for (let i = indices.length - 1; i >= 0 && chosen.size < cap; i--) chosen.add(i);
      indices = [...chosen].sort((a, b) => a - b);
    }
    const fx = indices.map((i) => xs[i]);
    const fy = Float64Array.from(indices, (i) => (ys[i] - mean) / std);
    const d = xs[0].length;
    const diffs = pairDiffs(fx);
    const f = (theta: number[]): number => logPosterior(theta, fx.length, d, diffs, fy);
    const starts: number[][] = [[...new Array<number>(d).fill(LOG_L_PRIOR_MEAN), 0, log(1e-3)]];
    for (let r = 0; r < this.options.nRestarts; r++) {
      const theta: number[] = [];
      for (let j = 0; j < d; j++) theta.push(rng.uniform(log(0.05), log(2)));
      theta.push(rng.uniform(-1, 1), rng.uniform(log(1e-4), log(0.1)));
      starts.push(theta);
    }
    const maxEvals = min(40 * (d + 2), 400);
    let best = { x: starts[0], value: -Infinity };
    for (const start of starts) {
      const result = nelderMead(f, start, 0.5, maxEvals);
      if (result.value > best.value) best = result;
    }
    return { hyper: toHyper(best.x, d), mean, std };
  }

  private maximise(
    space: SearchSpace,
    encoder: SpaceEncoder,
    posterior: Posterior,
    best: number,
    observedX: Float64Array[],
    observedY: number[],
    rng: Random,
  ): Params {
    const score = (x: Float64Array): number => {
      const { mean, variance } = posterior.predict(x);
      const value = logExpectedImprovement(mean, variance, best);
      return Number.isNaN(value) ? -Infinity : value;
    };
    const scored: { x: Float64Array; value: number }[] = [];
    for (let i = 0; i < this.options.nRandomCandidates; i++) {
      const x = encoder.encode(sampleSpace(space, rng));
      scored.push({ x, value: score(x) });
    }
    // Local search from the best random candidates and the best observed points.
    const topObserved = observedY
      .map((y, i) => ({ y, i }))
      .sort((a, b) => b.y - a.y || a.i - b.i)
      .slice(0, this.options.nLocalStarts)
      .map(({ i }) => ({ x: observedX[i], value: score(observedX[i]) }));
    const starts = [...scored].sort((a, b) => b.value - a.value).slice(0, this.options.nLocalStarts).concat(topObserved);
    let winner = scored.reduce((a, b) => (b.value > a.value ? b : a));
    for (const start of starts) {
      let current = start;
      let scale = 0.1;
      for (let iter = 0; iter < 30; iter++) {
        const x = this.perturb(encoder, current.x, scale, rng);
        const value = score(x);
        if (value > current.value) current = { x, value };
        else if (iter % 10 === 9) scale *= 0.5;
      }
      if (current.value > winner.value) winner = current;
    }
    return encoder.decode(winner.x);
  }

  /** A neighbour of x, decoded to valid parameters and re-encoded. */
  private perturb(encoder: SpaceEncoder, x: Float64Array, scale: number, rng: Random): Float64Array {
    const y = Float64Array.from(x);
    for (const { dist, offset, width } of encoder.dims) {
      if (dist.type === 'categorical') {
        if (rng.random() < 0.2) {
          y.fill(0, offset, offset + width);
          y[offset + rng.int(width)] = 1;
        }
      } else if (y[offset] === INACTIVE) {
        y[offset] = rng.random();
      } else {
        y[offset] = clamp(y[offset] + scale * rng.normal(), 0, 1);
      }
    }
    return encoder.encode(encoder.decode(y));
  }
}
