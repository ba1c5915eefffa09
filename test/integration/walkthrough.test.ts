/**
 * The README's curl walk-through, pasted as one block: its fenced sh block runs with bash (and
 * curl and jq) against the real API, Temporal and PostgreSQL, and must end with the tuning run's
 * results.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 300_000);

afterAll(async () => {
  await h?.close();
});

/** The first ```sh block after the walk-through's heading. */
function walkthroughScript(): string {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Walk-through with curl (and jq)'));
  const block = /```sh\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error('README.md has no sh block after "### Walk-through with curl (and jq)"');
  return block[1];
}

/** Runs the script with bash as if pasted, but stopping at the first failing command; never blocks this process (the API and worker run in it). */
function runBash(script: string, env: Record<string, string | undefined>, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -eo pipefail\n${script}`], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('without TOKEN the walk-through stops at once and says what to set', async () => {
  const run = await runBash(walkthroughScript(), { API: h.baseUrl, TOKEN: undefined }, 30_000);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain('set TOKEN to the token npm start printed');
  expect(run.stdout).toBe('');
});

test('the walk-through pasted as one block waits where it must and prints the tuning results', async () => {
  const run = await runBash(walkthroughScript(), { API: h.baseUrl, TOKEN: h.token }, 540_000);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

  // Step 3 prints the model run once it has completed, with its CV score.
  const lines = run.stdout.split('\n');
  expect(lines[0]).toBe('"completed"');
  expect(lines[1]).toBe('{');
  // Step 5 ends with the results: the last JSON document printed, starting at a line "{".
  const results = JSON.parse(lines.slice(lines.lastIndexOf('{')).join('\n'));
  expect(results).toMatchObject({ status: 'completed', results: { total_combinations: 36 } });
  expect(Object.keys(results.best_params).sort()).toEqual(['max_depth', 'min_samples_leaf', 'min_samples_split', 'n_estimators']);
  expect(results.results.best_score).toBeGreaterThan(0.9);
}, 600_000);
