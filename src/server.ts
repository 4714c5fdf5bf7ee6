import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import type { MigrationObject } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AppModule } from './app.module.js';
import { type DemoCredentials, DemoSeedService } from './accounts/index.js';
import { STRIPE_WEBHOOK_PATH } from './billing/index.js';
import { bodyErrorHandler } from './common/http/http-failures.js';
import { keepRawBodyOf } from './common/http/raw-body.js';
import { PinoNestLogger, requestLogger } from './common/logging/logger.js';
import type { AppConfig } from './config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.js';
import { migrate } from './database/migrate.js';
import { IdleCollection } from './common/runtime/idle-collection.js';
import { EXPORT_PATH, undecodableExportLinks } from './privacy/index.js';

export interface StartServerOptions {
  config: AppConfig;
  logger: Logger;
  /** Where to write schema.gql; in memory when `true`. */
  schemaFile?: string | true;
  migrationsList?: MigrationObject[];
  /** Run the embedded database in memory instead of under DATA_DIR (tests). */
  embeddedInMemory?: boolean;
}

export interface RunningServer {
  app: NestExpressApplication;
  url: string;
  databaseUrl: string;
  embedded: boolean;
  demo: DemoCredentials | null;
  close(): Promise<void>;
}

/** Boots the whole service: database (embedded unless DATABASE_URL), migrations, optional demo seed, HTTP. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: options.embeddedInMemory ? undefined : join(config.DATA_DIR, 'pglite'),
      maxConnections: config.DATABASE_POOL_SIZE * 2 + 4,
    });
    databaseUrl = embedded.url;
    logger.info({ dataDir: options.embeddedInMemory ? ':memory:' : config.DATA_DIR }, 'embedded PostgreSQL (PGlite) started');
  }

  let app: NestExpressApplication | null = null;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({
        config,
        databaseUrl,
        schemaFile: options.schemaFile ?? (config.isProduction ? true : join(process.cwd(), 'schema.gql')),
        migrationsList: options.migrationsList,
      }),
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- Nest declares its options as a class but takes a plain object
      { logger: new PinoNestLogger(logger), bodyParser: false, abortOnError: false },
    );
    app.set('trust proxy', parseTrustProxy(config.TRUST_PROXY));
    app.disable('x-powered-by');
    if (config.corsOrigins.length > 0) {
      app.enableCors({
        origin: config.corsOrigins,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type', 'authorization', 'x-request-id', 'apollo-require-preflight', 'x-file-name'],
        exposedHeaders: ['x-request-id', 'retry-after', 'content-disposition'],
        maxAge: 600,
      });
    }
    app.use(requestLogger(logger));
    // Stripe signs the exact bytes of its webhooks: those requests keep their raw body for the signature check. Nest's
    // type hides `verify` (its own rawBody option sets one); with that option off, Nest passes ours to body-parser.
    app.useBodyParser('json', { limit: config.BODY_LIMIT, verify: keepRawBodyOf([STRIPE_WEBHOOK_PATH]) } as NestExpressBodyParserOptionsFor<'json'>);
    app.use(bodyErrorHandler);
    // Mounted by prefix, ahead of the routes: the router would refuse a link it cannot decode with its own 400.
    app.use(EXPORT_PATH, undecodableExportLinks);

    const applied = await migrate(app.get(MikroORM));
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    const seed = config.SEED_DEMO ?? embedded !== null;
    const demo = seed ? await app.get(DemoSeedService).seedIfEmpty() : null;

    await app.listen(config.PORT, config.HOST);
    const idleCollection = new IdleCollection({ idleMs: config.IDLE_GC_SECONDS * 1000, ignore: (url) => url.startsWith('/health') });
    idleCollection.attach(app.getHttpServer());
    const address = app.getHttpServer().address() as AddressInfo;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    const running = app;
    return {
      app: running,
      url: `http://${host}:${address.port}`,
      databaseUrl,
      embedded: embedded !== null,
      demo,
      async close() {
        idleCollection.stop();
        await running.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    // A boot that fails half-way (a migration, the seed, a port in use) lets go of its database pool, timers and
    // connections, so that the process can exit and a failed instance holds no connection slots.
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}
