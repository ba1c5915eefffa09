/**
 * Search benchmark: our bayesian (TPE) and random_search samplers against Optuna's TPE, on real
 * cross-validated objectives, 10 sampler seeds × 30 trials each.
 *
 *   npx tsx bench/search.ts [--seeds 10] [--trials 30] [--cases a,b] [--gp] [--no-optuna] [--no-sklearn]
 *
 * Cases: gbm_bayesian_breast_cancer from ../shared/bench/cases.json (relative to the repo root),
 * and rf_bayesian_diabetes: the 4-parameter space of rf_random_diabetes tuned by the bayesian
 * samplers. The case's own seed fixes the folds and the model's random_state; the sampler seed
 * varies. Data: $BENCH_DATA_DIR or ~/.cache/tuning-service/bench-data/<dataset>.csv.
 * Optuna runs in child processes (/usr/bin/python3 bench/optuna_tpe.py, Debian's python3-optuna)
 * in two ways: end to end with scikit-learn's cross_val_score as the objective (the reference
 * implementation; it runs alongside ours, so the benchmark uses two cores), and ask/tell on our
 * own estimators' cross-validation, the same objective our samplers see. Only the latter compares
 * samplers alone: our estimators and scikit-learn's do not score a candidate identically.
 * --no-sklearn skips the end-to-end reference (the slow part) and keeps Optuna on our CV.
 * "ours bayesian (TPE)" is the default, multivariate TPE; "TPE, independent" is our TPE in
 * Optuna's default (univariate) mode, to show what modelling parameters jointly adds.
 *
 * Prints, per case and sampler, the median [first quartile, third quartile] over seeds of the
 * best score so far after 10, 20 and 30 trials, and the mean time our samplers take to suggest
 * one candidate with 30 and 300 trials of history.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

import { parseCsv } from '../src/ml/data/csv';
import { createEstimator } from '../src/ml/estimators';
import { crossValidate } from '../src/ml/model_selection';
import {
  createSampler,
  paramsKey,
  RandomSampler,
  validateSearchSpace,
  type Sampler,
  type SearchSpace,
  type Trial,
} from '../src/ml/search';
import { classCount, type Dataset, type Params, type Task } from '../src/ml/types';

interface Case {
  name: string;
  dataset: string;
  task: Task;
  model_type: string;
  method: string;
  n_iter?: number;
  space: SearchSpace;
  cv_folds: number;
  scoring: string;
  seed: number;
}

interface Run {
  seed: number;
  bestSoFar: number[];
  /** Mean milliseconds per suggested candidate (ours only). */
  suggestMs?: number;
}

const ROOT = path.resolve(__dirname, '..');
const CASES_FILE = path.resolve(ROOT, '../shared/bench/cases.json');
const DATA_DIR = process.env.BENCH_DATA_DIR ?? path.join(os.homedir(), '.cache/tuning-service/bench-data');
const PYTHON = '/usr/bin/python3';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const N_SEEDS = Number(arg('seeds') ?? 10);
const N_TRIALS = Number(arg('trials') ?? 30);
const CHECKPOINTS = [10, 20, 30].filter((c) => c <= N_TRIALS);
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => i);

function loadCases(): Case[] {
  const all = (JSON.parse(fs.readFileSync(CASES_FILE, 'utf8')) as { cases: Case[] }).cases;
  const byName = new Map(all.map((c) => [c.name, c]));
  const gbm = byName.get('gbm_bayesian_breast_cancer');
  const rf = byName.get('rf_random_diabetes');
  if (!gbm || !rf) throw new Error(`${CASES_FILE} lacks gbm_bayesian_breast_cancer or rf_random_diabetes`);
  const cases: Case[] = [gbm, { ...rf, name: 'rf_bayesian_diabetes', method: 'bayesian' }].map((c) => ({ ...c, n_iter: N_TRIALS }));
  const wanted = arg('cases')?.split(',');
  return wanted ? cases.filter((c) => wanted.includes(c.name)) : cases;
}

