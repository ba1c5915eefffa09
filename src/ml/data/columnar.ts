/**
 * The stored form of an uploaded data set: a small JSON header, then one block per column
 * (features in order, then the target), each Float32 when every value of the column is exactly
 * a float32 (integers, codes, float32 sources) and Float64 otherwise, little-endian.
 *
 *   "TSCOLS01" | u32 header length | u32 0 | header JSON (UTF-8, padded to 8 bytes) | blocks
 *
 * Written and read as a stream of chunks, so neither side holds the bytes of the whole file: the
 * writer yields one column at a time, the reader fills the feature matrix (on a SharedArrayBuffer,
 * column-major as the estimators read it) column by column, applying the data set's encoding.
 */
import type { Dataset, Task } from '../types';
import { encodedFeatureNames, fillValue, isOneHotColumn, oneHotCategories, type ColumnInfo, type EncodingOptions, type Imputation } from './encoding';
import type { ColumnTable } from './table';

const MAGIC = 'TSCOLS01';
type Dtype = 'f32' | 'f64';

export interface ColumnarHeader {
  nRows: number;
  task: Task;
  classes?: string[];
  features: (ColumnInfo & { dtype: Dtype })[];
  target: { dtype: Dtype };
}

function dtypeOf(values: Float64Array): Dtype {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.fround(v) !== v && !Number.isNaN(v)) return 'f64';
  }
  return 'f32';
}

/** The header of a table, with the fill values of the data set's imputation. */
export function columnarHeader(table: ColumnTable, impute: Imputation): ColumnarHeader {
  return {
    nRows: table.nRows,
    task: table.task,
    ...(table.classes ? { classes: table.classes } : {}),
    features: table.features.map((column) => ({
      name: column.name,
      type: column.type,
      ...(column.categories ? { categories: column.categories } : {}),
      missing: column.missing,
      fill: fillValue(column, impute),
      dtype: dtypeOf(column.values),
    })),
    target: { dtype: dtypeOf(table.target) },
  };
}

function blockBytes(values: Float64Array, dtype: Dtype): Uint8Array {
  const typed = dtype === 'f64' ? values : Float32Array.from(values);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** The bytes of a stored data set, one column block at a time. */
export async function* writeColumnar(table: ColumnTable, header: ColumnarHeader): AsyncGenerator<Uint8Array> {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.alloc(16 + Math.ceil(json.length / 8) * 8, 0x20);
  padded.write(MAGIC, 0, 'latin1');
  padded.writeUInt32LE(json.length, 8);
  padded.writeUInt32LE(0, 12);
  json.copy(padded, 16);
  yield padded;
  for (let j = 0; j < table.features.length; j++) yield blockBytes(table.features[j].values, header.features[j].dtype);
  yield blockBytes(table.target, header.target.dtype);
}

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private readonly chunks: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  async readInto(dest: Uint8Array): Promise<void> {
    for (let filled = 0; filled < dest.length; ) {
      if (this.pos >= this.chunk.length) {
        const next = await this.chunks.next();
        if (next.done) throw new Error('the stored data set is truncated');
        [this.chunk, this.pos] = [next.value, 0];
        continue;
      }
      const n = Math.min(this.chunk.length - this.pos, dest.length - filled);
      dest.set(this.chunk.subarray(this.pos, this.pos + n), filled);
      this.pos += n;
      filled += n;
    }
  }

  /** Ends the source early (it may hold a connection until it is finished). */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }

  /** One column block as float64 values into `dest`. */
  async readColumn(dest: Float64Array, dtype: Dtype): Promise<void> {
    if (dtype === 'f64') return this.readInto(new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength));
    const block = new Float32Array(dest.length);
    await this.readInto(new Uint8Array(block.buffer));
    dest.set(block);
  }
}

/** Reads a stored data set into a Dataset whose X and y are on SharedArrayBuffers. */
export async function readColumnar(source: AsyncIterable<Uint8Array>, opts: EncodingOptions): Promise<Dataset> {
  const reader = new ByteReader(source);
  try {
    return await readDataset(reader, opts);
  } finally {
    await reader.close();
  }
}

async function readDataset(reader: ByteReader, opts: EncodingOptions): Promise<Dataset> {
  const prefix = Buffer.alloc(16);
  await reader.readInto(prefix);
  if (prefix.toString('latin1', 0, 8) !== MAGIC) throw new Error('the stored data set is not in the columnar format');
  const json = Buffer.alloc(Math.ceil(prefix.readUInt32LE(8) / 8) * 8);
  await reader.readInto(json);
  const header = JSON.parse(json.toString('utf8')) as ColumnarHeader;
  const n = header.nRows;
  const featureNames = encodedFeatureNames(header.features, opts);
  const X = new Float64Array(new SharedArrayBuffer(n * featureNames.length * 8));
  const scratch = new Float64Array(n);
  let f = 0;
  for (const column of header.features) {
    if (isOneHotColumn(column, opts)) {
      await reader.readColumn(scratch, column.dtype);
      const width = oneHotCategories(column, opts).length;
      const missingAt = column.missing > 0 && opts.impute === 'none' ? width - 1 : column.fill;
      for (let i = 0; i < n; i++) {
        const code = Number.isNaN(scratch[i]) ? missingAt! : scratch[i];
        X[(f + code) * n + i] = 1;
      }
      f += width;
      continue;
    }
    const dest = X.subarray(f * n, (f + 1) * n);
    await reader.readColumn(dest, column.dtype);
    if (column.fill !== null && opts.impute !== 'none') for (let i = 0; i < n; i++) if (Number.isNaN(dest[i])) dest[i] = column.fill;
    f++;
  }
  const y = new Float64Array(new SharedArrayBuffer(n * 8));
  await reader.readColumn(y, header.target.dtype);
  return {
    nSamples: n,
    nFeatures: featureNames.length,
    featureNames,
    X,
    y,
    task: header.task,
    ...(header.classes ? { classes: header.classes } : {}),
  };
}
