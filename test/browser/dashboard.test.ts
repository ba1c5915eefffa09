/**
 * The dashboard in headless Chromium against the real service (PostgreSQL, Temporal dev server,
 * worker, API): sign-in, a completed run's plots (points counted from ECharts' own state), the
 * trial table, exports, a live run moving and being cancelled from the page, and a second user
 * who sees nothing of the first user's runs.
 */
import type { Browser, Page } from 'puppeteer-core';
import { call, startHarness, type Harness, type TrialView } from '../integration/harness';
import { buildDashboard, finishedRun, FOREST_SPACE, launchBrowser, modelRunFor, openRun, originOf, seriesLengths, signIn, startRun } from './browser';

let h: Harness;
let browser: Browser;
let page: Page;
let origin: string;
let modelRunId: string;
let runId: string;
let trials: TrialView[];

beforeAll(async () => {
  await buildDashboard();
  h = await startHarness();
  origin = originOf(h);
  modelRunId = await modelRunFor(h, h.token);
  runId = await startRun(h, h.token, {
    model_run_id: modelRunId,
    tuning_method: 'bayesian',
    param_distributions: FOREST_SPACE,
    n_iter: 16,
    cv_folds: 3,
    pruner: 'median',
    seed: 1,
    tags: ['browser-test'],
  });
  expect((await finishedRun(h, h.token, runId)).body.status).toBe('completed');
  trials = (await call(h, 'GET', `/tuning/tune/${runId}/trials`, { token: h.token })).body.trials;
  browser = await launchBrowser();
  page = await browser.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const complete = () => trials.filter((t) => t.state === 'COMPLETE');

describe('a signed-in user', () => {
  test('a wrong token is refused on the sign-in form; the right one lists the run with its method, status and tags', async () => {
    await page.goto(`${origin}/#/`);
    await page.waitForSelector('#sign-in #token');
    await page.type('#token', 'not-a-token');
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#sign-in-error').textContent !== '');
    expect(await page.$eval('#sign-in-error', (e) => e.textContent)).toContain('not valid');

    await signIn(page, origin, h.token);
    const row = await page.$eval(`tr[data-id="${runId}"]`, (tr) => tr.textContent);
    expect(row).toContain('bayesian');
    expect(row).toContain('completed');
    expect(row).toContain('browser-test');
  });

  test('the filters narrow the list: status failed shows no run, method bayesian shows it', async () => {
    await page.goto(`${origin}/#/?status=failed`);
    await page.waitForSelector('#no-runs');
    await page.goto(`${origin}/#/?method=bayesian`);
    await page.waitForSelector(`tr[data-id="${runId}"]`);
  });

  test('a completed run: every chart has one point per trial it plots', async () => {
    await openRun(page, origin, runId, trials.length);
    const lengths = await seriesLengths(page);
    const n = complete().length;
    const params = Object.keys(FOREST_SPACE).length;
    const importance = (await call(h, 'GET', `/tuning/tune/${runId}/importance`, { token: h.token })).body;
    expect(n).toBeGreaterThan(1);
    expect(lengths.history).toEqual([n, n]);
    expect(lengths.parallel).toEqual([n]);
    expect(lengths.slice).toEqual(Array(params).fill(n));
    expect(lengths.importance).toEqual([Object.keys(importance.importances).length]);
    expect(lengths.contour[1]).toBe(n);
    const pruned = trials.filter((t) => t.state === 'PRUNED' && t.scores.length > 1).length;
    expect(lengths.intermediate).toEqual([n, pruned]);
    expect(await page.$eval('#progress-evaluated', (e) => e.textContent)).toBe(`${trials.length} / ${trials.length}`);
  });

  test('the best-so-far line never goes down and ends at the best score', async () => {
    const best = await page.evaluate(() => (globalThis as any).dashboard.charts.history.getOption().series[1].data.map((p: number[]) => p[1]));
    for (let i = 1; i < best.length; i++) expect(best[i]).toBeGreaterThanOrEqual(best[i - 1]);
    expect(best[best.length - 1]).toBe(Math.max(...complete().map((t) => t.mean_score!)));
  });

  test('importance: the API answers fANOVA importances of every parameter summing to 1', async () => {
    const { body } = await call(h, 'GET', `/tuning/tune/${runId}/importance`, { token: h.token });
    expect(Object.keys(body.importances).sort()).toEqual(Object.keys(FOREST_SPACE).sort());
    expect(Object.values(body.importances as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(body.n_trials).toBe(complete().length);
    expect((await call(h, 'GET', `/tuning/tune/${runId}/importance`, { token: h.otherToken })).status).toBe(404);
  });

  test('the trial table sorts by mean score both ways and shows fold scores', async () => {
    const firstCell = () => page.$eval('#trial-table tbody tr td', (td) => td.textContent);
    const header = await page.$$('#trial-table th');
    const titles = await Promise.all(header.map((th) => th.evaluate((e) => e.textContent)));
    expect(titles).toEqual(expect.arrayContaining(['Fold 0', 'Fold 1', 'Fold 2', 'criterion', 'n_estimators']));
    expect(await page.$$eval('#trial-table tbody tr', (rows) => rows.length)).toBe(Math.min(50, trials.length));
    const scored = trials.filter((t) => t.mean_score !== null);
    const byScore = [...scored].sort((a, b) => a.mean_score! - b.mean_score! || a.number - b.number);
    await header[titles.indexOf('Mean score')].click();
    expect(await firstCell()).toBe(String(byScore[0].number));
    await (await page.$$('#trial-table th'))[titles.indexOf('Mean score')].click();
    const bestFirst = [...scored].sort((a, b) => b.mean_score! - a.mean_score! || a.number - b.number);
    expect(await firstCell()).toBe(String(bestFirst[0].number));
  });

  test('trials export as CSV (a row per trial, a column per parameter and fold) and as JSON, both downloads', async () => {
    const res = await fetch(`${h.baseUrl}/tuning/tune/${runId}/trials?format=csv`, { headers: { authorization: `Bearer ${h.token}` } });
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain(`trials-${runId}.csv`);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines).toHaveLength(trials.length + 1);
    expect(lines[0].split(',')).toEqual(expect.arrayContaining(['number', 'state', 'mean_score', 'params_criterion', 'params_max_depth', 'fold_0', 'fold_2']));
    const numberColumn = lines[0].split(',').indexOf('number');
    expect(lines.slice(1).map((l) => Number(l.split(',')[numberColumn]))).toEqual(trials.map((t) => t.number));
    const json = await fetch(`${h.baseUrl}/tuning/tune/${runId}/trials?format=json`, { headers: { authorization: `Bearer ${h.token}` } });
    expect(json.headers.get('content-disposition')).toContain(`trials-${runId}.json`);
    expect(((await json.json()) as any).trials).toHaveLength(trials.length);
  });

  test("the pages keep helmet's policy (scripts from our origin only) but not upgrade-insecure-requests, so plain http works by any host name", async () => {
    const policy = (await fetch(`${origin}/`)).headers.get('content-security-policy')!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    expect((await fetch(`${h.baseUrl}/health`.replace('/api/v1', ''))).headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });

  test('the Temporal Web UI link names the run\'s workflow', async () => {
    const href = await page.$eval('#workflow-link', (a) => a.getAttribute('href'));
    expect(href).toBe(`http://127.0.0.1:${h.config.temporalUiPort}/namespaces/default/workflows/tuning-run-${runId}`);
  });
});

describe('a running run', () => {
  test('the page moves without a reload while it runs, the budget button changes n_iter and the cancel button stops it', async () => {
    const liveId = await startRun(h, h.token, {
      model_run_id: modelRunId,
      tuning_method: 'random_search',
      param_distributions: FOREST_SPACE,
      n_iter: 400,
      cv_folds: 3,
      parallelism: 1,
      batch_size: 1,
      seed: 2,
    });
    await page.goto(`${origin}/#/runs/${liveId}`);
    await page.waitForSelector('#run-status.running');
    const evaluated = () => page.$eval('#progress-evaluated', (e) => Number(e.textContent!.split(' / ')[0]));
    const first = await evaluated();
    // Marked so a reload would be seen: the marker is lost if the page reloads.
    await page.evaluate(() => ((globalThis as any).notReloaded = true));
    await page.waitForFunction((n) => Number((globalThis as any).document.querySelector('#progress-evaluated').textContent.split(' / ')[0]) >= n + 2, { timeout: 120_000 }, first);
    // The plots follow: the history chart gains the newly scored trials.
    await page.waitForFunction(() => (globalThis as any).dashboard.charts.history.getOption().series[0].data.length >= 2, { timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as any).notReloaded)).toBe(true);

    await page.type('#budget-n-iter', '300');
    await page.click('#change-budget');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#run-message').textContent === 'Budget changed.', { timeout: 30_000 });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#progress-evaluated').textContent.endsWith('/ 300'), { timeout: 30_000 });

    await page.click('#cancel-run');
    await page.waitForSelector('#run-status.failed', { timeout: 120_000 });
    const status = (await call(h, 'GET', `/tuning/tune/${liveId}/status`, { token: h.token })).body;
    expect(status).toMatchObject({ status: 'failed', error_type: 'Cancelled' });
  }, 300_000);
});

describe('another user', () => {
  test("sees none of the first user's runs and cannot open one", async () => {
    const context = await browser.createBrowserContext();
    try {
      const other = await context.newPage();
      await signIn(other, origin, h.otherToken);
      expect(await other.$('#no-runs')).not.toBeNull();
      await other.goto(`${origin}/#/runs/${runId}`);
      await other.waitForSelector('main .error');
      expect(await other.$eval('main .error', (e) => e.textContent)).toContain('not found');
      expect(await other.evaluate(() => (globalThis as any).dashboard.drawn)).toBeNull();
    } finally {
      await context.close();
    }
  });
});
