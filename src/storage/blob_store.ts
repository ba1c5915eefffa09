/**
 * Where uploaded data sets' bytes live: written once as a stream of chunks, read back as one,
 * deleted with their data set. Keys are data-set ids.
 */
export interface BlobStore {
  /** "postgres" or "s3", for logs and the benchmark. */
  readonly kind: string;
  /** Stores the bytes under `key` and returns their count; a failed write leaves nothing behind. */
  put(key: string, data: AsyncIterable<Uint8Array>): Promise<number>;
  /** The bytes stored under `key`, in order; an error when there are none. */
  get(key: string): AsyncIterable<Uint8Array>;
  delete(key: string): Promise<void>;
}

/** Regroups a stream of arbitrary pieces into chunks of exactly `size` bytes (the last one shorter). */
export async function* rechunk(data: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let chunk = new Uint8Array(size);
  let filled = 0;
  for await (const piece of data) {
    for (let pos = 0; pos < piece.length; ) {
      const n = Math.min(size - filled, piece.length - pos);
      chunk.set(piece.subarray(pos, pos + n), filled);
      filled += n;
      pos += n;
      if (filled === size) {
        yield chunk;
        chunk = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield chunk.subarray(0, filled);
}
