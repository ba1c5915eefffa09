/**
 * Where `tune login` keeps the API address and token: $XDG_CONFIG_HOME/tuning-service/config.json
 * (default ~/.config), readable by the user only. TUNE_URL and TUNE_TOKEN override it.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT, usageError } from './errors';

export interface Credentials {
  /** The server's root, e.g. http://localhost:8000 (the API lives under /api/v1). */
  url: string;
  token: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tuning-service', 'config.json');
}

/** The server's root from what a user may type: with or without /api/v1 and trailing slashes. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`not a URL: "${raw}" (expected e.g. http://localhost:8000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`the URL must be http or https, not ${url.protocol}`);
  return url.toString().replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

export async function saveCredentials(credentials: Credentials, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only to a new file; an older one may have been readable by others.
  await chmod(path, 0o600);
}

async function storedCredentials(path: string): Promise<Partial<Credentials>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    return JSON.parse(text) as Partial<Credentials>;
  } catch {
    throw new CliError(EXIT.auth, `${path} is not valid JSON: run \`tune login\` again`);
  }
}

export async function loadCredentials(env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const stored = await storedCredentials(configPath(env));
  const url = env.TUNE_URL || stored.url;
  const token = env.TUNE_TOKEN || stored.token;
  if (!url || !token) {
    throw new CliError(EXIT.auth, 'not logged in: run `tune login --url URL --token TOKEN`, or set TUNE_URL and TUNE_TOKEN');
  }
  return { url: normalizeUrl(url), token };
}
