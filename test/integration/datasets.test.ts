/**
 * Data-set uploads at real size: streamed CSV and Parquet bodies, the columnar store behind them,
 * categorical encoding and missing values, and runs on what was uploaded.
 */
import { PostgresBlobStore, S3BlobStore, s3ConfigFromEnv, type BlobStore } from '../../src/storage';
import { call, startHarness, waitFor, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

async function upload(query: string, body: Uint8Array | string, contentType: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${h.baseUrl}/datasets?${query}`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': contentType }, body });
  return { status: res.status, body: await res.json() };
}

/** A CSV of `n` rows: x numeric (every 10th missing), color categorical, label from both. */
function csvRows(n: number): string {
  const colors = ['red', 'green', 'blue'];
  const lines = ['x,color,label'];
  for (let i = 0; i < n; i++) lines.push(`${i % 10 === 3 ? '' : (i % 17) / 4},${colors[i % 3]},${(i % 17) / 4 + (i % 3) > 3 ? 'yes' : 'no'}`);
  return lines.join('\n') + '\n';
}

/** Experiment → model run of `modelType` on a data set; the POST's answer. */
async function modelRun(datasetId: string, modelType: string, hyperparameters: Record<string, unknown>) {
  const experiment = await call(h, 'POST', '/experiments', { token: h.token, body: { name: 'e', dataset_id: datasetId } });
  expect(experiment.status).toBe(201);
  return call(h, 'POST', '/model-runs', { token: h.token, body: { experiment_id: experiment.body.id, model_type: modelType, hyperparameters, cv_folds: 3 } });
}

const finishedRun = (id: string) => waitFor(() => call(h, 'GET', `/model-runs/${id}`, { token: h.token }), (r) => r.body.status !== 'running');

describe('streamed CSV', () => {
  test('a 2 MB CSV streamed in 64 KiB pieces stores categorical and missing columns; ordinal by default', async () => {
    const text = csvRows(120_000);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = Buffer.from(text);
        for (let i = 0; i < bytes.length; i += 65_537) controller.enqueue(bytes.subarray(i, i + 65_537));
        controller.close();
      },
    });
    const res = await fetch(`${h.baseUrl}/datasets?target_column=label&task_type=classification&name=streamed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(201);
    const dataset = (await res.json()) as any;
    expect(dataset).toMatchObject({ name: 'streamed', n_samples: 120_000, n_features: 2, feature_names: ['x', 'color'], classes: ['no', 'yes'] });

    // Histogram gradient boosting takes the NaN; a random forest is refused, naming the column.
    const hgb = await modelRun(dataset.id, 'hist_gradient_boosting', { max_iter: 10 });
    expect(hgb.status).toBe(202);
    const refused = await modelRun(dataset.id, 'random_forest', { n_estimators: 5 });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toEqual([{ field: 'dataset', reason: expect.stringMatching(/^column "x" has 12000 missing values, which random_forest cannot take/) }]);
    expect((await finishedRun(hgb.body.id)).body.status).toBe('completed');
  });

  test('one-hot encoding and imputation are chosen per data set; the random forest then runs', async () => {
    const res = await upload('target_column=label&task_type=classification&categorical_encoding=onehot&impute=median', csvRows(300), 'text/csv');
    expect(res.status).toBe(201);
    expect(res.body.feature_names).toEqual(['x', 'color_blue', 'color_green', 'color_red']);
    const rf = await modelRun(res.body.id, 'random_forest', { n_estimators: 5 });
    expect(rf.status).toBe(202);
    expect((await finishedRun(rf.body.id)).body.status).toBe('completed');
  });

  test('bad uploads answer 4xx naming the field', async () => {
    const bad = await upload('target_column=label&task_type=classification', 'x,label\n1,a\n2,b,3\n', 'text/csv');
    expect([bad.status, bad.body.detail]).toEqual([422, [{ field: 'csv', reason: 'line 3: expected 2 fields, found 3' }]]);
    const encoding = await upload('target_column=label&task_type=classification&categorical_encoding=binary', csvRows(10), 'text/csv');
    expect([encoding.status, encoding.body.detail[0].field]).toEqual([422, 'categorical_encoding']);
    const type = await upload('target_column=label&task_type=classification', 'x', 'application/xml');
    expect(type.status).toBe(415);
    const octet = await upload('target_column=label&task_type=classification', 'x', 'application/octet-stream');
    expect([octet.status, octet.body.detail[0].field]).toEqual([422, 'format']);
  });
});

