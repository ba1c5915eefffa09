/** Files and option values the user gives: a tuning request as JSON or YAML, hyperparameters as JSON. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { usageError } from './errors';

export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A request body from a .json file, or a .yaml / .yml file (any other name is read as YAML, which includes JSON). */
export async function readSpecFile(path: string): Promise<Record<string, unknown>> {
  const text = await readTextFile(path);
  let spec: unknown;
  try {
    spec = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw usageError(`${path} is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (!isObject(spec)) throw usageError(`${path} must hold one object (the fields of a tuning request)`);
  return spec;
}

export function parseJsonObject(option: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(`${option} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw usageError(`${option} must be a JSON object, e.g. '{"n_estimators": 100}'`);
  return value;
}

/** A commander parser for a whole-number option: anything else is a usage error naming the option. */
export function wholeNumber(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw usageError(`${option} must be a whole number, not "${value}"`);
    return Number(value);
  };
}
