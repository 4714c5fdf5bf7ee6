import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Public } from '../authorization/access.decorators.js';

/** Liveness says the process answers; readiness says it can reach its database (load balancers route on it). */
@Controller('health')
export class HealthController {
  constructor(private readonly orm: MikroORM) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready() {
    try {
      await this.orm.em.fork().execute('select 1');
      return { status: 'ok', database: 'up' };
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', database: 'down' });
    }
  }
}
