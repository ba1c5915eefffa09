import { isSampleDatasetName, loadSampleDataset, parseCsv, SAMPLE_DATASETS } from '../../src/ml/data/csv';
import { InvalidInputError } from '../../src/ml/types';

const cls = { targetColumn: 'label', task: 'classification' as const };
const reg = { targetColumn: 'y', task: 'regression' as const };

/** (jest runs tests in another realm, so instanceof ArrayBuffer is unreliable) */
const isShared = (b: ArrayBufferLike): boolean => Object.prototype.toString.call(b) === '[object SharedArrayBuffer]';

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return e as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('parseCsv', () => {
  test('column-major features, target anywhere, numeric labels sorted numerically', () => {
    const d = parseCsv('a,label,b\n1,10,2\n3,2,4\n5,10,6\n7,1,8\n', cls);
    expect(d.nSamples).toBe(4);
    expect(d.nFeatures).toBe(2);
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(Array.from(d.X)).toEqual([1, 3, 5, 7, 2, 4, 6, 8]);
    expect(d.classes).toEqual(['1', '2', '10']);
    expect(Array.from(d.y)).toEqual([2, 1, 2, 0]);
    expect(d.task).toBe('classification');
    expect(isShared(d.X.buffer)).toBe(false);
  });

  test('string labels are sorted by code point; numeric spellings of one value are one class', () => {
    const d = parseCsv('x,label\n1,b\n2,a\n3,B\n4,a\n', cls);
    expect(d.classes).toEqual(['B', 'a', 'b']);
    expect(Array.from(d.y)).toEqual([2, 1, 0, 1]);
    const e = parseCsv('x,label\n1,1.0\n2,1\n3,0\n', cls);
    expect(e.classes).toEqual(['0', '1']);
    expect(Array.from(e.y)).toEqual([1, 1, 0]);
  });

  test('regression target values', () => {
    const d = parseCsv('y,x1,x2\n1.5,1,2\n-2e3,3,4\n', reg);
    expect(Array.from(d.y)).toEqual([1.5, -2000]);
    expect(d.classes).toBeUndefined();
    expect(Array.from(d.X)).toEqual([1, 3, 2, 4]);
  });

  test('CRLF, BOM, blank lines, whitespace and quoted fields', () => {
    const text = '\ufeff"a, first",b,"label"\r\n 1 ,2,"cat, big"\r\n\r\n3,4,"dog ""x"""\r\n5,"6",cat, big\r\n';
    expect(() => parseCsv(text, cls)).toThrow(/line 5: expected 3 fields, found 4/);
    const ok = '\ufeff"a, first",b,"label"\r\n 1 ,2,"cat, big"\r\n\r\n3,4,"dog ""x"""\r\n"5","6\n",cat\r\n\n';
    const d = parseCsv(ok, cls);
    expect(d.featureNames).toEqual(['a, first', 'b']);
    expect(d.classes).toEqual(['cat', 'cat, big', 'dog "x"']);
    expect(Array.from(d.y)).toEqual([1, 2, 0]);
    expect(Array.from(d.X)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  test('shared: X and y on a SharedArrayBuffer', () => {
    const d = parseCsv('x,label\n1,a\n2,b\n', { ...cls, shared: true });
    expect(isShared(d.X.buffer)).toBe(true);
    expect(isShared(d.y.buffer)).toBe(true);
    expect(Array.from(d.X)).toEqual([1, 2]);
  });

  test('a non-numeric or missing feature names the column and the line', () => {
    let e = errorOf(() => parseCsv('a,b,label\n1,2,x\n3,abc,y\n', cls));
    expect(e.field).toBe('csv');
    expect(e.reason).toBe('line 3, column "b": "abc" is not a number');
    e = errorOf(() => parseCsv('a,b,label\n1,2,x\n3,,y\n', cls));
    expect(e.reason).toBe('line 3, column "b": missing value');
    e = errorOf(() => parseCsv('a,b,label\n1,2,x\n\n3, ,y\n', cls));
    expect(e.reason).toBe('line 4, column "b": missing value');
    for (const bad of ['NaN', 'nan', 'Infinity', '0x1A', '1,5', '--1']) {
      expect(() => parseCsv(`a,label\n1,x\n"${bad}",y\n`, cls)).toThrow(/line 3, column "a"/);
    }
  });

  test('a missing or non-numeric target names the column and the line', () => {
    expect(errorOf(() => parseCsv('x,label\n1,a\n2,\n', cls)).reason).toBe('line 3, column "label": missing target value');
    expect(errorOf(() => parseCsv('x,y\n1,2\n2,two\n', reg)).reason).toBe('line 3, column "y": regression target "two" is not a number');
  });

  test('structural errors', () => {
    expect(errorOf(() => parseCsv('x,y\n1,2\n', { ...reg, targetColumn: 'z' })).field).toBe('target_column');
    expect(() => parseCsv('x,y\n1,2\n', reg)).toThrow(/at least 2 data rows, found 1/);
    expect(() => parseCsv('x,label\n1,a\n2,a\n', cls)).toThrow(/at least 2 classes/);
    expect(() => parseCsv('y\n1\n2\n', reg)).toThrow(/no feature columns/);
    expect(() => parseCsv('x,x,y\n1,2,3\n4,5,6\n', reg)).toThrow(/duplicate column name "x"/);
    expect(() => parseCsv('x,,y\n1,2,3\n4,5,6\n', reg)).toThrow(/header column 2 has no name/);
    expect(() => parseCsv('x,y\n1,2\n3,4,5\n', reg)).toThrow(/line 3: expected 2 fields, found 3/);
    expect(() => parseCsv('x,y\n1,2\n"3,4\n', reg)).toThrow(/unterminated quoted field/);
    expect(() => parseCsv('', reg)).toThrow(InvalidInputError);
    expect(() => parseCsv('x,y\n1,2\n3,4', { ...reg, task: 'clustering' as never })).toThrow(expect.objectContaining({ field: 'task' }));
  });

  test('parses 20k rows × 20 features into shared arrays', () => {
    const nFeatures = 20;
    const header = [...Array.from({ length: nFeatures }, (_, f) => `f${f}`), 'label'].join(',');
    const lines = [header];
    for (let i = 0; i < 20000; i++) {
      const row: string[] = [];
      for (let f = 0; f < nFeatures; f++) row.push(((i * 7919 + f * 104729) % 100003 / 997).toFixed(6));
      row.push(i % 3 === 0 ? 'yes' : 'no');
      lines.push(row.join(','));
    }
    const text = lines.join('\n');
    const d = parseCsv(text, { targetColumn: 'label', task: 'classification', shared: true });
    expect(d.nSamples).toBe(20000);
    expect(d.X[5 * 20000 + 123]).toBeCloseTo(((123 * 7919 + 5 * 104729) % 100003) / 997, 6);
    expect(d.X.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('sample data sets', () => {
  test.each(Object.values(SAMPLE_DATASETS).map((s) => [s.name, s] as const))('%s', (name, info) => {
    const d = loadSampleDataset(name);
    expect(d.nSamples).toBe(info.nSamples);
    expect(d.nFeatures).toBe(info.nFeatures);
    expect(d.task).toBe(info.task);
    expect(info.targetColumn).toBe('target');
    expect(info.description.length).toBeGreaterThan(10);
    if (info.task === 'classification') {
      const k = { iris: 3, wine: 3, breast_cancer: 2, digits: 10 }[name as 'iris'];
      expect(d.classes).toHaveLength(k);
      expect(d.classes![0]).toBe('0');
    }
  });

  test('shared loading and unknown names', () => {
    expect(isShared(loadSampleDataset('iris', { shared: true }).X.buffer)).toBe(true);
    expect(isSampleDatasetName('wine')).toBe(true);
    expect(isSampleDatasetName('toString')).toBe(false);
    expect(errorOf(() => loadSampleDataset('mnist')).field).toBe('dataset');
    expect(() => loadSampleDataset('../etc/passwd')).toThrow(/unknown sample data set/);
  });
});
