import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { tenantFilter } from './tenant.filter.js';

export interface OrmConfigOptions {
  clientUrl: string;
  poolSize: number;
  /** pg-pool's connectionTimeoutMillis: bounds both the wait for a free connection and the opening of a new one. */
  acquireTimeoutMs?: number;
  /** Entities are registered by the feature modules (autoLoadEntities); the CLI passes globs instead. */
  entities?: Options['entities'];
  /** Tests hand migrations in as classes, because Jest cannot load them by path. */
  migrationsList?: MigrationObject[];
  /** Log every statement (at debug level): for development, as the SQL may carry personal data. */
  logQueries?: boolean;
  /** The app hands MikroORM's lines to its own JSON log; the CLI and scripts keep MikroORM's plain text. */
  loggerFactory?: Options['loggerFactory'];
}

/** Without it, a request waits for a connection forever when the database does not answer (the pool's default). */
const DEFAULT_ACQUIRE_TIMEOUT_MS = 5_000;

export function buildOrmConfig(options: OrmConfigOptions): Options {
  return defineConfig({
    clientUrl: options.clientUrl,
    pool: { min: 0, max: options.poolSize, idleTimeoutMillis: 10_000 },
    // MikroORM 7's PostgreSQL driver hands these to its pg Pool (Kysely's PostgresDialect underneath). TCP keep-alive
    // lets the OS notice a server that vanished without closing its connections (a crashed host, a lost network).
    driverOptions: {
      connectionTimeoutMillis: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    },
    metadataProvider: ReflectMetadataProvider,
    entities: options.entities,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    filters: { [tenantFilter.name]: tenantFilter },
    forceUtcTimezone: true,
    // The tenant filter applies to the queried entity itself; joining every referenced entity to filter it too only
    // adds joins that row-level security already makes redundant (and that the planner estimates badly under RLS).
    autoJoinRefsForFilters: false,
    serialization: { forceObject: true },
    debug: options.logQueries ? ['query'] : false,
    // Colour codes would land inside the JSON log lines (and in CI logs as escape sequences).
    colors: false,
    ...(options.loggerFactory ? { loggerFactory: options.loggerFactory } : {}),
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'dist/migrations',
      pathTs: 'migrations',
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      ...(options.migrationsList ? { migrationsList: options.migrationsList } : {}),
    },
  });
}
