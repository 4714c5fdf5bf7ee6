import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { tenantFilter } from './tenant.filter.js';

export interface OrmConfigOptions {
  clientUrl: string;
  poolSize: number;
  /** Entities are registered by the feature modules (autoLoadEntities); the CLI passes globs instead. */
  entities?: Options['entities'];
  /** Tests hand migrations in as classes, because Jest cannot load them by path. */
  migrationsList?: MigrationObject[];
  debug?: boolean;
}

export function buildOrmConfig(options: OrmConfigOptions): Options {
  return defineConfig({
    clientUrl: options.clientUrl,
    pool: { min: 0, max: options.poolSize, idleTimeoutMillis: 10_000 },
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
    debug: options.debug ?? false,
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
