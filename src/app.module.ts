import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { MigrationObject } from '@mikro-orm/core';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { BillingModule } from './billing/billing.module.js';
import { BusinessModule } from './business/business.module.js';
import { ConsentModule } from './consent/consent.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';
import { AccessGuard } from './common/authorization/access.guard.js';
import { SeatAllowancesModule } from './common/authorization/seat-allowance.js';
import { TenantClosurePreconditionsModule } from './common/authorization/tenant-closure-precondition.js';
import { TenantWriteGatesModule } from './common/authorization/tenant-write-gate.js';
import { ClockModule } from './common/time/clock.module.js';
import { buildGraphQLOptions } from './common/graphql/graphql.options.js';
import { HealthController } from './common/health/health.controller.js';
import { GraphQLEndpointErrorFilter } from './common/http/http-failures.js';
import { RequestAdmissionMiddleware } from './common/http/request-admission.middleware.js';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import { buildValidationPipe } from './common/validation/validation.pipe.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { TenantSessionMiddleware } from './database/tenant-session.js';
import { CompiledReadMiddleware } from './database/read-model/compiled-read.middleware.js';
import { ReadModelModule } from './database/read-model/read-model.module.js';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** Where to write schema.gql; `true` keeps the schema in memory. */
  schemaFile: string | true;
  migrationsList?: MigrationObject[];
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({
          clientUrl: options.databaseUrl,
          poolSize: config.DATABASE_POOL_SIZE,
          acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
          migrationsList: options.migrationsList,
          logQueries: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace',
        }),
        RateLimitModule,
        ReadModelModule,
        TenantWriteGatesModule,
        ClockModule,
        SeatAllowancesModule,
        TenantClosurePreconditionsModule,
        AuditModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          ...buildGraphQLOptions(config, { schemaFile: options.schemaFile }),
        }),
        AccountsModule,
        BusinessModule,
        ConsentModule,
        PrivacyModule,
        BillingModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_PIPE, useFactory: buildValidationPipe },
        { provide: APP_FILTER, useClass: GraphQLEndpointErrorFilter },
        RequestAdmissionMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Order matters: admission establishes who is asking (and so the tenant) before the database session uses it.
    consumer.apply(RequestAdmissionMiddleware).forRoutes('graphql', 'support/*path');
    // After admission (credential, rate limits), before the per-request ORM session, which the read path does not use.
    consumer.apply(CompiledReadMiddleware).forRoutes('graphql');
    consumer.apply(TenantSessionMiddleware).forRoutes('graphql', 'support/*path');
  }
}
