import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_POLICY, type AccessPolicy } from '../authorization/access.decorators.js';
import { RequestContextStore, type RequestContext, type TenantContext } from './request-context.js';
import { grantedTenantContext } from './tenant-context.js';
import { unauthenticated } from '../errors/app-errors.js';

/** Injects the request context as a resolver argument, so services receive it first, explicitly. */
export const Ctx = createParamDecorator((_data: unknown): RequestContext => {
  const context = RequestContextStore.current();
  if (!context) throw unauthenticated('No request context.');
  return context;
});

const reflector = new Reflector();

/**
 * Injects the TenantContext the AccessGuard produced for an operation whose policy declares a tenant
 * (`RequirePermissions`, or `tenant: true`). Anywhere else it is a programming error, refused on the first call.
 */
export const TenantCtx = createParamDecorator((_data: unknown, execution: ExecutionContext): TenantContext => {
  const policy = reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [execution.getHandler(), execution.getClass()]);
  const context = grantedTenantContext(RequestContextStore.current());
  if (!policy?.tenant || !context) {
    throw new Error(`@TenantCtx() on ${execution.getClass().name}.${execution.getHandler().name}, whose access policy declares no tenant.`);
  }
  return context;
});
