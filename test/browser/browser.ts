/**
 * Headless Chromium (Debian's /usr/bin/chromium, never downloaded) driven by puppeteer-core, and
 * the service set-up shared by the browser tests, the screenshot script and the page benchmark.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { buildDashboard } from '../../dashboard/build';
import { call, waitFor, type Harness } from '../integration/harness';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    defaultViewport: { width: 1400, height: 1000 },
  });
}

export { buildDashboard };

/** The page origin of a harness (its baseUrl without /api/v1). */
export const originOf = (h: Pick<Harness, 'baseUrl'>) => h.baseUrl.replace(/\/api\/v1$/, '');

/** Signs in through the sign-in form and waits for the list of runs (or its empty message). */
export async function signIn(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/#/`);
  await page.waitForSelector('#sign-in #token');
  // The form may still hold an earlier attempt (a hash-only navigation does not reload the page).
  await page.$eval('#token', (input) => ((input as unknown as { value: string }).value = ''));
  await page.type('#token', token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#run-table, #no-runs');
}

/** Opens a run's page and waits until it has fully drawn `trials` trials. */
export async function openRun(page: Page, origin: string, runId: string, trials: number): Promise<void> {
  await page.goto(`${origin}/#/runs/${runId}`);
  await waitForDrawn(page, trials);
}

export async function waitForDrawn(page: Page, trials: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction((n) => (globalThis as any).dashboard?.drawn === n, { timeout }, trials);
}

/** Number of data items of each series of each chart, read from ECharts' own option state. */
export async function seriesLengths(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => {
    const charts = (globalThis as any).dashboard.charts as Record<string, { getOption(): { series: { data: unknown[] }[] } }>;
    return Object.fromEntries(Object.entries(charts).map(([name, chart]) => [name, chart.getOption().series.map((s) => s.data.length)]));
  });
}

/** Sample data set → experiment → completed model run, through the API (no jest `expect`: scripts use it too). */
export async function modelRunFor(h: Pick<Harness, 'baseUrl'>, token: string, sample = 'breast_cancer'): Promise<string> {
  const ok = <T extends { status: number; body: any }>(r: T, status: number, what: string) => {
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const dataset = ok(await call(h, 'POST', '/datasets', { token, body: { sample } }), 201, 'data set');
  const experiment = ok(await call(h, 'POST', '/experiments', { token, body: { name: `${sample} forests`, dataset_id: dataset.id } }), 201, 'experiment');
  const modelRun = ok(
    await call(h, 'POST', '/model-runs', { token, body: { experiment_id: experiment.id, model_type: 'random_forest', hyperparameters: { n_estimators: 10 } } }),
    202,
    'model run',
  );
  const done = await waitFor(() => call(h, 'GET', `/model-runs/${modelRun.id}`, { token }), (r) => r.body.status !== 'running');
  if (done.body.status !== 'completed') throw new Error(`model run ${done.body.status}`);
  return modelRun.id;
}

/** A small random-forest search space with numeric and categorical parameters. */
export const FOREST_SPACE = {
  n_estimators: { type: 'int', low: 5, high: 30 },
  max_depth: { type: 'int', low: 2, high: 10 },
  min_samples_leaf: { type: 'int', low: 1, high: 8 },
  criterion: { type: 'categorical', choices: ['gini', 'entropy'] },
};

/** Starts a tuning run and returns its id. */
export async function startRun(h: Pick<Harness, 'baseUrl'>, token: string, body: Record<string, unknown>): Promise<string> {
  const started = await call(h, 'POST', '/tuning/tune', { token, body });
  if (started.status !== 202) throw new Error(`tune: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body.tuning_run_id;
}

export async function finishedRun(h: Pick<Harness, 'baseUrl'>, token: string, id: string) {
  return waitFor(() => call(h, 'GET', `/tuning/tune/${id}/status`, { token }), (r) => r.body.status !== 'running', 300_000);
}

/**
 * A client-evaluated study run to its end by this process as the client: an external model run,
 * trials asked for and told (x² + y, with y a category's cost) until the study says it is done.
 */
export async function clientStudy(h: Pick<Harness, 'baseUrl'>, token: string, direction: 'maximize' | 'minimize'): Promise<{ modelRunId: string; runId: string }> {
  const post = async (path: string, body: unknown, status = 200) => {
    const r = await call(h, 'POST', path, { token, body });
    if (r.status !== status) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const dataset = await post('/datasets', { name: 'trained elsewhere', uri: 's3://bucket/train.parquet', task_type: 'regression' }, 201);
  const experiment = await post('/experiments', { name: 'client study', dataset_id: dataset.id }, 201);
  const modelRun = await post('/model-runs', { experiment_id: experiment.id, model_type: 'external', hyperparameters: { x: 0 }, scoring: 'loss' }, 201);
  const runId = await startRun(h, token, {
    model_run_id: modelRun.id,
    evaluation: 'client',
    direction,
    tuning_method: 'bayesian',
    param_distributions: { x: { type: 'float', low: -3, high: 3 }, kind: { type: 'categorical', choices: ['a', 'b'] } },
    n_iter: 12,
    seed: 4,
  });
  for (;;) {
    const next = await post(`/tuning/tune/${runId}/suggest`, { count: 2, client_id: 'browser-test' });
    if (next.done) break;
    for (const trial of next.trials) await post(`/tuning/tune/${runId}/trials/${trial.number}/complete`, { value: trial.params.x ** 2 + (trial.params.kind === 'a' ? 0 : 0.5) });
  }
  await finishedRun(h, token, runId);
  return { modelRunId: modelRun.id, runId };
}
