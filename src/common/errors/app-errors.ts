import { GraphQLError, type GraphQLErrorOptions } from 'graphql';

/** Stable, documented error codes. Clients branch on `extensions.code`, never on messages. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  FORBIDDEN_FIELD = 'FORBIDDEN_FIELD',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_TOKEN = 'INVALID_TOKEN',
  WEAK_PASSWORD = 'WEAK_PASSWORD',
  AGE_CONFIRMATION_REQUIRED = 'AGE_CONFIRMATION_REQUIRED',
  LAST_OWNER = 'LAST_OWNER',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** A subscription (HTTP 400): the API answers queries and mutations only. */
  OPERATION_NOT_SUPPORTED = 'OPERATION_NOT_SUPPORTED',
  /** An automatic persisted query whose sha256Hash is not the SHA-256 of the query sent with it (HTTP 400). */
  PERSISTED_QUERY_HASH_MISMATCH = 'PERSISTED_QUERY_HASH_MISMATCH',
  /**
   * Apollo's code for automatic persisted queries the server does not take; also for an APQ version other than 1
   * (HTTP 400). Apollo Client then stops sending hashes and sends the full query.
   */
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** A request Apollo or the HTTP layer refused for its form (method, headers, missing query) rather than its content. */
  BAD_REQUEST = 'BAD_REQUEST',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** The record's current state does not allow this change (e.g. replying to a closed support request). */
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  /** The order's status no longer allows this change (lines after production started, currency after the quote). */
  ORDER_LOCKED = 'ORDER_LOCKED',
  /** A support attachment larger than SUPPORT_ATTACHMENT_MAX_BYTES (HTTP 413). */
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  /** A support attachment whose type is not in SUPPORT_ATTACHMENT_TYPES (HTTP 415). */
  UNSUPPORTED_FILE_TYPE = 'UNSUPPORTED_FILE_TYPE',
  /** A marketing communication to a contact without current consent for its channel, or whose address is suppressed. */
  CONSENT_REQUIRED = 'CONSENT_REQUIRED',
  /** A marketing grant for an email or phone on the suppression list: its owner withdrew or objected before. */
  CONSENT_SUPPRESSED = 'CONSENT_SUPPRESSED',
  /** The signed-in user must accept the current policy documents before any other change. */
  POLICY_ACCEPTANCE_REQUIRED = 'POLICY_ACCEPTANCE_REQUIRED',
  /** The tenant was closed: its data is read-only until it is reopened (within the grace period) or purged. */
  TENANT_CLOSED = 'TENANT_CLOSED',
  /**
   * Deleting an account that is the only owner of a tenant: `extensions.tenants` lists each with its `resolution`
   * (TRANSFER_OWNERSHIP to another member, or CLOSE_TENANT when nobody else is a member).
   */
  OWNERSHIP_TRANSFER_REQUIRED = 'OWNERSHIP_TRANSFER_REQUIRED',
  /** Inviting one more member would exceed the tenant's seats (its subscription's, or the trial's). */
  SEAT_LIMIT_REACHED = 'SEAT_LIMIT_REACHED',
  /** The subscription's payment failed longer ago than the grace period: the tenant is read-only until it pays. */
  SUBSCRIPTION_INACTIVE = 'SUBSCRIPTION_INACTIVE',
  /** Closing a tenant whose paid subscription still renews: cancel it first (it ends at the period's end). */
  SUBSCRIPTION_ACTIVE = 'SUBSCRIPTION_ACTIVE',
  /** No Stripe secret key is configured, so billing operations are unavailable (everything else works). */
  BILLING_NOT_CONFIGURED = 'BILLING_NOT_CONFIGURED',
  /** Stripe could not be reached or refused the request; nothing was changed. */
  BILLING_PROVIDER_ERROR = 'BILLING_PROVIDER_ERROR',
  /** A Stripe webhook whose Stripe-Signature header is missing or does not match its body (HTTP 400). */
  INVALID_SIGNATURE = 'INVALID_SIGNATURE',
  /**
   * The database (or another service the request needs) could not be reached in time (HTTP 503). Retryable: nothing
   * was changed, except where a commit's answer was lost on the way, which the message then says.
   */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
}

/** An expected failure: carries a stable code and a message meant for the caller. */
export class AppError extends GraphQLError {
  /** `options.nodes` places an error raised while parsing a literal at that literal (locations). */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: Pick<GraphQLErrorOptions, 'nodes'>) {
    super(message, { ...options, extensions: { code, ...details } });
  }

  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) => new AppError(ErrorCode.BAD_USER_INPUT, message, details);
export const unauthenticated = (message = 'Authentication required.') => new AppError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You are not allowed to do this.') => new AppError(ErrorCode.FORBIDDEN, message);
/** Other tenants' records read as missing, never as forbidden, so ids reveal nothing. */
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found.`);
export const conflict = (message: string) => new AppError(ErrorCode.CONFLICT, message);

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
