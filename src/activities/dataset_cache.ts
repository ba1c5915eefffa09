/**
 * Data sets parsed once per worker process into shared typed arrays and reused by every
 * evaluation (data sets are immutable once registered, so the id is a safe cache key).
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadSampleDataset, parseCsv } from '../ml/data/csv';
import type { Dataset, Task } from '../ml/types';
import { NotFoundError } from './errors';

interface DatasetRow {
  task_type: Task;
  target_column: string;
  sample_name: string | null;
  content: string | null;
}

export class DatasetCache {
  private readonly entries = new Map<string, Promise<Dataset>>();

  constructor(
    private readonly orm: MikroORM,
    private readonly maxEntries = 16,
  ) {}

  get(datasetId: string): Promise<Dataset> {
    let entry = this.entries.get(datasetId);
    if (entry) {
      // Map keeps insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(datasetId);
    } else {
      entry = this.load(datasetId);
      entry.catch(() => this.entries.delete(datasetId));
    }
    this.entries.set(datasetId, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  private async load(datasetId: string): Promise<Dataset> {
    const [row] = await this.orm.em
      .getConnection()
      .execute<DatasetRow[]>('select task_type, target_column, sample_name, content from datasets where id = ?', [datasetId]);
    if (!row) throw new NotFoundError(`dataset ${datasetId} does not exist`);
    if (row.sample_name !== null) return loadSampleDataset(row.sample_name, { shared: true });
    return parseCsv(row.content!, { targetColumn: row.target_column, task: row.task_type, shared: true });
  }
}
