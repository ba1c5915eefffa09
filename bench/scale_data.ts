/**
 * `npm run bench:scale-data [-- --rows 10000,100000,1000000 --features 20 --trees 100 --iterations 100 --models rf,hgb]`:
 * how cost grows with the number of rows. For each size, a synthetic binary classification data
 * set (deterministic) is:
 * - uploaded as a streamed text/csv body through the real API (parsed as it arrives, stored in
 *   columnar form in the data-set store), then loaded as a worker loads it (DatasetCache);
 * - cross-validated (3 folds, accuracy), once every size is loaded and the service stopped, with
 *   one random forest (`--trees`) and one histogram gradient boosting (`--iterations`, no early
 *   stopping), ours on one thread in this process,
 *   against scikit-learn 1.2 and XGBoost 1.7 (`hist`) on one thread each (/usr/bin/python3), on
 *   the same loaded values.
 * Peak RSS: this process's high-water mark after upload + load (minus the mark before), beside the
 * raw float64 size of the matrix; Python's own peak per size. The last rows give the growth
 * exponent of each timing (least-squares slope of log time on log rows). The machine is shared:
 * timings are noisy. The last line is the numbers as JSON.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DatasetCache } from '../src/activities/dataset_cache';
import { createEstimator } from '../src/ml/estimators';
import { crossValidate, meanStd } from '../src/ml/model_selection';
import type { Dataset, Params } from '../src/ml/types';
import { startHarness, type Harness } from '../test/integration/harness';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000,100000,1000000' },
    features: { type: 'string', default: '20' },
    trees: { type: 'string', default: '100' },
    iterations: { type: 'string', default: '100' },
    models: { type: 'string', default: 'rf,hgb' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:scale-data -- [--rows 10000,100000,1000000] [--features 20] [--trees 100] [--iterations 100] [--models rf,hgb|none]');
  process.exit(0);
}
const sizes = args.rows.split(',').map(Number);
const nFeatures = Number(args.features);
const models = args.models === 'none' ? [] : args.models.split(',');
const FOLDS = 3;

/** A deterministic stream of the CSV: features uniform in [-1, 1), label from a noisy linear rule. */
function csvStream(n: number): Readable {
  let state = 42 >>> 0;
  const random = () => {
    // xorshift32: cheap and reproducible.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const header = [...Array.from({ length: nFeatures }, (_, f) => `f${f}`), 'label'].join(',') + '\n';
  let row = -1;
  return new Readable({
    read() {
      if (row < 0) {
        this.push(header);
        row = 0;
        return;
      }
      const lines: string[] = [];
      for (const end = Math.min(n, row + 2000); row < end; row++) {
        const values = Array.from({ length: nFeatures }, () => Math.round((random() * 2 - 1) * 1e4) / 1e4);
        const score = values.reduce((s, v, f) => s + v * ((f % 5) - 2), 0) + (random() - 0.5) * 2;
        lines.push(`${values.join(',')},${score > 0 ? 1 : 0}\n`);
      }
      this.push(lines.join(''));
      if (row >= n) this.push(null);
    },
  });
}

/**
 * POST of a streamed body on a connection of its own (a kept-alive one the server has just
 * closed would fail the request, and a stream cannot be sent twice).
 */
function postCsv(h: Harness, path: string, body: Readable): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${h.token}`, 'content-type': 'text/csv' };
    const req = request(new URL(h.baseUrl + path), { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode === 201) resolve(JSON.parse(text));
        else reject(new Error(`upload: ${res.statusCode} ${text}`));
      });
    });
    req.on('error', reject);
    body.pipe(req);
  });
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

async function uploadAndLoad(h: Harness, n: number) {
  const before = maxRssMb();
  const started = performance.now();
  const body = await postCsv(h, `/datasets?target_column=label&task_type=classification&name=scale-${n}`, csvStream(n));
  const uploadSeconds = (performance.now() - started) / 1000;
  const [{ storage_bytes: storedBytes }] = await h.db.orm.em
    .getConnection()
    .execute<{ storage_bytes: string }[]>('select storage_bytes from datasets where id = ?', [body.id]);
  const loadStarted = performance.now();
  const data = await DatasetCache.fromDatabase(h.db.orm, 0).get(body.id);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  return { data, uploadSeconds, loadSeconds, storedMb: Number(storedBytes) / 2 ** 20, rssGrowthMb: maxRssMb() - before, peakRssMb: maxRssMb() };
}

function ours(data: Dataset, model: string): { seconds: number; score: number } {
  const params: Params = model === 'rf' ? { n_estimators: Number(args.trees) } : { max_iter: Number(args.iterations), early_stopping: false };
  const modelType = model === 'rf' ? 'random_forest' : 'hist_gradient_boosting';
  const started = performance.now();
  const scores = crossValidate(data, () => createEstimator(modelType, 'classification', params, 2), { cvFolds: FOLDS, scoring: 'accuracy', seed: 0 });
  return { seconds: (performance.now() - started) / 1000, score: meanStd(scores).mean };
}

const PYTHON = String.raw`
import json, sys, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from xgboost import XGBClassifier
path, n, f, trees, iterations, models = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split(',')
X = np.fromfile(path + '.X', dtype=np.float64).reshape(f, n).T.copy()
y = np.fromfile(path + '.y', dtype=np.float64).astype(np.int64)
cv = StratifiedKFold(3, shuffle=True, random_state=0)
estimators = {
  'rf': {'sklearn': RandomForestClassifier(n_estimators=trees, n_jobs=1, random_state=0)},
  'hgb': {'sklearn': HistGradientBoostingClassifier(max_iter=iterations, early_stopping=False, random_state=0),
          'xgboost': XGBClassifier(n_estimators=iterations, tree_method='hist', grow_policy='lossguide', max_leaves=31, max_depth=0, learning_rate=0.1, max_bin=255, nthread=1)},
}
out = {}
for model in models:
  for lib, est in estimators[model].items():
    t = time.perf_counter()
    scores = cross_val_score(est, X, y, cv=cv, scoring='accuracy', n_jobs=1)
    out[model + '/' + lib] = {'seconds': time.perf_counter() - t, 'score': float(scores.mean())}
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the spawning (Node) process.
out['peak_rss_mb'] = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) / 1024
print(json.dumps(out))
`;

function reference(data: Dataset, dir: string): Record<string, { seconds: number; score: number }> & { peak_rss_mb: number } {
  const path = join(dir, `data-${data.nSamples}`);
  writeFileSync(`${path}.X`, new Uint8Array(data.X.buffer, data.X.byteOffset, data.X.byteLength));
  writeFileSync(`${path}.y`, new Uint8Array(data.y.buffer, data.y.byteOffset, data.y.byteLength));
  const run = spawnSync('/usr/bin/python3', ['-c', PYTHON, path, String(data.nSamples), String(data.nFeatures), args.trees, args.iterations, models.join(',')], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    // One thread: HistGradientBoosting's OpenMP would otherwise take every core (and spin on a busy machine).
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  rmSync(`${path}.X`);
  rmSync(`${path}.y`);
  if (run.status !== 0) throw new Error(`python: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

