import { Logger as NestLogger } from '@nestjs/common';
import { DefaultLogger, type LogContext, type LoggerNamespace } from '@mikro-orm/core';

/**
 * MikroORM's log lines as the app's own JSON lines, through Nest's logger (and so pino, with the request id): the
 * namespace as a field, a level that says what happened (warnings and errors as such, queries at debug), and never the
 * ANSI colours MikroORM's default logger paints into its text.
 */
export class NestOrmLogger extends DefaultLogger {
  private readonly nest = new NestLogger('MikroORM');

  override log(namespace: LoggerNamespace | (string & {}), message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace as LoggerNamespace, context)) return;
    const line = { msg: message.replace(/\s+/g, ' ').trim(), namespace, ...(context?.label ? { label: context.label } : {}) };
    if (context?.level === 'error') this.nest.error(line);
    else if (context?.level === 'warning') this.nest.warn(line);
    else this.nest.log(line);
  }

  override logQuery(context: LogContext): void {
    const namespace = context.namespace ?? 'query';
    if (!this.isEnabled(namespace, context)) return;
    this.nest.debug({
      msg: 'query',
      namespace,
      sql: context.query?.replace(/\s+/g, ' ').trim(),
      tookMs: context.took,
      results: context.results,
      affected: context.affected,
      // A failed statement is reported at its level by whoever handles the error (a CONFLICT is the client's).
      ...(context.level === 'error' ? { failed: true } : {}),
      ...(context.label ? { label: context.label } : {}),
    });
  }
}
