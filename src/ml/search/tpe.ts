/**
 * Tree-structured Parzen Estimator, following Optuna's TPESampler: after nStartupTrials random
 * trials, the finished trials are split into the best gamma(n) ("below", density l) and the rest
 * ("above", density g); nEiCandidates candidates are drawn from l and the one maximising
 * l(x) / g(x) is kept.
 *
 * By default the always-active parameters are modelled jointly (Optuna's multivariate=True, one
 * product kernel per trial, bandwidth from Scott's rule), which learns
 * interactions such as learning_rate × n_estimators; conditional parameters, and everything with
 * `multivariate: false` (Optuna's default), are sampled one parameter at a time.
 *
 * Parzen estimators follow Optuna 3.1: a prior component (mean at the middle of the range,
 * sigma = the range, weight priorWeight) next to one truncated normal per observation, whose sigma
 * is the larger gap to its neighbours (endpoints excluded), clipped to [range / min(100, 1 + m), range]
 * ("magic clip", m = components); numeric parameters live in log space when log is set; ints and
 * stepped floats are discretised (the density of a value is the mass of its rounding interval).
 *
 * Continuous densities are Optuna 3.1's: the truncated normal's log density lacks the -log(sigma)
 * term (Optuna restored it in 3.5, optuna#5110). That is the reference we benchmark against, and
 * on our synthetic benchmarks (sphere, Branin, a GBM-like space; 100 seeds, 40 trials) it found
 * better optima than the normalised density, which over-rewards narrow components; set
 * `normalizeDensity` for the exact density. Log-scale ints use the mass of [log(x - 0.5),
 * log(x + 0.5)] (as Optuna does since optuna#6258) rather than the density at log(x).
 */
import { Random } from '../random';
import type { ParamValue, Params } from '../types';
import { LOG_SQRT_2PI, logGaussMass, logSumExp, truncnormPpf } from './math';
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
const { ceil, exp, log, max, min } = Math;

export interface TpeOptions {
  /** Random trials before the model is used (Optuna: 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (Optuna: 24). */
  nEiCandidates?: number;
  /** Size of the "below" group for n finished trials (Optuna: min(ceil(0.1 n), 25)). */
  gamma?: (n: number) => number;
  /** Weight of the prior component (Optuna: 1.0). */
  priorWeight?: number;
  /** Lower bound of sigmas (Optuna: true). */
  considerMagicClip?: boolean;
  /** Let the extreme observations' sigma reach the range ends (Optuna: false). */
  considerEndpoints?: boolean;
  /** Include the 1/sigma factor in continuous densities (Optuna >= 3.5); default false (Optuna 3.1). */
  normalizeDensity?: boolean;
  /**
   * Model the unconditional parameters jointly (Optuna's multivariate=True): one product kernel
   * per observation, so the sampler learns which combinations work, not only which values do.
   * Default true (Optuna's default is false); conditional parameters are always sampled one by one.
   */
  multivariate?: boolean;
}

/** Options of one Parzen estimator. */
type ParzenOptions = Required<Pick<TpeOptions, 'priorWeight' | 'considerMagicClip' | 'considerEndpoints' | 'normalizeDensity'>> & {
  /** Multivariate: every observation's sigma is bandwidth × range. */
  bandwidth?: number;
};

/**
 * Optuna's SIGMA0_MAGNITUDE: multivariate kernels' sigma is 0.2 n^(-1 / (d + 4)) of the range
 * (Scott's rule) for n observations of d parameters. Halving it looked better on one of our two
 * benchmark spaces but lost clearly on synthetic ones (too greedy to find a categorical's best
 * choice), so Optuna's value stays.
 */
const SIGMA0_MAGNITUDE = 0.2;

export function defaultGamma(n: number): number {
  return min(ceil(0.1 * n), 25);
}

/** Optuna's default_weights: flat for the 25 newest observations, a ramp down for older ones. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp: number[] = [];
  const m = n - 25;
  for (let i = 0; i < m; i++) ramp.push(m === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (m - 1));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

interface NumericKind {
  low: number;
  high: number;
  /** Width of a value's rounding interval in internal units (int, stepped float). */
  q: number | null;
  /** Log-scale int: the rounding interval is [log(x - 0.5), log(x + 0.5)]. */
  logInt: boolean;
  log: boolean;
}

function numericKind(dist: Distribution & { type: 'int' | 'float' }): NumericKind {
  if (dist.log) {
    return dist.type === 'int'
      ? { low: log(dist.low - 0.5), high: log(dist.high + 0.5), q: null, logInt: true, log: true }
      : { low: log(dist.low), high: log(dist.high), q: null, logInt: false, log: true };
  }
  const q = dist.type === 'int' ? (dist.step ?? 1) : (dist.step ?? null);
  if (q === null) return { low: dist.low, high: dist.high, q: null, logInt: false, log: false };
  return { low: dist.low - 0.5 * q, high: dist.high + 0.5 * q, q, logInt: false, log: false };
}

