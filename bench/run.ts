/**
 * Benchmark against scikit-learn: `npx tsx bench/run.ts [case names...] [--reference run|cached|skip] [--threads N]`
 * (`npm run bench`).
 *
 * Reads the reference jobs from $BENCH_SHARED/cases.json (default ../shared/bench relative to the
 * repository root) and the histogram GBM cases of bench/cases_hgb.json, makes sure the CSV files exist in $BENCH_DATA (default
 * ~/.cache/tuning-service/bench-data, generated with export_datasets.py when missing), then for
 * each case:
 *  - ours: wall-clock time of the whole job in this process — reading and parsing the CSV, starting
 *    a fresh EvaluationPool (all cores by default) and cross-validating every candidate;
 *  - scikit-learn: `/usr/bin/python3 reference.py DATA_DIR CASE --n-jobs 2` (its own timer, which
 *    starts after loading the data). `--reference cached` reuses the last results stored in the
 *    data directory, `skip` does not run it;
 *  - XGBoost (hist_gradient_boosting grid cases): the same with `--engine xgboost` (hist,
 *    lossguide, one thread per fit, scikit-learn's parameter names mapped).
 * Candidates: grid_search = the Cartesian product (scikit-learn's ParameterGrid order);
 * random_search = n_iter candidates from our seeded RandomSampler; bayesian = TPE
 * (createSampler('bayesian')) in batches of the pool size. random_state = the case seed for every
 * candidate, like the reference.
 * Prints a table plus peak RSS, and writes the results as JSON to DATA_DIR/bench-results.json
 * (also printed as the last line).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { parseCsv } from '../src/ml/data/csv';
import { EvaluationPool } from '../src/ml/parallel';
import type { CandidateEvaluation } from '../src/ml/parallel';
import * as search from '../src/ml/search';
import type { Params, Task } from '../src/ml/types';

interface BenchCase {
  name: string;
  dataset: string;
  task: Task;
  model_type: string;
  method: 'grid_search' | 'random_search' | 'bayesian';
  space: Record<string, unknown>;
  n_iter?: number;
  cv_folds: number;
  scoring: string;
  seed: number;
}

interface ReferenceResult {
  name: string;
  seconds: number;
  /** CPU seconds (user + system) of reference.py and its worker processes. */
  cpu_seconds?: number;
  n_fits: number;
  best_score: number;
  best_params: Params;
  n_jobs: number;
}

/** A case and the cases file it comes from (reference.py reads the same file). */
type SourcedCase = BenchCase & { file: string };

interface OurResult {
  seconds: number;
  /** CPU seconds (user + system) of this process, worker threads included. */
  cpu_seconds: number;
  n_fits: number;
  best_score: number;
  best_params: Params;
  failed: number;
  load_seconds: number;
}

const ROOT = path.resolve(__dirname, '..');
const SHARED = path.resolve(ROOT, process.env.BENCH_SHARED ?? '../shared/bench');
const DATA_DIR = process.env.BENCH_DATA ?? path.join(os.homedir(), '.cache', 'tuning-service', 'bench-data');
const PYTHON = '/usr/bin/python3';

const USAGE = `Usage: npm run bench -- [case names...] [--reference run|cached|skip] [--threads N]

  case names         cases of $BENCH_SHARED/cases.json and bench/cases_hgb.json to run (default: all)
  --reference MODE   run: time scikit-learn (and XGBoost for histogram GBM grids) too (default);
                     cached: reuse their last results; skip: ours only
  --threads N        worker threads of our evaluation pool (default: all cores)
  -h, --help         print this and exit

Environment: BENCH_SHARED (default ../shared/bench), BENCH_DATA (default ~/.cache/tuning-service/bench-data).`;

/** A bad command line: reported with the usage, without a stack trace. */
class UsageError extends Error {}

function parseArgs(argv: string[]): { cases: string[]; reference: 'run' | 'cached' | 'skip'; threads?: number } {
  const cases: string[] = [];
  let reference: 'run' | 'cached' | 'skip' = 'run';
  let threads: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--reference') reference = argv[++i] as typeof reference;
    else if (a.startsWith('--reference=')) reference = a.slice(12) as typeof reference;
    else if (a === '--threads') threads = Number(argv[++i]);
    else if (a.startsWith('--threads=')) threads = Number(a.slice(10));
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else cases.push(a);
  }
  if (!['run', 'cached', 'skip'].includes(reference)) throw new UsageError(`--reference must be run, cached or skip`);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new UsageError(`--threads must be an integer >= 1`);
  return { cases, reference, threads };
}

