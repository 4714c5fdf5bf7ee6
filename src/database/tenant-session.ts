import { Injectable, type NestMiddleware } from '@nestjs/common';
import { RequestContext as OrmRequestContext, type SessionContext } from '@mikro-orm/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import type { NextFunction, Request, Response } from 'express';
import { PlatformRole } from '../common/authorization/platform-role.js';
import { RequestContextStore } from '../common/context/request-context.js';
import { APP_ROLE, AUTH_ROLE, MAINTENANCE_ROLE, PURGING_TENANT_SETTING, SUPPORT_ROLE, TENANT_ID_SETTING, USER_ID_SETTING } from './base.entity.js';
import { TENANT_FILTER } from './tenant.filter.js';
import type { PipelinedStatement } from './pipelined-query.js';

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
 * signed-in user is set too, for the rows that belong to a user rather than a tenant (their sessions, their own
 * privacy requests) and their own memberships and invitations in other tenants.
 */
export function tenantScopedFork(orm: MikroORM, tenantId: string | null, userId: string | null = null): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false });
  em.setSessionContext(asOneStatement(APP_ROLE, { [TENANT_ID_SETTING]: tenantId ?? '', [USER_ID_SETTING]: userId ?? '' }));
  return em;
}

/** PromoX support staff: no tenant, and a role whose only policies are on the support tables. */
export function supportStaffFork(orm: MikroORM, userId: string): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false });
  em.setSessionContext(asOneStatement(SUPPORT_ROLE, { [TENANT_ID_SETTING]: '', [USER_ID_SETTING]: userId }));
  return em;
}

/**
 * The narrow privileged path: reads credentials (an API key by hash, a session and its user's membership) before any
 * tenant is known. The ORM tenant filter is off and the role is crm_auth, which row-level security lets read credential
 * rows only. Used by `accounts` for authentication and nothing else; inside a request's transaction the same role is
 * taken with `asCredentialPath`.
 */
export function authenticationFork(orm: MikroORM): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false });
  em.setSessionContext(asOneStatement(AUTH_ROLE, {}));
  return em;
}

/** Scheduled platform jobs (retention): a role that reaches only the rows its tables' policies name it for. */
export function maintenanceFork(orm: MikroORM): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false });
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

function assertInTransaction(em: EntityManager, what: string): void {
  // Outside a transaction each statement is its own, and a local setting would be gone by the next one.
  if (!em.isInTransaction()) throw new Error(`${what} needs a transaction.`);
}

/**
 * The credential path inside a request's transaction: runs `fn` as crm_auth, which reads credential rows of any user or
 * tenant (a refresh token's session, an invitation by its token) and revokes sessions, then switches back to the role
 * the transaction had. On the request's own connection, not a fork's: PGlite runs nothing else while a transaction is
 * open. `fn` should do only that read or revocation; everything after it runs under the request role's policies.
 */
export async function asCredentialPath<T>(tx: EntityManager, fn: () => Promise<T>): Promise<T> {
  assertInTransaction(tx, 'The credential path');
  const [{ role }] = await tx.execute<{ role: string }[]>(`select current_user as role`);
  await tx.execute(`select set_config('role', ?, true)`, [AUTH_ROLE]);
  return settle(fn(), () => tx.execute(`select set_config('role', ?, true)`, [role]));
}

/**
 * Once the credential path has verified a credential the request did not arrive with (a password, a refresh token, an
 * invitation token, a new account), the statements of `fn` act for the user and tenant it names, under the request
 * role's ordinary policies; the transaction's own settings are restored afterwards, so that the rest of the request
 * (its audit entries) still acts for the request's own context.
 */
export async function actingFor<T>(tx: EntityManager, scope: { userId?: string; tenantId?: string }, fn: () => Promise<T>): Promise<T> {
  assertInTransaction(tx, 'Acting for a verified credential');
  const settings = await tx.execute<{ tenant_id: string | null; user_id: string | null }[]>(
    `select current_setting(?, true) as tenant_id, current_setting(?, true) as user_id`,
    [TENANT_ID_SETTING, USER_ID_SETTING],
  );
  const previous = settings.at(0);
  const set = (tenantId: string | null | undefined, userId: string | null | undefined) =>
    tx.execute(`select set_config(?, ?, true), set_config(?, ?, true)`, [TENANT_ID_SETTING, tenantId ?? '', USER_ID_SETTING, userId ?? '']);
  await set(scope.tenantId ?? previous?.tenant_id, scope.userId ?? previous?.user_id);
  return settle(fn(), () => set(previous?.tenant_id, previous?.user_id));
}

/**
 * Runs `restore` after `work`, whether it succeeded or not. After a failed statement the transaction is aborted and
 * refuses the restore too; the work's own error is the one worth reporting, and the transaction rolls back anyway.
 */
async function settle<T>(work: Promise<T>, restore: () => Promise<unknown>): Promise<T> {
  let result: T;
  try {
    result = await work;
  } catch (error) {
    await restore().catch(() => undefined);
    throw error;
  }
  await restore();
  return result;
}

/**
 * Switches the transaction's tenant (`null`: none) for the statements that follow, as a job does that reads or
 * erases one person's rows in each tenant in turn, or an audit entry appended to the chain of the tenant a log-in
 * enters. Row-level security then admits exactly that tenant's rows, as for a request of it.
 */
export async function setSessionTenant(tx: EntityManager, tenantId: string | null): Promise<void> {
  await tx.execute(`select set_config(?, ?, true)`, [TENANT_ID_SETTING, tenantId ?? '']);
}

/** Turns a session setting of this transaction on (`true`) or off, e.g. erasure's ERASING_MENTIONS_SETTING. */
export async function setSessionFlag(tx: EntityManager, setting: string, on: boolean): Promise<void> {
  await tx.execute(`select set_config(?, ?, true)`, [setting, on ? 'on' : '']);
}

/**
 * Runs `fn` as crm_maintenance in the caller's transaction, then restores the caller's role. Not in a finally: after
 * a failed statement the transaction is aborted, rolled back, and the local role with it.
 */
export async function asMaintenanceRole<T>(tx: EntityManager, fn: () => Promise<T>): Promise<T> {
  const [{ role }] = await tx.execute<{ role: string }[]>(`select current_user as role`);
  await tx.execute(`select set_config('role', ?, true)`, [MAINTENANCE_ROLE]);
  const result = await fn();
  await tx.execute(`select set_config('role', ?, true)`, [role]);
  return result;
}

/**
 * The role and settings of a tenant's request (tenantScopedFork's) as the first statement of a pipeline of the read
 * path: local to the implicit transaction the pipeline runs in, so row-level security filters the statements after it.
 */
export function readSessionStatement(tenantId: string, userId: string | null): PipelinedStatement {
  return {
    name: 'promox_read_session',
    text: `select set_config('role', $1, true), set_config('${TENANT_ID_SETTING}', $2, true), set_config('${USER_ID_SETTING}', $3, true)`,
    values: [APP_ROLE, tenantId, userId ?? ''],
  };
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
