import type { PolicyDef } from '@mikro-orm/core';
import { APP_ROLE, AUTH_ROLE, MAINTENANCE_ROLE, SUPPORT_ROLE } from './base.entity.js';
import { PURGING_TENANT_SETTING, SESSION_USER, sessionTenantPredicate } from './tenant-sql.js';

/** The request's tenant, as every tenant policy names it. */
const SAME_TENANT = sessionTenantPredicate();

/** A row of the signed-in user (app.user_id, set for every request of a user). */
export function ofSignedInUser(userColumn: string): string {
  return `${userColumn} = ${SESSION_USER}`;
}

/** A row addressed to the signed-in user's email (an invitation to them, in whichever tenant sent it). */
export function toSignedInUsersEmail(emailColumn: string): string {
  return `${emailColumn} = (select u.email from "user" u where ${ofSignedInUser('u.id')})`;
}

interface RowSecurity {
  rowLevelSecurity: 'force';
  policies: PolicyDef[];
}

/**
 * The policies of an account table whose rows belong to a tenant and also concern one user (memberships, invitations):
 * requests (crm_app) read and write their tenant's rows; the signed-in user also reads, and may delete (leaving a
 * tenant, erasing their account), their own rows in other tenants, but never writes one in. The credential path
 * (crm_auth) reads them before any tenant is known: a user's memberships at sign-in, an invitation by its token.
 */
export function tenantRowsOwnedByUser(ownRow: string): RowSecurity {
  return {
    rowLevelSecurity: 'force',
    policies: [
      { name: 'tenant_isolation', roles: [APP_ROLE], using: SAME_TENANT, check: SAME_TENANT },
      { name: 'own_select', command: 'select', roles: [APP_ROLE], using: ownRow },
      { name: 'own_delete', command: 'delete', roles: [APP_ROLE], using: ownRow },
      { name: 'authentication_reads', command: 'select', roles: [AUTH_ROLE], using: 'true' },
    ],
  };
}

/**
 * The policies of a user's own rows that name the tenant they act in (refresh sessions): requests see and write only
 * the signed-in user's rows, whatever tenant is set. The credential path reads any of them (a refresh token is looked
 * up before its user is known) and revokes them (closing a tenant signs its members out); staff reach their own; the
 * retention job truncates IPs; a closed tenant's purge deletes the rows acting in it.
 */
export function rowsOfOneUser(userColumn: string): RowSecurity {
  const own = ofSignedInUser(userColumn);
  return {
    rowLevelSecurity: 'force',
    policies: [
      { name: 'own_rows', roles: [APP_ROLE], using: own, check: own },
      { name: 'authentication_reads', command: 'select', roles: [AUTH_ROLE], using: 'true' },
      { name: 'authentication_revokes', command: 'update', roles: [AUTH_ROLE], using: 'true', check: 'true' },
      { name: 'staff_own_select', command: 'select', roles: [SUPPORT_ROLE], using: own },
      { name: 'staff_own_update', command: 'update', roles: [SUPPORT_ROLE], using: own },
      // The retention job reads every session and changes only the IP (its grants name the column).
      { name: 'maintenance_reads', command: 'select', roles: [MAINTENANCE_ROLE], using: 'true' },
      { name: 'maintenance', command: 'update', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' },
      { name: 'tenant_purge', command: 'delete', roles: [MAINTENANCE_ROLE], using: sessionTenantPredicate('tenant_id', PURGING_TENANT_SETTING) },
    ],
  };
}
