import { Module, type DynamicModule } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { MigrationObject } from '@mikro-orm/core';
import { buildOrmConfig } from './mikro-orm.config.js';
import { NestOrmLogger } from './orm-logger.js';
import { RequestTransactionPlugin } from './request-transaction.plugin.js';
import { TenantSessionMiddleware } from './tenant-session.js';

export interface DatabaseModuleOptions {
  clientUrl: string;
  poolSize: number;
  acquireTimeoutMs: number;
  migrationsList?: MigrationObject[];
  /** Every statement as a debug line (LOG_LEVEL debug or trace). */
  logQueries?: boolean;
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        MikroOrmModule.forRoot({
          ...buildOrmConfig({ ...options, loggerFactory: (loggerOptions) => new NestOrmLogger(loggerOptions) }),
          autoLoadEntities: true,
          // Requests get their own tenant-scoped EntityManager from TenantSessionMiddleware instead.
          registerRequestContext: false,
        }),
      ],
      providers: [RequestTransactionPlugin, TenantSessionMiddleware],
      exports: [TenantSessionMiddleware],
    };
  }
}
