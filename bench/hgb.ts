/**
 * One histogram GBM fit at real size against scikit-learn and XGBoost:
 * `npx tsx bench/hgb.ts [--rows N[,N...]] [--features D] [--threads T] [--repeat R] [--reference run|skip]`
 * (`npm run bench:hgb`; defaults: 1,000,000 rows, 20 features, 2 threads, 3 repeats).
 *
 * Data: make_classification (binary, random_state=0), written once by bench/hgb_reference.py to
 * $BENCH_DATA as column-major float64. Each size: HistGradientBoostingClassifier with 100
 * iterations, 31 leaves, learning rate 0.1, early stopping off, fitted on the first two thirds of
 * the rows and scored (accuracy) on the last third, after a warm-up fit of the same model on up to
 * 20,000 rows. Ours runs in this process with T threads (setFitThreads: binning, histograms over
 * feature or row blocks, partitions and split search shared with helper threads), then scikit-learn 1.2
 * (OMP_NUM_THREADS=T) and XGBoost 1.7 hist (lossguide, n_jobs=T) in the same run, R times in turn
 * (ours, then both references). Prints each side's fit of median wall time: its wall seconds, CPU
 * seconds (all threads), accuracy, and the wall-time ratios reference / ours (above 1: ours
 * faster). Wall times on a shared machine are noisy: compare ratios within one run.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { HistGradientBoostingClassifier } from '../src/ml/ensemble';
import { setFitThreads } from '../src/ml/parallel';
import type { Dataset } from '../src/ml/types';

const DATA_DIR = process.env.BENCH_DATA ?? path.join(os.homedir(), '.cache', 'tuning-service', 'bench-data');
const PYTHON = '/usr/bin/python3';
const USAGE = 'Usage: npx tsx bench/hgb.ts [--rows N[,N...]] [--features D] [--threads T] [--repeat R] [--reference run|skip]';

interface Timing {
  seconds: number;
  /** CPU seconds of the fit, every thread of the process included. */
  cpu_seconds: number;
  accuracy: number;
}

interface Args {
  rows: number[];
  features: number;
  threads: number;
  repeat: number;
  reference: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { rows: [1_000_000], features: 20, threads: 2, repeat: 3, reference: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => inline ?? argv[++i] ?? '';
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag === '--rows') out.rows = value().split(',').map(Number);
    else if (flag === '--features') out.features = Number(value());
    else if (flag === '--threads') out.threads = Number(value());
    else if (flag === '--repeat') out.repeat = Number(value());
    else if (flag === '--reference') out.reference = value() !== 'skip';
    else throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
  }
  const positive = (x: number): boolean => Number.isInteger(x) && x >= 1;
  if (!out.rows.every((r) => positive(r) && r >= 3) || !positive(out.features) || !positive(out.threads) || !positive(out.repeat)) {
    throw new Error(`--rows, --features, --threads and --repeat take positive integers\n${USAGE}`);
  }
  return out;
}

function reference(rows: number, features: number, threads: number, run: boolean): Record<string, Timing> {
  // With run false it only writes the data set (no fits): hgb_reference.py needs both when run.
  const args = [path.join(__dirname, 'hgb_reference.py'), DATA_DIR, String(rows), String(features), String(threads)];
  if (!run) args.push('--data-only');
  const out = execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, Timing>;
}

function load(rows: number, features: number): Dataset {
  const base = path.join(DATA_DIR, `hgb_${rows}x${features}`);
  const read = (file: string): Float64Array => {
    const buf = fs.readFileSync(file);
    return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  };
  const X = read(`${base}.X.f64`);
  const y = read(`${base}.y.f64`);
  const featureNames = Array.from({ length: features }, (_, f) => `f${f}`);
  return { nSamples: rows, nFeatures: features, featureNames, X, y, task: 'classification', classes: ['0', '1'] };
}

/** Warms our fit up once and returns one timed fit. */
function ours(data: Dataset, threads: number): () => Timing {
  const n = Math.floor((data.nSamples * 2) / 3);
  const train = Uint32Array.from({ length: n }, (_, i) => i);
  const test = Uint32Array.from({ length: data.nSamples - n }, (_, i) => n + i);
  setFitThreads(threads);
  const params = { max_iter: 100, max_leaf_nodes: 31, learning_rate: 0.1, early_stopping: false, random_state: 0 };
  // Warm-up (compiled code, the fit's helper threads), as a long-running worker has done before; one
  // row fewer than the timed fit at most, so that the timed fit bins its rows again.
  new HistGradientBoostingClassifier(params).fit(data, train.subarray(0, Math.min(n, 20_000) - 1));
  return () => {
    // A new rows array each fit: binnings are cached per rows array (cross-validation's candidates
    // share their folds'), and each fit here bins its rows, as scikit-learn's and XGBoost's do.
    const rows = train.slice();
    const start = performance.now();
    const cpu = process.cpuUsage();
    const model = new HistGradientBoostingClassifier(params);
    model.fit(data, rows);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const pred = model.predict(data, test);
    let correct = 0;
    for (let i = 0; i < test.length; i++) if (pred[i] === data.y[test[i]]) correct++;
    return { seconds, cpu_seconds: (used.user + used.system) / 1e6, accuracy: correct / test.length };
  };
}

/** The timing of median wall time (undefined when there is none). */
function median(timings: (Timing | undefined)[]): Timing | undefined {
  const present = timings.filter((t): t is Timing => t !== undefined).sort((a, b) => a.seconds - b.seconds);
  return present[(present.length - 1) >> 1];
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const lines: string[][] = [
    ['rows', 'ours (s)', 'sklearn (s)', 'xgboost (s)', 'sklearn/ours', 'xgboost/ours', 'ours cpu', 'sklearn cpu', 'xgboost cpu', 'our acc', 'sklearn acc', 'xgboost acc'],
  ];
  for (const rows of args.rows) {
    reference(rows, args.features, args.threads, false);
    const fitOurs = ours(load(rows, args.features), args.threads);
    // Each repeat fits ours, then the references: a drift of the machine's speed meets both sides.
    const runs: { ours: Timing; sklearn?: Timing; xgboost?: Timing }[] = [];
    for (let r = 0; r < args.repeat; r++) {
      const fit = fitOurs();
      console.error(`${rows} rows: ours ${fit.seconds.toFixed(2)} s, accuracy ${fit.accuracy.toFixed(4)}`);
      runs.push({ ours: fit, ...(args.reference ? reference(rows, args.features, args.threads, true) : {}) });
    }
    const mine = median(runs.map((r) => r.ours))!;
    const sk = median(runs.map((r) => r.sklearn));
    const xgb = median(runs.map((r) => r.xgboost));
    const f = (x: number | undefined, d: number): string => (x === undefined ? '-' : x.toFixed(d));
    lines.push([
      String(rows), f(mine.seconds, 2), f(sk?.seconds, 2), f(xgb?.seconds, 2),
      f(sk && sk.seconds / mine.seconds, 2), f(xgb && xgb.seconds / mine.seconds, 2),
      f(mine.cpu_seconds, 1), f(sk?.cpu_seconds, 1), f(xgb?.cpu_seconds, 1),
      f(mine.accuracy, 4), f(sk?.accuracy, 4), f(xgb?.accuracy, 4),
    ]);
  }
  const widths = lines[0].map((_, j) => Math.max(...lines.map((l) => l[j].length)));
  for (const l of lines) console.log(l.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
  console.log(`${args.features} features, ${args.threads} threads each, 100 iterations on 2/3 of the rows, median of ${args.repeat} fits; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);
}

main();