function loadData(c: Case): Dataset {
  const file = path.join(DATA_DIR, `${c.dataset}.csv`);
  return parseCsv(fs.readFileSync(file, 'utf8'), { targetColumn: 'target', task: c.task });
}

/** Mean CV score of a candidate, cached per case (the evaluation is deterministic). */
function makeObjective(c: Case, data: Dataset): (params: Params) => number {
  const cache = new Map<string, number>();
  const nClasses = data.task === 'classification' ? classCount(data) : 0;
  return (params) => {
    const key = paramsKey(params);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const scores = crossValidate(data, () => createEstimator(c.model_type, c.task, { ...params, random_state: c.seed }, nClasses), {
      cvFolds: c.cv_folds,
      scoring: c.scoring,
      seed: c.seed,
    });
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    cache.set(key, mean);
    return mean;
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function runOurs(c: Case, sampler: Sampler, objective: (p: Params) => number, seed: number): Promise<Run> {
  const history: Trial[] = [];
  const bestSoFar: number[] = [];
  let best = -Infinity;
  let suggestMs = 0;
  for (let n = 0; n < N_TRIALS; n++) {
    const start = performance.now();
    const [params] = sampler.suggest(c.space, history, [], 1, n);
    suggestMs += performance.now() - start;
    const value = objective(params);
    history.push({ number: n, params, value, state: 'COMPLETE' });
    best = Math.max(best, value);
    bestSoFar.push(best);
    await tick(); // let the Optuna child's output through
  }
  return { seed, bestSoFar, suggestMs: suggestMs / N_TRIALS };
}

/** Runs Optuna's TPE for every seed in a child process; resolves with its runs. */
function runOptuna(c: Case): Promise<Run[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(__dirname, 'optuna_tpe.py'), DATA_DIR, SEEDS.join(',')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`optuna_tpe.py failed (${code}): ${err.slice(-2000)}`));
      const runs = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { seed: number; best_so_far: number[] })
        .map((r) => ({ seed: r.seed, bestSoFar: r.best_so_far }));
      resolve(runs);
    });
    child.stdin.end(JSON.stringify(c));
  });
}

