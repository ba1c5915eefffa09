/**
 * An uploaded data set as typed columns, built one value at a time (a streamed CSV) or one column
 * at a time (Parquet), without ever holding the file. Values go into fixed-size Float64 blocks
 * (no doubling reallocation), joined into one array per column at the end, column by column, so
 * the peak stays near the size of the floats.
 *
 * A feature column is numeric until a value that is neither a number nor missing appears: from
 * then on it is categorical (codes into its categories, sorted by code point at the end as
 * scikit-learn's encoders sort them; numbers seen before are kept as their decimal text).
 * Missing values are NaN: an empty field or one of pandas' default NA strings (read_csv's list).
 */
import { InvalidInputError, type Task } from '../types';

export type ColumnType = 'numeric' | 'categorical';

export interface TableColumn {
  name: string;
  type: ColumnType;
  /** numeric: the values; categorical: the index of the category. NaN marks a missing value. */
  values: Float64Array;
  /** categorical only, sorted by code point. */
  categories?: string[];
  missing: number;
}

export interface ColumnTable {
  nRows: number;
  task: Task;
  features: TableColumn[];
  /** Classification: the class index; regression: the value. */
  target: Float64Array;
  classes?: string[];
}

/** pandas.read_csv's default NA strings (with the empty field). */
const NA_STRINGS = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
]);

const BLOCK = 1 << 16;

/** A finite number in decimal notation, or null (hex/binary/octal literals and Infinity are text). */
export function parseDecimal(text: string): number | null {
  const v = Number(text);
  if (!Number.isFinite(v)) return null;
  if (/^[+-]?0[xXbBoO]/.test(text)) return null;
  return v;
}

/** One column's values while they arrive. `where` describes a position for error messages (a line or a row). */
class ColumnAccumulator {
  private readonly blocks: Float64Array[] = [];
  length = 0;
  missing = 0;
  private codes: Map<string, number> | null = null;
  private categoryList: string[] = [];
  /** The first non-numeric value and where it was (a regression target must have none). */
  firstText: { value: string; where: string } | null = null;

  constructor(readonly name: string) {}

  get isCategorical(): boolean {
    return this.codes !== null;
  }

  private append(v: number): void {
    const offset = this.length % BLOCK;
    if (offset === 0) this.blocks.push(new Float64Array(BLOCK));
    this.blocks[this.blocks.length - 1][offset] = v;
    this.length++;
  }

  pushMissing(): void {
    this.missing++;
    this.append(NaN);
  }

  pushNumber(v: number): void {
    if (this.codes === null) this.append(v);
    else this.append(this.code(String(v)));
  }

  pushText(text: string, where: () => string): void {
    if (this.codes === null) {
      this.firstText = { value: text, where: where() };
      this.toCategorical();
    }
    this.append(this.code(text));
  }

  /** A field as read from text: missing, a number, or a category. */
  pushField(raw: string, where: () => string): void {
    const text = raw.trim();
    if (NA_STRINGS.has(text)) return this.pushMissing();
    const v = this.codes === null ? parseDecimal(text) : null;
    if (v !== null) this.append(v);
    else this.pushText(text, where);
  }

  private code(text: string): number {
    let code = this.codes!.get(text);
    if (code === undefined) {
      code = this.categoryList.length;
      this.codes!.set(text, code);
      this.categoryList.push(text);
    }
    return code;
  }

  private toCategorical(): void {
    this.codes = new Map();
    for (let i = 0; i < this.length; i++) {
      const block = this.blocks[Math.floor(i / BLOCK)];
      const v = block[i % BLOCK];
      if (!Number.isNaN(v)) block[i % BLOCK] = this.code(String(v));
    }
  }

  /** The values as one array (the blocks are released as they are copied) and, when categorical, its sorted categories. */
  finish(): TableColumn {
    const values = new Float64Array(this.length);
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b];
      values.set(block.subarray(0, Math.min(BLOCK, this.length - b * BLOCK)), b * BLOCK);
      this.blocks[b] = EMPTY;
    }
    if (this.codes === null) return { name: this.name, type: 'numeric', values, missing: this.missing };
    const categories = [...this.categoryList].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const rank = new Float64Array(this.categoryList.length);
    categories.forEach((category, k) => (rank[this.codes!.get(category)!] = k));
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) values[i] = rank[values[i]];
    return { name: this.name, type: 'categorical', values, categories, missing: this.missing };
  }
}

