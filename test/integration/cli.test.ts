/**
 * The `tune` CLI end to end: the real command run as a child process, against the real API,
 * Temporal dev server and PostgreSQL of the harness, with its own config directory.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startHarness, type Harness } from './harness';

let h: Harness;
let home: string;
let serverUrl: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `tune ARGS` as a user would, with the temp config dir and no TUNE_* variables unless given. */
function startTune(args: string[], env: Record<string, string> = {}) {
  const inherited = { ...process.env };
  delete inherited.TUNE_URL;
  delete inherited.TUNE_TOKEN;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli/tune/index.ts', ...args], {
    cwd: join(__dirname, '..', '..'),
    env: { ...inherited, XDG_CONFIG_HOME: join(home, 'config'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (output.stdout += chunk));
  child.stderr.on('data', (chunk) => (output.stderr += chunk));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, ...output }));
  });
  return { output, result };
}

const tune = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => startTune(args, env).result;

/** A command that must succeed, its --json output parsed. */
async function tuneJson(args: string[]): Promise<any> {
  const result = await tune([...args, '--json']);
  expect([result.code, result.stderr]).toEqual([0, expect.any(String)]);
  return JSON.parse(result.stdout);
}

/** Two numeric features and a class that depends on them (with a few flipped labels), deterministic. */
function smallCsv(rows: number): string {
  const lines = ['x1,x2,label'];
  for (let i = 0; i < rows; i++) {
    const x1 = ((i * 37) % 101) / 100;
    const x2 = ((i * 53) % 97) / 96;
    const label = (x1 + x2 > 1) !== (i % 11 === 0) ? 1 : 0;
    lines.push(`${x1},${x2},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  h = await startHarness();
  home = await mkdtemp(join(tmpdir(), 'tune-cli-'));
  serverUrl = h.baseUrl.replace(/\/api\/v1$/, '');
}, 300_000);

afterAll(async () => {
  await h?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('tune CLI', () => {
  const configFile = () => join(home, 'config', 'tuning-service', 'config.json');

  test('login refuses a bad token (exit 4, nothing stored), then stores a good one readable by the user only', async () => {
    const refused = await tune(['login', '--url', serverUrl, '--token', 'not-a-token']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('HTTP 401: invalid API token');
    await expect(stat(configFile())).rejects.toMatchObject({ code: 'ENOENT' });

    const login = await tune(['login', '--url', `${h.baseUrl}/`, '--token', h.token]);
    expect([login.code, login.stderr]).toEqual([0, '']);
    expect(login.stdout).toContain(`logged in to ${serverUrl}`);
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({ url: serverUrl, token: h.token });
  });

  let modelRunId: string;

  test('uploads a CSV, creates an experiment and a model run, and --wait returns once it is trained', async () => {
    const csvPath = join(home, 'points.csv');
    await writeFile(csvPath, smallCsv(80));
    const dataset = await tuneJson(['datasets', 'upload', csvPath, '--target', 'label', '--task', 'classification']);
    expect(dataset).toMatchObject({ name: 'points.csv', task_type: 'classification', target_column: 'label', n_samples: 80, n_features: 2 });
    expect((await call(h, 'GET', `/datasets/${dataset.id}`, { token: h.token })).body.n_samples).toBe(80);

    const experiment = await tuneJson(['experiments', 'create', '--name', 'cli', '--dataset', dataset.id]);
    expect(experiment).toMatchObject({ name: 'cli', dataset_id: dataset.id });

    const modelRun = await tuneJson([
      'model-runs', 'create', '--experiment', experiment.id, '--model-type', 'decision_tree', '--params', '{"max_depth": 3}', '--cv-folds', '4', '--wait',
    ]);
    expect(modelRun).toMatchObject({ experiment_id: experiment.id, status: 'completed', hyperparameters: { max_depth: 3 }, cv_folds: 4 });
    modelRunId = modelRun.id;
  }, 180_000);

  test('starts a run from a YAML spec and --watch follows it to completion (exit 0); results and list agree with the API', async () => {
    const specPath = join(home, 'grid.yaml');
    await writeFile(
      specPath,
      ['# a grid over the tree depth', `model_run_id: ${modelRunId}`, 'tuning_method: grid_search', 'param_grid:', '  max_depth: [1, 2, 4]', '  min_samples_leaf: [1, 5]', 'cv_folds: 4', 'tags: [cli]', ''].join('\n'),
    );
    const watched = await tune(['runs', 'start', specPath, '--watch']);
    expect([watched.code, watched.stderr]).toEqual([0, expect.stringContaining('6/6 evaluated | best ')]);
    const id = /started tuning run (\S+) \(grid_search, 6 candidates\)/.exec(watched.stdout)?.[1];
    expect(id).toBeDefined();
    expect(watched.stdout).toMatch(new RegExp(`tuning run ${id} completed: 6 evaluated in .*, best score \\d\\.\\d{4} with \\{`));

    const results = await tuneJson(['runs', 'results', id!]);
    const api = await call(h, 'GET', `/tuning/tune/${id}/results`, { token: h.token });
    expect(results).toEqual(api.body);
    expect(results.results.all_results).toHaveLength(6);

    const table = await tune(['runs', 'results', id!]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/RANK\s+MEAN\s+STD\s+PARAMS/);
    expect(table.stdout).toContain(`best_score:  ${results.results.best_score.toFixed(4)}`);

    const listed = await tuneJson(['runs', 'list', '--model-run', modelRunId, '--tag', 'cli']);
    expect(listed.map((r: any) => [r.tuning_run_id, r.status])).toEqual([[id, 'completed']]);
  }, 240_000);

  test('cancel stops a running run: watch exits 1, a second cancel exits 3 with the API message', async () => {
    const specPath = join(home, 'heavy.json');
    // Enough work (400 candidates of 10 folds on 569 rows) to still be running when cancelled.
    const sample = await tuneJson(['datasets', 'sample', 'breast_cancer']);
    const experiment = await tuneJson(['experiments', 'create', '--name', 'heavy', '--dataset', sample.id]);
    const modelRun = await tuneJson(['model-runs', 'create', '--experiment', experiment.id, '--model-type', 'decision_tree', '--wait']);
    await writeFile(
      specPath,
      JSON.stringify({
        tuning_method: 'random_search',
        param_distributions: { max_depth: { type: 'int', low: 3, high: 30 }, min_samples_leaf: { type: 'int', low: 1, high: 3 } },
        n_iter: 400,
        cv_folds: 10,
        batch_size: 2,
        parallelism: 1,
      }),
    );
    const started = await tuneJson(['runs', 'start', specPath, '--model-run', modelRun.id]);
    expect(started).toMatchObject({ status: 'running', total_candidates: 400 });
    const id = started.tuning_run_id;

    // Piped, the bar prints a line a second: wait for one that shows live progress with an ETA.
    const watching = startTune(['runs', 'watch', id]);
    const liveLine = /(\d+)\/400 evaluated \| best 0\.\d{4} \| elapsed \S+ \| ETA \d/;
    const deadline = Date.now() + 120_000;
    while (!liveLine.test(watching.output.stderr) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(watching.output.stderr).toMatch(liveLine);

    const cancel = await tune(['runs', 'cancel', id, '--reason', 'from the CLI']);
    expect([cancel.code, cancel.stdout]).toEqual([0, `tuning run ${id}: cancellation requested\n`]);
    const watched = await watching.result;
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`tuning run ${id} failed (Cancelled): from the CLI`);

    const again = await tune(['runs', 'cancel', id]);
    expect(again.code).toBe(3);
    expect(again.stderr).toBe(`tune: HTTP 409: tuning run ${id} is already failed\n`);
  }, 240_000);

  test('schedules: create from a spec file with --interval, list, trigger and delete', async () => {
    const specPath = join(home, 'nightly.yaml');
    await writeFile(specPath, ['tuning_method: random_search', 'param_distributions:', '  max_depth: {type: int, low: 1, high: 6}', 'n_iter: 2', 'cv_folds: 4', ''].join('\n'));
    const created = await tuneJson(['schedules', 'create', specPath, '--model-run', modelRunId, '--interval', '3600', '--paused']);
    expect(created).toMatchObject({ model_run_id: modelRunId, spec: { interval_seconds: 3600 }, state: { paused: true } });

    // The list asks Temporal for each schedule's state with a 3 s deadline (null when it is slow): a
    // busy machine may need a second look.
    let listed: any[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      listed = await tuneJson(['schedules', 'list', '--model-run', modelRunId]);
      if (listed.every((s: any) => s.state !== null)) break;
    }
    expect(listed.map((s: any) => [s.id, s.state?.paused])).toEqual([[created.id, true]]);
    const table = await tune(['schedules', 'list']);
    expect(table.stdout).toMatch(new RegExp(`${created.id}\\s+${modelRunId}\\s+every 3600s\\s+true`));

    const triggered = await tuneJson(['schedules', 'trigger', created.id]);
    expect(triggered).toMatchObject({ id: created.id, triggered: true, overlap_policy: 'allow_all' });
    const deleted = await tune(['schedules', 'delete', created.id]);
    expect([deleted.code, deleted.stdout]).toEqual([0, `deleted schedule ${created.id}\n`]);
    expect((await tune(['schedules', 'delete', created.id])).code).toBe(3);
    expect(await tuneJson(['schedules', 'list', '--model-run', modelRunId])).toEqual([]);
  }, 120_000);

  test('errors: field errors listed plainly (exit 3), bad arguments (exit 2), a refused TUNE_TOKEN (exit 4)', async () => {
    const badSpec = join(home, 'bad.yaml');
    await writeFile(badSpec, `model_run_id: ${modelRunId}\ntuning_method: annealing\n`);
    const invalid = await tune(['runs', 'start', badSpec]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toMatch(/^tune: HTTP 422: invalid request\n {2}tuning_method: Invalid enum value\./);

    const notJson = await tune(['model-runs', 'create', '--experiment', modelRunId, '--model-type', 'knn', '--params', '{depth: 3}']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--params is not valid JSON');
    const badFolds = await tune(['model-runs', 'create', '--experiment', modelRunId, '--model-type', 'knn', '--cv-folds', 'five']);
    expect([badFolds.code, badFolds.stderr]).toEqual([2, 'tune: --cv-folds must be a whole number, not "five"\n']);
    const missing = await tune(['datasets', 'upload', join(home, 'absent.csv'), '--target', 'y', '--task', 'regression']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
    const badChoice = await tune(['datasets', 'upload', badSpec, '--target', 'y', '--task', 'ranking']);
    expect(badChoice.code).toBe(2);

    const refused = await tune(['runs', 'list', '--model-run', modelRunId], { TUNE_TOKEN: 'revoked' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('the API refused the token (HTTP 401: invalid API token)');
    const closedUrl = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = await tune(['runs', 'list', '--model-run', modelRunId], { TUNE_URL: closedUrl });
    expect([unreachable.code, unreachable.stderr]).toEqual([3, `tune: cannot reach the API at ${closedUrl}: ECONNREFUSED\n`]);
  }, 120_000);
});
