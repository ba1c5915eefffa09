/**
 * CSV → Dataset. A header row is required; every column but the target is a numeric feature.
 *
 * Errors are InvalidInputError('csv', reason) with the reason naming the line (1-based, the header
 * is line 1) and the column, e.g. `line 7, column "petal_width": "abc" is not a number`.
 */
import * as fs from 'fs';
import * as path from 'path';

import { Dataset, InvalidInputError, Task } from '../types';
import { PROJECT_ROOT } from '../../util/project_root';

export interface ParseCsvOptions {
  /** Name of the target column (must appear in the header). */
  targetColumn: string;
  task: Task;
  /** Allocate X and y on a SharedArrayBuffer (to share with worker threads without copying). */
  shared?: boolean;
}

const FIELD = 'csv';
const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * Parses a CSV text. Fields may be quoted ("a,b", with "" for a quote, newlines allowed inside
 * quotes); blank lines are skipped; surrounding whitespace is ignored.
 *
 * Classification: the target may hold strings or numbers. The sorted unique labels (numerically
 * when every label is a number, else by code point) get the indices 0..k-1 stored in y, and
 * `classes` keeps them as strings (numeric labels normalised, so "1" and "1.0" are one class "1").
 * Regression: the target must be numeric.
 */
export function parseCsv(text: string, opts: ParseCsvOptions): Dataset {
  const { targetColumn, task } = opts;
  if (task !== 'classification' && task !== 'regression') {
    throw new InvalidInputError('task', `expected "classification" or "regression", got ${JSON.stringify(task)}`);
  }
  if (typeof text !== 'string' || text.length === 0) throw new InvalidInputError(FIELD, 'the CSV text is empty');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const reader = new RecordReader(text);
  const header = reader.next();
  if (header === null) throw new InvalidInputError(FIELD, 'the CSV text has no header row');
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  names.forEach((name, j) => {
    if (name === '') throw new InvalidInputError(FIELD, `line ${reader.recordLine}: header column ${j + 1} has no name`);
    if (seen.has(name)) throw new InvalidInputError(FIELD, `line ${reader.recordLine}: duplicate column name "${name}"`);
    seen.add(name);
  });
  const targetIndex = names.indexOf(targetColumn);
  if (targetIndex < 0) {
    throw new InvalidInputError('target_column', `column "${targetColumn}" is not in the header (${names.map((n) => `"${n}"`).join(', ')})`);
  }
  const nCols = names.length;
  const nFeatures = nCols - 1;
  if (nFeatures < 1) throw new InvalidInputError(FIELD, 'the CSV has no feature columns besides the target');
  const featureNames = names.filter((_, j) => j !== targetIndex);
  // Column j of the file → feature index (or -1 for the target).
  const featureOf = new Int32Array(nCols);
  for (let j = 0, f = 0; j < nCols; j++) featureOf[j] = j === targetIndex ? -1 : f++;

  // Upper bound on the number of records: one per line break (+1 for a last line without one).
  let capacity = 1;
  for (let pos = text.indexOf('\n'); pos >= 0; pos = text.indexOf('\n', pos + 1)) capacity++;
  let X: Float64Array = new Float64Array(capacity * nFeatures); // column-major with stride `capacity`
  const yNumeric = new Float64Array(capacity);
  const labels: string[] | null = task === 'classification' ? new Array<string>(capacity) : null;
  let allNumericLabels = true;

  let n = 0;
  for (let rec = reader.next(); rec !== null; rec = reader.next()) {
    const line = reader.recordLine;
    if (rec.length !== nCols) {
      throw new InvalidInputError(FIELD, `line ${line}: expected ${nCols} fields, found ${rec.length}`);
    }
    for (let j = 0; j < nCols; j++) {
      const raw = rec[j];
      const f = featureOf[j];
      if (f >= 0) {
        const v = parseNumber(raw);
        if (v === null) {
          throw new InvalidInputError(
            FIELD,
            raw.trim() === ''
              ? `line ${line}, column "${names[j]}": missing value`
              : `line ${line}, column "${names[j]}": ${JSON.stringify(raw.trim())} is not a number`,
          );
        }
        X[f * capacity + n] = v;
      } else {
        const label = raw.trim();
        if (label === '') throw new InvalidInputError(FIELD, `line ${line}, column "${names[j]}": missing target value`);
        const v = parseNumber(label);
        if (labels === null) {
          if (v === null) throw new InvalidInputError(FIELD, `line ${line}, column "${names[j]}": regression target ${JSON.stringify(label)} is not a number`);
          yNumeric[n] = v;
        } else {
          labels[n] = label;
          if (v === null) allNumericLabels = false;
          else yNumeric[n] = v;
        }
      }
    }
    n++;
  }
  if (n < 2) throw new InvalidInputError(FIELD, `need at least 2 data rows, found ${n}`);

  const alloc = (len: number): Float64Array =>
    opts.shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len);
  if (n !== capacity || opts.shared) {
    const compact = alloc(n * nFeatures);
    for (let f = 0; f < nFeatures; f++) compact.set(X.subarray(f * capacity, f * capacity + n), f * n);
    X = compact;
  }
  const y = alloc(n);
  const dataset: Dataset = { nSamples: n, nFeatures, featureNames, X, y, task };

  if (labels === null) {
    y.set(yNumeric.subarray(0, n));
    return dataset;
  }

  let classes: string[];
  if (allNumericLabels) {
    const values = Array.from(new Set(yNumeric.subarray(0, n))).sort((a, b) => a - b);
    const index = new Map<number, number>();
    values.forEach((v, k) => index.set(v, k));
    for (let i = 0; i < n; i++) y[i] = index.get(yNumeric[i])!;
    classes = values.map((v) => String(v));
  } else {
    const values = Array.from(new Set(labels.slice(0, n))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const index = new Map<string, number>();
    values.forEach((v, k) => index.set(v, k));
    for (let i = 0; i < n; i++) y[i] = index.get(labels[i])!;
    classes = values;
  }
  if (classes.length < 2) {
    throw new InvalidInputError(FIELD, `classification needs at least 2 classes in column "${targetColumn}", found ${classes.length}`);
  }
  dataset.classes = classes;
  return dataset;
}