/** Optuna's TPE for one seed through ask/tell, on our objective. */
async function runOptunaAskTell(c: Case, objective: (p: Params) => number, seed: number): Promise<Run> {
  const child = spawn(PYTHON, [path.join(__dirname, 'optuna_tpe.py'), '--ask-tell', String(seed)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.write(`${JSON.stringify(c)}\n`);
  const bestSoFar: number[] = [];
  let best = -Infinity;
  for await (const line of readline.createInterface({ input: child.stdout })) {
    const value = objective(JSON.parse(line) as Params);
    best = Math.max(best, value);
    bestSoFar.push(best);
    child.stdin.write(`${value}\n`);
  }
  child.stdin.end();
  const code = await closed;
  if (code !== 0 || bestSoFar.length !== N_TRIALS) throw new Error(`optuna_tpe.py --ask-tell failed (${code}): ${err.slice(-2000)}`);
  return { seed, bestSoFar };
}

/** Quantile with linear interpolation (numpy's default). */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function summary(runs: Run[], checkpoint: number): string {
  const values = runs.map((r) => r.bestSoFar[checkpoint - 1]);
  return `${quantile(values, 0.5).toFixed(4)} [${quantile(values, 0.25).toFixed(4)}, ${quantile(values, 0.75).toFixed(4)}]`;
}

/** Mean ms per suggestion with `size` trials of history (synthetic scores), over `repeats` suggestions. */
function suggestTime(space: SearchSpace, sampler: Sampler, size: number, repeats: number): number {
  const random = new RandomSampler(12345);
  const history: Trial[] = random.suggest(space, [], [], size, 0).map((params, number) => ({
    number,
    params,
    value: Math.sin(number) + Object.values(params).filter((v) => typeof v === 'number').length,
    state: 'COMPLETE',
  }));
  sampler.suggest(space, history, [], 1, size); // warm-up
  const start = performance.now();
  for (let i = 0; i < repeats; i++) sampler.suggest(space, history, [], 1, size + 1 + i);
  return (performance.now() - start) / repeats;
}

async function main(): Promise<void> {
  const cases = loadCases();
  const withOptuna = !flag('no-optuna');
  const withSklearn = withOptuna && !flag('no-sklearn');
  const withGp = flag('gp');
  console.log(`search bench: ${N_SEEDS} seeds × ${N_TRIALS} trials; cases ${cases.map((c) => c.name).join(', ')}`);
  // Optuna's runs go one case after another in a child process, while ours run here.
  const optuna = new Map<string, Promise<Run[]>>();
  let chain: Promise<unknown> = Promise.resolve();
  if (withSklearn) {
    for (const c of cases) {
      const p = chain.then(() => runOptuna(c));
      optuna.set(c.name, p);
      chain = p.catch(() => undefined);
    }
  }
  for (const c of cases) {
    validateSearchSpace(c.space);
    const data = loadData(c);
    const objective = makeObjective(c, data);
    const samplers: [string, (seed: number) => Sampler][] = [
      ['ours bayesian (TPE)', (seed) => createSampler('bayesian', { seed })],
      ['ours TPE, independent', (seed) => createSampler('bayesian', { seed, tpe: { multivariate: false } })],
      ['ours random_search', (seed) => createSampler('random_search', { seed })],
    ];
    if (withGp) samplers.push(['ours bayesian (GP)', (seed) => createSampler('bayesian', { seed, sampler: 'gp' })]);
    const results: [string, Run[]][] = [];
    for (const [label, make] of samplers) {
      const start = performance.now();
      const runs: Run[] = [];
      for (const seed of SEEDS) runs.push(await runOurs(c, make(seed), objective, seed));
      results.push([label, runs]);
      console.error(`  ${c.name}: ${label} done in ${((performance.now() - start) / 1000).toFixed(0)} s`);
    }
    if (withOptuna) {
      const start = performance.now();
      const runs: Run[] = [];
      for (const seed of SEEDS) runs.push(await runOptunaAskTell(c, objective, seed));
      results.push(['Optuna TPE, our CV', runs]);
      console.error(`  ${c.name}: Optuna TPE (ask/tell) on our CV done in ${((performance.now() - start) / 1000).toFixed(0)} s`);
    }
    if (withSklearn) {
      const start = performance.now();
      results.push(['Optuna TPE, sklearn CV', await optuna.get(c.name)!]);
      console.error(`  ${c.name}: waited ${((performance.now() - start) / 1000).toFixed(0)} s for Optuna`);
    }
    const lines: string[] = [];
    lines.push('', `${c.name} (${c.model_type}, ${c.dataset}, ${c.scoring}, ${c.cv_folds}-fold; ${Object.keys(c.space).length} params)`);
    lines.push(`best so far: median [q1, q3] over ${N_SEEDS} seeds`);
    const header = ['sampler'.padEnd(22), ...CHECKPOINTS.map((k) => `after ${k}`.padEnd(26))].join(' | ');
    lines.push(header, '-'.repeat(header.length));
    for (const [label, runs] of results) lines.push([label.padEnd(22), ...CHECKPOINTS.map((k) => summary(runs, k).padEnd(26))].join(' | '));
    const timing = samplers
      .filter(([label]) => !label.includes('random'))
      .map(([label, make]) => {
        const during = results.find(([l]) => l === label)![1];
        const mean = during.reduce((a, r) => a + (r.suggestMs ?? 0), 0) / during.length;
        const sampler = make(0);
        return `${label}: ${mean.toFixed(1)} ms mean over the runs; ${suggestTime(c.space, sampler, 30, 20).toFixed(1)} ms at 30 trials, ${suggestTime(c.space, sampler, 300, label.includes('GP') ? 3 : 20).toFixed(1)} ms at 300 trials of history`;
      });
    lines.push(...timing.map((t) => `suggest one candidate, ${t}`));
    console.log(lines.join('\n'));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
