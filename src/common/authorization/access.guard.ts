import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RequestContextStore } from '../context/request-context.js';
import { AppError, ErrorCode, forbidden, unauthenticated } from '../errors/app-errors.js';
import { ACCESS_POLICY, type AccessPolicy } from './access.decorators.js';

/** The one place where operation-level access is decided, for users and API keys alike. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(execution: ExecutionContext): boolean {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      execution.getHandler(),
      execution.getClass(),
    ]);
    if (!policy) {
      // Fail closed: an operation without a declared policy is a programming error, not an open door.
      throw new AppError(ErrorCode.FORBIDDEN, 'This operation declares no access policy.');
    }
    if (policy.public) return true;
    const context = RequestContextStore.current();
    if (!context || context.actor.kind === 'anonymous') throw unauthenticated();
    if (policy.actors && !policy.actors.includes(context.actor.kind)) {
      throw forbidden(context.actor.kind === 'apiKey' ? 'API keys cannot perform this operation.' : undefined);
    }
    if (policy.platformRole) {
      if (context.actor.kind === 'user' && context.actor.platformRole === policy.platformRole) return true;
      throw forbidden('This operation is for PromoX staff.');
    }
    if (policy.tenant && !context.tenantId) throw forbidden('No active tenant: switch to a tenant first.');
    const missing = (policy.permissions ?? []).filter((p) => !context.permissions.has(p));
    if (missing.length > 0) {
      throw new AppError(ErrorCode.FORBIDDEN, `Missing permission: ${missing.join(', ')}.`, { missingPermissions: missing });
    }
    return true;
  }
}
