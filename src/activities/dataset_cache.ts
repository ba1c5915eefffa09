/**
 * Data sets parsed once per worker process into shared typed arrays and reused by every
 * evaluation (data sets are immutable once registered, so the id is a safe cache key).
 *
 * The cache is bounded by bytes (DATASET_CACHE_BYTES), least recently used first out: one data
 * set may be hundreds of MB. Only successful loads are kept, so a failed load never takes the
 * place of a good entry; a data set larger than the whole bound is served but not kept.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { readColumnar } from '../ml/data/columnar';
import { loadSampleDataset, parseCsv } from '../ml/data/csv';
import type { CategoricalEncoding, Imputation } from '../ml/data/encoding';
import type { Dataset, Task } from '../ml/types';
import { datasetStore, type BlobStore } from '../storage';
import { NotFoundError } from './errors';

interface DatasetRow {
  task_type: Task;
  target_column: string;
  sample_name: string | null;
  content: string | null;
  storage_key: string | null;
  categorical_encoding: CategoricalEncoding | null;
  impute: Imputation | null;
}

export type DatasetLoader = (datasetId: string) => Promise<Dataset>;

/** Memory a parsed data set holds: its typed arrays (names and labels are small beside them). */
export const datasetBytes = (dataset: Dataset): number => dataset.X.byteLength + dataset.y.byteLength;

export class DatasetCache {
  /** Loaded data sets in least-recently-used order (Map keeps insertion order). */
  private readonly entries = new Map<string, { dataset: Dataset; bytes: number }>();
  /** Loads in progress, shared by concurrent callers; never counted against the bound. */
  private readonly loading = new Map<string, Promise<Dataset>>();
  private totalBytes = 0;

  constructor(
    private readonly load: DatasetLoader,
    private readonly maxBytes: number,
  ) {}

  /** The cache of the worker: data sets read from the `datasets` table and the data-set store. */
  static fromDatabase(orm: MikroORM, maxBytes: number, store: BlobStore = datasetStore(orm)): DatasetCache {
    return new DatasetCache((datasetId) => loadDatasetRow(orm, store, datasetId), maxBytes);
  }

  get(datasetId: string): Promise<Dataset> {
    const entry = this.entries.get(datasetId);
    if (entry) {
      // Re-inserting marks the entry as most recently used.
      this.entries.delete(datasetId);
      this.entries.set(datasetId, entry);
      return Promise.resolve(entry.dataset);
    }
    let pending = this.loading.get(datasetId);
    if (!pending) {
      pending = this.load(datasetId)
        .then((dataset) => {
          this.keep(datasetId, dataset);
          return dataset;
        })
        .finally(() => this.loading.delete(datasetId));
      this.loading.set(datasetId, pending);
    }
    return pending;
  }

  private keep(datasetId: string, dataset: Dataset): void {
    const bytes = datasetBytes(dataset);
    if (bytes > this.maxBytes) return;
    this.entries.set(datasetId, { dataset, bytes });
    this.totalBytes += bytes;
    for (const [oldestId, oldest] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldestId);
      this.totalBytes -= oldest.bytes;
    }
  }
}

async function loadDatasetRow(orm: MikroORM, store: BlobStore, datasetId: string): Promise<Dataset> {
  const [row] = await orm.em
    .getConnection()
    .execute<DatasetRow[]>(
      'select task_type, target_column, sample_name, content, storage_key, categorical_encoding, impute from datasets where id = ?',
      [datasetId],
    );
  if (!row) throw new NotFoundError(`dataset ${datasetId} does not exist`);
  if (row.sample_name !== null) return loadSampleDataset(row.sample_name, { shared: true });
  if (row.storage_key !== null) {
    return readColumnar(store.get(row.storage_key), { categorical: row.categorical_encoding ?? 'ordinal', impute: row.impute ?? 'none' });
  }
  return parseCsv(row.content!, { targetColumn: row.target_column, task: row.task_type, shared: true });
}
