/**
 * Data sets: built-in samples, references, and uploads. An upload is a CSV (a `text/csv` body, or
 * `csv` inside a JSON body for small data) or a Parquet file (`application/vnd.apache.parquet`,
 * or `application/octet-stream` with `?format=parquet`); raw bodies are streamed, never held
 * whole: CSV is parsed as it arrives, Parquet is spooled to a temporary file and read from it.
 * Uploads are stored in columnar form in the data-set store (src/storage).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { Router, type Request } from 'express';
import { Dataset, User } from '../../entities';
import type { FeatureColumnSummary } from '../../entities/Dataset';
import { columnarHeader, writeColumnar } from '../../ml/data/columnar';
import { isSampleDatasetName, loadSampleDataset, SAMPLE_DATASETS } from '../../ml/data/csv';
import { readCsvStream } from '../../ml/data/csv_stream';
import { checkEncoding, encodedFeatureNames, type EncodingOptions } from '../../ml/data/encoding';
import { readParquetFile } from '../../ml/data/parquet';
import type { ColumnTable } from '../../ml/data/table';
import { datasetStore } from '../../storage';
import type { ApiDeps } from '../app';
import { HttpError, unprocessable } from '../errors';
import { ownedDataset } from '../ownership';
import { createDatasetSchema, pageQuery } from '../schemas';
import { datasetView } from '../views';

const DECOMPRESSORS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: zlib.createGunzip,
  'x-gzip': zlib.createGunzip,
  deflate: zlib.createInflate,
  br: zlib.createBrotliDecompress,
};

/**
 * The request body as a stream of bytes, decompressed by its Content-Encoding and counted: at most
 * `limit` bytes, or `inflatedLimit` once inflated for a compressed body (a small bomb cannot
 * become a large upload). Errors answer as the body parsers' do: 413, 415, 400.
 */
async function* bodyStream(req: Request, limit: number, inflatedLimit: number): AsyncGenerator<Buffer> {
  const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  let source: Readable = req;
  let max = limit;
  if (encoding !== 'identity') {
    const decompress = DECOMPRESSORS[encoding];
    if (!decompress) throw new HttpError(415, `unsupported Content-Encoding "${encoding}"; use gzip, deflate, br or none`);
    const inflating = decompress();
    req.on('error', (err) => inflating.destroy(err));
    source = req.pipe(inflating);
    max = Math.min(limit, inflatedLimit);
  }
  let bytes = 0;
  try {
    // An early stop must not destroy the request: the error's answer goes out on its socket.
    for await (const chunk of source.iterator({ destroyOnReturn: source !== req })) {
      bytes += (chunk as Buffer).length;
      if (bytes > max) throw new HttpError(413, `request body too large: the limit for this request is ${max} bytes, counted after any decompression`);
      yield chunk as Buffer;
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('Z_')) throw new HttpError(400, 'corrupt compressed body: it does not decode with its Content-Encoding');
    throw err;
  } finally {
    // After an early stop, the rest of the body is read off and dropped (as the body parsers do): a client still sending it would not read the answer.
    req.unpipe();
    req.resume();
  }
}

/** The format of a raw body, from its Content-Type (and `format` for octet-stream); 415 otherwise. */
function rawFormat(req: Request, format: 'csv' | 'parquet' | undefined): 'csv' | 'parquet' {
  const contentType = req.get('content-type') ?? '';
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new HttpError(415, `unsupported charset "${charset}" in Content-Type; use utf-8`);
  const fromType = type === 'text/csv' || type === 'text/plain' ? 'csv' : type === 'application/vnd.apache.parquet' ? 'parquet' : undefined;
  if (fromType && format && format !== fromType) throw unprocessable('format', `"${format}" contradicts the Content-Type ${type}`);
  if (fromType) return fromType;
  if (type === 'application/octet-stream' && format) return format;
  if (type === 'application/octet-stream') throw unprocessable('format', 'required with application/octet-stream: csv or parquet');
  throw new HttpError(415, `unsupported Content-Type "${type}"; use application/json, text/csv or application/vnd.apache.parquet`);
}

