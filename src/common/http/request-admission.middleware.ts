import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { CredentialVerifier } from '../context/credential-verifier.js';
import { RequestContextStore, type RequestContext } from '../context/request-context.js';
import { ErrorCode, isAppError } from '../errors/app-errors.js';
import { RateLimitStore } from '../rate-limit/rate-limit.store.js';
import { sendGraphQLError } from './graphql-error-response.js';

const MINUTE = 60_000;

/**
 * Admits a GraphQL request: limits the client IP, verifies the credential (the only source of the tenant), limits
 * the actor, then runs the rest of the request inside its RequestContext.
 */
@Injectable()
export class RequestAdmissionMiddleware implements NestMiddleware {
  constructor(
    private readonly config: AppConfig,
    private readonly credentials: CredentialVerifier,
    private readonly limits: RateLimitStore,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const ip = req.ip ?? req.socket.remoteAddress ?? '';
    if (await this.refuseOverLimit(res, `ip:${ip}`, this.config.RATE_LIMIT_PER_IP_PER_MINUTE)) return;

    let credential;
    try {
      credential = await this.credentials.verify(req);
    } catch (error) {
      if (isAppError(error)) {
        sendGraphQLError(res, 401, error.code, error.message);
        return;
      }
      throw error;
    }

    const actorKey = credential
      ? credential.actor.kind === 'user'
        ? `user:${credential.actor.userId}`
        : credential.actor.kind === 'apiKey'
          ? `key:${credential.actor.apiKeyId}`
          : null
      : null;
    if (actorKey && (await this.refuseOverLimit(res, actorKey, this.config.RATE_LIMIT_PER_ACTOR_PER_MINUTE))) return;

    const context: RequestContext = {
      // pino-http's genReqId (see logger.ts) gives every request a string id.
      requestId: typeof req.id === 'string' ? req.id : '',
      ip,
      userAgent: (req.headers['user-agent'] ?? '').slice(0, 512),
      actor: credential?.actor ?? { kind: 'anonymous' },
      tenantId: credential?.tenantId ?? null,
      permissions: credential?.permissions ?? new Set(),
    };
    RequestContextStore.run(context, next);
  }

  private async refuseOverLimit(res: Response, key: string, perMinute: number): Promise<boolean> {
    const hit = await this.limits.hit(`req:${key}`, MINUTE);
    if (hit.count <= perMinute) return false;
    const retryAfterSeconds = Math.max(1, Math.ceil(hit.resetInMs / 1000));
    res.setHeader('Retry-After', String(retryAfterSeconds));
    sendGraphQLError(res, 429, ErrorCode.RATE_LIMITED, 'Too many requests; slow down.', { retryAfterSeconds });
    return true;
  }
}
