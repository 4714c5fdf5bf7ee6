import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { Request } from 'express';
import { OperationTypeNode, type GraphQLResolveInfo } from 'graphql';
import { isTenantContext, RequestContextStore, type RequestContext } from '../context/request-context.js';
import { grantTenantContext } from '../context/tenant-context.js';
import { AppError, ErrorCode, forbidden, unauthenticated } from '../errors/app-errors.js';
import { ACCESS_POLICY, type AccessPolicy } from './access.decorators.js';
import { ALLOWED_BEFORE_POLICY_ACCEPTANCE, PolicyAcceptanceGate } from './policy-acceptance.js';
import { ALLOWED_WHILE_TENANT_READ_ONLY, TenantWriteGates } from './tenant-write-gate.js';

/** The one place where operation-level access is decided, for users and API keys alike. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Optional() private readonly policyGate?: PolicyAcceptanceGate,
    @Optional() private readonly writeGates?: TenantWriteGates,
  ) {}

  canActivate(execution: ExecutionContext): boolean | Promise<boolean> {
    const checked = this.checkPolicy(execution);
    if (!checked) return true;
    const { context, policy } = checked;
    const policyGated = this.policyGate !== undefined && this.gatedByPolicyAcceptance(execution, context);
    const writeGated = this.gatedByTenantWriteGates(execution, context, policy);
    if (!policyGated && !writeGated) return true;
    return (async () => {
      if (policyGated) await this.policyGate.assertAccepted(context);
      if (writeGated && isTenantContext(context)) await this.writeGates?.assertWritable(context);
      return true;
    })();
  }

  /** The operation's declared access policy; returns the caller's context (and the policy) when it is signed in. */
  private checkPolicy(execution: ExecutionContext): { context: RequestContext; policy: AccessPolicy } | null {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [execution.getHandler(), execution.getClass()]);
    const context = checkAccessPolicy(policy, RequestContextStore.current());
    return context && policy ? { context, policy } : null;
  }

  /**
   * Changes by signed-in people wait for their acceptance of new policy versions; reads never do, nor do API keys
   * (a partner integration is bound by the tenant's acceptance) or PromoX staff, who act for PromoX itself.
   */
  private gatedByPolicyAcceptance(execution: ExecutionContext, context: RequestContext): boolean {
    if (context.actor.kind !== 'user' || context.actor.platformRole !== undefined) return false;
    if (this.reflector.getAllAndOverride<boolean>(ALLOWED_BEFORE_POLICY_ACCEPTANCE, [execution.getHandler(), execution.getClass()])) {
      return false;
    }
    return this.isChange(execution);
  }

  /**
   * Changes to a tenant's data (operations that need tenant permissions, by members or API keys) wait on every
   * registered tenant write gate. A signed-in user's own operations (log out, switch tenant, accept a policy, their
   * own privacy requests, their usage in the active tenant) concern their account, not the tenant, and are never gated.
   */
  private gatedByTenantWriteGates(execution: ExecutionContext, context: RequestContext, policy: AccessPolicy): boolean {
    if (!policy.permissions || !isTenantContext(context) || !this.writeGates || this.writeGates.empty) return false;
    if (this.reflector.getAllAndOverride<boolean>(ALLOWED_WHILE_TENANT_READ_ONLY, [execution.getHandler(), execution.getClass()])) {
      return false;
    }
    return this.isChange(execution);
  }

  private isChange(execution: ExecutionContext): boolean {
    if (execution.getType<GqlContextType>() === 'graphql') {
      return GqlExecutionContext.create(execution).getInfo<GraphQLResolveInfo>().operation.operation === OperationTypeNode.MUTATION;
    }
    const method = execution.switchToHttp().getRequest<Request>().method;
    return method !== 'GET' && method !== 'HEAD';
  }
}

/**
 * Whether `context` may run an operation with `policy`, for the guard and for the compiled read path alike: throws the
 * refusal (UNAUTHENTICATED, FORBIDDEN) or returns the context, granted as a TenantContext when the policy declares a
 * tenant; null for a public operation.
 */
export function checkAccessPolicy(policy: AccessPolicy | undefined, context: RequestContext | undefined): RequestContext | null {
  if (!policy) {
    // Fail closed: an operation without a declared policy is a programming error, not an open door.
    throw new AppError(ErrorCode.FORBIDDEN, 'This operation declares no access policy.');
  }
  if (policy.public) return null;
  if (!context || context.actor.kind === 'anonymous') throw unauthenticated();
  if (policy.actors && !policy.actors.includes(context.actor.kind)) {
    throw forbidden(context.actor.kind === 'apiKey' ? 'API keys cannot perform this operation.' : undefined);
  }
  if (policy.platformRole) {
    if (context.actor.kind === 'user' && context.actor.platformRole === policy.platformRole) return context;
    throw forbidden('This operation is for PromoX staff.');
  }
  if (policy.tenant && !isTenantContext(context) && !isStaffInstead(context, policy)) {
    throw forbidden('No active tenant: switch to a tenant first.');
  }
  const missing = (policy.permissions ?? []).filter((p) => !context.permissions.has(p));
  if (missing.length > 0) {
    throw new AppError(ErrorCode.FORBIDDEN, `Missing permission: ${missing.join(', ')}.`, { missingPermissions: missing });
  }
  // The one check of the tenant: from here on the operation's resolver and services hold it as a TenantContext.
  if (policy.tenant && isTenantContext(context)) grantTenantContext(context);
  return context;
}

function isStaffInstead(context: RequestContext, policy: AccessPolicy): boolean {
  return policy.orPlatformRole !== undefined && context.actor.kind === 'user' && context.actor.platformRole === policy.orPlatformRole;
}
