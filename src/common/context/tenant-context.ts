import type { RequestContext, TenantContext } from './request-context.js';

/** Request contexts whose tenant the AccessGuard has checked for the operation being served. */
const checked = new WeakSet<RequestContext>();

/** The AccessGuard, once an operation that declares a tenant has one: the context resolvers then get from `@TenantCtx()`. */
export function grantTenantContext(context: TenantContext): TenantContext {
  checked.add(context);
  return context;
}

/** The context the guard granted, if it did. */
export function grantedTenantContext(context: RequestContext | undefined): TenantContext | undefined {
  return context && checked.has(context) ? (context as TenantContext) : undefined;
}