/** A one-dimensional Parzen estimator (mixture with a prior component), as in Optuna. */
export class ParzenEstimator {
  /** Normalised component weights; the last one is the prior. */
  readonly weights: number[];
  private readonly logWeights: number[];
  private readonly kind: NumericKind | null;
  private readonly mus: number[] = [];
  private readonly sigmas: number[] = [];
  private readonly logAccept: number[] = [];
  /** log(sigma) per component, or zeros when densities are not normalised (Optuna 3.1). */
  private readonly logScale: number[] = [];
  /** Categorical: the mixture's probability of each choice. */
  private readonly probs: number[] = [];
  /** Categorical: each component's probability of each choice (the prior's row is uniform). */
  private readonly rows: number[][] = [];

  constructor(
    private readonly dist: Distribution,
    /** Observed values (already checked to lie in the distribution), oldest first. */
    observations: ParamValue[],
    options: ParzenOptions,
  ) {
    const n = observations.length;
    const w = [...defaultWeights(n), options.priorWeight];
    const total = w.reduce((a, b) => a + b, 0);
    this.weights = w.map((x) => x / total);
    this.logWeights = this.weights.map((w) => log(w));
    if (dist.type === 'categorical') {
      this.kind = null;
      const k = dist.choices.length;
      const fill = options.priorWeight / (n + 1);
      const rowTotal = 1 + fill * k;
      const probs = new Array<number>(k).fill(0);
      observations.forEach((value, i) => {
        const index = dist.choices.indexOf(value);
        const row = dist.choices.map((_, c) => fill + (c === index ? 1 : 0));
        for (let c = 0; c < k; c++) probs[c] += (this.weights[i] * row[c]) / rowTotal;
        this.rows.push(row.map((x) => x / rowTotal));
      });
      for (let c = 0; c < k; c++) probs[c] += this.weights[n] / k; // the prior row is uniform
      this.rows.push(new Array<number>(k).fill(1 / k));
      this.probs = probs;
      return;
    }
    const kind = numericKind(dist);
    this.kind = kind;
    const { low, high } = kind;
    const range = high - low;
    const mus = observations.map((v) => (kind.log ? log(v as number) : (v as number)));
    mus.push(0.5 * (low + high));
    const m = mus.length;
    const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
    const sorted = [low, ...order.map((i) => mus[i]), high];
    const sortedSigmas: number[] = [];
    for (let j = 1; j <= m; j++) sortedSigmas.push(max(sorted[j] - sorted[j - 1], sorted[j + 1] - sorted[j]));
    if (!options.considerEndpoints && sorted.length >= 4) {
      sortedSigmas[0] = sorted[2] - sorted[1];
      sortedSigmas[m - 1] = sorted[m] - sorted[m - 1];
    }
    const sigmas = new Array<number>(m);
    order.forEach((i, j) => (sigmas[i] = sortedSigmas[j]));
    const maxSigma = range;
    const minSigma = options.considerMagicClip ? range / min(100, 1 + m) : 1e-12;
    if (options.bandwidth !== undefined) sigmas.fill(options.bandwidth * range);
    for (let i = 0; i < m; i++) sigmas[i] = min(max(sigmas[i], minSigma), maxSigma);
    sigmas[m - 1] = range; // the prior
    this.mus = mus;
    this.sigmas = sigmas;
    this.logScale = sigmas.map((sigma) => (options.normalizeDensity ? log(sigma) : 0));
    this.logAccept = mus.map((mu, i) => logGaussMass((low - mu) / sigmas[i], (high - mu) / sigmas[i]));
  }

  /** Draws one value (in the parameter's own units, snapped to its grid). */
  sample(rng: Random): ParamValue {
    if (this.dist.type === 'categorical') return this.dist.choices[pick(this.probs, rng.random())];
    return this.sampleComponent(pick(this.weights, rng.random()), rng);
  }

  /** Draws one value from component i alone. */
  sampleComponent(i: number, rng: Random): ParamValue {
    const dist = this.dist;
    if (dist.type === 'categorical') return dist.choices[pick(this.rows[i], rng.random())];
    const kind = this.kind as NumericKind;
    const mu = this.mus[i];
    const sigma = this.sigmas[i];
    const z = truncnormPpf(rng.random(), (kind.low - mu) / sigma, (kind.high - mu) / sigma);
    const x = mu + sigma * z;
    return snapNumeric(dist, kind.log ? exp(x) : x);
  }

