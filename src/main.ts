import 'reflect-metadata';
import { ConfigurationError, loadAppConfig } from './config/app-config.js';
import { createRootLogger } from './common/logging/logger.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createRootLogger(config.LOG_LEVEL);
  const server = await startServer({ config, logger });
  logger.info({ url: `${server.url}/graphql`, embeddedDatabase: server.embedded }, 'PromoX CRM API listening');
  if (server.demo) {
    // Printed once, at the first boot that creates them; the password is not stored anywhere else.
    console.log(
      `\nDemo tenant "${server.demo.tenantName}" created.\n  email:    ${server.demo.email}\n  password: ${server.demo.password}\n` +
        (config.isProduction ? '' : `Open ${server.url}/graphql for Apollo Sandbox.\n`),
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    await server.close();
    clearTimeout(timer);
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
