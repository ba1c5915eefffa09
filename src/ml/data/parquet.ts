/**
 * A Parquet file (spooled to disk by the caller) read into a ColumnTable with hyparquet, one
 * column at a time through an AsyncBuffer over the file, so memory holds the columns read so far
 * and one column chunk, never the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { AsyncBuffer } from 'hyparquet';
import { InvalidInputError } from '../types';
import { TableBuilder, type ColumnTable, type TableOptions } from './table';

const FIELD = 'parquet';

function fileBuffer(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size) {
      const bytes = new Uint8Array(end - start);
      await handle.read(bytes, 0, bytes.length, start);
      return bytes.buffer;
    },
  };
}

export async function readParquetFile(path: string, opts: TableOptions): Promise<ColumnTable> {
  // hyparquet is an ES module: loaded when a Parquet file arrives.
  const { parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const file = fileBuffer(handle, size);
    const metadata = await parquetMetadataAsync(file).catch((err: Error) => {
      throw new InvalidInputError(FIELD, `not a readable Parquet file: ${err.message}`);
    });
    const fields = parquetSchema(metadata).children;
    const nested = fields.find((field) => field.children.length > 0);
    if (nested) throw new InvalidInputError(FIELD, `column "${nested.element.name}" is nested; only flat columns are supported`);
    const builder = new TableBuilder(fields.map((field) => field.element.name), opts, FIELD);
    for (const [j, name] of fields.map((field) => field.element.name).entries()) {
      const chunks: { rowStart: number; data: ArrayLike<unknown> }[] = [];
      await parquetRead({ file, metadata, columns: [name], onChunk: ({ rowStart, columnData }) => chunks.push({ rowStart, data: columnData }) }).catch(
        (err: Error) => {
          throw err instanceof InvalidInputError ? err : new InvalidInputError(FIELD, `column "${name}" cannot be read: ${err.message}`);
        },
      );
      chunks.sort((a, b) => a.rowStart - b.rowStart);
      for (const { rowStart, data } of chunks) for (let i = 0; i < data.length; i++) builder.pushValue(j, data[i], rowStart + i);
    }
    return builder.finish();
  } finally {
    await handle.close();
  }
}