/** A finite number, or null for an empty / non-numeric / non-finite field. */
function parseNumber(raw: string): number | null {
  // Number() accepts surrounding whitespace but also '' (→ 0) and hex/binary/octal literals: reject those.
  const v = Number(raw);
  if (!Number.isFinite(v)) return null;
  if (v === 0) {
    if (raw.trim() === '') return null;
  } else {
    const s = raw.charCodeAt(0) <= 32 ? raw.trim() : raw;
    if (s.charCodeAt(0) === 48) {
      const c1 = s.charCodeAt(1) | 32; // lower case
      if (c1 === 120 || c1 === 98 || c1 === 111) return null; // 0x 0b 0o
    }
  }
  return v;
}

/** Reads one CSV record at a time, tracking the line where the record starts (`line`: where the text starts). */
export class RecordReader {
  private pos = 0;
  /** Position of the next '"' at or after `pos` (text.length when none). */
  private nextQuote = -1;
  /** Line (1-based) on which the record returned last starts. */
  recordLine = 0;

  constructor(
    private readonly text: string,
    private line = 1,
  ) {}

  /** The next non-blank record, or null at the end. */
  next(): string[] | null {
    const text = this.text;
    const len = text.length;
    while (this.pos < len) {
      this.recordLine = this.line;
      let end = text.indexOf('\n', this.pos);
      if (end < 0) end = len;
      let lineEnd = end;
      if (lineEnd > this.pos && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
      const start = this.pos;
      if (this.nextQuote < start) {
        const q = text.indexOf('"', start);
        this.nextQuote = q < 0 ? len : q;
      }
      if (this.nextQuote >= lineEnd) {
        // Fast path: no quotes on this line.
        this.pos = end + 1;
        this.line++;
        if (isBlank(text, start, lineEnd)) continue;
        return text.slice(start, lineEnd).split(',');
      }
      return this.quotedRecord();
    }
    return null;
  }

  private quotedRecord(): string[] {
    const text = this.text;
    const len = text.length;
    const fields: string[] = [];
    let field = '';
    let i = this.pos;
    for (;;) {
      // Start of a field: skip leading spaces before an opening quote.
      let k = i;
      while (k < len && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
      if (k < len && text.charCodeAt(k) === QUOTE) {
        i = k + 1;
        field = '';
        for (;;) {
          if (i >= len) throw new InvalidInputError(FIELD, `line ${this.recordLine}: unterminated quoted field`);
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (i + 1 < len && text.charCodeAt(i + 1) === QUOTE) {
              field += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            if (c === LF) this.line++;
            field += text[i];
            i++;
          }
        }
        // After the closing quote: spaces, then a separator or the end of the record.
        while (i < len && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
        const c = i < len ? text.charCodeAt(i) : LF;
        if (c !== COMMA && c !== LF && c !== CR) {
          throw new InvalidInputError(FIELD, `line ${this.line}: unexpected character after a closing quote`);
        }
      } else {
        const start = i;
        while (i < len) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) throw new InvalidInputError(FIELD, `line ${this.line}: unexpected quote inside an unquoted field`);
          i++;
        }
        field = text.slice(start, i);
      }
      fields.push(field);
      if (i >= len) {
        this.pos = len;
        return fields;
      }
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      // End of record (\n or \r\n).
      if (c === CR) i++;
      if (i < len && text.charCodeAt(i) === LF) i++;
      this.line++;
      this.pos = i;
      return fields;
    }
  }
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== CR) return false;
  }
  return true;
}

