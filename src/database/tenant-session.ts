import { Injectable, type NestMiddleware } from '@nestjs/common';
import { MikroORM, RequestContext as OrmRequestContext, type SessionContext } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NextFunction, Request, Response } from 'express';
import { PlatformRole } from '../common/authorization/platform-role.js';
import { RequestContextStore } from '../common/context/request-context.js';
import { APP_ROLE, AUTH_ROLE, MAINTENANCE_ROLE, PURGING_TENANT_SETTING, SUPPORT_ROLE, TENANT_ID_SETTING, USER_ID_SETTING } from './base.entity.js';
import { TENANT_FILTER } from './tenant.filter.js';

/**
 * The role is switched with `set_config('role', …, true)`, the same as `set local role`, so that MikroORM sends it in
 * the one `select set_config(…), …` statement that also sets the tenant: one round trip per transaction, not two.
 */
function asOneStatement(role: string, variables: Record<string, string>): SessionContext {
  return { variables: { role, ...variables } };
}

/**
 * Layer 3 of tenant isolation, on the database side: an EntityManager whose every transaction switches to the
 * non-owner role and sets the tenant locally, so row-level security filters whatever the code above does. The
 * signed-in user is set too, for the few rows that belong to a user rather than a tenant (their own privacy requests).
 */
export function tenantScopedFork(orm: MikroORM, tenantId: string | null, userId: string | null = null): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false }) as EntityManager;
  em.setSessionContext(asOneStatement(APP_ROLE, { [TENANT_ID_SETTING]: tenantId ?? '', [USER_ID_SETTING]: userId ?? '' }));
  return em;
}

/** PromoX support staff: no tenant, and a role whose only policies are on the support tables. */
export function supportStaffFork(orm: MikroORM, userId: string): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false }) as EntityManager;
  em.setSessionContext(asOneStatement(SUPPORT_ROLE, { [TENANT_ID_SETTING]: '', [USER_ID_SETTING]: userId }));
  return em;
}

/**
 * The narrow privileged path: reads credentials (a user by email, an API key by hash, memberships) before any tenant
 * is known. The ORM tenant filter is off and the role is crm_auth, which row-level security lets read credential
 * rows only. Used by `accounts` for authentication and nothing else.
 */
export function authenticationFork(orm: MikroORM): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false }) as EntityManager;
  em.setSessionContext(asOneStatement(AUTH_ROLE, {}));
  return em;
}

/** Scheduled platform jobs (retention): a role that reaches only the rows its tables' policies name it for. */
export function maintenanceFork(orm: MikroORM): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false }) as EntityManager;
  em.setSessionContext(asOneStatement(MAINTENANCE_ROLE, { [TENANT_ID_SETTING]: '' }));
  return em;
}

/**
 * Runs `fn` inside a closed tenant's purge transaction as crm_maintenance, with the tenant named as the one being
 * purged, which the append-only triggers and purge policies of that tenant's history accept; then switches back to the
 * app role. One transaction, so the purge of a tenant commits or rolls back as a whole.
 */
export async function asTenantPurge<T>(tx: EntityManager, tenantId: string, fn: () => Promise<T>): Promise<T> {
  await tx.execute(`select set_config('role', ?, true), set_config(?, ?, true)`, [MAINTENANCE_ROLE, PURGING_TENANT_SETTING, tenantId]);
  const result = await fn();
  await tx.execute(`select set_config('role', ?, true), set_config(?, '', true)`, [APP_ROLE, PURGING_TENANT_SETTING]);
  return result;
}

export const AUTHENTICATION_FIND_OPTIONS = { filters: { [TENANT_FILTER]: false } } as const;

/** Binds a tenant-scoped EntityManager to each request, from the tenant in its RequestContext. */
@Injectable()
export class TenantSessionMiddleware implements NestMiddleware {
  constructor(private readonly orm: MikroORM) {}

  use(_req: Request, _res: Response, next: NextFunction): void {
    const context = RequestContextStore.current();
    const actor = context?.actor;
    // Only support staff get the cross-tenant support role; platform admins run as crm_app in no tenant, which reaches
    // platform tables (policy documents) and no tenant's rows.
    const em =
      actor?.kind === 'user' && actor.platformRole === PlatformRole.SUPPORT
        ? supportStaffFork(this.orm, actor.userId)
        : tenantScopedFork(this.orm, context?.tenantId ?? null, actor?.kind === 'user' ? actor.userId : null);
    OrmRequestContext.create(em, next);
  }
}
