/**
 * `npm run bench:asktell [-- --history 100 --trials 64 --rounds 4]`: the round trip of one ask
 * (suggest) + tell (complete) of a client-evaluated bayesian study, at `history` trials of history,
 * with 1 and 8 concurrent clients, asked and told apart (two calls) and as our clients' optimize
 * loops do it (a tell that also asks for the next trial: one call), against the real service on
 * loopback (the integration harness: the local PostgreSQL, the Temporal dev server, worker and API
 * in this process); and, in the same
 * run on the same PostgreSQL, Optuna 3.1's ask/tell with its RDB storage and TPE sampler
 * (bench/optuna_asktell.py, Debian's python3-optuna and python3-psycopg2). The `trials` measured
 * are split in `rounds` rounds of three blocks (ours both ways and Optuna's, in a rotated order), so
 * a shared machine's changing load weighs on all alike. Prints a table, then the numbers as JSON.
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

interface Row {
  clients: number;
  ours_median_ms: number;
  ours_p99_ms: number;
  combined_median_ms: number;
  combined_p99_ms: number;
  optuna_median_ms: number;
  optuna_p99_ms: number;
}

/** Times `count` ask + tell round trips in ms, run by `count / clients` each. */
type Block = (count: number) => Promise<number[]>;

/**
 * Asks and tells `count` trials as one client, returning each round trip in ms: an ask and a tell
 * (two calls), or (`combined`) a tell that also asks for the next trial, as our clients' optimize
 * loops do (one call; the block's first ask is not timed, and its last trial stays with the client
 * id, which gets it back from the next block's first ask).
 */
async function roundTrips(study: Study, clientId: string, count: number, combined: boolean): Promise<number[]> {
  const times: number[] = [];
  if (combined) {
    let next = await study.ask(1, clientId);
    while (times.length < count && !next.done) {
      if (next.trials.length === 0) {
        next = await study.ask(1, clientId);
        continue;
      }
      const [trial] = next.trials;
      const start = performance.now();
      next = await study.tellAndAsk(trial, { value: objective(trial.params) }, clientId);
      times.push(performance.now() - start);
    }
    return times;
  }
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

/** Our study with `HISTORY` trials told, and its clients: asking and telling apart, and combined. */
async function ours(client: TuningClient, clients: number): Promise<{ separate: Block; combined: Block }> {
  const study = await client.createStudy({
    name: `asktell-${clients}`,
    tuning_method: 'bayesian',
    param_distributions: SPACE,
    // Both ways' trials, and the one each client holds at the end of a combined block.
    n_iter: HISTORY + 2 * TRIALS + clients,
    direction: 'minimize',
  });
  await roundTrips(study, 'history', HISTORY, false);
  const ids = Array.from({ length: clients }, (_, i) => `bench-${i}`);
  const block = (combined: boolean): Block => async (count) =>
    (await Promise.all(ids.map((id) => roundTrips(study, id, Math.floor(count / clients), combined)))).flat();
  return { separate: block(false), combined: block(true) };
}

/** Optuna's study with `HISTORY` trials, in a Python process that runs a block per line it reads; asynchronous, so the service in this process keeps answering. */
async function optuna(url: string, clients: number): Promise<{ block: Block; child: ChildProcessWithoutNullStreams }> {
  const script = path.join(__dirname, 'optuna_asktell.py');
  const child = spawn('/usr/bin/python3', [script, '--url', url, '--history', String(HISTORY), '--clients', String(clients)]);
  child.stderr.pipe(process.stderr);
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) {
      throw new Error(
        `bench/optuna_asktell.py exited (${child.exitCode}); it needs Debian's Optuna and psycopg2: apt-get install -y python3-optuna python3-psycopg2`,
      );
    }
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

/** All three, in blocks taken in turn (each round in a rotated order). */
async function compare(client: TuningClient, url: string, clients: number) {
  const mine = await ours(client, clients);
  const theirs = await optuna(url, clients);
  const blocks = { ours: mine.separate, combined: mine.combined, optuna: theirs.block };
  const names = Object.keys(blocks) as (keyof typeof blocks)[];
  const times = { ours: [] as number[], combined: [] as number[], optuna: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < names.length; i++) {
        const who = names[(round + i) % names.length];
        times[who].push(...(await blocks[who](TRIALS / ROUNDS)));
      }
    }
  } finally {
    theirs.child.stdin.end();
  }
  const stats = (all: number[]) => {
    const sorted = [...all].sort((a, b) => a - b);
    return { median_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99) };
  };
  return { ours: stats(times.ours), combined: stats(times.combined), optuna: stats(times.optuna) };
}

async function main(): Promise<void> {
  const h = await startHarness({ rateLimitPerMinute: 0 });
  const optunaDb = `optuna_asktell_${Date.now().toString(36)}`;
  await ensureDatabase(TEST_DATABASE_ADMIN_URL, optunaDb);
  const optunaUrl = databaseUrlFor(TEST_DATABASE_ADMIN_URL, optunaDb).replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
  try {
    const client = new TuningClient(h.baseUrl, h.token);
    const rows: Row[] = [];
    for (const clients of [1, 8]) {
      const { ours: mine, combined, optuna: theirs } = await compare(client, optunaUrl, clients);
      rows.push({
        clients,
        ours_median_ms: mine.median_ms,
        ours_p99_ms: mine.p99_ms,
        combined_median_ms: combined.median_ms,
        combined_p99_ms: combined.p99_ms,
        optuna_median_ms: theirs.median_ms,
        optuna_p99_ms: theirs.p99_ms,
      });
    }
    console.log(`ask + tell round trip at ${HISTORY} trials of history (TPE), ${TRIALS} trials measured each, in ${ROUNDS} rounds of blocks taken in turn`);
    console.log('| clients | ours, ask + tell: median / p99 (ms) | ours, tell with next: median / p99 (ms) | Optuna RDB: median / p99 (ms) | Optuna ÷ ours (tell with next) |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) {
      const f = (x: number) => x.toFixed(1);
      console.log(
        `| ${r.clients} | ${f(r.ours_median_ms)} / ${f(r.ours_p99_ms)} | ${f(r.combined_median_ms)} / ${f(r.combined_p99_ms)} | ` +
          `${f(r.optuna_median_ms)} / ${f(r.optuna_p99_ms)} | ${(r.optuna_median_ms / r.combined_median_ms).toFixed(2)} |`,
      );
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
