/** Polling the API until something finishes, riding out a short API restart or network blip. */
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './errors';

const POLL_INTERVAL_MS = 1000;
/** Consecutive transient failures (unreachable, 5xx) tolerated: about half a minute. */
const MAX_TRANSIENT_FAILURES = 30;

/** Reads every second, hands each answer to `seen`, and returns the first answer that `finished` accepts. */
export async function pollUntil<T>(read: () => Promise<T>, finished: (value: T) => boolean, seen: (value: T) => void = () => {}): Promise<T> {
  let failures = 0;
  for (;;) {
    try {
      const value = await read();
      failures = 0;
      seen(value);
      if (finished(value)) return value;
    } catch (err) {
      if (!(err instanceof CliError && err.transient) || ++failures > MAX_TRANSIENT_FAILURES) throw err;
    }
    await sleep(POLL_INTERVAL_MS);
  }
}
