/**
 * `npm run bench:asktell [-- --history 100 --trials 64 --rounds 4]`: the round trip of one ask
 * (suggest) + tell (complete) of a client-evaluated bayesian study, at `history` trials of history,
 * with 1 and 8 concurrent clients, against the real service on loopback (the integration harness:
 * the local PostgreSQL, the Temporal dev server, worker and API in this process); and, in the same
 * run on the same PostgreSQL, Optuna 3.1's ask/tell with its RDB storage and TPE sampler
 * (bench/optuna_asktell.py, Debian's python3-optuna and python3-psycopg2). The `trials` measured
 * are split in `rounds` blocks, ours and Optuna's alternating (first one, then the other), so a
 * shared machine's changing load weighs on both alike. Prints a table, then the numbers as JSON.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { TuningClient, type Study } from '../clients/typescript';
import { databaseUrlFor, dropDatabase, ensureDatabase } from '../src/db/orm';
import { startHarness } from '../test/integration/harness';
import { TEST_DATABASE_ADMIN_URL } from '../test/integration/db_helpers';

const { values: args } = parseArgs({
  options: { history: { type: 'string', default: '100' }, trials: { type: 'string', default: '64' }, rounds: { type: 'string', default: '4' } },
});
const HISTORY = Number(args.history);
const TRIALS = Number(args.trials);
const ROUNDS = Number(args.rounds);
const SPACE = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'int', low: 1, high: 10 } } as const;
const objective = (params: Record<string, unknown>) => ((params.x as number) - 1) ** 2 + (params.y as number);

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Times `count` ask + tell round trips in ms, run by `count / clients` each. */
type Block = (count: number) => Promise<number[]>;

/** Asks and tells `count` trials as one client, returning each round trip in ms. */
async function roundTrips(study: Study, clientId: string, count: number): Promise<number[]> {
  const times: number[] = [];
  while (times.length < count) {
    const start = performance.now();
    const { trials, done } = await study.ask(1, clientId);
    if (done) break;
    if (trials.length === 0) continue;
    await study.tell(trials[0], { value: objective(trials[0].params) });
    times.push(performance.now() - start);
  }
  return times;
}

/** Our study with `HISTORY` trials told, and its clients. */
async function ours(client: TuningClient, clients: number): Promise<Block> {
  const study = await client.createStudy({
    name: `asktell-${clients}`,
    tuning_method: 'bayesian',
    param_distributions: SPACE,
    n_iter: HISTORY + TRIALS,
    direction: 'minimize',
  });
  await roundTrips(study, 'history', HISTORY);
  const ids = Array.from({ length: clients }, (_, i) => `bench-${i}`);
  return async (count) => (await Promise.all(ids.map((id) => roundTrips(study, id, Math.floor(count / clients))))).flat();
}

/** Optuna's study with `HISTORY` trials, in a Python process that runs a block per line it reads; asynchronous, so the service in this process keeps answering. */
async function optuna(url: string, clients: number): Promise<{ block: Block; child: ChildProcessWithoutNullStreams }> {
  const script = path.join(__dirname, 'optuna_asktell.py');
  const child = spawn('/usr/bin/python3', [script, '--url', url, '--history', String(HISTORY), '--clients', String(clients)]);
  child.stderr.pipe(process.stderr);
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`bench/optuna_asktell.py exited (${child.exitCode})`);
    return value as string;
  };
  if ((await next()) !== 'ready') throw new Error('bench/optuna_asktell.py did not start');
  return {
    child,
    block: async (count) => {
      child.stdin.write(`${count}\n`);
      return (JSON.parse(await next()) as { times_ms: number[] }).times_ms;
    },
  };
}

/** Both, in alternating blocks. */
async function compare(client: TuningClient, url: string, clients: number) {
  const mine = await ours(client, clients);
  const theirs = await optuna(url, clients);
  const times = { ours: [] as number[], optuna: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['ours', 'optuna'] as const) : (['optuna', 'ours'] as const);
      for (const who of order) times[who].push(...(await (who === 'ours' ? mine : theirs.block)(TRIALS / ROUNDS)));
    }
  } finally {
    theirs.child.stdin.end();
  }
  const stats = (all: number[]) => {
    const sorted = [...all].sort((a, b) => a - b);
    return { median_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99) };
  };
  return { ours: stats(times.ours), optuna: stats(times.optuna) };
}

async function main(): Promise<void> {
  const h = await startHarness({ rateLimitPerMinute: 0 });
  const optunaDb = `optuna_asktell_${Date.now().toString(36)}`;
  await ensureDatabase(TEST_DATABASE_ADMIN_URL, optunaDb);
  const optunaUrl = databaseUrlFor(TEST_DATABASE_ADMIN_URL, optunaDb).replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
  try {
    const client = new TuningClient(h.baseUrl, h.token);
    const rows: Record<string, unknown>[] = [];
    for (const clients of [1, 8]) {
      const { ours: mine, optuna: theirs } = await compare(client, optunaUrl, clients);
      rows.push({ clients, ours_median_ms: mine.median_ms, ours_p99_ms: mine.p99_ms, optuna_median_ms: theirs.median_ms, optuna_p99_ms: theirs.p99_ms });
    }
    console.log(`ask + tell round trip at ${HISTORY} trials of history (TPE), ${TRIALS} trials measured each, in ${ROUNDS} alternating blocks`);
    console.log('| clients | ours median (ms) | ours p99 (ms) | Optuna RDB median (ms) | Optuna RDB p99 (ms) | Optuna / ours (median) |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows as { clients: number; ours_median_ms: number; ours_p99_ms: number; optuna_median_ms: number; optuna_p99_ms: number }[]) {
      const f = (x: number) => x.toFixed(1);
      console.log(`| ${r.clients} | ${f(r.ours_median_ms)} | ${f(r.ours_p99_ms)} | ${f(r.optuna_median_ms)} | ${f(r.optuna_p99_ms)} | ${(r.optuna_median_ms / r.ours_median_ms).toFixed(2)} |`);
    }
    console.log(JSON.stringify(rows));
  } finally {
    await dropDatabase(TEST_DATABASE_ADMIN_URL, optunaDb).catch(() => undefined);
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
