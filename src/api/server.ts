/**
 * The API on its own (production: one or more API processes beside separate workers).
 * Needs DATABASE_URL and TEMPORAL_ADDRESS; migrates the database before listening.
 */
import { loadConfig } from '../config';
import { initOrm, migrate } from '../db/orm';
import { logger } from '../logging';
import { connectClient, ensureSearchAttributes } from '../temporal/client';
import { startTracing } from '../telemetry/tracing';
import { createApp } from './app';

async function main(): Promise<void> {
  logger.setBindings({ service: 'api' });
  const tracing = startTracing('tuning-api');
  const config = loadConfig();
  if (!config.databaseUrl || !config.temporalAddress) {
    throw new Error('the stand-alone API needs DATABASE_URL and TEMPORAL_ADDRESS (use `npm start` for the embedded setup)');
  }
  const orm = await initOrm(config.databaseUrl);
  await migrate(orm);
  const temporal = await connectClient(config.temporalAddress, config.temporalNamespace);
  // Runs set these when they start: registered (idempotently, once the namespace exists) first.
  await ensureSearchAttributes(temporal);
  const server = createApp({ orm, temporal, config }).listen(config.apiPort, config.apiHost, () =>
    logger.info(`API listening on http://${config.apiHost}:${config.apiPort}/api/v1`),
  );
  const stop = () =>
    server.close(async () => {
      await temporal.connection.close();
      await orm.close();
      await tracing.shutdown();
    });
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

main().catch((err) => {
  logger.fatal({ err }, 'API stopped');
  process.exit(1);
});
