/**
 * Validation of scikit-learn-style constructor parameters (snake_case names, JSON values), shared
 * by the linear and neighbors estimators. Every error is InvalidInputError(parameterName, reason).
 */
import { InvalidInputError, ParamValue, Params } from '../types';

export interface NumberRule {
  min?: number;
  max?: number;
  /** min is exclusive (value must be > min). */
  minExclusive?: boolean;
  integer?: boolean;
}

function describe(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/** Reads typed parameter values, after rejecting names not in `allowed`. */
export class ParamReader {
  constructor(
    readonly estimator: string,
    readonly params: Params | undefined,
    allowed: readonly string[],
  ) {
    if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
      throw new InvalidInputError('params', `${estimator} parameters must be an object`);
    }
    for (const name of Object.keys(params ?? {})) {
      if (!allowed.includes(name)) {
        throw new InvalidInputError(name, `unknown parameter for ${estimator}; expected one of ${allowed.join(', ')}`);
      }
    }
  }

  private raw(name: string): ParamValue | undefined {
    // (values may also be JSON objects at run time, e.g. class_weight)
    const p = this.params;
    return p !== undefined && Object.prototype.hasOwnProperty.call(p, name) ? p[name] : undefined;
  }

  number(name: string, fallback: number, rule: NumberRule = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const kind = rule.integer ? 'an integer' : 'a number';
    const bounds: string[] = [];
    if (rule.min !== undefined) bounds.push(`${rule.minExclusive ? '>' : '>='} ${rule.min}`);
    if (rule.max !== undefined) bounds.push(`<= ${rule.max}`);
    const expected = `must be ${kind}${bounds.length ? ' ' + bounds.join(' and ') : ''}, got ${describe(v)}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidInputError(name, expected);
    if (rule.integer && !Number.isInteger(v)) throw new InvalidInputError(name, expected);
    if (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) throw new InvalidInputError(name, expected);
    if (rule.max !== undefined && v > rule.max) throw new InvalidInputError(name, expected);
    return v;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new InvalidInputError(name, `must be true or false, got ${describe(v)}`);
    return v;
  }

  /** One of `values` (strings or null); `aliases` maps accepted spellings to a value. */
  choice<T extends string | null>(name: string, fallback: T, values: readonly T[], aliases: Record<string, T> = {}): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(aliases, v)) return aliases[v];
    if ((typeof v === 'string' || v === null) && (values as readonly (string | null)[]).includes(v)) return v as T;
    throw new InvalidInputError(name, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`);
  }

  /**
   * `class_weight`: null, "balanced", or an object {class label: weight >= 0} (also accepted as a
   * JSON string, since parameter grids hold scalars). Labels are resolved against the data set at fit.
   */
  classWeight(name: string): null | 'balanced' | Record<string, number> {
    let v: unknown = this.raw(name);
    if (v === undefined || v === null) return null;
    if (v === 'balanced') return 'balanced';
    const expected = `must be null, "balanced" or an object {class: weight}, got ${describe(v)}`;
    if (typeof v === 'string') {
      if (!v.trim().startsWith('{')) throw new InvalidInputError(name, expected);
      try {
        v = JSON.parse(v);
      } catch {
        throw new InvalidInputError(name, `is not valid JSON: ${describe(v)}`);
      }
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidInputError(name, expected);
    const weights: Record<string, number> = {};
    for (const [label, w] of Object.entries(v as Record<string, unknown>)) {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new InvalidInputError(name, `weight of class "${label}" must be a number >= 0, got ${describe(w)}`);
      }
      weights[label] = w;
    }
    return weights;
  }
}
