/**
 * Values for the fuzzer, derived from the API's zod schemas: a walk of the schema produces a valid
 * value, a boundary value (at or just past a min / max), a value of the wrong type, or a hostile one
 * (NUL characters, 1e308, -0, numbers JSON cannot carry, unicode, long strings, deep nesting). Every
 * choice comes from a seeded generator, so a request is reproduced by its seed and index.
 */
import { z } from 'zod';

/** mulberry32: small, fast, and the same sequence on every machine. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  uuid(): string {
    const hex = () => this.int(0, 15).toString(16);
    const part = (n: number) => Array.from({ length: n }, hex).join('');
    return `${part(8)}-${part(4)}-4${part(3)}-${this.pick(['8', '9', 'a', 'b'])}${part(3)}-${part(12)}`;
  }
}

/**
 * JSON text placed as is where the value stands (JSON.stringify cannot write these): numbers
 * outside double range that parse to ±Infinity, NaN, a lone surrogate escape.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson values verbatim. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof RawJson) {
      raws.push(item.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return item;
  });
  return (text ?? 'null').replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]);
}

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  '\u0000',
  'a\u0000b',
  ' ',
  '\t\n\r',
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  'null',
  'true',
  '%zz',
  '%00',
  '../../etc/passwd',
  "'; drop table tuning_runs; --",
  '<script>alert(1)</script>',
  '名前と説明',
  '🚀🔥💥',
  'مرحبا',
  '\u202e\u200b\ufeff',
  '\ud800',
  'x'.repeat(100_001),
];

export const HOSTILE_NUMBERS: readonly unknown[] = [
  0,
  -0,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  new RawJson('1e999'),
  new RawJson('-1e999'),
  new RawJson('123456789012345678901234567890'),
];

/** Nested arrays or objects `depth` levels deep around `leaf`, as JSON text (too deep for JSON.stringify). */
export function deeplyNested(depth: number, leaf: unknown, kind: 'array' | 'object'): RawJson {
  const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
  return new RawJson(open.repeat(depth) + JSON.stringify(leaf) + close.repeat(depth));
}

const WRONG_TYPES: readonly unknown[] = [true, false, null, 0, 42, -7.5, 'text', '', [], [1, 'a'], {}, { a: 1 }];

/** A value whose JSON type differs from `reference`'s (null, array and object count as types). */
export function wrongTypeFor(reference: unknown, rng: Rng): unknown {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const candidates = WRONG_TYPES.filter((v) => kind(v) !== kind(reference));
  return rng.pick(candidates);
}

export type Mode = 'valid' | 'boundary' | 'wrong_type' | 'hostile';

/** A field-specific value source; returns undefined to fall back to the schema walk. */
export type FieldHook = (path: string, schema: z.ZodTypeAny, rng: Rng) => unknown;

export interface WalkOptions {
  rng: Rng;
  /** Probability that a field is mutated (boundary, wrong type or hostile) instead of valid. */
  mutation: number;
  /** Values for fields the schema cannot know (ids of things that exist, model types, ...). */
  hook?: FieldHook;
}

type Def = { typeName: string; [key: string]: any };
const defOf = (schema: z.ZodTypeAny) => schema._def as Def;

type Check = { kind: string; value?: number; inclusive?: boolean };
const checksOf = (schema: z.ZodTypeAny): Check[] => (defOf(schema).checks as Check[] | undefined) ?? [];
const checkValue = (schema: z.ZodTypeAny, kind: string) => checksOf(schema).find((c) => c.kind === kind)?.value;

/** Strips optional / nullable / default / refinements down to the schema that says the type. */
export function innerSchema(schema: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    const def = defOf(schema);
    switch (def.typeName) {
      case 'ZodOptional':
      case 'ZodNullable':
      case 'ZodDefault':
        schema = def.innerType;
        break;
      case 'ZodEffects':
        schema = def.schema;
        break;
      default:
        return schema;
    }
  }
}

const isOptional = (schema: z.ZodTypeAny) => schema.isOptional();

function validString(schema: z.ZodTypeAny, rng: Rng): string {
  if (checksOf(schema).some((c) => c.kind === 'uuid')) return rng.uuid();
  const min = checkValue(schema, 'min') ?? 0;
  const max = checkValue(schema, 'max') ?? 1000;
  const length = Math.min(max, Math.max(min, rng.int(1, 12)));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789';
  return Array.from({ length }, () => rng.pick(alphabet.split(''))).join('');
}

function numberBounds(schema: z.ZodTypeAny): { min?: number; max?: number; int: boolean } {
  const checks = checksOf(schema);
  const bound = (kind: 'min' | 'max') => {
    const check = checks.find((c) => c.kind === kind);
    if (!check || check.value === undefined) return undefined;
    if (check.inclusive !== false) return check.value;
    return kind === 'min' ? check.value + Number.EPSILON * Math.max(1, Math.abs(check.value)) : check.value - Number.EPSILON;
  };
  return { min: bound('min'), max: bound('max'), int: checks.some((c) => c.kind === 'int') };
}

