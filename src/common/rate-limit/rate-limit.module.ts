import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { FallbackRateLimitStore } from './fallback-rate-limit.store.js';
import { MemoryRateLimitStore, RateLimitStore, RedisRateLimitStore } from './rate-limit.store.js';

/**
 * In memory for a single instance; shared through Redis when REDIS_URL is set, so limits hold across instances, with
 * each instance's memory standing in while Redis does not answer.
 */
@Global()
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig): RateLimitStore =>
        config.REDIS_URL
          ? new FallbackRateLimitStore(new RedisRateLimitStore(config.REDIS_URL, config.RATE_LIMIT_KEY_PREFIX, config.REDIS_COMMAND_TIMEOUT_MS))
          : new MemoryRateLimitStore(),
    },
  ],
  exports: [RateLimitStore],
})
export class RateLimitModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.store instanceof FallbackRateLimitStore) await this.store.connect(this.config.REDIS_CONNECT_TIMEOUT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
