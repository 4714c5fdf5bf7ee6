import { AsyncLocalStorage } from 'node:async_hooks';
import type { Permission } from '../authorization/permission.js';
import type { PlatformRole } from '../authorization/platform-role.js';

/** Who is acting. The tenant always comes from here (the credential), never from an argument. */
export type Actor =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; sessionId: string; platformRole?: PlatformRole }
  | { kind: 'apiKey'; apiKeyId: string; createdByUserId: string | null }
  | { kind: 'system'; name: string };

export interface RequestContext {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly actor: Actor;
  /** The active tenant, taken from the credential; null for anonymous callers and users without a tenant. */
  readonly tenantId: string | null;
  readonly permissions: ReadonlySet<Permission>;
}

/**
 * A request context with an active tenant. The AccessGuard checks for one once, for every operation whose policy
 * declares a tenant, and resolvers receive it with `@TenantCtx()`; services that act on a tenant's data take this
 * type, so that "which tenant?" is answered by the type rather than by a check in each of them.
 */
export interface TenantContext extends RequestContext {
  readonly tenantId: string;
}

export function isTenantContext(context: RequestContext): context is TenantContext {
  return typeof context.tenantId === 'string' && context.tenantId !== '';
}

/**
 * For a job whose work belongs to a tenant by construction (a contact's request always names the contact's tenant):
 * its context as a TenantContext. Without a tenant that is a programming error, not a caller's.
 */
export function asTenantContext(context: RequestContext): TenantContext {
  if (!isTenantContext(context)) throw new Error(`${context.requestId} acts on a tenant's data but carries no tenant.`);
  return context;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The request context travels with the async call chain, so that the ORM's tenant filter and tenant assignment can
 * read it without every caller passing it down. Resolvers still hand it to services explicitly.
 */
export const RequestContextStore = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
  tenantId(): string | null {
    return storage.getStore()?.tenantId ?? null;
  },
};

const requestIds = new AsyncLocalStorage<string>();

/**
 * The id of the HTTP request being served, from its first middleware on: also before its RequestContext exists (a
 * refused credential) and on routes that have none (an export download). Every log line written meanwhile carries it.
 */
export const RequestIdScope = {
  run<T>(requestId: string, fn: () => T): T {
    return requestIds.run(requestId, fn);
  },
  current(): string | undefined {
    return requestIds.getStore();
  },
};

export function anonymousContext(requestId: string, ip = '', userAgent = ''): RequestContext {
  return { requestId, ip, userAgent, actor: { kind: 'anonymous' }, tenantId: null, permissions: new Set() };
}

/**
 * The context of a background or system job, named as its actor. Given a tenant, it is a TenantContext: a job carries
 * its tenant and acts in it exactly as a request of that tenant would.
 */
export function systemContext(name: string, tenantId: string, permissions: ReadonlySet<Permission>): TenantContext;
export function systemContext(name: string, tenantId: string | null, permissions: ReadonlySet<Permission>): RequestContext;
export function systemContext(name: string, tenantId: string | null, permissions: ReadonlySet<Permission>): RequestContext {
  return { requestId: `system:${name}`, ip: '', userAgent: '', actor: { kind: 'system', name }, tenantId, permissions };
}
