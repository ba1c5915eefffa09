import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { columnarHeader, readColumnar, writeColumnar } from '../../src/ml/data/columnar';
import { readCsvStream } from '../../src/ml/data/csv_stream';
import { checkEncoding, MAX_ONE_HOT_CATEGORIES, type EncodingOptions } from '../../src/ml/data/encoding';
import { readParquetFile } from '../../src/ml/data/parquet';
import type { ColumnTable, TableOptions } from '../../src/ml/data/table';
import { InvalidInputError } from '../../src/ml/types';

const cls = { targetColumn: 'label', task: 'classification' as const };
const reg = { targetColumn: 'y', task: 'regression' as const };

/** The text cut into pieces of `size` characters (records and quoted fields split anywhere). */
const pieces = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function roundTrip(table: ColumnTable, opts: EncodingOptions) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of writeColumnar(table, columnarHeader(table, opts.impute))) chunks.push(Uint8Array.from(chunk));
  // Re-chunked at an odd size, as a store may return it.
  const all = Buffer.concat(chunks);
  return readColumnar(asAsync(pieces(all.toString('latin1'), 7).map((s) => Buffer.from(s, 'latin1'))), opts);
}

describe('readCsvStream', () => {
  const text = 'a,"b, quoted",label\n1,"x\ny",cat\n\n2.5,z,dog\n,"x\ny",cat\nNA,z,dog\n';

  test.each([1, 3, 1 << 20])('numeric, categorical and missing columns, in pieces of %i characters', async (size) => {
    const table = await readCsvStream(asAsync(pieces(text, size).map((s) => Buffer.from(s))), cls);
    expect(table.nRows).toBe(4);
    expect(table.features.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['a', 'numeric', 2],
      ['b, quoted', 'categorical', 0],
    ]);
    expect(Array.from(table.features[0].values)).toEqual([1, 2.5, NaN, NaN]);
    expect(table.features[1].categories).toEqual(['x\ny', 'z']);
    expect(Array.from(table.features[1].values)).toEqual([0, 1, 0, 1]);
    expect(table.classes).toEqual(['cat', 'dog']);
    expect(Array.from(table.target)).toEqual([0, 1, 0, 1]);
  });

  test('numbers seen before the first text become categories; categories sorted by code point', async () => {
    const table = await readCsvStream(['c,y\n10,1\n2,2\nb,3\nB,4\n'], reg);
    expect(table.features[0].categories).toEqual(['10', '2', 'B', 'b']);
    expect(Array.from(table.features[0].values)).toEqual([0, 1, 3, 2]);
  });

  test('errors name the field, the line and the column', async () => {
    const error = (text: string, opts: TableOptions = cls) => readCsvStream(pieces(text, 4), opts).then(() => null, (e: InvalidInputError) => [e.field, e.reason]);
    expect(await error('a,label\n1,x\n2,\n')).toEqual(['csv', 'line 3, column "label": missing target value']);
    expect(await error('x,y\n1,2\n2,two\n', reg)).toEqual(['csv', 'line 3, column "y": regression target "two" is not a number']);
    expect(await error('x,y\n1,2\n3,4,5\n', reg)).toEqual(['csv', 'line 3: expected 2 fields, found 3']);
    expect(await error('x,z\n1,2\n', reg)).toEqual(['target_column', expect.stringContaining('"y" is not in the header')]);
    expect(await error('a,label\n1,\u0000\n')).toEqual(['csv', expect.stringMatching(/NUL/)]);
    expect(await error('')).toEqual(['csv', 'the CSV text is empty']);
  });
});

describe('columnar form', () => {
  let table: ColumnTable;
  beforeAll(async () => {
    table = await readCsvStream(['num,color,label\n1.5,red,a\n,blue,b\n4.5,,a\n0.1,red,b\n'], cls);
  });

  test('ordinal keeps NaN; values and labels come back exactly, on shared memory', async () => {
    const d = await roundTrip(table, { categorical: 'ordinal', impute: 'none' });
    expect(d.featureNames).toEqual(['num', 'color']);
    expect(Array.from(d.X)).toEqual([1.5, NaN, 4.5, 0.1, 1, 0, NaN, 1]);
    expect(Array.from(d.y)).toEqual([0, 1, 0, 1]);
    expect(d.classes).toEqual(['a', 'b']);
    expect(Object.prototype.toString.call(d.X.buffer)).toBe('[object SharedArrayBuffer]');
  });

  test('one-hot: a column per category and <name>_nan for missing ones (scikit-learn 1.2)', async () => {
    const d = await roundTrip(table, { categorical: 'onehot', impute: 'none' });
    expect(d.featureNames).toEqual(['num', 'color_blue', 'color_red', 'color_nan']);
    expect(Array.from(d.X.subarray(4))).toEqual([0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]);
  });

  test.each([
    ['mean', (1.5 + 4.5 + 0.1) / 3],
    ['median', 1.5],
    ['most_frequent', 0.1],
  ] as const)('impute %s fills numeric columns; categorical ones take their most frequent category', async (impute, fill) => {
    const d = await roundTrip(table, { categorical: 'ordinal', impute });
    expect(Array.from(d.X)).toEqual([1.5, fill, 4.5, 0.1, 1, 0, 1, 1]);
  });

  test('one-hot refuses a column with too many categories, naming it', () => {
    const many = columnarHeader({ ...table, features: [{ name: 'id', type: 'categorical', values: new Float64Array(1), categories: Array.from({ length: MAX_ONE_HOT_CATEGORIES + 1 }, String), missing: 0 }] }, 'none');
    expect(() => checkEncoding(many.features, { categorical: 'onehot', impute: 'none' })).toThrow(/column "id" has 1001 categories/);
  });
});

describe('readParquetFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parquet-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('numeric, string and null values; errors name the parquet field', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const filename = join(dir, 'small.parquet');
    const written = parquetWriteBuffer({
      columnData: [
        { name: 'x', data: [1.5, null, 3, 4], type: 'DOUBLE', nullable: true },
        { name: 'city', data: ['b', 'a', null, 'b'], type: 'STRING', nullable: true },
        { name: 'y', data: [0.5, 1, 2, 3], type: 'DOUBLE' },
      ],
    });
    writeFileSync(filename, new Uint8Array(written));
    const table = await readParquetFile(filename, reg);
    expect(table.features.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['x', 'numeric', 1],
      ['city', 'categorical', 1],
    ]);
    expect(Array.from(table.features[1].values)).toEqual([1, 0, NaN, 1]);
    expect(Array.from(table.target)).toEqual([0.5, 1, 2, 3]);
    await expect(readParquetFile(filename, { targetColumn: 'city', task: 'classification' })).rejects.toMatchObject({ field: 'parquet', reason: 'row 3, column "city": missing target value' });
  });
});
