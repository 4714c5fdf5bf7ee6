import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { asCredentialPath } from '../../database/tenant-session.js';
import { tenantScoped } from '../../database/tenant-sql.js';

/**
 * The credential path's statements inside a request's transaction, as crm_auth: each returns no more than the next
 * step needs, which then runs under the request role's policies for the user or tenant found here.
 */

/** The user whose refresh session the token's hash names, if any. */
export async function sessionUserOfToken(tx: EntityManager, tokenHash: string): Promise<string | null> {
  const rows = await asCredentialPath(tx, () => tx.execute<{ user_id: string }[]>(`select user_id from refresh_session where token_hash = ?`, [tokenHash]));
  return rows[0]?.user_id ?? null;
}

/** The invitation the token's hash names, and its tenant, if any. */
export async function invitationOfToken(tx: EntityManager, tokenHash: string): Promise<{ id: string; tenantId: string } | null> {
  const rows = await asCredentialPath(tx, () =>
    tx.execute<{ id: string; tenant_id: string }[]>(`select id, tenant_id from invitation where token_hash = ?`, [tokenHash]),
  );
  const row = rows.at(0);
  return row ? { id: row.id, tenantId: row.tenant_id } : null;
}

/**
 * Revokes every session family that acts in the tenant, whoever's it is (its members' access tokens stop working at
 * once, since each request checks its session); a member acting in another tenant stays signed in there.
 */
export async function revokeSessionsActingIn(tx: EntityManager, tenantId: string, now: Date): Promise<number> {
  const tenant = tenantScoped({ tenantId });
  const result = await asCredentialPath(tx, () =>
    tx.execute<QueryResult>(
      `update refresh_session set revoked_at = ?
        where revoked_at is null
          and family_id in (select family_id from refresh_session where ${tenant.sql} and revoked_at is null and replaced_at is null)`,
      [now, ...tenant.params],
      'run',
    ),
  );
  return result.affectedRows;
}