  /** log density (continuous) or log probability (discrete) of a value. */
  logPdf(value: ParamValue): number {
    if (this.dist.type === 'categorical') return log(this.probs[this.dist.choices.indexOf(value)]);
    const terms = [...this.logWeights];
    this.addComponentLogPdfs(value, terms);
    return logSumExp(terms);
  }

  /** Adds each component's log density (or log probability) of a value to acc[component]. */
  addComponentLogPdfs(value: ParamValue, acc: number[]): void {
    if (this.dist.type === 'categorical') {
      const index = this.dist.choices.indexOf(value);
      for (let i = 0; i < this.rows.length; i++) acc[i] += log(this.rows[i][index]);
      return;
    }
    const kind = this.kind as NumericKind;
    const v = value as number;
    if (kind.q === null && !kind.logInt) {
      const x = kind.log ? log(v) : v;
      for (let i = 0; i < this.mus.length; i++) {
        const z = (x - this.mus[i]) / this.sigmas[i];
        acc[i] += -0.5 * z * z - LOG_SQRT_2PI - this.logScale[i] - this.logAccept[i];
      }
    } else {
      const lower = kind.logInt ? log(v - 0.5) : max(v - 0.5 * (kind.q as number), kind.low);
      const upper = kind.logInt ? log(v + 0.5) : min(v + 0.5 * (kind.q as number), kind.high);
      for (let i = 0; i < this.mus.length; i++) {
        const mu = this.mus[i];
        const s = this.sigmas[i];
        acc[i] += logGaussMass((lower - mu) / s, (upper - mu) / s) - this.logAccept[i];
      }
    }
  }
}

/**
 * Optuna's multivariate Parzen estimator: component i is the product of every parameter's
 * component i (one kernel per observation, plus the prior), with a shared bandwidth per
 * dimension from Scott's rule.
 */
class MultivariateParzenEstimator {
  private readonly estimators: ParzenEstimator[];
  private readonly weights: number[];
  private readonly logWeights: number[];

  constructor(
    space: SearchSpace,
    private readonly names: string[],
    observations: Params[],
    options: ParzenOptions,
  ) {
    const bandwidth = SIGMA0_MAGNITUDE * max(observations.length, 1) ** (-1 / (names.length + 4));
    this.estimators = names.map((name) => new ParzenEstimator(space[name], observations.map((o) => o[name]), { ...options, bandwidth }));
    this.weights = this.estimators[0].weights;
    this.logWeights = this.weights.map((w) => log(w));
  }

  sample(rng: Random): Params {
    const component = pick(this.weights, rng.random());
    const params: Params = {};
    this.names.forEach((name, d) => (params[name] = this.estimators[d].sampleComponent(component, rng)));
    return params;
  }

  logPdf(params: Params): number {
    const terms = [...this.logWeights];
    this.names.forEach((name, d) => this.estimators[d].addComponentLogPdfs(params[name], terms));
    return logSumExp(terms);
  }
}

/** Index drawn from (normalised) probabilities with a uniform number u in [0, 1). */
function pick(probs: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (u < acc) return i;
  }
  return probs.length - 1;
}

/** A finished or pending trial ranked as Optuna ranks observations: (step key, loss), ascending. */
interface Ranked {
  params: Params;
  stepKey: number;
  loss: number;
  /** Chronological position. */
  order: number;
}

/**
 * Ranks finished trials like Optuna's _get_observation_pairs (maximisation): COMPLETE trials by
 * value, ahead of every PRUNED trial; PRUNED trials by how many steps they reached, then by their
 * last intermediate value; PRUNED trials without intermediate values last. FAILED trials, and
 * COMPLETE trials without a finite value, are ignored.
 */
export function rankTrials(history: readonly Trial[]): Ranked[] {
  const sorted = [...history].sort((a, b) => a.number - b.number);
  const out: Ranked[] = [];
  for (const trial of sorted) {
    let stepKey: number;
    let loss: number;
    if (trial.state === 'COMPLETE') {
      if (trial.value === null || !Number.isFinite(trial.value)) continue;
      stepKey = -Infinity;
      loss = -trial.value;
    } else if (trial.state === 'PRUNED') {
      const iv = trial.intermediateValues ?? [];
      if (iv.length > 0) {
        const last = iv[iv.length - 1];
        stepKey = -(iv.length - 1);
        loss = Number.isNaN(last) ? Infinity : -last;
      } else {
        stepKey = 1;
        loss = 0;
      }
    } else {
      continue;
    }
    out.push({ params: trial.params, stepKey, loss, order: out.length });
  }
  return out;
}

export class TpeSampler implements Sampler {
  private readonly options: Required<TpeOptions>;