/** Least-squares slope of log(value) on log(rows). */
function exponent(rows: number[], values: number[]): number {
  const xs = rows.map(Math.log);
  const ys = values.map(Math.log);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxy = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0);
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

async function main() {
  const h = await startHarness();
  const dir = mkdtempSync(join(tmpdir(), 'scale-data-'));
  const results: Record<string, number>[] = [];
  const datasets: Dataset[] = [];
  try {
    // Upload and load every size through the service first; then fit with the service stopped,
    // so that its API, worker and Temporal server take no CPU from either side's fits.
    try {
      for (const n of sizes) {
        const loaded = await uploadAndLoad(h, n);
        datasets.push(loaded.data);
        const row: Record<string, number> = {
          rows: n,
          raw_mb: (n * nFeatures * 8) / 2 ** 20,
          stored_mb: loaded.storedMb,
          upload_s: loaded.uploadSeconds,
          load_s: loaded.loadSeconds,
          rss_growth_mb: loaded.rssGrowthMb,
          peak_rss_mb: loaded.peakRssMb,
        };
        results.push(row);
        console.log(JSON.stringify(row));
      }
    } finally {
      await h.close();
    }
    for (const [i, data] of models.length ? datasets.entries() : []) {
      const row = results[i];
      for (const model of models) {
        const result = ours(data, model);
        row[`${model}/ours_s`] = result.seconds;
        row[`${model}/ours_acc`] = result.score;
      }
      const ref = reference(data, dir);
      for (const [key, value] of Object.entries(ref)) {
        if (key === 'peak_rss_mb') row.python_peak_rss_mb = value as number;
        else {
          row[`${key}_s`] = (value as { seconds: number }).seconds;
          row[`${key}_acc`] = (value as { score: number }).score;
        }
      }
      row.ours_peak_rss_mb = maxRssMb();
      console.log(JSON.stringify(row));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const keys = Object.keys(results[0]).filter((k) => k !== 'rows');
  console.log(`\n${nFeatures} features, ${FOLDS}-fold CV, one thread each (ours, scikit-learn n_jobs=1, XGBoost nthread=1)`);
  console.log(['metric'.padEnd(22), ...sizes.map((n) => String(n).padStart(12)), results.length > 1 ? 'exponent'.padStart(10) : ''].join(''));
  for (const key of keys) {
    const values = results.map((r) => r[key]);
    const growth = results.length > 1 && !key.endsWith('_acc') && values.every((v) => v > 0) ? exponent(sizes, values).toFixed(2) : '';
    console.log([key.padEnd(22), ...values.map((v) => (v === undefined ? '-' : v < 1 ? v.toFixed(4) : v.toFixed(2)).padStart(12)), growth.padStart(10)].join(''));
  }
  for (const model of models) {
    const ratios = results.map((r) => `${r.rows}: ${(r[`${model}/sklearn_s`] / r[`${model}/ours_s`]).toFixed(2)}×` + (r[`${model}/xgboost_s`] ? ` (XGBoost ${(r[`${model}/xgboost_s`] / r[`${model}/ours_s`]).toFixed(2)}×)` : ''));
    console.log(`${model}: speed vs scikit-learn (>1: ours faster) ${ratios.join(', ')}`);
  }
  console.log(JSON.stringify({ features: nFeatures, results }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
