import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { AppConfig } from '../../config/app-config.js';
import { Public } from '../authorization/access.decorators.js';

/**
 * Liveness says the process answers; readiness says it can reach its database (load balancers route on it), within
 * READINESS_TIMEOUT_MS whatever the database does.
 */
@Controller('health')
export class HealthController {
  /** The one check in flight: readiness calls share it, so a database that hangs holds one connection, not one a call. */
  private probe: Promise<boolean> | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
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
    if (!(await this.databaseAnswers())) throw new ServiceUnavailableException({ status: 'unavailable', database: 'down' });
    return { status: 'ok', database: 'up' };
  }

  private async databaseAnswers(): Promise<boolean> {
    this.probe ??= this.orm.em
      .fork()
      .execute('select 1')
      .then(
        () => true,
        () => false,
      )
      .finally(() => (this.probe = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.config.READINESS_TIMEOUT_MS)));
    try {
      return await Promise.race([this.probe, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