const EMPTY = new Float64Array(0);

export interface TableOptions {
  targetColumn: string;
  task: Task;
}

/**
 * Builds a ColumnTable from the header's names and then values. Errors are InvalidInputError
 * on `field` (csv or parquet), naming the column and the line or row.
 */
export class TableBuilder {
  readonly columns: ColumnAccumulator[];
  readonly targetIndex: number;

  constructor(
    names: string[],
    private readonly opts: TableOptions,
    private readonly field: string,
  ) {
    const seen = new Set<string>();
    names.forEach((name, j) => {
      if (name === '') throw new InvalidInputError(field, `header column ${j + 1} has no name`);
      if (seen.has(name)) throw new InvalidInputError(field, `duplicate column name "${name}"`);
      seen.add(name);
    });
    this.targetIndex = names.indexOf(opts.targetColumn);
    if (this.targetIndex < 0) {
      throw new InvalidInputError('target_column', `column "${opts.targetColumn}" is not in the header (${names.map((n) => `"${n}"`).join(', ')})`);
    }
    if (names.length < 2) throw new InvalidInputError(field, `the ${field === 'csv' ? 'CSV' : 'file'} has no feature columns besides the target`);
    this.columns = names.map((name) => new ColumnAccumulator(name));
  }

  /** One CSV record, whose first line is `line` (1-based). */
  addRecord(fields: string[], line: number): void {
    if (fields.length !== this.columns.length) {
      throw new InvalidInputError(this.field, `line ${line}: expected ${this.columns.length} fields, found ${fields.length}`);
    }
    const where = () => `line ${line}`;
    for (let j = 0; j < fields.length; j++) {
      const column = this.columns[j];
      column.pushField(fields[j], where);
      if (j === this.targetIndex && column.missing > 0) {
        throw new InvalidInputError(this.field, `line ${line}, column "${column.name}": missing target value`);
      }
    }
  }

  /** Row `row` (0-based) of column `j`, as a typed file reader decoded it. */
  pushValue(j: number, value: unknown, row: number): void {
    const column = this.columns[j];
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
      if (j === this.targetIndex) throw new InvalidInputError(this.field, `row ${row + 1}, column "${column.name}": missing target value`);
      column.pushMissing();
    } else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
      const v = Number(value);
      if (!Number.isFinite(v)) throw new InvalidInputError(this.field, `row ${row + 1}, column "${column.name}": ${v} is not a finite number`);
      column.pushNumber(v);
    } else if (value instanceof Date) {
      column.pushNumber(value.getTime());
    } else if (typeof value === 'string') {
      column.pushText(value, () => `row ${row + 1}`);
    } else {
      throw new InvalidInputError(this.field, `column "${column.name}": nested or binary values are not supported (row ${row + 1})`);
    }
  }

  finish(): ColumnTable {
    const { task, targetColumn } = this.opts;
    const target = this.columns[this.targetIndex];
    const nRows = target.length;
    if (nRows < 2) throw new InvalidInputError(this.field, `need at least 2 data rows, found ${nRows}`);
    if (target.missing > 0) throw new InvalidInputError(this.field, `column "${targetColumn}": ${target.missing} missing target values`);
    if (task === 'regression' && target.isCategorical) {
      const { value, where } = target.firstText!;
      throw new InvalidInputError(this.field, `${where}, column "${targetColumn}": regression target ${JSON.stringify(value)} is not a number`);
    }
    const features = this.columns.filter((_, j) => j !== this.targetIndex).map((column) => column.finish());
    const y = target.finish();
    if (task === 'regression') return { nRows, task, features, target: y.values };
    let classes = y.categories;
    if (!classes) {
      // Numeric labels: sorted numerically, "1" and "1.0" one class "1" (as parseCsv does).
      const values = Array.from(new Set(y.values)).sort((a, b) => a - b);
      const index = new Map(values.map((v, k) => [v, k]));
      for (let i = 0; i < nRows; i++) y.values[i] = index.get(y.values[i])!;
      classes = values.map(String);
    }
    if (classes.length < 2) {
      throw new InvalidInputError(this.field, `classification needs at least 2 classes in column "${targetColumn}", found ${classes.length}`);
    }
    return { nRows, task, features, target: y.values, classes };
  }
}