function ensureData(cases: BenchCase[]): void {
  const missing = cases.some((c) => !fs.existsSync(path.join(DATA_DIR, `${c.dataset}.csv`)));
  if (missing) {
    console.error(`generating the data sets in ${DATA_DIR} ...`);
    execFileSync(PYTHON, [path.join(SHARED, 'export_datasets.py'), DATA_DIR], { stdio: 'inherit' });
  }
}

async function runOurs(c: BenchCase, threads: number | undefined): Promise<OurResult> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const text = fs.readFileSync(path.join(DATA_DIR, `${c.dataset}.csv`), 'utf8');
  const dataset = parseCsv(text, { targetColumn: 'target', task: c.task, shared: true });
  const loadSeconds = (performance.now() - start) / 1000;
  const pool = new EvaluationPool(threads);
  const fixed: Params = { random_state: c.seed };
  const evaluate = (candidates: Params[]): Promise<CandidateEvaluation[]> =>
    pool.evaluate({
      datasetKey: c.dataset,
      dataset,
      modelType: c.model_type,
      task: c.task,
      candidates: candidates.map((p) => ({ ...p, ...fixed })),
      cvFolds: c.cv_folds,
      scoring: c.scoring,
      seed: c.seed,
    });
  const all: { params: Params; evaluation: CandidateEvaluation }[] = [];
  try {
    if (c.method === 'grid_search') {
      const grid = c.space as search.ParamGrid;
      const candidates = search.expandGrid(grid);
      (await evaluate(candidates)).forEach((evaluation, i) => all.push({ params: candidates[i], evaluation }));
    } else {
      const space = c.space as search.SearchSpace;
      search.validateSearchSpace(space);
      const nIter = c.n_iter ?? 10;
      const sampler = search.createSampler(c.method, { seed: c.seed });
      const batch = c.method === 'bayesian' ? pool.size : nIter;
      const history: search.Trial[] = [];
      while (history.length < nIter) {
        const count = Math.min(batch, nIter - history.length);
        const candidates = sampler.suggest(space, history, [], count, history.length);
        const evaluations = await evaluate(candidates);
        evaluations.forEach((evaluation, i) => {
          all.push({ params: candidates[i], evaluation });
          history.push({
            number: history.length,
            params: candidates[i],
            value: evaluation.error ? null : evaluation.meanScore,
            state: evaluation.error ? 'FAILED' : 'COMPLETE',
            intermediateValues: evaluation.scores,
          });
        });
      }
    }
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  let best: (typeof all)[number] | undefined;
  for (const r of all) {
    if (r.evaluation.error) continue;
    if (best === undefined || r.evaluation.meanScore > best.evaluation.meanScore) best = r;
  }
  const failed = all.filter((r) => r.evaluation.error);
  if (failed.length > 0) console.error(`${c.name}: ${failed.length} failed candidates, e.g. ${failed[0].evaluation.error!.message}`);
  return {
    seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    n_fits: all.length * c.cv_folds,
    best_score: best ? best.evaluation.meanScore : NaN,
    best_params: best ? best.params : {},
    failed: failed.length,
    load_seconds: loadSeconds,
  };
}

function referenceCachePath(): string {
  return path.join(DATA_DIR, 'reference-results.json');
}

function runReference(c: SourcedCase, mode: 'run' | 'cached' | 'skip', engine: 'sklearn' | 'xgboost' = 'sklearn'): ReferenceResult | null {
  if (mode === 'skip') return null;
  const cachePath = referenceCachePath();
  const cache: Record<string, ReferenceResult> = fs.existsSync(cachePath) ? JSON.parse(fs.readFileSync(cachePath, 'utf8')) : {};
  const key = engine === 'sklearn' ? c.name : `${engine}:${c.name}`;
  if (mode === 'cached' && cache[key]) return cache[key];
  // bash's `times` reports the CPU time of its waited-for children: python and the joblib
  // workers that python waited for.
  const args = [PYTHON, path.join(SHARED, 'reference.py'), DATA_DIR, c.name, '--n-jobs', '2', '--cases', c.file, '--engine', engine];
  const outFile = path.join(os.tmpdir(), `bench-reference-${process.pid}.out`);
  const timesOut = execFileSync('bash', ['-c', '"$@" > "$BENCH_REFERENCE_OUT"; status=$?; times; exit $status', '_', ...args], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_REFERENCE_OUT: outFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = fs.readFileSync(outFile, 'utf8');
  fs.rmSync(outFile, { force: true });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`reference.py printed no result for ${c.name}`);
  const result = JSON.parse(line) as ReferenceResult;
  const lines = timesOut.trim().split('\n');
  const times = lines.filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l.trim()));
  if (times.length >= 2) {
    const secs = (t: string): number => {
      const m = /^(\d+)m([\d.]+)s$/.exec(t)!;
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const [user, sys] = times[1].trim().split(' ');
    result.cpu_seconds = Math.round((secs(user) + secs(sys)) * 1000) / 1000;
  }
  cache[key] = result;
  fs.writeFileSync(cachePath, JSON.stringify(cache, null, 2));
  return result;
}

