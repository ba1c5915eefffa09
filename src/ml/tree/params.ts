/**
 * Validation of scikit-learn-named constructor parameters, shared by trees and ensembles.
 *
 * Every estimator declares a spec: parameter name → validator. `resolveParams` rejects unknown
 * names and invalid values with `InvalidInputError(name, reason)` and fills in defaults.
 *
 * JSON has one number type, so `1` and `1.0` cannot be told apart. Where scikit-learn gives
 * integers and floats different meanings, an integral number is read as a count, except that
 * exactly 1 means the fraction 1.0 when a count of 1 is invalid or useless (`min_samples_split`,
 * `max_features`, `max_samples`).
 */
import { InvalidInputError } from '../types';

/** A validator returns the normalised value or throws `InvalidInputError(name, reason)`. */
export type Validator<T = unknown> = (value: unknown, name: string) => T;

export interface ParamSpec {
  [name: string]: { default: unknown; validate: Validator };
}

export function fail(name: string, reason: string): never {
  throw new InvalidInputError(name, reason);
}

/**
 * scikit-learn's "int count or float fraction" reading of a number: an integer >= minCount is a
 * count, any other number a fraction in (0, 1] (`oneIsFraction`: then exactly 1 is the fraction
 * 1.0, see above) or in (0, 1).
 */
function countOrFraction(value: number, name: string, minCount: number, oneIsFraction: boolean): CountOrFraction {
  if (oneIsFraction && value === 1) return { fraction: 1 };
  if (Number.isInteger(value)) {
    if (value < minCount) fail(name, `must be >= ${minCount} as an integer, got ${value}`);
    return { count: value };
  }
  if (value <= 0 || (oneIsFraction ? value > 1 : value >= 1)) fail(name, `must be in (0, 1${oneIsFraction ? ']' : ')'} as a float, got ${value}`);
  return { fraction: value };
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export const v = {
  int(min: number, max = Infinity): Validator<number> {
    return (value, name) => {
      if (!isNumber(value) || !Number.isInteger(value)) fail(name, `expected an integer, got ${show(value)}`);
      if (value < min || value > max) {
        fail(name, `must be ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}, got ${value}`);
      }
      return value;
    };
  },
  /** A float in a range; `openLow` / `openHigh` exclude the bounds. */
  float(min: number, max: number, openLow = false, openHigh = false): Validator<number> {
    return (value, name) => {
      if (!isNumber(value)) fail(name, `expected a number, got ${show(value)}`);
      if (value < min || value > max || (openLow && value === min) || (openHigh && value === max)) {
        fail(name, `must be in ${openLow ? '(' : '['}${min}, ${max}${openHigh ? ')' : ']'}, got ${value}`);
      }
      return value;
    };
  },
  bool(): Validator<boolean> {
    return (value, name) => {
      if (typeof value !== 'boolean') fail(name, `expected true or false, got ${show(value)}`);
      return value;
    };
  },
  oneOf<T extends string>(...choices: T[]): Validator<T> {
    return (value, name) => {
      if (typeof value !== 'string' || !(choices as string[]).includes(value)) {
        fail(name, `expected one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${show(value)}`);
      }
      return value as T;
    };
  },
  nullable<T>(inner: Validator<T>): Validator<T | null> {
    return (value, name) => (value === null || value === undefined ? null : inner(value, name));
  },
  /** `random_state`: null (fresh randomness) or an integer in [0, 2^32 - 1]. */
  randomState(): Validator<number | null> {
    return v.nullable(v.int(0, 4294967295));
  },
  /** `max_features`: "sqrt", "log2", null (all), an integer count >= 1 or a fraction in (0, 1]. */
  maxFeatures(): Validator<MaxFeatures> {
    return (value, name) => {
      if (value === null || value === undefined) return null;
      if (value === 'sqrt' || value === 'log2') return value;
      if (!isNumber(value)) fail(name, `expected "sqrt", "log2", null, an integer >= 1 or a float in (0, 1], got ${show(value)}`);
      return countOrFraction(value, name, 1, true);
    };
  },
  /** `min_samples_split`: integer >= 2 or fraction in (0, 1] (1 means the fraction 1.0). */
  minSamplesSplit(): Validator<CountOrFraction> {
    return (value, name) => {
      if (!isNumber(value)) fail(name, `expected an integer >= 2 or a float in (0, 1], got ${show(value)}`);
      return countOrFraction(value, name, 2, true);
    };
  },
  /** `min_samples_leaf`: integer >= 1 or fraction in (0, 1). */
  minSamplesLeaf(): Validator<CountOrFraction> {
    return (value, name) => {
      if (!isNumber(value)) fail(name, `expected an integer >= 1 or a float in (0, 1), got ${show(value)}`);
      return countOrFraction(value, name, 1, false);
    };
  },
  /** `max_samples` (forests): null, integer >= 1 or fraction in (0, 1] (1 means 1.0). */
  maxSamples(): Validator<CountOrFraction | null> {
    return (value, name) => {
      if (value === null || value === undefined) return null;
      if (!isNumber(value)) fail(name, `expected null, an integer >= 1 or a float in (0, 1], got ${show(value)}`);
      return countOrFraction(value, name, 1, true);
    };
  },
  /**
   * `class_weight`: null, "balanced" (plus extra allowed strings such as "balanced_subsample"),
   * an object {label: weight}, or the same object as a JSON string (grids hold only scalars).
   */
  classWeight(...strings: string[]): Validator<ClassWeight> {
    return (value, name) => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'string') {
        if (value === 'balanced' || strings.includes(value)) return value;
        if (value.trim().startsWith('{')) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(value);
          } catch {
            fail(name, `is not valid JSON: ${show(value)}`);
          }
          return v.classWeight(...strings)(parsed, name);
        }
        fail(name, `expected null, ${['balanced', ...strings].map((s) => `"${s}"`).join(', ')} or an object {class: weight}, got ${show(value)}`);
      }
      if (typeof value !== 'object' || Array.isArray(value)) {
        fail(name, `expected null, "balanced" or an object {class: weight}, got ${show(value)}`);
      }
      const weights: Record<string, number> = {};
      for (const [label, w] of Object.entries(value as Record<string, unknown>)) {
        if (!isNumber(w) || w < 0) fail(name, `weight of class "${label}" must be a number >= 0, got ${show(w)}`);
        weights[label] = w;
      }
      return weights;
    };
  },
};

