/**
 * A throwaway service for the Python client's tests: the integration harness (fresh database,
 * Temporal dev server, worker, API on a free port). Prints `SERVICE {url, token, other_token}` (JSON)
 * on stdout once it answers (the Temporal dev server writes there too), and tears everything down on SIGTERM or when stdin closes (the test
 * process died).
 */
import { startHarness } from '../integration/harness';

const SERVICE_MARKER = 'SERVICE';

async function main(): Promise<void> {
  const harness = await startHarness();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= harness.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('closing the service failed', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  process.stdin.on('end', close);
  // EPIPE once the test process has gone: still tear down, or the Temporal dev server is orphaned.
  process.stdout.on('error', close);
  process.stdin.resume();
  process.stdout.write(`${SERVICE_MARKER} ${JSON.stringify({ url: harness.baseUrl, token: harness.token, other_token: harness.otherToken })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
