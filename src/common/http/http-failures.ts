import { Catch, HttpException, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { AppError, ErrorCode } from '../errors/app-errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../errors/database-unavailable.js';
import { sendGraphQLError } from './graphql-error-response.js';

const logger = new Logger('HttpFailures');

/** The GraphQL endpoint, whose every answer (error answers included) has the GraphQL response shape. */
export const GRAPHQL_PATH = '/graphql';

interface HttpFailure {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * What body-parser (and the raw-body and zlib streams under it) reports, by its error `type`. Every one is the
 * client's: a body too large, not JSON, in another charset, in an encoding it does not decode, or cut short.
 */
const BODY_FAILURES: Record<string, Omit<HttpFailure, 'code'>> = {
  'entity.too.large': { status: 413, message: 'The request body is too large.' },
  'entity.parse.failed': { status: 400, message: 'The request body is not valid JSON.' },
  'charset.unsupported': { status: 415, message: 'The request body must be JSON in UTF-8 (charset=utf-8, or none).' },
  'encoding.unsupported': { status: 415, message: 'Unsupported Content-Encoding: send the body as is, or gzip, deflate or br.' },
  'request.aborted': { status: 400, message: 'The request body ended before it was complete.' },
  'request.size.invalid': { status: 400, message: 'The request body does not match its Content-Length.' },
};

/** An error from the `http-errors` package (body-parser, the router): it carries the HTTP status it means. */
function httpErrorStatus(error: unknown): number | null {
  if (!(error instanceof Error)) return null;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : null;
}

/**
 * The answer to a failure before GraphQL execution: the client's mistakes with their own status and a message meant
 * for them (BAD_USER_INPUT, as the body's content is theirs), anything else as a 500 without details.
 */
export function httpFailureOf(error: unknown): HttpFailure {
  // Retryable: the database could not be reached (credential checks, the tenant session, an export download).
  if (isDatabaseUnavailable(error) || (error instanceof AppError && error.code === ErrorCode.SERVICE_UNAVAILABLE)) {
    return { status: 503, code: ErrorCode.SERVICE_UNAVAILABLE, message: DATABASE_UNAVAILABLE_MESSAGE };
  }
  const type = error instanceof Error ? (error as { type?: unknown }).type : undefined;
  const known = typeof type === 'string' ? BODY_FAILURES[type] : undefined;
  if (known) return { ...known, code: ErrorCode.BAD_USER_INPUT };
  if (error instanceof AppError) return { status: 400, code: error.code, message: error.message };
  const status = error instanceof HttpException ? error.getStatus() : httpErrorStatus(error);
  if (status !== null && status < 500) {
    // A decompression failure ("incorrect header check") or another refusal of the body or the URL.
    const message = (error as { code?: unknown }).code?.toString().startsWith('Z_')
      ? 'The request body could not be decompressed as its Content-Encoding says.'
      : 'The request could not be read.';
    return { status, code: status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.BAD_USER_INPUT, message };
  }
  return { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error.' };
}

function answer(error: unknown, res: Response): void {
  const failure = httpFailureOf(error);
  if (failure.code === ErrorCode.SERVICE_UNAVAILABLE) {
    logger.warn(`Database unavailable: ${error instanceof Error ? error.message : String(error)}`);
  } else if (failure.status >= 500) {
    logger.error({
      msg: 'Unexpected error',
      err: error instanceof Error ? { message: error.message, stack: error.stack, name: error.name } : String(error),
    });
  }
  sendGraphQLError(res, failure.status, failure.code, failure.message);
}

/**
 * Express error middleware right after the body parser: whatever body-parser refuses, on any path, is answered in
 * GraphQL's shape with a stable code (not Express's or Nest's own error page).
 */
export function bodyErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  if (httpErrorStatus(error) === null && !(error instanceof Error && 'type' in error)) {
    next(error);
    return;
  }
  answer(error, res);
}

/**
 * Everything thrown on the GraphQL endpoint outside Apollo (its admission and database-session middleware, the
 * router) reaches Nest's exception handling, whose default answer has no `errors` array; this answers it in
 * GraphQL's shape. On every route, a database that cannot be reached is a retryable 503 SERVICE_UNAVAILABLE in the
 * same shape, not Nest's bare 500. Other routes keep Nest's default otherwise, and resolvers' errors pass through to
 * Apollo unchanged.
 */
@Catch()
export class GraphQLEndpointErrorFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    // Not req.path: inside middleware mounted on a path, Express makes it relative to the mount point.
    const path = req.originalUrl.split('?')[0].replace(/\/+$/, '');
    if (res.headersSent || (path !== GRAPHQL_PATH && httpFailureOf(exception).code !== ErrorCode.SERVICE_UNAVAILABLE)) {
      super.catch(exception, host);
      return;
    }
    answer(exception, res);
  }
}
