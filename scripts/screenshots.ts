/**
 * Regenerates docs/screenshots/*.png (`npm run screenshots`): starts the real service as the
 * integration tests do (fresh database, Temporal dev server, worker, API), tunes a random forest
 * twice, and photographs each view in headless Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildDashboard, finishedRun, FOREST_SPACE, launchBrowser, modelRunFor, openRun, originOf, signIn, startRun } from '../test/browser/browser';
import { call, startHarness } from '../test/integration/harness';

const OUT = path.resolve(__dirname, '../docs/screenshots');

async function main(): Promise<void> {
  await buildDashboard();
  fs.mkdirSync(OUT, { recursive: true });
  const h = await startHarness();
  const browser = await launchBrowser();
  try {
    const modelRunId = await modelRunFor(h, h.token);
    const tune = (body: Record<string, unknown>) => startRun(h, h.token, { model_run_id: modelRunId, param_distributions: FOREST_SPACE, cv_folds: 3, seed: 3, ...body });
    const randomId = await tune({ tuning_method: 'random_search', n_iter: 20, tags: ['baseline'] });
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
