/**
 * Search spaces (distributions per parameter, Optuna-style) and parameter grids
 * (scikit-learn's ParameterGrid), with validation that names the offending parameter.
 */
import { InvalidInputError, type ParamValue, type Params } from '../types';

/** A parameter is active only when its parent parameter has one of the given values. */
export interface Condition {
  param: string;
  equals: ParamValue | ParamValue[];
}

export interface IntDistribution {
  type: 'int';
  low: number;
  high: number;
  /** Sample uniformly in log space (needs low >= 1; not combined with a step other than 1). */
  log?: boolean;
  /** Values are low, low + step, ..., high (step must divide high - low). Default 1. */
  step?: number;
  condition?: Condition;
}

export interface FloatDistribution {
  type: 'float';
  low: number;
  high: number;
  /** Sample uniformly in log space (needs low > 0; not combined with step). */
  log?: boolean;
  /** Values are low, low + step, ..., high (step must divide high - low). */
  step?: number;
  condition?: Condition;
}

export interface CategoricalDistribution {
  type: 'categorical';
  choices: ParamValue[];
  condition?: Condition;
}

export type Distribution = IntDistribution | FloatDistribution | CategoricalDistribution;
export type SearchSpace = Record<string, Distribution>;
/** scikit-learn's param_grid: every combination of the listed values is a candidate. */
export type ParamGrid = Record<string, ParamValue[]>;

const DIST_KEYS: Record<Distribution['type'], readonly string[]> = {
  int: ['type', 'low', 'high', 'log', 'step', 'condition'],
  float: ['type', 'low', 'high', 'log', 'step', 'condition'],
  categorical: ['type', 'choices', 'condition'],
};

/** Relative tolerance when checking that a float step divides the range. */
const STEP_TOLERANCE = 1e-9;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON scalar: finite number, string, boolean or null. */
export function isParamValue(value: unknown): value is ParamValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkName(root: string, name: string, allowedNames: readonly string[] | undefined): void {
  if (name.length === 0) throw new InvalidInputError(root, 'parameter names must be non-empty');
  if (allowedNames && !allowedNames.includes(name)) {
    throw new InvalidInputError(
      `${root}.${name}`,
      `unknown parameter for this model type (allowed: ${[...allowedNames].sort().join(', ')})`,
    );
  }
}

/** Values of a choices/grid list: a non-empty array of distinct JSON scalars. */
function checkValueList(field: string, values: unknown, what: string): asserts values is ParamValue[] {
  if (!Array.isArray(values)) throw new InvalidInputError(field, `${what} must be a list of values`);
  if (values.length === 0) throw new InvalidInputError(field, `${what} must not be empty`);
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (!isParamValue(value)) {
      throw new InvalidInputError(
        field,
        `${what}[${i}] is ${describe(value)}; values must be finite numbers, strings, booleans or null`,
      );
    }
    const key = JSON.stringify(value);
    if (seen.has(key)) throw new InvalidInputError(field, `${what} lists ${key} more than once`);
    seen.add(key);
  });
}

