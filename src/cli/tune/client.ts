/** The API over HTTP: every non-2xx answer becomes a CliError carrying the API's own message and field errors. */
import type { Credentials } from './config';
import { CliError, EXIT } from './errors';

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as text/csv instead of a JSON body. */
  csv?: string;
}

interface ApiErrorBody {
  error?: string;
  detail?: { field: string; reason: string }[];
}

function apiError(status: number, body: ApiErrorBody | null, text: string): CliError {
  const message = body?.error ?? (text.trim().slice(0, 500) || 'no message');
  const details = (body?.detail ?? []).map((d) => `${d.field}: ${d.reason}`);
  if (status === 401) {
    return new CliError(EXIT.auth, `the API refused the token (HTTP 401: ${message}); run \`tune login\` with a valid token`);
  }
  // A field error's message repeats its details: print them once, as a list.
  return new CliError(EXIT.api, details.length > 0 ? `HTTP ${status}: invalid request` : `HTTP ${status}: ${message}`, details, status >= 500);
}

export class ApiClient {
  constructor(private readonly credentials: Credentials) {}

  get url(): string {
    return this.credentials.url;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.credentials.url}/api/v1${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.credentials.token}`, accept: 'application/json' };
    let body: string | undefined;
    if (options.csv !== undefined) {
      headers['content-type'] = 'text/csv';
      body = options.csv;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body });
    } catch (err) {
      const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
      throw new CliError(EXIT.api, `cannot reach the API at ${this.credentials.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, [], true);
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): its text is the message.
    }
    if (!response.ok) throw apiError(response.status, parsed as ApiErrorBody | null, text);
    return parsed as T;
  }
}