export type CountOrFraction = { count: number } | { fraction: number };
export type MaxFeatures = 'sqrt' | 'log2' | null | CountOrFraction;
export type ClassWeight = null | string | Record<string, number>;

/** Checks `params` against `spec`: unknown names and bad values throw; missing ones get defaults. */
export function resolveParams(spec: ParamSpec, params: unknown): Record<string, unknown> {
  if (params === undefined || params === null) params = {};
  if (typeof params !== 'object' || Array.isArray(params)) fail('params', `expected an object, got ${show(params)}`);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(params as object)) {
    if (!Object.prototype.hasOwnProperty.call(spec, name)) {
      fail(name, `unknown parameter; allowed: ${Object.keys(spec).join(', ')}`);
    }
  }
  for (const [name, { default: def, validate }] of Object.entries(spec)) {
    const given = (params as Record<string, unknown>)[name];
    out[name] = validate(given === undefined ? def : given, name);
  }
  return out;
}

/** Resolves `max_features` to a count in [1, nFeatures]. */
export function resolveMaxFeatures(mf: MaxFeatures, nFeatures: number): number {
  let k: number;
  if (mf === null) k = nFeatures;
  else if (mf === 'sqrt') k = Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  else if (mf === 'log2') k = Math.max(1, Math.floor(Math.log2(nFeatures)));
  else if ('count' in mf) {
    if (mf.count > nFeatures) fail('max_features', `${mf.count} is more than the ${nFeatures} features`);
    k = mf.count;
  } else k = Math.max(1, Math.floor(mf.fraction * nFeatures));
  return Math.min(nFeatures, k);
}

/** Resolves a count-or-fraction against n: fractions round up like scikit-learn. */
export function resolveCount(value: CountOrFraction, n: number): number {
  return 'count' in value ? value.count : Math.ceil(value.fraction * n);
}

/** A seed for `Random`: random_state when given, else fresh randomness. */
export function seedOf(randomState: number | null): number {
  return randomState === null ? Math.floor(Math.random() * 4294967296) : randomState;
}
