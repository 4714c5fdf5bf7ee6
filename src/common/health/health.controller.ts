import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { databaseAnswers } from '../../database/database-ping.js';
import { AppConfig } from '../../config/app-config.js';
import { Public } from '../authorization/access.decorators.js';
import { RateLimitStore } from '../rate-limit/rate-limit.store.js';

/**
 * Liveness says the process answers; readiness says it can reach its database (load balancers route on it), within
 * READINESS_TIMEOUT_MS whatever the database does. Readiness also reports the rate-limit store: a degraded Redis
 * leaves the instance ready (limits are counted in its memory meanwhile), so it is reported, not failed on.
 */
@Controller('health')
export class HealthController {
  /** The one check in flight: readiness calls share it, so a database that hangs holds one connection, not one a call. */
  private probe: Promise<boolean> | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    @Inject(RateLimitStore) private readonly rateLimits: RateLimitStore,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready() {
    const up = await this.databaseAnswers();
    const rateLimit = this.rateLimits.status();
    const redis = rateLimit.backend === 'redis' ? { redis: rateLimit.redis, rateLimitFallbacks: rateLimit.fallbacks } : {};
    if (!up) throw new ServiceUnavailableException({ status: 'unavailable', database: 'down', ...redis });
    return { status: 'ok', database: 'up', ...redis };
  }

  private async databaseAnswers(): Promise<boolean> {
    this.probe ??= databaseAnswers(this.orm.em.fork() as EntityManager)
      .then(
        () => true,
        () => false,
      )
      .finally(() => (this.probe = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>(
      (resolve) =>
        (timer = setTimeout(() => {
          resolve(false);
        }, this.config.READINESS_TIMEOUT_MS)),
    );
    try {
      return await Promise.race([this.probe, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
