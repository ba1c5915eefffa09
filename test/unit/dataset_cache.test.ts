/** The worker's data-set cache: bounded by bytes (LRU), failed loads never cached nor evicting. */
import { DatasetCache, datasetBytes } from '../../src/activities/dataset_cache';
import type { Dataset } from '../../src/ml/types';

/** A regression data set of `nSamples` rows of 1 feature: 16 bytes a row (X and y, float64). */
const dataset = (nSamples: number): Dataset => ({
  nSamples,
  nFeatures: 1,
  featureNames: ['x'],
  X: new Float64Array(nSamples),
  y: new Float64Array(nSamples),
  task: 'regression',
});

/** A loader of data sets named by their row count ("10" is 10 rows, 160 bytes); "bad..." fails. Counts loads. */
function countingLoader() {
  const loads: string[] = [];
  const load = async (id: string): Promise<Dataset> => {
    loads.push(id);
    if (id.startsWith('bad')) throw new Error(`cannot parse ${id}`);
    return dataset(Number(id));
  };
  return { loads, load };
}

test('datasetBytes counts the typed arrays', () => {
  expect(datasetBytes(dataset(10))).toBe(160);
});

test('a cached data set is loaded once, by concurrent and later callers alike', async () => {
  const { loads, load } = countingLoader();
  const cache = new DatasetCache(load, 1000);
  const [a, b] = await Promise.all([cache.get('10'), cache.get('10')]);
  expect(a).toBe(b);
  expect(await cache.get('10')).toBe(a);
  expect(loads).toEqual(['10']);
});

test('the bound is in bytes: the least recently used data sets go first', async () => {
  const { loads, load } = countingLoader();
  const cache = new DatasetCache(load, 500); // room for three of 160 bytes, not four
  for (const id of ['10', '10.0', '10.00']) await cache.get(id);
  await cache.get('10'); // now the most recently used
  await cache.get('10.000'); // 640 bytes: evicts the least recently used, "10.0"
  loads.length = 0;
  for (const id of ['10', '10.00', '10.000']) await cache.get(id);
  expect(loads).toEqual([]);
  await cache.get('10.0');
  expect(loads).toEqual(['10.0']);
});

test('one large data set evicts as many small ones as it needs', async () => {
  const { loads, load } = countingLoader();
  const cache = new DatasetCache(load, 500);
  for (const id of ['10', '10.0', '10.00']) await cache.get(id);
  await cache.get('25'); // 400 bytes: only it fits
  loads.length = 0;
  await cache.get('25');
  expect(loads).toEqual([]);
  for (const id of ['10', '10.0']) await cache.get(id); // 720 bytes: '25' goes, then both small ones stay
  expect(loads).toEqual(['10', '10.0']);
});

test('a data set larger than the bound is served but not kept, and evicts nothing', async () => {
  const { loads, load } = countingLoader();
  const cache = new DatasetCache(load, 500);
  await cache.get('10');
  expect((await cache.get('100')).nSamples).toBe(100); // 1,600 bytes
  expect((await cache.get('100')).nSamples).toBe(100);
  await cache.get('10');
  expect(loads).toEqual(['10', '100', '100']);
});

test('a failed load is not cached and neither evicts nor replaces a good entry', async () => {
  const { loads, load } = countingLoader();
  const cache = new DatasetCache(load, 320); // room for exactly two of 160 bytes
  const good = await cache.get('10');
  await cache.get('10.0');
  for (const id of ['bad1', 'bad2', 'bad3']) await expect(cache.get(id)).rejects.toThrow(`cannot parse ${id}`);
  // Not cached: a second call loads (and fails) again.
  await expect(cache.get('bad1')).rejects.toThrow('cannot parse bad1');
  expect(await cache.get('10')).toBe(good);
  await cache.get('10.0');
  expect(loads).toEqual(['10', '10.0', 'bad1', 'bad2', 'bad3', 'bad1']);
});
