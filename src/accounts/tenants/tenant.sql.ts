import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantStatus } from './tenant.entity.js';

/** The tenant's status and purge date: the one read behind every tenant mutation, kept to one small statement. */
export async function tenantStatus(em: EntityManager, tenantId: string): Promise<{ status: TenantStatus; purge_after: string | null } | undefined> {
  const rows = await em.execute<{ status: TenantStatus; purge_after: string | null }[]>('select status, purge_after from tenant where id = ?', [tenantId]);
  return rows[0];
}
