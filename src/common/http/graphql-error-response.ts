import type { Response } from 'express';
import type { ErrorCode } from '../errors/app-errors.js';

/** Answers a request that never reached GraphQL execution in the GraphQL response shape, with a stable code. */
export function sendGraphQLError(res: Response, status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] }));
}
