import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../../common/errors/database-unavailable.js';
import { sendGraphQLError } from '../../common/http/graphql-error-response.js';

const STATUS_OF_CODE: Partial<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.POLICY_ACCEPTANCE_REQUIRED]: 403,
  [ErrorCode.TENANT_CLOSED]: 403,
  [ErrorCode.SUBSCRIPTION_INACTIVE]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.INVALID_TRANSITION]: 409,
  [ErrorCode.FILE_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_FILE_TYPE]: 415,
  [ErrorCode.RATE_LIMITED]: 429,
};

const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BAD_USER_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  413: ErrorCode.FILE_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_FILE_TYPE,
};

const logger = new Logger('SupportHttpErrors');

/**
 * The support file routes answer errors in the same shape as the GraphQL endpoint (`{ errors: [{ message,
 * extensions: { code } }] }`), with an HTTP status that fits the code. Nothing unexpected leaks a message or a stack.
 */
@Catch()
export class SupportHttpErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    if (res.headersSent) return;
    if (exception instanceof AppError) {
      const { code, ...details } = exception.extensions;
      const status = STATUS_OF_CODE[String(code)] ?? 400;
      // An oversized body sent without a length was not read to its end: close the connection rather than drain it.
      if (status === 413 && req.headers['content-length'] === undefined) res.setHeader('Connection', 'close');
      sendGraphQLError(res, status, exception.code, exception.message, details);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_OF_STATUS[status] ?? (status >= 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_USER_INPUT);
      sendGraphQLError(res, status, code, status >= 500 ? 'Internal server error.' : exception.message);
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      sendGraphQLError(res, 503, ErrorCode.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE);
      return;
    }
    logger.error({
      msg: 'Unexpected error',
      err: exception instanceof Error ? { message: exception.message, stack: exception.stack, name: exception.name } : String(exception),
    });
    sendGraphQLError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
  }
}
