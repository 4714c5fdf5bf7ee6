import { AppError, ErrorCode } from './app-errors.js';

/**
 * SQLSTATEs of a server that is not there for us: class 08 (connection exception), shutting down or starting up
 * (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now), out of connection slots (53300).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** Node's socket errors on the way to the server. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * The errors pg, pg-pool and Kysely raise without a code, by message: no pooled connection in time, a connection that
 * broke or was closed, one that Kysely discarded after a failed rollback.
 */
const UNAVAILABLE_MESSAGE = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated\b/,
  /\bis not queryable$/,
  /^Postgres connection has been discarded$/,
];

/**
 * Whether an error means the database could not be reached or went away, as opposed to refusing a statement. Reads
 * the error's shape, not its class: the errors come from several packages (and, under Jest, from several realms),
 * and wrappers (MikroORM's DriverException, GraphQL's located errors) keep the original as a cause or copy its code.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || SOCKET_ERRORS.has(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.some((pattern) => pattern.test(message))) return true;
    // AggregateError (a connection refused on both IPv4 and IPv6) holds the socket errors in `errors`.
    const { errors } = current as { errors?: unknown };
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    const next = current as { originalError?: unknown; cause?: unknown; thrownValue?: unknown };
    current = next.originalError ?? next.cause ?? next.thrownValue;
  }
  return false;
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable right now; try again shortly.';

/** The caller's answer to a request that could not reach the database: retryable, HTTP 503. */
export const databaseUnavailable = (message = DATABASE_UNAVAILABLE_MESSAGE) => new AppError(ErrorCode.SERVICE_UNAVAILABLE, message);
