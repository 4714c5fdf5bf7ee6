import { Logger } from '@nestjs/common';
import { unwrapResolverError } from '@apollo/server/errors';
import { UniqueConstraintViolationException, ValidationError as OrmValidationError } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode } from '../errors/app-errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../errors/database-unavailable.js';

const logger = new Logger('GraphQLErrors');

/** Apollo's own codes for requests that never executed: stable and documented, so they pass through. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'BAD_REQUEST',
]);

/**
 * Apollo's refusals of a request's form that carry no code (Apollo gives them INTERNAL_SERVER_ERROR), by Apollo's
 * message. Others like them, marked as HTTP 4xx but without a code, are BAD_REQUEST.
 */
const UNCODED_REQUEST_ERRORS: Record<string, ErrorCode> = {
  'provided sha does not match query': ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
  'Unsupported persisted query version': ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
};

/** A refusal Apollo raised before execution (HTTP 4xx in its extensions) without a code of its own. */
function uncodedRequestError(raw: unknown): raw is GraphQLError {
  if (!(raw instanceof GraphQLError) || raw.extensions.code !== undefined) return false;
  const status = (raw.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** graphql-js gives up coercing variables after 50 errors with an error that names no variable, so Apollo misses it. */
const VARIABLE_ERROR_LIMIT = 'Too many errors processing variables, error limit reached. Execution aborted.';

/** GraphQL Armor reports its limits as plain errors; give them one stable code. */
const LIMIT_MESSAGE = /limit of \d+ exceeded/i;
/** graphql-js's own token limit (parseOptions.maxLexicalTokens); its message reads "more that" in graphql 16. */
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) (\d+) tokens/;
/**
 * Schema hints graphql-js appends ("Did you mean …?"), also on variable values, where Apollo does not remove them; and
 * what GraphQL Armor's mask leaves of one where it got there first ("[Suggestion hidden]?").
 */
const SUGGESTION = /\s*(?:Did you mean [^?]*\?|\[Suggestion hidden\]\??)/g;

function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '').trim();
}

function strip(formatted: GraphQLFormattedError, code: string, message = formatted.message, extra: Record<string, unknown> = {}): GraphQLFormattedError {
  return { message, locations: formatted.locations, path: formatted.path, extensions: { code, ...extra } };
}

/**
 * Every error leaves the server with a stable `extensions.code` and a message meant for the caller. Unexpected
 * errors are logged with the request id and, in production, reduced to INTERNAL_SERVER_ERROR: no stack, no SQL.
 */
export function buildErrorFormatter(isProduction: boolean) {
  return (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
    const error = unwrapResolverError(raw);
    if (error instanceof AppError) {
      const { code, ...details } = error.extensions;
      return strip(formatted, String(code), error.message, details);
    }
    // A refusal raised while coercing a value (a scalar's, or a validation rule's) that graphql-js or Apollo wrapped:
    // a literal's becomes a validation error, a variable's a "Variable … got invalid value" error. Keep the wrapper's
    // message, which names the argument, and the refusal's code.
    if (raw instanceof GraphQLError && raw.originalError instanceof AppError) {
      const { code, ...details } = raw.originalError.extensions;
      return strip(formatted, String(code), withoutSuggestions(formatted.message), details);
    }
    if (formatted.message === VARIABLE_ERROR_LIMIT) return strip(formatted, ErrorCode.BAD_USER_INPUT);
    if (uncodedRequestError(raw)) {
      return strip(formatted, UNCODED_REQUEST_ERRORS[raw.message] ?? ErrorCode.BAD_REQUEST, raw.message);
    }
    const tokenLimit = TOKEN_LIMIT_MESSAGE.exec(formatted.message);
    if (tokenLimit) {
      return strip(formatted, ErrorCode.QUERY_TOO_COMPLEX, `Token limit of ${tokenLimit[1]} exceeded.`);
    }
    if (LIMIT_MESSAGE.test(formatted.message)) {
      return strip(formatted, ErrorCode.QUERY_TOO_COMPLEX, formatted.message.replace(/^Syntax Error: /, ''));
    }
    if (error instanceof UniqueConstraintViolationException) {
      return strip(formatted, ErrorCode.CONFLICT, 'That conflicts with an existing record.');
    }
    if (isDatabaseUnavailable(error)) {
      // Expected while PostgreSQL restarts or fails over: the caller retries; the log names it without a stack.
      logger.warn({
        msg: 'Database unavailable',
        path: formatted.path,
        err: error instanceof Error ? error.message : String(error),
      });
      return strip(formatted, ErrorCode.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE);
    }
    const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : '';
    if (REQUEST_ERROR_CODES.has(code)) return strip(formatted, code, withoutSuggestions(formatted.message));

    logger.error({
      msg: 'Unexpected error',
      path: formatted.path,
      err: error instanceof Error ? { message: error.message, stack: error.stack, name: error.name } : String(error),
    });
    if (isProduction || error instanceof OrmValidationError) {
      return strip(formatted, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
    }
    return strip(formatted, ErrorCode.INTERNAL_SERVER_ERROR);
  };
}
