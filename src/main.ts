import 'reflect-metadata';
import { ConfigurationError, loadAppConfig } from './config/app-config.js';
import { createRootLogger, writeAfterLogs } from './common/logging/logger.js';
import { startServer } from './server.js';
import { DEMO_OWNER_EMAIL, type DemoCredentials } from './accounts/index.js';

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
  // Last on the screen, after the JSON logs of the boot: what a person starting the service needs to go on.
  writeAfterLogs(logger, startBanner(server.url, server.demo, server.embedded, config.isProduction));
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

/**
 * The URL and, on the first start of a demo database, its credentials. The password is printed only when it is
 * created and stored nowhere else; later starts say so.
 */
function startBanner(url: string, demo: DemoCredentials | null, embedded: boolean, production: boolean): string {
  const lines = ['', `PromoX CRM API ready at ${url}/graphql${production ? '' : ' (open it for Apollo Sandbox)'}`];
  if (demo) {
    lines.push(`Demo tenant "${demo.tenantName}" created. Sign in with:`, `  email:    ${demo.email}`, `  password: ${demo.password}`);
  } else if (embedded) {
    lines.push(`Demo account: ${DEMO_OWNER_EMAIL}, with the password printed at the first start (delete DATA_DIR to seed anew).`);
  }
  return `${lines.join('\n')}\n\n`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
