import 'reflect-metadata';
import { createApp } from './app';
import { resolveAdminToken } from './config/admin-token';
import { ConfigError, loadConfig } from './config/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import { createLogger } from './observability/logger';

const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const admin = resolveAdminToken(config);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.pgPort,
      leaveRunningWhileInUse: true,
      onLog: (line) => logger.info({ component: 'embedded-postgres' }, line),
    });
    databaseUrl = embedded.url;
  }

  const app = await createApp({
    databaseUrl,
    adminToken: admin.token,
    metricsToken: config.metricsToken,
    nodeEnv: config.nodeEnv,
    introspection: config.introspection,
    logger,
    agenda: { kind: config.agendaBackend, mongodbUrl: config.mongodbUrl },
    limits: config.limits,
    databaseTimeouts: config.databaseTimeouts,
    webhooks: config.webhooks,
    attachments: config.attachments,
  }).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  const address = await app.listen(config.port);

  const tokenNote =
    admin.source === 'ADMIN_TOKEN'
      ? 'admin token from ADMIN_TOKEN'
      : `admin token ${admin.token} (kept in ${admin.source})`;
  process.stdout.write(`Parley ready at http://localhost:${address.port}/graphql — ${tokenNote}\n`);

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    void (async () => {
      try {
        await app.stop();
        await embedded?.stop();
        logger.info('stopped');
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      }
    })();
  };
  // A dependency's promise that fails with nobody awaiting it (a driver's background reconnect, say)
  // is a fault to log, not a reason to stop serving: Node would otherwise end the process.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (kept running)'));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Parley failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
