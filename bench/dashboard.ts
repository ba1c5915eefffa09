/**
 * Page-load benchmark of the dashboard (`npm run bench:dashboard [trials]`, default 5000): a
 * completed tuning run with that many trials (written straight to the database, so no hour of
 * fitting), opened in headless Chromium; prints the time from navigation to the fully drawn page
 * (every chart's `finished` event and the trial table), first (cold: the importance read from the
 * table the run's finish wrote it to) and then again (warm), the CPU time each costs (steadier than
 * the wall time on a busy machine), and the trials and importance requests alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import { startHarness } from '../test/integration/harness';
import { buildDashboard, FOREST_SPACE, launchBrowser, modelRunFor, originOf, signIn, waitForDrawn } from '../test/browser/browser';
import { computeAndStoreImportance } from '../src/db/run_importance';
import { recordTrials, type TrialRecord } from '../src/db/tuning_runs';
import { ModelRun, TuningRun, TuningStatus } from '../src/entities';
import { Random } from '../src/ml/random';

const N_TRIALS = Number(process.argv[2] ?? 5000);
/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS = 100;
const FOLDS = 5;

/** Trials shaped like a real search: four parameters, five folds, one in ten pruned after two folds. */
function syntheticTrials(n: number): TrialRecord[] {
  const random = new Random(5, 0);
  return Array.from({ length: n }, (_, number) => {
    const params = {
      n_estimators: 5 + Math.floor(random.uniform(0, 26)),
      max_depth: 2 + Math.floor(random.uniform(0, 9)),
      min_samples_leaf: 1 + Math.floor(random.uniform(0, 8)),
      criterion: random.uniform(0, 1) < 0.5 ? 'gini' : 'entropy',
    };
    const base = 0.9 + 0.005 * params.max_depth - 0.002 * params.min_samples_leaf;
    const pruned = number % 10 === 9;
    const scores = Array.from({ length: pruned ? 2 : FOLDS }, () => base + random.uniform(-0.02, 0.02));
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
    return { number, params, state: pruned ? 'PRUNED' : 'COMPLETE', scores, mean_score: mean, std_score: std, duration_seconds: random.uniform(0.1, 2) };
  });
}

/**
 * CPU milliseconds used so far by this process (the API runs in it) and by Chromium's processes
 * (from /proc, so Linux only): unlike the wall time, it hardly moves when other work shares the machine.
 */
function cpuMs(browserPid: number): number {
  const stat = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(stat(Number(entry))[1]));
    } catch {
      // The process ended while the list was read.
    }
  }
  const tree = [browserPid];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  const ticks = tree.reduce((sum, pid) => {
    try {
      const fields = stat(pid);
      return sum + Number(fields[11]) + Number(fields[12]);
    } catch {
      return sum;
    }
  }, 0);
  const own = process.cpuUsage();
  return (ticks * 1000) / CLOCK_TICKS + (own.user + own.system) / 1000;
}

async function main(): Promise<void> {
  await buildDashboard();
  const h = await startHarness();
  const browser = await launchBrowser();
  try {
    const modelRunId = await modelRunFor(h, h.token);
    const em = h.db.orm.em.fork();
    const trials = syntheticTrials(N_TRIALS);
    const best = Math.max(...trials.filter((t) => t.state === 'COMPLETE').map((t) => t.mean_score!));
    const run = em.create(TuningRun, {
      modelRun: await em.findOneOrFail(ModelRun, modelRunId),
      tuningMethod: 'bayesian',
      bestParams: null,
      results: null,
      config: { tuning_method: 'bayesian', param_distributions: FOREST_SPACE, n_iter: N_TRIALS, cv_folds: FOLDS, scoring: 'accuracy' },
      startedAt: new Date(Date.now() - 3_600_000),
    });
    await em.flush();
    // Trials are recorded only into a running run; then it is closed as a workflow would.
    await recordTrials(h.db.orm, run.id, trials);
    await em.nativeUpdate(TuningRun, { id: run.id }, {
      status: TuningStatus.COMPLETED,
      completedAt: new Date(),
      results: { best_score: best, scoring_metric: 'accuracy', cv_folds: FOLDS, total_combinations: N_TRIALS, tuning_time: 3600 },
    });
    // As the workflow's finish does: the importance is stored before anyone opens the run.
    await computeAndStoreImportance(em, run.id, 300_000);

    const page = await browser.newPage();
    const origin = originOf(h);
    await signIn(page, origin, h.token);
    const open = async () => {
      await page.goto(`${origin}/#/`);
      await page.waitForSelector('#run-table');
      const cpu = cpuMs(browser.process()!.pid!);
      const start = performance.now();
      await page.goto(`${origin}/#/runs/${run.id}`);
      await waitForDrawn(page, N_TRIALS, 300_000);
      return { wall: performance.now() - start, cpu: cpuMs(browser.process()!.pid!) - cpu };
    };
    const cold = await open();
    const warm = [await open(), await open(), await open()].sort((a, b) => a.wall - b.wall)[1];
    const timed = async (path: string) => {
      const start = performance.now();
      const body = await (await fetch(`${h.baseUrl}${path}`, { headers: { authorization: `Bearer ${h.token}` } })).text();
      return `${(performance.now() - start).toFixed(0)} ms (${(body.length / 1e6).toFixed(2)} MB)`;
    };
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `${N_TRIALS} trials: fully drawn page ${seconds(cold.wall)} s cold (first open), ${seconds(warm.wall)} s warm (median of 3 more); ` +
        `CPU time of this process (API) and Chromium during an open ${seconds(cold.cpu)} s cold, ${seconds(warm.cpu)} s warm (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores); ` +
        `requests alone: trials ${await timed(`/tuning/tune/${run.id}/trials`)}, as columns (the dashboard's) ${await timed(`/tuning/tune/${run.id}/trials?format=columns`)}, ` +
        `stored importance ${await timed(`/tuning/tune/${run.id}/importance`)}`,
    );
  } finally {
    await browser.close();
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