/** Small values near the minimum: a valid body starts cheap runs (tiny n_iter, few estimators). */
function validNumber(schema: z.ZodTypeAny, rng: Rng): number {
  const { min, max, int } = numberBounds(schema);
  const low = min ?? 0;
  const high = Math.min(max ?? low + 3, low + 3);
  const value = low + rng.next() * (high - low);
  return int ? Math.min(Math.ceil(value), Math.floor(max ?? Infinity)) : value;
}

function boundaryNumber(schema: z.ZodTypeAny, rng: Rng): unknown {
  const { min, max, int } = numberBounds(schema);
  const options: unknown[] = [];
  if (min !== undefined) options.push(min, min - (int ? 1 : 1e-9));
  if (max !== undefined) options.push(max, max + (int ? 1 : 1e-9));
  if (int) options.push(1.5);
  options.push(0, -0, 1e308);
  return rng.pick(options);
}

/** Longest string the fuzzer sends: a 200 MB boundary would measure the fuzzer's own memory, not the API. */
const MAX_FUZZ_STRING = 200_000;

function boundaryString(schema: z.ZodTypeAny, rng: Rng): string {
  const min = checkValue(schema, 'min');
  const max = checkValue(schema, 'max') ?? 1000;
  const options = max < MAX_FUZZ_STRING ? [max, max + 1] : [MAX_FUZZ_STRING];
  if (min !== undefined) options.push(min, Math.max(0, min - 1));
  return 'b'.repeat(rng.pick(options));
}

/** Walks `schema` at `path`; mutates this node with probability `mutation`, else recurses validly. */
export function valueFor(schema: z.ZodTypeAny, path: string, options: WalkOptions): unknown {
  const { rng, hook } = options;
  const inner = innerSchema(schema);
  if (rng.chance(options.mutation)) return mutated(inner, path, options);
  const hooked = hook?.(path, inner, rng);
  if (hooked !== undefined) return hooked;
  const def = defOf(inner);
  switch (def.typeName) {
    case 'ZodObject': {
      const shape = (inner as z.ZodObject<z.ZodRawShape>).shape;
      const value: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        if (isOptional(field) && rng.chance(0.7)) continue;
        value[key] = valueFor(field, path ? `${path}.${key}` : key, options);
      }
      return value;
    }
    case 'ZodString':
      return validString(inner, rng);
    case 'ZodNumber':
      return validNumber(inner, rng);
    case 'ZodBoolean':
      return rng.chance(0.5);
    case 'ZodNull':
      return null;
    case 'ZodEnum':
      return rng.pick(def.values as string[]);
    case 'ZodLiteral':
      return def.value;
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion':
      return valueFor(rng.pick([...(def.options as Iterable<z.ZodTypeAny>)]), path, options);
    case 'ZodArray': {
      const max = def.maxLength?.value ?? 4;
      const length = Math.min(max, rng.int(def.minLength?.value ?? 0, 3));
      return Array.from({ length }, (_, i) => valueFor(def.type, `${path}[${i}]`, options));
    }
    case 'ZodRecord': {
      const count = rng.int(0, 3);
      const value: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = String(valueFor(def.keyType, `${path}.(key)`, { ...options, mutation: 0 }));
        value[key] = valueFor(def.valueType, `${path}.${key}`, options);
      }
      return value;
    }
    default:
      // ZodUnknown and anything the walk does not model: a scalar or a small structure.
      return rng.pick([1, 'x', true, null, { a: 1 }, [1]]);
  }
}

/** A boundary, wrong-type or hostile value for the node `schema` (already unwrapped). */
function mutated(schema: z.ZodTypeAny, path: string, options: WalkOptions): unknown {
  const { rng } = options;
  const typeName = defOf(schema).typeName;
  const mode = rng.pick(['boundary', 'wrong_type', 'hostile'] as const);
  if (mode === 'wrong_type') return wrongTypeFor(valueFor(schema, path, { ...options, mutation: 0 }), rng);
  if (mode === 'boundary') {
    if (typeName === 'ZodNumber') return boundaryNumber(schema, rng);
    if (typeName === 'ZodString') return boundaryString(schema, rng);
    if (typeName === 'ZodArray') {
      const max: number = defOf(schema).maxLength?.value ?? 1000;
      return Array.from({ length: max + 1 }, () => valueFor(defOf(schema).type, path, { ...options, mutation: 0 }));
    }
  }
  if (typeName === 'ZodNumber') return rng.pick(HOSTILE_NUMBERS);
  if (rng.chance(0.05)) return deeplyNested(rng.pick([50, 1000, 20_000]), rng.pick(['\u0000', 1, null]), rng.pick(['array', 'object'] as const));
  return rng.pick(HOSTILE_STRINGS);
}