export type SampleDatasetName = 'iris' | 'wine' | 'breast_cancer' | 'digits' | 'diabetes';

export interface SampleDatasetInfo {
  name: SampleDatasetName;
  task: Task;
  targetColumn: string;
  description: string;
  nSamples: number;
  nFeatures: number;
}

/** The built-in sample data sets (scikit-learn's toy data sets, exported by scripts/export_samples.py). */
export const SAMPLE_DATASETS: Readonly<Record<SampleDatasetName, SampleDatasetInfo>> = Object.freeze({
  iris: {
    name: 'iris',
    task: 'classification',
    targetColumn: 'target',
    description: 'Iris flowers: 150 samples, 4 features (sepal/petal length and width), 3 classes',
    nSamples: 150,
    nFeatures: 4,
  },
  wine: {
    name: 'wine',
    task: 'classification',
    targetColumn: 'target',
    description: 'Wine recognition: 178 samples, 13 chemical-analysis features, 3 cultivars',
    nSamples: 178,
    nFeatures: 13,
  },
  breast_cancer: {
    name: 'breast_cancer',
    task: 'classification',
    targetColumn: 'target',
    description: 'Breast cancer Wisconsin (diagnostic): 569 samples, 30 features, 2 classes (0 malignant, 1 benign)',
    nSamples: 569,
    nFeatures: 30,
  },
  digits: {
    name: 'digits',
    task: 'classification',
    targetColumn: 'target',
    description: 'Handwritten digits: 1797 samples, 64 features (8×8 pixel intensities 0-16), 10 classes',
    nSamples: 1797,
    nFeatures: 64,
  },
  diabetes: {
    name: 'diabetes',
    task: 'regression',
    targetColumn: 'target',
    description: 'Diabetes: 442 samples, 10 standardised baseline features, target = disease progression after one year',
    nSamples: 442,
    nFeatures: 10,
  },
});

export const SAMPLE_DATA_DIR = path.join(PROJECT_ROOT, 'data/samples');

export function isSampleDatasetName(name: string): name is SampleDatasetName {
  return Object.prototype.hasOwnProperty.call(SAMPLE_DATASETS, name);
}

/** Reads data/samples/{name}.csv. InvalidInputError('dataset', ...) for an unknown name. */
export function loadSampleDataset(name: string, opts: { shared?: boolean } = {}): Dataset {
  if (!isSampleDatasetName(name)) {
    throw new InvalidInputError('dataset', `unknown sample data set "${name}"; expected one of ${Object.keys(SAMPLE_DATASETS).join(', ')}`);
  }
  const info = SAMPLE_DATASETS[name];
  const text = fs.readFileSync(path.join(SAMPLE_DATA_DIR, `${name}.csv`), 'utf8');
  return parseCsv(text, { targetColumn: info.targetColumn, task: info.task, shared: opts.shared });
}