function checkNumber(field: string, dist: Record<string, unknown>, key: string): number {
  const value = dist[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, `${key} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

function validateNumeric(field: string, dist: Record<string, unknown>, type: 'int' | 'float'): void {
  const low = checkNumber(field, dist, 'low');
  const high = checkNumber(field, dist, 'high');
  if (type === 'int' && (!Number.isInteger(low) || !Number.isInteger(high))) {
    throw new InvalidInputError(field, `low and high of an int parameter must be integers, got ${low} and ${high}`);
  }
  if (low > high) throw new InvalidInputError(field, `low (${low}) must not be greater than high (${high})`);
  if (dist.log !== undefined && typeof dist.log !== 'boolean') {
    throw new InvalidInputError(field, `log must be true or false, got ${describe(dist.log)}`);
  }
  const log = dist.log === true;
  if (log && type === 'float' && low <= 0) {
    throw new InvalidInputError(field, `log scale needs low > 0, got low = ${low}`);
  }
  if (log && type === 'int' && low < 1) {
    throw new InvalidInputError(field, `log scale needs low >= 1 for an int parameter, got low = ${low}`);
  }
  if (dist.step === undefined) return;
  const step = checkNumber(field, dist, 'step');
  if (step <= 0) throw new InvalidInputError(field, `step must be positive, got ${step}`);
  if (type === 'int' && !Number.isInteger(step)) {
    throw new InvalidInputError(field, `step of an int parameter must be an integer, got ${step}`);
  }
  if (log && !(type === 'int' && step === 1)) {
    throw new InvalidInputError(field, 'step cannot be combined with log scale');
  }
  const n = (high - low) / step;
  if (Math.abs(n - Math.round(n)) > STEP_TOLERANCE * Math.max(1, n)) {
    throw new InvalidInputError(field, `step ${step} does not divide the range high - low = ${high - low}`);
  }
}

function validateDistribution(field: string, dist: unknown): void {
  if (!isPlainObject(dist)) {
    throw new InvalidInputError(field, 'must be an object like {"type": "int", "low": 1, "high": 10}');
  }
  const type = dist.type;
  if (type !== 'int' && type !== 'float' && type !== 'categorical') {
    throw new InvalidInputError(field, `type must be "int", "float" or "categorical", got ${describe(type)}`);
  }
  for (const key of Object.keys(dist)) {
    if (!DIST_KEYS[type].includes(key)) {
      throw new InvalidInputError(field, `unknown key "${key}" for a ${type} parameter (allowed: ${DIST_KEYS[type].join(', ')})`);
    }
  }
  if (type === 'categorical') checkValueList(field, dist.choices, 'choices');
  else validateNumeric(field, dist, type);
}

/** The values a condition accepts, as a list. */
export function conditionValues(condition: Condition): ParamValue[] {
  return Array.isArray(condition.equals) ? condition.equals : [condition.equals];
}

function validateCondition(field: string, name: string, dist: Distribution, space: SearchSpace): void {
  const condition: unknown = dist.condition;
  if (condition === undefined) return;
  const cfield = `${field}.condition`;
  if (!isPlainObject(condition) || typeof condition.param !== 'string' || !('equals' in condition)) {
    throw new InvalidInputError(cfield, 'must be an object like {"param": "booster", "equals": "gbtree"}');
  }
  for (const key of Object.keys(condition)) {
    if (key !== 'param' && key !== 'equals') throw new InvalidInputError(cfield, `unknown key "${key}"`);
  }
  const parentName = condition.param;
  if (parentName === name) throw new InvalidInputError(cfield, 'a parameter cannot be conditioned on itself');
  if (!Object.prototype.hasOwnProperty.call(space, parentName)) {
    throw new InvalidInputError(cfield, `refers to unknown parameter "${parentName}"`);
  }
  const equals = Array.isArray(condition.equals) ? condition.equals : [condition.equals];
  if (equals.length === 0) throw new InvalidInputError(cfield, 'equals must not be an empty list');
  const parent = space[parentName];
  for (const value of equals) {
    if (!isParamValue(value)) {
      throw new InvalidInputError(cfield, `equals holds ${describe(value)}, which is not a JSON scalar`);
    }
    if (parent.type === 'categorical') {
      if (!parent.choices.includes(value)) {
        throw new InvalidInputError(cfield, `${describe(value)} is not one of the choices of "${parentName}"`);
      }
    } else if (parent.type === 'int') {
      const step = parent.step ?? 1;
      if (typeof value !== 'number' || value < parent.low || value > parent.high || (value - parent.low) % step !== 0) {
        throw new InvalidInputError(cfield, `${describe(value)} is not a possible value of "${parentName}"`);
      }
    } else {
      throw new InvalidInputError(cfield, `cannot depend on the float parameter "${parentName}"; use a categorical or int parent`);
    }
  }
}

/**
 * Checks a search space as a user sent it (JSON), so that samplers can trust it. Throws
 * InvalidInputError with field `param_distributions.<name>` (or `param_distributions.<name>.condition`).
 * `allowedNames`: the parameters of the model type; others are rejected.
 */
export function validateSearchSpace(space: unknown, allowedNames?: readonly string[]): asserts space is SearchSpace {
  const root = 'param_distributions';
  if (!isPlainObject(space)) throw new InvalidInputError(root, 'must be an object mapping parameter names to distributions');
  const names = Object.keys(space);
  if (names.length === 0) throw new InvalidInputError(root, 'must define at least one parameter');
  for (const name of names) {
    checkName(root, name, allowedNames);
    validateDistribution(`${root}.${name}`, space[name]);
  }
  const typed = space as SearchSpace;
  for (const name of names) validateCondition(`${root}.${name}`, name, typed[name], typed);
  // Conditions must form a forest: follow each chain of parents and reject cycles.
  for (const name of names) {
    const chain = [name];
    let current = typed[name].condition?.param;
    while (current !== undefined) {
      if (chain.includes(current)) {
        throw new InvalidInputError(`${root}.${name}.condition`, `conditions form a cycle: ${[...chain, current].join(' -> ')}`);
      }
      chain.push(current);
      current = typed[current].condition?.param;
    }
  }
}

/**
 * Checks a scikit-learn param_grid (JSON): every value list non-empty, distinct JSON scalars.
 * Throws InvalidInputError with field `param_grid.<name>`.
 */
export function validateParamGrid(grid: unknown, allowedNames?: readonly string[]): asserts grid is ParamGrid {
  const root = 'param_grid';
  if (!isPlainObject(grid)) throw new InvalidInputError(root, 'must be an object mapping parameter names to lists of values');
  const names = Object.keys(grid);
  if (names.length === 0) throw new InvalidInputError(root, 'must define at least one parameter');
  for (const name of names) {
    checkName(root, name, allowedNames);
    checkValueList(`${root}.${name}`, grid[name], 'the list of values');
  }
}

/**
 * Parameter names in an order where every parent comes before the parameters conditioned on it
 * (otherwise alphabetical), so sampling and activity checks can go front to back.
 */
export function parameterOrder(space: SearchSpace): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const visit = (name: string): void => {
    if (placed.has(name)) return;
    const parent = space[name].condition?.param;
    if (parent !== undefined && Object.prototype.hasOwnProperty.call(space, parent)) visit(parent);
    placed.add(name);
    order.push(name);
  };
  for (const name of Object.keys(space).sort()) visit(name);
  return order;
}

/**
 * Whether `name` is active given the values chosen so far: its parent is present in `params`
 * (hence active) and has one of the condition's values.
 */
export function isActive(space: SearchSpace, name: string, params: Params): boolean {
  const condition = space[name].condition;
  if (!condition) return true;
  if (!Object.prototype.hasOwnProperty.call(params, condition.param)) return false;
  return conditionValues(condition).includes(params[condition.param]);
}

/** Number of candidates of a grid (the product of the list lengths), without expanding it. */
export function gridSize(grid: ParamGrid): number {
  let size = 1;
  for (const values of Object.values(grid)) size *= values.length;
  return size;
}

/**
 * The `index`-th candidate of a grid in scikit-learn's ParameterGrid order: the keys are sorted
 * (by character code, as Python sorts ASCII names: uppercase first) and the last key varies fastest, like
 * itertools.product over the sorted items. The returned object's keys are in that sorted order.
 */
export function gridCandidate(grid: ParamGrid, index: number): Params {
  const size = gridSize(grid);
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`grid candidate ${index} is out of range (the grid has ${size})`);
  }
  const keys = sortedKeys(grid);
  const params: Params = {};
  let rest = index;
  for (let k = keys.length - 1; k >= 0; k--) {
    const values = grid[keys[k]];
    params[keys[k]] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  const ordered: Params = {};
  for (const key of keys) ordered[key] = params[key];
  return ordered;
}

/** Every candidate of a grid, in scikit-learn's ParameterGrid order (see gridCandidate). */
export function expandGrid(grid: ParamGrid): Params[] {
  const size = gridSize(grid);
  const out: Params[] = [];
  for (let i = 0; i < size; i++) out.push(gridCandidate(grid, i));
  return out;
}

/** A search space with one categorical distribution per grid key (to run TPE/random on a grid). */
export function spaceFromGrid(grid: ParamGrid): SearchSpace {
  const space: SearchSpace = {};
  for (const key of sortedKeys(grid)) space[key] = { type: 'categorical', choices: [...grid[key]] };
  return space;
}

function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A canonical string for a candidate (keys sorted), to detect repeated candidates.
 * Equal parameter sets give equal keys whatever their key order.
 */
export function paramsKey(params: Params): string {
  return JSON.stringify(sortedKeys(params).map((k) => [k, params[k]]));
}