  constructor(
    readonly seed: number,
    options: TpeOptions = {},
  ) {
    this.options = {
      nStartupTrials: options.nStartupTrials ?? 10,
      nEiCandidates: options.nEiCandidates ?? 24,
      gamma: options.gamma ?? defaultGamma,
      priorWeight: options.priorWeight ?? 1.0,
      considerMagicClip: options.considerMagicClip ?? true,
      considerEndpoints: options.considerEndpoints ?? false,
      normalizeDensity: options.normalizeDensity ?? false,
      multivariate: options.multivariate ?? true,
    };
  }

  /**
   * Trial n uses `new Random(seed, n)`. Batches and pending trials use the constant liar: each
   * pending candidate, and each candidate already suggested in this batch, joins the history as
   * a trial ranked below every finished one (as if it scored worse than the worst observed
   * value), so it always falls in the "above" group and pushes l(x)/g(x) down around itself;
   * the number of finished trials (for startup and gamma) does not count them, as in Optuna's
   * constant_liar. A candidate equal to an evaluated, pending or batch one is replaced by a
   * random draw (see avoidDuplicate).
   */
  suggest(space: SearchSpace, history: Trial[], pending: Params[], count: number, firstTrialNumber: number): Params[] {
    checkSuggestArgs(count, firstTrialNumber);
    const ranked = rankTrials(history);
    const seen = seenKeys(history, pending);
    const liars: Params[] = [...pending];
    const out: Params[] = [];
    for (let i = 0; i < count; i++) {
      const rng = new Random(this.seed, firstTrialNumber + i);
      let candidate =
        ranked.length < this.options.nStartupTrials ? sampleSpace(space, rng) : this.sampleModel(space, ranked, liars, rng);
      candidate = avoidDuplicate(space, candidate, seen, rng);
      seen.add(paramsKey(candidate));
      liars.push(candidate);
      out.push(candidate);
    }
    return out;
  }

  private sampleModel(space: SearchSpace, ranked: Ranked[], liars: Params[], rng: Random): Params {
    const n = ranked.length;
    const nBelow = min(this.options.gamma(n), n);
    const byRank = [...ranked].sort((a, b) => a.stepKey - b.stepKey || a.loss - b.loss || a.order - b.order);
    const below = byRank.slice(0, nBelow).sort((a, b) => a.order - b.order).map((r) => r.params);
    const above = [...byRank.slice(nBelow).sort((a, b) => a.order - b.order).map((r) => r.params), ...liars];
    const order = parameterOrder(space);
    const unconditional = order.filter((name) => !space[name].condition && !isSingle(space[name]));
    // One parameter alone gains nothing from the joint model: the independent path samples it.
    const joint = this.options.multivariate && unconditional.length > 1 ? unconditional : [];
    const params: Params = joint.length > 0 ? this.sampleJoint(space, joint, below, above, rng) : {};
    for (const name of order) {
      if (joint.includes(name) || !isActive(space, name, params)) continue;
      params[name] = this.sampleParam(space[name], name, below, above, rng);
    }
    return params;
  }

  /** Multivariate step: the joint candidate over `names` (always-active parameters) maximising l(x) / g(x). */
  private sampleJoint(space: SearchSpace, names: string[], below: Params[], above: Params[], rng: Random): Params {
    // Only trials whose values all still lie in the space inform the joint model.
    const rows = (group: Params[]): Params[] => group.filter((p) => names.every((name) => inDistribution(space[name], p[name])));
    const l = new MultivariateParzenEstimator(space, names, rows(below), this.options);
    const g = new MultivariateParzenEstimator(space, names, rows(above), this.options);
    let best: Params = {};
    let bestScore = -Infinity;
    for (let c = 0; c < this.options.nEiCandidates; c++) {
      const x = l.sample(rng);
      let score = l.logPdf(x) - g.logPdf(x);
      if (Number.isNaN(score)) score = -Infinity;
      if (c === 0 || score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    return best;
  }

  private sampleParam(dist: Distribution, name: string, below: Params[], above: Params[], rng: Random): ParamValue {
    if (isSingle(dist)) return dist.type === 'categorical' ? dist.choices[0] : dist.low;
    // Only trials where the parameter was active (and still lies in the space) inform it.
    const values = (group: Params[]): ParamValue[] =>
      group.filter((p) => inDistribution(dist, p[name])).map((p) => p[name]);
    const l = new ParzenEstimator(dist, values(below), this.options);
    const g = new ParzenEstimator(dist, values(above), this.options);
    let best: ParamValue = null;
    let bestScore = -Infinity;
    const cache = new Map<ParamValue, number>();
    for (let c = 0; c < this.options.nEiCandidates; c++) {
      const x = l.sample(rng);
      let score = cache.get(x);
      if (score === undefined) {
        score = l.logPdf(x) - g.logPdf(x);
        if (Number.isNaN(score)) score = -Infinity;
        if (dist.type !== 'float' || dist.step !== undefined) cache.set(x, score);
      }
      if (c === 0 || score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    return best;
  }
}
