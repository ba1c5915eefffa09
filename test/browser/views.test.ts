/**
 * The dashboard's other views in headless Chromium against the real service: the paginated lists
 * of data sets, experiments, model runs and schedules (and the API pages behind them), a model run
 * with its tuning runs and two of them compared, a schedule with the run it started, a minimised
 * client-evaluated study, and a second user who sees none of it.
 */
import type { Browser, Page } from 'puppeteer-core';
import { call, startHarness, waitFor, type Harness, type TrialView } from '../integration/harness';
import { buildDashboard, clientStudy, finishedRun, FOREST_SPACE, launchBrowser, modelRunFor, originOf, signIn, startRun } from './browser';

let h: Harness;
let browser: Browser;
let page: Page;
let origin: string;
let modelRunId: string;
let runIds: [string, string];
let scheduleId: string;
let scheduledRunId: string;
let study: { modelRunId: string; runId: string };

const get = (path: string, token = h.token) => call(h, 'GET', path, { token });
const trialsOf = async (id: string): Promise<TrialView[]> => (await get(`/tuning/tune/${id}/trials`)).body.trials;
const scored = (trials: TrialView[]) => trials.filter((t) => t.state === 'COMPLETE');

beforeAll(async () => {
  await buildDashboard();
  h = await startHarness();
  origin = originOf(h);
  modelRunId = await modelRunFor(h, h.token);
  const tune = (body: Record<string, unknown>) => startRun(h, h.token, { model_run_id: modelRunId, param_distributions: FOREST_SPACE, cv_folds: 3, ...body });
  runIds = [await tune({ tuning_method: 'random_search', n_iter: 6, seed: 1 }), await tune({ tuning_method: 'bayesian', n_iter: 8, seed: 2 })];
  study = await clientStudy(h, h.token, 'minimize');
  for (const id of runIds) expect((await finishedRun(h, h.token, id)).body.status).toBe('completed');
  const schedule = await call(h, 'POST', '/tuning/schedules', {
    token: h.token,
    body: { model_run_id: modelRunId, tuning_method: 'random_search', param_distributions: FOREST_SPACE, n_iter: 4, cv_folds: 3, interval_seconds: 7 * 24 * 3600, paused: true },
  });
  expect(schedule.status).toBe(201);
  scheduleId = schedule.body.id;
  const triggered = await call(h, 'POST', `/tuning/schedules/${scheduleId}/trigger`, { token: h.token, body: {} });
  expect(triggered.status).toBe(202);
  // The run the schedule started carries its tag.
  const started = await waitFor(() => get(`/tuning/runs?tag=schedule:${scheduleId}`), (r) => r.body.runs.length === 1);
  scheduledRunId = started.body.runs[0].tuning_run_id;
  expect((await finishedRun(h, h.token, scheduledRunId)).body.status).toBe('completed');
  browser = await launchBrowser();
  page = await browser.newPage();
  await signIn(page, origin, h.token);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The ids of the rows of a list table, once it is shown. */
async function rowIds(table: string): Promise<string[]> {
  await page.waitForSelector(`#${table}`);
  return page.$$eval(`#${table} tbody tr`, (rows) => rows.map((r) => (r as unknown as { dataset: { id: string } }).dataset.id));
}

describe('list endpoints', () => {
  test('data sets, experiments and model runs answer a page at a time with the total in X-Total-Count', async () => {
    for (const path of ['/datasets', '/experiments', '/model-runs']) {
      const all = await fetch(`${h.baseUrl}${path}`, { headers: { authorization: `Bearer ${h.token}` } });
      const total = Number(all.headers.get('x-total-count'));
      expect(total).toBe(2); // the forest's and the client study's
      const first = await fetch(`${h.baseUrl}${path}?limit=1`, { headers: { authorization: `Bearer ${h.token}` } });
      const second = await fetch(`${h.baseUrl}${path}?limit=1&offset=1`, { headers: { authorization: `Bearer ${h.token}` } });
      const [a, b] = [(await first.json()) as { id: string }[], (await second.json()) as { id: string }[]];
      expect(a).toHaveLength(1);
      expect(b).toHaveLength(1);
      expect(new Set([a[0].id, b[0].id]).size).toBe(2);
      expect(Number(first.headers.get('x-total-count'))).toBe(total);
    }
  });

  test('filters: model runs by status and experiment, experiments by data set', async () => {
    const modelRun = (await get(`/model-runs/${modelRunId}`)).body;
    expect((await get(`/model-runs?experiment_id=${modelRun.experiment_id}`)).body.map((m: { id: string }) => m.id)).toEqual([modelRunId]);
    expect((await get('/model-runs?status=failed')).body).toEqual([]);
    const experiment = (await get(`/experiments/${modelRun.experiment_id}`)).body;
    expect((await get(`/experiments?dataset_id=${experiment.dataset_id}`)).body.map((e: { id: string }) => e.id)).toEqual([experiment.id]);
  });

  test('a bad page or filter answers 4xx naming the field', async () => {
    for (const [path, field] of [
      ['/datasets?limit=0', 'limit'],
      ['/experiments?offset=-1', 'offset'],
      ['/model-runs?limit=501', 'limit'],
      ['/model-runs?status=done', 'status'],
      ['/experiments?dataset_id=nope', 'dataset_id'],
    ]) {
      const r = await get(path);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(JSON.stringify(r.body)).toContain(field);
    }
  });

  test("another user's lists are empty", async () => {
    for (const path of ['/datasets', '/experiments', '/model-runs']) expect((await get(path, h.otherToken)).body).toEqual([]);
    expect((await get(`/tuning/runs/${runIds[0]}`, h.otherToken)).status).toBe(404);
  });
});

describe('the views', () => {
  test('data sets, experiments and model runs list what the API has; a data set leads to its experiments, an experiment to its model runs', async () => {
    const modelRun = (await get(`/model-runs/${modelRunId}`)).body;
    const experiment = (await get(`/experiments/${modelRun.experiment_id}`)).body;
    await page.goto(`${origin}/#/datasets`);
    expect((await rowIds('dataset-table')).sort()).toEqual((await get('/datasets')).body.map((d: { id: string }) => d.id).sort());
    await page.click(`#dataset-table tr[data-id="${experiment.dataset_id}"]`);
    await page.waitForFunction((id) => (globalThis as any).location.hash === `#/experiments?dataset_id=${id}`, {}, experiment.dataset_id);
    expect(await rowIds('experiment-table')).toEqual([experiment.id]);
    await page.click(`#experiment-table tr[data-id="${experiment.id}"]`);
    await page.waitForFunction((id) => (globalThis as any).location.hash === `#/model-runs?experiment_id=${id}`, {}, experiment.id);
    expect(await rowIds('model-run-table')).toEqual([modelRunId]);
    expect(await page.$eval(`#model-run-table tr[data-id="${modelRunId}"]`, (tr) => tr.textContent)).toContain('completed');
    await page.goto(`${origin}/#/model-runs?status=failed`);
    await page.waitForSelector('#no-model-runs');
  });

  test('a model run lists its tuning runs with the best one starred; two ticked runs are compared', async () => {
    await page.goto(`${origin}/#/model-runs/${modelRunId}`);
    expect((await rowIds('run-table')).sort()).toEqual([...runIds, scheduledRunId].sort());
    const best = (await get(`/model-runs/${modelRunId}/tuning-runs/best`)).body.tuning_run_id;
    expect(await page.$$eval('#run-table tbody tr', (rows) => rows.filter((r) => r.querySelector('.best')).map((r) => (r as unknown as { dataset: { id: string } }).dataset.id))).toEqual([best]);

    for (const id of runIds) await page.click(`#run-table input.compare-pick[value="${id}"]`);
    await page.click('#compare-runs');
    const trials = await Promise.all(runIds.map(trialsOf));
    await page.waitForFunction((n) => (globalThis as any).dashboard.drawn === n, { timeout: 60_000 }, trials[0].length + trials[1].length);
    const lengths = await page.evaluate(() => (globalThis as any).dashboard.charts.compare.getOption().series.map((s: { data: unknown[] }) => s.data.length));
    const n = trials.map((t) => scored(t).length);
    expect(lengths).toEqual([n[0], n[0], n[1], n[1]]);
    // Best parameters side by side: a row per parameter, a column per run, each run's best trial's values.
    const rows = await page.$$eval('#compare-table tr.param-row', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(Object.keys(FOREST_SPACE).sort());
    trials.forEach((runTrials, i) => {
      const top = [...scored(runTrials)].sort((a, b) => b.mean_score! - a.mean_score! || a.number - b.number)[0];
      for (const row of rows) expect(row[i + 1]).toBe(String(top.params[row[0]!]));
    });
  });

  test('a schedule lists the runs it started', async () => {
    await page.goto(`${origin}/#/schedules`);
    expect(await rowIds('schedule-table')).toEqual([scheduleId]);
    expect(await page.$eval(`#schedule-table tr[data-id="${scheduleId}"]`, (tr) => tr.textContent)).toContain('paused');
    await page.click(`#schedule-table tr[data-id="${scheduleId}"]`);
    expect(await rowIds('run-table')).toEqual([scheduledRunId]);
    expect(await page.$eval('#schedule-state', (e) => e.textContent)).toBe('paused');
  });

  test('a minimised client-evaluated study: its run page draws every trial and the best-so-far line only goes down', async () => {
    const trials = await trialsOf(study.runId);
    await page.goto(`${origin}/#/runs/${study.runId}`);
    await page.waitForFunction((n) => (globalThis as any).dashboard.drawn === n, { timeout: 60_000 }, trials.length);
    const history = await page.evaluate(() => (globalThis as any).dashboard.charts.history.getOption().series.map((s: { data: number[][] }) => s.data.map((p) => p[1])));
    const values = scored(trials).map((t) => t.mean_score!);
    expect(history[0]).toEqual(values);
    for (let i = 1; i < history[1].length; i++) expect(history[1][i]).toBeLessThanOrEqual(history[1][i - 1]);
    expect(history[1][history[1].length - 1]).toBe(Math.min(...values));
    expect(await page.evaluate(() => (globalThis as any).dashboard.charts.history.getOption().yAxis[0].name)).toBe('value');
  });
});

describe('another user', () => {
  test('sees empty lists, and neither the model run, the schedule nor the comparison', async () => {
    const context = await browser.createBrowserContext();
    try {
      const other = await context.newPage();
      await signIn(other, origin, h.otherToken);
      for (const [route, empty] of [
        ['datasets', 'no-datasets'],
        ['experiments', 'no-experiments'],
        ['model-runs', 'no-model-runs'],
        ['schedules', 'no-schedules'],
      ]) {
        await other.goto(`${origin}/#/${route}`);
        await other.waitForSelector(`#${empty}`);
      }
      for (const route of [`model-runs/${modelRunId}`, `schedules/${scheduleId}`, `compare/${runIds[0]}/${runIds[1]}`]) {
        await other.goto(`${origin}/#/${route}`);
        await other.waitForSelector('main .error');
        expect(await other.$eval('main .error', (e) => e.textContent)).toContain('not found');
      }
      expect(await other.evaluate(() => (globalThis as any).dashboard.drawn)).toBeNull();
    } finally {
      await context.close();
    }
  });
});
