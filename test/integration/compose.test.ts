/**
 * docker-compose.yml, checked where Docker does not run: tools/compose-check loads it with
 * compose-go (the parser of `docker compose`) and checks every image against deploy/image-tags.txt.
 * Built with Go into the user cache on the first run (scripts/build-compose-check.sh).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/util/project_root';

const build = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts/build-compose-check.sh')], { encoding: 'utf8' });
const goMissing = build.status === 3;
if (goMissing) console.warn(`compose tests skipped: ${build.stderr.trim()}`);
const describeWithGo = goMissing ? describe.skip : describe;

/** Runs the checker on `compose` (a copy of the repository's file in a directory of its own when changed). */
function check(compose = path.join(PROJECT_ROOT, 'docker-compose.yml')) {
  if (build.status !== 0) throw new Error(`building tools/compose-check failed:\n${build.stderr}`);
  const args = ['-file', compose, '-env-file', path.join(PROJECT_ROOT, 'deploy/compose.env.example'), '-tags', path.join(PROJECT_ROOT, 'deploy/image-tags.txt')];
  const run = spawnSync(build.stdout.trim(), args, { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The repository's compose file and Dockerfile, edited, in a temporary directory. */
function variant(edit: { compose?: (text: string) => string; dockerfile?: (text: string) => string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-check-'));
  const read = (name: string) => fs.readFileSync(path.join(PROJECT_ROOT, name), 'utf8');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), (edit.dockerfile ?? String)(read('Dockerfile')));
  fs.writeFileSync(path.join(dir, 'docker-compose.yml'), (edit.compose ?? String)(read('docker-compose.yml')));
  return path.join(dir, 'docker-compose.yml');
}

describeWithGo('docker-compose.yml', () => {
  test('loads with the example variables, every profile on, and uses only published images', () => {
    const result = check();
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/: \d+ services, every image published/);
  });

  test('an unpublished tag (admin-tools as major.minor.patch) or base image is refused, naming it', () => {
    const result = check(
      variant({
        compose: (text) => text.replace(/temporalio\/admin-tools:[^\s"]+/, 'temporalio/admin-tools:1.29.1'),
        dockerfile: (text) => text.replace('FROM node:20-bookworm-slim AS build', 'FROM node:20.99-slim AS build'),
      }),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('image "temporalio/admin-tools:1.29.1" is not in');
    expect(result.stderr).toContain('(Dockerfile): image "node:20.99-slim" is not in');
  });

  test('a file whose secrets are written in it is refused: they must come from the environment', () => {
    const result = check(variant({ compose: (text) => text.replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'hard-coded') }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('loads without any variable set');
  });

  test('waiting for the health of a service without a healthcheck is refused', () => {
    const result = check(variant({ compose: (text) => text.replace(/(\n {2}api:\n(?:.*\n)*?) {4}healthcheck:\n(?: {6}.*\n)+/, '$1') }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('service worker waits for api to be healthy, but api has no healthcheck');
  });

  test('a file that does not parse is refused with the parser\'s reason', () => {
    const result = check(variant({ compose: (text) => text.replace('depends_on:\n      postgres:', 'depends_on:\n      no-such-service:') }));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no-such-service/);
  });
});
