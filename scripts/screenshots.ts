/**
 * Regenerates docs/screenshots/*.png (`npm run screenshots`): starts the real service as the
 * integration tests do (fresh database, Temporal dev server, worker, API), tunes a random forest
 * twice (and once more from a schedule), runs a client-evaluated study, and photographs each view
 * in headless Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildDashboard, clientStudy, finishedRun, FOREST_SPACE, launchBrowser, modelRunFor, openRun, originOf, signIn, startRun } from '../test/browser/browser';
import { call, startHarness, waitFor } from '../test/integration/harness';

const OUT = path.resolve(__dirname, '../docs/screenshots');

async function main(): Promise<void> {
  await buildDashboard();
  fs.mkdirSync(OUT, { recursive: true });
  const h = await startHarness();
  const browser = await launchBrowser();
  try {
    const modelRunId = await modelRunFor(h, h.token);
    const tune = (body: Record<string, unknown>) => startRun(h, h.token, { model_run_id: modelRunId, param_distributions: FOREST_SPACE, cv_folds: 3, seed: 3, ...body });
    // Another seed than the Bayesian run's, whose first trials are random too: the comparison shows two paths.
    const randomId = await tune({ tuning_method: 'random_search', n_iter: 20, tags: ['baseline'], seed: 8 });
    await finishedRun(h, h.token, randomId);
    const bayesId = await tune({ tuning_method: 'bayesian', n_iter: 40, pruner: 'median', tags: ['tpe', 'pruned'] });
    await finishedRun(h, h.token, bayesId);
    const trials = (await call(h, 'GET', `/tuning/tune/${bayesId}/trials`, { token: h.token })).body.trials.length;

    const page = await browser.newPage();
    const origin = originOf(h);
    await page.goto(`${origin}/#/`);
    await page.waitForSelector('#sign-in');
    await page.screenshot({ path: path.join(OUT, 'sign-in.png') });
    await signIn(page, origin, h.token);
    await page.screenshot({ path: path.join(OUT, 'runs.png') });
    await openRun(page, origin, bayesId, trials);
    await page.screenshot({ path: path.join(OUT, 'run.png'), fullPage: true });

    // The other views: lists, a model run with its runs, the two runs compared, a schedule and a client study.
    const study = await clientStudy(h, h.token, 'minimize');
    const schedule = await call(h, 'POST', '/tuning/schedules', {
      token: h.token,
      body: { model_run_id: modelRunId, tuning_method: 'random_search', param_distributions: FOREST_SPACE, n_iter: 10, cv_folds: 3, cron: '0 3 * * MON', tags: ['weekly'] },
    });
    await call(h, 'POST', `/tuning/schedules/${schedule.body.id}/trigger`, { token: h.token, body: {} });
    const scheduled = await waitFor(() => call(h, 'GET', `/tuning/runs?tag=schedule:${schedule.body.id}`, { token: h.token }), (r) => r.body.runs.length === 1);
    await finishedRun(h, h.token, scheduled.body.runs[0].tuning_run_id);
    const shoot = async (hash: string, name: string, ...selectors: string[]) => {
      await page.goto(`${origin}/#/${hash}`);
      for (const selector of selectors) await page.waitForSelector(selector);
      await page.screenshot({ path: path.join(OUT, `${name}.png`) });
    };
    await shoot('datasets', 'datasets', '#dataset-table');
    await shoot('model-runs', 'model-runs', '#model-run-table');
    await shoot(`model-runs/${modelRunId}`, 'model-run', '#run-table', '#model-run-schedules ul.schedules');
    await shoot(`schedules/${schedule.body.id}`, 'schedule', '#run-table');
    await page.goto(`${origin}/#/compare/${randomId}/${bayesId}`);
    await page.waitForFunction(() => (globalThis as unknown as { dashboard: { drawn: number | null } }).dashboard.drawn !== null);
    await page.screenshot({ path: path.join(OUT, 'compare.png'), fullPage: true });
    const studyTrials = (await call(h, 'GET', `/tuning/tune/${study.runId}/trials`, { token: h.token })).body.trials.length;
    await openRun(page, origin, study.runId, studyTrials);
    await page.screenshot({ path: path.join(OUT, 'study.png') });

    // A run in progress: the live counters and the plots filling in.
    const liveId = await tune({ tuning_method: 'random_search', n_iter: 200, parallelism: 1, batch_size: 1 });
    await page.goto(`${origin}/#/runs/${liveId}`);
    await page.waitForFunction(() => ((globalThis as unknown as { dashboard?: { drawn: number | null } }).dashboard?.drawn ?? 0) >= 5, { timeout: 120_000 });
    await page.screenshot({ path: path.join(OUT, 'live.png') });
    await call(h, 'POST', `/tuning/tune/${liveId}/cancel`, { token: h.token, body: {} });
    await finishedRun(h, h.token, liveId);
    console.log(`wrote ${fs.readdirSync(OUT).join(', ')} to ${OUT}`);
  } finally {
    await browser.close();
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