describe('Parquet', () => {
  let parquet: Buffer;
  beforeAll(async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const n = 600;
    const written = parquetWriteBuffer({
      columnData: [
        { name: 'a', data: Float64Array.from({ length: n }, (_, i) => Math.sin(i)), type: 'DOUBLE' },
        { name: 'b', data: Array.from({ length: n }, (_, i) => (i % 50 === 0 ? null : (i * 7) % 13)), type: 'DOUBLE', nullable: true },
        { name: 'kind', data: Array.from({ length: n }, (_, i) => ['p', 'q'][i % 2]), type: 'STRING' },
        { name: 'y', data: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 3 + ((i * 7) % 13) / 5 + (i % 2)), type: 'DOUBLE' },
      ],
      rowGroupSize: 250,
    });
    parquet = Buffer.from(written);
  });

  test('a Parquet body (its media type, or octet-stream with format=parquet) is stored, and a tuning run on it completes', async () => {
    const res = await upload('target_column=y&task_type=regression&name=pq&impute=mean', new Uint8Array(parquet), 'application/vnd.apache.parquet');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'pq', n_samples: 600, n_features: 3, feature_names: ['a', 'b', 'kind'] });
    const octet = await upload('target_column=y&task_type=regression&format=parquet', new Uint8Array(parquet), 'application/octet-stream');
    expect([octet.status, octet.body.n_samples]).toEqual([201, 600]);

    const run = await modelRun(res.body.id, 'random_forest', { n_estimators: 5 });
    expect(run.status).toBe(202);
    expect((await finishedRun(run.body.id)).body.status).toBe('completed');
    const tuning = await call(h, 'POST', '/tuning/tune', {
      token: h.token,
      body: { model_run_id: run.body.id, tuning_method: 'grid_search', param_grid: { max_depth: [2, 4] }, cv_folds: 3 },
    });
    expect(tuning.status).toBe(202);
    const status = await waitFor(
      () => call(h, 'GET', `/tuning/tune/${tuning.body.tuning_run_id}/status`, { token: h.token }),
      (r) => r.body.status !== 'running',
    );
    expect(status.body.status).toBe('completed');
  });

  test('a corrupt Parquet body answers 422 on parquet', async () => {
    const res = await upload('target_column=y&task_type=regression', new Uint8Array(parquet.subarray(0, 100)), 'application/vnd.apache.parquet');
    expect([res.status, res.body.detail[0].field]).toEqual([422, 'parquet']);
  });
});

/** put → get → delete on a store, with chunk boundaries that do not match the pieces written. */
async function roundTrip(store: BlobStore) {
  const key = `test-${Math.random().toString(36).slice(2)}`;
  const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) % 251);
  async function* pieces() {
    for (let i = 0; i < bytes.length; i += 7_777) yield bytes.subarray(i, i + 7_777);
  }
  expect(await store.put(key, pieces())).toBe(bytes.length);
  const back: Uint8Array[] = [];
  for await (const chunk of store.get(key)) back.push(chunk);
  expect(Buffer.concat(back).equals(Buffer.from(bytes))).toBe(true);
  await store.delete(key);
  await expect((async () => {
    for await (const _ of store.get(key)) void _;
  })()).rejects.toThrow();
}

describe('data-set stores', () => {
  test('PostgreSQL chunks: round trip across chunk boundaries, nothing left after delete', async () => {
    await roundTrip(new PostgresBlobStore(h.db.orm, 4096));
  });

  const s3 = s3ConfigFromEnv(process.env);
  // Runs when DATASET_STORE=s3 and DATASET_S3_BUCKET name a reachable S3-compatible store.
  (s3 ? test : test.skip)('S3: round trip', async () => {
    await roundTrip(new S3BlobStore(s3!));
  });
});