/** Spools a stream to a temporary file, reads it with `read`, and removes the file. */
async function fromSpooledFile<T>(body: AsyncIterable<Buffer>, read: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'dataset-upload-'));
  try {
    const path = join(dir, 'upload');
    await pipelineAsync(body, createWriteStream(path));
    return await read(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const summary = (header: ReturnType<typeof columnarHeader>): FeatureColumnSummary[] =>
  header.features.map((c) => ({ name: c.name, type: c.type, ...(c.categories ? { n_categories: c.categories.length } : {}), missing: c.missing }));

export function datasetRoutes({ orm, config }: ApiDeps): Router {
  const router = Router();
  const store = datasetStore(orm);

  /** Stores a parsed upload and records its row; the stored bytes are removed again if the row cannot be written. */
  async function saveUpload(req: Request, table: ColumnTable, meta: { name: string; targetColumn: string; encoding: EncodingOptions }): Promise<Dataset> {
    const header = columnarHeader(table, meta.encoding.impute);
    checkEncoding(header.features, meta.encoding);
    const featureNames = encodedFeatureNames(header.features, meta.encoding);
    const em = orm.em.fork();
    const dataset = em.create(Dataset, {
      user: em.getReference(User, req.userId),
      name: meta.name,
      taskType: table.task,
      targetColumn: meta.targetColumn,
      nSamples: table.nRows,
      nFeatures: featureNames.length,
      featureNames,
      classes: table.classes ?? null,
      categoricalEncoding: meta.encoding.categorical,
      impute: meta.encoding.impute,
      featureColumns: summary(header),
    });
    dataset.storageKey = dataset.id;
    dataset.storageBytes = await store.put(dataset.id, writeColumnar(table, header));
    try {
      await em.flush();
    } catch (err) {
      await store.delete(dataset.id);
      throw err;
    }
    return dataset;
  }

  router.get('/datasets/samples', (_req, res) => {
    res.json(Object.values(SAMPLE_DATASETS));
  });

  /**
   * JSON `{ sample }`, `{ uri, task_type }` or `{ name, csv, target_column, task_type }`, or a raw
   * CSV / Parquet body with those (and categorical_encoding, impute, format) as query parameters.
   */
  router.post('/datasets', async (req, res) => {
    // false (not null) only for a body of another type: a body-less POST is an empty JSON object.
    const raw = req.is('application/json') === false;
    const body = createDatasetSchema.parse(raw ? req.query : (req.body ?? {}));
    const encoding: EncodingOptions = { categorical: body.categorical_encoding ?? 'ordinal', impute: body.impute ?? 'none' };
    if (raw) {
      if (body.csv !== undefined || body.sample !== undefined || body.uri !== undefined) {
        throw unprocessable(body.csv !== undefined ? 'csv' : body.sample !== undefined ? 'sample' : 'uri', 'give it in a JSON body, not with a raw upload');
      }
      const format = rawFormat(req, body.format);
      if (!body.target_column) throw unprocessable('target_column', `required with a ${format === 'csv' ? 'CSV' : 'Parquet'} upload`);
      if (!body.task_type) throw unprocessable('task_type', 'required with an upload: classification or regression');
      const options = { targetColumn: body.target_column, task: body.task_type };
      const stream = bodyStream(req, config.datasetStreamLimitBytes, config.inflatedBodyLimitBytes);
      // InvalidInputError('csv' | 'parquet' | 'target_column', ...) answers 422 naming the field.
      const table = format === 'csv' ? await readCsvStream(stream, options) : await fromSpooledFile(stream, (path) => readParquetFile(path, options));
      const dataset = await saveUpload(req, table, { name: body.name ?? `uploaded ${format === 'csv' ? 'CSV' : 'Parquet'} data set`, targetColumn: body.target_column, encoding });
      res.status(201).json(datasetView(dataset));
      return;
    }
    if (body.format !== undefined) throw unprocessable('format', 'only for a raw CSV or Parquet body');
    const sources = [body.sample, body.csv, body.uri].filter((source) => source !== undefined).length;
    if (sources > 1) throw unprocessable(body.uri !== undefined ? 'uri' : 'csv', 'give one of sample, csv or uri');
    if (body.uri !== undefined) {
      if (!body.task_type) throw unprocessable('task_type', 'required with uri: classification or regression');
      const em = orm.em.fork();
      const reference = em.create(Dataset, {
        user: em.getReference(User, req.userId),
        name: body.name ?? body.uri,
        taskType: body.task_type,
        targetColumn: body.target_column ?? 'target',
        nSamples: 0,
        nFeatures: 0,
        featureNames: [],
        uri: body.uri,
      });
      await em.flush();
      res.status(201).json(datasetView(reference));
      return;
    }
    if (body.sample !== undefined) {
      if (!isSampleDatasetName(body.sample)) {
        throw unprocessable('sample', `unknown sample "${body.sample}"; expected one of ${Object.keys(SAMPLE_DATASETS).join(', ')}`);
      }
      const { targetColumn, task } = SAMPLE_DATASETS[body.sample];
      if (body.target_column !== undefined && body.target_column !== targetColumn) {
        throw unprocessable('target_column', `the sample ${body.sample} has the target column "${targetColumn}", not "${body.target_column}"`);
      }
      if (body.task_type !== undefined && body.task_type !== task) {
        throw unprocessable('task_type', `the sample ${body.sample} is a ${task} data set`);
      }
      const parsed = loadSampleDataset(body.sample);
      const em = orm.em.fork();
      const dataset = em.create(Dataset, {
        user: em.getReference(User, req.userId),
        name: body.name ?? body.sample,
        taskType: parsed.task,
        targetColumn,
        nSamples: parsed.nSamples,
        nFeatures: parsed.nFeatures,
        featureNames: parsed.featureNames,
        classes: parsed.classes ?? null,
        sampleName: body.sample,
      });
      await em.flush();
      res.status(201).json(datasetView(dataset));
      return;
    }
    if (body.csv === undefined) throw unprocessable('csv', 'required (or give sample)');
    if (!body.target_column) throw unprocessable('target_column', 'required with csv');
    if (!body.task_type) throw unprocessable('task_type', 'required with csv: classification or regression');
    const table = await readCsvStream([body.csv], { targetColumn: body.target_column, task: body.task_type });
    const dataset = await saveUpload(req, table, { name: body.name ?? 'uploaded data set', targetColumn: body.target_column, encoding });
    res.status(201).json(datasetView(dataset));
  });

  router.get('/datasets', async (req, res) => {
    const { limit, offset } = pageQuery.parse(req.query);
    const [datasets, total] = await orm.em.fork().findAndCount(Dataset, { user: req.userId }, { orderBy: { createdAt: 'desc', id: 'asc' }, limit, offset });
    res.set('X-Total-Count', String(total)).json(datasets.map(datasetView));
  });

  router.get('/datasets/:id', async (req, res) => {
    res.json(datasetView(await ownedDataset(orm.em.fork(), req.userId, req.params.id)));
  });

  return router;
}