function fmt(x: number | undefined | null, digits: number): string {
  return x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(digits);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const all = [path.join(SHARED, 'cases.json'), path.join(__dirname, 'cases_hgb.json')].flatMap((file) =>
    (JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: BenchCase[] }).cases.map((c): SourcedCase => ({ ...c, file })),
  );
  const unknown = args.cases.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown case(s): ${unknown.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}`);
  const cases = args.cases.length > 0 ? all.filter((c) => args.cases.includes(c.name)) : all;
  ensureData(cases);
  const rows: { case: string; ours: OurResult; sklearn: ReferenceResult | null; xgboost: ReferenceResult | null }[] = [];
  for (const c of cases) {
    const ours = await runOurs(c, args.threads);
    console.error(`${c.name}: ours ${ours.seconds.toFixed(2)} s, best ${ours.best_score.toFixed(5)} ${JSON.stringify(ours.best_params)}`);
    const reference = (engine: 'sklearn' | 'xgboost'): ReferenceResult | null => {
      try {
        const r = runReference(c, args.reference, engine);
        if (r) console.error(`${c.name}: ${engine} ${r.seconds.toFixed(2)} s, best ${r.best_score.toFixed(5)} ${JSON.stringify(r.best_params)}`);
        return r;
      } catch (err) {
        console.error(`${c.name}: ${engine} reference failed: ${(err as Error).message}`);
        return null;
      }
    };
    const sklearn = reference('sklearn');
    const xgb = c.model_type === 'hist_gradient_boosting' && c.method === 'grid_search' ? reference('xgboost') : null;
    rows.push({ case: c.name, ours, sklearn, xgboost: xgb });
  }
  const header = ['case', 'ours (s)', 'sklearn (s)', 'sklearn/ours', 'ours cpu', 'sklearn cpu', 'cpu ratio', 'our best', 'sklearn best', 'diff', 'xgboost (s)', 'xgboost/ours', 'xgboost best'];
  const table = rows.map((r) => [
    r.case,
    fmt(r.ours.seconds, 2),
    fmt(r.sklearn?.seconds, 2),
    r.sklearn ? fmt(r.sklearn.seconds / r.ours.seconds, 2) : '-',
    fmt(r.ours.cpu_seconds, 1),
    fmt(r.sklearn?.cpu_seconds, 1),
    r.sklearn?.cpu_seconds ? fmt(r.sklearn.cpu_seconds / r.ours.cpu_seconds, 2) : '-',
    fmt(r.ours.best_score, 5),
    fmt(r.sklearn?.best_score, 5),
    r.sklearn ? fmt(r.ours.best_score - r.sklearn.best_score, 5) : '-',
    fmt(r.xgboost?.seconds, 2),
    r.xgboost ? fmt(r.xgboost.seconds / r.ours.seconds, 2) : '-',
    fmt(r.xgboost?.best_score, 5),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...table.map((t) => t[j].length)));
  const line = (cells: string[]): string => cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ');
  console.log(line(header));
  for (const t of table) console.log(line(t));
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(`peak RSS (this process, worker threads included): ${maxRssMB.toFixed(0)} MB; threads: ${args.threads ?? os.availableParallelism()}`);
  const result = { date: new Date().toISOString(), node: process.version, cpus: os.availableParallelism(), peak_rss_mb: Math.round(maxRssMB), results: rows };
  fs.mkdirSync(DATA_DIR, { recursive: true });
  fs.writeFileSync(path.join(DATA_DIR, 'bench-results.json'), JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err);
  process.exit(1);
});
