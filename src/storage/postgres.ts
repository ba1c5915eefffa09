/**
 * The default store: chunks in the `dataset_chunks` table (bytea, 1 MiB each) of the service's own
 * PostgreSQL, so every worker on every machine reads what the API wrote with nothing else to run.
 * A write is one transaction (a failed upload leaves no chunk); a read fetches one chunk at a time.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { rechunk, type BlobStore } from './blob_store';

/** 1 MiB: node-postgres reads and writes much larger rows several times slower. */
export const POSTGRES_CHUNK_BYTES = 1 << 20;


export class PostgresBlobStore implements BlobStore {
  readonly kind = 'postgres';

  constructor(
    private readonly orm: MikroORM,
    private readonly chunkBytes = POSTGRES_CHUNK_BYTES,
  ) {}

  async put(key: string, data: AsyncIterable<Uint8Array>): Promise<number> {
    let bytes = 0;
    await this.orm.em.getConnection().getKnex().transaction(async (trx) => {
      let seq = 0;
      for await (const chunk of rechunk(data, this.chunkBytes)) {
        await trx.raw('insert into dataset_chunks (key, seq, data) values (?, ?, ?)', [key, seq++, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)]);
        bytes += chunk.length;
      }
    });
    return bytes;
  }

  async *get(key: string): AsyncGenerator<Uint8Array> {
    const connection = this.orm.em.getConnection();
    for (let seq = 0; ; seq++) {
      const [row] = await connection.execute<{ data: Buffer }[]>('select data from dataset_chunks where key = ? and seq = ?', [key, seq]);
      if (!row) {
        if (seq === 0) throw new Error(`no stored data under ${key}`);
        return;
      }
      yield row.data;
    }
  }

  async delete(key: string): Promise<void> {
    await this.orm.em.getConnection().execute('delete from dataset_chunks where key = ?', [key]);
  }
}
