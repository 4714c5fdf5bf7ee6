import { Catch, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { ErrorCode } from '../errors/app-errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../errors/database-unavailable.js';
import { sendGraphQLError } from './graphql-error-response.js';

const logger = new Logger('DatabaseUnavailable');

/**
 * HTTP routes and middleware (credential checks, export downloads, Stripe's webhook) answer 503 SERVICE_UNAVAILABLE
 * when the database cannot be reached, not Nest's bare 500, in the GraphQL endpoint's error shape. Everything else
 * goes on to Nest's default handling; GraphQL resolvers' errors are left to the GraphQL error formatter.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    // Not handled here: Nest rethrows it to GraphQL as it would without this filter.
    if (host.getType() !== 'http') return undefined;
    const res = host.switchToHttp().getResponse<Response>();
    if (!isDatabaseUnavailable(exception) || res.headersSent) return super.catch(exception, host);
    logger.warn(`Database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
    sendGraphQLError(res, 503, ErrorCode.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE);
  }
}
